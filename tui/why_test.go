package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
	"kpiscope/tui/pane"
)

// whyTickets opens a small tickets file whose CSAT change is worked out by
// hand (top-2-box: a rating of 4 or 5 is satisfied):
//
//	         Sep 2026            Oct 2026
//	email    10 rated, 8 sat.    10 rated, 4 sat.    team north
//	phone    10 rated, 6 sat.    20 rated, 12 sat.   team south
//	chat     —                   10 rated, 9 sat.    team north
//	total    20, 14: 70 %        40, 25: 62.5 %      Δ −7.5 pts
//
// Symmetric shift-share, R̄ = (0.70 + 0.625) / 2 = 0.6625:
//   - email: shares 0.5 → 0.25, rates 0.8 → 0.4: mix (0.25 − 0.5)(0.6 −
//     0.6625) = +1.5625 pts, rate 0.375 × (0.4 − 0.8) = −15 pts,
//     contribution −13.4375;
//   - phone: share 0.5 → 0.5, rate 0.6 → 0.6: nothing;
//   - chat, new in October: mix 0.25 × (0.9 − 0.6625) = +5.9375 pts;
//   - the sum −13.4375 + 0 + 5.9375 = −7.5, the headline Δ; mix +7.5, rate −15.
//
// By team (north = email and chat): north 0.5 → 0.5 of the answers, 0.8 →
// 0.65: rate 0.5 × −0.15 = −7.5 pts; south nothing.
func whyTickets(t *testing.T) Deps {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("ticket_id,channel,team,csat,resolved_at\n")
	id := 0
	add := func(month int, channel, team string, rated, sat int) {
		for i := range rated {
			id++
			score := 2
			if i < sat {
				score = 5
			}
			day := 1 + i%28
			if month == 10 && i == 0 {
				day = 31 // October is whole: its data runs to its last day
			}
			if month == 9 && i == 0 {
				day = 30
			}
			fmt.Fprintf(&b, "%d,%s,%s,%d,2026-%02d-%02d\n", id, channel, team, score, month, day)
		}
	}
	add(9, "email", "north", 10, 8)
	add(9, "phone", "south", 10, 6)
	add(10, "email", "north", 10, 4)
	add(10, "phone", "south", 20, 12)
	add(10, "chat", "north", 10, 9)
	csv := filepath.Join(dir, "tickets.csv")
	cfg := filepath.Join(dir, "kpiscope.yaml")
	yaml := "title: why\nsources:\n  tickets: {path: \"" + csv + "\"}\ndimensions: [channel, team]\nkpis:\n  - use: csat\n"
	for p, body := range map[string]string{csv: b.String(), cfg: yaml} {
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ws, err := workspace.Open(context.Background(), workspace.Options{ConfigPath: cfg, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return Deps{Engine: ws.Engine, Label: "why", Now: fixedNow, ExportDir: t.TempDir()}
}

// detailLines are the detail pane's lines (right of the list), trimmed.
func detailLines(scr string) []string {
	var out []string
	for _, l := range strings.Split(scr, "\n") {
		if parts := strings.Split(l, "││"); len(parts) >= 2 {
			out = append(out, strings.TrimSpace(strings.TrimSuffix(parts[1], "│")))
		}
	}
	return out
}

// lineWith is the first line holding every word, squashed to single spaces.
func lineWith(lines []string, words ...string) string {
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(l, w)
		}
		if ok {
			return l
		}
	}
	return ""
}

// TestWhyViewSplitsTheChange: v shows each channel's part of CSAT's change
// with its mix and rate, by |contribution|, the new segment marked, and a
// sum line equal to the headline Δ; the header names both months and says
// the change is within noise (20 and 40 answers); v again gives the values
// back.
func TestWhyViewSplitsTheChange(t *testing.T) {
	m := started(t, whyTickets(t), 120, 40)
	m, _ = press(m, "v")
	if m.why.mode != whyBreakdown {
		t.Fatalf("v: mode %d, want the why view", m.why.mode)
	}
	scr := screen(m)
	lines := detailLines(scr)
	for _, want := range [][]string{
		{"CSAT · why it moved, by channel"},
		{"CSAT", "62.5%", "−7.5 pts"},
		{"Oct 2026 vs Sep 2026"},
		{"within noise at n 40: 95% interval of the change"},
		{"By channel", "Δ part", "Mix", "Rate"},
		{"email −13.4 pts +1.6 −15.0", "−", "█│"},
		{"chat (new) +5.9 pts +5.9 ±0.0", "│█", "+"},
		{"phone ±0.0 pts ±0.0 ±0.0"},
		{"Sum = Δ −7.5 pts +7.5 −15.0"},
	} {
		if lineWith(append(lines, strings.Split(scr, "\n")...), want...) == "" {
			t.Errorf("no line with %q:\n%s", want, scr)
		}
	}
	// Largest contribution first: email, chat, phone.
	e, c, p := strings.Index(scr, "email "), strings.Index(scr, "chat (new)"), strings.Index(scr, "phone ")
	if !(e < c && c < p) {
		t.Errorf("rows not by |contribution| (email %d, chat %d, phone %d):\n%s", e, c, p, scr)
	}
	m, _ = press(m, "v")
	if m.why.mode != whyOff || !strings.Contains(screen(m), "By channel") || strings.Contains(screen(m), "Δ part") {
		t.Errorf("v again: mode %d, want the values:\n%s", m.why.mode, screen(m))
	}
}

// TestWhyBarReadsWithoutColour: a bar's side and its end glyph say the
// sign, its length the size against the largest, with no colour at all.
func TestWhyBarReadsWithoutColour(t *testing.T) {
	for _, c := range []struct {
		v, scale float64
		w        int
		nonZero  bool
		want     string
	}{
		{-2, 2, 11, true, "−████│     "},   // the largest: the half less its sign
		{1, 2, 11, true, "     │██+  "},    // half of it: 2 of 4 cells
		{0.01, 2, 11, true, "     │█+   "}, // shows as non-zero: one cell
		{0, 2, 11, false, "     │     "},
	} {
		if got := pane.WhyBar(c.v, c.scale, c.w, c.nonZero); got != c.want {
			t.Errorf("WhyBar(%v, %v, %d) = %q, want %q", c.v, c.scale, c.w, got, c.want)
		}
	}
	m := plain(started(t, whyTickets(t), 120, 40))
	m, _ = press(m, "enter", "v")
	scr := screen(m)
	if l := lineWith(strings.Split(scr, "\n"), "› email"); l == "" || !strings.Contains(l, "−") || !strings.Contains(l, "█│") {
		t.Errorf("no colour: the selected row %q lacks its marker or its bar's sign", l)
	}
}

// TestWhyViewDrillsIn: enter on a why row filters by that segment and
// splits it by the next dimension, still explained; esc closes the view
// and backspace steps out.
func TestWhyViewDrillsIn(t *testing.T) {
	m := started(t, whyTickets(t), 120, 40)
	m, _ = press(m, "enter", "v", "j") // the second row: chat
	m, _ = press(m, "enter")
	if len(m.bd.filters) != 1 || m.bd.filters[0].Dim != "channel" || m.bd.filters[0].Values[0] != "chat" || m.bd.dim != "team" {
		t.Fatalf("enter on chat: filters %v, by %q", m.bd.filters, m.bd.dim)
	}
	if m.why.mode != whyBreakdown {
		t.Fatalf("drilled: the why view closed")
	}
	// Chat has no September: nothing to compare with.
	if scr := screen(m); !strings.Contains(scr, "no value in Sep 2026") && !strings.Contains(scr, "no change to split") {
		t.Errorf("chat alone has no change to split, the view should say so:\n%s", scr)
	}
	m, _ = press(m, "esc")
	if m.why.mode != whyOff || len(m.bd.filters) != 1 {
		t.Errorf("esc: mode %d filters %v, want the values, still drilled", m.why.mode, m.bd.filters)
	}
	m, _ = press(m, "backspace")
	if len(m.bd.filters) != 0 || m.bd.dim != "channel" {
		t.Errorf("backspace: filters %v by %q, want none, by channel", m.bd.filters, m.bd.dim)
	}
}

// TestWhySaysWhyNot: a median cannot be split and compared with the target
// there is no change to split: the view says why, with no numbers.
func TestWhySaysWhyNot(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "v")
	for i, d := range m.defs {
		if d.ID == "resolution_median" {
			m, _ = m.selectKPI(i)
			m, _ = drive(m, nil)
		}
	}
	m, _ = press(m, "t") // settle
	scr := screen(m)
	mustContain(t, scr, "median")
	if strings.Contains(scr, "Sum = Δ") || strings.Contains(scr, "Δ part") {
		t.Errorf("a median's change was split:\n%s", scr)
	}
	m, _ = press(m, "home", "c", "c") // CSAT against its target
	if m.tf.slice.Compare != kpi.VsTarget {
		t.Fatalf("c: compare %s, want target", m.tf.slice.Compare)
	}
	scr = screen(m)
	squash := strings.Join(strings.Fields(strings.Join(detailLines(scr), " ")), " ")
	if !strings.Contains(squash, "compared with the target") || !strings.Contains(squash, "Press c to compare") || strings.Contains(squash, "Sum = Δ") {
		t.Errorf("against the target: no reason, or numbers:\n%s", scr)
	}
}

