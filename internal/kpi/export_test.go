package kpi

// OnCacheJoin has f called whenever a Compute waits for an identical one in
// progress (see cache.joined).
func OnCacheJoin(e *Engine, f func()) { e.cache.joined = f }

// DailyRollupsOnly makes rollup queries read the daily atoms and sketches
// only (not the monthly ones), to compare the two.
func DailyRollupsOnly(on bool) { dailyOnly = on }
