// Package inspect looks at loaded tables the way an analyst would on first
// contact: it profiles columns (types, cardinalities, null shares, ranges),
// infers which columns are time axes, dimensions, identifiers, scores, flags
// and durations, proposes the KPIs the data supports (built-ins through a
// column mapping, custom definitions where no built-in fits), and checks the
// data behind each KPI for problems that make its numbers untrustworthy.
//
// It builds on the kpi engine: inferred KPIs are ordinary kpi.Defs, produced
// through the same config parser a hand-written kpiscope.yaml goes through.
package inspect

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kpiscope/internal/source"
	"kpiscope/internal/store"
)

// TableProfile describes one loaded table.
type TableProfile struct {
	Name    string
	Files   []string // absolute paths the table was read from (empty for tables not loaded from files)
	Rows    int64
	Columns []*ColumnProfile
	// Time is the column chosen as the table's time axis, "" when it has none.
	Time string
}

// Column returns a column by name (exact, then case-insensitive), or nil.
func (t *TableProfile) Column(name string) *ColumnProfile {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return c
		}
	}
	return nil
}

// ColumnProfile is what one column holds and what it looks like.
type ColumnProfile struct {
	Name     string
	Type     string // DuckDB type
	NonNull  int64
	Nulls    int64
	Distinct int64  // approximate for large columns
	Min, Max string // display forms; "" when not meaningful
	MinNum   float64
	MaxNum   float64
	// Integral is true for numeric columns whose values are all whole numbers.
	Integral bool
	// Values are the most frequent values (up to 12) for low-cardinality
	// columns, most frequent first.
	Values []ValueCount
	// Example is one non-null value.
	Example string

	Kind ColumnKind
	// Dimension is set when the column is a sensible slicing dimension
	// (independently of Kind: a flag can be a dimension too).
	Dimension bool
	// Scale is set for scores.
	Scale *Scale
	// True is the value meaning yes for flags ("Y", "Yes", "true", "1"), and
	// the churned value for status columns ("Churned").
	True string
	// Joined is, for status columns, the value marking customers who joined
	// during the period ("Joined"), if any.
	Joined string
	// Unit is s, m, h or d for durations when the name says so.
	Unit string
}

// NullShare is the share of rows that are null, 0..1.
func (c *ColumnProfile) NullShare() float64 {
	if n := c.NonNull + c.Nulls; n > 0 {
		return float64(c.Nulls) / float64(n)
	}
	return 0
}

// ValueCount is a value and how many rows hold it.
type ValueCount struct {
	Value string
	Rows  int64
}

// exactDistinctRows is the table size up to which distinct values are
// counted exactly; beyond it they are estimated (identifiers are recounted).
const exactDistinctRows = 5_000_000

// Profile profiles the named tables in db.
func Profile(ctx context.Context, db *store.DB, tables []source.Table) ([]*TableProfile, error) {
	var out []*TableProfile
	for _, t := range tables {
		cols := t.Columns
		if len(cols) == 0 {
			var err error
			if cols, err = db.Columns(ctx, t.Name); err != nil {
				return nil, err
			}
		}
		tp, err := profileTable(ctx, db, t.Name, cols)
		if err != nil {
			return nil, fmt.Errorf("inspect %s: %w", t.Name, err)
		}
		tp.Files = t.Files
		out = append(out, tp)
	}
	return out, nil
}

