package tui

// The explorer over a warehouse (issue 16): the engine computes the KPIs on
// ClickHouse (kpi.NewWarehouse), so every key that asks for KPI results
// works (the scorecard, segments, drills, grains, periods, comparisons,
// filters, why and movers, the series and the grid), and so do the rows
// behind the number (a page at a time, read there) and the SQL prompt
// (ClickHouse SQL, run there read-only); the views that still read rows
// from the engine's own DuckDB, which holds only empty copies of the
// warehouse's tables, say so on the status line instead of opening blank.

// onWarehouse reports whether the engine computes on a warehouse.
func (m Model) onWarehouse() bool { return m.q.eng != nil && m.q.eng.Warehouse() != nil }

// notOnWarehouse is the status line of a view a warehouse cannot show yet.
func (m Model) notOnWarehouse(view string) Model {
	return m.warn("%s: not on a warehouse yet", view)
}
