package kpi

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Grain is the period size.
type Grain string

// Grains, from finest to coarsest; All means one period covering all data.
const (
	Day     Grain = "day"
	Week    Grain = "week"
	Month   Grain = "month"
	Quarter Grain = "quarter"
	Year    Grain = "year"
	All     Grain = "all"
)

// Grains lists the selectable grains in cycling order.
var Grains = []Grain{Day, Week, Month, Quarter, Year}

// ParseGrain reads a grain name.
func ParseGrain(s string) (Grain, error) {
	switch g := Grain(strings.ToLower(strings.TrimSpace(s))); g {
	case Day, Week, Month, Quarter, Year, All:
		return g, nil
	}
	return "", fmt.Errorf("unknown grain %q: use day, week, month, quarter or year", s)
}

// Finer reports whether g is a finer grain than o.
func (g Grain) Finer(o Grain) bool { return g.PerYear() > o.PerYear() && g != All }

// Next is the following grain in the cycle.
func (g Grain) Next() Grain {
	for i, x := range Grains {
		if x == g {
			return Grains[(i+1)%len(Grains)]
		}
	}
	return Month
}

// Trunc returns the start of the period containing t (weeks start on Monday).
func (g Grain) Trunc(t time.Time) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	switch g {
	case Day:
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case Week:
		day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		wd := (int(day.Weekday()) + 6) % 7
		return day.AddDate(0, 0, -wd)
	case Month:
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	case Quarter:
		return time.Date(y, ((m-1)/3)*3+1, 1, 0, 0, 0, 0, time.UTC)
	case Year:
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if w, ok := g.win(); ok {
		return w.start(w.index(t))
	}
	return time.Time{}
}

// Add moves a period start by n periods.
func (g Grain) Add(t time.Time, n int) time.Time {
	switch g {
	case Day:
		return t.AddDate(0, 0, n)
	case Week:
		return t.AddDate(0, 0, 7*n)
	case Month:
		return t.AddDate(0, n, 0)
	case Quarter:
		return t.AddDate(0, 3*n, 0)
	case Year:
		return t.AddDate(n, 0, 0)
	}
	if w, ok := g.win(); ok {
		return w.start(w.index(t) - n)
	}
	return t
}

// PerYear is the number of periods in a year.
func (g Grain) PerYear() float64 {
	switch g {
	case Day:
		return 365
	case Week:
		return 52
	case Month:
		return 12
	case Quarter:
		return 4
	}
	if w, ok := g.win(); ok {
		if d := w.days(); d > 0 {
			return 365 / float64(d)
		}
		return 12 / float64(w.months())
	}
	return 1
}

// YearAgo is how many periods back the same period last year lies.
func (g Grain) YearAgo() int {
	switch g {
	case Day:
		return 364 // same weekday
	case Week:
		return 52
	case Month:
		return 12
	case Quarter:
		return 4
	case Year:
		return 1
	}
	if w, ok := g.win(); ok {
		return w.yearAgo()
	}
	return 0
}

// SQLUnit is the DuckDB date_trunc part.
func (g Grain) SQLUnit() string { return string(g) }

// Format renders a period start for display at this grain.
func (g Grain) Format(t time.Time) string {
	switch g {
	case Day:
		return t.Format("2006-01-02")
	case Week:
		y, w := t.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case Month:
		return t.Format("2006-01")
	case Quarter:
		return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
	case Year:
		return t.Format("2006")
	}
	if g.IsWindow() {
		return t.Format(time.DateOnly) + "/" + g.Add(t, 1).AddDate(0, 0, -1).Format(time.DateOnly)
	}
	return "all"
}

// Label renders a period for people ("Oct 2026", "2026-Q3").
func (g Grain) Label(t time.Time) string {
	switch g {
	case Day:
		return t.Format("Mon 2 Jan 2006")
	case Week:
		return "week of " + t.Format("2 Jan 2006")
	case Month:
		return t.Format("Jan 2006")
	case Quarter:
		return fmt.Sprintf("Q%d %d", (int(t.Month())-1)/3+1, t.Year())
	case Year:
		return t.Format("2006")
	}
	if g.IsWindow() {
		return windowLabel(g, t)
	}
	return "all time"
}

// PeriodLabel names a period for people, in the one wording the explorer's
// header and panes and the reports share: "Oct 2026", "week of 12 Oct 2026",
// "Q4 2026", "Mon 12 Oct 2026", "2026". end is the period's exclusive end as
// the data has it: when the data stops before the period does, the label says
// where ("Oct 2026 (to 15 Oct)", "Mon 12 Oct 2026 (to 09:30)"); zero or the
// period's own end is the whole period.
func PeriodLabel(g Grain, start, end time.Time) string {
	if g == All || g == "" || start.IsZero() {
		return "all time"
	}
	label := g.Label(start)
	if end.IsZero() || !end.Before(g.Add(start, 1)) || !end.After(start) {
		return label
	}
	if g == Day {
		return label + " (to " + end.Format("15:04") + ")"
	}
	return label + " (to " + end.Add(-time.Microsecond).Format("2 Jan") + ")"
}

// FlagsSlice reads the --period and --grain flags of the command line
// ("" = not given) into a period start and grain: the period's own grain,
// which a --grain must agree with; all time for --period all, whatever the
// grain (all time has no periods to size); the latest period (zero start)
// at --grain's size, or a month, without --period.
func FlagsSlice(period, grain string) (time.Time, Grain, error) {
	t, g := time.Time{}, Month
	if period != "" {
		var err error
		if t, g, err = ParsePeriod(period); err != nil {
			return time.Time{}, "", err
		}
	}
	if grain == "" {
		return t, g, nil
	}
	gg, err := ParseGrain(grain)
	if err != nil {
		return time.Time{}, "", err
	}
	switch {
	case period == "":
		return t, gg, nil
	case g == All || gg == All:
		if g != All {
			return time.Time{}, "", fmt.Errorf("--period %s is one %s but --grain all is all time; drop one of them", period, g)
		}
		return time.Time{}, All, nil
	case gg != g:
		return time.Time{}, "", fmt.Errorf("--period %s is a %s but --grain is %s; give one or make them agree", period, g, gg)
	}
	return t, g, nil
}

