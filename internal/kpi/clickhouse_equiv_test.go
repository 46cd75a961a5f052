package kpi

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/chtest"
	"kpiscope/internal/store"
)

// The equivalence of the two renderers on real engines: a generated fixture
// of customers, tickets, surveys and orders loaded into DuckDB and into
// ClickHouse, once as MergeTree tables on one server and once spread over
// the two shards of .ci/clickhouse-cluster behind Distributed tables; every
// built-in KPI's plan for a list of slices, compiled by the engine's own
// compiler (compileRaw, as runRaw does), rendered for each and run on the
// three. Counts must be equal, everything else (sums, means, quantiles,
// values) within 1e-9 relative: the quantiles too, since the ClickHouse
// translation interpolates as DuckDB's quantile_cont does.

// The fixture and its loaders are in internal/chtest, shared with the
// command line's tests.
type chTable = chtest.Table

var chFixtureTables = chtest.FixtureTables

func chFixtureRows() map[string][][]any { return chtest.FixtureRows() }

func chEnv(t *testing.T) (dsn1, dsn2, cluster string) { return chtest.Env(t) }

func chSetup(t *testing.T, tables []chTable, rows map[string][][]any) (local, dist *sql.DB) {
	return chtest.Setup(t, tables, rows)
}

func chDuckLoad(t *testing.T, tables []chTable, rows map[string][][]any) (*store.DB, map[string][]store.Column) {
	return chtest.DuckLoad(t, tables, rows)
}

