package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"kpiscope/internal/chtest"
	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
)

// TestDistCohortsOnWarehouse: `report --distribution` and `report
// --cohorts` with --source clickhouse://… over the fixture (single node and
// 2 shards) print what they print over the same rows in Parquet: the JSON
// value for value (numbers within 1e-9 relative) and the CSV byte for
// byte. Refused before ("does not run on a warehouse
// yet").
func TestDistCohortsOnWarehouse(t *testing.T) {
	chtest.Long(t)
	cfg, urls := warehouseFixture(t)
	run := func(args []string) (string, string, int) {
		var out, errb bytes.Buffer
		code := runWith(context.Background(), args, &out, &errb)
		return out.String(), errb.String(), code
	}
	compared := 0
	for _, c := range []struct {
		look    []string
		formats []string
	}{
		{[]string{"--distribution"}, []string{"json"}}, // every KPI with one, October (partial) against September's same part
		{[]string{"--distribution", "--kpi", "resolution_time", "--grain", "week", "--by", "channel"}, []string{"json", "csv"}},
		{[]string{"--distribution", "--kpi", "csat", "--period", "2026-09", "--filter", "region=EMEA", "--by", "priority"}, []string{"json"}},
		{[]string{"--distribution", "--kpi", "nps", "--grain", "week", "--period", "2026-W32", "--compare", "year"}, []string{"json"}},
		{[]string{"--cohorts"}, []string{"json", "csv"}},
		{[]string{"--cohorts", "--cohort-grain", "quarter", "--filter", "plan=Pro,Basic"}, []string{"json", "csv"}},
		{[]string{"--cohorts", "--cohort-kind", "orders", "--filter", "region=APAC,AMER"}, []string{"json", "csv"}},
		{[]string{"--cohorts", "--cohort-kind", "orders", "--cohort-grain", "quarter", "--cohort-count", "5"}, []string{"json"}},
	} {
		look := c.look
		for _, format := range c.formats {
			args := append([]string{"report", "--config", cfg, "--format", format, "--checks", "off"}, look...)
			want, werr, code := run(args)
			if code != 0 || len(want) < 100 {
				t.Fatalf("%v: exit %d\n%s%s", args, code, want, werr)
			}
			for _, name := range []string{"single node", "2 shards"} {
				wargs := append([]string{"report", "--source", urls[name], "--config", cfg, "--format", format, "--checks", "off"}, look...)
				got, gerr, code := run(wargs)
				if code != 0 {
					t.Errorf("%s %v: exit %d: %s", name, look, code, gerr)
					continue
				}
				if format == "csv" {
					if got != want {
						t.Errorf("%s %v, CSV:\n%s\nwant (DuckDB's)\n%s", name, look, got, want)
					}
					continue
				}
				w, g := decodeJSON(t, want), decodeJSON(t, got)
				if msg := jsonSame(w, g, ""); msg != "" {
					t.Errorf("%s %v: %s", name, look, msg)
				}
				compared++
			}
		}
	}
	t.Logf("%d JSON reports equal to DuckDB's, and their CSV byte for byte", compared)
}

// decodeJSON decodes a report's JSON object.
func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	return m
}

// csatRows is CSAT's distribution as the explorer's score view draws it
// over engine e, by dim: the total's satisfied share, then each segment's
// name and n (as drawn, "name…n": a row off the cursor is plain text, its
// leading spaces left to the renderer) and its share.
func csatRows(t *testing.T, e *kpi.Engine, s kpi.Slice, dim string) []string {
	t.Helper()
	x, err := e.Distribution(context.Background(), s, "csat", dim)
	if err != nil {
		t.Fatal(err)
	}
	var good kpi.ScoreBand
	for _, b := range x.Bands {
		if b.Good {
			good = b
		}
	}
	share := func(r kpi.DistRow) string {
		v, ok := report.BandShare(x, r, good)
		if !ok || r.N == 0 {
			t.Fatalf("CSAT over DuckDB in %+v by %q: no answers in %q", s, dim, r.Segment)
		}
		return kpi.FormatFloat(100*v, 1) + "%"
	}
	nameW := 6
	for _, r := range append([]kpi.DistRow{x.Total}, x.Segments...) {
		nameW = max(nameW, len(r.Segment))
	}
	nameW = min(nameW+1, 16)
	out := []string{share(x.Total)}
	for _, r := range x.Segments {
		if r.Segment != kpi.BlankLabel {
			out = append(out, fmt.Sprintf("%-*s%*d", nameW, r.Segment, 7, r.N))
		}
		out = append(out, share(r))
	}
	return out
}

// distCohortsWant is what the explorer's d and C show over engine e on the
// screen they open from in TestExplorerOnWarehouse (by quarter, by region):
// CSAT's distribution title, rows and satisfied shares, and the quarterly signup
// cohorts' title and rows (label and size; the last, the cursor's, is bold).
func distCohortsWant(t *testing.T, e *kpi.Engine) (dist, cohorts []string) {
	t.Helper()
	dist = append([]string{"CSAT · distribution · by region"}, csatRows(t, e, kpi.Slice{Grain: kpi.Quarter, Compare: kpi.VsPrevious}, "region")...)
	m, err := e.Cohorts(context.Background(), kpi.CohortAsk{Kind: kpi.CohortRetention, Grain: kpi.Quarter, Cohorts: 8})
	if err != nil || len(m.Rows) < 3 {
		t.Fatalf("cohorts over DuckDB: %+v, %v", m, err)
	}
	labW := 9
	for _, r := range m.Rows {
		labW = max(labW, len([]rune(m.Grain.Label(r.Start)))+1)
	}
	cohorts = []string{"Cohorts · retention by signup quarter"}
	for _, r := range m.Rows[:len(m.Rows)-1] {
		cohorts = append(cohorts, fmt.Sprintf("%-*s%*d", labW, m.Grain.Label(r.Start), 7, r.Size))
	}
	return dist, cohorts
}
