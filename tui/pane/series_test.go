package pane

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

func seriesPeriods(n int) []time.Time {
	var out []time.Time
	for i := range n {
		out = append(out, time.Date(2026, time.Month(8+i), 1, 0, 0, 0, 0, time.UTC))
	}
	return out
}

// TestSeriesChartPointsAndOverlap: each line's periods carry its glyph on
// the row of its value (30h top, 10h bottom, on an axis of 10–30h in 7
// rows); where two points share a cell (both lines at 20h in September)
// the first (larger) line's glyph shows; a line without a value in a
// period has no point there; the target is labelled on its row.
func TestSeriesChartPointsAndOverlap(t *testing.T) {
	st := style.New(true, true)
	d := &kpi.Def{ID: "x", Name: "X", Unit: "h", Decimals: 0, Better: kpi.Lower}
	lines := []Line{
		{Values: []float64{10, 20, 30}, Glyph: "■", Style: st.Series(0)},
		{Values: []float64{30, 20, math.NaN()}, Glyph: "◆", Style: st.Series(1)},
	}
	out := SeriesChart(st, d, seriesPeriods(3), kpi.Month, lines, &kpi.Goal{Value: 25}, 40, 8)
	got := ansi.Strip(strings.Join(out, "\n"))
	want := ` 30h┤◆─╮                    ╭──■
 27h┼┄┄╰───╮┄┄┄┄┄┄┄┄┄┄┄┄╭───╯┄┄  ≤ 25h
 23h┤      ╰───╮    ╭───╯
 20h┤          ╭──■─╯
 17h┤      ╭───╯
 13h┤  ╭───╯
 10h┤■─╯
     Aug 2026           Oct 2026`
	if got != want {
		t.Errorf("chart:\n%s\nwant:\n%s", got, want)
	}
	if strings.Count(got, "◆") != 1 || strings.Count(got, "■") != 3 {
		t.Errorf("want one ◆ (August) and three ■:\n%s", got)
	}
	// Tall enough, a month's initial under each period's column, where its
	// points are.
	tall := SeriesChart(st, d, seriesPeriods(3), kpi.Month, lines, &kpi.Goal{Value: 25}, 40, 10)
	ticks, top := []rune(ansi.Strip(tall[len(tall)-2])), []rune(ansi.Strip(tall[0]))
	for _, c := range []struct {
		month rune
		at    int
	}{{'A', strings.IndexRune(string(top), '◆')}, {'O', strings.LastIndex(string(top), "■")}} {
		at := len([]rune(string(top)[:c.at]))
		if at >= len(ticks) || ticks[at] != c.month {
			t.Errorf("tick %c not under its point (column %d) in %q / %q", c.month, at, string(ticks), string(top))
		}
	}
	// Too small for a chart: a sparkline per line behind its glyph.
	small := SeriesChart(st, d, seriesPeriods(3), kpi.Month, lines, nil, 12, 2)
	if len(small) != 2 || !strings.HasPrefix(ansi.Strip(small[1]), "◆ ") {
		t.Errorf("small: %q", small)
	}
}
