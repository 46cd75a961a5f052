package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// recordsTickets: January 2026's tickets (see look_dist_test.go's
// distTickets for the same shape). Resolved in January: 1, 2, 3 and 5;
// rated 1–5 among them: all four. C1 is in EMEA: tickets 1 and 3.
const recordsTickets = `ticket_id,customer_id,channel,created_at,resolved_at,csat,contacts
1,C1,chat,2026-01-05 00:00:00,2026-01-05 00:10:00,5,1
2,C2,chat,2026-01-05 00:00:00,2026-01-05 01:00:00,4,1
3,C1,email,2026-01-06 00:00:00,2026-01-07 00:00:00,2,2
4,C1,email,2026-01-06 00:00:00,,,
5,C2,web,2026-01-01 00:00:00,2026-01-20 00:00:00,1,3
6,C2,web,2026-02-02 00:00:00,2026-02-02 02:00:00,3,1
`

// TestReportRecords: report --records prints the rows the KPI's n counts,
// sorted, searched and limited, in each format; bad asks are one clear
// message and a non-zero exit.
func TestReportRecords(t *testing.T) {
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"tickets.csv": recordsTickets, "customers.csv": distCustomers})
	run := func(args ...string) cliResult {
		t.Helper()
		return runCLI(t, append([]string{"report", dir, "--records", "--period", "2026-01", "--checks", "off"}, args...)...)
	}
	ok := func(r cliResult) cliResult {
		t.Helper()
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		return r
	}
	ids := func(out string) string {
		t.Helper()
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		col := -1
		for i, c := range rows[0] {
			if c == "ticket_id" {
				col = i
			}
		}
		var out2 []string
		for _, r := range rows[1:] {
			out2 = append(out2, r[col])
		}
		return strings.Join(out2, " ")
	}

	r := ok(run("--kpi", "csat"))
	for _, want := range []string{"CSAT · the rows behind n · Jan 2026", "tickets where csat BETWEEN 1 AND 5", "rows 1–4 of 4 · sorted by resolved_at ↑"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in:\n%s", want, r.stdout)
		}
	}
	if got := ok(run("--kpi", "csat", "--format", "csv")).stdout; ids(got) != "1 2 3 5" {
		t.Errorf("csv rows %q, want 1 2 3 5:\n%s", ids(got), got)
	}
	if got := ok(run("--kpi", "csat", "--format", "csv", "--sort", "csat:desc")).stdout; ids(got) != "1 2 3 5" {
		t.Errorf("by csat, most first: %q", ids(got))
	}
	if got := ok(run("--kpi", "csat", "--format", "csv", "--sort", "contacts:desc")).stdout; ids(got) != "5 3 1 2" {
		t.Errorf("by contacts, most first: %q", ids(got))
	}
	// --sort file: the table's own order, as the explorer's rows lens
	// opens. The same tickets, the file's lines reversed: sorted by
	// resolved_at they are 1 2 3 5, as the file holds them 5 3 2 1.
	lines := strings.Split(strings.TrimSpace(recordsTickets), "\n")
	rev := []string{lines[0]}
	for i := len(lines) - 1; i > 0; i-- {
		rev = append(rev, lines[i])
	}
	rdir := t.TempDir()
	writeFiles(t, rdir, map[string]string{"tickets.csv": strings.Join(rev, "\n") + "\n", "customers.csv": distCustomers})
	runRev := func(args ...string) cliResult {
		t.Helper()
		return ok(runCLI(t, append([]string{"report", rdir, "--records", "--period", "2026-01", "--checks", "off", "--kpi", "csat"}, args...)...))
	}
	if got := runRev("--format", "csv").stdout; ids(got) != "1 2 3 5" {
		t.Errorf("reversed file, by resolved_at: %q", ids(got))
	}
	if got := runRev("--format", "csv", "--sort", "file").stdout; ids(got) != "5 3 2 1" {
		t.Errorf("reversed file, --sort file: %q", ids(got))
	}
	if got := runRev("--format", "csv", "--sort", "FILE", "--limit", "2").stdout; ids(got) != "5 3" {
		t.Errorf("reversed file, --sort FILE --limit 2: %q", ids(got))
	}
	if r := runRev("--sort", "file"); !strings.Contains(r.stdout, "rows 1–4 of 4 · in file order") {
		t.Errorf("--sort file:\n%s", r.stdout)
	}
	// A customer column, joined through customer_id.
	if got := ok(run("--kpi", "csat", "--format", "csv", "--filter", "region=EMEA")).stdout; ids(got) != "1 3" {
		t.Errorf("EMEA: %q", ids(got))
	}
	if got := ok(run("--kpi", "csat", "--format", "csv", "--search", "EMAIL")).stdout; ids(got) != "3" {
		t.Errorf("search email: %q", ids(got))
	}
	// A limit cuts, and says so beside the CSV.
	r = ok(run("--kpi", "csat", "--format", "csv", "--limit", "2"))
	if ids(r.stdout) != "1 2" || !strings.Contains(r.stderr, "2 of 4 rows written; --limit N for more, --limit all for every one") {
		t.Errorf("--limit 2: %q, stderr %q", ids(r.stdout), r.stderr)
	}
	r = ok(run("--kpi", "csat", "--limit", "3"))
	if !strings.Contains(r.stdout, "rows 1–3 of 4") || !strings.Contains(r.stdout, "1 more: --limit N for more, --limit all for every one") {
		t.Errorf("--limit 3:\n%s", r.stdout)
	}
	var js struct {
		Count   int64            `json:"count"`
		N       int64            `json:"n"`
		Rows    []map[string]any `json:"rows"`
		LeftOut int64            `json:"rows_left_out"`
	}
	r = ok(run("--kpi", "csat", "--format", "json", "--limit", "all"))
	if err := json.Unmarshal([]byte(r.stdout), &js); err != nil {
		t.Fatal(err)
	}
	if js.Count != 4 || js.N != 4 || len(js.Rows) != 4 || js.LeftOut != 0 {
		t.Errorf("json: %+v", js)
	}
	r = ok(run("--kpi", "csat", "--format", "markdown", "--limit", "1"))
	if !strings.Contains(r.stdout, "| resolved_at | csat |") {
		t.Errorf("markdown:\n%s", r.stdout)
	}

	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--kpi", "csat,fcr"}, "one KPI's rows at a time"},
		{[]string{"--kpi", "csat", "--by", "channel"}, "--filter channel=VALUE rather than --by channel"},
		{[]string{"--kpi", "csat", "--sort", "colour"}, `no column "colour"`},
		{[]string{"--kpi", "csat", "--sort", "csat:up"}, "use COL, COL:desc or file"},
		{[]string{"--kpi", "csat", "--limit", "none"}, `--limit "none"`},
		{[]string{"--kpi", "csat", "--filter", "colour=red"}, `unknown dimension "colour"`},
	} {
		r := run(c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.msg) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, r.code, r.stderr, c.msg)
		}
	}
}

