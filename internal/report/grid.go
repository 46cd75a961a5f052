package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"kpiscope/internal/kpi"
)

// report --grid: a KPI's segments × periods (or × a second dimension's
// values), each cell its value and status glyph, the totals row each
// column's pooled total and the totals column each segment's value over
// the columns (kpi.Grid.Across: pooled components, never an average).

// gridLegend says what the glyphs mean and how the totals are made.
const gridLegend = "● on target  ◐ near  ○ off  ◌ uncertain  · no value  ◦ no target"

// GridTitle names a grid: the data, the KPI by its dimensions, the grain
// and span or period, and the filters (the cells show no deltas: each
// cell's is in the JSON and CSV, with what it is against).
func GridTitle(g *kpi.Grid, label string) string {
	var b strings.Builder
	b.WriteString(label + " · " + g.Def.Label() + " by " + g.Rows)
	if g.Cols == "" {
		b.WriteString(" × " + g.Slice.Grain.Name() + ", " + gridSpanName(g))
	} else {
		b.WriteString(" × " + g.Cols + ", " + gridLastName(g))
	}
	for _, f := range g.Slice.Filters {
		b.WriteString(" · " + f.String())
	}
	return Clean(b.String())
}

func gridLastName(g *kpi.Grid) string {
	if len(g.Total.Cells) > 0 && g.Total.Cells[0].PeriodName != "" {
		return g.Total.Cells[0].PeriodName
	}
	return kpi.PeriodLabel(g.Slice.Grain, g.Slice.Period, g.Slice.Period)
}

// gridSpanName is the periods the grid covers ("May – Oct 2026").
func gridSpanName(g *kpi.Grid) string { return g.Span(0, len(g.Columns)) }

// GridCell is a cell's text: its status glyph and value ("● 82.5%",
// "· —").
func GridCell(d *kpi.Def, r kpi.Row) string {
	return r.Status.Symbol() + " " + d.FormatValue(r.Value)
}

// overName heads the totals column: the span of periods, or "Total" over
// a second dimension's values.
func overName(g *kpi.Grid) string {
	if g.Cols != "" {
		return "Total"
	}
	return gridSpanName(g)
}

// gridTable is a grid's header and rows of text; the last row is the totals.
func gridTable(g *kpi.Grid) (head []string, rows [][]string) {
	head = append(head, g.Rows)
	for _, c := range g.Columns {
		head = append(head, c.Name)
	}
	head = append(head, overName(g))
	line := func(name string, r kpi.GridRow) []string {
		out := []string{name}
		for _, c := range r.Cells {
			out = append(out, GridCell(g.Def, c))
		}
		if p, ok := g.Across(r, 0, len(g.Columns)); ok {
			out = append(out, GridCell(g.Def, p))
		} else {
			out = append(out, "—")
		}
		return out
	}
	for _, r := range g.Segments {
		rows = append(rows, line(Clean(r.Segment), r))
	}
	rows = append(rows, line("Total", g.Total))
	return head, rows
}

// gridNotes are the lines under a grid: the legend, why the totals column
// is empty, and the segments or values left out.
func gridNotes(g *kpi.Grid) []string {
	var out []string
	switch {
	case g.NoPool != "" && g.Cols == "":
		out = append(out, fmt.Sprintf("%s: no pooled value (—): %s; each period's own total is in the Total row", overName(g), g.NoPool))
	case g.Cols == "":
		out = append(out, overName(g)+": each segment's counts summed over the periods, the formula applied to the sums (never an average of cells)")
	}
	if g.RowsLeftOut > 0 {
		out = append(out, fmt.Sprintf("%d smaller %s segments left out (--limit all shows them)", g.RowsLeftOut, g.Rows))
	}
	if g.ColsLeftOut > 0 {
		out = append(out, fmt.Sprintf("%d smaller %s values left out of the columns", g.ColsLeftOut, g.Cols))
	}
	if g.Approx {
		out = append(out, "~ medians answered from a rollup's sketch (±1%)")
	}
	return out
}

