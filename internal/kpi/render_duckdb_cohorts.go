package kpi

import (
	"fmt"
	"strings"
	"time"

	"kpiscope/internal/store"
)

// The DuckDB renderer of a cohort matrix's plan (compileCohorts): the one
// place its query becomes DuckDB SQL (date_trunc, datediff, ::TIMESTAMP and
// ::DATE casts, GROUP BY ALL, any_value). Identifiers go through
// store.QuoteIdent; filter values, bounds and the age cap are bound
// arguments. The output columns are the executor's contract: cohort (the
// cohort's start, a TIMESTAMP), age (months; NULL for a retention customer
// still active) and n (customers).

// renderDuckDBCohorts renders a cohort plan as DuckDB SQL and its arguments.
// For retention, age is the months from the signup month to the churn month
// (NULL: still active), capped at MaxAge; for orders, the months since the
// first order's month in which the customer ordered, below MaxAge.
func renderDuckDBCohorts(p *cohortPlan) (string, []any) {
	var conds []string
	var fargs []any
	for _, f := range p.Filters {
		c, a := duckFilterCond(f)
		conds = append(conds, c)
		fargs = append(fargs, a...)
	}
	if p.Where != "" {
		conds = append(conds, "("+p.Where+")")
	}
	from := store.QuoteIdent(p.Source) + " t"
	if p.Join != nil {
		from += duckCustomerJoin(p.Join)
	}
	where := ""
	if len(conds) > 0 {
		where = " AND " + strings.Join(conds, " AND ")
	}
	s, c := store.QuoteIdent(p.Start), store.QuoteIdent(p.End)
	unit := p.Grain.SQLUnit()
	if p.Kind == CohortOrders {
		q := fmt.Sprintf(`WITH o AS (
  SELECT t.%[1]s AS cust, date_trunc('month', CAST(t.%[2]s AS TIMESTAMP)) AS om
  FROM %[3]s WHERE t.%[1]s IS NOT NULL AND t.%[2]s IS NOT NULL AND CAST(t.%[2]s AS TIMESTAMP) < ?::TIMESTAMP%[4]s),
f AS (SELECT cust, min(om) AS fm FROM o GROUP BY cust),
a AS (SELECT DISTINCT o.cust, f.fm, datediff('month', f.fm, o.om) AS age FROM o JOIN f USING (cust)
  WHERE f.fm >= ?::TIMESTAMP AND datediff('month', f.fm, o.om) < ?)
SELECT CAST(date_trunc('%[5]s', fm) AS TIMESTAMP) AS cohort, age, count(*) AS n FROM a GROUP BY ALL ORDER BY 1, 2`,
			s, c, from, where, unit)
		args := append([]any{sqlTime(p.Through)}, fargs...)
		return q, append(args, sqlTime(p.First), p.MaxAge)
	}
	q := fmt.Sprintf(`SELECT CAST(date_trunc('%[5]s', CAST(t.%[1]s AS DATE)) AS TIMESTAMP) AS cohort,
  least(datediff('month', date_trunc('month', CAST(t.%[1]s AS DATE)), date_trunc('month', CAST(t.%[2]s AS DATE))), ?) AS age,
  count(*) AS n
FROM %[3]s WHERE t.%[1]s IS NOT NULL AND CAST(t.%[1]s AS DATE) >= ?::DATE AND CAST(t.%[1]s AS DATE) < ?::DATE%[4]s
GROUP BY ALL ORDER BY 1, 2`, s, c, from, where, unit)
	args := []any{p.MaxAge, p.First.Format(time.DateOnly), p.Next.Format(time.DateOnly)}
	return q, append(args, fargs...)
}
