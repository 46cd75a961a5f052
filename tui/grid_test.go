package tui

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// pressGrid sends keys and settles after each, the grid's answers included.
func pressGrid(m Model, keys ...string) Model {
	for _, k := range keys {
		next, cmd := m.Update(keyMsg(k))
		m = settle(next.(Model), cmd)
	}
	return m
}

// byRegion is the explorer on the sample broken down by region (s, region,
// enter), the breakdown's cursor on its first row.
func byRegion(t *testing.T, w, h int) Model {
	t.Helper()
	m := pressGrid(started(t, testDeps(t), w, h), "s")
	for _, r := range "region" {
		m = pressGrid(m, string(r))
	}
	m = pressGrid(m, "enter")
	if m.bd.dim != "region" {
		t.Fatalf("breakdown by %q, want region", m.bd.dim)
	}
	return m
}

func gridOf(t *testing.T, m Model) *gridLens {
	t.Helper()
	l, ok := m.lens.(*gridLens)
	if !ok {
		t.Fatalf("open lens %T, want the grid", m.lens)
	}
	return l
}

// TestGridGolden: CSAT by region × months on the sample (APAC below its
// target month after month) at 120×40 and 80×24, by channel as columns,
// and without colour (› on the cursor). Regenerate with
// go test ./tui -run TestGridGolden -update.
func TestGridGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		w, h  int
		keys  []string
		plain bool
	}{
		{"grid_120x40", 120, 40, []string{"#", "j", "j"}, false},
		{"grid_80x24", 80, 24, []string{"#", "j", "j", "h"}, false},
		{"grid_columns_120x40", 120, 40, []string{"#", "b", "j", "j"}, false},
		{"ascii_grid_80x24", 80, 24, []string{"#", "j", "j", "l"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := byRegion(t, tc.w, tc.h)
			if tc.plain {
				m = plain(m)
			}
			m = pressGrid(m, tc.keys...)
			golden.RequireEqual(t, []byte(screen(m)))
		})
	}
}

// TestGridLensShowsTheEnginesCells: each cell on screen is the engine's
// breakdown row for its segment and period (CSAT by region, each month
// asked alone), the Total row each month's total, and the Total column a
// region's ratings summed over the months shown, not the mean of its cells.
func TestGridLensShowsTheEnginesCells(t *testing.T) {
	m := pressGrid(byRegion(t, 80, 24), "#", "j", "j")
	l := gridOf(t, m)
	g := l.g
	if g == nil || l.err != "" {
		t.Fatalf("no grid: %q", l.err)
	}
	if l.row != 2 || g.Segments[2].Segment != "APAC" || l.col != len(g.Columns)-1 {
		t.Fatalf("cursor %d,%d on %v, want APAC in the last month", l.row, l.col, g.Segments[l.row].Segment)
	}
	eng := m.q.eng
	d := eng.Def("csat")
	from, to := len(g.Columns)-6, len(g.Columns) // 80 columns: six months
	var num, den float64
	var cells []float64
	for i := from; i < to; i++ {
		s := kpi.Slice{Grain: kpi.Month, Period: g.Columns[i].Period, Segment: "region", Compare: kpi.VsPrevious}
		sc, err := eng.Compute(context.Background(), s, []string{"csat"})
		if err != nil {
			t.Fatal(err)
		}
		r := sc.Find("csat")
		var apac *kpi.Row
		for j := range r.Segments {
			if r.Segments[j].Segment == "APAC" {
				apac = &r.Segments[j]
			}
		}
		cell := g.Segments[2].Cells[i]
		if apac == nil || cell.Value == nil || *cell.Value != *apac.Value || cell.N != apac.N || cell.Status != apac.Status {
			t.Errorf("%s: cell %+v, engine %+v", g.Columns[i].Name, cell, apac)
			continue
		}
		if tv := g.Total.Cells[i].Value; tv == nil || *tv != *r.Total.Value {
			t.Errorf("%s total: %v, engine %v", g.Columns[i].Name, tv, r.Total.Value)
		}
		num += apac.Components["num"]
		den += apac.Components["den"]
		cells = append(cells, *apac.Value)
	}
	pooled := 100 * num / den
	mean := 0.0
	for _, v := range cells {
		mean += v / float64(len(cells))
	}
	if math.Abs(pooled-mean) < 0.05 {
		t.Fatalf("the fixture cannot tell pooled %.2f from mean %.2f", pooled, mean)
	}
	scr := screen(m)
	want := "APAC          ◐ 75.3% ○ 72.8% ◌ 75.2% ○ 71.2% ○ 73.4% ○ 71.6% │ ○ " + d.FormatValue(&pooled)
	if !strings.Contains(scr, want) {
		t.Errorf("no %q (the pooled %s; the mean of cells would be %s) in\n%s", want, d.FormatValue(&pooled), d.FormatValue(&mean), scr)
	}
	mustContain(t, scr, "APAC · Oct 2026: ○ 71.6% · off target (≥ 80%) · n 345")
}

