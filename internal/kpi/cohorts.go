package kpi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"kpiscope/internal/schema"
	"kpiscope/internal/store"
)

// CohortKind says what a cohort matrix counts.
type CohortKind string

// The cohort kinds.
const (
	// CohortRetention groups customers by signup date; a cell is the share
	// of the cohort still active (not churned) at the end of the k-th month
	// since the signup month (month 0 is the signup month itself).
	CohortRetention CohortKind = "retention"
	// CohortOrders groups ordering customers by the month of their first
	// order; a cell is the share of the cohort who placed at least one order
	// in the k-th calendar month since that month (month 0 is 100% by
	// definition: the first order's own month).
	CohortOrders CohortKind = "orders"
)

// ParseCohortKind reads retention (or active) and orders (or purchases).
func ParseCohortKind(s string) (CohortKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "retention", "active", "signup":
		return CohortRetention, nil
	case "orders", "purchases", "repeat":
		return CohortOrders, nil
	}
	return "", fmt.Errorf("cohort kind %q: use retention (signup cohorts, %% still active) or orders (first-order cohorts, %% who ordered again)", s)
}

// CohortAsk is what a cohort matrix is asked for.
type CohortAsk struct {
	Kind  CohortKind // default CohortRetention
	Grain Grain      // the cohorts' size: Month (default) or Quarter
	// Cohorts is how many cohorts, the latest first reached (default 12).
	Cohorts int
	// Filters keep customers (or orders) by dimension; one on a column
	// the table cannot reach is left out and named in Ignored.
	Filters []Filter
}

// maxCohorts bounds a matrix's rows (and so its query's result).
const maxCohorts = 120

// CohortRow is one cohort: its start, its size and, for each age reached
// (months since signup whose month is over by the data's end), how many of
// its customers were active (or ordered) then.
type CohortRow struct {
	Start  time.Time
	Size   int64
	Active []int64 // by age; len is the ages this cohort has reached
}

// Rate is the cell at age k in % (ok false beyond the ages reached, or for
// an empty cohort).
func (r CohortRow) Rate(k int) (float64, bool) {
	if k < 0 || k >= len(r.Active) || r.Size == 0 {
		return 0, false
	}
	return 100 * float64(r.Active[k]) / float64(r.Size), true
}

// CohortPooled is the "all cohorts" cell at one age: Σ active / Σ size over
// the cohorts that reached it (weighted by size, never a mean of rates).
type CohortPooled struct {
	Active, Size int64
	Cohorts      int // how many cohorts reached the age
}

// Rate is the pooled cell in % (ok false when no cohort reached the age).
func (p CohortPooled) Rate() (float64, bool) {
	if p.Size == 0 {
		return 0, false
	}
	return 100 * float64(p.Active) / float64(p.Size), true
}

// CohortMatrix is the cohort triangle: rows oldest first, ages 0…Ages−1.
type CohortMatrix struct {
	Kind  CohortKind
	Grain Grain
	Table string // the table read (customers, or orders)
	// Start and End name the columns read: signup and churn dates, or the
	// orders' customer key and date.
	Start, End string
	Rows       []CohortRow
	Ages       int
	Pooled     []CohortPooled // by age
	// Through is the first day of the first month not over: months since
	// signup from it on are left out (the current, partial month too).
	Through time.Time
	Filters []Filter // the filters applied
	Ignored []Filter // filters on columns the table cannot reach
}

// LastDay is the last day the matrix counts (the day before Through).
func (m *CohortMatrix) LastDay() time.Time { return m.Through.AddDate(0, 0, -1) }

// ErrNoCohorts says the data has no table and columns for a cohort matrix.
var ErrNoCohorts = errors.New("no cohort data")

type noCohorts string

func (e noCohorts) Error() string        { return string(e) }
func (e noCohorts) Is(target error) bool { return target == ErrNoCohorts }

