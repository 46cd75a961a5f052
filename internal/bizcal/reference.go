package bizcal

import (
	"time"
	_ "time/tzdata" // the binary carries the zone database: a host without /usr/share/zoneinfo still has every calendar's zone
)

// Business time is measured on the wall clock of the calendar's zone: an
// instant is worked when its local time falls in a working span of its local
// date, and that date is not a holiday. So a DST change inside working hours
// counts real elapsed time: the hour the clock skips is not worked, the hour
// it repeats is worked twice (a 24/7 calendar measures plain elapsed time).
// Internally times are microseconds, as in DuckDB.

const (
	usPerSec  = int64(1_000_000)
	usPerDay  = 86_400 * usPerSec
	usPerWeek = 7 * usPerDay
)

// DaySeconds is the length of one business day in seconds, for targets
// written in days: DayHours×3600, or the longest working weekday.
func (c *Calendar) DaySeconds() float64 {
	if c.DayHours > 0 {
		return c.DayHours * 3600
	}
	longest := 0
	for _, spans := range c.Week {
		n := 0
		for _, s := range spans {
			n += s.End - s.Start
		}
		longest = max(longest, n)
	}
	return float64(longest)
}

// Seconds is the exact number of business seconds in [a, b); 0 when b <= a.
func (c *Calendar) Seconds(a, b time.Time) float64 {
	if !b.After(a) {
		return 0
	}
	hol := c.holidaySet()
	var total int64
	for _, seg := range c.segments(a.UnixMicro(), b.UnixMicro()) {
		total += c.wallWork(hol, seg.from+seg.off, seg.to+seg.off)
	}
	return float64(total) / float64(usPerSec)
}

// Deadline is the first instant at which secs business seconds have passed
// since a: a deadline that lands on the end of a span is that end (Friday
// 18:00, not Monday 08:00). It is a when secs <= 0, and the zero Time when
// the calendar has no working hours.
func (c *Calendar) Deadline(a time.Time, secs float64) time.Time {
	need := roundUS(secs * float64(usPerSec))
	if need <= 0 {
		return a
	}
	if c.weekWork() == 0 {
		return time.Time{}
	}
	hol := c.holidaySet()
	zone := c.zone()
	from := a.UnixMicro()
	// A calendar with working hours but holidays over years is still bounded:
	// holidays are finite, so the walk ends.
	for {
		t := time.UnixMicro(from).In(zone)
		_, off := t.Zone()
		offUS := int64(off) * usPerSec
		to := zoneEnd(zone, from, from+400*usPerDay)
		w0, w1 := from+offUS, to+offUS
		for d := floorDiv(w0, usPerDay); d*usPerDay < w1; d++ {
			if hol[d] {
				continue
			}
			for _, s := range c.Week[weekday(d)] {
				lo := max(d*usPerDay+int64(s.Start)*usPerSec, w0)
				hi := min(d*usPerDay+int64(s.End)*usPerSec, w1)
				if hi <= lo {
					continue
				}
				if need <= hi-lo {
					return time.UnixMicro(lo + need - offUS).In(a.Location())
				}
				need -= hi - lo
			}
		}
		from = to
	}
}

// segment is a stretch of instants [from, to) with one UTC offset (µs).
type segment struct{ from, to, off int64 }

// segments cuts [from, to) (µs since the epoch) where the zone's offset changes.
func (c *Calendar) segments(from, to int64) []segment {
	zone := c.zone()
	var out []segment
	for from < to {
		off := offsetAt(zone, from)
		next := zoneEnd(zone, from, to)
		out = append(out, segment{from, next, int64(off) * usPerSec})
		from = next
	}
	return out
}

// wallWork is the working time within the wall-clock range [w0, w1) (µs of
// local time counted as if it were UTC), leaving out holidays.
func (c *Calendar) wallWork(hol map[int64]bool, w0, w1 int64) int64 {
	var n int64
	for d := floorDiv(w0, usPerDay); d*usPerDay < w1; d++ {
		if hol[d] {
			continue
		}
		for _, s := range c.Week[weekday(d)] {
			lo := max(d*usPerDay+int64(s.Start)*usPerSec, w0)
			hi := min(d*usPerDay+int64(s.End)*usPerSec, w1)
			if hi > lo {
				n += hi - lo
			}
		}
	}
	return n
}

// holidaySet holds the holidays as days since 1970-01-01.
func (c *Calendar) holidaySet() map[int64]bool {
	m := make(map[int64]bool, len(c.Holidays))
	for _, h := range c.Holidays {
		m[dayOf(h)] = true
	}
	return m
}

// weekWork is the working time of a whole week (µs).
func (c *Calendar) weekWork() int64 {
	var n int64
	for _, spans := range c.Week {
		for _, s := range spans {
			n += int64(s.End-s.Start) * usPerSec
		}
	}
	return n
}

func (c *Calendar) zone() *time.Location {
	if c.Zone == nil {
		return time.UTC
	}
	return c.Zone
}

// dayOf is a local date's day number since 1970-01-01.
func dayOf(d time.Time) int64 {
	y, m, dd := d.Date()
	return floorDiv(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).UnixMicro(), usPerDay)
}

// weekday of a day number (1970-01-01 was a Thursday).
func weekday(d int64) time.Weekday { return time.Weekday(mod(d+4, 7)) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func mod(a, b int64) int64 { return a - floorDiv(a, b)*b }

func roundUS(x float64) int64 {
	if x < 0 {
		return -int64(-x + 0.5)
	}
	return int64(x + 0.5)
}
