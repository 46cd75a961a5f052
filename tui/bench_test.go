package tui

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
	"kpiscope/internal/workspace"
	"kpiscope/sampledata"
)

// BenchmarkKeyToFrame measures what a user waits for: from a slicing key to
// the rendered frame that shows the new numbers. Each iteration runs Update
// with the key, runs the commands it returns as the program would (the two
// queries concurrently), feeds their messages back and renders View.
//
// "cold" computes every iteration from the raw rows (kpi.FromScratch: no
// result cache, no rollups); "engine" lets the engine compute as it does for
// a slice nobody asked for yet, from its rollups where built, with only the
// result cache bypassed (kpi.Uncached); "cached" steps back to a slice seen
// before, which the explorer shows from the engine's cache in the same frame.
// Before "engine" runs, the engine's rollups are built (or taken from the
// --db file KPISCOPE_BENCH_DB names, kept by an earlier run).
//
// The "data" case runs when KPISCOPE_BENCH_DATA names a directory written by
// `kpiscope sample --out DIR --tickets N` (KPISCOPE_BENCH_10M still works);
// KPISCOPE_BENCH_MODES=engine,cached leaves out the cold mode, which reads
// every row for every key (minutes at 100M).
func BenchmarkKeyToFrame(b *testing.B) {
	b.Run("sample", func(b *testing.B) { benchKeys(b, sample(b).Engine) })
	b.Run("data", func(b *testing.B) {
		dir := os.Getenv("KPISCOPE_BENCH_DATA")
		if dir == "" {
			dir = os.Getenv("KPISCOPE_BENCH_10M")
		}
		if dir == "" {
			b.Skip("set KPISCOPE_BENCH_DATA to a directory made by `kpiscope sample --out DIR --tickets 10000000`")
		}
		benchKeys(b, openData(b, dir).Engine)
	})
}

// openData opens a big dataset with the sample's kpiscope.yaml (same KPIs,
// targets and dimensions).
func openData(b *testing.B, dir string) *workspace.Workspace {
	b.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		b.Fatal(err)
	}
	// KPISCOPE_BENCH_MEMORY_MB caps DuckDB as --memory-limit does.
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
	opts := workspace.Options{ConfigPath: path, Now: fixedNow, DBPath: os.Getenv("KPISCOPE_BENCH_DB")}
	// KPISCOPE_DEBUG_SQL=FILE logs the engine's statements (with how long
	// each took) to FILE, as the command line's debug log does.
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
	b.Cleanup(func() { ws.Close() })
	return ws
}

// benchStep is one measured key press; undo (not timed) returns the model
// to a state where the key changes the slice again.
type benchStep struct {
	name  string
	start func(Model) Model // once, before the presses (not timed)
	setup func(Model) Model // not timed
	key   string
	undo  func(Model) Model // not timed
}

