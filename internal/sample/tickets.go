package sample

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

var (
	ticketChannels = []string{"chat", "email", "phone", "web"}
	priorities     = []string{"low", "normal", "high", "urgent"}
	teams          = []string{"Billing", "Technical", "Onboarding", "Accounts"}
)

const (
	chat, email, web   = 0, 1, 3
	high               = 2
	billing, technical = 0, 1
)

// ticket is one row of tickets; zero times and counts are NULL.
type ticket struct {
	created   int64
	firstResp int64
	resolved  int64
	customer  int32
	contacts  int32
	csat      int32
	ces       int32
	reopened  int32 // times reopened after a resolution (support.go)
	channel   uint8
	priority  uint8
	team      uint8
	fate      uint8 // what fillTicket decided: resolved, never answered, never resolved
}

var (
	ticketRate     = []float64{.8, 1.1, 1.8} // per active customer-month, by segment
	ticketChanMix  = [3][]float64{{.40, .22, .13, .25}, {.35, .28, .20, .17}, {.25, .30, .35, .10}}
	priorityMix    = [3][]float64{{.30, .52, .13, .05}, {.24, .52, .18, .06}, {.15, .45, .27, .13}}
	teamMixNew     = []float64{.20, .25, .45, .10}
	teamMix        = []float64{.32, .40, .06, .22}
	firstRespHours = []float64{.2, 1.9, .3, 2.3} // median by channel
	resolveHours   = []float64{3.5, 10, 5.5, 12} // median after first response, by channel
	priorityFirst  = []float64{1.3, 1, .7, .4}
	priorityRes    = []float64{1.3, 1, .6, .3}
	teamRes        = []float64{.8, 1.35, .9, 1}
	firstContact   = []float64{.74, .63, .84, .59}   // P(resolved on first contact), by channel
	csatAsked      = []float64{.45, .36, .41, .33}   // P(rating), by channel
	csatBase       = []float64{.91, .80, .875, .775} // P(rating ≥ 4), by channel
)

// ticketVolume is the expected tickets a customer raises in month m.
func ticketVolume(cu *customer, cal calendar, m int) float64 {
	v := ticketRate[cu.segment] * math.Exp(-.15*cu.mood) * ticketSeason(cal.moy[m])
	if m == cal.incident {
		v *= 1.5
	}
	return v
}

func ticketSeason(m time.Month) float64 {
	switch m {
	case time.January:
		return 1.35
	case time.February:
		return 1.1
	case time.July, time.August:
		return .9
	case time.December:
		return .92
	}
	return 1
}

// ticketCounts decides how many tickets each month gets: the natural expected
// volume with a little noise, or rows split over the months in the same shape.
func ticketCounts(seed int64, cs []customer, cal calendar, rows int) []int {
	expect := make([]float64, cal.months())
	for m := range expect {
		for i := range cs {
			if a, b, ok := cs[i].window(cal, m); ok {
				expect[m] += ticketVolume(&cs[i], cal, m) * float64(b-a) / float64(cal.span(m))
			}
		}
	}
	if rows > 0 {
		return apportion(rows, expect)
	}
	r := newRand(seed, streamTickets)
	out := make([]int, len(expect))
	for m, e := range expect {
		out[m] = max(0, int(math.Round(e*(1+.03*r.NormFloat64()))))
	}
	return out
}

// ticketMonth draws n tickets created in month m, in created_at order. Only
// one month is in memory at a time, which is what lets 10M rows stream.
func ticketMonth(seed int64, cs []customer, cal calendar, m, n int) []ticket {
	r := newRand(seed, streamTickets+1+uint64(m))
	type active struct {
		i    int32
		a, b int64
	}
	var act []active
	var cum []float64
	var total float64
	for i := range cs {
		if a, b, ok := cs[i].window(cal, m); ok {
			total += ticketVolume(&cs[i], cal, m) * float64(b-a)
			act = append(act, active{int32(i), a, b})
			cum = append(cum, total)
		}
	}
	if len(act) == 0 {
		return nil
	}
	ts := make([]ticket, n)
	for k := range ts {
		j := min(sort.SearchFloat64s(cum, r.Float64()*total), len(act)-1)
		ts[k].customer = act[j].i
		ts[k].created = drawTime(r, act[j].a, act[j].b, &officeHours, .45)
	}
	slices.SortFunc(ts, func(x, y ticket) int {
		return cmp.Or(cmp.Compare(x.created, y.created), cmp.Compare(x.customer, y.customer))
	})
	for k := range ts {
		fillTicket(r, &ts[k], &cs[ts[k].customer], cal)
	}
	supportMonth(seed, ts, cal, m)
	return ts
}

