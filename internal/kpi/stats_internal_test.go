package kpi

import (
	"math"
	"testing"
)

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("%s: %.8f, want %.8f", what, got, want)
	}
}

// TestWilson80Of100: the example, 80 of 100 → 71.1 % … 86.7 %
// (p̃ = (0.8 + z²/200) / (1 + z²/100) = 0.788902, half-width
// z / (1 + z²/100) · √(0.0016 + z²/40000) = 0.077730), and the edges: 0 of
// n starts at 0, n of n ends at 1.
func TestWilson80Of100(t *testing.T) {
	lo, hi := wilson(0.8, 100)
	near(t, "low", lo, 0.711170834406841)
	near(t, "high", hi, 0.866633066668967)
	// 0 of 10: [0, z²/(n + z²)] = [0, 3.841459 / 13.841459]
	lo, hi = wilson(0, 10)
	near(t, "0 of 10 low", lo, 0)
	near(t, "0 of 10 high", hi, 0.277532799862889)
	lo, hi = wilson(1, 10)
	near(t, "10 of 10 low", lo, 1-0.277532799862889)
	near(t, "10 of 10 high", hi, 1)
}

// TestTIntervalFromSums: n 4, Σy 12, Σy² 50 (y = 1, 2, 3, 6): mean 3,
// s² = (50 − 4 × 9) / 3 = 4.6667, t(3) 3.182446 × √(4.6667 / 4) = 3.437435
// → −0.437435 … 6.437435. Against 5, 7, 9 (n 3, Σ 21, Σy² 155: mean 7,
// s² 4), Welch: se² = 4.6667/4 + 4/3 = 2.5, df = 2.5² / (1.16667²/3 +
// 1.33333²/2) = 4.6552, t 2.6289: −4 ± 4.1567 → −8.1567 … +0.1567, within
// noise.
func TestTIntervalFromSums(t *testing.T) {
	d := &Def{ID: "wait", Type: Ratio, Numerator: "sum(x)", Denominator: "count(x)", Better: Lower}
	if d.IntervalKind() != IntervalMean {
		t.Fatalf("kind %s, want mean", d.IntervalKind())
	}
	cur, why := d.estimateOf(map[string]float64{"num": 12, "den": 4, compSumSq: 50})
	if why != "" {
		t.Fatal(why)
	}
	ci := cur.interval()
	near(t, "low", ci.Low, -0.437434881858310)
	near(t, "high", ci.High, 6.437434881858310)
	cmp, _ := d.estimateOf(map[string]float64{"num": 21, "den": 3, compSumSq: 155})
	di := deltaInterval(cur, cmp)
	// df and t worked with mpmath: df 4.655172, t 2.628924
	near(t, "Δ low", di.Low, -4-2.62892350579079*math.Sqrt(2.5))
	near(t, "Δ high", di.High, -4+2.62892350579079*math.Sqrt(2.5))
}

// TestUncertainLowerIsBetter: a mean of 3 h against a target of ≤ 2 h
// (warning 2.5) is red; its interval −0.44 … 6.44 reaches 2: uncertain. The
// same mean from n 400 with the same spread (Σy² = 400 × 9 + 399 × 4.6667)
// has the interval 2.79 … 3.21, which does not: red stays red. A value on
// the good side keeps green.
func TestUncertainLowerIsBetter(t *testing.T) {
	d := &Def{ID: "wait", Type: Ratio, Numerator: "sum(x)", Denominator: "count(x)", Better: Lower}
	goal := &Goal{Value: 2, Warn: ptr(2.5)}
	row := func(n, sum, ss float64) Row {
		v := sum / n
		return Row{Total: true, Point: Point{Value: &v, Components: map[string]float64{"num": sum, "den": n, compSumSq: ss}},
			Goal: goal, Status: StatusOf(&v, goal, d.Better), CompareTo: "target"}
	}
	small := d.withInterval(row(4, 12, 50))
	if small.Status != Uncertain {
		t.Errorf("n 4: status %s, want uncertain", small.Status)
	}
	if _, has := small.Components[compSumSq]; has {
		t.Errorf("hidden component shown: %v", small.Components)
	}
	large := d.withInterval(row(400, 1200, 400*9+399*14.0/3))
	near(t, "n 400 low", large.CI.Low, 3-1.96592729592088*math.Sqrt(14.0/3/400))
	if large.Status != Red {
		t.Errorf("n 400: status %s, want red", large.Status)
	}
	if large.DeltaCI != nil || large.Significant != nil {
		t.Errorf("against a target: Δ CI %v, significant %v, want none", large.DeltaCI, large.Significant)
	}
	good := d.withInterval(row(4, 4, 6)) // mean 1
	if good.Status != Green {
		t.Errorf("mean 1: status %s, want green", good.Status)
	}
}

