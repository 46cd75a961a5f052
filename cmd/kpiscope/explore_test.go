package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/internal/live"
	"kpiscope/internal/workspace"
)

// discard is a program that drops what the explorer's background work sends.
type discard struct{}

func (discard) Send(tea.Msg) {}

// waitRollups waits until eng's rollups are built, failing on an error.
func waitRollups(t *testing.T, eng *kpi.Engine) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for p := eng.RollupStatus(); !p.Ready; p = eng.RollupStatus() {
		if p.Err != nil {
			t.Fatalf("rollup build failed: %v", p.Err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("rollups not built within a minute: %+v", p)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The explorer builds the rollups of the data it opened and of every reload
// in the background, and tells the program how far the build got.
func TestExplorerBuildsRollups(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.csv")
	writeFile(t, path, csatTickets(map[string][]int{"chat": {5, 5, 5, 2}, "email": {4, 1}}))
	ctx := context.Background()
	opt := workspace.Options{Sources: []string{path}}
	ws, err := workspace.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ex := newExplorer(ctx, ws, opt, live.Options{Grace: time.Millisecond})
	if ex.deps.RollupStatus == nil {
		t.Fatal("the explorer does not show the rollup build's progress")
	}
	if err := ex.start(discard{}, nil); err != nil {
		t.Fatal(err)
	}
	waitRollups(t, ws.Engine)
	if p := ex.deps.RollupStatus(ws.Engine); !p.Ready {
		t.Fatalf("the program is told %+v, want ready", p)
	}
	if _, err := ex.deps.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	eng := ex.live.Current().Workspace.Engine
	if eng == ws.Engine {
		t.Fatal("`r` kept the data it replaced")
	}
	waitRollups(t, eng)
	ex.close()
}
