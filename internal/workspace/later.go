package workspace

import (
	"context"
	"errors"
	"sync"
	"time"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
)

// A large ticket table's business-time view (business.go) takes a while to
// make: every ticket's business time, about 0.6 µs a ticket on two cores
// (55–68 s at 100M tickets). A program that stays open (Options.Later)
// opens without it: the KPIs of the ticket table and of the view wait
// (kpi.Options.Waiting), shown as such, while the others (surveys, orders,
// customers, spend) show at once and every key works on them. Finish then
// makes the view and opens the engine that replaces the waiting one, on the
// same database. The ticket table's clock-time KPIs wait too: their rollups
// are built from the view, in one pass per time axis with the business-time
// KPIs, and reading the tickets beside the view's table would only slow
// both down.

// LaterRows is the ticket table's size from which Options.Later defers its
// business-time view; below it the view is made before the workspace opens,
// in at most about a second.
var LaterRows int64 = 2_000_000

// laterBusiness is the business-time view a workspace deferred: its plan,
// and the definitions and engine options of the engine that reads it.
type laterBusiness struct {
	plan *businessPlan
	opt  kpi.Options
	defs []*kpi.Def

	mu      sync.Mutex
	done    float64 // how far the business table is, 0–1; -1 unknown
	err     error   // why it failed
	started bool
}

// state is the kpi.Waiting's State.
func (lt *laterBusiness) state() (float64, error) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	return lt.done, lt.err
}

// step hears make's progress: how far the business table is.
func (lt *laterBusiness) step(what string, done float64) {
	if what != "business hours of "+lt.plan.tb.table {
		return
	}
	lt.mu.Lock()
	lt.done = done
	lt.mu.Unlock()
}

// businessLater is withBusiness for Options.Later: with a ticket table of
// LaterRows rows or more whose business table is not kept in a --db file,
// it binds the business-time KPIs to the view without making it and sets
// eopt's Waiting for the KPIs of the ticket table and of the view, leaving
// the rest to Finish.
func (w *Workspace) businessLater(ctx context.Context, cfg *config.Config, defs []*kpi.Def, eopt *kpi.Options, opt Options) ([]*kpi.Def, error) {
	bp, err := planBusiness(ctx, w.DB, cfg, cfg.Business, w.Tables, defs, eopt, opt.step)
	if err != nil || bp == nil {
		return defs, err
	}
	if bp.reused || bp.rows < LaterRows {
		return bp.now(ctx, w.DB, defs, eopt, opt.step)
	}
	if defs, err = bp.bind(defs); err != nil {
		return nil, err
	}
	// Set now: a workspace served over SSH is locked before Finish runs,
	// and a locked database refuses settings.
	if err := bp.keepJoinSides(ctx, w.DB); err != nil {
		return nil, err
	}
	full := *eopt
	bp.options(&full)
	lt := &laterBusiness{plan: bp, opt: full, defs: defs, done: -1}
	// The view's KPIs' dates run from the tickets' first instant to their
	// as-of instant, where the view's data ends (options: RecordEnd).
	end := bp.rng.asOf
	if end.IsZero() {
		end = bp.rng.to
	}
	eopt.Waiting = &kpi.Waiting{Tables: []string{bp.view, bp.tb.table}, What: "the business hours of " + bp.tb.table, Short: "business hours",
		State: lt.state, Since: time.Now(),
		Columns: map[string][]string{bp.view: bp.bb.added}, Spans: map[string][2]time.Time{bp.view: {bp.rng.first, end}}}
	w.later = lt
	return defs, nil
}

// FinishHook, when set (by tests of the programs that run Finish), runs
// first in every Finish, with its context; an error stops Finish there.
var FinishHook func(ctx context.Context) error

// Pending reports whether the workspace opened without something Finish
// makes: its ticket KPIs wait for it (kpi.Engine.Waiting).
func (w *Workspace) Pending() bool { return w.later != nil }

// Finish makes what the workspace deferred (the business-time view of a
// large ticket table) and returns the workspace that replaces w: the same
// data, database and snapshot, with an engine whose ticket KPIs no longer
// wait. w hands its database and snapshot over: closing w afterwards leaves
// them open, and closing the new workspace closes them. On failure w stays
// as it was, and, unless ctx ended, its waiting KPIs say why. Finish runs
// once per workspace.
func (w *Workspace) Finish(ctx context.Context) (*Workspace, error) {
	lt := w.later
	if lt == nil {
		return nil, errors.New("workspace: nothing left to make")
	}
	lt.mu.Lock()
	again := lt.started
	lt.started = true
	lt.mu.Unlock()
	if again {
		return nil, errors.New("workspace: already made, or being made")
	}
	began := time.Now()
	var err error
	if FinishHook != nil {
		err = FinishHook(ctx)
	}
	if err == nil {
		err = lt.plan.make(ctx, w.DB, lt.step)
	}
	var eng *kpi.Engine
	if err == nil {
		eng, err = kpi.New(ctx, w.DB, lt.defs, lt.opt)
	}
	if err != nil {
		if ctx.Err() == nil {
			lt.mu.Lock()
			lt.err = err
			lt.mu.Unlock()
		}
		return nil, err
	}
	if lt.opt.Log != nil {
		lt.opt.Log.Debug("opening", "step", "business hours, after the first screen", "elapsed", time.Since(began))
	}
	nw := &Workspace{DB: w.DB, Engine: eng, Tables: w.Tables, Config: w.Config, Sample: w.Sample, Inferred: w.Inferred,
		Label: w.Label, Banner: w.Banner, Shrunk: w.Shrunk, Warnings: w.Warnings, snap: w.snap, persistent: w.persistent,
		Warehouse: w.Warehouse, Notes: w.Notes}
	w.handed.Store(true)
	return nw, nil
}

// TakeBack undoes Finish's hand-over when nw, the workspace it returned,
// is not used: w owns its database and snapshot again, and closing w closes
// them; nw must not be used or closed.
func (w *Workspace) TakeBack(nw *Workspace) {
	if nw != nil && nw.DB == w.DB {
		w.handed.Store(false)
	}
}
