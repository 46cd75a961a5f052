package tui

import (
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// footer is the screen's last line.
func footer(m Model) string {
	lines := strings.Split(screen(m), "\n")
	return lines[len(lines)-1]
}

// windowed is the explorer on the sample data with the filter editor's
// lines applied, the editor closed.
func windowed(t *testing.T, lines ...string) Model {
	t.Helper()
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "F")
	for _, l := range lines {
		m = typeText(m, l)
		m, _ = press(m, "enter")
	}
	m, _ = press(m, "esc")
	return m
}

// TestCompareSkipsYearUnderWindow: a year holds no whole number of 30-day
// windows (364/30 is not whole), so c goes previous → target → previous,
// never to last year, and says why; the scorecard stays computed. Under
// 28 days (364 = 13 × 28) c does reach last year.
func TestCompareSkipsYearUnderWindow(t *testing.T) {
	m := windowed(t, "since 30d")
	if m.tf.slice.Compare != kpi.VsPrevious {
		t.Fatalf("compare %s before c, want previous", m.tf.slice.Compare)
	}
	for i, want := range []kpi.Compare{kpi.VsTarget, kpi.VsPrevious, kpi.VsTarget} {
		m, _ = press(m, "c")
		if got := m.tf.slice.Compare; got != want {
			t.Fatalf("c #%d: comparing %s, want %s", i+1, got, want)
		}
		if m.q.score.err != nil || m.q.score.sc == nil || m.q.score.sc.Slice.Compare != want {
			t.Fatalf("c #%d: scorecard %v, err %v", i+1, m.q.score.sc, m.q.score.err)
		}
	}
	// The first and third c skipped last year: the status said so.
	m, _ = press(m, "c", "c") // → previous, → (year skipped) target
	if s := m.status.text; s != "comparing vs target (not vs last year: a year holds no whole number of 30d windows)" {
		t.Errorf("status %q", s)
	}
	// The palette's "vs last year" is refused with the reason.
	m = settle(m.toTimeframe(compareMsg(kpi.VsYear)))
	if m.tf.slice.Compare != kpi.VsTarget || !strings.Contains(m.status.text, "a year holds no whole number of 30d windows") {
		t.Errorf("palette vs year: comparing %s, status %q", m.tf.slice.Compare, m.status.text)
	}

	m = windowed(t, "since 28d")
	m, _ = press(m, "c")
	if m.tf.slice.Compare != kpi.VsYear || m.q.score.err != nil {
		t.Errorf("28d: c compares %s (err %v), want vs last year", m.tf.slice.Compare, m.q.score.err)
	}
}

// TestWindowDropsYearCompare: comparing with last year (c from previous),
// then since 30d: the comparison falls back to the previous window, with a
// note, and the scorecard is computed.
func TestWindowDropsYearCompare(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "c")
	if m.tf.slice.Compare != kpi.VsYear {
		t.Fatalf("c compares %s, want vs last year", m.tf.slice.Compare)
	}
	m, _ = press(m, "F")
	m = typeText(m, "since 30d")
	m, _ = press(m, "enter")
	if m.tf.slice.Compare != kpi.VsPrevious || m.q.score.err != nil || m.q.score.sc == nil {
		t.Fatalf("comparing %s, err %v", m.tf.slice.Compare, m.q.score.err)
	}
	want := "window: last 30 days · comparing with the previous window (not vs last year: a year holds no whole number of 30d windows)"
	if m.status.text != want {
		t.Errorf("status %q\nwant   %q", m.status.text, want)
	}
}

