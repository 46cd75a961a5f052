package tui

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// TestSoonerUpgradedAsTheBuildGoesOn: a breakdown asked while the
// breakdowns are not built draws its total and trend at once (the sooner
// answer, its segments pending); when the build then builds its level
// while the whole is still on its way, a second sooner answer brings the
// segments at once, with the numbers the built rollups give, before the
// whole; nothing is sent after the whole.
func TestSoonerUpgradedAsTheBuildGoesOn(t *testing.T) {
	ws, err := workspace.Open(context.Background(), workspace.Options{Now: fixedNow, NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	eng := ws.Engine
	// The build paused where the breakdowns begin (every total built),
	// until resume is closed.
	paused, resume := make(chan struct{}), make(chan struct{})
	var pause sync.Once
	built := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		built <- eng.BuildRollups(ctx, func(p kpi.RollupProgress) {
			if p.Stage != "" && p.Stage != "totals" {
				pause.Do(func() { close(paused); <-resume })
			}
		})
	}()
	resumed := false
	t.Cleanup(func() {
		cancel() // the rest of the build is not needed
		if !resumed {
			close(resume)
		}
		<-built
		ws.Close()
	})
	select {
	case <-paused:
	case err := <-built:
		t.Fatalf("the build ended (%v) before the breakdowns", err)
	}

	m := startedOn(t, eng, "csat")
	s := m.asked()
	s.Segment = "channel"
	cut, ok := eng.Sooner(s)
	if !ok {
		t.Fatal("Sooner: no sooner slice while the breakdowns are not built")
	}
	ids := []string{"csat"}
	opts := []kpi.Option{kpi.Uncached()}
	type msg struct {
		sc              *kpi.Scorecard
		err             error
		partial, sooner bool
	}
	got := make(chan msg, 16)
	wholeGo := make(chan struct{})
	work := func(send func(*kpi.Scorecard, error, bool)) {
		<-wholeGo // the whole held back until the upgrade came
		sc, err := eng.Compute(context.Background(), s, ids, opts...)
		send(sc, err, false)
	}
	go soonerFirst(context.Background(), eng, cut, false, nil, detailQuery, ids, opts, work, func() {})(
		func(sc *kpi.Scorecard, err error, partial bool) { got <- msg{sc, err, partial, false} },
		func(sc *kpi.Scorecard, _ bool) { got <- msg{sc, nil, true, true} })
	next := func(what string) msg {
		t.Helper()
		select {
		case g := <-got:
			return g
		case <-time.After(2 * time.Minute):
			t.Fatalf("no %s", what)
		}
		return msg{}
	}

	first := next("first sooner answer")
	r := first.sc.Find("csat")
	if !first.sooner || r == nil || r.Total.Value == nil || len(r.Segments) != 0 || !errors.Is(r.SegmentErr, kpi.ErrNotIndexed) {
		t.Fatalf("first answer %+v (csat %+v): want the sooner total without its segments", first, r)
	}
	close(resume)
	resumed = true
	up := next("upgraded sooner answer")
	u := up.sc.Find("csat")
	if !up.sooner || u == nil || u.SegmentErr != nil || len(u.Segments) == 0 {
		t.Fatalf("second answer %+v (csat %+v): want the sooner answer with its segments", up, u)
	}
	if *u.Total.Value != *r.Total.Value {
		t.Fatalf("upgraded total %v, first %v", *u.Total.Value, *r.Total.Value)
	}
	close(wholeGo)
	whole := next("whole answer")
	w := whole.sc.Find("csat")
	if whole.partial || whole.err != nil || w == nil || len(w.Segments) != len(u.Segments) {
		t.Fatalf("whole answer %+v (csat %+v), upgraded %d segments", whole, w, len(u.Segments))
	}
	for i, sg := range u.Segments {
		ws := w.Segments[i]
		if ws.Segment != sg.Segment || ws.N != sg.N || *ws.Value != *sg.Value || (ws.Compare == nil) != (sg.Compare == nil) ||
			ws.Compare != nil && *ws.Compare.Value != *sg.Compare.Value {
			t.Fatalf("segment %s: whole %v (n %v), upgraded %v (n %v)", sg.Segment, *ws.Value, ws.N, *sg.Value, sg.N)
		}
	}
	select {
	case g := <-got:
		t.Fatalf("an answer after the whole: %+v", g)
	case <-time.After(3 * upgradePoll):
	}
}

// TestCutBreakdownSegmentsBeforeOlderMonths: a quarter's breakdown asked
// before any breakdown is built, its trend reaching past the latest
// thirteen months: the total and latest quarters come from the rollups at
// once (segments pending), then the segments of the current and
// comparison quarters from the rows (the trend still cut), then the whole,
// with the same segments.
func TestCutBreakdownSegmentsBeforeOlderMonths(t *testing.T) {
	m := startedOn(t, totalsOnly(t).Engine, "csat")
	s := m.asked()
	s.Grain, s.Segment = kpi.Quarter, "channel"
	m, cmd := askPastCache(m, s, "csat")
	res, ok := cmd().(resultMsg)
	if !ok || !res.sooner || !res.cut || res.err != nil {
		t.Fatalf("first answer: %#v, want the sooner one, its trend cut", res)
	}
	next, _ := m.Update(res)
	m = next.(Model)
	mustContain(t, screen(m), "breaking CSAT down by channel", "older quarters: reading the rows while indexing")
	first := m.q.detail.shown.Find("csat")
	if first == nil || first.Total.Value == nil || len(first.Segments) != 0 || !errors.Is(first.SegmentErr, kpi.ErrNotIndexed) {
		t.Fatalf("sooner CSAT %+v", first)
	}
	res, ok = res.next().(resultMsg)
	if !ok || !res.sooner || !res.cut || res.err != nil {
		t.Fatalf("second answer: %#v, want the sooner one with the segments, its trend cut", res)
	}
	next, _ = m.Update(res)
	m = next.(Model)
	scr := screen(m)
	mustContain(t, scr, "By channel", "older quarters: reading the rows while indexing")
	mid := m.q.detail.shown.Find("csat")
	if mid == nil || mid.SegmentErr != nil || len(mid.Segments) == 0 || *mid.Total.Value != *first.Total.Value || len(mid.Trend) != len(first.Trend) {
		t.Fatalf("segments' answer %+v, first %+v", mid, first)
	}
	m = settle(m, res.next)
	if scr := screen(m); m.q.detail.loading || m.q.detail.sooner || !m.q.detail.current() {
		t.Fatalf("still pending after the whole:\n%s", scr)
	}
	whole := m.q.detail.shown.Find("csat")
	if whole == nil || len(whole.Segments) != len(mid.Segments) || len(whole.Trend) <= len(mid.Trend) {
		t.Fatalf("whole %+v, segments' answer %+v", whole, mid)
	}
	for i, sg := range mid.Segments {
		w := whole.Segments[i]
		if w.Segment != sg.Segment || w.N != sg.N || *w.Value != *sg.Value || *w.Compare.Value != *sg.Compare.Value {
			t.Fatalf("segment %s: whole %v vs %v, segments' answer %v vs %v", sg.Segment, *w.Value, *w.Compare.Value, *sg.Value, *sg.Compare.Value)
		}
	}
}
