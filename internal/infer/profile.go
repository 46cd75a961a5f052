// Package infer looks at loaded tables the way an analyst would on first
// contact: it profiles columns (types, cardinalities, null shares, ranges),
// infers which columns are time axes, dimensions, identifiers, scores, flags
// and durations, and proposes the KPIs the data supports (built-ins through a
// column mapping, custom definitions where no built-in fits), written out as
// a commented kpiscope.yaml.
//
// It builds on the kpi engine: inferred KPIs are ordinary kpi.Defs, produced
// through the same config parser a hand-written kpiscope.yaml goes through.
// The checks of the data behind each KPI are package quality's.
package infer

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
	"kpiscope/internal/schema"
	"kpiscope/internal/source"
	"kpiscope/internal/store"
)

// TableProfile describes one loaded table.
type TableProfile struct {
	Name  string
	Files []string // absolute paths the table was read from (empty for tables not loaded from files)
	// Path is the glob a config reads Files back with, when their folder
	// holds other files too ("" otherwise).
	Path    string
	Rows    int64
	Columns []*ColumnProfile
	// Time is the column chosen as the table's time axis, "" when it has none.
	Time string
	// AllColumns is how many columns the table has; more than len(Columns)
	// when it was wider than MaxProfiled.
	AllColumns int
	// Encoding is the files' encoding when it is not UTF-8 (source.Table).
	Encoding string
	// MissingNote says which missing-value tokens were read as missing
	// (source.Table.MissingNote).
	MissingNote string
	// Customers is set when the rows are customers: a customer id is
	// (about) unique, or, with no id column, the table is named for
	// customers. Churn and retention are inferred on such tables only.
	Customers bool
	// Customer is the column that identifies customers in such a table, ""
	// when none does.
	Customer string
	// Notes explain what the table's columns rule out (no creation time, a
	// status that is not churn), one comment line each.
	Notes []string
	// Sampled is set when the profile read only the table's first Rows
	// rows (ProfileSample).
	Sampled bool

	from string // the relation the profile's queries read: the table, or its first rows
}

// Unprofiled is how many of the table's columns were left out of its profile.
func (t *TableProfile) Unprofiled() int { return max(t.AllColumns-len(t.Columns), 0) }

// ProfiledNote says, for a table wider than MaxProfiled, which columns were
// profiled and what became of the others; "" when every column was.
func (t *TableProfile) ProfiledNote() string {
	if t.Unprofiled() == 0 {
		return ""
	}
	return fmt.Sprintf("profiled %s of %s columns (those named like a date, id, score, amount, flag or segment first, then from the left); %s not inferred: name %s in kpis: or dimensions: to use %[4]s",
		kpi.FormatFloat(float64(len(t.Columns)), 0), kpi.FormatFloat(float64(t.AllColumns), 0), cmdline.Count(t.Unprofiled(), "other column")+cmdline.Pick(t.Unprofiled(), " is", " are"), cmdline.Pick(t.Unprofiled(), "it", "them"))
}

// Column returns a column by name (exact, then case-insensitive), or nil.
func (t *TableProfile) Column(name string) *ColumnProfile {
	c, _ := schema.Find(t.Columns, name, func(c *ColumnProfile) string { return c.Name })
	return c
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
	Values []schema.ValueCount
	// Example is one non-null value.
	Example string

	Kind ColumnKind
	// Dimension is set when the column is a sensible slicing dimension
	// (independently of Kind: a flag can be a dimension too).
	Dimension bool
	// Scale is set for scores.
	Scale *schema.Scale
	// True is the value meaning yes for flags ("Y", "Yes", "true", "1"), and
	// the churned value for status columns ("Churned").
	True string
	// Joined is, for status columns, the value marking customers who joined
	// during the period ("Joined"), if any.
	Joined string
	// Unit is s, m, h or d for durations when the name says so.
	Unit string
	// Note says why a column that looks like a KPI's was not used as one.
	Note string
}

