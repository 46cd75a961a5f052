package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// explainTickets: CSAT by channel and priority, Dec 2025 → Jan 2026.
//
//	Dec  chat  5 high, 5 low, 4 low, 2 low     email 5 high, 4 low, 4 low, 1 high      → 6 of 8 = 75%
//	Jan  chat  5 low, 4 low, 4 low, 5 low      email 2 urgent, 1 urgent, 4 low, 2 urgent → 5 of 8 = 62.5%
//
// By channel the shares stay ½: chat rate ½ (100 − 75) = +12.5, email
// ½ (25 − 75) = −25, mix 0. By priority (R̄ 68.75): urgent is new, 0 of 3,
// mix ⅜ (0 − 68.75) = −25.78; high is gone, 2 of 3, mix −⅜ (66.67 − 68.75)
// = +0.78; low ⅝ both months, 4 of 5 → 5 of 5, rate +12.5.
const explainTickets = `ticket_id,channel,priority,csat,created_at,resolved_at
1,chat,high,5,2025-12-03,2025-12-03
2,chat,low,5,2025-12-03,2025-12-03
3,chat,low,4,2025-12-03,2025-12-03
4,chat,low,2,2025-12-03,2025-12-03
5,email,high,5,2025-12-04,2025-12-04
6,email,low,4,2025-12-04,2025-12-04
7,email,low,4,2025-12-04,2025-12-04
8,email,high,1,2025-12-04,2025-12-04
9,chat,low,5,2026-01-03,2026-01-03
10,chat,low,4,2026-01-03,2026-01-03
11,chat,low,4,2026-01-03,2026-01-03
12,chat,low,5,2026-01-03,2026-01-03
13,email,urgent,2,2026-01-04,2026-01-05
14,email,urgent,1,2026-01-04,2026-01-05
15,email,low,4,2026-01-04,2026-01-05
16,email,urgent,2,2026-01-30,2026-01-31
`

const explainConfig = `sources:
  tickets: {path: tickets.csv}
kpis:
  - use: csat
  - use: resolution_median
`

func explainCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"kpiscope.yaml": explainConfig, "tickets.csv": explainTickets})
	before := snapshot(t, dir)
	r := runCLI(t, append([]string{"report", "--config", filepath.Join(dir, "kpiscope.yaml"), "--period", "2026-01", "--checks", "off", "--explain"}, args...)...)
	checkUnchanged(t, before, snapshot(t, dir))
	return r
}

