// Package tui is the interactive explorer: a Bubble Tea v2 program over a
// shared, read-only KPI engine. One Model per terminal (per SSH session).
package tui

import (
	"context"
	"time"

	"charm.land/log/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/keys"
)

// Deps is what a program needs from outside; one per program, so one per SSH session.
type Deps struct {
	Engine *kpi.Engine // read-only; safe for concurrent sessions
	Label  string      // data description for the header ("sample: support & customers")
	// Banner is an optional one-line notice shown under the header, e.g. when
	// KPIs were inferred from column names without a config.
	Banner string
	// Warnings are data-quality notes per KPI id, shown as a marker on the tile
	// with details on demand.
	Warnings map[string][]string
	Now      func() time.Time // injected so tests are deterministic
	// QueryTimeout bounds each query once the first screen of an engine is
	// shown (0 = no bound). The first screen, at start and after a reload,
	// is never bounded: it takes as long as the data needs.
	QueryTimeout time.Duration
	// Remote is true in an SSH session: exports go to the client's clipboard
	// (OSC 52), never to the server's disk.
	Remote bool
	// ExportDir is where `e` writes files when not Remote ("" = current directory).
	ExportDir string
	// Reload re-reads the data for `r`; nil when reloading is not possible.
	Reload func(ctx context.Context) (*kpi.Engine, error)
	Log    *log.Logger
	// Keys are the key bindings (zero: keys.Default()). One Map feeds the
	// dispatch in Update, the footer, the help and the hints that name a key.
	Keys keys.Map
	// RollupStatus reports the progress of an engine's rollup build, which
	// whoever opened the engine started (kpi.Engine.BuildRollups); the
	// header shows it until the rollups are ready. nil: no build runs.
	RollupStatus func(*kpi.Engine) kpi.RollupProgress
	// Context bounds every query; queries stop when it ends (the program's or
	// the SSH session's context). nil = context.Background().
	Context context.Context
	// Refreshed is when the data was loaded, shown as "refreshed HH:MM" from
	// the start when the data is watched (zero: shown after the first reload).
	Refreshed time.Time
	// Views are the saved views of kpiscope.yaml (views:), listed in the
	// palette; Start, when set, is the view the explorer opens on.
	Views []View
	Start *View
	// SQL enables the read-only SQL prompt (:sql). Local runs set it; serve
	// only with --allow-sql.
	SQL bool
	// Invocation is the part of a `kpiscope report` command that selects the
	// data as this explorer sees it (--config FILE, --db FILE, the source
	// paths), for the command that prints the current view ($).
	Invocation []string
}

// EngineMsg replaces the engine, e.g. after the watcher reloaded changed
// files. The old numbers stay on screen until the new ones are ready. A
// non-nil Err keeps the previous engine and shows a warning.
type EngineMsg struct {
	Engine    *kpi.Engine
	Warnings  map[string][]string
	Refreshed time.Time
	Err       error
	// Completed: the same data, with what the previous engine's KPIs waited
	// for now made (kpi.Engine.Waiting): not a reload.
	Completed bool
}

// WarningsMsg replaces the data-quality notes per KPI id, e.g. when the
// checks that run in the background after start finish.
type WarningsMsg struct {
	Warnings map[string][]string
}
