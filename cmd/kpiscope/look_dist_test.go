package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// distTickets: January 2026's tickets, hours worked out by hand.
//
//	1 chat  C1  10 min          → <15m      csat 5
//	2 chat  C2  1h exactly      → 1–2h      csat 4
//	3 email C1  24h exactly     → 1–2d      csat 2
//	4 email C1  not resolved    → left out  no csat
//	5 web   C2  456h (19 days)  → ≥2w       csat 1
//	(6 is resolved in February: January is a whole month.)
//
// n 4, mean (1/6 + 1 + 24 + 456) / 4 = 120.2916…h (4d–1w), median (1 + 24)
// / 2 = 12.5h (8–16h), p90 at 0.9 × 3 = 2.7: 24 + 0.7 × 432 = 326.4h (1–2w).
// C1 is in EMEA: region=EMEA keeps tickets 1 and 3 (<15m and 1–2d).
const distTickets = `ticket_id,customer_id,channel,created_at,resolved_at,csat,contacts
1,C1,chat,2026-01-05 00:00:00,2026-01-05 00:10:00,5,1
2,C2,chat,2026-01-05 00:00:00,2026-01-05 01:00:00,4,1
3,C1,email,2026-01-06 00:00:00,2026-01-07 00:00:00,2,2
4,C1,email,2026-01-06 00:00:00,,,
5,C2,web,2026-01-01 00:00:00,2026-01-20 00:00:00,1,3
6,C2,web,2026-02-02 00:00:00,2026-02-02 02:00:00,3,1
`

const distCustomers = `customer_id,signup_date,region
C1,2025-06-01,EMEA
C2,2025-07-01,APAC
`

