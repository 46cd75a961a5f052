package kpi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"kpiscope/internal/store"
)

// plan is a slice resolved against the data's time range.
type plan struct {
	grain      Grain
	cur        time.Time // current period start (zero for all time)
	curEnd     time.Time // exclusive end, clipped to the data's end when partial
	partial    bool
	elapsed    time.Duration
	cmp        time.Time // comparison period start; zero for target or all time
	from, to   time.Time // query window
	trendStart time.Time
	dataEnd    time.Time
}

// resolve fills in the period and works out the windows to query.
func (e *Engine) resolve(s *Slice) plan {
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
	if e.asOf.IsZero() || s.Grain == All {
		p.grain = All
		s.Period = time.Time{}
		return p
	}
	g := s.Grain
	p.dataEnd = dataEnd(e.asOf)
	if s.Period.IsZero() {
		cur := g.Trunc(e.asOf)
		if !complete(g, cur, p.dataEnd) && !g.Add(cur, -1).Before(g.Trunc(e.start)) {
			cur = g.Add(cur, -1) // latest complete period
		}
		s.Period = cur
	} else {
		s.Period = g.Trunc(s.Period)
	}
	p.cur = s.Period
	p.curEnd = g.Add(p.cur, 1)
	if p.curEnd.After(p.dataEnd) && p.cur.Before(p.dataEnd) && !complete(g, p.cur, p.dataEnd) {
		p.partial = true
		p.elapsed = p.dataEnd.Sub(p.cur)
		p.curEnd = p.dataEnd
	}
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
	return p
}

// complete reports whether the data reaches (nearly) the end of a period:
// data ending a day or 2% of the period short still counts, so a year whose
// data stops on 30 December is the latest complete year.
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

var debugSQL = os.Getenv("KPISCOPE_DEBUG_SQL") != ""

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
	approx     bool // the value or extras come from a quantile sketch
}

// Option adjusts a computation.
type Option func(*options)

type options struct{ noExtras, uncached, raw bool }

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

// Compute returns the scorecard for a slice; ids nil means every visible KPI.
// It stops when ctx is cancelled. Results are cached in the engine (one cache
// for every caller and SSH session); Cached looks one up without computing.
func (e *Engine) Compute(ctx context.Context, s Slice, ids []string, opts ...Option) (*Scorecard, error) {
	o := optionsOf(opts)
	if o.uncached {
		return e.compute(ctx, s, ids, o)
	}
	sc, err := e.cache.do(ctx, cacheKey(s, ids, o), func(ctx context.Context) (*Scorecard, error) {
		return e.compute(ctx, s, ids, o)
	})
	if err == nil {
		// Also under the resolved slice (latest period filled in), so asking
		// for that period by date later is answered at once.
		e.cache.put(cacheKey(sc.Slice, ids, o), sc.clone())
	}
	return sc, err
}

