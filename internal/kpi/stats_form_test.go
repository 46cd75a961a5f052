package kpi_test

import (
	"math"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
)

// formFixture: 4 rows in September, 10 in October 2026 (all in segment A).
//   - hours: Sep 1, 2, 3, 6; Oct 1, 2, 3, 6 again and six rows without
//     hours. score is set on the Oct rows without hours only, so
//     count(score) (6) counts other rows than sum(hours) does.
//   - cost and amt: money, which a count of units is not.
//   - nps answers in October: 5 promoters (9–10), 2 detractors (0–6), 3
//     passives; in September 2 promoters of 2.
const formFixture = `
CREATE TABLE t (date DATE, seg VARCHAR, hours DOUBLE, score INTEGER, cost DOUBLE, amt DOUBLE, nps INTEGER);
INSERT INTO t VALUES
 ('2026-09-02','A',1,NULL,5,50,10), ('2026-09-03','A',2,NULL,5,50,9), ('2026-09-04','A',3,NULL,5,50,NULL), ('2026-09-05','A',6,NULL,5,50,NULL),
 ('2026-10-02','A',1,NULL,10,40,10), ('2026-10-03','A',2,NULL,10,40,9), ('2026-10-04','A',3,NULL,10,40,10), ('2026-10-05','A',6,NULL,10,40,9),
 ('2026-10-06','A',NULL,4,10,40,10), ('2026-10-07','A',NULL,5,10,40,2), ('2026-10-08','A',NULL,1,10,40,0),
 ('2026-10-09','A',NULL,2,10,40,7), ('2026-10-10','A',NULL,3,10,40,8), ('2026-10-11','A',NULL,5,10,40,8);
`

