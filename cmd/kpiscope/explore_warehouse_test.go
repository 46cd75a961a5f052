package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"kpiscope/internal/chtest"
	"kpiscope/internal/kpi"
	"kpiscope/internal/live"
	"kpiscope/internal/report"
	"kpiscope/internal/workspace"
	"kpiscope/tui"
)

// warehouseFixture loads the chtest fixture into ClickHouse (single node
// and the 2-shard Distributed database) and into Parquet files beside
// whConfig's kpiscope.yaml; it gives the config's path and the databases'
// URLs by name ("single node", "2 shards"). Skips without the cluster.
func warehouseFixture(t *testing.T) (cfg string, urls map[string]string) {
	t.Helper()
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
	cfg = filepath.Join(dir, "kpiscope.yaml")
	if err := os.WriteFile(cfg, []byte(whConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	urls = map[string]string{}
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
	return cfg, urls
}

// TestExplorerOnWarehouse drives the explorer (`kpiscope --source
// clickhouse://…`, wired as the root command wires it) over the fixture's
// 2-shard Distributed database: the first screen's KPI list shows the
// values the engine over DuckDB computes on the same rows; the segment key
// breaks the KPI down by region, the grain key moves to quarters; the
// distribution (d) and the cohort matrix (C) show DuckDB's numbers over the
// same rows; the rows behind the number are DuckDB's too; the SQL prompt
// runs a ClickHouse query there and refuses an INSERT; q quits.
func TestExplorerOnWarehouse(t *testing.T) {
	cfg, urls := warehouseFixture(t)
	ctx := context.Background()

	duck, err := workspace.Open(ctx, workspace.Options{ConfigPath: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	ids := []string{"csat", "fcr", "resolution_time"}
	sc, err := duck.Engine.Compute(ctx, kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, ids)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, id := range ids {
		r := sc.Find(id)
		if r == nil || r.Err != nil || r.Total.Value == nil {
			t.Fatalf("%s over DuckDB: %+v", id, r)
		}
		want = append(want, r.Def.FormatValue(r.Total.Value))
	}
	// What the SQL prompt's query counts, from the fixture's rows.
	rated, seen := 0, map[string]bool{}
	for _, r := range chtest.FixtureRows()["tickets"] {
		if c := r[8].(*int32); c != nil && *c >= 1 && *c <= 5 {
			rated++
		}
		if c := r[1].(*string); c != nil {
			seen[*c] = true
		}
	}
	customers := len(seen)
	regions, err := duck.Engine.DimValues(ctx, "region")
	if err != nil || len(regions) == 0 {
		t.Fatalf("regions: %v %v", regions, err)
	}
	distWant, cohortWant := distCohortsWant(t, duck.Engine)

	opt := workspace.Options{ConfigPath: cfg, Warehouse: urls["2 shards"]}
	ws, err := workspace.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	ex := newExplorer(ctx, ws, opt, live.Options{CheckRows: checkBudget, Grace: time.Millisecond})
	defer ex.close()
	tm := teatest.NewTestModel(t, tui.New(ex.deps), teatest.WithInitialTermSize(120, 40))
	if err := ex.start(tm, nil); err != nil {
		t.Fatal(err)
	}
	out := tm.Output()
	waitFor := func(what ...string) {
		t.Helper()
		var seen []byte
		teatest.WaitFor(t, out, func(b []byte) bool {
			seen = append(seen, b...)
			s := string(seen)
			for _, w := range what {
				if !strings.Contains(s, w) {
					return false
				}
			}
			return true
		}, teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	key := func(k string) {
		if k == "enter" {
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
			return
		}
		tm.Send(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
	}

	u, err := url.Parse(urls["2 shards"])
	if err != nil {
		t.Fatal(err)
	}
	// The header names the source (the database's long test name is cut).
	waitFor(append([]string{"warehouse fixture · clickhouse " + u.Host + "/", "(month)"}, want...)...)
	t.Logf("first screen over the 2 shards: %s = %s, as over DuckDB", strings.Join(ids, ", "), strings.Join(want, ", "))

	key("s")
	waitFor("Segment by")
	tm.Type("region")
	key("enter")
	waitFor(append([]string{"breakdown by region"}, regions...)...)

	key("g")
	waitFor("(quarter")

	key("d")
	waitFor(distWant...)
	t.Logf("d over the 2 shards: CSAT's satisfied share, and n and share by region %q, as over DuckDB", distWant[1:])
	key("esc")
	key("C")
	waitFor(cohortWant...)
	t.Logf("C over the 2 shards: the quarterly signup cohorts' sizes %q, as over DuckDB", cohortWant[1:])
	key("esc")
	// The rows behind CSAT's number in the quarter, read on the warehouse:
	// the count and the first rows the engine over DuckDB reads (sorted by
	// the time column, the first, as the warehouse sorts a file order).
	recs, err := duck.Engine.Records(ctx, "csat", kpi.Slice{Grain: kpi.Quarter}, kpi.RecordsAsk{Limit: 2})
	if err != nil || len(recs.Rows) != 2 || recs.Count < 10 {
		t.Fatalf("CSAT's rows over DuckDB: %+v, %v", recs, err)
	}
	key("R")
	waitFor(report.RecordsTitle(recs), fmt.Sprintf("of %d", recs.Count), fmt.Sprint(recs.Rows[0][1]), fmt.Sprint(recs.Rows[1][1]))
	t.Logf("rows behind CSAT's number: %s, of %d, first %v", recs.Period, recs.Count, recs.Rows[0][1])
	key("esc")

	// The SQL prompt runs ClickHouse SQL on the warehouse, read-only.
	key(":")
	waitFor("Commands")
	tm.Type("sql")
	key("enter")
	waitFor("SQL prompt · ClickHouse · read-only", "tables: customers")
	tm.Type("SELECT countIf(csat BETWEEN 1 AND 5) AS rated, uniqExact(customer_id) AS customers FROM tickets")
	key("enter")
	waitFor("1 row", "rated", fmt.Sprint(rated), fmt.Sprint(customers))
	tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}) // the editor emptied
	tm.Type("INSERT INTO tickets SELECT * FROM tickets")
	key("enter")
	waitFor("INSERT is refused: the SQL prompt on a warehouse runs read-only")
	key("esc")

	key("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))
	if p := ws.Engine.RollupStatus(); p.Total != 0 || p.Done != 0 {
		t.Errorf("a rollup build ran on the warehouse: %+v", p)
	}
}

// TestServeOnWarehouse: `kpiscope serve --source clickhouse://…` over the
// fixture's single-node database: two SSH sessions share the one engine
// over the warehouse and show the KPI values the engine over DuckDB
// computes; the distribution shows CSAT's answers counted as over DuckDB.
func TestServeOnWarehouse(t *testing.T) {
	cfg, urls := warehouseFixture(t)
	ctx := context.Background()
	duck, err := workspace.Open(ctx, workspace.Options{ConfigPath: cfg})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := duck.Engine.Compute(ctx, kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, []string{"csat", "fcr"})
	rows := csatRows(t, duck.Engine, kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, "channel") // the first screen's breakdown
	duck.Close()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range sc.Results {
		want = append(want, r.Def.FormatValue(r.Total.Value))
	}

	o := serveOptsFor(t)
	o.perKey = 2 // both sessions log in with the test's one key
	loaded := make(chan *workspace.Workspace, 1)
	o.loaded = func(ws *workspace.Workspace) { loaded <- ws }
	logs := newServeBuf()
	srv := startServeWith(t, o, dataFlags{config: cfg, source: urls["single node"]}, nil, logs, 60*time.Second)
	one, two := srv.openSession(t), srv.openSession(t)
	for _, s := range []*serveSession{one, two} {
		s.wait(t, "the scorecard over the warehouse", func(screen string) bool {
			for _, w := range append([]string{"clickhouse 127.0.0.1:"}, want...) {
				if !strings.Contains(screen, w) {
					return false
				}
			}
			return true
		})
	}
	if ws := <-loaded; ws.Warehouse == nil {
		t.Fatal("serve's workspace does not read the warehouse")
	}
	one.press(t, "d")
	one.wait(t, "CSAT's distribution", func(s string) bool {
		for _, w := range append([]string{"CSAT · distribution · by channel"}, rows...) {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	})
}