// TestStepOutUndoesWindow: F channel!=web ⏎ since 30d ⏎ esc, then ⌫ undoes
// the window (the filter stays: CSAT's n is October's 1,929 less web's 326
// = 1,603, README's report --by channel), a second ⌫ the filter. Under the
// window the footer offers t, not [ ].
func TestStepOutUndoesWindow(t *testing.T) {
	m := windowed(t, "channel!=web", "since 30d")
	win := kpi.Window{N: 30, Unit: kpi.Day}
	if m.tf.slice.Window != win || len(m.bd.filters) != 1 {
		t.Fatalf("window %+v, filters %v", m.tf.slice.Window, m.bd.filters)
	}
	f := footer(m)
	if strings.Contains(f, "[ ] period") || strings.Contains(f, "g grain") || !strings.Contains(f, "t drop window") || !strings.Contains(f, "⌫ step out") {
		t.Errorf("footer under a window: %q", f)
	}
	m, _ = press(m, "backspace")
	if !m.tf.slice.Window.IsZero() || len(m.bd.filters) != 1 || m.bd.filters[0].Arg() != "channel!=web" {
		t.Fatalf("after ⌫: window %+v, filters %v", m.tf.slice.Window, m.bd.filters)
	}
	if n := m.q.score.sc.Find("csat").Total.N; n != 1603 || m.q.score.sc.Slice.Window != (kpi.Window{}) {
		t.Errorf("after ⌫: CSAT n %d (want 1,603), scorecard window %+v", n, m.q.score.sc.Slice.Window)
	}
	if m.status.text != "window off: back to calendar periods" {
		t.Errorf("after ⌫: status %q", m.status.text)
	}
	if f := footer(m); !strings.Contains(f, "g grain") || strings.Contains(f, "drop window") {
		t.Errorf("footer without a window: %q", f)
	}
	m, _ = press(m, "backspace")
	if len(m.bd.filters) != 0 || !m.tf.slice.Window.IsZero() {
		t.Fatalf("after ⌫ ⌫: window %+v, filters %v", m.tf.slice.Window, m.bd.filters)
	}
	m, _ = press(m, "backspace")
	if m.status.text != "no filter or window to remove" {
		t.Errorf("⌫ with nothing: %q", m.status.text)
	}

	// The other order: the window first, then the filter; ⌫ undoes the
	// filter, then puts back… nothing: the window was set from none.
	m = windowed(t, "since 30d", "channel!=web")
	m, _ = press(m, "backspace")
	if m.tf.slice.Window != win || len(m.bd.filters) != 0 {
		t.Fatalf("⌫ after window, filter: window %+v, filters %v", m.tf.slice.Window, m.bd.filters)
	}
	m, _ = press(m, "backspace")
	if !m.tf.slice.Window.IsZero() {
		t.Fatalf("⌫ ⌫ left the window %+v", m.tf.slice.Window)
	}

	// Changing one window for another: ⌫ puts the first back.
	m = windowed(t, "since 30d", "qtd")
	m, _ = press(m, "backspace")
	if m.tf.slice.Window != win {
		t.Errorf("⌫ after 30d, qtd: window %+v, want 30d", m.tf.slice.Window)
	}
}

// TestClearDropsWindow: x clears the filters and the window (README,
// "Filters as people write them"); with neither it says so.
func TestClearDropsWindow(t *testing.T) {
	m := windowed(t, "channel!=web", "since 30d")
	m, _ = press(m, "x")
	if !m.tf.slice.Window.IsZero() || len(m.bd.filters) != 0 || m.bd.filtered() {
		t.Fatalf("after x: window %+v, filters %v, trail %d", m.tf.slice.Window, m.bd.filters, len(m.bd.trail))
	}
	if n := m.q.score.sc.Find("csat").Total.N; n != 1929 {
		t.Errorf("after x: CSAT n %d, want October's 1,929", n)
	}
	m = windowed(t, "since 30d")
	m, _ = press(m, "x")
	if !m.tf.slice.Window.IsZero() || m.status.text != "window off: back to calendar periods" {
		t.Errorf("x with a window only: window %+v, status %q", m.tf.slice.Window, m.status.text)
	}
	m, _ = press(m, "x")
	if m.status.text != "no filters or window to clear" {
		t.Errorf("x with nothing: %q", m.status.text)
	}
}

// TestHelpListsSaveViewAndSQL: ? lists V (save view) and the palette's sql.
func TestHelpListsSaveViewAndSQL(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "?")
	mustContain(t, screen(m), "V save view", ":sql SQL prompt")
}

// TestStepOutDropsViewWindow: a window no editor step set (a saved view's,
// --since's) is what ⌫ drops when no drill or filter is left.
func TestStepOutDropsViewWindow(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m.tf = m.tf.viewed(kpi.Month, time.Time{}, kpi.Window{N: 12, Unit: kpi.Week}, kpi.VsPrevious)
	m = settle(m.refresh())
	if m.bd.filtered() {
		t.Fatal("a view's window left a step behind")
	}
	m, _ = press(m, "backspace")
	if !m.tf.slice.Window.IsZero() || m.q.score.sc.Slice.Window != (kpi.Window{}) {
		t.Errorf("⌫ left the window %+v", m.tf.slice.Window)
	}
	if n := m.q.score.sc.Find("csat").Total.N; n != 1929 {
		t.Errorf("after ⌫: CSAT n %d, want October's 1,929", n)
	}
}
