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
	title := func(c SortCol, t string) string {
		if b.Sort.Col != c {
			return t
		}
		if b.Sort.Desc {
			return t + "▾"
		}
		return t + "▴"
	}
	seg := "By " + b.Dim
	return []Column{
		{Title: title(SortStatus, " "), Fixed: 1, Prio: -1},
		{Title: title(SortSegment, seg), Flex: true, Min: 12}, // names say where: narrow screens drop columns first
		{Title: title(SortValue, "Value"), Right: true, Prio: -1},
		{Title: title(SortTarget, "Target"), Right: true, Prio: 5},
		{Title: title(SortDelta, "Δ"), Right: true, Prio: 9},
		{Title: title(SortN, "n"), Right: true, Prio: 7},
		{Title: title(SortShare, "Share"), Right: true, Prio: 4},
	}
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

// BreakdownOffset is the first segment row shown in h lines.
func BreakdownOffset(b Breakdown, h int) int {
	if b.Result == nil {
		return 0
	}
	return Scroll(b.Cursor, len(b.Result.Segments), breakdownBodyH(b.Result, h))
}

func breakdownBodyH(r *kpi.Result, h int) int {
	body := h - 2
	if r.SegmentsTruncated > 0 {
		body--
	}
	return max(1, body)
}

// RenderBreakdown draws the table in w × at most h lines.
func RenderBreakdown(st style.Styles, b Breakdown, w, h int) []string {
	r := b.Result
	d := b.Def
	cols := breakdownCols(b)
	segs := SortRows(r.Segments, b.Sort)
	rows := make([][]Cell, 0, len(segs)+1)
	pts := w >= 52
	for _, s := range segs {
		rows = append(rows, segmentCells(st, d, s, pts, r.Approx))
	}
	total := segmentCells(st, d, r.Total, pts, r.Approx)
	total[1].Text = "Total"
	for i := range total {
		total[i].Style = total[i].Style.Bold(true)
	}
	widths := Widths(cols, append(rows, total), w, BreakdownGap)
	out := []string{Header(cols, widths, BreakdownGap, st.TableHead)}
	bodyH := breakdownBodyH(r, h)
	off := Scroll(b.Cursor, len(rows), bodyH)
	for i := off; i < len(rows) && i < off+bodyH; i++ {
		var rs = st.SelectedDim
		if b.Focused {
			rs = st.Selected
		}
		if i == b.Cursor && b.Focused {
			out = append(out, Row(cols, rows[i], widths, BreakdownGap, &rs, b.Faint, w))
			continue
		}
		out = append(out, Row(cols, rows[i], widths, BreakdownGap, nil, b.Faint, w))
	}
	out = append(out, Row(cols, total, widths, BreakdownGap, nil, b.Faint, w))
	if r.SegmentsTruncated > 0 {
		out = append(out, st.MutedText.Render(fmt.Sprintf("+%d smaller segments not shown", r.SegmentsTruncated)))
	}
	return out
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
		DeltaCell(st, d, r.Delta, pts),
		n,
		share,
	}
}

// BreakdownColumnAt is the column under x in a table w cells wide.
func BreakdownColumnAt(b Breakdown, w, x int) (SortCol, bool) {
	var st style.Styles
	cols := breakdownCols(b)
	pts := w >= 52
	rows := [][]Cell{segmentCells(st, b.Def, b.Result.Total, pts, b.Result.Approx)}
	rows[0][1].Text = "Total"
	for _, s := range b.Result.Segments {
		rows = append(rows, segmentCells(st, b.Def, s, pts, b.Result.Approx))
	}
	widths := Widths(cols, rows, w, BreakdownGap)
	for i := range cols {
		if widths[i] == 0 {
			continue
		}
		start := Offset(cols, widths, BreakdownGap, i)
		if x >= start && x < start+widths[i] {
			return SortCol(i), true
		}
	}
	return 0, false
}
