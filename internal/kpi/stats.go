package kpi

import (
	"math"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// Intervals and significance (issue 12, part 2). Every interval is built
// from the same additive components the value is: x of n for a proportion,
// promoters, detractors and n for NPS, n, Σy and Σy² for a mean. The methods
// and worked examples are in docs/statistics.md.

// Hidden components a mean KPI adds for its interval (Def.Components): the
// sum of squares of the per-row value, and, when the denominator does not
// count the summed rows itself (orders counted distinct), the rows summed.
// They are not shown in rows' components. Their names sort after "num", so
// a rollup keeps its atoms in the order it had before them.
const (
	compSumSq = "num_ss"
	compRows  = "num_rows"
)

// Reasons a row has no interval (Row.NoCI).
const (
	noCIMedian    = "a median: no interval"
	noCIComposite = "a composite of other KPIs: no interval"
	noCICount     = "a count or sum has no sampling interval"
	noCIFormula   = "no standard interval for this formula"
	noCISetNone   = "no interval (interval: none)"
	noCISmallN    = "n below 2: no interval"
	noCINoUnits   = "no units: no interval"
	noCIAlike     = "every answer alike (standard error 0): no interval"
	noCIValsAlike = "every value alike (standard error 0): no interval"
	noCIRows      = "its units span several rows: no interval"
	noCISumSq     = "no sum of squares for this formula: no interval"
	noCINotShare  = "not a share of units: no interval"
)

// noCIForm says a KPI's formula lacks the form its interval kind needs
// (Def.CheckInterval); a KPI loaded from kpiscope.yaml is refused before.
func noCIForm(kind IntervalKind) string {
	switch kind {
	case IntervalProportion:
		return "not a count over a count: no proportion interval"
	case IntervalMean:
		return "not a sum over the count of the same rows: no mean interval"
	case IntervalNPS:
		return "not K × (promoters − detractors) / n of counts: no NPS interval"
	}
	return noCIFormula
}

// z95 is the standard normal's 97.5th percentile.
var z95 = distuv.UnitNormal.Quantile(0.975)

// tQuantile is Student's t 97.5th percentile with df degrees of freedom.
func tQuantile(df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.975)
}

// estimate is a row's value as a sample statistic, in the unit of one
// observation, with what its interval needs.
type estimate struct {
	kind  IntervalKind
	scale float64 // value = scale × stat (100 for a share in %)
	n     float64
	p     float64 // proportion: x / n
	pos   float64 // NPS: promoters / n
	neg   float64 // NPS: detractors / n
	mean  float64 // mean: Σy / n
	v     float64 // mean: sample variance of y
}

// stat is the statistic in the observation's unit.
func (s estimate) stat() float64 {
	switch s.kind {
	case IntervalProportion:
		return s.p
	case IntervalNPS:
		return s.pos - s.neg
	}
	return s.mean
}

// se is the statistic's standard error (NPS and means).
func (s estimate) se() float64 {
	switch s.kind {
	case IntervalNPS:
		d := s.pos - s.neg
		return math.Sqrt(math.Max(0, s.pos+s.neg-d*d) / s.n)
	case IntervalMean:
		return math.Sqrt(s.v / s.n)
	}
	return math.Sqrt(s.p * (1 - s.p) / s.n)
}

// interval is the statistic's 95% interval in the observation's unit.
func (s estimate) interval() Interval {
	switch s.kind {
	case IntervalProportion:
		lo, hi := wilson(s.p, s.n)
		return Interval{lo, hi}
	case IntervalNPS:
		d, h := s.stat(), z95*s.se()
		return Interval{math.Max(-1, d-h), math.Min(1, d+h)}
	}
	h := tQuantile(s.n-1) * s.se()
	return Interval{s.mean - h, s.mean + h}
}

// wilson is the Wilson score interval of a proportion p of n.
func wilson(p, n float64) (lo, hi float64) {
	z2 := z95 * z95
	den := 1 + z2/n
	centre := (p + z2/(2*n)) / den
	half := z95 / den * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	return math.Max(0, centre-half), math.Min(1, centre+half)
}

