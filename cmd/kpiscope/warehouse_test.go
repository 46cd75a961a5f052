package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"kpiscope/internal/chtest"
)

// whConfig is the fixture's kpiscope.yaml: the built-ins its tables fit,
// the repeat rate (DuckDB list functions, translated) and the backlog (its
// as-of instant a subquery) among them.
const whConfig = `title: "warehouse fixture"
sources:
  customers: {path: customers.parquet}
  tickets:   {path: tickets.parquet}
  surveys:   {path: surveys.parquet}
  orders:    {path: orders.parquet}
dimensions: [channel, priority, region, plan]
kpis:
  - use: csat
  - use: ces
  - use: nps
  - use: response_rate
  - use: resolution_time
  - use: resolution_median
  - use: first_response
  - use: fcr
  - use: reopen_rate
  - use: contacts_per_resolution
  - use: avg_purchase
  - use: purchase_frequency
  - use: new_customers
  - use: retention
  - use: churn
  - use: repeat_rate
  - use: backlog
`

// TestReportOnWarehouse: `report --format json --source clickhouse://…`
// over the first step's fixture in ClickHouse (its single-node database and
// its 2-shard Distributed one) prints what `report --format json` prints
// over the same rows in Parquet files, value for value (numbers within 1e-9
// relative), for the scorecard, a breakdown, a comparison with the year
// before, a filter and a window; every KPI with its value there.
func TestReportOnWarehouse(t *testing.T) {
	chtest.Long(t)
	dsn, _, _ := chtest.Env(t)
	rows := chtest.FixtureRows()
	local, dist := chtest.Setup(t, chtest.FixtureTables, rows)
	db, _ := chtest.DuckLoad(t, chtest.FixtureTables, rows)
	dir := t.TempDir()
	for _, tb := range chtest.FixtureTables {
		if err := db.Exec(context.Background(), fmt.Sprintf("COPY %s TO '%s' (FORMAT parquet)", tb.Name, filepath.Join(dir, tb.Name+".parquet"))); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "kpiscope.yaml")
	if err := os.WriteFile(cfg, []byte(whConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	urls := map[string]string{}
	for name, c := range map[string]*sql.DB{"single node": local, "2 shards": dist} {
		var database string
		if err := c.QueryRow("SELECT currentDatabase()").Scan(&database); err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + database
		urls[name] = u.String()
	}
	compared, valued := 0, map[string]int{}
	for _, slice := range [][]string{
		{},
		{"--by", "channel"},
		{"--by", "region", "--grain", "week", "--compare", "year"},
		{"--period", "2026-09", "--filter", "priority=high,urgent", "--by", "plan"},
		{"--since", "last 4 weeks"},
		{"--period", "all", "--by", "priority"},
	} {
		args := append([]string{"report", "--config", cfg, "--format", "json", "--checks", "off"}, slice...)
		want, code := runJSON(t, args)
		if code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		for _, name := range []string{"single node", "2 shards"} {
			wargs := append([]string{"report", "--source", urls[name], "--config", cfg, "--format", "json", "--checks", "off"}, slice...)
			got, code := runJSON(t, wargs)
			if code != 0 {
				t.Errorf("%s %v: exit %d", name, slice, code)
			}
			countValued(got, valued)
			if msg := sameReport(want, got); msg != "" {
				t.Errorf("%s %v: %s", name, slice, msg)
			}
			rows, _ := want["rows"].([]any)
			compared += len(rows)
		}
	}
	for _, id := range []string{"repeat_rate", "backlog"} {
		if valued[id] == 0 {
			t.Errorf("%s has a value in no report on the warehouse", id)
		}
	}
	t.Logf("%d report rows (KPI × segment) equal to DuckDB's over 6 slices, single node and 2 shards (KPIs with a value: %v)", compared, valued)
}

// runJSON runs kpiscope and decodes its JSON output.
func runJSON(t *testing.T, args []string) (map[string]any, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runWith(context.Background(), args, &out, &errb)
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("%v: exit %d, %v\n%s\n%s", args, code, err, out.String(), errb.String())
	}
	return m, code
}

// sameReport compares two reports' JSON: every row equal (numbers within
// 1e-9 relative, errors alike: the repeat rate and the backlog are computed
// on a warehouse as over files).
func sameReport(want, got map[string]any) string { return jsonSame(want, got, "") }

// countValued counts in valued the KPIs with a value in a report's rows.
func countValued(m map[string]any, valued map[string]int) {
	list, _ := m["rows"].([]any)
	for _, r := range list {
		rm, _ := r.(map[string]any)
		if id, _ := rm["kpi"].(string); rm["error"] == nil && rm["value"] != nil {
			valued[id]++
		}
	}
}

// jsonSame compares JSON trees: the same keys and strings, numbers within
// 1e-9 relative.
func jsonSame(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: %v, want %v", path, got, want)
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return fmt.Sprintf("%s.%s: %v, want nothing", path, k, g[k])
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if msg := jsonSame(w[k], g[k], path+"."+k); msg != "" {
				return msg
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: %v, want %v", path, got, want)
		}
		for i := range w {
			if msg := jsonSame(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); msg != "" {
				return msg
			}
		}
	case float64:
		g, ok := got.(float64)
		if !ok || math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
			return fmt.Sprintf("%s: %v, want %v", path, got, want)
		}
	default:
		if fmt.Sprint(want) != fmt.Sprint(got) {
			return fmt.Sprintf("%s: %v, want %v", path, got, want)
		}
	}
	return ""
}