// NullShare is the share of rows that are null, 0..1.
func (c *ColumnProfile) NullShare() float64 {
	if n := c.NonNull + c.Nulls; n > 0 {
		return float64(c.Nulls) / float64(n)
	}
	return 0
}

// exactDistinctRows is the table size up to which distinct values are
// counted exactly; beyond it they are estimated (identifiers are recounted).
const exactDistinctRows = 5_000_000

// MaxProfiled caps the columns profiled per table: a 10,000-column export
// is profiled on the columns a KPI or dimension could use, and its profile
// says how many were left out.
const MaxProfiled = 2000

// narrowColumns is the width up to which a table is profiled in one
// aggregate statement, one set of aggregates per column. DuckDB's planning
// of such a statement grows faster than linearly with its expressions, so
// wider tables are unpivoted instead: one row per (column, value), grouped by
// column name, a chunk of columns of one type at a time.
const narrowColumns = 64

// chunkCells bounds the (column, value) pairs one unpivoted statement reads,
// and so the distinct-value hash tables it holds at once.
const chunkCells = 20_000_000

// Profile profiles the named tables in db.
func Profile(ctx context.Context, db *store.DB, tables []source.Table) ([]*TableProfile, error) {
	return profile(ctx, db, tables, 0)
}

// relation is the SQL a profile of table reads: the whole table, or its
// first limit rows when limit > 0 (a LIMIT stops a Parquet or CSV scan
// early, where a random sample reads every row).
func relation(table string, limit int64) string {
	if limit <= 0 {
		return store.QuoteIdent(table)
	}
	return fmt.Sprintf("(SELECT * FROM %s LIMIT %d)", store.QuoteIdent(table), limit)
}

// relation is the SQL the table's profile reads (relation).
func (t *TableProfile) relation() string {
	if t.from == "" {
		return store.QuoteIdent(t.Name)
	}
	return t.from
}

// profile profiles the tables, each on its first limit rows when limit > 0.
func profile(ctx context.Context, db *store.DB, tables []source.Table, limit int64) ([]*TableProfile, error) {
	var out []*TableProfile
	for _, t := range tables {
		cols := t.Columns
		if len(cols) == 0 {
			var err error
			if cols, err = db.Columns(ctx, t.Name); err != nil {
				return nil, err
			}
		}
		tp, err := profileTable(ctx, db, t.Name, cols, limit)
		if err != nil {
			return nil, fmt.Errorf("inspect %s: %w", t.Name, err)
		}
		tp.Files, tp.Path = t.Files, t.Path
		tp.Encoding, tp.MissingNote = t.Encoding, t.MissingNote()
		out = append(out, tp)
	}
	return out, nil
}

// statCount is the number of values statExprs yields per column.
const statCount = 8

// statExprs are the aggregates profiled for one column (or the unpivoted
// value column v): non-null count, distinct count, min and max as text and
// as numbers, non-whole values, an example.
func statExprs(q, typ string, approx bool) string {
	distinct := "count(DISTINCT %[1]s)"
	if approx {
		distinct = "approx_count_distinct(%[1]s)"
	}
	minMax := "CAST(min(%[1]s) AS VARCHAR), CAST(max(%[1]s) AS VARCHAR)"
	numeric := "NULL, NULL, NULL"
	switch {
	case schema.IsNumeric(typ):
		numeric = "CAST(min(%[1]s) AS DOUBLE), CAST(max(%[1]s) AS DOUBLE), count(*) FILTER (WHERE %[1]s <> round(%[1]s))"
	case schema.IsBool(typ):
		minMax = "NULL, NULL"
	case !schema.IsTime(typ) && !schema.IsText(typ):
		minMax = "NULL, NULL" // lists, structs: no order worth showing
	}
	return fmt.Sprintf("count(%[1]s), "+distinct+", "+minMax+", "+numeric+", CAST(any_value(%[1]s) AS VARCHAR)", q)
}

