package pane

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"kpiscope/internal/kpi"
	"kpiscope/tui/keys"
	"kpiscope/tui/style"
)

// TestDetailLinesWrapNotCut: a weekly CSAT with a partial period, a low n
// and three data warnings, in the detail pane of a 60- and an 80-column
// screen (28 and 43 cells). Items wrap onto the next line between them; a
// period's name wraps only before its "(to …)", a status, "? low n" and
// "w to read" stay whole, and no line is cut with "…". Where the partial
// period's whole name does not fit on a line, "partial (to 31 Mar)" says
// where it ends (the header names the period).
func TestDetailLinesWrapNotCut(t *testing.T) {
	def := &kpi.Def{ID: "csat", Name: "CSAT", Unit: "%", Decimals: 1, Better: kpi.Higher}
	row := kpi.Row{Total: true, Point: kpi.Point{Value: f(53.5), N: 86, HasN: true},
		Goal: &kpi.Goal{Value: 80}, Status: kpi.Red, LowN: true, Delta: f(5.8), Partial: true,
		CompareTo: "week of 22 Mar 2021 (to 24 Mar)", PeriodName: "week of 29 Mar 2021 (to 31 Mar)"}
	d := Detail{Def: def, Result: &kpi.Result{Def: def, Total: row}, Grain: kpi.Week,
		Warnings: []string{"a", "b", "c"}, Keys: keys.Default()}
	for _, c := range []struct {
		w    int
		want []string // the lines before the progress bar, and the warnings line(s)
		warn []string
	}{
		{28, []string{
			"53.5%  ○ off target ? low n",
			"target ≥ 80%",
			"▲ +5.8 pts",
			"vs week of 22 Mar 2021",
			"(to 24 Mar)   n 86",
			"partial (to 31 Mar)",
		}, []string{"! 3 data warnings", "w to read"}},
		{26, []string{
			"53.5%  ○ off target",
			"? low n   target ≥ 80%",
			"▲ +5.8 pts",
			"vs week of 22 Mar 2021",
			"(to 24 Mar)   n 86",
			"partial (to 31 Mar)",
		}, []string{"! 3 data warnings", "w to read"}},
		{43, []string{
			"53.5%  ○ off target ? low n   target ≥ 80%",
			"▲ +5.8 pts vs week of 22 Mar 2021",
			"(to 24 Mar)   n 86",
			"partial: week of 29 Mar 2021 (to 31 Mar)",
		}, []string{"! 3 data warnings · w to read"}},
	} {
		lines, _ := RenderDetail(style.Styles{}, d, c.w, 30)
		var got []string
		for _, l := range lines {
			l = ansi.Strip(l)
			if w := Width(l); w > c.w || strings.Contains(l, "…") {
				t.Errorf("w %d: line %q is %d wide or cut", c.w, l, w)
			}
			got = append(got, strings.TrimRight(l, " "))
		}
		n := len(c.want)
		if len(got) < n+2 || strings.Join(got[:n], "\n") != strings.Join(c.want, "\n") {
			t.Errorf("w %d: headline\n%s\nwant\n%s", c.w, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			continue
		}
		// The bar, then (no extras) the warnings.
		if !strings.HasSuffix(got[n], "67% of target") {
			t.Errorf("w %d: line %d %q, want the progress bar", c.w, n, got[n])
		}
		if w := strings.Join(got[n+1:n+1+len(c.warn)], "\n"); w != strings.Join(c.warn, "\n") {
			t.Errorf("w %d: warnings %q, want %q", c.w, w, c.warn)
		}
	}
}

// TestSparkLineNamesWhatFits: twelve weeks from Mon 14 Oct 2019 beside a
// sparkline in 28 cells: neither "14 Oct 2019 – 30 Dec 2019" nor "from 14
// Oct 2019" fits beside 12 bars (14 cells left), nor "from 21 Oct 2019"
// beside 11 (15 left), so it draws the last 10 weeks "from 28 Oct 2019",
// 10 + 2 + 16 = 28 cells. With 50 cells all 12 show with both ends.
func TestSparkLineNamesWhatFits(t *testing.T) {
	var trend []kpi.Point
	start := time.Date(2019, 10, 14, 0, 0, 0, 0, time.UTC)
	for i := range 12 {
		trend = append(trend, kpi.Point{Period: start.AddDate(0, 0, 7*i), Value: f(float64(i % 5))})
	}
	for _, c := range []struct {
		w     int
		bars  int
		label string
	}{
		{28, 10, "  from 28 Oct 2019"},
		{50, 12, "  14 Oct 2019 – 30 Dec 2019"},
		{20, 12, ""}, // not even 6 bars and "from …" fit: the bars alone
	} {
		got := ansi.Strip(sparkLine(style.Styles{}, kpi.Week, trend, c.w))
		if want := Sparkline(trend, c.bars) + c.label; got != want || Width(got) > c.w {
			t.Errorf("w %d: %q (%d wide), want %q", c.w, got, Width(got), want)
		}
	}
}

// TestChartTitleNotCut: twelve days from 19 Dec 2019 charted in 28 cells:
// "Daily trend · " leaves 14 cells, too few for "from 19 Dec 2019" (16),
// so the title drops the grain (the header names it) rather than cut the
// date: "Trend · from 19 Dec 2019". In 43 cells it is "Daily trend · 19
// Dec 2019 – 30 Dec 2019" (14 + 25 = 39).
func TestChartTitleNotCut(t *testing.T) {
	def := &kpi.Def{ID: "csat", Name: "CSAT", Unit: "%", Decimals: 1, Better: kpi.Higher}
	var trend []kpi.Point
	start := time.Date(2019, 12, 19, 0, 0, 0, 0, time.UTC)
	for i := range 12 {
		trend = append(trend, kpi.Point{Period: start.AddDate(0, 0, i), Value: f(float64(50 + i%5))})
	}
	row := kpi.Row{Total: true, Point: kpi.Point{Value: f(52)}, Status: kpi.NoTarget}
	d := Detail{Def: def, Result: &kpi.Result{Def: def, Total: row, Trend: trend}, Grain: kpi.Day, Keys: keys.Default()}
	for w, want := range map[int]string{28: "Trend · from 19 Dec 2019", 43: "Daily trend · 19 Dec 2019 – 30 Dec 2019"} {
		lines, _ := RenderDetail(style.Styles{}, d, w, 30)
		found := false
		for _, l := range lines {
			if l = strings.TrimRight(ansi.Strip(l), " "); strings.Contains(l, "rend ·") {
				found = true
				if l != want {
					t.Errorf("w %d: chart title %q, want %q", w, l, want)
				}
			}
		}
		if !found {
			t.Errorf("w %d: no chart title in\n%s", w, ansi.Strip(strings.Join(lines, "\n")))
		}
	}
}

// A KPI whose n is a count, not a sample (MinSample 1: the backlog), has no
// "status tentative below n 1" line; a sampled one keeps its line.
func TestDetailTentativeLineOnlyForSamples(t *testing.T) {
	for _, c := range []struct {
		min  int
		want bool
	}{{1, false}, {30, true}} {
		def := &kpi.Def{ID: "k", Name: "K", Decimals: 0, MinSample: c.min}
		row := kpi.Row{Total: true, Point: kpi.Point{Value: f(144), N: 144, HasN: true}}
		d := Detail{Def: def, Result: &kpi.Result{Def: def, Total: row}, Grain: kpi.Month, Keys: keys.Default()}
		lines, _ := RenderDetail(style.Styles{}, d, 60, 40)
		got := strings.Contains(ansi.Strip(strings.Join(lines, "\n")), "status tentative below n")
		if got != c.want {
			t.Errorf("MinSample %d: tentative line shown %v, want %v", c.min, got, c.want)
		}
	}
}