// chRows runs a query and reads its rows as column name → value, pointers
// (Nullable columns) dereferenced.
func chRows(ctx context.Context, c *sql.DB, q string, args []any) ([]map[string]any, error) {
	rows, err := c.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := map[string]any{}
		for i, c := range cols {
			v := reflect.ValueOf(vals[i])
			for v.IsValid() && v.Kind() == reflect.Pointer {
				if v.IsNil() {
					v = reflect.Value{}
					break
				}
				v = v.Elem()
			}
			if v.IsValid() {
				m[c] = v.Interface()
			} else {
				m[c] = nil
			}
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// chRowKey is a result row's period, segment and grouping flag.
func chRowKey(r map[string]any) string {
	p := "-"
	if t, ok := r["__p"].(time.Time); ok {
		p = t.UTC().Format(time.RFC3339)
	}
	seg := "<null>"
	if s, ok := r["__seg"].(string); ok {
		seg = s
	}
	g := "-"
	if v, ok := r["__g"]; ok {
		g = fmt.Sprint(store.Int(v))
	}
	return p + "|" + seg + "|" + g
}

// chEquivSlices are the slices compared: every grain, the partial current
// period (the data ends on 17 Oct) and its comparison's same part, the
// year comparison, the previous period's, breakdowns by a ticket column and
// by a customer column (the join), filters of every kind, a window.
func chEquivSlices() []Slice {
	sep := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	w4, _ := ParseWindow("last 4 weeks")
	return []Slice{
		{Grain: Month},
		{Grain: Month, Segment: "channel"},
		{Grain: Month, Segment: "region"},
		{Grain: Week},
		{Grain: Week, Segment: "priority", Compare: VsYear},
		{Grain: Day, Trend: 20},
		{Grain: All},
		{Grain: All, Segment: "plan"},
		{Grain: Quarter, Compare: VsYear},
		{Grain: Year},
		{Grain: Month, Period: sep, Segment: "priority", Compare: VsYear},
		{Grain: Month, Period: sep, Compare: VsTarget},
		{Grain: Month, Filters: []Filter{{Dim: "priority", Values: []string{"high", "urgent"}}}},
		{Grain: Month, Filters: []Filter{{Dim: "channel", Op: OpNotIn, Values: []string{"chat", BlankLabel}}}},
		{Grain: Month, Filters: []Filter{{Dim: "channel", Op: OpNotIn, Values: []string{"chat"}}}, Segment: "channel"},
		{Grain: Week, Filters: []Filter{{Dim: "channel", Values: []string{BlankLabel}}}},
		{Grain: Month, Filters: []Filter{{Dim: "contacts", Op: OpGE, Values: []string{"2"}}}},
		{Grain: Month, Filters: []Filter{{Dim: "region", Values: []string{"EMEA", BlankLabel}}}, Segment: "plan"},
		{Grain: All, Filters: []Filter{{Dim: "plan", Values: []string{"Team O'Neil"}}}, Segment: "channel"},
		{Window: w4},
		{Grain: Quarter, Segment: "region", Compare: VsPrevious},
		{Grain: Week, Period: time.Date(2026, 9, 28, 0, 0, 0, 0, time.UTC), Segment: "channel", Compare: VsPrevious, Trend: 6},
	}
}

// chEquivFixture is the shared fixture with what the equivalence tests
// add: a spend table (the spend KPIs, CAC and the retention cost) and
// orders whose repeat rate has edges: two orders of no customer in a month
// (not a customer, not repeating), a customer with the same order on two
// lines (one order), a customer with two orders in a month and one with an
// order in each of two months (repeating in the quarter, not in either
// month).
func chEquivFixture() ([]chTable, map[string][][]any) {
	tables := append(slices.Clone(chFixtureTables), chTable{Name: "spend", Cols: [][3]string{{"month", "DATE", "Date"},
		{"kind", "VARCHAR", "Nullable(String)"}, {"amount", "DOUBLE", "Nullable(Float64)"}}})
	rows := chFixtureRows()
	str := func(s string) *string { return &s }
	num := func(v float64) *float64 { return &v }
	at := func(s string) time.Time { t, _ := time.Parse("2006-01-02 15:04", s); return t }
	for _, o := range []struct {
		id, cust, at string
		amount       float64
	}{
		{"X1", "", "2026-09-03 10:00", 10}, {"X2", "", "2026-09-20 11:00", 20},
		{"X3", "C7", "2026-09-04 09:00", 30}, {"X3", "C7", "2026-09-04 09:00", 5},
		{"X4", "C8", "2026-09-05 12:00", 40}, {"X5", "C8", "2026-09-28 23:59", 50},
		{"X6", "C9", "2026-08-31 23:59", 60}, {"X7", "C9", "2026-09-01 00:00", 70},
	} {
		var c *string
		if o.cust != "" {
			c = str(o.cust)
		}
		rows["orders"] = append(rows["orders"], []any{o.id, c, at(o.at), num(o.amount)})
	}
	for m := time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC); m.Before(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); m = m.AddDate(0, 1, 0) {
		k := float64(m.Month())
		rows["spend"] = append(rows["spend"], []any{m, str("acquisition"), num(1000 + 37*k)}, []any{m, str("retention"), num(400 + 11*k)},
			[]any{m, str("other"), num(99)}, []any{m, (*string)(nil), num(5)})
	}
	return tables, rows
}

func TestClickHouseEquivalence(t *testing.T) {
	chtest.Long(t)
	chEnv(t) // skip first, before DuckDB loads anything
	ctx := context.Background()
	fixture, rows := chEquivFixture()
	local, dist := chSetup(t, fixture, rows)

	db, tables := chDuckLoad(t, fixture, rows)
	e, err := New(ctx, db, append(StandardDefs(tables), chCustomDefs()...), Options{Now: func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) },
		Dimensions: []string{"channel", "priority", "region", "plan", "contacts"}})
	if err != nil {
		t.Fatal(err)
	}
	chCompareAll(t, e, db, local, dist)
}

