package kpi_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// TestRawFirstBuildWaitsForTheFirstScreen: on small data a prepared engine
// answers its first screen from the raw rows (no query waits for a build)
// and its build starts only once the queries under way have all returned;
// a query held forever would block it, and a query that waited for the
// totals would then never return. On large data the totals are marked as
// being built: the first screen waits for them, the build does not wait.
func TestRawFirstBuildWaitsForTheFirstScreen(t *testing.T) {
	sources := rtGenerate(t, "2025-03-14 00:00:00")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	t.Run("small", func(t *testing.T) {
		defer kpi.SetRawFirst(1<<62, 20*time.Millisecond)()
		eng := rtOpen(t, sources).Engine
		eng.PrepareRollups()
		if p := eng.RollupStatus(); !p.Waiting || p.Total != 0 {
			t.Fatalf("prepared small data: %+v, want the build waiting", p)
		}
		release := kpi.HoldQuery(eng) // the first screen's other query, under way
		done := make(chan error, 1)
		go func() { done <- eng.BuildRollups(ctx, nil) }()
		sc, err := eng.Compute(ctx, kpi.Slice{}, nil, kpi.Uncached())
		if err != nil {
			t.Fatalf("first screen: %v (it waited for a build that waits for it)", err)
		}
		if len(sc.Results) == 0 {
			t.Fatal("first screen: no KPI")
		}
		time.Sleep(200 * time.Millisecond) // ten times the idle wait
		if p := eng.RollupStatus(); !p.Waiting || p.Done != 0 || p.Total != 0 {
			t.Fatalf("build with a query under way: %+v, want it still waiting", p)
		}
		release()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if p := eng.RollupStatus(); !p.Ready || p.Waiting {
			t.Fatalf("after the first screen: %+v, want built", p)
		}
		again, err := eng.Compute(ctx, kpi.Slice{}, nil, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		c := &rtCmp{t: t, name: "first screen raw, then from the rollups"}
		c.cards(again, sc) // (rollups, raw rows)
	})

	t.Run("small, later queries", func(t *testing.T) {
		skipShort(t) // the race pass runs "small", where the hold is shared
		// Only the first screen's queries hold the build: one begun after
		// the first of them returned (a key pressed meanwhile) does not.
		defer kpi.SetRawFirst(1<<62, time.Hour)()
		eng, first, done := heldBuild(t, sources, ctx)
		if _, err := eng.Compute(ctx, kpi.Slice{}, []string{"csat"}, kpi.Uncached()); err != nil { // returns first
			t.Fatal(err)
		}
		later := kpi.HoldQuery(eng)
		defer later()
		first()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-ctx.Done():
			t.Fatal("the build waited for a query begun after the first screen's first answer")
		}
	})

	t.Run("small, stopped while waiting", func(t *testing.T) {
		skipShort(t) // the race pass runs "small", where the hold is shared
		defer kpi.SetRawFirst(1<<62, time.Hour)()
		stop, cancelBuild := context.WithCancel(ctx)
		eng, release, done := heldBuild(t, sources, stop)
		defer release()
		time.Sleep(50 * time.Millisecond)
		cancelBuild()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("BuildRollups stopped while waiting: %v, want context.Canceled", err)
		}
		// Nothing was marked as being built: a query reads the raw rows.
		if _, err := eng.Compute(ctx, kpi.Slice{}, nil, kpi.Uncached()); err != nil {
			t.Fatal(err)
		}
		if p := eng.RollupStatus(); p.Waiting || p.Ready || p.Total != 0 {
			t.Fatalf("after the stop: %+v", p)
		}
	})

	t.Run("small, nothing asked", func(t *testing.T) {
		skipShort(t) // the race pass runs "small", where the hold is shared
		defer kpi.SetRawFirst(1<<62, 20*time.Millisecond)()
		eng := rtOpen(t, sources).Engine
		eng.PrepareRollups()
		if err := eng.BuildRollups(ctx, nil); err != nil { // starts after the idle wait
			t.Fatal(err)
		}
		if p := eng.RollupStatus(); !p.Ready {
			t.Fatalf("%+v, want built", p)
		}
	})

	t.Run("large", func(t *testing.T) {
		skipShort(t) // the race pass runs "small", where the hold is shared
		defer kpi.SetRawFirst(0, time.Hour)()
		eng := rtOpen(t, sources).Engine
		eng.PrepareRollups()
		if p := eng.RollupStatus(); p.Waiting {
			t.Fatalf("prepared large data: %+v, want no wait", p)
		}
		release := kpi.HoldQuery(eng) // does not hold this build back
		defer release()
		done := make(chan error, 1)
		go func() { done <- eng.BuildRollups(ctx, nil) }()
		if _, err := eng.Compute(ctx, kpi.Slice{}, nil, kpi.Uncached()); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if p := eng.RollupStatus(); !p.Ready {
			t.Fatalf("%+v, want built", p)
		}
	})
}

