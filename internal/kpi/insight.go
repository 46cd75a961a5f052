package kpi

import (
	"errors"
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
		num, ok1 := parseTemplate(d.Numerator)
		den, ok2 := parseTemplate(d.Denominator)
		if !ok1 || !ok2 || len(num.atoms) != 1 || len(den.atoms) != 1 || den.atoms[0].kind != atomCount {
			return IntervalNone
		}
		if !isPlaceholder(den.text) {
			return IntervalNone
		}
		switch num.atoms[0].kind {
		case atomCount:
			if isPlaceholder(num.text) && d.Scale == 100 {
				return IntervalProportion
			}
		case atomSum:
			if _, ok := linearFactor(num.text); ok && num.atoms[0].filter == den.atoms[0].filter {
				return IntervalMean
			}
		}
	case Formula, Cohort:
		if _, _, _, ok := d.npsInputs(); ok {
			return IntervalNPS
		}
		if _, a, b, ok := d.shareInputs(); ok {
			ta, oka := parseTemplate(d.Inputs[a])
			tb, okb := parseTemplate(d.Inputs[b])
			if oka && okb && len(ta.atoms) == 1 && len(tb.atoms) == 1 && ta.atoms[0].kind == atomCount && tb.atoms[0].kind == atomCount {
				return IntervalProportion
			}
		}
	}
	return IntervalNone
}

// isPlaceholder reports whether a template's text is one atom and nothing else.
func isPlaceholder(text string) bool {
	return strings.TrimSpace(text) == "\x000\x00"
}

// linearFactor reads a template text of one atom optionally divided or
// multiplied by a number ("\x000\x00 / 3600.0"), returning the factor.
func linearFactor(text string) (float64, bool) {
	s := strings.TrimSpace(text)
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

// npsInputs finds the NPS form: inputs promoters, detractors and n with the
// expression 100 × (promoters − detractors) / n.
func (d *Def) npsInputs() (p, dt, n string, ok bool) {
	if d.Type != Formula && d.Type != Cohort {
		return "", "", "", false
	}
	for _, k := range []string{"promoters", "detractors", "n"} {
		if _, has := d.Inputs[k]; !has {
			return "", "", "", false
		}
	}
	e := strings.Join(strings.Fields(d.Expr), "")
	for _, form := range []string{"100.0*(promoters-detractors)/n", "100*(promoters-detractors)/n"} {
		if e == form {
			return "promoters", "detractors", "n", true
		}
	}
	return "", "", "", false
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
			scale := d.Scale
			if scale == 0 {
				scale = 1
			}
			return scale * n, dn, ok1 && ok2
		}
		k, a, b, has := d.shareInputs()
		if !has {
			return 0, 0, false
		}
		n, ok1 := get(a)
		dn, ok2 := get(b)
		return k * n, dn, ok1 && ok2
	case IntervalNPS:
		p, dt, n, has := d.npsInputs()
		if !has {
			return 0, 0, false
		}
		pv, ok1 := get(p)
		dv, ok2 := get(dt)
		nv, ok3 := get(n)
		return 100 * (pv - dv), nv, ok1 && ok2 && ok3
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
