package kpi

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"kpiscope/internal/schema"
	"kpiscope/internal/store"
)

// The engine compiles, then executes. The compiler in this file is pure: KPI
// definitions, a resolved slice and a schema snapshot go in, an engine-neutral
// queryPlan comes out. A renderer (render_duckdb.go) turns a plan into SQL
// text and bound arguments in one engine's dialect; the executor (runRaw,
// runPoints) runs it. Nothing here may use an engine's syntax: no SQL text is
// written in this file except what users wrote themselves, carried verbatim.

// schemaSnapshot is what the compiler knows of the data: the tables and their
// columns, the customers table whose columns every table carrying the
// customer key can reach, and the time range of the data (cohort periods run
// from its start to its end).
type schemaSnapshot struct {
	tables      map[string][]store.Column
	customers   string // "" = no customers table
	customerKey string
	start, asOf time.Time
	pasted      map[string]PastedView
}

// snapshot describes the engine's data for the compiler. The engine is
// read-only after New, so the snapshot shares its maps.
func (e *Engine) snapshot() *schemaSnapshot {
	return &schemaSnapshot{tables: e.tables, customers: e.opt.Customers, customerKey: e.opt.CustomerKey, start: e.start, asOf: e.asOf, pasted: e.opt.Pasted}
}

// colRef is a column a dimension reads: the source table's own, or the
// customers table's reached through the customer key.
type colRef struct {
	Customer bool   // a column of the customers table (needs the join)
	Name     string // as the table spells it
}

// dimColumn resolves a dimension for a table: its own column, or the
// customers table's through the customer key (Engine.dimExpr's rule).
func (sch *schemaSnapshot) dimColumn(table, dim string) (colRef, error) {
	if c, ok := schema.Column(sch.tables[table], dim); ok {
		return colRef{Name: c.Name}, nil
	}
	if sch.customers != "" && table != sch.customers {
		if _, ok := schema.Column(sch.tables[table], sch.customerKey); ok {
			if c, ok := schema.Column(sch.tables[sch.customers], dim); ok {
				return colRef{Customer: true, Name: c.Name}, nil
			}
		}
	}
	return colRef{}, &sliceError{table: table, dim: dim}
}

// filterProblem names the first filter dimension a table cannot reach.
func (sch *schemaSnapshot) filterProblem(table string, fs []Filter) (string, error) {
	for _, f := range fs {
		if _, err := sch.dimColumn(table, f.Dim); err != nil {
			return f.Dim, err
		}
	}
	return "", nil
}

// queryPlan is one aggregate query over one table, independent of the SQL
// engine that will run it: which rows to read, how to group them, what to
// aggregate and what to compute from the aggregates.
//
// Expressions written by users or by the catalog (aggregates, the row filter
// Where, value formulas) are carried verbatim as SQL text. Today that text is
// DuckDB SQL (FILTER clauses, date_diff, quantile_cont, list functions);
// translating it for another engine is a later step, not the plan's.
type queryPlan struct {
	Source string
	// Join is the customers table's columns that filters or the segment read,
	// joined one row per customer key; nil when none is needed.
	Join    *customerJoin
	Filters []planFilter // all must hold
	// Time is the source's time column ("" = none). Ranges keep rows whose
	// time lies in any of them; none keeps every row (no time axis, all time,
	// or a cohort, whose periods decide instead). Two ranges are the current
	// and comparison periods without the time between them.
	Time   string
	Ranges []timeRange
	// Elapsed > 0 keeps only rows less than Elapsed after the start of their
	// Grain period: the same elapsed part of a comparison period as of a
	// current period that is not over.
	Elapsed time.Duration
	Where   string // the KPIs' row filter, verbatim; "" = none
	// Spans, when set, reads a cohort's rows in two parts (DuckDB's flows
	// only: the backlog's ages, flow.go): the source's rows where its Short
	// condition holds, within Ranges, and every row of its Long table, a
	// copy of the source's other rows, before the last range's end.
	Spans *spanRows
	// Pasted, when set, is how Source (a view pasting a kept table beside
	// its base's rows) is read within Ranges: both of its sides filtered on
	// the time column the kept table repeats. Set only when Time is it.
	Pasted *PastedView

	// Grouping. Rows get a period by PeriodBy at Grain; with a Segment the
	// query returns two grouping sets: (period, segment) and (period) for the
	// totals, told apart by a grouping flag.
	PeriodBy periodBy
	Grain    Grain
	Cohort   *cohortSeries // PeriodBy == periodCohort
	Segment  *colRef
	// SegmentsOnly drops the totals' grouping set: another statement reads
	// them (a breakdown's segments beside its trend's totals, compileRaw).
	// Each row is then aggregated once, not twice: an exact median holds
	// half the values. A renderer may ignore it (the totals are not read).
	SegmentsOnly bool

	// Sketched reads each quantile of the aggregates (median, quantile_cont
	// of one fraction) from a log-bucket sketch of its values, the rollups',
	// within their relative error (SketchError), instead of holding every
	// value of a group: a period of tens of millions of rows (held.go). A
	// renderer may ignore it and be exact.
	Sketched bool

	Aggs   []planAgg   // aggregates, by output column name
	Values []planValue // one per KPI, computed from the aggregates of each row
	// KPIs are the definitions' ids: k<i>_… columns are KPIs[i]'s (for a
	// renderer's messages).
	KPIs []string
}

