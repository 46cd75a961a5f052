package sample

import (
	"math/rand/v2"
	"time"
)

// The support-operations story (issue 14), drawn after fillTicket from
// streams of its own so that every ticket it does not touch keeps the values
// it had before the story existed:
//
//   - Billing works Mon–Fri 09:00–17:00 London and not on bank holidays.
//     Its email and web tickets created between a Friday's close and the
//     next opening after the weekend (or a bank holiday) wait in a queue
//     (chat and phone reach the weekend desk, who answer live as before,
//     so chat stays quick) that is answered
//     from 09:00 on the reopening day in the order the tickets came, at a
//     pace drawn per weekend: the queue takes most of a working day, often
//     more, so urgent and high tickets, and some normal ones, miss their
//     first-response SLA, and the breaches fall on Mondays. Their resolution
//     keeps the time it took after the first response, shifted with it.
//   - No ticket stays open for ever: a nightly sweep at 02:00 UTC closes a
//     ticket left unanswered for autoCloseDays (resolved with no first
//     response), and one answered but never resolved autoCloseDays after its
//     answer. What is open at any moment is the recent work in flight.
//   - reopened counts the times a resolved ticket was reopened: more often
//     when it took several contacts, and for Technical during the incident.

// Fates of a ticket, as fillTicket leaves it.
const (
	fateResolved   uint8 = iota // resolved, or open only because the data ends first
	fateUnanswered              // never answered
	fateStalled                 // answered, never resolved
)

// autoCloseDays is how long the sweep leaves a ticket without an answer (or
// without a resolution after its answer) before closing it.
const autoCloseDays = 7

const (
	sweepHour    = 2 // UTC
	billingOpen  = 9 * secondsPerHour
	billingClose = 17 * secondsPerHour
	billingDay   = billingClose - billingOpen
)

// Reopen chances of a resolved ticket.
const (
	reopenBase     = .022 // resolved on the first contact
	reopenContact  = .03  // per contact after the first
	reopenTech     = .01  // Technical, always
	reopenIncident = .09  // Technical, at the incident's full strength
	reopenAgain    = .15  // a reopened ticket reopened once more
)

// supportMonth applies the story to month m's tickets (in created order).
func supportMonth(seed int64, ts []ticket, cal calendar, m int) {
	end := cal.end()
	closeRand := newRand(seed, streamSupport+1+uint64(m))
	reopenRand := newRand(seed, streamReopens+1+uint64(m))
	for k := range ts {
		tk := &ts[k]
		if tk.team == billing && (tk.channel == email || tk.channel == web) {
			billingQueue(seed, tk, end)
		}
		autoClose(closeRand, tk, end)
		reopen(reopenRand, tk, cal)
	}
}

// billingQueue moves the first response (and the resolution with it) of a
// Billing ticket created over a weekend or bank holiday to its place in the
// queue on the reopening day. Only ever later, never earlier.
func billingQueue(seed int64, tk *ticket, end int64) {
	closed, open, ok := billingGap(tk.created)
	if !ok || tk.fate == fateUnanswered || tk.firstResp == 0 {
		return // in hours, an ordinary night, never answered, or answered after the data's end
	}
	// The pace is the weekend's, drawn from a stream of its own (keyed by the
	// reopening day), so the tickets of one weekend share it whatever month
	// they were created in: the queue takes pace business hours to clear.
	w := newRand(seed, streamWeekends+uint64(open/secondsPerDay))
	pace := lognormal(w, 20, .3)
	// Answered in arrival order: a ticket waits behind the share of the
	// gap's expected arrivals that came before it.
	at := pace*arrivedShare(closed, open, tk.created) + .05 + .1*w.Float64()
	first := max(tk.firstResp, billingAfter(open, at))
	if tk.resolved != 0 {
		tk.resolved += first - tk.firstResp
	}
	tk.firstResp = first
	switch {
	case tk.firstResp >= end:
		tk.firstResp, tk.resolved, tk.contacts, tk.csat, tk.ces = 0, 0, 0, 0, 0
		tk.fate = fateResolved // open at the data's end, like any late answer
	case tk.resolved >= end:
		tk.resolved, tk.contacts, tk.csat, tk.ces = 0, 0, 0, 0
	}
}

// autoClose closes a ticket the sweep finds left alone for autoCloseDays.
func autoClose(r *rand.Rand, tk *ticket, end int64) {
	var since int64
	switch tk.fate {
	case fateUnanswered:
		since = tk.created
	case fateStalled:
		since = tk.firstResp
	default:
		return
	}
	due := since + autoCloseDays*secondsPerDay
	at := (due-sweepHour*secondsPerHour+secondsPerDay-1)/secondsPerDay*secondsPerDay + sweepHour*secondsPerHour
	at += r.Int64N(20 * 60) // the sweep takes a few minutes
	if at < end {
		tk.resolved = at
	}
}

// reopen draws how many times a resolved ticket was reopened (0 for one
// closed by the sweep or not resolved).
func reopen(r *rand.Rand, tk *ticket, cal calendar) {
	if tk.resolved == 0 || tk.contacts == 0 {
		return
	}
	p := reopenBase + reopenContact*float64(tk.contacts-1)
	if tk.team == technical {
		p += reopenTech + reopenIncident*cal.incidentLevel(tk.created)
	}
	if r.Float64() < p {
		tk.reopened = 1
		if r.Float64() < reopenAgain {
			tk.reopened = 2
		}
	}
}