// TestTopMoversListsEveryDimension: m runs the top movers as a command,
// lists the segments of channel and team by |contribution| with the summary
// line, enter drills into the one under the cursor (a team) and closes
// the list; esc closes it without drilling.
func TestTopMoversListsEveryDimension(t *testing.T) {
	m := started(t, whyTickets(t), 120, 40)
	next, cmd := m.Update(keyMsg("m"))
	m = next.(Model)
	if m.why.mode != whyMovers || !m.why.mv.loading || cmd == nil {
		t.Fatalf("m: mode %d loading %v cmd %v, want the query on its way", m.why.mode, m.why.mv.loading, cmd != nil)
	}
	mustContain(t, screen(m), "finding the segments of every dimension")
	m, _ = drive(m, cmd)
	scr := screen(m)
	lines := detailLines(scr)
	squash := strings.Join(strings.Fields(strings.Join(lines, " ")), " ")
	if !strings.Contains(squash, "CSAT −7.5 pts: email −13.4 (rate), north −7.5 (rate), chat +5.9 (mix)") {
		t.Errorf("summary line missing:\n%s", scr)
	}
	for _, want := range [][]string{
		{"channel = email −13.4 +1.6 −15.0"},
		{"team = north −7.5 ±0.0 −7.5"},
		{"channel = chat (new) +5.9 +5.9 ±0.0"},
	} {
		if lineWith(lines, want...) == "" {
			t.Errorf("no row with %q:\n%s", want, scr)
		}
	}
	if strings.Contains(scr, "Sum = Δ") {
		t.Errorf("movers of several dimensions have no sum line:\n%s", scr)
	}
	closed, _ := press(m, "esc")
	if closed.why.mode != whyOff || len(closed.bd.filters) != 0 {
		t.Errorf("esc: mode %d filters %v", closed.why.mode, closed.bd.filters)
	}
	m, _ = press(m, "j", "enter")
	if m.why.mode != whyOff || len(m.bd.filters) != 1 || m.bd.filters[0].Dim != "team" || m.bd.filters[0].Values[0] != "north" {
		t.Fatalf("enter on team = north: mode %d filters %v", m.why.mode, m.bd.filters)
	}
	if m.bd.dim != "channel" || !strings.Contains(screen(m), "team = north") {
		t.Errorf("drilled into north: by %q, want still by channel:\n%s", m.bd.dim, screen(m))
	}
}

