package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"kpiscope/internal/kpi"
)

// pressLens sends keys and settles after each, cohort answers included.
func pressLens(m Model, keys ...string) Model {
	for _, k := range keys {
		next, cmd := m.Update(keyMsg(k))
		m = settle(next.(Model), cmd)
	}
	return m
}

// TestCohortsGolden: the matrix on the sample at 120×40 (a decimal per
// cell), 80×24 (whole percents) and without colour (shading glyphs, › on
// the cursor). Regenerate with go test ./tui -run TestCohortsGolden -update.
func TestCohortsGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		w, h  int
		keys  []string
		plain bool
	}{
		{"cohorts_120x40", 120, 40, []string{"C", "up", "up", "right", "right"}, false},
		{"cohorts_80x24", 80, 24, []string{"C", "up", "up", "up", "right"}, false},
		{"cohorts_quarter_80x24", 80, 24, []string{"C", "g"}, false},
		{"cohorts_orders_120x40", 120, 40, []string{"C", "p", "end", "right"}, false},
		{"ascii_cohorts_80x24", 80, 24, []string{"C", "up", "right"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := started(t, testDeps(t), tc.w, tc.h)
			if tc.plain {
				m = plain(m)
			}
			m = pressLens(m, tc.keys...)
			golden.RequireEqual(t, []byte(screen(m)))
		})
	}
}

// TestCohortsLensShowsTheEnginesCells: the cell under the cursor in words
// is the engine's count, and the pooled row's; filters on a customer
// dimension apply, a ticket-only one is named as left out.
func TestCohortsLensShowsTheEnginesCells(t *testing.T) {
	d := testDeps(t)
	m := started(t, d, 120, 40)
	ctx := context.Background()
	want, err := d.Engine.Cohorts(ctx, kpi.CohortAsk{Cohorts: 12})
	if err != nil {
		t.Fatal(err)
	}
	m = pressLens(m, "C", "up", "right") // Sep 2026, month 1
	r := want.Rows[len(want.Rows)-2]
	v, _ := r.Rate(1)
	mustContain(t, screen(m), "Cohorts · retention by signup month",
		fmt.Sprintf("Sep 2026 · month 1 (Oct 2026): %s of %s still active (%s%%)",
			kpi.FormatFloat(float64(r.Active[1]), 0), kpi.FormatFloat(float64(r.Size), 0), kpi.FormatFloat(v, 1)))
	m = pressLens(m, "end")
	p := want.Pooled[1]
	mustContain(t, screen(m), fmt.Sprintf("All cohorts · month 1: %s of %s still active", kpi.FormatFloat(float64(p.Active), 0), kpi.FormatFloat(float64(p.Size), 0)))

	// A customer filter, as the explorer's drill sets it.
	lc := m.lensCtx()
	lc.slice = lc.slice.WithFilter(kpi.Filter{Dim: "plan", Values: []string{"Basic"}})
	basic, _ := d.Engine.Cohorts(ctx, kpi.CohortAsk{Cohorts: 12, Filters: lc.slice.Filters})
	l, cmd := m.lens.Reslice(lc)
	if title, _ := l.View(lc, 118, 36); !strings.Contains(title, "updating…") {
		t.Errorf("while the filtered matrix is on its way the title is %q, want it to say updating…", title)
	}
	l, _, _ = l.Update(cmd(), lc)
	_, body := l.View(lc, 118, 36)
	text := strings.Join(body, "\n")
	if !strings.Contains(text, "plan = Basic") || !strings.Contains(text, fmt.Sprintf("All        %s", kpi.FormatFloat(float64(basicSize(basic)), 0))) {
		t.Errorf("plan = Basic: want the filter named and %d customers:\n%s", basicSize(basic), text)
	}

	// A filter the customers cannot reach is said, not silently dropped.
	lc.slice = lc.slice.WithFilter(kpi.Filter{Dim: "channel", Values: []string{"chat"}})
	l, cmd = l.Reslice(lc)
	l, _, _ = l.Update(cmd(), lc)
	_, body = l.View(lc, 118, 36)
	if text := strings.Join(body, "\n"); !strings.Contains(text, "channel = chat left out: not a column of customers") {
		t.Errorf("a ticket-only filter is not named:\n%s", text)
	}
}

