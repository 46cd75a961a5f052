package kpi_test

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// floorSQL is `kpiscope report`'s work written by hand in plain DuckDB
// over the tables as the workspace loaded them (and the business-time view
// tickets_business it builds at open): for every KPI of the sample's
// kpiscope.yaml, the additive components of each month from $1 (the
// trend's first month) to $2 (the end of the current one), the medians as
// quantile_cont of the raw rows. One statement per table and time column,
// run one after the other; floorValues turns their rows into the KPIs'
// values (the composites CLV, CAC and retention cost from the components of
// the others). The where: "contacts IS NOT NULL" of the config (the nightly
// sweep's closures are no resolutions) is the FILTER's "contacts IS NOT
// NULL" of the resolution KPIs.
//
//  1. tickets by resolved date: csat, ces, resolution_time,
//     resolution_median, fcr, reopen_rate, contacts_per_resolution
//  2. tickets_business by resolved date: resolution_bh, resolution_bh_median
//  3. tickets_business by created date: first_response, first_response_bh
//  4. tickets_business by first response deadline: sla_first_response
//  5. tickets_business by resolution deadline: sla_resolution
//  6. tickets_business open at each month's end: backlog, backlog_overdue
//     (a ticket is open at the end of every month from the one it was
//     created in to the one before it was resolved; past its deadline at
//     the month's end, or at the data's end in a month not over)
//  7. surveys by response date: nps
//  8. surveys by send date: response_rate
//  9. orders by order date: avg_purchase, purchase_frequency, repeat_rate
//     (and CLV's revenue), distinct orders counted per customer (an order
//     is one customer's)
//  10. customers against each month: retention, churn, new customers (CAC's
//     and retention cost's denominators, CLV's customers and churn)
//  11. spend by month: acquisition and retention spend (CAC, retention cost)
const floorSQL = `
SELECT date_trunc('month', resolved_at) AS m,
  count(*) FILTER (WHERE csat BETWEEN 4 AND 5) AS csat_top2, count(*) FILTER (WHERE csat BETWEEN 1 AND 5) AS csat_n,
  count(*) FILTER (WHERE ces BETWEEN 5 AND 7) AS ces_easy, count(*) FILTER (WHERE ces BETWEEN 1 AND 7) AS ces_n,
  sum(date_diff('second', created_at, resolved_at)) FILTER (WHERE contacts IS NOT NULL AND resolved_at >= created_at) AS res_secs,
  count(*) FILTER (WHERE contacts IS NOT NULL AND resolved_at >= created_at) AS res_n,
  quantile_cont(date_diff('second', created_at, resolved_at) / 3600.0, 0.5) FILTER (WHERE contacts IS NOT NULL AND resolved_at >= created_at) AS res_median,
  count(*) FILTER (WHERE contacts = 1) AS first_contact, count(contacts) AS resolved, sum(contacts) AS contacts,
  count(*) FILTER (WHERE contacts IS NOT NULL AND reopened >= 1) AS reopened, count(*) FILTER (WHERE contacts IS NOT NULL AND reopened >= 0) AS reopen_known
FROM tickets WHERE resolved_at >= $1::TIMESTAMP AND resolved_at < $2::TIMESTAMP GROUP BY m;
SELECT date_trunc('month', resolved_at) AS m,
  sum(resolution_bh) FILTER (WHERE contacts IS NOT NULL AND resolved_at >= created_at) AS res_bh,
  quantile_cont(resolution_bh, 0.5) FILTER (WHERE contacts IS NOT NULL AND resolved_at >= created_at) AS res_bh_median
FROM tickets_business WHERE resolved_at >= $1::TIMESTAMP AND resolved_at < $2::TIMESTAMP GROUP BY m;
SELECT date_trunc('month', created_at) AS m,
  sum(date_diff('second', created_at, first_response_at)) FILTER (WHERE first_response_at >= created_at) AS fr_secs,
  sum(first_response_bh) FILTER (WHERE first_response_at >= created_at) AS fr_bh,
  count(*) FILTER (WHERE first_response_at >= created_at) AS fr_n
FROM tickets_business WHERE created_at >= $1::TIMESTAMP AND created_at < $2::TIMESTAMP GROUP BY m;
SELECT date_trunc('month', first_response_due) AS m, count(*) FILTER (WHERE first_response_met) AS fr_met, count(first_response_met) AS fr_due
FROM tickets_business WHERE first_response_due >= $1::TIMESTAMP AND first_response_due < $2::TIMESTAMP GROUP BY m;
SELECT date_trunc('month', resolution_due) AS m, count(*) FILTER (WHERE resolution_met) AS res_met, count(resolution_met) AS res_due
FROM tickets_business WHERE resolution_due >= $1::TIMESTAMP AND resolution_due < $2::TIMESTAMP GROUP BY m;
SELECT m, count(*) AS open, count(resolution_due) AS open_sla,
  count(*) FILTER (WHERE resolution_due < least(m + INTERVAL 1 MONTH, (SELECT greatest(max(created_at), max(resolved_at)) FROM tickets))) AS overdue
FROM (
  SELECT resolution_due, unnest(generate_series(date_trunc('month', created_at),
    coalesce(date_trunc('month', resolved_at), $2::TIMESTAMP) - INTERVAL 1 MONTH, INTERVAL 1 MONTH)) AS m
  FROM tickets_business WHERE resolved_at IS NULL OR (resolved_at >= created_at AND resolved_at >= $1::TIMESTAMP))
WHERE m >= $1::TIMESTAMP AND m < $2::TIMESTAMP GROUP BY m;
SELECT date_trunc('month', responded_at) AS m,
  count(*) FILTER (WHERE nps BETWEEN 9 AND 10) AS promoters, count(*) FILTER (WHERE nps BETWEEN 0 AND 6) AS detractors,
  count(*) FILTER (WHERE nps BETWEEN 0 AND 10) AS nps_n
FROM surveys WHERE responded_at >= $1::TIMESTAMP AND responded_at < $2::TIMESTAMP GROUP BY m;
SELECT date_trunc('month', sent_at) AS m, count(responded_at) AS responded, count(*) AS sent
FROM surveys WHERE sent_at >= $1::TIMESTAMP AND sent_at < $2::TIMESTAMP GROUP BY m;
SELECT m, sum(revenue) AS revenue, sum(priced) AS priced_orders, sum(orders) AS orders,
  count(customer_id) AS buyers, count(customer_id) FILTER (WHERE orders >= 2) AS repeat_buyers
FROM (
  SELECT date_trunc('month', order_date) AS m, customer_id, sum(amount) AS revenue,
    count(DISTINCT order_id) FILTER (WHERE amount IS NOT NULL) AS priced, count(DISTINCT order_id) AS orders
  FROM orders WHERE order_date >= $1::TIMESTAMP AND order_date < $2::TIMESTAMP GROUP BY ALL)
GROUP BY m;
SELECT m, count(*) FILTER (WHERE signup_date >= m AND signup_date < m + INTERVAL 1 MONTH) AS new_customers,
  count(*) FILTER (WHERE signup_date < m AND (churn_date IS NULL OR churn_date >= m)) AS active_start,
  count(*) FILTER (WHERE signup_date < m AND (churn_date IS NULL OR churn_date >= m + INTERVAL 1 MONTH)) AS retained,
  count(*) FILTER (WHERE signup_date < m AND churn_date >= m AND churn_date < m + INTERVAL 1 MONTH) AS churned
FROM customers, generate_series($1::TIMESTAMP, $2::TIMESTAMP - INTERVAL 1 MONTH, INTERVAL 1 MONTH) g(m) GROUP BY m;
SELECT month AS m, sum(amount) FILTER (WHERE kind = 'acquisition') AS acquisition_spend,
  sum(amount) FILTER (WHERE kind = 'retention') AS retention_spend
FROM spend WHERE month >= $1::TIMESTAMP AND month < $2::TIMESTAMP GROUP BY m`

