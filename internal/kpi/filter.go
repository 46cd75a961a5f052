package kpi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"kpiscope/internal/schema"
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
// may itself hold '=' (the first operator splits), and a comma written \,.
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
	case strings.HasPrefix(rest, "<>"):
		return Filter{}, fmt.Errorf("filter %q: write %s!=VALUE to leave a value out", s, dim)
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
		if x, err := strconv.ParseFloat(v, 64); err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return Filter{}, fmt.Errorf("filter %q: %s%s needs a number after %s, e.g. %s%s2", s, dim, op, op, dim, op)
		}
		return Filter{Dim: dim, Op: op, Values: []string{v}}, nil
	}
	var vals []string
	for _, v := range splitValues(val) {
		vals = append(vals, strings.TrimSpace(v))
	}
	return Filter{Dim: dim, Op: op, Values: vals}, nil
}

// splitValues splits a value list at the commas not escaped by a
// backslash; \, is a comma in a value and \\ a backslash.
func splitValues(s string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && (s[i+1] == ',' || s[i+1] == '\\'):
			b.WriteByte(s[i+1])
			i++
		case c == ',':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(out, b.String())
}

// escapeValue writes a value so that splitValues reads it back whole.
func escapeValue(v string) string {
	return strings.NewReplacer("\\", "\\\\", ",", "\\,").Replace(v)
}

// Arg renders the filter as ParseFilter reads it (DIM=V1,V2, DIM!=V, DIM>=N).
func (f Filter) Arg() string {
	op := string(f.Op)
	if f.Op == OpIn {
		op = "="
	}
	vals := make([]string, len(f.Values))
	for i, v := range f.Values {
		vals[i] = v
		if !f.Op.Numeric() {
			vals[i] = escapeValue(v)
		}
	}
	return f.Dim + op + strings.Join(vals, ",")
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
	case w.N == 1: // "last 1 month": rolling, not the calendar month before
		return "last 1 " + string(w.Unit)
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

// newPlanFilter plans a filter on the column c.
func newPlanFilter(c colRef, f Filter) planFilter {
	pf := planFilter{Col: c, Not: f.Op == OpNotIn}
	if f.Op.Numeric() {
		pf.Op = f.Op
		if len(f.Values) > 0 {
			pf.Number, _ = strconv.ParseFloat(f.Values[0], 64)
		}
		return pf
	}
	for _, v := range f.Values {
		if v == BlankLabel {
			pf.Blank = true
		} else {
			pf.Values = append(pf.Values, v)
		}
	}
	return pf
}

// CheckFilter reports a filter the engine cannot apply: an unknown column
// (with the nearest names), or a numeric comparison on a column that holds
// no numbers anywhere.
func (e *Engine) CheckFilter(f Filter) error {
	if err := e.CheckDimension(f.Dim); err != nil {
		// Any column may be filtered on: suggest the nearest of them all.
		var cols []string
		seen := map[string]bool{}
		for _, t := range e.tableNames() {
			for _, c := range e.tables[t] {
				if !seen[strings.ToLower(c.Name)] && !strings.HasPrefix(c.Name, "__") {
					seen[strings.ToLower(c.Name)] = true
					cols = append(cols, c.Name)
				}
			}
		}
		if near := Nearest(f.Dim, cols, 3); len(near) > 0 {
			return fmt.Errorf("filter %s: no column %q; did you mean %s?", f.Arg(), f.Dim, quoteAll(near))
		}
		return fmt.Errorf("filter %s: %w", f.Arg(), err)
	}
	if !f.Op.Numeric() {
		return nil
	}
	var types []string
	for _, t := range e.tableNames() {
		if c, ok := schema.Column(e.tables[t], f.Dim); ok {
			if schema.IsNumeric(c.Type) {
				return nil
			}
			types = append(types, fmt.Sprintf("%s in %s", strings.ToLower(c.Type), t))
		}
	}
	if len(types) == 0 { // a column of the customers table only: every table reaches it by key
		return nil
	}
	return fmt.Errorf("filter %s: %s holds text (%s), not numbers, so %s cannot compare it; use = or != (e.g. %s=VALUE)", f.Arg(), f.Dim, strings.Join(types, ", "), f.Op, f.Dim)
}

// CheckFilterValues reports values of an = or != filter that never occur in
// the column, with the nearest values the data holds (a typo would otherwise
// keep no rows, or every row, without a word). It reads the column's values
// (at most 1,000 distinct); a column with more is not checked.
func (e *Engine) CheckFilterValues(ctx context.Context, f Filter) error {
	if f.Op.Numeric() {
		return nil
	}
	have, err := e.DimValues(ctx, f.Dim)
	if err != nil || len(have) >= 1000 {
		return err
	}
	set := make(map[string]bool, len(have))
	for _, v := range have {
		set[v] = true
	}
	for _, v := range f.Values {
		if set[v] {
			continue
		}
		msg := fmt.Sprintf("filter %s: no %s is %q in the data", f.Arg(), f.Dim, v)
		if near := Nearest(v, have, 3); len(near) > 0 {
			return fmt.Errorf("%s; did you mean %s?", msg, quoteAll(near))
		}
		if len(have) <= 12 {
			return fmt.Errorf("%s (values: %s)", msg, strings.Join(have, ", "))
		}
		return errors.New(msg)
	}
	return nil
}
