package kpi

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// The ClickHouse renderer: a compiled plan as SQL for ClickHouse 18.16 (the
// release Debian ships) and later, with the output columns renderDuckDB's
// rows have, so the executor reads either: __p (the period start, a
// DateTime), __seg and __g (the segment and its grouping flag, 1 on the
// totals), the plan's aggregates as Float64 and the values.
//
// What 18.16 lacks shapes it: no GROUPING SETS, so a breakdown is the
// (period, segment) grouping UNION ALL the (period) one, each over the
// table (no CTE over a subquery to share); no date_trunc, so periods come
// from toStartOfDay, toMonday, toStartOfMonth/Quarter/Year; one JOIN per
// SELECT, written GLOBAL ANY LEFT JOIN so a Distributed source's shards
// receive the customers' columns from the coordinator; the aggregation runs
// on the shards and only the grouped rows travel back. Times are read
// through toDateTime(…, 'UTC') whatever the server's time zone and
// compared with bound Unix seconds (a DateTime has whole seconds; a bound
// with a fraction of a second is rounded up, which keeps the same rows).
// Identifiers are backtick-quoted; filter values, times and the elapsed cut
// are bound arguments (clickhouse-go binds ? client-side). The expressions
// the plan carries verbatim go through the translator
// (translate_clickhouse.go). A cohort plan (a stock at each period's end)
// repeats each row for the periods it exists in with arrayJoin over the
// periods' bounds (engine-made dates, written as literals as renderDuckDB
// lists a window's), which its aggregates read as period_start and
// period_end.

// errClickHouseCohort refuses a plan whose cohort periods and grouping
// disagree.
var errClickHouseCohort = errors.New("a cohort plan without its periods")

// chTime is a time column as a UTC DateTime.
func chTime(col string) string { return "toDateTime(" + chQuoteIdent(col) + ", 'UTC')" }