// deltaInterval is the 95% interval of cur − cmp in the observation's unit:
// Newcombe's hybrid score interval (his method 10, from the two Wilson
// intervals) for proportions, a normal interval on √(se₁² + se₀²) for NPS,
// Welch's t-interval with Welch–Satterthwaite degrees of freedom for means.
func deltaInterval(cur, cmp estimate) Interval {
	d := cur.stat() - cmp.stat()
	switch cur.kind {
	case IntervalProportion:
		l1, u1 := wilson(cur.p, cur.n)
		l0, u0 := wilson(cmp.p, cmp.n)
		return Interval{ // a share moves at most all of its units
			math.Max(-1, d-math.Sqrt(sq(cur.p-l1)+sq(u0-cmp.p))),
			math.Min(1, d+math.Sqrt(sq(u1-cur.p)+sq(cmp.p-l0))),
		}
	case IntervalNPS:
		h := z95 * math.Hypot(cur.se(), cmp.se())
		return Interval{math.Max(-2, d-h), math.Min(2, d+h)} // NPS moves at most 200 points
	}
	a, b := cur.v/cur.n, cmp.v/cmp.n
	if a+b == 0 {
		return Interval{d, d} // no spread in either period
	}
	df := sq(a+b) / (sq(a)/(cur.n-1) + sq(b)/(cmp.n-1))
	h := tQuantile(df) * math.Sqrt(a+b)
	return Interval{d - h, d + h}
}

func sq(x float64) float64 { return x * x }

// estimateOf reads a point's components as a sample statistic; why says why
// there is none.
func (d *Def) estimateOf(comps map[string]float64) (s estimate, why string) {
	kind := d.IntervalKind()
	if kind == IntervalNone {
		return s, d.noIntervalReason()
	}
	if d.CheckInterval() != nil {
		// never a Wilson interval of sums, nor a t-interval whose count
		// is of other rows
		return s, noCIForm(kind)
	}
	num, den, ok := d.RatioParts(comps)
	if !ok {
		return s, noCIFormula
	}
	s = estimate{kind: kind, scale: 1, n: den}
	switch {
	case kind == IntervalMean && den < 2:
		return s, noCISmallN // t has n − 1 degrees of freedom
	case den < 1:
		return s, noCINoUnits // Wilson's interval holds from one unit
	}
	switch kind {
	case IntervalProportion:
		k := d.valueScale()
		s.scale, s.p = k, num/k/den
		const eps = 1e-9
		if s.p < -eps || s.p > 1+eps {
			return s, noCINotShare
		}
		s.p = math.Min(1, math.Max(0, s.p))
	case IntervalNPS:
		k, p, dt, _, _ := d.npsForm()
		s.scale, s.pos, s.neg = k, comps[p]/den, comps[dt]/den
		if s.se() < 1e-12 {
			// all promoters, all detractors or all passives: the
			// multinomial variance is 0, which is no interval
			return s, noCIAlike
		}
	case IntervalMean:
		if d.Type != Ratio {
			return s, noCIFormula
		}
		ss, has := comps[compSumSq]
		if !has {
			return s, noCISumSq
		}
		if rows, has := comps[compRows]; has && math.Abs(rows-den) > 0.5 {
			return s, noCIRows
		}
		if d.Scale != 0 {
			s.scale = d.Scale
		}
		sum := num / s.scale // RatioParts scales the numerator
		s.mean = sum / den
		s.v = math.Max(0, (ss-sum*s.mean)/(den-1))
		if s.v <= 1e-12*math.Max(1, s.mean*s.mean) {
			return s, noCIValsAlike
		}
	default:
		return s, noCIFormula
	}
	return s, ""
}

// noIntervalReason says why a KPI of IntervalNone has no interval.
func (d *Def) noIntervalReason() string {
	if d.Type == Composite {
		return noCIComposite
	}
	quantile := func(expr string) bool {
		if t, ok := parseTemplate(expr); ok {
			for _, a := range t.atoms {
				if a.kind == atomQuantile {
					return true
				}
			}
		}
		l := strings.ToLower(expr)
		return strings.Contains(l, "median(") || strings.Contains(l, "quantile")
	}
	for _, v := range d.Components() {
		if quantile(v) {
			return noCIMedian
		}
	}
	if d.Type == Formula || d.Type == Cohort {
		if in, one := d.Inputs[strings.TrimSpace(d.Expr)]; one {
			t, ok := parseTemplate(in)
			if ok && len(t.atoms) == 1 && isPlaceholder(t.text) && (t.atoms[0].kind == atomCount || t.atoms[0].kind == atomSum) {
				return noCICount
			}
		}
	}
	if d.Interval == IntervalNone {
		return noCISetNone
	}
	return noCIFormula
}

