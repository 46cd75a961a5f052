package kpi_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// flowCompare computes the backlog KPIs of slice s from the flows and from
// the raw rows (no extras on either side: the flows answer values, the
// detail pane's ages read raw rows) and compares every value, component,
// count, segment and status exactly.
func flowCompare(t *testing.T, eng *kpi.Engine, ids []string, s kpi.Slice) *rtCmp {
	t.Helper()
	ctx := context.Background()
	a, err := eng.Compute(ctx, s, ids, kpi.Uncached(), kpi.WithoutExtras())
	if err != nil {
		t.Fatalf("%s: %v", rtSliceName(s), err)
	}
	b, err := eng.Compute(ctx, s, ids, kpi.FromScratch(), kpi.WithoutExtras())
	if err != nil {
		t.Fatalf("%s: %v", rtSliceName(s), err)
	}
	c := &rtCmp{t: t, name: "flows: " + rtSliceName(s)}
	c.cards(a, b)
	return c
}

// flowFixture is backlogFixture with the edge cases the flows must count as
// the raw query does: a ticket with no creation time (in every period, open
// in none), one resolved before it was created (never open), one without a
// priority (a blank segment), tickets created and resolved around the
// data's last day (it ends at 16:00, the day grain's cut), and a priority
// that appears only in January (a segment that starts mid-period).
const flowFixture = backlogFixture + `
INSERT INTO tickets VALUES
 ('T12', 'low',    NULL,               '2026-01-05 10:00'),
 ('T13', 'high',   '2026-01-08 10:00', '2026-01-03 10:00'),
 ('T14', NULL,     '2026-01-09 10:00', '2026-01-15 12:00'),
 ('T15', 'urgent', '2026-01-20 15:00', '2026-01-21 09:30'),
 ('T16', 'urgent', '2026-01-21 12:00', NULL),
 ('T17', 'low',    '2026-01-20 16:30', '2026-01-21 16:00');
`

func flowEngine(t *testing.T) *kpi.Engine {
	t.Helper()
	return backlogEngineOn(t, flowFixture)
}

