package kpi

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
)

// The ClickHouse renderer and translator without a database: golden SQL
// for the plans the compiler makes (testdata/clickhouse/*.golden, reviewed
// like code; regenerate with
// `go test ./internal/kpi/ -run TestClickHouseGolden -update`), and the
// translator's constructs one by one. TestClickHouseEquivalence runs the
// same plans on ClickHouse against DuckDB.

var chPlanCases = []struct {
	name  string
	ids   []string
	slice Slice
}{
	// The latest month is partial (the data ends 14 Oct 16:20): the
	// scorecard reads the trend and the same elapsed part of September.
	{"scorecard", []string{"csat", "ces", "resolution_time", "resolution_median", "fcr", "first_response", "reopen_rate", "contacts_per_resolution", "nps", "response_rate"}, Slice{Grain: Month}},
	{"breakdown_segment", []string{"csat", "resolution_time"}, Slice{Grain: Month, Period: planDay("2026-09-01"), Segment: "channel", Trend: 1}},
	{"breakdown_with_trend", []string{"csat"}, Slice{Grain: Month, Period: planDay("2026-09-01"), Segment: "priority"}},
	{"trend_week", []string{"first_response"}, Slice{Grain: Week, Period: planDay("2026-10-05"), Trend: 8}},
	{"trend_month", []string{"fcr", "avg_purchase", "purchase_frequency"}, Slice{Grain: Month, Period: planDay("2026-09-01")}},
	{"compare_previous", []string{"csat"}, Slice{Grain: Month, Period: planDay("2026-09-01"), Compare: VsPrevious, Trend: 1}},
	{"compare_year", []string{"nps"}, Slice{Grain: Quarter, Period: planDay("2026-07-01"), Compare: VsYear, Trend: 1}},
	{"filters", []string{"csat"}, Slice{Grain: Month, Period: planDay("2026-09-01"), Trend: 1, Filters: []Filter{
		{Dim: "channel", Values: []string{"chat", "email", BlankLabel}},
		{Dim: "priority", Op: OpNotIn, Values: []string{"low"}},
		{Dim: "team", Op: OpNotIn, Values: []string{BlankLabel}},
		{Dim: "contacts", Op: OpGE, Values: []string{"2"}}}}},
	{"filter_blank_only", []string{"first_response"}, Slice{Grain: Quarter, Filters: []Filter{{Dim: "priority", Values: []string{BlankLabel}}}}},
	{"customer_join", []string{"csat", "nps"}, Slice{Grain: Month, Period: planDay("2026-09-01"), Trend: 1, Segment: "region",
		Filters: []Filter{{Dim: "plan", Values: []string{"Pro"}}}}},
	{"partial_day_elapsed", []string{"fcr"}, Slice{Grain: Day, Period: planDay("2026-10-14"), Compare: VsYear, Trend: 3}},
	{"where_and_formula", []string{"big_orders", "annual_revenue"}, Slice{Grain: Week, Period: planDay("2026-10-05"), Trend: 2}},
	{"all_time", []string{"csat", "pro_share"}, Slice{Grain: All, Segment: "plan"}},
	{"cohort", []string{"retention", "churn"}, Slice{Grain: Quarter, Segment: "plan"}},
	{"cohort_partial", []string{"churn"}, Slice{Grain: Month, Period: planDay("2026-10-01")}},
	{"repeat_rate_backlog", []string{"repeat_rate", "backlog"}, Slice{Grain: Month, Period: planDay("2026-09-01"), Trend: 1}},
}

func TestClickHouseGolden(t *testing.T) {
	sch := planSchema()
	sch.tables["tickets"] = append(sch.tables["tickets"], col("reopened", "VARCHAR"))
	defs := planDefs(sch)
	if b, ok := LookupBuiltin("backlog"); ok {
		defs["backlog"] = b.Bind("", nil)
	}
	for _, tc := range chPlanCases {
		t.Run(tc.name, func(t *testing.T) {
			var want []*Def
			for _, id := range tc.ids {
				if defs[id] == nil {
					t.Fatalf("no KPI %s", id)
				}
				want = append(want, defs[id])
			}
			golden.RequireEqual(goldenName{t, "clickhouse/" + tc.name}, chPlanText(t, sch, want, tc.slice))
		})
	}
}

