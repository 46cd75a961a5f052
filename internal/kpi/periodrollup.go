package kpi

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Period rollups: KPIs that do not merge from days (distinct counts, the
// repeat-purchase histogram) are exact only when computed over a whole
// period, and cohort KPIs (retention, churn) cross every customer with each
// period. The engine computes them from the raw rows per period when first
// asked and keeps each period's totals for its life (its data never
// changes), per KPI group, filters and grain: moving the window, cycling the
// comparison or changing the grain back then reads only the periods not seen
// before. Breakdowns by a segment still read their two periods.
type periodRollups struct {
	mu sync.Mutex
	m  map[string]map[int64]*Point // key (KPI, filters, grain, cut) → period → totals (nil: no rows)
	n  int                         // periods kept, over every key
	// used is when each key was last read or written (tick): past
	// periodRollupMax periods, the keys least recently used go first.
	used map[string]uint64
	tick uint64
	// sig is the signature the totals are kept under in a --db file
	// (openPeriodBook); "" when they are not kept. loaded holds the keys
	// read back from it (loadPeriodKeys).
	sig    string
	loaded map[string]bool
}

// periodRollupMax bounds the periods kept: the built-in sample's five years
// hold ~83,000 after PrefillPeriods, 15 MB more heap after a GC (~180 bytes
// each: ~36 MB at the cap).
const periodRollupMax = 200_000

func (c *periodRollups) get(key string, period int64) (*Point, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pt, ok := c.m[key][period]
	if ok {
		c.tick++
		c.used[key] = c.tick
	}
	return pt, ok
}

func (c *periodRollups) put(key string, period int64, pt *Point) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(key, period, pt)
}

func (c *periodRollups) putLocked(key string, period int64, pt *Point) {
	if c.m == nil {
		c.m, c.n, c.used = map[string]map[int64]*Point{}, 0, map[string]uint64{}
	}
	ps := c.m[key]
	if ps == nil {
		ps = map[int64]*Point{}
		c.m[key] = ps
	}
	if _, had := ps[period]; !had {
		c.n++
	}
	ps[period] = pt
	c.tick++
	c.used[key] = c.tick
	if c.n > periodRollupMax {
		c.evictLocked()
	}
}

// evictLocked drops the least recently used keys (each with all its
// periods) down to three quarters of periodRollupMax; a key kept in a --db
// file is read back from it when asked again.
func (c *periodRollups) evictLocked() {
	keys := make([]string, 0, len(c.m))
	for k := range c.m {
		keys = append(keys, k)
	}
	// Totals kept from rollup queries (|roll) go first: one query of a
	// few thousand rows reads them again, where the others (distinct
	// counts, cohorts) read the raw rows.
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := strings.HasSuffix(keys[i], "|roll"), strings.HasSuffix(keys[j], "|roll")
		if ri != rj {
			return ri
		}
		return c.used[keys[i]] < c.used[keys[j]]
	})
	for _, k := range keys[:len(keys)-1] { // never the key just written
		if c.n <= periodRollupMax*3/4 {
			break
		}
		c.n -= len(c.m[k])
		delete(c.m, k)
		delete(c.used, k)
		delete(c.loaded, k)
	}
}

// periodRollupKey names one KPI's kept totals: with or without its extras,
// under the slice's filters, at grain g, and cut: "" for whole periods (and
// cohort periods), "|part=D" for the first D of each period (a comparison's
// same elapsed part), "|to=T" for the data's last period, which it cuts at T.
// Each KPI is kept on its own, so any grouping of KPIs finds them.
func periodRollupKey(d *Def, s Slice, g Grain, cut string) string {
	var b strings.Builder
	b.WriteString(d.ID)
	if d.Extras == nil {
		b.WriteString("-")
	}
	fmt.Fprintf(&b, "|%s", g)
	for _, f := range s.Filters {
		fmt.Fprintf(&b, "|%q%s%q", f.Dim, f.Op, f.Values)
	}
	b.WriteString(cut)
	return b.String()
}

// runPeriods answers a totals query (no segment) period by period: kept
// periods from the period rollups, the others in one query over their runs.
// It answers whole periods, the same elapsed part of comparison periods and
// the data's last, partial, period alike (the engine's data never changes).
// ok is false when the query is not one period rollups can answer.
func (e *Engine) runPeriods(ctx context.Context, defs []*Def, s Slice, q rawQuery) (map[string]points, bool, bool, error) {
	return e.runPeriodsWith(ctx, defs, s, q, nil)
}

// errNoRender is a period query's renderer refusing a plan (runPeriodsWith).
var errNoRender = errors.New("the plan cannot be rendered against this table")

