package pane

import (
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// TestTrendSpanFits: a trend's period span is whole or "from" its first
// period, never cut ("Nov 2025 – Oc…" in a 60-column detail pane).
func TestTrendSpanFits(t *testing.T) {
	nov, oct := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		w    int
		want string
	}{
		{19, "Nov 2025 – Oct 2026"}, // exactly its 19 cells
		{18, "from Nov 2025"},
	} {
		if got := trendSpan(kpi.Month, nov, oct, c.w); got != c.want {
			t.Errorf("w %d: %q, want %q", c.w, got, c.want)
		}
	}
}

// TestPeriodNameWordsAsHeader: the trend's periods are named in the
// header's words, a week by its first day (not 2021-W13 beside "week of 29
// Mar 2021"), a day without its weekday.
func TestPeriodNameWordsAsHeader(t *testing.T) {
	mon := time.Date(2021, 3, 29, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		g    kpi.Grain
		want string
	}{
		{kpi.Week, "29 Mar 2021"}, {kpi.Day, "29 Mar 2021"}, {kpi.Month, "Mar 2021"}, {kpi.Quarter, "Q1 2021"}, {kpi.Year, "2021"},
	} {
		if got := PeriodName(c.g, mon); got != c.want {
			t.Errorf("%s: %q, want %q", c.g, got, c.want)
		}
	}
}
