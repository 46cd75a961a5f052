package kpi_test

import (
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
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
			if g == kpi.All && period != "" {
				continue // one period at All: the same slice each time
			}
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
	open := func() *workspace.Workspace { t.Helper(); return openKept(t, sources, db) }
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
	// The long-lived rows are kept too: the ages come with the counts,
	// read from them, equal to the raw rows' (the spoiled flows give the
	// counts, not the ages).
	if ws.Engine.ExtrasSlower("backlog", s) {
		t.Error("second start: the ages wait for a build, but the long-lived rows were kept")
	}
	ages := func(opt kpi.Option) map[string]*float64 {
		sc, err := ws.Engine.Compute(ctx, s, []string{"backlog"}, opt)
		if err != nil || sc.Results[0].ExtrasErr != nil {
			t.Fatalf("ages: %v %v", err, sc.Results[0].ExtrasErr)
		}
		return sc.Results[0].Total.Extras
	}
	before := kpi.AgesHits(ws.Engine)
	got, want := ages(kpi.Uncached()), ages(kpi.FromScratch())
	if kpi.AgesHits(ws.Engine) == before {
		t.Error("second start: the ages were not read from the kept long-lived rows")
	}
	if len(want) == 0 || fmt.Sprint(rtExtras(got)) != fmt.Sprint(rtExtras(want)) {
		t.Errorf("second start: ages %v, raw rows %v", rtExtras(got), rtExtras(want))
	}
}

// rtExtras are extras as numbers ("—" for none), for messages and
// comparisons.
func rtExtras(x map[string]*float64) map[string]string {
	out := map[string]string{}
	for k, v := range x {
		out[k] = rtF(v)
	}
	return out
}

// agesCompare computes flow KPIs' detail (extras included) of slice s
// from the flows with the ages of the period shown from the long-lived
// rows, and from the raw rows, and compares the period's extras (the ages:
// median, buckets, past due) of the total and of every segment exactly,
// and the values. The trend's and the comparison's extras, which no pane
// shows, are left out of the first.
func agesCompare(t *testing.T, eng *kpi.Engine, id string, s kpi.Slice) int {
	t.Helper()
	ctx := context.Background()
	a, err := eng.Compute(ctx, s, []string{id}, kpi.Uncached())
	if err != nil {
		t.Fatalf("%s: %v", rtSliceName(s), err)
	}
	b, err := eng.Compute(ctx, s, []string{id}, kpi.FromScratch())
	if err != nil {
		t.Fatalf("%s: %v", rtSliceName(s), err)
	}
	fails := 0
	row := func(what string, x, y kpi.Row) {
		if x.Segment != y.Segment || !x.Period.Equal(y.Period) || rtF(x.Value) != rtF(y.Value) {
			t.Errorf("%s %s %s: %q %v %s (flows) vs %q %v %s (raw)", id, rtSliceName(s), what, x.Segment, x.Period, rtF(x.Value), y.Segment, y.Period, rtF(y.Value))
			fails++
		}
		if len(x.Extras) != len(y.Extras) {
			t.Errorf("%s %s %s: extras %v (flows) vs %v (raw)", id, rtSliceName(s), what, x.Extras, y.Extras)
			fails++
		}
		for name, yv := range y.Extras {
			if xv := x.Extras[name]; rtF(xv) != rtF(yv) {
				t.Errorf("%s %s %s %s: %s (flows) vs %s (raw)", id, rtSliceName(s), what, name, rtF(xv), rtF(yv))
				fails++
			}
		}
	}
	ra, rb := a.Results[0], b.Results[0]
	if rtErr(ra.Err) != rtErr(rb.Err) || rtErr(ra.ExtrasErr) != rtErr(rb.ExtrasErr) || len(ra.Segments) != len(rb.Segments) {
		t.Errorf("%s %s: err %q extras %q %d segments (flows) vs %q %q %d (raw)", id, rtSliceName(s), rtErr(ra.Err), rtErr(ra.ExtrasErr), len(ra.Segments), rtErr(rb.Err), rtErr(rb.ExtrasErr), len(rb.Segments))
		return fails + 1
	}
	row("total", ra.Total, rb.Total)
	for i := range rb.Segments {
		row("segment", ra.Segments[i], rb.Segments[i])
	}
	// The explorer's detail (TotalExtrasOnly): the same total, extras and
	// all; its segments' values without their ages.
	hits := kpi.AgesHits(eng)
	c, err := eng.Compute(ctx, s, []string{id}, kpi.Uncached(), kpi.TotalExtrasOnly())
	if err != nil {
		t.Fatalf("%s: %v", rtSliceName(s), err)
	}
	fromAges := kpi.AgesHits(eng) > hits
	rc := c.Results[0]
	if len(rc.Segments) != len(rb.Segments) {
		t.Errorf("%s %s: %d segments with the total's extras alone vs %d", id, rtSliceName(s), len(rc.Segments), len(rb.Segments))
		return fails + 1
	}
	row("total (its extras alone)", rc.Total, rb.Total)
	for i, y := range rb.Segments {
		x := rc.Segments[i]
		if fromAges && len(x.Extras) > 0 {
			// The long-lived rows' query leaves the segments' ages out.
			t.Errorf("%s %s: segment %q has extras %v with the total's alone", id, rtSliceName(s), x.Segment, x.Extras)
			fails++
		}
		x.Extras, y.Extras = nil, nil
		row("segment (the total's extras alone)", x, y)
	}
	return fails
}

