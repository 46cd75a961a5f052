package kpi

import (
	"math"
	"strings"
)

// addOutlook fills the pacing of a partial current period and the trend's
// forecast (issue 12, part 3).
func (e *Engine) addOutlook(r *Result, d *Def, s Slice, pl plan) {
	if r.Err != nil || pl.grain == All || pl.grain == "" {
		return
	}
	if r.Total.Partial {
		r.Pace = pace(d, r, pl)
	}
	r.Forecast = forecastTrend(d, r.Trend, pl)
}

// pace works out a partial period's outlook. The share of the period's
// volume already in is the comparison period's: its elapsed part's
// denominator (r.Total.Compare, the same days) over its whole denominator
// (its trend point), so a month whose answers bunch up at its end is paced
// by how the last one filled. Without that basis (compared with the target,
// a comparison outside the trend, an empty comparison) the share of the
// period's time elapsed stands in, and Method says so.
func pace(d *Def, r *Result, pl plan) *Pace {
	if d.Type == Composite || d.Type == Cohort {
		// A cohort's denominator (customers at the start) does not grow
		// with the period, and a composite has no one volume: no pacing.
		return nil
	}
	ratio := false
	var num, den float64
	if n, dn, ok := d.RatioParts(r.Total.Components); ok && d.additive() {
		ratio, num, den = true, n, dn
	}
	input, runRate := d.runRateInput()
	if !ratio && !runRate {
		return nil
	}
	// volume is what paces the period: the denominator of a ratio, the
	// count or sum itself otherwise.
	volume := func(p *Point) (float64, bool) {
		if p == nil {
			return 0, false
		}
		if ratio {
			_, dn, ok := d.RatioParts(p.Components)
			return dn, ok
		}
		v, ok := p.Components[input]
		return v, ok
	}
	var cmpFull *Point // the whole comparison period
	if !pl.cmp.IsZero() {
		for i := range r.Trend {
			if r.Trend[i].Period.Equal(pl.cmp) {
				cmpFull = &r.Trend[i]
			}
		}
	}
	cmpName := pl.grain.Label(pl.cmp)
	p := &Pace{}
	part, okPart := volume(r.Total.Compare)
	full, okFull := volume(cmpFull)
	if okPart && okFull && full > 0 && part > 0 && part < full {
		p.Elapsed = part / full
		p.Method = FormatFloat(100*p.Elapsed, 0) + "% of the period's volume in, as " + cmpName + " had by this point"
	} else {
		length := pl.grain.Add(pl.cur, 1).Sub(pl.cur)
		if length <= 0 || pl.elapsed <= 0 || pl.elapsed >= length {
			return nil
		}
		p.Elapsed = float64(pl.elapsed) / float64(length)
		p.Method = FormatFloat(100*p.Elapsed, 0) + "% of the period's time elapsed (no comparison period to pace its volume by)"
	}
	if !ratio {
		so, ok := r.Total.Components[input]
		if !ok {
			return nil
		}
		v := so / p.Elapsed
		p.Projected = &v
		p.Method = "run rate: so far ÷ " + p.Method
		p.Reachable = true
		return p
	}
	p.ExpectedRest = den * (1/p.Elapsed - 1)
	if p.ExpectedRest <= 0 {
		return nil
	}
	// The rest of the period at the rate so far: in the backtest
	// (TestPaceBacktest, docs/forecast.md) the comparison's own rate for
	// its remaining days projected worse.
	if den > 0 {
		v := num / den
		p.Projected = &v
		p.Method += "; the rest at the rate so far"
	}
	p.Reachable = true
	if g := r.Total.Goal; g != nil {
		need := (g.Value*(den+p.ExpectedRest) - num) / p.ExpectedRest
		p.Needed = &need
		lo, hi := d.valueRange()
		if d.Better == Lower {
			p.Reachable = need >= lo
		} else {
			p.Reachable = need <= hi
		}
	}
	return p
}

