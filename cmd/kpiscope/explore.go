package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"kpiscope/internal/inspect"
	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
	"kpiscope/tui"
)

// runExplorer runs the interactive explorer on an opened workspace until the
// user quits. The caller owns ws and closes it afterwards; workspaces opened
// by `r` (reload) are closed here.
func runExplorer(cmd *cobra.Command, ws *workspace.Workspace) error {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	opt := reopenOptions(cmd)
	var p *tea.Program
	r := &reloader{opt: opt, first: ws, cur: ws}
	r.opened = func(w *workspace.Workspace) { go checkData(ctx, p, w) }
	defer r.close()
	deps := tui.Deps{
		Engine:  ws.Engine,
		Banner:  ws.Banner,
		Reload:  r.reload,
		Context: ctx,
	}
	if deps.Banner == "" && ws.Inferred {
		deps.Banner = "KPIs inferred from column names with default targets; run `kpiscope init` to write a kpiscope.yaml you can edit"
	}
	p = tea.NewProgram(tui.New(deps), tea.WithContext(ctx))
	go checkData(ctx, p, ws)
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("explorer: %w", err)
	}
	return nil
}

// checkData runs the data-quality checks in the background (as report does,
// up to checkBudget rows) and hands the findings to the explorer, which
// marks the KPIs they concern.
func checkData(ctx context.Context, p *tea.Program, ws *workspace.Workspace) {
	if ws.Engine.Rows() > checkBudget {
		return
	}
	found, err := inspect.Check(ctx, ws.Engine, time.Now())
	if err != nil || len(found) == 0 {
		return
	}
	p.Send(tui.WarningsMsg{Warnings: inspect.ByKPI(found)})
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

// reloader re-opens the workspace for `r`, keeping the newest one and
// closing the one it replaces (Close waits for its queries to finish).
type reloader struct {
	opt    workspace.Options
	opened func(*workspace.Workspace) // called with each reloaded workspace
	mu     sync.Mutex
	first  *workspace.Workspace // the caller's; never closed here
	cur    *workspace.Workspace
}

func (r *reloader) reload(ctx context.Context) (*kpi.Engine, error) {
	ws, err := workspace.Open(ctx, r.opt)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	old := r.cur
	r.cur = ws
	r.mu.Unlock()
	if old != r.first {
		go old.Close()
	}
	if r.opened != nil {
		r.opened(ws)
	}
	return ws.Engine, nil
}

func (r *reloader) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur != r.first {
		r.cur.Close()
	}
}