// TestFlowAgesAgreeOnBacklogEdges: the backlog's ages (median age, the
// age buckets) of the period shown, from the long-lived rows and the rows
// created within the lag before its end, equal the raw query's for every
// grain, period, comparison, segment and filter of the edge-case fixture,
// with a lag of one day, so that most of its tickets are long-lived and
// one (T18, resolved exactly a day after its creation) sits on the bound,
// and with a lag of three; T20 and T21 stay open a day and a half and
// three and a half, just past either lag (long-lived, never counted twice).
func TestFlowAgesAgreeOnBacklogEdges(t *testing.T) {
	skipShort(t)
	for _, lag := range []int{1, 3} {
		eng := backlogEngineOn(t, flowFixture+`
INSERT INTO tickets VALUES ('T18', 'low', '2026-01-10 10:00', '2026-01-11 10:00'), ('T19', 'high', '2026-01-18 23:00', '2026-01-19 00:00'),
 ('T20', 'high', '2026-01-13 08:00', '2026-01-14 20:00'), ('T21', 'low', '2026-01-15 06:00', '2026-01-18 18:00');
`)
		kpi.SetAgesLags(eng, lag)
		if err := eng.BuildRollups(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if eng.ExtrasSlower("backlog", kpi.Slice{}) {
			t.Fatal("ExtrasSlower: the ages are as quick as the counts once the long-lived rows are kept")
		}
		filters := [][]kpi.Filter{nil,
			{{Dim: "priority", Values: []string{kpi.BlankLabel, "urgent"}}},
			{{Dim: "priority", Values: []string{"low"}, Op: kpi.OpNotIn}},
		}
		n, fails, before := 0, 0, kpi.AgesHits(eng)
		for _, g := range []kpi.Grain{kpi.Day, kpi.Week, kpi.Month, kpi.All} {
			for _, period := range []string{"", "2026-01-21", "2026-01-19", "2026-01-17", "2026-01-13", "2026-01-11", "2026-01-12", "2025-12-31", "2025-12-01"} {
				if g == kpi.All && period != "" {
					continue // one period at All: the same slice each time
				}
				for _, seg := range []string{"", "priority"} {
					for _, fs := range filters {
						s := kpi.Slice{Grain: g, Compare: kpi.VsPrevious, Segment: seg, Filters: fs, Trend: 3}
						if period != "" && g != kpi.All {
							s.Period = day(period)
						}
						fails += agesCompare(t, eng, "backlog", s)
						n++
					}
				}
			}
		}
		if fails > 0 {
			t.FailNow()
		}
		if hits := kpi.AgesHits(eng) - before; hits < int64(n) {
			t.Errorf("lag %d: the long-lived rows answered %d of %d slices' ages", lag, hits, n)
		}
	}
}

// TestFlowAgesAgreeOnSample: the ages of the backlog (calendar days) and of
// the backlog past SLA (business days, past due), from the long-lived rows,
// equal the raw query's over pseudo-random slices of the sample.
func TestFlowAgesAgreeOnSample(t *testing.T) {
	skipShort(t)
	eng := sharedSample(t, nil)
	rng := rand.New(rand.NewSource(20261204))
	slices := rtSlices(t, rng, eng, 16)
	for _, id := range []string{"backlog", "backlog_overdue"} {
		before, fails := kpi.AgesHits(eng), 0
		for _, s := range slices {
			fails += agesCompare(t, eng, id, s)
		}
		hits := kpi.AgesHits(eng) - before
		t.Logf("%s: %d slices, %d ages from the long-lived rows, %d differences", id, len(slices), hits, fails)
		if hits < int64(len(slices))/2 {
			t.Errorf("%s: the long-lived rows answered %d ages for %d slices", id, hits, len(slices))
		}
	}
}

// TestFlowAgesRefusalKept: when too many tickets stay open for the ages'
// copy to pay, the refusal is recorded in the --db file: the next start
// neither counts them again nor copies them (it would, with the usual
// bound), and the ages, from the raw rows, stay right.
func TestFlowAgesRefusalKept(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	sources, _ := keptSampleDB(t)
	db := filepath.Join(t.TempDir(), "refused.db")
	open := func() *workspace.Workspace { t.Helper(); return openKept(t, sources, db) }
	copies := func(ws *workspace.Workspace) int {
		t.Helper()
		rows, err := ws.DB.Query(ctx, "SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, '__kpiscope_flowlong_')")
		if err != nil {
			t.Fatal(err)
		}
		return int(store.Int(rows.Data[0][0]))
	}
	ws := open()
	kpi.SetAgesLongMax(ws.Engine, 1)
	// The status line names the flows' steps while they run.
	var stages []string
	var mu sync.Mutex // the first steps run side by side
	if err := ws.Engine.BuildRollups(ctx, func(p kpi.RollupProgress) {
		mu.Lock()
		defer mu.Unlock()
		if st := p.Stage; p.Step == 0 && p.Table != "" && (len(stages) == 0 || stages[len(stages)-1] != st) {
			stages = append(stages, st)
		}
	}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"backlog by one and two dimensions", "backlog: tickets open long, for the ages"} {
		if !slices.Contains(stages, want) {
			t.Errorf("no step %q shown; stages: %q", want, stages)
		}
	}
	if n := copies(ws); n != 0 {
		t.Fatalf("%d copies of long-lived rows past the bound", n)
	}
	if !ws.Engine.ExtrasSlower("backlog", kpi.Slice{}) {
		t.Error("ExtrasSlower: without the copy the ages read the raw rows, slower than the counts")
	}
	ws.Close()

	ws = open()
	defer ws.Close()
	if err := ws.Engine.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := copies(ws); n != 0 {
		t.Errorf("second start: the refusal was not kept (%d copies made)", n)
	}
	before := kpi.AgesHits(ws.Engine)
	if fails := agesCompare(t, ws.Engine, "backlog", kpi.Slice{Segment: "priority"}); fails > 0 {
		t.Errorf("%d differences from the raw rows", fails)
	}
	if kpi.AgesHits(ws.Engine) != before {
		t.Error("ages answered from a copy that was refused")
	}
}

// TestFlowAgesPrefilledKept: PrefillAges computes the backlog's ages (the
// total's, no filter) at the end of every period of the grains it walks,
// and keeps each end once: a quarter's end is a month's. The explorer's
// detail of such a period, at any grain that ends there, then reads them
// (no ages query) and shows what the raw rows give; another end is
// computed when asked and kept from then on. Then every value's of each
// offered dimension in the latest periods (a drill's, and a breakdown's);
// a filter on one value is kept once computed, any other computed each
// time. A second start on the --db file reads them back. Past its budget
// the prefill stops, having begun with the latest periods.
func TestFlowAgesPrefilledKept(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	sources, db := keptSampleDB(t)
	ws := openKept(t, sources, db)
	eng := ws.Engine
	kpi.SetAgesPrefill(eng, 1, kpi.Month, kpi.Quarter)
	if err := eng.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	month := eng.Resolve(kpi.Slice{Grain: kpi.Month}).Period
	quarter := eng.Resolve(kpi.Slice{Grain: kpi.Quarter}).Period
	if month.IsZero() || quarter.IsZero() {
		t.Fatal("no latest period")
	}
	check := func(eng *kpi.Engine, what string, s kpi.Slice, kept bool) {
		t.Helper()
		keptAgesCompare(t, eng, what, s, kept)
	}
	// Past its budget the prefill stops; it began with the latest month.
	kpi.SetAgesPrefillBudget(eng, time.Nanosecond)
	eng.PrefillAges(ctx)
	check(eng, "latest month, before the budget ran out", kpi.Slice{Grain: kpi.Month}, true)
	check(eng, "the month before, after it", kpi.Slice{Grain: kpi.Month, Period: month.AddDate(0, -1, 0)}, false)
	kpi.SetAgesPrefillBudget(eng, 0)
	eng.PrefillAges(ctx)
	lastDay := month.AddDate(0, 0, -1) // ends where the month before the latest does
	high := []kpi.Filter{{Dim: "priority", Values: []string{"high"}}}
	check(eng, "latest month", kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, true)
	check(eng, "a month", kpi.Slice{Grain: kpi.Month, Period: month.AddDate(0, -2, 0), Segment: "channel"}, true)
	check(eng, "a year", kpi.Slice{Grain: kpi.Year, Period: kpi.Year.Trunc(month.AddDate(0, -3, 0))}, true)
	check(eng, "a day that ends a month", kpi.Slice{Grain: kpi.Day, Period: lastDay}, true)
	check(eng, "a week, first asked", kpi.Slice{Grain: kpi.Week, Period: kpi.Week.Trunc(month.AddDate(0, -2, 10))}, false)
	check(eng, "the same week again", kpi.Slice{Grain: kpi.Week, Period: kpi.Week.Trunc(month.AddDate(0, -2, 10))}, true)
	// A filter on one value of an offered dimension (a drill): the
	// prefill kept every value's ages of each dimension in the latest
	// periods (a customer's dimension too); a period it did not reach is
	// computed when first asked and kept from then on. Other filters are
	// computed each time.
	values := 0
	for _, dim := range []string{"channel", "priority", "region"} {
		vals, err := eng.DimValues(ctx, dim)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if v != kpi.BlankLabel {
				check(eng, "the latest month, filtered", kpi.Slice{Grain: kpi.Month, Filters: []kpi.Filter{{Dim: dim, Values: []string{v}}}}, true)
				values++
			}
		}
	}
	if values < 10 {
		t.Fatalf("%d values checked", values)
	}
	check(eng, "a month of the trend, filtered", kpi.Slice{Grain: kpi.Month, Period: month.AddDate(0, -2, 0), Filters: high}, true)
	week := kpi.Week.Trunc(month.AddDate(0, -3, 3))
	// Ages not kept come after the value (ExtrasSlower: a large table, as
	// SetAgesPrefill counts it); kept, with it.
	slower := func(what string, s kpi.Slice, want bool) {
		t.Helper()
		if got := eng.ExtrasSlower("backlog", s); got != want {
			t.Errorf("%s: ExtrasSlower %v, want %v", what, got, want)
		}
	}
	slower("a filtered month", kpi.Slice{Grain: kpi.Month, Filters: high}, false)
	slower("a filtered week, not asked", kpi.Slice{Grain: kpi.Week, Period: week, Filters: high}, true)
	check(eng, "a filtered week, first asked", kpi.Slice{Grain: kpi.Week, Period: week, Filters: high}, false)
	check(eng, "the filtered week again", kpi.Slice{Grain: kpi.Week, Period: week, Filters: high}, true)
	slower("the filtered week, asked", kpi.Slice{Grain: kpi.Week, Period: week, Filters: high}, false)
	two := []kpi.Filter{{Dim: "priority", Values: []string{"high", "urgent"}}}
	check(eng, "two values", kpi.Slice{Grain: kpi.Month, Filters: two}, false)
	check(eng, "two values again", kpi.Slice{Grain: kpi.Month, Filters: two}, false)
	slower("two values", kpi.Slice{Grain: kpi.Month, Filters: two}, true)
	check(eng, "an exclusion", kpi.Slice{Grain: kpi.Month, Filters: []kpi.Filter{{Dim: "priority", Op: kpi.OpNotIn, Values: []string{"high"}}}}, false)
	// A breakdown's ages, every segment's, read from those kept.
	h := kpi.AgesKeptHits(eng)
	if fails := agesCompare(t, eng, "backlog", kpi.Slice{Grain: kpi.Month, Period: month.AddDate(0, -1, 0), Segment: "region"}); fails > 0 {
		t.Errorf("%d differences from the raw rows", fails)
	}
	if kpi.AgesKeptHits(eng) == h {
		t.Error("a breakdown by region: its segments' ages computed, not read from those kept")
	}
	ws.Close()

	ws = openKept(t, sources, db)
	defer ws.Close()
	if err := ws.Engine.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	check(ws.Engine, "second start, latest month", kpi.Slice{Grain: kpi.Month}, true)
	check(ws.Engine, "second start, a quarter", kpi.Slice{Grain: kpi.Quarter, Period: kpi.Quarter.Trunc(month.AddDate(0, -3, 0))}, true)
	check(ws.Engine, "second start, the week", kpi.Slice{Grain: kpi.Week, Period: kpi.Week.Trunc(month.AddDate(0, -2, 10))}, true)
	check(ws.Engine, "second start, the filtered month", kpi.Slice{Grain: kpi.Month, Filters: high}, true)
	check(ws.Engine, "second start, the filtered week", kpi.Slice{Grain: kpi.Week, Period: week, Filters: high}, true)
}

