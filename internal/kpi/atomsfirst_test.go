package kpi_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// TestTotalsAtomsBeforeTheirSketches: while a group's totals have their
// additive atoms in and their quantile sketches still being read (the
// tickets by resolved date, in the business-time view: first contact
// resolution beside the resolution time's median), a KPI without quantiles
// is answered from them, by IndexOnly and by a plain query that does not
// wait for the sketches, with the fully built index's numbers; the median
// is still pending. Asked together in one scorecard, FCR is drawn
// (OnProgress) before the median, with the whole's number.
//
// (near: the rows' sums and the atoms' sums of sums may differ in the
// last bits of a double.)
func TestTotalsAtomsBeforeTheirSketches(t *testing.T) {
	ctx := context.Background()
	b := openPausedBuild(t)
	eng := b.ws.Engine
	paused := make(chan struct{})
	var pause sync.Once
	kpi.SetAtomsHook(eng, func(source, time string) {
		if source == "tickets_business" && time == "resolved_at" {
			pause.Do(func() { close(paused); <-b.resume })
		}
	})
	b.start(nil)
	select {
	case <-paused:
	case <-b.done:
		t.Fatalf("the build ended (%v) with no total's sketches read after its atoms", b.err)
	case <-time.After(2 * time.Minute):
		t.Fatal("the build never reached the tickets' sketches")
	}

	ids := []string{"fcr", "resolution_median"}
	sc, err := eng.Compute(ctx, kpi.Slice{}, ids, kpi.IndexOnly())
	if err != nil {
		t.Fatal(err)
	}
	if sc.Find("fcr") == nil || sc.Find("resolution_median") != nil || sc.Pending != 1 {
		t.Fatalf("IndexOnly with the atoms in, the sketches not: fcr %v, median %v, pending %d; want FCR alone",
			sc.Find("fcr") != nil, sc.Find("resolution_median") != nil, sc.Pending)
	}
	type answer struct {
		sc  *kpi.Scorecard
		err error
	}
	plain := make(chan answer, 1)
	go func() {
		sc, err := eng.Compute(ctx, kpi.Slice{}, []string{"fcr"}, kpi.Uncached())
		plain <- answer{sc, err}
	}()
	var got answer
	select {
	case got = <-plain:
	case <-time.After(time.Minute):
		t.Fatal("FCR waited for the sketches of its totals")
	}
	if got.err != nil {
		t.Fatal(got.err)
	}
	// The rows' own numbers, read while the build is still paused.
	want, err := eng.Compute(ctx, kpi.Slice{}, []string{"fcr"}, kpi.FromScratch())
	if err != nil {
		t.Fatal(err)
	}
	// The two in one scorecard (as the explorer's first screen asks them):
	// FCR is drawn (OnProgress) while the median still waits.
	progress := make(chan *kpi.Scorecard, 8)
	both := make(chan answer, 1)
	go func() {
		sc, err := eng.Compute(ctx, kpi.Slice{}, ids, kpi.Uncached(), kpi.WithoutExtras(), kpi.OnProgress(0, func(sc *kpi.Scorecard) { progress <- sc }))
		both <- answer{sc, err}
	}()
	var drawn *kpi.Scorecard
	select {
	case drawn = <-progress:
	case a := <-both:
		t.Fatalf("the scorecard of both ended (%v) with the sketches not built", a.err)
	case <-time.After(time.Minute):
		t.Fatal("FCR waited for the median's sketches in the same scorecard")
	}
	if drawn.Find("fcr") == nil || drawn.Find("resolution_median") != nil || drawn.Pending != 1 {
		t.Fatalf("drawn before the sketches: fcr %v, median %v, pending %d; want FCR alone",
			drawn.Find("fcr") != nil, drawn.Find("resolution_median") != nil, drawn.Pending)
	}
	b.Resume()
	whole := <-both
	if whole.err != nil {
		t.Fatal(whole.err)
	}
	if whole.sc.Find("resolution_median") == nil || whole.sc.Pending != 0 {
		t.Fatalf("the whole: median %v, pending %d", whole.sc.Find("resolution_median") != nil, whole.sc.Pending)
	}
	if a, b := drawn.Find("fcr"), whole.sc.Find("fcr"); *a.Total.Value != *b.Total.Value || a.Total.N != b.Total.N {
		t.Fatalf("FCR drawn first %v (n %d), in the whole %v (n %d)", *a.Total.Value, a.Total.N, *b.Total.Value, b.Total.N)
	}
	for name, sc := range map[string]*kpi.Scorecard{"IndexOnly": sc, "plain": got.sc, "drawn first": drawn} {
		a, b := sc.Find("fcr"), want.Find("fcr")
		if !near(*a.Total.Value, *b.Total.Value) || a.Total.N != b.Total.N || !near(*a.Total.Compare.Value, *b.Total.Compare.Value) || len(a.Trend) != len(b.Trend) {
			t.Fatalf("%s: FCR %v (n %d, vs %v, %d periods), the rows' %v (n %d, vs %v, %d periods)", name,
				*a.Total.Value, a.Total.N, *a.Total.Compare.Value, len(a.Trend), *b.Total.Value, b.Total.N, *b.Total.Compare.Value, len(b.Trend))
		}
		for i := range a.Trend {
			if (a.Trend[i].Value == nil) != (b.Trend[i].Value == nil) || a.Trend[i].Value != nil && !near(*a.Trend[i].Value, *b.Trend[i].Value) {
				t.Fatalf("%s: FCR's trend %d: %v, the rows' %v", name, i, a.Trend[i].Value, b.Trend[i].Value)
			}
		}
	}
}

// pausedBuild is the sample's rollup build under way in a test, as on large
// data (SetRawFirst(0): the first screen waits for the totals being
// built). A hook of the test may hold it (<-resume) until the test sends
// on resume or calls Resume; at cleanup it is cancelled, resumed and
// waited for.
type pausedBuild struct {
	ws     *workspace.Workspace
	resume chan struct{}
	Resume func()        // closes resume (once)
	done   chan struct{} // closed when the build returned err
	err    error
	cancel context.CancelFunc
}

// openPausedBuild opens the sample; start starts its build, once the test
// has set its hooks.
func openPausedBuild(t *testing.T) *pausedBuild {
	t.Helper()
	t.Cleanup(kpi.SetRawFirst(0, time.Hour))
	ws, err := workspace.Open(context.Background(), workspace.Options{NoConfig: true,
		Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	b := &pausedBuild{ws: ws, resume: make(chan struct{}), done: make(chan struct{})}
	b.Resume = sync.OnceFunc(func() { close(b.resume) })
	t.Cleanup(func() {
		if b.cancel != nil {
			b.cancel()
			b.Resume()
			<-b.done
		}
		ws.Close()
	})
	return b
}

func (b *pausedBuild) start(progress func(kpi.RollupProgress)) {
	b.ws.Engine.PrepareRollups()
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	go func() {
		b.err = b.ws.Engine.BuildRollups(ctx, progress)
		close(b.done)
	}()
}

func near(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-9*max(1, abs(a), abs(b))
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
