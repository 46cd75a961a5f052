package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kpiscope/internal/chtest"
	"kpiscope/internal/workspace"
)

// whSection is a kpiscope.yaml's warehouse: section over the fixture's
// 2-shard database, its tables renamed: each source name maps to a
// Distributed table of another name (TABLE, DATABASE.TABLE and the
// mapping form), with settings; %[1]s is the URL, %[2]s the database.
const whSection = `warehouse:
  url: %[1]s
  password_env: KPISCOPE_TEST_CH_PASSWORD
  tables:
    customers: customers_all
    tickets: {table: tickets_all}
    surveys: %[2]s.surveys_all
    orders: orders_all
  settings: {max_execution_time: 60, max_threads: 2}
`

// withoutSources is the fixture's kpiscope.yaml without its sources:.
func withoutSources(cfg string) string {
	var out []string
	in := false
	for _, l := range strings.Split(cfg, "\n") {
		if strings.HasPrefix(l, "sources:") {
			in = true
			continue
		}
		if in && strings.HasPrefix(l, "  ") {
			continue
		}
		in = false
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// TestReportOnWarehouseConfig: `report --config kpiscope.yaml` with a
// warehouse: section whose tables: map the KPIs' sources to the fixture's
// Distributed tables under other names prints what `report --source` prints
// over the single-node tables, value for value, with no --source; a
// mistake only the server can tell (a table it does not have, a setting it
// does not know) is one error at its line; --source wins over url:; files
// given with it are refused at warehouse:'s line.
func TestReportOnWarehouseConfig(t *testing.T) {
	chtest.Long(t)
	dsn, _, cluster := chtest.Env(t)
	rows := chtest.FixtureRows()
	local, dist := chtest.Setup(t, chtest.FixtureTables, rows)
	var localDB, distDB string
	if err := local.QueryRow("SELECT currentDatabase()").Scan(&localDB); err != nil {
		t.Fatal(err)
	}
	if err := dist.QueryRow("SELECT currentDatabase()").Scan(&distDB); err != nil {
		t.Fatal(err)
	}
	shardDB := strings.TrimSuffix(distDB, "_dist") + "_shard"
	for _, tb := range chtest.FixtureTables {
		chtest.Exec(t, dist, fmt.Sprintf("CREATE TABLE %[1]s.%[2]s_all AS %[3]s.%[2]s ENGINE = Distributed(%[4]s, %[3]s, %[2]s, rand())", distDB, tb.Name, shardDB, cluster))
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + localDB
	localURL := u.String()
	u.Path = "/" + distDB
	t.Setenv("KPISCOPE_TEST_CH_PASSWORD", "") // the fixture's user has none
	dir := t.TempDir()
	withSources := filepath.Join(dir, "files.yaml")
	if err := os.WriteFile(withSources, []byte(whConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	section := fmt.Sprintf(whSection, u.String(), distDB)
	write := func(name, section string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(section+withoutSources(whConfig)), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := write("kpiscope.yaml", section)
	for _, slice := range [][]string{
		{},
		{"--by", "region"}, // the customers' column: joined from the mapped customers_all
		{"--period", "2026-09", "--filter", "priority=high,urgent", "--by", "channel"},
	} {
		want, code := runJSON(t, append([]string{"report", "--source", localURL, "--config", withSources, "--format", "json", "--checks", "off"}, slice...))
		if code != 0 && code != 2 {
			t.Fatalf("--source %v: exit %d", slice, code)
		}
		got, code := runJSON(t, append([]string{"report", "--config", cfg, "--format", "json", "--checks", "off"}, slice...))
		if code != 0 && code != 2 { // 2: repeat_rate's error, after the others
			t.Fatalf("warehouse: %v: exit %d", slice, code)
		}
		if msg := sameReport(want, got); msg != "" {
			t.Errorf("warehouse: %v: %s", slice, msg)
		}
	}

	// The explorer and serve open the same workspace; the command the
	// explorer shows names the config, which names the warehouse (not a
	// --source with the password masked).
	ws, err := workspace.Open(context.Background(), workspace.Options{ConfigPath: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(invocation(ws, nil), " "), "--config "+cfg; ws.Warehouse == nil || got != want || ws.Source() != "clickhouse "+u.Host+"/"+distDB {
		t.Errorf("workspace over warehouse: (%v): invocation %q, want %q; source %q", ws.Warehouse != nil, got, want, ws.Source())
	}
	ws.Close()

	run := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := runWith(context.Background(), args, &out, &errb)
		return code, errb.String()
	}
	for _, tc := range []struct {
		name, from, to string
		args           []string
		want           string
	}{
		{"missing table", "tickets: {table: tickets_all}", "tickets: {table: tickets_al}", nil,
			":6: warehouse: tables: tickets: tickets_al is not a table of \"" + distDB + "\"; did you mean tickets_all? its tables: "},
		{"unknown setting", "max_threads: 2", "max_thread: 2", nil,
			":9: warehouse: settings: ClickHouse has no setting \"max_thread\"; did you mean max_threads?"},
		{"missing database", "surveys: " + distDB + ".surveys_all", "surveys: nowhere.surveys_all", nil,
			":7: warehouse: tables: surveys: nowhere.surveys_all is not there: the database \"nowhere\" has no tables"},
		{"--source wins", "", "", []string{"--source", "clickhouse://default@127.0.0.1:1/" + distDB},
			"kpiscope: warehouse clickhouse://default@127.0.0.1:1/" + distDB + ": cannot reach ClickHouse"},
		{"files too", "", "", []string{"tickets.csv"},
			":1: warehouse: the KPIs are computed on the warehouse: leave out the files (tickets.csv)"},
	} {
		p := cfg
		if tc.from != "" {
			p = write(strings.ReplaceAll(tc.name, " ", "_")+".yaml", strings.Replace(section, tc.from, tc.to, 1))
		}
		code, stderr := run(append([]string{"report", "--config", p, "--checks", "off"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q; want 2 and one line with %q", tc.name, code, stderr, tc.want)
		}
	}
}