func basicSize(m *kpi.CohortMatrix) int64 {
	var n int64
	for _, r := range m.Rows {
		n += r.Size
	}
	return n
}

// TestCohortsDropsStaleAnswers: an answer to a superseded ask (the grain
// toggled before it came) is dropped.
func TestCohortsDropsStaleAnswers(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m = pressLens(m, "C")
	lc := m.lensCtx()
	l := m.lens.(*cohortsLens)
	old := l.seq
	next, cmd, _ := l.Update(keyMsg("g"), lc) // quarter asked
	l = next.(*cohortsLens)
	stale := cohortsMsg{seq: old, key: l.key, m: &kpi.CohortMatrix{Grain: kpi.Month}}
	next, _, _ = l.Update(stale, lc)
	if l = next.(*cohortsLens); l.m != nil || !l.loading {
		t.Fatalf("a stale answer was taken: %+v", l.m)
	}
	next, _, _ = l.Update(cmd(), lc)
	if l = next.(*cohortsLens); l.m == nil || l.m.Grain != kpi.Quarter || l.loading {
		t.Fatalf("the quarter's answer was not taken: %+v", l.m)
	}
	l.Close()
}

// TestCohortsNoCustomers: data without customers says so inside the lens;
// the explorer keeps running.
func TestCohortsNoCustomers(t *testing.T) {
	l := &cohortsLens{kind: kpi.CohortRetention, grain: kpi.Month}
	lc := started(t, testDeps(t), 120, 40).lensCtx()
	l.want, l.seq = "k", 1
	next, _, _ := l.Update(cohortsMsg{seq: 1, key: "k", err: fmt.Errorf("%w", kpi.ErrNoCohorts)}, lc)
	_, body := next.View(lc, 118, 36)
	if !strings.Contains(strings.Join(body, "\n"), "no cohort data") {
		t.Fatalf("no message: %q", body)
	}
	// A long message wraps at 80 columns rather than being cut.
	msg := "no customers to build cohorts from: the matrix needs a cohort KPI (retention or churn) bound to a signup date and a churn date (map them in kpiscope.yaml)"
	l.want, l.seq = "k2", 2
	next, _, _ = next.Update(cohortsMsg{seq: 2, key: "k2", err: fmt.Errorf("%s", msg)}, lc)
	_, body = next.View(lc, 78, 20)
	for _, ln := range body {
		if ansi.StringWidth(ln) > 78 {
			t.Fatalf("a line wider than the pane would be cut: %q", ln)
		}
	}
	if text := ansi.Strip(strings.Join(body, " ")); !strings.Contains(text, "(map them in kpiscope.yaml)") {
		t.Fatalf("the message's end is missing: %q", body)
	}
}

// TestCohortsFlow drives the real program: open the matrix, move, toggle
// quarter and purchases, close it.
func TestCohortsFlow(t *testing.T) {
	tm := teatest.NewTestModel(t, New(testDeps(t)), teatest.WithInitialTermSize(120, 40))
	waitFor := waiter(t, tm)
	key := func(k string) { tm.Send(keyMsg(k)) }
	waitFor("KPIs · 25", "By channel")
	key("C")
	waitFor("retention by signup month", "Oct 2026 · month 0")
	key("up")
	waitFor("Sep 2026 · month 0")
	key("right")
	waitFor("1 (Oct 2026)") // the renderer redraws only what changed
	key("g")
	waitFor("quarter", "Q3 2026")
	key("p")
	waitFor("purchases by first-order")
	key("esc")
	waitFor("By channel")
	key("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))
	if m := tm.FinalModel(t).(Model); m.lens != nil {
		t.Fatal("the lens is still open after esc")
	}
}

// TestCohortsFitEverySize: the matrix keeps the screen's lines and width at
// every size, the cursor's cohort and month on screen.
func TestCohortsFitEverySize(t *testing.T) {
	base := pressLens(started(t, testDeps(t), 120, 40), "C", "g", "end", "right", "right", "right", "right", "right", "right", "right", "right", "right", "right", "right", "right", "right")
	for _, size := range [][2]int{{60, 14}, {60, 20}, {80, 24}, {100, 30}, {120, 40}, {160, 50}} {
		next, _ := base.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		scr := screen(next.(Model))
		lines := strings.Split(scr, "\n")
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w != size[0] {
				t.Errorf("%dx%d: line %d is %d wide: %q", size[0], size[1], i, w, l)
			}
		}
		if !strings.Contains(scr, "M13") {
			t.Errorf("%dx%d: the cursor's month (13) is not on screen:\n%s", size[0], size[1], scr)
		}
	}
}