// chPrettySQL breaks rendered SQL into lines for review.
func chPrettySQL(q string) string {
	return strings.NewReplacer(
		" FROM (", "\n  FROM (",
		" UNION ALL ", "\n  UNION ALL\n  ",
		" FROM `", "\n  FROM `",
		" WHERE ", "\n  WHERE ",
		" AND (", "\n    AND (",
		" AND ifNull(", "\n    AND ifNull(",
		" GROUP BY ", "\n  GROUP BY ",
		" GLOBAL ANY LEFT JOIN ", "\n  GLOBAL ANY LEFT JOIN ",
		", toNullable(toFloat64(", ",\n    toNullable(toFloat64(",
	).Replace(q)
}

// chPlanText compiles what Compute would run from raw rows for the KPIs of
// a slice and renders it for ClickHouse; a group the renderer refuses is
// rendered one KPI at a time, each with its own refusal.
func chPlanText(t *testing.T, sch *schemaSnapshot, want []*Def, s Slice) string {
	t.Helper()
	pl := resolveWindows(&s, sch.start, sch.asOf, time.Time{})
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", sliceText(s))
	groups, errs := groupDefs(want, nil, func(*Def) plan { return pl })
	for _, d := range want {
		if errs[d.ID] != nil {
			fmt.Fprintf(&b, "\n## %s: not applicable\n", d.ID)
		}
	}
	var render func(defs []*Def)
	render = func(defs []*Def) {
		var ids []string
		for _, d := range defs {
			ids = append(ids, d.ID)
		}
		qs, segErr, err := compileRaw(sch, defs, s, pl)
		if err != nil {
			fmt.Fprintf(&b, "\n## %s\n-- compile error: %v\n", strings.Join(ids, ", "), err)
			return
		}
		var out strings.Builder
		for _, q := range qs {
			role := map[rawRole]string{rawFull: "full", rawSegments: "segments", rawPart: "part"}[q.role]
			if q.role == rawFull && len(qs) > 1 && qs[1].role == rawSegments {
				role = "totals"
			}
			sql, args, err := renderClickHouse(q.plan)
			if err != nil && len(defs) > 1 {
				for _, d := range defs {
					render([]*Def{d})
				}
				return
			}
			if err != nil {
				fmt.Fprintf(&out, "-- %s: refused: %v\n", role, err)
				continue
			}
			if bad := chDuckDBSyntax(sql); bad != "" {
				t.Errorf("%s: DuckDB syntax %q in the ClickHouse SQL", strings.Join(ids, ", "), bad)
			}
			if n := strings.Count(sql, "?"); n != len(args) {
				t.Errorf("%s: %d placeholders, %d arguments", strings.Join(ids, ", "), n, len(args))
			}
			fmt.Fprintf(&out, "-- %s\n%s\n-- args\n%s", role, chPrettySQL(sql), argsText(args))
		}
		fmt.Fprintf(&b, "\n## %s\n", strings.Join(ids, ", "))
		if segErr != nil {
			fmt.Fprintf(&b, "-- segment error: %v\n", segErr)
		}
		b.WriteString(out.String())
	}
	for _, g := range groups {
		render(g.defs)
	}
	return b.String()
}

// chDuckDBSyntax finds DuckDB-only syntax in rendered ClickHouse SQL.
func chDuckDBSyntax(sql string) string {
	lower := strings.ToLower(sql)
	for _, s := range []string{"::", "filter (", "date_trunc", "grouping", "generate_series", "interval '", "to_microseconds",
		"any_value", "try_cast", "quantile_cont", "date_diff(", "\"", "with recursive", " as (", " as materialized (", " values ",
		"is not distinct", "timestamp '", "list_", "map_values"} {
		if strings.Contains(lower, s) {
			return s
		}
	}
	return ""
}

