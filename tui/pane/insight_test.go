package pane

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"kpiscope/internal/kpi"
	"kpiscope/tui/keys"
	"kpiscope/tui/style"
)

func bp(b bool) *bool { return &b }

func strip(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(ansi.Strip(l), " ")
	}
	return out
}

func hasLine(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// TestIntervalText: a percentage's ends without their unit (the value
// beside it has it), a suffix unit once, a prefix unit on both ends.
func TestIntervalText(t *testing.T) {
	for _, c := range []struct {
		d    *kpi.Def
		ci   kpi.Interval
		want string
	}{
		{&kpi.Def{Unit: "%", Decimals: 1}, kpi.Interval{Low: 76.3, High: 80.04}, "95%: 76.3–80.0"},
		{&kpi.Def{Unit: "h", Decimals: 1}, kpi.Interval{Low: 18.24, High: 19.76}, "95%: 18.2–19.8h"},
		{&kpi.Def{Unit: "$", Decimals: 2}, kpi.Interval{Low: 117.2, High: 1121.7}, "95%: $117.20–$1,121.70"},
	} {
		if got := IntervalText(c.d, c.ci); got != c.want {
			t.Errorf("IntervalText %+v = %q, want %q", c.ci, got, c.want)
		}
	}
}

// TestChangeText: the sentence, within noise or real, with the
// interval of the change; nothing when the change was not tested.
func TestChangeText(t *testing.T) {
	d := &kpi.Def{Unit: "%", Decimals: 1}
	row := kpi.Row{Point: kpi.Point{Value: f(78.2), N: 1929, HasN: true}, Delta: f(-1.8),
		DeltaCI: &kpi.Interval{Low: -4.1, High: 0.5}, Significant: bp(false)}
	if got, want := ChangeText(d, row), "within noise at n 1,929: 95% interval of the change −4.1 … +0.5 pts"; got != want {
		t.Errorf("within noise: %q, want %q", got, want)
	}
	row.DeltaCI, row.Significant = &kpi.Interval{Low: -3.2, High: -0.4}, bp(true)
	if got, want := ChangeText(d, row), "a real change at n 1,929: 95% interval of the change −3.2 … −0.4 pts"; got != want {
		t.Errorf("real: %q, want %q", got, want)
	}
	hours := &kpi.Def{Unit: "h", Decimals: 1}
	row.DeltaCI = &kpi.Interval{Low: 0.26, High: 1.94}
	if got, want := ChangeText(hours, row), "a real change at n 1,929: 95% interval of the change +0.3h … +1.9h"; got != want {
		t.Errorf("hours: %q, want %q", got, want)
	}
	row.Significant = nil
	if got := ChangeText(d, row); got != "" {
		t.Errorf("untested change: %q, want nothing", got)
	}
}

// TestPaceTexts: 62% of the expected volume in, heading for 79.6%; the
// 1,317 answers still expected (said ~1,300, kpi.Pace.Line) need 82.9% for
// the month to end at 80%; a need above 100% is out of reach; a count has
// only its run rate.
func TestPaceTexts(t *testing.T) {
	d := &kpi.Def{BuiltinID: "csat", Unit: "%", Decimals: 1, Better: kpi.Higher}
	p := &kpi.Pace{Elapsed: 0.62, Projected: f(79.6), Method: "run rate", ExpectedRest: 1317, Needed: f(82.9), Reachable: true}
	got := PaceTexts(d, &kpi.Goal{Value: 80}, p)
	want := []string{"62% in: heading for 79.6%", "to end ≥ 80%, the ~1,300 answers still expected need 82.9% top-2-box"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("pace %q, want %q", got, want)
	}
	// a ratio projected at its rate so far ends where it stands: say so
	rs := *p
	rs.Method = "62% of the period's volume in, as Sep 2026 had by this point; the rest at the rate so far"
	if got := PaceTexts(d, &kpi.Goal{Value: 80}, &rs); len(got) != 2 || got[0] != "62% in: heading for 79.6% at the rate so far" {
		t.Errorf("rate so far: %q", got)
	}
	p.Needed, p.Reachable = f(104.2), false
	if got := PaceTexts(d, &kpi.Goal{Value: 80}, p); len(got) != 2 || !strings.HasSuffix(got[1], "need 104.2% top-2-box: out of reach") {
		t.Errorf("out of reach: %q", got)
	}
	count := &kpi.Def{Decimals: 0}
	if got := PaceTexts(count, nil, &kpi.Pace{Elapsed: 0.5, Projected: f(5230), Method: "run rate"}); strings.Join(got, "|") != "50% in: on pace for ~5,230 by the period's end" {
		t.Errorf("count: %q", got)
	}
	if got := PaceTexts(d, nil, nil); got != nil {
		t.Errorf("no pace: %q", got)
	}
}

func TestAnnotationDates(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		a    kpi.Annotation
		want string
	}{
		{kpi.Annotation{From: day(2026, 3, 12), To: day(2026, 3, 13)}, "12 Mar 2026"},
		{kpi.Annotation{From: day(2026, 3, 10), To: day(2026, 3, 15)}, "10–14 Mar 2026"},
		{kpi.Annotation{From: day(2026, 2, 28), To: day(2026, 3, 4)}, "28 Feb – 3 Mar 2026"},
		{kpi.Annotation{From: day(2025, 12, 30), To: day(2026, 1, 3)}, "30 Dec 2025 – 2 Jan 2026"},
	} {
		if got := AnnotationDates(c.a); got != c.want {
			t.Errorf("%v: %q, want %q", c.a.From, got, c.want)
		}
	}
}

