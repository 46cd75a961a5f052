package kpi

import (
	"context"

	"kpiscope/internal/store"
)

// What the data-quality checks (internal/quality) need to run their queries
// on a warehouse (issue 16): the definitions' row conditions in ClickHouse's
// dialect, quoted names, and a read-only SELECT.

// WarehouseCond translates a definition's row condition (DuckDB SQL, a
// Def's Where) to a ClickHouse expression that is 1 exactly where the
// condition is TRUE; an error names the construct it cannot translate.
func WarehouseCond(expr string) (string, error) { return translateClickHouseCond(expr, false) }

// WarehouseIdent quotes a column or table name for ClickHouse.
func WarehouseIdent(name string) string { return chQuoteIdent(name) }

// WarehouseTable is the ClickHouse table a source of the engine's
// definitions reads, quoted (the warehouse's table mapping applied); a
// quoted name on an engine over DuckDB.
func (e *Engine) WarehouseTable(source string) string {
	if e.wh == nil {
		return chQuoteIdent(source)
	}
	return e.wh.table(source)
}

// Read runs a SELECT on the warehouse with its per-query limits (anything
// else is refused) and reads every row as the DuckDB store does.
func (w *Warehouse) Read(ctx context.Context, q string, args ...any) (*store.Rows, error) {
	return w.query(ctx, q, args...)
}
