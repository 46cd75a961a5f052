package pane

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

// TestListSummaryWraps: in a narrow list (a 60-column screen's) the status
// counts and the symbols' legend wrap between their items instead of being
// cut ("○ 1 off · ● 1 on target · ◦…" lost the no-target count).
func TestListSummaryWraps(t *testing.T) {
	var tiles []Tile
	for i, s := range []kpi.Status{kpi.Red, kpi.Green, kpi.NoTarget, kpi.NoTarget, kpi.NoTarget} {
		def := &kpi.Def{ID: string(rune('a' + i)), Name: "KPI " + string(rune('A'+i)), Type: kpi.Ratio, Unit: "%", Decimals: 1, Better: kpi.Higher}
		tiles = append(tiles, Tile{Def: def, Result: &kpi.Result{Def: def, Total: kpi.Row{Point: kpi.Point{Value: f(50)}, Status: s}}})
	}
	const w, h = 28, 18
	lines := List(style.Styles{}, tiles, 0, w, h, true, false)
	var got []string
	for _, l := range lines[1+len(tiles):] {
		if ansi.StringWidth(l) > w {
			t.Errorf("line %q is wider than %d", l, w)
		}
		got = append(got, strings.TrimRight(ansi.Strip(l), " "))
	}
	want := []string{"", "○ 1 off · ● 1 on target", "◦ 3 no target", "", "? low n · ! warnings", "◦ no target · · no value"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("under the KPIs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
