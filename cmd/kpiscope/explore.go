package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"kpiscope/internal/inspect"
	"kpiscope/internal/kpi"
	"kpiscope/internal/watch"
	"kpiscope/internal/workspace"
	"kpiscope/tui"
)

func init() {
	rootHooks = append(rootHooks, func(c *cobra.Command) {
		c.Flags().Bool("watch", false, "reload in the background when the source files or the config change")
		c.Flags().Duration("query-timeout", 0, "stop a query after this long (0: never); the first screen is never stopped")
	})
}

// retireGrace is how long a replaced workspace stays open after its
// successor was handed to the program: queries the program started on the
// old engine just before the swap finish on it (Close waits for running
// queries; this covers the ones about to start).
const retireGrace = 5 * time.Second

// runExplorer runs the interactive explorer on an opened workspace until the
// user quits. The caller closes ws afterwards; workspaces opened by `r` or
// --watch are closed here, and so is ws once it has been replaced (closing a
// workspace twice is harmless).
func runExplorer(cmd *cobra.Command, ws *workspace.Workspace) error {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	watching, _ := cmd.Flags().GetBool("watch")            // false when the hook did not run
	timeout, _ := cmd.Flags().GetDuration("query-timeout") // 0 when the hook did not run
	if timeout < 0 {
		return fmt.Errorf("--query-timeout %s: give a duration such as 30s, or 0 for no limit", timeout)
	}
	ex := newExplorer(ctx, ws, reopenOptions(cmd), retireGrace)
	ex.deps.QueryTimeout = timeout
	defer ex.close()
	var paths []string
	if watching {
		paths = ex.watchPaths(cmd.Flags().Args())
	}
	p := tea.NewProgram(tui.New(ex.deps), tea.WithContext(ctx))
	if err := ex.start(p, paths, 0); err != nil {
		return err
	}
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("explorer: %w", err)
	}
	return nil
}

// sender is what the explorer's background work talks to: a *tea.Program,
// or a test's program.
type sender interface{ Send(tea.Msg) }

// explorer is the wiring around one explorer program: the data-quality
// checks and the rollup build after start, reloads (`r` and --watch) and
// closing the workspaces they replace.
type explorer struct {
	ctx  context.Context
	deps tui.Deps
	rel  *reloader
	// settle is how long changed files must stop changing before a reload;
	// 0 is the watcher's default (tests shorten it).
	settle time.Duration
	stop   context.CancelFunc // ends the watcher
	done   chan struct{}      // closed when the watcher's goroutines ended
}

// newExplorer prepares the explorer's dependencies for ws; nothing runs
// until start.
func newExplorer(ctx context.Context, ws *workspace.Workspace, opt workspace.Options, grace time.Duration) *explorer {
	r := newReloader(ctx, opt, ws, grace)
	ex := &explorer{ctx: ctx, rel: r}
	ex.deps = tui.Deps{
		Engine:       ws.Engine,
		Banner:       ws.Banner,
		Reload:       r.reload,
		Context:      ctx,
		RollupStatus: (*kpi.Engine).RollupStatus,
	}
	if ex.deps.Banner == "" && ws.Inferred {
		ex.deps.Banner = "KPIs inferred from column names with default targets; run `kpiscope init` to write a kpiscope.yaml you can edit"
	}
	return ex
}

// watchPaths lists the files --watch follows and marks the header with the
// time the data was read; with nothing to watch (the built-in sample) the
// banner says so instead.
func (ex *explorer) watchPaths(sources []string) []string {
	paths := watch.Paths(ex.rel.current(), sources)
	if len(paths) == 0 {
		note := "--watch: nothing to watch, the built-in sample data never changes; give files or a kpiscope.yaml"
		if ex.deps.Banner != "" {
			note = ex.deps.Banner + " · " + note
		}
		ex.deps.Banner = note
		return nil
	}
	ex.deps.Refreshed = time.Now()
	return paths
}