// London time: the data's times are UTC; Billing keeps London hours.

// londonOffset is London's offset from UTC at the UTC instant t: an hour in
// summer time (from 01:00 UTC on the last Sunday of March to 01:00 UTC on
// the last Sunday of October).
func londonOffset(t int64) int64 {
	y := time.Unix(t, 0).UTC().Year()
	if t >= lastSunday(y, time.March)+secondsPerHour && t < lastSunday(y, time.October)+secondsPerHour {
		return secondsPerHour
	}
	return 0
}

func lastSunday(y int, m time.Month) int64 {
	d := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC).Unix() - secondsPerDay
	return d - int64(weekday(d))*secondsPerDay
}

// fromLondon turns a London wall-clock time (in seconds as if UTC) on a
// working day's hours into UTC; the clocks change at night, never then.
func fromLondon(local int64) int64 { return local - londonOffset(local) }

// billingWorks reports whether Billing works on the London day d (days
// since 1970-01-01): Monday to Friday, not a bank holiday.
func billingWorks(d int64) bool {
	wd := weekday(d * secondsPerDay)
	return wd != 0 && wd != 6 && !bankHoliday(d)
}

// billingGap finds, for a ticket created at t, the closing and reopening
// (UTC) of Billing around it, and whether the gap between them is longer
// than a night: a weekend or a bank holiday.
func billingGap(t int64) (closed, open int64, ok bool) {
	local := t + londonOffset(t)
	d, sec := local/secondsPerDay, local%secondsPerDay
	if billingWorks(d) && sec >= billingOpen && sec < billingClose {
		return 0, 0, false
	}
	od := d
	if !billingWorks(od) || sec >= billingOpen {
		for od++; !billingWorks(od); od++ {
		}
	}
	cd := d
	if !billingWorks(cd) || sec < billingClose {
		for cd--; !billingWorks(cd); cd-- {
		}
	}
	if od-cd <= 1 {
		return 0, 0, false
	}
	return fromLondon(cd*secondsPerDay + billingClose), fromLondon(od*secondsPerDay + billingOpen), true
}

// billingAfter is the UTC instant h business hours of Billing after its
// opening at open (UTC).
func billingAfter(open int64, h float64) int64 {
	local := open + londonOffset(open)
	d := local / secondsPerDay
	rest := int64(h * secondsPerHour)
	for rest >= billingDay {
		rest -= billingDay
		for d++; !billingWorks(d); d++ {
		}
	}
	return fromLondon(d*secondsPerDay + billingOpen + rest)
}

// arrivedShare is the share of the tickets expected between closed and open
// (by the hour profile tickets are drawn with) that arrive before t.
func arrivedShare(closed, open, t int64) float64 {
	var before, all float64
	for h := closed; h < open; h += secondsPerHour {
		w := officeHours[(h%secondsPerDay)/secondsPerHour]
		if d := weekday(h); d == 0 || d == 6 {
			w *= .45
		}
		step := float64(min(secondsPerHour, open-h))
		all += w * step
		if h < t {
			before += w * float64(min(step, float64(t-h)))
		}
	}
	if all == 0 {
		return 0
	}
	return before / all
}

// bankHoliday reports whether the day d (days since 1970-01-01) is a bank
// holiday in England and Wales: New Year's Day, Good Friday, Easter Monday,
// the first and last Mondays of May, the last Monday of August, Christmas
// and Boxing Day, those on a weekend moved to the next weekdays. (The
// one-off holidays of a jubilee or coronation are not drawn.)
func bankHoliday(d int64) bool {
	t := time.Unix(d*secondsPerDay, 0).UTC()
	y := t.Year()
	day := func(m time.Month, dd int) int64 {
		return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
	}
	easter := easterSunday(y)
	firstMon := func(m time.Month) int64 {
		f := day(m, 1)
		return f + int64((8-weekday(f*secondsPerDay))%7)
	}
	lastMon := func(m time.Month) int64 {
		l := day(m+1, 1) - 1
		return l - int64((weekday(l*secondsPerDay)+6)%7)
	}
	// A holiday on a Saturday or Sunday moves to the next free weekday.
	next := func(h int64, taken ...int64) int64 {
		for {
			wd := weekday(h * secondsPerDay)
			free := wd != 0 && wd != 6
			for _, x := range taken {
				free = free && h != x
			}
			if free {
				return h
			}
			h++
		}
	}
	newYear := next(day(time.January, 1))
	christmas := next(day(time.December, 25))
	boxing := next(day(time.December, 26), christmas)
	for _, h := range []int64{newYear, easter - 2, easter + 1, firstMon(time.May), lastMon(time.May), lastMon(time.August), christmas, boxing} {
		if d == h {
			return true
		}
	}
	return false
}

// easterSunday is the day (since 1970-01-01) of Easter Sunday in year y
// (the anonymous Gregorian algorithm).
func easterSunday(y int) int64 {
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	dd := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), dd, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
}
