package pane

import (
	"math"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/guptarohit/asciigraph"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

var sparkLevels = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws the last w points as block characters, right-aligned so
// the current period is always the rightmost cell; a period without a value
// is blank.
func Sparkline(points []kpi.Point, w int) string {
	if w <= 0 {
		return ""
	}
	if len(points) > w {
		points = points[len(points)-w:]
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range points {
		if p.Value != nil {
			lo, hi = math.Min(lo, *p.Value), math.Max(hi, *p.Value)
		}
	}
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", w-len(points)))
	for _, p := range points {
		switch {
		case p.Value == nil:
			b.WriteRune(' ')
		case hi == lo:
			b.WriteRune(sparkLevels[3])
		default:
			i := int(math.Round((*p.Value - lo) / (hi - lo) * float64(len(sparkLevels)-1)))
			b.WriteRune(sparkLevels[i])
		}
	}
	return b.String()
}

// PeriodName is a short label for a period start at a grain, in the
// header's words (kpi.PeriodLabel) without their weekday or "week of": a
// weekly trend's axis says "12 Oct 2026" where the header says "week of 12
// Oct 2026", never 2026-W42.
func PeriodName(g kpi.Grain, t time.Time) string {
	switch g {
	case kpi.Day, kpi.Week:
		return t.Format("2 Jan 2006")
	}
	if g.IsWindow() { // a date window's period by its first day, as a week's
		return t.Format("2 Jan 2006")
	}
	return g.Label(t)
}

// ChartExtras are what a trend chart draws beside the KPI's own line.
type ChartExtras struct {
	// Forecast is drawn after the last period, dashed (╌ ╎) and faint,
	// with its 95% interval dotted (·) where the chart is tall enough and
	// the interval does not flatten the history.
	Forecast *kpi.Forecast
	// Benchmark is a second reference line (┈), labelled with its value.
	Benchmark *kpi.Benchmark
	// Annotations over the trend's periods, marked in order (MarkOf) on a
	// line above the period axis.
	Annotations []kpi.Annotation
}

// chartCaptionH is the least chart height with the forecast's caption
// under it (a shorter chart's title names the method).
const chartCaptionH = 8

// The plotted series' shapes: a row holding one of them is labelled.
const (
	targetChar = '┄'
	benchChar  = '┈'
	bandChar   = '·'
)

// Chart draws a line chart of the trend, w × h cells including its y-axis
// labels and a period axis on the last line, with the target as a dotted
// line labelled "target".
func Chart(st style.Styles, d *kpi.Def, points []kpi.Point, goal *kpi.Goal, g kpi.Grain, w, h int) []string {
	return ChartWith(st, d, points, goal, g, w, h, ChartExtras{})
}

// ChartWith is Chart with a forecast, a benchmark and annotation marks.
//
// The axis starts at the first period with a value: periods before the data
// are not drawn as an empty stretch. Values are plotted relative to the
// lowest label, so each series (the target included) lands on the row whose
// label is nearest its value: asciigraph rounds a value and the axis minimum
// separately, which put a target of 80 on a 95 row of a 10–95 axis.
func ChartWith(st style.Styles, d *kpi.Def, points []kpi.Point, goal *kpi.Goal, g kpi.Grain, w, h int, x ChartExtras) []string {
	for len(points) > 1 && points[0].Value == nil {
		points = points[1:]
	}
	var fc []kpi.ForecastPoint
	if x.Forecast != nil && len(points) > 0 {
		last := points[len(points)-1].Period
		for _, p := range x.Forecast.Points {
			if !p.Period.Before(last) && !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
				fc = append(fc, p)
			}
		}
	}
	// The forecast starts after the last full period: one for the last
	// period shown means that period is partial. Its forecast (where it
	// ends) is drawn in its column as a line of its own from the last full
	// period, beside the value so far, so the caption's first point is the
	// chart's first dashed one.
	nh := len(points)
	at := nh // the column of the forecast's first point
	partial := false
	if len(fc) > 0 && fc[0].Period.Equal(points[nh-1].Period) {
		if nh > 1 {
			partial, at = true, nh-1
		} else {
			fc = fc[1:]
		}
	}
	n := at + len(fc)
	vals := make([]float64, n)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range vals {
		vals[i] = math.NaN()
		if i < nh && points[i].Value != nil {
			vals[i] = *points[i].Value
			lo, hi = math.Min(lo, vals[i]), math.Max(hi, vals[i])
		}
	}
	if len(points) == 0 || math.IsInf(lo, 1) {
		return []string{st.MutedText.Render("no values in this window")}
	}
	if goal != nil {
		lo, hi = math.Min(lo, goal.Value), math.Max(hi, goal.Value)
	}
	if b := x.Benchmark; b != nil {
		lo, hi = math.Min(lo, b.Value), math.Max(hi, b.Value)
	}
	var fcLow, fcHigh, fcLine []float64
	caption := ""
	if len(fc) > 0 {
		// One line for the history and the forecast, whose columns are
		// dashed after (colourPlotLine); after a partial period, a line
		// of its own from the last full one.
		line := vals
		if partial {
			fcLine = nanSeries(n)
			fcLine[at-1] = vals[at-1]
			line = fcLine
		}
		for i, p := range fc {
			line[at+i] = p.Value
			lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
		}
		// The band is drawn where it hardly widens the axis: a wide one
		// would flatten the history (the caption gives it in numbers).
		bLo, bHi := lo, hi
		for _, p := range fc {
			bLo, bHi = math.Min(bLo, p.Low), math.Max(bHi, p.High)
		}
		if h >= 9 && bHi-bLo <= 1.25*(hi-lo) && !math.IsNaN(bLo+bHi) {
			fcLow, fcHigh = nanSeries(n), nanSeries(n)
			fcLow[at-1], fcHigh[at-1] = vals[at-1], vals[at-1]
			for i, p := range fc {
				fcLow[at+i], fcHigh[at+i] = p.Low, p.High
			}
			lo, hi = bLo, bHi
		}
		if h >= chartCaptionH {
			caption = forecastCaption(d, g, x.Forecast.Method, fc[0], w)
			h--
		}
	}
	var marks []int // the period each annotation starts in
	for _, a := range x.Annotations {
		marks = append(marks, max(0, periodIndex(points, a.From)))
	}
	if len(marks) > 0 && h >= 4 {
		h--
	} else {
		marks = nil
	}
	if hi == lo {
		pad := math.Max(math.Abs(hi)*0.05, 1)
		lo, hi = lo-pad, hi+pad
	}
	format := func(v float64) string { return d.FormatNumber(v, d.Decimals) }
	base := lo // plotted values are v − base, labelled v
	shift := func(s []float64) []float64 {
		for i := range s {
			s[i] -= base
		}
		return s
	}
	labelW := max(Width(format(lo)), Width(format(hi)), Width(format((lo+hi)/2))) + 1
	const offset = 2
	// The reference lines are labelled with their values: the row each
	// falls on is only the nearest one.
	lb := lineLabels{}
	if goal != nil {
		lb.target = " " + d.FormatTarget(goal)
		if w >= 50 {
			lb.target = " target" + lb.target
		}
	}
	if b := x.Benchmark; b != nil {
		lb.bench = " " + d.FormatNumber(b.Value, benchDecimals(d, b))
		if w >= 50 {
			lb.bench = " " + BenchmarkValue(d, b)
		}
	}
	plotW := w - labelW - offset - max(Width(lb.target), Width(lb.bench)) - 1
	if plotW < 8 || h < 3 {
		return []string{Sparkline(points, w)}
	}
	var series [][]float64
	var chars []asciigraph.CharSet
	add := func(s []float64, c asciigraph.CharSet) {
		series, chars = append(series, shift(s)), append(chars, c)
	}
	flat := func(v float64) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = v
		}
		return s
	}
	// The reference lines are drawn over the forecast's band (its dots hid
	// the target), and the target over the benchmark: on a short chart
	// both may fall on one row, which then names the target.
	dot := string(bandChar)
	if fcLow != nil {
		band := asciigraph.CharSet{Horizontal: dot, VerticalLine: " ", ArcDownRight: dot, ArcDownLeft: dot, ArcUpRight: dot, ArcUpLeft: dot, EndCap: dot, StartCap: dot}
		add(fcLow, band)
		add(fcHigh, band)
	}
	if b := x.Benchmark; b != nil {
		add(flat(b.Value), asciigraph.CharSet{Horizontal: string(benchChar)})
	}
	if goal != nil {
		add(flat(goal.Value), asciigraph.CharSet{Horizontal: string(targetChar)})
	}
	if fcLine != nil {
		add(fcLine, asciigraph.CharSet{Horizontal: "╌", VerticalLine: "╎"})
	}
	add(vals, asciigraph.DefaultCharSet) // the KPI is drawn over the reference lines
	opts := []asciigraph.Option{
		asciigraph.Width(plotW), asciigraph.Offset(offset),
		asciigraph.LowerBound(0), asciigraph.UpperBound(hi - base),
		asciigraph.YAxisValueFormatter(func(v float64) string { return format(v + base) }),
		asciigraph.SeriesChars(chars...),
	}
	var lines []string
	for ph := h - 2; ph >= 1; ph-- {
		lines = strings.Split(asciigraph.PlotMany(series, append(opts, asciigraph.Height(ph))...), "\n")
		if len(lines) <= h-1 {
			break
		}
	}
	leftPad := labelW + offset - 1
	if len(lines) > 0 {
		if i := strings.IndexAny(lines[0], "┤┼"); i >= 0 {
			leftPad = len([]rune(lines[0][:i])) + 1
		}
	}
	// col is the plot column of period i; asciigraph draws the line from
	// period i towards i+1 in the cell after the axis.
	col := func(i int) int {
		if n <= 1 {
			return 0
		}
		return int(math.Round(float64(i) * float64(plotW-1) / float64(n-1)))
	}
	lb.forecastFrom = -1
	if len(fc) > 0 {
		// The line towards the first forecast period starts in the cell
		// after the last period's.
		lb.forecastFrom = leftPad + col(nh-1)
		if partial { // the value so far stays solid; its own line is dashed
			lb.forecastFrom = leftPad + col(nh)
		}
	}
	out := make([]string, 0, h+2)
	for _, l := range lines {
		out = append(out, colourPlotLine(st, l, leftPad, lb))
	}
	if marks != nil {
		row := []rune(strings.Repeat(" ", leftPad+plotW))
		taken := map[int]bool{}
		var b strings.Builder
		for i, k := range marks {
			// Two in one period: the next free cell to the right.
			for c := leftPad + col(k); c < len(row); c++ {
				if !taken[c] {
					taken[c] = true
					row[c] = []rune(MarkOf(i))[0]
					break
				}
			}
		}
		for _, r := range row {
			if r == ' ' {
				b.WriteRune(r)
				continue
			}
			b.WriteString(st.Mark.Render(string(r)))
		}
		out = append(out, b.String())
	}
	// Period axis: first and last period under the plot.
	first := PeriodName(g, points[0].Period)
	last := PeriodName(g, points[nh-1].Period)
	if len(fc) > 0 {
		last = PeriodName(g, fc[len(fc)-1].Period)
	}
	axis := strings.Repeat(" ", leftPad) + first
	if gap := leftPad + plotW - Width(axis) - Width(last); gap >= 2 {
		axis += strings.Repeat(" ", gap) + last
	}
	out = append(out, st.MutedText.Render(axis))
	if caption != "" {
		out = append(out, caption)
	}
	return out
}

