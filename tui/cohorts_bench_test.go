package tui

import (
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
)

// BenchmarkCohortsKeyToFrame measures opening the cohort matrix: from the
// C key to the rendered frame that shows it (its one query runs on its own
// goroutine, as the program runs it; the spinner's tick is not waited for).
// The matrix is not cached by the engine: every opening queries. "data"
// runs on KPISCOPE_BENCH_DATA (a directory by `kpiscope sample --out DIR
// --tickets N`), with the sample's kpiscope.yaml:
//
//	go test ./tui -run '^$' -bench 'CohortsKeyToFrame/sample' -benchtime 50x
//	KPISCOPE_BENCH_DATA=/tmp/kpis10m go test ./tui -run '^$' -bench 'CohortsKeyToFrame/data' -benchtime 20x
func BenchmarkCohortsKeyToFrame(b *testing.B) {
	b.Run("sample", func(b *testing.B) { benchCohorts(b, sample(b).Engine) })
	b.Run("data", func(b *testing.B) {
		dir := os.Getenv("KPISCOPE_BENCH_DATA")
		if dir == "" {
			b.Skip("set KPISCOPE_BENCH_DATA to a directory made by `kpiscope sample --out DIR --tickets 10000000`")
		}
		benchCohorts(b, openData(b, dir).Engine)
	})
}

func benchCohorts(b *testing.B, eng *kpi.Engine) {
	m := New(Deps{Engine: eng, Now: fixedNow, ExportDir: b.TempDir()})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m, _ = drive(next.(Model), func() tea.Msg { return startMsg{} })
	var lat []time.Duration
	b.ResetTimer()
	for range b.N {
		began := time.Now()
		next, cmd := m.Update(keyMsg("C"))
		m = awaitCohorts(next.(Model), cmd)
		frame := m.View().Content
		lat = append(lat, time.Since(began))
		b.StopTimer()
		if !strings.Contains(frame, "All ") {
			b.Fatalf("no matrix in the frame:\n%s", frame)
		}
		m = m.closeLens()
		b.StartTimer()
	}
	b.StopTimer()
	reportPercentiles(b, "", lat)
}

// awaitCohorts runs cmd's commands each on its own goroutine and feeds
// the matrix's answer back; other messages (the spinner's) are left.
func awaitCohorts(m Model, cmd tea.Cmd) Model {
	msgs := make(chan tea.Msg, 16)
	var launch func(c tea.Cmd)
	launch = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() { msgs <- c() }()
	}
	launch(cmd)
	for msg := range msgs {
		switch msg := msg.(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				launch(c)
			}
		case cohortsMsg:
			next, _ := m.Update(msg)
			return next.(Model)
		}
	}
	return m
}
