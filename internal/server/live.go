package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/watch"
	"kpiscope/internal/workspace"
)

// DefaultRetireGrace is how long a replaced workspace stays open after every
// session took its successor: a query a session started on the old engine
// just before finishes there (Close also waits for running queries).
const DefaultRetireGrace = 5 * time.Second

// LiveOptions say how Live reloads the data and what it tells sessions.
type LiveOptions struct {
	// Open loads the data again, from the same config and files. Live locks
	// the result as the first workspace was locked.
	Open func(ctx context.Context) (*workspace.Workspace, error)
	// Reloaded is the message that hands a running session the new data,
	// loaded at at. It must not block: no session starts while it runs.
	Reloaded func(ws *workspace.Workspace, at time.Time) tea.Msg
	// Failed is the message that tells running sessions a reload failed and
	// they keep the previous data.
	Failed func(ev watch.Event) tea.Msg
	// Grace defaults to DefaultRetireGrace.
	Grace time.Duration
	// Settle is how long changed files must stop changing before a reload
	// (watch.Watcher.SetSettle); 0 is the watcher's default.
	Settle time.Duration
}

// Live is the data a server's sessions read, kept fresh. New sessions are
// built from Current; Reload (or Watch, when files change) loads and locks a
// new workspace, makes it current and sends every running session the
// Reloaded message, so each keeps its own slice and recomputes on the new
// engine. Each workspace's rollups are built in the background while it is
// current. The replaced workspace stops building and is closed once every
// session has taken the message (or ended) and a grace period has passed.
type Live struct {
	srv *Server
	opt LiveOptions

	loading sync.Mutex // one reload at a time
	mu      sync.Mutex
	cur     *workspace.Workspace
	at      time.Time
	closed  bool
	pin     bool // set by Watch: every workspace is pinned before it is locked
	retired *workspace.Retirer
	rollups *workspace.Rollups

	stopWatch context.CancelFunc // set by Watch
	watching  sync.WaitGroup
}

// NewLive serves ws, loaded at loaded and already locked, to srv's sessions,
// and starts building its rollups. Live owns ws from now on: Close closes it.
func NewLive(srv *Server, ws *workspace.Workspace, loaded time.Time, opt LiveOptions) *Live {
	if opt.Grace <= 0 {
		opt.Grace = DefaultRetireGrace
	}
	l := &Live{srv: srv, opt: opt, cur: ws, at: loaded, retired: workspace.NewRetirer(opt.Grace),
		rollups: workspace.NewRollups(context.Background())}
	l.rollups.Start(ws)
	return l
}

// Current is the workspace to build a new session's model from, and when it
// was loaded.
func (l *Live) Current() (*workspace.Workspace, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur, l.at
}

// errClosed is returned by a reload that finished after Close.
var errClosed = errors.New("server: the data is closed")

// Reload loads, locks and swaps in new data, telling every running session.
// On error the current data stays.
func (l *Live) Reload(ctx context.Context) error {
	if l.opt.Open == nil {
		return errors.New("server: no way to reload the data")
	}
	l.loading.Lock()
	defer l.loading.Unlock()
	ws, err := l.opt.Open(ctx)
	if err != nil {
		return err
	}
	l.mu.Lock()
	pin, prev := l.pin, l.cur
	l.mu.Unlock()
	if pin {
		if err := ws.Pin(ctx, prev); err != nil {
			ws.Close()
			return err
		}
	}
	ws.Compare(prev) // a table that shrank sharply: ws.Warnings
	if err := Lock(ctx, ws); err != nil {
		ws.Close()
		return fmt.Errorf("lock the reloaded data: %w", err)
	}
	at := time.Now()
	var old *workspace.Workspace
	done := l.srv.Broadcast(func() tea.Msg {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.closed {
			return nil
		}
		old, l.cur, l.at = l.cur, ws, at
		if l.opt.Reloaded == nil {
			return nil
		}
		return l.opt.Reloaded(ws, at)
	})
	if old == nil {
		ws.Close()
		return errClosed
	}
	l.rollups.Start(ws)
	l.rollups.Stop(old)
	l.retired.Retire(old, done)
	return nil
}

// Watch reloads in the background whenever one of paths (as listed by
// watch.Paths) changes, until ctx ends or Live closes; debounce 0 is the
// watcher's default. A failed reload leaves the data as it was and sends
// running sessions the Failed message. logf, if not nil, is told every
// reload's outcome.
//
// Watched data is pinned (workspace.Pin): sessions read private copies of
// the Parquet files, so a file broken under them fails the reload and
// nothing else. The current workspace, locked before it was handed over,
// cannot be pinned in place: when it reads Parquet files, Watch first loads
// the data again, pinned, and swaps it in.
func (l *Live) Watch(ctx context.Context, paths []string, debounce time.Duration, logf func(watch.Event)) error {
	w, err := watch.New(paths, debounce, l.Reload)
	if err != nil {
		return err
	}
	w.SetSettle(l.opt.Settle)
	l.mu.Lock()
	if l.closed || l.stopWatch != nil {
		l.mu.Unlock()
		w.Close()
		return errors.New("server: Watch called twice or after Close")
	}
	l.pin = true
	cur := l.cur
	l.mu.Unlock()
	if !cur.Pinned() {
		if err := l.Reload(ctx); err != nil {
			w.Close()
			return fmt.Errorf("pin the data before watching it: %w", err)
		}
	}
	ctx, stop := context.WithCancel(ctx)
	l.mu.Lock()
	if l.closed || l.stopWatch != nil {
		l.mu.Unlock()
		stop()
		w.Close()
		return errors.New("server: Watch called twice or after Close")
	}
	l.stopWatch = stop
	l.watching.Add(2)
	l.mu.Unlock()
	go func() {
		defer l.watching.Done()
		_ = w.Run(ctx)
	}()
	go func() {
		defer l.watching.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-w.Events():
				if logf != nil {
					logf(ev)
				}
				if ev.Err != nil && l.opt.Failed != nil && !errors.Is(ev.Err, errClosed) {
					l.srv.Broadcast(func() tea.Msg { return l.opt.Failed(ev) })
				}
			}
		}
	}()
	return nil
}

// Close stops watching and closes the current workspace and every replaced
// one. Call it after the server has shut down: sessions still open lose
// their data.
func (l *Live) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	stop := l.stopWatch
	l.mu.Unlock()
	if stop != nil {
		stop()
		l.watching.Wait() // a reload in flight sees closed and drops its data
	}
	l.rollups.Close()
	l.retired.Close()
	l.mu.Lock()
	cur := l.cur
	l.mu.Unlock()
	return cur.Close()
}
