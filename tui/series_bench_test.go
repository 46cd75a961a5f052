package tui

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
)

// BenchmarkSeriesKeyToFrame measures opening the series view (S) as
// BenchmarkKeyToFrame measures the slicing keys: from the key to the frame
// that draws the lines, the view's query (kpi.Engine.Series: the
// breakdown's ranking and one trend per segment, two at a time) run as
// the program runs it, 120 × 40, on Resolution time by channel. "engine"
// computes from the rollups with the result cache bypassed (kpi.Uncached);
// "cached" opens it again on a slice seen before. KPISCOPE_BENCH_DATA (and
// KPISCOPE_BENCH_DB, KPISCOPE_BENCH_MODES) as for BenchmarkKeyToFrame.
func BenchmarkSeriesKeyToFrame(b *testing.B) {
	b.Run("sample", func(b *testing.B) { benchSeries(b, sample(b).Engine) })
	b.Run("data", func(b *testing.B) {
		dir := os.Getenv("KPISCOPE_BENCH_DATA")
		if dir == "" {
			b.Skip("set KPISCOPE_BENCH_DATA to a directory made by `kpiscope sample --out DIR --tickets 10000000`")
		}
		benchSeries(b, openData(b, dir).Engine)
	})
}

func benchSeries(b *testing.B, eng *kpi.Engine) {
	modes := []string{"engine", "cached"}
	if m := os.Getenv("KPISCOPE_BENCH_MODES"); m != "" {
		modes = strings.Split(m, ",")
	}
	if err := eng.BuildRollups(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	for _, mode := range modes {
		b.Run(mode+"/series_S", func(b *testing.B) {
			m := New(Deps{Engine: eng, Now: fixedNow, ExportDir: b.TempDir()})
			next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			m, _ = drive(next.(Model), func() tea.Msg { return startMsg{} })
			m, _ = press(m, toResolution...)
			open := func() Model {
				var cmd tea.Cmd
				if mode == "engine" {
					m, cmd = m.openLens(&seriesLens{opts: []kpi.Option{kpi.Uncached()}})
				} else {
					var next tea.Model
					next, cmd = m.Update(keyMsg("S"))
					m = next.(Model)
				}
				m = runSeries(m, cmd)
				if l, ok := m.lens.(*seriesLens); !ok || l.set == nil || m.View().Content == "" {
					b.Fatalf("no lines after S: %v", l.err)
				}
				return m
			}
			if mode == "cached" {
				m = open().closeLens()
			}
			var lat []time.Duration
			b.ResetTimer()
			for range b.N {
				began := time.Now()
				m = open()
				lat = append(lat, time.Since(began))
				b.StopTimer()
				m = m.closeLens()
				b.StartTimer()
			}
			b.StopTimer()
			reportPercentiles(b, "", lat)
		})
	}
}

// runSeries runs commands as the program does, each in its own goroutine,
// feeding the explorer's and the lens's messages back, until the lens's
// lines are in and no query is loading.
func runSeries(m Model, cmd tea.Cmd) Model {
	msgs := make(chan tea.Msg, 256)
	pending := 0
	launch := func(c tea.Cmd) {
		if c == nil {
			return
		}
		pending++
		go func() { msgs <- c() }()
	}
	launch(cmd)
	settled := func(m Model) bool {
		l, ok := m.lens.(*seriesLens)
		return !m.busy() && (!ok || !l.loading)
	}
	for pending > 0 {
		msg := <-msgs
		pending--
		switch msg := msg.(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				launch(c)
			}
		case startMsg, resultMsg, EngineMsg, seriesMsg:
			next, c := m.Update(msg)
			m = next.(Model)
			if settled(m) {
				return m
			}
			launch(c)
		}
	}
	return m
}
