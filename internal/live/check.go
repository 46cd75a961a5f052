package live

import (
	"context"

	"kpiscope/internal/quality"
	"kpiscope/internal/workspace"
)

// check is the data-quality checks of the first data, running in the
// background.
type check struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// stop interrupts the checks and waits for them to return; a nil check is
// none.
func (c *check) stop() {
	if c == nil {
		return
	}
	c.cancel()
	<-c.done
}

// check runs the data-quality checks on ws (as report does, up to
// CheckRows rows) and gives their findings per KPI id: an empty map, never
// the previous data's, when there are none, the data is too big, or the
// checks fail.
func (l *Live) check(ctx context.Context, ws *workspace.Workspace) map[string][]string {
	out := map[string][]string{}
	if l.opt.CheckRows < 0 || ws.Engine.Rows() > l.opt.CheckRows {
		return out
	}
	found, err := quality.Check(ctx, ws.Engine, l.opt.Now())
	if err != nil || len(found) == 0 {
		return out
	}
	return quality.ByKPI(found)
}

// checkInBackground runs the checks of ws, the data just started, without
// delaying its first screen, and tells subscribers what they found unless ws
// was replaced meanwhile. A reload or Close stops them and waits.
func (l *Live) checkInBackground(ws *workspace.Workspace) {
	ctx, cancel := context.WithCancel(l.ctx)
	c := &check{cancel: cancel, done: make(chan struct{})}
	l.mu.Lock()
	if l.closed || l.cur.Workspace != ws {
		l.mu.Unlock()
		cancel()
		return
	}
	l.checks = c
	l.mu.Unlock()
	go func() {
		defer close(c.done)
		defer cancel()
		found := l.check(ctx, ws)
		if len(found) == 0 || ctx.Err() != nil {
			return
		}
		l.publish(func() (Change, bool) {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.closed || l.cur.Workspace != ws || ctx.Err() != nil {
				return Change{}, false
			}
			l.cur.Warnings = found
			return Change{State: l.cur, Kind: Checked}, true
		})
	}()
}