// recordsRun runs report --records with args, and fails the test unless
// it exits 0.
func recordsRun(t *testing.T, args ...string) string {
	t.Helper()
	r := runCLI(t, append([]string{"report", "--records", "--checks", "off"}, args...)...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
	}
	return r.stdout
}

// TestReportRecordsTimeOfDay: a CSV's time of day ("9:15:50", read as a
// TIME) prints 09:15:50 in every format, not 0001-01-01 09:15:50 (review
// 13, finding 2).
func TestReportRecordsTimeOfDay(t *testing.T) {
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"tickets.csv": `ticket_id,created_at,resolved_at,csat,opened
1,2026-01-05 00:00:00,2026-01-05 00:10:00,5,9:15:50
2,2026-01-05 00:00:00,2026-01-05 01:00:00,4,23:05:00
`})
	for _, f := range []string{"table", "csv", "json", "markdown"} {
		out := recordsRun(t, dir, "--kpi", "csat", "--period", "2026-01", "--format", f)
		if !strings.Contains(out, "09:15:50") || !strings.Contains(out, "23:05:00") || strings.Contains(out, "0001-01-01") {
			t.Errorf("%s: the time of day is not 09:15:50, 23:05:00:\n%s", f, out)
		}
	}
}

// TestReportRecordsMeasure: on the sample, resolution time's longest
// October ticket (T0077686, 1,364.75 h) prints with a thousands separator
// in the table, 1364.75 in CSV (review 13, finding 13). The sample's
// resolution time counts tickets with contacts (its where:), so contacts
// is the column after created_at.
func TestReportRecordsMeasure(t *testing.T) {
	sandbox(t)
	out := recordsRun(t, "--kpi", "resolution_time", "--period", "2026-10", "--sort", "Resolution (h):desc", "--limit", "1")
	if !regexp.MustCompile(`\n2026-10-23 06:57:31 +1,364\.75  2026-08-27 10:12:28 +5  T0077686 `).MatchString(out) {
		t.Errorf("the longest ticket's hours are not 1,364.75:\n%s", out)
	}
	out = recordsRun(t, "--kpi", "resolution_time", "--period", "2026-10", "--sort", "Resolution (h):desc", "--limit", "1", "--format", "csv")
	if !strings.Contains(out, "\n2026-10-23 06:57:31,1364.75,2026-08-27 10:12:28,5,T0077686,") {
		t.Errorf("csv:\n%s", out)
	}
}

// TestReportRecordsNoValue: on the sample, CAC in Q4 2026 (spend recorded
// by month, the quarter not over) has no value: its 221 rows (October's
// signups) with n null and the reason (review 13, finding 5).
func TestReportRecordsNoValue(t *testing.T) {
	sandbox(t)
	out := recordsRun(t, "--kpi", "cac", "--period", "2026-Q4", "--format", "json", "--limit", "1")
	var js map[string]any
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatal(err)
	}
	if n, ok := js["n"]; !ok || n != nil || js["count"] != 221.0 || !strings.Contains(fmt.Sprint(js["no_value"]), "not over yet") {
		t.Errorf("cac Q4 json: n %v, count %v, no_value %v", js["n"], js["count"], js["no_value"])
	}
	out = recordsRun(t, "--kpi", "cac", "--period", "2026-Q4", "--limit", "1")
	if !strings.Contains(out, "rows 1–1 of 221 · no n: CAC has no value in Q4 2026") || !strings.Contains(out, "is not over yet") {
		t.Errorf("cac Q4:\n%s", out)
	}
}