func formEngine(t *testing.T, defs ...*kpi.Def) *kpi.Engine {
	t.Helper()
	db := openFixture(t, formFixture)
	for _, d := range defs {
		d.Source, d.Time = "t", "date"
		if d.Better == "" {
			d.Better = kpi.Lower
		}
	}
	eng, err := kpi.New(t.Context(), db, defs, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// TestIntervalFitsTheFormula (review item 1, 2, 4): an interval kind is only
// given where the formula has its form.
//   - sum(cost) / sum(amt) set to interval: proportion is refused and, built
//     by hand, gets no Wilson interval "of 400 dollars";
//   - sum(hours) / count(score) is no mean: no t-interval from n 6 and the
//     Σy² of 4 other rows;
//   - 60 * sum(hours) / count(hours) is the mean of hours × 60, as
//     sum(hours) * 60 is: Oct y = 60, 120, 180, 360 min: mean 180,
//     s² = 60² × 4.6667, t(3) 3.182446 × 60 × √(4.6667 / 4) = 206.2461
//     → −26.2461 … 386.2461;
//   - the README's NPS with inputs p, d, n: 5 promoters and 2 detractors of
//     10: 30, SE √((0.5 + 0.2 − 0.09) / 10) = 0.246982, ± 1.959964 × 24.6982
//     = 48.4075 → −18.4075 … 78.4075; September's 2 promoters of 2 are all
//     alike (SE 0): no interval there, so no interval of the change and no
//     significance.
func TestIntervalFitsTheFormula(t *testing.T) {
	margin := &kpi.Def{ID: "margin", Type: kpi.Ratio, Numerator: "sum(cost)", Denominator: "sum(amt)", Scale: 100, Unit: "%", Interval: kpi.IntervalProportion}
	asMean := &kpi.Def{ID: "asmean", Type: kpi.Ratio, Numerator: "sum(cost)", Denominator: "sum(amt)", Scale: 100, Unit: "%", Interval: kpi.IntervalMean}
	other := &kpi.Def{ID: "h", Type: kpi.Ratio, Numerator: "sum(hours)", Denominator: "count(score)", Decimals: 2}
	lead := &kpi.Def{ID: "lead", Type: kpi.Ratio, Numerator: "60 * sum(hours)", Denominator: "count(hours)", Decimals: 2}
	trail := &kpi.Def{ID: "trail", Type: kpi.Ratio, Numerator: "sum(hours) * 60", Denominator: "count(hours)", Decimals: 2}
	npsx := &kpi.Def{ID: "npsx", Type: kpi.Formula, Expr: "100.0 * (p - d) / n", Better: kpi.Higher, Inputs: map[string]string{
		"p": "count(*) FILTER (WHERE nps >= 9)", "d": "count(*) FILTER (WHERE nps <= 6)", "n": "count(nps)"}}
	formulaMean := &kpi.Def{ID: "fmean", Type: kpi.Formula, Expr: "1.0 * a / b", Interval: kpi.IntervalMean,
		Inputs: map[string]string{"a": "sum(hours)", "b": "count(hours)"}}

	for _, c := range []struct {
		d    *kpi.Def
		want string // "" when the form fits
	}{
		{margin, "proportion needs a count of units over a count of units"},
		{asMean, "mean needs type: ratio with numerator sum(x)"},
		{formulaMean, "mean needs type: ratio"},
		{&kpi.Def{ID: "o", Type: kpi.Ratio, Numerator: "sum(hours)", Denominator: "count(score)", Interval: kpi.IntervalMean}, "mean needs"},
		{&kpi.Def{ID: "f", Type: kpi.Ratio, Numerator: "sum(hours) FILTER (WHERE seg = 'A')", Denominator: "count(hours)", Interval: kpi.IntervalMean}, "mean needs"},
		{&kpi.Def{ID: "s", Type: kpi.Formula, Expr: "100.0 * a / b", Interval: kpi.IntervalProportion,
			Inputs: map[string]string{"a": "sum(cost)", "b": "sum(amt)"}}, "proportion needs"},
		{&kpi.Def{ID: "np", Type: kpi.Formula, Expr: "100.0 * (p - d) / n", Interval: kpi.IntervalNPS,
			Inputs: map[string]string{"p": "sum(cost)", "d": "count(*)", "n": "count(*)"}}, "nps needs"},
		{&kpi.Def{ID: "ok1", Type: kpi.Ratio, Numerator: "count(*) FILTER (WHERE score >= 4)", Denominator: "count(score)", Scale: 100, Interval: kpi.IntervalProportion}, ""},
		{&kpi.Def{ID: "ok2", Type: kpi.Ratio, Numerator: "sum(hours) / 60", Denominator: "count(*)", Interval: kpi.IntervalMean}, ""},
		{&kpi.Def{ID: "ok3", Type: kpi.Ratio, Numerator: "60 * sum(hours)", Denominator: "count(hours)", Interval: kpi.IntervalMean}, ""},
		{&kpi.Def{ID: "ok4", Type: npsx.Type, Expr: npsx.Expr, Inputs: npsx.Inputs, Interval: kpi.IntervalNPS}, ""},
	} {
		err := c.d.CheckInterval()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v, want it accepted", c.d.ID, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.d.ID, err, c.want)
		}
	}
	// what is inferred without interval:
	for d, want := range map[*kpi.Def]kpi.IntervalKind{other: kpi.IntervalNone, lead: kpi.IntervalMean, trail: kpi.IntervalMean, npsx: kpi.IntervalNPS} {
		if got := d.IntervalKind(); got != want {
			t.Errorf("%s: inferred %q, want %q", d.ID, got, want)
		}
	}

	eng := formEngine(t, margin, other, lead, trail, npsx)
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}
	for _, opts := range both {
		sc, err := eng.Compute(t.Context(), s, []string{"margin", "h", "lead", "trail", "npsx"}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"margin", "h"} {
			r := sc.Find(id)
			if r.Err != nil || r.Total.CI != nil || r.Total.DeltaCI != nil || r.Total.Significant != nil || r.Total.NoCI == "" {
				t.Errorf("%s: err %v, CI %v, Δ CI %v, significant %v, reason %q; want no interval with a reason",
					id, r.Err, r.Total.CI, r.Total.DeltaCI, r.Total.Significant, r.Total.NoCI)
			}
		}
		for _, id := range []string{"lead", "trail"} {
			r := sc.Find(id)
			if r.Err != nil || r.Total.CI == nil {
				t.Fatalf("%s: err %v, no CI (%q)", id, r.Err, r.Total.NoCI)
			}
			nearly(t, id+" value", *r.Total.Value, 180)
			nearly(t, id+" low", r.Total.CI.Low, -26.2461)
			nearly(t, id+" high", r.Total.CI.High, 386.2461)
		}
		r := sc.Find("npsx")
		if r.Err != nil || r.Total.CI == nil {
			t.Fatalf("npsx: err %v, no CI (%q)", r.Err, r.Total.NoCI)
		}
		nearly(t, "npsx", *r.Total.Value, 30)
		nearly(t, "npsx low", r.Total.CI.Low, -18.4075)
		nearly(t, "npsx high", r.Total.CI.High, 78.4075)
		if r.Total.DeltaCI != nil || r.Total.Significant != nil {
			t.Errorf("npsx against 2 of 2 promoters: Δ CI %v, significant %v; want none", r.Total.DeltaCI, r.Total.Significant)
		}
		if cmp := r.Total.Compare; cmp == nil || cmp.Value == nil || *cmp.Value != 100 {
			t.Errorf("npsx September: %+v, want 100", cmp)
		}
		if r.Forecast != nil {
			for _, p := range r.Forecast.Points {
				if p.Low < -100 || p.High > 100 {
					t.Errorf("npsx forecast %+v outside −100 … 100", p)
				}
			}
		}
	}
}

// TestForecastClampsAnyNPS: the forecast of an NPS written with inputs p, d,
// n is clamped to −100 … 100 as the built-in's is, not to 0 … for a
// series that never went below 0 (a falling one reaches below 0 in its
// band).
func TestForecastClampsAnyNPS(t *testing.T) {
	npsx := &kpi.Def{ID: "npsx", Type: kpi.Formula, Expr: "100 * (p - d) / n", Inputs: map[string]string{
		"p": "count(*) FILTER (WHERE nps >= 9)", "d": "count(*) FILTER (WHERE nps <= 6)", "n": "count(nps)"}}
	y := []float64{30, 5, 28, 2, 31, 4, 26, 1, 29, 3, 27, 0}
	fc, ok := kpi.ForecastValues(npsx, y, kpi.Month, 3)
	if !ok {
		t.Fatal("no forecast")
	}
	below := false
	for h := range fc.Low {
		below = below || fc.Low[h] < 0
		if fc.Low[h] < -100 || fc.High[h] > 100 {
			t.Errorf("h %d: %v … %v outside −100 … 100", h+1, fc.Low[h], fc.High[h])
		}
	}
	if !below {
		t.Errorf("the band of a noisy NPS near 0 stays above 0 (%v): clamped as a count", fc.Low)
	}
}

func nearly(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-3 {
		t.Errorf("%s: %.6f, want %.6f", what, got, want)
	}
}
