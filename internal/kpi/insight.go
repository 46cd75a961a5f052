package kpi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The types of issue 12's answers: why a KPI moved (decomposition by
// segment), whether the move is real (intervals and significance), whether
// the period will make its target (pacing, forecast), and against what
// (benchmarks, annotations). The engine fills them; the explorer and the
// reports only show them.

// IntervalKind says which standard 95% interval a KPI's value has.
type IntervalKind string

// Interval kinds.
const (
	// IntervalNone: no standard interval (medians, distinct counts,
	// composites, counts and sums).
	IntervalNone IntervalKind = "none"
	// IntervalProportion: a share of units, Wilson score interval on x of n.
	IntervalProportion IntervalKind = "proportion"
	// IntervalNPS: promoters − detractors of n, from the multinomial variance.
	IntervalNPS IntervalKind = "nps"
	// IntervalMean: a mean of per-row values, t-interval from the sum of squares.
	IntervalMean IntervalKind = "mean"
)

// Interval is a 95% interval [Low, High] in the KPI's own unit.
type Interval struct {
	Low, High float64
}

// Benchmark is an outside reference value for a KPI (kpiscope.yaml's
// benchmark:), shown beside its target.
type Benchmark struct {
	Value  float64
	Label  string // "industry median"
	Source string // where the figure comes from (a citation or URL)
}

// Annotation marks a date or a date range with a label (kpiscope.yaml's
// annotations:), optionally only for one segment (Dim = Value).
type Annotation struct {
	From       time.Time // first day
	To         time.Time // exclusive end; From + 1 day for a single date
	Label      string
	Dim, Value string // "" = every slice
}

// Pace is the outlook of a partial current period: where it is heading and
// what the rest of it needs to reach the target.
type Pace struct {
	// Elapsed is the share of the period's expected volume (or, without a
	// comparison, of its time) already in the data, 0..1.
	Elapsed float64
	// Projected is the projected end-of-period value (nil when there is no
	// basis for it).
	Projected *float64
	// Method names how Projected was made, in words.
	Method string
	// ExpectedRest is the denominator volume (answers, tickets …) expected
	// in the rest of the period; 0 for count and sum KPIs.
	ExpectedRest float64
	// Needed is the value the rest of the period needs for the period to
	// end on target; nil without a target or for count and sum KPIs.
	Needed *float64
	// Reachable is false when Needed lies outside what the KPI can take
	// (above 100 %, below 0).
	Reachable bool
}

// ForecastPoint is one forecast period with its 95% prediction interval.
type ForecastPoint struct {
	Period           time.Time
	Value, Low, High float64
}

// Forecast is a short forecast of a KPI's trend.
type Forecast struct {
	Method string // "Holt's linear trend (α 0.50, β 0.20)", "seasonal naive"
	Points []ForecastPoint
}

// Contribution is one segment's share of a KPI's change between the
// comparison period and the current one (symmetric shift-share):
// Contribution = Mix + Rate, and the contributions add up to the total Δ.
type Contribution struct {
	Dim, Segment string
	Mix, Rate    float64
	Contribution float64
	// Value and CompareValue are the segment's own values in the two
	// periods (nil where it had no rows).
	Value, CompareValue *float64
	// Share and CompareShare are its shares of the denominator, 0..1.
	Share, CompareShare float64
	Appeared, Vanished  bool // rows in only one of the two periods
	Other               bool // the segments a capped breakdown left out, pooled
}

// Decomposition splits a KPI's change over the segments of one dimension.
type Decomposition struct {
	Dim   string
	Delta float64        // the headline Δ; equals Σ Contribution
	Rows  []Contribution // by |Contribution|, largest first
}

// ErrNotDecomposable is wrapped by the reason a KPI's change cannot be split
// by segment (a median, a distinct count, a composite).
var ErrNotDecomposable = errors.New("cannot be split by segment")

// Interval returns the KPI's interval kind: the definition's own (interval:
// in kpiscope.yaml), the catalog's for a built-in, or the kind its formula
// shows (a count of a count scaled to %, a sum over a count of the same rows,
// the NPS formula); IntervalNone otherwise.
func (d *Def) IntervalKind() IntervalKind {
	if d.Interval != "" {
		return d.Interval
	}
	switch d.BuiltinID {
	case "csat", "ces", "fcr", "response_rate", "churn", "retention", "repeat_rate":
		return IntervalProportion
	case "nps":
		return IntervalNPS
	case "resolution_time", "first_response", "avg_purchase":
		return IntervalMean
	case "":
	default:
		return IntervalNone
	}
	return d.inferInterval()
}

// inferInterval guesses a custom KPI's interval kind from its formula.
func (d *Def) inferInterval() IntervalKind {
	switch d.Type {
	case Ratio:
		if d.Scale == 100 && d.countOfCount() {
			return IntervalProportion
		}
		if _, _, ok := d.meanForm(); ok {
			return IntervalMean
		}
	case Formula, Cohort:
		if _, _, _, ok := d.npsInputs(); ok {
			return IntervalNPS
		}
		if d.shareOfCounts() {
			return IntervalProportion
		}
	}
	return IntervalNone
}

