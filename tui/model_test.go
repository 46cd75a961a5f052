package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/pane"
)

func TestStartShowsScorecardAndBreakdown(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	if m.q.loading() {
		t.Fatal("still loading after the queries returned")
	}
	if m.bd.dim != "channel" {
		t.Fatalf("default segment = %q, want the first dimension (channel)", m.bd.dim)
	}
	s := screen(m)
	mustContain(t, s, "KPIs · 25", "CSAT", "NPS", "Retention cost", "By channel", "chat", "Total", "Monthly trend", "target", "Oct 2026 (month)")
}

func TestNextAndPreviousKPI(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	for _, tc := range []struct {
		key  string
		want string
	}{
		{"tab", "nps"}, {"j", "ces"}, {"down", "retention"}, {"k", "ces"}, {"up", "nps"},
		{"shift+tab", "csat"}, {"shift+tab", "contacts_per_resolution"}, {"3", "ces"}, {"1", "csat"},
	} {
		m, _ = press(m, tc.key)
		if got := m.selected().ID; got != tc.want {
			t.Fatalf("after %s: selected %s, want %s", tc.key, got, tc.want)
		}
	}
	// The detail pane follows the selection, with its own breakdown query.
	m, _ = press(m, "3")
	if r := m.breakdownResult(); r == nil || r.Def.ID != "ces" {
		t.Fatalf("breakdown is not for ces: %+v", r)
	}
	mustContain(t, screen(m), "CES · % easy ·", "By channel")
}

func TestFindJumpsToKPIByName(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "/")
	if m.ov.kind != overlayFind {
		t.Fatal("/ did not open the finder")
	}
	mustContain(t, screen(m), "Find KPI")
	m = typeText(m, "churn")
	m, _ = press(m, "enter")
	if m.ov.kind != overlayNone || m.selected().ID != "churn" {
		t.Fatalf("finder picked %s (overlay %d), want churn", m.selected().ID, m.ov.kind)
	}
}

func TestSegmentPickerChangesBreakdown(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "s")
	if m.ov.kind != overlaySegment {
		t.Fatal("s did not open the segment picker")
	}
	m = typeText(m, "team")
	m, _ = press(m, "enter")
	if m.bd.dim != "team" {
		t.Fatalf("segment = %q, want team", m.bd.dim)
	}
	r := m.breakdownResult()
	if r == nil || len(r.Segments) == 0 {
		t.Fatal("no breakdown by team")
	}
	mustContain(t, screen(m), "By team", r.Segments[0].Segment)
	// (none) removes the breakdown and its query.
	m, _ = press(m, "s")
	m = typeText(m, "(none)")
	m, _ = press(m, "enter")
	if m.bd.dim != "" || m.q.detail.loading {
		t.Fatalf("segment = %q loading=%v after choosing none", m.bd.dim, m.q.detail.loading)
	}
	mustContain(t, screen(m), "No breakdown. Press s")
}

func TestDrillInAndStepOut(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "enter")
	if !m.bd.focused {
		t.Fatal("enter on the list did not focus the breakdown")
	}
	m, _ = press(m, "j")
	rows := pane.SortRows(m.breakdownResult().Segments, m.bd.sort)
	want := rows[1].Segment
	m, _ = press(m, "enter")
	if len(m.bd.filters) != 1 || m.bd.filters[0].Dim != "channel" || m.bd.filters[0].Values[0] != want {
		t.Fatalf("filters after drill = %v, want channel = %s", m.bd.filters, want)
	}
	if m.bd.dim != "team" {
		t.Fatalf("after drilling into channel the breakdown is by %q, want the next dimension (team)", m.bd.dim)
	}
	if m.q.score.sc.Slice.Filters[0].Values[0] != want {
		t.Fatal("the scorecard was not recomputed for the filter")
	}
	mustContain(t, screen(m), "channel = "+want, "By team")
	// Drill again, then step out twice: backspace and esc.
	m, _ = press(m, "enter")
	if len(m.bd.filters) != 2 {
		t.Fatalf("second drill: filters %v", m.bd.filters)
	}
	m, _ = press(m, "backspace")
	if len(m.bd.filters) != 1 || m.bd.dim != "team" {
		t.Fatalf("backspace: filters %v segment %s", m.bd.filters, m.bd.dim)
	}
	m, _ = press(m, "esc")
	if len(m.bd.filters) != 0 || m.bd.dim != "channel" || m.bd.cursor != 1 {
		t.Fatalf("esc: filters %v segment %s cursor %d; want none, channel, 1", m.bd.filters, m.bd.dim, m.bd.cursor)
	}
	m, _ = press(m, "esc")
	if m.bd.focused {
		t.Fatal("esc without filters did not return to the list")
	}
	// x clears every filter at once.
	m, _ = press(m, "enter", "enter", "enter", "x")
	if len(m.bd.filters) != 0 || len(m.bd.trail) != 0 || m.bd.dim != "channel" {
		t.Fatalf("x: filters %v trail %d segment %s", m.bd.filters, len(m.bd.trail), m.bd.dim)
	}
}

