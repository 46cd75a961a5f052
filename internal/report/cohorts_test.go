package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// TestCohortsWriters: a purchase matrix by hand (Jan: 4 customers, 2 and 1
// ordered in months 1 and 2; Feb: 2, 1 in month 1), a filter left out.
// Empty cells are empty (table, CSV, Markdown) or null (JSON), never 0;
// the pooled row is Σ counts: month 1 (2 + 1) / (4 + 2) = 50%.
func TestCohortsWriters(t *testing.T) {
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := &kpi.CohortMatrix{Kind: kpi.CohortOrders, Grain: kpi.Month, Table: "orders", Start: "customer_id", End: "order_date",
		Rows: []kpi.CohortRow{
			{Start: jan, Size: 4, Active: []int64{4, 2, 1}},
			{Start: jan.AddDate(0, 1, 0), Size: 2, Active: []int64{2, 1}},
		},
		Ages:    3,
		Pooled:  []kpi.CohortPooled{{Active: 6, Size: 6, Cohorts: 2}, {Active: 3, Size: 6, Cohorts: 2}, {Active: 1, Size: 4, Cohorts: 1}},
		Through: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		Ignored: []kpi.Filter{{Dim: "channel", Values: []string{"chat"}}},
	}
	var b bytes.Buffer
	if err := Cohorts(&b, m, "table", "test"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Repeat purchases by first-order month",
		"Jan 2026             4  100.0  50.0  25.0\n",
		"Feb 2026             2  100.0  50.0\n",
		"All cohorts          6  100.0  50.0  25.0\n",
		"months since the first order",
		"counted to 31 Mar 2026",
		"All cohorts          6  100.0  50.0  25.0\n! channel = chat left out: not a column of orders\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table: no %q in\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := Cohorts(&b, m, "csv", "test"); err != nil {
		t.Fatal(err)
	}
	if want := "cohort,customers,month_0,month_1,month_2\n2026-01,4,100,50,25\n2026-02,2,100,50,\nall,6,100,50,25\n"; b.String() != want {
		t.Errorf("csv:\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := Cohorts(&b, m, "json", "test"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"ignored_filters": [
    "channel = chat"
  ]`) || !strings.Contains(b.String(), `"through": "2026-03-31"`) {
		t.Errorf("json:\n%s", b.String())
	}

	empty := &kpi.CohortMatrix{Kind: kpi.CohortRetention, Grain: kpi.Quarter, Table: "customers", Start: "signup_date", End: "churn_date"}
	b.Reset()
	if err := Cohorts(&b, empty, "markdown", "test"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "no cohort has a month since signup that is over in the data") || !strings.Contains(b.String(), "| **All cohorts** | **0** |") {
		t.Errorf("empty markdown:\n%s", b.String())
	}
}
