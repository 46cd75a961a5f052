package kpi

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"kpiscope/internal/store"
)

// The compiler is tested without a database: a hand-built schema snapshot,
// slices resolved against its time range, and the SQL and arguments that the
// DuckDB renderer makes of each query compared with testdata/plan/*.golden.
// Review changes like code; regenerate with
// `go test ./internal/kpi/ -run TestPlanGolden -update`.

func col(name, typ string) store.Column { return store.Column{Name: name, Type: typ} }

// planSchema is the standard data model, as a loaded database would describe it.
func planSchema() *schemaSnapshot {
	return &schemaSnapshot{
		tables: map[string][]store.Column{
			"customers": {col("customer_id", "VARCHAR"), col("signup_date", "DATE"), col("churn_date", "DATE"),
				col("segment", "VARCHAR"), col("region", "VARCHAR"), col("plan", "VARCHAR"), col("acquisition_channel", "VARCHAR")},
			"orders": {col("order_id", "VARCHAR"), col("customer_id", "VARCHAR"), col("order_date", "TIMESTAMP"), col("amount", "DOUBLE")},
			"tickets": {col("ticket_id", "VARCHAR"), col("customer_id", "VARCHAR"), col("channel", "VARCHAR"), col("priority", "VARCHAR"),
				col("team", "VARCHAR"), col("created_at", "TIMESTAMP"), col("first_response_at", "TIMESTAMP"), col("resolved_at", "TIMESTAMP"),
				col("contacts", "BIGINT"), col("csat", "BIGINT"), col("ces", "BIGINT")},
			"surveys": {col("survey_id", "VARCHAR"), col("customer_id", "VARCHAR"), col("sent_at", "TIMESTAMP"), col("responded_at", "TIMESTAMP"), col("nps", "BIGINT")},
			"spend":   {col("month", "DATE"), col("kind", "VARCHAR"), col("amount", "DOUBLE")},
		},
		customers:   "customers",
		customerKey: "customer_id",
		start:       time.Date(2024, 1, 3, 8, 0, 0, 0, time.UTC),
		asOf:        time.Date(2026, 10, 14, 16, 20, 0, 0, time.UTC), // October is partial
	}
}

// planDefs is the built-in catalog bound to planSchema, plus custom KPIs with
// a row filter, periods_per_year and no time axis.
func planDefs(sch *schemaSnapshot) map[string]*Def {
	out := map[string]*Def{}
	for _, d := range StandardDefs(sch.tables) {
		out[d.ID] = d
	}
	for _, d := range []*Def{
		{ID: "big_orders", Source: "orders", Type: Ratio, Numerator: "count(*) FILTER (WHERE amount >= 500)", Denominator: "count(*)",
			Where: "amount > 0", Scale: 100, Better: Higher, Time: "order_date"},
		{ID: "annual_revenue", Source: "orders", Type: Formula, Inputs: map[string]string{"rev": "sum(amount)", "n": "count(*)"},
			Expr: "rev * periods_per_year", Where: "amount > 0", Better: Higher, Time: "order_date"},
		{ID: "pro_share", Source: "customers", Type: Ratio, Numerator: "count(*) FILTER (WHERE \"plan\" = 'Pro')", Denominator: "count(*)",
			Scale: 100, Better: Higher},
		// A cohort with a column computed once per period (its length) and
		// one per ticket and period (the ticket's age at its end).
		{ID: "old_open", Source: "tickets", Type: Cohort, Inputs: map[string]string{
			"open": "count(*) FILTER (WHERE created_at < period_end AND (resolved_at IS NULL OR resolved_at >= period_end))",
			"old":  "count(*) FILTER (WHERE created_at < period_end AND (resolved_at IS NULL OR resolved_at >= period_end) AND age > span)"},
			Expr: "old / open", PeriodCols: map[string]string{"span": "date_diff('day', period_start, period_end)"},
			RowCols: map[string]string{"age": "date_diff('day', created_at, period_end)"}, Better: Lower, Time: "created_at"},
	} {
		out[d.ID] = d
	}
	return out
}