// TestGridDropsStaleAnswers: an answer to a superseded ask changes nothing.
func TestGridDropsStaleAnswers(t *testing.T) {
	m := pressGrid(byRegion(t, 120, 40), "#")
	l := gridOf(t, m)
	before := l.g
	next, _ := m.Update(gridMsg{seq: l.seq - 1, key: l.want, g: &kpi.Grid{}})
	if gridOf(t, next.(Model)).g != before {
		t.Error("an older answer replaced the grid")
	}
	next, _ = m.Update(gridMsg{seq: l.seq, key: "another ask", g: &kpi.Grid{}})
	if gridOf(t, next.(Model)).g != before {
		t.Error("an answer to another ask replaced the grid")
	}
}

// TestGridDrillsIntoTheCell: enter on APAC in August closes the grid and
// drills into region = APAC in August 2026; on the Total row, into the
// month alone.
func TestGridDrillsIntoTheCell(t *testing.T) {
	m := pressGrid(byRegion(t, 120, 40), "#", "j", "j", "h", "h", "enter")
	if m.lens != nil {
		t.Fatal("the grid is still open after enter")
	}
	if got := m.asked(); len(got.Filters) != 1 || got.Filters[0].String() != "region = APAC" || !got.Period.Equal(time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("after enter: filters %v period %v, want region = APAC in Aug 2026", got.Filters, got.Period)
	}
	m = pressGrid(byRegion(t, 120, 40), "#", "end", "h", "enter")
	if got := m.asked(); len(got.Filters) != 0 || !got.Period.Equal(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("enter on the Total row: filters %v period %v, want none in Sep 2026", got.Filters, got.Period)
	}
}

// TestGridOpensTheRowsBehindACell: R opens the rows behind the cell in its
// place: the cell's month and segment, as many rows as the cell's n; on the Total column of several
// months it says why not; by a second dimension, the column's value is a
// filter.
func TestGridOpensTheRowsBehindACell(t *testing.T) {
	m := pressGrid(byRegion(t, 120, 40), "#", "j", "j", "h")
	l := gridOf(t, m)
	n := l.g.Segments[l.row].Cells[l.col].N
	m = pressGrid(m, "R")
	r, ok := m.lens.(*recordsLens)
	if !ok {
		t.Fatalf("open lens %T, want the rows behind the cell", m.lens)
	}
	if r.def.ID != "csat" || r.dim != "region" || r.value != "APAC" || !r.slice.Period.Equal(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)) || r.slice.Grain != kpi.Month {
		t.Errorf("records of %s %s=%s in %v %s, want csat region=APAC in Sep 2026", r.def.ID, r.dim, r.value, r.slice.Period, r.slice.Grain)
	}
	if r.recs == nil || r.recs.Count != n || n != 376 {
		t.Errorf("the rows behind APAC's September: %v, want the cell's n %d (376)", r.recs, n)
	}
	m = pressGrid(byRegion(t, 120, 40), "#", "l", "R") // the Total column: several months
	if _, ok := m.lens.(*gridLens); !ok {
		t.Fatalf("R on the Total column opened %T", m.lens)
	}
	mustContain(t, screen(m), "the Total column spans several periods: R lists the rows of one cell")
	m = pressGrid(byRegion(t, 120, 40), "#", "b", "j", "R") // columns by channel; the cursor on web, EMEA
	r = m.lens.(*recordsLens)
	if r.value != "EMEA" || len(r.slice.Filters) != 1 || r.slice.Filters[0].String() != "channel = web" {
		t.Errorf("records of %s=%s with %v, want region=EMEA with channel = web", r.dim, r.value, r.slice.Filters)
	}
}