// Cached returns the scorecard for a slice if the engine has it, without
// computing anything: the explorer draws it in the same frame as the key.
func (e *Engine) Cached(s Slice, ids []string, opts ...Option) (*Scorecard, bool) {
	o := optionsOf(opts)
	if o.uncached {
		return nil, false
	}
	return e.cache.peek(cacheKey(s, ids, o))
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
	e.loadRollups(ctx)
	// Dimension names as the data spells them, so target overrides and
	// labels match whatever case the user typed.
	fs := make([]Filter, len(s.Filters))
	for i, f := range s.Filters {
		if err := e.CheckDimension(f.Dim); err != nil {
			return nil, err
		}
		f.Dim = e.CanonicalDim(f.Dim)
		fs[i] = f
	}
	s.Filters = fs
	if s.Segment != "" {
		if err := e.CheckDimension(s.Segment); err != nil {
			return nil, err
		}
		s.Segment = e.CanonicalDim(s.Segment)
	}
	pl := e.resolve(&s)
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
	type group struct {
		key  string
		defs []*Def
	}
	groups := map[string]*group{}
	var gkeys []string
	for _, d := range order {
		res[d.ID] = &computed{}
		if err := e.problems[d.ID]; err != nil {
			res[d.ID].err = err
			continue
		}
		if d.MinGrain != "" && (pl.grain.Finer(d.MinGrain) || pl.partial) {
			if pl.partial {
				res[d.ID].err = notApplicable(fmt.Sprintf("%s is recorded by %s and %s is not over yet", d.Label(), d.MinGrain, pl.grain.Label(pl.cur)))
			} else {
				res[d.ID].err = notApplicable(fmt.Sprintf("%s is recorded by %s: choose %s grain or coarser", d.Label(), d.MinGrain, d.MinGrain))
			}
			continue
		}
		if d.Type == Composite {
			continue
		}
		k := strings.Join([]string{d.Source, d.Time, d.Where, fmt.Sprint(d.Type == Cohort)}, "\x00")
		if groups[k] == nil {
			groups[k] = &group{key: k}
			gkeys = append(gkeys, k)
		}
		groups[k].defs = append(groups[k].defs, d)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	sem := make(chan struct{}, 4)
	for _, k := range gkeys {
		g := groups[k]
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			full, part, approx, segErr, err := e.runGroup(ctx, g.defs, s, pl, o)
			mu.Lock()
			defer mu.Unlock()
			for _, d := range g.defs {
				c := res[d.ID]
				c.err, c.segErr = err, segErr
				if err == nil {
					c.full, c.part, c.approx = full[d.ID], part[d.ID], approx[d.ID]
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, d := range order {
		if d.Type == Composite && res[d.ID].err == nil {
			if err := e.composite(ctx, d, res, pl); err != nil {
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
		sc.Results = append(sc.Results, e.assemble(d, res[d.ID], s, pl))
	}
	sc.Elapsed = time.Since(began)
	return sc, nil
}

func grainInterval(g Grain) string {
	switch g {
	case Day:
		return "INTERVAL '1 day'"
	case Week:
		return "INTERVAL '7 days'"
	case Quarter:
		return "INTERVAL '3 months'"
	case Year:
		return "INTERVAL '1 year'"
	}
	return "INTERVAL '1 month'"
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
	if o.raw || defs[0].Type == Cohort {
		full, part, segErr, err = e.runRaw(ctx, defs, s, pl)
		return full, part, nil, segErr, err
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
			full, part, segErr, err = e.runRaw(ctx, rest, s, pl)
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
	full, part, segErr, err = e.runRaw(ctx, defs, s, pl)
	return full, part, nil, segErr, err
}

// usesQuantile reports whether a rollable KPI's value or extras need a sketch.
func usesQuantile(d *Def) bool {
	c, x, _ := rollable(d)
	for _, t := range append(mapValues(c), mapValues(x)...) {
		for _, a := range t.atoms {
			if a.kind == atomQuantile {
				return true
			}
		}
	}
	return false
}

// runRaw computes a group from the raw rows.
func (e *Engine) runRaw(ctx context.Context, defs []*Def, s Slice, pl plan) (full, part map[string]points, segErr, err error) {
	seg := s.Segment
	q, args, err := e.groupSQL(defs, s, seg, pl, false)
	if errors.Is(err, ErrNotSliceable) && seg != "" {
		if _, ferr := e.filterProblem(defs[0].Source, s.Filters); ferr == nil {
			segErr = fmt.Errorf("cannot break down by %s: %w", seg, err)
			seg = ""
			q, args, err = e.groupSQL(defs, s, "", pl, false)
		}
	}
	if err != nil {
		return nil, nil, nil, err
	}
	timed := defs[0].Time != "" && pl.grain != All
	if seg != "" && timed && pl.trendStart.Before(pl.cur) {
		// The trend needs totals for every period, the breakdown only the
		// current and comparison periods: two queries read far less than one
		// that breaks every period down (a join per row for customer dimensions).
		if full, err = e.runTotals(ctx, defs, s, pl); err != nil {
			return nil, nil, nil, err
		}
		narrow := pl.narrow()
		q, args, err = e.groupSQL(defs, s, seg, narrow, false)
		if err != nil {
			return nil, nil, nil, err
		}
		segs, err := e.runPoints(ctx, defs, q, args, true, narrow)
		if err != nil {
			return nil, nil, nil, err
		}
		for id, ps := range segs {
			for k, p := range ps {
				if !k.total {
					full[id][k] = p
				}
			}
		}
	} else if seg == "" && timed {
		if full, err = e.runTotals(ctx, defs, s, pl); err != nil {
			return nil, nil, nil, err
		}
	} else if full, err = e.runPoints(ctx, defs, q, args, seg != "", pl); err != nil {
		return nil, nil, nil, err
	}
	if pl.partial && !pl.cmp.IsZero() && defs[0].Time != "" {
		q, args, err := e.groupSQL(defs, s, seg, pl, true)
		if err != nil {
			return nil, nil, nil, err
		}
		part, err = e.runPoints(ctx, defs, q, args, seg != "", pl)
		if err != nil {
			return nil, nil, nil, err
		}
	}
	return full, part, segErr, nil
}

func (e *Engine) filterProblem(table string, fs []Filter) (string, error) {
	for _, f := range fs {
		if _, _, err := e.dimExpr(table, f.Dim); err != nil {
			return f.Dim, err
		}
	}
	return "", nil
}

// groupSQL builds the query for a group. Identifiers go through
// store.QuoteIdent; filter values and times are bound parameters.
func (e *Engine) groupSQL(defs []*Def, s Slice, seg string, pl plan, partial bool) (string, []any, error) {
	d0 := defs[0]
	table := d0.Source
	var args []any
	var conds []string
	joinCols := map[string]bool{}
	useJoin := false
	for _, f := range s.Filters {
		expr, join, err := e.dimExpr(table, f.Dim)
		if err != nil {
			return "", nil, fmt.Errorf("not available with a filter on %s: %w", f.Dim, err)
		}
		if join {
			useJoin = true
			joinCols[strings.TrimPrefix(expr, "c.")] = true
		}
		var ors []string
		var ph []string
		for _, v := range f.Values {
			if v == BlankLabel {
				ors = append(ors, expr+" IS NULL")
				continue
			}
			ph = append(ph, "?")
			args = append(args, v)
		}
		if len(ph) > 0 {
			ors = append(ors, fmt.Sprintf("CAST(%s AS VARCHAR) IN (%s)", expr, strings.Join(ph, ", ")))
		}
		if len(ors) == 0 {
			ors = append(ors, "false")
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	segSel := ""
	if seg != "" {
		expr, join, err := e.dimExpr(table, seg)
		if err != nil {
			return "", nil, err
		}
		if join {
			useJoin = true
			joinCols[strings.TrimPrefix(expr, "c.")] = true
		}
		segSel = fmt.Sprintf(", CAST(%s AS VARCHAR) AS __seg", expr)
	}
	timed := d0.Time != "" && pl.grain != All
	cohort := d0.Type == Cohort
	timeSel := ""
	if d0.Time != "" {
		timeSel = fmt.Sprintf(", CAST(t.%s AS TIMESTAMP) AS __t", store.QuoteIdent(d0.Time))
	}
	// The time window: cohorts keep every row that exists before a period's end
	// (the join below); event KPIs keep rows inside the window.
	var timeArgs, splitArgs []any
	split := false
	if timed && !cohort {
		from, to := pl.from, pl.to
		if partial {
			from, to = pl.cmp, pl.grain.Add(pl.cmp, 1)
		}
		tcol := fmt.Sprintf("CAST(t.%s AS TIMESTAMP)", store.QuoteIdent(d0.Time))
		if !partial && pl.trendStart.Equal(pl.cur) && !pl.cmp.IsZero() && pl.grain.Add(pl.cmp, 1).Before(pl.cur) {
			// No trend wanted: read the current and comparison periods only,
			// not the year between them (two ranges, each pushed into the scan).
			split = true
			conds = append(conds, fmt.Sprintf("%[1]s >= ?::TIMESTAMP AND %[1]s < ?::TIMESTAMP", tcol))
			timeArgs = append(timeArgs, sqlTime(pl.cmp), sqlTime(pl.grain.Add(pl.cmp, 1)))
			splitArgs = []any{sqlTime(pl.cur), sqlTime(to)}
		} else {
			conds = append(conds, fmt.Sprintf("%s >= ?::TIMESTAMP AND %s < ?::TIMESTAMP", tcol, tcol))
			timeArgs = append(timeArgs, sqlTime(from), sqlTime(to))
		}
		if partial {
			conds = append(conds, fmt.Sprintf("%s < date_trunc('%s', %s) + to_microseconds(?::BIGINT)", tcol, pl.grain.SQLUnit(), tcol))
			timeArgs = append(timeArgs, pl.elapsed.Microseconds())
		}
	}
	if d0.Where != "" {
		conds = append(conds, "("+d0.Where+")")
	}
	var b strings.Builder
	var allArgs []any
	b.WriteString("WITH ")
	if cohort {
		var from, to time.Time
		step := grainInterval(pl.grain)
		endExpr := "p + " + step
		if pl.grain == All {
			from, to = Day.Trunc(e.start), dataEnd(e.asOf)
			endExpr = "?::TIMESTAMP"
		} else if partial {
			from, to = pl.cmp, pl.cmp
			endExpr = "p + to_microseconds(?::BIGINT)"
		} else {
			from, to = pl.from, pl.cur
		}
		if pl.grain == All {
			fmt.Fprintf(&b, "periods AS (SELECT ?::TIMESTAMP AS period_start, %s AS period_end), ", endExpr)
			allArgs = append(allArgs, sqlTime(from), sqlTime(to))
		} else {
			fmt.Fprintf(&b, "periods AS (SELECT p AS period_start, %s AS period_end FROM generate_series(?::TIMESTAMP, ?::TIMESTAMP, %s) g(p)), ", endExpr, step)
			if partial {
				allArgs = append(allArgs, pl.elapsed.Microseconds())
			}
			allArgs = append(allArgs, sqlTime(from), sqlTime(to))
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "SELECT t.*%s%s FROM %s t", segSel, timeSel, store.QuoteIdent(table))
	if useJoin {
		key := store.QuoteIdent(e.opt.CustomerKey)
		var cs []string
		for _, c := range sortedKeys(joinCols) {
			cs = append(cs, fmt.Sprintf("any_value(%s) AS %s", c, c))
		}
		fmt.Fprintf(&sb, " LEFT JOIN (SELECT %s AS __k, %s FROM %s GROUP BY 1) c ON t.%s = c.__k",
			key, strings.Join(cs, ", "), store.QuoteIdent(e.opt.Customers), key)
	}
	if len(conds) > 0 {
		sb.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	b.WriteString("src AS (" + sb.String())
	allArgs = append(allArgs, args...)
	allArgs = append(allArgs, timeArgs...)
	if split { // the same select over the second range
		b.WriteString(" UNION ALL " + sb.String())
		allArgs = append(allArgs, args...)
		allArgs = append(allArgs, splitArgs...)
	}
	b.WriteString(")")

	// Components for every KPI of the group, aggregated at each grouping set.
	var sel []string
	for i, d := range defs {
		comps := d.Components()
		for _, name := range sortedKeys(comps) {
			sel = append(sel, fmt.Sprintf("CAST((%s) AS DOUBLE) AS %s", comps[name], store.QuoteIdent(fmt.Sprintf("k%d_%s", i, name))))
		}
		for _, name := range d.ExtraNames() {
			sel = append(sel, fmt.Sprintf("CAST((%s) AS DOUBLE) AS %s", d.Extras[name], store.QuoteIdent(fmt.Sprintf("k%d_x_%s", i, name))))
		}
	}
	var keys []string
	from := "src"
	periodSel := ""
	if cohort {
		from = "src JOIN periods ON (src.__t IS NULL OR src.__t < periods.period_end)"
		periodSel = "period_start AS __p, "
		keys = append(keys, "__p")
	} else if timed {
		periodSel = fmt.Sprintf("date_trunc('%s', __t) AS __p, ", pl.grain.SQLUnit())
		keys = append(keys, "__p")
	}
	groupBy := ""
	segCols := ""
	if seg != "" {
		segCols = "__seg, GROUPING(__seg) AS __g, "
		withSeg := strings.Join(append(append([]string(nil), keys...), "__seg"), ", ")
		groupBy = fmt.Sprintf(" GROUP BY GROUPING SETS ((%s), (%s))", withSeg, strings.Join(keys, ", "))
	} else if len(keys) > 0 {
		groupBy = " GROUP BY " + strings.Join(keys, ", ")
	}
	fmt.Fprintf(&b, " SELECT %s%s%s FROM %s%s", periodSel, segCols, strings.Join(sel, ", "), from, groupBy)
	// Values are computed from the components of each row, at its own grain.
	var vals []string
	for i, d := range defs {
		i := i
		col := func(name string) string { return store.QuoteIdent(fmt.Sprintf("k%d_%s", i, name)) }
		vals = append(vals, fmt.Sprintf("CAST(%s AS DOUBLE) AS %s", d.valueExpr(func(n string) string { return specialName(n, pl.grain, nil, col) }), store.QuoteIdent(fmt.Sprintf("k%d__value", i))))
	}
	return "SELECT *, " + strings.Join(vals, ", ") + " FROM (" + b.String() + ")", allArgs, nil
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
	began := time.Now()
	rows, err := e.db.Query(ctx, q, args...)
	if debugSQL {
		fmt.Fprintf(os.Stderr, "-- %s %v\n%s\n", defs[0].Source, time.Since(began), q)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, fmt.Errorf("query failed: %w", e.explainRunError(ctx, defs, err))
	}
	out := map[string]points{}
	for _, d := range defs {
		out[d.ID] = points{}
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
			for name := range d.Components() {
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
func (e *Engine) composite(ctx context.Context, d *Def, res map[string]*computed, pl plan) error {
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
	eval := func(pick func(*computed) points) (points, error) {
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
		var rowsSQL []string
		var args []any
		for ri, k := range keys {
			ph := []string{"?::INTEGER"}
			args = append(args, ri)
			p := &Point{Period: base[k].Period, Components: map[string]float64{}}
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
				ph = append(ph, "?::DOUBLE")
				if v != nil {
					args = append(args, *v)
					p.Components[names[i]] = *v
				} else {
					args = append(args, nil)
				}
			}
			if nDep != nil {
				if src := pick(nDep); src != nil && src[k] != nil {
					p.N, p.HasN = src[k].N, src[k].HasN
				}
			}
			out[k] = p
			rowsSQL = append(rowsSQL, "("+strings.Join(ph, ", ")+")")
		}
		cols := map[string]string{}
		colNames := []string{"__i"}
		for _, n := range names {
			cols[n] = store.QuoteIdent(n)
			colNames = append(colNames, store.QuoteIdent(n))
		}
		expr := d.valueExpr(func(n string) string { return specialName(n, pl.grain, cols) })
		q := fmt.Sprintf("SELECT __i, CAST(%s AS DOUBLE) FROM (VALUES %s) v(%s)", expr, strings.Join(rowsSQL, ", "), strings.Join(colNames, ", "))
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
	full, err := eval(func(c *computed) points { return c.full })
	if err != nil {
		return err
	}
	part, err := eval(func(c *computed) points { return c.part })
	if err != nil {
		return err
	}
	res[d.ID].full, res[d.ID].part = full, part
	return nil
}

// assemble turns computed points into the rows a scorecard shows.
func (e *Engine) assemble(d *Def, c *computed, s Slice, pl plan) Result {
	r := Result{Def: d, Err: c.err, Approx: c.approx}
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
		cmpLabel = pl.grain.Label(pl.cmp)
		if pl.partial {
			cmpLabel += " (same days)"
		}
	}
	period := pl.cur
	if !timed {
		period = time.Time{}
	}
	mkRow := func(k pkey) Row {
		row := Row{Segment: k.seg, Total: k.total, Partial: pl.partial && timed}
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
		for p := pl.trendStart; !p.After(pl.cur); p = pl.grain.Add(p, 1) {
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
		// Segments that had rows in the comparison period but none now still show.
		sort.SliceStable(r.Segments, func(i, j int) bool {
			a, b := r.Segments[i], r.Segments[j]
			if a.N != b.N {
				return a.N > b.N
			}
			return a.Segment < b.Segment
		})
		if len(r.Segments) > e.opt.MaxSegments {
			r.SegmentsTruncated = len(r.Segments) - e.opt.MaxSegments
			r.Segments = r.Segments[:e.opt.MaxSegments]
		}
		if r.Total.HasN && r.Total.N > 0 {
			for i := range r.Segments {
				sh := float64(r.Segments[i].N) / float64(r.Total.N)
				r.Segments[i].Share = &sh
			}
		}
	}
	return r
}

func hasPeriods(p points) bool {
	for k := range p {
		if k.period != 0 {
			return true
		}
	}
	return false
}
