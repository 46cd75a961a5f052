package tui

import (
	"testing"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
)

// A lens's query turns the explorer's spinner like the scorecard's: busy
// while the grid's numbers are on their way, idle once they came.
func TestLensQueryIsBusy(t *testing.T) {
	d := testDeps(t)
	m := started(t, d, 120, 40)
	m.q.opts = []kpi.Option{kpi.Uncached()} // the key's frame cannot be drawn from the cache
	next, cmd := m.Update(keyMsg("#"))
	m = next.(Model)
	if m.lens == nil || !m.lens.Loading() {
		t.Fatalf("# opened no loading lens: %v", m.lens)
	}
	if !m.busy() {
		t.Fatal("the grid's query is on its way but the explorer is not busy (no spinner)")
	}
	// run the commands and feed back every message (the lens's own too)
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil, spinner.TickMsg:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			next, c2 := m.Update(msg)
			m = next.(Model)
			queue = append(queue, c2)
		}
	}
	if m.busy() {
		t.Fatal("still busy after the grid's numbers came")
	}
	mustContain(t, screen(m), "Total")
}
