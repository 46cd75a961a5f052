package quality

import (
	"context"
	"fmt"
	"strings"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// dialect is where the checks' queries run and how they are spelled: the
// engine's own DuckDB, or the ClickHouse warehouse an engine computes on
// (issue 16), where the definitions' row filters are translated and every
// query is a read-only SELECT whose answer is a few numbers or one row.
type dialect struct {
	eng *kpi.Engine
	wh  *kpi.Warehouse // nil: DuckDB
}

func (x dialect) ch() bool { return x.wh != nil }

func (x dialect) query(ctx context.Context, q string, args ...any) (*store.Rows, error) {
	if x.ch() {
		return x.wh.Read(ctx, q, args...)
	}
	return x.eng.DB().Query(ctx, q, args...)
}

// table is a source table's name in the query.
func (x dialect) table(name string) string {
	if x.ch() {
		return x.eng.WarehouseTable(name)
	}
	return store.QuoteIdent(name)
}

// ident is a quoted column name.
func (x dialect) ident(name string) string {
	if x.ch() {
		return kpi.WarehouseIdent(name)
	}
	return store.QuoteIdent(name)
}

// where is the WHERE clause for the rows the KPI reads (its own row filter,
// translated on ClickHouse) that also meet conds (already in the dialect);
// "" when there is nothing to filter.
func (x dialect) where(d *kpi.Def, conds ...string) (string, error) {
	if d.Where != "" {
		w := d.Where
		if x.ch() {
			var err error
			if w, err = kpi.WarehouseCond(d.Where); err != nil {
				return "", fmt.Errorf("KPI %s: where: %w", d.ID, err)
			}
		}
		conds = append([]string{w}, conds...)
	}
	switch len(conds) {
	case 0:
		return "", nil
	case 1:
		return " WHERE " + conds[0], nil
	}
	return " WHERE (" + strings.Join(conds, ") AND (") + ")", nil
}

// isNull and notNull test a quoted column.
func (x dialect) isNull(q string) string {
	if x.ch() {
		return "isNull(" + q + ")"
	}
	return q + " IS NULL"
}

func (x dialect) notNull(q string) string {
	if x.ch() {
		return "isNotNull(" + q + ")"
	}
	return q + " IS NOT NULL"
}

// countIf counts the rows where cond holds (never NULL).
func (x dialect) countIf(cond string) string {
	if x.ch() {
		return "toInt64(ifNull(countIf(" + cond + "), 0))"
	}
	return "count(*) FILTER (WHERE " + cond + ")"
}

// distinct counts a column's distinct values, exactly.
func (x dialect) distinct(q string) string {
	if x.ch() {
		return "uniqExact(" + q + ")"
	}
	return "count(DISTINCT " + q + ")"
}

// distinctIf counts a column's distinct values where cond holds, exactly.
func (x dialect) distinctIf(q, cond string) string {
	if x.ch() {
		return "uniqExactIf(" + q + ", ifNull(" + cond + ", 0))"
	}
	return "count(DISTINCT " + q + ") FILTER (WHERE " + cond + ")"
}

// text is a value as text.
func (x dialect) text(q string) string {
	if x.ch() {
		return "toString(" + q + ")"
	}
	return "CAST(" + q + " AS VARCHAR)"
}

// ts is a time column (a date or a timestamp) as a timestamp.
func (x dialect) ts(q string) string {
	if x.ch() {
		return "toDateTime(" + q + ", 'UTC')"
	}
	return "CAST(" + q + " AS TIMESTAMP)"
}

// tsArg is a bound "YYYY-MM-DD HH:MM:SS" as a timestamp.
func (x dialect) tsArg() string {
	if x.ch() {
		return "toDateTime(?, 'UTC')"
	}
	return "?::TIMESTAMP"
}

// startOf is the start of the month or the week (Monday) of a timestamp.
func (x dialect) startOf(grain, t string) string {
	if x.ch() {
		if grain == "week" {
			return "toMonday(" + t + ")"
		}
		return "toStartOfMonth(" + t + ")"
	}
	return fmt.Sprintf("CAST(date_trunc('%s', %s) AS DATE)", grain, t)
}
