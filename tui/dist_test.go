package tui

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"kpiscope/internal/kpi"
)

// pressDist sends keys and settles after each, distribution answers included.
func pressDist(m Model, keys ...string) Model {
	for _, k := range keys {
		next, cmd := m.Update(keyMsg(k))
		m = settle(next.(Model), cmd)
	}
	return m
}

// TestDistGolden: resolution time's histogram (6: the sixth KPI) with its
// segments at 120×40 and the March incident's month against February at
// 80×24; CSAT's score mix by channel at 120×40 and 80×24. Regenerate with
// go test ./tui -run TestDistGolden -update.
func TestDistGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
		keys []string
	}{
		{"dist_120x40", 120, 40, []string{"6", "d", "down", "down", "down", "down"}},
		{"dist_80x24", 80, 24, []string{"6", "[", "[", "[", "[", "[", "[", "[", "d"}},
		{"dist_scores_120x40", 120, 40, []string{"d", "down"}},
		{"dist_scores_80x24", 80, 24, []string{"2", "d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := pressDist(started(t, testDeps(t), tc.w, tc.h), tc.keys...)
			golden.RequireEqual(t, []byte(screen(m)))
		})
	}
}

// TestDistShowsTheMarchTail: on the sample, March 2026's incident moves
// resolution time's median into 16h–1d and its p90 into 2–4d (February's
// are 9.4h and 51.4h); 2–4d holds 18.5% of March's tickets against 8.3% of
// February's, and web's median is the slowest channel's.
func TestDistShowsTheMarchTail(t *testing.T) {
	m := pressDist(started(t, testDeps(t), 120, 40), "6", "[", "[", "[", "[", "[", "[", "[", "d")
	scr := screen(m)
	mustContain(t, scr, "All (1 of 5) · Mar 2026 vs Feb 2026",
		"█ n 5,883 · mean 36.2h · median 20.2h · p90 88.8h",
		"┊ n 4,280 · mean 20.4h · median 9.4h · p90 51.4h",
		"10.7%    10.3%  median", "18.4%    12.3%  mean · target", "web        1,064   49.9h  126.0h")
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, "2–4d ") && !strings.Contains(l, "18.5%     8.3%  p90") {
			t.Errorf("2–4d: %q", l)
		}
	}
}

// TestDistMovesAndDrills: ↓ puts the histogram on a segment, n shows
// counts, enter drills into the segment (a filter on the screen) and
// closes the lens.
func TestDistMovesAndDrills(t *testing.T) {
	m := pressDist(started(t, testDeps(t), 120, 40), "6", "d", "down")
	l, ok := m.lens.(*distLens)
	if !ok || l.x == nil || l.seg != l.x.Segments[0].Segment {
		t.Fatalf("lens %+v", m.lens)
	}
	seg := l.seg
	mustContain(t, screen(m), seg+" (2 of 5)")
	m = pressDist(m, "n")
	if !m.lens.(*distLens).counts {
		t.Error("n did not toggle counts")
	}
	m = pressDist(m, "enter")
	if m.lens != nil {
		t.Fatal("enter left the lens open")
	}
	mustContain(t, screen(m), "channel = "+seg)
}

// TestDistNotApplicable: a KPI without a distribution (FCR, the eighth)
// says so in the pane, naming it; tab to one with a distribution draws it.
func TestDistNotApplicable(t *testing.T) {
	m := pressDist(started(t, testDeps(t), 120, 40), "8", "d")
	scr := screen(m)
	mustContain(t, scr, "First contact resolution has no distribution", "tab: another KPI")
	if m.lens == nil {
		t.Fatal("the lens closed")
	}
	m = pressDist(m, "shift+tab")
	mustContain(t, screen(m), "Resolution time (median) · distribution", "All (1 of 5)")
}

// TestDistDropsStaleAnswers: an answer to a request superseded by a newer
// one is dropped.
func TestDistDropsStaleAnswers(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	lc := m.lensCtx()
	l := &distLens{}
	nl, cmd := l.Reslice(lc)
	if cmd == nil {
		t.Fatal("no query")
	}
	l = nl.(*distLens)
	old := l.seq
	l.want = "newer"
	l.seq++
	next, _, _ := l.Update(distMsg{seq: old, key: distKey(lc), x: &kpi.Distribution{}}, lc)
	if next.(*distLens).x != nil {
		t.Fatal("a stale answer was taken")
	}
	l.Close()
	_ = context.Background()
}

