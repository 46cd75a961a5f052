package kpi

import (
	"context"
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
	m  map[string]map[int64]map[string]*Point // key → period → KPI id → totals (empty: no rows)
	n  int
}

const periodRollupMax = 100_000

func (c *periodRollups) get(key string, period int64) (map[string]*Point, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps, ok := c.m[key][period]
	return ps, ok
}

func (c *periodRollups) put(key string, period int64, ps map[string]*Point) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.n >= periodRollupMax {
		c.m, c.n = map[string]map[int64]map[string]*Point{}, 0
	}
	if c.m[key] == nil {
		c.m[key] = map[int64]map[string]*Point{}
	}
	c.m[key][period] = ps
	c.n++
}

func periodRollupKey(defs []*Def, s Slice, g Grain) string {
	var b strings.Builder
	for _, d := range defs {
		b.WriteString(d.ID)
		if d.Extras == nil {
			b.WriteString("-")
		}
		b.WriteString(",")
	}
	fmt.Fprintf(&b, "|%s", g)
	for _, f := range s.Filters {
		fmt.Fprintf(&b, "|%q%s%q", f.Dim, f.Op, f.Values)
	}
	return b.String()
}

// runPeriods answers a totals query (no segment) period by period: kept
// periods from the period rollups, the others in one query over their runs.
// ok is false when the query is not one period rollups can answer.
func (e *Engine) runPeriods(ctx context.Context, defs []*Def, s Slice, q rawQuery) (map[string]points, bool, error) {
	p := q.plan
	if q.role != rawFull || q.withSeg || p.Elapsed != 0 {
		return nil, false, nil
	}
	cohort := p.PeriodBy == periodCohort && p.Cohort != nil && p.Cohort.Step != All && p.Cohort.Elapsed == 0
	if !cohort && (p.PeriodBy != periodTrunc || len(p.Ranges) == 0 || p.Cohort != nil) {
		return nil, false, nil
	}
	g := p.Grain
	if cohort {
		g = p.Cohort.Step
	}
	key := periodRollupKey(defs, s, g)
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
	keep := func(t time.Time) bool { return !(q.win.partial && t.Equal(q.win.cur)) }
	var missing []time.Time
	for _, t := range periods {
		ps, ok := e.periodRolls.get(key, t.Unix())
		if !ok || !keep(t) {
			missing = append(missing, t)
			continue
		}
		for id, pt := range ps {
			out[id][pkey{total: true, period: t.Unix()}] = pt
		}
	}
	if len(missing) == 0 {
		return out, true, nil
	}
	var runs []timeRange
	var last time.Time // the ranges' end: rows past the data's end are not read
	for _, r := range p.Ranges {
		last = maxTime(last, r.To)
	}
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
		sql, args := renderDuckDB(qp)
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
				return nil, true, err
			}
		}
	} else {
		qp := *p
		qp.Ranges = runs
		if err := run(&qp); err != nil {
			return nil, true, err
		}
	}
	for _, t := range missing {
		k := pkey{total: true, period: t.Unix()}
		ps := map[string]*Point{}
		for _, d := range defs {
			if pt := got[d.ID][k]; pt != nil {
				ps[d.ID] = pt
				out[d.ID][k] = pt
			}
		}
		if keep(t) {
			e.periodRolls.put(key, t.Unix(), ps)
		}
	}
	return out, true, nil
}
