package kpi

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// A grid lays one KPI out as segments × periods (or segments × the values
// of a second dimension): the explorer's grid view and report --grid. Every
// cell is a breakdown row the engine computed (Compute, one slice per
// column: answered from rollups and cached like any other), so its value,
// status against the segment's own target, n and delta are the ones the
// breakdown shows for that segment and period. Totals are pooled: the
// totals row is each column's Total row, and a segment's total over the
// periods applies the KPI's formula to its cells' summed components
// (GridRow.Across), never an average of the cells.

// ErrGridUndated is Grid's error for a grid of periods of a KPI whose
// table has no date column: no grain gives it periods, only a second
// dimension laid out as columns does.
var ErrGridUndated = errors.New("no date column, so no periods to lay out: lay a second dimension out as columns")

// DefaultGridPeriods is how many periods report --grid lays out.
const DefaultGridPeriods = 6

// MaxGridPeriods bounds the columns a grid asks for (one query each).
const MaxGridPeriods = 60

// MaxGridColumns bounds the values of a second dimension laid out as columns.
const MaxGridColumns = 24

// GridAsk is what a grid asks for.
type GridAsk struct {
	// Slice gives the filters, grain, comparison and the period of the last
	// column (zero: the latest with data); its Segment, Trend and
	// MaxSegments are the grid's own.
	Slice Slice
	KPI   string
	// Rows is the dimension whose segments are the rows.
	Rows string
	// Cols is a second dimension whose values are the columns, in
	// Slice's period; "" lays out periods.
	Cols string
	// Periods is how many periods, ending at Slice's, are columns
	// (DefaultGridPeriods when 0).
	Periods int
	// MaxRows keeps the largest segments (by n in the last column's period,
	// then over the grid); 0 keeps 50, AllSegments every one.
	MaxRows int
}

// GridColumn is one column of a grid.
type GridColumn struct {
	// Period is the column's period (the slice's, for every column of a
	// second dimension).
	Period time.Time
	// Value is the second dimension's value ("" for a column of periods).
	Value string
	// Name is the period in PeriodLabel's words (cut where the data stops),
	// or the value.
	Name string
}

// GridRow is one segment's line of a grid, or the totals line.
type GridRow struct {
	Segment string // "" for the totals
	Total   bool
	// Cells are the breakdown's rows, one per column; a segment without
	// rows in a column has a cell without a value (Status NoValue).
	Cells []Row
	// Over is the segment's value over every column of a second dimension:
	// the engine's row for it in the period (exact for every KPI, medians
	// and distinct counts included). Nil for columns of periods: Across
	// pools those.
	Over *Row
}

// Grid is a KPI laid out as segments × periods, or segments × a second
// dimension's values.
type Grid struct {
	Def *Def
	// Slice is the last column's slice as the engine resolved it (period,
	// grain, comparison, filters).
	Slice    Slice
	Rows     string
	Cols     string // "" for periods
	Columns  []GridColumn
	Segments []GridRow
	Total    GridRow
	// RowsLeftOut counts the segments beyond MaxRows; ColsLeftOut the
	// second dimension's values beyond MaxGridColumns.
	RowsLeftOut, ColsLeftOut int
	// NoPool says why a segment's value over the periods cannot be pooled
	// from its cells ("" when it can): a median, distinct counts, a
	// composite of other KPIs, customers counted at each period's start.
	NoPool string
	// Approx says some cell is a quantile answered from a rollup's sketch.
	Approx bool
}

// errGridNotCached stops GridCached at the first column not in the cache.
var errGridNotCached = errors.New("not cached")

// Grid computes a grid: one Compute per column (at most four at a time),
// each answered from rollups when they are built and kept in the engine's
// result cache. Bad input (an unknown KPI or dimension, all time or a KPI
// without dates asked for periods, the same dimension twice, a KPI whose
// table cannot be split by the dimension) is an error naming the fix.
func (e *Engine) Grid(ctx context.Context, a GridAsk, opts ...Option) (*Grid, error) {
	opts = append(append([]Option(nil), opts...), WithoutExtras())
	return e.grid(a, func(ss []Slice, id string) ([]*Scorecard, error) {
		out := make([]*Scorecard, len(ss))
		errs := make([]error, len(ss))
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		for i, s := range ss {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				out[i], errs[i] = e.Compute(ctx, s, []string{id}, opts...)
			}()
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return out, errors.Join(errs...)
	})
}

