// Package live owns the data a long-running program shows: the explorer and
// every SSH session of `kpiscope serve` read it through one Live. It opens
// nothing itself the first time (the caller hands it a loaded workspace), and
// from then on reloads (on request, or when watched files change), pins
// watched data, locks each workspace when asked to, runs the data-quality
// checks, builds the rollups, retires replaced workspaces, and tells its
// subscribers about every change.
package live

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/watch"
	"kpiscope/internal/workspace"
)

// DefaultGrace is how long a replaced workspace stays open after every
// subscriber took its successor: a query started on the old engine just
// before the swap finishes there (Close also waits for running queries).
const DefaultGrace = 5 * time.Second

// DefaultCheckRows is the data size up to which the data-quality checks run
// by default; beyond it they take seconds (`kpiscope check` runs them), as
// report decides.
const DefaultCheckRows = 2_000_000

// Options say how a Live reloads and confines its data.
type Options struct {
	// Open loads the data again, from the same config and files; nil:
	// Reload fails.
	Open func(ctx context.Context) (*workspace.Workspace, error)
	// Lock, when set, confines every workspace before anyone reads it (serve
	// passes server.Lock): the first one in Start, each reload before it is
	// published. Watched data is pinned before it is locked.
	Lock func(ctx context.Context, ws *workspace.Workspace) error
	// Grace defaults to DefaultGrace.
	Grace time.Duration
	// Debounce and Settle are the watcher's (watch.New, SetSettle); 0 is its
	// default.
	Debounce, Settle time.Duration
	// CheckRows is the data size up to which the data-quality checks run (0:
	// DefaultCheckRows; negative: never).
	CheckRows int64
	// Events, when set, is told the outcome of every reload the watcher
	// started (serve logs them). It must not block.
	Events func(watch.Event)
	// Now is the clock of the checks and of the load times (nil: time.Now).
	Now func() time.Time
	// Finished, when set, is told how making what a workspace deferred
	// ended (workspace.Finish: a large ticket table's business hours): the
	// workspace made, or why not (not when a reload or Close stopped it).
	// It must not block.
	Finished func(ws *workspace.Workspace, took time.Duration, err error)
}

// State is the current data and what is known about it.
type State struct {
	Workspace *workspace.Workspace
	// Loaded is when the data was read.
	Loaded time.Time
	// Warnings are the data-quality warnings per KPI id: the checks' findings
	// and, after a reload, the tables that shrank sharply
	// (workspace.Compare). nil until the first data's checks end; a reload's
	// map is never nil, so that handing it on clears the previous warnings.
	// Read-only: subscribers share it.
	Warnings map[string][]string
	// Failed is the latest reload the watcher started that failed since
	// this data was loaded (nil when none did): a view built now must say
	// that the numbers are older than the files.
	Failed *watch.Event
}

// Kind says what a Change changed.
type Kind int

const (
	// Reloaded: new data; the State replaces the engine and the warnings.
	Reloaded Kind = iota + 1
	// Checked: the checks of the current data ended; the State's Warnings
	// replace the warnings shown.
	Checked
	// Failed: a reload the watcher started failed; the State is the data
	// still in use, and Event says why.
	Failed
	// Completed: the same data, with what its workspace deferred now made
	// (workspace.Finish: a large ticket table's business hours); the State
	// replaces the engine, whose waiting KPIs now have values.
	Completed
)

// Change is what subscribers are told.
type Change struct {
	State
	Kind  Kind
	Event watch.Event // the failed reload (Failed)
}

// errClosed is returned by a reload that finished after Close.
var errClosed = errors.New("live: the data is closed")

// Live is the current data of a long-running program. Build what shows the
// data from Current, Subscribe to hear of changes, then Start.
type Live struct {
	opt     Options
	ctx     context.Context // ends at Close: every reload, check and build stops
	cancel  context.CancelFunc
	rollups *rollups
	retired *retirer

	loading sync.Mutex // one reload at a time
	mu      sync.Mutex
	cur     State
	subs    []*subscription
	started bool
	closed  bool
	pin     bool   // watched: every workspace is pinned before it is locked
	checks  *check // the current data's checks running in the background
	// finishing are the workspaces whose deferred part is being made
	// (finishLater), each with how to stop it and when it returned.
	finishing map[*workspace.Workspace]*build

	watching sync.WaitGroup
}

// New makes ws, loaded just now, the current data; nothing runs until Start.
// The Live owns ws from now on: Close closes it (closing it again is
// harmless). Its background work also stops when ctx ends.
func New(ctx context.Context, ws *workspace.Workspace, opt Options) *Live {
	if opt.Grace <= 0 {
		opt.Grace = DefaultGrace
	}
	if opt.CheckRows == 0 {
		opt.CheckRows = DefaultCheckRows
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	ctx, cancel := context.WithCancel(ctx)
	return &Live{opt: opt, ctx: ctx, cancel: cancel, rollups: newRollups(ctx), retired: newRetirer(opt.Grace),
		cur: State{Workspace: ws, Loaded: opt.Now()}}
}

// Current is the data to build a new view from.
func (l *Live) Current() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur
}

