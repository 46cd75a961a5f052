package kpi

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"kpiscope/internal/store"
)

// plan is the windows of a resolved slice: its periods against the data's
// time range (the query itself is a queryPlan, see plan.go).
type plan struct {
	grain   Grain
	cur     time.Time // current period start (zero for all time)
	curEnd  time.Time // exclusive end, clipped to the data's end when partial
	partial bool
	elapsed time.Duration
	// cmpElapsed is the comparison period's same part: as many months and
	// days of it as have elapsed of the current one (a year to 31 Mar is
	// compared to 31 Mar, in a leap year too); 0 when not partial.
	cmpElapsed time.Duration
	cmp        time.Time // comparison period start; zero for target or all time
	from, to   time.Time // query window
	trendStart time.Time
	dataEnd    time.Time
}

// resolve fills in the slice's defaults and period and works out the
// windows to query (see resolveWindows).
// The default period is the latest at least half the KPIs have data in
// (defaultPeriod).
func (e *Engine) resolve(s *Slice) plan {
	if s.Period.IsZero() && s.Grain != All && s.Window.IsZero() && len(e.kpiSpans) > 0 {
		g := s.Grain
		if g == "" {
			g = Month
		}
		s.Period = e.defaultPeriod(g)
	}
	var last time.Time // a window ends with the latest day of the KPIs' data
	if !s.Window.IsZero() {
		for _, sp := range e.kpiSpans {
			last = maxTime(last, Day.Trunc(dataEnd(sp.hi).Add(-time.Microsecond)))
		}
	}
	return resolveWindows(s, e.start, e.asOf, last)
}

// Resolve returns a slice as the engine computes it: grain, comparison and
// trend defaults filled in, the period set (the latest one with data when none
// is given, truncated to the grain otherwise; none for all time) and
// dimension names spelled as the data spells them. Compute, the result cache
// and Cached use it, so a slice and its resolved form are the same request;
// callers that show or step through periods can use it instead of resolving
// them themselves. Unknown dimensions are left as given (Compute reports them).
func (e *Engine) Resolve(s Slice) Slice {
	s, _ = e.resolveSlice(s)
	return s
}

// resolveSlice is Resolve with the windows to query.
func (e *Engine) resolveSlice(s Slice) (Slice, plan) {
	fs := make([]Filter, len(s.Filters))
	for i, f := range s.Filters {
		f.Dim = e.CanonicalDim(f.Dim)
		fs[i] = f
	}
	s.Filters = fs
	if s.Segment != "" {
		s.Segment = e.CanonicalDim(s.Segment)
	}
	pl := e.resolve(&s)
	return s, pl
}

// complete reports whether the data reaches (nearly) the end of a period:
// data ending 2% of the period short still counts, so a year whose data
// stops on 30 December is a whole year, not "2026 (to 30 Dec)".
func complete(g Grain, start, dataEnd time.Time) bool {
	end := g.Add(start, 1)
	slack := end.Sub(start) / 50
	return !dataEnd.Before(end.Add(-slack))
}

// dataEnd is the exclusive end of the data: a latest time at midnight is a
// date (the whole day is in), any other is the moment the data stops.
func dataEnd(asOf time.Time) time.Time {
	if asOf.Equal(Day.Trunc(asOf)) {
		return asOf.AddDate(0, 0, 1)
	}
	return asOf.Add(time.Microsecond)
}

// narrow is the plan without a trend: the current and comparison periods only.
func (p plan) narrow() plan {
	p.trendStart = p.cur
	p.from = p.cur
	if !p.cmp.IsZero() && p.cmp.Before(p.from) {
		p.from = p.cmp
	}
	return p
}

type pkey struct {
	seg    string
	total  bool
	period int64 // unix seconds of the period start; 0 for all time
}

type points map[pkey]*Point

type computed struct {
	full, part points
	err        error
	segErr     error
	extrasErr  error // the extras failed; the rest was computed without them
	approx     bool  // the value or extras come from a quantile sketch (see Result.Approx)
}

// Option adjusts a computation.
type Option func(*options)

type options struct {
	noExtras, uncached, raw bool
	// indexOnly: no raw rows read (IndexOnly).
	indexOnly bool
	// inForeground: its raw reads never wait for a Foreground (InForeground).
	inForeground bool
	// totalExtras: the extras of the total row are enough (TotalExtrasOnly).
	totalExtras bool
	// keepOnly computes the groups for the periods they keep and stops
	// there: no composite, no scorecard (PrefillPeriods: the forecasts of
	// thousand-period trends and the composites' statements were most of
	// its time, for results nobody reads).
	keepOnly      bool
	progress      func(*Scorecard)
	progressAfter time.Duration
	// rawSlots bounds the groups of one Compute reading raw rows at once;
	// a group answered by a rollup (or waiting for one to be built) holds
	// none, so quick groups are not queued behind it.
	rawSlots chan struct{}
}

// OnProgress calls fn with the scorecard as far as it is computed each time
// a group of KPIs (one table, time column and filter) is, once the
// computation has run for longer than after and before Compute returns the
// whole of it: the KPIs still computing, and the composites until their
// inputs all are, are left out of its Results and counted in its Pending.
// So the explorer draws the first KPIs while the slowest are computed, and
// a quick answer (a slice from the rollups, in milliseconds) comes whole,
// without the cost of the reports. fn runs on the engine's goroutines, one
// call at a time; it is not called when the answer comes from the cache,
// nor for a caller that joined another's computation of the same slice.
func OnProgress(after time.Duration, fn func(*Scorecard)) Option {
	return func(o *options) { o.progress, o.progressAfter = fn, after }
}

