package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// gridTickets: CSAT (ratings 4–5 of 1–5) by channel, Nov → Dec 2025.
//
//	          Nov 2025       Dec 2025       Nov – Dec 2025 (pooled)   mean of cells
//	chat      2/2  100%      3/4   75%      5/6  83.3%                87.5
//	email     0/1    0%      3/3  100%      3/4  75%                  50
//	Total     2/3   66.7%    6/7   85.7%    8/10 80%
//
// December by priority: chat high 2/2, low 1/2; email low 3/3. An unrated
// chat ticket on 31 December makes the month whole.
const gridTickets = `ticket_id,channel,priority,csat,created_at,resolved_at
1,chat,low,5,2025-11-03,2025-11-03
2,chat,low,5,2025-11-04,2025-11-04
3,email,low,1,2025-11-05,2025-11-05
4,chat,high,5,2025-12-03,2025-12-03
5,chat,low,2,2025-12-04,2025-12-04
6,chat,high,4,2025-12-05,2025-12-05
7,chat,low,4,2025-12-06,2025-12-06
8,email,low,4,2025-12-07,2025-12-07
9,email,low,4,2025-12-08,2025-12-08
10,email,low,4,2025-12-09,2025-12-09
11,chat,low,,2025-12-31,2025-12-31
`

const gridConfig = `sources:
  tickets: {path: tickets.csv}
kpis:
  - use: csat
  - use: resolution_median
`

func gridCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"kpiscope.yaml": gridConfig, "tickets.csv": gridTickets})
	return runCLI(t, append([]string{"report", "--config", filepath.Join(dir, "kpiscope.yaml"), "--period", "2025-12", "--checks", "off", "--grid"}, args...)...)
}

// TestReportGridJSON: report --grid --by channel --format json gives every
// cell of the hand-worked table with its n and delta, the totals row and
// the totals column marked, pooled (email 3 of 4, not the mean 50%).
func TestReportGridJSON(t *testing.T) {
	r := gridCLI(t, "--by", "channel", "--kpi", "csat", "--periods", "2", "--format", "json")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var out struct {
		Grids []struct {
			KPI, Rows, Columns string
			Cells              []struct {
				Segment, Column, Period string
				Value, Delta            *float64
				Status                  string
				N                       *int64
				TotalRow                bool `json:"total_row"`
				TotalColumn             bool `json:"total_column"`
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(out.Grids) != 1 || out.Grids[0].Rows != "channel" || out.Grids[0].Columns != "periods" {
		t.Fatalf("grids %+v", out.Grids)
	}
	type cell struct {
		v        float64
		n        int64
		totalRow bool
		totalCol bool
	}
	want := map[string]cell{
		"chat/Nov 2025":        {100, 2, false, false},
		"chat/Dec 2025":        {75, 4, false, false},
		"chat/Nov – Dec 2025":  {500.0 / 6, 6, false, true},
		"email/Nov 2025":       {0, 1, false, false},
		"email/Dec 2025":       {100, 3, false, false},
		"email/Nov – Dec 2025": {75, 4, false, true},
		"Total/Nov 2025":       {200.0 / 3, 3, true, false},
		"Total/Dec 2025":       {600.0 / 7, 7, true, false},
		"Total/Nov – Dec 2025": {80, 10, true, true},
	}
	cells := out.Grids[0].Cells
	if len(cells) != len(want) {
		t.Fatalf("%d cells, want %d:\n%s", len(cells), len(want), r.stdout)
	}
	for _, c := range cells {
		k := c.Segment + "/" + c.Column
		w, ok := want[k]
		if !ok {
			t.Errorf("unexpected cell %s", k)
			continue
		}
		if c.Value == nil || math.Abs(*c.Value-w.v) > 1e-9 || c.N == nil || *c.N != w.n || c.TotalRow != w.totalRow || c.TotalColumn != w.totalCol {
			t.Errorf("%s: value %v n %v total row %v column %v; want %+v", k, c.Value, c.N, c.TotalRow, c.TotalColumn, w)
		}
	}
	// December's delta is against November, as the breakdown's.
	for _, c := range cells {
		if c.Segment == "email" && c.Column == "Dec 2025" && (c.Delta == nil || math.Abs(*c.Delta-100) > 1e-9 || c.Period != "2025-12") {
			t.Errorf("email Dec: delta %v period %s, want +100 in 2025-12", c.Delta, c.Period)
		}
	}
}

// TestReportGridTable: the table shows each cell's glyph and value and the
// pooled totals; a median's totals column is empty with the reason; by a
// second dimension the columns are its values.
func TestReportGridTable(t *testing.T) {
	r := gridCLI(t, "--by", "channel", "--periods", "2")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, line := range []string{
		"CSAT by channel × month, Nov – Dec 2025",
		"channel  Nov 2025  Dec 2025  Nov – Dec 2025",
		"email      ○ 0.0%  ● 100.0%         ◌ 75.0%",
		"Total     ◌ 66.7%   ● 85.7%         ● 80.0%",
		"Nov – Dec 2025: no pooled value (—): a median: the periods' medians do not pool",
	} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("no %q in\n%s", line, r.stdout)
		}
	}
	r = gridCLI(t, "--by", "channel", "--columns", "priority", "--kpi", "csat", "--format", "markdown")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, line := range []string{
		"| channel | low | high | Total |",
		"| chat | ◌ 50.0% | ● 100.0% | ◌ 75.0% |",
		"| **Total** | **● 80.0%** | **● 100.0%** | **● 85.7%** |",
	} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("no %q in\n%s", line, r.stdout)
		}
	}
}