// chCompareAll compares the engine's plans for chEquivSlices rendered
// for DuckDB and ClickHouse: every KPI the engine has but composites (which
// are computed from their inputs' values, not by a query; see
// TestWarehouseEngineEquivalence) in at least one slice, every built-in of
// the catalog among them.
func chCompareAll(t *testing.T, e *Engine, db *store.DB, local, dist *sql.DB) {
	ctx := context.Background()
	compared, queries := map[string]int{}, 0
	kpiSlices, unreachable, byDesign := 0, 0, 0
	var st chStats
	for si, s0 := range chEquivSlices() {
		s, pl := e.resolveSlice(s0)
		groups, errs := groupDefs(e.defs, e.problems, func(d *Def) plan { return e.kpiWindows(pl, d) })
		byDesign += len(errs) // recorded by month (spend) at a finer grain: no value, no query
		for _, g := range groups {
			qs, _, err := compileRaw(e.snapshot(), g.defs, s, g.pl)
			if err != nil { // a filter the table cannot reach: no value, as Compute says
				unreachable += len(g.defs)
				continue
			}
			for _, q := range qs {
				chSQL, chArgs, err := renderClickHouse(q.plan)
				if err != nil {
					t.Fatalf("slice %d: render %v: %v", si, q.plan.KPIs, err)
				}
				duckSQL, duckArgs := renderDuckDB(q.plan)
				want := chDuckRows(t, db, duckSQL, duckArgs)
				// The slices alternate between the single node and the two
				// shards (TestWarehouseEngineEquivalence runs every slice on
				// both): each plan shape meets both, and CI's time stays
				// within its budget.
				targets := []struct {
					name string
					c    *sql.DB
				}{{"single node", local}, {"2 shards", dist}}
				for _, target := range targets[si%2 : si%2+1] {
					qctx, cancel := context.WithTimeout(ctx, time.Minute)
					got, err := chRows(qctx, target.c, chSQL, chArgs)
					cancel()
					if err != nil {
						t.Fatalf("slice %d (%+v), %s, %v: %v\n%s\n%v", si, s0, target.name, q.plan.KPIs, err, chSQL, chArgs)
					}
					if msg := chCompare(q.plan, want, got, &st); msg != "" {
						t.Errorf("slice %d (%+v), %s, KPIs %v, role %d: %s\n%s\n%v", si, s0, target.name, q.plan.KPIs, q.role, msg, chSQL, chArgs)
					}
					queries++
				}
			}
			for _, d := range g.defs {
				compared[d.ID]++
				kpiSlices++
			}
		}
	}
	ids := make([]string, 0, len(compared))
	for id, n := range compared {
		ids = append(ids, fmt.Sprintf("%s×%d", id, n))
	}
	sort.Strings(ids)
	t.Logf("%d KPI × slice comparisons over %d slices: %d queries on ClickHouse, each against DuckDB, %d rows, %d values (not NULL) equal; %d KPI × slice left out by a filter their table cannot reach, %d with no value by design: %s",
		kpiSlices, len(chEquivSlices()), queries, st.rows, st.values, unreachable, byDesign, strings.Join(ids, " "))
	have := map[string]bool{}
	for _, d := range e.defs {
		have[d.ID] = true
		if d.Type != Composite && compared[d.ID] == 0 {
			t.Errorf("%s was never compared", d.ID)
		}
	}
	for _, b := range Catalog() {
		if !have[b.ID] {
			t.Errorf("built-in %s is not among the engine's KPIs: the fixture lacks its table or roles", b.ID)
		}
	}
}

// chCustomDefs are custom KPIs whose expressions use the rest of the
// translatable subset: a row filter, NOT IN, CASE, BETWEEN, coalesce,
// least/greatest over NULLs, round, date_diff by hour and day, epoch,
// count(DISTINCT) with a FILTER, min, max, median, LIKE, TRY_CAST and a
// formula with periods_per_year.
func chCustomDefs() []*Def {
	return []*Def{
		{ID: "x_where", Name: "x where", Source: "tickets", Type: Ratio, Better: Higher, Time: "created_at", Scale: 100,
			Numerator: "count(*) FILTER (WHERE channel NOT IN ('chat', 'web'))", Denominator: "count(channel)",
			Where: "priority <> 'low' OR priority IS NULL"},
		{ID: "x_formula", Name: "x formula", Source: "tickets", Type: Formula, Better: Higher, Time: "resolved_at",
			Inputs: map[string]string{
				"a": "sum(CASE WHEN contacts >= 2 THEN 1 ELSE 0 END)",
				"b": "max(date_diff('hour', created_at, resolved_at))",
				"c": "min(date_diff('day', created_at, first_response_at)) FILTER (WHERE channel = 'email')",
				"n": "count(DISTINCT customer_id) FILTER (WHERE NOT (csat BETWEEN 2 AND 4))",
				"m": "median(coalesce(csat, ces, 0)) FILTER (WHERE priority = 'urgent')",
				"r": "avg(round(epoch(resolved_at) - epoch(created_at)) / 60.0)"},
			Expr: "(a + b) * periods_per_year / greatest(n, 1) + least(m, c, 100) + r / 1000"},
		{ID: "x_text", Name: "x text", Source: "tickets", Type: Ratio, Better: Higher, Time: "created_at",
			Numerator:   "count(*) FILTER (WHERE lower(trim(reopened)) LIKE 't%' OR TRY_CAST(reopened AS DOUBLE) >= 1)",
			Denominator: "count(*) FILTER (WHERE reopened IS NOT NULL AND NOT (reopened IN ('no', '0')))"},
	}
}

