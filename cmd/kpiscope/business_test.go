package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportSLAByPriority runs the report a support lead would run on the
// business-hours fixture (internal/workspace/testdata/business: 13 tickets on
// a Berlin Mon–Fri 08:00–18:00 calendar, worked by hand in
// internal/workspace/business_test.go): the share of resolutions within SLA
// by priority, in the latest month (February, its data to 20 Feb), against
// January. February's deadlines: urgent T08 (created 31 Jan, still open,
// due 2 Feb) breached; normal T09 met, T10 breached; T11 and T12 open and
// not yet due are left out. January's: urgent 2 of 3, normal 3 of 4, but to
// 20 Jan only (the partial period's comparison): urgent T02 T03 met, normal
// T01 T04 met, T05 (due 20 Jan 14:00) breached.
func TestReportSLAByPriority(t *testing.T) {
	dir := filepath.Join("..", "..", "internal", "workspace", "testdata", "business")
	before := snapshot(t, dir)
	r := runCLI(t, "report", "--config", filepath.Join(dir, "kpiscope.yaml"), "--kpi", "sla_resolution", "--by", "priority", "--format", "json", "--checks", "off")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var out struct {
		Period string `json:"period"`
		Rows   []struct {
			KPI          string             `json:"kpi"`
			Segment      string             `json:"segment"`
			Value        *float64           `json:"value"`
			N            int64              `json:"n"`
			Components   map[string]float64 `json:"components"`
			Extras       map[string]float64 `json:"extras"`
			CompareValue *float64           `json:"compare_value"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	var got []string
	for _, row := range out.Rows {
		cmp := "—"
		if row.CompareValue != nil {
			cmp = fmt.Sprintf("%.2f", *row.CompareValue)
		}
		got = append(got, fmt.Sprintf("%s %s %.2f met %g of %g breached %g vs %s",
			row.KPI, row.Segment, *row.Value, row.Components["num"], row.Components["den"], row.Extras["breached"], cmp))
	}
	want := []string{
		"sla_resolution normal 50.00 met 1 of 2 breached 1 vs 66.67",
		"sla_resolution urgent 0.00 met 0 of 1 breached 1 vs 100.00",
		"sla_resolution Total 33.33 met 1 of 3 breached 2 vs 80.00",
	}
	if out.Period != "2026-02" || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("period %s, rows:\n%s\nwant period 2026-02, rows:\n%s", out.Period, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	checkUnchanged(t, before, snapshot(t, dir))
}