// TestReportGridBadInput: each mistake is one line naming the fix, exit 2.
func TestReportGridBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--by", "chanel"}, `did you mean "channel"`},
		{[]string{"--by", "channel", "--periods", "0"}, "--periods 0: give 1 to 60"},
		{[]string{"--by", "channel", "--columns", "channel"}, "both channel"},
		{[]string{"--by", "channel", "--columns", "colour"}, `--columns: unknown dimension "colour"`},
		// --periods N applies to a grid of periods only: with --columns it is refused, not ignored
		{[]string{"--by", "channel", "--columns", "priority", "--periods", "3"}, "--periods 3 lays out periods as columns, --columns priority the values of priority in --period: give one of them"},
	} {
		r := gridCLI(t, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
		checkOneLine(t, r.stderr)
	}
}

// TestReportGridCSV: one line per cell, the totals marked.
func TestReportGridCSV(t *testing.T) {
	r := gridCLI(t, "--by", "channel", "--kpi", "csat", "--periods", "2", "--format", "csv")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, line := range []string{
		"kpi,rows,columns,segment,column,period,value,unit,status,n,low_n,delta,compare_to,total_row,total_column",
		"csat,channel,periods,email,Dec 2025,2025-12,100,%,green,3,true,100,Nov 2025,false,false",
		"csat,channel,periods,Total,Nov – Dec 2025,2025-11/2025-12,80,%,green,10,true,,,true,true",
	} {
		if !strings.Contains(r.stdout, line+"\n") {
			t.Errorf("no %q in\n%s", line, r.stdout)
		}
	}
}

// TestReportGridUndated: a snapshot with no date column has no periods to
// lay out, and no grain would give it any: the one line says to lay a
// dimension out as columns, and --columns does.
func TestReportGridUndated(t *testing.T) {
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"churn.csv": "customerID,Contract,InternetService,Churn\n" +
		"a,Month-to-month,DSL,Yes\nb,Month-to-month,DSL,No\nc,Two year,No,No\nd,Two year,DSL,No\n"})
	path := filepath.Join(dir, "churn.csv")
	r := runCLI(t, "report", path, "--checks", "off", "--grid", "--by", "Contract")
	if r.code != 2 || !strings.Contains(r.stderr, "no date column, so no periods to lay out: lay a second dimension out as columns") ||
		strings.Contains(r.stderr, "grain") {
		t.Errorf("exit %d, stderr %q; want 2, no date column, and no grain offered", r.code, r.stderr)
	}
	checkOneLine(t, r.stderr)
	r = runCLI(t, "report", path, "--checks", "off", "--grid", "--by", "Contract", "--columns", "InternetService")
	if r.code != 0 || !strings.Contains(r.stdout, "Month-to-month") {
		t.Errorf("--columns: exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
	}
}