func nanSeries(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

func benchDecimals(d *kpi.Def, b *kpi.Benchmark) int {
	if b.Value == math.Trunc(b.Value) {
		return 0
	}
	return d.Decimals
}

// ShortMethod is a forecast method's short name for a narrow line: "SES",
// "Holt", "damped trend", "seasonal naive".
func ShortMethod(method string) string {
	for _, m := range []struct{ long, short string }{
		{"simple exponential smoothing", "SES"},
		{"Holt's linear trend", "Holt"},
		{"damped trend", "damped trend"},
		{"seasonal naive", "seasonal naive"},
	} {
		if strings.HasPrefix(method, m.long) {
			return m.short
		}
	}
	if i := strings.Index(method, " ("); i > 0 {
		return method[:i]
	}
	return method
}

// forecastCaption names the forecast under the chart: "╌ forecast Nov 2026
// 79.8% (95%: 76.1–83.5) · Holt's linear trend", as much as fits in w.
func forecastCaption(d *kpi.Def, g kpi.Grain, method string, p kpi.ForecastPoint, w int) string {
	at := PeriodName(g, p.Period) + " " + d.FormatNumber(p.Value, d.Decimals)
	ci := " (" + IntervalText(d, kpi.Interval{Low: p.Low, High: p.High}) + ")"
	if method == "" {
		if s := "╌ forecast " + at + ci; Width(s) <= w {
			return s
		}
		return Fit("╌ forecast "+at, w)
	}
	// The method is always named: in full where it fits, else by its short
	// name ahead of the numbers ("╌ forecast (SES) Nov 2026 …").
	if s := "╌ forecast " + at + ci + " · " + method; Width(s) <= w {
		return s
	}
	head := "╌ forecast (" + ShortMethod(method) + ") " + at
	if Width(head+ci) <= w {
		return head + ci
	}
	return Fit(head, w)
}

// lineLabels are the labels of a chart's reference lines and the first
// column of its forecast (-1 without one).
type lineLabels struct {
	target, bench string
	forecastFrom  int
}

// colourPlotLine styles one asciigraph line: labels muted, the target and
// benchmark lines in their colours with their names, the KPI's line in the
// accent colour and its forecast faint.
func colourPlotLine(st style.Styles, l string, leftPad int, lb lineLabels) string {
	r := []rune(l)
	if len(r) <= leftPad {
		return st.MutedText.Render(l)
	}
	label, plot := string(r[:leftPad]), r[leftPad:]
	var b strings.Builder
	b.WriteString(st.MutedText.Render(label))
	if lb.forecastFrom >= 0 {
		for i := max(0, lb.forecastFrom-leftPad); i < len(plot); i++ {
			switch plot[i] {
			case '─':
				plot[i] = '╌'
			case '│':
				plot[i] = '╎'
			}
		}
	}
	kind := func(i int) int {
		switch plot[i] {
		case ' ':
			return 0
		case targetChar:
			return 1
		case benchChar:
			return 2
		case bandChar:
			return 4
		}
		if lb.forecastFrom >= 0 && leftPad+i >= lb.forecastFrom {
			return 4
		}
		return 3
	}
	styles := []lipgloss.Style{lipgloss.NewStyle(), st.Target, st.Benchmark, st.AccentTxt, st.Forecast}
	start := 0
	for i := 1; i <= len(plot); i++ {
		if i == len(plot) || kind(i) != kind(start) {
			b.WriteString(styles[kind(start)].Render(string(plot[start:i])))
			start = i
		}
	}
	if lb.target != "" && strings.ContainsRune(string(plot), targetChar) {
		b.WriteString(st.Target.Render(lb.target))
	} else if lb.bench != "" && strings.ContainsRune(string(plot), benchChar) {
		b.WriteString(st.Benchmark.Render(lb.bench))
	}
	return b.String()
}
