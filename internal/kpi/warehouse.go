package kpi

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"kpiscope/internal/schema"
	"kpiscope/internal/store"
)

// An engine over a warehouse (issue 16): the same definitions, slices and
// scorecards as over the engine's own DuckDB, with every raw query rendered
// for ClickHouse and run there (the whole aggregate is pushed down; one row
// per period and segment travels back). What differs:
//
//   - The engine's DuckDB is an in-memory one holding empty tables with the
//     warehouse tables' columns (types mapped by ClickHouseType): the
//     definitions are checked against them as New checks them against
//     loaded data (DuckDB's binder, no rows read), and composites (CLV,
//     CAC) are evaluated there over their inputs' values, as always.
//   - The time ranges, row counts and dimensions are read from ClickHouse:
//     min/max per time column, count(), uniqExact on the first 200,000 rows.
//   - No rollups, period rollups or result prefill: ClickHouse aggregates the
//     raw rows fast enough, and kpiscope writes nothing there.
//   - A KPI the ClickHouse renderer cannot translate (business time's
//     macros, an expression outside the portable subset) gets its own error
//     in the scorecard; the others are computed. Every built-in outside
//     business time translates (the repeat rate's list idiom, the backlog's
//     as-of subquery: translate_clickhouse.go).

// NewWarehouse prepares an engine over the tables of a warehouse's
// database (opt.Tables limits them). Definitions that cannot run are kept
// with their problem, as New keeps them.
func NewWarehouse(ctx context.Context, wh *Warehouse, defs []*Def, opt Options) (*Engine, error) {
	cols, err := wh.columns(ctx)
	if err != nil {
		return nil, err
	}
	shadow, err := store.Open("")
	if err != nil {
		return nil, err
	}
	only := map[string]bool{}
	for _, n := range opt.Tables {
		only[n] = true
	}
	for _, t := range sortedKeys(cols) {
		if strings.HasPrefix(t, "__") || strings.HasPrefix(t, ".") || len(only) > 0 && !only[t] || len(cols[t]) == 0 {
			continue
		}
		var defs []string
		for _, c := range cols[t] {
			defs = append(defs, store.QuoteIdent(c.Name)+" "+c.Type)
		}
		if err := shadow.Exec(ctx, "CREATE TABLE "+store.QuoteIdent(t)+" ("+strings.Join(defs, ", ")+")"); err != nil {
			shadow.Close()
			return nil, fmt.Errorf("warehouse %s: table %s: %w", wh.url, t, err)
		}
	}
	e := &Engine{db: shadow, wh: wh, byID: map[string]*Def{}, tables: map[string][]store.Column{}, opt: opt, problems: map[string]error{}, cache: newCache(256)}
	if e.opt.CustomerKey == "" {
		e.opt.CustomerKey = "customer_id"
	}
	if e.opt.MaxSegments == 0 {
		e.opt.MaxSegments = 50
	}
	if e.opt.Now == nil {
		e.opt.Now = time.Now
	}
	if e.opt.Label == "" {
		e.opt.Label = wh.url
	}
	names, err := shadow.Tables(ctx)
	if err != nil {
		shadow.Close()
		return nil, err
	}
	for _, n := range names {
		if e.tables[n], err = shadow.Columns(ctx, n); err != nil {
			shadow.Close()
			return nil, err
		}
	}
	if e.opt.Customers == "" {
		if _, ok := e.tables["customers"]; ok {
			e.opt.Customers = "customers"
		}
	}
	for _, d := range defs {
		if _, dup := e.byID[d.ID]; dup {
			shadow.Close()
			return nil, fmt.Errorf("%sKPI id %q is defined twice", originPrefix(d), d.ID)
		}
		d = typedFlags(d, e.tables[d.Source])
		e.byID[d.ID] = d
		e.defs = append(e.defs, d)
	}
	for _, d := range e.defs {
		if err := e.check(ctx, d); err != nil {
			e.problems[d.ID] = err
		}
	}
	if err := e.whScanTime(ctx); err != nil {
		shadow.Close()
		return nil, err
	}
	if err := e.whInferDimensions(ctx); err != nil {
		shadow.Close()
		return nil, err
	}
	return e, nil
}

// Warehouse is the warehouse the engine reads; nil for its own DuckDB.
func (e *Engine) Warehouse() *Warehouse { return e.wh }

