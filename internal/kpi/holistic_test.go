package kpi_test

import (
	"context"
	"sync"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// TestHoldsValues: the aggregates DuckDB answers by keeping every value of
// their group (exact quantiles, medians, modes) are told from the ones that
// do not, and from names that merely contain them.
func TestHoldsValues(t *testing.T) {
	for q, want := range map[string]bool{
		`SELECT quantile_cont(x, [0.5, 0.9]) FILTER (WHERE ok) FROM t`:        true,
		`SELECT QUANTILE_DISC(x, 0.5) FROM t`:                                 true,
		`SELECT median (x) FROM t`:                                            true,
		`SELECT mode(channel) FROM t`:                                         true,
		`SELECT sum(median_hours), count(*) FILTER (WHERE mode = 'x') FROM t`: false,
		`SELECT sum(a0), sum(b) AS quantile_sketch FROM r`:                    false,
	} {
		if got := kpi.HoldsValues(q); got != want {
			t.Errorf("HoldsValues(%q) = %v, want %v", q, got, want)
		}
	}
}

// TestHolisticOneAtATime: raw reads of exact medians (the KPIs' own and
// their p90 extras) run one at a time, however many groups and slices ask
// at once (DuckDB holds their values outside its memory limit: two at once
// at 100M rows took the explorer near 2 GB), and give the same values as
// one after another. The rollups' quantiles, read from sketches, hold no
// values and are not held back.
func TestHolisticOneAtATime(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	eng := ws.Engine
	ids := []string{"resolution_time", "resolution_median", "resolution_bh_median", "first_response", "csat"}
	slices := []kpi.Slice{
		{Grain: kpi.Month, Segment: "team"},
		{Grain: kpi.Quarter, Segment: "channel"},
		{Grain: kpi.Month, Filters: []kpi.Filter{{Dim: "region", Values: []string{"EMEA"}}}, Segment: "priority"},
	}
	one := make([]*kpi.Scorecard, len(slices))
	for i, s := range slices {
		if one[i], err = eng.Compute(ctx, s, ids, kpi.FromScratch()); err != nil {
			t.Fatal(err)
		}
	}
	_, before := kpi.HolisticRuns(eng)
	if before == 0 {
		t.Fatal("no raw read of a median was counted")
	}
	var wg sync.WaitGroup
	got := make([]*kpi.Scorecard, len(slices)*3)
	errs := make([]error, len(got))
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = eng.Compute(ctx, slices[i%len(slices)], ids, kpi.FromScratch())
		}()
	}
	wg.Wait()
	for i, sc := range got {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		a, b := valuesOf(sc), valuesOf(one[i%len(slices)])
		if len(a) == 0 || len(a) != len(b) {
			t.Fatalf("slice %d: %d values at once, %d one by one", i%len(slices), len(a), len(b))
		}
		for j := range a {
			if a[j] != b[j] {
				t.Errorf("slice %d: %s at once, %s one by one", i%len(slices), a[j], b[j])
			}
		}
	}
	most, all := kpi.HolisticRuns(eng)
	if most != 1 {
		t.Errorf("%d raw reads of medians ran at once, want 1", most)
	}
	if all < 2*before {
		t.Errorf("%d raw reads of medians in all, want at least %d", all, 2*before)
	}
	// From the rollups: no value held.
	if err := eng.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	_, built := kpi.HolisticRuns(eng)
	sc, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.Month, Segment: "team"}, []string{"resolution_median"}, kpi.Uncached())
	if err != nil {
		t.Fatal(err)
	}
	if !sc.Results[0].Approx {
		t.Fatal("the median by team did not come from the sketches")
	}
	if _, after := kpi.HolisticRuns(eng); after != built {
		t.Errorf("a median read from the sketches was held back as a raw read (%d → %d)", built, after)
	}
}
