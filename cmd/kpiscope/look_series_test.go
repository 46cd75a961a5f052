package main

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// seriesTickets: CSAT (rated 4–5 of those rated) by channel, Aug → Oct 2026.
//
//	       Aug         Sep            Oct
//	chat   5 4  100%   5 1    50%     5 5 2  66.7%  n 3
//	email  2      0%   4 4 2  66.7%   4 1    50%    n 2
//	web    —           3      0%      5      100%   n 1
//	Total  2/3 66.7%   3/6    50%     4/6    66.7%  n 6
const seriesTickets = `ticket_id,channel,csat,created_at,resolved_at
a1,chat,5,2026-08-03,2026-08-03
a2,chat,4,2026-08-04,2026-08-04
a3,email,2,2026-08-05,2026-08-05
s1,chat,5,2026-09-03,2026-09-03
s2,chat,1,2026-09-04,2026-09-04
s3,email,4,2026-09-05,2026-09-05
s4,email,4,2026-09-06,2026-09-06
s5,email,2,2026-09-07,2026-09-07
s6,web,3,2026-09-08,2026-09-08
o1,chat,5,2026-10-03,2026-10-03
o2,chat,5,2026-10-04,2026-10-04
o3,chat,2,2026-10-05,2026-10-05
o4,email,4,2026-10-06,2026-10-06
o5,email,1,2026-10-07,2026-10-07
o6,web,5,2026-10-31,2026-10-31
`

const seriesConfig = `sources:
  tickets: {path: tickets.csv}
kpis:
  - use: csat
`

func seriesCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"kpiscope.yaml": seriesConfig, "tickets.csv": seriesTickets})
	return runCLI(t, append([]string{"report", "--config", filepath.Join(dir, "kpiscope.yaml"), "--checks", "off", "--series"}, args...)...)
}

