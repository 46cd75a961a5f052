package kpi

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// periodCache keeps each period's totals once computed, per group of KPIs,
// filters and grain. Moving the period window, cycling the comparison or
// coming back to a slice then queries only the periods not seen before: the
// engine's data never changes, so a period's totals never do.
type periodCache struct {
	mu sync.Mutex
	m  map[string]map[int64]map[string]*Point // key → period → KPI id → totals (nil map: no rows)
	n  int
}

const periodCacheMax = 100_000

func (c *periodCache) get(key string, period int64) (map[string]*Point, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps, ok := c.m[key][period]
	return ps, ok
}

func (c *periodCache) put(key string, period int64, ps map[string]*Point) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.n >= periodCacheMax {
		c.m, c.n = map[string]map[int64]map[string]*Point{}, 0
	}
	if c.m[key] == nil {
		c.m[key] = map[int64]map[string]*Point{}
	}
	c.m[key][period] = ps
	c.n++
}

func periodKey(defs []*Def, s Slice, g Grain) string {
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
		fmt.Fprintf(&b, "|%q=%q", f.Dim, f.Values)
	}
	return b.String()
}

// runTotals returns the group's totals for every period of the plan's window
// (or just the current and comparison periods when it has no trend),
// querying only the runs of periods not cached yet.
func (e *Engine) runTotals(ctx context.Context, defs []*Def, s Slice, pl plan, fresh bool) (map[string]points, error) {
	key := periodKey(defs, s, pl.grain)
	var periods []time.Time
	if pl.trendStart.Equal(pl.cur) && !pl.cmp.IsZero() {
		periods = []time.Time{pl.cmp, pl.cur}
	} else {
		for p := pl.from; p.Before(pl.to); p = pl.grain.Add(p, 1) {
			periods = append(periods, p)
		}
	}
	sort.Slice(periods, func(i, j int) bool { return periods[i].Before(periods[j]) })
	out := map[string]points{}
	for _, d := range defs {
		out[d.ID] = points{}
	}
	var missing []time.Time
	for _, p := range periods {
		ps, ok := e.periods.get(key, p.Unix())
		if !ok || fresh || p.Equal(pl.cur) && pl.partial {
			missing = append(missing, p)
			continue
		}
		for id, pt := range ps {
			out[id][pkey{total: true, period: p.Unix()}] = pt
		}
	}
	// Query each run of consecutive missing periods.
	for i := 0; i < len(missing); {
		j := i
		for j+1 < len(missing) && pl.grain.Add(missing[j], 1).Equal(missing[j+1]) {
			j++
		}
		run := pl
		run.from, run.cur, run.to = missing[i], missing[j], pl.grain.Add(missing[j], 1)
		run.trendStart, run.cmp = run.from, time.Time{}
		if run.to.After(pl.to) {
			run.to = pl.to
		}
		q, args, err := e.groupSQL(defs, s, "", run, false)
		if err != nil {
			return nil, err
		}
		got, err := e.runPoints(ctx, defs, q, args, false, run)
		if err != nil {
			return nil, err
		}
		for p := run.from; !p.After(run.cur); p = pl.grain.Add(p, 1) {
			k := pkey{total: true, period: p.Unix()}
			ps := map[string]*Point{}
			for _, d := range defs {
				if pt := got[d.ID][k]; pt != nil {
					ps[d.ID] = pt
					out[d.ID][k] = pt
				}
			}
			// A period not yet over (data still arriving) is not kept.
			if !(pl.partial && p.Equal(pl.cur)) {
				e.periods.put(key, p.Unix(), ps)
			}
		}
		i = j + 1
	}
	return out, nil
}