// TestReportDistribution: report --distribution prints the hand-worked
// histogram and score mix in each format; a KPI without a distribution
// is one clear message naming it and a non-zero exit.
func TestReportDistribution(t *testing.T) {
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"tickets.csv": distTickets, "customers.csv": distCustomers})
	run := func(args ...string) cliResult {
		t.Helper()
		return runCLI(t, append([]string{"report", dir, "--distribution", "--period", "2026-01", "--checks", "off"}, args...)...)
	}

	r := run("--kpi", "resolution_time")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"Resolution time · Jan 2026",
		"n 4 · mean 120.3h · median 12.5h · p90 326.4h · target ≤ 24h\nDec 2025: n 0\n",
		// December has no tickets: its shares have no value ("—", not 0.0%).
		"<15m    1  25.0%   25.0%         —\n",
		"1–2h    1  25.0%   50.0%         —\n",
		"8–16h   0   0.0%   50.0%         —  median\n",
		"1–2d    1  25.0%   75.0%         —  target\n",
		"4d–1w   0   0.0%   75.0%         —  mean\n",
		"1–2w    0   0.0%   75.0%         —  p90\n",
		"≥2w     1  25.0%  100.0%         —\n",
		"a bucket holds lo ≤ value < hi",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table: no %q in\n%s", want, r.stdout)
		}
	}

	// EMEA's 10 min and 24h: the buckets from 10–15m (open below) to 1–2d
	// (open above); December has no values, so no shares (empty, not 0).
	r = run("--kpi", "resolution_time", "-f", "csv", "--filter", "region=EMEA")
	for _, want := range []string{
		"kpi,period,segment,bucket,lo,hi,n,count,share\n",
		"resolution_time,Jan 2026,,<15m,,0.25,2,1,0.5\n",
		"resolution_time,Jan 2026,,≥1d,24,,2,1,0.5\n",
		"resolution_time,Dec 2025,,<15m,,0.25,0,0,\n",
	} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("csv region=EMEA: exit %d, no %q in\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	}

	// CSAT's January answers 5, 4, 2, 1: 2 of 4 satisfied, mean 3; the
	// comparison (December, no tickets) under it.
	r = run("--kpi", "csat")
	if want := "n 4 · satisfied 50.0% · mean score 3.00 · target ≥ 80%\nDec 2025: n 0 · satisfied —\n"; r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Errorf("csat table: exit %d, no %q in\n%s%s", r.code, want, r.stdout, r.stderr)
	}

	r = run("--kpi", "csat", "--by", "channel", "-f", "json")
	var out struct {
		Distributions []struct {
			Kind   string `json:"kind"`
			Scores []int  `json:"scores"`
			Total  struct {
				N      int64     `json:"n"`
				Counts []int64   `json:"counts"`
				Shares []float64 `json:"shares"`
			} `json:"total"`
			Segments []struct {
				Segment string  `json:"segment"`
				N       int64   `json:"n"`
				Counts  []int64 `json:"counts"`
			} `json:"segments"`
		} `json:"distributions"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Distributions) != 1 {
		t.Fatalf("json: %v\n%s%s", err, r.stdout, r.stderr)
	}
	x := out.Distributions[0]
	if x.Kind != "scores" || len(x.Scores) != 5 || x.Total.N != 4 || len(x.Total.Counts) != 5 ||
		x.Total.Counts[0] != 1 || x.Total.Counts[1] != 1 || x.Total.Counts[3] != 1 || x.Total.Counts[4] != 1 {
		t.Errorf("csat: %+v", x)
	}
	if len(x.Segments) != 3 || x.Segments[0].Segment != "chat" || x.Segments[0].N != 2 || x.Segments[0].Counts[3] != 1 || x.Segments[0].Counts[4] != 1 {
		t.Errorf("csat by channel: %+v", x.Segments)
	}

	r = run("--kpi", "resolution_time", "-f", "markdown")
	if r.code != 0 || !strings.Contains(r.stdout, "| ≥2w | 1 | 25.0% | 100.0% |") {
		t.Errorf("markdown: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// An empty slice: no value, not zero, in each format.
	for _, kpiID := range []string{"csat", "resolution_time"} {
		r = run("--kpi", kpiID, "--filter", "channel!=chat,email,web", "--by", "channel")
		if r.code != 0 || !strings.Contains(r.stdout, "no values in this slice in Jan 2026 nor Dec 2025") || strings.Contains(r.stdout, "0.0%") {
			t.Errorf("%s, empty slice: exit %d, no note or a 0.0%% in\n%s%s", kpiID, r.code, r.stdout, r.stderr)
		}
		if kpiID == "csat" && !strings.Contains(r.stdout, "n 0 · satisfied — · target ≥ 80%\n") {
			t.Errorf("csat, empty slice: satisfied is not — in\n%s", r.stdout)
		}
		r = run("--kpi", kpiID, "--filter", "channel!=chat,email,web", "-f", "json")
		var empty struct {
			Distributions []struct {
				Total   map[string]any `json:"total"`
				Compare map[string]any `json:"compare"`
			} `json:"distributions"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &empty); err != nil || len(empty.Distributions) != 1 {
			t.Fatalf("%s, empty slice json: %v\n%s%s", kpiID, err, r.stdout, r.stderr)
		}
		e := empty.Distributions[0]
		tc, _ := e.Total["counts"].([]any)
		cc, _ := e.Compare["counts"].([]any)
		if e.Total["shares"] != nil || e.Compare["shares"] != nil || len(tc) == 0 || len(tc) != len(cc) {
			t.Errorf("%s, empty slice json: total %v, compare %v", kpiID, e.Total, e.Compare)
		}
		r = run("--kpi", kpiID, "--filter", "channel!=chat,email,web", "-f", "csv")
		if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) < 2 || !strings.HasSuffix(lines[1], ",0,0,") {
			t.Errorf("%s, empty slice csv: a share where none is\n%s", kpiID, r.stdout)
		}
	}

	r = run("--kpi", "fcr")
	if r.code == 0 || !strings.Contains(r.stderr, "First contact resolution has no distribution") {
		t.Errorf("fcr: exit %d\n%s", r.code, r.stderr)
	}
	r = run("--kpi", "resolution_time", "--by", "nosuch")
	if r.code == 0 || !strings.Contains(r.stderr, "nosuch") {
		t.Errorf("--by nosuch: exit %d\n%s", r.code, r.stderr)
	}
}
