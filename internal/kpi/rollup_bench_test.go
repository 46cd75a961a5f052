package kpi_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
	"kpiscope/internal/store"
	"kpiscope/internal/workspace"
	"kpiscope/sampledata"
)

// The benchmarks below run on a directory written by
// `kpiscope sample --out DIR --tickets N`, named by KPISCOPE_BENCH_DATA, with
// the sample's kpiscope.yaml (same KPIs, targets and dimensions).
// KPISCOPE_BENCH_DB names a --db file for the "second start" figures.

func openBenchData(b *testing.B, db string) *workspace.Workspace {
	b.Helper()
	dir := os.Getenv("KPISCOPE_BENCH_DATA")
	if dir == "" {
		b.Skip("set KPISCOPE_BENCH_DATA to a directory made by `kpiscope sample --out DIR --tickets N`")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		b.Fatal(err)
	}
	// KPISCOPE_BENCH_MEMORY_MB caps DuckDB as --memory-limit does (the
	// command line's default is half the machine, at most 1 GiB); unset,
	// DuckDB's own default (80% of the machine).
	if mb := os.Getenv("KPISCOPE_BENCH_MEMORY_MB"); mb != "" {
		n, err := strconv.ParseInt(mb, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("KPISCOPE_BENCH_MEMORY_MB=%q: a number of MiB", mb)
		}
		store.SetMemoryLimit(n << 20)
	}
	cfg := strings.ReplaceAll(string(sampledata.Config), "{path: ", "{path: "+abs+"/")
	path := filepath.Join(b.TempDir(), "kpiscope.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	opts := workspace.Options{ConfigPath: path, DBPath: db}
	// KPISCOPE_DEBUG_SQL=FILE logs the engine's statements to FILE, as the
	// command line does: how a failing build is found.
	if f := os.Getenv("KPISCOPE_DEBUG_SQL"); f != "" {
		w, err := os.OpenFile(f, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { w.Close() })
		opts.Log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ws, err := workspace.Open(context.Background(), opts)
	if err != nil {
		b.Fatal(err)
	}
	return ws
}

// firstScreen computes what the explorer shows first: every KPI without
// extras, and the first KPI (CSAT) with its extras broken down by the first
// dimension (as the explorer opens), at once.
func firstScreen(b *testing.B, eng *kpi.Engine, opts ...kpi.Option) {
	b.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, errs[0] = eng.Compute(ctx, kpi.Slice{}, nil, append(opts, kpi.WithoutExtras())...)
	}()
	go func() {
		defer wg.Done()
		s := kpi.Slice{}
		if dims := eng.Dimensions(); len(dims) > 0 {
			s.Segment = dims[0].Name
		}
		_, errs[1] = eng.Compute(ctx, s, []string{"csat"}, opts...)
	}()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFirstScreen times the explorer's first screen from opening the
// data: "raw" reads the raw rows (no rollups); "rollups" prepares and builds
// the rollups in the background as the explorer does, the first screen
// waiting for the totals of the latest months, and then reports how long the
// whole build took and how many rollup rows it made; "second_start" opens a
// --db file (KPISCOPE_BENCH_DB) whose rollups and period totals an earlier
// run kept, building them and showing the first screen first (a first
// start).
func BenchmarkFirstScreen(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		for range b.N {
			began := time.Now()
			ws := openBenchData(b, "")
			firstScreen(b, ws.Engine, kpi.FromScratch())
			b.ReportMetric(time.Since(began).Seconds(), "first-screen-s")
			ws.Close()
		}
	})
	b.Run("rollups", func(b *testing.B) {
		for range b.N {
			began := time.Now()
			ws := openBenchData(b, "")
			startAsExplorer(b, ws.Engine, began)
			b.ReportMetric(time.Since(began).Seconds(), "built-s")
			reportRollupSize(b, ws.DB)
			ws.Close()
		}
	})
	b.Run("second_start", func(b *testing.B) {
		db := os.Getenv("KPISCOPE_BENCH_DB")
		if db == "" {
			b.Skip("set KPISCOPE_BENCH_DB to a --db file")
		}
		// The first start: the rollups built (a no-op when kept) and the
		// first screen shown, which keeps the periods the rollups do not
		// answer (the backlog's) in the file.
		began := time.Now()
		ws := openBenchData(b, db)
		if err := ws.Engine.BuildRollups(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
		firstScreen(b, ws.Engine, kpi.Uncached())
		built := time.Since(began).Seconds()
		ws.Close()
		b.ResetTimer() // (which drops the metrics reported so far)
		for range b.N {
			began := time.Now()
			ws := openBenchData(b, db)
			startAsExplorer(b, ws.Engine, began)
			reportRollupSize(b, ws.DB)
			ws.Close()
		}
		b.ReportMetric(built, "first-start-built-s")
	})
}

// startAsExplorer starts the engine as the explorer does (rollups prepared
// and built in the background, the first screen meanwhile), reports the
// first screen's time since began and returns when the build has finished.
func startAsExplorer(b *testing.B, eng *kpi.Engine, began time.Time) {
	b.Helper()
	eng.PrepareRollups()
	done := make(chan error, 1)
	go func() { done <- eng.BuildRollups(context.Background(), nil) }()
	firstScreen(b, eng, kpi.Uncached())
	b.ReportMetric(time.Since(began).Seconds(), "first-screen-s")
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

func reportRollupSize(b *testing.B, db *store.DB) {
	rows, err := db.Query(context.Background(), "SELECT CAST(sum(estimated_size) FILTER (WHERE starts_with(table_name, '__kpiscope_rollup')) AS BIGINT), CAST(sum(estimated_size) FILTER (WHERE starts_with(table_name, '__kpiscope_sketch')) AS BIGINT) FROM duckdb_tables()")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(store.Int(rows.Data[0][0])), "rollup-rows")
	b.ReportMetric(float64(store.Int(rows.Data[0][1])), "sketch-rows")
}

// BenchmarkReportFloor sets `kpiscope report`'s work (every KPI from the raw
// rows, no extras, over the trend the table reads, as the table format
// computes it) beside the hand-written
// floor (floorSQL, floor_bench_test.go: the same KPIs' components for the
// same months in plain DuckDB) in the same run, on 2 cores the floor's
// statements one after the other as DuckDB would run a script. Before
// timing, the floor's values are checked against report's for every KPI
// and month of the trend.
func BenchmarkReportFloor(b *testing.B) {
	ws := openBenchData(b, "")
	defer ws.Close()
	ctx := context.Background()
	// The trend the table reads (report.Trend: the current month and the
	// one before), as runReport asks for it.
	s := kpi.Slice{}
	s.Trend = report.Trend("table", s, ws.Engine.Resolve(s).Grain)
	run := func() *kpi.Scorecard {
		sc, err := ws.Engine.Compute(ctx, s, nil, kpi.FromScratch(), kpi.WithoutExtras())
		if err != nil {
			b.Fatal(err)
		}
		return sc
	}
	sc := run()
	// The months report reads: its trend's, which end with the current one
	// and hold its comparison period.
	from, to := kpi.Month.Add(sc.Slice.Period, -(sc.Slice.Trend-1)), kpi.Month.Add(sc.Slice.Period, 1)
	if cmp := sc.ComparePeriod; !cmp.IsZero() && cmp.Before(from) {
		from = cmp
	}
	results, err := runFloor(ctx, ws.DB, from, to)
	if err != nil {
		b.Fatal(err)
	}
	checkFloor(b, sc, results)
	b.Run("report", func(b *testing.B) {
		for range b.N {
			run()
		}
	})
	b.Run("duckdb", func(b *testing.B) {
		for range b.N {
			if _, err := runFloor(ctx, ws.DB, from, to); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDuringBuild times what a user who does not wait for the index
// gets: right after the first screen, breakdowns and a drill while the
// rollups are still being built (their totals come from the rollup, their
// two periods' segments from raw rows, competing with the build); then the
// same keys once the latest months' breakdowns are built ("later-"), and
// how long after the first screen that was ("recent-built-s"), the build
// going on.
func BenchmarkDuringBuild(b *testing.B) {
	for range b.N {
		ws := openBenchData(b, "")
		eng := ws.Engine
		ctx, cancel := context.WithCancel(context.Background())
		eng.PrepareRollups()
		done := make(chan error, 1)
		recent := make(chan struct{}) // closed when the first step past the latest months' breakdowns ends
		var once sync.Once
		go func() {
			done <- eng.BuildRollups(ctx, func(p kpi.RollupProgress) {
				if p.Older && p.Stage != "totals" || strings.Contains(p.Stage, " by one and two dimensions") && p.Stage != "by one and two dimensions" {
					once.Do(func() { close(recent) })
				}
			})
		}()
		firstScreen(b, eng, kpi.Uncached())
		shown := time.Now()
		keys := func(prefix string) {
			for _, c := range []struct {
				name string
				s    kpi.Slice
				id   string
			}{
				{"breakdown-csat", kpi.Slice{Segment: "region"}, "csat"},
				{"breakdown-resolution", kpi.Slice{Segment: "team"}, "resolution_time"},
				{"drill-csat", kpi.Slice{Segment: "channel", Filters: []kpi.Filter{{Dim: "region", Values: []string{"EMEA"}}}}, "csat"},
			} {
				began := time.Now()
				if _, err := eng.Compute(ctx, c.s, []string{c.id}, kpi.Uncached()); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(time.Since(began).Seconds(), prefix+c.name+"-s")
			}
		}
		keys("")
		select {
		case <-recent:
			b.ReportMetric(time.Since(shown).Seconds(), "recent-built-s")
			keys("later-")
		case err := <-done:
			done <- err
		}
		cancel()
		<-done
		ws.Close()
	}
}