// TestIndexOnlyWaitsForNothing: a query from what is built so far
// (IndexOnly, the explorer's sooner answer while indexing) returns at once
// while the totals are being built, every KPI pending, where a whole query
// waits for them; once built, it answers from them.
func TestIndexOnlyWaitsForNothing(t *testing.T) {
	sources := rtGenerate(t, "2025-03-14 00:00:00")
	defer kpi.SetRawFirst(0, time.Hour)() // the totals are marked as being built when prepared
	eng := rtOpen(t, sources).Engine
	eng.PrepareRollups()
	// A guard against a hang, not a timing: the query waits for nothing.
	guard, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sc, err := eng.Compute(guard, kpi.Slice{}, []string{"csat", "backlog"}, kpi.IndexOnly())
	if err != nil || guard.Err() != nil {
		t.Fatalf("IndexOnly with the totals being built: %v (it waited for them)", err)
	}
	if len(sc.Results) != 0 || sc.Pending != 2 {
		t.Fatalf("IndexOnly before any rollup: %d results, %d pending; want none, both pending", len(sc.Results), sc.Pending)
	}
	if err := eng.BuildRollups(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	sc, err = eng.Compute(guard, kpi.Slice{}, []string{"csat", "backlog"}, kpi.IndexOnly())
	if err != nil || len(sc.Results) != 2 || sc.Pending != 0 {
		t.Fatalf("IndexOnly once built: %v, %+v", err, sc)
	}
}

// heldBuild opens the sources with the rollups prepared, a first-screen
// query under way (release ends it) and the build started with ctx, its
// result on done.
func heldBuild(t *testing.T, sources []string, ctx context.Context) (eng *kpi.Engine, release func(), done chan error) {
	t.Helper()
	eng = rtOpen(t, sources).Engine
	eng.PrepareRollups()
	release = kpi.HoldQuery(eng)
	done = make(chan error, 1)
	go func() { done <- eng.BuildRollups(ctx, nil) }()
	return eng, release, done
}

// TestForegroundHoldsRawReads: while a Foreground is held, a computation
// reading raw rows waits before it starts, one marked InForeground does
// not; released, the other goes on with the same numbers; a Foreground
// never released holds nothing past its deadline.
func TestForegroundHoldsRawReads(t *testing.T) {
	eng := rtOpen(t, rtGenerate(t, "2025-03-14 00:00:00")).Engine
	guard, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := kpi.Slice{Grain: kpi.Month}
	ids := []string{"csat"}
	release := eng.Foreground()
	type answer struct {
		sc  *kpi.Scorecard
		err error
	}
	held := make(chan answer, 1)
	go func() {
		sc, err := eng.Compute(guard, s, ids, kpi.Uncached())
		held <- answer{sc, err}
	}()
	fg, err := eng.Compute(guard, s, ids, kpi.Uncached(), kpi.InForeground())
	if err != nil || guard.Err() != nil {
		t.Fatalf("the foreground computation: %v (it waited)", err)
	}
	select {
	case a := <-held:
		t.Fatalf("a computation read raw rows while the foreground was held: %v", a.err)
	case <-time.After(300 * time.Millisecond):
	}
	release()
	release() // twice is once
	a := <-held
	if a.err != nil || guard.Err() != nil {
		t.Fatalf("after the release: %v", a.err)
	}
	if got, want := *a.sc.Results[0].Total.Value, *fg.Results[0].Total.Value; got != want {
		t.Fatalf("CSAT %v after the hold, %v in the foreground", got, want)
	}
	// Never released: held back until the deadline, not past it.
	defer kpi.SetForegroundMax(200 * time.Millisecond)()
	eng.Foreground()
	if _, err := eng.Compute(guard, s, ids, kpi.Uncached()); err != nil || guard.Err() != nil {
		t.Fatalf("past a forgotten Foreground's deadline: %v", err)
	}
}