// runPeriodsWith is runPeriods with the missing periods' plan rendered by
// render (the flow tables' renderer; nil: DuckDB's over the raw rows): the
// periods kept are the same numbers whichever table they were read from.
// Missing periods whose quantiles were read from sketches (sketched:
// sketchedPlan) are not kept: the period rollups hold exact numbers.
func (e *Engine) runPeriodsWith(ctx context.Context, defs []*Def, s Slice, q rawQuery, render func(*queryPlan) (string, []any, bool)) (_ map[string]points, sketched, ok bool, _ error) {
	p := q.plan
	if (q.role != rawFull && q.role != rawPart) || q.withSeg {
		return nil, false, false, nil
	}
	cohort := p.PeriodBy == periodCohort && p.Cohort != nil && p.Cohort.Step != All
	if !cohort && (p.PeriodBy != periodTrunc || len(p.Ranges) == 0 || p.Cohort != nil) {
		return nil, false, false, nil
	}
	g, elapsed := p.Grain, p.Elapsed
	if cohort {
		g, elapsed = p.Cohort.Step, p.Cohort.Elapsed
	}
	var last time.Time // the ranges' end: rows past the data's end are not read
	for _, r := range p.Ranges {
		last = maxTime(last, r.To)
	}
	cut := func(t time.Time) string {
		switch {
		case elapsed != 0:
			return fmt.Sprintf("|part=%d", elapsed)
		case q.win.partial && t.Equal(q.win.cur):
			return fmt.Sprintf("|to=%d", last.Unix())
		}
		return ""
	}
	out := map[string]points{}
	for _, d := range defs {
		out[d.ID] = points{}
	}
	var periods []time.Time
	if cohort { // each period's cohort is evaluated on its own
		for t := p.Cohort.First; !t.After(p.Cohort.Last); t = g.Add(t, 1) {
			periods = append(periods, t)
		}
	}
	for _, r := range p.Ranges {
		for t := r.From; t.Before(r.To) && !cohort; t = g.Add(t, 1) {
			periods = append(periods, t)
		}
	}
	sort.Slice(periods, func(i, j int) bool { return periods[i].Before(periods[j]) })
	cuts := map[string]bool{} // the keys kept in a --db file by an earlier start?
	for _, t := range periods {
		cuts[cut(t)] = true
	}
	var keys []string
	for _, d := range defs {
		for c := range cuts {
			keys = append(keys, periodRollupKey(d, s, g, c))
		}
	}
	e.loadPeriodKeys(ctx, keys)
	var missing []time.Time
	for _, t := range periods {
		pts := make([]*Point, len(defs))
		all := true
		for i, d := range defs {
			pt, ok := e.periodRolls.get(periodRollupKey(d, s, g, cut(t)), t.Unix())
			if !ok {
				all = false
				break
			}
			pts[i] = pt
		}
		if !all {
			missing = append(missing, t)
			continue
		}
		for i, d := range defs {
			if pts[i] != nil {
				out[d.ID][pkey{total: true, period: t.Unix()}] = pts[i]
			}
		}
	}
	if len(missing) == 0 {
		return out, false, true, nil
	}
	if render == nil {
		if err := e.readsRows(ctx); err != nil {
			return nil, false, false, err
		}
	}
	var runs []timeRange
	for i := 0; i < len(missing); {
		j := i
		for j+1 < len(missing) && g.Add(missing[j], 1).Equal(missing[j+1]) {
			j++
		}
		end := g.Add(missing[j], 1)
		if !cohort && end.After(last) {
			end = last
		}
		runs = append(runs, timeRange{missing[i], end})
		i = j + 1
	}
	got := map[string]points{}
	for _, d := range defs {
		got[d.ID] = points{}
	}
	run := func(qp *queryPlan) error {
		var sql string
		var args []any
		if render == nil {
			sql, args = renderDuckDB(qp)
		} else {
			var ok bool
			if sql, args, ok = render(qp); !ok {
				return errNoRender
			}
		}
		ps, err := e.runPoints(ctx, defs, sql, args, false, q.win)
		for id, pts := range ps {
			for k, pt := range pts {
				got[id][k] = pt
			}
		}
		return err
	}
	if cohort { // one period series per run
		for _, r := range runs {
			qp := *p
			c := *p.Cohort
			c.First, c.Last = r.From, g.Add(r.To, -1)
			qp.Cohort = &c
			if err := run(&qp); err != nil {
				return nil, false, true, err
			}
		}
	} else {
		// Exact quantiles over many rows: several statements (runHeld),
		// or, over periods too large for that, quantiles from sketches
		// (read exactly when those fail: runHeld).
		runAll := func(sketch bool) (sketched bool, err error) {
			p := q.plan
			chunks := [][]timeRange{runs}
			if render == nil && e.wh == nil && p.Spans == nil {
				if sql, _ := renderDuckDB(p); holdsValues(sql) {
					if sketch {
						p, sql, _, sketched = e.sketchedPlan(defs[0], p, sql, nil, runs)
					}
					if c := e.heldChunks(defs[0], runs, g); len(c) > 1 && holdsValues(sql) {
						chunks = c
						e.roll.heldSplits.Add(1)
					}
				}
			}
			for _, c := range chunks {
				qp := *p
				qp.Ranges = c
				if err := run(&qp); err != nil {
					return sketched, err
				}
			}
			return sketched, nil
		}
		var err error
		if sketched, err = runAll(true); e.sketchFailed(ctx, sketched, err) {
			for _, d := range defs {
				got[d.ID] = points{} // nothing of the failed statements
			}
			sketched, err = runAll(false)
		}
		if err != nil {
			return nil, false, true, err
		}
	}
	var kept []keptPeriod
	for _, t := range missing {
		k := pkey{total: true, period: t.Unix()}
		for _, d := range defs {
			pt := got[d.ID][k]
			if pt != nil {
				out[d.ID][k] = pt
			}
			if sketched {
				continue
			}
			key := periodRollupKey(d, s, g, cut(t))
			e.periodRolls.put(key, t.Unix(), pt)
			kept = append(kept, keptPeriod{key, t.Unix(), pt})
		}
	}
	e.keepPeriods(ctx, kept)
	return out, sketched, true, nil
}

