package kpi_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// cohortFixture: 12 customers whose signup and churn months are worked out
// by hand below; the data ends on 30 Apr 2026 (customers' last date), so
// months since signup up to April count and May is not over. The ticket on
// 20 May is another table's: it does not move the customers' end.
//
//	id   signup      churn       plan   months from signup month to churn month
//	C0   2025-12-20  2026-02-10  Basic  2
//	C1   2026-01-05  —           Basic  —
//	C2   2026-01-10  2026-01-20  Basic  0
//	C3   2026-01-15  2026-03-02  Pro    2
//	C4   2026-01-31  2026-02-01  Basic  1
//	C5   2026-02-01  —           Pro    —
//	C6   2026-02-14  2026-04-30  Basic  2
//	C7   2026-02-28  2026-02-28  Basic  0
//	C8   2026-03-03  —           Pro    —
//	C9   2026-03-20  2026-04-10  Basic  1
//	C10  2026-04-02  —           Basic  —
//	C11  2026-04-15  —           Pro    —
const cohortFixture = `
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE, churn_date DATE, plan VARCHAR);
INSERT INTO customers VALUES
 ('C0',  '2025-12-20', '2026-02-10', 'Basic'),
 ('C1',  '2026-01-05', NULL,         'Basic'),
 ('C2',  '2026-01-10', '2026-01-20', 'Basic'),
 ('C3',  '2026-01-15', '2026-03-02', 'Pro'),
 ('C4',  '2026-01-31', '2026-02-01', 'Basic'),
 ('C5',  '2026-02-01', NULL,         'Pro'),
 ('C6',  '2026-02-14', '2026-04-30', 'Basic'),
 ('C7',  '2026-02-28', '2026-02-28', 'Basic'),
 ('C8',  '2026-03-03', NULL,         'Pro'),
 ('C9',  '2026-03-20', '2026-04-10', 'Basic'),
 ('C10', '2026-04-02', NULL,         'Basic'),
 ('C11', '2026-04-15', NULL,         'Pro');
CREATE TABLE orders (order_id VARCHAR, customer_id VARCHAR, order_date TIMESTAMP, amount DOUBLE);
INSERT INTO orders VALUES
 ('o1', 'C1', '2026-01-06', 10), ('o2', 'C1', '2026-01-20', 10), ('o3', 'C1', '2026-03-05', 10),
 ('o4', 'C2', '2026-01-11', 10),
 ('o5', 'C3', '2025-12-30', 10), ('o6', 'C3', '2026-02-01', 10),
 ('o7', 'C5', '2026-02-03', 10), ('o8', 'C5', '2026-03-01', 10), ('o9', 'C5', '2026-04-30', 10),
 ('o10', 'C6', '2026-02-15', 10),
 ('o11', 'C8', '2026-04-01', 10),
 ('o12', 'C9', '2026-03-25', 10), ('o13', 'C9', '2026-04-30 12:00', 10);
CREATE TABLE tickets (ticket_id VARCHAR, customer_id VARCHAR, channel VARCHAR, created_at TIMESTAMP);
INSERT INTO tickets VALUES ('t1', 'C1', 'chat', '2026-05-20');
`

