package kpi

import (
	"math"
	"testing"
)

// TestWilsonFromOneUnit (review item 7): 1 of 1 has a Wilson interval,
// [1 / (1 + z²), 1] = 20.65 … 100 %, where the t-interval's "n below 2"
// used to stand; 0 units have none.
func TestWilsonFromOneUnit(t *testing.T) {
	d := &Def{ID: "csat", BuiltinID: "csat", Type: Ratio, Numerator: "count(*) FILTER (WHERE s >= 4)", Denominator: "count(s)", Scale: 100, Better: Higher}
	v := 100.0
	row := d.withInterval(Row{Total: true, Point: Point{Value: &v, Components: map[string]float64{"num": 1, "den": 1}}})
	if row.CI == nil {
		t.Fatalf("1 of 1: no interval (%q)", row.NoCI)
	}
	near(t, "1 of 1 low", row.CI.Low, 100/(1+z95*z95))
	near(t, "1 of 1 low, by hand", math.Round(row.CI.Low*100)/100, 20.65)
	near(t, "1 of 1 high", row.CI.High, 100)
}

// TestNPSAllAlike (review item 7): 2 answers, both promoters: NPS 100 with
// SE √((1 + 0 − 1) / 2) = 0, which is no interval; the change against
// anything has no interval and no significance.
func TestNPSAllAlike(t *testing.T) {
	d := &Def{ID: "nps", BuiltinID: "nps", Type: Formula, Expr: "100.0 * (promoters - detractors) / n",
		Inputs: map[string]string{"promoters": "count(*)", "detractors": "count(*)", "n": "count(*)"}, Better: Higher}
	cur, old := 100.0, 20.0
	delta := cur - old
	row := d.withInterval(Row{Total: true, Delta: &delta,
		Point:   Point{Value: &cur, Components: map[string]float64{"promoters": 2, "detractors": 0, "n": 2}},
		Compare: &Point{Value: &old, Components: map[string]float64{"promoters": 5, "detractors": 3, "n": 10}}})
	if row.CI != nil || row.NoCI != noCIAlike || row.DeltaCI != nil || row.Significant != nil {
		t.Errorf("all promoters: CI %v (%q), Δ CI %v, significant %v; want no interval, %q, no significance",
			row.CI, row.NoCI, row.DeltaCI, row.Significant, noCIAlike)
	}
	// a mean whose values are all alike has no t-interval either
	m := &Def{ID: "wait", Type: Ratio, Numerator: "sum(x)", Denominator: "count(x)"}
	if _, why := m.estimateOf(map[string]float64{"num": 9, "den": 3, compSumSq: 27}); why != noCIValsAlike {
		t.Errorf("3, 3, 3: %q, want %q", why, noCIValsAlike)
	}
}

// TestDeltaIntervalClamped (review item 7): NPS 2 promoters and 1 detractor
// of 3 (33.3) against 1 and 2 of 3 (−33.3): d = 66.7, se² = (1 − 1/9) / 3 =
// 8/27 in each period, h = 1.959964 × √(16/27) = 150.878 pts: −84.21 …
// 217.5, which a change of NPS cannot reach beyond 200.
func TestDeltaIntervalClamped(t *testing.T) {
	d := &Def{ID: "nps", BuiltinID: "nps", Type: Formula, Expr: "100.0 * (promoters - detractors) / n",
		Inputs: map[string]string{"promoters": "count(*)", "detractors": "count(*)", "n": "count(*)"}}
	cur, why1 := d.estimateOf(map[string]float64{"promoters": 2, "detractors": 1, "n": 3})
	cmp, why2 := d.estimateOf(map[string]float64{"promoters": 1, "detractors": 2, "n": 3})
	if why1 != "" || why2 != "" {
		t.Fatal(why1, why2)
	}
	di := deltaInterval(cur, cmp)
	near(t, "Δ low", 100*di.Low, 100*(2.0/3-z95*math.Sqrt(16.0/27)))
	near(t, "Δ low, by hand", math.Round(100*di.Low*100)/100, -84.21)
	near(t, "Δ high", 100*di.High, 200)
}

// TestValueRangeOfAnyNPS (review item 4): K × (p − d) / n spans −K … K
// whatever the inputs are called; the README's NPS is recognised as NPS.
func TestValueRangeOfAnyNPS(t *testing.T) {
	d := &Def{ID: "npsx", Type: Formula, Expr: "100.0 * (p - d) / n", Inputs: map[string]string{
		"p": "count(*) FILTER (WHERE nps >= 9)", "d": "count(*) FILTER (WHERE nps <= 6)", "n": "count(nps)"}}
	if lo, hi := d.valueRange(); lo != -100 || hi != 100 {
		t.Errorf("range %v … %v, want −100 … 100", lo, hi)
	}
	num, den, ok := d.RatioParts(map[string]float64{"p": 5, "d": 2, "n": 10})
	if !ok || num/den != 30 {
		t.Errorf("parts %v / %v (%v), want 30", num, den, ok)
	}
	if !ratioForm(d) {
		t.Error("not split by segment")
	}
	// sums are no answers: no NPS
	d.Inputs["p"] = "sum(x)"
	if k := d.IntervalKind(); k != IntervalNone {
		t.Errorf("sum as promoters: %q", k)
	}
}

// TestFormatSigned (review item 10): a negative number in a sentence takes
// the minus sign deltas have; FormatNumber keeps "-" for its other callers.
func TestFormatSigned(t *testing.T) {
	d := &Def{Unit: "$"}
	if got := d.FormatSigned(-5.7, 2); got != "−$5.70" {
		t.Errorf("%q", got)
	}
	h := &Def{Unit: "h"}
	if got := h.FormatSigned(-4, 1); got != "−4.0h" {
		t.Errorf("%q", got)
	}
	if got := h.FormatSigned(-0.01, 1); got != "0.0h" {
		t.Errorf("%q", got)
	}
}