// TestDetailShowsIntervalNoiseAndPace: the value with its interval, the
// change marked ≈ and explained, the pacing line, the benchmark with its
// source, an uncertain status with its own shape.
func TestDetailShowsIntervalNoiseAndPace(t *testing.T) {
	def := &kpi.Def{ID: "csat", BuiltinID: "csat", Name: "CSAT", Unit: "%", Decimals: 1, Better: kpi.Higher,
		Benchmark: &kpi.Benchmark{Value: 72, Label: "industry median", Source: "ACSI 2025"}}
	row := kpi.Row{Total: true, Point: kpi.Point{Value: f(78.2), N: 1929, HasN: true},
		Goal: &kpi.Goal{Value: 80}, Status: kpi.Uncertain, Delta: f(-1.8), CompareTo: "Sep 2026",
		CI: &kpi.Interval{Low: 76.3, High: 80.0}, DeltaCI: &kpi.Interval{Low: -4.1, High: 0.5}, Significant: bp(false)}
	pace := &kpi.Pace{Elapsed: 0.62, Projected: f(79.6), Method: "run rate", ExpectedRest: 1317, Needed: f(82.9), Reachable: true}
	d := Detail{Def: def, Result: &kpi.Result{Def: def, Total: row, Pace: pace}, Grain: kpi.Month, Keys: keys.Default()}
	lines, _ := RenderDetail(style.New(true, true), d, 80, 30)
	got := strip(lines)
	for _, want := range []string{
		"78.2% (95%: 76.3–80.0)   ◌ uncertain   target ≥ 80%   ≈▽ −1.8 pts vs Sep 2026",
		"within noise at n 1,929: 95% interval of the change −4.1 … +0.5 pts",
		"industry median 72% — ACSI 2025",
		"pace 62% in: heading for 79.6%",
		"to end ≥ 80%, the ~1,300 answers still expected need 82.9% top-2-box",
		"projected: run rate",
	} {
		if !hasLine(got, want) {
			t.Errorf("no line with %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
	// Without an interval, the reason, quietly.
	row.CI, row.NoCI, row.Significant, row.DeltaCI = nil, "a median: no interval", nil, nil
	d.Result = &kpi.Result{Def: def, Total: row}
	lines, _ = RenderDetail(style.New(true, true), d, 80, 30)
	if got := strip(lines); !hasLine(got, "78.2%  ◌ uncertain   a median: no interval") || hasLine(got, "≈") {
		t.Errorf("NoCI: %s", strings.Join(got, "\n"))
	}
}

// TestListMarksNoiseAndUncertain: a change within noise is marked ≈ (a
// real one is not), the uncertain status has its own shape and count, the
// legend names both, and a benchmark column shows when a KPI has one.
func TestListMarksNoiseAndUncertain(t *testing.T) {
	csat := &kpi.Def{ID: "csat", Name: "CSAT", Unit: "%", Decimals: 1, Better: kpi.Higher,
		Benchmark: &kpi.Benchmark{Value: 72, Label: "industry median"}}
	fcr := &kpi.Def{ID: "fcr", Name: "FCR", Unit: "%", Decimals: 1, Better: kpi.Higher}
	tiles := []Tile{
		{Def: csat, Result: &kpi.Result{Def: csat, Total: kpi.Row{Point: kpi.Point{Value: f(78.2), N: 1929, HasN: true},
			Goal: &kpi.Goal{Value: 80}, Status: kpi.Uncertain, Delta: f(-1.8), Significant: bp(false)}}},
		{Def: fcr, Result: &kpi.Result{Def: fcr, Total: kpi.Row{Point: kpi.Point{Value: f(68.4), N: 4989, HasN: true},
			Goal: &kpi.Goal{Value: 70}, Status: kpi.Red, Delta: f(-1.0), Significant: bp(true)}}},
	}
	got := strip(List(style.New(true, false), tiles, 0, 80, 20, true, false))
	if !strings.HasPrefix(got[1], "◌") || !strings.Contains(got[1], "≈▼1.8") || !strings.Contains(got[1], "72%") {
		t.Errorf("CSAT row %q: ◌, ≈▼1.8 and its benchmark 72%%", got[1])
	}
	if strings.Contains(got[2], "≈") || !strings.Contains(got[2], "▼ 1.0") || !strings.Contains(got[2], "—") {
		t.Errorf("FCR row %q: a real change is not marked; no benchmark is —", got[2])
	}
	if !strings.Contains(got[0], "Bench") {
		t.Errorf("header %q has no Bench column", got[0])
	}
	if !hasLine(got, "○ 1 off · ◌ 1 uncertain") || !hasLine(got, "◌ uncertain") || !hasLine(got, "≈ Δ within noise") {
		t.Errorf("summary and legend:\n%s", strings.Join(got, "\n"))
	}
	// Short of room, n goes first, then the benchmark, never the change.
	got = strip(List(style.New(true, false), tiles, 0, 52, 20, true, false))
	if !strings.Contains(got[0], "Bench") || strings.HasSuffix(got[0], "n") || !strings.Contains(got[0], "Trend") {
		t.Errorf("52 cells: %q: Bench and Trend, not n", got[0])
	}
	got = strip(List(style.New(true, true), tiles, 0, 34, 20, true, false))
	if strings.Contains(got[0], "Bench") || !strings.Contains(got[0], "Δ") {
		t.Errorf("34 cells: %q", got[0])
	}
}

// TestBreakdownMarksNoise: a segment's change within noise is ≈ in the
// breakdown too.
func TestBreakdownMarksNoise(t *testing.T) {
	def := &kpi.Def{ID: "csat", Name: "CSAT", Unit: "%", Decimals: 1, Better: kpi.Higher}
	seg := func(name string, v, delta float64, sig bool) kpi.Row {
		return kpi.Row{Segment: name, Point: kpi.Point{Value: f(v), N: 100, HasN: true}, Status: kpi.NoTarget, Delta: f(delta), Significant: bp(sig)}
	}
	r := &kpi.Result{Def: def, Total: seg("", 80, -1.8, false),
		Segments: []kpi.Row{seg("email", 74.4, -3.1, true), seg("chat", 85.6, -0.5, false)}}
	got := strip(RenderBreakdown(style.New(true, false), Breakdown{Def: def, Result: r, Dim: "channel", Sort: DefaultSort()}, 60, 10))
	if !hasLine(got, "email") || strings.Contains(got[1], "≈") || !strings.Contains(got[2], "≈▼0.5 pts") {
		t.Errorf("breakdown:\n%s", strings.Join(got, "\n"))
	}
}

// TestChartDrawsForecastBenchmarkAndMarks: six months of CSAT then a
// three-month forecast: the history in solid lines to Jun, the forecast
// dashed after it with the axis ending at its last month (Sep), the
// benchmark's dotted line labelled with its value apart from the target's,
// an annotation on 10 Mar marked a under March (the third of nine periods),
// and the forecast's caption with its interval and method.
func TestChartDrawsForecastBenchmarkAndMarks(t *testing.T) {
	d := &kpi.Def{ID: "csat", Unit: "%", Decimals: 1, Better: kpi.Higher}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var pts []kpi.Point
	for i, v := range []float64{80, 82, 78, 81, 83, 82} {
		pts = append(pts, kpi.Point{Period: kpi.Month.Add(t0, i), Value: f(v)})
	}
	fc := &kpi.Forecast{Method: "Holt's linear trend", Points: []kpi.ForecastPoint{
		{Period: kpi.Month.Add(t0, 6), Value: 82.5, Low: 80, High: 85},
		{Period: kpi.Month.Add(t0, 7), Value: 83, Low: 79.5, High: 86.5},
		{Period: kpi.Month.Add(t0, 8), Value: 83.5, Low: 79, High: 88},
	}}
	ann := []kpi.Annotation{{From: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC), Label: "March incident"}}
	lines := strip(ChartWith(style.New(true, true), d, pts, &kpi.Goal{Value: 80}, kpi.Month, 70, 14,
		ChartExtras{Forecast: fc, Benchmark: &kpi.Benchmark{Value: 75, Label: "industry median"}, Annotations: ann}))
	all := strings.Join(lines, "\n")
	if !strings.Contains(all, "╌") || !strings.Contains(all, "┈ industry median 75%") && !hasLine(lines, "industry median 75%") {
		t.Errorf("no dashed forecast or labelled benchmark:\n%s", all)
	}
	if !hasLine(lines, "target ≥ 80%") {
		t.Errorf("no target label:\n%s", all)
	}
	// The axis ends at the forecast's last month.
	axis := lines[len(lines)-2]
	if !strings.HasPrefix(strings.TrimSpace(axis), "Jan 2026") || !strings.HasSuffix(axis, "Sep 2026") {
		t.Errorf("axis %q: Jan 2026 … Sep 2026", axis)
	}
	if got, want := lines[len(lines)-1], "╌ forecast Jul 2026 82.5% (95%: 80.0–85.0) · Holt's linear trend"; got != want {
		t.Errorf("caption %q, want %q", got, want)
	}
	// The mark sits in March's column: the plot's columns spread the nine
	// periods evenly, March (index 2) at 2/8 of the plot's width.
	marks := lines[len(lines)-3]
	plotStart := strings.Index(axis, "Jan")
	plotEnd := len([]rune(axis)) - 1
	col := strings.IndexRune(marks, 'a')
	want := plotStart + int(float64(plotEnd-plotStart)*2/8+0.5)
	if strings.TrimSpace(marks) != "a" || col < want-1 || col > want+1 {
		t.Errorf("marks line %q: a at column %d, want about %d", marks, col, want)
	}
	// Forecast points are on the dashed side: nothing dashed before June.
	for _, l := range lines[:len(lines)-1] {
		r := []rune(l)
		for i, c := range r {
			if (c == '╌' || c == '╎') && i < plotStart+int(float64(plotEnd-plotStart)*5/8)-1 {
				t.Errorf("dashed before the forecast at %d: %q", i, l)
			}
		}
	}
}

// TestDetailWithInsightFits: with an interval, a change within noise, a
// pace, a benchmark, a forecast and three annotations, the pane stays in
// its w × h box at every size (no line wider than w, no more than h), and
// narrow panes say the change's verdict in its short form.
func TestDetailWithInsightFits(t *testing.T) {
	def := &kpi.Def{ID: "csat", BuiltinID: "csat", Name: "CSAT", Unit: "%", Decimals: 1, Better: kpi.Higher,
		Description: "% of ratings which scored 4–5", Benchmark: &kpi.Benchmark{Value: 72, Label: "industry median", Source: "a survey of 2025"}}
	t0 := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	var trend []kpi.Point
	for i := range 12 {
		trend = append(trend, kpi.Point{Period: kpi.Month.Add(t0, i), Value: f(78 + float64(i%4))})
	}
	fc := &kpi.Forecast{Method: "simple exponential smoothing", Points: []kpi.ForecastPoint{
		{Period: kpi.Month.Add(t0, 12), Value: 80, Low: 76, High: 84}, {Period: kpi.Month.Add(t0, 13), Value: 80, Low: 75, High: 85}}}
	var anns []kpi.Annotation
	for _, m := range []int{1, 4, 6} {
		from := kpi.Month.Add(t0, m)
		anns = append(anns, kpi.Annotation{From: from, To: from.AddDate(0, 0, 3), Label: "something that happened and has a long label"})
	}
	row := kpi.Row{Total: true, Point: kpi.Point{Value: f(78.2), N: 1929, HasN: true}, Goal: &kpi.Goal{Value: 80},
		Status: kpi.Uncertain, Delta: f(-1.8), CompareTo: "Sep 2026 (to 15 Sep)", Partial: true, PeriodName: "Oct 2026 (to 15 Oct)",
		CI: &kpi.Interval{Low: 76.3, High: 80.0}, DeltaCI: &kpi.Interval{Low: -4.1, High: 0.5}, Significant: bp(false)}
	pace := &kpi.Pace{Elapsed: 0.5, Projected: f(79.1), Method: "the rest at Sep's rate", ExpectedRest: 1900, Needed: f(81.8), Reachable: true}
	d := Detail{Def: def, Result: &kpi.Result{Def: def, Total: row, Trend: trend, Pace: pace, Forecast: fc}, Grain: kpi.Month,
		Annotations: anns, Keys: keys.Default()}
	for _, w := range []int{28, 36, 43, 55, 70, 90} {
		for _, h := range []int{12, 16, 20, 24, 30, 38} {
			lines, _ := RenderDetail(style.New(true, false), d, w, h)
			if len(lines) > h {
				t.Errorf("%dx%d: %d lines", w, h, len(lines))
			}
			for _, l := range lines {
				if Width(l) > w {
					t.Errorf("%dx%d: line wider than the pane: %q", w, h, ansi.Strip(l))
				}
			}
			got := strip(lines)
			if w < 50 && !hasLine(got, "within noise (95%") || w >= 50 && !hasLine(got, "within noise at n 1,929") {
				t.Errorf("%dx%d: the change's verdict:\n%s", w, h, strings.Join(got, "\n"))
			}
		}
	}
}

// TestChartTargetOverBenchmark: a target of 81 and a benchmark of 78 on a
// 70.7–83.8 axis of four rows both fall on the 79.4 row; the row shows and
// names the target.
func TestChartTargetOverBenchmark(t *testing.T) {
	d := &kpi.Def{ID: "csat", Unit: "%", Decimals: 1, Better: kpi.Higher}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var pts []kpi.Point
	for i, v := range []float64{83.8, 80, 70.7, 82} {
		pts = append(pts, kpi.Point{Period: kpi.Month.Add(t0, i), Value: f(v)})
	}
	lines := strip(ChartWith(style.New(true, true), d, pts, &kpi.Goal{Value: 81}, kpi.Month, 43, 5,
		ChartExtras{Benchmark: &kpi.Benchmark{Value: 78, Label: "median"}}))
	row := ""
	for _, l := range lines {
		if strings.Contains(l, "79.4%") {
			row = l
		}
	}
	if !strings.Contains(row, "┄") || !strings.HasSuffix(row, "≥ 81%") {
		t.Errorf("the 79.4 row %q: the target's line and name\n%s", row, strings.Join(lines, "\n"))
	}
}

// TestDetailListsLatestAnnotations: of seven annotations in the trend's
// window, the chart's key lists the latest five (marked a–e), and a pane
// too short for a chart lists the latest under its sparkline.
func TestDetailListsLatestAnnotations(t *testing.T) {
	def := &kpi.Def{ID: "csat", Name: "CSAT", Unit: "%", Decimals: 1, Better: kpi.Higher}
	t0 := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	var trend []kpi.Point
	for i := range 12 {
		trend = append(trend, kpi.Point{Period: kpi.Month.Add(t0, i), Value: f(78 + float64(i%4))})
	}
	var anns []kpi.Annotation
	for i := range 7 {
		from := kpi.Month.Add(t0, i+1)
		anns = append(anns, kpi.Annotation{From: from, To: from.AddDate(0, 0, 1), Label: "A" + string(rune('1'+i))})
	}
	d := Detail{Def: def, Result: &kpi.Result{Def: def, Total: kpi.Row{Total: true, Point: kpi.Point{Value: f(79)}, Status: kpi.NoTarget}, Trend: trend},
		Grain: kpi.Month, Annotations: anns, Keys: keys.Default(), BreakdownMsg: "No breakdown."}
	lines, _ := RenderDetail(style.New(true, true), d, 55, 30)
	all := strings.Join(strip(lines), "\n")
	for _, want := range []string{"a 1 Feb 2026 · A3", "e 1 Jun 2026 · A7"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in\n%s", want, all)
		}
	}
	if strings.Contains(all, "A1") || strings.Contains(all, "A2") {
		t.Errorf("the earliest are listed:\n%s", all)
	}
	lines, _ = RenderDetail(style.New(true, true), d, 55, 8)
	all = strings.Join(strip(lines), "\n")
	if !strings.Contains(all, "1 Jun 2026 · A7") || strings.Contains(all, "A1") || strings.Contains(all, "┤") {
		t.Errorf("a short pane lists the latest under its sparkline:\n%s", all)
	}
}

// TestLegendNamesInsightMarks: the help's legend explains the uncertain
// status, the mark of a change within noise (and what no mark means), the
// sketch mark ~ of a median and its change, and the chart's lines and
// annotation marks.
func TestLegendNamesInsightMarks(t *testing.T) {
	all := strings.Join(strip(Legend(style.New(true, true), keys.Default(), 100)), "\n")
	for _, want := range []string{"◌ uncertain", "≈ Δ within noise (95%); unmarked: beyond it or untested", "~ a median and its Δ", "┄ target", "┈ benchmark", "╌ forecast", "a b annotations"} {
		if !strings.Contains(all, want) {
			t.Errorf("legend lacks %q:\n%s", want, all)
		}
	}
}