// chDuckRows runs a query on DuckDB, rows as column name → value.
func chDuckRows(t *testing.T, db *store.DB, q string, args []any) []map[string]any {
	t.Helper()
	rs, err := db.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("DuckDB: %v\n%s", err, q)
	}
	var out []map[string]any
	for _, r := range rs.Data {
		m := map[string]any{}
		for i, c := range rs.Columns {
			m[c] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// chStats counts what was compared.
type chStats struct{ rows, values int }

// chCompare compares DuckDB's rows with ClickHouse's: the same rows (by
// period, segment and grouping flag), counts equal, every other column
// within 1e-9 relative; no value (NULL, NaN, ±Inf, which the executor
// reads as none) on both sides alike.
func chCompare(q *queryPlan, want, got []map[string]any, st *chStats) string {
	index := func(rs []map[string]any) (map[string]map[string]any, string) {
		m := map[string]map[string]any{}
		for _, r := range rs {
			k := chRowKey(r)
			if m[k] != nil {
				return nil, "two rows " + k
			}
			m[k] = r
		}
		return m, ""
	}
	w, msg := index(want)
	if msg != "" {
		return "DuckDB: " + msg
	}
	g, msg := index(got)
	if msg != "" {
		return "ClickHouse: " + msg
	}
	var keys []string
	for k := range w {
		keys = append(keys, k)
		if g[k] == nil {
			return "ClickHouse has no row " + k
		}
	}
	for k := range g {
		if w[k] == nil {
			return "ClickHouse has an extra row " + k
		}
	}
	sort.Strings(keys)
	st.rows += len(keys)
	counts := map[string]bool{}
	cols := []string{}
	for _, a := range q.Aggs {
		cols = append(cols, a.Name)
		counts[a.Name] = strings.HasPrefix(strings.TrimSpace(a.Expr), "count(")
	}
	for _, v := range q.Values {
		cols = append(cols, v.Name)
	}
	for _, k := range keys {
		for _, c := range cols {
			a, aok := store.Float(w[k][c])
			b, bok := store.Float(g[k][c])
			if aok {
				st.values++
			}
			switch {
			case aok != bok:
				return fmt.Sprintf("row %s, %s: DuckDB %v, ClickHouse %v", k, c, w[k][c], g[k][c])
			case !aok:
			case counts[c] && a != b:
				return fmt.Sprintf("row %s, count %s: DuckDB %v, ClickHouse %v", k, c, a, b)
			case math.Abs(a-b) > 1e-9*math.Max(1, math.Abs(a)):
				return fmt.Sprintf("row %s, %s: DuckDB %v, ClickHouse %v", k, c, a, b)
			}
		}
	}
	return ""
}

// TestClickHouseNullSemantics runs the translator's constructs on both
// engines over rows with every combination of NULLs, where ClickHouse
// 18.16's own semantics differ from SQL's (NULL AND FALSE, NULL IN, an
// aggregate over nothing, least over a NULL), in every position: a FILTER,
// an aggregate's argument, a CASE.
func TestClickHouseNullSemantics(t *testing.T) {
	chtest.Long(t)
	chEnv(t)
	tables := []chTable{{Name: "n", Cols: [][3]string{{"grp", "VARCHAR", "String"}, {"a", "INTEGER", "Nullable(Int32)"},
		{"b", "INTEGER", "Nullable(Int32)"}, {"s", "VARCHAR", "Nullable(String)"}}}}
	var rows [][]any
	i := 0
	for _, a := range []*int32{nil, ptr32(1), ptr32(2), ptr32(3)} {
		for _, b := range []*int32{nil, ptr32(0), ptr32(2)} {
			for _, s := range []*string{nil, ptrStr("x1"), ptrStr("y"), ptrStr(" 7 ")} {
				rows = append(rows, []any{[]string{"g1", "g2", "g3"}[i%3], a, b, s})
				i++
			}
		}
	}
	data := map[string][][]any{"n": rows}
	local, dist := chSetup(t, tables, data)
	db, cols := chDuckLoad(t, tables, data)

	var defs []*Def
	for k, expr := range []string{
		"count(*) FILTER (WHERE NOT (a > 1 AND b > 1))",
		"count(*) FILTER (WHERE NOT (a > 1 OR b > 1))",
		"count(*) FILTER (WHERE NOT (a IN (1, 2)))",
		"count(*) FILTER (WHERE a NOT IN (1, 2))",
		"count(*) FILTER (WHERE NOT (a BETWEEN 1 AND 2))",
		"count(*) FILTER (WHERE a NOT BETWEEN 1 AND 2)",
		"count(*) FILTER (WHERE NOT (s LIKE 'x%'))",
		"count(*) FILTER (WHERE coalesce(a, b) > 1)",
		"count(*) FILTER (WHERE CASE WHEN a > 1 THEN b > 0 END)",
		"count(*) FILTER (WHERE NOT CASE WHEN a > 1 THEN b > 0 END)",
		"count(*) FILTER (WHERE (a > 1) = (b > 1))",
		"count(*) FILTER (WHERE NOT (a IS NULL OR b = 0))",
		"count(*) FILTER (WHERE TRY_CAST(s AS DOUBLE) >= 7)",
		"count(*) FILTER (WHERE NOT (lower(trim(s)) IN ('x1')))",
		"count(*) FILTER (WHERE NOT (a > 1 AND NULL))",
		"count(a > 1 AND b > 1)",
		"sum(least(a, b))",
		"sum(greatest(a, b, 1))",
		"sum(round(a / 3.0, 1))",
		"sum(round(-a / 2.0))",
		"avg(a * 1.0 / nullif(b, 0))",
		"min(coalesce(a, b))",
		"max(CASE a WHEN 1 THEN 10 WHEN 2 THEN 20 END)",
		"count(DISTINCT s)",
		"count(DISTINCT a) FILTER (WHERE b IS NULL)",
		"count(s)",
		"median(a)",
		"quantile_cont(a, 0.25) FILTER (WHERE b = 2)",
		"quantile_cont(a, 0.9) FILTER (WHERE b = 99)",
		"sum(a) FILTER (WHERE b = 99)",
		"min(b) FILTER (WHERE a IS NULL)",
		"sum(length(s))",
		"(count(*) - count(a)) * 1.0 / count(*)",
	} {
		defs = append(defs, &Def{ID: fmt.Sprintf("e%02d", k), Source: "n", Type: Formula, Better: Higher,
			Inputs: map[string]string{"v": expr}, Expr: "v"})
	}
	sch := &schemaSnapshot{tables: cols}
	var st chStats
	for _, s := range []Slice{{Grain: All}, {Grain: All, Segment: "grp"}, {Grain: All, Segment: "s"}} {
		pl := resolveWindows(&s, time.Time{}, time.Time{}, time.Time{})
		qs, _, err := compileRaw(sch, defs, s, pl)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			chSQL, chArgs, err := renderClickHouse(q.plan)
			if err != nil {
				t.Fatal(err)
			}
			duckSQL, duckArgs := renderDuckDB(q.plan)
			want := chDuckRows(t, db, duckSQL, duckArgs)
			for _, c := range []*sql.DB{local, dist} {
				got, err := chRows(context.Background(), c, chSQL, chArgs)
				if err != nil {
					t.Fatalf("%v\n%s", err, chSQL)
				}
				// Name the expression of a difference.
				if msg := chCompare(q.plan, want, got, &st); msg != "" {
					for _, a := range q.plan.Aggs {
						if strings.Contains(msg, a.Name) {
							msg += "\n" + a.Expr
						}
					}
					t.Errorf("segment %q: %s", s.Segment, msg)
				}
			}
		}
	}
	t.Logf("%d expressions, %d rows, %d values equal", len(defs), st.rows, st.values)
}

func ptr32(v int32) *int32    { return &v }
func ptrStr(s string) *string { return &s }
