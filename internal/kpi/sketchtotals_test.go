package kpi_test

import (
	"context"
	"testing"

	"kpiscope/internal/kpi"
)

// TestBreakdownTotalsFromKeptSketchTotals: a median's breakdown with a
// trend reads its totals and trend from the period totals kept from the
// sketches (as the scorecard does) and only its segments from the sketches:
// the first breakdown keeps its totals, the scorecard of the same slice then
// finds them (the same values), and a second breakdown shows kept totals
// (here shifted by a known amount) with its segments unchanged.
func TestBreakdownTotalsFromKeptSketchTotals(t *testing.T) {
	skipShort(t)
	eng := rtOpen(t, rtGenerate(t, "2025-03-14 00:00:00")).Engine
	ctx := context.Background()
	if err := eng.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	id := "resolution_median"
	for _, tc := range []struct {
		g       kpi.Grain
		filters []kpi.Filter
	}{
		{kpi.Week, nil}, {kpi.Month, nil},
		// A filter: the totals read the filter's set, the segments the pair's.
		{kpi.Month, []kpi.Filter{{Dim: "region", Values: []string{"EMEA"}}}},
	} {
		g := tc.g
		bd := kpi.Slice{Grain: g, Compare: kpi.VsPrevious, Segment: "channel", Filters: tc.filters}
		first, err := eng.Compute(ctx, bd, []string{id}, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		r1 := first.Find(id)
		if r1 == nil || r1.Total.Value == nil || len(r1.Segments) < 2 || !r1.Approx {
			t.Fatalf("%s breakdown: %+v, want a sketched total and segments", g, r1)
		}
		// The scorecard's totals merged afresh (none kept) equal the
		// breakdown's: reading the totals' rows, not the segment's, changes
		// nothing.
		kpi.ForgetPeriodTotals(eng)
		sc, err := eng.Compute(ctx, kpi.Slice{Grain: g, Compare: kpi.VsPrevious, Filters: tc.filters}, []string{id}, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		kpi.ForgetPeriodTotals(eng)
		if _, err := eng.Compute(ctx, bd, []string{id}, kpi.Uncached()); err != nil { // keeps them again
			t.Fatal(err)
		}
		c := &rtCmp{t: t, name: "scorecard beside the breakdown at " + string(g)}
		c.float("total", sc.Find(id).Total.Value, r1.Total.Value, false)
		if len(sc.Find(id).Trend) != len(r1.Trend) {
			t.Fatalf("%s: trend of %d periods, breakdown's %d", g, len(sc.Find(id).Trend), len(r1.Trend))
		}
		for i, p := range sc.Find(id).Trend {
			c.float("trend", p.Value, r1.Trend[i].Value, false)
		}
		if kpi.ShiftKeptTotals(eng, 1000) == 0 {
			t.Fatalf("%s %v: no sketch totals kept", g, tc.filters)
		}
		second, err := eng.Compute(ctx, bd, []string{id}, kpi.Uncached())
		kpi.ShiftKeptTotals(eng, -1000)
		if err != nil {
			t.Fatal(err)
		}
		r2 := second.Find(id)
		if got, want := *r2.Total.Value, *r1.Total.Value+1000; got != want {
			t.Errorf("%s: second breakdown's total %v, want the kept %v: merged again", g, got, want)
		}
		if len(r2.Segments) != len(r1.Segments) {
			t.Fatalf("%s: %d segments, then %d", g, len(r1.Segments), len(r2.Segments))
		}
		for i, s := range r2.Segments {
			c.float("segment "+s.Segment, s.Value, r1.Segments[i].Value, false)
		}
	}
}

// TestScorecardTotalsKept: a scorecard's totals and trend read from the
// rollups are kept per period (additive KPIs as the sketched ones): a
// scorecard over periods already read sends no query and shows the kept
// values (shifted here by a known amount), and once they are forgotten the
// rollups give the same numbers again.
func TestScorecardTotalsKept(t *testing.T) {
	skipShort(t) // one goroutine
	ctx := context.Background()
	reads := &rawReads{}
	eng := sharedSample(t, reads)
	kpi.ForgetPeriodTotals(eng)
	t.Cleanup(func() { kpi.ForgetPeriodTotals(eng) }) // the shifted values go
	ids := []string{"csat", "fcr", "resolution_time", "nps"}
	compute := func(s kpi.Slice) *kpi.Scorecard {
		t.Helper()
		sc, err := eng.Compute(ctx, s, ids, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sc.Results {
			if r.Err != nil || r.Total.Value == nil || len(r.Trend) < 4 {
				t.Fatalf("%s: %v, total %v, %d trend points", r.Def.ID, r.Err, r.Total.Value, len(r.Trend))
			}
		}
		return sc
	}
	reads.reset()
	long := kpi.Slice{Grain: kpi.Week, Compare: kpi.VsPrevious, Trend: 8}
	first := compute(long)
	if _, rolled := reads.reset(); rolled == 0 {
		t.Fatal("the first scorecard read no rollup")
	}
	short := long
	short.Trend = 4 // periods the first read
	compute(short)
	if raw, rolled := reads.reset(); raw+rolled > 0 {
		t.Errorf("a scorecard over kept periods sent %d queries (%d of the raw rows)", raw+rolled, raw)
	}
	if kpi.ShiftKeptTotals(eng, 1000) == 0 {
		t.Fatal("no period totals kept")
	}
	shifted := compute(long)
	c := &rtCmp{t: t, name: "kept totals"}
	for i, r := range shifted.Results {
		want := *first.Results[i].Total.Value + 1000
		c.float(r.Def.ID+" total", r.Total.Value, &want, false)
		for j, p := range r.Trend {
			if w := first.Results[i].Trend[j].Value; w != nil {
				v := *w + 1000
				c.float(r.Def.ID+" trend", p.Value, &v, false)
			}
		}
	}
	kpi.ForgetPeriodTotals(eng)
	again := compute(long)
	if _, rolled := reads.reset(); rolled == 0 {
		t.Error("forgotten totals were not read again")
	}
	for i, r := range again.Results {
		c.float(r.Def.ID+" total read again", r.Total.Value, first.Results[i].Total.Value, false)
	}
}