// floorStatements are floorSQL's statements, in order.
func floorStatements() []string { return strings.Split(floorSQL, ";\n") }

// runFloor runs the floor's statements one after the other for the months
// from (the first) to to (the end of the last).
func runFloor(ctx context.Context, db *store.DB, from, to time.Time) ([]*store.Rows, error) {
	var out []*store.Rows
	for _, q := range floorStatements() {
		rows, err := db.Query(ctx, q, from.Format(time.DateTime), to.Format(time.DateTime))
		if err != nil {
			return nil, err
		}
		out = append(out, rows)
	}
	return out, nil
}

// floorNum reads a scanned number (sums of integers come back as HUGEINT);
// NULL is no number.
func floorNum(v any) (float64, bool) {
	if x, ok := v.(*big.Int); ok {
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	}
	return store.Float(v)
}

// floorValues computes every KPI's value per month ("2006-01") from the
// floor's rows: the formulas of the definitions over the components, no
// value where a denominator is empty.
func floorValues(results []*store.Rows) (map[string]map[string]float64, error) {
	comp := map[string]map[string]float64{} // month → component → value
	for _, rows := range results {
		for _, r := range rows.Data {
			m, ok := r[0].(time.Time)
			if !ok {
				return nil, fmt.Errorf("floor: month %v (%T) is no time", r[0], r[0])
			}
			key := m.Format("2006-01")
			if comp[key] == nil {
				comp[key] = map[string]float64{}
			}
			for i, c := range rows.Columns[1:] {
				if f, ok := floorNum(r[i+1]); ok {
					comp[key][c] = f
				}
			}
		}
	}
	type kpiFn func(c map[string]float64) (float64, bool)
	ratio := func(num, den string, scale float64) kpiFn {
		return func(c map[string]float64) (float64, bool) {
			if c[den] == 0 {
				return 0, false
			}
			return scale * c[num] / c[den], true
		}
	}
	value := func(name, n string) kpiFn { // a value given with its sample size
		return func(c map[string]float64) (float64, bool) {
			v, ok := c[name]
			return v, ok && c[n] > 0
		}
	}
	churn := ratio("churned", "active_start", 100)
	fns := map[string]kpiFn{
		"csat": ratio("csat_top2", "csat_n", 100),
		"nps": func(c map[string]float64) (float64, bool) {
			return 100 * (c["promoters"] - c["detractors"]) / c["nps_n"], c["nps_n"] > 0
		},
		"ces":                ratio("ces_easy", "ces_n", 100),
		"retention":          ratio("retained", "active_start", 100),
		"churn":              churn,
		"resolution_time":    ratio("res_secs", "res_n", 1.0/3600),
		"resolution_median":  value("res_median", "res_n"),
		"fcr":                ratio("first_contact", "resolved", 100),
		"first_response":     ratio("fr_secs", "fr_n", 1.0/3600),
		"response_rate":      ratio("responded", "sent", 100),
		"avg_purchase":       ratio("revenue", "priced_orders", 1),
		"purchase_frequency": ratio("orders", "buyers", 1),
		"repeat_rate":        ratio("repeat_buyers", "buyers", 100),
		// revenue per active customer per year × expected lifetime in years
		// (1 / annual churn, at most 10), a month being 1/12 of a year.
		"clv": func(c map[string]float64) (float64, bool) {
			ch, ok := churn(c)
			if !ok {
				return 0, false
			}
			return c["revenue"] / c["active_start"] * 12 * math.Min(1/(1-math.Pow(1-ch/100, 12)), 10), true
		},
		"cac":                     ratio("acquisition_spend", "new_customers", 1),
		"retention_cost":          ratio("retention_spend", "retained", 1),
		"sla_first_response":      ratio("fr_met", "fr_due", 100),
		"sla_resolution":          ratio("res_met", "res_due", 100),
		"first_response_bh":       ratio("fr_bh", "fr_n", 1),
		"resolution_bh":           ratio("res_bh", "res_n", 1),
		"resolution_bh_median":    value("res_bh_median", "res_n"),
		"backlog":                 value("open", "open"),
		"backlog_overdue":         ratio("overdue", "open_sla", 100),
		"reopen_rate":             ratio("reopened", "reopen_known", 100),
		"contacts_per_resolution": ratio("contacts", "resolved", 1),
	}
	out := map[string]map[string]float64{}
	for id, fn := range fns {
		out[id] = map[string]float64{}
		for m, c := range comp {
			if v, ok := fn(c); ok {
				out[id][m] = v
			}
		}
	}
	return out, nil
}

