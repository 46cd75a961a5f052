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
	return g.Label(t)
}

// Chart draws a line chart of the trend, w × h cells including its y-axis
// labels and a period axis on the last line, with the target as a dotted
// line labelled "target".
//
// The axis starts at the first period with a value: periods before the data
// are not drawn as an empty stretch. Values are plotted relative to the
// lowest label, so each series (the target included) lands on the row whose
// label is nearest its value: asciigraph rounds a value and the axis minimum
// separately, which put a target of 80 on a 95 row of a 10–95 axis.
func Chart(st style.Styles, d *kpi.Def, points []kpi.Point, goal *kpi.Goal, g kpi.Grain, w, h int) []string {
	for len(points) > 1 && points[0].Value == nil {
		points = points[1:]
	}
	vals := make([]float64, len(points))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, p := range points {
		vals[i] = math.NaN()
		if p.Value != nil {
			vals[i] = *p.Value
			lo, hi = math.Min(lo, *p.Value), math.Max(hi, *p.Value)
		}
	}
	if len(points) == 0 || math.IsInf(lo, 1) {
		return []string{st.MutedText.Render("no values in this window")}
	}
	series := [][]float64{vals}
	if goal != nil {
		lo, hi = math.Min(lo, goal.Value), math.Max(hi, goal.Value)
	}
	if hi == lo {
		pad := math.Max(math.Abs(hi)*0.05, 1)
		lo, hi = lo-pad, hi+pad
	}
	format := func(v float64) string { return d.FormatNumber(v, d.Decimals) }
	base := lo // plotted values are v − base, labelled v
	for i := range vals {
		vals[i] -= base
	}
	labelW := max(Width(format(lo)), Width(format(hi)), Width(format((lo+hi)/2))) + 1
	const offset = 2
	// The target line is labelled with its value: the row it falls on is
	// only the nearest one.
	targetLabel := ""
	if goal != nil {
		targetLabel = " " + d.FormatTarget(goal)
		if w >= 50 {
			targetLabel = " target" + targetLabel
		}
	}
	plotW := w - labelW - offset - Width(targetLabel) - 1
	if plotW < 8 || h < 3 {
		return []string{Sparkline(points, w)}
	}
	if goal != nil {
		t := make([]float64, len(vals))
		for i := range t {
			t[i] = goal.Value - base
		}
		series = [][]float64{t, vals} // the KPI is drawn over the target
	}
	opts := []asciigraph.Option{
		asciigraph.Width(plotW), asciigraph.Offset(offset),
		asciigraph.LowerBound(0), asciigraph.UpperBound(hi - base),
		asciigraph.YAxisValueFormatter(func(v float64) string { return format(v + base) }),
	}
	if goal != nil {
		opts = append(opts, asciigraph.SeriesChars(asciigraph.CharSet{Horizontal: "┄"}, asciigraph.DefaultCharSet))
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
	out := make([]string, 0, h)
	for _, l := range lines {
		out = append(out, colourPlotLine(st, l, leftPad, targetLabel))
	}
	// Period axis: first and last period under the plot.
	first, last := PeriodName(g, points[0].Period), PeriodName(g, points[len(points)-1].Period)
	axis := strings.Repeat(" ", leftPad) + first
	if gap := leftPad + plotW - Width(axis) - Width(last); gap >= 2 {
		axis += strings.Repeat(" ", gap) + last
	}
	out = append(out, st.MutedText.Render(axis))
	return out
}

// colourPlotLine styles one asciigraph line: labels muted, the target line
// in the target colour with its name, the KPI's line in the accent colour.
func colourPlotLine(st style.Styles, l string, leftPad int, targetLabel string) string {
	r := []rune(l)
	if len(r) <= leftPad {
		return st.MutedText.Render(l)
	}
	label, plot := string(r[:leftPad]), r[leftPad:]
	var b strings.Builder
	b.WriteString(st.MutedText.Render(label))
	isTarget := targetLabel != "" && strings.ContainsRune(string(plot), '┄')
	kind := func(c rune) int {
		switch c {
		case ' ':
			return 0
		case '┄':
			return 1
		}
		return 2
	}
	styles := []lipgloss.Style{lipgloss.NewStyle(), st.Target, st.AccentTxt}
	start := 0
	for i := 1; i <= len(plot); i++ {
		if i == len(plot) || kind(plot[i]) != kind(plot[start]) {
			b.WriteString(styles[kind(plot[start])].Render(string(plot[start:i])))
			start = i
		}
	}
	if isTarget {
		b.WriteString(st.Target.Render(targetLabel))
	}
	return b.String()
}
