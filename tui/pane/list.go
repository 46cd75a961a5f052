package pane

import (
	"errors"
	"fmt"
	"strings"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

// Tile is one KPI in the list.
type Tile struct {
	Def    *kpi.Def
	Result *kpi.Result // nil until the first scorecard arrives
	Warned bool        // data-quality warnings exist for this KPI
}

// ListGap is the gap between list columns.
const ListGap = 1

// ListHeaderRows is the number of lines above the first tile (the column titles).
const ListHeaderRows = 1

// List renders the KPI list as h lines of w cells: a header row, then one
// row per KPI scrolled so that the selected one is visible.
func List(st style.Styles, tiles []Tile, sel, w, h int, focused, dim bool) []string {
	if len(tiles) == 0 {
		return []string{st.MutedText.Render("no KPIs defined")}
	}
	cols := []Column{
		{Title: " ", Fixed: 1, Prio: -1},
		{Title: " ", Fixed: 1, Prio: -1, Tight: true},
		{Title: "KPI", Flex: true, Min: 9, Mark: true},
		{Title: "Value", Right: true, Prio: -1, Min: 7},
		{Title: "Target", Right: true, Prio: 5, Min: 7},
		{Title: "Δ", Right: true, Prio: 9, Min: 6},
		{Title: "Trend", Fixed: 10, Prio: 6},
		{Title: "n", Right: true, Prio: 4, Min: 5},
	}
	// A benchmark column when any KPI has one: it goes after n and before
	// the target when the list is short of room.
	bench := false
	for _, t := range tiles {
		bench = bench || t.Def.Benchmark != nil
	}
	if bench {
		cols[4].Prio = 6 // the target, dropped before the trend (a later column) on a tie
		cols = append(cols[:5], append([]Column{{Title: "Bench", Right: true, Prio: 5, Min: 5}}, cols[5:]...)...)
	}
	rows := make([][]Cell, len(tiles))
	short := make([]string, len(tiles))
	longest := 0
	for i, t := range tiles {
		rows[i] = tileCells(st, t)
		if bench && len(rows[i]) > 5 {
			rows[i] = append(rows[i][:5], append([]Cell{benchCell(st, t.Def)}, rows[i][5:]...)...)
		}
		short[i] = t.Def.ShortLabel()
		longest = max(longest, Width(short[i]))
	}
	cols[2].Min = min(max(9, longest), 14)
	widths := Widths(cols, rows, w, ListGap)
	// One naming scheme for the whole list: short names when any full one
	// does not fit.
	useShort := false
	for _, t := range tiles {
		useShort = useShort || Width(t.Def.Label()) > widths[2]
	}
	for i := range tiles {
		if useShort {
			rows[i][2].Text = short[i]
		}
	}
	out := []string{Header(cols, widths, ListGap, st.TableHead)}
	bodyH := max(0, h-ListHeaderRows)
	off := Scroll(sel, len(tiles), bodyH)
	for i := off; i < len(tiles) && i < off+bodyH; i++ {
		if i == sel {
			rs := st.SelectedDim
			if focused {
				rs = st.Selected
			}
			mark := ""
			if st.Plain {
				mark = SelectMark
			}
			out = append(out, MarkedRow(cols, rows[i], widths, ListGap, &rs, dim, w, mark))
			continue
		}
		out = append(out, Row(cols, rows[i], widths, ListGap, nil, dim, w))
	}
	// With room to spare: how many KPIs stand where, and the symbols,
	// wrapped between their items, never cut.
	sep := st.MutedText.Render(" · ")
	sum := Flow(summary(st, tiles), sep, w, 3)
	var legend []string
	for _, s := range listLegend(tiles) {
		legend = append(legend, st.MutedText.Render(s))
	}
	leg := Flow(legend, sep, w, 3)
	if free := bodyH - len(tiles); free >= len(sum)+3 {
		out = append(append(out, ""), sum...)
		if free >= len(sum)+len(leg)+4 {
			out = append(append(out, ""), leg...)
		}
	}
	return out
}

// listLegend lists the list's symbols: the uncertain status and the mark
// of a change within noise only when a KPI shows them.
func listLegend(tiles []Tile) []string {
	var unsure, noise bool
	for _, t := range tiles {
		if t.Result == nil || t.Result.Err != nil {
			continue
		}
		unsure = unsure || t.Result.Total.Status == kpi.Uncertain
		noise = noise || noiseMarked(t.Def, t.Result.Total)
	}
	out := []string{"? low n", "! warnings"}
	if unsure {
		out = append(out, kpi.Uncertain.Symbol()+" uncertain")
	}
	if noise {
		out = append(out, style.NoiseMark+" Δ within noise; unmarked: beyond it or untested")
	}
	return append(out, "◦ no target", "· no value")
}

// WithinNoise reports whether a row's change was tested and is within noise
// (its 95% interval holds zero).
func WithinNoise(r kpi.Row) bool {
	return r.Delta != nil && r.Significant != nil && !*r.Significant
}

// noiseMarked says whether a row's change shows NoiseMark: within noise,
// and a change at the displayed precision ("= 0.0h" needs no mark).
func noiseMarked(d *kpi.Def, r kpi.Row) bool {
	if !WithinNoise(r) {
		return false
	}
	arrow, _ := d.DeltaParts(*r.Delta, false)
	return arrow != "="
}

func shortWord(s kpi.Status) string {
	switch s {
	case kpi.Red:
		return "off"
	case kpi.Amber:
		return "near"
	case kpi.Green:
		return "on target"
	}
	return s.Word()
}

// summary counts the KPIs by status, worst first, one item a status.
func summary(st style.Styles, tiles []Tile) []string {
	count := map[kpi.Status]int{}
	for _, t := range tiles {
		if t.Result != nil && t.Result.Err == nil {
			count[t.Result.Total.Status]++
		}
	}
	var parts []string
	for _, s := range []kpi.Status{kpi.Red, kpi.Amber, kpi.Uncertain, kpi.Green, kpi.NoTarget, kpi.NoValue} {
		if n := count[s]; n > 0 {
			parts = append(parts, st.Status(s).Render(fmt.Sprintf("%s %d %s", s.Symbol(), n, shortWord(s))))
		}
	}
	return parts
}

// benchCell is a KPI's benchmark value in the list, "—" without one.
func benchCell(st style.Styles, d *kpi.Def) Cell {
	b := d.Benchmark
	if b == nil {
		return Cell{Text: "—", Style: st.MutedText}
	}
	return Cell{Text: d.FormatNumber(b.Value, benchDecimals(d, b)), Style: st.Benchmark}
}

// ListOffset is the first tile shown, for mouse hit-testing.
func ListOffset(sel, n, h int) int { return Scroll(sel, n, max(0, h-ListHeaderRows)) }

func tileCells(st style.Styles, t Tile) []Cell {
	d := t.Def
	name := Cell{Text: d.Label()}
	if t.Result == nil {
		return []Cell{{Text: "·", Style: st.MutedText}, {Text: " "}, name, {Text: "…", Style: st.MutedText}}
	}
	r := t.Result
	row := r.Total
	flag := Cell{Text: " "}
	switch {
	case r.Err != nil && !errors.Is(r.Err, kpi.ErrNotSliceable) && !waiting(r.Err) || t.Warned:
		flag = Cell{Text: "!", Style: st.WarnText}
	case row.LowN:
		flag = Cell{Text: "?", Style: st.WarnText}
	}
	sym := Cell{Text: row.Status.Symbol(), Style: st.Status(row.Status)}
	if errors.Is(r.Err, kpi.ErrNotSliceable) {
		// The filter does not apply to this KPI's table: not an error in the data.
		return []Cell{{Text: "·", Style: st.MutedText}, {Text: " "}, {Text: name.Text, Style: st.MutedText}, {Text: "n/a", Style: st.MutedText}}
	}
	if waiting(r.Err) {
		// Its table is being made (the business hours of large tickets).
		return []Cell{{Text: "·", Style: st.MutedText}, {Text: " "}, name, {Text: "…", Style: st.MutedText}}
	}
	if r.Err != nil {
		return []Cell{{Text: "·", Style: st.MutedText}, {Text: "!", Style: st.ErrText}, name, {Text: "error", Style: st.ErrText}}
	}
	val := Cell{Text: ValueText(d, row.Value, r.Approx)}
	tgt := Cell{Text: d.FormatTarget(row.Goal), Style: st.MutedText}
	delta := RowDeltaCell(st, d, row, false, r.Approx)
	spark := Cell{Text: Sparkline(r.Trend, 10), Style: st.AccentTxt}
	n := Cell{}
	if row.HasN {
		n = Cell{Text: kpi.FormatFloat(float64(row.N), 0), Style: st.MutedText}
		if row.LowN {
			n.Style = st.WarnText
		}
	}
	return []Cell{sym, flag, name, val, tgt, delta, spark, n}
}

// DeltaCell renders a change with an arrow coloured by whether it is good
// for the KPI; pts adds the "pts" unit to percentage changes.
func DeltaCell(st style.Styles, d *kpi.Def, delta *float64, pts bool) Cell {
	if delta == nil {
		return Cell{Text: "—", Style: st.MutedText}
	}
	arrow, mag := d.DeltaParts(*delta, pts)
	changed := arrow != "="
	good := changed && d.Improved(*delta)
	return Cell{Text: Arrow(st, arrow, good) + " " + mag, Style: st.Delta(good, changed)}
}

// RowDeltaCell is DeltaCell for a row's change, quiet and marked
// NoiseMark in place of the arrow's space when it is within noise; approx
// marks it ~ as its value is (both answered from a rollup's sketch).
func RowDeltaCell(st style.Styles, d *kpi.Def, r kpi.Row, pts, approx bool) Cell {
	c := DeltaCell(st, d, r.Delta, pts)
	if approx && r.Delta != nil && r.Value != nil {
		if arrow, _ := d.DeltaParts(*r.Delta, pts); arrow != "=" {
			c.Text = strings.Replace(c.Text, " ", " ~", 1) // "▲ ~0.2h"
		}
	}
	if noiseMarked(d, r) {
		// "≈▼1.8": as wide as "▼ 1.8", so no column gives way to the mark.
		c.Text = style.NoiseMark + strings.Replace(c.Text, " ", "", 1)
		c.Style = st.Quiet
	}
	return c
}

// Arrow is a change's arrow as drawn: without colour (st.Plain) a change
// bad for the KPI is hollow (△▽), so good and bad still differ (Legend).
func Arrow(st style.Styles, arrow string, good bool) string {
	if !st.Plain || good {
		return arrow
	}
	return strings.NewReplacer("▲", "△", "▼", "▽").Replace(arrow)
}

// ValueText formats a value, marked ~ when it is a quantile answered from a
// rollup's sketch (within ±kpi.SketchError of the exact value).
func ValueText(d *kpi.Def, v *float64, approx bool) string {
	if approx && v != nil {
		return "~" + d.FormatValue(v)
	}
	return d.FormatValue(v)
}

// waiting reports whether err says that a KPI waits for its table, still
// being made (kpi.WaitingError); once that failed, it is an error.
func waiting(err error) bool {
	var w *kpi.WaitingError
	return errors.As(err, &w) && w.Pending()
}
