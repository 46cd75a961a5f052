package live

import (
	"context"
	"time"

	"kpiscope/internal/workspace"
)

// finishLater makes in the background what ws deferred when it opened
// (workspace.Finish: the business hours of a large ticket table), then
// makes the workspace Finish returns current, as a reload does, and tells
// the subscribers (Completed): the same data, whose waiting KPIs now have
// values. Nothing happens when ws deferred nothing, or after Close. A
// reload replacing ws stops it (stopFinish), and waits for it before
// closing ws.
func (l *Live) finishLater(ws *workspace.Workspace) {
	if !ws.Pending() {
		return
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(l.ctx)
	b := &build{cancel: cancel, done: make(chan struct{})}
	if l.finishing == nil {
		l.finishing = map[*workspace.Workspace]*build{}
	}
	l.finishing[ws] = b
	l.watching.Add(1) // Close waits for it: added before Close can wait
	l.mu.Unlock()
	go func() {
		defer l.watching.Done()
		defer close(b.done)
		defer cancel()
		began := time.Now()
		nw, err := ws.Finish(ctx)
		l.mu.Lock()
		if l.finishing[ws] == b {
			delete(l.finishing, ws)
		}
		l.mu.Unlock()
		if l.opt.Finished != nil && ctx.Err() == nil {
			l.opt.Finished(nw, time.Since(began), err)
		}
		if err != nil {
			if ctx.Err() == nil {
				// ws's waiting KPIs say why (kpi.Engine.WaitingFailed);
				// the others are indexed now, as they would have been.
				l.rollups.start(ws)
			}
			return
		}
		l.complete(ws, nw)
	}()
}

// startRollups builds ws's rollups in the background (rollups.start),
// unless its ticket KPIs wait for what it deferred: the workspace replacing
// it indexes every table, those that did not wait too, and indexing them
// twice would only slow down what they wait for (at 10M tickets the whole
// first screen came 2 s later). Until then the other tables' KPIs read
// their rows, a few thousand of them in the sample's model.
func (l *Live) startRollups(ws *workspace.Workspace) {
	if !ws.Pending() {
		l.rollups.start(ws)
	}
}

// stopFinish stops making what ws deferred, if that runs, without waiting:
// the channel closes once it returned (at once when nothing ran), for
// whoever closes ws.
func (l *Live) stopFinish(ws *workspace.Workspace) <-chan struct{} {
	return stopRun(&l.mu, l.finishing, ws)
}

// complete makes nw, the workspace ws's Finish returned, current in ws's
// place.
func (l *Live) complete(ws, nw *workspace.Workspace) {
	l.loading.Lock() // not beside a reload
	defer l.loading.Unlock()
	l.mu.Lock()
	closed, cur := l.closed, l.cur.Workspace
	l.mu.Unlock()
	switch {
	case closed, cur != ws:
		// Close, or a reload replacing ws, came as Finish ended: ws takes
		// its database back and closes it, once its build has stopped (Close
		// closes the current workspace last; a reload retires ws after this
		// returns).
		ws.TakeBack(nw)
		return
	}
	if l.opt.Lock != nil {
		// The database is ws's, locked already; this reads each table once
		// more, the view included. A table it cannot read fails its KPIs'
		// queries with the reason, as they would have failed anyway.
		_ = l.opt.Lock(l.ctx, nw)
	}
	// The waiting engine's build ends before nw's starts: both write the
	// rollups of the tables that did not wait, under the same names.
	<-l.rollups.stop(ws)
	l.mu.Lock()
	checks := l.checks
	l.checks = nil
	l.mu.Unlock()
	checks.stop()
	l.rollups.start(nw)
	var swapped bool
	done := l.publish(func() (Change, bool) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.closed || l.cur.Workspace != ws {
			return Change{}, false
		}
		l.cur.Workspace = nw // the same data: its load time, warnings and failed reload stay
		swapped = true
		return Change{State: l.cur, Kind: Completed}, true
	})
	if !swapped {
		<-l.rollups.stop(nw)
		ws.TakeBack(nw) // closed with ws: at Close
		return
	}
	l.retired.retire(ws, done) // closes nothing of nw's (handed over)
	l.checkInBackground(nw)
}