func TestGrainCycles(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "g")
	if m.tf.slice.Grain != kpi.Quarter || m.q.score.sc.Slice.Grain != kpi.Quarter {
		t.Fatalf("g: grain %s (shown %s), want quarter", m.tf.slice.Grain, m.q.score.sc.Slice.Grain)
	}
	mustContain(t, screen(m), "(quarter", "Quarterly trend")
	m, _ = press(m, "G", "G")
	if m.tf.slice.Grain != kpi.Week {
		t.Fatalf("G G: grain %s, want week", m.tf.slice.Grain)
	}
	// A chosen period maps onto the new grain.
	m, _ = press(m, "g", "[", "g")
	if m.tf.slice.Grain != kpi.Quarter || m.tf.slice.Period.Month() != time.July {
		t.Fatalf("grain %s period %s, want the quarter holding Sep 2026", m.tf.slice.Grain, m.tf.slice.Period)
	}
}

func TestPeriodWindowMoves(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	latest := m.q.score.sc.Slice.Period
	m, _ = press(m, "[")
	if got := m.q.score.sc.Slice.Period; !got.Equal(latest.AddDate(0, -1, 0)) {
		t.Fatalf("[: period %s, want %s", got, latest.AddDate(0, -1, 0))
	}
	mustContain(t, screen(m), "Sep 2026 (month)", "vs Aug 2026")
	m, _ = press(m, "]")
	if got := m.q.score.sc.Slice.Period; !got.Equal(latest) {
		t.Fatalf("]: period %s, want %s", got, latest)
	}
	m, _ = press(m, "]")
	if !strings.Contains(m.status.text, "latest period") {
		t.Fatalf("] past the data: status %q", m.status.text)
	}
	m, _ = press(m, "t")
	if !m.tf.slice.Period.IsZero() || !m.q.score.sc.Slice.Period.Equal(latest) {
		t.Fatalf("t: period %s, want the latest complete %s", m.q.score.sc.Slice.Period, latest)
	}
}

func TestCompareCycles(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	for _, want := range []struct {
		c      kpi.Compare
		header string
	}{{kpi.VsYear, "vs Oct 2025 (last year)"}, {kpi.VsTarget, "vs target"}, {kpi.VsPrevious, "vs Sep 2026"}} {
		m, _ = press(m, "c")
		if m.q.score.sc.Slice.Compare != want.c {
			t.Fatalf("compare %s, want %s", m.q.score.sc.Slice.Compare, want.c)
		}
		mustContain(t, screen(m), want.header)
	}
}

func TestSortBreakdown(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	if m.bd.sort != pane.DefaultSort() {
		t.Fatalf("initial sort %+v", m.bd.sort)
	}
	m, _ = press(m, "o")
	if m.bd.sort.Col != pane.SortShare {
		t.Fatalf("o: sort by %s, want share", m.bd.sort.Col.Name())
	}
	m, _ = press(m, "o", "o", "o")
	if m.bd.sort.Col != pane.SortValue || !m.bd.sort.Desc {
		t.Fatalf("sort %+v, want value descending", m.bd.sort)
	}
	rows := pane.SortRows(m.breakdownResult().Segments, m.bd.sort)
	for i := 1; i < len(rows); i++ {
		if *rows[i].Value > *rows[i-1].Value {
			t.Fatalf("rows not by value descending: %v then %v", *rows[i-1].Value, *rows[i].Value)
		}
	}
	m, _ = press(m, "O")
	if m.bd.sort.Desc {
		t.Fatal("O did not reverse the sort")
	}
	mustContain(t, screen(m), "▴Value")
}

