package pane

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

// TestBreakdownNameAndPosition: under a scrolled table whose name column
// cuts names, the selected row's whole name and the position both show,
// whether the name takes one line or two, in exactly the lines the table
// was given.
func TestBreakdownNameAndPosition(t *testing.T) {
	def := &kpi.Def{ID: "csat", Name: "CSAT", Type: kpi.Ratio, Unit: "%", Decimals: 1, Better: kpi.Higher}
	row := func(seg string, n int64) kpi.Row {
		return kpi.Row{Segment: seg, Point: kpi.Point{Value: f(80), N: n, HasN: true}, Status: kpi.NoTarget}
	}
	long := "Schulist, Adams, Hilpert and Cartwright-Gislason International Airways"
	mid := "Reynolds, Wolf and Kunde Air"
	res := &kpi.Result{Def: def, Total: row("", 60), Segments: []kpi.Row{row("Hand-Maggio", 30), row(mid, 20), row(long, 10)}}
	for _, tc := range []struct {
		cursor int
		want   string
	}{
		{1, mid},  // one line of name; the position on a line of its own
		{2, long}, // two lines of name, the position after them
	} {
		b := Breakdown{Def: def, Result: res, Dim: "airline", Cursor: tc.cursor, Sort: DefaultSort(), Focused: true}
		const w, h = 36, 6
		lines := RenderBreakdown(style.Styles{}, b, w, h)
		if len(lines) != h {
			t.Errorf("cursor %d: %d lines, want %d:\n%s", tc.cursor, len(lines), h, strings.Join(lines, "\n"))
		}
		under := ""
		for i, l := range lines {
			if ansi.StringWidth(l) > w {
				t.Errorf("cursor %d: line %d is %d wide", tc.cursor, i, ansi.StringWidth(l))
			}
			if i >= 3 { // header, one row, total
				under += " " + ansi.Strip(l)
			}
		}
		squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
		if !strings.Contains(squash(under), squash(SelectMark+" "+tc.want)) || !strings.Contains(under, " of 3") {
			t.Errorf("cursor %d: under the table %q, want the whole name %q and the position", tc.cursor, under, tc.want)
		}
	}
}
