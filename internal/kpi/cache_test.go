package kpi_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"kpiscope/internal/kpi"
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