// PastedView is a view that pastes Kept, a table of the engine's own, beside
// Base's rows by position (SELECT t.*, Cols FROM Base t POSITIONAL JOIN Kept
// b), where Kept's column KeptTime holds, row for row, Base's column
// BaseTime as it is. No filter passes a POSITIONAL JOIN, so a query of the
// view within a time range reads every row of both; filtered alike on the
// same values (CAST(… AS TIMESTAMP) within the range), the two sides keep
// the same rows in the same order, each scan skipping what its statistics
// exclude.
type PastedView struct {
	Base, Kept         string
	Cols               string // the view's added columns, over t (Base's row) and b (Kept's)
	BaseTime, KeptTime string
}

// spanRows splits a cohort's rows: the few that stay open long (Long, a
// table of the source's rows) and the rest (Short, a condition on the
// source's row t), which a period can only count when created within the
// Ranges before its end.
type spanRows struct {
	Long, Short string
	LongAlso    string // a condition on the long-lived rows too ("": none)
}

// periodBy says how a row is given its period.
type periodBy int

const (
	periodNone   periodBy = iota // one group over all rows
	periodTrunc                  // the start of the Grain period its time falls in
	periodCohort                 // every period of the cohort series it existed before the end of
)

// customerJoin brings customers' columns to the source rows.
type customerJoin struct {
	Table   string   // the customers table
	Key     string   // the customer key, in both tables
	Columns []string // customers' columns needed, sorted
}

// planFilter keeps rows whose column, as text, is one of Values (bound as
// arguments, never spliced into the SQL), or is empty when Blank. No values
// and not Blank keeps nothing. Not keeps the other rows instead (empty cells
// are kept unless Blank). With a numeric Op the column, as a number, compares
// with Number (empty cells and text that is no number are left out).
type planFilter struct {
	Col    colRef
	Values []string
	Blank  bool
	Not    bool
	Op     FilterOp // a numeric operator, or "" for the value list
	Number float64
}

// timeRange is [From, To).
type timeRange struct{ From, To time.Time }

// cohortSeries is the periods a cohort KPI is evaluated over: every row that
// exists before a period's end (or has no time) counts in that period, and
// the aggregates may read period_start and period_end.
type cohortSeries struct {
	First, Last time.Time // period starts, every Step, both included
	Step        Grain     // All: a single period [First, End)
	End         time.Time // Step == All only
	// Elapsed > 0: each period ends Elapsed after its start instead of at the
	// next period (the same elapsed part, for a partial comparison).
	Elapsed time.Duration
	// Cols are the KPIs' PeriodCols: name → expression over period_start
	// and period_end, verbatim, computed once per period.
	Cols map[string]string
	// RowCols are the KPIs' RowCols: name → expression over a row joined
	// with its period, verbatim, computed once per row and period.
	RowCols map[string]string
}

// endOf is the end of c's period starting at start (Step != All).
func (c *cohortSeries) endOf(start time.Time) time.Time {
	if c.Elapsed > 0 {
		return start.Add(c.Elapsed)
	}
	return c.Step.Add(start, 1)
}

// planAgg is one aggregate output column: a component or an extra statistic.
type planAgg struct {
	Name string // output column, k<i>_<component> or k<i>_x_<extra>
	Expr string // aggregate expression, verbatim
}