// keptAgesCompare computes the backlog's total in slice s as the
// explorer's detail does and from the raw rows: the same value and ages,
// the ages read from those kept when kept is set (else computed).
func keptAgesCompare(t *testing.T, eng *kpi.Engine, what string, s kpi.Slice, kept bool) {
	t.Helper()
	keptAgesCompareOf(t, eng, "backlog", what, s, kept)
}

// keptAgesCompareOf is keptAgesCompare for flow KPI id.
func keptAgesCompareOf(t *testing.T, eng *kpi.Engine, id, what string, s kpi.Slice, kept bool) {
	ctx := context.Background()
	t.Helper()
	h := kpi.AgesKeptHits(eng)
	a, err := eng.Compute(ctx, s, []string{id}, kpi.Uncached(), kpi.TotalExtrasOnly())
	if err != nil {
		t.Fatal(err)
	}
	if got := kpi.AgesKeptHits(eng) - h; got != map[bool]int64{true: 1, false: 0}[kept] {
		t.Errorf("%s %s: %d ages read from those kept, want kept=%v", what, rtSliceName(s), got, kept)
	}
	b, err := eng.Compute(ctx, s, []string{id}, kpi.FromScratch())
	if err != nil {
		t.Fatal(err)
	}
	x, y := a.Results[0].Total, b.Results[0].Total
	median := "median age (days)"
	if id == "backlog_overdue" {
		median = "median age (business days)"
	}
	if len(y.Extras) == 0 || y.Extras[median] == nil {
		t.Fatalf("%s %s %s: the raw rows give no ages: %v", id, what, rtSliceName(s), y.Extras)
	}
	if len(x.Extras) != len(y.Extras) || rtF(x.Value) != rtF(y.Value) {
		t.Errorf("%s %s %s: %s %v vs %s %v (raw)", id, what, rtSliceName(s), rtF(x.Value), x.Extras, rtF(y.Value), y.Extras)
	}
	for name, yv := range y.Extras {
		if xv := x.Extras[name]; rtF(xv) != rtF(yv) {
			t.Errorf("%s %s %s %s: %s vs %s (raw)", id, what, rtSliceName(s), name, rtF(xv), rtF(yv))
		}
	}
}

