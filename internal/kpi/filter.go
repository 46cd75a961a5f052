package kpi

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FilterOp is how a filter compares a column with its values.
type FilterOp string

// Filter operators. The zero value keeps rows equal to one of the values.
const (
	OpIn    FilterOp = ""   // DIM=V1,V2: one of the values (a blank value keeps empty cells)
	OpNotIn FilterOp = "!=" // DIM!=V1,V2: none of the values (empty cells are kept)
	OpGE    FilterOp = ">=" // numeric: at least the value
	OpGT    FilterOp = ">"  // numeric: above the value
	OpLE    FilterOp = "<=" // numeric: at most the value
	OpLT    FilterOp = "<"  // numeric: below the value
)

// Numeric reports whether the operator compares numbers (one value).
func (op FilterOp) Numeric() bool {
	switch op {
	case OpGE, OpGT, OpLE, OpLT:
		return true
	}
	return false
}

// Filter keeps rows whose column compares with the values as Op says. The
// values are always bound as query arguments, never spliced into SQL.
type Filter struct {
	Dim    string
	Op     FilterOp
	Values []string
}

// ParseFilter reads a filter as people write it: DIM=VALUE, DIM=V1,V2,
// DIM!=V1,V2, or a numeric comparison DIM>=N, DIM>N, DIM<=N, DIM<N. A value
// may itself hold '=' (the first operator splits).
func ParseFilter(s string) (Filter, error) {
	i := strings.IndexAny(s, "!<>=")
	if i <= 0 || strings.TrimSpace(s[:i]) == "" {
		return Filter{}, fmt.Errorf("filter %q: use DIM=VALUE, DIM!=VALUE or DIM>=NUMBER, e.g. --filter channel=chat", s)
	}
	dim, rest := strings.TrimSpace(s[:i]), s[i:]
	var op FilterOp
	switch {
	case strings.HasPrefix(rest, "!="):
		op = OpNotIn
	case strings.HasPrefix(rest, ">="):
		op = OpGE
	case strings.HasPrefix(rest, "<="):
		op = OpLE
	case strings.HasPrefix(rest, "=="):
		op, rest = OpIn, rest[1:]
	case strings.HasPrefix(rest, "="):
		op = OpIn
	case strings.HasPrefix(rest, ">"):
		op = OpGT
	case strings.HasPrefix(rest, "<"):
		op = OpLT
	default: // a lone '!'
		return Filter{}, fmt.Errorf("filter %q: use DIM!=VALUE to leave a value out", s)
	}
	width := len(op)
	if op == OpIn {
		width = 1
	}
	val := rest[width:]
	if op.Numeric() {
		v := strings.TrimSpace(val)
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return Filter{}, fmt.Errorf("filter %q: %s%s needs a number after %s, e.g. %s%s2", s, dim, op, op, dim, op)
		}
		return Filter{Dim: dim, Op: op, Values: []string{v}}, nil
	}
	var vals []string
	for _, v := range strings.Split(val, ",") {
		vals = append(vals, strings.TrimSpace(v))
	}
	return Filter{Dim: dim, Op: op, Values: vals}, nil
}

// Arg renders the filter as ParseFilter reads it (DIM=V1,V2, DIM!=V, DIM>=N).
func (f Filter) Arg() string {
	op := string(f.Op)
	if f.Op == OpIn {
		op = "="
	}
	return f.Dim + op + strings.Join(f.Values, ",")
}

// String renders the filter for people: "channel = chat, email",
// "channel ≠ web", "contacts ≥ 2".
func (f Filter) String() string {
	op := map[FilterOp]string{OpIn: "=", OpNotIn: "≠", OpGE: "≥", OpGT: ">", OpLE: "≤", OpLT: "<"}[f.Op]
	return f.Dim + " " + op + " " + strings.Join(f.Values, ", ")
}