// Uncached computes the scorecard instead of answering from the engine's
// result cache (rollups are still used).
func Uncached() Option { return func(o *options) { o.uncached = true } }

// FromScratch computes from the raw rows: no result cache, no rollups. The
// reference the rollups are tested against, and the cost a first look at the
// data would have without them.
func FromScratch() Option { return func(o *options) { o.uncached, o.raw = true, true } }

// WithoutExtras skips the extra statistics (median, p90 beside a mean): the
// scorecard does not show them.
func WithoutExtras() Option { return func(o *options) { o.noExtras = true } }

// TotalExtrasOnly says the caller shows the extras of the total row alone
// (the explorer's detail: its breakdown shows values, not medians): the
// engine may then leave them out of the segments' rows where they cost a
// query of their own (the backlog's ages: the exact median over the open
// tickets of every segment as well as of all of them).
func TotalExtrasOnly() Option { return func(o *options) { o.totalExtras = true } }

// Compute returns the scorecard for a slice; ids nil means every visible KPI.
// It stops when ctx is cancelled. Results are cached in the engine (one cache
// for every caller and SSH session); Cached looks one up without computing.
func (e *Engine) Compute(ctx context.Context, s Slice, ids []string, opts ...Option) (*Scorecard, error) {
	o := optionsOf(opts)
	if o.uncached {
		return e.compute(ctx, s, ids, o)
	}
	// One key per resolved slice: asking for the latest period and for that
	// period by date is the same request.
	return e.cache.do(ctx, cacheKey(e.Resolve(s), ids, o), func(ctx context.Context) (*Scorecard, error) {
		return e.compute(ctx, s, ids, o)
	})
}

// Cached returns the scorecard for a slice if the engine has it, without
// computing anything: the explorer draws it in the same frame as the key.
func (e *Engine) Cached(s Slice, ids []string, opts ...Option) (*Scorecard, bool) {
	o := optionsOf(opts)
	if o.uncached {
		return nil, false
	}
	return e.cache.peek(cacheKey(e.Resolve(s), ids, o))
}

