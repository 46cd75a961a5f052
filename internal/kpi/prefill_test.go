package kpi_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// rawReads counts the engine's queries that read a source table rather
// than its rollups.
type rawReads struct {
	mu       sync.Mutex
	seen     []string
	sketches int // queries merging quantile sketches
	count    bool
	// every query since the last reset, counting or not: of the raw rows,
	// and of the rollups
	raw, rolled int
	ages        int
}

// reset says how many queries read raw rows and rollups since the last
// reset, and starts again.
func (r *rawReads) reset() (raw, rolled int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	raw, rolled = r.raw, r.rolled
	r.raw, r.rolled = 0, 0
	return raw, rolled
}

func (r *rawReads) Enabled(context.Context, slog.Level) bool { return true }
func (r *rawReads) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message != "query" {
		return nil
	}
	var sql, table string
	rec.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "sql":
			sql = a.Value.String()
		case "table":
			table = a.Value.String()
		}
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	if strings.Contains(sql, "__kpiscope_flowlong_") {
		// The backlog's ages of the one period shown (runAges): read
		// for each detail, from the tickets that can be open at its end.
		r.ages++
		return nil
	}
	if strings.Contains(sql, "__kpiscope_") {
		r.rolled++
	} else {
		r.raw++
	}
	if r.count && !strings.Contains(sql, "__kpiscope_") {
		r.seen = append(r.seen, table)
	}
	if r.count && strings.Contains(sql, "__kpiscope_sketch") {
		r.sketches++
	}
	return nil
}
func (r *rawReads) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *rawReads) WithGroup(string) slog.Handler      { return r }

// TestPrefillPeriods: once the rollups are built and the periods prefilled,
// the scorecard at every grain, period and comparison (with and without
// extras) sends no query at all (no source table, no rollup, no flow, no
// sketch merged): the backlog without its ages too, at every grain, from its
// flows' kept periods; and it gives the numbers the raw rows give (within
// the sketch bound for medians).
func TestPrefillPeriods(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	reads := &rawReads{}
	ws, err := workspace.Open(ctx, workspace.Options{NoConfig: true, Log: slog.New(reads)})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	eng := ws.Engine
	if err := eng.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	eng.PrefillPeriods(ctx)
	reads.reset()
	reads.count = true
	var slices []kpi.Slice
	for _, g := range kpi.Grains {
		for _, cmp := range []kpi.Compare{kpi.VsPrevious, kpi.VsYear, kpi.VsTarget} {
			slices = append(slices, kpi.Slice{Grain: g, Compare: cmp})
			// Three periods back: whole periods, compared with whole periods.
			latest := eng.Resolve(kpi.Slice{Grain: g}).Period
			slices = append(slices, kpi.Slice{Grain: g, Compare: cmp, Period: g.Add(latest, -3)})
		}
	}
	for _, s := range slices {
		for _, opts := range [][]kpi.Option{{kpi.Uncached()}, {kpi.Uncached(), kpi.WithoutExtras()}} {
			reads.mu.Lock()
			before := len(reads.seen)
			reads.mu.Unlock()
			var ids []string // what the prefill computes at this grain
			for _, d := range eng.Defs() {
				if eng.Prefills(d.ID, s.Grain, len(opts) == 1) {
					ids = append(ids, d.ID)
				}
			}
			if _, err := eng.Compute(ctx, s, ids, opts...); err != nil {
				t.Fatal(err)
			}
			reads.mu.Lock()
			if n := len(reads.seen); n > before {
				t.Logf("%s (%d options): raw reads of %v", rtSliceName(s), len(opts), reads.seen[before:])
			}
			reads.mu.Unlock()
		}
	}
	reads.mu.Lock()
	seen, sketches := append([]string(nil), reads.seen...), reads.sketches
	reads.count = false
	reads.mu.Unlock()
	if len(seen) > 0 {
		t.Errorf("%d raw reads after the prefill (tables %v)", len(seen), seen)
	}
	// Nor any rollup or flow table: every period's totals are kept.
	if _, rolled := reads.reset(); rolled > 0 {
		t.Errorf("%d queries of the rollups after the prefill: the totals are kept per period", rolled)
	}
	if sketches > 0 {
		t.Errorf("%d queries merged quantile sketches after the prefill: the totals' medians are kept", sketches)
	}
	// The kept periods are the raw rows' numbers.
	ids := rtIDs(eng)
	for _, s := range slices {
		a, err := eng.Compute(ctx, s, ids, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		b, err := eng.Compute(ctx, s, ids, kpi.FromScratch())
		if err != nil {
			t.Fatal(err)
		}
		c := &rtCmp{t: t, name: "prefilled " + rtSliceName(s), approxWant: func(id string, raw kpi.Result) bool { return rtSketchable(eng, id, s, raw) }}
		c.cards(a, b)
	}
}

// TestPrefillSkipsCostlyCohorts: the prefill leaves out a cohort KPI whose
// rows times periods pass its cap: on the sample the backlog (88,605
// tickets) by day (~1,100 periods), not by month; the customers' retention
// (6,000) by day is kept, and so is every KPI that is not a cohort.
func TestPrefillSkipsCostlyCohorts(t *testing.T) {
	ws, err := workspace.Open(context.Background(), workspace.Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	eng := ws.Engine
	for _, c := range []struct {
		id   string
		g    kpi.Grain
		want bool
	}{
		{"backlog", kpi.Day, false}, {"backlog_overdue", kpi.Day, false},
		{"backlog", kpi.Month, true}, {"backlog_overdue", kpi.Quarter, true},
		{"retention", kpi.Day, true}, {"churn", kpi.Day, true},
		{"csat", kpi.Day, true}, {"sla_first_response", kpi.Day, true},
	} {
		if got := eng.Prefills(c.id, c.g, true); got != c.want {
			t.Errorf("Prefills(%s, %s) = %v, want %v", c.id, c.g, got, c.want)
		}
	}
}

// skipShort skips, under -short (CI's race pass), a test that builds
// rollups (the sample's or generated data's) and then compares on one
// goroutine: the plain pass
// runs it; the race pass keeps the tests where sessions compute while the
// rollups build (TestRollupsAgreeOnSample, TestRollupBuildCancelled).
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds rollups and compares on one goroutine: run without -short")
	}
}

// TestPrefillWaitsForCallers: while a query a caller waits for runs (a
// key's), the prefills send no statement of their own; they go on once it
// has returned.
func TestPrefillWaitsForCallers(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	sources, db := keptSampleDB(t)
	ws := openKept(t, sources, db)
	defer ws.Close()
	eng := ws.Engine
	kpi.SetAgesPrefill(eng, 1, kpi.Month)
	if err := eng.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	release := kpi.HoldCaller(eng)
	done := make(chan struct{})
	go func() {
		defer close(done)
		eng.PrefillAges(ctx)
	}()
	time.Sleep(500 * time.Millisecond) // the five months' ends take a fraction of it
	if n := kpi.AgesKeptEnds(eng, "backlog"); n != 0 {
		t.Errorf("%d period ends' ages computed while a caller's query ran", n)
	}
	release()
	<-done
	if n := kpi.AgesKeptEnds(eng, "backlog"); n < 5 { // the five months to rtNow
		t.Errorf("%d period ends' ages computed after the caller's query returned", n)
	}
}
