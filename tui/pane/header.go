package pane

import (
	"strings"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

// HeaderInfo is what the top line says.
type HeaderInfo struct {
	Label     string       // the data
	Period    string       // "Oct 2026 (month)", "Oct 2026 (month, to 15 Oct)" (see PeriodHeader)
	Compare   string       // "vs Sep 2026"
	Filters   []kpi.Filter // as shown (cleaned)
	Refreshed string       // "refreshed 14:05"
	Indexing  string       // "indexing tickets: breakdowns 2/6" while rollups are built
	// IndexingShort is Indexing where it does not fit: "indexing 2/6".
	IndexingShort string
}

// RenderHeader draws the header line: the data on the left; period,
// comparison and filters on the right, which win when space is short.
func RenderHeader(st style.Styles, h HeaderInfo, w int) string {
	sep := st.MutedText.Render(" · ")
	var right []string
	right = append(right, st.Bold.Render(h.Period))
	if h.Compare != "" {
		right = append(right, st.Header.Render(h.Compare))
	}
	if len(h.Filters) > 0 {
		var fs []string
		for _, f := range h.Filters {
			fs = append(fs, f.String())
		}
		right = append(right, st.AccentTxt.Render(strings.Join(fs, " › ")))
	}
	r := strings.Join(right, sep)
	left := " " + st.AppName.Render("kpiscope") + " "
	// The data is named at every depth: drilled in, the right side (the
	// filters last) is cut before the label gets fewer than keep cells.
	if keep := min(Width(h.Label), max(12, w/5)); len(h.Filters) > 0 && keep > 0 && Width(left)+keep+3+Width(r) > w {
		r = Fit(r, max(1, w-Width(left)-keep-3))
	}
	for _, notes := range [][]string{{h.Refreshed}, {h.Indexing, h.IndexingShort}} {
		for _, note := range notes {
			if note != "" && Width(r)+Width(note)+3 < w-20 {
				r += sep + st.MutedText.Render(note)
				break
			}
		}
	}
	r += " "
	room := w - Width(r) - Width(left) - 2 // two spaces before the period
	if label := h.Label; room >= 4 && label != "" {
		left += st.MutedText.Render(Fit(label, min(room, Width(label))))
	}
	if Width(left)+Width(r) > w {
		return Fit(left+r, w)
	}
	return left + strings.Repeat(" ", w-Width(left)-Width(r)) + r
}

// PeriodHeader is what the header says of a scorecard's period and what it
// is compared with, in kpi.PeriodLabel's words, which the panes and the
// reports use too: "Oct 2026 (month, to 15 Oct)" and "vs Sep 2026 (to 15
// Sep)", "week of 12 Oct 2026 (week)" and "vs week of 5 Oct 2026". All time
// (a grain of all, or data without dates) names no grain, and its deltas
// are against the target. The period's end is the latest data's; a KPI
// whose table stops earlier says so in its own pane.
func PeriodHeader(sc *kpi.Scorecard) (period, compare string) {
	period, compare = sc.PeriodTitle(), sc.CompareName()
	switch {
	case compare == "target":
		compare = "vs target"
	case sc.Slice.Compare == kpi.VsYear:
		compare = "vs " + compare + " (last year)"
	default:
		compare = "vs " + compare
	}
	return period, compare
}
