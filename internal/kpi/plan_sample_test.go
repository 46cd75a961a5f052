package kpi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// TestPlanSampleScorecards runs the compiled plans on the embedded sample
// (raw rows: no rollups, no cache) and compares every value, n, comparison
// and segment with testdata/plan/sample_scorecards.golden, written before the
// compiler was split from the executor. Values are printed to 8 significant
// digits, so the order DuckDB sums doubles in cannot change them.
func TestPlanSampleScorecards(t *testing.T) {
	if testing.Short() {
		t.Skip("the golden scorecards, one slice after another: run without -short (CI's race pass is -short)")
	}
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{NoConfig: true, Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	eng := ws.Engine
	asOf := eng.AsOf()
	m := kpi.Month.Trunc(asOf)
	slices := []kpi.Slice{
		{},
		{Grain: kpi.Month, Segment: "channel"},
		{Grain: kpi.Month, Segment: "region", Compare: kpi.VsYear},
		{Grain: kpi.Quarter, Segment: "plan", Filters: []kpi.Filter{{Dim: "region", Values: []string{kpi.BlankLabel, "North America"}}}},
		{Grain: kpi.Month, Period: m, Segment: "channel"},
		{Grain: kpi.Week, Period: kpi.Week.Trunc(asOf), Segment: "region"}, // partial, compared with the same days
		{Grain: kpi.Week, Period: kpi.Week.Trunc(asOf), Compare: kpi.VsYear, Trend: 1},
		{Grain: kpi.Month, Compare: kpi.VsYear, Trend: 1, Segment: "priority"},
		{Grain: kpi.All, Segment: "segment"},
		{Grain: kpi.Year, Compare: kpi.VsTarget, Filters: []kpi.Filter{{Dim: "channel", Values: []string{"chat", "email"}}}},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "as of %s\n", asOf.Format(time.RFC3339))
	for _, s := range slices {
		sc, err := eng.Compute(ctx, s, nil, kpi.FromScratch())
		if err != nil {
			t.Fatal(err)
		}
		writeScorecard(&b, sc)
	}
	golden.RequireEqual(goldenPath{t, "plan/sample_scorecards"}, b.String())
}

type goldenPath struct {
	*testing.T
	name string
}

func (g goldenPath) Name() string { return g.name }

func writeScorecard(b *strings.Builder, sc *kpi.Scorecard) {
	s := sc.Slice
	fmt.Fprintf(b, "\n# %s %s compare=%s trend=%d segment=%q filters=%v partial=%v cmp=%s\n", s.Grain, s.Period.Format("2006-01-02"),
		s.Compare, s.Trend, s.Segment, s.Filters, sc.Partial, sc.ComparePeriod.Format("2006-01-02"))
	num := func(v *float64) string {
		if v == nil {
			return "—"
		}
		return fmt.Sprintf("%.8g", *v)
	}
	row := func(label string, r kpi.Row) {
		fmt.Fprintf(b, "  %s %s n=%d", label, num(r.Value), r.N)
		if r.Compare != nil {
			fmt.Fprintf(b, " vs %s n=%d", num(r.Compare.Value), r.Compare.N)
		}
		fmt.Fprintf(b, " Δ%s %s\n", num(r.Delta), r.Status)
	}
	for _, r := range sc.Results {
		if r.Err != nil {
			fmt.Fprintf(b, "%s: %v\n", r.Def.ID, r.Err)
			continue
		}
		fmt.Fprintf(b, "%s\n", r.Def.ID)
		row("total", r.Total)
		var trend []string
		for _, p := range r.Trend {
			trend = append(trend, num(p.Value))
		}
		if len(trend) > 0 {
			fmt.Fprintf(b, "  trend %s\n", strings.Join(trend, " "))
		}
		if r.SegmentErr != nil {
			fmt.Fprintf(b, "  segments: %v\n", r.SegmentErr)
		}
		for _, sg := range r.Segments {
			row(sg.Segment, sg)
		}
	}
}
