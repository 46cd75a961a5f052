package pane

import (
	"fmt"
	"sort"
	"strings"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

// SortCol is a sortable breakdown column.
type SortCol int

// The breakdown's columns, in screen order.
const (
	SortStatus SortCol = iota
	SortSegment
	SortValue
	SortTarget
	SortDelta
	SortN
	SortShare
	sortCols
)

// Next is the column to the right, wrapping around.
func (c SortCol) Next() SortCol { return (c + 1) % sortCols }

// Name is the column's name for messages.
func (c SortCol) Name() string {
	return [...]string{"status", "segment", "value", "target", "Δ", "n", "share"}[c]
}

// Sort is the breakdown's order.
type Sort struct {
	Col  SortCol
	Desc bool
}

// DefaultSort is the engine's order: largest n first.
func DefaultSort() Sort { return Sort{Col: SortN, Desc: true} }

// On returns the sort for a column with its natural direction: numbers
// largest first, names A–Z, status worst first.
func On(c SortCol) Sort {
	switch c {
	case SortSegment, SortStatus:
		return Sort{Col: c}
	}
	return Sort{Col: c, Desc: true}
}

func (s Sort) key(r kpi.Row) (float64, bool) {
	switch s.Col {
	case SortStatus:
		return float64(r.Status.Rank()), true
	case SortValue:
		if r.Value != nil {
			return *r.Value, true
		}
	case SortTarget:
		if r.Goal != nil {
			return r.Goal.Value, true
		}
	case SortDelta:
		if r.Delta != nil {
			return *r.Delta, true
		}
	case SortN:
		return float64(r.N), r.HasN
	case SortShare:
		if r.Share != nil {
			return *r.Share, true
		}
	}
	return 0, false
}

// SortRows returns the segments in the given order; rows without a value in
// the sort column go last, ties keep the engine's order.
func SortRows(rows []kpi.Row, s Sort) []kpi.Row {
	out := make([]kpi.Row, len(rows))
	for i, j := range SortOrder(rows, s) {
		out[i] = rows[j]
	}
	return out
}

// SortOrder is SortRows as indices into rows.
func SortOrder(rows []kpi.Row, s Sort) []int {
	out := make([]int, len(rows))
	for i := range out {
		out[i] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rows[out[i]], rows[out[j]]
		if s.Col == SortSegment {
			a, b := strings.ToLower(ri.Segment), strings.ToLower(rj.Segment)
			if s.Desc {
				return a > b
			}
			return a < b
		}
		a, aok := s.key(ri)
		b, bok := s.key(rj)
		if aok != bok {
			return aok
		}
		if !aok || a == b {
			return false
		}
		if s.Desc {
			return a > b
		}
		return a < b
	})
	return out
}

// Breakdown is what the breakdown table shows.
type Breakdown struct {
	Def     *kpi.Def
	Result  *kpi.Result // Segments and Total
	Dim     string      // the segment dimension
	Cursor  int         // row under the cursor, in sorted order
	Sort    Sort
	Focused bool
	Faint   bool // loading: previous numbers
}

// BreakdownGap is the gap between breakdown columns.
const BreakdownGap = 2

func breakdownCols(b Breakdown) []Column {
	cols := []Column{
		{Title: " ", Fixed: 1, Prio: -1},
		{Title: "By " + b.Dim, Flex: true, Min: 12, Mark: true, Sortable: true}, // names say where: narrow screens drop columns first
		{Title: "Value", Right: true, Prio: -1},
		{Title: "Target", Right: true, Prio: 5},
		{Title: "Δ", Right: true, Prio: 9},
		{Title: "n", Right: true, Prio: 7},
		{Title: "Share", Right: true, Prio: 4},
	}
	cols[b.Sort.Col].Arrow = "▴"
	if b.Sort.Desc {
		cols[b.Sort.Col].Arrow = "▾"
	}
	return cols
}