// TestFlowsAgreeOnBacklogEdges: every grain, period, comparison, segment
// and filter of the backlog on the hand-worked fixture and its edge cases,
// from the flows and from raw rows: exactly equal. The data ends on
// Wednesday 21 January at 16:00, so the day grain's comparison (20 January
// to 16:00) ends inside a day: the flows keep that instant as a cut.
func TestFlowsAgreeOnBacklogEdges(t *testing.T) {
	skipShort(t)
	eng := flowEngine(t)
	if err := eng.BuildRollups(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	filters := [][]kpi.Filter{nil,
		{{Dim: "priority", Values: []string{"high"}}},
		{{Dim: "priority", Values: []string{kpi.BlankLabel, "urgent"}}},
		{{Dim: "priority", Values: []string{"low"}, Op: kpi.OpNotIn}},
		{{Dim: "priority", Values: []string{"zz none"}}},
	}
	n := 0
	for _, g := range []kpi.Grain{kpi.Day, kpi.Week, kpi.Month, kpi.Quarter, kpi.Year, kpi.All} {
		for _, period := range []string{"", "2026-01-20", "2026-01-12", "2025-12-31", "2025-12-01"} {
			for _, cmp := range []kpi.Compare{kpi.VsPrevious, kpi.VsYear} {
				for _, seg := range []string{"", "priority"} {
					for _, fs := range filters {
						s := kpi.Slice{Grain: g, Compare: cmp, Segment: seg, Filters: fs, Trend: 6}
						if period != "" && g != kpi.All {
							s.Period = day(period)
						}
						if c := flowCompare(t, eng, []string{"backlog"}, s); c.fails > 0 {
							t.FailNow()
						}
						n++
					}
				}
			}
		}
	}
	if hits := kpi.FlowHits(eng); hits < int64(n) {
		t.Errorf("the flows answered %d of %d slices' queries: the rest read raw rows", hits, n)
	}
}

// TestFlowsHandWorked: the flows give the hand-worked backlog of
// TestBacklogAtPeriodEnds (the fixture without the edge rows).
func TestFlowsHandWorked(t *testing.T) {
	eng := backlogEngine(t)
	if err := eng.BuildRollups(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s    kpi.Slice
		want string
	}{
		{kpi.Slice{Grain: kpi.Month, Trend: 2}, "2025-12-01 3, 2026-01-01 3"},
		{kpi.Slice{Grain: kpi.Week, Trend: 4}, "2025-12-29 3, 2026-01-05 2, 2026-01-12 4, 2026-01-19 3"},
		{kpi.Slice{Grain: kpi.Day, Period: day("2026-01-21"), Trend: 4}, "2026-01-18 4, 2026-01-19 5, 2026-01-20 3, 2026-01-21 3"},
	} {
		sc, err := eng.Compute(context.Background(), c.s, nil, kpi.Uncached(), kpi.WithoutExtras())
		if err != nil {
			t.Fatal(err)
		}
		if got := trendValues(sc.Results[0].Trend); got != c.want {
			t.Errorf("%s: %s, want %s", rtSliceName(c.s), got, c.want)
		}
	}
	if kpi.FlowHits(eng) == 0 {
		t.Error("the flows answered nothing")
	}
}

// TestFlowsAgreeOnSample: the backlog and the backlog past SLA (on the
// business-time view, deadlines from the sample's SLA policy) over
// pseudo-random slices of the embedded sample, flows against raw rows:
// segments and filters on the tickets' own dimensions and the customers'
// (through customer_id), every grain, partial periods.
func TestFlowsAgreeOnSample(t *testing.T) {
	skipShort(t)
	eng := sharedSample(t, nil)
	ids := []string{"backlog", "backlog_overdue"}
	for _, id := range ids {
		if eng.Def(id) == nil {
			t.Fatalf("the sample has no %s", id)
		}
	}
	before := kpi.FlowHits(eng)
	rng := rand.New(rand.NewSource(20261203))
	slices := rtSlices(t, rng, eng, 40)
	fails := 0
	for _, s := range slices {
		fails += flowCompare(t, eng, ids, s).fails
	}
	hits := kpi.FlowHits(eng) - before
	t.Logf("%d slices, %d group queries from the flows, %d differences", len(slices), hits, fails)
	if hits < int64(len(slices)) {
		t.Errorf("the flows answered %d group queries for %d slices of two KPIs", hits, len(slices))
	}
}

// TestFlowsKeptInDBFile: the flows are kept in a --db file; a second start
// on unchanged files answers the backlog from them without building (the
// kept rows, spoiled here, show through), totals and breakdowns alike, but
// for the periods whose totals the first start kept in the file.
func TestFlowsKeptInDBFile(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	sources, db := keptSampleDB(t)
	open := func() *workspace.Workspace {
		t.Helper()
		ws, err := workspace.Open(ctx, workspace.Options{NoConfig: true, Sources: sources, DBPath: db, Now: rtNow})
		if err != nil {
			t.Fatal(err)
		}
		return ws
	}
	backlog := func(eng *kpi.Engine, s kpi.Slice, opt kpi.Option) (total, high float64) {
		t.Helper()
		sc, err := eng.Compute(ctx, s, []string{"backlog"}, opt, kpi.WithoutExtras())
		if err != nil {
			t.Fatal(err)
		}
		r := sc.Results[0]
		if r.Err != nil || r.Total.Value == nil {
			t.Fatalf("backlog: %v", r.Err)
		}
		for _, row := range r.Segments {
			if row.Segment == "high" && row.Value != nil {
				high = *row.Value
			}
		}
		return *r.Total.Value, high
	}
	s := kpi.Slice{Segment: "priority"}
	ws := open()
	if ws.Engine.Def("backlog") == nil {
		t.Fatal("the sample's files offer no backlog")
	}
	if err := ws.Engine.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	rawTotal, rawHigh := backlog(ws.Engine, s, kpi.FromScratch())
	if gotT, gotH := backlog(ws.Engine, s, kpi.Uncached()); gotT != rawTotal || gotH != rawHigh || rawHigh == 0 {
		t.Fatalf("built flows: %v / %v, raw %v / %v", gotT, gotH, rawTotal, rawHigh)
	}
	rows, err := ws.DB.Query(ctx, "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, '__kpiscope_flow_')")
	if err != nil || len(rows.Data) != 1 {
		t.Fatalf("flow tables in the --db file: %v (%v)", rows, err)
	}
	// Spoil the kept events: every opening counts 1000.
	if err := ws.DB.Exec(ctx, fmt.Sprintf("UPDATE %q SET open = open * 1000 WHERE open > 0", rows.Data[0][0])); err != nil {
		t.Fatal(err)
	}
	ws.Close()

	ws = open()
	defer ws.Close()
	// The first start's totals are kept per period in the file (the period
	// book): the same slice's total is the raw rows' while its breakdown
	// reads the spoiled flows.
	gotT, gotH := backlog(ws.Engine, s, kpi.Uncached())
	if gotT != rawTotal || gotH == rawHigh {
		t.Errorf("second start: backlog %v / %v, want the kept total %v and a breakdown from the spoiled flows (raw %v)", gotT, gotH, rawTotal, rawHigh)
	}
	// Periods the first start did not read: from the spoiled flows.
	week := kpi.Slice{Grain: kpi.Week, Segment: "priority"}
	gotT, gotH = backlog(ws.Engine, week, kpi.Uncached())
	rawT, rawH := backlog(ws.Engine, week, kpi.FromScratch())
	if gotT == rawT || gotH == rawH {
		t.Errorf("second start, by week: backlog %v / %v as the raw rows' %v / %v: the kept flows were not read", gotT, gotH, rawT, rawH)
	}
	if kpi.FlowHits(ws.Engine) == 0 {
		t.Error("second start: no query answered from the kept flows")
	}
	if rawT, _ := backlog(ws.Engine, s, kpi.FromScratch()); rawT != rawTotal {
		t.Errorf("raw rows on the second start: %v, first %v", rawT, rawTotal)
	}
}
