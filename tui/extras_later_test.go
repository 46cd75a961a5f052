package tui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
)

// TestBacklogAgesAfterItsCounts: with the flows built, the backlog's detail
// draws its count, trend and breakdown first (from the flows), the ages
// pending, then the ages (read from the rows) in the same pane; the count
// does not change between the two.
func TestBacklogAgesAfterItsCounts(t *testing.T) {
	ws := freshSample(t)
	if err := ws.Engine.BuildRollups(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	d := testDeps(t)
	d.Engine = ws.Engine
	m := selectKPI("backlog")(started(t, d, 120, 40))
	if !ws.Engine.ExtrasSlower("backlog", kpi.Slice{Segment: m.bd.dim}) || ws.Engine.ExtrasSlower("csat", kpi.Slice{}) {
		t.Fatal("ExtrasSlower: want the backlog's ages (flows built) and not CSAT's")
	}
	// Ask again past the engine's cache, as a slice nobody asked for.
	m.q.opts = []kpi.Option{kpi.Uncached()}
	m.q.detail.want = ""
	s := m.asked()
	s.Segment = m.bd.dim
	var cmd tea.Cmd
	m.q, cmd = m.q.askDetail(s, "backlog")
	msg := cmd()
	if res, ok := msg.(resultMsg); !ok || !res.partial || res.err != nil {
		t.Fatalf("first answer: %#v, want the partial one without the ages", msg)
	}
	next, cmd := m.Update(msg)
	m = next.(Model)
	scr := screen(m)
	mustContain(t, scr, "ages: reading the tickets", "By "+m.bd.name(m.bd.dim))
	if strings.Contains(scr, "median age") {
		t.Fatalf("the ages before they are read:\n%s", scr)
	}
	first := m.q.detail.shown.Find("backlog")
	if first == nil || first.Total.Value == nil || first.Total.Extras != nil {
		t.Fatalf("partial backlog %+v", first)
	}
	count := *first.Total.Value
	m = settle(m, cmd)
	scr = screen(m)
	mustContain(t, scr, "median age")
	if strings.Contains(scr, "ages: reading") || m.q.detail.loading || m.q.detail.partial {
		t.Fatalf("still pending after the whole answer:\n%s", scr)
	}
	if r := m.q.detail.shown.Find("backlog"); r == nil || r.Total.Value == nil || *r.Total.Value != count {
		t.Fatalf("backlog %v after its ages, %v before", r.Total.Value, count)
	}
}
