package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
)

// editor is the open filter editor.
func editor(t *testing.T, m Model) *filterEditor {
	t.Helper()
	e, ok := m.lens.(*filterEditor)
	if !ok {
		t.Fatalf("the filter editor is not open: %T", m.lens)
	}
	return e
}

// engineN is CSAT's n as the engine computes it for the slice.
func engineN(t *testing.T, eng *kpi.Engine, s kpi.Slice) int64 {
	t.Helper()
	sc, err := eng.Compute(context.Background(), s, []string{"csat"})
	if err != nil {
		t.Fatal(err)
	}
	return sc.Find("csat").Total.N
}

// TestFilterEditorSeveralValues: F, channel=chat,email, enter: the filter is
// the breakdown's (as a drill's), the header says it, and CSAT's n on screen
// is the engine's for the same slice (hand-checked: chat 735 + email 453 =
// 1,188 of October's 1,929 rated tickets, README's report --by channel).
func TestFilterEditorSeveralValues(t *testing.T) {
	d := testDeps(t)
	m := started(t, d, 120, 40)
	m, _ = press(m, "F")
	editor(t, m)
	m = typeText(m, "channel=chat,email")
	m, _ = press(m, "enter")
	want := []kpi.Filter{{Dim: "channel", Values: []string{"chat", "email"}}}
	if got := m.bd.filters; len(got) != 1 || got[0].Arg() != want[0].Arg() {
		t.Fatalf("filters %v, want %v", got, want)
	}
	scr := screen(m)
	mustContain(t, scr, "channel = chat, email")
	n := m.q.score.sc.Find("csat").Total.N
	if n != 1188 || n != engineN(t, d.Engine, m.asked()) {
		t.Errorf("CSAT n %d, want 1188 (the engine's for the slice)", n)
	}
	mustContain(t, scr, cmdline.Thousands(n))
	// ⌫ steps out of it, as out of a drill.
	m, _ = press(m, "esc", "backspace")
	if len(m.bd.filters) != 0 {
		t.Errorf("after ⌫: filters %v", m.bd.filters)
	}
}

// TestFilterEditorFlow drives the real program: F, channel!=web, enter:
// the header names the filter with its operator and CSAT's n is the
// engine's for that slice (October's 1,929 rated tickets less web's 326,
// README's report --by channel: 1,603).
func TestFilterEditorFlow(t *testing.T) {
	d := testDeps(t)
	slice := kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious, Trend: 12,
		Filters: []kpi.Filter{{Dim: "channel", Op: kpi.OpNotIn, Values: []string{"web"}}}}
	want := engineN(t, d.Engine, slice)
	if want != 1603 {
		t.Fatalf("the engine's n for channel!=web: %d, want 1,603", want)
	}
	tm := teatest.NewTestModel(t, New(d), teatest.WithInitialTermSize(120, 40))
	waitFor := waiter(t, tm)
	waitFor("KPIs · 25", "1,929")
	tm.Send(keyMsg("F"))
	waitFor("Filters and date window")
	tm.Type("channel!=web")
	tm.Send(keyMsg("enter"))
	waitFor("channel ≠ web", "1,603")
	tm.Send(keyMsg("esc"))
	tm.Send(keyMsg("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))
	m := tm.FinalModel(t).(Model)
	if got := m.asked(); got.Key() != slice.Key() {
		t.Errorf("slice asked %s, want %s", got.Key(), slice.Key())
	}
	if n := m.q.score.sc.Find("csat").Total.N; n != want {
		t.Errorf("CSAT n on screen %d, want the engine's %d", n, want)
	}
}

// TestFilterEditorUnknownColumn: a misspelt column is named with the
// nearest, and nothing changes.
func TestFilterEditorUnknownColumn(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "F")
	m = typeText(m, "chanel=chat")
	rev := m.bd.rev
	m, _ = press(m, "enter")
	if m.bd.rev != rev || len(m.bd.filters) != 0 {
		t.Fatalf("applied: %v", m.bd.filters)
	}
	if msg := editor(t, m).msg; !strings.Contains(msg, `no column "chanel"; did you mean "channel"?`) {
		t.Errorf("message %q", msg)
	}
	mustContain(t, screen(m), `no column "chanel"`, `"channel"?`)
}

