package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"kpiscope/internal/chtest"
)

// checkConfig is the fixture's kpiscope.yaml for the checks: built-ins over
// every table, one with a row filter (translated for ClickHouse).
const checkConfig = `title: "warehouse fixture"
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
  - use: first_response
  - use: fcr
  - use: avg_purchase
  - use: retention
  - id: urgent_csat
    name: Urgent CSAT
    source: tickets
    time: created_at
    type: ratio
    better: higher
    numerator: count(*) FILTER (WHERE csat >= 4)
    denominator: count(csat)
    where: priority = 'urgent' AND channel IN ('chat', 'phone')
`

// TestCheckOnWarehouse: ` + "`kpiscope check --source clickhouse://…`" + ` (and
// report's notes) over the ClickHouse fixture, one server and two shards,
// finds what ` + "`kpiscope check`" + ` finds over the same rows in Parquet files:
// the same lines but for the example rows (which row an engine reads first)
// and the header's source, and the same exit status (2: errors found).
func TestCheckOnWarehouse(t *testing.T) {
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
	if err := os.WriteFile(cfg, []byte(checkConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, int) {
		var out, errb bytes.Buffer
		code := runWith(context.Background(), args, &out, &errb)
		return out.String() + errb.String(), code
	}
	example := regexp.MustCompile(`^(\s+)e\.g\. .*$`)
	lines := func(s string) string {
		ls := strings.Split(strings.TrimSpace(s), "\n")
		for i, l := range ls {
			ls[i] = example.ReplaceAllString(l, "${1}e.g. …")
		}
		return strings.Join(ls[1:], "\n") // the header names the source
	}
	want, wcode := run("check", "--config", cfg)
	if wcode != 2 || !strings.Contains(want, "outside its 0–10 scale") {
		t.Fatalf("check on the files: exit %d, want 2 with the NPS scale error\n%s", wcode, want)
	}
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
		got, code := run("check", "--source", u.String(), "--config", cfg)
		if code != wcode || lines(got) != lines(want) {
			t.Errorf("%s: check exit %d\n%s\nwant exit %d\n%s", name, code, got, wcode, want)
		}
		// report runs them too (the fixture is under the checks' row budget).
		rep, _ := run("report", "--source", u.String(), "--config", cfg, "--kpi", "nps")
		if !strings.Contains(rep, "outside its 0–10 scale") || strings.Contains(rep, "do not run on a warehouse") {
			t.Errorf("%s: report's notes lack the NPS scale error:\n%s", name, rep)
		}
	}
}