// TestCohortsTogglesBackAtTheKey: a matrix seen before (p, then p back)
// shows at the key without a query.
func TestCohortsTogglesBackAtTheKey(t *testing.T) {
	m := pressLens(started(t, testDeps(t), 120, 40), "C", "p")
	if l := m.lens.(*cohortsLens); l.m == nil || l.m.Kind != kpi.CohortOrders {
		t.Fatalf("p: no purchase cohorts: %+v", l.m)
	}
	next, cmd := m.Update(keyMsg("p"))
	m = next.(Model)
	l := m.lens.(*cohortsLens)
	if l.m == nil || l.m.Kind != kpi.CohortRetention || l.loading {
		t.Fatalf("p back: the retention matrix is not on screen at the key: %+v loading %v", l.m, l.loading)
	}
	if cmd != nil {
		if _, ok := cmd().(cohortsMsg); ok {
			t.Fatal("p back queried again")
		}
	}
	mustContain(t, screen(m), "Oct 2026 · month 0 (Oct 2026)")
}

// TestCohortsWheel: the wheel moves over the cohorts, shift+wheel along
// the months.
func TestCohortsWheel(t *testing.T) {
	m := pressLens(started(t, testDeps(t), 120, 40), "C")
	l := m.lens.(*cohortsLens)
	row := l.row
	for _, ev := range []tea.MouseWheelMsg{
		{Button: tea.MouseWheelUp, X: 30, Y: 10},
		{Button: tea.MouseWheelUp, X: 30, Y: 10},
		{Button: tea.MouseWheelDown, X: 30, Y: 10, Mod: tea.ModShift},
	} {
		next, _ := m.Update(ev)
		m = next.(Model)
	}
	if l = m.lens.(*cohortsLens); l.row != row-2 || l.col != 1 {
		t.Fatalf("after two wheel ups and a shift+wheel down: row %d col %d, want %d and 1", l.row, l.col, row-2)
	}
}

// TestCohortsFollowTheScreensQuarter: opened on a quarterly screen, the
// cohorts are quarters.
func TestCohortsFollowTheScreensQuarter(t *testing.T) {
	m := pressLens(started(t, testDeps(t), 120, 40), "g", "C")
	mustContain(t, screen(m), "Cohorts · retention by signup quarter", "Q3 2026 · month 0")
}

// TestCohortsPurchaseHeatLeavesMonthZeroOut: month 0 of a purchase cohort
// is 100% by definition; the heat's range is the other months', so they
// spread over the shades instead of all sitting in the lowest: from
// 42.6% (Nov 2025's month 11) to 72.1% (its month 1), a step of 7.375,
// the top shade from 64.7%.
func TestCohortsPurchaseHeatLeavesMonthZeroOut(t *testing.T) {
	m := pressLens(plain(started(t, testDeps(t), 120, 40)), "C", "p")
	scr := screen(m)
	var m1 []string
	for _, ln := range strings.Split(scr, "\n") {
		if f := strings.Fields(strings.Trim(ln, "│")); len(f) > 6 && strings.HasSuffix(f[1], "2026") || len(f) > 6 && strings.HasSuffix(f[1], "2025") {
			m1 = append(m1, f[4]) // the glyph of month 1 ("Nov 2025 204 █100.0 █ 72.1 …")
		}
	}
	if len(m1) == 0 {
		t.Fatalf("no cohort rows:\n%s", scr)
	}
	if !strings.Contains(scr, "█ ≥ 64.7%  ▓ ≥ 57.4%  ▒ ≥ 50.0%") || !strings.Contains(strings.Join(m1, ""), "█") {
		t.Errorf("month 1's highest cell (Nov 2025's holiday orders, 72.1%%) is not in the top shade: %v\n%s", m1, scr)
	}
}