// cohortSource finds the table and columns a kind reads from the KPI
// definitions, so a kpiscope.yaml that maps the built-ins onto other
// names works: for retention, a cohort KPI (retention, churn) bound to a
// signup and a churn date; for orders, an orders KPI (repeat rate, purchase
// frequency) bound to a customer key and an order date.
func (e *Engine) cohortSource(kind CohortKind) (d *Def, start, end string, err error) {
	roles := [2]string{"signup_date", "churn_date"}
	if kind == CohortOrders {
		roles = [2]string{"customer_id", "order_date"}
	}
	for _, prefer := range []bool{true, false} {
		for _, d := range e.defs {
			if e.problems[d.ID] != nil || d.Roles == nil || d.Source == "" || (kind == CohortRetention) != (d.Type == Cohort) {
				continue
			}
			if prefer && d.BuiltinID != "retention" && d.BuiltinID != "repeat_rate" {
				continue
			}
			a, b := d.Roles[roles[0]], d.Roles[roles[1]]
			ca, oka := schema.Column(e.tables[d.Source], a)
			cb, okb := schema.Column(e.tables[d.Source], b)
			if !oka || !okb {
				continue
			}
			return d, ca.Name, cb.Name, nil
		}
	}
	if kind == CohortOrders {
		return nil, "", "", noCohorts("no orders to build purchase cohorts from: the matrix needs an orders KPI (repeat_rate or purchase_frequency) bound to a customer key and an order date")
	}
	return nil, "", "", noCohorts("no customers to build cohorts from: the matrix needs a cohort KPI (retention or churn) bound to a signup date and a churn date (map them in kpiscope.yaml)")
}

