package kpi

import (
	"fmt"
	"strings"
)

// The ClickHouse renderer of a cohort matrix's plan (compileCohorts), for
// 18.16 and later, with renderDuckDBCohorts' output columns: cohort (the
// cohort's start, a DateTime), age (months; NULL for a retention customer
// still active) and n (customers). Dates are read through toDateTime(…,
// 'UTC') whatever the server's time zone, months counted as year·12 +
// month, cohorts started with toStartOfMonth/Quarter; filters and the KPI's
// row filter go through chFilterCond and the translator, bounds and the
// age cap are bound arguments.
//
// Retention is one GROUP BY (cohort, age) over the customers, pushed down
// to the shards of a Distributed table. Orders need each customer's first
// order month across every shard, and 18.16 allows one JOIN per SELECT and
// no CTE over a subquery: so the inner query groups the orders by customer
// (the shards' partial states merged on the coordinator, so a customer
// whose orders sit on both shards is one row) into the first month and the
// distinct months ordered in (groupUniqArray), and the outer one ARRAY
// JOINs those months into ages and counts customers per (cohort, age): each
// customer once per month, as DuckDB's SELECT DISTINCT counts them. The
// customers' columns a filter reads are joined with GLOBAL ANY LEFT JOIN
// (chCustomerJoinOn), valid on local tables and needed on Distributed ones.
// Tables are written as the warehouse names them (kpiscope.yaml's
// warehouse: tables:).

// renderCohorts renders a cohort plan for the engine's executor: ClickHouse
// on a warehouse, else DuckDB (renderDuckDBCohorts).
func (e *Engine) renderCohorts(p *cohortPlan) (string, []any, error) {
	if e.wh != nil {
		return renderClickHouseCohorts(p, e.wh.table)
	}
	q, args := renderDuckDBCohorts(p)
	return q, args, nil
}

// chMonthIndex is a date's months since year 0, as an Int64.
func chMonthIndex(expr string) string {
	return "(toInt64(toYear(" + expr + ")) * 12 + toInt64(toMonth(" + expr + ")))"
}

// chGrainStart is the start of the cohort of grain g holding the DateTime
// expr, as a UTC DateTime (month or quarter).
func chGrainStart(g Grain, expr string) (string, error) {
	switch g {
	case Month:
		return "toDateTime(toStartOfMonth(" + expr + "), 'UTC')", nil
	case Quarter:
		return "toDateTime(toStartOfQuarter(" + expr + "), 'UTC')", nil
	}
	return "", fmt.Errorf("cohorts are by month or quarter, not %s", g)
}

// renderClickHouseCohorts renders a cohort plan as ClickHouse SQL and its
// arguments, or says why it cannot (a row filter outside the translatable
// subset); table writes each table the plan reads as the warehouse names
// it.
func renderClickHouseCohorts(p *cohortPlan, table func(string) string) (string, []any, error) {
	var conds []string
	var fargs []any
	for _, f := range p.Filters {
		c, a := chFilterCond(f)
		conds = append(conds, c)
		fargs = append(fargs, a...)
	}
	if p.Where != "" {
		w, err := translateClickHouseCond(p.Where, false)
		if err != nil {
			return "", nil, fmt.Errorf("cohorts: %s's row filter: %w", p.Source, err)
		}
		conds = append(conds, w)
	}
	from := table(p.Source)
	if p.Join != nil {
		from += chCustomerJoinOn(p.Join, table)
	}
	where := ""
	if len(conds) > 0 {
		where = " AND " + strings.Join(conds, " AND ")
	}
	if p.Kind == CohortOrders {
		cust, at := chQuoteIdent(p.Start), chTime(p.End)
		cohort, err := chGrainStart(p.Grain, "toDateTime(fm, 'UTC')")
		if err != nil {
			return "", nil, err
		}
		q := fmt.Sprintf(`SELECT %[1]s AS cohort, %[2]s - %[3]s AS age, count() AS n
FROM (SELECT %[4]s AS cust, min(toStartOfMonth(%[5]s)) AS fm, groupUniqArray(toStartOfMonth(%[5]s)) AS ms
  FROM %[6]s WHERE isNotNull(%[4]s) AND isNotNull(%[5]s) AND %[5]s < toDateTime(?, 'UTC')%[7]s GROUP BY cust)
ARRAY JOIN ms AS m
WHERE toDateTime(fm, 'UTC') >= toDateTime(?, 'UTC') AND %[2]s - %[3]s < ?
GROUP BY cohort, age ORDER BY cohort, age`,
			cohort, chMonthIndex("m"), chMonthIndex("fm"), cust, at, from, where)
		args := append([]any{chSeconds(p.Through)}, fargs...)
		return q, append(args, chSeconds(p.First), int64(p.MaxAge)), nil
	}
	s, c := chTime(p.Start), chTime(p.End)
	cohort, err := chGrainStart(p.Grain, s)
	if err != nil {
		return "", nil, err
	}
	q := fmt.Sprintf(`SELECT %[1]s AS cohort, least(%[2]s - %[3]s, toInt64(?)) AS age, count() AS n
FROM %[4]s WHERE isNotNull(%[5]s) AND %[5]s >= toDateTime(?, 'UTC') AND %[5]s < toDateTime(?, 'UTC')%[6]s
GROUP BY cohort, age ORDER BY cohort, age`,
		cohort, chMonthIndex(c), chMonthIndex(s), from, s, where)
	args := []any{int64(p.MaxAge), chSeconds(p.First), chSeconds(p.Next)}
	return q, append(args, fargs...), nil
}
