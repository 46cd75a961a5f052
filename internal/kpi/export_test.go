package kpi

import "strings"

// OnCacheJoin has f called whenever a Compute waits for an identical one in
// progress (see cache.joined).
func OnCacheJoin(e *Engine, f func()) { e.cache.joined = f }

// DailyRollupsOnly makes the engine's rollup queries read the daily atoms
// and sketches only (not the monthly ones), to compare the two.
func DailyRollupsOnly(e *Engine, on bool) {
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	for _, g := range e.roll.groups {
		sig := strings.TrimPrefix(g.table, "__kpiscope_rollup_")
		g.tableM, g.sketchesM = "", ""
		if !on {
			g.tableM = "__kpiscope_rollupm_" + sig
			if g.sketches != "" {
				g.sketchesM = "__kpiscope_sketchm_" + sig
			}
		}
	}
}

// FlowHits is how many group queries the flow rollups answered (flow.go).
func FlowHits(e *Engine) int64 { return e.roll.flowHits.Load() }