// planValue is a KPI's value computed from aggregates of the same row.
type planValue struct {
	Name string // output column, k<i>__value
	// Ratio: Scale × num / den, with no value when den is 0. Otherwise Expr, a
	// formula over input names (verbatim, names substituted by the renderer)
	// in which periods_per_year is the grain's constant.
	Ratio          bool
	Scale          float64
	Expr           string
	Inputs         map[string]string // input name (num, den for a ratio) → aggregate column
	PeriodsPerYear float64
	// PerRowYear, when set, is the column periods_per_year is read from
	// instead (a composite's rows: a partial period has its own).
	PerRowYear string
}

// compositePlan evaluates a composite KPI's formula over other KPIs' values,
// one row per segment and period.
type compositePlan struct {
	Value planValue    // Inputs map each input name to itself
	Names []string     // input names, in column order
	Rows  [][]*float64 // per row, the inputs in Names order; nil = no value
	// PerYear is each row's periods_per_year: the grain's constant, or for a
	// period not over, a year over the part of it in the data (a quarter cut
	// after 31 days is 365.25/31 such parts a year), so a formula that
	// annualises (CLV) reads a partial period at its own length.
	PerYear []float64
}

// periodsPerYear is the constant periods_per_year stands for at a grain (a
// year for all time).
func periodsPerYear(g Grain) float64 {
	if g == All || g == "" {
		g = Year
	}
	return g.PerYear()
}

// valuePlan is a definition's value formula with input names mapped to
// columns by col.
func valuePlan(d *Def, g Grain, name string, col func(string) string) planValue {
	v := planValue{Name: name, PeriodsPerYear: periodsPerYear(g), Inputs: map[string]string{}}
	if d.Type == Ratio {
		v.Ratio, v.Scale = true, d.Scale
		if v.Scale == 0 {
			v.Scale = 1
		}
		v.Inputs["num"], v.Inputs["den"] = col("num"), col("den")
		return v
	}
	v.Expr = d.Expr
	for _, n := range d.InputNames() {
		v.Inputs[n] = col(n)
	}
	return v
}

// compileGroup plans the query for a group of KPIs that share a table, time
// column, row filter and kind, for a resolved slice s and its windows pl.
// seg is the segment to break down by ("" = none, whatever s says). partial
// plans the same elapsed part of the comparison period.
func compileGroup(sch *schemaSnapshot, defs []*Def, s Slice, seg string, pl plan, partial bool) (*queryPlan, error) {
	d0 := defs[0]
	q := &queryPlan{Source: d0.Source, Time: d0.Time, Where: d0.Where}
	if pv, ok := sch.pasted[d0.Source]; ok && d0.Time != "" && strings.EqualFold(pv.BaseTime, d0.Time) {
		q.Pasted = &pv
	}
	joinCols := map[string]bool{}
	for _, f := range s.Filters {
		c, err := sch.dimColumn(q.Source, f.Dim)
		if err != nil {
			return nil, fmt.Errorf("not available with a filter on %s: %w", f.Dim, err)
		}
		if c.Customer {
			joinCols[c.Name] = true
		}
		q.Filters = append(q.Filters, newPlanFilter(c, f))
	}
	if seg != "" {
		c, err := sch.dimColumn(q.Source, seg)
		if err != nil {
			return nil, err
		}
		if c.Customer {
			joinCols[c.Name] = true
		}
		q.Segment = &c
	}
	if len(joinCols) > 0 {
		q.Join = &customerJoin{Table: sch.customers, Key: sch.customerKey, Columns: sortedKeys(joinCols)}
	}

	timed := d0.Time != "" && pl.grain != All
	g := pl.grain
	switch {
	case d0.Type == Cohort:
		// Cohorts keep every row that exists before a period's end: the
		// periods decide, not a time window.
		q.PeriodBy, q.Grain = periodCohort, g
		c := &cohortSeries{Step: g}
		switch {
		case g == All:
			c.First, c.End = Day.Trunc(sch.start), dataEnd(sch.asOf)
		case partial:
			c.First, c.Last, c.Elapsed = pl.cmp, pl.cmp, pl.cmpElapsed
		default:
			c.First, c.Last = pl.from, pl.cur
		}
		for _, d := range defs {
			for name, expr := range d.PeriodCols {
				if c.Cols == nil {
					c.Cols = map[string]string{}
				}
				c.Cols[name] = expr
			}
			for name, expr := range d.RowCols {
				if c.RowCols == nil {
					c.RowCols = map[string]string{}
				}
				c.RowCols[name] = expr
			}
		}
		q.Cohort = c
	case timed:
		q.PeriodBy, q.Grain = periodTrunc, g
		switch {
		case partial:
			q.Ranges = []timeRange{{pl.cmp, g.Add(pl.cmp, 1)}}
			q.Elapsed = pl.cmpElapsed
		case pl.trendStart.Equal(pl.cur) && !pl.cmp.IsZero() && g.Add(pl.cmp, 1).Before(pl.cur):
			// No trend wanted: read the current and comparison periods only,
			// not the year between them.
			q.Ranges = []timeRange{{pl.cmp, g.Add(pl.cmp, 1)}, {pl.cur, pl.to}}
		default:
			q.Ranges = []timeRange{{pl.from, pl.to}}
		}
	}

	for i, d := range defs {
		q.KPIs = append(q.KPIs, d.ID)
		comps := d.Components()
		for _, name := range sortedKeys(comps) {
			q.Aggs = append(q.Aggs, planAgg{Name: fmt.Sprintf("k%d_%s", i, name), Expr: comps[name]})
		}
		for _, name := range d.ExtraNames() {
			q.Aggs = append(q.Aggs, planAgg{Name: fmt.Sprintf("k%d_x_%s", i, name), Expr: d.Extras[name]})
		}
	}
	for i, d := range defs {
		col := func(name string) string { return fmt.Sprintf("k%d_%s", i, name) }
		q.Values = append(q.Values, valuePlan(d, g, fmt.Sprintf("k%d__value", i), col))
	}
	return q, nil
}

