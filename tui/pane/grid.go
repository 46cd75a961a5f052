package pane

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

// GridView is what the grid lens draws: a kpi.Grid (its text already
// clean) and the cursor.
type GridView struct {
	Grid *kpi.Grid
	// Row is the cursor's segment, len(Grid.Segments) for the totals row;
	// Col its column, len(Grid.Columns) for the totals column.
	Row, Col int
	// Dim and ColDim are the dimensions as the screen names them.
	Dim, ColDim string
	Faint       bool   // a newer grid is on its way
	Note        string // why the last key did nothing, shown under the cell
}

// Tint is a status's ground in the grid, a deep shade on a dark terminal
// and a pale one on a light terminal, chosen to stay apart when the
// renderer brings them down to 256 or 16 colours (darkening the status
// colours themselves made red a grey and blue the green's teal there).
func Tint(st style.Styles, s kpi.Status) color.Color {
	ld := lipgloss.LightDark(st.Dark)
	switch s {
	case kpi.Green:
		return ld(lipgloss.Color("#dcfce7"), lipgloss.Color("#14532d"))
	case kpi.Amber:
		return ld(lipgloss.Color("#fef3c7"), lipgloss.Color("#713f12"))
	case kpi.Red:
		return ld(lipgloss.Color("#fee2e2"), lipgloss.Color("#7f1d1d"))
	case kpi.Uncertain:
		return ld(lipgloss.Color("#dbeafe"), lipgloss.Color("#1e3a8a"))
	}
	return ld(lipgloss.Color("#f3f4f6"), lipgloss.Color("#374151"))
}

// gridGap is the space between a grid's columns.
const gridGap = 1

// GridShortName is a column's head in the grid: a month as "Oct" (with
// "’25" when its year is not the last column's), a quarter "Q3", a week or
// a day "12 Oct", a year "2026", a dimension's value as it is.
func GridShortName(g *kpi.Grid, i int) string {
	c := g.Columns[i]
	if g.Cols != "" {
		return c.Value
	}
	last := g.Columns[len(g.Columns)-1].Period
	year := ""
	if c.Period.Year() != last.Year() {
		year = " ’" + c.Period.Format("06")
	}
	switch g.Slice.Grain {
	case kpi.Month:
		return c.Period.Format("Jan") + year
	case kpi.Quarter:
		return fmt.Sprintf("Q%d", (int(c.Period.Month())-1)/3+1) + year
	case kpi.Week, kpi.Day:
		return c.Period.Format("2 Jan")
	case kpi.Year:
		return c.Period.Format("2006")
	}
	return c.Name
}

// GridWindow is the columns [from, to) a grid w cells wide shows: as many
// as fit, the last ones unless the cursor is left of them (then from the
// cursor on). The totals column is over exactly these.
func GridWindow(v GridView, w int) (from, to int) {
	_, _, _, fit := gridWidths(v, w)
	n := len(v.Grid.Columns)
	fit = max(1, min(fit, n))
	from = n - fit
	if v.Col < n && v.Col < from {
		from = v.Col
	}
	return from, from + fit
}

// gridWidths are the label column's width, a cell's, the totals column's
// and how many columns fit beside the totals column.
func gridWidths(v GridView, w int) (labW, cellW, totW, fit int) {
	g := v.Grid
	labW = max(Width(v.Dim), Width("Total"))
	for _, r := range g.Segments {
		labW = max(labW, Width(r.Segment))
	}
	labW = min(labW, max(10, w/6))
	cellW = 5
	for _, r := range append([]kpi.GridRow{g.Total}, g.Segments...) {
		for _, c := range r.Cells {
			cellW = max(cellW, Width(gridCell(g, c)))
		}
	}
	head := 0 // the widest column head
	for i := range g.Columns {
		head = max(head, Width(GridShortName(g, i)))
	}
	// The totals column holds values and "Total" only: a column's long
	// head does not widen it, a total over every column (the widest: a
	// count's sum) does.
	totW = cellW
	for _, r := range append([]kpi.GridRow{g.Total}, g.Segments...) {
		if p, ok := g.Across(r, 0, len(g.Columns)); ok {
			totW = max(totW, Width(gridCell(g, p)))
		}
	}
	totW++
	cellW = max(cellW, min(head, 12))
	fits := func(cw int) int {
		return (w - labW - gridGap - totW - 1) / (cw + gridGap)
	}
	fit = fits(cellW)
	// The columns grow to their longest head while as many of them fit:
	// a head is cut only where the pane has no room for it.
	need := max(1, min(fit, len(g.Columns)))
	for cw := cellW + 1; cw <= head && fits(cw) >= need; cw++ {
		cellW = cw
	}
	return labW, cellW, totW, max(1, fits(cellW))
}

