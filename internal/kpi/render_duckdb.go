package kpi

import (
	"fmt"
	"strings"

	"kpiscope/internal/store"
)

// The DuckDB renderer: the one place the compiled plans become DuckDB SQL
// (date_trunc, ::TIMESTAMP casts, GROUPING SETS, generate_series, INTERVAL,
// to_microseconds, any_value). Identifiers go through store.QuoteIdent;
// filter values and times are bound arguments. The output columns are the
// executor's contract: __p (period start), __seg and __g (segment and its
// grouping flag, 1 on the totals), then the plan's aggregates and values.

func duckCol(c colRef) string {
	if c.Customer {
		return "c." + store.QuoteIdent(c.Name)
	}
	return "t." + store.QuoteIdent(c.Name)
}

func duckInterval(g Grain) string {
	switch g {
	case Day:
		return "INTERVAL '1 day'"
	case Week:
		return "INTERVAL '7 days'"
	case Quarter:
		return "INTERVAL '3 months'"
	case Year:
		return "INTERVAL '1 year'"
	}
	return "INTERVAL '1 month'"
}

// duckValue renders a value formula over its input columns.
func duckValue(v planValue) string {
	ref := func(n string) string {
		if n == "periods_per_year" {
			return formatFloat(v.PeriodsPerYear)
		}
		return store.QuoteIdent(v.Inputs[n])
	}
	if v.Ratio {
		return fmt.Sprintf("(%v * (%s)::DOUBLE / NULLIF((%s)::DOUBLE, 0))", formatFloat(v.Scale), ref("num"), ref("den"))
	}
	return "(" + substituteNames(v.Expr, append(v.sortedInputs(), "periods_per_year"), ref) + ")"
}