// ParsePeriod reads a period: 2026-09 (month), 2026-Q3, 2026 (year), 2026-09-14
// (day), 2026-W37 (week) or all. It returns the period start and its grain.
func ParsePeriod(s string) (time.Time, Grain, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("unknown period %q: use 2026-09, 2026-Q3, 2026-W37, 2026-09-14, 2026 or all", s)
	switch {
	case strings.EqualFold(s, "all"):
		return time.Time{}, All, nil
	case len(s) == 4:
		y, err := strconv.Atoi(s)
		if err != nil || y < 1 {
			return time.Time{}, "", bad
		}
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), Year, nil
	case len(s) == 7 && (s[5] == 'Q' || s[5] == 'q'):
		y, err1 := strconv.Atoi(s[:4])
		q, err2 := strconv.Atoi(s[6:])
		if err1 != nil || err2 != nil || q < 1 || q > 4 || s[4] != '-' {
			return time.Time{}, "", bad
		}
		return time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC), Quarter, nil
	case len(s) == 8 && (s[5] == 'W' || s[5] == 'w'):
		y, err1 := strconv.Atoi(s[:4])
		w, err2 := strconv.Atoi(s[6:])
		if err1 != nil || err2 != nil || w < 1 || w > 53 || s[4] != '-' {
			return time.Time{}, "", bad
		}
		// ISO week 1 contains 4 January.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
		start := Week.Trunc(jan4).AddDate(0, 0, 7*(w-1))
		if yy, ww := start.ISOWeek(); yy != y || ww != w { // no week 53 this year
			_, weeks := time.Date(y, 12, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
			return time.Time{}, "", fmt.Errorf("unknown period %q: %d has %d ISO weeks", s, y, weeks)
		}
		return start, Week, nil
	case len(s) == 7:
		t, err := time.Parse("2006-01", s)
		if err != nil {
			return time.Time{}, "", bad
		}
		return t, Month, nil
	case len(s) == 10:
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return time.Time{}, "", bad
		}
		return t, Day, nil
	}
	return time.Time{}, "", bad
}

// Compare is what deltas are measured against.
type Compare string

// Comparison modes.
const (
	VsTarget   Compare = "target"
	VsPrevious Compare = "previous"
	VsYear     Compare = "year"
)

// ParseCompare reads a comparison mode.
func ParseCompare(s string) (Compare, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "target":
		return VsTarget, nil
	case "previous", "prev", "pop":
		return VsPrevious, nil
	case "year", "yoy", "last-year":
		return VsYear, nil
	}
	return "", fmt.Errorf("unknown comparison %q: use target, previous or year", s)
}

// Next cycles target → previous → year.
func (c Compare) Next() Compare {
	switch c {
	case VsTarget:
		return VsPrevious
	case VsPrevious:
		return VsYear
	}
	return VsTarget
}

// Label is a short description.
func (c Compare) Label() string {
	switch c {
	case VsTarget:
		return "vs target"
	case VsYear:
		return "vs last year"
	}
	return "vs previous"
}

// Slice is everything that selects the numbers on screen: one value drives
// every query.
type Slice struct {
	Filters []Filter
	Segment string    // dimension to break down by; "" = none
	Grain   Grain     // period size; All = one period
	Period  time.Time // start of the current period; zero = the latest period with data
	Compare Compare
	// Window, when set, replaces Grain and Period with a date range relative
	// to the data's latest day ("last 30 days", "quarter to date").
	Window Window
	Trend  int // periods of trend to return, ending with the current one (default 12)
	// MaxSegments caps this request's breakdown (largest n kept): 0 is the
	// engine's Options.MaxSegments, AllSegments keeps every segment.
	MaxSegments int
}

// AllSegments asks for every segment of a breakdown (Slice.MaxSegments).
const AllSegments = -1

// Key is a stable text form of a slice, for caches.
func (s Slice) Key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s|%s|%d", s.Segment, s.Grain, s.Period.Format(time.RFC3339), s.Compare, s.Trend)
	if s.MaxSegments != 0 {
		fmt.Fprintf(&b, "|max=%d", s.MaxSegments)
	}
	if !s.Window.IsZero() {
		fmt.Fprintf(&b, "|window=%s", s.Window.Arg())
	}
	for _, f := range s.Filters {
		fmt.Fprintf(&b, "|%q%s%q", f.Dim, f.Op, f.Values)
	}
	return b.String()
}

// WithFilter returns a copy with a filter added, or replacing the one on the
// same dimension with the same operator (contacts>=2 and contacts<5 both hold).
func (s Slice) WithFilter(f Filter) Slice {
	out := s
	out.Filters = nil
	for _, x := range s.Filters {
		if x.Dim != f.Dim || x.Op != f.Op {
			out.Filters = append(out.Filters, x)
		}
	}
	out.Filters = append(out.Filters, f)
	return out
}

// WithoutLastFilter drops the most recent filter.
func (s Slice) WithoutLastFilter() Slice {
	out := s
	if n := len(s.Filters); n > 0 {
		out.Filters = append([]Filter(nil), s.Filters[:n-1]...)
	}
	return out
}
