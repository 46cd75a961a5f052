package workspace

import (
	"context"
	"testing"
	"time"
)

func openTestSample(t *testing.T) *Workspace {
	t.Helper()
	ws, err := Open(context.Background(), Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// A started build runs to the end in the background; after Close nothing
// starts, and every build has returned (so the workspaces can be closed).
func TestRollupsBuildInTheBackground(t *testing.T) {
	ws := openTestSample(t)
	r := NewRollups(context.Background())
	r.Start(ws)
	r.Start(ws) // a second start is a no-op
	deadline := time.Now().Add(2 * time.Minute)
	for p := ws.Engine.RollupStatus(); !p.Ready; p = ws.Engine.RollupStatus() {
		if p.Err != nil {
			t.Fatalf("build failed: %v", p.Err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("rollups not ready after 2 minutes: %+v", p)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.Stop(ws) // after the end: harmless
	r.Close()
	r.Close()

	late := openTestSample(t)
	r.Start(late)
	if p := late.Engine.RollupStatus(); p.Total != 0 || p.Ready {
		t.Fatalf("a build started after Close: %+v", p)
	}
}

// Stop and Close interrupt a build: Close returns once it has.
func TestRollupsStopOnClose(t *testing.T) {
	ws := openTestSample(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := NewRollups(ctx)
	cancel() // the program ended before the build began
	r.Start(ws)
	r.Close()
	if p := ws.Engine.RollupStatus(); p.Ready || p.Err != nil {
		t.Fatalf("a build under an ended context: %+v", p)
	}
}