// chSeconds is the bound for a DateTime compared with t: its Unix seconds,
// rounded up (whole-second times are < t exactly when < ⌈t⌉).
func chSeconds(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// chTimeLit is a DateTime literal for a date the engine made.
func chTimeLit(t time.Time) string {
	return fmt.Sprintf("toDateTime(%d, 'UTC')", chSeconds(t))
}

// chPeriod is the start of the period holding the time expr at grain g, as
// a DateTime; for a window grain, the latest of the window's period starts
// within the ranges that is not after it.
func chPeriod(g Grain, expr string, ranges []timeRange) (string, error) {
	switch g {
	case Day:
		return "toStartOfDay(" + expr + ")", nil
	case Week:
		return "toDateTime(toMonday(" + expr + "), 'UTC')", nil
	case Month:
		return "toDateTime(toStartOfMonth(" + expr + "), 'UTC')", nil
	case Quarter:
		return "toDateTime(toStartOfQuarter(" + expr + "), 'UTC')", nil
	case Year:
		return "toDateTime(toStartOfYear(" + expr + "), 'UTC')", nil
	}
	starts := windowBuckets(g, ranges)
	if starts == nil {
		return "", fmt.Errorf("no ClickHouse period for grain %q", g)
	}
	var parts []string
	for i := len(starts) - 1; i >= 0; i-- {
		parts = append(parts, expr+" >= "+chTimeLit(starts[i]), chTimeLit(starts[i]))
	}
	return "multiIf(" + strings.Join(parts, ", ") + ", NULL)", nil
}

// chCohortPeriods lists a cohort's periods as (start, end) DateTime
// tuples: as renderDuckDB's periods, every Step from First to Last (each
// ending at the next, or Elapsed after its start), or one for all time.
func chCohortPeriods(c *cohortSeries) []string {
	tuple := func(a, b time.Time) string { return "(" + chTimeLit(a) + ", " + chTimeLit(b) + ")" }
	if c.Step == All {
		return []string{tuple(c.First, c.End)}
	}
	var out []string
	for p := c.First; !p.After(c.Last); p = c.Step.Add(p, 1) {
		end := c.Step.Add(p, 1)
		if c.Elapsed > 0 {
			end = p.Add(c.Elapsed)
		}
		out = append(out, tuple(p, end))
		if len(out) > 100000 {
			break // never loop on a step that does not advance
		}
	}
	return out
}

// chColumn is a column a filter or the segment reads: the source's own or
// the customers' (joined under its own name).
func chColumn(c colRef) string { return chQuoteIdent(c.Name) }

// chFilterCond renders one filter as a condition (UInt8, never NULL) and
// its arguments; the same rows as duckFilterCond keeps.
func chFilterCond(f planFilter) (string, []any) {
	expr := chColumn(f.Col)
	if f.Op.Numeric() {
		return fmt.Sprintf("ifNull(toFloat64OrNull(replaceRegexpAll(toString(%s), '^ +| +$', '')) %s ?, 0)", expr, f.Op), []any{f.Number}
	}
	var ors []string
	var args []any
	if f.Blank {
		ors = append(ors, "isNull("+expr+")")
	}
	if len(f.Values) > 0 {
		ph := make([]string, len(f.Values))
		for i, v := range f.Values {
			ph[i] = "?"
			args = append(args, v)
		}
		// NULL IN (…) is 0 in 18.16: blanks are neither in nor out here,
		// and the NOT below keeps them, as DuckDB's coalesce(…, false) does.
		ors = append(ors, fmt.Sprintf("ifNull(toString(%s) IN (%s), 0)", expr, strings.Join(ph, ", ")))
	}
	if len(ors) == 0 {
		ors = append(ors, "0")
	}
	c := "(" + strings.Join(ors, " OR ") + ")"
	if f.Not {
		c = "not" + c
	}
	return c, args
}

// chCustomerJoin joins the customers' columns a plan reads, one row per
// customer key (any value of each column, as DuckDB's any_value), Nullable
// so that a ticket with no customer reads NULL rather than a default.
func chCustomerJoin(j *customerJoin) string { return chCustomerJoinOn(j, chQuoteIdent) }

// chCustomerJoinOn is chCustomerJoin with table writing the customers'
// table as the warehouse names it (renderClickHouseOn).
func chCustomerJoinOn(j *customerJoin, table func(string) string) string {
	key := chQuoteIdent(j.Key)
	cs := make([]string, len(j.Columns))
	for i, c := range j.Columns {
		cs[i] = fmt.Sprintf("toNullable(any(%[1]s)) AS %[1]s", chQuoteIdent(c))
	}
	return fmt.Sprintf(" GLOBAL ANY LEFT JOIN (SELECT %s, %s FROM %s GROUP BY %s) USING %s",
		key, strings.Join(cs, ", "), table(j.Table), key, key)
}

// kpiOf names the KPI an output column belongs to (k<i>_…), for messages.
func (q *queryPlan) kpiOf(col string) string {
	var i int
	if _, err := fmt.Sscanf(col, "k%d_", &i); err == nil && i >= 0 && i < len(q.KPIs) {
		return q.KPIs[i]
	}
	return col
}

// renderClickHouse renders a query plan as ClickHouse SQL and its
// arguments, or says why it cannot (a cohort plan, an expression outside
// the translatable subset: the error names the KPI).
func renderClickHouse(q *queryPlan) (string, []any, error) {
	return renderClickHouseOn(q, chQuoteIdent)
}

// renderClickHouseOn is renderClickHouse with table writing each table the
// plan reads (its source, the customers) as the warehouse names it: a
// kpiscope.yaml's warehouse: tables: maps a source to another table, maybe
// in another database (Warehouse.table).
func renderClickHouseOn(q *queryPlan, table func(string) string) (string, []any, error) {
	cohort := q.PeriodBy == periodCohort
	if cohort != (q.Cohort != nil) {
		return "", nil, fmt.Errorf("KPI %s: %w", strings.Join(q.KPIs, ", "), errClickHouseCohort)
	}
	if q.Cohort != nil && (len(q.Cohort.Cols) > 0 || len(q.Cohort.RowCols) > 0) {
		return "", nil, fmt.Errorf("KPI %s: columns computed per period or per row and period are not translatable to ClickHouse", strings.Join(q.KPIs, ", "))
	}
	var conds []string
	var args []any
	for _, f := range q.Filters {
		c, a := chFilterCond(f)
		conds = append(conds, c)
		args = append(args, a...)
	}
	tcol := ""
	if q.Time != "" {
		tcol = chTime(q.Time)
	}
	period := ""
	if cohort {
		// Each row once per period it exists before the end of (or every
		// period, without a time): arrayJoin over the periods' bounds and a
		// condition on the row, rather than a join (one JOIN per SELECT,
		// and 18.16 resolves no left column in a lambda beside a JOIN).
		ps := chCohortPeriods(q.Cohort)
		if len(ps) == 0 {
			return "", nil, fmt.Errorf("a cohort with no periods")
		}
		period = "tupleElement(arrayJoin([" + strings.Join(ps, ", ") + "]) AS __per, 1)"
		if tcol != "" {
			conds = append(conds, "(isNull("+tcol+") OR "+tcol+" < tupleElement(__per, 2))")
		}
	}
	if q.PeriodBy == periodTrunc {
		if tcol == "" {
			return "", nil, fmt.Errorf("a plan by period without a time column")
		}
		p, err := chPeriod(q.Grain, tcol, q.Ranges)
		if err != nil {
			return "", nil, err
		}
		period = p
	}
	if len(q.Ranges) > 0 {
		if tcol == "" {
			return "", nil, fmt.Errorf("time ranges without a time column")
		}
		var ors []string
		for _, r := range q.Ranges {
			ors = append(ors, fmt.Sprintf("(%[1]s >= toDateTime(?, 'UTC') AND %[1]s < toDateTime(?, 'UTC'))", tcol))
			args = append(args, chSeconds(r.From), chSeconds(r.To))
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
		if q.Elapsed > 0 {
			start, err := chPeriod(q.Grain, tcol, q.Ranges)
			if err != nil {
				return "", nil, err
			}
			// Whole seconds: t − start < elapsed ⇔ t − start < ⌈elapsed⌉.
			el := int64(math.Ceil(q.Elapsed.Seconds()))
			conds = append(conds, fmt.Sprintf("%s < %s + toInt64(?)", tcol, start))
			args = append(args, el)
		}
	}
	// The scalar subqueries the expressions read, each a column of one
	// value (ARRAY JOIN, after the source).
	subs := &chSubqueries{table: table}
	if q.Where != "" {
		w, err := (&chTranslator{ctx: chRow, cohort: cohort, subs: subs}).translate(q.Where, true)
		if err != nil {
			return "", nil, fmt.Errorf("KPI %s: where: %w", strings.Join(q.KPIs, ", "), err)
		}
		conds = append(conds, w)
	}

	aggs := make([]string, len(q.Aggs))
	for i, a := range q.Aggs {
		x, err := (&chTranslator{ctx: chAgg, cohort: cohort, subs: subs}).translate(a.Expr, false)
		if err != nil {
			return "", nil, fmt.Errorf("KPI %s: %w", q.kpiOf(a.Name), err)
		}
		aggs[i] = fmt.Sprintf("toNullable(toFloat64(%s)) AS %s", x, chQuoteIdent(a.Name))
	}
	vals := make([]string, len(q.Values))
	for i, v := range q.Values {
		x, err := chValueExpr(v)
		if err != nil {
			return "", nil, fmt.Errorf("KPI %s: %w", q.kpiOf(v.Name), err)
		}
		vals[i] = fmt.Sprintf("toNullable(toFloat64(%s)) AS %s", x, chQuoteIdent(v.Name))
	}

	from := table(q.Source) + subs.arrayJoin()
	if q.Join != nil {
		from += chCustomerJoinOn(q.Join, table)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	selectOne := func(seg string, total bool) string {
		var cols, keys []string
		if period != "" {
			cols = append(cols, period+" AS __p")
			keys = append(keys, "__p")
		}
		if q.Segment != nil {
			if total {
				cols = append(cols, "CAST(NULL AS Nullable(String)) AS __seg", "toUInt8(1) AS __g")
			} else {
				cols = append(cols, seg+" AS __seg", "toUInt8(0) AS __g")
				keys = append(keys, "__seg")
			}
		}
		cols = append(cols, aggs...)
		s := "SELECT " + strings.Join(cols, ", ") + " FROM " + from + where
		if len(keys) > 0 {
			s += " GROUP BY " + strings.Join(keys, ", ")
		}
		return s
	}
	body := selectOne("", false)
	if q.Segment != nil {
		// CAST, not toNullable: a LowCardinality column stays
		// LowCardinality through toString, and UNION ALL finds no common
		// type with the total's Nullable(String) NULL.
		seg := "CAST(toString(" + chColumn(*q.Segment) + ") AS Nullable(String))"
		body = selectOne(seg, false)
		if !q.SegmentsOnly { // the totals read by another statement otherwise
			body += " UNION ALL " + selectOne("", true)
			args = append(args, args...) // the same conditions twice
		}
	}
	return "SELECT *, " + strings.Join(vals, ", ") + " FROM (" + body + ")", args, nil
}

// chValueExpr renders a value from the aggregates of its row.
func chValueExpr(v planValue) (string, error) {
	if v.Ratio {
		return fmt.Sprintf("(%s * toFloat64(%s) / nullIf(toFloat64(%s), 0))", formatFloat(v.Scale), chQuoteIdent(v.Inputs["num"]), chQuoteIdent(v.Inputs["den"])), nil
	}
	return translateClickHouseValue(v.Expr, func(n string) (string, bool) {
		if n == "periods_per_year" {
			if v.PerRowYear != "" {
				return chQuoteIdent(v.PerRowYear), true
			}
			return formatFloat(v.PeriodsPerYear), true
		}
		c, ok := v.Inputs[n]
		if !ok {
			return "", false
		}
		return chQuoteIdent(c), true
	})
}