// Each construct of the portable subset, in and out.
func TestTranslateClickHouse(t *testing.T) {
	for _, tc := range []struct {
		ctx     chContext
		in, out string
	}{
		// Aggregates and their FILTER.
		{chAgg, "count(*)", "count()"},
		{chAgg, "COUNT(*) FILTER (WHERE csat >= 4)", "countIf(ifNull((`csat` >= 4), 0))"},
		{chAgg, "count(x)", "countIf(isNotNull(`x`))"},
		{chAgg, `count(DISTINCT "order id")`, "ifNull(uniqExactIf(`order id`, isNotNull(`order id`)), 0)"},
		{chAgg, "count(DISTINCT o) FILTER (WHERE a IS NOT NULL)", "ifNull(uniqExactIf(`o`, isNotNull(`o`) AND ifNull(isNotNull(`a`), 0)), 0)"},
		{chAgg, "sum(amount)", "if(countIf(isNotNull(`amount`)) = 0, NULL, sumIf(`amount`, isNotNull(`amount`)))"},
		{chAgg, "avg(x) FILTER (WHERE k = 'a')", "if(countIf(isNotNull(`x`) AND ifNull((`k` = 'a'), 0)) = 0, NULL, avgIf(`x`, isNotNull(`x`) AND ifNull((`k` = 'a'), 0)))"},
		{chAgg, "min(x)", "if(countIf(isNotNull(`x`)) = 0, NULL, minIf(`x`, isNotNull(`x`)))"},
		{chAgg, "max(x)", "if(countIf(isNotNull(`x`)) = 0, NULL, maxIf(`x`, isNotNull(`x`)))"},
		{chAgg, "sum(x) / 3600.0 - count(*)", "((if(countIf(isNotNull(`x`)) = 0, NULL, sumIf(`x`, isNotNull(`x`))) / 3600.0) - count())"},
		{chAgg, "quantile_cont(x, 0.9)", "if(empty(arraySort(groupArrayIf(toFloat64(`x`), isNotNull(`x`)))), NULL, " +
			"arrayElement(arraySort(groupArrayIf(toFloat64(`x`), isNotNull(`x`))), toUInt64(floor(((greatest(length(arraySort(groupArrayIf(toFloat64(`x`), isNotNull(`x`)))), 1) - 1) * 0.9))) + 1) + " +
			"(((greatest(length(arraySort(groupArrayIf(toFloat64(`x`), isNotNull(`x`)))), 1) - 1) * 0.9) - floor(((greatest(length(arraySort(groupArrayIf(toFloat64(`x`), isNotNull(`x`)))), 1) - 1) * 0.9))) * " +
			"(arrayElement(arraySort(groupArrayIf(toFloat64(`x`), isNotNull(`x`))), toUInt64(ceil(((greatest(length(arraySort(groupArrayIf(toFloat64(`x`), isNotNull(`x`)))), 1) - 1) * 0.9))) + 1) - " +
			"arrayElement(arraySort(groupArrayIf(toFloat64(`x`), isNotNull(`x`))), toUInt64(floor(((greatest(length(arraySort(groupArrayIf(toFloat64(`x`), isNotNull(`x`)))), 1) - 1) * 0.9))) + 1)))"},
		// The list idiom of the values occurring k or more times (the
		// repeat rate's numerator): with a struct, the counted field of
		// its distinct tuples; NULL values left out, none at all NULL.
		{chAgg, "list_count(list_filter(map_values(list_histogram(list_transform(list(DISTINCT {'c': \"customer_id\", 'o': \"order_id\"}), s -> s.c))), x -> x >= 2))",
			"if(countIf(isNotNull(`customer_id`)) = 0, NULL, arrayCount(__k -> __k = 2, arrayEnumerateUniq(arrayMap(__s -> tupleElement(__s, 1), groupUniqArrayIf(tuple(`customer_id`, `order_id`), isNotNull(`customer_id`))))))"},
		{chAgg, "list_count(list_filter(map_values(list_histogram(list_transform(list({'a': x, 'b': y}) FILTER (WHERE z = 1), v -> v.b))), n -> n > 2))",
			"if(countIf(isNotNull(`y`) AND ifNull((`z` = 1), 0)) = 0, NULL, arrayCount(__k -> __k = 3, arrayEnumerateUniq(arrayMap(__s -> tupleElement(__s, 2), groupArrayIf(tuple(`x`, `y`), isNotNull(`y`) AND ifNull((`z` = 1), 0))))))"},
		{chAgg, "list_count(list_filter(map_values(list_histogram(list(x))), n -> n >= 0))",
			"if(countIf(isNotNull(`x`)) = 0, NULL, arrayCount(__k -> __k = 1, arrayEnumerateUniq(groupArrayIf(`x`, isNotNull(`x`)))))"},
		// A scalar subquery over a whole table (the backlog's as-of
		// instant): an alias bound by the renderer's WITH.
		{chAgg, "count(*) FILTER (WHERE t < least(period_end, (SELECT greatest(max(a), max(b)) FROM \"tickets\")))", ""},
		{chAgg, "max(t) - (SELECT max(t) FROM tickets)", "(if(countIf(isNotNull(`t`)) = 0, NULL, maxIf(`t`, isNotNull(`t`))) - __sq0)"},
		// Row expressions.
		{chRow, "a BETWEEN 1 AND 5", "multiIf((ifNull((`a` >= 1), 0) AND ifNull((`a` <= 5), 0)), 1, (ifNull(not((`a` >= 1)), 0) OR ifNull(not((`a` <= 5)), 0)), 0, NULL)"},
		{chRow, "a NOT IN ('x', 'it''s', -2)", "if(isNull(`a`), NULL, notIn(`a`, ('x', 'it\\'s', -2)))"},
		{chRow, "a IS NULL OR b IS NOT NULL", "multiIf((ifNull(isNull(`a`), 0) OR ifNull(isNotNull(`b`), 0)), 1, (ifNull(not(isNull(`a`)), 0) AND ifNull(not(isNotNull(`b`)), 0)), 0, NULL)"},
		{chRow, "NOT flag", "not(`flag`)"},
		{chRow, "a <> 1 AND b != 2 AND c == 3", "multiIf(((ifNull((`a` != 1), 0) AND ifNull((`b` != 2), 0)) AND ifNull((`c` = 3), 0)), 1, ((ifNull(not((`a` != 1)), 0) OR ifNull(not((`b` != 2)), 0)) OR ifNull(not((`c` = 3)), 0)), 0, NULL)"},
		{chRow, "CASE WHEN a > 1 THEN 'big' WHEN a IS NULL THEN NULL ELSE 'small' END", "multiIf(ifNull((`a` > 1), 0), 'big', ifNull(isNull(`a`), 0), NULL, 'small')"},
		{chRow, "CASE k WHEN 'a' THEN 1 END", "multiIf(ifNull((`k` = 'a'), 0), 1, NULL)"},
		{chRow, "CAST(x AS DOUBLE) + x::VARCHAR || 'y'", "concat((toFloat64(`x`) + toString(`x`)), 'y')"},
		{chRow, "TRY_CAST(lower(trim(CAST(r AS VARCHAR))) AS DOUBLE)", "toFloat64OrNull(replaceRegexpAll(toString(lowerUTF8(replaceRegexpAll(toString(`r`), '^ +| +$', ''))), '^ +| +$', ''))"},
		{chRow, "CAST(d AS DATE) >= CAST(t AS TIMESTAMP)", "(toDateTime(toDateTime(toDate(`d`, 'UTC'), 'UTC'), 'UTC') >= toDateTime(toDateTime(`t`, 'UTC'), 'UTC'))"},
		{chRow, "d < CAST(t AS TIMESTAMP)", "(toDateTime(`d`, 'UTC') < toDateTime(toDateTime(`t`, 'UTC'), 'UTC'))"},
		{chRow, "date_diff('second', created_at, resolved_at) / 3600.0", "((toRelativeSecondNum(toDateTime(`resolved_at`, 'UTC'), 'UTC') - toRelativeSecondNum(toDateTime(`created_at`, 'UTC'), 'UTC')) / 3600.0)"},
		{chRow, "datediff('day', a, b)", "(toRelativeDayNum(toDateTime(`b`, 'UTC'), 'UTC') - toRelativeDayNum(toDateTime(`a`, 'UTC'), 'UTC'))"},
		{chRow, "date_diff('microsecond', a, b) / 86400e6", "(((toRelativeSecondNum(toDateTime(`b`, 'UTC'), 'UTC') - toRelativeSecondNum(toDateTime(`a`, 'UTC'), 'UTC')) * 1000000) / 86400e6)"},
		{chRow, "epoch(b) - epoch(a)", "(toFloat64(toUnixTimestamp(toDateTime(`b`, 'UTC'))) - toFloat64(toUnixTimestamp(toDateTime(`a`, 'UTC'))))"},
		{chRow, "coalesce(a, b, 0) * -x", "(coalesce(`a`, `b`, 0) * -(`x`))"},
		{chRow, "nullif(a, 0)", "nullIf(`a`, 0)"},
		{chRow, "least(a, b, 3)", "multiIf(isNull(multiIf(isNull(`a`), `b`, isNull(`b`), `a`, least(`a`, `b`))), 3, isNull(3), multiIf(isNull(`a`), `b`, isNull(`b`), `a`, least(`a`, `b`)), least(multiIf(isNull(`a`), `b`, isNull(`b`), `a`, least(`a`, `b`)), 3))"},
		{chRow, "round(x)", "if(toFloat64(`x`) < 0, -floor(0.5 - toFloat64(`x`)), floor(toFloat64(`x`) + 0.5))"},
		{chRow, "round(x, 2)", "(if(toFloat64(`x`) < 0, -floor(0.5 - toFloat64(`x`) * 1e2), floor(toFloat64(`x`) * 1e2 + 0.5)) / 1e2)"},
		{chRow, "abs(x) + sqrt(x) + ln(x) + log(x) + power(x, 2) + ceil(x) + floor(x) + exp(x)", "(((((((abs(`x`) + sqrt(`x`)) + log(`x`)) + log10(`x`)) + pow(`x`, 2)) + ceil(`x`)) + floor(`x`)) + exp(`x`))"},
		{chRow, "upper(s) LIKE 'A%' AND s NOT LIKE '%b' AND length(s) > 2", "multiIf(((ifNull(like(upperUTF8(`s`), 'A%'), 0) AND ifNull(notLike(`s`, '%b'), 0)) AND ifNull((lengthUTF8(`s`) > 2), 0)), 1, ((ifNull(not(like(upperUTF8(`s`), 'A%')), 0) OR ifNull(not(notLike(`s`, '%b')), 0)) OR ifNull(not((lengthUTF8(`s`) > 2)), 0)), 0, NULL)"},
		{chRow, "TRUE AND \"we`ird\\\" = 'a\\b'", "multiIf((1 AND ifNull((`we\\`ird\\\\` = 'a\\\\b'), 0)), 1, (0 OR ifNull(not((`we\\`ird\\\\` = 'a\\\\b')), 0)), 0, NULL)"},
	} {
		got, err := (&chTranslator{ctx: tc.ctx, subs: &chSubqueries{}}).translate(tc.in, false)
		if tc.out == "" { // period_end outside a cohort
			if err == nil || !strings.Contains(err.Error(), "period_end outside a cohort KPI") {
				t.Errorf("%s: %v", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got != tc.out {
			t.Errorf("%s:\n got %s\nwant %s", tc.in, got, tc.out)
		}
	}
}

// Conditions are "is TRUE": never NULL, and NOT over AND/OR pushed down so
// that a NULL operand is neither true nor false, as in SQL.
func TestTranslateClickHouseCond(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"a > 1", "ifNull((`a` > 1), 0)"},
		{"NOT (a > 1 AND b IN ('x'))", "(ifNull(not((`a` > 1)), 0) OR ifNull(not(if(isNull(`b`), NULL, in(`b`, ('x')))), 0))"},
		{"NOT NOT a", "ifNull(`a`, 0)"},
		{"NULL OR FALSE", "(0 OR 0)"},
		// A date-only timestamp literal, typed or cast: its midnight, UTC.
		{"t >= TIMESTAMP '2026-02-01'", "ifNull((toDateTime(`t`, 'UTC') >= toDateTime(parseDateTimeBestEffort('2026-02-01', 'UTC'), 'UTC')), 0)"},
		{"CAST(t AS DATE) = '2026-03-02'", "ifNull((toDateTime(toDateTime(toDate(`t`, 'UTC'), 'UTC'), 'UTC') = parseDateTimeBestEffort('2026-03-02', 'UTC')), 0)"},
		{"t < CAST('2026-04-01' AS TIMESTAMP)", "ifNull((toDateTime(`t`, 'UTC') < toDateTime(parseDateTimeBestEffort('2026-04-01', 'UTC'), 'UTC')), 0)"},
	} {
		got, err := translateClickHouseCond(tc.in, false)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got != tc.out {
			t.Errorf("%s:\n got %s\nwant %s", tc.in, got, tc.out)
		}
	}
}

// A value formula: its input names become columns, periods_per_year the
// grain's constant; any other name is refused.
func TestTranslateClickHouseValue(t *testing.T) {
	v := planValue{Expr: "100.0 * (promoters - detractors) / n * periods_per_year", PeriodsPerYear: 12,
		Inputs: map[string]string{"promoters": "k0_promoters", "detractors": "k0_detractors", "n": "k0_n"}}
	got, err := chValueExpr(v)
	if want := "(((100.0 * (`k0_promoters` - `k0_detractors`)) / `k0_n`) * 12.0)"; err != nil || got != want {
		t.Errorf("got %s, %v; want %s", got, err, want)
	}
	v.Expr = "promoters / other"
	if _, err := chValueExpr(v); err == nil || !strings.Contains(err.Error(), "other is not an input") {
		t.Errorf("unknown name: %v", err)
	}
	r := planValue{Ratio: true, Scale: 100, Inputs: map[string]string{"num": "k1_num", "den": "k1_den"}}
	if got, _ := chValueExpr(r); got != "(100.0 * toFloat64(`k1_num`) / nullIf(toFloat64(`k1_den`), 0))" {
		t.Errorf("ratio: %s", got)
	}
}

// Each refused construct, with its message.
func TestTranslateClickHouseRefuses(t *testing.T) {
	for _, tc := range []struct {
		ctx     chContext
		in, msg string
	}{
		{chAgg, "list_count(list(x))", "list_count is not translatable to ClickHouse but as the count of values occurring k or more times"},
		{chAgg, "list_count(list_filter(map_values(list_histogram(list(x))), n -> n < 2))", "list_count is not translatable to ClickHouse but"},
		{chAgg, "list_count(list_filter(map_values(list_histogram(list_transform(list({'a': x}), s -> s.b))), n -> n >= 2))", "list_count is not translatable to ClickHouse but"},
		{chAgg, "sum(list_count(list_filter(map_values(list_histogram(list(x))), n -> n >= 2)))", "list_count is an aggregate here"},
		{chAgg, "list_sum(x)", "list_sum is not translatable to ClickHouse"},
		{chAgg, "stddev(x)", "stddev is not translatable to ClickHouse"},
		{chAgg, "quantile_disc(x, 0.5)", "quantile_disc is not translatable to ClickHouse"},
		{chAgg, "quantile_cont(x, [0.5, 0.9])", "a list ([…]) is not translatable"},
		{chAgg, "quantile_cont(x, p)", "quantile_cont with other than a literal fraction"},
		{chAgg, "sum(DISTINCT x)", "sum(DISTINCT …) is not translatable"},
		{chAgg, "sum(count(*))", "an aggregate inside an aggregate (count)"},
		{chAgg, "x + count(*)", "column x outside an aggregate"},
		{chAgg, "sum(x) OVER (PARTITION BY y)", "a window function (OVER)"},
		{chAgg, "count(*) FILTER (WHERE created_at < period_end)", "period_end outside a cohort KPI"},
		{chAgg, "count(*) FILTER (WHERE x < (SELECT max(y) FROM t WHERE z = 1))", "a subquery other than (SELECT aggregate FROM table) is not translatable"},
		{chAgg, "count(*) FILTER (WHERE x IN (SELECT y FROM t))", "a subquery is not translatable"},
		{chAgg, "count(*) FILTER (WHERE x < (SELECT max(y) FROM s.t))", "a subquery other than"},
		{chAgg, "count(*) FILTER (WHERE x < (SELECT max((SELECT max(y) FROM t)) FROM t))", "subquery: a subquery is not translatable to ClickHouse here"},
		{chAgg, "count(*) FILTER (WHERE x < (SELECT max(period_end) FROM t))", "subquery: period_end outside a cohort KPI"},
		{chRow, "kpiscope_business_days(\"calendar\", \"created_cum\", now())", "kpiscope_business_days is not translatable"},
		{chRow, "x % 2", "% (modulo) is not translatable"},
		{chRow, "x ILIKE 'a%'", "ILIKE is not translatable"},
		{chRow, "CAST(x AS INTEGER)", "CAST to INTEGER is not translatable"},
		{chRow, "TRY_CAST(x AS DATE)", "TRY_CAST to DATE is not translatable"},
		{chRow, "date_diff('month', a, b)", "date_diff by month is not translatable"},
		{chRow, "x + INTERVAL 1 DAY", "INTERVAL is not translatable"},
		{chRow, "t.x = 1", "a qualified name (t.…)"},
		{chRow, "x IN (a, b)", "IN with a list of other than literal"},
		{chRow, "x IS DISTINCT FROM y", "IS DISTINCT is not translatable"},
		{chRow, "x = current_date", "current_date is not translatable"},
		{chRow, "count(*)", "aggregate count is not allowed here"},
		{chRow, "x -- a comment", "comments are not translatable"},
		{chRow, "arr[1]", "[ is not translatable"},
		{chRow, "(a, b)", "a row value"},
	} {
		_, err := (&chTranslator{ctx: tc.ctx, subs: &chSubqueries{}}).translate(tc.in, false)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want an error with %q", tc.in, err, tc.msg)
		}
	}
	// Outside renderClickHouse (which reads them), a subquery has nowhere
	// to be read from.
	if _, err := translateClickHouseCond("x < (SELECT max(y) FROM t)", false); err == nil || !strings.Contains(err.Error(), "a subquery is not translatable to ClickHouse here") {
		t.Errorf("a subquery outside a KPI's query: %v", err)
	}
}

