package workspace_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// TestBusinessRangeTable: beside the business table a --db file keeps the
// range of its deadline columns (two rows: the minimum, then the maximum of
// each), which the engine reads instead of scanning the business table at
// every start; a file without it (an earlier kpiscope's) gets it back at the
// next start, with the same numbers.
func TestBusinessRangeTable(t *testing.T) {
	ctx := context.Background()
	dir := deskCopy(t)
	db := filepath.Join(dir, "kpi.duckdb")
	open := func() *workspace.Workspace {
		t.Helper()
		ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: filepath.Join(dir, "kpiscope.yaml"), DBPath: db,
			Now: func() time.Time { return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		return ws
	}
	tables := func(ws *workspace.Workspace, prefix string) []string {
		t.Helper()
		rows, err := ws.DB.Query(ctx, "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, ?) ORDER BY 1", prefix)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows.Data {
			out = append(out, fmt.Sprint(r[0]))
		}
		return out
	}
	ranges := func(ws *workspace.Workspace, table string) string {
		t.Helper()
		rows, err := ws.DB.Query(ctx, fmt.Sprintf("SELECT count(*) > 0, min(first_response_due), max(first_response_due), min(resolution_due), max(resolution_due) FROM %q", table))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(rows.Data[0][1:])
	}
	scores := func(ws *workspace.Workspace) string {
		t.Helper()
		sc, err := ws.Engine.Compute(ctx, kpi.Slice{Grain: kpi.Month}, nil, kpi.FromScratch())
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(sc.Slice.Period, describeScores(sc))
	}

	ws := open()
	kept, rng := tables(ws, "__kpiscope_business_"), tables(ws, "__kpiscope_brange_")
	if len(kept) != 1 || len(rng) != 1 {
		t.Fatalf("business tables %v, range tables %v: want one each", kept, rng)
	}
	rows, err := ws.DB.Query(ctx, fmt.Sprintf("SELECT count(*) FROM %q", rng[0]))
	if err != nil || rows.Data[0][0] != int64(2) {
		t.Fatalf("range table rows: %v %v, want 2", rows, err)
	}
	want := ranges(ws, kept[0])
	if got := ranges(ws, rng[0]); got != want {
		t.Fatalf("range table %s, business table %s", got, want)
	}
	first := scores(ws)
	if err := ws.DB.Exec(ctx, fmt.Sprintf("DROP TABLE %q", rng[0])); err != nil {
		t.Fatal(err)
	}
	ws.Close()

	ws = open() // the business table taken over, its range made again
	defer ws.Close()
	if got := tables(ws, "__kpiscope_brange_"); len(got) != 1 || ranges(ws, got[0]) != want {
		t.Fatalf("after a start on a file without it: range tables %v", got)
	}
	if got := scores(ws); got != first {
		t.Errorf("second start:\n%s\nfirst:\n%s", got, first)
	}
}

func describeScores(sc *kpi.Scorecard) string {
	s := ""
	for _, r := range sc.Results {
		if r.Total.Value != nil {
			s += fmt.Sprintf("%s=%.6g n=%d; ", r.Def.ID, *r.Total.Value, r.Total.N)
		} else {
			s += fmt.Sprintf("%s=- (%v); ", r.Def.ID, r.Err)
		}
	}
	return s
}