func TestGoingBackIsServedFromCache(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "c", "c", "c") // year, target, back to previous
	next, cmd := m.Update(keyMsg("c"))
	m = next.(Model)
	if !m.q.score.current() || !m.q.detail.current() || m.q.loading() {
		t.Fatal("a slice seen before was not served from the engine's cache")
	}
	noQuery(t, cmd)
	// The latest period by date hits the entry of the "latest" request too.
	m, _ = press(m, "[")
	next, _ = m.Update(keyMsg("]"))
	if m = next.(Model); m.q.loading() {
		t.Fatal("stepping back to the latest period by date ran a query")
	}
}

// TestCachedSliceShowsInTheSameFrame: the engine's cache is shared by every
// program on it (every SSH session): a slice one explorer computed shows in
// another at the key press, without a query or a spinner.
func TestCachedSliceShowsInTheSameFrame(t *testing.T) {
	d := testDeps(t)
	first := started(t, d, 120, 40)
	first, _ = press(first, "g", "c") // quarter, vs last year
	want := screen(first)

	other := started(t, d, 120, 40)
	next, cmd := other.Update(keyMsg("g"))
	other = next.(Model)
	next, cmd2 := other.Update(keyMsg("c"))
	other = next.(Model)
	if other.q.loading() || !other.q.score.current() || !other.q.detail.current() {
		t.Fatal("a slice the engine has cached was not shown at once")
	}
	noQuery(t, cmd)
	noQuery(t, cmd2)
	if got := screen(other); got != want {
		t.Fatalf("the cached frame differs from the computed one:\n%s\nwant:\n%s", got, want)
	}
}

// noQuery fails when cmd would run anything (a query, a spinner tick).
func noQuery(t *testing.T, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			noQuery(t, c)
		}
	default:
		t.Fatalf("a cached slice still ran a command: %T", msg)
	}
}

// TestStaleResultIgnored: a result that arrives after a newer request was
// made is dropped, and the superseded query was cancelled.
func TestStaleResultIgnored(t *testing.T) {
	// An engine of its own: its cache holds only what this test computed, so
	// the queries below run (and can be cancelled) whatever ran before.
	d := testDeps(t)
	d.Engine = freshSample(t).Engine
	m := started(t, d, 120, 40)
	next, first := m.Update(keyMsg("c")) // → vs last year
	m = next.(Model)
	next, _ = m.Update(keyMsg("c")) // → vs target, before the first answers
	m = next.(Model)
	if !m.q.score.loading {
		t.Fatal("no query in flight")
	}
	var late []resultMsg
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				run(c)
			}
		case resultMsg:
			late = append(late, msg)
		}
	}
	run(first)
	if len(late) == 0 {
		t.Fatal("the first key ran no query")
	}
	for _, r := range late {
		if !errors.Is(r.err, context.Canceled) {
			t.Errorf("superseded %v query was not cancelled: err=%v", r.kind, r.err)
		}
		before := m.q.score
		next, _ = m.Update(r)
		m = next.(Model)
		if m.q.score.seq != before.seq || m.q.score.sc != before.sc || m.q.score.err != nil {
			t.Fatal("a stale result changed the screen")
		}
	}
	// A late success is ignored too, even with numbers.
	stale := resultMsg{kind: scoreQuery, seq: m.q.score.seq - 1, gen: m.q.gen, key: m.q.score.want, sc: &kpi.Scorecard{}}
	next, _ = m.Update(stale)
	if next.(Model).q.score.sc == stale.sc {
		t.Fatal("a result with an old sequence number was shown")
	}
}

