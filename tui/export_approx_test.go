package tui

import (
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// TestExportedScorecardExplainsSketchMark: the exported scorecard
// (Markdown, as e writes it) of a median answered from the rollup's sketch
// shows "~9.1h" and its change "▲ ~0.2h", and its notes explain ~ as they
// explain ≈.
func TestExportedScorecardExplainsSketchMark(t *testing.T) {
	d := &kpi.Def{ID: "resolution_median", Name: "Resolution median", Unit: "h", Decimals: 1, Better: kpi.Lower}
	v, c, delta := 9.1, 8.9, 0.2
	oct := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	sc := &kpi.Scorecard{Slice: kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}, Results: []kpi.Result{{
		Def:    d,
		Approx: true,
		Total: kpi.Row{Total: true, Point: kpi.Point{Period: oct, Value: &v}, Status: kpi.NoTarget,
			Compare: &kpi.Point{Period: oct.AddDate(0, -1, 0), Value: &c}, Delta: &delta, CompareTo: "Sep 2026"},
	}}}
	md := onScreen{scorecard: sc}.markdown("test")
	for _, want := range []string{"~9.1h", "▲ ~0.2h", "~ a median and its Δ from the index's sketch"} {
		if !strings.Contains(md, want) {
			t.Errorf("no %q in the exported scorecard:\n%s", want, md)
		}
	}
}
