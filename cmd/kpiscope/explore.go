package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"kpiscope/internal/kpi"
	"kpiscope/internal/live"
	"kpiscope/internal/source"
	"kpiscope/internal/watch"
	"kpiscope/internal/workspace"
	"kpiscope/tui"
)

// addExploreFlags adds the explorer's flags to the root command.
func addExploreFlags(c *cobra.Command) {
	c.Flags().Bool("watch", false, "reload in the background when the source files or the config change")
	c.Flags().Duration("query-timeout", 0, "stop a query after `DURATION` (such as 30s; 0: never); the first screen is never stopped")
	addViewFlag(c) // views.go: --view
}

// runExplorer runs the interactive explorer on an opened workspace until the
// user quits. The caller closes ws afterwards; the live data closes it too,
// with every workspace `r` or --watch opened (closing twice is harmless).
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
	views, start, err := explorerViews(cmd, ws) // views.go: --view
	if err != nil {
		return err
	}
	ex := newExplorer(ctx, ws, reopenOptions(cmd), live.Options{CheckRows: checkBudget})
	ex.deps.Views, ex.deps.Start = views, start
	ex.deps.QueryTimeout = timeout
	ex.deps.Invocation = invocation(ws, cmd.Flags().Args())
	defer ex.close()
	var paths []string
	if watching {
		paths = ex.watchPaths(cmd.Flags().Args())
	}
	p := tea.NewProgram(tui.New(ex.deps), tea.WithContext(ctx))
	if err := ex.start(p, paths); err != nil {
		return err
	}
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("explorer: %w", err)
	}
	return nil
}

// sender is what the live data's changes are sent to: a *tea.Program, or a
// test's program.
type sender interface{ Send(tea.Msg) }

// explorer is the wiring between the live data and one explorer program:
// the program is built from the current data and subscribes to its changes.
type explorer struct {
	deps tui.Deps
	live *live.Live
}

// newExplorer prepares the explorer's dependencies for ws, reloaded from
// reopen; nothing runs until start. opt's Open is set here.
func newExplorer(ctx context.Context, ws *workspace.Workspace, reopen workspace.Options, opt live.Options) *explorer {
	opt.Open = func(ctx context.Context) (*workspace.Workspace, error) { return workspace.Open(ctx, reopen) }
	l := live.New(ctx, ws, opt)
	ex := &explorer{live: l}
	ex.deps = tui.Deps{
		Engine: ws.Engine,
		Banner: ws.Banner,
		// The new engine reaches the program as every change does, through
		// its subscription, before this returns; the nil engine only tells
		// the program that `r` is done.
		Reload: func(ctx context.Context) (*kpi.Engine, error) {
			_, err := l.Reload(ctx)
			return nil, err
		},
		Context:      ctx,
		RollupStatus: (*kpi.Engine).RollupStatus,
		SQL:          true, // the read-only SQL prompt; serve only with --allow-sql
	}
	if l := headerLabel(ws); l != ws.Label {
		ex.deps.Label = l // the engine's own description otherwise
	}
	if ex.deps.Banner == "" && ws.Inferred {
		ex.deps.Banner = "KPIs inferred from column names with default targets; run `kpiscope init` to write a kpiscope.yaml you can edit"
	}
	return ex
}

// headerLabel is the explorer's label of ws: kpiscope.yaml's title, and
// the warehouse's host and database when it computes there (without a
// title they are the label already).
func headerLabel(ws *workspace.Workspace) string {
	if src := ws.Source(); src != "" && ws.Label != src {
		return ws.Label + " · " + src
	}
	return ws.Label
}

// watchPaths lists the files --watch follows and marks the header with the
// time the data was read; with nothing to watch (the built-in sample) the
// banner says so instead.
func (ex *explorer) watchPaths(sources []string) []string {
	cur := ex.live.Current()
	paths := watch.Paths(cur.Workspace, sources)
	if len(paths) == 0 {
		note := "--watch: nothing to watch, the built-in sample data never changes; give files or a kpiscope.yaml"
		if ex.deps.Banner != "" {
			note = ex.deps.Banner + " · " + note
		}
		ex.deps.Banner = note
		return nil
	}
	ex.deps.Refreshed = cur.Loaded
	return paths
}

// start subscribes p to the live data and starts it: the rollup build and
// the data-quality checks in the background and, when paths is not empty,
// watching them (pinned first: the numbers shown never depend on a file
// that can break under them). The model p runs must have been built from
// ex.deps.
func (ex *explorer) start(p sender, paths []string) error {
	ex.live.Subscribe(live.Notify(func(c live.Change) { p.Send(changeMsg(c)) }))
	ex.live.Subscribe(live.Notify(func(c live.Change) { sendViews(p, c) })) // views.go
	if err := ex.live.Start(paths); err != nil {
		if len(paths) > 0 {
			return fmt.Errorf("--watch: %w", err)
		}
		return err
	}
	return nil
}

// close stops watching, the checks and the rollup builds and closes every
// workspace, waiting for them.
func (ex *explorer) close() { ex.live.Close() }

// changeMsg tells a program (the explorer, an SSH session's) about a change
// of the live data.
func changeMsg(c live.Change) tea.Msg {
	switch c.Kind {
	case live.Failed:
		return tui.EngineMsg{Err: reloadError(c.Event), Refreshed: c.Event.At}
	case live.Checked:
		return tui.WarningsMsg{Warnings: c.Warnings}
	}
	return tui.EngineMsg{Engine: c.Workspace.Engine, Warnings: c.Warnings, Refreshed: c.Loaded, Completed: c.Kind == live.Completed}
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

// reopenOptions rebuilds the options the workspace was opened with from the
// command's flags and arguments, for reloading.
func reopenOptions(cmd *cobra.Command) workspace.Options {
	var opt workspace.Options
	if f := cmd.Flags().Lookup("config"); f != nil {
		opt.ConfigPath = f.Value.String()
	}
	if f := cmd.Flags().Lookup("source"); f != nil {
		opt.Warehouse = f.Value.String() // `r` reads the warehouse again
	}
	opt.Sources = cmd.Flags().Args()
	opt.Later = true // as the first open: the ticket KPIs of large data wait for their business hours
	// A --db file is held open by the running workspace; a reload reads the
	// files straight into memory instead.
	return opt
}

// invocation is the data part of a `kpiscope report` command that reads
// what the explorer shows (tui.Deps.Invocation): --config and the sources,
// as absolute paths; nothing for the built-in sample. A --db file is left
// out: the running explorer holds its lock, so the command reads the files.
func invocation(ws *workspace.Workspace, sources []string) []string {
	if ws.Sample {
		return nil
	}
	var out []string
	if ws.Warehouse != nil && (ws.Config == nil || ws.Config.Warehouse == nil) {
		out = append(out, "--source", ws.Warehouse.URL()) // without its password
	} // else the config's warehouse: section names it, with password_env:
	if ws.Config != nil && ws.Config.Path != "" {
		out = append(out, "--config", absPath(ws.Config.Path))
	}
	for _, a := range sources {
		if sp := source.ParseArg(a); sp.Name != "" {
			out = append(out, sp.Name+"="+absPath(sp.Path))
		} else {
			out = append(out, absPath(a))
		}
	}
	return out
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
