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

// BenchmarkGridKeyToFrame measures opening the grid (#) on CSAT by channel
// at 120 × 40: from the key to the rendered frame that shows the grid
// (twelve months' breakdowns), the lens's query run as the program runs
// it. "engine" computes every time from the rollups (built first, or taken
// from KPISCOPE_BENCH_DB), bypassing only the result cache
// (kpi.Uncached); "cached" opens a grid seen before, drawn in the key's
// frame. The "data" case runs when KPISCOPE_BENCH_DATA names a directory
// made by `kpiscope sample --out DIR --tickets N`; KPISCOPE_BENCH_MODES
// picks the modes (default engine,cached).
func BenchmarkGridKeyToFrame(b *testing.B) {
	b.Run("sample", func(b *testing.B) { benchGrid(b, sample(b).Engine) })
	b.Run("data", func(b *testing.B) {
		dir := os.Getenv("KPISCOPE_BENCH_DATA")
		if dir == "" {
			b.Skip("set KPISCOPE_BENCH_DATA to a directory made by `kpiscope sample --out DIR --tickets 10000000`")
		}
		benchGrid(b, openData(b, dir).Engine)
	})
}

func benchGrid(b *testing.B, eng *kpi.Engine) {
	modes := []string{"engine", "cached"}
	if m := os.Getenv("KPISCOPE_BENCH_MODES"); m != "" {
		modes = strings.Split(m, ",")
	}
	began := time.Now()
	if err := eng.BuildRollups(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	b.Logf("rollups built (or taken from the --db file) in %v", time.Since(began))
	for _, mode := range modes {
		b.Run(mode+"/grid_#", func(b *testing.B) {
			m := New(Deps{Engine: eng, Now: fixedNow, ExportDir: b.TempDir()})
			next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			m = next.(Model)
			if mode == "engine" {
				m.q.opts = []kpi.Option{kpi.Uncached()}
			}
			m, _ = drive(m, func() tea.Msg { return startMsg{} })
			if mode == "cached" {
				m = gridStep(b, m) // the engine keeps every column's breakdown
			}
			var lat []time.Duration
			b.ResetTimer()
			for range b.N {
				began := time.Now()
				m = gridStep(b, m)
				lat = append(lat, time.Since(began))
			}
			b.StopTimer()
			reportPercentiles(b, "", lat)
		})
	}
}

// gridStep presses # and runs the lens's query as the program would
// until the grid is on screen, renders the frame, then closes the grid
// (esc, which the caller's timer includes: a key that cancels nothing).
func gridStep(b *testing.B, m Model) Model {
	next, cmd := m.Update(keyMsg("#"))
	m = next.(Model)
	for cmd != nil {
		msg := cmd()
		switch msg := msg.(type) {
		case tea.BatchMsg:
			cmd = nil
			for _, c := range msg {
				if c == nil {
					continue
				}
				if gm, ok := c().(gridMsg); ok {
					next, _ = m.Update(gm)
					m = next.(Model)
				}
			}
		case gridMsg:
			next, _ = m.Update(msg)
			m = next.(Model)
			cmd = nil
		default:
			cmd = nil
		}
	}
	l, ok := m.lens.(*gridLens)
	if !ok || l.g == nil || l.loading {
		b.Fatalf("the grid is not on screen after # (%T, %v)", m.lens, l)
	}
	if frame := m.View().Content; !strings.Contains(frame, "Grid · CSAT") {
		b.Fatal("no grid in the frame")
	}
	next, _ = m.Update(keyMsg("esc"))
	return next.(Model)
}