func TestErrorsShowInsideThePane(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	// One KPI fails: its row says so and its detail pane has the message.
	sc := *m.q.score.sc
	sc.Results = append([]kpi.Result(nil), sc.Results...)
	sc.Results[0].Err = errors.New(`kpiscope.yaml:14: column "revenue" not found in orders; did you mean "amount"?`)
	m.q.score.seq++
	m.q.score.loading = true
	next, _ := m.Update(resultMsg{kind: scoreQuery, seq: m.q.score.seq, gen: m.q.gen, key: m.q.score.want, sc: &sc})
	m = next.(Model)
	m.q.detail.sc, m.q.detail.shown = nil, nil // the breakdown query would carry the same error
	s := screen(m)
	mustContain(t, s, "error", "CSAT could not be computed", "kpiscope.yaml:14:", `"revenue"`, "did you mean")
	// The whole scorecard fails (unknown filter dimension): the list says why
	// and the app keeps running.
	m.bd.filters = []kpi.Filter{{Dim: "no_such_column", Values: []string{"x"}}}
	m, _ = drive(m.refresh())
	if m.q.score.err == nil {
		t.Fatal("expected an engine error")
	}
	mustContain(t, screen(m), "the scorecard could not be computed", "no_such_column", "remove the last")
	m, _ = press(m, "backspace")
	if m.q.score.err != nil || len(m.bd.filters) != 0 {
		t.Fatalf("stepping out did not recover: %v", m.q.score.err)
	}
}

func TestFilterThatDoesNotApplyShowsNA(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "enter", "enter", "2") // channel = chat; NPS lives in surveys: no channel
	mustContain(t, screen(m), "n/a", "NPS cannot be sliced this way")
	m, _ = press(m, "esc", "esc")
	mustContain(t, screen(m), "NPS can't be broken down by channel")
}

func TestExportWritesFiles(t *testing.T) {
	d := testDeps(t)
	m := started(t, d, 120, 40)
	m, _ = press(m, "e")
	csv := filepath.Join(d.ExportDir, "kpiscope-20261125-093000-csat-by-channel.csv")
	md := filepath.Join(d.ExportDir, "kpiscope-20261125-093000-scorecard.md")
	for _, p := range []string{csv, md} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("export did not write %s: %v", p, err)
		}
	}
	b, _ := os.ReadFile(csv)
	if !strings.HasPrefix(string(b), "kpi,name,segment,") || !strings.Contains(string(b), "csat,CSAT,chat,") {
		t.Fatalf("breakdown CSV:\n%s", b)
	}
	b, _ = os.ReadFile(md)
	if !strings.Contains(string(b), "| ● on target | CSAT |") {
		t.Fatalf("scorecard Markdown:\n%s", b)
	}
	if m.ov.kind != overlayMessage {
		t.Fatal("the paths are not shown")
	}
	mustContain(t, screen(m), "Exported", "csat-by-channel.csv", "scorecard.md")
	m, _ = press(m, "x")
	if m.ov.kind != overlayNone {
		t.Fatal("any key should close the export note")
	}
}

func TestRemoteExportCopiesInsteadOfWriting(t *testing.T) {
	d := testDeps(t)
	d.Remote = true
	m := started(t, d, 120, 40)
	_, side := press(m, "e")
	if entries, _ := os.ReadDir(d.ExportDir); len(entries) > 0 {
		t.Fatalf("a remote session wrote files: %v", entries)
	}
	if len(side) != 1 || side[0].kind != "setClipboardMsg" || !strings.Contains(side[0].text, "| CSAT |") || !strings.Contains(side[0].text, "csat,CSAT,chat") {
		t.Fatalf("side effects %+v, want the scorecard and breakdown on the clipboard", side)
	}
}

func TestCopyToClipboard(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, side := press(m, "y")
	if len(side) != 1 || side[0].kind != "setClipboardMsg" || !strings.HasPrefix(side[0].text, "kpi,name,segment") {
		t.Fatalf("y: %+v", side)
	}
	mustContain(t, screen(m), "sent CSV to your terminal's clipboard (if it allows OSC 52)")
	_, side = press(m, "Y")
	if len(side) != 1 || !strings.Contains(side[0].text, "| Status | KPI |") {
		t.Fatalf("Y: %+v", side)
	}
}