// BreakdownHeight is how many lines the table wants: header, rows, total
// and a note when smaller segments were left out.
func BreakdownHeight(r *kpi.Result) int {
	if r == nil {
		return 1
	}
	h := 2 + len(r.Segments)
	if r.SegmentsTruncated > 0 {
		h++
	}
	return h
}

// bdLayout is the breakdown table fitted to w × h: its columns, cells,
// widths, how many segment rows show, and whether a line under the total
// tells the position, the selected row's full name or what was left out.
type bdLayout struct {
	cols   []Column
	rows   [][]Cell // sorted
	segs   []kpi.Row
	total  []Cell
	widths []int
	bodyH  int
	info   int // lines under the total: 0, 1, or up to 3 when a long name needs them
}

func layoutBreakdown(st style.Styles, b Breakdown, w, h int) bdLayout {
	r := b.Result
	l := bdLayout{cols: breakdownCols(b), segs: SortRows(r.Segments, b.Sort)}
	pts := w >= 52
	l.rows = make([][]Cell, 0, len(l.segs))
	for _, s := range l.segs {
		l.rows = append(l.rows, segmentCells(st, b.Def, s, pts, r.Approx))
	}
	l.total = segmentCells(st, b.Def, r.Total, pts, r.Approx)
	l.total[1].Text = "Total"
	l.widths = Widths(l.cols, append(l.rows, l.total), w, BreakdownGap)
	// Room under the total for the longest name the column cuts, wrapped,
	// with the position after it (at most 3 lines), so the table does not
	// jump as the cursor moves.
	longest := ""
	for _, row := range l.rows {
		if n := row[1].Text; Width(n) > l.widths[1] && Width(n) > Width(longest) {
			longest = n
		}
	}
	n := len(l.rows)
	if longest != "" {
		lines := Wrap(SelectMark+" "+longest, w)
		l.info = len(lines)
		if Width(lines[len(lines)-1])+1+Width(position(n, n, n, r.SegmentsTruncated)) > w {
			l.info++
		}
		l.info = min(l.info, 3)
	} else if r.SegmentsTruncated > 0 || n > h-2 {
		l.info = 1
	}
	if h-2-l.info < 1 { // a tight pane: a row before more lines of name
		l.info = max(0, min(l.info, h-3))
	}
	l.bodyH = max(1, h-2-l.info)
	return l
}

// position says which rows show and how many the engine left out.
func position(first, last, n, cut int) string {
	var parts []string
	if last-first+1 < n {
		parts = append(parts, fmt.Sprintf("%d–%d of %d", first, last, n))
	}
	if cut > 0 {
		parts = append(parts, fmt.Sprintf("+%d smaller not shown", cut))
	}
	return strings.Join(parts, " · ")
}

// BreakdownOffset is the first segment row shown in a w × h table.
func BreakdownOffset(b Breakdown, w, h int) int {
	if b.Result == nil {
		return 0
	}
	l := layoutBreakdown(style.Styles{}, b, w, h)
	return Scroll(b.Cursor, len(l.rows), l.bodyH)
}