// TestTopMoversDropsStaleAnswers: an answer to a superseded request (the
// KPI changed while it ran) is dropped, the newer one shown; closing the
// list cancels the query in flight.
func TestTopMoversDropsStaleAnswers(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	next, first := m.Update(keyMsg("m"))
	m = next.(Model)
	oldCtx := m.why.mv.cancel
	next, second := m.Update(keyMsg("tab")) // NPS: a new request
	m = next.(Model)
	if first == nil || second == nil || oldCtx == nil {
		t.Fatal("no commands")
	}
	stale := moversMsg{seq: m.why.mv.seq - 1, key: "old", delta: 99, rows: []kpi.Contribution{{Segment: "stale", Contribution: 99}}, line: "stale"}
	next, _ = m.Update(stale)
	m = next.(Model)
	if !m.why.mv.loading || strings.Contains(screen(m), "stale") {
		t.Fatalf("a stale answer was taken:\n%s", screen(m))
	}
	m, _ = drive(m, second)
	if m.why.mv.loading || !strings.HasPrefix(m.why.mv.line, "NPS") {
		t.Fatalf("the newer answer: loading %v, line %q", m.why.mv.loading, m.why.mv.line)
	}
	// Closing while a query runs cancels it.
	m, _ = press(m, "esc", "j")
	next, cmd := m.Update(keyMsg("m"))
	m = next.(Model)
	if cmd == nil || !m.why.mv.loading {
		t.Fatal("m on another KPI: no query")
	}
	next, _ = m.Update(keyMsg("esc"))
	m = next.(Model)
	if m.why.mv.loading || m.why.mv.cancel != nil || m.why.mode != whyOff {
		t.Errorf("esc: the query is still on (loading %v)", m.why.mv.loading)
	}
	// Its late answer changes nothing.
	before := m.why.mv
	next, _ = m.Update(cmd())
	if got := next.(Model).why.mv; got.key != before.key || got.line != before.line {
		t.Errorf("a cancelled query's answer was taken: %q", got.line)
	}
}