// CheckInterval says whether the KPI's formula has the form its interval
// kind (interval: in kpiscope.yaml) is computed from, and if not, which form
// is needed: a proportion is a count over a count, a mean a sum over the
// count of the same rows, NPS K × (promoters − detractors) / n of three
// counts. A built-in's own kind and interval: none always fit.
func (d *Def) CheckInterval() error {
	kind := d.IntervalKind()
	if kind == IntervalNone || d.BuiltinID != "" && kind == builtinInterval(d.BuiltinID) {
		return nil
	}
	ok := false
	switch kind {
	case IntervalProportion:
		ok = d.Type == Ratio && d.countOfCount() || (d.Type == Formula || d.Type == Cohort) && d.shareOfCounts()
	case IntervalMean:
		_, _, ok = d.meanForm()
	case IntervalNPS:
		_, _, _, ok = d.npsInputs()
	default:
		return fmt.Errorf("%q is not an interval kind", kind)
	}
	if ok {
		return nil
	}
	return fmt.Errorf("%s needs %s; this KPI is not of that form, so its value has no %s interval (use interval: none, or leave interval: out)", kind, intervalForm(kind), kind)
}

// intervalForm says which formula an interval kind is computed from.
func intervalForm(kind IntervalKind) string {
	switch kind {
	case IntervalNPS:
		return "inputs promoters, detractors and n (any names), each one count(…), with expr: 100.0 * (promoters - detractors) / n"
	case IntervalMean:
		return "type: ratio with numerator sum(x) (maybe times or divided by a number) and denominator count(x) or count(*) with the same FILTER, so that it counts the rows summed"
	}
	return "a count of units over a count of units: type: ratio with numerator and denominator each one count(…), or expr: 100.0 * a / b over two inputs that are each one count(…)"
}

// builtinInterval is a built-in KPI's interval kind from the catalog.
func builtinInterval(id string) IntervalKind {
	d := Def{BuiltinID: id}
	return d.IntervalKind()
}

// oneCount parses an expression that is exactly one count(…) call.
func oneCount(expr string) (atom, bool) {
	t, ok := parseTemplate(expr)
	if !ok || len(t.atoms) != 1 || t.atoms[0].kind != atomCount || !isPlaceholder(t.text) {
		return atom{}, false
	}
	return t.atoms[0], true
}

// countOfCount reports whether a Ratio KPI is one count over another.
func (d *Def) countOfCount() bool {
	if d.Type != Ratio {
		return false
	}
	_, ok1 := oneCount(d.Numerator)
	_, ok2 := oneCount(d.Denominator)
	return ok1 && ok2
}

// shareOfCounts reports whether a Formula or Cohort KPI is K × a / b of two
// inputs that are each one count.
func (d *Def) shareOfCounts() bool {
	_, a, b, ok := d.shareInputs()
	if !ok {
		return false
	}
	_, ok1 := oneCount(d.Inputs[a])
	_, ok2 := oneCount(d.Inputs[b])
	return ok1 && ok2
}

// meanForm reads a Ratio mean: a numerator of one sum(x), maybe times or
// divided by a number (sum(x) / 3600.0, 60 * sum(x)), over a denominator
// that counts the rows summed: count(x) or count(*) with the same FILTER.
// It returns the sum's atom and the numerator's template text.
func (d *Def) meanForm() (sum atom, text string, ok bool) {
	if d.Type != Ratio {
		return atom{}, "", false
	}
	num, ok := parseTemplate(d.Numerator)
	if !ok || len(num.atoms) != 1 || num.atoms[0].kind != atomSum {
		return atom{}, "", false
	}
	if _, ok := linearFactor(num.text); !ok {
		return atom{}, "", false
	}
	a := num.atoms[0]
	c, ok := oneCount(d.Denominator)
	if !ok || c.filter != a.filter || c.arg != "*" && c.arg != a.arg {
		return atom{}, "", false
	}
	return a, num.text, true
}

// isPlaceholder reports whether a template's text is one atom and nothing else.
func isPlaceholder(text string) bool {
	return strings.TrimSpace(text) == "\x000\x00"
}

// linearFactor reads a template text of one atom optionally divided or
// multiplied by a number ("\x000\x00 / 3600.0", "60 * \x000\x00"),
// returning the factor.
func linearFactor(text string) (float64, bool) {
	s := strings.TrimSpace(text)
	if lead, ok := strings.CutSuffix(s, "\x000\x00"); ok && strings.TrimSpace(lead) != "" {
		k, op, ok := strings.Cut(strings.TrimSpace(lead), "*")
		if !ok || strings.TrimSpace(op) != "" {
			return 0, false
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(k), 64)
		if err != nil || f == 0 {
			return 0, false
		}
		return f, true
	}
	rest, ok := strings.CutPrefix(s, "\x000\x00")
	if !ok {
		return 0, false
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return 1, true
	}
	op, num := rest[0], strings.TrimSpace(rest[1:])
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f == 0 {
		return 0, false
	}
	switch op {
	case '/':
		return 1 / f, true
	case '*':
		return f, true
	}
	return 0, false
}