func benchKeys(b *testing.B, eng *kpi.Engine) {
	steps := []benchStep{
		{name: "kpi_j", key: "j"},
		{name: "segment_enter", setup: func(m Model) Model {
			m, _ = press(m, "s")
			if m.bd.dim == "channel" {
				return typeText(m, "team")
			}
			return typeText(m, "channel")
		}, key: "enter"},
		{name: "drill_enter", setup: func(m Model) Model {
			m.bd.focused = true
			return m
		}, key: "enter", undo: func(m Model) Model { m, _ = press(m, "backspace"); return m }},
		{name: "grain_g", key: "g"},
		{name: "compare_c", key: "c"},
		{name: "period_[", key: "[", undo: func(m Model) Model { m, _ = press(m, "t"); return m }},
		// Issue 15's filter editor: an exclusion (answered from the rollups)
		// and a date window, typed (not timed), applied by enter.
		{name: "filter_exclude", setup: func(m Model) Model {
			m, _ = press(m, "F")
			return typeText(m, "channel!=web")
		}, key: "enter", undo: func(m Model) Model {
			m, _ = press(m, "esc")
			m, _ = press(m, "x")
			return m
		}},
		{name: "window_30d", setup: func(m Model) Model {
			m, _ = press(m, "F")
			return typeText(m, "since 30d")
		}, key: "enter", undo: func(m Model) Model {
			m, _ = press(m, "esc")
			m, _ = press(m, "t")
			return m
		}},
		// The why view splits the breakdown on screen: no query of its own.
		{name: "why_v", key: "v", undo: func(m Model) Model { m, _ = press(m, "v"); return m }},
		// The top movers query every dimension's breakdown, with the mode's
		// engine options; undo forgets the list so each run asks again.
		{name: "movers_m", key: "m", undo: func(m Model) Model {
			m, _ = press(m, "esc")
			m.why.mv = movers{seq: m.why.mv.seq}
			return m
		}},
		// A median KPI (its sketches): the grain, and a drill-down (two
		// dimensions: the sketches by pair, kept per month).
		{name: "median_g", start: selectKPI("resolution_median"), key: "g"},
		{name: "median_drill_enter", start: selectKPI("resolution_median"), setup: func(m Model) Model {
			m.bd.focused = true
			return m
		}, key: "enter", undo: func(m Model) Model { m, _ = press(m, "backspace"); return m }},
		// The backlog (its flows) with its ages (the long-lived rows): the
		// grain, and the period before.
		{name: "backlog_g", start: selectKPI("backlog"), key: "g"},
		{name: "backlog_[", start: selectKPI("backlog"), key: "[", undo: func(m Model) Model { m, _ = press(m, "t"); return m }},
		// The backlog past SLA: its ages in business days read the
		// business-time view (kept per period end by PrefillAges).
		{name: "backlog_overdue_g", start: selectKPI("backlog_overdue"), key: "g"},
		// Its drill: the first segment's counts by the next dimension (the
		// flows' pairs) and that segment's ages (filtered: computed).
		{name: "backlog_drill_enter", start: selectKPI("backlog"), setup: func(m Model) Model {
			m.bd.focused = true
			return m
		}, key: "enter", undo: func(m Model) Model { m, _ = press(m, "backspace"); return m }},
		// The backlog past SLA's drill, in the period before the latest
		// (the latest's end is the data's, past which no ticket in the
		// lag is resolved): its filtered ages read the business-time view
		// within the lag before the period's end.
		{name: "backlog_overdue_drill_enter", start: func(m Model) Model {
			m, _ = press(selectKPI("backlog_overdue")(m), "[")
			return m
		}, setup: func(m Model) Model {
			m.bd.focused = true
			return m
		}, key: "enter", undo: func(m Model) Model { m, _ = press(m, "backspace"); return m }},
	}
	modes := []string{"cold", "engine", "cached"}
	if m := os.Getenv("KPISCOPE_BENCH_MODES"); m != "" {
		modes = strings.Split(m, ",")
	}
	built := false
	for _, mode := range modes {
		if mode == "engine" && !built {
			began := time.Now()
			if err := eng.BuildRollups(context.Background(), nil); err != nil {
				b.Fatal(err)
			}
			b.Logf("rollups built (or taken from the --db file) in %v", time.Since(began))
			began = time.Now()
			eng.PrefillPeriods(context.Background()) // as the explorer does after the build (internal/live)
			b.Logf("period rollups prefilled in %v", time.Since(began))
			if os.Getenv("KPISCOPE_BENCH_PREFILL") == "background" {
				// The ages' prefill beside the keys, as on a first start
				// (or a --db file without them): the keys' queries come first.
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() {
					defer close(done)
					eng.PrefillAges(ctx)
				}()
				b.Cleanup(func() { cancel(); <-done })
			} else {
				began = time.Now()
				eng.PrefillAges(context.Background()) // the backlog's ages, as internal/live does next
				b.Logf("ages prefilled in %v", time.Since(began))
			}
			built = true
		}
		for _, st := range steps {
			b.Run(mode+"/"+st.name, func(b *testing.B) {
				d := Deps{Engine: eng, Now: fixedNow, ExportDir: b.TempDir()}
				m := New(d)
				next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
				m = next.(Model)
				switch mode {
				case "cold":
					m.q.opts = []kpi.Option{kpi.FromScratch()}
				case "engine":
					m.q.opts = []kpi.Option{kpi.Uncached()}
				}
				m, _ = drive(m, func() tea.Msg { return startMsg{} })
				if st.start != nil {
					m = st.start(m)
				}
				if mode == "cached" {
					// Warm the engine's cache with every slice the step visits:
					// j walks on through every KPI, so a whole round of them
					// and as many steps as are timed.
					for range max(12, b.N+len(m.defs)) {
						m = timedStep(b, m, st, false).m
					}
				}
				var lat, score, detail []time.Duration
				b.ResetTimer()
				for range b.N {
					r := timedStep(b, m, st, true)
					m = r.m
					lat = append(lat, r.took)
					score = append(score, r.score)
					detail = append(detail, r.detail)
				}
				b.StopTimer()
				reportPercentiles(b, "", lat)
				if mode != "cached" {
					reportPercentiles(b, "score-", score)
					reportPercentiles(b, "detail-", detail)
				}
			})
		}
	}
}

