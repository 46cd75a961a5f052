package kpi_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// Rollups kept in a --db file: a second start on unchanged files answers
// from them without building (spoiling the kept rows shows through), a work
// table left by an interrupted build is dropped, and a changed file makes
// its rollups rebuild while the others are kept.
func TestRollupsKeptInDBFile(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	sources, db := keptSampleDB(t)
	dir := filepath.Dir(sources[0])
	open := func() *workspace.Workspace { t.Helper(); return openKept(t, sources, db) }
	total := func(eng *kpi.Engine, id string, opt kpi.Option) float64 {
		t.Helper()
		sc, err := eng.Compute(ctx, kpi.Slice{Segment: "channel"}, []string{id}, opt)
		if err != nil {
			t.Fatal(err)
		}
		r := sc.Results[0]
		if r.Err != nil || r.Total.Value == nil {
			t.Fatalf("%s: %v", id, r.Err)
		}
		return *r.Total.Value
	}

	// A start on the built file (keptSampleDB's build is the first start):
	// the rollups are kept, then spoiled: the CSAT atoms of every level.
	ws := open()
	if err := ws.Engine.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	exact := total(ws.Engine, "csat", kpi.FromScratch())
	if got := total(ws.Engine, "csat", kpi.Uncached()); !rtSame(got, exact) {
		t.Fatalf("built rollups: csat %v, raw %v", got, exact)
	}
	rows, err := ws.DB.Query(ctx, "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, '__kpiscope_rollup')")
	if err != nil || len(rows.Data) == 0 {
		t.Fatalf("no rollup tables in the --db file: %v", err)
	}
	for _, r := range rows.Data {
		// the first atom of every rollup moved (for tickets: CSAT answers)
		_ = ws.DB.Exec(ctx, fmt.Sprintf("UPDATE %q SET a0 = a0 + 1000", r[0]))
	}
	if err := ws.DB.Exec(ctx, "CREATE TABLE __kpiscope_work_cube_left AS SELECT 1 AS x"); err != nil {
		t.Fatal(err)
	}
	ws.Close()

	// Second start, files unchanged: the kept (spoiled) rollups answer at
	// once, every step is kept, and the left-over work table is gone.
	ws = open()
	n := func() int64 {
		sc, err := ws.Engine.Compute(ctx, kpi.Slice{}, []string{"csat"}, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		return sc.Results[0].Total.N
	}
	nRaw := func() int64 {
		sc, err := ws.Engine.Compute(ctx, kpi.Slice{}, []string{"csat"}, kpi.FromScratch())
		if err != nil {
			t.Fatal(err)
		}
		return sc.Results[0].Total.N
	}
	if n() == nRaw() {
		t.Fatal("second start: csat's n equals the raw rows' although the kept rollup was spoiled: the kept rollups were not used")
	}
	began := time.Now()
	if err := ws.Engine.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if p := ws.Engine.RollupStatus(); !p.Ready {
		t.Fatalf("status after taking over kept rollups: %+v", p)
	}
	t.Logf("second start took over the rollups in %v", time.Since(began))
	left, err := ws.DB.Query(ctx, "SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, '__kpiscope_work_')")
	if err != nil || left.Data[0][0] != int64(0) {
		t.Fatalf("work tables left: %v %v", left, err)
	}
	ws.Close()

	// The tickets file changes: its rollups are rebuilt and agree again.
	tickets := filepath.Join(dir, "tickets.parquet")
	st, err := os.Stat(tickets)
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(tickets, later, later); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // the file is shared (keptSampleDB)
		if err := os.Chtimes(tickets, st.ModTime(), st.ModTime()); err != nil {
			t.Error(err)
		}
	})
	ws = open()
	defer ws.Close()
	if err := ws.Engine.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := n(), nRaw(); got != want {
		t.Fatalf("after the file changed: csat n %d from rollups, %d from raw rows", got, want)
	}
}

// A --db file from a kpiscope that kept no monthly tables (or lost one):
// the group is built afresh, its parts recorded once (not twice), and the
// sketch tables of a rollup no longer recorded anywhere are dropped.
func TestRollupsKeptWithoutMonthlyTables(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	sources, db := keptSampleDB(t)
	open := func() *workspace.Workspace {
		t.Helper()
		ws, err := workspace.Open(ctx, workspace.Options{NoConfig: true, Sources: sources, DBPath: db, Now: rtNow})
		if err != nil {
			t.Fatal(err)
		}
		if err := ws.Engine.BuildRollups(ctx, nil); err != nil {
			t.Fatal(err)
		}
		return ws
	}
	ws := open()
	rows, err := ws.DB.Query(ctx, "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, '__kpiscope_rollupm_')")
	if err != nil || len(rows.Data) == 0 {
		t.Fatalf("no monthly tables: %v", err)
	}
	for _, r := range rows.Data {
		if err := ws.DB.Exec(ctx, fmt.Sprintf("DROP TABLE %q", r[0])); err != nil {
			t.Fatal(err)
		}
	}
	if err := ws.DB.Exec(ctx, "CREATE TABLE __kpiscope_sketch_0123456789abcdef AS SELECT 1 AS __part"); err != nil {
		t.Fatal(err)
	}
	ws.Close()

	ws = open()
	defer ws.Close()
	count := func(q string) int64 {
		t.Helper()
		rows, err := ws.DB.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return rows.Data[0][0].(int64)
	}
	if n := count("SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, '__kpiscope_rollupm_')"); n != int64(len(rows.Data)) {
		t.Errorf("%d monthly tables after the second start, want %d", n, len(rows.Data))
	}
	if n := count("SELECT count(*) FROM (SELECT tbl, part FROM __kpiscope_rollups GROUP BY ALL HAVING count(*) > 1)"); n != 0 {
		t.Errorf("%d parts recorded twice", n)
	}
	if n := count("SELECT count(*) FROM duckdb_tables() WHERE table_name = '__kpiscope_sketch_0123456789abcdef'"); n != 0 {
		t.Error("a sketch table of no recorded rollup was kept")
	}
}