// TestFilterEditorUnknownValue: a value the column never holds is named
// with the nearest; one in another case is taken as the data spells it.
func TestFilterEditorUnknownValue(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "F")
	m = typeText(m, "channel=chta")
	m, _ = press(m, "enter")
	if len(m.bd.filters) != 0 {
		t.Fatalf("applied: %v", m.bd.filters)
	}
	if msg := editor(t, m).msg; !strings.Contains(msg, `no channel is "chta" in the data; did you mean "chat"?`) {
		t.Errorf("message %q", msg)
	}
	m, _ = press(m, "backspace", "backspace", "backspace", "backspace", "C", "H", "A", "T", "enter")
	if got := m.bd.filters; len(got) != 1 || got[0].Arg() != "channel=chat" {
		t.Errorf("filters %v, want channel=chat", got)
	}
}

// TestFilterEditorRangeOnText: >= on a text column is refused with why;
// on a number column it applies, with the engine's numbers.
func TestFilterEditorRangeOnText(t *testing.T) {
	d := testDeps(t)
	m := started(t, d, 120, 40)
	m, _ = press(m, "F")
	m = typeText(m, "channel>=2")
	m, _ = press(m, "enter")
	if len(m.bd.filters) != 0 {
		t.Fatalf("applied: %v", m.bd.filters)
	}
	if msg := editor(t, m).msg; !strings.Contains(msg, "holds text") || !strings.Contains(msg, "channel=VALUE") {
		t.Errorf("message %q", msg)
	}
	m, _ = press(m, "esc")
	m, _ = press(m, "F")
	m = typeText(m, "contacts>=2")
	m, _ = press(m, "enter")
	if got := m.bd.filters; len(got) != 1 || got[0].Arg() != "contacts>=2" {
		t.Fatalf("filters %v, want contacts>=2", got)
	}
	mustContain(t, screen(m), "contacts ≥ 2")
	n := m.q.score.sc.Find("csat").Total.N
	if n != engineN(t, d.Engine, m.asked()) || n <= 0 || n >= 1929 {
		t.Errorf("CSAT n %d: want the engine's for contacts>=2, between 0 and 1,929", n)
	}
}

// TestFilterEditorRemove: ↑ onto a filter, d removes it; the other stays and
// the numbers are the engine's for it.
func TestFilterEditorRemove(t *testing.T) {
	d := testDeps(t)
	m := started(t, d, 120, 40)
	m, _ = press(m, "F")
	m = typeText(m, "channel!=web")
	m, _ = press(m, "enter")
	m = typeText(m, "priority=urgent")
	m, _ = press(m, "enter")
	if len(m.bd.filters) != 2 {
		t.Fatalf("filters %v", m.bd.filters)
	}
	m, _ = press(m, "up", "up", "d") // the first: channel ≠ web
	if got := m.bd.filters; len(got) != 1 || got[0].Arg() != "priority=urgent" {
		t.Fatalf("filters %v, want priority=urgent", got)
	}
	lines := strings.Split(screen(m), "\n")
	if top := lines[0] + lines[2]; strings.Contains(top, "channel ≠ web") || !strings.Contains(top, "priority = urgent") {
		t.Errorf("header and the editor's first filter:\n%s", top)
	}
	if n := m.q.score.sc.Find("csat").Total.N; n != engineN(t, d.Engine, m.asked()) {
		t.Errorf("CSAT n %d, not the engine's", n)
	}
}

