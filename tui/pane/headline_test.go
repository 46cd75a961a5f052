package pane

import (
	"strings"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

// TestHeadlineNamesPeriodWithoutValue: at day grain the header shows Wed
// 28 Oct; a KPI without a value that day says "no value in Wed 28 Oct
// 2026", not the comparison day's name; one with a value whose comparison
// day is empty says there is nothing to compare with on Tue 27 Oct.
func TestHeadlineNamesPeriodWithoutValue(t *testing.T) {
	d := &kpi.Def{ID: "csat", Name: "CSAT", Unit: "%", Decimals: 1, Better: kpi.Higher}
	for _, c := range []struct {
		value      *float64
		want, miss string
	}{
		{nil, "no value in Wed 28 Oct 2026", "Tue 27 Oct"},
		{f(80), "nothing to compare with in Tue 27 Oct 2026", "no value in"},
	} {
		row := kpi.Row{Total: true, Point: kpi.Point{Value: c.value}, PeriodName: "Wed 28 Oct 2026", CompareTo: "Tue 27 Oct 2026"}
		got := strings.ReplaceAll(strings.Join(headline(style.Styles{}, d, row, false, 80), " | "), nbsp, " ")
		if !strings.Contains(got, c.want) || strings.Contains(got, c.miss) {
			t.Errorf("headline %q: want %q, without %q", got, c.want, c.miss)
		}
	}
}
