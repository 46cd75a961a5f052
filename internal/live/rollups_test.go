package live

import (
	"context"
	"testing"
	"time"

	"kpiscope/internal/workspace"
)

func openTestSample(t *testing.T) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Open(context.Background(), workspace.Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// A started build runs to the end in the background; after close nothing
// starts, and every build has returned (so the workspaces can be closed).
func TestRollupsBuildInTheBackground(t *testing.T) {
	ws := openTestSample(t)
	r := newRollups(context.Background())
	r.start(ws)
	r.start(ws) // a second start is a no-op
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
	r.stop(ws) // after the end: harmless
	r.close()
	r.close()

	late := openTestSample(t)
	r.start(late)
	if p := late.Engine.RollupStatus(); p.Total != 0 || p.Ready {
		t.Fatalf("a build started after close: %+v", p)
	}
}

// stop and close interrupt a build: close returns once it has.
func TestRollupsStopOnClose(t *testing.T) {
	ws := openTestSample(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := newRollups(ctx)
	cancel() // the program ended before the build began
	r.start(ws)
	r.close()
	if p := ws.Engine.RollupStatus(); p.Ready || p.Err != nil {
		t.Fatalf("a build under an ended context: %+v", p)
	}
}

// stop interrupts a running build, and its channel says when the build has
// returned, so that a replaced workspace is closed after it.
func TestRollupsStopSaysWhenTheBuildReturned(t *testing.T) {
	ws := openTestSample(t)
	r := newRollups(context.Background())
	defer r.close()
	r.start(ws)
	select {
	case <-r.stop(ws):
	case <-time.After(2 * time.Minute):
		t.Fatal("the stopped build never returned")
	}
	if p := ws.Engine.RollupStatus(); p.Ready {
		t.Skip("the build finished before stop reached it")
	}
	select {
	case <-r.stop(ws): // nothing runs: closed at once
	default:
		t.Fatal("stop without a build did not say so at once")
	}
}
