package pane

import (
	"math"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/guptarohit/asciigraph"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

// Line is one segment's trend on a chart of several (SeriesChart).
type Line struct {
	Values []float64 // one per period, NaN where the segment has no value
	Glyph  string    // marks its points: one cell
	Style  lipgloss.Style
}

// cell is one cell of a chart of several lines: what is drawn there and
// by which line (-1 the target, -2 nothing).
type cell struct {
	r     rune
	owner int
	point bool
}

// SeriesChart draws several lines over the same periods in w × h cells: the
// value axis on the left (asciigraph's, as Chart's), the target as a dotted
// line labelled with its value, each line's periods marked with its glyph
// and joined in its colour, and the first and last period under the plot.
// lines come in drawing order, the top one first (the series view puts the
// legend's cursor's first, then the others largest first): where two lines
// pass through one cell, or two points fall on it, the earlier one's shows
// (its glyph, so a point is never mislabelled); points are drawn over every
// line's joins.
func SeriesChart(st style.Styles, d *kpi.Def, periods []time.Time, g kpi.Grain, lines []Line, goal *kpi.Goal, w, h int) []string {
	n := len(periods)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, l := range lines {
		for _, v := range l.Values {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if n == 0 || math.IsInf(lo, 1) {
		return []string{st.MutedText.Render("no values in this window")}
	}
	if goal != nil {
		lo, hi = math.Min(lo, goal.Value), math.Max(hi, goal.Value)
	}
	if hi == lo {
		pad := math.Max(math.Abs(hi)*0.05, 1)
		lo, hi = lo-pad, hi+pad
	}
	format := func(v float64) string { return d.FormatNumber(v, d.Decimals) }
	target := ""
	if goal != nil {
		target = " " + d.FormatTarget(goal)
		if w >= 70 {
			target = " target" + target
		}
	}
	labelW := max(Width(format(lo)), Width(format(hi)), Width(format((lo+hi)/2))) + 1
	const offset = 2
	plotW := w - labelW - offset - Width(target) - 1
	if plotW < 8 || h < 3 {
		return seriesSparklines(periods, lines, w, h)
	}
	// Each period has its column; between two, the values are joined by a
	// straight line, so the plotted line passes through each point's cell.
	col := func(i int) int {
		if n <= 1 {
			return 0
		}
		return int(math.Round(float64(i) * float64(plotW-1) / float64(n-1)))
	}
	spread := func(vals []float64) []float64 {
		out := make([]float64, plotW)
		for c := range out {
			out[c] = math.NaN()
		}
		for i := range n {
			if i >= len(vals) || math.IsNaN(vals[i]) {
				continue
			}
			out[col(i)] = vals[i] - lo
			if i+1 < len(vals) && !math.IsNaN(vals[i+1]) {
				a, b := col(i), col(i+1)
				for c := a + 1; c < b; c++ {
					out[c] = vals[i] - lo + (vals[i+1]-vals[i])*float64(c-a)/float64(b-a)
				}
			}
		}
		return out
	}
	opts := func(ph int) []asciigraph.Option {
		return []asciigraph.Option{
			asciigraph.Offset(offset), asciigraph.Height(ph),
			asciigraph.LowerBound(0), asciigraph.UpperBound(hi - lo),
			asciigraph.YAxisValueFormatter(func(v float64) string { return format(v + lo) }),
		}
	}
	flat := make([]float64, plotW)
	for c := range flat {
		flat[c] = math.NaN()
		if goal != nil {
			flat[c] = goal.Value - lo
		}
	}
	if goal == nil {
		flat[0] = 0 // the axis alone
	}
	// The axis: as tall as fits, the period axis on the last line.
	var axis []string
	// A month's initial under each period's column, where the chart is tall
	// and wide enough: it finds March between Nov 2025 and Oct 2026.
	ticks := g == kpi.Month && n > 2 && h >= 10 && col(1)-col(0) >= 2
	foot := 1
	if ticks {
		foot = 2
	}
	ph := h - 1 - foot
	for ; ph >= 1; ph-- {
		axis = strings.Split(asciigraph.Plot(flat, append(opts(ph), asciigraph.SeriesChars(asciigraph.CharSet{Horizontal: string(targetChar)}))...), "\n")
		if len(axis) <= h-foot {
			break
		}
	}
	leftPad := labelW + offset - 1
	if i := strings.IndexAny(axis[0], "┤┼"); i >= 0 {
		leftPad = len([]rune(axis[0][:i])) + 1
	}
	rows := len(axis)
	grid := make([][]cell, rows)
	for r := range grid {
		grid[r] = make([]cell, plotW)
		for c := range grid[r] {
			grid[r][c] = cell{r: ' ', owner: -2}
		}
	}
	overlay := func(out string, owner int) {
		for r, l := range strings.Split(out, "\n") {
			rs := []rune(l)
			for c := 0; c < plotW && r < rows && leftPad+c < len(rs); c++ {
				if ch := rs[leftPad+c]; ch != ' ' {
					grid[r][c] = cell{r: ch, owner: owner}
				}
			}
		}
	}
	if goal != nil {
		overlay(strings.Join(axis, "\n"), -1)
	}
	for i := len(lines) - 1; i >= 0; i-- {
		overlay(asciigraph.Plot(spread(lines[i].Values), opts(ph)...), i)
	}
	// A point's row is asciigraph's for its value: the axis runs from 0
	// (lo) on the last row to hi − lo on the first.
	ratio := float64(rows-1) / (hi - lo)
	for i := len(lines) - 1; i >= 0; i-- {
		g := []rune(lines[i].Glyph)
		if len(g) == 0 {
			continue
		}
		for k, v := range lines[i].Values {
			if k >= n || math.IsNaN(v) {
				continue
			}
			r := rows - 1 - int(math.Round((v-lo)*ratio))
			if r >= 0 && r < rows {
				grid[r][col(k)] = cell{r: g[0], owner: i, point: true}
			}
		}
	}
	out := make([]string, 0, h)
	for r, l := range axis {
		rs := []rune(l)
		label := string(rs[:min(leftPad, len(rs))])
		var b strings.Builder
		b.WriteString(st.MutedText.Render(label + strings.Repeat(" ", leftPad-Width(label))))
		hasTarget := false
		for c := 0; c < plotW; {
			e := c + 1
			for e < plotW && grid[r][e].owner == grid[r][c].owner && grid[r][e].point == grid[r][c].point {
				e++
			}
			var run strings.Builder
			for k := c; k < e; k++ {
				run.WriteRune(grid[r][k].r)
			}
			switch o := grid[r][c].owner; {
			case o == -1:
				hasTarget = true
				b.WriteString(st.Target.Render(run.String()))
			case o >= 0 && grid[r][c].point:
				b.WriteString(lines[o].Style.Bold(true).Render(run.String()))
			case o >= 0:
				b.WriteString(lines[o].Style.Render(run.String()))
			default:
				b.WriteString(run.String())
			}
			c = e
		}
		if hasTarget {
			b.WriteString(st.Target.Render(target))
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	if ticks {
		row := []rune(strings.Repeat(" ", leftPad+plotW))
		for i, t := range periods {
			row[leftPad+col(i)] = []rune(t.Format("Jan"))[0]
		}
		out = append(out, st.MutedText.Render(strings.TrimRight(string(row), " ")))
	}
	first, last := PeriodName(g, periods[0]), PeriodName(g, periods[n-1])
	xaxis := strings.Repeat(" ", leftPad) + first
	if gap := leftPad + plotW - Width(xaxis) - Width(last); gap >= 2 && n > 1 {
		xaxis += strings.Repeat(" ", gap) + last
	}
	return append(out, st.MutedText.Render(xaxis))
}

// seriesSparklines is SeriesChart where no chart fits: a sparkline per
// line, behind its glyph.
func seriesSparklines(periods []time.Time, lines []Line, w, h int) []string {
	var out []string
	for _, l := range lines {
		if len(out) == h {
			break
		}
		pts := make([]kpi.Point, len(l.Values))
		for i, v := range l.Values {
			pts[i].Period = periods[min(i, len(periods)-1)]
			if !math.IsNaN(v) {
				pts[i].Value = &v
			}
		}
		out = append(out, l.Style.Render(l.Glyph)+" "+l.Style.Render(Sparkline(pts, max(0, w-2))))
	}
	return out
}

// LegendRow is one line of a series chart's legend: a segment's key,
// glyph, name, value in the current period, status and n.
type LegendRow struct {
	Key    string // the digit that shows or hides it; "" for the total
	Glyph  string
	Style  lipgloss.Style
	Name   string
	Row    kpi.Row
	Hidden bool // not drawn (toggled off)
	Cursor bool
}

// SeriesLegend draws the legend in w cells: a header naming the period,
// then a line per row. A hidden row keeps its line, muted, so its key
// can bring it back.
func SeriesLegend(st style.Styles, d *kpi.Def, period string, rows []LegendRow, w int) []string {
	nameW := 8
	for _, r := range rows {
		nameW = max(nameW, Width(r.Name))
	}
	valW, nW := 6, 7
	for _, r := range rows {
		valW = max(valW, Width(legendValue(d, r.Row)))
	}
	// key + glyph (5), name, value, status (3), n; the period over the
	// values may reach over the names
	nameW = max(4, min(nameW, w-5-1-valW-3-nW-1))
	head := FitRight(period, 5+nameW+1+valW) + "   " + FitRight("n", nW)
	out := []string{st.TableHead.Render(strings.TrimRight(Fit(head, w), " "))}
	for _, r := range rows {
		k, g := "   ", "  "
		if r.Key != "" {
			k = " " + r.Key + " "
		}
		if r.Cursor && st.Plain { // reverse video may be stripped too (TERM=dumb)
			k = "›" + k[1:]
		}
		if r.Glyph != "" {
			g = r.Glyph + " "
		}
		n := "—"
		if r.Row.HasN {
			n = kpi.FormatFloat(float64(r.Row.N), 0)
		}
		name := Fit(r.Name, nameW)
		val := FitRight(legendValue(d, r.Row), valW)
		sym := r.Row.Status.Symbol()
		tail := " " + val + " " + st.Status(r.Row.Status).Render(sym) + " " + FitRight(n, nW)
		var head, rest string
		switch {
		case r.Hidden:
			head, rest = st.MutedText.Render(k+"· "), st.MutedText.Render(name+" "+FitRight("hidden", valW+3+nW))
		case r.Glyph != "":
			head, rest = st.MutedText.Render(k)+r.Style.Bold(true).Render(g), name+tail
		default:
			head, rest = k+g, st.Bold.Render(name)+tail
		}
		if r.Cursor { // the glyph keeps its colour: it is the line's key
			rest = st.Selected.Render(Fit(ansi.Strip(rest), w-Width(k+g)))
		}
		line := head + rest
		out = append(out, line)
	}
	return out
}

// legendValue is a row's value as the legend shows it.
func legendValue(d *kpi.Def, r kpi.Row) string {
	return strings.ReplaceAll(d.FormatValue(r.Value), "-", "−")
}
