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

// heldChunks splits the periods of ranges at grain g into groups of
// consecutive ranges whose rows of d's table add up to about heldRows at
// most (a group holds at least one period); nil when one statement will do.
func (e *Engine) heldChunks(d *Def, ranges []timeRange, g Grain) [][]timeRange {
	sp := e.spanOf(d)
	rows := e.rowsOf(d.Source)
	if rows <= heldRows || g.IsWindow() || sp.lo.IsZero() || !sp.hi.After(sp.lo) || len(ranges) == 0 || g == All || g == "" {
		return nil
	}
	hi := dataEnd(sp.hi)
	span := hi.Sub(sp.lo)
	est := func(r timeRange) int64 {
		from, to := maxTime(r.From, sp.lo), r.To
		if to.After(hi) {
			to = hi
		}
		if !to.After(from) {
			return 0
		}
		return int64(float64(rows) * float64(to.Sub(from)) / float64(span))
	}
	var pieces []timeRange // the ranges cut at period starts
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
// period's in one statement, so the same numbers).
func (e *Engine) runHeld(ctx context.Context, defs []*Def, qp *queryPlan, withSeg bool, win plan) (map[string]points, error) {
	sql, args, err := e.executor().render(qp)
	if err != nil {
		return nil, err
	}
	var chunks [][]timeRange
	if e.wh == nil && qp.Spans == nil && qp.Cohort == nil && holdsValues(sql) {
		chunks = e.heldChunks(defs[0], qp.Ranges, qp.Grain)
	}
	if len(chunks) < 2 {
		return e.runPoints(ctx, defs, sql, args, withSeg, win)
	}
	e.roll.heldSplits.Add(1)
	out := map[string]points{}
	for _, c := range chunks {
		part := *qp
		part.Ranges = c
		sql, args, err := e.executor().render(&part)
		if err != nil {
			return nil, err
		}
		ps, err := e.runPoints(ctx, defs, sql, args, withSeg, win)
		if err != nil {
			return nil, err
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
	return out, nil
}
