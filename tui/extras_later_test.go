package tui

import (
	"context"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// TestBacklogAgesAfterItsCounts: with the flows built, the backlog's detail
// draws its count, trend and breakdown first (from the flows), the ages
// pending, then the ages (read from the rows) in the same pane; the count
// does not change between the two.
func TestBacklogAgesAfterItsCounts(t *testing.T) {
	m, msg, _ := backlogPartial(t)
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

// TestBacklogAgesFailKeepTheCounts: when the ages' query fails (here its
// timeout), the counts drawn stay, the error beside them, on the shown and
// the exported scorecard alike, and the partial scorecard the engine gave
// (which its cache may hold) is left as it was.
func TestBacklogAgesFailKeepTheCounts(t *testing.T) {
	m, msg, _ := backlogPartial(t)
	partial := msg.(resultMsg).sc
	next, _ := m.Update(msg)
	m = next.(Model)
	final := resultMsg{kind: detailQuery, seq: m.q.detail.seq, gen: m.q.gen, key: m.q.detail.want, err: context.DeadlineExceeded}
	next, _ = m.Update(final)
	m = next.(Model)
	if m.q.detail.err != nil || m.q.detail.loading || !m.q.detail.current() {
		t.Fatalf("detail err %v loading %v current %v: want the counts kept", m.q.detail.err, m.q.detail.loading, m.q.detail.current())
	}
	scr := screen(m)
	mustContain(t, scr, "took longer than", "By "+m.bd.name(m.bd.dim))
	for _, sc := range []*kpi.Scorecard{m.q.detail.shown, m.q.detail.sc} {
		if r := sc.Find("backlog"); r == nil || r.Total.Value == nil || r.ExtrasErr == nil {
			t.Fatalf("backlog after the ages failed: %+v", r)
		}
	}
	if r := partial.Find("backlog"); r.ExtrasErr != nil {
		t.Fatalf("the engine's scorecard was changed: %v", r.ExtrasErr)
	}
}

// backlogPartial takes the sample with its rollups and flows built, selects
// the backlog and asks for its detail past the engine's cache: the model,
// the first answer (checked to be the partial one) and what gives the rest.
func backlogPartial(t *testing.T) (Model, tea.Msg, tea.Cmd) {
	t.Helper()
	ws := agesPending(t)
	m := startedOn(t, ws.Engine, "backlog")
	if !ws.Engine.ExtrasSlower("backlog", kpi.Slice{Segment: m.bd.dim}) || ws.Engine.ExtrasSlower("csat", kpi.Slice{}) {
		t.Fatal("ExtrasSlower: want the backlog's ages (flows built) and not CSAT's")
	}
	// Three dimensions: the flows keep sets of two, the counts read the rows
	// too, so nothing is gained by asking twice.
	three := kpi.Slice{Segment: "channel", Filters: []kpi.Filter{mustFilter(t, "team=Billing"), mustFilter(t, "priority=high")}}
	two := kpi.Slice{Segment: "channel", Filters: three.Filters[:1]}
	if !ws.Engine.ExtrasSlower("backlog", two) || ws.Engine.ExtrasSlower("backlog", three) {
		t.Fatal("ExtrasSlower: want true for two dimensions, false for three, which the flows do not answer")
	}
	// Ask again past the engine's cache, as a slice nobody asked for.
	s := m.asked()
	s.Segment = m.bd.dim
	m, cmd := askPastCache(m, s, "backlog")
	msg := cmd()
	if res, ok := msg.(resultMsg); !ok || !res.partial || res.err != nil {
		t.Fatalf("first answer: %#v, want the partial one without the ages", msg)
	}
	return m, msg, cmd
}

// agesPending is the sample with every rollup and flow built but the
// flows' long-lived rows, the build's last steps (one per flow KPI: the
// backlog and the backlog past SLA): the backlog's ages still read the raw
// rows, as while the build finishes.
// Built once for the tests that use it (their queries bypass its cache).
func agesPending(t *testing.T) *workspace.Workspace {
	t.Helper()
	agesPendingOnce.Do(func() {
		const agesSteps = 2
		agesPendingWS, agesPendingErr = stoppedSample(func(p kpi.RollupProgress) bool { return p.Total > 0 && p.Done >= p.Total-agesSteps })
	})
	if agesPendingErr != nil {
		t.Fatal(agesPendingErr)
	}
	return agesPendingWS
}

// stoppedSample opens the sample data and builds its rollups until stop
// accepts a progress report: the build is cancelled there, the parts built
// so far kept.
func stoppedSample(stop func(kpi.RollupProgress) bool) (*workspace.Workspace, error) {
	ws, err := workspace.Open(context.Background(), workspace.Options{Now: fixedNow, NoConfig: true})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err = ws.Engine.BuildRollups(ctx, func(p kpi.RollupProgress) {
		if stop(p) {
			cancel()
		}
	})
	if err != nil && ctx.Err() == nil {
		return ws, err
	}
	return ws, nil
}

var (
	agesPendingOnce sync.Once
	agesPendingWS   *workspace.Workspace
	agesPendingErr  error
)

// TestBacklogAgesWithItsCounts: once the long-lived rows are kept, the
// backlog's detail comes whole in one answer, its ages (read from them)
// beside its count, never pending.
func TestBacklogAgesWithItsCounts(t *testing.T) {
	ws := builtSample(t)
	if ws.Engine.ExtrasSlower("backlog", kpi.Slice{}) {
		t.Fatal("ExtrasSlower: the ages are kept with the counts once the build is over")
	}
	m := startedOn(t, ws.Engine, "backlog")
	s := m.asked()
	s.Segment = m.bd.dim
	m, cmd := askPastCache(m, s, "backlog")
	msg := cmd()
	res, ok := msg.(resultMsg)
	if !ok || res.partial || res.err != nil {
		t.Fatalf("answer: %#v, want the whole one", msg)
	}
	next, _ := m.Update(msg)
	m = next.(Model)
	scr := screen(m)
	mustContain(t, scr, "median age", "age 0-1d")
	if strings.Contains(scr, "ages: reading") {
		t.Fatalf("ages pending:\n%s", scr)
	}
}

func mustFilter(t *testing.T, s string) kpi.Filter {
	t.Helper()
	f, err := kpi.ParseFilter(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// startedOn is the explorer at 120×40 on eng with the KPI id selected.
func startedOn(t *testing.T, eng *kpi.Engine, id string) Model {
	t.Helper()
	d := testDeps(t)
	d.Engine = eng
	return selectKPI(id)(started(t, d, 120, 40))
}

// askPastCache asks for id's detail over s past the engine's cache, as a
// slice nobody asked for: the model and the command that answers.
func askPastCache(m Model, s kpi.Slice, id string) (Model, tea.Cmd) {
	m.q.opts = []kpi.Option{kpi.Uncached()}
	m.q.detail.want = ""
	var cmd tea.Cmd
	m.q, cmd = m.q.askDetail(s, id)
	return m, cmd
}
