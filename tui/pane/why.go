package pane

import (
	"math"
	"strings"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

// Why is what the why view of the breakdown, or the top movers, shows: a
// KPI's change between two periods split into the segments' contributions
// (kpi.Decomposition), each with its mix and rate parts.
type Why struct {
	Def   *kpi.Def
	Value *float64 // the headline value
	Delta *float64 // the headline Δ, which the contributions add up to
	// Change says whether the headline change is real (ChangeText): the
	// split shows where a change came from, not that it is more than noise.
	Change  string
	Period  string // the current period's name ("Oct 2026 (to 24 Oct)")
	Compare string // the comparison period's name ("Sep 2026 (to 24 Sep)")
	// Dim is the breakdown's dimension as shown; "" for the top movers,
	// whose rows each name their own (Contribution.Dim).
	Dim  string
	Rows []kpi.Contribution // in the order drawn; text already clean
	// Movers: the rows come from every dimension, so they overlap and do
	// not add up to the Δ: no sum line, a Dimension column.
	Movers  bool
	Summary string // the top movers in one line
	// Msg replaces the table: loading, no breakdown, or why the change
	// cannot be split (MsgErr).
	Msg     string
	MsgErr  bool
	Cursor  int
	Focused bool
	Faint   bool   // the numbers are from the previous slice (loading)
	Keys    string // the way out and in, named from the keymap ("esc close · enter drill in")
}

// whyGap is the gap between the why table's columns.
const whyGap = 2

// The bar column's least and greatest width: odd, the axis in the middle.
const (
	whyBarMin = 7
	whyBarMax = 21
)

// WhyBar draws a contribution as a bar w cells wide around a middle axis:
// a fall to the left ending in "−", a rise to the right ending in "+", its
// length |c| / scale of the half, at least one cell when c shows as non-zero.
// Sign and size read without colour.
func WhyBar(c, scale float64, w int, nonZero bool) string {
	half := (w - 1) / 2
	n := 0
	if scale > 0 {
		n = int(math.Round(math.Abs(c) / scale * float64(half-1)))
	}
	n = min(n, half-1)
	if n == 0 && nonZero {
		n = 1
	}
	left, right := strings.Repeat(" ", half), strings.Repeat(" ", half)
	switch {
	case n > 0 && c < 0:
		left = strings.Repeat(" ", half-n-1) + "−" + strings.Repeat("█", n)
	case n > 0:
		right = strings.Repeat("█", n) + "+" + strings.Repeat(" ", half-n-1)
	}
	return left + "│" + right
}

// signed is a part of a change in the KPI's unit (kpi.FormatContribution),
// with "pts" after a percentage's when there is room (pts).
func signed(d *kpi.Def, v float64, pts bool) string {
	s := kpi.FormatContribution(d, v)
	if pts && d.Unit == "%" {
		s += " pts"
	}
	return s
}

// isZero reports whether v shows as zero at the KPI's decimals.
func isZero(d *kpi.Def, v float64) bool {
	arrow, _ := d.DeltaParts(v, false)
	return arrow == "="
}

// segmentName is a contribution's segment as listed: a segment with rows in
// only one of the two periods says so.
func segmentName(c kpi.Contribution) string {
	switch {
	case c.Appeared:
		return c.Segment + " (new)"
	case c.Vanished:
		return c.Segment + " (gone)"
	}
	return c.Segment
}

func whyCols(w Why, bw, width int) []Column {
	// Names stay readable: the bar gives way first, then mix and rate; a
	// mover's "dimension = segment" takes what the numbers leave.
	first, least := "By "+w.Dim, 12
	if w.Movers {
		first, least = "Segment", max(16, width-24)
	}
	return []Column{
		{Title: " ", Fixed: 1, Prio: -1}, // the gap after it carries the selected row's marker
		{Title: first, Flex: true, Min: least, Mark: true},
		{Title: "Δ part", Right: true, Prio: -1},
		{Title: "Mix", Right: true, Prio: 6},
		{Title: "Rate", Right: true, Prio: 6},
		{Title: "", Fixed: bw, Prio: 4},
	}
}

func whyCells(st style.Styles, w Why, c kpi.Contribution, scale float64, bw int, pts bool) []Cell {
	d := w.Def
	changed := !isZero(d, c.Contribution)
	good := changed && d.Improved(c.Contribution)
	name := segmentName(c)
	if w.Movers {
		name = c.Dim + " = " + name
	}
	return []Cell{
		{},
		{Text: name},
		{Text: signed(d, c.Contribution, pts), Style: st.Delta(good, changed)},
		{Text: signed(d, c.Mix, false), Style: st.MutedText},
		{Text: signed(d, c.Rate, false), Style: st.MutedText},
		{Text: WhyBar(c.Contribution, scale, bw, changed), Style: st.Delta(good, changed)},
	}
}

// The why table's mix and rate columns.
const (
	whyMix  = 3
	whyRate = 4
)

func withoutMixRate(cols []Column) []Column {
	return append(append([]Column(nil), cols[:whyMix]...), cols[whyRate+1:]...)
}

func withoutMixRateCells(rows [][]Cell) [][]Cell {
	out := make([][]Cell, len(rows))
	for i, r := range rows {
		out[i] = append(append([]Cell(nil), r[:whyMix]...), r[whyRate+1:]...)
	}
	return out
}

// WhyHeight is how many lines the view wants in a pane w cells wide.
func WhyHeight(w Why, width int) int {
	return len(RenderWhy(style.Styles{}, w, width, 1<<10))
}

// RenderWhy draws the why view (or the top movers) in w × at most h lines:
// the headline Δ and the two periods it is between, then the segments by
// contribution with their mix and rate and a bar, the sum line (equal to
// the headline Δ) and what mix and rate mean. Rows scroll with the cursor.
func RenderWhy(st style.Styles, w Why, width, h int) []string {
	d := w.Def
	if d == nil {
		return []string{st.MutedText.Render("no KPI selected")}
	}
	fade := func(s string) string {
		if w.Faint {
			return st.Faint.Render(s)
		}
		return s
	}
	var out []string
	// The headline: the change and what it is between.
	head := []string{st.Bold.Render(d.ShortLabel())}
	if w.Value != nil {
		head = append(head, ValueText(d, w.Value, false))
	}
	if w.Delta != nil {
		head = append(head, DeltaCell(st, d, w.Delta, true).Style.Render(d.FormatDelta(*w.Delta)))
	}
	if w.Movers && w.Summary != "" {
		head = []string{st.Bold.Render(w.Summary)}
	}
	for _, l := range flowWrap(head, "  ", width, 5) {
		out = append(out, fade(l))
	}
	if w.Period != "" && w.Compare != "" {
		for _, l := range flowWrap([]string{keepPeriod(w.Period), "vs " + keepPeriod(w.Compare)}, " ", width, 2) {
			out = append(out, fade(st.MutedText.Render(l)))
		}
	}
	for _, l := range Wrap(w.Change, width) {
		out = append(out, fade(st.MutedText.Render(l)))
	}
	out = append(out, "")
	if w.Msg != "" {
		s := st.MutedText
		if w.MsgErr {
			s = st.ErrText
		}
		for _, l := range Wrap(w.Msg, width) {
			out = append(out, s.Render(l))
		}
		return clip(out, h)
	}

	pts := width >= 52 && !w.Movers // the movers' summary says "pts" once
	scale := 0.0
	for _, c := range w.Rows {
		scale = max(scale, math.Abs(c.Contribution))
	}
	build := func(bw int) (cols []Column, rows, all [][]Cell) {
		cols = whyCols(w, bw, width)
		for _, c := range w.Rows {
			rows = append(rows, whyCells(st, w, c, scale, bw, pts))
		}
		all = rows
		if !w.Movers && w.Delta != nil {
			var mix, rate float64
			for _, c := range w.Rows {
				mix += c.Mix
				rate += c.Rate
			}
			changed := !isZero(d, *w.Delta)
			sum := []Cell{{}, {Text: "Sum = Δ", Style: st.Bold},
				{Text: signed(d, *w.Delta, pts), Style: st.Delta(changed && d.Improved(*w.Delta), changed).Bold(true)},
				{Text: signed(d, mix, false), Style: st.MutedText}, {Text: signed(d, rate, false), Style: st.MutedText}, {}}
			all = append(append([][]Cell{}, rows...), sum)
		}
		return cols, rows, all
	}
	// The bar takes the room the names and numbers leave, 7 to 21 cells.
	cols, _, all := build(whyBarMin)
	nat := append([]Column(nil), cols...)
	nat[1].Flex = false
	bw := whyBarMin + width - Total(nat, Widths(nat, all, 1<<20, whyGap), whyGap)
	bw = max(whyBarMin, min(bw, whyBarMax))
	if bw%2 == 0 {
		bw--
	}
	cols, rows, all := build(bw)
	var sum []Cell
	if len(all) > len(rows) {
		sum = all[len(all)-1]
	}
	widths := Widths(cols, all, width, whyGap)
	if (widths[whyMix] == 0) != (widths[whyRate] == 0) {
		// Mix without rate (or rate without mix) would read as the whole
		// contribution: both go, and the names take their room.
		cols, rows, all = withoutMixRate(cols), withoutMixRateCells(rows), withoutMixRateCells(all)
		if sum != nil {
			sum = withoutMixRateCells([][]Cell{sum})[0]
		}
		widths = Widths(cols, all, width, whyGap)
	}
	// Header, rows, sum and what mix and rate mean below: every row first,
	// then as much of the legend as fits (what mix and rate are, before
	// the note on overlapping movers and the keys).
	room := h - len(out) - 1
	if sum != nil {
		room--
	}
	var legend []string
	for n := 3; n > 0; n-- {
		if l := whyLegend(st, w, width, n); room-len(l)-1 >= len(rows) {
			legend = l
			break
		}
	}
	bodyH := room
	if legend != nil {
		bodyH -= len(legend) + 1
	}
	bodyH = max(1, bodyH)
	// Rows that overflow: a line under the sum says which show ("1–29 of
	// 43"), as the breakdown's does.
	more := len(rows) > bodyH && bodyH > 1
	if more {
		bodyH--
	}
	tcols := cols
	out = append(out, Header(tcols, widths, whyGap, st.TableHead))
	if len(rows) == 0 {
		out = append(out, st.MutedText.Render(Fit("no segments to compare", width)))
	}
	off := Scroll(w.Cursor, len(rows), bodyH)
	for i := off; i < len(rows) && i < off+bodyH; i++ {
		if i == w.Cursor && w.Focused {
			rs, mark := st.Selected, ""
			if st.Plain {
				mark = SelectMark
			}
			out = append(out, MarkedRow(tcols, rows[i], widths, whyGap, &rs, w.Faint, width, mark))
			continue
		}
		out = append(out, Row(tcols, rows[i], widths, whyGap, nil, w.Faint, width))
	}
	if sum != nil {
		out = append(out, Row(tcols, sum, widths, whyGap, nil, w.Faint, width))
	}
	if more {
		out = append(out, st.MutedText.Render(FitRight(position(off+1, min(len(rows), off+bodyH), len(rows), 0), width)))
	}
	if legend != nil {
		out = append(out, "")
		out = append(out, legend...)
	}
	return clip(out, h)
}

// whyLegend says what mix and rate are, and for the top movers why they
// need not add up, wrapped to w.
func whyLegend(st style.Styles, w Why, width, n int) []string {
	var text []string
	text = append(text, "mix: its share of the volume moved · rate: its own value moved")
	if w.Movers {
		text = append(text, "movers of different dimensions overlap: they need not add up to the Δ")
	}
	if w.Keys != "" {
		text = append(text, w.Keys)
	}
	var out []string
	for _, t := range text[:min(n, len(text))] {
		out = append(out, Wrap(t, width)...)
	}
	for i, l := range out {
		out[i] = st.MutedText.Render(l)
	}
	return out
}

// clip keeps the first h lines.
func clip(lines []string, h int) []string {
	if len(lines) > h {
		return lines[:h]
	}
	return lines
}
