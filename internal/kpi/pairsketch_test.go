package kpi_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// TestMedianDrillFromPairSketches: a median KPI drilled into a segment and
// broken down by another dimension (two dimensions) is answered from the
// quantile sketches kept per month and pair of dimensions at month, quarter
// and year grain, with no raw read, within the sketch's bound of the raw
// rows' medians per segment; at week grain (periods no monthly row fits) it
// reads the raw rows and is exact.
func TestMedianDrillFromPairSketches(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	reads := &rawReads{}
	eng := sharedSample(t, reads)
	ids := []string{"resolution_median", "resolution_time"}
	for _, tc := range []struct {
		grain  kpi.Grain
		back   int
		cmp    kpi.Compare
		filter kpi.Filter
		seg    string
		raw    bool
	}{
		{kpi.Month, 0, kpi.VsPrevious, kpi.Filter{Dim: "channel", Values: []string{"chat"}}, "priority", false},
		{kpi.Quarter, -2, kpi.VsYear, kpi.Filter{Dim: "region", Values: []string{"EMEA"}}, "team", false},
		{kpi.Year, 0, kpi.VsPrevious, kpi.Filter{Dim: "priority", Op: kpi.OpNotIn, Values: []string{"low"}}, "plan", false},
		{kpi.Week, -1, kpi.VsPrevious, kpi.Filter{Dim: "channel", Values: []string{"chat"}}, "priority", true},
	} {
		s := kpi.Slice{Grain: tc.grain, Compare: tc.cmp, Segment: tc.seg, Filters: []kpi.Filter{tc.filter}, Trend: 1}
		s.Period = tc.grain.Add(eng.Resolve(kpi.Slice{Grain: tc.grain}).Period, tc.back)
		reads.mu.Lock()
		reads.count = true
		before := len(reads.seen)
		reads.mu.Unlock()
		a, err := eng.Compute(ctx, s, ids, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		reads.mu.Lock()
		reads.count = false
		raw := len(reads.seen) > before
		reads.mu.Unlock()
		name := rtSliceName(s)
		if raw != tc.raw {
			t.Errorf("%s: raw reads %v, want %v", name, raw, tc.raw)
		}
		b, err := eng.Compute(ctx, s, ids, kpi.FromScratch())
		if err != nil {
			t.Fatal(err)
		}
		med, exact := a.Find("resolution_median"), b.Find("resolution_median")
		if med.Approx == tc.raw {
			t.Errorf("%s: median approx %v, want %v", name, med.Approx, !tc.raw)
		}
		if len(med.Segments) < 2 || len(med.Segments) != len(exact.Segments) {
			t.Fatalf("%s: %d segments from the rollups, %d from raw rows", name, len(med.Segments), len(exact.Segments))
		}
		for i, r := range med.Segments {
			x := exact.Segments[i]
			if r.Segment != x.Segment || r.N != x.N {
				t.Errorf("%s: segment %d %q n %v, raw %q n %v", name, i, r.Segment, r.N, x.Segment, x.N)
			}
			if r.Value == nil || x.Value == nil {
				t.Errorf("%s %s: no median", name, r.Segment)
				continue
			}
			if d := *r.Value - *x.Value; d > kpi.SketchError**x.Value+1e-9 || -d > kpi.SketchError**x.Value+1e-9 {
				t.Errorf("%s %s: median %.4f, raw %.4f (more than %.0f%% off)", name, r.Segment, *r.Value, *x.Value, 100*kpi.SketchError)
			}
			if tc.raw && *r.Value != *x.Value {
				t.Errorf("%s %s: median %.4f from raw rows, want exactly %.4f", name, r.Segment, *r.Value, *x.Value)
			}
		}
	}
}

// TestPairSketchesAddedToAKeptDBFile: a --db file kept by a kpiscope
// without the sketches by two dimensions (their table missing, whatever its
// book says) keeps every other part and builds only those, after which a
// median drill-down by month reads no raw rows.
func TestPairSketchesAddedToAKeptDBFile(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	sources, db := keptSampleDB(t)
	reads := &rawReads{}
	open := func() *workspace.Workspace {
		t.Helper()
		ws, err := workspace.Open(ctx, workspace.Options{NoConfig: true, Sources: sources, DBPath: db, Now: rtNow, Log: slog.New(reads)})
		if err != nil {
			t.Fatal(err)
		}
		return ws
	}
	ws := open()
	if err := ws.Engine.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := ws.DB.Query(ctx, "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, '__kpiscope_sketchp_')")
	if err != nil || len(rows.Data) == 0 {
		t.Fatalf("no sketches by two dimensions in the --db file: %v", err)
	}
	for _, r := range rows.Data {
		if err := ws.DB.Exec(ctx, fmt.Sprintf("DROP TABLE %q", r[0])); err != nil {
			t.Fatal(err)
		}
	}
	ws.Close()

	ws = open()
	defer ws.Close()
	var stages []string
	if err := ws.Engine.BuildRollups(ctx, func(p kpi.RollupProgress) {
		if p.Stage != "" && (len(stages) == 0 || stages[len(stages)-1] != p.Stage) {
			stages = append(stages, p.Stage)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if len(stages) != 1 || stages[0] != "quantiles by two dimensions" {
		t.Errorf("stages built on the second start: %q, want only the quantiles by two dimensions", stages)
	}
	s := kpi.Slice{Grain: kpi.Month, Segment: "priority", Filters: []kpi.Filter{{Dim: "channel", Values: []string{"chat"}}}, Trend: 1}
	s.Period = kpi.Month.Add(ws.Engine.Resolve(kpi.Slice{}).Period, -1) // a whole month
	reads.mu.Lock()
	reads.count = true
	reads.mu.Unlock()
	sc, err := ws.Engine.Compute(ctx, s, []string{"resolution_median"}, kpi.Uncached())
	reads.mu.Lock()
	reads.count = false
	seen := reads.seen
	reads.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) > 0 || !sc.Results[0].Approx {
		t.Errorf("median drill-down after the second start: raw reads %v, approx %v", seen, sc.Results[0].Approx)
	}
}

// TestPairSketchesFromCubes: the sketches by two dimensions, summed from cubes
// read once per sketch (the customers' dimensions by their profile's code),
// hold row for row the bucket counts that one grouping set per pair over the
// raw rows gives: every group, both parts, every pair of the sample's seven
// dimensions (four of them the customers').
func TestPairSketchesFromCubes(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	sharedSample(t, nil)
	db := builtSample.ws.DB
	kept, straight, args := kpi.PairSketchesStraight(builtSample.ws.Engine)
	if len(kept) < 2 {
		t.Fatalf("%d parts of sketches by two dimensions, want both parts of a group at least", len(kept))
	}
	count := func(q string, args []any) int64 {
		t.Helper()
		rows, err := db.Query(ctx, "SELECT count(*), coalesce(sum(__n), 0) FROM ("+q+")", args...)
		if err != nil {
			t.Fatal(err)
		}
		return rows.Data[0][0].(int64)
	}
	for i := range kept {
		n := count(kept[i], nil)
		if n == 0 {
			t.Errorf("%s: no rows", kept[i])
			continue
		}
		if m := count(straight[i], args[i]); m != n {
			t.Errorf("part %d: %d rows kept, %d counted straight", i, n, m)
		}
		// Both ways: a row missing, extra, or off by a count shows.
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{"(" + kept[i] + ") EXCEPT ALL (" + straight[i] + ")", args[i]},
			{"(" + straight[i] + ") EXCEPT ALL (" + kept[i] + ")", args[i]},
		} {
			if d := count(q.sql, q.args); d != 0 {
				t.Errorf("part %d: %d rows differ (%.60s…)", i, d, q.sql)
			}
		}
	}
}
