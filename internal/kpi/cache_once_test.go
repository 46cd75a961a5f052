package kpi

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// TestCacheRunsIdenticalRequestsOnce: sessions asking for the same slice
// while it is being computed wait for that computation instead of starting
// their own (twenty SSH sessions opening on the same screen cost one set of
// queries), and each gets its own copy of the one result.
func TestCacheRunsIdenticalRequestsOnce(t *testing.T) {
	const n = 8
	c := newCache(8)
	events := make(chan string, 2*n)
	c.joined = func() { events <- "joined" }
	release := make(chan struct{})
	var calls atomic.Int32
	compute := func(context.Context) (*Scorecard, error) {
		calls.Add(1)
		events <- "computing"
		<-release
		return &Scorecard{Results: []Result{{Segments: []Row{{Segment: "a"}, {Segment: "b"}}}}}, nil
	}
	got := make([]*Scorecard, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = c.do(t.Context(), "same", compute) })
	}
	// Every caller has either started computing or joined one in progress
	// before any computation ends.
	for range n {
		<-events
	}
	close(release)
	wg.Wait()
	if k := calls.Load(); k != 1 {
		t.Errorf("%d identical concurrent requests computed %d times, want once", n, k)
	}
	for i := range n {
		if errs[i] != nil || got[i] == nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
	}
	got[0].Results[0].Segments[0].Segment = "changed"
	for i := 1; i < n; i++ {
		if got[i] == got[0] || got[i].Results[0].Segments[0].Segment != "a" {
			t.Errorf("caller %d shares caller 0's result instead of a copy", i)
		}
	}
}