// Start readies the current data and starts the background work: when
// paths (as watch.Paths lists them) is not empty the data is pinned
// (workspace.Pin: a file damaged under the program can only fail a reload),
// then locked (Options.Lock); its rollups are built and its checks run in
// the background, and paths are watched, each change reloaded, until Close.
// On error nothing runs; the caller still closes the Live.
func (l *Live) Start(paths []string) error {
	l.mu.Lock()
	if l.closed || l.started {
		l.mu.Unlock()
		return errors.New("live: Start called twice or after Close")
	}
	l.started, l.pin = true, len(paths) > 0
	ws := l.cur.Workspace
	l.mu.Unlock()
	if l.pin {
		if err := ws.Pin(l.ctx, nil); err != nil {
			return err
		}
	}
	if l.opt.Lock != nil {
		if err := l.opt.Lock(l.ctx, ws); err != nil {
			return err
		}
	}
	var w *watch.Watcher
	if len(paths) > 0 {
		var err error
		w, err = watch.New(paths, l.opt.Debounce, func(ctx context.Context) error {
			_, err := l.Reload(ctx)
			return err
		})
		if err != nil {
			return err
		}
		w.SetSettle(l.opt.Settle)
	}
	l.startRollups(ws) // later.go: none while its ticket KPIs wait
	l.checkInBackground(ws)
	l.finishLater(ws) // later.go
	if w != nil {
		l.watch(w)
	}
	return nil
}

// watch runs w until Close and tells subscribers of the reloads that fail.
func (l *Live) watch(w *watch.Watcher) {
	l.watching.Add(2)
	go func() {
		defer l.watching.Done()
		_ = w.Run(l.ctx) // returns only when the Live closes
	}()
	go func() {
		defer l.watching.Done()
		for {
			select {
			case <-l.ctx.Done():
				return
			case ev := <-w.Events():
				if l.opt.Events != nil {
					l.opt.Events(ev)
				}
				if ev.Err != nil && !errors.Is(ev.Err, errClosed) {
					l.publish(func() (Change, bool) {
						l.mu.Lock()
						defer l.mu.Unlock()
						failed := ev
						l.cur.Failed = &failed
						return Change{State: l.cur, Kind: Failed, Event: ev}, !l.closed
					})
				}
			}
		}
	}()
}

// Reload loads the data again (Options.Open), pins it when watched, locks
// it (Options.Lock), notes what shrank sharply, runs the checks (up to
// CheckRows rows) and only then makes it current and tells every
// subscriber, so the warnings arrive with the numbers. The replaced
// workspace stops building its rollups and checking, and is closed once
// every subscriber took the change, its build returned and the grace period
// passed. On error
// the current data stays. Reloads run one at a time; ctx and Close stop one.
func (l *Live) Reload(ctx context.Context) (State, error) {
	if l.opt.Open == nil {
		return State{}, errors.New("live: no way to reload the data")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(l.ctx, cancel)()
	l.loading.Lock()
	defer l.loading.Unlock()
	l.mu.Lock()
	closed, pin, prev := l.closed, l.pin, l.cur.Workspace
	l.mu.Unlock()
	if closed {
		return State{}, errClosed
	}
	ws, err := l.opt.Open(ctx)
	if err != nil {
		return State{}, err
	}
	if err := vanished(prev, ws); err != nil {
		ws.Close()
		return State{}, err
	}
	if pin {
		if err := ws.Pin(ctx, prev); err != nil {
			ws.Close()
			return State{}, err
		}
	}
	ws.Compare(prev) // a table that shrank sharply: ws.Warnings
	if l.opt.Lock != nil {
		if err := l.opt.Lock(ctx, ws); err != nil {
			ws.Close()
			return State{}, fmt.Errorf("lock the reloaded data: %w", err)
		}
	}
	warnings := l.check(ctx, ws)
	for id, w := range ws.Warnings {
		warnings[id] = append(warnings[id], w...)
	}
	if err := ctx.Err(); err != nil {
		ws.Close()
		return State{}, err
	}
	st := State{Workspace: ws, Loaded: l.opt.Now(), Warnings: warnings}
	// Built before anyone queries ws: its queries then wait for the totals
	// rather than read the same rows at the same time.
	l.startRollups(ws) // later.go: none while its ticket KPIs wait
	var old *workspace.Workspace
	var checks *check
	done := l.publish(func() (Change, bool) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.closed {
			return Change{}, false
		}
		old, checks, l.cur, l.checks = l.cur.Workspace, l.checks, st, nil
		return Change{State: st, Kind: Reloaded}, true
	})
	if old == nil {
		<-l.rollups.stop(ws)
		ws.Close()
		return State{}, errClosed
	}
	checks.stop()
	// Closed once every subscriber moved on and its rollup build returned.
	l.retired.retire(old, all(done, l.rollups.stop(old), l.stopFinish(old)))
	l.finishLater(ws) // later.go
	return st, nil
}

// Close stops watching, every reload, check and rollup build, and closes
// the current workspace and every replaced one. A server calls it after its
// sessions ended: sessions still open lose their data.
func (l *Live) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	checks := l.checks
	l.mu.Unlock()
	l.cancel()
	l.watching.Wait()
	l.loading.Lock() // a reload in flight sees closed and drops its data
	l.loading.Unlock()
	checks.stop()
	l.rollups.close()
	l.retired.close()
	return l.Current().Workspace.Close()
}

// vanished refuses new data that lacks a table the current data has (a file
// deleted from a folder source): its KPIs would leave the screen without a
// word. The previous data stays, with the reload's warning, until the file
// is back or the program restarts.
func vanished(prev, ws *workspace.Workspace) error {
	if prev == nil {
		return nil
	}
	now := map[string]bool{}
	for _, t := range ws.Tables {
		now[t.Name] = true
	}
	var gone []string
	for _, t := range prev.Tables {
		if !now[t.Name] {
			g := t.Name
			if len(t.Files) == 1 {
				g += " (" + filepath.Base(t.Files[0]) + ")"
			}
			gone = append(gone, g)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	what := "table " + gone[0] + " is"
	if len(gone) > 1 {
		what = "tables " + cmdline.List(gone, 5) + " are"
	}
	return fmt.Errorf("%s gone from the data: put the file back, or restart to go on without it", what)
}