// meanParts returns the hidden components a Ratio mean needs for its
// interval: Σy² of the per-row value y (the numerator's one sum, times its
// constant factor), written as the rollup's sum-of-squares atom so a rollup
// answers it from the column it keeps beside every sum; and, for a built-in
// whose denominator is not a count of the same rows (orders counted
// distinct), the count of the rows summed, to check that each unit is one
// row. A custom KPI's mean is only a sum over the count of the same rows
// (meanForm); its count of another column has no interval.
func (d *Def) meanParts() (ss, rows string, ok bool) {
	if d.Type != Ratio || d.IntervalKind() != IntervalMean {
		return "", "", false
	}
	a, text, ok := d.meanForm()
	if !ok {
		if d.BuiltinID == "" || d.CheckInterval() != nil {
			return "", "", false
		}
		num, ok := parseTemplate(d.Numerator)
		if !ok || len(num.atoms) != 1 || num.atoms[0].kind != atomSum {
			return "", "", false
		}
		if _, ok := linearFactor(num.text); !ok {
			return "", "", false
		}
		a, text = num.atoms[0], num.text
		rows = atom{kind: atomCount, arg: a.arg, filter: a.filter}.buildSQL()
	}
	ss = atom{kind: atomSumSq, arg: a.arg, filter: a.filter}.buildSQL()
	t := strings.TrimSpace(text)
	if rest, trailing := strings.CutPrefix(t, "\x000\x00"); trailing {
		if rest = strings.TrimSpace(rest); rest != "" {
			ss += " " + rest + " " + rest // (x·f)² = x² · f · f
		}
	} else {
		lead := strings.TrimSpace(strings.TrimSuffix(t, "\x000\x00")) // "60 *"
		ss = lead + " " + lead + " " + ss
	}
	return ss, rows, true
}

// withoutHidden returns comps without the interval's hidden components.
func withoutHidden(comps map[string]float64) map[string]float64 {
	_, a := comps[compSumSq]
	_, b := comps[compRows]
	if !a && !b {
		return comps
	}
	out := make(map[string]float64, len(comps))
	for k, v := range comps {
		if k != compSumSq && k != compRows {
			out[k] = v
		}
	}
	return out
}

// addIntervals fills the rows' 95% intervals, the deltas' intervals and
// significance, and the uncertain status (issue 12, part 2).
func (e *Engine) addIntervals(r *Result, d *Def, s Slice) {
	r.Total = d.withInterval(r.Total)
	for i := range r.Segments {
		r.Segments[i] = d.withInterval(r.Segments[i])
	}
	for i := range r.Vanished {
		r.Vanished[i] = d.withInterval(r.Vanished[i])
	}
}

// withInterval fills one row's interval, its delta's interval and
// significance, and turns a red or amber status whose interval reaches the
// target into Uncertain. The row's components lose the hidden ones.
func (d *Def) withInterval(row Row) Row {
	d.fillInterval(&row)
	row.Components = withoutHidden(row.Components)
	if row.Compare != nil {
		c := *row.Compare // shared with the computed points: copy
		c.Components = withoutHidden(c.Components)
		row.Compare = &c
	}
	return row
}

func (d *Def) fillInterval(row *Row) {
	if row.Value == nil {
		return
	}
	cur, why := d.estimateOf(row.Components)
	if why != "" {
		row.NoCI = why
		return
	}
	ci := cur.interval()
	row.CI = &Interval{cur.scale * ci.Low, cur.scale * ci.High}
	if g := row.Goal; g != nil && (row.Status == Red || row.Status == Amber) {
		if d.Better == Lower && row.CI.Low <= g.Value || d.Better != Lower && row.CI.High >= g.Value {
			row.Status = Uncertain
		}
	}
	if row.CompareTo == "target" || row.Compare == nil || row.Compare.Value == nil || row.Delta == nil {
		return
	}
	cmp, why := d.estimateOf(row.Compare.Components)
	if why != "" {
		return
	}
	di := deltaInterval(cur, cmp)
	row.DeltaCI = &Interval{cur.scale * di.Low, cur.scale * di.High}
	sig := row.DeltaCI.Low > 0 || row.DeltaCI.High < 0
	row.Significant = &sig
}