// TestReportSeries: report --series --by channel prints each segment's
// trend side by side (hand-worked above), the pooled total beside them,
// and each segment's status and n; --limit picks the largest segments.
func TestReportSeries(t *testing.T) {
	r := seriesCLI(t, "--by", "channel", "--limit", "2")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		"CSAT · target ≥ 80% · channel: top 2 of 3 by n in Oct 2026",
		"Period      chat  email  Total",
		"Aug 2026  100.0%   0.0%  66.7%",
		"Sep 2026   50.0%  66.7%  50.0%",
		"Oct 2026   66.7%  50.0%  66.7%",
		"status         ◌      ◌      ◌", // off target, but the 95% interval of so few reaches it
		"n          3 low  2 low  6 low",
		"1 more channel not shown: --limit all, or --limit N",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q in\n%s", want, r.stdout)
		}
	}

	r = seriesCLI(t, "--by", "channel", "--format", "json")
	if r.code != 0 {
		t.Fatalf("json: exit %d, %s", r.code, r.stderr)
	}
	var out struct {
		Dimension string   `json:"dimension"`
		Periods   []string `json:"periods"`
		KPIs      []struct {
			KPI      string `json:"kpi"`
			Segments []struct {
				Segment string `json:"segment"`
				N       *int64 `json:"n"`
				Points  []struct {
					Period string   `json:"period"`
					Value  *float64 `json:"value"`
				} `json:"points"`
			} `json:"segments"`
			Total struct {
				Points []struct {
					Value *float64 `json:"value"`
				} `json:"points"`
			} `json:"total"`
		} `json:"kpis"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v in %s", err, r.stdout)
	}
	if out.Dimension != "channel" || strings.Join(out.Periods, ",") != "2026-08,2026-09,2026-10" || len(out.KPIs) != 1 || len(out.KPIs[0].Segments) != 3 {
		t.Fatalf("json %+v", out)
	}
	web := out.KPIs[0].Segments[2]
	if web.Segment != "web" || *web.N != 1 || web.Points[0].Value != nil || !approx(*web.Points[1].Value, 0) || !approx(*web.Points[2].Value, 100) {
		t.Errorf("web %+v: want no August value, 0 in September, 100 in October, n 1", web)
	}
	if tot := out.KPIs[0].Total.Points; !approx(*tot[1].Value, 50) || !approx(*tot[2].Value, 200.0/3) {
		t.Errorf("total %v, want 50 in September, 66.7 in October (pooled)", tot)
	}

	r = seriesCLI(t, "--by", "channel", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != 0 || err != nil {
		t.Fatalf("csv: exit %d, %v, %s", r.code, err, r.stderr)
	}
	// a header, then 3 periods for each of 3 segments and the total
	if len(recs) != 1+12 || strings.Join(recs[1], ",") != "csat,CSAT,channel,chat,1,2026-08,100,2,%," ||
		strings.Join(recs[12], ",") != "csat,CSAT,channel,Total,,2026-10,66.66666666666667,6,%,uncertain" {
		t.Errorf("csv:\n%s", r.stdout)
	}

	r = seriesCLI(t, "--by", "channel", "--format", "markdown")
	if r.code != 0 || !strings.Contains(r.stdout, "| Sep 2026 | 50.0% | 66.7% | 0.0% | 50.0% |") {
		t.Errorf("markdown: exit %d\n%s", r.code, r.stdout)
	}
}

// TestReportSeriesBadInput: each mistake is one line on stderr and exit 2.
func TestReportSeriesBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "give --by DIM"},
		{[]string{"--by", "chanel"}, `did you mean "channel"`},
		{[]string{"--by", "channel", "--limit", "0"}, "--limit \"0\""},
		{[]string{"--by", "channel", "--period", "all"}, "without --period all"},
	} {
		r := seriesCLI(t, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
		checkOneLine(t, r.stderr)
	}
}

// TestReportSeriesSaysWhyNot: a KPI left out of --series carries its own
// reason. On a file without dates the table splits by contract fine; what
// it lacks is periods, and that is what the line says (it used to say "no
// KPI's table can be split by contract"). Asked for by --kpi, the KPI is
// named once. Beside a KPI that has trends, the one left out is named
// under the tables with its reason, in the text and in JSON.
func TestReportSeriesSaysWhyNot(t *testing.T) {
	const accounts = "account_id,contract,churned\na,monthly,Yes\nb,monthly,No\nc,yearly,No\n"
	const config = `sources:
  accounts: {path: accounts.csv}
dimensions: [contract]
kpis:
  - id: churn_share
    name: Churn share
    type: ratio
    numerator: count(*) FILTER (WHERE churned = 'Yes')
    denominator: count(*)
    scale: 100
    unit: "%"
    better: lower
`
	undated := func(args ...string) cliResult {
		sandbox(t)
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"kpiscope.yaml": config, "accounts.csv": accounts})
		return runCLI(t, append([]string{"report", "--config", filepath.Join(dir, "kpiscope.yaml"), "--checks", "off", "--series", "--by", "contract"}, args...)...)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "kpiscope: --series --by contract: no KPI has trends by contract: Churn share has no periods to draw a trend over: its table has no date column\n"},
		{[]string{"--kpi", "churn_share"}, "kpiscope: --series --by contract: Churn share has no periods to draw a trend over: its table has no date column\n"},
	} {
		r := undated(c.args...)
		if r.code != 2 || r.stderr != c.want {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}

	// The sample: by plan, the spend KPIs' table has no plan.
	sandbox(t)
	r := runCLI(t, "report", "--checks", "off", "--series", "--by", "plan", "--limit", "1")
	if r.code != 0 {
		t.Fatalf("sample by plan: exit %d, %s", r.code, r.stderr)
	}
	for _, want := range []string{
		`left out: Customer acquisition cost cannot be split by plan: spend has no column "plan" (nor a customer_id leading to one)`,
		`left out: Retention cost cannot be split by plan: spend has no column "plan" (nor a customer_id leading to one)`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q in\n%s", want, r.stdout)
		}
	}
	sandbox(t)
	r = runCLI(t, "report", "--checks", "off", "--series", "--by", "plan", "--limit", "1", "--format", "json")
	var out struct {
		NotSplit []string `json:"not_split"`
		LeftOut  []struct {
			KPI, Name, Reason string
		} `json:"left_out"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("json: exit %d, %v", r.code, err)
	}
	if len(out.LeftOut) != 2 || out.LeftOut[0].KPI != "cac" || !strings.HasPrefix(out.LeftOut[0].Reason, "Customer acquisition cost cannot be split by plan: spend has no column") ||
		strings.Join(out.NotSplit, ",") != "Customer acquisition cost,Retention cost" {
		t.Errorf("json left_out %+v, not_split %v", out.LeftOut, out.NotSplit)
	}
}