// TestDistFlow drives the real program: open the distribution, move to a
// segment, toggle counts, close it.
func TestDistFlow(t *testing.T) {
	tm := teatest.NewTestModel(t, New(testDeps(t)), teatest.WithInitialTermSize(120, 40))
	waitFor := waiter(t, tm)
	key := func(k string) { tm.Send(keyMsg(k)) }
	waitFor("KPIs · 25", "By channel")
	key("6")
	waitFor("Resolution time")
	key("d")
	waitFor("Resolution time · distribution · by channel", "All (1 of 5)", "median")
	key("down")
	waitFor("(2 of 5)")
	key("n")
	waitFor("433      402") // chat's 2–4h in October and September, counted
	key("esc")
	waitFor("By channel")
	key("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))
	if m := tm.FinalModel(t).(Model); m.lens != nil {
		t.Fatal("the lens is still open after esc")
	}
}

// TestDistFitsEverySize: the lens keeps the screen's lines and width at
// every size, histogram and score mix.
func TestDistFitsEverySize(t *testing.T) {
	for _, keys := range [][]string{{"6", "d", "down"}, {"d"}, {"2", "d"}} {
		base := pressDist(started(t, testDeps(t), 120, 40), keys...)
		for _, size := range [][2]int{{60, 14}, {60, 20}, {80, 24}, {100, 30}, {120, 40}, {160, 50}} {
			next, _ := base.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			lines := strings.Split(screen(next.(Model)), "\n")
			if len(lines) != size[1] {
				t.Errorf("%v %dx%d: %d lines", keys, size[0], size[1], len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w != size[0] {
					t.Errorf("%v %dx%d: line %d is %d wide: %q", keys, size[0], size[1], i, w, l)
				}
			}
		}
	}
}

// BenchmarkDistKeyToFrame is d pressed on resolution time at 120×40 to
// the frame with its distribution drawn (the query has no cache: each
// press reads the rows), on the sample and, with KPISCOPE_BENCH_DATA set,
// on a big dataset with the sample's kpiscope.yaml:
//
//	go test ./tui -run '^$' -bench DistKeyToFrame -benchtime 20x
//	KPISCOPE_BENCH_DATA=/tmp/kpis10m go test ./tui -run '^$' -bench DistKeyToFrame/data -benchtime 20x
func BenchmarkDistKeyToFrame(b *testing.B) {
	b.Run("sample", func(b *testing.B) { benchDist(b, sample(b).Engine) })
	b.Run("data", func(b *testing.B) {
		dir := os.Getenv("KPISCOPE_BENCH_DATA")
		if dir == "" {
			b.Skip("set KPISCOPE_BENCH_DATA to a directory made by `kpiscope sample --out DIR --tickets 10000000`")
		}
		benchDist(b, openData(b, dir).Engine)
	})
}

func benchDist(b *testing.B, eng *kpi.Engine) {
	for _, kpiKey := range []string{"6", "1"} { // resolution time's histogram, CSAT's score mix
		b.Run(map[string]string{"6": "resolution_time", "1": "csat"}[kpiKey], func(b *testing.B) {
			m := New(Deps{Engine: eng, Now: fixedNow, ExportDir: b.TempDir()})
			next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			m = next.(Model)
			m, _ = drive(m, func() tea.Msg { return startMsg{} })
			m = runConcurrently(m, nil)
			m, _ = press(m, kpiKey)
			var lat []time.Duration
			b.ResetTimer()
			for range b.N {
				began := time.Now()
				next, cmd := m.Update(keyMsg("d"))
				m = untilDist(next.(Model), cmd)
				frame := m.View().Content
				lat = append(lat, time.Since(began))
				b.StopTimer()
				if l, ok := m.lens.(*distLens); !ok || l.x == nil || frame == "" {
					b.Fatalf("no distribution on screen: %+v", m.lens)
				}
				m, _ = press(m, "esc")
				b.StartTimer()
			}
			b.StopTimer()
			reportPercentiles(b, "", lat)
		})
	}
}

// untilDist runs cmd's commands concurrently, as the program does, until
// the distribution's answer is in.
func untilDist(m Model, cmd tea.Cmd) Model {
	msgs := make(chan tea.Msg, 64) // late senders (spinner ticks) never block
	pending := 0
	launch := func(c tea.Cmd) {
		if c != nil {
			pending++
			go func() { msgs <- c() }()
		}
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
		case distMsg:
			next, _ := m.Update(msg)
			return next.(Model)
		}
	}
	return m
}

// TestDistKeepsItsMarksWhenNarrow: at 60×20 the pane is 28 cells wide and
// 16 high. October's resolution histogram (buckets <10m … ≥2w, 14 rows) keeps
// its marks, shortened, by dropping the comparison's column (its ticks stay
// on the bars): the median 9.3h in 8–16h, the mean 20.5h in 16h–1d, the
// target 24h in 1–2d and the p90 50.7h in 2–4d. The statistics wrap under the
// segment's name, and the last bucket, ≥2w, is on screen.
func TestDistKeepsItsMarksWhenNarrow(t *testing.T) {
	m := pressDist(started(t, testDeps(t), 60, 20), "6", "d")
	_, body := m.lens.View(m.lensCtx(), 28, 16)
	text := strings.Join(body, "\n")
	if len(body) > 16 {
		t.Errorf("%d lines in 16:\n%s", len(body), text)
	}
	mustContain(t, text, "█ All: n 4,982 · mean 20.5h", "  med 9.3h · p90 50.7h")
	for bucket, mark := range map[string]string{"8–16h ": "med", "16h–1d ": "mean", "1–2d ": "tgt", "2–4d ": "p90", "≥2w ": ""} {
		found := false
		for _, l := range body {
			if strings.HasPrefix(ansi.Strip(l), bucket) {
				found = true
				if !strings.HasSuffix(strings.TrimRight(ansi.Strip(l), " "), mark) {
					t.Errorf("%s: %q, want it marked %q", bucket, ansi.Strip(l), mark)
				}
			}
		}
		if !found {
			t.Errorf("no %s row in\n%s", bucket, text)
		}
	}
	if strings.Contains(text, "Sep 2026") {
		t.Errorf("the comparison's column is still there:\n%s", text)
	}
}

// TestDistEmptySliceHasNoShares: a slice without rows (channel = nosuch)
// has no value, not 0.0%: the histogram says so, and CSAT's score mix
// shows "no answers", "—" for satisfied and no share per score.
func TestDistEmptySliceHasNoShares(t *testing.T) {
	for _, k := range []string{"6", "1"} {
		m := pressDist(started(t, testDeps(t), 120, 40), k, "d")
		lc := m.lensCtx()
		lc.slice = lc.slice.WithFilter(kpi.Filter{Dim: "channel", Values: []string{"nosuch"}})
		l, cmd := m.lens.Reslice(lc)
		l, _, _ = l.Update(cmd(), lc)
		_, body := l.View(lc, 58, 36)
		text := ansi.Strip(strings.Join(body, "\n"))
		if strings.Contains(text, "0.0%") {
			t.Errorf("%s: a share of an empty slice:\n%s", k, text)
		}
		want := "no values in this period"
		if k == "1" {
			want = "All · no answers in Oct 2026"
			mustContain(t, text, "no answers")
		}
		mustContain(t, text, want)
	}
}

// TestDistJoinsBucketsThatDoNotFit: first response runs from seconds to
// days, 18 buckets (<30s … ≥2d) in October; in a pane 16 high (60×20) they
// are joined two at a time into 9 rows (16 − 2 = 14 rows at most: 18 / 14
// rounds up to 2), so ≥1d, the tail, is on screen and the marks are on
// the joined buckets: the median 35.7m in 30m–2h; the mean 3.4h (Billing's
// weekend queue lifts it), the p90 5.8h and the target 2h in 2–8h, whose
// three marks need the pane 36 wide.
func TestDistJoinsBucketsThatDoNotFit(t *testing.T) {
	m := pressDist(started(t, testDeps(t), 60, 20), "8", "d", "tab")
	l, ok := m.lens.(*distLens)
	if !ok || l.x == nil || len(l.x.Buckets) != 18 {
		t.Fatalf("lens %+v", m.lens)
	}
	_, body := m.lens.View(m.lensCtx(), 36, 16)
	var labels []string
	marks := map[string]string{}
	for _, line := range body {
		f := strings.Fields(ansi.Strip(line))
		if len(f) >= 2 && strings.HasSuffix(f[len(f)-1], "%") || len(f) >= 3 && strings.HasSuffix(f[len(f)-2], "%") {
			labels = append(labels, f[0])
			if !strings.HasSuffix(f[len(f)-1], "%") {
				marks[f[0]] = f[len(f)-1]
			}
		}
	}
	if got, want := strings.Join(labels, " "), "<45s 45s–1.5m 1.5–3m 3–10m 10–30m 30m–2h 2–8h 8h–1d ≥1d"; got != want {
		t.Errorf("rows %s, want %s\n%s", got, want, ansi.Strip(strings.Join(body, "\n")))
	}
	if marks["30m–2h"] != "med" || marks["2–8h"] != "mean·p90·tgt" {
		t.Errorf("marks %v\n%s", marks, ansi.Strip(strings.Join(body, "\n")))
	}
	if len(body) > 16 {
		t.Errorf("%d lines in 16", len(body))
	}
}

// TestFitBuckets: five buckets in two rows join three at a time: counts
// 1 2 3 4 5 are 6 and 9, the comparison's 5 0 0 0 1 are 5 and 1, and the
// joined buckets are named from their ends (<1h, ≥1h).
func TestFitBuckets(t *testing.T) {
	inf := math.Inf(1)
	x := &kpi.Distribution{Def: &kpi.Def{Unit: "h"}, Buckets: []kpi.Bucket{
		{Lo: -inf, Hi: 0.25}, {Lo: 0.25, Hi: 0.5}, {Lo: 0.5, Hi: 1}, {Lo: 1, Hi: 2}, {Lo: 2, Hi: inf}}}
	y, r, cr := fitBuckets(x, kpi.DistRow{N: 15, Counts: []int64{1, 2, 3, 4, 5}}, &kpi.DistRow{N: 6, Counts: []int64{5, 0, 0, 0, 1}}, 2)
	if len(y.Buckets) != 2 || y.Buckets[0].Label != "<1h" || y.Buckets[1].Label != "≥1h" || y.Buckets[1].Lo != 1 {
		t.Errorf("buckets %+v", y.Buckets)
	}
	if fmt.Sprint(r.Counts, cr.Counts) != "[6 9] [5 1]" || len(x.Buckets) != 5 {
		t.Errorf("counts %v %v; the distribution's own buckets %d", r.Counts, cr.Counts, len(x.Buckets))
	}
}
