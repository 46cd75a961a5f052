package kpi

import (
	"context"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"kpiscope/internal/store"
)

// Statement runs a statement someone typed (the explorer's SQL prompt,
// internal/sqlq) on the warehouse, read-only on the server as well as in
// kpiscope: with ClickHouse's readonly=1 (no write, no DDL, no SET or
// SETTINGS, no table function, whatever the text says), the warehouse's
// settings and max_memory_usage, and max_execution_time the shorter of the
// warehouse's and timeout (ctx should carry the same deadline). It reads
// every row the statement returns: the caller bounds them (a LIMIT). The
// types are ClickHouse's as the engine names them (ClickHouseType: Int32
// is INTEGER, DateTime TIMESTAMP), or ClickHouse's own for the rest.
func (w *Warehouse) Statement(ctx context.Context, q string, timeout time.Duration) (*store.Typed, error) {
	secs := w.opt.MaxExecutionTime
	if timeout > 0 && timeout < secs {
		secs = timeout
	}
	set := clickhouse.Settings{}
	for k, v := range w.opt.Settings {
		set[k] = v
	}
	set["max_execution_time"] = max(1, int(secs.Round(time.Second)/time.Second))
	set["max_memory_usage"] = int(w.opt.MaxMemoryUsage)
	set["readonly"] = 1
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(set))
	rows, err := w.db.QueryContext(ctx, q)
	if err != nil {
		return nil, chError(ctx, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, chError(ctx, err)
	}
	out := &store.Typed{Rows: store.Rows{Columns: cols}, Types: make([]string, len(cols))}
	if cts, err := rows.ColumnTypes(); err == nil && len(cts) == len(cols) {
		for i, ct := range cts {
			out.Types[i] = ct.DatabaseTypeName()
			if t, ok := ClickHouseType(out.Types[i]); ok {
				out.Types[i] = t
			}
		}
	}
	if out.Data, err = chReadRows(ctx, rows, len(cols)); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