// fill sets a column's profile from its statExprs values.
func fill(cp *ColumnProfile, r []any, rows int64) {
	cp.NonNull = store.Int(r[0])
	cp.Nulls = rows - cp.NonNull
	cp.Distinct = store.Int(r[1])
	if cp.Distinct > cp.NonNull {
		cp.Distinct = cp.NonNull
	}
	cp.Min, cp.Max = schema.ValueText(r[2]), schema.ValueText(r[3])
	if f, ok := store.Float(r[4]); ok {
		cp.MinNum = f
	}
	if f, ok := store.Float(r[5]); ok {
		cp.MaxNum = f
	}
	cp.Integral = schema.IsNumeric(cp.Type) && cp.NonNull > 0 && store.Int(r[6]) == 0
	cp.Example = schema.ValueText(r[7])
}

func profileTable(ctx context.Context, db *store.DB, name string, cols []store.Column, limit int64) (*TableProfile, error) {
	tp := &TableProfile{Name: name, AllColumns: len(cols), from: relation(name, limit)}
	if len(cols) == 0 {
		return tp, nil
	}
	cols = pickColumns(cols, MaxProfiled)
	n, err := db.Query(ctx, "SELECT count(*) FROM "+tp.from)
	if err != nil {
		return nil, err
	}
	tp.Rows = store.Int(n.Data[0][0])
	tp.Sampled = limit > 0 && tp.Rows >= limit
	approx := tp.Rows > exactDistinctRows
	for _, c := range cols {
		tp.Columns = append(tp.Columns, &ColumnProfile{Name: c.Name, Type: c.Type})
	}
	if len(cols) <= narrowColumns {
		var sel []string
		for _, c := range cols {
			sel = append(sel, statExprs(store.QuoteIdent(c.Name), c.Type, approx))
		}
		rows, err := db.Query(ctx, fmt.Sprintf("SELECT %s FROM %s", strings.Join(sel, ", "), tp.from))
		if err != nil {
			return nil, err
		}
		for i, cp := range tp.Columns {
			fill(cp, rows.Data[0][i*statCount:], tp.Rows)
		}
	} else if err := profileWide(ctx, db, tp, approx); err != nil {
		return nil, err
	}
	if err := valueCounts(ctx, db, tp); err != nil {
		return nil, err
	}
	classify(tp)
	return tp, nil
}

// chunks splits columns into runs of one type, each small enough for one
// unpivoted statement over rows rows.
func chunks(cols []*ColumnProfile, rows int64, sameType bool) [][]*ColumnProfile {
	per := 1000
	if rows > 0 {
		per = int(min(max(chunkCells/rows, 16), 1000))
	}
	var out [][]*ColumnProfile
	open := map[string]int{} // type → index of its chunk being filled
	for _, c := range cols {
		key := ""
		if sameType {
			key = c.Type
		}
		i, ok := open[key]
		if !ok || len(out[i]) >= per {
			out = append(out, nil)
			i = len(out) - 1
			open[key] = i
		}
		out[i] = append(out[i], c)
	}
	return out
}

// unpivot is a subquery with one row (name, v) per non-null value of the
// given column expressions over the relation from.
func unpivot(from string, exprs, names []string) string {
	sel := make([]string, len(exprs))
	for i := range exprs {
		sel[i] = exprs[i] + " AS " + store.QuoteIdent(names[i])
	}
	return fmt.Sprintf("(UNPIVOT (SELECT %s FROM %s) ON COLUMNS(*) INTO NAME name VALUE v)", strings.Join(sel, ", "), from)
}

