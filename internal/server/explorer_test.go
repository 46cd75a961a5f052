package server_test

import (
	"strings"
	"sync"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/server"
)

// The real explorer over SSH: an allowed key sees the scorecard with the
// numbers the engine computes for the same slice.
func TestExplorerShowsScorecard(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{}, explorer, key)
	value, _ := expected(t, kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, "csat")
	c := ts.open(t, "alice", key, termOpts{})
	text := c.waitFor("CSAT with its value", waitLong, func(s string) bool {
		return strings.Contains(kpiLine(s, "CSAT"), value)
	})
	if !strings.ContainsAny(text, "●◐○") {
		t.Errorf("no status symbol on screen:\n%s", text)
	}
	c.press("q")
	if code := c.waitEnd(waitLong); code != 0 {
		t.Errorf("exit status after q = %d, want 0", code)
	}
	_, alt, _ := c.scr.state()
	if alt {
		t.Error("the terminal was left in the alternate screen after quitting")
	}
}

// Slicing with the explorer's own keys: g cycles the grain (month → quarter),
// c cycles the comparison (previous period → same period last year).
func TestExplorerSlicesWithKeys(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{}, explorer, key)
	month, _ := expected(t, kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, "csat")
	quarter, title := expected(t, kpi.Slice{Grain: kpi.Quarter, Compare: kpi.VsPrevious}, "csat")
	// The latest quarter may hold only the latest month so far (its CSAT the
	// month's): the header's period, as the report's title names it, tells
	// them apart ("Q4 2026 (quarter, to 31 Oct)").
	var qPeriod string
	for _, part := range strings.Split(title, " · ") {
		if strings.Contains(part, "(quarter") {
			qPeriod = part
		}
	}
	if qPeriod == "" {
		t.Fatalf("no quarter in the report's title %q", title)
	}
	c := ts.open(t, "alice", key, termOpts{})
	c.waitFor("monthly CSAT", waitLong, func(s string) bool {
		return strings.Contains(kpiLine(s, "CSAT"), month) && strings.Contains(s, "(month")
	})
	c.press("g")
	c.waitFor("quarterly CSAT after g", waitLong, func(s string) bool {
		return strings.Contains(kpiLine(s, "CSAT"), quarter) && strings.Contains(s, qPeriod)
	})
	c.press("c")
	c.waitFor("comparison against last year after c", waitLong, func(s string) bool {
		return strings.Contains(s, "last year") || strings.Contains(s, "Q3 2025") || strings.Contains(s, "2025-Q3")
	})
}

// Twenty real explorers at once: each sees the scorecard with the right
// numbers, and each slices on its own.
func TestExplorerTwentySessions(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{}, explorer, key)
	month, _ := expected(t, kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, "csat")
	quarter, _ := expected(t, kpi.Slice{Grain: kpi.Quarter, Compare: kpi.VsPrevious}, "csat")
	clients := make([]*termClient, 20)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := ts.openErr(t, "analyst", key, termOpts{})
			if err != nil {
				t.Errorf("session %d: %v", i, err)
				return
			}
			clients[i] = c
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, c := range clients {
		c.waitFor("monthly CSAT", waitLong, func(s string) bool { return strings.Contains(kpiLine(s, "CSAT"), month) })
	}
	if got := ts.Sessions(); got != 20 {
		t.Errorf("Sessions() = %d, want 20", got)
	}
	// Odd sessions switch to quarters; even ones stay on months.
	for i := 1; i < len(clients); i += 2 {
		clients[i].press("g")
	}
	for i, c := range clients {
		want := month
		if i%2 == 1 {
			want = quarter
		}
		c.waitFor("its own CSAT", waitLong, func(s string) bool { return strings.Contains(kpiLine(s, "CSAT"), want) })
	}
}