// start builds the engine's rollups and runs the data-quality checks in the
// background and, when paths is not empty, watches them (debounce 0 = the
// watcher's default), handing every reload to p. Watched data is pinned
// first, and so is every reload: the numbers shown never depend on a file
// that can break under them (workspace.Pin). The model p runs must have been
// built from ex.deps.
func (ex *explorer) start(p sender, paths []string, debounce time.Duration) error {
	if len(paths) > 0 {
		if err := ex.rel.current().Pin(ex.ctx, nil); err != nil {
			return fmt.Errorf("--watch: %w", err)
		}
		ex.rel.pin = true
	}
	ex.rel.rollups.Start(ex.rel.current())
	ex.rel.opened = func(w *workspace.Workspace) { go ex.checkData(p, w) }
	if len(paths) == 0 {
		go ex.checkData(p, ex.rel.current())
		return nil
	}
	w, err := watch.New(paths, debounce, func(ctx context.Context) error { return ex.rel.reloadWatched(ctx, p) })
	if err != nil {
		return fmt.Errorf("--watch: %w", err)
	}
	w.SetSettle(ex.settle)
	go ex.checkData(p, ex.rel.current())
	ctx, stop := context.WithCancel(ex.ctx)
	ex.stop, ex.done = stop, make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_ = w.Run(ctx) // returns only when ctx ends
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-w.Events():
				if ev.Err != nil {
					p.Send(tui.EngineMsg{Err: reloadError(ev), Refreshed: ev.At})
				}
			}
		}
	}()
	go func() { wg.Wait(); close(ex.done) }()
	return nil
}

// close stops watching and the rollup builds and closes every workspace
// opened here.
func (ex *explorer) close() {
	if ex.stop != nil {
		ex.stop()
		<-ex.done
	}
	ex.rel.close()
}

// reloadError is why a reload failed, fit for the explorer's footer: the
// watcher's "still showing the previous data" is left to the explorer, and
// the changed files are named as the user would (relative to the current
// directory, or by base name) rather than by absolute path.
func reloadError(ev watch.Event) error {
	if len(ev.Changed) == 0 {
		return ev.Err // a watching problem, not a reload
	}
	inner := errors.Unwrap(ev.Err)
	if inner == nil {
		inner = ev.Err
	}
	msg := inner.Error()
	cwd, _ := os.Getwd()
	var names []string
	for _, f := range ev.Changed {
		short := filepath.Base(f)
		if rel, err := filepath.Rel(cwd, f); err == nil && cwd != "" && !strings.HasPrefix(rel, "..") {
			short = rel
		}
		msg = strings.ReplaceAll(msg, f, short)
		if !strings.Contains(msg, short) {
			names = append(names, short)
		}
	}
	if len(names) > 0 {
		msg = strings.Join(names, ", ") + " changed: " + msg
	}
	return &shortError{msg: msg, err: inner}
}

// shortError rewords an error and keeps it for errors.Is and errors.As.
type shortError struct {
	msg string
	err error
}

func (e *shortError) Error() string { return e.msg }
func (e *shortError) Unwrap() error { return e.err }

// checkData runs the data-quality checks in the background (as report does,
// up to checkBudget rows) and hands the findings to the explorer, which
// marks the KPIs they concern, unless ws was replaced meanwhile.
func (ex *explorer) checkData(p sender, ws *workspace.Workspace) {
	if ws.Engine.Rows() > checkBudget {
		return
	}
	found, err := inspect.Check(ex.ctx, ws.Engine, time.Now())
	if err != nil || len(found) == 0 || ex.rel.current() != ws {
		return
	}
	p.Send(tui.WarningsMsg{Warnings: inspect.ByKPI(found)})
}

// warningsFor runs the data-quality checks on a reloaded workspace before it
// is shown, so its warnings arrive with its numbers. Beyond checkBudget rows
// (or when the checks fail) it gives no warnings: never the previous data's.
func warningsFor(ctx context.Context, ws *workspace.Workspace) map[string][]string {
	out := map[string][]string{}
	if ws.Engine.Rows() > checkBudget {
		return out
	}
	found, err := inspect.Check(ctx, ws.Engine, time.Now())
	if err != nil || len(found) == 0 {
		return out
	}
	return inspect.ByKPI(found)
}