// TestGridColumnsCycle: b lays out each other dimension as columns in turn,
// then the periods again.
func TestGridColumnsCycle(t *testing.T) {
	m := pressGrid(byRegion(t, 120, 40), "#", "b")
	l := gridOf(t, m)
	if l.g == nil || l.g.Cols != "channel" || len(l.g.Columns) != 4 {
		t.Fatalf("after b: columns %v", l.g)
	}
	mustContain(t, screen(m), "Grid · CSAT by region × channel", "Total: each region over every channel")
	seen := map[string]bool{}
	for range m.dims {
		m = pressGrid(m, "b")
		seen[gridOf(t, m).cols] = true
	}
	if !seen[""] || seen["region"] {
		t.Errorf("columns cycled through %v: want the periods back, never the rows' own dimension", seen)
	}
}

// TestGridSaysWhyNot: a KPI the rows' dimension does not split shows why
// in the lens, with the key that chooses another, and the explorer keeps
// running; a median's Total column says why it is empty.
func TestGridSaysWhyNot(t *testing.T) {
	m := pressGrid(started(t, testDeps(t), 120, 40), "#") // by channel
	m = pressGrid(m, "j")
	m = pressGrid(m, "esc", "2", "#") // NPS: surveys have no channel
	scr := screen(m)
	mustContain(t, scr, "Grid · NPS by channel", "cannot break down by channel", "s rows by another dimension")
	m = pressGrid(m, "esc", "7", "#") // the median resolution time
	mustContain(t, screen(m), "Resolution time (median) by channel", "Total column —: a median: the periods' medians do not pool")
}

// TestGridFitsEverySize: the grid keeps the screen's lines and width at
// every size, the cursor's cell on screen.
func TestGridFitsEverySize(t *testing.T) {
	for _, keys := range [][]string{{"#", "j", "j"}, {"#", "b", "end", "l"}} {
		base := pressGrid(byRegion(t, 120, 40), keys...)
		for _, size := range [][2]int{{60, 14}, {60, 20}, {80, 24}, {100, 30}, {120, 40}, {160, 50}} {
			next, _ := base.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			lines := strings.Split(screen(next.(Model)), "\n")
			if len(lines) != size[1] {
				t.Errorf("%v at %dx%d: %d lines", keys, size[0], size[1], len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("%v at %dx%d: line %d is %d wide: %q", keys, size[0], size[1], i, w, l)
				}
			}
		}
	}
}

