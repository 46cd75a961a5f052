package kpi_test

import (
	"context"
	"fmt"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// The engine reads less when it can (no trend: only the current and
// comparison periods; breakdowns only for those periods). Whatever it reads,
// the numbers must be the same as with the full trend window.
func TestQueryShapesAgree(t *testing.T) {
	skipShort(t)
	ws, err := workspace.Open(context.Background(), workspace.Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	eng := ws.Engine
	for _, seg := range []string{"", "channel", "region"} {
		for _, cmp := range []kpi.Compare{kpi.VsPrevious, kpi.VsYear} {
			for _, g := range []kpi.Grain{kpi.Month, kpi.Quarter} {
				base := kpi.Slice{Segment: seg, Compare: cmp, Grain: g}
				wide, narrow := base, base
				wide.Trend, narrow.Trend = 14, 1
				a, err := eng.Compute(context.Background(), wide, nil, kpi.FromScratch())
				if err != nil {
					t.Fatal(err)
				}
				b, err := eng.Compute(context.Background(), narrow, nil, kpi.FromScratch())
				if err != nil {
					t.Fatal(err)
				}
				for i, ra := range a.Results {
					rb := b.Results[i]
					name := fmt.Sprintf("%s by %q %s %s", ra.Def.ID, seg, cmp, g)
					same(t, name+" total", ra.Total, rb.Total)
					if len(ra.Segments) != len(rb.Segments) {
						t.Errorf("%s: %d segments vs %d", name, len(ra.Segments), len(rb.Segments))
						continue
					}
					for j := range ra.Segments {
						same(t, name+" "+ra.Segments[j].Segment, ra.Segments[j], rb.Segments[j])
					}
				}
			}
		}
	}
}

func same(t *testing.T, what string, a, b kpi.Row) {
	t.Helper()
	eq := func(x, y *float64) bool { return x == nil && y == nil || x != nil && y != nil && approx(*x, *y) }
	if a.Segment != b.Segment || !eq(a.Value, b.Value) || !eq(a.Delta, b.Delta) || a.N != b.N {
		t.Errorf("%s: %s %v Δ%v n%d vs %s %v Δ%v n%d", what, a.Segment, f(a.Value), f(a.Delta), a.N, b.Segment, f(b.Value), f(b.Delta), b.N)
	}
}

func f(v *float64) any {
	if v == nil {
		return "—"
	}
	return *v
}