// runRateInput returns the input of a count or sum KPI: a formula whose
// expression is one input that is one count or sum (new customers, spend),
// which a run rate projects. Distinct counts and quantiles do not add up
// over days, so they have none.
func (d *Def) runRateInput() (string, bool) {
	if d.Type != Formula {
		return "", false
	}
	in := strings.TrimSpace(d.Expr)
	expr, ok := d.Inputs[in]
	if !ok {
		return "", false
	}
	t, ok := parseTemplate(expr)
	if !ok || len(t.atoms) != 1 || t.atoms[0].kind != atomCount && t.atoms[0].kind != atomSum {
		return "", false // distinct counts, lists and quantiles do not parse as atoms
	}
	if _, ok := linearFactor(t.text); !ok {
		return "", false
	}
	return in, true
}

// additive reports whether every aggregate the KPI reads adds up over the
// days of a period (counts and sums; no distinct counts, lists or
// quantiles): only then is the rest of a period the whole less its part.
func (d *Def) additive() bool {
	exprs := []string{d.Numerator, d.Denominator}
	if d.Type != Ratio {
		exprs = exprs[:0]
		for _, in := range d.Inputs {
			exprs = append(exprs, in)
		}
	}
	for _, e := range exprs {
		t, ok := parseTemplate(e)
		if !ok || len(t.atoms) == 0 {
			return false
		}
		for _, a := range t.atoms {
			if a.kind != atomCount && a.kind != atomSum {
				return false
			}
		}
	}
	return true
}

// valueRange is what the KPI's value can take: 0 … scale for a proportion,
// −100 … 100 for NPS, ≥ 0 for a mean and a count; unbounded otherwise.
func (d *Def) valueRange() (lo, hi float64) {
	switch d.IntervalKind() {
	case IntervalProportion:
		return 0, d.valueScale()
	case IntervalNPS:
		if k, _, _, _, ok := d.npsForm(); ok {
			return -k, k // K × (p − d) / n: −K … K, whatever the inputs are called
		}
		return -100, 100
	case IntervalMean:
		return 0, math.Inf(1)
	}
	if in, ok := d.runRateInput(); ok {
		if t, _ := parseTemplate(d.Inputs[in]); t.atoms[0].kind == atomCount {
			return 0, math.Inf(1)
		}
	}
	return math.Inf(-1), math.Inf(1)
}

// Line is the pacing sentence the explorer and the reports show: "to end
// ≥ 80%, the ~1,300 answers still expected need 82.9% top-2-box" ("need
// at most 26.2h on average" for a lower-is-better KPI), "out of
// reach" when that lies beyond what the KPI can take, "on target whatever
// …" when the period is sure to end on target, or the projection without a
// target. "" when there is nothing to say.
func (p *Pace) Line(d *Def, goal *Goal) string {
	if p == nil || d == nil {
		return ""
	}
	rest := "the ~" + approxCount(p.ExpectedRest) + " still expected"
	if noun := d.volumeNoun(); noun != "" {
		rest = "the ~" + approxCount(p.ExpectedRest) + " " + noun + " still expected"
	}
	if p.Needed != nil && goal != nil {
		target := d.FormatTarget(goal)
		lo, hi := d.valueRange()
		need := *p.Needed
		switch {
		case !p.Reachable:
			return "to end " + target + ", " + rest + " would need " + d.valueWords(need) + ": out of reach"
		case d.Better == Lower && need >= hi, d.Better != Lower && need <= lo:
			return "on target " + target + " at the period's end whatever " + rest + " give"
		}
		bound := "" // "need 82.9% top-2-box" reads as a floor already
		if d.Better == Lower {
			bound = "at most " // a ceiling: "need at most 26.2h on average"
		}
		return "to end " + target + ", " + rest + " need " + bound + d.valueWords(need)
	}
	if p.Projected == nil {
		return ""
	}
	if p.ExpectedRest > 0 {
		return "heading for " + d.FormatSigned(*p.Projected, d.Decimals) + " at the period's end, with " + rest
	}
	dec := d.Decimals
	if in, ok := d.runRateInput(); ok {
		if t, _ := parseTemplate(d.Inputs[in]); t.atoms[0].kind == atomCount {
			dec = 0 // a count projects whole units: "~150", not "~150.0"
		}
	}
	line := "on pace for ~" + d.FormatSigned(*p.Projected, dec) + " by the period's end"
	if goal != nil {
		line += " (target " + d.FormatTarget(goal) + ")"
	}
	return line
}

