package pane

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// Cell is one styled table cell.
type Cell struct {
	Text  string // plain text, already clean (see the package comment)
	Style lipgloss.Style
}

// Column describes a table column for adaptive layout: narrow screens drop
// the lowest-priority columns first; the flexible column takes what is left.
type Column struct {
	Title string
	Right bool
	Flex  bool // the name column: takes the remaining width, at least Min
	Min   int  // least width (a stable layout while numbers change)
	Prio  int  // higher stays longer; Prio < 0 never drops
	Fixed int  // fixed width (sparklines); 0 = natural width of the cells
	Tight bool // no gap before this column (a marker right after a symbol)
	// Mark: the gap before this column carries the selected row's marker
	// (MarkedRow), so selection shows without colour or reverse video.
	Mark bool
	// Arrow (a sort arrow, or "") is drawn beside the title without
	// widening the column, so columns never move when the sort does: left
	// of a right-aligned title (in the gap before it when the column is
	// full), right of a left-aligned one (over its last cell when full).
	Arrow string
	// Sortable: the column may carry an Arrow. A left-aligned one keeps a
	// cell for it beside its title.
	Sortable bool
}

// SelectMark marks the selected row where styles cannot (NO_COLOR, TERM=dumb).
const SelectMark = "›"

// gapBefore is the gap before column i given which columns are shown.
func gapBefore(cols []Column, on func(int) bool, i, gap int) int {
	if cols[i].Tight {
		return 0
	}
	for j := 0; j < i; j++ {
		if on(j) {
			return gap
		}
	}
	return 0
}

// Widths fits columns into w cells with gap cells between them; a dropped
// column gets width 0.
func Widths(cols []Column, rows [][]Cell, w, gap int) []int {
	nat := make([]int, len(cols))
	for i, c := range cols {
		nat[i] = Width(c.Title)
		if c.Sortable && !c.Right && c.Fixed == 0 {
			nat[i]++
		}
		if c.Fixed > 0 {
			nat[i] = c.Fixed
			continue
		}
		for _, r := range rows {
			if i < len(r) {
				nat[i] = max(nat[i], Width(r[i].Text))
			}
		}
		if !c.Flex {
			nat[i] = max(nat[i], c.Min)
		}
	}
	on := make([]bool, len(cols))
	for i := range on {
		on[i] = true
	}
	isOn := func(i int) bool { return on[i] }
	need := func() int {
		n := 0
		for i, c := range cols {
			if !on[i] {
				continue
			}
			n += gapBefore(cols, isOn, i, gap)
			if c.Flex {
				n += min(c.Min, nat[i])
			} else {
				n += nat[i]
			}
		}
		return n
	}
	for need() > w {
		drop, best := -1, 1<<30
		for i, c := range cols {
			if on[i] && !c.Flex && c.Prio >= 0 && c.Prio < best {
				drop, best = i, c.Prio
			}
		}
		if drop < 0 {
			break
		}
		on[drop] = false
	}
	out := make([]int, len(cols))
	used := 0
	flex := -1
	for i, c := range cols {
		if !on[i] {
			continue
		}
		used += gapBefore(cols, isOn, i, gap)
		if c.Flex {
			flex = i
			continue
		}
		out[i] = nat[i]
		used += nat[i]
	}
	if flex >= 0 {
		out[flex] = max(1, min(nat[flex], w-used))
	}
	return out
}

// Row renders cells at the given widths. rowStyle, when non-nil, is laid
// under every cell and gap and pads the row to w cells (selection
// highlight); dim fades the row.
func Row(cols []Column, cells []Cell, widths []int, gap int, rowStyle *lipgloss.Style, dim bool, w int) string {
	return MarkedRow(cols, cells, widths, gap, rowStyle, dim, w, "")
}

// MarkedRow is Row with mark (one cell wide, or "") drawn at the start of
// the gap before the column that has Mark.
func MarkedRow(cols []Column, cells []Cell, widths []int, gap int, rowStyle *lipgloss.Style, dim bool, w int, mark string) string {
	var b strings.Builder
	shown := func(i int) bool { return widths[i] > 0 }
	sp := lipgloss.NewStyle()
	if rowStyle != nil {
		sp = *rowStyle
	}
	if dim {
		sp = sp.Faint(true)
	}
	for i, c := range cols {
		if widths[i] == 0 {
			continue
		}
		if g := gapBefore(cols, shown, i, gap); g > 0 {
			if c.Mark && mark != "" {
				b.WriteString(sp.Render(Fit(mark, g)))
			} else {
				b.WriteString(sp.Render(strings.Repeat(" ", g)))
			}
		}
		var cell Cell
		if i < len(cells) {
			cell = cells[i]
		}
		txt := cell.Text
		if Width(txt) > widths[i] {
			txt = Fit(txt, widths[i])
		}
		if c.Right {
			txt = FitRight(txt, widths[i])
		} else {
			txt = Fit(txt, widths[i])
		}
		s := cell.Style
		if rowStyle != nil {
			s = s.Inherit(*rowStyle)
		}
		if dim {
			s = s.Faint(true)
		}
		b.WriteString(s.Render(txt))
	}
	if rowStyle != nil {
		if pad := w - Total(cols, widths, gap); pad > 0 {
			b.WriteString(sp.Render(strings.Repeat(" ", pad)))
		}
	}
	return b.String()
}

// Header renders the column titles, with their sort arrows.
func Header(cols []Column, widths []int, gap int, st lipgloss.Style) string {
	var b strings.Builder
	shown := func(i int) bool { return widths[i] > 0 }
	for i, c := range cols {
		if widths[i] == 0 {
			continue
		}
		g := gapBefore(cols, shown, i, gap)
		title, pre := c.Title, strings.Repeat(" ", g)
		switch {
		case c.Arrow == "":
		case Width(title)+Width(c.Arrow) <= widths[i] && c.Right:
			title = c.Arrow + title
		case Width(title)+Width(c.Arrow) <= widths[i]:
			title += c.Arrow
		case c.Right && g > 0:
			pre = strings.Repeat(" ", g-1) + c.Arrow
		default:
			title = Fit(title, widths[i]-Width(c.Arrow)) + c.Arrow
		}
		if c.Right {
			title = FitRight(title, widths[i])
		} else {
			title = Fit(title, widths[i])
		}
		b.WriteString(pre + st.Render(title))
	}
	return b.String()
}

// Total is the sum of the visible widths and gaps.
func Total(cols []Column, widths []int, gap int) int {
	n := 0
	shown := func(i int) bool { return widths[i] > 0 }
	for i, w := range widths {
		if w > 0 {
			n += w + gapBefore(cols, shown, i, gap)
		}
	}
	return n
}

// Offset is the x position where column i starts.
func Offset(cols []Column, widths []int, gap, i int) int {
	n := 0
	shown := func(j int) bool { return widths[j] > 0 }
	for j := 0; j <= i && j < len(widths); j++ {
		if widths[j] > 0 {
			n += gapBefore(cols, shown, j, gap)
			if j < i {
				n += widths[j]
			}
		}
	}
	return n
}