// GridCached returns the grid when every column is in the engine's result
// cache, without computing anything (the explorer draws it in the frame of
// the key).
func (e *Engine) GridCached(a GridAsk, opts ...Option) (*Grid, bool) {
	opts = append(append([]Option(nil), opts...), WithoutExtras())
	g, err := e.grid(a, func(ss []Slice, id string) ([]*Scorecard, error) {
		out := make([]*Scorecard, len(ss))
		for i, s := range ss {
			sc, ok := e.Cached(s, []string{id}, opts...)
			if !ok {
				return nil, errGridNotCached
			}
			out[i] = sc
		}
		return out, nil
	})
	return g, err == nil
}

// grid checks the ask and builds the grid from the scorecards get returns
// for each batch of slices.
func (e *Engine) grid(a GridAsk, get func([]Slice, string) ([]*Scorecard, error)) (*Grid, error) {
	d := e.byID[a.KPI]
	if d == nil {
		return nil, fmt.Errorf("unknown KPI %q", a.KPI)
	}
	if err := e.problems[d.ID]; err != nil {
		return nil, err
	}
	if a.Rows == "" {
		return nil, fmt.Errorf("a grid needs a dimension for its rows")
	}
	if err := e.CheckDimension(a.Rows); err != nil {
		return nil, err
	}
	a.Rows = e.CanonicalDim(a.Rows)
	if a.Cols != "" {
		if err := e.CheckDimension(a.Cols); err != nil {
			return nil, err
		}
		a.Cols = e.CanonicalDim(a.Cols)
		if a.Cols == a.Rows {
			return nil, fmt.Errorf("the grid's rows and columns are both %s: choose another dimension for one of them", a.Rows)
		}
	}
	for _, f := range a.Slice.Filters {
		if err := e.CheckFilter(f); err != nil {
			return nil, err
		}
	}
	base := e.Resolve(a.Slice)
	base.Segment, base.Trend, base.MaxSegments = "", 1, e.segmentLimit(a.Rows)
	g := &Grid{Def: d, Slice: base, Rows: a.Rows, Cols: a.Cols}
	if a.Cols == "" {
		if !d.HasTime() && d.Type != Composite || e.AsOf().IsZero() {
			return nil, fmt.Errorf("%s: %w", d.Label(), ErrGridUndated)
		}
		if base.Grain == All || base.Period.IsZero() {
			return nil, fmt.Errorf("%s is asked for all time, so it has no periods to lay out: choose a grain, or lay a second dimension out as columns", d.Label())
		}
		return g, e.gridPeriods(g, a, get)
	}
	return g, e.gridDims(g, a, get)
}

// segmentLimit is the breakdown cap a grid's columns are asked with: every
// segment of an offered dimension (inferred ones have at most 60 values),
// so a row has its value in every column whatever its size there; a
// column the data has but the engine does not offer is bounded.
func (e *Engine) segmentLimit(dim string) int {
	for _, x := range e.dims {
		if x.Name == dim && x.Values <= 500 {
			return AllSegments
		}
	}
	return 500
}

// gridPeriods fills a grid of periods: one breakdown by Rows per period,
// from the KPI's first period with data on.
func (e *Engine) gridPeriods(g *Grid, a GridAsk, get func([]Slice, string) ([]*Scorecard, error)) error {
	n := a.Periods
	if n <= 0 {
		n = DefaultGridPeriods
	}
	n = min(n, MaxGridPeriods)
	s := g.Slice
	first := s.Grain.Add(s.Period, -(n - 1))
	if lo := e.spanOf(g.Def).lo; !lo.IsZero() && s.Grain.Trunc(lo).After(first) {
		first = s.Grain.Trunc(lo)
		if first.After(s.Period) {
			first = s.Period
		}
	}
	var ss []Slice
	for p := first; !p.After(s.Period); p = s.Grain.Add(p, 1) {
		c := s
		c.Segment, c.Period = a.Rows, p
		ss = append(ss, c)
	}
	scs, err := get(ss, g.Def.ID)
	if err != nil {
		return err
	}
	var results []*Result
	for i, sc := range scs {
		r := sc.Find(g.Def.ID)
		if err := gridResultErr(r); err != nil {
			return err
		}
		results = append(results, r)
		name := r.Total.PeriodName
		if name == "" {
			name = PeriodLabel(s.Grain, ss[i].Period, time.Time{})
		}
		g.Columns = append(g.Columns, GridColumn{Period: ss[i].Period, Name: name})
		g.Approx = g.Approx || r.Approx
	}
	g.Slice = scs[len(scs)-1].Slice
	g.fill(results, a.MaxRows)
	g.NoPool = poolReason(g.Def)
	return nil
}

