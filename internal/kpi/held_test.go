package kpi_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// TestHeldStatementsSplit: exact medians and p90s read from the raw rows
// over more than heldRows rows are sent as several statements over
// consecutive periods, with the same numbers as one statement: by the raw
// path (FromScratch) and by the period totals' (runPeriods), for a quarter's
// trend and breakdown, a drill by month, and a year against the year before.
// The engine has no rollups (report's): its quantiles are never sketched,
// whatever the rows of a period.
func TestHeldStatementsSplit(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{NoConfig: true,
		Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	eng := ws.Engine
	ids := []string{"resolution_median", "resolution_time", "first_response"}
	billing := []kpi.Filter{{Dim: "team", Values: []string{"Billing"}}}
	slices := map[string]kpi.Slice{
		"median by team, quarter":          {Grain: kpi.Quarter, Segment: "team"},
		"drill by channel, month":          {Grain: kpi.Month, Segment: "channel", Filters: billing},
		"year vs the year before by team":  {Grain: kpi.Year, Segment: "team"},
		"totals, quarter vs a year before": {Grain: kpi.Quarter, Compare: kpi.VsYear},
	}
	names := make([]string, 0, len(slices))
	for n := range slices {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := slices[n]
		whole, err := eng.Compute(ctx, s, ids, kpi.FromScratch())
		if err != nil {
			t.Fatal(err)
		}
		if kpi.HeldSplits(eng) != 0 {
			t.Fatalf("%s: split with the sample's rows under heldRows", n)
		}
		// An engine without rollups (report's) never sketches: exact.
		restore, restore2 := kpi.SetHeldRows(2000), kpi.SetSketchRows(1)
		split, err := eng.Compute(ctx, s, ids, kpi.FromScratch())
		splits := kpi.HeldSplits(eng)
		kpi.ForgetPeriodTotals(eng)
		periods, err2 := eng.Compute(ctx, s, ids, kpi.Uncached())
		restore()
		restore2()
		if err != nil || err2 != nil {
			t.Fatal(err, err2)
		}
		if k := kpi.RawSketches(eng); k != 0 {
			t.Errorf("%s: %d statements sketched without rollups", n, k)
		}
		if splits == 0 || kpi.HeldSplits(eng) == splits {
			t.Errorf("%s: %d splits by the raw path, %d in all: want both paths split", n, splits, kpi.HeldSplits(eng))
		}
		want := strings.Join(heldValues(whole), "\n  ")
		for what, sc := range map[string]*kpi.Scorecard{"raw path": split, "period totals": periods} {
			if got := strings.Join(heldValues(sc), "\n  "); got != want {
				t.Errorf("%s, %s split:\n  %s\none statement:\n  %s", n, what, got, want)
			}
		}
		kpi.ResetHeldSplits(eng)
	}
}

// heldValues is valuesOf with each row's extras (the p90 beside a mean).
func heldValues(sc *kpi.Scorecard) []string {
	out := valuesOf(sc)
	for _, r := range sc.Results {
		for _, row := range append([]kpi.Row{r.Total}, r.Segments...) {
			var ks []string
			for k := range row.Extras {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			for _, k := range ks {
				v := "none"
				if x := row.Extras[k]; x != nil {
					v = fmt.Sprintf("%.9g", *x)
				}
				out = append(out, fmt.Sprintf("%s %s %s=%s", r.Def.ID, row.Segment, k, v))
			}
		}
	}
	return out
}