// gridCell is a cell's text: its status glyph and value, ~ when answered
// from a rollup's sketch.
func gridCell(g *kpi.Grid, r kpi.Row) string {
	return r.Status.Symbol() + " " + ValueText(g.Def, r.Value, g.Approx)
}

// RenderGrid draws the grid in w × h cells: a line saying what the cells
// are, the head, the segments that fit around the cursor, the totals row
// under a rule, then the cell under the cursor in words and what the
// totals are. Each cell is its status glyph and value in its status's
// colour; the cursor's cell is reversed (and marked › without colour).
func RenderGrid(st style.Styles, v GridView, w, h int) []string {
	g := v.Grid
	d := g.Def
	labW, cellW, totW, _ := gridWidths(v, w)
	from, to := GridWindow(v, w)
	muted := func(s string) string { return st.MutedText.Render(s) }
	var out []string
	what := d.Label() + " by " + v.Dim + " × "
	if g.Cols == "" {
		what += string(g.Slice.Grain) + ", " + g.Span(from, to)
	} else {
		what += v.ColDim + ", " + g.Span(0, len(g.Columns))
	}
	what += " · cells vs each segment's target"
	for _, f := range g.Slice.Filters {
		what += " · " + f.String()
	}
	out = append(out, Fit(muted(what), w))

	totalHead := "Total"
	head := Fit(v.Dim, labW)
	for i := from; i < to; i++ {
		t := FitRight(GridShortName(g, i), cellW)
		if i == v.Col {
			t = st.Bold.Render(t)
		} else {
			t = st.TableHead.Render(t)
		}
		head += strings.Repeat(" ", gridGap) + t
	}
	th := FitRight(totalHead, totW)
	if v.Col == len(g.Columns) {
		th = st.Bold.Render(th)
	} else {
		th = st.TableHead.Render(th)
	}
	out = append(out, st.TableHead.Render(head)+" "+st.Sep.Render("│")+th)

	cell := func(r kpi.Row, cursor bool, wd int, ok bool) string {
		text := "—"
		sty := st.MutedText
		if ok {
			text = gridCell(g, r)
			sty = st.Status(r.Status)
		}
		s := FitRight(text, wd)
		if ok && !st.Plain && r.Value != nil {
			// a heat map: the status's colour as the cell's ground
			sty = lipgloss.NewStyle().Background(Tint(st, r.Status))
		}
		if v.Faint {
			sty = st.Faint
		}
		gap := " "
		if cursor {
			sty = st.Selected
			if st.Plain {
				gap = SelectMark
			}
		}
		return gap + sty.Render(s)
	}
	line := func(r kpi.GridRow, ri int) string {
		label := Fit(r.Segment, labW)
		if r.Total {
			label = Fit("Total", labW)
		}
		if ri == v.Row {
			label = st.Bold.Render(label)
		}
		var b strings.Builder
		b.WriteString(label)
		for i := from; i < to; i++ {
			b.WriteString(cell(r.Cells[i], ri == v.Row && i == v.Col, cellW, true))
		}
		p, ok := g.Across(r, from, to)
		b.WriteString(" " + st.Sep.Render("│"))
		b.WriteString(cell(p, ri == v.Row && v.Col == len(g.Columns), totW-1, ok))
		return b.String()
	}

	foot := gridFoot(st, v, from, to, w)
	room := max(1, h-len(out)-3-len(foot)) // the rule, the totals row and a gap under them
	n := len(g.Segments)
	start := 0
	if v.Row < n && v.Row >= room {
		start = v.Row - room + 1
	}
	for i := start; i < n && i < start+room; i++ {
		out = append(out, line(g.Segments[i], i))
	}
	if n > room {
		last := min(n, start+room)
		out = append(out, Fit(muted(fmt.Sprintf("%d–%d of %d %s", start+1, last, n, v.Dim)), w))
	} else {
		out = append(out, st.Sep.Render(strings.Repeat("─", min(w, labW+(to-from)*(cellW+gridGap)+2+totW))))
	}
	out = append(out, line(g.Total, n))
	out = append(out, "")
	for _, l := range foot {
		if len(out) < h {
			out = append(out, l)
		}
	}
	return out
}