// GridPlain writes each grid as an aligned text table under its title,
// the legend and notes below, and the notes (KPIs left out, and why) last.
func GridPlain(w io.Writer, gs []*kpi.Grid, label string, notes []string) error {
	for i, g := range gs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, GridTitle(g, label))
		fmt.Fprintln(w)
		head, body := gridTable(g)
		rows := append([][]string{head}, body...)
		widths := make([]int, len(head))
		for _, r := range rows {
			for i, c := range r {
				widths[i] = max(widths[i], utf8.RuneCountInString(c))
			}
		}
		for _, r := range rows {
			var b strings.Builder
			for i, c := range r {
				pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
				if i == 0 {
					b.WriteString(c + pad)
				} else {
					b.WriteString("  " + pad + c)
				}
			}
			fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, gridLegend)
		for _, n := range gridNotes(g) {
			fmt.Fprintln(w, n)
		}
	}
	for _, n := range notes {
		fmt.Fprintln(w, "! "+Clean(n))
	}
	return nil
}

// GridMarkdown writes each grid as a GitHub-flavoured table, the totals
// row in bold, and the notes last.
func GridMarkdown(w io.Writer, gs []*kpi.Grid, label string, notes []string) error {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for i, g := range gs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "**%s**\n\n", esc(GridTitle(g, label)))
		head, body := gridTable(g)
		align := make([]string, len(head))
		for i := range align {
			align[i] = "---:"
		}
		align[0] = "---"
		for i := range head {
			head[i] = esc(head[i])
		}
		fmt.Fprintln(w, "| "+strings.Join(head, " | ")+" |")
		fmt.Fprintln(w, "| "+strings.Join(align, " | ")+" |")
		for ri, r := range body {
			for k, s := range r {
				r[k] = esc(s)
				if ri == len(body)-1 {
					r[k] = "**" + r[k] + "**"
				}
			}
			fmt.Fprintln(w, "| "+strings.Join(r, " | ")+" |")
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, gridLegend)
		for _, n := range gridNotes(g) {
			fmt.Fprintln(w, "- "+esc(n))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
	}
	for _, n := range notes {
		fmt.Fprintln(w, "- ⚠ "+esc(Clean(n)))
	}
	return nil
}

// GridCellJSON is one cell of report --grid's JSON.
type GridCellJSON struct {
	Segment   string     `json:"segment"` // "Total" on the totals row
	Column    string     `json:"column"`  // the period's name, or the value of --columns
	Period    string     `json:"period"`  // 2026-10, 2026-Q3 (the grain's); for a totals column the span's first–last
	Value     *float64   `json:"value"`
	Status    kpi.Status `json:"status"`
	N         *int64     `json:"n"`
	LowN      bool       `json:"low_n"`
	Delta     *float64   `json:"delta"`
	CompareTo string     `json:"compare_to,omitempty"`
	// TotalRow marks the totals row (each column's pooled total),
	// TotalColumn the totals column (each segment over the columns).
	TotalRow    bool               `json:"total_row"`
	TotalColumn bool               `json:"total_column"`
	Components  map[string]float64 `json:"components"`
}

// GridJSONOut is one grid in report --grid's JSON.
type GridJSONOut struct {
	KPI     string         `json:"kpi"`
	Name    string         `json:"name"`
	Unit    string         `json:"unit,omitempty"`
	Rows    string         `json:"rows"`
	Columns string         `json:"columns"` // "periods" or the second dimension
	Grain   string         `json:"grain"`
	Compare string         `json:"compare"`
	Filters []string       `json:"filters"`
	Heads   []string       `json:"column_names"`
	Cells   []GridCellJSON `json:"cells"`
	// NoPool says why the totals column has no values ("" when it has).
	NoPool      string `json:"total_column_none,omitempty"`
	RowsLeftOut int    `json:"segments_left_out"`
	ColsLeftOut int    `json:"columns_left_out"`
}

