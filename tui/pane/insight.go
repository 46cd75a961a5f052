package pane

import (
	"math"
	"strconv"
	"strings"
	"time"

	"kpiscope/internal/kpi"
)

// The words of issue 12's answers on the explorer's screens: a value's 95%
// interval, whether its change is real, the pace of a partial period, the
// benchmark and the annotations. Plain text; the panes style it.

// IntervalText is a value's 95% interval, "95%: 76.3–80.0": a percentage's
// ends without their unit (the value beside it has it), a suffix unit once
// at the end ("18.2–19.8h"), a prefix unit on both ends ("$117.20–$121.70").
func IntervalText(d *kpi.Def, ci kpi.Interval) string {
	lo, hi := d.FormatNumber(ci.Low, d.Decimals), d.FormatNumber(ci.High, d.Decimals)
	switch d.Unit {
	case "%":
		lo, hi = kpi.FormatFloat(ci.Low, d.Decimals), kpi.FormatFloat(ci.High, d.Decimals)
	case "$", "€", "£":
	default:
		lo = kpi.FormatFloat(ci.Low, d.Decimals)
	}
	return "95%: " + lo + "–" + hi
}

// ChangeText says whether a row's change is real, with the interval of the
// change: "within noise at n 1,929: 95% interval of the change −4.1 … +0.5
// pts"; "" when the change was not tested.
func ChangeText(d *kpi.Def, r kpi.Row) string {
	if r.Delta == nil || r.Significant == nil {
		return ""
	}
	verdict := "a real change"
	if !*r.Significant {
		verdict = "within noise"
	}
	if r.HasN {
		verdict += " at n " + kpi.FormatFloat(float64(r.N), 0)
	}
	if r.DeltaCI == nil {
		return verdict
	}
	return verdict + ": 95% interval of the change " + deltaRange(d, *r.DeltaCI)
}

// ShortChangeText is ChangeText for a narrow pane, without n (said
// beside it): "within noise (95% −4.1 … +0.5)".
func ShortChangeText(d *kpi.Def, r kpi.Row) string {
	if r.Delta == nil || r.Significant == nil {
		return ""
	}
	verdict := "a real change"
	if !*r.Significant {
		verdict = "within noise"
	}
	if r.DeltaCI == nil {
		return verdict
	}
	return verdict + " (95% " + strings.TrimSuffix(deltaRange(d, *r.DeltaCI), " pts") + ")"
}

func deltaRange(d *kpi.Def, ci kpi.Interval) string {
	return strings.TrimSuffix(d.FormatDelta(ci.Low), " pts") + " … " + d.FormatDelta(ci.High)
}

// PaceTexts are a partial period's outlook, one item each: how far in it
// is and where it is heading ("31% in: heading for 81.2%"), then what the
// rest needs to end on target, in the engine's words (kpi.Pace.Line: "to
// end ≥ 80%, the ~1,300 answers still expected need 82.9% top-2-box"). The
// projection's method, a sentence of its own, is at the pane's foot. nil
// without a pace.
func PaceTexts(d *kpi.Def, goal *kpi.Goal, p *kpi.Pace) []string {
	if p == nil {
		return nil
	}
	line := p.Line(d, goal)
	var out []string
	if p.Projected != nil && p.Needed != nil && goal != nil {
		// Line says what the rest needs; the projection goes first.
		h := "heading for " + d.FormatNumber(*p.Projected, d.Decimals)
		if strings.HasSuffix(p.Method, "the rest at the rate so far") {
			h += " at the rate so far" // the value so far: say why it is the same
		}
		out = append(out, h)
	}
	if line != "" {
		out = append(out, line)
	}
	if len(out) > 0 && p.Elapsed > 0 && p.Elapsed < 1 {
		out[0] = strconv.Itoa(int(math.Round(100*p.Elapsed))) + "% in: " + out[0]
	}
	return out
}

// BenchmarkValue is a benchmark's label and value, "industry median 72%".
func BenchmarkValue(d *kpi.Def, b *kpi.Benchmark) string {
	dec := d.Decimals
	if b.Value == math.Trunc(b.Value) {
		dec = 0
	}
	label := b.Label
	if label == "" {
		label = "benchmark"
	}
	return label + " " + d.FormatNumber(b.Value, dec)
}

// AnnotationDates names an annotation's days: "12 Mar 2026", "10–14 Mar
// 2026", "28 Feb – 3 Mar 2026", "30 Dec 2025 – 2 Jan 2026".
func AnnotationDates(a kpi.Annotation) string {
	from, last := a.From, a.To.AddDate(0, 0, -1)
	switch {
	case a.To.IsZero() || !last.After(from):
		return from.Format("2 Jan 2006")
	case from.Year() != last.Year():
		return from.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
	case from.Month() != last.Month():
		return from.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
	}
	return from.Format("2") + "–" + last.Format("2 Jan 2006")
}

// MarkOf is the mark of the i-th annotation of a window on the chart's axis
// and in its key: a … z (a digit would read as part of the date beside it).
func MarkOf(i int) string {
	const marks = "abcdefghijklmnopqrstuvwxyz"
	if i < len(marks) {
		return marks[i : i+1]
	}
	return "*"
}

// TrendAnnotations are the annotations over a trend's periods [first
// period, end of the last) that apply to a slice with these filters.
func TrendAnnotations(list []kpi.Annotation, trend []kpi.Point, g kpi.Grain, filters []kpi.Filter) []kpi.Annotation {
	if len(list) == 0 || len(trend) == 0 {
		return nil
	}
	from, to := trend[0].Period, g.Add(trend[len(trend)-1].Period, 1)
	if from.IsZero() {
		return nil
	}
	return kpi.AnnotationsFor(list, from, to, filters)
}

// periodIndex is the trend period an instant falls in, -1 before the first.
func periodIndex(points []kpi.Point, t time.Time) int {
	i := -1
	for j, p := range points {
		if !p.Period.After(t) {
			i = j
		}
	}
	return i
}