// TestReportOnUnreachableWarehouse: one line naming the URL and the fix,
// exit 2.
func TestReportOnUnreachableWarehouse(t *testing.T) {
	var out, errb bytes.Buffer
	code := runWith(context.Background(), []string{"report", "--source", "clickhouse://kpi:secret@127.0.0.1:1/sales", "--checks", "off"}, &out, &errb)
	want := "kpiscope: warehouse clickhouse://kpi:xxxxx@127.0.0.1:1/sales: cannot reach ClickHouse ("
	if code != 2 || !strings.HasPrefix(errb.String(), want) || !strings.Contains(errb.String(), "clickhouse://USER:PASSWORD@HOST:9000/DATABASE") || strings.Count(errb.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 2 and %q…", code, errb.String(), want)
	}
	errb.Reset()
	code = runWith(context.Background(), []string{"report", "clickhouse://127.0.0.1:1/sales"}, &out, &errb)
	if want := "kpiscope: clickhouse://127.0.0.1:1/sales is a warehouse, not a file: give it as kpiscope report --source clickhouse://127.0.0.1:1/sales"; code != 2 || !strings.HasPrefix(errb.String(), want) {
		t.Errorf("a warehouse given as a file: exit %d, stderr %q; want 2 and %q…", code, errb.String(), want)
	}
}

// whKPIs are the fixture config's KPIs the closer looks compare on a
// warehouse: every one.
const whKPIs = "csat,ces,nps,response_rate,resolution_time,resolution_median,first_response,fcr,reopen_rate,contacts_per_resolution,avg_purchase,purchase_frequency,new_customers,retention,churn,repeat_rate,backlog"

// TestGridSeriesOnWarehouse: report --grid and --series --source
// clickhouse://… (single node and 2 shards) print, in JSON, what the same
// flags print over the same rows in Parquet files, value for value.
func TestGridSeriesOnWarehouse(t *testing.T) {
	chtest.Long(t)
	cfg, urls := warehouseFixture(t)
	compared := 0
	for _, look := range [][]string{
		{"--grid", "--by", "channel"},
		{"--grid", "--by", "region", "--grain", "quarter", "--periods", "3"},
		{"--grid", "--by", "priority", "--columns", "channel", "--period", "2026-09", "--filter", "region=EMEA"},
		{"--series", "--by", "channel", "--kpi", "csat,ces,resolution_time,resolution_median,first_response,fcr,reopen_rate,contacts_per_resolution"},
		{"--series", "--by", "plan", "--grain", "week", "--limit", "all", "--kpi", "csat,nps,response_rate,fcr,avg_purchase,purchase_frequency,new_customers,churn"},
	} {
		if look[0] == "--grid" {
			look = append(look, "--kpi", whKPIs)
		}
		args := append([]string{"report", "--config", cfg, "--format", "json", "--checks", "off"}, look...)
		want, code := runJSON(t, args)
		if code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		for _, name := range []string{"single node", "2 shards"} {
			wargs := append([]string{"report", "--source", urls[name], "--config", cfg, "--format", "json", "--checks", "off"}, look...)
			got, code := runJSON(t, wargs)
			if code != 0 {
				t.Errorf("%s %v: exit %d", name, look, code)
			}
			if msg := jsonSame(want, got, ""); msg != "" {
				t.Errorf("%s %v: %s", name, look, msg)
			}
		}
		compared++
	}
	t.Logf("%d grids and series equal to DuckDB's, single node and 2 shards", compared)
}

// TestRecordsOnWarehouse: report --records --source clickhouse://… (single
// node and 2 shards) prints, in JSON, the rows --records prints over the
// same rows in Parquet files: the count, n, matches and the page, sorted,
// searched, filtered through the customers and paged.
func TestRecordsOnWarehouse(t *testing.T) {
	chtest.Long(t)
	cfg, urls := warehouseFixture(t)
	compared := 0
	for _, look := range [][]string{
		{"--kpi", "csat"},
		{"--kpi", "resolution_time", "--sort", "created_at:desc", "--limit", "12"},
		{"--kpi", "fcr", "--search", "EMAIL", "--filter", "region=EMEA", "--period", "2026-09"},
		{"--kpi", "nps", "--period", "all", "--sort", "nps", "--limit", "all"},
		{"--kpi", "churn", "--grain", "quarter", "--filter", "plan!=Basic"},
	} {
		args := append([]string{"report", "--config", cfg, "--format", "json", "--checks", "off", "--records"}, look...)
		want, code := runJSON(t, args)
		if code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		if rows, _ := want["rows"].([]any); len(rows) == 0 {
			t.Fatalf("%v: no rows over DuckDB", look)
		}
		for _, name := range []string{"single node", "2 shards"} {
			wargs := append([]string{"report", "--source", urls[name], "--config", cfg, "--format", "json", "--checks", "off", "--records"}, look...)
			got, code := runJSON(t, wargs)
			if code != 0 {
				t.Errorf("%s %v: exit %d", name, look, code)
			}
			if msg := jsonSame(want, got, ""); msg != "" {
				t.Errorf("%s %v: %s", name, look, msg)
			}
		}
		compared++
	}
	t.Logf("%d pages of rows equal to DuckDB's, single node and 2 shards", compared)
}
