package pane

import (
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

// TestSketchedDeltaIsMarked: a median answered from the rollup's sketch is
// "~9.1h"; its change, from the same sketch, is "▲ ~0.2h" (and "≈▲~0.2h"
// within noise); an exact one keeps "▲ 0.2h", and no change "= 0.0h".
func TestSketchedDeltaIsMarked(t *testing.T) {
	st := style.New(true, true)
	d := &kpi.Def{ID: "resolution_median", Unit: "h", Decimals: 1, Better: kpi.Lower}
	no := false
	for _, c := range []struct {
		delta  float64
		approx bool
		sig    *bool
		want   string
	}{
		{0.2, true, nil, "△ ~0.2h"},
		{0.2, false, nil, "△ 0.2h"},
		{0.2, true, &no, "≈△~0.2h"},
		{-0.2, true, nil, "▼ ~0.2h"},
		{0.01, true, nil, "= 0.0h"},
	} {
		r := kpi.Row{Point: kpi.Point{Value: f(9.1)}, Delta: f(c.delta), Significant: c.sig}
		if got := RowDeltaCell(st, d, r, false, c.approx).Text; got != c.want {
			t.Errorf("Δ %v approx %v: %q, want %q", c.delta, c.approx, got, c.want)
		}
	}
}