func planDay(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

var planCases = []struct {
	name  string
	ids   []string
	slice Slice
}{
	{"no_segment", []string{"csat", "nps"}, Slice{Grain: Month, Period: planDay("2026-09-01")}},
	{"segment_own_column", []string{"csat", "ces", "resolution_time"}, Slice{Segment: "channel"}},
	{"segment_customers_join", []string{"csat", "nps"}, Slice{Segment: "region", Grain: Month}},
	{"segment_not_sliceable", []string{"nps"}, Slice{Segment: "channel", Grain: Month}},
	{"filters", []string{"csat", "avg_purchase"}, Slice{Grain: Month, Period: planDay("2026-09-01"), Filters: []Filter{
		{Dim: "channel", Values: []string{"chat", "email"}}, {Dim: "region", Values: []string{BlankLabel, "North"}}}}},
	{"filter_blank_only", []string{"first_response"}, Slice{Grain: Quarter, Filters: []Filter{{Dim: "priority", Values: []string{BlankLabel}}}}},
	{"no_trend_split", []string{"csat"}, Slice{Grain: Month, Period: planDay("2026-09-01"), Compare: VsYear, Trend: 1}},
	{"no_trend_split_segment", []string{"csat"}, Slice{Grain: Month, Period: planDay("2026-09-01"), Compare: VsYear, Trend: 1, Segment: "region",
		Filters: []Filter{{Dim: "channel", Values: []string{"chat"}}}}},
	{"partial_compare", []string{"csat", "nps"}, Slice{Grain: Month, Period: planDay("2026-10-01"), Segment: "channel"}},
	{"partial_day_vs_year", []string{"fcr"}, Slice{Grain: Day, Period: planDay("2026-10-14"), Compare: VsYear, Trend: 7}},
	{"partial_vs_target", []string{"fcr"}, Slice{Grain: Week, Period: planDay("2026-10-12"), Compare: VsTarget, Trend: 4}},
	{"grain_all", []string{"csat", "retention"}, Slice{Grain: All, Segment: "plan"}},
	{"cohort", []string{"retention", "churn"}, Slice{Grain: Quarter, Segment: "plan"}},
	{"cohort_partial", []string{"churn"}, Slice{Grain: Month, Period: planDay("2026-10-01")}},
	{"cohort_period_cols", []string{"old_open"}, Slice{Grain: Month, Period: planDay("2026-09-01"), Segment: "priority"}},
	{"where", []string{"big_orders", "annual_revenue"}, Slice{Grain: Week, Filters: []Filter{{Dim: "region", Values: []string{"South"}}}}},
	{"no_time_axis", []string{"pro_share", "new_customers"}, Slice{Grain: Year, Segment: "region"}},
	{"min_grain", []string{"acquisition_spend", "retention_spend", "new_customers"}, Slice{Grain: Week, Trend: 2}},
	{"composite_inputs", []string{"clv"}, Slice{Grain: Month, Period: planDay("2026-06-01")}},
}

func TestPlanGolden(t *testing.T) {
	sch := planSchema()
	defs := planDefs(sch)
	for _, tc := range planCases {
		t.Run(tc.name, func(t *testing.T) {
			var want []*Def
			for _, id := range tc.ids {
				if defs[id] == nil {
					t.Fatalf("no KPI %s", id)
				}
				want = append(want, defs[id])
			}
			golden.RequireEqual(goldenName{t, "plan/" + tc.name}, planText(t, sch, defs, want, tc.slice))
		})
	}
}

// goldenName files a golden under testdata/plan/ instead of the test's name.
type goldenName struct {
	*testing.T
	name string
}

func (g goldenName) Name() string { return g.name }

// prettySQL breaks rendered SQL into lines for review; the text between the
// breaks is compared as rendered.
func prettySQL(q string) string {
	r := strings.NewReplacer(
		" FROM (", "\n  FROM (",
		" FROM src", "\n  FROM src",
		" UNION ALL ", "\n  UNION ALL\n  ",
		" WHERE (", "\n  WHERE (",
		" WHERE CAST(", "\n  WHERE CAST(",
		" GROUP BY ", "\n  GROUP BY ",
		" LEFT JOIN ", "\n  LEFT JOIN ",
		"), src AS (", "),\n  src AS (",
		", CAST((", ",\n    CAST((",
		") SELECT ", ")\n  SELECT ",
	)
	return r.Replace(q)
}

func argsText(args []any) string {
	var b strings.Builder
	for i, a := range args {
		fmt.Fprintf(&b, "  $%d %T %v\n", i+1, a, a)
	}
	return b.String()
}

func sliceText(s Slice) string {
	var parts []string
	parts = append(parts, "grain="+string(s.Grain))
	if !s.Period.IsZero() {
		parts = append(parts, "period="+s.Period.Format("2006-01-02"))
	}
	parts = append(parts, "compare="+string(s.Compare), fmt.Sprintf("trend=%d", s.Trend))
	if s.Segment != "" {
		parts = append(parts, "segment="+s.Segment)
	}
	for _, f := range s.Filters {
		parts = append(parts, "filter "+f.String())
	}
	return strings.Join(parts, " ")
}

// planText compiles what Compute would run from raw rows for the KPIs of a
// slice, and renders it for DuckDB.
func planText(t *testing.T, sch *schemaSnapshot, all map[string]*Def, want []*Def, s Slice) string {
	t.Helper()
	pl := resolveWindows(&s, sch.start, sch.asOf, time.Time{})
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", sliceText(s))
	need := map[string]bool{}
	var order []*Def
	var visit func(d *Def)
	visit = func(d *Def) {
		if need[d.ID] {
			return
		}
		need[d.ID] = true
		if d.Type == Composite {
			for _, n := range d.InputNames() {
				id, _, _ := strings.Cut(d.Inputs[n], ".")
				visit(all[id])
			}
		}
		order = append(order, d)
	}
	for _, d := range want {
		visit(d)
	}
	groups, errs := groupDefs(order, nil, func(*Def) plan { return pl })
	for _, d := range order {
		if errs[d.ID] != nil {
			fmt.Fprintf(&b, "\n## %s: not applicable\n", d.ID)
		}
	}
	for _, g := range groups {
		var ids []string
		for _, d := range g.defs {
			ids = append(ids, d.ID)
		}
		fmt.Fprintf(&b, "\n## %s\n", strings.Join(ids, ", "))
		qs, segErr, err := compileRaw(sch, g.defs, s, pl)
		if segErr != nil {
			fmt.Fprintf(&b, "-- segment error: %v\n", segErr)
		}
		if err != nil {
			fmt.Fprintf(&b, "-- full: error: %v\n", err)
			continue
		}
		for _, q := range qs {
			role := map[rawRole]string{rawFull: "full", rawSegments: "segments", rawPart: "part"}[q.role]
			if q.role == rawFull && len(qs) > 1 && qs[1].role == rawSegments {
				role = "totals"
			}
			sql, args := renderDuckDB(q.plan)
			fmt.Fprintf(&b, "-- %s\n%s\n-- args\n%s", role, prettySQL(sql), argsText(args))
		}
	}
	return b.String()
}

// A composite's formula over other KPIs' values, one row per segment and
// period; a missing input is bound as NULL.
func TestPlanGoldenComposite(t *testing.T) {
	x, y := 1234.5, 2.25
	clv, ok := LookupBuiltin("clv")
	if !ok {
		t.Fatal("no clv")
	}
	d := clv.Bind("", nil)
	var b strings.Builder
	for _, g := range []Grain{Month, All} {
		cp := &compositePlan{Names: d.InputNames(), Rows: [][]*float64{{&x, &y, &x}, {nil, &y, &x}}}
		cp.Value = valuePlan(d, g, "", func(n string) string { return n })
		sql, args := renderDuckDBComposite(cp)
		fmt.Fprintf(&b, "-- %s\n%s\n-- args\n%s", g, sql, argsText(args))
	}
	golden.RequireEqual(goldenName{t, "plan/composite_eval"}, b.String())
}

// The renderer's value formulas are the definitions' own (valueExpr, which
// check and the rollups use), at every grain.
func TestPlanValuesMatchDefs(t *testing.T) {
	for _, d := range planDefs(planSchema()) {
		for _, g := range append([]Grain{All}, Grains...) {
			col := func(n string) string { return "k3_" + n }
			got := duckValue(valuePlan(d, g, "k3__value", col))
			want := d.valueExpr(func(n string) string {
				return specialName(n, g, nil, func(n string) string { return store.QuoteIdent(col(n)) })
			})
			if got != want {
				t.Errorf("%s at %s:\n got %s\nwant %s", d.ID, g, got, want)
			}
		}
	}
}

// The snapshot resolves dimensions as the engine does.
func TestPlanDimColumnMatchesEngine(t *testing.T) {
	sch := planSchema()
	e := &Engine{tables: sch.tables, opt: Options{Customers: sch.customers, CustomerKey: sch.customerKey}}
	for table := range sch.tables {
		for _, cols := range sch.tables {
			for _, c := range append(cols, col("nope", ""), col("REGION", "")) {
				expr, join, err1 := e.dimExpr(table, c.Name)
				ref, err2 := sch.dimColumn(table, c.Name)
				if (err1 == nil) != (err2 == nil) || err1 == nil && (expr != duckCol(ref) || join != ref.Customer) {
					t.Errorf("%s.%s: engine %q %v %v, snapshot %+v %v", table, c.Name, expr, join, err1, ref, err2)
				}
			}
		}
	}
}

// The compiler writes no SQL of its own: only the renderers know an engine's
// syntax. (User and catalog expressions pass through the plan verbatim.)
func TestPlanCompilerIsEngineNeutral(t *testing.T) {
	src, err := os.ReadFile("plan.go")
	if err != nil {
		t.Fatal(err)
	}
	var code []string
	for _, line := range strings.Split(string(src), "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		code = append(code, line)
	}
	text := strings.Join(code, "\n")
	for _, w := range []string{"date_trunc", "::", "GROUPING", "generate_series", "INTERVAL", "to_microseconds", "any_value",
		"CAST(", "SELECT", "WHERE", "VARCHAR", "TIMESTAMP", "QuoteIdent", "NULLIF", "UNION"} {
		if strings.Contains(text, w) {
			t.Errorf("plan.go contains %q outside comments", w)
		}
	}
}

// TestPlanGoldenPasted: a view pasting a kept table beside its base's rows
// (the business-time view) is read within a time range by filtering both
// sides alike, on the creation time each holds (PastedView): from the
// first range's start to the last's end, the comparison period included.
// A KPI timed by another column, and a cohort (no range: every row before
// each period's end), read the view itself.
func TestPlanGoldenPasted(t *testing.T) {
	sch := planSchema()
	biz := append([]store.Column(nil), sch.tables["tickets"]...)
	biz = append(biz, col("calendar", "VARCHAR"), col("created_cum", "DOUBLE"), col("resolution_due", "TIMESTAMP"))
	sch.tables["tickets_business"] = biz
	sch.pasted = map[string]PastedView{"tickets_business": {Base: "tickets", Kept: "__kpiscope_business_tickets",
		Cols: "b.created_cum, b.resolution_due", BaseTime: "created_at", KeptTime: "__kpiscope_created"}}
	defs := map[string]*Def{
		"with_due": {ID: "with_due", Source: "tickets_business", Type: Ratio, Numerator: "count(resolution_due)", Denominator: "count(*)",
			Scale: 100, Better: Higher, Time: "created_at"},
		"due_in": {ID: "due_in", Source: "tickets_business", Type: Ratio, Numerator: "count(resolved_at)", Denominator: "count(*)",
			Scale: 100, Better: Higher, Time: "resolution_due"},
		"open_due": {ID: "open_due", Source: "tickets_business", Type: Cohort, Inputs: map[string]string{
			"open": "count(*) FILTER (WHERE created_at < period_end AND (resolved_at IS NULL OR resolved_at >= period_end))"},
			Expr: "open", Better: Lower, Time: "created_at"},
	}
	s := Slice{Grain: Month, Period: planDay("2026-09-01"), Compare: VsYear, Trend: 1, Segment: "channel"}
	text := planText(t, sch, defs, []*Def{defs["with_due"], defs["due_in"], defs["open_due"]}, s)
	golden.RequireEqual(goldenName{t, "plan/pasted"}, text)
}