func optionsOf(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

func (e *Engine) compute(ctx context.Context, s Slice, ids []string, o options) (*Scorecard, error) {
	began := time.Now()
	defer e.queryEnded(e.queryBegan()) // a build held back for the first screen waits for it
	if !o.keepOnly {
		e.roll.asking.Add(1) // the prefills wait (waitQuiet)
		defer e.roll.asking.Add(-1)
	}
	e.loadRollups(ctx)
	var only *indexOnly
	if o.indexOnly {
		ctx, only = withIndexOnly(ctx)
	}
	if o.inForeground {
		ctx = context.WithValue(ctx, foregroundKey{}, true)
	}
	if err := checkWindowCompare(s); err != nil {
		return nil, err
	}
	// Dimension names as the data spells them, so target overrides and
	// labels match whatever case the user typed.
	for _, f := range s.Filters {
		if err := e.CheckFilter(f); err != nil {
			return nil, err
		}
	}
	if s.Segment != "" {
		if err := e.CheckDimension(s.Segment); err != nil {
			return nil, err
		}
	}
	s, pl := e.resolveSlice(s)
	var want []*Def
	if ids == nil {
		want = e.Defs()
	} else {
		for _, id := range ids {
			d := e.byID[id]
			if d == nil {
				return nil, fmt.Errorf("unknown KPI %q", id)
			}
			want = append(want, d)
		}
	}
	// Every definition needed, composites' inputs included.
	need := map[string]*Def{}
	var order []*Def
	var visit func(d *Def)
	visit = func(d *Def) {
		if _, ok := need[d.ID]; ok {
			return
		}
		need[d.ID] = d
		if d.Type == Composite && e.problems[d.ID] == nil {
			for _, n := range d.InputNames() {
				id, _, _ := strings.Cut(d.Inputs[n], ".")
				visit(e.byID[id])
			}
		}
		order = append(order, d) // dependencies first
	}
	for _, d := range want {
		visit(d)
	}
	res := map[string]*computed{}
	for _, d := range order {
		res[d.ID] = &computed{}
	}
	// Each KPI's period is partial, or not, by its own table's dates: tickets
	// ending on 15 Oct beside customers ending later compare 1–15 Oct with
	// 1–15 Sep. A composite is partial when an input is, to the earliest
	// input's end.
	plans := map[string]plan{}
	var planFor func(d *Def) plan
	planFor = func(d *Def) plan {
		if p, ok := plans[d.ID]; ok {
			return p
		}
		p := e.kpiWindows(pl, d)
		if d.Type == Composite {
			plans[d.ID] = p // no cycle reaches here (check refuses them), but never loop
			var end time.Time
			for _, n := range d.InputNames() {
				id, _, _ := strings.Cut(d.Inputs[n], ".")
				if dep := e.byID[id]; dep != nil {
					if q := planFor(dep); q.partial && (end.IsZero() || q.curEnd.Before(end)) {
						end = q.curEnd
					}
				}
			}
			if !end.IsZero() {
				p.partial, p.curEnd, p.elapsed = true, end, end.Sub(p.cur)
				p.cmpElapsed = samePart(p.cur, end, p.cmp).Sub(p.cmp)
			}
		}
		plans[d.ID] = p
		return p
	}
	groups, errs := groupDefs(order, e.problems, planFor)
	groups = e.atomsApart(groups, s, o)
	for id, err := range errs {
		res[id].err = err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := map[string]bool{} // computed, under mu
	reported := 0             // KPIs in the last OnProgress scorecard, under mu
	for id := range errs {
		done[id] = true
	}
	o.rawSlots = make(chan struct{}, 4)
	for _, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := e.runIsolated(ctx, g.defs, s, g.pl, o)
			mu.Lock()
			defer mu.Unlock()
			for id, c := range out {
				*res[id] = *c
				done[id] = true
			}
			if o.progress != nil && len(done) < len(res) && ctx.Err() == nil && time.Since(began) >= o.progressAfter {
				if p := e.progressCard(ctx, s, pl, want, res, done, planFor); len(p.Results) > reported && p.Pending > 0 {
					reported = len(p.Results)
					o.progress(p)
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if only != nil {
		for id := range only.segs { // before the composites, which take it on
			// (unless a later try, the level built meanwhile, read them)
			if c := res[id]; c != nil && c.err == nil && c.segErr == nil && !hasSegments(c.full) {
				c.segErr = errNotIndexed
			}
		}
	}
	if o.keepOnly {
		return nil, nil
	}
	for _, d := range order {
		if d.Type == Composite && res[d.ID].err == nil {
			if err := e.composite(ctx, d, res, planFor(d), planFor); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				res[d.ID].err = err
			}
		}
	}
	sc := &Scorecard{Slice: s, AsOf: e.asOf, Partial: pl.partial, ComparePeriod: pl.cmp}
	if pl.grain != All {
		sc.PeriodEnd = pl.curEnd
	}
	for _, d := range want {
		c := res[d.ID]
		if o.indexOnly {
			if notIndexed(c.err) {
				sc.Pending++ // raw rows to read: left out
				continue
			}
			if notIndexed(c.extrasErr) {
				c.extrasErr = nil // left out, not failed
			}
		}
		sc.Results = append(sc.Results, e.assemble(d, c, s, planFor(d)))
	}
	sc.Elapsed = time.Since(began)
	return sc, nil
}

// atomsApart splits, while the index is built, a group whose totals query
// would wait for quantile sketches (sketchesPending): its KPIs without
// quantiles become a group of their own, answered as soon as the totals'
// atoms are in and drawn then (OnProgress), the others still waiting for
// the sketches. At 100M tickets the resolved-date group's sketches came
// 36–47 s after its atoms, which first contact resolution, reopens and
// contacts per resolution waited for beside the median resolution time.
// Both halves are then answered by the index (but for a KPI of the group
// the rollups cannot sum, read from the rows with the medians as before);
// a slice with a filter or a segment may read the rows (its level not
// built yet), where one group reads them once: it is left whole.
func (e *Engine) atomsApart(groups []*defGroup, s Slice, o options) []*defGroup {
	if o.raw || o.indexOnly || o.keepOnly || e.wh != nil || len(s.Filters) > 0 || s.Segment != "" {
		return groups
	}
	var out []*defGroup
	for _, g := range groups {
		var plain, rest []*Def
		sketches := false // a KPI of rest waits for the sketches
		for _, d := range g.defs {
			_, _, ok := rollable(d)
			value, extras := sketched(d)
			q := value || extras && !o.noExtras
			if ok && !q {
				plain = append(plain, d)
			} else {
				rest = append(rest, d)
				sketches = sketches || ok && q
			}
		}
		if len(plain) == 0 || !sketches || g.defs[0].Type == Cohort || !e.sketchesPending(g.defs[0], g.pl) {
			out = append(out, g)
			continue
		}
		out = append(out, &defGroup{key: g.key + "\x00atoms", defs: plain, pl: g.pl}, &defGroup{key: g.key, defs: rest, pl: g.pl})
	}
	return out
}

// progressCard is the scorecard of the KPIs of want computed so far (done),
// for OnProgress: a composite once its inputs are.
func (e *Engine) progressCard(ctx context.Context, s Slice, pl plan, want []*Def, res map[string]*computed, done map[string]bool, planFor func(*Def) plan) *Scorecard {
	sc := &Scorecard{Slice: s, AsOf: e.asOf, Partial: pl.partial, ComparePeriod: pl.cmp}
	if pl.grain != All {
		sc.PeriodEnd = pl.curEnd
	}
	// A composite of computed KPIs is computed here from them, and again at
	// the end (the answer Compute returns does not depend on the order the
	// groups end in); a composite of composites waits for that end.
	ready := func(d *Def) bool {
		if done[d.ID] || d.Type != Composite {
			return done[d.ID]
		}
		for _, n := range d.InputNames() {
			id, _, _ := strings.Cut(d.Inputs[n], ".")
			if dep := e.byID[id]; dep == nil || dep.Type == Composite || !done[id] {
				return false
			}
		}
		return true
	}
	for _, d := range want {
		if !ready(d) {
			sc.Pending++
			continue
		}
		c := res[d.ID]
		if !done[d.ID] {
			one := &computed{}
			*one = *c
			tmp := maps.Clone(res)
			tmp[d.ID] = one
			if err := e.composite(ctx, d, tmp, planFor(d), planFor); err != nil {
				if ctx.Err() != nil {
					sc.Pending++
					continue
				}
				one.err = err
			}
			c = one
		}
		sc.Results = append(sc.Results, e.assemble(d, c, s, planFor(d)))
	}
	return sc
}

// kpiWindows is a slice's windows pl for one KPI, by its own table's dates
// (a composite's: its inputs' dates together).
func (e *Engine) kpiWindows(pl plan, d *Def) plan {
	p := pl.within(e.spanOf(d).hi)
	if e.cutByRecord(d) {
		p = p.clipped()
	}
	return p
}

// runIsolated computes a group and keeps its errors per KPI: when the
// group's shared query fails (a cast that fails on some row of one KPI's
// expression, a division error), each KPI is computed alone so only the one
// at fault reports an error and the others keep their numbers. A KPI whose
// extra statistics alone fail keeps its value without them (the scorecard,
// which leaves extras out, shows the same value). The cost, one query per
// KPI, is paid only by a group that failed; a cancelled or timed-out
// context is not retried.
func (e *Engine) runIsolated(ctx context.Context, defs []*Def, s Slice, pl plan, o options) map[string]*computed {
	out := map[string]*computed{}
	full, part, approx, segErr, err := e.runGroup(ctx, defs, s, pl, o)
	if err != nil && ctx.Err() == nil {
		if len(defs) > 1 {
			for _, d := range defs {
				for id, c := range e.runIsolated(ctx, []*Def{d}, s, pl, o) {
					out[id] = c
				}
			}
			return out
		}
		if !o.noExtras && len(defs[0].Extras) > 0 {
			plain := o
			plain.noExtras = true
			out = e.runIsolated(ctx, defs, s, pl, plain)
			if c := out[defs[0].ID]; c.err == nil {
				c.extrasErr = fmt.Errorf("extra statistics (%s): %w", strings.Join(defs[0].ExtraNames(), ", "), err)
			}
			// Else the value fails too: its own error, as the scorecard says.
			return out
		}
	}
	for _, d := range defs {
		c := &computed{err: err, segErr: segErr}
		if err == nil {
			c.full, c.part, c.approx = full[d.ID], part[d.ID], approx[d.ID]
		}
		out[d.ID] = c
	}
	return out
}

// runGroup computes every KPI of one group (same table, time column, row
// filter and kind) in one query, plus one for the same elapsed part of the
// comparison period when the current period is partial.
func (e *Engine) runGroup(ctx context.Context, defs []*Def, s Slice, pl plan, o options) (full, part map[string]points, approx map[string]bool, segErr, err error) {
	if o.noExtras {
		stripped := make([]*Def, len(defs))
		for i, d := range defs {
			c := *d
			c.Extras = nil
			stripped[i] = &c
		}
		defs = stripped
	}
	raw := func(defs []*Def, fresh bool) (full, part map[string]points, segErr, err error) {
		if o.rawSlots != nil {
			select {
			case o.rawSlots <- struct{}{}:
				defer func() { <-o.rawSlots }()
			case <-ctx.Done():
				return nil, nil, nil, ctx.Err()
			}
		}
		full, part, sk, segErr, err := e.runRaw(ctx, defs, s, pl, fresh)
		if sk {
			if approx == nil {
				approx = map[string]bool{}
			}
			for _, d := range defs {
				approx[d.ID] = usesQuantile(d)
			}
		}
		return full, part, segErr, err
	}
	if !o.raw && e.wh == nil && defs[0].Type == Cohort {
		// The backlog's from its flows (flow.go), when they are built.
		if full, part, segErr, ok, err := e.runFlows(ctx, defs, s, pl); ok || err != nil {
			return full, part, nil, segErr, err
		}
		// With its ages: the counts from the flows, the ages of the period
		// shown from the rows that can be open at its end (runAges).
		if len(defs) == 1 && !o.noExtras {
			if f, ok := e.agesFor(defs[0]); ok {
				plain := *defs[0]
				plain.Extras = nil
				full, part, segErr, ok, err := e.runFlows(ctx, []*Def{&plain}, s, pl)
				if err != nil {
					return nil, nil, nil, nil, err
				}
				var ages points
				if ok {
					as := s
					if o.totalExtras {
						as.Segment = "" // the total's ages alone
					}
					if ages, err = e.runAges(ctx, f, defs[0], as, pl); err != nil {
						if ctx.Err() != nil {
							return nil, nil, nil, nil, ctx.Err()
						}
						// Its table gone from a --db file, say: the raw rows.
						e.debug("ages from the long-lived rows failed, reading raw rows", "kpi", defs[0].ID, "err", err)
						ok = false
					}
				}
				if ok {
					// Copies: the flows' points may be kept (keptTotals).
					// A row of the period shown that no ticket open at its
					// end reaches has the ages of none: zero counts, no median.
					id, cur := defs[0].ID, int64(0)
					if !pl.cur.IsZero() {
						cur = pl.cur.Unix()
					}
					merged := make(points, len(full[id]))
					for k, pt := range full[id] {
						merged[k] = pt
						a := ages[k]
						if a == nil && k.period == cur && (k.total || !o.totalExtras) {
							a = &Point{Extras: noneExtras(defs[0])}
						}
						if a != nil {
							cp := *pt
							cp.Extras = a.Extras
							merged[k] = &cp
						}
					}
					full = map[string]points{id: merged}
					e.roll.agesHits.Add(1)
					return full, part, nil, segErr, nil
				}
			}
		}
		// The prefill asked for it because its flows answer it: never its
		// raw rows at thousands of periods instead (prefillRowPeriods).
		if o.keepOnly && e.rowsOf(defs[0].Source)*int64(planPeriods(pl)) > prefillRowPeriods {
			return nil, nil, nil, nil, fmt.Errorf("%s: not prefilled from the raw rows (%d periods)", defs[0].ID, planPeriods(pl))
		}
	}
	if o.raw || e.wh != nil || defs[0].Type == Cohort {
		// A warehouse has no rollups (rollup.go), nor period rollups: its
		// raw rows every time.
		full, part, segErr, err = raw(defs, o.raw || e.wh != nil)
		return full, part, approx, segErr, err
	}
	// What a rollup can answer comes from it; the rest reads the raw rows.
	var rolled, rest []*Def
	for _, d := range defs {
		if _, _, ok := rollable(d); ok {
			rolled = append(rolled, d)
		} else {
			rest = append(rest, d)
		}
	}
	if len(rolled) > 0 {
		f, p, ap, ok, err := e.runRollup(ctx, rolled, s, s.Segment, pl)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		if !ok {
			// Quantiles are sketched at fewer levels than sums: the KPIs
			// without them may still come from the rollup.
			var plain []*Def
			for _, d := range rolled {
				if usesQuantile(d) {
					rest = append(rest, d)
				} else {
					plain = append(plain, d)
				}
			}
			if len(plain) > 0 && len(plain) < len(rolled) {
				rolled = plain
				if f, p, ap, ok, err = e.runRollup(ctx, rolled, s, s.Segment, pl); err != nil {
					return nil, nil, nil, nil, err
				}
			}
		}
		if ok {
			approx = map[string]bool{}
			for _, d := range rolled {
				approx[d.ID] = ap && usesQuantile(d)
			}
			if len(rest) == 0 {
				return f, p, approx, nil, nil
			}
			full, part, segErr, err = raw(rest, o.raw)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			for id, ps := range f {
				full[id] = ps
			}
			if p != nil {
				if part == nil {
					part = map[string]points{}
				}
				for id, ps := range p {
					part[id] = ps
				}
			}
			return full, part, approx, segErr, nil
		}
	}
	full, part, segErr, err = raw(defs, o.raw)
	return full, part, approx, segErr, err
}

// holdsValuesRE matches DuckDB's aggregates that keep every value of their
// group until it ends (exact quantiles, medians, modes).
var holdsValuesRE = regexp.MustCompile(`(?i)\b(quantile(_cont|_disc)?|median|mode|mad)\s*\(`)

// holdsValues reports whether a query's aggregates keep every value of their
// rows: DuckDB keeps those values outside its memory limit, ~8 bytes a row
// (at 100M tickets an exact median over fourteen months of one team's
// tickets held 0.47 GB, two at once 0.74 GB), so runPoints runs one such
// query at a time (at 10M as fast as side by side: the two cores are
// DuckDB's either way). Beside a rollup build (about 1.36 GB at 100M), a
// drill's raw reads took the explorer to 1.95 GB side by side, 1.89 GB one
// at a time (docs/benchmarks.md, "Early morning").
func holdsValues(q string) bool { return holdsValuesRE.MatchString(q) }

// holisticRuns counts the queries holding every value: those running now,
// the most that ran at once, and all that ran (tests).
func (e *Engine) holisticRuns(d int32) {
	if d > 0 {
		e.holisticAll.Add(1)
	}
	n := e.holisticNow.Add(d)
	for {
		m := e.holisticMost.Load()
		if n <= m || e.holisticMost.CompareAndSwap(m, n) {
			return
		}
	}
}

// usesQuantile reports whether a rollable KPI's value or extras need a sketch.
func usesQuantile(d *Def) bool {
	value, extras := sketched(d)
	return value || extras
}

// executor is where a compiled plan runs: it renders the plan in its
// engine's dialect and runs the SQL, reading the rows back as the DuckDB
// store does (NULL as nil, numbers as int64/float64 and the like, times as
// time.Time), so runPoints reads either. The engine's own DuckDB is one
// (duckExecutor); a ClickHouse warehouse (NewWarehouse) is the other.
type executor interface {
	render(q *queryPlan) (string, []any, error)
	query(ctx context.Context, sql string, args ...any) (*store.Rows, error)
}

// duckExecutor runs plans on the engine's DuckDB.
type duckExecutor struct{ db *store.DB }

func (x duckExecutor) render(q *queryPlan) (string, []any, error) {
	sql, args := renderDuckDB(q)
	return sql, args, nil
}

func (x duckExecutor) query(ctx context.Context, sql string, args ...any) (*store.Rows, error) {
	return x.db.Query(ctx, sql, args...)
}

// executor is where the engine's raw queries run.
func (e *Engine) executor() executor {
	if e.wh != nil {
		return e.wh
	}
	return duckExecutor{e.db}
}

// runRaw computes a group from the raw rows: the compiled queries (see
// compileRaw), rendered for the engine's executor and run.
//
// sketched says some quantile was read from a sketch (sketchedPlan).
func (e *Engine) runRaw(ctx context.Context, defs []*Def, s Slice, pl plan, fresh bool) (full, part map[string]points, sketched bool, segErr, err error) {
	qs, segErr, err := compileRaw(e.snapshot(), defs, s, pl)
	if err != nil {
		return nil, nil, false, nil, err
	}
	for _, q := range qs {
		ps, sk, ok, err := map[string]points(nil), false, false, error(nil)
		if !fresh {
			ps, sk, ok, err = e.runPeriods(ctx, defs, s, q)
		}
		if !ok && err == nil {
			err = e.readsRows(ctx)
		}
		if !ok && err == nil {
			ps, sk, err = e.runHeld(ctx, defs, q.plan, q.withSeg, q.win)
		}
		if err != nil {
			return nil, nil, false, nil, err
		}
		sketched = sketched || sk
		switch q.role {
		case rawFull:
			full = ps
		case rawSegments: // beside the totals of the rawFull before it
			mergeSegments(full, ps)
		case rawPart:
			part = ps
		}
	}
	return full, part, sketched, segErr, nil
}

// groupSQL is the DuckDB query for a group: compiled, then rendered.
// Identifiers are quoted; filter values and times are bound arguments.
func (e *Engine) groupSQL(defs []*Def, s Slice, seg string, pl plan, partial bool) (string, []any, error) {
	sql, args, _, err := e.groupSQLOf(defs, s, seg, pl, partial, false)
	return sql, args, err
}

// groupSQLOf is groupSQL, without the totals when segsOnly
// (queryPlan.SegmentsOnly), with its quantiles read from sketches over
// periods too large to hold (sketchedPlan; sketched says so).
func (e *Engine) groupSQLOf(defs []*Def, s Slice, seg string, pl plan, partial, segsOnly bool) (_ string, _ []any, sketched bool, _ error) {
	q, err := compileGroup(e.snapshot(), defs, s, seg, pl, partial)
	if err != nil {
		return "", nil, false, err
	}
	q.SegmentsOnly = segsOnly && seg != ""
	sql, args := renderDuckDB(q)
	_, sql, args, sketched = e.sketchedPlan(defs[0], q, sql, args, q.Ranges)
	return sql, args, sketched, nil
}

// specialName maps a name in an expression: periods_per_year becomes the
// grain's constant, input names become their columns.
func specialName(name string, g Grain, cols map[string]string, col ...func(string) string) string {
	if name == "periods_per_year" {
		if g == All || g == "" {
			g = Year
		}
		return formatFloat(g.PerYear())
	}
	if cols != nil {
		return cols[name]
	}
	return col[0](name)
}

func (e *Engine) runPoints(ctx context.Context, defs []*Def, q string, args []any, withSeg bool, pl plan) (map[string]points, error) {
	if e.holistic != nil && holdsValues(q) {
		select {
		case e.holistic <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		e.holisticRuns(1)
		defer func() { e.holisticRuns(-1); <-e.holistic }()
	}
	began := time.Now()
	rows, err := e.executor().query(ctx, q, args...)
	e.debug("query", "table", defs[0].Source, "elapsed", time.Since(began), "sql", q, "args", args)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, fmt.Errorf("query failed: %w", store.WithoutSQL(e.explainRunError(ctx, defs, err)))
	}
	out := map[string]points{}
	comps := make([]map[string]string, len(defs)) // once, not per row: a mean's parses its numerator
	for i, d := range defs {
		out[d.ID] = points{}
		comps[i] = d.Components()
	}
	ip, is, ig := rows.Index("__p"), rows.Index("__seg"), rows.Index("__g")
	idx := map[string]int{}
	for i, c := range rows.Columns {
		idx[c] = i
	}
	for _, r := range rows.Data {
		k := pkey{total: true}
		var period time.Time
		if ip >= 0 && pl.grain != All {
			if t, ok := r[ip].(time.Time); ok {
				period = t.UTC()
				k.period = period.Unix()
			}
		}
		if withSeg && ig >= 0 && store.Int(r[ig]) == 0 {
			k.total = false
			if v, ok := r[is].(string); ok {
				k.seg = v
			} else {
				k.seg = BlankLabel
			}
		}
		for i, d := range defs {
			p := &Point{Period: period, Components: map[string]float64{}}
			for name := range comps[i] {
				if f, ok := store.Float(r[idx[fmt.Sprintf("k%d_%s", i, name)]]); ok {
					p.Components[name] = f
				}
			}
			if len(d.Extras) > 0 {
				p.Extras = map[string]*float64{}
				for _, name := range d.ExtraNames() {
					if f, ok := store.Float(r[idx[fmt.Sprintf("k%d_x_%s", i, name)]]); ok {
						p.Extras[name] = &f
					} else {
						p.Extras[name] = nil
					}
				}
			}
			if f, ok := store.Float(r[idx[fmt.Sprintf("k%d__value", i)]]); ok {
				p.Value = &f
			}
			if nc := d.nComponent(); nc != "" {
				p.HasN = true
				p.N = int64(p.Components[nc] + 0.5)
			}
			out[d.ID][k] = p
		}
	}
	return out, nil
}

// composite evaluates a KPI over other KPIs' values at each segment and period.
func (e *Engine) composite(ctx context.Context, d *Def, res map[string]*computed, pl plan, planFor func(*Def) plan) error {
	names := d.InputNames()
	type dep struct {
		c    *computed
		comp string
	}
	deps := make([]dep, len(names))
	for i, n := range names {
		id, comp, _ := strings.Cut(d.Inputs[n], ".")
		c := res[id]
		if c.err != nil {
			return fmt.Errorf("needs %s: %w", id, c.err)
		}
		if c.segErr != nil && res[d.ID].segErr == nil {
			res[d.ID].segErr = c.segErr
		}
		deps[i] = dep{c, comp}
	}
	var nDep *computed
	if d.N != "" {
		id, _, _ := strings.Cut(d.N, ".")
		if c := res[id]; c != nil {
			nDep = c
		}
	}
	// A period not over is annualised at its own length (its rows' own
	// periods_per_year): the current one, and in the comparison's pass the
	// same elapsed part of the comparison period.
	perYear := periodsPerYear(pl.grain)
	partYear := func(start time.Time) float64 {
		if !pl.partial || pl.elapsed <= 0 || pl.grain == All {
			return perYear
		}
		return perYear * float64(pl.grain.Add(start, 1).Sub(start)) / float64(pl.elapsed)
	}
	eval := func(pick func(*computed) points, partialAt time.Time) (points, error) {
		base := pick(deps[0].c)
		if base == nil {
			return nil, nil
		}
		keys := make([]pkey, 0, len(base))
		for k := range base {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i].period != keys[j].period {
				return keys[i].period < keys[j].period
			}
			return keys[i].seg < keys[j].seg
		})
		out := points{}
		if len(keys) == 0 {
			return out, nil
		}
		cp := &compositePlan{Names: names, Rows: make([][]*float64, len(keys)), PerYear: make([]float64, len(keys))}
		for ri, k := range keys {
			cp.PerYear[ri] = perYear
			if pl.partial && !partialAt.IsZero() && k.period == partialAt.Unix() {
				cp.PerYear[ri] = partYear(partialAt)
			}
			p := &Point{Period: base[k].Period, Components: map[string]float64{}}
			row := make([]*float64, len(deps))
			for i, dp := range deps {
				var v *float64
				if src := pick(dp.c); src != nil {
					if q := src[k]; q != nil {
						switch dp.comp {
						case "":
							v = q.Value
						case "n":
							if c, ok := q.Components["n"]; ok {
								v = &c
							} else if q.HasN {
								n := float64(q.N)
								v = &n
							}
						default:
							if c, ok := q.Components[dp.comp]; ok {
								v = &c
							}
						}
					}
				}
				if v != nil {
					p.Components[names[i]] = *v
				}
				row[i] = v
			}
			if nDep != nil {
				if src := pick(nDep); src != nil && src[k] != nil {
					p.N, p.HasN = src[k].N, src[k].HasN
				}
			}
			out[k] = p
			cp.Rows[ri] = row
		}
		cp.Value = valuePlan(d, pl.grain, "", func(n string) string { return n })
		q, args := renderDuckDBComposite(cp)
		rows, err := e.db.Query(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("expr %q: %w", d.Expr, err)
		}
		for _, r := range rows.Data {
			k := keys[store.Int(r[0])]
			if f, ok := store.Float(r[1]); ok {
				out[k].Value = &f
			}
		}
		return out, nil
	}
	full, err := eval(func(c *computed) points { return c.full }, pl.cur)
	if err != nil {
		return err
	}
	// The comparison's same elapsed part: each input's own when its period
	// is partial, its whole period when its table covers it.
	partOf := map[*computed]bool{}
	for _, n := range names {
		id, _, _ := strings.Cut(d.Inputs[n], ".")
		if dep := e.byID[id]; dep != nil && planFor(dep).partial {
			partOf[res[id]] = true
		}
	}
	part, err := eval(func(c *computed) points {
		if partOf[c] || !pl.partial {
			return c.part
		}
		return c.full
	}, pl.cmp)
	if err != nil {
		return err
	}
	res[d.ID].full, res[d.ID].part = full, part
	return nil
}

// assemble turns computed points into the rows a scorecard shows.
func (e *Engine) assemble(d *Def, c *computed, s Slice, pl plan) Result {
	r := Result{Def: d, Err: c.err, ExtrasErr: c.extrasErr}
	if hi := e.spanOf(d).hi; !hi.IsZero() {
		r.DataEnd = dataEnd(hi)
	}
	if c.approx {
		r.Approx, r.ApproxExtras = sketched(d)
	}
	timed := d.HasTime() && pl.grain != All
	if d.Type == Composite {
		timed = pl.grain != All && c.full != nil && hasPeriods(c.full)
	}
	if c.err != nil {
		r.Total = Row{Total: true, Status: NoValue}
		return r
	}
	var curKey int64
	if timed {
		curKey = pl.cur.Unix()
	}
	cmpFrom := func(k pkey) *Point {
		if !timed || pl.cmp.IsZero() {
			return nil
		}
		k.period = pl.cmp.Unix()
		src := c.full
		if pl.partial {
			src = c.part
		}
		if src == nil {
			return nil
		}
		if p := src[k]; p != nil {
			return p
		}
		return &Point{Period: pl.cmp}
	}
	cmpLabel := "target"
	if s.Compare != VsTarget && timed {
		var end time.Time // the same elapsed part: "Sep 2026 (to 15 Sep)"
		if pl.partial {
			end = pl.cmp.Add(pl.cmpElapsed)
		}
		cmpLabel = PeriodLabel(pl.grain, pl.cmp, end)
	}
	if timed {
		r.PeriodEnd = pl.curEnd
	}
	period := pl.cur
	periodName := PeriodLabel(pl.grain, pl.cur, pl.curEnd)
	if !timed {
		period, periodName = time.Time{}, PeriodLabel(All, time.Time{}, time.Time{})
	}
	mkRow := func(k pkey) Row {
		row := Row{Segment: k.seg, Total: k.total, Partial: pl.partial && timed, PeriodName: periodName}
		if p := c.full[k]; p != nil {
			row.Point = *p
		} else {
			row.Point = Point{Period: period, HasN: d.nComponent() != "" || d.N != ""}
		}
		segDim, segVal := "", ""
		if !k.total {
			segDim, segVal = s.Segment, k.seg
		}
		row.Goal = d.Resolve(s.Filters, segDim, segVal, period, pl.grain)
		row.Status = StatusOf(row.Value, row.Goal, d.Better)
		row.LowN = row.HasN && row.N < int64(d.MinN())
		if s.Compare == VsTarget || !timed {
			if row.Value != nil && row.Goal != nil {
				dv := *row.Value - row.Goal.Value
				row.Delta = &dv
			}
			row.CompareTo = "target"
		} else {
			row.Compare = cmpFrom(k)
			row.CompareTo = cmpLabel
			if row.Value != nil && row.Compare != nil && row.Compare.Value != nil {
				dv := *row.Value - *row.Compare.Value
				row.Delta = &dv
			}
		}
		return row
	}
	r.Total = mkRow(pkey{total: true, period: curKey})
	if timed {
		// The trend starts where the KPI's data does: no empty periods
		// before its first date (two years of data at year grain is two
		// points, not twelve).
		first := pl.trendStart
		if lo := e.spanOf(d).lo; !lo.IsZero() && pl.grain.Trunc(lo).After(first) {
			first = pl.grain.Trunc(lo)
			if first.After(pl.cur) {
				first = pl.cur
			}
		}
		for p := first; !p.After(pl.cur); p = pl.grain.Add(p, 1) {
			if pt := c.full[pkey{total: true, period: p.Unix()}]; pt != nil {
				r.Trend = append(r.Trend, *pt)
			} else {
				r.Trend = append(r.Trend, Point{Period: p})
			}
		}
	}
	if s.Segment != "" {
		r.SegmentErr = c.segErr
		for k := range c.full {
			if !k.total && k.period == curKey {
				r.Segments = append(r.Segments, mkRow(k))
			}
		}
		// A segment with rows in the comparison period but none in this one
		// is left out: it has no value, no n and no share of this period's
		// total, so a row for it would be an empty line, and one that appeared
		// only when comparing with the previous period would make the
		// breakdown's rows depend on the comparison. Its rows still count in
		// the comparison total, so the total's delta includes its change.
		if cmp := cmpFrom(pkey{}); cmp != nil {
			// the comparison's segments with no row now, for Decompose
			seen := map[string]bool{}
			for i := range r.Segments {
				seen[r.Segments[i].Segment] = true
			}
			src := c.full
			if pl.partial {
				src = c.part
			}
			for k, p := range src {
				if !k.total && k.period == pl.cmp.Unix() && !seen[k.seg] && p != nil {
					seen[k.seg] = true
					r.Vanished = append(r.Vanished, mkRow(pkey{seg: k.seg, period: curKey}))
				}
			}
			sort.Slice(r.Vanished, func(i, j int) bool { return r.Vanished[i].Segment < r.Vanished[j].Segment })
		}
		sort.SliceStable(r.Segments, func(i, j int) bool {
			a, b := r.Segments[i], r.Segments[j]
			if a.N != b.N {
				return a.N > b.N
			}
			return a.Segment < b.Segment
		})
		limit := e.opt.MaxSegments
		if s.MaxSegments != 0 {
			limit = s.MaxSegments
		}
		if limit > 0 && len(r.Segments) > limit {
			r.SegmentsTruncated = len(r.Segments) - limit
			r.Segments = r.Segments[:limit]
		}
		if r.Total.HasN && r.Total.N > 0 {
			for i := range r.Segments {
				sh := float64(r.Segments[i].N) / float64(r.Total.N)
				r.Segments[i].Share = &sh
			}
		}
	}
	e.addIntervals(&r, d, s)
	e.addOutlook(&r, d, s, pl)
	return r
}

// hasSegments reports whether p holds a segment's point.
func hasSegments(p points) bool {
	for k := range p {
		if !k.total {
			return true
		}
	}
	return false
}

func hasPeriods(p points) bool {
	for k := range p {
		if k.period != 0 {
			return true
		}
	}
	return false
}