func profileTable(ctx context.Context, db *store.DB, name string, cols []store.Column) (*TableProfile, error) {
	tp := &TableProfile{Name: name}
	if len(cols) == 0 {
		return tp, nil
	}
	n, err := db.Query(ctx, "SELECT count(*) FROM "+store.QuoteIdent(name))
	if err != nil {
		return nil, err
	}
	distinct := "count(DISTINCT %[1]s)"
	if store.Int(n.Data[0][0]) > exactDistinctRows {
		distinct = "approx_count_distinct(%[1]s)"
	}
	sel := []string{"count(*)"}
	const per = 8
	for _, c := range cols {
		q := store.QuoteIdent(c.Name)
		minMax := fmt.Sprintf("CAST(min(%[1]s) AS VARCHAR), CAST(max(%[1]s) AS VARCHAR)", q)
		numeric := "NULL, NULL, NULL"
		switch {
		case isNumeric(c.Type):
			numeric = fmt.Sprintf("CAST(min(%[1]s) AS DOUBLE), CAST(max(%[1]s) AS DOUBLE), count(*) FILTER (WHERE %[1]s <> round(%[1]s))", q)
		case isBool(c.Type):
			minMax = "NULL, NULL"
		case !isTime(c.Type) && !isVarchar(c.Type):
			minMax = "NULL, NULL" // lists, structs: no order worth showing
		}
		sel = append(sel, fmt.Sprintf("count(%[1]s), "+distinct+", %[2]s, %[3]s, CAST(any_value(%[1]s) AS VARCHAR)", q, minMax, numeric))
	}
	rows, err := db.Query(ctx, fmt.Sprintf("SELECT %s FROM %s", strings.Join(sel, ", "), store.QuoteIdent(name)))
	if err != nil {
		return nil, err
	}
	r := rows.Data[0]
	tp.Rows = store.Int(r[0])
	for i, c := range cols {
		b := 1 + i*per
		cp := &ColumnProfile{Name: c.Name, Type: c.Type}
		cp.NonNull = store.Int(r[b])
		cp.Nulls = tp.Rows - cp.NonNull
		cp.Distinct = store.Int(r[b+1])
		if cp.Distinct > cp.NonNull {
			cp.Distinct = cp.NonNull
		}
		cp.Min, cp.Max = str(r[b+2]), str(r[b+3])
		if f, ok := store.Float(r[b+4]); ok {
			cp.MinNum = f
		}
		if f, ok := store.Float(r[b+5]); ok {
			cp.MaxNum = f
		}
		cp.Integral = isNumeric(c.Type) && cp.NonNull > 0 && store.Int(r[b+6]) == 0
		cp.Example = str(r[b+7])
		tp.Columns = append(tp.Columns, cp)
	}
	// Exact value counts for low-cardinality columns: flags, statuses,
	// dimensions and score scales are read from them.
	for _, cp := range tp.Columns {
		if cp.NonNull == 0 || cp.Distinct > 14 || !(isVarchar(cp.Type) || isBool(cp.Type) || isNumeric(cp.Type) && cp.Integral) {
			continue
		}
		q := store.QuoteIdent(cp.Name)
		vr, err := db.Query(ctx, fmt.Sprintf("SELECT CAST(%[1]s AS VARCHAR), count(*) FROM %[2]s WHERE %[1]s IS NOT NULL GROUP BY %[1]s ORDER BY 2 DESC, 1 LIMIT 13", q, store.QuoteIdent(name)))
		if err != nil {
			return nil, err
		}
		if len(vr.Data) <= 12 {
			for _, v := range vr.Data {
				cp.Values = append(cp.Values, ValueCount{Value: str(v[0]), Rows: store.Int(v[1])})
			}
			cp.Distinct = int64(len(vr.Data))
		}
	}
	classify(tp)
	return tp, nil
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		if x.Year() == 1 && x.Month() == 1 && x.Day() == 1 { // a TIME of day
			return x.Format("15:04:05")
		}
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02 15:04:05")
	}
	return fmt.Sprint(v)
}

func isNumeric(t string) bool {
	t = strings.ToUpper(t)
	for _, p := range []string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "DOUBLE", "FLOAT", "REAL", "DECIMAL", "NUMERIC", "INT"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

func isTime(t string) bool {
	t = strings.ToUpper(t)
	return strings.HasPrefix(t, "DATE") || strings.HasPrefix(t, "TIMESTAMP")
}

func isVarchar(t string) bool {
	t = strings.ToUpper(t)
	return t == "VARCHAR" || strings.HasPrefix(t, "VARCHAR(") || t == "TEXT" || t == "STRING"
}

func isBool(t string) bool { return strings.EqualFold(t, "BOOLEAN") || strings.EqualFold(t, "BOOL") }