// reopenOptions rebuilds the options the workspace was opened with from the
// command's flags and arguments, for reloading.
func reopenOptions(cmd *cobra.Command) workspace.Options {
	var opt workspace.Options
	if f := cmd.Flags().Lookup("config"); f != nil {
		opt.ConfigPath = f.Value.String()
	}
	opt.Sources = cmd.Flags().Args()
	// A --db file is held open by the running workspace; a reload reads the
	// files straight into memory instead.
	return opt
}

// reloader re-opens the workspace for `r` and for the watcher, one reload at
// a time, keeping the newest one and building its rollups. A workspace it
// replaces stops building and is closed once the program has its successor
// and a grace period has passed (Close also waits for the queries running on
// it).
type reloader struct {
	opt     workspace.Options
	opened  func(*workspace.Workspace) // called with each workspace `r` opened
	pin     bool                       // pin every workspace opened (--watch)
	rollups *workspace.Rollups

	loading sync.Mutex // one reload at a time
	mu      sync.Mutex
	cur     *workspace.Workspace
	first   *workspace.Workspace // the caller's; it closes it again, harmlessly
	closed  bool
	retired *workspace.Retirer
}

func newReloader(ctx context.Context, opt workspace.Options, ws *workspace.Workspace, grace time.Duration) *reloader {
	return &reloader{opt: opt, cur: ws, first: ws, retired: workspace.NewRetirer(grace), rollups: workspace.NewRollups(ctx)}
}

func (r *reloader) current() *workspace.Workspace {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur
}

// swap opens the data again and makes it current; it returns the workspace
// it replaced, for retire.
func (r *reloader) swap(ctx context.Context, prepare func(*workspace.Workspace)) (ws, old *workspace.Workspace, err error) {
	ws, err = workspace.Open(ctx, r.opt)
	if err != nil {
		return nil, nil, err
	}
	if r.pin {
		if err := ws.Pin(ctx, r.current()); err != nil {
			ws.Close()
			return nil, nil, err
		}
	}
	ws.Compare(r.current())
	if prepare != nil {
		prepare(ws)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		ws.Close()
		return nil, nil, errors.New("the explorer is closing")
	}
	old, r.cur = r.cur, ws
	r.rollups.Start(ws)
	r.rollups.Stop(old)
	return ws, old, nil
}

// reload serves `r`: the engine goes back to the program in an EngineMsg
// right after this returns.
func (r *reloader) reload(ctx context.Context) (*kpi.Engine, error) {
	r.loading.Lock()
	defer r.loading.Unlock()
	ws, old, err := r.swap(ctx, nil)
	if err != nil {
		return nil, err
	}
	r.retired.Retire(old, nil)
	if r.opened != nil {
		r.opened(ws)
	}
	return ws.Engine, nil
}

// reloadWatched serves the watcher: it opens the changed data, checks it
// (when small), hands it to p and only then retires the old workspace. An
// error leaves everything as it was; the watcher reports it.
func (r *reloader) reloadWatched(ctx context.Context, p sender) error {
	r.loading.Lock()
	defer r.loading.Unlock()
	var warnings map[string][]string
	ws, old, err := r.swap(ctx, func(ws *workspace.Workspace) {
		warnings = warningsFor(ctx, ws)
		for id, w := range ws.Warnings { // a table that shrank sharply
			warnings[id] = append(warnings[id], w...)
		}
	})
	if err != nil {
		return err
	}
	p.Send(tui.EngineMsg{Engine: ws.Engine, Warnings: warnings, Refreshed: time.Now()})
	r.retired.Retire(old, nil)
	return nil
}

// close closes the current workspace (unless it is the caller's) and every
// replaced one, waiting for them.
func (r *reloader) close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	cur := r.cur
	r.mu.Unlock()
	r.rollups.Close()
	r.retired.Close()
	if cur != r.first {
		cur.Close()
	}
}
