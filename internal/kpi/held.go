package kpi

import "context"

// heldRows is about the most rows one statement holding every value of its
// rows (holdsValues: exact medians and p90s read from the raw rows) is
// planned to read: a statement over more periods is sent as several, one
// after another, each over consecutive periods of about that many rows (by
// the share of the table's dates they cover), so what DuckDB holds outside
// its memory limit is bounded by heldRows rows (or by the largest period),
// not by a trend's or a comparison's whole span. At 100M tickets a
// quarter's trend of one team held about 25M values in one statement.
var heldRows int64 = 8_000_000

// sketchRows is about the most rows one period of a statement holding every
// value of its rows reads exactly while the engine has rollups (the
// explorer's and serve's engines, whose rollups answer quantiles from
// sketches already): a period estimated above it, which no split into
// periods bounds, has its quantiles read from the rollups' log-bucket
// sketches instead (queryPlan.Sketched), within SketchError and marked
// approximate. At 100M tickets over two years a year is about 50M rows:
// its exact median by team took the explorer from 1.4 GB (the rollup
// build) to 2.48 GB. A quarter (about 12M by the share of the dates it
// covers) stays exact. `report`, which builds no rollups, stays exact.
var sketchRows int64 = 16_000_000

// sketchesRaw reports whether the engine's raw statements over periods of
// more than sketchRows rows read their quantiles from sketches: an engine of
// DuckDB's whose rollups are being built or are built.
func (e *Engine) sketchesRaw() bool {
	if e.wh != nil {
		return false
	}
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	return e.roll.started
}

// rowEstimate estimates the rows of d's table within a time range by the
// share of the table's dates it covers; ok is false when the table's dates
// are not known.
func (e *Engine) rowEstimate(d *Def) (est func(timeRange) int64, ok bool) {
	sp := e.spanOf(d)
	rows := e.rowsOf(d.Source)
	if sp.lo.IsZero() || !sp.hi.After(sp.lo) {
		return nil, false
	}
	hi := dataEnd(sp.hi)
	span := hi.Sub(sp.lo)
	return func(r timeRange) int64 {
		from, to := maxTime(r.From, sp.lo), r.To
		if to.After(hi) {
			to = hi
		}
		if !to.After(from) {
			return 0
		}
		return int64(float64(rows) * float64(to.Sub(from)) / float64(span))
	}, true
}

// periodPieces cuts ranges at grain g's period starts.
func periodPieces(ranges []timeRange, g Grain) []timeRange {
	var pieces []timeRange
	for _, r := range ranges {
		for t := r.From; t.Before(r.To); {
			next := g.Add(g.Trunc(t), 1)
			if !next.After(t) || next.After(r.To) {
				next = r.To
			}
			pieces = append(pieces, timeRange{t, next})
			t = next
		}
	}
	return pieces
}

// largestPeriod estimates the rows of the largest period a plan groups d's
// rows into: at a grain, the largest of its periods within the ranges; over
// all time, or at no grain, every row within the ranges (all of them
// without ranges). Window grains, whose periods overlap, are not estimated
// (0).
func (e *Engine) largestPeriod(d *Def, ranges []timeRange, g Grain, by periodBy) int64 {
	if g.IsWindow() {
		return 0
	}
	if len(ranges) == 0 {
		return e.rowsOf(d.Source)
	}
	est, ok := e.rowEstimate(d)
	if !ok {
		return 0
	}
	var most, all int64
	for _, r := range ranges {
		all += est(r)
	}
	if by != periodTrunc || g == All || g == "" {
		return all
	}
	for _, p := range periodPieces(ranges, g) {
		most = max(most, est(p))
	}
	return most
}

// sketchedPlan is qp (rendered: sql, args) with its quantiles read from
// sketches, rendered, and counted (rawSketches), when the engine sketches
// raw reads, the largest period qp reads within ranges is over sketchRows
// rows and the sketches change its statement; otherwise qp, sql and args
// as they were, and sketched false.
func (e *Engine) sketchedPlan(d *Def, qp *queryPlan, sql string, args []any, ranges []timeRange) (_ *queryPlan, _ string, _ []any, sketched bool) {
	if qp.Spans != nil || qp.Cohort != nil || !holdsValues(sql) || !e.sketchesRaw() ||
		e.largestPeriod(d, ranges, qp.Grain, qp.PeriodBy) <= sketchRows {
		return qp, sql, args, false
	}
	part := *qp
	part.Sketched = true
	s, a := renderDuckDB(&part)
	if s == sql {
		return qp, sql, args, false // nothing it holds is a quantile of one fraction
	}
	e.roll.rawSketches.Add(1)
	return &part, s, a, true
}