// checkFloor fails the benchmark unless the floor computes every KPI of the
// report sc as it does: the value of each month of its trend (the current
// one's, the headline, among them) within 1e-9 relative, the medians and
// the backlog's count exactly.
func checkFloor(b *testing.B, sc *kpi.Scorecard, results []*store.Rows) {
	b.Helper()
	floor, err := floorValues(results)
	if err != nil {
		b.Fatal(err)
	}
	exact := map[string]bool{"resolution_median": true, "resolution_bh_median": true, "backlog": true}
	var bad []string
	compared := 0
	for _, r := range sc.Results {
		id := r.Def.ID
		if r.Err != nil {
			bad = append(bad, fmt.Sprintf("%s: report failed: %v", id, r.Err))
			continue
		}
		f, ok := floor[id]
		if !ok {
			bad = append(bad, id+": not in the floor")
			continue
		}
		points := append([]kpi.Point(nil), r.Trend...)
		if cur := r.Total.Point; len(points) == 0 || !points[len(points)-1].Period.Equal(cur.Period) {
			points = append(points, cur)
		} else {
			points[len(points)-1] = cur // the headline as report shows it
		}
		for _, p := range points {
			m := p.Period.Format("2006-01")
			fv, has := f[m]
			switch {
			case p.Value == nil && !has:
				continue
			case p.Value == nil:
				bad = append(bad, fmt.Sprintf("%s %s: report has no value, the floor %v", id, m, fv))
				continue
			case !has:
				bad = append(bad, fmt.Sprintf("%s %s: report %v, the floor has no value", id, m, *p.Value))
				continue
			}
			compared++
			rv := *p.Value
			tol := 1e-9 * math.Max(math.Abs(rv), math.Abs(fv))
			if exact[id] {
				tol = 0
			}
			if math.Abs(rv-fv) > tol {
				bad = append(bad, fmt.Sprintf("%s %s: report %.17g, floor %.17g (relative %.3g)", id, m, rv, fv, math.Abs(rv-fv)/math.Max(math.Abs(rv), math.Abs(fv))))
			}
		}
		if r.Total.Value == nil {
			bad = append(bad, fmt.Sprintf("%s: no value in the current month %s", id, r.Total.Period.Format("2006-01")))
		}
	}
	if len(sc.Results) != 25 {
		bad = append(bad, fmt.Sprintf("report computed %d KPIs, not the sample's 25", len(sc.Results)))
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		b.Fatalf("the floor does not compute what report does:\n  %s", strings.Join(bad, "\n  "))
	}
	b.Logf("floor = report for %d KPIs, %d KPI-months compared", len(sc.Results), compared)
}
