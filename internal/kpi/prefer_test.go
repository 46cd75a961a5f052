package kpi_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// TestPreferredBreakdownsBuiltNext: the breakdowns of the KPI a user looks
// at (Engine.Prefer) are built right after the first screen's totals, and
// a new preference during the build is taken once the older totals are:
// the sample paused as each breakdown step of the latest months ends, the
// preferred KPI's breakdown is answered by the index, the other's not yet.
func TestPreferredBreakdownsBuiltNext(t *testing.T) {
	ctx := context.Background()
	b := openPausedBuild(t)
	eng := b.ws.Engine
	// NPS (the surveys) and first contact resolution (the tickets by
	// resolved date): two groups, built in one order or the other.
	first, second := "nps", "fcr"
	eng.Prefer(first)
	ended := make(chan struct{}, 4) // a breakdown step of the latest months ended
	var mu sync.Mutex
	last := 0 // steps ended (the first screen's are built side by side)
	b.start(func(p kpi.RollupProgress) {
		mu.Lock()
		step := p.Done != last
		last = p.Done
		mu.Unlock()
		if step && p.Stage == "by one and two dimensions" && !p.Older {
			select {
			case ended <- struct{}{}:
			default: // the test is over
			}
			<-b.resume
		}
	})
	wait := func() {
		t.Helper()
		select {
		case <-ended:
		case <-b.done:
			t.Fatalf("the build ended (%v) before a breakdown of the latest months", b.err)
		case <-time.After(2 * time.Minute):
			t.Fatal("no breakdown built")
		}
	}
	indexed := func(id string) bool {
		t.Helper()
		sc, err := eng.Compute(ctx, kpi.Slice{Segment: "region"}, []string{id}, kpi.IndexOnly(), kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		r := sc.Find(id)
		if r == nil {
			t.Fatalf("%s: its total not answered by the index", id)
		}
		if r.SegmentErr != nil && !errors.Is(r.SegmentErr, kpi.ErrNotIndexed) {
			t.Fatalf("%s by region: %v", id, r.SegmentErr)
		}
		return r.SegmentErr == nil && len(r.Segments) > 0
	}
	wait()
	if !indexed(first) || indexed(second) {
		t.Fatalf("the first breakdowns built: %s's %v, %s's %v; want %s's alone", first, indexed(first), second, indexed(second), first)
	}
	eng.Prefer(second)
	b.resume <- struct{}{}
	wait()
	if !indexed(second) {
		t.Fatalf("the next breakdowns built after preferring %s: not its", second)
	}
}