// gridCells lists a grid's cells row by row, each row's total last, the
// totals row last.
func gridCells(g *kpi.Grid) []GridCellJSON {
	var out []GridCellJSON
	period := func(r kpi.Row, ci int) string {
		if g.Cols != "" {
			return g.Slice.Grain.Format(g.Slice.Period)
		}
		return g.Slice.Grain.Format(g.Columns[ci].Period)
	}
	mk := func(seg string, r kpi.Row, col, per string, totalRow, totalCol bool) GridCellJSON {
		c := GridCellJSON{Segment: seg, Column: col, Period: per, Value: r.Value, Status: r.Status, LowN: r.LowN,
			Delta: r.Delta, CompareTo: r.CompareTo, TotalRow: totalRow, TotalColumn: totalCol, Components: r.Components}
		if totalCol && g.Cols == "" {
			c.Delta, c.CompareTo = nil, ""
		}
		if r.HasN {
			n := r.N
			c.N = &n
		}
		if c.Components == nil {
			c.Components = map[string]float64{}
		}
		return c
	}
	span := ""
	if len(g.Columns) > 0 {
		span = g.Slice.Grain.Format(g.Columns[0].Period) + "/" + g.Slice.Grain.Format(g.Columns[len(g.Columns)-1].Period)
		if g.Cols != "" {
			span = g.Slice.Grain.Format(g.Slice.Period)
		}
	}
	rows := append(append([]kpi.GridRow(nil), g.Segments...), g.Total)
	for _, r := range rows {
		seg := r.Segment
		if r.Total {
			seg = "Total"
		}
		for ci, c := range r.Cells {
			out = append(out, mk(seg, c, g.Columns[ci].Name, period(c, ci), r.Total, false))
		}
		if p, ok := g.Across(r, 0, len(g.Columns)); ok {
			out = append(out, mk(seg, p, overName(g), span, r.Total, true))
		} else {
			out = append(out, GridCellJSON{Segment: seg, Column: overName(g), Period: span, Status: kpi.NoValue,
				TotalRow: r.Total, TotalColumn: true, Components: map[string]float64{}})
		}
	}
	return out
}

// GridJSON writes {"title":…, "grids":[{"kpi", "rows", "columns",
// "cells":[{segment, column, period, value, status, n, delta, total_row,
// total_column, components}]}], "warnings":[…]}; warnings are the notes
// (KPIs left out, and why).
func GridJSON(w io.Writer, gs []*kpi.Grid, label string, notes []string) error {
	out := struct {
		Title    string        `json:"title"`
		Grids    []GridJSONOut `json:"grids"`
		Warnings []string      `json:"warnings"`
	}{Title: label, Grids: []GridJSONOut{}, Warnings: append([]string{}, notes...)}
	for _, g := range gs {
		j := GridJSONOut{KPI: g.Def.ID, Name: g.Def.Label(), Unit: g.Def.Unit, Rows: g.Rows, Columns: g.Cols,
			Grain: g.Slice.Grain.Name(), Compare: string(g.Slice.Compare), Filters: []string{}, Cells: gridCells(g),
			NoPool: g.NoPool, RowsLeftOut: g.RowsLeftOut, ColsLeftOut: g.ColsLeftOut}
		if g.Cols == "" {
			j.Columns = "periods"
		} else {
			j.NoPool = ""
		}
		for _, c := range g.Columns {
			j.Heads = append(j.Heads, c.Name)
		}
		j.Heads = append(j.Heads, overName(g))
		for _, f := range g.Slice.Filters {
			j.Filters = append(j.Filters, f.String())
		}
		out.Grids = append(out.Grids, j)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := w.Write(escapeJSONControls(buf.Bytes()))
	return err
}

// GridCSV writes one line per cell (long form, as GridJSON's cells), the
// totals marked.
func GridCSV(w io.Writer, gs []*kpi.Grid) error {
	cw := csv.NewWriter(w)
	head := []string{"kpi", "rows", "columns", "segment", "column", "period", "value", "unit", "status", "n", "low_n",
		"delta", "compare_to", "total_row", "total_column"}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, g := range gs {
		cols := g.Cols
		if cols == "" {
			cols = "periods"
		}
		for _, c := range gridCells(g) {
			n := ""
			if c.N != nil {
				n = strconv.FormatInt(*c.N, 10)
			}
			rec := []string{g.Def.ID, g.Rows, cols, c.Segment, c.Column, c.Period, num(c.Value), g.Def.Unit, string(c.Status), n,
				strconv.FormatBool(c.LowN), num(c.Delta), c.CompareTo, strconv.FormatBool(c.TotalRow), strconv.FormatBool(c.TotalColumn)}
			for i := range rec {
				rec[i] = SafeCell(rec[i])
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