// TestReportExplainBy: report --explain --by channel --format json gives
// each segment's mix, rate and contribution, adding up to the delta; the
// median says why it cannot be split, and that is no failure (exit 0).
func TestReportExplainBy(t *testing.T) {
	r := explainCLI(t, "--by", "channel", "--format", "json")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var out struct {
		KPIs []struct {
			KPI      string
			Delta    *float64
			Error    string
			Segments []struct {
				Dimension, Segment      string
				Mix, Rate, Contribution float64
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(out.KPIs) != 2 {
		t.Fatalf("%d KPIs, want csat and resolution_median:\n%s", len(out.KPIs), r.stdout)
	}
	csat, median := out.KPIs[0], out.KPIs[1]
	if csat.Delta == nil || math.Abs(*csat.Delta+12.5) > 1e-9 {
		t.Errorf("csat delta %v, want −12.5", csat.Delta)
	}
	want := map[string][3]float64{"email": {0, -25, -25}, "chat": {0, 12.5, 12.5}}
	if len(csat.Segments) != 2 || csat.Segments[0].Segment != "email" {
		t.Fatalf("segments %+v, want email then chat", csat.Segments)
	}
	for _, s := range csat.Segments {
		w := want[s.Segment]
		if s.Dimension != "channel" || math.Abs(s.Mix-w[0]) > 1e-9 || math.Abs(s.Rate-w[1]) > 1e-9 || math.Abs(s.Contribution-w[2]) > 1e-9 {
			t.Errorf("%s: %+v, want mix, rate, contribution %v", s.Segment, s, w)
		}
	}
	if median.KPI != "resolution_median" || !strings.Contains(median.Error, "median") || len(median.Segments) != 0 {
		t.Errorf("median: %+v, want its reason", median)
	}
}

// TestReportExplainMovers: without --by, the top movers across channel and
// priority, in one line and in the table; --limit 2 keeps two; against the
// target the report says which flag compares with a period.
func TestReportExplainMovers(t *testing.T) {
	r := explainCLI(t)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, line := range []string{
		"CSAT −12.5 pts: urgent −25.8 (mix), email −25.0 (rate), chat +12.5 (rate), low +12.5 (rate), high +0.8 (mix)",
		"! Resolution time (median): a median or quantile",
	} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("no line %q in\n%s", line, r.stdout)
		}
	}
	if fields := strings.Fields(lineWith(r.stdout, "urgent (new)")); len(fields) < 4 || fields[1] != "priority" {
		t.Errorf("urgent's row does not name its dimension: %q", fields)
	}

	r = explainCLI(t, "--limit", "2", "--format", "markdown")
	if !strings.Contains(r.stdout, "- CSAT −12.5 pts: urgent −25.8 (mix), email −25.0 (rate)\n") {
		t.Errorf("--limit 2: want two movers:\n%s", r.stdout)
	}

	r = explainCLI(t, "--by", "channel", "--compare", "target")
	if r.code != 0 || !strings.Contains(r.stdout, "! CSAT: compared with the target, not with a period: use --compare previous or --compare year") {
		t.Errorf("vs target: exit %d\n%s", r.code, r.stdout)
	}
}

func lineWith(out, s string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// TestReportExplainLimitKeepsLargestContributions: --by priority --limit 1
// keeps urgent (new, contribution −25.78), the largest |contribution|, not
// low, the largest n, and pools low and high: mix 0 + 0.78125, rate +12.5
// + 0, values (4 + 2) / (5 + 3) = 75% in December and 5 / 5 = 100% in
// January. The sum line keeps the uncapped split: mix −25.78125 + 0.78125
// = −25, rate +12.5 (capped by n it read mix 0, rate −12.5).
func TestReportExplainLimitKeepsLargestContributions(t *testing.T) {
	r := explainCLI(t, "--by", "priority", "--limit", "1", "--kpi", "csat", "--format", "json")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var out struct {
		KPIs []struct {
			Segments []struct {
				Segment                   string
				CompareValue              *float64 `json:"compare_value"`
				Value                     *float64
				Mix, Rate, Contribution   float64
				CompareShare              float64 `json:"compare_share"`
				Share                     float64
				Appeared, Vanished, Other bool
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(out.KPIs) != 1 || len(out.KPIs[0].Segments) != 2 {
		t.Fatalf("want one KPI with urgent and the pooled rest:\n%s", r.stdout)
	}
	urgent, other := out.KPIs[0].Segments[0], out.KPIs[0].Segments[1]
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if urgent.Segment != "urgent" || !urgent.Appeared || !near(urgent.Contribution, -25.78125) {
		t.Errorf("first row %+v, want urgent (new), −25.78125", urgent)
	}
	if !other.Other || !near(other.Mix, 0.78125) || !near(other.Rate, 12.5) || !near(other.Contribution, 13.28125) ||
		other.CompareValue == nil || !near(*other.CompareValue, 75) || other.Value == nil || !near(*other.Value, 100) ||
		!near(other.CompareShare, 1) || !near(other.Share, 0.625) {
		t.Errorf("pooled row %+v, want low and high: mix 0.78125, rate 12.5, 75%% → 100%%, shares 1 → 0.625", other)
	}

	r = explainCLI(t, "--by", "priority", "--limit", "1", "--kpi", "csat")
	for _, line := range []string{"(2 other segments)", "Total", "−25.0", "+12.5"} {
		if l := lineWith(r.stdout, "Total"); !strings.Contains(r.stdout, line) || !strings.Contains(l, "−25.0  +12.5") {
			t.Errorf("sum line %q: want mix −25.0, rate +12.5 (no %q?)\n%s", l, line, r.stdout)
			break
		}
	}
	if strings.Contains(r.stdout, "high (gone)") || strings.Contains(r.stdout, "CSAT  low") {
		t.Errorf("more than one named row with --limit 1:\n%s", r.stdout)
	}
}