// gridDims fills a grid of a second dimension's values: the breakdown by
// Cols gives the columns (largest n first) and the totals row, the
// breakdown by Rows the rows and each row's value over every column, and
// one breakdown by Rows within each column value the cells.
func (e *Engine) gridDims(g *Grid, a GridAsk, get func([]Slice, string) ([]*Scorecard, error)) error {
	s := g.Slice
	byCols, byRows := s, s
	byCols.Segment, byCols.MaxSegments = a.Cols, e.segmentLimit(a.Cols)
	byRows.Segment = a.Rows
	scs, err := get([]Slice{byCols, byRows}, g.Def.ID)
	if err != nil {
		return err
	}
	rc, rr := scs[0].Find(g.Def.ID), scs[1].Find(g.Def.ID)
	if err := gridResultErr(rc); err != nil {
		return err
	}
	if err := gridResultErr(rr); err != nil {
		return err
	}
	g.Slice = scs[1].Slice
	cols := rc.Segments
	if len(cols) > MaxGridColumns {
		g.ColsLeftOut = len(cols) - MaxGridColumns + rc.SegmentsTruncated
		cols = cols[:MaxGridColumns]
	} else {
		g.ColsLeftOut = rc.SegmentsTruncated
	}
	var ss []Slice
	for _, c := range cols {
		x := s.WithFilter(Filter{Dim: a.Cols, Values: []string{c.Segment}})
		x.Segment = a.Rows
		ss = append(ss, x)
		g.Columns = append(g.Columns, GridColumn{Period: s.Period, Value: c.Segment, Name: c.Segment})
	}
	cells, err := get(ss, g.Def.ID)
	if err != nil {
		return err
	}
	var results []*Result
	for _, sc := range cells {
		r := sc.Find(g.Def.ID)
		if err := gridResultErr(r); err != nil {
			return err
		}
		results = append(results, r)
		g.Approx = g.Approx || r.Approx
	}
	g.Approx = g.Approx || rc.Approx || rr.Approx
	// Rows in the order of the breakdown over every column value.
	order := map[string]int{}
	for i, r := range rr.Segments {
		order[r.Segment] = i
	}
	g.fill(results, a.MaxRows, order)
	over := map[string]Row{}
	for _, r := range rr.Segments {
		over[r.Segment] = r
	}
	for i := range g.Segments {
		row := g.Segments[i]
		if r, ok := over[row.Segment]; ok {
			g.Segments[i].Over = &r
		} else {
			g.Segments[i].Over = &Row{Segment: row.Segment, Status: NoValue}
		}
	}
	t := rr.Total
	g.Total.Over = &t
	return nil
}

// gridResultErr is a column's error: the KPI's own, or why its table
// cannot be split by the dimension.
func gridResultErr(r *Result) error {
	switch {
	case r == nil:
		return fmt.Errorf("no result")
	case r.Err != nil:
		return r.Err
	case r.SegmentErr != nil:
		return r.SegmentErr
	}
	return nil
}