// TestFilterEditorSuggests: the columns as a name is typed, the dimension's
// values after its operator (read once, kept), and tab completes.
func TestFilterEditorSuggests(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "F")
	m = typeText(m, "con")
	e := editor(t, m)
	if len(e.sugg) == 0 || e.sugg[0].line != "contacts" {
		t.Fatalf("suggestions for con: %v", e.sugg)
	}
	m, _ = press(m, "tab")
	if v := editor(t, m).input.Value(); v != "contacts" {
		t.Fatalf("tab gave %q", v)
	}
	m, _ = press(m, "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
	m = typeText(m, "channel!=e")
	e = editor(t, m)
	if _, ok := e.values["channel"]; !ok {
		t.Fatal("channel's values were not read")
	}
	var got []string
	for _, s := range e.sugg {
		got = append(got, s.line)
	}
	// Values starting with e first, then those holding one.
	if strings.Join(got, " ") != "channel!=email channel!=phone channel!=web" {
		t.Fatalf("suggestions for channel!=e: %v", got)
	}
	m, _ = press(m, "tab")
	if v := editor(t, m).input.Value(); v != "channel!=email" {
		t.Fatalf("tab gave %q", v)
	}
}

// TestFilterEditorWindow: last 12 weeks sets the slice's window (the
// engine is asked for it) and the header says it; [ says what it would do
// and changes nothing; since off (or t) goes back to periods.
func TestFilterEditorWindow(t *testing.T) {
	d := testDeps(t)
	m := started(t, d, 120, 40)
	m, _ = press(m, "F")
	m = typeText(m, "last 12 weeks")
	m, _ = press(m, "enter")
	want := kpi.Window{N: 12, Unit: kpi.Week}
	if m.tf.slice.Window != want || m.asked().Window != want {
		t.Fatalf("window %+v, asked %+v", m.tf.slice.Window, m.asked().Window)
	}
	sc := m.q.score.sc
	if sc == nil || sc.Slice.Window != want {
		t.Fatalf("the scorecard on screen is not the window's: %+v", sc)
	}
	if n := sc.Find("csat").Total.N; n != engineN(t, d.Engine, kpi.Slice{Window: want}) {
		t.Errorf("CSAT n %d, not the engine's for the last 12 weeks", n)
	}
	header := strings.Split(screen(m), "\n")[0]
	if !strings.Contains(header, "last 12 weeks") {
		t.Errorf("header %q lacks the window", header)
	}
	m, _ = press(m, "esc")
	for _, k := range []string{"[", "]", "g", "G"} {
		m, _ = press(m, k)
		if m.tf.slice.Window != want || m.tf.slice.Grain != kpi.Month || !strings.Contains(m.status.text, "window last 12 weeks: t clears it") {
			t.Errorf("%s with a window: window %+v, grain %s, status %q", k, m.tf.slice.Window, m.tf.slice.Grain, m.status.text)
		}
	}
	m, _ = press(m, "F")
	m = typeText(m, "since off")
	m, _ = press(m, "enter")
	if !m.tf.slice.Window.IsZero() {
		t.Errorf("since off left %+v", m.tf.slice.Window)
	}
	m = typeText(m, "qtd")
	m, _ = press(m, "enter", "esc", "t")
	if !m.tf.slice.Window.IsZero() {
		t.Errorf("t left %+v", m.tf.slice.Window)
	}
}

// TestFilterEditorPinsBreakdown: from the palette ("filters" picks it
// before "Clear all filters"); a filter pinning the
// breakdown's dimension to one value moves the breakdown on to the next
// dimension, as a drill does (channel → team).
func TestFilterEditorPinsBreakdown(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, ":")
	m = typeText(m, "filters")
	m, _ = press(m, "enter")
	editor(t, m)
	if m.bd.dim != "channel" {
		t.Fatalf("breakdown by %q at start", m.bd.dim)
	}
	m = typeText(m, "channel=chat")
	m, _ = press(m, "enter")
	if m.bd.dim != "team" {
		t.Errorf("breakdown by %q after channel=chat, want team", m.bd.dim)
	}
}