// renderDuckDB renders a query plan as DuckDB SQL and its arguments.
func renderDuckDB(q *queryPlan) (string, []any) {
	var conds, wheres []string // conds: filters; wheres: after the time range
	var filterArgs []any
	for _, f := range q.Filters {
		expr := duckCol(f.Col)
		var ors []string
		if f.Blank {
			ors = append(ors, expr+" IS NULL")
		}
		if len(f.Values) > 0 {
			ph := make([]string, len(f.Values))
			for i, v := range f.Values {
				ph[i] = "?"
				filterArgs = append(filterArgs, v)
			}
			ors = append(ors, fmt.Sprintf("CAST(%s AS VARCHAR) IN (%s)", expr, strings.Join(ph, ", ")))
		}
		if len(ors) == 0 {
			ors = append(ors, "false")
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	segSel, timeSel, tcol := "", "", ""
	if q.Segment != nil {
		segSel = fmt.Sprintf(", CAST(%s AS VARCHAR) AS __seg", duckCol(*q.Segment))
	}
	if q.Time != "" {
		tcol = fmt.Sprintf("CAST(t.%s AS TIMESTAMP)", store.QuoteIdent(q.Time))
		timeSel = ", " + tcol + " AS __t"
	}
	var cutArgs []any
	if q.Elapsed > 0 && len(q.Ranges) > 0 {
		wheres = append(wheres, fmt.Sprintf("%s < date_trunc('%s', %s) + to_microseconds(?::BIGINT)", tcol, q.Grain.SQLUnit(), tcol))
		cutArgs = append(cutArgs, q.Elapsed.Microseconds())
	}
	if q.Where != "" {
		wheres = append(wheres, "("+q.Where+")")
	}

	var b strings.Builder
	var args []any
	b.WriteString("WITH ")
	if c := q.Cohort; c != nil {
		if c.Step == All {
			b.WriteString("periods AS (SELECT ?::TIMESTAMP AS period_start, ?::TIMESTAMP AS period_end), ")
			args = append(args, sqlTime(c.First), sqlTime(c.End))
		} else {
			step := duckInterval(c.Step)
			end := "p + " + step
			if c.Elapsed > 0 {
				end = "p + to_microseconds(?::BIGINT)"
				args = append(args, c.Elapsed.Microseconds())
			}
			fmt.Fprintf(&b, "periods AS (SELECT p AS period_start, %s AS period_end FROM generate_series(?::TIMESTAMP, ?::TIMESTAMP, %s) g(p)), ", end, step)
			args = append(args, sqlTime(c.First), sqlTime(c.Last))
		}
	}

	// The rows: one select per time range, the same text each time.
	var sb strings.Builder
	fmt.Fprintf(&sb, "SELECT t.*%s%s FROM %s t", segSel, timeSel, store.QuoteIdent(q.Source))
	if j := q.Join; j != nil {
		key := store.QuoteIdent(j.Key)
		cs := make([]string, len(j.Columns))
		for i, c := range j.Columns {
			cs[i] = fmt.Sprintf("any_value(%[1]s) AS %[1]s", store.QuoteIdent(c))
		}
		fmt.Fprintf(&sb, " LEFT JOIN (SELECT %s AS __k, %s FROM %s GROUP BY 1) c ON t.%s = c.__k",
			key, strings.Join(cs, ", "), store.QuoteIdent(j.Table), key)
	}
	ranges := q.Ranges
	if len(ranges) == 0 {
		ranges = []timeRange{{}} // every row: no time condition
	}
	b.WriteString("src AS (")
	for i, r := range ranges {
		all := append([]string(nil), conds...)
		if len(q.Ranges) > 0 {
			all = append(all, fmt.Sprintf("%[1]s >= ?::TIMESTAMP AND %[1]s < ?::TIMESTAMP", tcol))
		}
		all = append(all, wheres...)
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString(sb.String())
		if len(all) > 0 {
			b.WriteString(" WHERE " + strings.Join(all, " AND "))
		}
		args = append(args, filterArgs...)
		if len(q.Ranges) > 0 {
			args = append(args, sqlTime(r.From), sqlTime(r.To))
		}
		args = append(args, cutArgs...)
	}
	b.WriteString(")")

	// Aggregates at each grouping set.
	sel := make([]string, len(q.Aggs))
	for i, a := range q.Aggs {
		sel[i] = fmt.Sprintf("CAST((%s) AS DOUBLE) AS %s", a.Expr, store.QuoteIdent(a.Name))
	}
	var keys []string
	from, periodSel := "src", ""
	switch q.PeriodBy {
	case periodCohort:
		from = "src JOIN periods ON (src.__t IS NULL OR src.__t < periods.period_end)"
		periodSel = "period_start AS __p, "
		keys = append(keys, "__p")
	case periodTrunc:
		periodSel = fmt.Sprintf("date_trunc('%s', __t) AS __p, ", q.Grain.SQLUnit())
		keys = append(keys, "__p")
	}
	groupBy, segCols := "", ""
	if q.Segment != nil {
		segCols = "__seg, GROUPING(__seg) AS __g, "
		withSeg := strings.Join(append(append([]string(nil), keys...), "__seg"), ", ")
		groupBy = fmt.Sprintf(" GROUP BY GROUPING SETS ((%s), (%s))", withSeg, strings.Join(keys, ", "))
	} else if len(keys) > 0 {
		groupBy = " GROUP BY " + strings.Join(keys, ", ")
	}
	fmt.Fprintf(&b, " SELECT %s%s%s FROM %s%s", periodSel, segCols, strings.Join(sel, ", "), from, groupBy)

	// Values from the aggregates of each row, at its own grain.
	vals := make([]string, len(q.Values))
	for i, v := range q.Values {
		vals[i] = fmt.Sprintf("CAST(%s AS DOUBLE) AS %s", duckValue(v), store.QuoteIdent(v.Name))
	}
	return "SELECT *, " + strings.Join(vals, ", ") + " FROM (" + b.String() + ")", args
}

// renderDuckDBComposite renders a composite's evaluation: its formula over a
// VALUES list, one row per segment and period, numbered by __i.
func renderDuckDBComposite(c *compositePlan) (string, []any) {
	rows := make([]string, len(c.Rows))
	var args []any
	for i, r := range c.Rows {
		ph := []string{"?::INTEGER"}
		args = append(args, i)
		for _, v := range r {
			ph = append(ph, "?::DOUBLE")
			if v != nil {
				args = append(args, *v)
			} else {
				args = append(args, nil)
			}
		}
		rows[i] = "(" + strings.Join(ph, ", ") + ")"
	}
	cols := []string{"__i"}
	for _, n := range c.Names {
		cols = append(cols, store.QuoteIdent(n))
	}
	return fmt.Sprintf("SELECT __i, CAST(%s AS DOUBLE) FROM (VALUES %s) v(%s)", duckValue(c.Value), strings.Join(rows, ", "), strings.Join(cols, ", ")), args
}