// Every expression of the built-in catalogs translates (the repeat rate's
// list idiom and the backlog's subquery too), but for the business-time
// KPIs, which read the DuckDB view's macros; the renderer names the KPI.
func TestTranslateClickHouseCatalog(t *testing.T) {
	// Only business-time KPIs, which read a DuckDB view of the tickets.
	refused := map[string]string{
		"backlog_overdue": "kpiscope_business_asof is not translatable",
	}
	var all []Builtin
	all = append(append(all, Catalog()...), BusinessCatalog()...)
	for _, b := range all {
		if b.Type == Composite {
			continue
		}
		d := b.Bind("", nil)
		var firstErr error
		check := func(expr string, ctx chContext) {
			if expr == "" || firstErr != nil {
				return
			}
			var err error
			// As renderClickHouse translates them (subqueries read).
			_, err = (&chTranslator{ctx: ctx, cohort: d.Type == Cohort, subs: &chSubqueries{}}).translate(expr, ctx == chRow)
			if err != nil {
				firstErr = err
			}
		}
		for _, name := range sortedKeys(d.Components()) {
			check(d.Components()[name], chAgg)
		}
		for _, name := range d.ExtraNames() {
			check(d.Extras[name], chAgg)
		}
		check(d.Where, chRow)
		want, isRefused := refused[d.ID]
		switch {
		case isRefused:
			if firstErr == nil || !strings.Contains(firstErr.Error(), want) {
				t.Errorf("%s: got %v, want an error with %q", d.ID, firstErr, want)
			}
		case firstErr != nil:
			t.Errorf("%s: %v", d.ID, firstErr)
		}
	}
}