// TestFilterEditorValuesKeptAndStale: a dimension's values are read once
// for the editor's life; an answer to a superseded ask is dropped.
func TestFilterEditorValuesKeptAndStale(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "F")
	m = typeText(m, "channel=")
	e := editor(t, m)
	seq := e.seq
	if len(e.values["channel"]) != 4 {
		t.Fatalf("channel's values: %v", e.values["channel"])
	}
	m, _ = press(m, "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
	m = typeText(m, "channel!=")
	if e := editor(t, m); e.seq != seq || e.asking != "" {
		t.Errorf("channel's values asked again (seq %d → %d, asking %q)", seq, e.seq, e.asking)
	}
	m = typeText(m, "x,team=") // a column it does not know yet: asked
	e = editor(t, m)
	l, _, _ := e.Update(filterValuesMsg{seq: e.seq - 1, dim: "team", values: []string{"stale"}}, m.lensCtx())
	if v := l.(*filterEditor).values["team"]; len(v) == 1 && v[0] == "stale" {
		t.Errorf("a superseded answer was taken: %v", v)
	}
}

// TestFilterEditorUndated: data without dates takes no window, and says why.
func TestFilterEditorUndated(t *testing.T) {
	m := started(t, undatedDeps(t), 120, 40)
	m, _ = press(m, "F")
	m = typeText(m, "since 30d")
	m, _ = press(m, "enter")
	if !m.tf.slice.Window.IsZero() {
		t.Fatalf("window %+v on undated data", m.tf.slice.Window)
	}
	if msg := editor(t, m).msg; !strings.Contains(msg, "no date column") {
		t.Errorf("message %q", msg)
	}
}

// TestFilterEditorEnterBeforeValues: enter on a line whose dimension's
// values are still on their way checks and applies it when they come.
func TestFilterEditorEnterBeforeValues(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "F")
	e := *editor(t, m)
	e.input.SetValue("channel=chat")
	l, cmd := e.submit(m.lensCtx(), "channel=chat")
	if p := l.(*filterEditor).pending; p != "channel=chat" || cmd == nil || len(m.bd.filters) != 0 {
		t.Fatalf("pending %q, a query: %v, filters %v", p, cmd != nil, m.bd.filters)
	}
	m.lens = l
	m = settle(m, cmd)
	if got := m.bd.filters; len(got) != 1 || got[0].Arg() != "channel=chat" {
		t.Errorf("filters %v once the values came, want channel=chat", got)
	}
}

// TestSegmentPickerSaysOperator: the segment picker's hint for a filtered
// dimension says the editor's operator ("≠ web"), not only the values,
// which would read as "= web".
func TestSegmentPickerSaysOperator(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "F")
	for _, f := range []string{"channel!=web", "priority=high,urgent"} {
		m = typeText(m, f)
		m, _ = press(m, "enter")
	}
	m, _ = press(m, "esc", "s")
	mustContain(t, screen(m), "filtered: ≠ web", "filtered: high, urgent")
}

// TestFilterEditorGolden: the editor at 120×40 (a filter applied, a column
// being typed with its suggestions; a window applied) and 80×24 (a range
// applied, the forms; a misspelt column), without colour. Regenerate with go test ./tui -run TestFilterEditorGolden -update.
func TestFilterEditorGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
		text []string // typed, enter between them
	}{
		{"filters_120x40", 120, 40, []string{"channel!=web", "pri"}},
		{"filters_80x24", 80, 24, []string{"contacts>=2", ""}},
		{"filters_error_80x24", 80, 24, []string{"chanel=chat"}},
		{"filters_window_120x40", 120, 40, []string{"last 12 weeks"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := plain(started(t, testDeps(t), tc.w, tc.h))
			m, _ = press(m, "F")
			for i, s := range tc.text {
				if i > 0 {
					m, _ = press(m, "enter")
				}
				m = typeText(m, s)
			}
			if len(tc.text) == 1 {
				m, _ = press(m, "enter")
			}
			golden.RequireEqual(t, []byte(screen(m)))
		})
	}
}