// Cohorts computes a cohort matrix in one aggregate query over the
// customers (or orders) table, under ctx. Cells are counts; rates are
// computed from them (Rate), and the pooled row sums counts over the
// cohorts that reached each age.
func (e *Engine) Cohorts(ctx context.Context, ask CohortAsk) (*CohortMatrix, error) {
	if ask.Kind == "" {
		ask.Kind = CohortRetention
	}
	if ask.Grain == "" {
		ask.Grain = Month
	}
	if ask.Grain != Month && ask.Grain != Quarter {
		return nil, fmt.Errorf("cohorts are by month or quarter, not %s", ask.Grain)
	}
	if ask.Cohorts <= 0 {
		ask.Cohorts = 12
	}
	ask.Cohorts = min(ask.Cohorts, maxCohorts)
	d, startCol, endCol, err := e.cohortSource(ask.Kind)
	if err != nil {
		return nil, err
	}
	m := &CohortMatrix{Kind: ask.Kind, Grain: ask.Grain, Table: d.Source, Start: startCol, End: endCol}

	// The data's end: the first month not over (a month whose data stops
	// a few hours short, 23:59:57 on its last day, is over).
	hi := e.spanOf(d).hi
	if hi.IsZero() {
		return m, nil
	}
	if !e.asOf.IsZero() && e.asOf.Before(hi) {
		hi = e.asOf
	}
	end := dataEnd(hi)
	through := Month.Trunc(end)
	if complete(Month, through, end) {
		through = Month.Add(through, 1)
	}
	m.Through = through

	// Filters on dimensions the engine knows; the compiler leaves out
	// those the table cannot reach.
	fs := make([]Filter, 0, len(ask.Filters))
	for _, f := range ask.Filters {
		f.Dim = e.CanonicalDim(f.Dim)
		if err := e.CheckFilter(f); err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	p := compileCohorts(e.snapshot(), d, startCol, endCol, ask.Kind, ask.Grain, ask.Cohorts, through, fs)
	m.Filters, m.Ignored = p.Applied, p.Ignored
	first, last, maxAge := p.First, ask.Grain.Add(p.Next, -1), p.MaxAge
	span := 1
	if ask.Grain == Quarter {
		span = 3
	}
	q, args, err := e.renderCohorts(p)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	rows, err := e.executor().query(ctx, q, args...)
	e.debug("query", "table", d.Source, "what", "cohorts", "elapsed", time.Since(start), "sql", q)
	if err != nil {
		return nil, err
	}

	type cell struct {
		cohort time.Time
		age    int
		null   bool
		n      int64
	}
	var cells []cell
	for _, r := range rows.Data {
		t, ok := r[0].(time.Time)
		if !ok {
			continue
		}
		x := cell{cohort: t.UTC(), n: store.Int(r[2])}
		if r[1] == nil {
			x.null = true
		} else {
			x.age = int(store.Int(r[1]))
		}
		cells = append(cells, x)
	}
	for t := first; !t.After(last); t = ask.Grain.Add(t, 1) {
		reach := monthsBetween(t, through) - (span - 1) // ages every member reached
		row := CohortRow{Start: t, Active: make([]int64, max(min(reach, maxAge), 0))}
		for _, x := range cells {
			if !x.cohort.Equal(t) {
				continue
			}
			if ask.Kind == CohortOrders {
				if x.age == 0 {
					row.Size += x.n
				}
				if x.age >= 0 && x.age < len(row.Active) {
					row.Active[x.age] += x.n
				}
				continue
			}
			row.Size += x.n
			for k := range row.Active { // active at the end of month k: churned in a later month, or not at all
				if x.null || x.age > k {
					row.Active[k] += x.n
				}
			}
		}
		if len(row.Active) > 0 && (row.Size > 0 || len(m.Rows) > 0) { // none before the first customer
			m.Rows = append(m.Rows, row)
			m.Ages = max(m.Ages, len(row.Active))
		}
	}
	m.Pooled = make([]CohortPooled, m.Ages)
	for _, r := range m.Rows {
		for k, a := range r.Active {
			m.Pooled[k].Active += a
			m.Pooled[k].Size += r.Size
			m.Pooled[k].Cohorts++
		}
	}
	return m, nil
}

// monthsBetween is the whole months from a to b (both month starts).
func monthsBetween(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

// cohortPlan is a cohort matrix's query, engine-neutral: the table and
// columns it reads, the cohorts' grain and range, the ages and the filters
// as values to bind. A renderer (renderDuckDBCohorts) makes it SQL that
// returns (cohort, age, n): the customers of each cohort at each age.
type cohortPlan struct {
	Kind   CohortKind
	Source string
	// Join is the customers table's columns that filters read, joined one
	// row per customer key; nil when none is needed.
	Join    *customerJoin
	Filters []planFilter // all must hold
	Where   string       // the KPI's row filter, verbatim; "" = none
	// Start and End are the columns read: for retention the signup and
	// churn dates, for orders the customer key and the order date.
	Start, End string
	Grain      Grain // the cohorts' size: Month or Quarter
	// First is the first cohort's start and Next the start after the last
	// one: retention reads customers who signed up in [First, Next), orders
	// the customers whose first order's month is First or later.
	First, Next time.Time
	// Through is the first month not over: orders from it on are not read
	// (and so no age reaches it).
	Through time.Time
	// MaxAge bounds the ages: a retention customer who churned later is
	// counted at MaxAge (active through every age shown); an order MaxAge or
	// more months after the first is not counted.
	MaxAge int
	// Applied and Ignored are the asked filters the plan applies and those
	// on a dimension the table cannot reach (left out).
	Applied, Ignored []Filter
}

// compileCohorts plans the query of a cohort matrix of kind over d's table,
// read through the columns start and end: n cohorts of grain, the latest the
// last whose every member reached age 0 by through (the first month not
// over). Filters on a dimension the table cannot reach, directly or through
// the customers, are left out and named in Ignored.
func compileCohorts(sch *schemaSnapshot, d *Def, start, end string, kind CohortKind, grain Grain, n int, through time.Time, filters []Filter) *cohortPlan {
	span := 1
	if grain == Quarter {
		span = 3
	}
	last := grain.Trunc(Month.Add(through, -span))
	first := grain.Add(last, -(n - 1))
	p := &cohortPlan{Kind: kind, Source: d.Source, Where: d.Where, Start: start, End: end, Grain: grain,
		First: first, Next: grain.Add(last, 1), Through: through, MaxAge: monthsBetween(first, through)}
	joinCols := map[string]bool{}
	for _, f := range filters {
		c, err := sch.dimColumn(d.Source, f.Dim)
		if err != nil {
			p.Ignored = append(p.Ignored, f)
			continue
		}
		if c.Customer {
			joinCols[c.Name] = true
		}
		p.Filters = append(p.Filters, newPlanFilter(c, f))
		p.Applied = append(p.Applied, f)
	}
	if len(joinCols) > 0 {
		p.Join = &customerJoin{Table: sch.customers, Key: sch.customerKey, Columns: sortedKeys(joinCols)}
	}
	return p
}
