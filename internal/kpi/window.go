package kpi

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A window grain is the period size of a rolling window ("last 30 days"):
// periods of the window's length laid back to back, the latest ending at
// the anchor (the end of the data's last day). Its name carries the window
// and the anchor, "last:30d:2026-11-01", so it is a Grain like the others:
// Trunc, Add, labels and the compiler's periods work on it, and the SQL
// renderers bucket rows by the period starts the plan lists (windowBuckets)
// instead of date_trunc.

const windowPrefix = "last:"

// grain is the window's period size for data ending at anchor.
func (w Window) grain(anchor time.Time) Grain {
	return Grain(windowPrefix + w.Arg() + ":" + anchor.Format(time.DateOnly))
}

// winGrain is a window grain read back.
type winGrain struct {
	n      int
	unit   Grain
	anchor time.Time
}

// IsWindow reports whether g is a rolling window's period size.
func (g Grain) IsWindow() bool { return strings.HasPrefix(string(g), windowPrefix) }

func (g Grain) win() (winGrain, bool) {
	rest, ok := strings.CutPrefix(string(g), windowPrefix)
	if !ok {
		return winGrain{}, false
	}
	arg, day, ok := strings.Cut(rest, ":")
	if !ok || len(arg) < 2 {
		return winGrain{}, false
	}
	n, err := strconv.Atoi(arg[:len(arg)-1])
	unit, ok2 := windowUnits[arg[len(arg)-1:]]
	anchor, err2 := time.Parse(time.DateOnly, day)
	if err != nil || !ok2 || err2 != nil || n <= 0 {
		return winGrain{}, false
	}
	return winGrain{n: n, unit: unit, anchor: anchor}, true
}

// days is the window's length in days, or 0 for months, quarters, years.
func (w winGrain) days() int {
	switch w.unit {
	case Day:
		return w.n
	case Week:
		return 7 * w.n
	}
	return 0
}

// months is the window's length in months (0 for days and weeks).
func (w winGrain) months() int {
	switch w.unit {
	case Month:
		return w.n
	case Quarter:
		return 3 * w.n
	case Year:
		return 12 * w.n
	}
	return 0
}

// start is the start of the k-th period back: k = 0 ends at the anchor.
func (w winGrain) start(k int) time.Time {
	if d := w.days(); d > 0 {
		return w.anchor.AddDate(0, 0, -(k+1)*d)
	}
	return w.anchor.AddDate(0, -(k+1)*w.months(), 0)
}

// index is k of the period holding t.
func (w winGrain) index(t time.Time) int {
	avg := float64(w.days()) * 24
	if avg == 0 {
		avg = float64(w.months()) * 730.5
	}
	k := int(w.anchor.Sub(t).Hours()/avg) - 1
	for !w.start(k).After(t) {
		k--
	}
	for w.start(k).After(t) {
		k++
	}
	return k
}

// windowBuckets lists the starts of a window grain's periods that meet the
// ranges, ascending, for the renderers' bucketing; nil for other grains.
func windowBuckets(g Grain, ranges []timeRange) []time.Time {
	if !g.IsWindow() {
		return nil
	}
	seen := map[time.Time]bool{}
	var out []time.Time
	for _, r := range ranges {
		for p := g.Trunc(r.From); p.Before(r.To); p = g.Add(p, 1) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	for i := 1; i < len(out); i++ { // few: insertion sort
		for j := i; j > 0 && out[j].Before(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// windowLabel names a window period: "2 Oct – 31 Oct 2026".
func windowLabel(g Grain, t time.Time) string {
	last := g.Add(t, 1).AddDate(0, 0, -1)
	if t.Equal(last) {
		return t.Format("Mon 2 Jan 2006")
	}
	if t.Year() == last.Year() {
		return t.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
	}
	return t.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
}

// windowYearAgo is how many periods back the same window a year ago lies:
// 364 days for windows in days or weeks that divide it, 12 months for
// windows in months that divide a year; 0 when none does.
func (w winGrain) yearAgo() int {
	if d := w.days(); d > 0 {
		if 364%d == 0 {
			return 364 / d
		}
		return 0
	}
	if m := w.months(); 12%m == 0 {
		return 12 / m
	}
	return 0
}

// YearComparable reports whether the window can be compared with last
// year: a year holds a whole number of it (to-date windows always can).
func (w Window) YearComparable() bool {
	if w.IsZero() || w.ToDate {
		return true
	}
	g, _ := w.grain(time.Unix(0, 0).UTC()).win()
	return g.yearAgo() > 0
}

// CheckWindowCompare refuses a comparison with last year for a window that
// a year does not hold a whole number of times.
func CheckWindowCompare(w Window, c Compare) error {
	if c != VsYear || w.YearComparable() {
		return nil
	}
	return fmt.Errorf("vs last year: a year holds no whole number of %s windows; compare with the previous window, or use a window of 7, 14, 28, 91 or 182 days, weeks dividing 52, or months dividing 12", w.Arg())
}

// checkWindowCompare is CheckWindowCompare for a slice.
func checkWindowCompare(s Slice) error { return CheckWindowCompare(s.Window, s.Compare) }

// Name is the grain in words: "month", or for a window grain "30-day
// windows", "12-week windows".
func (g Grain) Name() string {
	w, ok := g.win()
	if !ok {
		return string(g)
	}
	return fmt.Sprintf("%d-%s windows", w.n, w.unit)
}

// calendar is the calendar grain a window grain is as long as and starts
// with (the last 1 month ending with a month's end is that month), else g:
// targets set for a calendar grain apply to such windows.
func (g Grain) calendar() Grain {
	w, ok := g.win()
	if !ok {
		return g
	}
	switch d, m := w.days(), w.months(); {
	case d == 1:
		return Day
	case d == 7 && w.anchor.Weekday() == time.Monday:
		return Week
	case m == 1 && w.anchor.Day() == 1:
		return Month
	case m == 3 && w.anchor.Equal(Quarter.Trunc(w.anchor)):
		return Quarter
	case m == 12 && w.anchor.Equal(Year.Trunc(w.anchor)):
		return Year
	}
	return g
}

// alignedTo reports whether every period of g starts and ends on a period
// boundary of the grain m (a KPI recorded by m can then be summed over it):
// always for calendar grains coarser than m, for a window when its length
// is whole m periods and it ends on one.
func (g Grain) alignedTo(m Grain) bool {
	w, ok := g.win()
	if !ok {
		return true
	}
	switch m {
	case Day:
		return true
	case Week:
		return w.days() > 0 && w.days()%7 == 0 && w.anchor.Weekday() == time.Monday
	case Month:
		return w.months() > 0 && w.anchor.Day() == 1
	case Quarter:
		return w.months() > 0 && w.months()%3 == 0 && w.anchor.Equal(Quarter.Trunc(w.anchor))
	case Year:
		return w.months() > 0 && w.months()%12 == 0 && w.anchor.Equal(Year.Trunc(w.anchor))
	}
	return false
}
