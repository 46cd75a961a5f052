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

// TestHeaderIndexingNote: the indexing note names the stage where it fits;
// where the period, comparison and filters leave too little room, its
// short form; where even that does not fit, none.
func TestHeaderIndexingNote(t *testing.T) {
	h := HeaderInfo{Label: "sample: support & customers", Period: "Q4 2026 (quarter)", Compare: "vs Q3 2026",
		Indexing: "indexing tickets: breakdowns, older months 30/48 41%", IndexingShort: "indexing 30/48 41%"}
	cases := []struct {
		w       int
		filters []kpi.Filter
		want    string
	}{
		{120, nil, " kpiscope sample: support & cus…  Q4 2026 (quarter) · vs Q3 2026 · indexing tickets: breakdowns, older months 30/48 41% "},
		{120, []kpi.Filter{{Dim: "region", Values: []string{"North America"}}, {Dim: "team", Values: []string{"Technical"}}},
			" kpiscope sample: sup…  Q4 2026 (quarter) · vs Q3 2026 · region = North America › team = Technical · indexing 30/48 41% "},
		{80, []kpi.Filter{{Dim: "region", Values: []string{"North America"}}, {Dim: "team", Values: []string{"Technical"}}},
			" kpiscope sample: support…  Q4 2026 (quarter) · vs Q3 2026 · region = North Am… "},
	}
	for _, c := range cases {
		h.Filters = c.filters
		if got := ansi.Strip(RenderHeader(style.Styles{}, h, c.w)); got != c.want {
			t.Errorf("at %d:\n got %q\nwant %q", c.w, got, c.want)
		}
	}
}
