package kpi_test

import (
	"math"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// TestCompositeAnnualisesPartialPeriod: CLV annualises a period's revenue
// and churn with periods_per_year. A quarter cut after one month (the
// sample's Q4 2026 to 31 Oct) must be annualised at its own length, not as a
// whole quarter: before, its CLV read $4,260 against $8,730 for October
// alone, the same days. The expected value is worked from the row's own
// components with the formula of the catalog.
func TestCompositeAnnualisesPartialPeriod(t *testing.T) {
	eng := openSample(t).Engine
	q4 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, g := range []kpi.Grain{kpi.Quarter, kpi.Month} {
		sc, err := eng.Compute(t.Context(), kpi.Slice{Grain: g, Period: q4, Compare: kpi.VsPrevious}, []string{"clv"})
		if err != nil {
			t.Fatal(err)
		}
		r := sc.Find("clv")
		if r.Err != nil || r.Total.Value == nil {
			t.Fatalf("%s: clv %v", g, r.Err)
		}
		c := r.Total.Components
		perYear := 4.0
		if g == kpi.Month {
			perYear = 12
		}
		end := g.Add(q4, 1)
		if r.Total.Partial {
			// a year over the part of the period in the data
			perYear *= float64(end.Sub(q4)) / float64(r.PeriodEnd.Sub(q4))
		}
		want := (c["revenue"] / c["customers"]) * perYear * math.Min(1/(1-math.Pow(1-c["churn"]/100, perYear)), 10)
		if math.Abs(*r.Total.Value-want) > 1e-6*want {
			t.Errorf("%s (partial %v, to %s): CLV %.2f, want %.2f from revenue %.0f, customers %.0f, churn %.3f%%, %.3f periods a year",
				g, r.Total.Partial, r.PeriodEnd.Format("2 Jan"), *r.Total.Value, want, c["revenue"], c["customers"], c["churn"], perYear)
		}
	}
	// Q4 to 31 Oct holds October's days: the same CLV as October (within
	// the few answers of the day counted whole in each).
	get := func(g kpi.Grain) float64 {
		sc, err := eng.Compute(t.Context(), kpi.Slice{Grain: g, Period: q4}, []string{"clv"})
		if err != nil {
			t.Fatal(err)
		}
		return *sc.Find("clv").Total.Value
	}
	if q, m := get(kpi.Quarter), get(kpi.Month); math.Abs(q-m) > 0.02*m {
		t.Errorf("CLV of Q4 to 31 Oct %.0f, of October %.0f: a partial quarter is annualised as a whole one", q, m)
	}
}