// PrefillPeriods computes, after the rollups are built, the scorecard of
// every period at every grain, with each comparison, with and without the
// KPIs' extras: what the rollups cannot answer (distinct counts, the
// repeat-purchase histogram, cohorts, the same elapsed part of a day cut at
// the hour) is read from the raw rows once here and kept in the period
// rollups, so changing the grain, the period or the comparison reads no raw
// rows for the scorecard's totals. The periods run from a trend's length
// plus a year before the data to its end. It returns when done or when ctx
// ends; errors are left to the queries that will ask.
func (e *Engine) PrefillPeriods(ctx context.Context) {
	if e.asOf.IsZero() || e.start.IsZero() || len(e.Defs()) == 0 {
		return
	}
	began := time.Now()
	for _, g := range Grains {
		n := 12 + g.YearAgo() // a trend before the first period, and its year-ago comparison
		for t := g.Trunc(e.start); t.Before(e.asOf) && n < 5000; t = g.Add(t, 1) {
			n++
		}
		var ids, plain []string
		for _, d := range e.Defs() {
			if e.prefills(ctx, d, g, n, true) {
				ids = append(ids, d.ID)
			}
			if e.prefills(ctx, d, g, n, false) {
				plain = append(plain, d.ID)
			}
		}
		for _, cmp := range []Compare{VsPrevious, VsYear} {
			for _, extras := range []bool{false, true} {
				if ctx.Err() != nil {
					return
				}
				opts, want := []Option{Uncached(), func(o *options) { o.keepOnly = true }}, ids
				if !extras {
					opts, want = append(opts, WithoutExtras()), plain
				}
				if len(want) == 0 { // (nil would be every KPI)
					continue
				}
				e.waitQuiet(ctx)
				_, _ = e.Compute(ctx, Slice{Grain: g, Compare: cmp, Trend: n}, want, opts...)
				// A KPI recorded by a coarser grain (spend by month, and the
				// composites of it) has no value while the latest period
				// runs: its periods are read from the one before (the
				// others' are kept by then: no query).
				if latest := e.Resolve(Slice{Grain: g}).Period; !latest.IsZero() {
					e.waitQuiet(ctx)
					_, _ = e.Compute(ctx, Slice{Grain: g, Compare: cmp, Trend: n - 1, Period: g.Add(latest, -1)}, want, opts...)
				}
			}
		}
	}
	e.periodRolls.mu.Lock()
	kept := e.periodRolls.n
	e.periodRolls.mu.Unlock()
	e.debug("period rollups prefilled", "elapsed", time.Since(began), "kept", kept)
}

// planPeriods is how many periods a plan's window holds, its comparison's
// included.
func planPeriods(pl plan) int {
	if pl.grain == All || pl.from.IsZero() {
		return 1
	}
	n := 1
	for t := pl.from; t.Before(pl.to) && n < 100_000; t = pl.grain.Add(t, 1) {
		n++
	}
	return n
}

// prefillRowPeriods caps the work PrefillPeriods gives one cohort KPI at
// one grain: its source's rows times the periods. A cohort KPI reads each
// row once per period it can belong to (the backlog: every ticket at every
// period's end after its creation), so the sample's 88k tickets over 1,100
// days are ~100M row-periods, and 10M tickets by month 400M; those are
// computed when asked, for the periods on screen, not all in advance.
const prefillRowPeriods = 20_000_000

// Prefills reports whether PrefillPeriods computes KPI id's periods at grain
// g in advance, with its extras or without (else a trend or period of it
// reads the raw rows when shown).
func (e *Engine) Prefills(id string, g Grain, extras bool) bool {
	d := e.byID[id]
	if d == nil {
		return false
	}
	n := 12 + g.YearAgo()
	for t := g.Trunc(e.start); t.Before(e.asOf) && n < 5000; t = g.Add(t, 1) {
		n++
	}
	return e.prefills(context.Background(), d, g, n, extras)
}

// prefills: every KPI but the cohorts whose rows times periods pass the
// cap; those too without their extras once their flows are built (flow.go:
// the flows cost per period, not per row; the extras read the rows).
func (e *Engine) prefills(ctx context.Context, d *Def, g Grain, periods int, extras bool) bool {
	if d.Type != Cohort || e.rowsOf(d.Source)*int64(periods) <= prefillRowPeriods {
		return true
	}
	return (!extras || len(d.Extras) == 0) && e.flowsBuilt(ctx, d)
}