// profileWide profiles a wide table a chunk of same-typed columns at a time,
// unpivoted: planning cost stays linear in the number of columns.
func profileWide(ctx context.Context, db *store.DB, tp *TableProfile, approx bool) error {
	for _, ch := range chunks(tp.Columns, tp.Rows, true) {
		byName := make(map[string]*ColumnProfile, len(ch))
		var exprs, names []string
		for _, c := range ch {
			byName[c.Name] = c
			exprs, names = append(exprs, store.QuoteIdent(c.Name)), append(names, c.Name)
		}
		q := fmt.Sprintf("SELECT name, %s FROM %s GROUP BY name", statExprs("v", ch[0].Type, approx), unpivot(tp.relation(), exprs, names))
		rows, err := db.Query(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range rows.Data {
			if cp := byName[schema.ValueText(r[0])]; cp != nil {
				fill(cp, r[1:], tp.Rows)
			}
		}
		for _, cp := range ch {
			cp.Nulls = tp.Rows - cp.NonNull // all-blank columns have no row above
		}
	}
	return nil
}

// maxValues is the number of most frequent values kept per column; a
// column with more distinct values keeps none.
const maxValues = 12

// valueCounts reads exact value counts for low-cardinality columns: flags,
// statuses, dimensions and score scales are read from them. Every such
// column of a chunk is counted in one unpivoted statement.
func valueCounts(ctx context.Context, db *store.DB, tp *TableProfile) error {
	var cands []*ColumnProfile
	for _, cp := range tp.Columns {
		if cp.NonNull == 0 || cp.Distinct > 14 || !(schema.IsText(cp.Type) || schema.IsBool(cp.Type) || schema.IsNumeric(cp.Type) && cp.Integral) {
			continue
		}
		cands = append(cands, cp)
	}
	for _, ch := range chunks(cands, tp.Rows, false) {
		byName := make(map[string]*ColumnProfile, len(ch))
		var exprs, names []string
		for _, c := range ch {
			byName[c.Name] = c
			exprs, names = append(exprs, "CAST("+store.QuoteIdent(c.Name)+" AS VARCHAR)"), append(names, c.Name)
		}
		rows, err := db.Query(ctx, fmt.Sprintf("SELECT name, v, count(*) FROM %s GROUP BY name, v", unpivot(tp.relation(), exprs, names)))
		if err != nil {
			return err
		}
		counts := map[*ColumnProfile][]schema.ValueCount{}
		for _, r := range rows.Data {
			if cp := byName[schema.ValueText(r[0])]; cp != nil {
				counts[cp] = append(counts[cp], schema.ValueCount{Value: schema.ValueText(r[1]), Rows: store.Int(r[2])})
			}
		}
		for cp, vs := range counts {
			if len(vs) > maxValues {
				continue
			}
			sort.Slice(vs, func(i, j int) bool {
				if vs[i].Rows != vs[j].Rows {
					return vs[i].Rows > vs[j].Rows
				}
				return vs[i].Value < vs[j].Value
			})
			cp.Values, cp.Distinct = vs, int64(len(vs))
		}
	}
	return nil
}

// pickColumns keeps at most limit columns, in table order: first those
// whose names a KPI, a time axis or a dimension could use, then date and
// time columns, then the others from the left.
func pickColumns(cols []store.Column, limit int) []store.Column {
	if len(cols) <= limit {
		return cols
	}
	keep := make([]bool, len(cols))
	n := 0
	for pass := 0; pass < 3; pass++ {
		for i, c := range cols {
			if n == limit {
				break
			}
			take := pass == 2 ||
				pass == 0 && (schema.LooksLikeID(c.Name) || schema.HasStem(schema.Tokens(c.Name), vocabulary...)) ||
				pass == 1 && schema.IsTime(c.Type)
			if !keep[i] && take {
				keep[i] = true
				n++
			}
		}
	}
	out := make([]store.Column, 0, limit)
	for i, c := range cols {
		if keep[i] {
			out = append(out, c)
		}
	}
	return out
}

// vocabulary holds every stem that makes a column a candidate for a role,
// a custom KPI or a dimension.
var vocabulary = func() []string {
	v := append([]string{}, segmentStems...)
	v = append(v, schema.Stems()...)
	for _, r := range flagRules {
		v = append(v, r.stems...)
	}
	v = append(v, amountStems...)
	v = append(v, countStems...)
	return append(v, "status", "flag", "time", "speed")
}()
