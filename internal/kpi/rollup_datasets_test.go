package kpi_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// skippedDatasets is why the last real-dataset test was skipped and how
// many were, for the one line TestMain prints: t.Skip alone is shown only by
// go test -v, so a run without the datasets would look like one with them.
var skippedDatasets struct {
	sync.Mutex
	n   int
	why string
}

func skipDatasets(t *testing.T, why string) {
	t.Helper()
	skippedDatasets.Lock()
	skippedDatasets.n++
	skippedDatasets.why = why
	skippedDatasets.Unlock()
	t.Skip(why)
}

// TestMain prints the line about skipped real-dataset tests. go test shows
// it when run in this directory, with -v, or when the package fails; for a
// passing package in a ./... run it prints only "ok".
func TestMain(m *testing.M) {
	code := m.Run()
	closeSharedSample()
	if n := skippedDatasets.n; n > 0 {
		fmt.Printf("kpi: %d real-dataset test(s) skipped: %s\n", n, skippedDatasets.why)
	}
	os.Exit(code)
}

// The real public files in ../shared/datasets, opened as a newcomer would
// (no kpiscope.yaml: KPIs and dimensions inferred), answer every slice the
// same from rollups as from raw rows: odd names, blanks and text
// dimensions included. Skipped when ../shared is absent.
func TestRollupsAgreeOnRealFiles(t *testing.T) {
	if testing.Short() {
		skipDatasets(t, "reads the shared datasets, and -short is set")
	}
	dir := filepath.Join("..", "..", "..", "shared", "datasets")
	if _, err := os.Stat(dir); err != nil {
		skipDatasets(t, fmt.Sprintf("real datasets not available (%v); they live in ../shared/datasets next to the module", err))
	}
	used := 0
	defer func() {
		if !t.Failed() && used < 4 {
			t.Errorf("rollups answered KPIs of %d files, want at least 4 of 6", used)
		}
	}()
	for _, file := range []string{"telco_customer_churn.csv", "maven_telecom_customer_churn.csv", "call_center.csv",
		"airline_nps_responses.csv", "superstore_orders.csv", "cdnow_master.txt"} {
		t.Run(file, func(t *testing.T) {
			p := filepath.Join(dir, file)
			if _, err := os.Stat(p); err != nil {
				skipDatasets(t, err.Error())
			}
			ctx := context.Background()
			ws, err := workspace.Open(ctx, workspace.Options{Sources: []string{p}})
			if err != nil {
				t.Skipf("not opened without a config: %v", err)
			}
			defer ws.Close()
			eng := ws.Engine
			if err := eng.BuildRollups(ctx, nil); err != nil {
				t.Fatal(err)
			}
			var ids []string // inferred KPIs, not the built-ins' ids
			for _, d := range eng.Defs() {
				ids = append(ids, d.ID)
			}
			slices := []kpi.Slice{{}, {Grain: kpi.All}, {Grain: kpi.Week, Compare: kpi.VsYear}, {Grain: kpi.Quarter}}
			if len(eng.Dimensions()) > 0 {
				slices = append(slices, rtSlices(t, rand.New(rand.NewSource(7)), eng, 12)...)
			}
			for _, d := range eng.Dimensions() {
				slices = append(slices, kpi.Slice{Segment: d.Name})
			}
			fails := 0
			for _, s := range slices {
				s := s
				c := rtCompute(t, eng, ids, s, func(id string, raw kpi.Result) bool { return rtSketchable(eng, id, s, raw) })
				fails += c.fails
			}
			t.Logf("%d KPIs, %d dimensions, %d slices, %d differences", len(ids), len(eng.Dimensions()), len(slices), fails)
			// The rollups were really used: spoil their first atom and the
			// totals of the KPIs they answer move away from the raw rows'.
			rows, err := ws.DB.Query(ctx, "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, '__kpiscope_rollup')")
			if err != nil {
				t.Fatal(err)
			}
			spoiled := 0
			for _, r := range rows.Data {
				if ws.DB.Exec(ctx, fmt.Sprintf("UPDATE %q SET a0 = a0 * 2 + 7", r[0])) == nil {
					spoiled++
				}
			}
			if spoiled == 0 { // superstore's KPIs are all distinct counts
				t.Logf("no rollup: every KPI reads raw rows")
				return
			}
			used++
			fresh, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.All}, ids, kpi.Uncached())
			if err != nil {
				t.Fatal(err)
			}
			raw, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.All}, ids, kpi.FromScratch())
			if err != nil {
				t.Fatal(err)
			}
			moved := 0
			for i, r := range fresh.Results {
				a, b := r.Total.Value, raw.Results[i].Total.Value
				if (a == nil) != (b == nil) || a != nil && !rtSame(*a, *b) {
					moved++
				}
			}
			if moved == 0 {
				t.Error("spoiling the rollups changed no KPI: they were not used")
			}
		})
	}
}