// RenderBreakdown draws the table in w × at most h lines. Every segment can
// be reached by scrolling; when not all show, the line under the total says
// which ("12–31 of 98"), and the selected row's name in full when the
// column cuts it.
func RenderBreakdown(st style.Styles, b Breakdown, w, h int) []string {
	r := b.Result
	l := layoutBreakdown(st, b, w, h)
	out := []string{Header(l.cols, l.widths, BreakdownGap, st.TableHead)}
	off := Scroll(b.Cursor, len(l.rows), l.bodyH)
	for i := off; i < len(l.rows) && i < off+l.bodyH; i++ {
		if i == b.Cursor && b.Focused {
			rs, mark := st.Selected, ""
			if st.Plain {
				mark = SelectMark
			}
			out = append(out, MarkedRow(l.cols, l.rows[i], l.widths, BreakdownGap, &rs, b.Faint, w, mark))
			continue
		}
		out = append(out, Row(l.cols, l.rows[i], l.widths, BreakdownGap, nil, b.Faint, w))
	}
	out = append(out, Row(l.cols, l.total, l.widths, BreakdownGap, nil, b.Faint, w))
	if l.info == 0 {
		return out
	}
	pos := position(off+1, min(len(l.rows), off+l.bodyH), len(l.rows), r.SegmentsTruncated)
	var name []string
	if c := min(b.Cursor, len(l.rows)-1); b.Focused && c >= 0 && Width(l.rows[c][1].Text) > l.widths[1] {
		name = Wrap(SelectMark+" "+l.rows[c][1].Text, w)
	}
	if len(name) > l.info {
		name = append(name[:l.info-1], strings.Join(name[l.info-1:], " "))
	}
	// Exactly l.info lines: the name, then the position at the end of its
	// last line, or on a line of its own when there is one to spare, else
	// the name's tail gives way to it. Blank lines go first, so the
	// position stays on the table's last line.
	type line struct{ text, pos string }
	var lines []line
	for _, n := range name {
		lines = append(lines, line{text: n})
	}
	if pos != "" {
		switch k := len(lines); {
		case k > 0 && Width(lines[k-1].text)+1+Width(pos) <= w:
			lines[k-1].pos = pos
		case k < l.info:
			lines = append(lines, line{pos: pos})
		case k > 0:
			lines[k-1].pos = pos
		}
	}
	info := make([]string, l.info-len(lines), l.info)
	for i := range info {
		info[i] = strings.Repeat(" ", w)
	}
	for _, ln := range lines {
		if ln.pos == "" {
			info = append(info, st.Text.Render(Fit(ln.text, w)))
			continue
		}
		room := max(0, w-Width(ln.pos)-1)
		info = append(info, st.Text.Render(Fit(ln.text, room))+" "+st.MutedText.Render(ln.pos))
	}
	return append(out, info...)
}

func segmentCells(st style.Styles, d *kpi.Def, r kpi.Row, pts, approx bool) []Cell {
	n := Cell{}
	if r.HasN {
		n = Cell{Text: kpi.FormatFloat(float64(r.N), 0), Style: st.MutedText}
		if r.LowN {
			n = Cell{Text: "?" + n.Text, Style: st.WarnText}
		}
	}
	share := Cell{}
	if r.Share != nil {
		share = Cell{Text: fmt.Sprintf("%.0f%%", 100**r.Share), Style: st.MutedText}
	}
	return []Cell{
		{Text: r.Status.Symbol(), Style: st.Status(r.Status)},
		{Text: r.Segment},
		{Text: ValueText(d, r.Value, approx)},
		{Text: d.FormatTarget(r.Goal), Style: st.MutedText},
		RowDeltaCell(st, d, r, pts, approx),
		n,
		share,
	}
}

// BreakdownColumnAt is the column under x in a table w cells wide.
func BreakdownColumnAt(b Breakdown, w, x int) (SortCol, bool) {
	l := layoutBreakdown(style.Styles{}, b, w, 1<<20)
	for i := range l.cols {
		if l.widths[i] == 0 {
			continue
		}
		start := Offset(l.cols, l.widths, BreakdownGap, i)
		if x >= start && x < start+l.widths[i] {
			return SortCol(i), true
		}
	}
	return 0, false
}

// BreakdownVisible lists the columns a table w cells wide shows, which the
// sort key cycles through (a hidden column's order would look like none).
func BreakdownVisible(b Breakdown, w int) []SortCol {
	if b.Result == nil {
		return nil
	}
	l := layoutBreakdown(style.Styles{}, b, w, 1<<20)
	var out []SortCol
	for i := range l.cols {
		if l.widths[i] > 0 {
			out = append(out, SortCol(i))
		}
	}
	return out
}