// rawRole says what a query's rows answer.
type rawRole int

const (
	rawFull     rawRole = iota // totals, and segments when it has them
	rawSegments                // segment rows only (the totals come from a rawFull)
	rawPart                    // the same elapsed part of the comparison period
)

// rawQuery is one query that answers a group from the raw rows.
type rawQuery struct {
	role    rawRole
	plan    *queryPlan
	withSeg bool // rows carry a segment and a grouping flag
	win     plan // the windows its periods are read with
}

// compileRaw plans the queries that answer a group from the raw rows. segErr
// says why the breakdown was dropped (the table cannot reach the segment);
// the totals are still planned.
func compileRaw(sch *schemaSnapshot, defs []*Def, s Slice, pl plan) (qs []rawQuery, segErr, err error) {
	seg := s.Segment
	q, err := compileGroup(sch, defs, s, seg, pl, false)
	if errors.Is(err, ErrNotSliceable) && seg != "" {
		if _, ferr := sch.filterProblem(defs[0].Source, s.Filters); ferr == nil {
			segErr = fmt.Errorf("cannot break down by %s: %w", seg, err)
			seg = ""
			q, err = compileGroup(sch, defs, s, "", pl, false)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	timed := defs[0].Time != "" && pl.grain != All
	if seg != "" && timed && pl.trendStart.Before(pl.cur) {
		// The trend needs totals for every period, the breakdown only the
		// current and comparison periods: two queries read far less than one
		// that breaks every period down (a join per row for customer dimensions).
		totals, err := compileGroup(sch, defs, s, "", pl, false)
		if err != nil {
			return nil, nil, err
		}
		narrow := pl.narrow()
		segs, err := compileGroup(sch, defs, s, seg, narrow, false)
		if err != nil {
			return nil, nil, err
		}
		segs.SegmentsOnly = true
		qs = append(qs, rawQuery{rawFull, totals, false, pl}, rawQuery{rawSegments, segs, true, narrow})
	} else {
		qs = append(qs, rawQuery{rawFull, q, seg != "", pl})
	}
	if pl.partial && !pl.cmp.IsZero() && defs[0].Time != "" {
		part, err := compileGroup(sch, defs, s, seg, pl, true)
		if err != nil {
			return nil, nil, err
		}
		qs = append(qs, rawQuery{rawPart, part, seg != "", pl})
	}
	return qs, segErr, nil
}

// defGroup is KPIs answered by one query: same table, time column, row
// filter and kind, and the same windows (pl: their dates decide whether the
// current period is partial).
type defGroup struct {
	key  string
	defs []*Def
	pl   plan
}

// groupDefs sorts the definitions a slice needs (dependencies first) into
// query groups, each with its windows planFor gives. Composites need no
// query; a KPI recorded at a coarser grain than the slice's (or whose period
// is not over) has no value by design.
func groupDefs(order []*Def, problems map[string]error, planFor func(*Def) plan) (groups []*defGroup, errs map[string]error) {
	errs = map[string]error{}
	byKey := map[string]*defGroup{}
	for _, d := range order {
		if err := problems[d.ID]; err != nil {
			errs[d.ID] = err
			continue
		}
		pl := planFor(d)
		if d.MinGrain != "" && (pl.grain.Finer(d.MinGrain) || pl.partial || !pl.grain.alignedTo(d.MinGrain)) {
			switch {
			case !pl.grain.alignedTo(d.MinGrain) && !pl.grain.Finer(d.MinGrain):
				errs[d.ID] = notApplicable(fmt.Sprintf("%s is recorded by %s and the %s do not start on %s boundaries: choose a calendar period, or a window in whole %ss ending with a %s", d.Label(), d.MinGrain, pl.grain.Name(), d.MinGrain, d.MinGrain, d.MinGrain))
			case pl.partial:
				errs[d.ID] = notApplicable(fmt.Sprintf("%s is recorded by %s and %s is not over yet", d.Label(), d.MinGrain, pl.grain.Label(pl.cur)))
			default:
				errs[d.ID] = notApplicable(fmt.Sprintf("%s is recorded by %s: choose %s grain or coarser", d.Label(), d.MinGrain, d.MinGrain))
			}
			continue
		}
		if d.Type == Composite {
			continue
		}
		k := strings.Join([]string{d.Source, d.Time, d.Where, fmt.Sprint(d.Type == Cohort), fmt.Sprint(pl.partial, pl.elapsed)}, "\x00")
		if byKey[k] == nil {
			byKey[k] = &defGroup{key: k, pl: pl}
			groups = append(groups, byKey[k])
		}
		byKey[k].defs = append(byKey[k].defs, d)
	}
	return groups, errs
}

// resolveWindows fills in a slice's defaults and period against the data's
// time range, and works out the windows to query. The default period is the
// latest one holding data: when the data stops before it ends it is partial,
// compared with the same elapsed part of the comparison period, rather than
// left out for the period before it (data ending on 29 Oct shows "Oct 2026
// (to 29 Oct)", not September). Whether the period is partial is decided
// here by the latest of all the data; each KPI is then judged by its own
// dates (plan.within).
//
// A window (s.Window) ends with the day last (zero: asOf's day): to date,
// it is the latest period of its unit (partial, compared with the same part
// of the one before); the last N units, a window grain.
func resolveWindows(s *Slice, start, asOf, last time.Time) plan {
	if !s.Window.IsZero() && !asOf.IsZero() {
		if last.IsZero() {
			last = Day.Trunc(dataEnd(asOf).Add(-time.Microsecond))
		}
		if s.Window.ToDate {
			// The latest period of its unit; one asked for (a grid's or a
			// series' earlier column) is that calendar period.
			s.Grain = s.Window.Unit
			if s.Period.IsZero() {
				s.Period = s.Window.Unit.Trunc(last)
			}
		} else {
			s.Grain = s.Window.grain(Day.Add(last, 1))
			if s.Period.IsZero() {
				s.Period = s.Grain.Add(Day.Add(last, 1), -1)
			}
		}
	}
	if s.Grain == "" {
		s.Grain = Month
	}
	if s.Compare == "" {
		s.Compare = VsPrevious
	}
	if s.Trend <= 0 {
		s.Trend = 12
	}
	p := plan{grain: s.Grain}
	if asOf.IsZero() || s.Grain == All {
		p.grain = All
		s.Period = time.Time{}
		return p
	}
	g := s.Grain
	p.dataEnd = dataEnd(asOf)
	if s.Period.IsZero() {
		s.Period = g.Trunc(p.dataEnd.Add(-time.Microsecond))
	} else {
		s.Period = g.Trunc(s.Period)
	}
	p.cur = s.Period
	switch s.Compare {
	case VsPrevious:
		p.cmp = g.Add(p.cur, -1)
	case VsYear:
		if g == Day {
			p.cmp = p.cur.AddDate(0, 0, -364)
		} else {
			p.cmp = g.Add(p.cur, -g.YearAgo())
		}
	}
	p.trendStart = g.Add(p.cur, -(s.Trend - 1))
	p.from = p.trendStart
	if !p.cmp.IsZero() && p.cmp.Before(p.from) {
		p.from = p.cmp
	}
	p.to = g.Add(p.cur, 1)
	return p.within(asOf)
}

// within is the plan for data whose latest time is asOf (one KPI's table):
// the current period is partial when that data stops inside it, short of its
// (nearly) complete end, and its comparison is then the same elapsed part.
// Data that stops before the period starts leaves it whole (and empty).
func (p plan) within(asOf time.Time) plan {
	if p.grain == All || asOf.IsZero() {
		return p
	}
	p.dataEnd = dataEnd(asOf)
	p.curEnd, p.partial, p.elapsed = p.grain.Add(p.cur, 1), false, 0
	if p.grain.IsWindow() {
		return p // a window ends with the data's last day: never partial
	}
	if p.curEnd.After(p.dataEnd) && p.cur.Before(p.dataEnd) && !complete(p.grain, p.cur, p.dataEnd) {
		p.partial = true
		p.curEnd = p.dataEnd
		if p.grain != Day {
			// Above a day, the part counts whole days: data that stops
			// during a day has that day in full (as "to 31 Oct" says), and
			// the comparison's same days are answered from daily rollups
			// rather than by reading the raw rows again.
			p.curEnd = Day.Add(Day.Trunc(p.dataEnd.Add(-time.Microsecond)), 1)
		}
		p.elapsed = p.curEnd.Sub(p.cur)
		p.cmpElapsed = samePart(p.cur, p.curEnd, p.cmp).Sub(p.cmp)
	}
	return p
}

// clipped is the plan for a KPI whose own column holds dates past its data's
// end (tickets closed after the export's cut-off, see spanOf): those rows are
// not read, the window stops at the end of the data's last day.
func (p plan) clipped() plan {
	if p.grain == All || p.dataEnd.IsZero() {
		return p
	}
	if last := Day.Add(Day.Trunc(p.dataEnd.Add(-time.Microsecond)), 1); p.to.After(last) {
		p.to = last
	}
	return p
}

// sortedInputs lists a value's input names in order.
func (v planValue) sortedInputs() []string {
	names := make([]string, 0, len(v.Inputs))
	for n := range v.Inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// rollupQueryPlan answers a slice from a group's rollup (rollup.go): its
// table of atoms per day and dimension set, merged to any grain and segment,
// and its quantile sketch, bucket counts merged the same way. Like queryPlan
// it names no engine's syntax; the renderer writes the query. The output
// columns are a raw plan's (period, segment and grouping flag, the
// aggregates, the values), so the executor reads either.
type rollupQueryPlan struct {
	// Set is the dimension set the rows are read at (bit i: the rollup's
	// dimension i); a row keeps its set's values in two value columns.
	Set     int64
	Filters []rollFilter // all must hold
	Segment *rollValue   // the breakdown's value column; nil = no breakdown
	// SegmentsOnly leaves out the totals of a breakdown (a query beside
	// it reads them, or they are kept): its rows are the segments' alone.
	SegmentsOnly bool
	// Ranges keep the days that lie in any of them, each row given the start
	// of its Grain period; none reads every day as one period (all time, no
	// time axis).
	Ranges []timeRange
	Grain  Grain

	Atoms     []rollAtom     // stored atoms, merged at each grouping
	Quantiles []rollQuantile // quantiles read from the sketches
	Sketch    sketchLayout   // how the sketches number their buckets
	// AtomReads and SketchReads are where the atoms' rows (one per day or
	// month, dimension set and values) and the sketches' rows (read when
	// Quantiles are wanted) come from: the daily table over Ranges, or, at month
	// grain or coarser, the monthly one over the ranges' whole months and
	// the daily one over the days left at their ends. A read without ranges
	// reads every row (all time).
	AtomReads   []rollRead
	SketchReads []rollRead
	Aggs        []rollAgg   // components and extras over the merged atoms and quantiles
	Values      []planValue // one per KPI, computed from the aggregates of each row
}

// rollRead is one rollup table read for a query, over its ranges.
type rollRead struct {
	Table  string
	Ranges []timeRange
}

// rollReads splits a query's ranges between a monthly rollup table (whole
// months, when periods are months or coarser, so a month's row falls in one
// period) and its daily twin (the rest).
func rollReads(daily, monthly string, grain Grain, ranges []timeRange) []rollRead {
	switch {
	case monthly == "":
		return []rollRead{{daily, ranges}}
	case len(ranges) == 0:
		return []rollRead{{monthly, nil}}
	case grain != Month && grain != Quarter && grain != Year:
		return []rollRead{{daily, ranges}}
	}
	var months, days []timeRange
	for _, r := range ranges {
		from := Month.Trunc(r.From)
		if from.Before(r.From) {
			from = Month.Add(from, 1)
		}
		to := Month.Trunc(r.To)
		if !from.Before(to) {
			days = append(days, r)
			continue
		}
		months = append(months, timeRange{from, to})
		if r.From.Before(from) {
			days = append(days, timeRange{r.From, from})
		}
		if to.Before(r.To) {
			days = append(days, timeRange{to, r.To})
		}
	}
	var out []rollRead
	if len(months) > 0 {
		out = append(out, rollRead{monthly, months})
	}
	if len(days) > 0 {
		out = append(out, rollRead{daily, days})
	}
	return out
}

// rollValue is the value column of a rollup row that holds a dimension.
type rollValue int

const (
	rollNoValue rollValue = iota // the dimension is not in the set: no value
	rollValue1                   // the set's first (lowest) dimension
	rollValue2                   // the set's second dimension
)

// rollFilter keeps rollup rows whose value is one of Values (bound as
// arguments), or is empty when Blank. No values and not Blank keeps nothing.
// Not keeps the other rows instead (empty ones unless Blank).
type rollFilter struct {
	Value  rollValue
	Values []string
	Blank  bool
	Not    bool
}

// mergeOp is how stored atoms merge into a coarser row.
type mergeOp int

const (
	mergeSum   mergeOp = iota // add up; no rows has no value (sums, sums of squares)
	mergeCount                // add up; no rows counts 0, as a count does
	mergeMin                  // the least
	mergeMax                  // the greatest
)

func mergeOf(k atomKind) mergeOp {
	switch k {
	case atomCount:
		return mergeCount
	case atomMin:
		return mergeMin
	case atomMax:
		return mergeMax
	}
	return mergeSum
}

// rollAtom is a stored atom column (the rollup's atom Column) and its merge.
type rollAtom struct {
	Column int
	Merge  mergeOp
}

// rollQuantile is the quantile Q of sketch Sketch, interpolated between the
// values of the buckets that hold its neighbouring ranks.
type rollQuantile struct {
	Sketch int
	Q      float64
}

// sketchLayout is how a quantile sketch numbers its buckets: a value x > 0
// falls in bucket Offset + ⌈log_Gamma x⌉ (that logarithm no lower than
// MinLog, nor higher than MaxLog), a value x < 0 in the negative of −x's
// bucket, 0 in bucket 0. A bucket stands for the value at the same relative
// distance from both of its ends.
type sketchLayout struct {
	Gamma  float64
	Offset int
	MinLog int
	MaxLog int
}

// rollAgg is a component or extra computed from a row's merged atoms and
// quantiles: the KPI's expression with its aggregate calls replaced by Refs.
// Text is the expression around them, verbatim: Text[0] Refs[0] Text[1] …
// Refs[n-1] Text[n].
type rollAgg struct {
	Name string // output column, k<i>_<component> or k<i>_x_<extra>
	Text []string
	Refs []rollRef
}

// rollRef is a merged atom (Plan.Atoms[Index]) or a quantile
// (Plan.Quantiles[Index]).
type rollRef struct {
	Quantile bool
	Index    int
}

// templateParts cuts a template at its aggregate calls: the text around
// them and the atoms, in order.
func templateParts(t template) (text []string, atoms []atom) {
	s := t.text
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			return append(text, s), atoms
		}
		j := strings.IndexByte(s[i+1:], 0)
		n, _ := strconv.Atoi(s[i+1 : i+1+j])
		text = append(text, s[:i])
		atoms = append(atoms, t.atoms[n])
		s = s[i+1+j+1:]
	}
}

// compileRollup plans a group query against a group's rollup g read at the
// dimension set idx (sorted indexes into g.dims), for the slice's filters,
// the segment seg ("" = none), the time ranges (none: every day, one
// period) and the grain's periods. It fails when a KPI does not roll up or
// an atom or sketch it needs is not in the rollup (the caller then reads
// the raw rows).
func compileRollup(g *rollGroup, idx []int, defs []*Def, s Slice, seg string, grain Grain, ranges [][2]time.Time) (*rollupQueryPlan, error) {
	value := func(dim string) rollValue {
		for i, n := range g.dims {
			if strings.EqualFold(n, dim) {
				if len(idx) > 0 && idx[0] == i {
					return rollValue1
				}
				return rollValue2
			}
		}
		return rollNoValue
	}
	q := &rollupQueryPlan{Grain: grain, Sketch: rollupSketch}
	for _, i := range idx {
		q.Set |= int64(1) << i
	}
	for _, r := range ranges {
		q.Ranges = append(q.Ranges, timeRange{r[0], r[1]})
	}
	q.AtomReads = rollReads(g.table, g.tableM, grain, q.Ranges)
	for _, f := range s.Filters {
		rf := rollFilter{Value: value(f.Dim), Not: f.Op == OpNotIn}
		for _, v := range f.Values {
			if v == BlankLabel {
				rf.Blank = true
			} else {
				rf.Values = append(rf.Values, v)
			}
		}
		q.Filters = append(q.Filters, rf)
	}
	if seg != "" {
		v := value(seg)
		q.Segment = &v
	}
	for i, a := range g.atoms {
		q.Atoms = append(q.Atoms, rollAtom{Column: i, Merge: mergeOf(a.kind)})
	}

	qIdx := map[rollQuantile]int{}
	missing := false
	ref := func(a atom) rollRef {
		if a.kind == atomQuantile {
			sk, ok := g.skIdx[sketchKey(a)]
			if !ok {
				missing = true
				return rollRef{}
			}
			r := rollQuantile{sk, a.q}
			if _, ok := qIdx[r]; !ok {
				qIdx[r] = len(q.Quantiles)
				q.Quantiles = append(q.Quantiles, r)
			}
			return rollRef{Quantile: true, Index: qIdx[r]}
		}
		i, ok := g.atomIdx[a.key()]
		if !ok {
			missing = true // never a silent gap: the caller reads raw rows
			return rollRef{}
		}
		return rollRef{Index: i}
	}
	agg := func(name string, t template) {
		text, atoms := templateParts(t)
		ra := rollAgg{Name: name, Text: text}
		for _, a := range atoms {
			ra.Refs = append(ra.Refs, ref(a))
		}
		q.Aggs = append(q.Aggs, ra)
	}
	for i, d := range defs {
		comps, extras, ok := rollable(d)
		if !ok {
			return nil, fmt.Errorf("KPI %s cannot be answered from a rollup", d.ID)
		}
		for _, name := range sortedKeys(comps) {
			agg(fmt.Sprintf("k%d_%s", i, name), comps[name])
		}
		for _, name := range d.ExtraNames() {
			agg(fmt.Sprintf("k%d_x_%s", i, name), extras[name])
		}
	}
	if missing {
		return nil, fmt.Errorf("an aggregate is not in the rollup of %s", g.source)
	}
	if len(q.Quantiles) > 0 {
		if g.sketches == "" {
			return nil, fmt.Errorf("no sketch")
		}
		q.SketchReads = rollReads(g.sketches, g.sketchesM, grain, q.Ranges)
		if len(idx) == 2 { // by two dimensions: per month only (pairSketch)
			if !monthsOnly(grain, ranges) {
				return nil, fmt.Errorf("quantiles by two dimensions are kept per month only")
			}
			q.SketchReads = []rollRead{{g.sketchesP, q.Ranges}}
		}
	}
	for i, d := range defs {
		col := func(name string) string { return fmt.Sprintf("k%d_%s", i, name) }
		q.Values = append(q.Values, valuePlan(d, grain, fmt.Sprintf("k%d__value", i), col))
	}
	return q, nil
}

// samePart is the end of the comparison period's part that matches
// [cur, curEnd): as many whole months, then days, then hours from cmp as
// curEnd lies from cur, so the first quarter of 2024 to 31 March is
// compared with 2023 to 31 March (90 days), not with 91 days of it. A month
// whose day does not exist in the other (31 March against February) stops
// at that month's end; the queries clip at the comparison period's end.
func samePart(cur, curEnd, cmp time.Time) time.Time {
	if cmp.IsZero() || !curEnd.After(cur) {
		return cmp
	}
	months := (curEnd.Year()-cur.Year())*12 + int(curEnd.Month()) - int(cur.Month())
	for months > 0 && addMonths(cur, months).After(curEnd) {
		months--
	}
	rest := curEnd.Sub(addMonths(cur, months)) // days and hours past the whole months
	return addMonths(cmp, months).Add(rest)
}

// addMonths adds n calendar months to t, stopping at the month's last day
// where t's day does not exist (31 Jan + 1 month = 28 or 29 Feb).
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	if last := first.AddDate(0, 1, -1).Day(); d > last {
		d = last
	}
	return first.AddDate(0, 0, d-1)
}
