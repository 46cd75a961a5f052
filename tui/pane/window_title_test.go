package pane

import (
	"context"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// TestWindowChartTitle: under a date window the chart's title says the
// window's length and runs from the first window's first day to the last
// one's last day (the data's), not to the last window's first day.
func TestWindowChartTitle(t *testing.T) {
	ws, err := workspace.Open(context.Background(), workspace.Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	w, _ := kpi.ParseWindow("90d")
	s := ws.Engine.Resolve(kpi.Slice{Window: w})
	if !s.Grain.IsWindow() {
		t.Fatalf("grain %q", s.Grain)
	}
	first := s.Grain.Add(s.Period, -11)
	got := chartTitle(Detail{Grain: s.Grain, Result: &kpi.Result{}}, first, s.Period, true, 80)
	want := "90-day trend · " + first.Format("2 Jan 2006") + " – 31 Oct 2026"
	if got != want || s.Period.Format(time.DateOnly) != "2026-08-03" {
		t.Errorf("title %q (period %s), want %q", got, s.Period.Format(time.DateOnly), want)
	}
}
