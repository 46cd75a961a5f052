package kpi_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// Sessions share results: a cached scorecard is a copy, so one session
// reordering its rows never changes another's.
func TestCacheSharesCopies(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Segment: "channel"}
	a := compute(t, eng, s)
	b := compute(t, eng, s)
	ra, rb := a.Find("csat"), b.Find("csat")
	if len(ra.Segments) < 2 {
		t.Fatal("need segments")
	}
	first := rb.Segments[0].Segment
	ra.Segments[0], ra.Segments[1] = ra.Segments[1], ra.Segments[0]
	if rb.Segments[0].Segment != first {
		t.Error("reordering one result changed the other")
	}
	if c := compute(t, eng, s); c.Find("csat").Segments[0].Segment != first {
		t.Error("reordering a result changed the cache")
	}
}

// Twenty sessions asking for the same slice at once all get it, with the
// same numbers; a caller that gives up does not spoil it for the others.
func TestCacheConcurrent(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	var wg sync.WaitGroup
	vals := make([]float64, 20)
	errs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			if i%5 == 0 { // some callers give up at once
				c, cancel := context.WithTimeout(ctx, time.Nanosecond)
				defer cancel()
				_, _ = eng.Compute(c, kpi.Slice{Grain: kpi.Month, Period: oct, Segment: "region"}, nil)
			}
			sc, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.Month, Period: oct, Segment: "region"}, nil)
			errs[i] = err
			if err == nil {
				vals[i] = *sc.Find("csat").Total.Value
			}
		}()
	}
	wg.Wait()
	for i := range 20 {
		if errs[i] != nil {
			t.Fatalf("session %d: %v", i, errs[i])
		}
		if vals[i] != 60 {
			t.Errorf("session %d: csat %v", i, vals[i])
		}
	}
}

// queryCounter is a log handler that counts the engine's queries and holds
// each one until hold is closed.
type queryCounter struct {
	n    *atomic.Int32
	hold chan struct{}
}

func (h queryCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h queryCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h queryCounter) WithGroup(string) slog.Handler            { return h }
func (h queryCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "query" {
		h.n.Add(1)
		<-h.hold
	}
	return nil
}

// Sessions opening on the same screen at once cost one set of queries: the
// latest period asked as "latest" and by its date is one request, computed
// once while the others wait for it.
func TestIdenticalComputesQueryOnce(t *testing.T) {
	db := openFixture(t, fixture)
	tables := map[string][]store.Column{}
	names, _ := db.Tables(t.Context())
	for _, n := range names {
		tables[n], _ = db.Columns(t.Context(), n)
	}
	defs := kpi.StandardDefs(tables)
	open := func(h queryCounter) *kpi.Engine {
		eng, err := kpi.New(t.Context(), db, defs, kpi.Options{Now: fixedNow, Log: slog.New(h)})
		if err != nil {
			t.Fatal(err)
		}
		return eng
	}
	// The latest quarter (Q4, its data to 1 Nov) asked as latest and by date;
	// its CSAT is October's.
	latest := kpi.Slice{Grain: kpi.Quarter, Compare: kpi.VsPrevious}
	byDate := kpi.Slice{Grain: kpi.Quarter, Period: oct, Compare: kpi.VsPrevious}

	// The queries of one computation, on an engine of its own.
	free := make(chan struct{})
	close(free)
	var once atomic.Int32
	if _, err := open(queryCounter{&once, free}).Compute(t.Context(), latest, nil); err != nil {
		t.Fatal(err)
	}
	if once.Load() == 0 {
		t.Fatal("no queries logged: the test counts nothing")
	}

	// Eight at once; the first computation is held until the others joined it.
	const n = 8
	var queries atomic.Int32
	hold := make(chan struct{})
	eng := open(queryCounter{&queries, hold})
	joined := make(chan struct{}, n)
	kpi.OnCacheJoin(eng, func() { joined <- struct{}{} })
	vals := make([]*float64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		s := latest
		if i%2 == 1 {
			s = byDate
		}
		wg.Go(func() {
			sc, err := eng.Compute(context.Background(), s, nil)
			if errs[i] = err; err == nil {
				vals[i] = sc.Find("csat").Total.Value
			}
		})
	}
	for range n - 1 {
		select {
		case <-joined:
		case <-time.After(10 * time.Second):
			close(hold)
			wg.Wait()
			t.Fatalf("identical requests did not wait for the one in progress: %d queries for what one computation does in %d", queries.Load(), once.Load())
		}
	}
	close(hold)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		want(t, "csat", vals[i], 60)
	}
	if q, o := queries.Load(), once.Load(); q != o {
		t.Errorf("%d identical requests ran %d queries, want the %d of one", n, q, o)
	}
}

// Moving the period window reuses the periods already computed; the numbers
// are the same as computing everything afresh.
func TestPeriodCacheAgrees(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	sep := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range []time.Time{oct, sep, oct} {
		for _, c := range []kpi.Compare{kpi.VsPrevious, kpi.VsYear, kpi.VsTarget} {
			s := kpi.Slice{Grain: kpi.Month, Period: p, Compare: c}
			cached, err := eng.Compute(context.Background(), s, nil)
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := eng.Compute(context.Background(), s, nil, kpi.FromScratch())
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range cached.Results {
				same(t, r.Def.ID+" "+p.Format("2006-01")+" "+string(c), r.Total, fresh.Results[i].Total)
				for j := range r.Trend {
					a, b := r.Trend[j], fresh.Results[i].Trend[j]
					if !a.Period.Equal(b.Period) || (a.Value == nil) != (b.Value == nil) || a.Value != nil && !approx(*a.Value, *b.Value) {
						t.Errorf("%s trend %d: %v vs %v", r.Def.ID, j, f(a.Value), f(b.Value))
					}
				}
			}
		}
	}
}
