package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
)

// TestReportBacklogByWeek runs the backlog report end to end on the backlog
// fixture (internal/workspace/testdata/backlog, worked by hand in
// internal/workspace/backlog_test.go). The latest week, of 12 Jan, is not
// over (the data ends Wed 14 Jan 16:00, B7's creation): its backlog is the
// tickets still open at the data's end, B1, B2, B5 and B7 = 4, aged to that
// instant: B1 9 d 7 h, B2 6 d 2 h, B5 7 d 6 h, B7 0, a median of (146 h +
// 174 h) / 2 = 160 h = 6.667 days; 0-1d B7, 3-7d B2, 7d+ B1 and B5. It is
// compared with the week of 5 Jan at the same elapsed instant (Wed 7 Jan):
// B1, B3, B5 and B6 open then = 4. Not a sum over days: the week's seven
// daily backlogs would add up to far more.
func TestReportBacklogByWeek(t *testing.T) {
	dir := filepath.Join("..", "..", "internal", "workspace", "testdata", "backlog")
	before := snapshot(t, dir)
	r := runCLI(t, "report", "--config", filepath.Join(dir, "kpiscope.yaml"), "--kpi", "backlog", "--grain", "week", "--format", "json", "--checks", "off")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var out struct {
		Period string `json:"period"`
		Rows   []struct {
			KPI          string             `json:"kpi"`
			Value        *float64           `json:"value"`
			Extras       map[string]float64 `json:"extras"`
			CompareValue *float64           `json:"compare_value"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if len(out.Rows) != 1 || out.Rows[0].KPI != "backlog" || out.Rows[0].Value == nil || out.Rows[0].CompareValue == nil {
		t.Fatalf("rows: %s", r.stdout)
	}
	row := out.Rows[0]
	got := fmt.Sprintf("%s: %g vs %g, median age %.4f, 0-1d %g, 1-3d %g, 3-7d %g, 7d+ %g", out.Period, *row.Value, *row.CompareValue,
		row.Extras["median age (days)"], row.Extras["age 0-1d"], row.Extras["age 1-3d"], row.Extras["age 3-7d"], row.Extras["age 7d+"])
	if want := "2026-W03: 4 vs 4, median age 6.6667, 0-1d 1, 1-3d 0, 3-7d 1, 7d+ 2"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	checkUnchanged(t, before, snapshot(t, dir))
}