// fill lays out the rows: the segments of the last column by n, then those
// only in earlier columns by their n over the grid (or in order's order,
// when given), cut at maxRows; each row's cells, and the totals row of each
// column's Total.
func (g *Grid) fill(results []*Result, maxRows int, order ...map[string]int) {
	type seen struct {
		last  int64 // n in the last column (-1: none)
		total int64
		pos   int
	}
	segs := map[string]*seen{}
	var names []string
	for ci, r := range results {
		for _, row := range r.Segments {
			s := segs[row.Segment]
			if s == nil {
				s = &seen{last: -1}
				segs[row.Segment] = s
				names = append(names, row.Segment)
			}
			s.total += row.N
			if ci == len(results)-1 {
				s.last = row.N
			}
		}
	}
	pos := func(name string) (int, bool) {
		if len(order) == 0 {
			return 0, false
		}
		p, ok := order[0][name]
		return p, ok
	}
	sort.SliceStable(names, func(i, j int) bool {
		a, b := segs[names[i]], segs[names[j]]
		pa, oka := pos(names[i])
		pb, okb := pos(names[j])
		switch {
		case oka && okb:
			return pa < pb
		case oka != okb:
			return oka
		case a.last != b.last:
			return a.last > b.last
		case a.total != b.total:
			return a.total > b.total
		}
		return names[i] < names[j]
	})
	if maxRows == 0 {
		maxRows = 50
	}
	if maxRows > 0 && len(names) > maxRows {
		g.RowsLeftOut = len(names) - maxRows
		names = names[:maxRows]
	}
	for _, name := range names {
		row := GridRow{Segment: name}
		for ci, r := range results {
			cell := Row{Segment: name, Status: NoValue, Point: Point{Period: g.Columns[ci].Period, HasN: r.Total.HasN},
				PeriodName: r.Total.PeriodName, CompareTo: r.Total.CompareTo, Partial: r.Total.Partial}
			for _, x := range r.Segments {
				if x.Segment == name {
					cell = x
					break
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		g.Segments = append(g.Segments, row)
	}
	g.Total = GridRow{Total: true}
	for _, r := range results {
		g.Total.Cells = append(g.Total.Cells, r.Total)
	}
}

// poolReason says why a KPI's value over several periods cannot be pooled
// from its components ("" when it can: a ratio of counts or sums, NPS).
func poolReason(d *Def) string {
	if d.Type == Cohort {
		// a stock taken at each period: customers at its start, tickets
		// open at its end (the backlog)
		return "counted at each period (a stock such as customers at its start or tickets open at its end), which does not add up over periods"
	}
	if err := Decomposable(d); err != nil {
		switch {
		case d.Type == Composite:
			return "computed from other KPIs, not from counts that add up over periods"
		}
		for _, expr := range valueComponents(d) {
			if hasDistinct(expr) {
				return "distinct counts do not add up over periods"
			}
		}
		for _, expr := range valueComponents(d) {
			if t, ok := parseTemplate(expr); ok {
				for _, at := range t.atoms {
					if at.kind == atomQuantile {
						return "a median: the periods' medians do not pool"
					}
				}
			}
		}
		return "not a ratio of counts or sums that add up over periods"
	}
	return ""
}

// Across is a row's value over the columns [from, to): over a second
// dimension's columns, the engine's own row (Over, every column value);
// over periods, the formula applied to the cells' summed components, with
// n summed, the target of the last column's period and its status (and the
// interval where the components give one). ok is false when the KPI does
// not pool over periods (Grid.NoPool says why).
func (g *Grid) Across(r GridRow, from, to int) (Row, bool) {
	if r.Over != nil {
		return *r.Over, true
	}
	if g.NoPool != "" || from < 0 || to > len(r.Cells) || from >= to {
		return Row{Segment: r.Segment, Total: r.Total, Status: NoValue}, false
	}
	d := g.Def
	out := Row{Segment: r.Segment, Total: r.Total, Status: NoValue}
	sum := map[string]float64{}
	var n int64
	counted := false
	for _, c := range r.Cells[from:to] {
		if c.Value == nil || len(c.Components) == 0 {
			continue
		}
		counted = true
		for k, v := range c.Components {
			sum[k] += v
		}
		n += c.N
		out.HasN = out.HasN || c.HasN
	}
	last := r.Cells[to-1]
	out.Period, out.N = r.Cells[from].Period, n
	out.PeriodName = g.Span(from, to)
	out.Partial = last.Partial
	segDim, segVal := g.Rows, r.Segment
	if r.Total {
		segDim, segVal = "", ""
	}
	out.Goal = d.Resolve(g.Slice.Filters, segDim, segVal, g.Columns[to-1].Period, g.Slice.Grain)
	if counted {
		out.Components = sum
		if num, den, ok := parts(d, sum); ok && den != 0 {
			v := num / den
			out.Value = &v
		}
	}
	out.Status = StatusOf(out.Value, out.Goal, d.Better)
	out.LowN = out.HasN && out.N < int64(d.MinN())
	return d.withInterval(out), true
}

// Span names the columns [from, to): the periods from the first to the
// last ("Jun – Oct 2026", "Q3 2025 – Q2 2026", the one period's name), or
// the second dimension's period.
func (g *Grid) Span(from, to int) string {
	if from < 0 || to > len(g.Columns) || from >= to {
		return ""
	}
	first, last := g.Columns[from], g.Columns[to-1]
	if g.Cols != "" {
		return PeriodLabel(g.Slice.Grain, g.Slice.Period, time.Time{})
	}
	if from == to-1 {
		return last.Name
	}
	if g.Slice.Grain.IsWindow() { // from the first window's start to the last's end
		end := g.Slice.Grain.Add(last.Period, 1).AddDate(0, 0, -1)
		if first.Period.Year() == end.Year() {
			return first.Period.Format("2 Jan") + " – " + end.Format("2 Jan 2006")
		}
		return first.Period.Format("2 Jan 2006") + " – " + end.Format("2 Jan 2006")
	}
	a := PeriodLabel(g.Slice.Grain, first.Period, time.Time{})
	if g.Slice.Grain == Month && first.Period.Year() == last.Period.Year() {
		a = first.Period.Format("Jan")
	}
	return a + " – " + last.Name
}
