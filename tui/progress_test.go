package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/pane"
)

// TestScorecardDrawnAsComputed: the first screen of a fresh engine is drawn
// group by group of KPIs (kpi.OnProgress): its first answer has some KPIs
// with their numbers, not dimmed as an older slice's, and the others as
// loading ("…"); the last is the whole scorecard, with the same numbers for
// the KPIs the first had. An answer to a superseded request is dropped.
func TestScorecardDrawnAsComputed(t *testing.T) {
	defer func(d time.Duration) { progressAfter = d }(progressAfter)
	progressAfter = 0 // the sample's first screen takes less than the delay
	ws := freshSample(t)
	m := New(Deps{Engine: ws.Engine, Now: fixedNow, ExportDir: t.TempDir()})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m = next.(Model)
	queue := []tea.Cmd{func() tea.Msg { return startMsg{} }}
	var part *resultMsg
	for len(queue) > 0 && part == nil {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case resultMsg:
			if msg.partial && msg.kind == scoreQuery {
				part = &msg
				continue
			}
			next, c2 := m.Update(msg)
			m = next.(Model)
			queue = append(queue, c2)
		case startMsg, EngineMsg:
			next, c2 := m.Update(msg)
			m = next.(Model)
			queue = append(queue, c2)
		}
	}
	if part == nil {
		t.Fatal("the first screen came in one answer")
	}
	if part.sc.Pending == 0 || len(part.sc.Results) == 0 || part.next == nil {
		t.Fatalf("a partial answer with %d KPIs, %d pending", len(part.sc.Results), part.sc.Pending)
	}
	// A partial answer to an older request is dropped.
	old := *part
	old.seq--
	next, c := m.Update(old)
	if m2 := next.(Model); m2.q.score.sc != nil || c != nil {
		t.Fatal("an older request's partial answer was taken")
	}
	next, c = m.Update(*part)
	m = next.(Model)
	if c == nil || !m.q.score.loading || !m.q.score.partial {
		t.Fatalf("after a partial answer: next %v, loading %v, partial %v", c != nil, m.q.score.loading, m.q.score.partial)
	}
	scr := screen(m)
	shown := map[string]bool{}
	for _, r := range part.sc.Results {
		shown[r.Def.ID] = true
	}
	var done, pending *kpi.Def
	for _, d := range m.defs {
		if shown[d.ID] && done == nil && part.sc.Find(d.ID).Total.Value != nil {
			done = d
		}
		if !shown[d.ID] && pending == nil {
			pending = d
		}
	}
	if done == nil || pending == nil {
		t.Fatalf("no KPI with a value (%v) or none pending (%v)", done, pending)
	}
	line := func(scr string, d *kpi.Def) string {
		for _, l := range strings.Split(scr, "\n") {
			if strings.Contains(l, "  "+d.ShortLabel()+" ") {
				return l
			}
		}
		t.Fatalf("no row for %s:\n%s", d.ShortLabel(), scr)
		return ""
	}
	val := pane0(done, part.sc.Find(done.ID))
	if l := line(scr, done); !strings.Contains(l, val) {
		t.Errorf("%s computed (%s) but its row is %q", done.Label(), val, l)
	}
	if l := line(scr, pending); !strings.Contains(l, "…") {
		t.Errorf("%s still computing but its row is %q", pending.Label(), l)
	}
	queue = append(queue, c)
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		m = settle(m, c)
	}
	if m.q.score.loading || m.q.score.partial || m.q.score.sc.Pending != 0 {
		t.Fatalf("the last answer: loading %v, partial %v", m.q.score.loading, m.q.score.partial)
	}
	if got := pane0(done, m.q.score.sc.Find(done.ID)); got != val {
		t.Errorf("%s = %s in the whole scorecard, %s in the partial one", done.Label(), got, val)
	}
	if l := line(screen(m), pending); strings.Contains(l, "…") {
		t.Errorf("%s still loading after the last answer: %q", pending.Label(), l)
	}
}

// pane0 is a result's value as the list shows it.
func pane0(d *kpi.Def, r *kpi.Result) string { return pane.ValueText(d, r.Total.Value, r.Approx) }
