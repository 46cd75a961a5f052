package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"kpiscope/internal/kpi"
)

// pressSeries sends keys and settles after each, the series' answers included.
func pressSeries(m Model, keys ...string) Model {
	for _, k := range keys {
		next, cmd := m.Update(keyMsg(k))
		m = settle(next.(Model), cmd)
	}
	return m
}

// toResolution selects Resolution time, the sixth KPI of the sample.
var toResolution = []string{"j", "j", "j", "j", "j"}

// TestSeriesGolden: resolution time by channel on one chart on the sample
// at 120×40 (the legend beside the chart), 80×24 (under it), without colour
// (the glyphs tell the lines apart), and with email hidden (2).
// Regenerate with go test ./tui -run TestSeriesGolden -update.
func TestSeriesGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		w, h  int
		keys  []string
		plain bool
	}{
		{"series_120x40", 120, 40, []string{"S"}, false},
		{"series_80x24", 80, 24, []string{"S"}, false},
		{"ascii_series_80x24", 80, 24, []string{"S", "j"}, true},
		{"series_hidden_120x40", 120, 40, []string{"S", "2"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := started(t, testDeps(t), tc.w, tc.h)
			if tc.plain {
				m = plain(m)
			}
			m = pressSeries(m, toResolution...)
			m = pressSeries(m, tc.keys...)
			golden.RequireEqual(t, []byte(screen(m)))
		})
	}
}

// TestSeriesLensDrawsTheEnginesLines: the lines are the engine's Series
// for the breakdown's dimension, largest n first; the legend gives each
// one's value and n in the screen's period; a number hides and shows its
// line (the chart then has no such glyph, the legend says hidden); enter
// drills into the segment under the cursor.
func TestSeriesLensDrawsTheEnginesLines(t *testing.T) {
	d := testDeps(t)
	m := pressSeries(started(t, d, 120, 40), toResolution...)
	m = pressSeries(m, "S")
	l, ok := m.lens.(*seriesLens)
	if !ok || l.set == nil {
		t.Fatalf("lens %T, no lines: %s", m.lens, screen(m))
	}
	want, err := d.Engine.Series(t.Context(), m.asked(), "resolution_time", "channel", 0, 6)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.set.Lines) != len(want.Lines) || len(l.set.Lines) != 4 {
		t.Fatalf("%d lines, want the engine's %d", len(l.set.Lines), len(want.Lines))
	}
	for i, line := range l.set.Lines {
		w := want.Lines[i]
		if line.Segment != w.Segment || len(line.Points) != 12 {
			t.Fatalf("line %d: %s with %d points, want %s with 12", i, line.Segment, len(line.Points), w.Segment)
		}
		for k, p := range line.Points {
			if (p.Value == nil) != (w.Points[k].Value == nil) || p.Value != nil && *p.Value != *w.Points[k].Value {
				t.Errorf("%s %s: %v, engine %v", line.Segment, p.Period.Format("Jan 2006"), fmtPtr(p.Value), fmtPtr(w.Points[k].Value))
			}
		}
	}
	// The sample's story: chat fastest, web slowest; as README's report --by channel.
	scr := screen(m)
	mustContain(t, scr, "Resolution time by channel · on one chart", "1 ■ chat       8.6h ●   1,702", "4 ✚ web       39.0h ○     958",
		"Total     20.5h ●   4,982", "target ≤ 24h")
	plot := func(s string) string { // the chart's rows, without the legend beside them
		var b strings.Builder
		for _, line := range strings.Split(s, "\n") {
			if i := strings.Index(line, "┤"); i >= 0 {
				r := []rune(line[i:])
				b.WriteString(string(r[:min(len(r), 70)]) + "\n")
			}
		}
		return b.String()
	}
	if !strings.Contains(plot(scr), "◆") {
		t.Fatalf("email's ◆ not on the chart:\n%s", scr)
	}
	m = pressSeries(m, "2")
	scr = screen(m)
	if strings.Contains(plot(scr), "◆") {
		t.Errorf("email hidden, its ◆ still on the chart:\n%s", scr)
	}
	mustContain(t, scr, "· email", "hidden")
	m = pressSeries(m, "2")
	if !strings.Contains(plot(screen(m)), "◆") {
		t.Errorf("email shown again, no ◆ on the chart:\n%s", screen(m))
	}
	// enter on the second row drills into email.
	m = pressSeries(m, "j", "enter")
	if m.lens != nil || len(m.bd.filters) != 1 || m.bd.filters[0].Values[0] != "email" {
		t.Errorf("after enter: lens %v, filters %v; want closed and channel = email", m.lens, m.bd.filters)
	}
}