// Window is a date range relative to the data's latest day: the last N
// days, weeks, months, quarters or years up to and including that day, or
// the Unit it falls in, to date.
type Window struct {
	N      int   // last N Units; 0 with ToDate
	Unit   Grain // Day, Week, Month, Quarter or Year
	ToDate bool  // the current Unit to date
}

// IsZero reports whether no window is set.
func (w Window) IsZero() bool { return w == Window{} }

var windowUnits = map[string]Grain{
	"d": Day, "day": Day, "days": Day,
	"w": Week, "week": Week, "weeks": Week,
	"m": Month, "month": Month, "months": Month,
	"q": Quarter, "quarter": Quarter, "quarters": Quarter,
	"y": Year, "year": Year, "years": Year,
}

// ParseWindow reads a relative date window: "30d", "12w", "6m", "2q", "1y",
// "last 30 days", "last 12 weeks", "this quarter to date", "quarter to
// date", "qtd" (also wtd, mtd, ytd), or "this month" (to date).
func ParseWindow(s string) (Window, error) {
	t := strings.ToLower(strings.Join(strings.Fields(s), " "))
	bad := fmt.Errorf("window %q: use e.g. 30d, 12w, 6m, \"last 12 weeks\", \"this quarter to date\" or qtd", s)
	switch t {
	case "wtd":
		return Window{Unit: Week, ToDate: true}, nil
	case "mtd":
		return Window{Unit: Month, ToDate: true}, nil
	case "qtd":
		return Window{Unit: Quarter, ToDate: true}, nil
	case "ytd":
		return Window{Unit: Year, ToDate: true}, nil
	}
	if rest, ok := strings.CutPrefix(t, "this "); ok {
		rest = strings.TrimSuffix(rest, " to date")
		if g, ok := windowUnits[rest]; ok && len(rest) > 1 {
			return Window{Unit: g, ToDate: true}, nil
		}
		return Window{}, bad
	}
	if rest, ok := strings.CutSuffix(t, " to date"); ok {
		if g, ok := windowUnits[rest]; ok && len(rest) > 1 {
			return Window{Unit: g, ToDate: true}, nil
		}
		return Window{}, bad
	}
	t = strings.TrimPrefix(t, "last ")
	t = strings.ReplaceAll(t, " ", "")
	j := 0
	for j < len(t) && t[j] >= '0' && t[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(t[:j])
	g, ok := windowUnits[t[j:]]
	if err != nil || !ok || n <= 0 {
		return Window{}, bad
	}
	if n > 10000 {
		return Window{}, fmt.Errorf("window %q: at most 10000 %ss", s, g)
	}
	return Window{N: n, Unit: g}, nil
}

// Arg renders the window as ParseWindow reads it ("30d", "qtd").
func (w Window) Arg() string {
	if w.IsZero() {
		return ""
	}
	if w.ToDate {
		return string(string(w.Unit)[0]) + "td"
	}
	return strconv.Itoa(w.N) + string(string(w.Unit)[0])
}

// String renders the window for people: "last 30 days", "quarter to date".
func (w Window) String() string {
	switch {
	case w.IsZero():
		return ""
	case w.ToDate:
		return string(w.Unit) + " to date"
	case w.N == 1:
		return "last " + string(w.Unit)
	}
	return fmt.Sprintf("last %d %ss", w.N, w.Unit)
}

// Range is the window's [from, to) for data whose latest day is last: the
// last N units end with that whole day; a to-date window starts at the
// start of the unit that day falls in.
func (w Window) Range(last time.Time) (from, to time.Time) {
	day := Day.Trunc(last)
	to = day.AddDate(0, 0, 1)
	if w.ToDate {
		return w.Unit.Trunc(day), to
	}
	switch w.Unit {
	case Day:
		return to.AddDate(0, 0, -w.N), to
	case Week:
		return to.AddDate(0, 0, -7*w.N), to
	case Month:
		return to.AddDate(0, -w.N, 0), to
	case Quarter:
		return to.AddDate(0, -3*w.N, 0), to
	}
	return to.AddDate(-w.N, 0, 0), to
}