type stepResult struct {
	m                   Model
	took, score, detail time.Duration
}

func timedStep(b *testing.B, m Model, st benchStep, timed bool) stepResult {
	if timed {
		b.StopTimer()
	}
	if st.setup != nil {
		m = st.setup(m)
	}
	scoreSeq, detailSeq := m.q.score.seq, m.q.detail.seq
	if timed {
		b.StartTimer()
	}
	began := time.Now()
	next, cmd := m.Update(keyMsg(st.key))
	if m = next.(Model); m.busy() || cmd != nil {
		m = runConcurrently(m, cmd)
	}
	frame := m.View().Content
	took := time.Since(began)
	if timed {
		b.StopTimer()
	}
	if m.busy() || frame == "" {
		b.Fatalf("%s: the frame after the key is not settled", st.name)
	}
	r := stepResult{took: took}
	if m.q.score.seq != scoreSeq {
		r.score = m.q.score.took
	}
	if m.q.detail.seq != detailSeq {
		r.detail = m.q.detail.took
	}
	if st.undo != nil {
		m = st.undo(m)
		m = runConcurrently(m, nil)
	}
	r.m = m
	if timed {
		b.StartTimer()
	}
	return r
}

// runConcurrently runs commands as the program does, each in its own
// goroutine, feeding the explorer's messages back in arrival order, and
// returns as soon as no query is loading (the top movers' included).
// Spinner ticks and terminal messages are dropped.
func runConcurrently(m Model, cmd tea.Cmd) Model {
	msgs := make(chan tea.Msg, 256) // late senders never block
	pending := 0
	launch := func(c tea.Cmd) {
		if c == nil {
			return
		}
		pending++
		go func() { msgs <- c() }()
	}
	launch(cmd)
	for pending > 0 {
		msg := <-msgs
		pending--
		switch msg := msg.(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				launch(c)
			}
		case startMsg, resultMsg, exportedMsg, EngineMsg, moversMsg, filtersMsg:
			next, c := m.Update(msg)
			m = next.(Model)
			if !m.busy() {
				return m
			}
			launch(c)
		}
	}
	return m
}

// reportPercentiles adds p50 and p95 in milliseconds; zero samples (the query did not
// run for this key) are left out.
func reportPercentiles(b *testing.B, prefix string, ds []time.Duration) {
	var xs []time.Duration
	for _, d := range ds {
		if d > 0 {
			xs = append(xs, d)
		}
	}
	if len(xs) == 0 {
		return
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	pct := func(p float64) float64 {
		i := int(float64(len(xs)-1)*p + 0.5)
		return float64(xs[i].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), prefix+"p50-ms")
	b.ReportMetric(pct(0.95), prefix+"p95-ms")
}

// selectKPI moves the selection down to the KPI id with j, each screen
// settled, for a step that measures another KPI than the first.
func selectKPI(id string) func(Model) Model {
	return func(m Model) Model {
		for range len(m.defs) {
			if d := m.selected(); d != nil && d.ID == id {
				return m
			}
			next, cmd := m.Update(keyMsg("j"))
			m = runConcurrently(next.(Model), cmd)
		}
		panic("no KPI " + id + " in the explorer")
	}
}