// TestWhyInHelpAndPalette: both views are in the help and the palette.
func TestWhyInHelpAndPalette(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	h, _ := press(m, "?")
	mustContain(t, screen(h), "Compare", "v why it moved", "m top movers")
	p, _ := press(m, ":")
	p = typeText(p, "top movers")
	p, _ = press(p, "enter")
	if p.why.mode != whyMovers {
		t.Errorf("palette 'top movers': mode %d", p.why.mode)
	}
	p, _ = press(m, ":")
	p = typeText(p, "why it moved")
	p, _ = press(p, "enter")
	if p.why.mode != whyBreakdown {
		t.Errorf("palette 'why it moved': mode %d", p.why.mode)
	}
}

// TestWhyGolden: the why view and the top movers on the sample, at 120×40
// and 80×24. Regenerate with go test ./tui -run TestWhyGolden -update.
func TestWhyGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
		keys []string
	}{
		{"why_120x40", 120, 40, []string{"enter", "v", "j"}},
		{"why_80x24", 80, 24, []string{"v"}},
		{"movers_120x40", 120, 40, []string{"m", "j"}},
		{"movers_80x24", 80, 24, []string{"m"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := started(t, testDeps(t), tc.w, tc.h)
			m, _ = press(m, tc.keys...)
			golden.RequireEqual(t, []byte(screen(m)))
		})
	}
}

// TestWhyFitsEverySize: the views have exactly the screen's lines, none
// wider than it, at every size, and mix and rate show together or not at
// all.
func TestWhyFitsEverySize(t *testing.T) {
	base := started(t, testDeps(t), 120, 40)
	for _, keys := range [][]string{{"v"}, {"enter", "v"}, {"m"}} {
		m, _ := press(base, keys...)
		for _, size := range [][2]int{{60, 14}, {60, 20}, {80, 24}, {100, 30}, {120, 40}, {160, 50}} {
			next, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			lines := strings.Split(screen(next.(Model)), "\n")
			if len(lines) != size[1] {
				t.Errorf("%v at %dx%d: %d lines", keys, size[0], size[1], len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("%v at %dx%d: line %d is %d wide: %q", keys, size[0], size[1], i, w, l)
				}
				// Mix and rate show together or not at all.
				if strings.Contains(l, "Δ part") && strings.Contains(l, " Mix") != strings.Contains(l, " Rate") {
					t.Errorf("%v at %dx%d: one of mix and rate: %q", keys, size[0], size[1], l)
				}
			}
		}
	}
}

// TestWhyFlow drives the real program: open the why view, move in it, close
// it; open the top movers, move, close them; quit.
func TestWhyFlow(t *testing.T) {
	tm := teatest.NewTestModel(t, New(testDeps(t)), teatest.WithInitialTermSize(120, 40))
	waitFor := waiter(t, tm)
	key := func(k string) { tm.Send(keyMsg(k)) }
	waitFor("KPIs · 25", "By channel")
	key("enter")
	key("v")
	waitFor("why it moved, by channel", "Sum = Δ")
	key("j")
	key("esc")
	waitFor("trend ·") // the values are back, with the chart
	key("m")
	waitFor("top movers, every dimension", "CSAT −1.8 pts:")
	key("j")
	key("esc")
	waitFor("trend ·")
	key("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))
	m := tm.FinalModel(t).(Model)
	if m.why.mode != whyOff || m.why.mv.loading || m.why.mc != 1 {
		t.Errorf("final: mode %d loading %v movers row %d", m.why.mode, m.why.mv.loading, m.why.mc)
	}
}

// TestWhyMouse: over an open view the wheel moves its rows, and a click
// there neither sorts nor drills the table it replaces.
func TestWhyMouse(t *testing.T) {
	m := started(t, whyTickets(t), 120, 40)
	m, _ = press(m, "m")
	x := m.layout().listW + 10
	next, _ := m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown, X: x, Y: 12})
	m = next.(Model)
	if m.why.mc != 1 || m.sel != 0 {
		t.Errorf("wheel over the movers: row %d, KPI %d; want row 1, the same KPI", m.why.mc, m.sel)
	}
	for y := 2; y < 20; y++ {
		next, _ = m.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: x, Y: y})
		if got := next.(Model); len(got.bd.filters) != 0 || got.bd.sort != m.bd.sort {
			t.Fatalf("a click at line %d changed the table under the movers: filters %v", y, got.bd.filters)
		}
	}
}