// TestSeriesLensDropsStaleAnswers: an answer to a superseded request (an
// older sequence) changes nothing; while a new one is asked, the lines
// shown stay, the line above them saying so.
func TestSeriesLensDropsStaleAnswers(t *testing.T) {
	m := pressSeries(started(t, testDeps(t), 120, 40), "S")
	l := m.lens.(*seriesLens)
	before := l.set
	next, _ := m.Update(seriesMsg{seq: l.seq - 1, key: l.want, set: &kpi.SeriesSet{}})
	if got := next.(Model).lens.(*seriesLens).set; got != before {
		t.Error("a stale answer replaced the lines")
	}
	// While the next lines are on their way, the last ones stay, marked.
	next, _ = m.Update(keyMsg("g"))
	mustContain(t, screen(next.(Model)), "every channel (4) by n in Oct 2026 · updating…", "1 ■ chat")
	// Another KPI's lines are not left under the next one's title.
	next, _ = m.Update(keyMsg("tab"))
	if scr := screen(next.(Model)); !strings.Contains(scr, "NPS by channel · on one chart") || strings.Contains(scr, "1 ■ chat") {
		t.Errorf("after tab, before NPS's lines: want its title and no CSAT lines:\n%s", scr)
	}
}

// TestSeriesLensSaysWhatItNeeds: without a breakdown dimension the view
// says which key chooses one; a KPI whose table the dimension does not
// reach says so in the pane, its reason once; the explorer keeps running.
func TestSeriesLensSaysWhatItNeeds(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, cmd := m.toBreakdown(segmentMsg(""))
	m = pressSeries(settle(m, cmd), "S")
	mustContain(t, screen(m), "Choose a dimension to compare its segments on one chart: press s")
	m = pressSeries(started(t, testDeps(t), 120, 40), "j", "j", "j", "S") // Retention, of customers
	scr := screen(m)
	mustContain(t, scr, "Retention cannot be split by channel")
	// The reason is said once: the table's missing column, not "cannot
	// break down by channel" after "cannot be split by channel".
	if strings.Count(scr, "cannot") != 1 || strings.Contains(scr, "break down") || !strings.Contains(scr, `customers has no column "channel"`) {
		t.Errorf("want the reason once, the missing column named:\n%s", scr)
	}
	m = pressSeries(m, "esc")
	mustContain(t, screen(m), "KPIs · 25")
}

// TestSeriesFlow: the view opens on S, a line hides on its number, esc
// closes it.
func TestSeriesFlow(t *testing.T) {
	tm := teatest.NewTestModel(t, New(testDeps(t)), teatest.WithInitialTermSize(120, 40))
	waitFor := waiter(t, tm)
	key := func(k string) { tm.Send(keyMsg(k)) }
	waitFor("KPIs · 25", "By channel")
	key("S")
	waitFor("CSAT by channel · on one chart", "target ≥ 80%")
	key("2")
	waitFor("hidden")
	key("n") // four channels: one page, nothing to page to
	key("esc")
	waitFor("By channel")
	key("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))
	if m := tm.FinalModel(t).(Model); m.lens != nil {
		t.Fatal("the lens is still open after esc")
	}
}

func fmtPtr(v *float64) any {
	if v == nil {
		return "none"
	}
	return *v
}

// TestSeriesPagesThroughSegments: with more segments than glyphs, n shows
// the next six by n (60 channels: 7–12, channel 7's long name cut to fit),
// N from the first page the last (55–60); the legend's cursor's line is
// drawn over the others.
func TestSeriesPagesThroughSegments(t *testing.T) {
	m := pressSeries(started(t, manyAirlines(t), 120, 40), "S")
	mustContain(t, screen(m), "the 6 largest of 60 channel by n in Oct 2026", "1 ■ Airline 01", "6 ★ Airline 06", "n next segments")
	m = pressSeries(m, "n")
	mustContain(t, screen(m), "channel 7–12 of 60 by n in Oct 2026", "1 ■ Schulist, Adams…", "2 ◆ Airline 08")
	m = pressSeries(m, "N", "N")
	mustContain(t, screen(m), "channel 55–60 of 60 by n in Oct 2026", "1 ■ Airline 55", "6 ★ Airline 60")
}