func TestReload(t *testing.T) {
	d := testDeps(t)
	calls := 0
	d.Reload = func(ctx context.Context) (*kpi.Engine, error) {
		calls++
		if calls == 2 {
			return nil, errors.New("tickets.parquet: no such file")
		}
		return sample(t).Engine, nil
	}
	m := started(t, d, 120, 40)
	old := m.q.score.sc
	next, cmd := m.Update(keyMsg("r"))
	m = next.(Model)
	if !m.reloading || cmd == nil {
		t.Fatal("r did not start a reload")
	}
	m, _ = drive(m, cmd)
	if calls != 1 || m.q.gen != 2 || m.q.score.sc == old || m.q.loading() {
		t.Fatalf("reload: calls %d gen %d, numbers recomputed: %v", calls, m.q.gen, m.q.score.sc != old)
	}
	mustContain(t, screen(m), "refreshed 09:30")
	m, _ = press(m, "r")
	if m.q.gen != 2 || !m.status.warn || !strings.Contains(m.status.text, "no such file") {
		t.Fatalf("failed reload: gen %d status %+v", m.q.gen, m.status)
	}
	mustContain(t, screen(m), "reload failed", "CSAT")

	d.Reload = nil
	m = started(t, d, 120, 40)
	m, _ = press(m, "r")
	mustContain(t, screen(m), "reloading is not available")
}

// TestEngineMsgKeepsNumbersUntilNewOnes: the watcher swaps the engine; the
// old numbers stay (dimmed) until the new ones arrive.
func TestEngineMsgKeepsNumbersUntilNewOnes(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	old := m.q.score.sc
	csat := m.defs[0].FormatValue(old.Find("csat").Total.Value)
	next, cmd := m.Update(EngineMsg{Engine: freshSample(t).Engine, Refreshed: testNow.Add(time.Hour), Warnings: map[string][]string{"nps": {"3 answers out of range"}}})
	m = next.(Model)
	if m.q.score.sc != old || !m.q.score.loading || cmd == nil {
		t.Fatal("the old numbers should stay while the new ones load")
	}
	mustContain(t, screen(m), csat)
	m, _ = drive(m, cmd)
	if m.q.score.sc == old || m.q.loading() {
		t.Fatal("new numbers did not arrive")
	}
	mustContain(t, screen(m), "refreshed 10:30")
	if !strings.Contains(screen(m), "! NPS") {
		t.Fatalf("the new warnings are not marked:\n%s", screen(m))
	}
	next, _ = m.Update(EngineMsg{Err: errors.New("parse error in orders.csv")})
	m = next.(Model)
	if m.q.eng == nil || !m.status.warn {
		t.Fatal("an engine error should keep the engine and warn")
	}
}

func TestWarningsAndBanner(t *testing.T) {
	d := testDeps(t)
	d.Banner = "KPIs inferred from column names"
	d.Warnings = map[string][]string{"csat": {"214 ratings outside 1–5 were ignored"}}
	m := started(t, d, 120, 40)
	s := screen(m)
	mustContain(t, s, "! KPIs inferred from column names", "! CSAT", "1 data warning · w to read")
	m, _ = press(m, "w")
	mustContain(t, screen(m), "Data warnings", "214 ratings outside 1–5 were ignored")
	m, _ = press(m, "esc")
	if m.ov.kind != overlayNone {
		t.Fatal("esc did not close the warnings")
	}
}

// TestWarningsBoxTitledForWhatItHolds: with only the inferred-KPIs banner
// (no data warnings) the w box is "About these KPIs", not "Data warnings";
// with a warning as well it is "Data warnings" again.
func TestWarningsBoxTitledForWhatItHolds(t *testing.T) {
	d := testDeps(t)
	d.Banner = "KPIs inferred from column names"
	d.Warnings = nil
	m := started(t, d, 120, 40)
	m, _ = press(m, "w")
	s := screen(m)
	mustContain(t, s, "About these KPIs", "! KPIs inferred from column names")
	if strings.Contains(s, "Data warnings") {
		t.Errorf("the box without warnings is titled \"Data warnings\":\n%s", s)
	}

	d.Warnings = map[string][]string{"csat": {"214 ratings outside 1–5 were ignored"}}
	m, _ = press(started(t, d, 120, 40), "w")
	s = screen(m)
	mustContain(t, s, "Data warnings", "214 ratings outside 1–5 were ignored")
	if strings.Contains(s, "About these KPIs") {
		t.Errorf("the box with a warning is titled \"About these KPIs\":\n%s", s)
	}
}

