package live

import (
	"kpiscope/internal/workspace"
)

// finishLater makes in the background what ws deferred when it opened
// (workspace.Finish: the business hours of a large ticket table), then
// makes the workspace Finish returns current, as a reload does, and tells
// the subscribers (Completed): the same data, whose waiting KPIs now have
// values. Nothing happens when ws deferred nothing. A reload replacing ws
// meanwhile, or Close, drops the result.
func (l *Live) finishLater(ws *workspace.Workspace) {
	if !ws.Pending() {
		return
	}
	l.watching.Add(1) // Close waits for it
	go func() {
		defer l.watching.Done()
		nw, err := ws.Finish(l.ctx)
		if err != nil {
			return // ws's waiting KPIs say why (kpi.Engine.WaitingFailed)
		}
		l.complete(ws, nw)
	}()
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
	case closed:
		nw.Close() // ws handed its database over: this closes it
		return
	case cur != ws:
		// A reload replaced ws, which is being retired: its database,
		// now nw's, closes once that is done.
		l.retired.retire(nw, nil)
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
		l.retired.retire(nw, nil)
		return
	}
	l.retired.retire(ws, done) // closes nothing of nw's (handed over)
	l.checkInBackground(nw)
}