// heldChunks splits the periods of ranges at grain g into groups of
// consecutive ranges whose rows of d's table add up to about heldRows at
// most (a group holds at least one period); nil when one statement will do.
func (e *Engine) heldChunks(d *Def, ranges []timeRange, g Grain) [][]timeRange {
	rows := e.rowsOf(d.Source)
	if rows <= heldRows || g.IsWindow() || len(ranges) == 0 || g == All || g == "" {
		return nil
	}
	est, ok := e.rowEstimate(d)
	if !ok {
		return nil
	}
	pieces := periodPieces(ranges, g) // the ranges cut at period starts
	var total int64
	for _, p := range pieces {
		total += est(p)
	}
	if total <= heldRows {
		return nil
	}
	var chunks [][]timeRange
	var cur []timeRange
	var n int64
	for _, p := range pieces {
		r := est(p)
		if len(cur) > 0 && n+r > heldRows {
			chunks, cur, n = append(chunks, cur), nil, 0
		}
		if k := len(cur); k > 0 && cur[k-1].To.Equal(p.From) {
			cur[k-1].To = p.To // one range per run of consecutive periods
		} else {
			cur = append(cur, p)
		}
		n += r
	}
	return append(chunks, cur)
}

// runHeld runs a raw plan: as one statement, or, when its statement holds
// every value of its rows and reads more than heldRows of them, as several
// over consecutive periods (heldChunks), their points put together (each
// period's in one statement, so the same numbers). A period of more than
// sketchRows rows has its quantiles read from sketches (sketchedPlan):
// sketched says so. A sketched statement that fails for a reason of its own
// is read exactly instead.
func (e *Engine) runHeld(ctx context.Context, defs []*Def, qp *queryPlan, withSeg bool, win plan) (ps map[string]points, sketched bool, err error) {
	ps, sketched, err = e.runHeldAs(ctx, defs, qp, withSeg, win, true)
	if e.sketchFailed(ctx, sketched, err) {
		return e.runHeldAs(ctx, defs, qp, withSeg, win, false)
	}
	return ps, sketched, err
}

// sketchFailed reports whether a statement whose quantiles were read from
// sketches failed for a reason of its own (not its context's end): the
// caller then reads them exactly.
func (e *Engine) sketchFailed(ctx context.Context, sketched bool, err error) bool {
	if !sketched || err == nil || ctx.Err() != nil {
		return false
	}
	e.debug("quantiles from sketches failed, reading them exactly", "err", err)
	return true
}

// runHeldAs is runHeld, its quantiles from sketches only when sketch is
// set.
func (e *Engine) runHeldAs(ctx context.Context, defs []*Def, qp *queryPlan, withSeg bool, win plan, sketch bool) (ps map[string]points, sketched bool, err error) {
	sql, args, err := e.executor().render(qp)
	if err != nil {
		return nil, false, err
	}
	var chunks [][]timeRange
	if e.wh == nil && qp.Spans == nil && qp.Cohort == nil && holdsValues(sql) {
		if sketch {
			qp, sql, args, sketched = e.sketchedPlan(defs[0], qp, sql, args, qp.Ranges)
		}
		if holdsValues(sql) {
			chunks = e.heldChunks(defs[0], qp.Ranges, qp.Grain)
		}
	}
	if len(chunks) < 2 {
		ps, err := e.runPoints(ctx, defs, sql, args, withSeg, win)
		return ps, sketched, err
	}
	e.roll.heldSplits.Add(1)
	out := map[string]points{}
	for _, c := range chunks {
		part := *qp
		part.Ranges = c
		sql, args, err := e.executor().render(&part)
		if err != nil {
			return nil, false, err
		}
		ps, err := e.runPoints(ctx, defs, sql, args, withSeg, win)
		if err != nil {
			return nil, sketched, err
		}
		for id, pts := range ps {
			if out[id] == nil {
				out[id] = points{}
			}
			for k, pt := range pts {
				out[id][k] = pt
			}
		}
	}
	return out, sketched, nil
}