// approxCount rounds a count to two significant digits, with separators:
// 1,288 → "1,300", 47.4 → "47".
func approxCount(v float64) string {
	if v >= 100 {
		mag := math.Pow(10, math.Floor(math.Log10(v))-1)
		v = math.Round(v/mag) * mag
	}
	return FormatFloat(math.Round(v), 0)
}

// volumeNoun names what a built-in ratio KPI's denominator counts, for the
// pacing sentence; "" for others.
func (d *Def) volumeNoun() string {
	switch d.BuiltinID {
	case "csat", "ces", "nps":
		return "answers"
	case "fcr", "resolution_time", "resolution_bh", "reopen_rate", "contacts_per_resolution":
		return "resolved tickets"
	case "first_response", "first_response_bh":
		return "answered tickets"
	case "sla_first_response", "sla_resolution":
		return "deadlines"
	case "response_rate":
		return "surveys"
	case "avg_purchase":
		return "orders"
	}
	return "" // a custom KPI's denominator counts what only its author can name
}

// valueWords says a value the rest of the period needs: "82.9% top-2-box",
// "NPS 62", "22.1h on average".
func (d *Def) valueWords(v float64) string {
	s := d.FormatSigned(v, d.Decimals)
	switch d.BuiltinID {
	case "csat":
		return s + " top-2-box"
	case "ces":
		return s + " easy"
	case "fcr":
		return s + " first-contact"
	case "response_rate":
		return s + " answered"
	case "sla_first_response", "sla_resolution":
		return s + " within SLA"
	case "reopen_rate":
		return s + " reopened"
	case "nps":
		return "NPS " + s
	}
	if d.IntervalKind() == IntervalMean {
		return s + " on average"
	}
	return s
}

// lastFull is the trend's full periods: the current one left out when it is
// partial.
func lastFull(trend []Point, pl plan) []Point {
	if pl.partial && len(trend) > 0 && trend[len(trend)-1].Period.Equal(pl.cur) {
		return trend[:len(trend)-1]
	}
	return trend
}

// forecastTrend forecasts the next periods after the trend's last full one.
func forecastTrend(d *Def, trend []Point, pl plan) *Forecast {
	full := lastFull(trend, pl)
	// the trailing run of periods with a value
	start := len(full)
	for start > 0 && full[start-1].Value != nil {
		start--
	}
	run := full[start:]
	if len(run) == 0 {
		return nil
	}
	y := make([]float64, len(run))
	for i, p := range run {
		y[i] = *p.Value
	}
	fc, ok := ForecastValues(d, y, pl.grain, forecastHorizon)
	if !ok {
		return nil
	}
	f := &Forecast{Method: fc.Method}
	last := run[len(run)-1].Period
	for h := range fc.Value {
		f.Points = append(f.Points, ForecastPoint{Period: pl.grain.Add(last, h+1), Value: fc.Value[h], Low: fc.Low[h], High: fc.High[h]})
	}
	return f
}

// ForecastValues forecasts the h periods after a KPI's values y (full
// periods at grain g, oldest first) as Result.Forecast does: Predict with
// the grain's seasonal cycle, clamped to what the KPI can take, and never
// below 0 for a KPI whose history never went below it (durations, money).
func ForecastValues(d *Def, y []float64, g Grain, h int) (Prediction, bool) {
	lo, hi := d.valueRange()
	nonNeg := true
	for _, v := range y {
		nonNeg = nonNeg && v >= 0
	}
	if nonNeg && math.IsInf(lo, -1) {
		lo = 0
	}
	return Predict(y, seasonOf(g), h, lo, hi)
}

// forecastHorizon is how many periods the trend's forecast covers.
const forecastHorizon = 3

// seasonOf is a grain's seasonal cycle in periods: a year of months,
// quarters or weeks, a week of days; 0 for years (no cycle).
func seasonOf(g Grain) int {
	switch g {
	case Day:
		return 7
	case Year, All, "":
		return 0
	}
	return int(g.PerYear())
}