// fillTicket draws everything that happens to a ticket after it is opened.
// The stories live here: chat is quick and liked, web and email are slow,
// phone resolves on first contact, urgent goes fast, APAC is underserved, and
// the incident slows everything and sours ratings.
func fillTicket(r *rand.Rand, tk *ticket, cu *customer, cal calendar) {
	inc := cal.incidentLevel(tk.created)
	tenureDays := tk.created/secondsPerDay - cu.signupDay

	tk.channel = uint8(pick(r, ticketChanMix[cu.segment]))
	tk.priority = uint8(pick(r, priorityMix[cu.segment]))
	if r.Float64() < .2*inc {
		tk.priority = uint8(high + r.IntN(2))
	}
	if tenureDays < 45 {
		tk.team = uint8(pick(r, teamMixNew))
	} else {
		tk.team = uint8(pick(r, teamMix))
	}
	if r.Float64() < .4*inc {
		tk.team = technical
	}

	// First response.
	if r.Float64() < .012+.02*inc {
		tk.fate = fateUnanswered
		return
	}
	fr := firstRespHours[tk.channel] * priorityFirst[tk.priority] * (1 + 1.3*inc)
	if cu.region == apac {
		fr *= 1.5
	}
	if d := weekday(tk.created); (d == 0 || d == 6) && (tk.channel == email || tk.channel == web) {
		fr *= 1.8
	}
	end := cal.end()
	tk.firstResp = tk.created + 1 + int64(lognormal(r, fr, .9)*secondsPerHour)
	if tk.firstResp >= end {
		tk.firstResp = 0
		return
	}

	// Resolution.
	pFirst := firstContact[tk.channel] - .12*inc
	switch tk.team {
	case technical:
		pFirst -= .06
	case billing:
		pFirst += .03
	}
	contacts := int32(1)
	if r.Float64() >= pFirst {
		contacts = 2
		for r.Float64() < .4 && contacts < 9 {
			contacts++
		}
	}
	res := resolveHours[tk.channel] * priorityRes[tk.priority] * teamRes[tk.team] *
		(1 + .55*float64(contacts-1))
	if cu.region == apac {
		res *= 1.15
	}
	hours := lognormal(r, res, 1)
	// The incident adds a bounded wait rather than stretching the long tail,
	// as tickets queue behind the outage and clear once it is fixed.
	hours += inc * min(2*hours, 48)
	if r.Float64() < .006 {
		tk.fate = fateStalled // answered, never resolved
		return
	}
	tk.resolved = tk.firstResp + 1 + int64(hours*secondsPerHour)
	if tk.resolved >= end {
		tk.resolved = 0
		return
	}
	tk.contacts = contacts
	total := float64(tk.resolved-tk.created) / secondsPerHour

	// Ratings, asked after resolution.
	rated := r.Float64() < csatAsked[tk.channel]*(1+.15*inc)
	if rated {
		p := csatBase[tk.channel] + .03*cu.mood - .14*inc
		if cu.region == apac {
			p -= .09
		}
		if cu.segment == enterprise {
			p += .02
		}
		if contacts > 1 {
			p -= .06
		}
		if total > 48 {
			p -= .05
		}
		if total > 120 {
			p -= .07
		}
		tk.csat = int32(rating5(r, r.Float64() < clamp(p, .05, .98)))
	}
	askCES := .08
	if rated {
		askCES = .55
	}
	if r.Float64() < askCES {
		p := .84 - .08*inc
		if contacts > 1 {
			p = .58
		}
		switch tk.channel {
		case chat:
			p += .03
		case web:
			p -= .05
		}
		if cu.region == apac {
			p -= .04
		}
		tk.ces = int32(agree7(r, r.Float64() < p))
	}
}

// rating5 turns satisfied / not satisfied into a 1–5 answer (top-2-box is 4–5).
func rating5(r *rand.Rand, satisfied bool) int {
	if satisfied {
		return 4 + pick(r, []float64{.4, .6})
	}
	return 1 + pick(r, []float64{.25, .25, .5})
}

// agree7 turns agree / not agree into a 1–7 CES answer (agree is 5–7).
func agree7(r *rand.Rand, agree bool) int {
	if agree {
		return 5 + pick(r, []float64{.3, .4, .3})
	}
	return 1 + pick(r, []float64{.1, .2, .3, .4})
}