func TestCommandPaletteRunsActions(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, ":")
	if m.ov.kind != overlayPalette {
		t.Fatal(": did not open the palette")
	}
	mustContain(t, screen(m), "Commands", "Cycle comparison", "Next KPI")
	m = typeText(m, "grain week")
	m, _ = press(m, "enter")
	if m.tf.slice.Grain != kpi.Week || m.ov.kind != overlayNone {
		t.Fatalf("palette: grain %s overlay %d", m.tf.slice.Grain, m.ov.kind)
	}
	m, _ = press(m, "ctrl+p")
	m = typeText(m, "go to churn")
	m, _ = press(m, "enter")
	if m.selected().ID != "churn" {
		t.Fatalf("palette go to: %s", m.selected().ID)
	}
	m, _ = press(m, ":", "esc")
	if m.ov.kind != overlayNone {
		t.Fatal("esc did not close the palette")
	}
}

func TestHelpOverlay(t *testing.T) {
	m := started(t, testDeps(t), 80, 24)
	m, _ = press(m, "?")
	// at 80×24 the help scrolls: every page read
	mustContain(t, helpPages(m), "Navigate", "Slice", "Compare", "Look closer", "Export", "Other", "◐ near target")
	m, _ = press(m, "?")
	if m.ov.kind != overlayNone {
		t.Fatal("? did not close the help")
	}
}

func TestQuit(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m := started(t, testDeps(t), 80, 24)
		_, side := press(m, k)
		if len(side) != 1 || side[0].kind != "QuitMsg" {
			t.Fatalf("%s: side effects %+v, want quit", k, side)
		}
	}
	// ctrl+c quits from an overlay too; q types into it.
	m := started(t, testDeps(t), 80, 24)
	m, _ = press(m, "/")
	if _, side := press(m, "q"); len(side) != 0 {
		t.Fatal("q in the finder should type, not quit")
	}
	if _, side := press(m, "ctrl+c"); len(side) != 1 {
		t.Fatal("ctrl+c in the finder did not quit")
	}
}

func TestMouseSelects(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	l := m.layout()
	// Third KPI row: header line + border + 2 rows.
	next, cmd := m.Update(tea.MouseClickMsg{X: 5, Y: l.bodyY + 1 + pane.ListHeaderRows + 2, Button: tea.MouseLeft})
	m, _ = drive(next.(Model), cmd)
	if m.selected().ID != "ces" {
		t.Fatalf("click selected %s, want ces", m.selected().ID)
	}
	next, cmd = m.Update(tea.MouseWheelMsg{X: 5, Y: 10, Button: tea.MouseWheelDown})
	m, _ = drive(next.(Model), cmd)
	if m.selected().ID != "retention" {
		t.Fatalf("wheel selected %s, want retention", m.selected().ID)
	}
}

func TestTinyTerminal(t *testing.T) {
	m := started(t, testDeps(t), 50, 10)
	mustContain(t, screen(m), "needs at least 60×14")
}

// TestFirstScreenHasNoTimeout: the first screen of an engine, at start and
// after a reload, takes as long as the data needs; later queries are bounded
// by QueryTimeout (0: not at all), and running out names the flag.
func TestFirstScreenHasNoTimeout(t *testing.T) {
	d := testDeps(t)
	d.QueryTimeout = time.Nanosecond // any bounded query runs out at once
	m := New(d)
	m.q.opts = []kpi.Option{kpi.Uncached()} // every request queries
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m, _ = drive(next.(Model), func() tea.Msg { return startMsg{} })
	if m.q.score.sc == nil || m.q.score.err != nil || m.q.detail.err != nil {
		t.Fatalf("the first screen was bounded: %v / %v", m.q.score.err, m.q.detail.err)
	}
	m, _ = press(m, "g")
	if m.q.score.err == nil {
		t.Fatal("a query after the first screen was not bounded")
	}
	mustContain(t, screen(m), "took longer than 1ns (--query-timeout)")

	next, cmd := m.Update(EngineMsg{Engine: d.Engine, Refreshed: testNow})
	m, _ = drive(next.(Model), cmd)
	if m.q.score.err != nil || m.q.detail.err != nil || !m.q.score.current() {
		t.Fatalf("the first screen after a reload was bounded: %v / %v", m.q.score.err, m.q.detail.err)
	}

	m.q.timeout = 0
	m, _ = press(m, "g")
	if m.q.score.err != nil || m.q.detail.err != nil || !m.q.score.current() {
		t.Fatalf("QueryTimeout 0 bounded a query: %v / %v", m.q.score.err, m.q.detail.err)
	}
}

