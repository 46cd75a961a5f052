package kpi

import (
	"fmt"
	"strings"
)

// A distribution on a warehouse (issue 16): the same compiled plan as over
// DuckDB (compileGroup: the period, the filters, the customers' join, the
// KPI's row filter), with aggregates written in the portable subset the
// ClickHouse translator reads (translate_clickhouse.go) instead of DuckDB's
// histogram() and list quantiles: one filtered count per bucket (the
// values between its two edges), the count and sum of the values, and the median and p90 as quantile_cont, which the
// translator makes DuckDB's interpolating quantile over the sorted values
// (exact; the two share one groupArray). renderClickHouse then renders it
// for 18.16 (toMonday and the like for periods, UNION ALL for a breakdown's
// totals, GLOBAL JOIN for the customers) and the aggregation runs on the
// shards: one row per period and segment travels back.

// distBucketExpr is the bucket number of x: i for edges[i-1] ≤ x < edges[i],
// len(edges) past the last edge (a NaN too).
func distBucketExpr(x string, edges []float64) string {
	var b strings.Builder
	b.WriteString("CASE")
	for i, e := range edges { // a bucket holds lo ≤ x < hi
		fmt.Fprintf(&b, " WHEN %s < %s THEN %d", x, formatFloat(e), i)
	}
	fmt.Fprintf(&b, " ELSE %d END", len(edges))
	return b.String()
}

// distPortableAggs sets a distribution plan's aggregates in the portable
// subset (agg adds the KPI's FILTER, and a condition of its own) and
// returns the bucket counts' expressions, in order: per bucket for a
// histogram, per score from form.lo for scores.
func distPortableAggs(q *queryPlan, form distForm, edges []float64, agg func(call, c string) string) []string {
	x := form.value
	var counts []string
	if form.kind == DistHistogram {
		// Bucket i is edges[i-1] ≤ x < edges[i] as distBucketExpr's CASE
		// reads it (not below the lower edge, so a NaN is past the last),
		// written with two comparisons: the CASE in every count made a
		// query longer than ClickHouse's max_query_size.
		for i := 0; i <= len(edges); i++ {
			var c []string
			if i > 0 {
				c = append(c, fmt.Sprintf("NOT (%s < %s)", x, formatFloat(edges[i-1])))
			}
			if i < len(edges) {
				c = append(c, fmt.Sprintf("%s < %s", x, formatFloat(edges[i])))
			}
			counts = append(counts, agg("count(*)", x+" IS NOT NULL AND "+strings.Join(c, " AND ")))
		}
		q.Aggs = append(q.Aggs,
			planAgg{Name: "n", Expr: agg("count("+x+")", "")},
			planAgg{Name: "sum", Expr: agg("sum("+x+")", "")},
			planAgg{Name: "median", Expr: agg("quantile_cont("+x+", 0.5)", "")},
			planAgg{Name: "p90", Expr: agg("quantile_cont("+x+", 0.9)", "")})
		return counts
	}
	for v := form.lo; v <= form.hi; v++ {
		counts = append(counts, agg("count(*)", fmt.Sprintf("floor(%s) = %d", x, v)))
	}
	q.Aggs = append(q.Aggs,
		planAgg{Name: "n", Expr: form.nExpr},
		planAgg{Name: "sum", Expr: agg("sum("+x+")", "")})
	return counts
}
