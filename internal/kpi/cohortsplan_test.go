package kpi

import (
	"bytes"
	"fmt"
	"go/parser"
	"go/printer"
	"go/token"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
)

// The cohort matrix's query is tested like the other plans: without a
// database, compiled against planSchema and rendered by the DuckDB renderer,
// the SQL and arguments compared with testdata/cohorts/*.golden. Regenerate
// with `go test ./internal/kpi/ -run TestCohortsPlanGolden -update`.
//
// The bounds are worked out by hand for through = 1 Oct 2026 (September is
// the last month over):
//   - month, 6 cohorts: the last cohort is September (its members all
//     reached age 0), the first April; MaxAge = Apr→Oct = 6 months; retention
//     reads signups in [2026-04-01, 2026-10-01).
//   - quarter, 4 cohorts: the last quarter whose every member reached age 0
//     is Q3 (July's month 0 … September's month 0 all over), so Q4 2025…Q3
//     2026; MaxAge = Oct 2025→Oct 2026 = 12; signups in [2025-10-01,
//     2026-10-01).
//   - orders, month, 3 cohorts: July…September; MaxAge = 3; orders before
//     2026-10-01, first order's month from 2026-07-01.
var cohortsPlanCases = []struct {
	name       string
	kpi        string
	where      string // replaces the KPI's row filter when set
	start, end string
	kind       CohortKind
	grain      Grain
	n          int
	filters    []Filter
}{
	{"retention_month", "retention", "", "signup_date", "churn_date", CohortRetention, Month, 6, nil},
	{"retention_quarter_filters", "retention", "", "signup_date", "churn_date", CohortRetention, Quarter, 4, []Filter{
		{Dim: "plan", Values: []string{"Pro", BlankLabel}},
		{Dim: "channel", Values: []string{"chat"}}, // customers have no channel: left out
		{Dim: "region", Values: []string{"North"}},
	}},
	{"orders_join_where", "repeat_rate", "amount > 0", "customer_id", "order_date", CohortOrders, Month, 3, []Filter{
		{Dim: "region", Values: []string{"North", "South"}}, // the customers' column, through the key
		{Dim: "segment"}, // no values: keeps nothing
		{Dim: "priority", Values: []string{"high"}}, // a tickets column: left out
	}},
}

func TestCohortsPlanGolden(t *testing.T) {
	sch := planSchema()
	defs := planDefs(sch)
	through := planDay("2026-10-01")
	for _, tc := range cohortsPlanCases {
		t.Run(tc.name, func(t *testing.T) {
			d := defs[tc.kpi]
			if d == nil {
				t.Fatalf("no KPI %s", tc.kpi)
			}
			if tc.where != "" {
				dd := *d
				dd.Where = tc.where
				d = &dd
			}
			p := compileCohorts(sch, d, tc.start, tc.end, tc.kind, tc.grain, tc.n, through, tc.filters)
			var b strings.Builder
			fmt.Fprintf(&b, "# %s %s cohorts=%d through=%s\n", tc.kind, tc.grain, tc.n, through.Format(time.DateOnly))
			for _, f := range p.Applied {
				fmt.Fprintf(&b, "# applied %s\n", f)
			}
			for _, f := range p.Ignored {
				fmt.Fprintf(&b, "# ignored %s\n", f)
			}
			fmt.Fprintf(&b, "# first=%s next=%s max_age=%d\n", p.First.Format(time.DateOnly), p.Next.Format(time.DateOnly), p.MaxAge)
			q, args := renderDuckDBCohorts(p)
			fmt.Fprintf(&b, "%s\n-- args\n%s", q, argsText(args))
			golden.RequireEqual(goldenName{t, "cohorts/" + tc.name}, b.String())
		})
	}
}

// The hand-worked bounds, checked apart from the golden text.
func TestCohortsPlanBounds(t *testing.T) {
	sch := planSchema()
	defs := planDefs(sch)
	through := planDay("2026-10-01")
	for _, tc := range []struct {
		grain       Grain
		n           int
		first, next string
		maxAge      int
	}{
		{Month, 6, "2026-04-01", "2026-10-01", 6},
		{Quarter, 4, "2025-10-01", "2026-10-01", 12},
		{Month, 1, "2026-09-01", "2026-10-01", 1},
	} {
		p := compileCohorts(sch, defs["retention"], "signup_date", "churn_date", CohortRetention, tc.grain, tc.n, through, nil)
		if got := p.First.Format(time.DateOnly); got != tc.first {
			t.Errorf("%s×%d: first %s, want %s", tc.grain, tc.n, got, tc.first)
		}
		if got := p.Next.Format(time.DateOnly); got != tc.next {
			t.Errorf("%s×%d: next %s, want %s", tc.grain, tc.n, got, tc.next)
		}
		if p.MaxAge != tc.maxAge {
			t.Errorf("%s×%d: max age %d, want %d", tc.grain, tc.n, p.MaxAge, tc.maxAge)
		}
	}
}

// cohorts.go compiles and runs; only the renderer writes SQL. Its code,
// comments left out, names no SQL word or DuckDB function.
func TestCohortsPlanIsEngineNeutral(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cohorts.go", nil, parser.SkipObjectResolution) // no ParseComments: the comments are dropped
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := printer.Fprint(&buf, fset, f); err != nil {
		t.Fatal(err)
	}
	code := buf.String()
	for _, w := range []string{"date_trunc", "datediff", "::", "CAST(", "SELECT", "WHERE", "GROUP BY", "any_value", "IS NULL", "IN (",
		"least(", "count(*)", "QuoteIdent", "sqlTime", "VARCHAR", "TIMESTAMP", "SQLUnit"} {
		if strings.Contains(code, w) {
			t.Errorf("cohorts.go contains %q outside comments", w)
		}
	}
}