// TestIndexingShownUntilReady: while the engine builds its rollups the
// header says how far it got, polling until the build is ready; a failed
// build is a warning, once, and the numbers stay.
func TestIndexingShownUntilReady(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	var p kpi.RollupProgress // the build has not reported yet
	m.roll.status = func(*kpi.Engine) kpi.RollupProgress { return p }
	poll := func() tea.Cmd {
		t.Helper()
		next, cmd := m.Update(rollupTickMsg{gen: m.q.gen})
		m = next.(Model)
		return cmd
	}
	if cmd := poll(); cmd == nil || strings.Contains(screen(m), "indexing") {
		t.Fatal("before the build reports: no note, but keep polling")
	}
	p = kpi.RollupProgress{Table: "tickets", Stage: "by one and two dimensions", Older: true, Done: 2, Total: 6}
	if cmd := poll(); cmd == nil {
		t.Fatal("polling stopped while the build runs")
	}
	mustContain(t, screen(m), "Oct 2026 (month) · vs Sep 2026 · indexing tickets: breakdowns, older months 2/6")
	narrow, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	mustContain(t, screen(narrow.(Model)), "kpiscope sample: support", "Sep 2026 · indexing 2/6")
	p.Step = 0.41 // DuckDB's estimate for the statement under way
	p.Stage, p.Older = "quantiles by two dimensions", false
	poll()
	mustContain(t, screen(m), "indexing tickets: medians by drill 2/6 41%")
	if next, cmd := m.Update(rollupTickMsg{gen: m.q.gen - 1}); cmd != nil || next.(Model).roll.p != m.roll.p {
		t.Fatal("a tick for a replaced engine was not dropped")
	}
	p = kpi.RollupProgress{Done: 6, Total: 6, Ready: true}
	if cmd := poll(); cmd != nil {
		t.Fatal("still polling once the rollups are ready")
	}
	if s := screen(m); strings.Contains(s, "indexing") || !strings.Contains(s, "CSAT") {
		t.Fatalf("after the build:\n%s", s)
	}

	p = kpi.RollupProgress{Table: "tickets", Done: 1, Total: 6, Err: errors.New("out of memory")}
	if cmd := poll(); cmd != nil {
		t.Fatal("still polling after the build failed")
	}
	mustContain(t, screen(m), "indexing failed", "out of memory", "CSAT")
	if strings.Contains(screen(m), "indexing tickets") {
		t.Fatal("a failed build still shows progress")
	}
}

// `[` right after `g`, before the new grain's numbers arrive, steps back from
// the period the engine resolves for that grain instead of asking to wait.
func TestPeriodKeyWhileGrainLoads(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	next, _ := m.Update(keyMsg("g")) // month → quarter; its query not run
	m = next.(Model)
	latest := m.q.eng.Resolve(m.tf.slice).Period
	next, _ = m.Update(keyMsg("["))
	m = next.(Model)
	if want := kpi.Quarter.Add(latest, -1); !m.tf.slice.Period.Equal(want) {
		t.Fatalf("period after g then [: %v, want %v (the quarter before %v)", m.tf.slice.Period, want, latest)
	}
}

// helpPages is every page of the open help, paged down to its end.
func helpPages(m Model) string {
	var b strings.Builder
	for range 6 {
		b.WriteString(screen(m))
		m, _ = press(m, "pgdown")
	}
	return b.String()
}