// TestSumSqComponentIsTheRollupAtom: a mean's hidden Σy² is written as the
// rollup's own sum-of-squares atom, with the numerator's factor applied
// twice, and parses back to that atom (so a rollup answers it from the
// column it keeps beside the sum); a denominator that does not count the
// summed rows adds their count.
func TestSumSqComponentIsTheRollupAtom(t *testing.T) {
	d := &Def{ID: "rt", Type: Ratio, Numerator: "sum(date_diff('second', a, b)) FILTER (WHERE b >= a) / 3600.0",
		Denominator: "count(*) FILTER (WHERE b >= a)", Better: Lower}
	c := d.Components()
	want := "sum(CAST((date_diff('second', a, b)) AS DOUBLE) * CAST((date_diff('second', a, b)) AS DOUBLE)) FILTER (WHERE b >= a) / 3600.0 / 3600.0"
	if c[compSumSq] != want {
		t.Errorf("Σy² %q\nwant %q", c[compSumSq], want)
	}
	if _, has := c[compRows]; has {
		t.Errorf("rows counted though the denominator counts them: %v", c)
	}
	tp, ok := parseTemplate(c[compSumSq])
	if !ok || len(tp.atoms) != 1 || tp.atoms[0] != (atom{kind: atomSumSq, arg: "date_diff('second', a, b)", filter: "b >= a"}) {
		t.Errorf("parsed %+v (ok %v), want the sum-of-squares atom", tp.atoms, ok)
	}
	if _, ok := sumSqArg("CAST((x) AS DOUBLE) * CAST((y) AS DOUBLE)"); ok {
		t.Error("x·y read as a sum of squares")
	}
	orders := &Def{ID: "ap", BuiltinID: "avg_purchase", Type: Ratio, Numerator: "sum(amount)",
		Denominator: "count(DISTINCT order_id) FILTER (WHERE amount IS NOT NULL)", Better: Higher}
	if got := orders.Components()[compRows]; got != "count(amount)" {
		t.Errorf("rows %q, want count(amount)", got)
	}
	// n 3 rows for 2 orders: no interval
	if _, why := orders.estimateOf(map[string]float64{"num": 100, "den": 2, compSumSq: 3800, compRows: 3}); why != noCIRows {
		t.Errorf("why %q, want %q", why, noCIRows)
	}
}

// TestNoIntervalReasons: what has no interval says why.
func TestNoIntervalReasons(t *testing.T) {
	for _, tc := range []struct {
		d     *Def
		comps map[string]float64
		want  string
	}{
		{&Def{ID: "cac", BuiltinID: "cac", Type: Composite, Inputs: map[string]string{"a": "x", "b": "y"}, Expr: "a / b"}, nil, noCIComposite},
		{&Def{ID: "new", BuiltinID: "new_customers", Type: Formula, Inputs: map[string]string{"n": "count(*)"}, Expr: "n"}, nil, noCICount},
		{&Def{ID: "med", BuiltinID: "resolution_median", Type: Formula, Inputs: map[string]string{"median": "median(x)", "n": "count(x)"}, Expr: "median"}, nil, noCIMedian},
		{&Def{ID: "freq", BuiltinID: "purchase_frequency", Type: Ratio, Numerator: "count(DISTINCT o)", Denominator: "count(DISTINCT c)"}, nil, noCIFormula},
		// a mean written as one avg() input is not a count or a sum
		{&Def{ID: "avg", Type: Formula, Inputs: map[string]string{"m": "avg(x)"}, Expr: "m"}, nil, noCIFormula},
		{&Def{ID: "spend", Type: Formula, Inputs: map[string]string{"s": "sum(x) FILTER (WHERE k = 'a')"}, Expr: "s"}, nil, noCICount},
		{&Def{ID: "off", Interval: IntervalNone, Type: Ratio, Numerator: "count(*) FILTER (WHERE s >= 4)", Denominator: "count(s)", Scale: 100}, nil, noCISetNone},
		{&Def{ID: "csat", BuiltinID: "csat", Type: Ratio, Numerator: "count(*) FILTER (WHERE s >= 4)", Denominator: "count(s)", Scale: 100},
			map[string]float64{"num": 0, "den": 0}, noCINoUnits},
		{&Def{ID: "wait", Type: Ratio, Numerator: "sum(x)", Denominator: "count(x)"},
			map[string]float64{"num": 3, "den": 1, compSumSq: 9}, noCISmallN},
		{&Def{ID: "odd", Interval: IntervalProportion, Type: Ratio, Numerator: "count(*)", Denominator: "count(x)", Scale: 100},
			map[string]float64{"num": 30, "den": 10}, noCINotShare},
		// a sum is not a count of units: no Wilson interval of dollars
		{&Def{ID: "sums", Interval: IntervalProportion, Type: Ratio, Numerator: "sum(x)", Denominator: "count(*)", Scale: 100},
			map[string]float64{"num": 3, "den": 10}, noCIForm(IntervalProportion)},
	} {
		if _, why := tc.d.estimateOf(tc.comps); why != tc.want {
			t.Errorf("%s: %q, want %q", tc.d.ID, why, tc.want)
		}
	}
}

// TestStatusRank: uncertain ranks between amber and green, so a scorecard
// whose worst row is uncertain is not "red or amber" for --fail-on.
func TestStatusRank(t *testing.T) {
	order := []Status{Red, Amber, Uncertain, Green, NoTarget, NoValue}
	for i := 1; i < len(order); i++ {
		if order[i-1].Rank() >= order[i].Rank() {
			t.Errorf("%s ranks %d, not before %s (%d)", order[i-1], order[i-1].Rank(), order[i], order[i].Rank())
		}
	}
	if Uncertain.Word() != "uncertain" || Uncertain.Symbol() == NoValue.Symbol() {
		t.Errorf("uncertain: %q %q", Uncertain.Word(), Uncertain.Symbol())
	}
}
