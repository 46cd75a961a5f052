package tui

// The explorer over a warehouse (issue 16): the engine computes the KPIs on
// ClickHouse (kpi.NewWarehouse), so every key that asks for KPI results
// works (the scorecard, segments, drills, grains, periods, comparisons,
// filters, why and movers, the series and the grid), and so do the views
// that read rows (the distribution, the cohort matrix, the rows behind the
// number, a page at a time), the data checks, and the SQL prompt
// (ClickHouse SQL, run there read-only): each a query written for
// ClickHouse and run there.

// onWarehouse reports whether the engine computes on a warehouse.
func (m Model) onWarehouse() bool { return m.q.eng != nil && m.q.eng.Warehouse() != nil }