// TestFlowAgesPrefilledByRuns: when a period's ages take long (the business
// view's scan), the prefill goes on by runs of days, one query a run: every
// day's and week's end in the data is then kept, and equal to the raw rows'.
func TestFlowAgesPrefilledByRuns(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	sources, db := keptSampleDB(t)
	ws := openKeptWithConfig(t, sources, db)
	defer ws.Close()
	eng := ws.Engine
	kpi.SetAgesPrefill(eng, 1, kpi.Month)
	kpi.SetAgesPrefillSlow(eng, time.Nanosecond)
	if err := eng.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	month := eng.Resolve(kpi.Slice{Grain: kpi.Month}).Period
	latest := eng.Resolve(kpi.Slice{Grain: kpi.Day}).Period
	// A week shown before: its end, a day's, is kept; the run holding it
	// computes the others.
	// The backlog past SLA's runs carry its period column (each
	// calendar's business time to the period's end) as one value per
	// period (knownPeriodCols).
	ids := []string{"backlog", "backlog_overdue"}
	for _, id := range ids {
		keptAgesCompareOf(t, eng, id, "a week shown first", kpi.Slice{Grain: kpi.Week, Period: kpi.Week.Trunc(month.AddDate(0, -2, 0))}, false)
	}
	eng.PrefillAges(ctx)
	for _, id := range ids {
		n := 0
		for d := latest; !d.Before(month.AddDate(0, -4, 0)); d = d.AddDate(0, 0, -5) {
			keptAgesCompareOf(t, eng, id, "a day", kpi.Slice{Grain: kpi.Day, Period: d}, true)
			n++
		}
		for w := kpi.Week.Trunc(month.AddDate(0, -1, 0)); w.After(month.AddDate(0, -4, 0)); w = w.AddDate(0, 0, -28) {
			keptAgesCompareOf(t, eng, id, "a week", kpi.Slice{Grain: kpi.Week, Period: w}, true)
		}
		if n < 15 {
			t.Fatalf("%d days checked", n)
		}
		// A drill's ages, kept by dimension (on the business-time view
		// too, a customer's dimension through it).
		for _, f := range []kpi.Filter{{Dim: "team", Values: []string{"Billing"}}, {Dim: "region", Values: []string{"EMEA"}}} {
			keptAgesCompareOf(t, eng, id, "the latest month, filtered", kpi.Slice{Grain: kpi.Month, Filters: []kpi.Filter{f}}, true)
		}
		// A run whose days were partly kept (the week's) writes only the
		// others to the --db file.
		rows, err := ws.DB.Query(ctx, "SELECT count(*), count(DISTINCT period) FROM __kpiscope_periods WHERE key = ?", id+"|ages@end")
		if err != nil {
			t.Fatal(err)
		}
		if all, ends := store.Int(rows.Data[0][0]), store.Int(rows.Data[0][1]); all != ends || ends < 100 {
			t.Errorf("%s: the --db file keeps %d rows for %d period ends", id, all, ends)
		}
	}
	if kpi.PeriodValsKept(eng) < 100 {
		t.Errorf("%d period values kept: the runs computed the backlog past SLA's period column in their statements", kpi.PeriodValsKept(eng))
	}
}