func cohortEngine(t *testing.T) *kpi.Engine {
	t.Helper()
	db := openFixture(t, cohortFixture)
	ctx := context.Background()
	tables := map[string][]store.Column{}
	names, _ := db.Tables(ctx)
	for _, n := range names {
		tables[n], _ = db.Columns(ctx, n)
	}
	eng, err := kpi.New(ctx, db, kpi.StandardDefs(tables), kpi.Options{Now: fixedNow, Dimensions: []string{"plan", "channel"}})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

type wantRow struct {
	start  string
	size   int64
	active []int64
}

func checkMatrix(t *testing.T, m *kpi.CohortMatrix, rows []wantRow, pooled [][2]int64) {
	t.Helper()
	if len(m.Rows) != len(rows) {
		t.Fatalf("%d cohorts, want %d: %+v", len(m.Rows), len(rows), m.Rows)
	}
	for i, w := range rows {
		r := m.Rows[i]
		if got := r.Start.Format("2006-01-02"); got != w.start || r.Size != w.size || len(r.Active) != len(w.active) {
			t.Errorf("cohort %d: %s size %d %v, want %s size %d %v", i, got, r.Size, r.Active, w.start, w.size, w.active)
			continue
		}
		for k := range w.active {
			if r.Active[k] != w.active[k] {
				t.Errorf("cohort %s age %d: %d active, want %d", w.start, k, r.Active[k], w.active[k])
			}
		}
		if _, ok := r.Rate(len(w.active)); ok {
			t.Errorf("cohort %s: a cell beyond the data's end has a value, want empty", w.start)
		}
	}
	if len(m.Pooled) != len(pooled) || m.Ages != len(pooled) {
		t.Fatalf("pooled %+v (ages %d), want %v", m.Pooled, m.Ages, pooled)
	}
	for k, p := range pooled {
		if m.Pooled[k].Active != p[0] || m.Pooled[k].Size != p[1] {
			t.Errorf("pooled age %d: %d/%d, want %d/%d", k, m.Pooled[k].Active, m.Pooled[k].Size, p[0], p[1])
		}
	}
}

// TestCohortTriangleHandWorked: monthly signup cohorts Jan–Apr 2026.
//
//	Jan (C1–C4, 4): active at the end of month 0: C1 C3 C4 = 3; month 1: C1 C3 = 2; 2: C1; 3: C1
//	Feb (C5–C7, 3): 0: C5 C6 = 2; 1: C5 C6 = 2; 2: C5 = 1 (month 3, May, not over: empty)
//	Mar (C8 C9, 2): 0: 2; 1: C8 = 1
//	Apr (C10 C11, 2): 0: 2
//	all cohorts: 0: 9/11 = 81.8% (the mean of the four rates would be 85.4%);
//	1: 5/9; 2: 2/7 = 28.6% (mean 29.2%); 3: 1/4
func TestCohortTriangleHandWorked(t *testing.T) {
	eng := cohortEngine(t)
	m, err := eng.Cohorts(context.Background(), kpi.CohortAsk{Cohorts: 4})
	if err != nil {
		t.Fatal(err)
	}
	if m.Table != "customers" || m.Start != "signup_date" || m.End != "churn_date" {
		t.Errorf("read %s (%s, %s), want customers (signup_date, churn_date)", m.Table, m.Start, m.End)
	}
	if want := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC); !m.Through.Equal(want) {
		t.Errorf("through %v, want %v (the customers' end, not the tickets')", m.Through, want)
	}
	checkMatrix(t, m, []wantRow{
		{"2026-01-01", 4, []int64{3, 2, 1, 1}},
		{"2026-02-01", 3, []int64{2, 2, 1}},
		{"2026-03-01", 2, []int64{2, 1}},
		{"2026-04-01", 2, []int64{2}},
	}, [][2]int64{{9, 11}, {5, 9}, {2, 7}, {1, 4}})
	if r, _ := m.Pooled[2].Rate(); math.Abs(r-200.0/7) > 1e-9 {
		t.Errorf("pooled month 2 = %v%%, want 28.571%% (2/7)", r)
	}
	if r, _ := m.Rows[0].Rate(0); r != 75 {
		t.Errorf("Jan month 0 = %v%%, want 75%%", r)
	}
}

