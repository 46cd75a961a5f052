package kpi_test

import (
	"context"
	"math"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// TestMonthlyRollupsExact: values read from the atoms and sketches merged
// per month (whole months of a month, quarter or year trend) equal those
// read from the daily ones: merging counts, sums and bucket counts by month
// changes nothing (quantiles exactly, sums to the last bits of a float). Partial periods, comparisons and a breakdown included, on
// the sample (which ends on a month's last day) and on generated data ending
// mid-month, whose partial quarters and years are compared with ranges of
// whole months and days (months from the monthly sketches, days from the
// daily ones).
func TestMonthlyRollupsExact(t *testing.T) {
	skipShort(t)
	t.Run("sample", func(t *testing.T) { monthlyExact(t, sharedSample(t, nil)) })
	t.Run("mid-month", func(t *testing.T) { monthlyExact(t, rtOpen(t, rtGenerate(t, "2025-03-14 00:00:00")).Engine) })
}

func monthlyExact(t *testing.T, eng *kpi.Engine) {
	ctx := context.Background()
	if err := eng.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range eng.Defs() {
		ids = append(ids, d.ID)
	}
	asOf := eng.AsOf()
	var slices []kpi.Slice
	for _, g := range []kpi.Grain{kpi.Month, kpi.Quarter, kpi.Year} {
		for _, c := range []kpi.Compare{kpi.VsPrevious, kpi.VsYear} {
			slices = append(slices,
				kpi.Slice{Grain: g, Compare: c},
				kpi.Slice{Grain: g, Compare: c, Period: g.Add(g.Trunc(asOf), -1), Segment: "channel"},
				kpi.Slice{Grain: g, Compare: c, Filters: []kpi.Filter{{Dim: "region", Values: []string{"EMEA"}}}},
			)
		}
	}
	slices = append(slices, kpi.Slice{Grain: kpi.All, Segment: "priority"})
	approx := 0
	for _, s := range slices {
		kpi.DailyRollupsOnly(eng, false)
		monthly, err := eng.Compute(ctx, s, ids, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		kpi.DailyRollupsOnly(eng, true)
		daily, err := eng.Compute(ctx, s, ids, kpi.Uncached())
		kpi.DailyRollupsOnly(eng, false)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range monthly.Results {
			d := daily.Results[i]
			if m.Approx || m.ApproxExtras {
				approx++
			}
			check := func(what string, a, b *float64) {
				t.Helper()
				if (a == nil) != (b == nil) || a != nil && math.Abs(*a-*b) > 1e-9*math.Max(1, math.Abs(*b)) {
					t.Errorf("%s %s %s: monthly %v, daily %v", s.Grain, m.Def.ID, what, fp(a), fp(b))
				}
			}
			rows := append([]kpi.Row{m.Total}, m.Segments...)
			drows := append([]kpi.Row{d.Total}, d.Segments...)
			if len(rows) != len(drows) || len(m.Trend) != len(d.Trend) {
				t.Fatalf("%s %s: %d rows and %d points monthly, %d and %d daily", s.Grain, m.Def.ID, len(rows), len(m.Trend), len(drows), len(d.Trend))
			}
			for j, r := range rows {
				check(r.Segment+" value", r.Value, drows[j].Value)
				if r.Compare != nil && drows[j].Compare != nil {
					check(r.Segment+" compare", r.Compare.Value, drows[j].Compare.Value)
				}
				for k, x := range r.Extras {
					check(r.Segment+" "+k, x, drows[j].Extras[k])
				}
			}
			for j, p := range m.Trend {
				check(p.Period.Format(time.DateOnly)+" trend", p.Value, d.Trend[j].Value)
			}
		}
	}
	if approx == 0 {
		t.Fatal("no value came from a sketch: the rollups were not read")
	}
}

func fp(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