// columns lists the database's tables and their columns from system.columns,
// typed as the engine's DuckDB would type them (ClickHouseType); columns of
// other types (arrays, tuples, maps) are left out.
func (w *Warehouse) columns(ctx context.Context) (map[string][]store.Column, error) {
	if len(w.opt.Tables) == 0 {
		return w.ownColumns(ctx)
	}
	// The mapped tables under the names the definitions read, and the URL
	// database's other tables under their own (a mapping lists the tables
	// that need one: tickets to tickets_dist leaves customers as it is);
	// a table some name maps to is not listed twice.
	mapped, err := w.mappedColumns(ctx)
	if err != nil {
		return nil, err
	}
	own, err := w.ownColumns(ctx)
	if err != nil {
		own = map[string][]store.Column{} // a mapping may read other databases only
	}
	for _, t := range w.opt.Tables {
		if db, tb := w.split(t); db == w.database {
			delete(own, tb)
		}
	}
	for n, c := range mapped {
		own[n] = c
	}
	return own, nil
}

// ownColumns lists the URL database's tables under their own names.
func (w *Warehouse) ownColumns(ctx context.Context) (map[string][]store.Column, error) {
	rows, err := w.query(ctx, "SELECT table, name, type FROM system.columns WHERE database = ?", w.database)
	if err != nil {
		return nil, fmt.Errorf("warehouse %s: reading its columns: %w", w.url, err)
	}
	out := map[string][]store.Column{}
	for _, r := range rows.Data {
		t, name := fmt.Sprint(r[0]), fmt.Sprint(r[1])
		if _, ok := out[t]; !ok {
			out[t] = nil
		}
		if ty, ok := ClickHouseType(fmt.Sprint(r[2])); ok {
			out[t] = append(out[t], store.Column{Name: name, Type: ty})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("warehouse %s: database %q has no tables", w.url, w.database)
	}
	return out, nil
}

var (
	chWrapRE    = regexp.MustCompile(`^(?:Nullable|LowCardinality)\((.*)\)$`)
	chDecimalRE = regexp.MustCompile(`^Decimal(32|64|128|256)?\((\d+)(?:,\s*(\d+))?\)$`)
)

// ClickHouseType maps a ClickHouse column type to the DuckDB type the
// engine expects of such a column: DateTime → TIMESTAMP, Date → DATE,
// integers, floats and decimals to their DuckDB namesakes, String,
// FixedString, UUID and enums → VARCHAR, Bool → BOOLEAN; Nullable(x) and
// LowCardinality(x) are x. false for what has no counterpart (arrays,
// tuples, maps, …).
func ClickHouseType(t string) (string, bool) {
	t = strings.TrimSpace(t)
	for {
		m := chWrapRE.FindStringSubmatch(t)
		if m == nil {
			break
		}
		t = strings.TrimSpace(m[1])
	}
	base, _, _ := strings.Cut(t, "(")
	switch base {
	case "DateTime", "DateTime64":
		return "TIMESTAMP", true
	case "Date", "Date32":
		return "DATE", true
	case "Int8":
		return "TINYINT", true
	case "Int16":
		return "SMALLINT", true
	case "Int32":
		return "INTEGER", true
	case "Int64":
		return "BIGINT", true
	case "Int128", "Int256":
		return "HUGEINT", true
	case "UInt8":
		return "UTINYINT", true
	case "UInt16":
		return "USMALLINT", true
	case "UInt32":
		return "UINTEGER", true
	case "UInt64":
		return "UBIGINT", true
	case "UInt128", "UInt256":
		return "UHUGEINT", true
	case "Float32":
		return "FLOAT", true
	case "Float64":
		return "DOUBLE", true
	case "String", "FixedString", "UUID", "Enum8", "Enum16", "Enum", "IPv4", "IPv6":
		return "VARCHAR", true
	case "Bool", "Boolean":
		return "BOOLEAN", true
	}
	if m := chDecimalRE.FindStringSubmatch(t); m != nil {
		p, s := m[2], m[3]
		switch m[1] { // Decimal32(S) and the like give the scale only
		case "32":
			p, s = "9", m[2]
		case "64":
			p, s = "18", m[2]
		case "128", "256":
			p, s = "38", m[2]
		}
		if s == "" {
			s = "0"
		}
		var prec, scale int
		fmt.Sscan(p, &prec)
		fmt.Sscan(s, &scale)
		if prec > 38 || scale > prec {
			return "DOUBLE", true
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", prec, scale), true
	}
	return "", false
}

// whScanTime is scanTime on the warehouse: each time column's range, the
// tables' rows.
func (e *Engine) whScanTime(ctx context.Context) error {
	// Timestamps in the future are data errors (see scanTime).
	cutoff := e.opt.Now().UTC().AddDate(0, 0, 1).Truncate(time.Second)
	e.scanSpans(func(table, name string) (span, error) {
		col := chTime(name)
		q := fmt.Sprintf("SELECT count(%[1]s), min(%[1]s), max(%[1]s) FROM %[2]s", col, e.wh.table(table))
		rows, err := e.wh.query(ctx, q)
		if err == nil {
			if hi, ok := rows.Data[0][2].(time.Time); ok && hi.After(cutoff) {
				rows, err = e.wh.query(ctx, q+fmt.Sprintf(" WHERE %s <= toDateTime(?, 'UTC')", col), cutoff.Unix())
			}
		}
		if err != nil {
			return span{}, err
		}
		var sp span
		if store.Int(rows.Data[0][0]) > 0 { // else min and max are 1970 or NULL
			sp.lo, _ = rows.Data[0][1].(time.Time)
			sp.hi, _ = rows.Data[0][2].(time.Time)
		}
		return sp, nil
	})
	for name := range e.tables {
		rows, err := e.wh.query(ctx, "SELECT count() FROM "+e.wh.table(name))
		if err != nil {
			return fmt.Errorf("warehouse %s: %w", e.wh.url, err)
		}
		n := store.Int(rows.Data[0][0])
		e.rows += n
		if e.tableRows == nil {
			e.tableRows = map[string]int64{}
		}
		e.tableRows[name] = n
	}
	return nil
}

// whInferDimensions is inferDimensions on the warehouse: the configured
// dimensions, or text columns with 2–60 distinct values in the table's
// first 200,000 rows that are not identifiers.
func (e *Engine) whInferDimensions(ctx context.Context) error {
	byName := map[string]*Dimension{}
	var order []string
	want := map[string]bool{}
	for _, n := range e.opt.Dimensions {
		want[n] = true
	}
	for _, t := range e.tableNames() {
		var cand []store.Column
		for _, c := range e.tables[t] {
			if e.opt.Dimensions != nil {
				if want[c.Name] {
					cand = append(cand, c)
				}
				continue
			}
			ty := strings.ToUpper(c.Type)
			if (ty == "VARCHAR" || ty == "BOOLEAN") && !schema.LooksLikeID(c.Name) {
				cand = append(cand, c)
			}
		}
		if len(cand) == 0 {
			continue
		}
		var sel, inner []string
		for _, c := range cand {
			sel = append(sel, fmt.Sprintf("uniqExact(%s)", chQuoteIdent(c.Name)))
			inner = append(inner, chQuoteIdent(c.Name))
		}
		q := fmt.Sprintf("SELECT %s FROM (SELECT %s FROM %s LIMIT 200000)", strings.Join(sel, ", "), strings.Join(inner, ", "), e.wh.table(t))
		rows, err := e.wh.query(ctx, q)
		if err != nil {
			return fmt.Errorf("warehouse %s: %w", e.wh.url, err)
		}
		for i, c := range cand {
			n := int(store.Int(rows.Data[0][i]))
			if e.opt.Dimensions != nil || n >= 2 && n <= 60 {
				d, ok := byName[c.Name]
				if !ok {
					d = &Dimension{Name: c.Name}
					byName[c.Name] = d
					order = append(order, c.Name)
				}
				d.Tables = append(d.Tables, t)
				d.Values = max(d.Values, n)
			}
		}
	}
	for _, n := range e.opt.Dimensions {
		if _, ok := byName[n]; !ok {
			return fmt.Errorf("dimension %q is not a column of any warehouse table (%s)", n, strings.Join(e.tableNames(), ", "))
		}
	}
	if e.opt.Dimensions != nil {
		order = slices.Clone(e.opt.Dimensions)
	}
	for _, n := range order {
		e.dims = append(e.dims, *byName[n])
	}
	return nil
}

// whDimValues is DimValues on the warehouse.
func (e *Engine) whDimValues(ctx context.Context, dim string) ([]string, error) {
	var parts []string
	for _, t := range e.tableNames() {
		if c, ok := schema.Column(e.tables[t], dim); ok {
			parts = append(parts, fmt.Sprintf("SELECT DISTINCT ifNull(toString(%s), %s) AS v FROM %s", chQuoteIdent(c.Name), chQuoteString(BlankLabel), e.wh.table(t)))
		}
	}
	if len(parts) == 0 {
		return nil, e.CheckDimension(dim)
	}
	rows, err := e.wh.query(ctx, "SELECT DISTINCT v FROM ("+strings.Join(parts, " UNION ALL ")+") ORDER BY v LIMIT 1000")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rows.Data))
	for _, r := range rows.Data {
		out = append(out, fmt.Sprint(r[0]))
	}
	return out, nil
}

// Tables lists the warehouse database's tables and their columns, typed as
// the engine types them (see ClickHouseType).
func (w *Warehouse) Tables(ctx context.Context) (map[string][]store.Column, error) {
	return w.columns(ctx)
}
