package live

import (
	"context"
	"sync"

	"kpiscope/internal/workspace"
)

// rollups runs the rollup builds (kpi.Engine.BuildRollups) of the
// workspaces a Live serves, each in the background: a build stops when its
// workspace is replaced (stop) or the Live closes (close). One-shot commands
// (report, check) build none: they answer once, and a build would only delay
// them.
type rollups struct {
	ctx     context.Context
	mu      sync.Mutex
	closed  bool
	running map[*workspace.Workspace]*build
	wg      sync.WaitGroup
}

// build is one running build.
type build struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when the build returned
}

// newRollups makes a rollups whose builds also stop when ctx ends.
func newRollups(ctx context.Context) *rollups {
	return &rollups{ctx: ctx, running: map[*workspace.Workspace]*build{}}
}

// start builds ws's rollups in the background. Before it returns, queries
// on ws are set to wait for the totals being built rather than read the same
// rows at the same time (kpi.Engine.PrepareRollups; on data of up to
// kpi.RawFirstRows rows the other way round: the first screen reads the raw
// rows and the build waits for it); they read the raw rows for the rest
// until it is built. The engine reports the progress and any
// failure itself (RollupStatus). Starting a workspace twice, or after close,
// does nothing.
func (r *rollups) start(ws *workspace.Workspace) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.running[ws] != nil || ws.Warehouse != nil {
		return // a warehouse aggregates its own rows: nothing to build
	}
	ws.Engine.PrepareRollups() // a prepared engine must build: the queries wait for it (or, on small data, it for the first screen's)
	ctx, cancel := context.WithCancel(r.ctx)
	b := &build{cancel: cancel, done: make(chan struct{})}
	r.running[ws] = b
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(b.done)
		if ws.Engine.BuildRollups(ctx, nil) == nil { // kept in the engine's RollupStatus
			ws.Engine.PrefillPeriods(ctx) // the distinct counts' periods, at every grain
			ws.Engine.PrefillAges(ctx)    // the backlog's ages at every period's end (large tables)
		}
		r.mu.Lock()
		if r.running[ws] == b {
			delete(r.running, ws)
		}
		r.mu.Unlock()
		cancel()
	}()
}

// stop stops ws's build, if one runs, without waiting for it: the build's
// queries are interrupted. The channel closes once the build has returned
// (at once when none ran), for whoever closes ws.
func (r *rollups) stop(ws *workspace.Workspace) <-chan struct{} {
	return stopRun(&r.mu, r.running, ws)
}

// stopRun takes ws's run out of running (under mu) and stops it without
// waiting: the channel closes once it returned, at once when none ran.
func stopRun(mu *sync.Mutex, running map[*workspace.Workspace]*build, ws *workspace.Workspace) <-chan struct{} {
	mu.Lock()
	b := running[ws]
	delete(running, ws)
	mu.Unlock()
	if b == nil {
		return closed
	}
	b.cancel()
	return b.done
}

// close stops every build and waits for them to return, so that their
// workspaces can be closed.
func (r *rollups) close() {
	r.mu.Lock()
	r.closed = true
	for ws, b := range r.running {
		b.cancel()
		delete(r.running, ws)
	}
	r.mu.Unlock()
	r.wg.Wait()
}