// npsInputs finds the NPS form K × (p − d) / n of three inputs that are
// each one count, whatever their names ("100.0 * (promoters - detractors)
// / n", "100 * (p - d) / n"), returning the inputs in that order.
func (d *Def) npsInputs() (p, dt, n string, ok bool) {
	_, p, dt, n, ok = d.npsForm()
	return p, dt, n, ok
}

// npsForm is npsInputs with the constant K (100 for NPS in points).
func (d *Def) npsForm() (k float64, p, dt, n string, ok bool) {
	if d.Type != Formula && d.Type != Cohort {
		return 0, "", "", "", false
	}
	e := strings.Join(strings.Fields(d.Expr), "")
	ks, rest, ok1 := strings.Cut(e, "*(")
	diff, n, ok2 := strings.Cut(rest, ")/")
	p, dt, ok3 := strings.Cut(diff, "-")
	if !ok1 || !ok2 || !ok3 {
		return 0, "", "", "", false
	}
	k, err := strconv.ParseFloat(ks, 64)
	if err != nil || k <= 0 {
		return 0, "", "", "", false
	}
	for _, in := range []string{p, dt, n} {
		if _, isCount := oneCount(d.Inputs[in]); !isCount {
			return 0, "", "", "", false
		}
	}
	if p == dt || p == n || dt == n {
		return 0, "", "", "", false
	}
	return k, p, dt, n, true
}

// shareInputs finds the form K × a / b of a Formula or Cohort KPI ("100.0 *
// churned / active_start"), returning K and the two inputs.
func (d *Def) shareInputs() (k float64, a, b string, ok bool) {
	if d.Type != Formula && d.Type != Cohort {
		return 0, "", "", false
	}
	e := strings.Join(strings.Fields(d.Expr), "")
	star := strings.IndexByte(e, '*')
	slash := strings.IndexByte(e, '/')
	if star < 0 || slash < star {
		return 0, "", "", false
	}
	k, err := strconv.ParseFloat(e[:star], 64)
	a, b = e[star+1:slash], e[slash+1:]
	_, hasA := d.Inputs[a]
	_, hasB := d.Inputs[b]
	if err != nil || !hasA || !hasB {
		return 0, "", "", false
	}
	return k, a, b, true
}

// FormatSigned is FormatNumber with a negative number's minus sign written
// "−", as deltas have it ("−4.0h", "−$5.70"), for numbers shown in
// sentences and intervals.
func (d *Def) FormatSigned(v float64, decimals int) string {
	s := d.FormatNumber(v, decimals)
	if strings.HasPrefix(s, "-") {
		return "−" + s[1:]
	}
	return s
}

// valueScale is the constant a KPI's ratio is multiplied by: a ratio's
// scale (1 when unset), the K of a K × a / b share, else 1.
func (d *Def) valueScale() float64 {
	if d.Type == Ratio {
		if d.Scale != 0 {
			return d.Scale
		}
		return 1
	}
	if k, _, _, ok := d.shareInputs(); ok && k != 0 {
		return k
	}
	return 1
}

// RatioParts returns the KPI's value as num / den of additive components
// (value = num / den, scale included in num): for a proportion, a mean or
// NPS. ok is false for other kinds or when a component is missing.
func (d *Def) RatioParts(comps map[string]float64) (num, den float64, ok bool) {
	get := func(k string) (float64, bool) { v, has := comps[k]; return v, has }
	switch d.IntervalKind() {
	case IntervalProportion, IntervalMean:
		if d.Type == Ratio {
			n, ok1 := get("num")
			dn, ok2 := get("den")
			return d.valueScale() * n, dn, ok1 && ok2
		}
		k, a, b, has := d.shareInputs()
		if !has {
			return 0, 0, false
		}
		n, ok1 := get(a)
		dn, ok2 := get(b)
		return k * n, dn, ok1 && ok2
	case IntervalNPS:
		k, p, dt, n, has := d.npsForm()
		if !has {
			return 0, 0, false
		}
		pv, ok1 := get(p)
		dv, ok2 := get(dt)
		nv, ok3 := get(n)
		return k * (pv - dv), nv, ok1 && ok2 && ok3
	}
	return 0, 0, false
}

// Annotations returns the configured annotations.
func (e *Engine) Annotations() []Annotation { return e.opt.Annotations }

// AnnotationsFor returns the annotations overlapping [from, to) that apply to
// a slice: those without a segment, and those whose segment the slice's
// filters select (dim = value).
func AnnotationsFor(list []Annotation, from, to time.Time, filters []Filter) []Annotation {
	var out []Annotation
	for _, a := range list {
		if !to.IsZero() && !a.From.Before(to) || !from.IsZero() && !a.To.After(from) {
			continue
		}
		if a.Dim != "" && !filterIs(filters, a.Dim, a.Value) {
			continue
		}
		out = append(out, a)
	}
	return out
}