// gridFoot is the cell under the cursor in words (its segment and period,
// value, status against its target, n and change), what the totals column
// is, and the glyphs' legend, cut to w.
func gridFoot(st style.Styles, v GridView, from, to, w int) []string {
	g := v.Grid
	d := g.Def
	var out []string
	seg := "Total"
	var gr kpi.GridRow
	if v.Row < len(g.Segments) {
		gr = g.Segments[v.Row]
		seg = gr.Segment
	} else {
		gr = g.Total
	}
	var r kpi.Row
	ok := true
	where := ""
	if v.Col < len(g.Columns) {
		r = gr.Cells[v.Col]
		where = g.Columns[v.Col].Name
		if g.Cols != "" {
			where += " · " + r.PeriodName
		}
	} else {
		r, ok = g.Across(gr, from, to)
		where = g.Span(from, to)
		if g.Cols != "" {
			where = "every " + v.ColDim + " · " + where
		}
	}
	var parts []string
	head := seg + " · " + where + ": "
	switch {
	case !ok:
		parts = append(parts, head+"— "+g.NoPool)
	case r.Value == nil:
		parts = append(parts, head+"no value (no rows counted)")
	default:
		parts = append(parts, head+st.Status(r.Status).Render(gridCell(g, r)))
		parts = append(parts, r.Status.Word()+" ("+d.FormatTarget(r.Goal)+")")
		if r.HasN {
			n := "n " + kpi.FormatFloat(float64(r.N), 0)
			if r.LowN {
				n += " (low: tentative)"
			}
			parts = append(parts, n)
		}
		if r.Delta != nil {
			dc := RowDeltaCell(st, d, r, true, g.Approx)
			parts = append(parts, dc.Style.Render(dc.Text)+" vs "+r.CompareTo)
		}
	}
	out = append(out, Flow(parts, " · ", w, 2)...)
	if v.Note != "" {
		out = append(out, Fit(st.WarnText.Render(v.Note), w))
	}
	var note string
	switch {
	case g.Cols != "":
		note = "Total: each " + v.Dim + " over every " + v.ColDim + ", and each " + v.ColDim + " over every " + v.Dim
	case g.NoPool != "":
		note = "Total column —: " + g.NoPool + " (each period's own total is in the Total row)"
	default:
		note = "Total: counts summed over the periods shown, never an average of cells"
	}
	if g.RowsLeftOut > 0 {
		note += fmt.Sprintf(" · %d smaller segments left out", g.RowsLeftOut)
	}
	for _, l := range Wrap(note, w) {
		out = append(out, st.MutedText.Render(l))
	}
	legend := "● on target  ◐ near  ○ off  ◌ uncertain  · no value"
	if gridHasNoTarget(g) {
		legend += "  ◦ no target"
	}
	if g.Approx {
		legend += "  ~ sketched median (±1%)"
	}
	out = append(out, Fit(st.MutedText.Render(legend), w))
	return out
}

// gridHasNoTarget reports whether a cell of g (a segment's or the Total
// row's) shows ◦: a value with no target to hold it against.
func gridHasNoTarget(g *kpi.Grid) bool {
	for _, r := range append([]kpi.GridRow{g.Total}, g.Segments...) {
		for _, c := range r.Cells {
			if c.Status == kpi.NoTarget {
				return true
			}
		}
	}
	return false
}

// GridCellPeriod is the period a cell stands for: its column's, or the
// grid's own for the totals column.
func GridCellPeriod(g *kpi.Grid, col int) time.Time {
	if col < len(g.Columns) {
		return g.Columns[col].Period
	}
	return g.Slice.Period
}
