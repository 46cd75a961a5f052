package pane

import (
	"testing"

	"github.com/charmbracelet/x/ansi"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

// TestHeaderLabelAndPeriod: not drilled, the period and comparison win and
// the data gets what is left; drilled in, the data keeps max(12, w/5)
// cells and the right side (the filters last) is cut instead (before, the
// filters pushed the data's name out: " kpiscope   all time · …").
func TestHeaderLabelAndPeriod(t *testing.T) {
	h := HeaderInfo{Label: "zendesk_tickets.csv · 1 table · 165 rows", Period: "Oct 2026 (month, to 14 Oct)", Compare: "vs Sep 2026 (to 14 Sep)"}
	const w = 80
	if got, want := ansi.Strip(RenderHeader(style.Styles{}, h, w)), " kpiscope zendesk_ticke…  Oct 2026 (month, to 14 Oct) · vs Sep 2026 (to 14 Sep) "; got != want {
		t.Errorf("not drilled:\n got %q\nwant %q", got, want)
	}
	h.Filters = []kpi.Filter{{Dim: "Priority", Values: []string{"High"}}}
	if got, want := ansi.Strip(RenderHeader(style.Styles{}, h, w)), " kpiscope zendesk_tickets…  Oct 2026 (month, to 14 Oct) · vs Sep 2026 (to 14 S… "; got != want {
		t.Errorf("drilled:\n got %q\nwant %q", got, want)
	}
}