// TestCohortFilters: plan=Basic keeps C1 C2 C4 | C6 C7 | C9 | C10 (a 0%
// cell is a value, not empty); channel (tickets only) cannot reach
// customers: left out and named, the numbers are the unfiltered ones.
//
//	Jan (3): 0: C1 C4 = 2; 1: C1; 2: C1; 3: C1
//	Feb (2): 0: C6; 1: C6; 2: none = 0
//	Mar (1): 0: C9; 1: 0      Apr (1): 0: C10
//	all: 5/7, 2/6, 1/5, 1/3
func TestCohortFilters(t *testing.T) {
	eng := cohortEngine(t)
	m, err := eng.Cohorts(context.Background(), kpi.CohortAsk{Cohorts: 4, Filters: []kpi.Filter{{Dim: "PLAN", Values: []string{"Basic"}}}})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrix(t, m, []wantRow{
		{"2026-01-01", 3, []int64{2, 1, 1, 1}},
		{"2026-02-01", 2, []int64{1, 1, 0}},
		{"2026-03-01", 1, []int64{1, 0}},
		{"2026-04-01", 1, []int64{1}},
	}, [][2]int64{{5, 7}, {2, 6}, {1, 5}, {1, 3}})
	if r, ok := m.Rows[1].Rate(2); !ok || r != 0 {
		t.Errorf("Feb month 2 = %v (ok %v), want 0%%", r, ok)
	}

	m, err = eng.Cohorts(context.Background(), kpi.CohortAsk{Cohorts: 4, Filters: []kpi.Filter{{Dim: "channel", Values: []string{"chat"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Ignored) != 1 || m.Ignored[0].Dim != "channel" || len(m.Filters) != 0 {
		t.Errorf("ignored %v, applied %v; want channel ignored", m.Ignored, m.Filters)
	}
	if m.Pooled[0].Active != 9 || m.Pooled[0].Size != 11 {
		t.Errorf("with the ticket-only filter left out: pooled month 0 %d/%d, want 9/11", m.Pooled[0].Active, m.Pooled[0].Size)
	}

	if _, err := eng.Cohorts(context.Background(), kpi.CohortAsk{Filters: []kpi.Filter{{Dim: "colour", Values: []string{"red"}}}}); err == nil {
		t.Error("an unknown dimension gave no error")
	}
}

// TestCohortQuarters: quarter cohorts; a cell needs every member to have
// reached the age (its quarter's last month + k over by 1 May).
//
//	Q4 2025 (C0, 1): reaches 7 − 2 = 5 ages; churned two months after its
//	  signup month: active 1, 1, 0, 0, 0
//	Q1 2026 (C1–C9, 9): reaches 4 − 2 = 2 ages; 0: all but C2 C7 = 7;
//	  1: C1 C3 C5 C6 C8 = 5
//	Q2 2026 (April only so far): its June signups' month 0 is not over: left out
//	all: 8/10, 6/10, 0/1, 0/1, 0/1
func TestCohortQuarters(t *testing.T) {
	eng := cohortEngine(t)
	m, err := eng.Cohorts(context.Background(), kpi.CohortAsk{Cohorts: 2, Grain: kpi.Quarter})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrix(t, m, []wantRow{
		{"2025-10-01", 1, []int64{1, 1, 0, 0, 0}},
		{"2026-01-01", 9, []int64{7, 5}},
	}, [][2]int64{{8, 10}, {6, 10}, {0, 1}, {0, 1}, {0, 1}})
}

// TestCohortOrdersHandWorked: first-order cohorts; a cell is the share who
// ordered in the k-th month since the first order's month. The orders end
// at 12:00 on 30 Apr: April is over (the engine's slack for a period whose
// data stops hours short). C3's first order is in December: not a January
// customer.
//
//	Jan (C1 C2, 2): months with an order: C1 0, 2; C2 0 → 2, 0, 1, 0
//	Feb (C5 C6, 2): C5 0, 1, 2; C6 0 → 2, 1, 1
//	Mar (C9, 1): 0, 1 → 1, 1      Apr (C8, 1): 1
//	all: 6/6, 2/5, 2/4, 0/2
func TestCohortOrdersHandWorked(t *testing.T) {
	eng := cohortEngine(t)
	m, err := eng.Cohorts(context.Background(), kpi.CohortAsk{Kind: kpi.CohortOrders, Cohorts: 4})
	if err != nil {
		t.Fatal(err)
	}
	if m.Table != "orders" || m.Start != "customer_id" || m.End != "order_date" {
		t.Errorf("read %s (%s, %s), want orders (customer_id, order_date)", m.Table, m.Start, m.End)
	}
	checkMatrix(t, m, []wantRow{
		{"2026-01-01", 2, []int64{2, 0, 1, 0}},
		{"2026-02-01", 2, []int64{2, 1, 1}},
		{"2026-03-01", 1, []int64{1, 1}},
		{"2026-04-01", 1, []int64{1}},
	}, [][2]int64{{6, 6}, {2, 5}, {2, 4}, {0, 2}})

	// plan = Pro reaches orders through the customer key: C5 (Feb), C8
	// (Apr); January, before its first customer, is left out, March (empty
	// between two) stays with size 0 and adds nothing to the pooled row.
	m, err = eng.Cohorts(context.Background(), kpi.CohortAsk{Kind: kpi.CohortOrders, Cohorts: 4, Filters: []kpi.Filter{{Dim: "plan", Values: []string{"Pro"}}}})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrix(t, m, []wantRow{
		{"2026-02-01", 1, []int64{1, 1, 1}},
		{"2026-03-01", 0, []int64{0, 0}},
		{"2026-04-01", 1, []int64{1}},
	}, [][2]int64{{2, 2}, {1, 1}, {1, 1}})
}

// TestCohortsWithoutCustomers: data without a customers table says so.
func TestCohortsWithoutCustomers(t *testing.T) {
	db := openFixture(t, `CREATE TABLE tickets (ticket_id VARCHAR, channel VARCHAR, created_at TIMESTAMP, resolved_at TIMESTAMP);
INSERT INTO tickets VALUES ('t1', 'chat', '2026-01-01', '2026-01-02')`)
	ctx := context.Background()
	cols, _ := db.Columns(ctx, "tickets")
	eng, err := kpi.New(ctx, db, kpi.StandardDefs(map[string][]store.Column{"tickets": cols}), kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []kpi.CohortKind{kpi.CohortRetention, kpi.CohortOrders} {
		if _, err := eng.Cohorts(ctx, kpi.CohortAsk{Kind: kind}); !errors.Is(err, kpi.ErrNoCohorts) {
			t.Errorf("%s: err %v, want ErrNoCohorts", kind, err)
		}
	}
}