// TestGridFlow drives the real program: open the grid, move over its
// cells, drill into one, open it again and close it.
func TestGridFlow(t *testing.T) {
	tm := teatest.NewTestModel(t, New(testDeps(t)), teatest.WithInitialTermSize(120, 40))
	waitFor := waiter(t, tm)
	key := func(k string) { tm.Send(keyMsg(k)) }
	waitFor("KPIs · 25", "By channel")
	key("#")
	waitFor("Grid · CSAT by channel", "chat · Oct 2026: ● 85.6%")
	key("j")
	waitFor("email · Oct 2026: ○ 74.4%")
	key("h")
	waitFor("Sep 2026: ◌ 77.4%") // the renderer redraws only what changed
	key("enter")
	waitFor("channel = email")
	key("#")
	waitFor("Grid · CSAT by")
	key("esc")
	waitFor("KPIs · 25")
	key("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))
	m := tm.FinalModel(t).(Model)
	if m.lens != nil {
		t.Fatal("the grid is still open after esc")
	}
	if got := m.asked(); !got.Period.Equal(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("after the drill the period is %v, want Sep 2026", got.Period)
	}
}

// TestGridKeepsTheCursorAcrossGrains: g redraws the grid by quarter with
// the cursor as many columns from the screen's period as it was (one left
// of October is Q3 2026), on the same segment; on the Total column it stays
// there.
func TestGridKeepsTheCursorAcrossGrains(t *testing.T) {
	m := pressGrid(byRegion(t, 120, 40), "#", "j", "j", "h", "g")
	l := gridOf(t, m)
	if l.g == nil || l.g.Slice.Grain != kpi.Quarter {
		t.Fatalf("after g: %v", l.g)
	}
	if c := l.g.Columns[l.col]; l.g.Segments[l.row].Segment != "APAC" || !c.Period.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("cursor on %s in %s, want APAC in Q3 2026", l.g.Segments[l.row].Segment, c.Name)
	}
	m = pressGrid(m, "l", "l", "G")
	if l = gridOf(t, m); l.g.Slice.Grain != kpi.Month || l.col != len(l.g.Columns) {
		t.Errorf("from the Total column, G left the cursor on column %d of %d", l.col, len(l.g.Columns))
	}
}

// TestGridScrollsItsSegments: sixty channels, every one asked as the
// breakdown asks them, scroll under the cursor with a line saying which
// show; b with no other dimension keeps the grid.
func TestGridScrollsItsSegments(t *testing.T) {
	m := pressGrid(started(t, manyAirlines(t), 80, 24), "#")
	l := gridOf(t, m)
	if l.g == nil || len(l.g.Segments) != 60 || l.g.RowsLeftOut != 0 {
		t.Fatalf("grid of %v rows (%d left out), want all 60 as the breakdown", l.g, l.g.RowsLeftOut)
	}
	for range 29 {
		m = pressGrid(m, "j")
	}
	scr := screen(m)
	mustContain(t, scr, "Airline 30 · Oct 2026:", "19–30 of 60 channel")
	if !strings.Contains(scr, "│Airline 30 ") {
		t.Errorf("the cursor's row is not on screen:\n%s", scr)
	}
	m = pressGrid(m, "b")
	if l := gridOf(t, m); l.g == nil || l.cols != "" {
		t.Errorf("b with no other dimension: grid %v, columns %q", l.g, l.cols)
	}
	mustContain(t, screen(m), "no other dimension to lay out as columns")
}

// TestGridStartsOnTheBreakdownRow: the grid opens on the breakdown's row
// under the cursor, and keeps that segment when tab moves to the next KPI.
func TestGridStartsOnTheBreakdownRow(t *testing.T) {
	m := pressGrid(byRegion(t, 120, 40), "enter", "j", "#")
	l := gridOf(t, m)
	if l.g == nil || l.g.Segments[l.row].Segment != "EMEA" {
		t.Fatalf("the grid opened on row %d, want EMEA", l.row)
	}
	m = pressGrid(m, "tab")
	l = gridOf(t, m)
	if l.g == nil || l.g.Def.ID != "nps" || l.g.Segments[l.row].Segment != "EMEA" {
		t.Errorf("after tab: %v on row %d, want NPS on EMEA", l.g, l.row)
	}
	mustContain(t, screen(m), "Grid · NPS by region", "EMEA · Oct 2026:")
}

