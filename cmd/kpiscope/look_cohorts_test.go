package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// cohortCustomers: six customers whose months are worked out by hand; the
// data ends on 31 Mar 2026, so January and February cohorts are reached,
// March's month 0 too.
//
//	Jan: C1 active, C2 churned 20 Jan (month 0), C3 churned 2 Mar (month 2)
//	Feb: C4 active, C5 churned 14 Mar (month 1)
//	Mar: C6 active
const cohortCustomers = `customer_id,signup_date,churn_date,plan
C1,2026-01-05,,Basic
C2,2026-01-10,2026-01-20,Basic
C3,2026-01-15,2026-03-02,Pro
C4,2026-02-01,,Pro
C5,2026-02-14,2026-03-14,Basic
C6,2026-03-31,,Basic
`

// TestReportCohorts: report --cohorts prints the hand-worked triangle in
// each format; bad input is one clear message and a non-zero exit.
//
//	Jan (3): month 0: C1 C3 = 2 (66.7%); 1: C1 C3 = 2; 2: C1 = 1 (33.3%)
//	Feb (2): 0: C4 C5 = 2 (100%); 1: C4 = 1 (50%)
//	Mar (1): 0: C6 = 1 (100%)
//	all: 5/6 = 83.3%, 3/5 = 60%, 1/3 = 33.3%
func TestReportCohorts(t *testing.T) {
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"customers.csv": cohortCustomers})
	run := func(args ...string) cliResult {
		t.Helper()
		return runCLI(t, append([]string{"report", dir, "--cohorts", "--cohort-count", "3"}, args...)...)
	}

	r := run()
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"Jan 2026             3   66.7  66.7  33.3",
		"Feb 2026             2  100.0  50.0\n",
		"Mar 2026             1  100.0\n",
		"All cohorts          6   83.3  60.0  33.3",
		"counted to 31 Mar 2026",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table: no %q in\n%s", want, r.stdout)
		}
	}

	// --grain quarter is quarterly cohorts: Q1 2026 (C1–C6) reaches month 0
	// by 31 Mar: C2 left in January, 5 of 6.
	r = run("--grain", "quarter", "-f", "csv")
	if want := "cohort,customers,month_0\n2026-Q1,6,83.33333333333333\nall,6,83.33333333333333\n"; r.code != 0 || r.stdout != want {
		t.Errorf("--grain quarter: exit %d\n%s\nwant\n%s%s", r.code, r.stdout, want, r.stderr)
	}

	r = run("-f", "csv", "--filter", "plan=Basic")
	want := "cohort,customers,month_0,month_1,month_2\n2026-01,2,50,50,50\n2026-02,1,100,0,\n2026-03,1,100,,\nall,4,75,33.333333333333336,50\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("csv plan=Basic: exit %d\n%s\nwant\n%s%s", r.code, r.stdout, want, r.stderr)
	}

	r = run("-f", "json")
	var js struct {
		Cohorts []struct {
			Customers int64      `json:"customers"`
			Rates     []*float64 `json:"rates"`
		} `json:"cohorts"`
		All []struct {
			Active, Customers int64
		} `json:"all_cohorts"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &js); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	if len(js.Cohorts) != 3 || len(js.Cohorts[2].Rates) != 1 || len(js.All) != 3 || js.All[1].Active != 3 || js.All[1].Customers != 5 {
		t.Errorf("json: %s", r.stdout)
	}

	r = run("-f", "markdown")
	if !strings.Contains(r.stdout, "| **All cohorts** | **6** | **83.3** | **60.0** | **33.3** |") ||
		!strings.Contains(r.stdout, "| Mar 2026 | 1 | 100.0 |  |  |") {
		t.Errorf("markdown:\n%s", r.stdout)
	}

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--cohort-grain", "week"}, `--cohort-grain "week": cohorts are by month or quarter`},
		{[]string{"--grain", "week"}, `--grain "week": cohorts are by month or quarter`},
		{[]string{"--cohort-kind", "visits"}, `cohort kind "visits"`},
		{[]string{"--by", "plan"}, "give it without --by, and --filter plan=VALUE"},
		{[]string{"--filter", "colour=red"}, `unknown dimension "colour"`},
		{[]string{"--cohort-kind", "orders"}, "no orders to build purchase cohorts from"},
	} {
		r := run(bad.args...)
		if r.code == 0 || !strings.Contains(r.stderr, bad.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", bad.args, r.code, r.stderr, bad.want)
		}
	}
}

// TestReportCohortsSaysWhatItLeavesOut: a filter on a column the customers
// do not have (the tickets' channel) leaves the matrix as it is (the
// hand-worked one of TestReportCohorts) and is named as the explorer names
// it: right under the table, in the JSON, beside the CSV (stderr); a date
// window, which cohorts do not take, is refused.
func TestReportCohortsSaysWhatItLeavesOut(t *testing.T) {
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"customers.csv": cohortCustomers,
		"tickets.csv": "ticket_id,customer_id,channel,created_at,resolved_at,csat\nT1,C1,web,2026-01-06,2026-01-06,5\nT2,C4,chat,2026-02-03,2026-02-03,4\n"})
	run := func(args ...string) cliResult {
		t.Helper()
		return runCLI(t, append([]string{"report", dir, "--cohorts", "--cohort-count", "3", "--checks", "off"}, args...)...)
	}
	note := "channel ≠ web left out: not a column of customers"
	r := run("--filter", "channel!=web")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if want := "All cohorts          6   83.3  60.0  33.3\n! " + note + "\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("table: no %q in\n%s", want, r.stdout)
	}
	r = run("--filter", "channel!=web", "-f", "csv")
	if want := "all,6,83.33333333333333,60,33.333333333333336\n"; r.code != 0 || !strings.HasSuffix(r.stdout, want) || strings.TrimSpace(r.stderr) != "kpiscope: "+note {
		t.Errorf("csv: exit %d\n%s\nstderr %q", r.code, r.stdout, r.stderr)
	}
	r = run("--filter", "channel!=web", "-f", "json")
	var js struct {
		Ignored []string `json:"ignored_filters"`
		Notes   []string `json:"notes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &js); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	if len(js.Ignored) != 1 || js.Ignored[0] != "channel ≠ web" || len(js.Notes) == 0 || js.Notes[len(js.Notes)-1] != note {
		t.Errorf("json: ignored %q, notes %q", js.Ignored, js.Notes)
	}
	// A filter the customers have: applied, nothing left out.
	if r := run("--filter", "plan=Basic"); r.code != 0 || strings.Contains(r.stdout, "left out") || !strings.Contains(r.stdout, "All cohorts          4   75.0  33.3  50.0") {
		t.Errorf("plan=Basic: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, w := range []string{"30d", "qtd"} {
		r := run("--since", w)
		if want := "--cohorts runs to the data's end, by calendar months since signup: give it without --since " + w; r.code == 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("--since %s: exit %d, stderr %q, want %q", w, r.code, r.stderr, want)
		}
	}
}