// undatedGridDeps is a customer snapshot with no date at all, a churn flag
// (a KPI with no target) and two dimensions, one with long values.
func undatedGridDeps(t *testing.T) Deps {
	t.Helper()
	path := filepath.Join(t.TempDir(), "churn.csv")
	var b strings.Builder
	b.WriteString("customerID,Contract,InternetService,Churn\n")
	contracts := []string{"Month-to-month", "One year", "Two year"}
	services := []string{"Fiber optic", "DSL", "No"}
	for i := range 60 {
		churn := "No"
		if i%4 == 0 {
			churn = "Yes"
		}
		fmt.Fprintf(&b, "c%02d,%s,%s,%s\n", i, contracts[i%3], services[(i/3)%3], churn)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Open(context.Background(), workspace.Options{Sources: []string{path}, NoConfig: true, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if !ws.Engine.AsOf().IsZero() || len(ws.Engine.Dimensions()) < 2 {
		t.Fatalf("the fixture has a date (%v) or fewer than two dimensions (%v)", ws.Engine.AsOf(), ws.Engine.Dimensions())
	}
	return Deps{Engine: ws.Engine, Now: fixedNow, ExportDir: t.TempDir()}
}

// TestGridUndatedOffersColumns: without a date column the grid says that b
// lays a dimension out as columns, and its hints offer no grain (g does
// nothing there).
func TestGridUndatedOffersColumns(t *testing.T) {
	m := pressGrid(started(t, undatedGridDeps(t), 120, 40), "#")
	scr := screen(m)
	mustContain(t, scr, "has no date column: b lays a dimension out as columns", "b columns: a dimension")
	if strings.Contains(scr, "g grain") || strings.Contains(scr, "choose a grain") {
		t.Errorf("the undated grid offers a grain:\n%s", scr)
	}
}

// TestGridLegendNamesNoTarget: a churn flag has no target, so every cell
// shows ◦, and the legend says what ◦ is; the sample's CSAT grid, whose
// cells all have targets, leaves it out.
func TestGridLegendNamesNoTarget(t *testing.T) {
	m := pressGrid(started(t, undatedGridDeps(t), 120, 40), "#", "b")
	if l := gridOf(t, m); l.g == nil {
		t.Fatalf("no grid after b: %s", l.err)
	}
	scr := screen(m)
	mustContain(t, scr, "◦ ", "· no value  ◦ no target")
	m = pressGrid(byRegion(t, 120, 40), "#")
	if strings.Contains(screen(m), "◦ no target") {
		t.Errorf("the CSAT grid's legend names ◦, which no cell shows")
	}
}

// TestGridHeadsGrowToTheirLabel: a column's head is cut only where the
// pane has no room: at 120 columns the three contracts' heads are whole
// ("Month-to-month" is 14 wide, more than the 12 a head had). At 60 (58
// inside) the labels take 10 and a gap, the Total column 8 ("◦ 23.8%" and
// a space) and its rule 1: 38 left, two columns of 14 and a gap, as two of
// 12 were before, so the heads grow there too.
func TestGridHeadsGrowToTheirLabel(t *testing.T) {
	d := undatedGridDeps(t)
	m := pressGrid(started(t, d, 120, 40), "s")
	for _, r := range "InternetService" {
		m = pressGrid(m, string(r))
	}
	m = pressGrid(m, "enter", "#", "b")
	l := gridOf(t, m)
	if l.g == nil || l.g.Cols != "Contract" || len(l.g.Columns) != 3 {
		t.Fatalf("grid by %v, want Contract's 3 values as columns (%s)", l.g, l.err)
	}
	scr := screen(m)
	mustContain(t, scr, "Month-to-month", "One year", "Two year")
	if strings.Contains(scr, "…") {
		t.Errorf("a head is cut at 120 columns:\n%s", scr)
	}
	next, _ := m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	m = pressGrid(next.(Model), "h", "h")
	scr = screen(m)
	mustContain(t, scr, "Month-to-month", "One year")
	if strings.Contains(scr, "Two year") {
		t.Errorf("three columns of 14 at 60 wide:\n%s", scr)
	}
}

// TestGridRowsEscGoesBack: esc from the rows opened on a grid cell goes
// back to the grid, its cursor on the same cell (APAC, September: two rows
// down, one column left of October), not to the main screen; meanwhile the
// header names September, the rows' month; a second esc
// closes the grid. A lens opened by its own key from the rows leaves no
// grid to go back to.
func TestGridRowsEscGoesBack(t *testing.T) {
	m := pressGrid(byRegion(t, 120, 40), "#", "j", "j", "h")
	g := gridOf(t, m)
	row, col, seg := g.row, g.col, g.g.Segments[g.row].Segment
	if seg != "APAC" || g.g.Columns[col].Name != "Sep 2026" {
		t.Fatalf("cursor on %s %s, want APAC Sep 2026", seg, g.g.Columns[col].Name)
	}
	header := func() string { return strings.SplitN(screen(m), "\n", 2)[0] }
	before := header()
	m = pressGrid(m, "R")
	if _, ok := m.lens.(*recordsLens); !ok {
		t.Fatalf("R opened %T, want the rows", m.lens)
	}
	// The header names the rows' month, not the screen's October (and no
	// comparison: the rows have none).
	if h := header(); !strings.Contains(h, "Sep 2026 (month)") || strings.Contains(h, "Oct 2026") || strings.Contains(h, " vs ") {
		t.Errorf("header over September's rows: %q", h)
	}
	m = pressGrid(m, "esc")
	if h := header(); h != before || !strings.Contains(h, "Oct 2026 (month) · vs Sep 2026") {
		t.Errorf("header back on the grid: %q, want %q", h, before)
	}
	back, ok := m.lens.(*gridLens)
	if !ok {
		t.Fatalf("esc from the rows left %T, want the grid back", m.lens)
	}
	if back.row != row || back.col != col || back.g == nil || back.loading {
		t.Errorf("back on row %d col %d (loading %v), want row %d col %d", back.row, back.col, back.loading, row, col)
	}
	mustContain(t, screen(m), "Grid · CSAT by region", "APAC · Sep 2026: ○ 73.4%")
	if m = pressGrid(m, "esc"); m.lens != nil || m.lensBack != nil {
		t.Errorf("a second esc left %T (back %T)", m.lens, m.lensBack)
	}
	m = pressGrid(byRegion(t, 120, 40), "#", "R", "d") // the distribution from the rows
	if _, ok := m.lens.(*distLens); !ok || m.lensBack != nil {
		t.Fatalf("d from the rows: %T, back %T; want the distribution alone", m.lens, m.lensBack)
	}
	if m = pressGrid(m, "esc"); m.lens != nil {
		t.Errorf("esc from the distribution left %T", m.lens)
	}
}

// TestGridPeriodsThatFit: the periods the grid shows, as the README says.
// Inside the frame (w-2) the labels take their longest name, then each
// period 8 ("● 82.7%" and a gap) and the Total column 9 with its rule:
// by channel (labels 7) (78-7-1-8-1)/8 = 7 at 80 and (118-17)/8 = 12 at
// 120; by region (labels 13, "North America") 55/8 = 6 and 95/8 = 11.
func TestGridPeriodsThatFit(t *testing.T) {
	for _, c := range []struct {
		region bool
		w, h   int
		span   string
	}{
		{false, 80, 24, "month, Apr – Oct 2026"},
		{false, 120, 40, "month, Nov 2025 – Oct 2026"},
		{true, 80, 24, "month, May – Oct 2026"},
		{true, 120, 40, "month, Dec 2025 – Oct 2026"},
	} {
		m := started(t, testDeps(t), c.w, c.h)
		if c.region {
			m = byRegion(t, c.w, c.h)
		}
		mustContain(t, screen(pressGrid(m, "#")), c.span)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strings.Fields(string(readme)), " "),
		"as many periods as fit ending at the screen's (CSAT by channel: 7 at 80 columns, 12 at 120; by region, whose names are longer, 6 and 11)") {
		t.Errorf("README.md does not give the periods the grid shows (7 and 12 by channel, 6 and 11 by region)")
	}
}
