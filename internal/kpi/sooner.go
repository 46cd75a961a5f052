package kpi

import (
	"context"
	"errors"
)

// errNotIndexed is what a computation with IndexOnly gets where it would
// read raw rows: the KPI is left out of the scorecard (counted in Pending).
var errNotIndexed = errors.New("not answered by the rollups built so far")

type indexOnlyKey struct{}

// readsRows is called where a computation is about to read a source's raw
// rows: with IndexOnly it refuses (errNotIndexed).
func readsRows(ctx context.Context) error {
	if ctx.Value(indexOnlyKey{}) != nil {
		return errNotIndexed
	}
	return nil
}

// IndexOnly computes from the rollups built so far and reads no raw rows:
// the KPIs they cannot answer yet are left out of Results and counted in
// Pending, as in OnProgress's scorecards, and extras they cannot answer are
// left out without an ExtrasErr. Its answers are never cached. With Sooner,
// the explorer draws a slice's current and comparison periods while the
// rest of its trend reads raw rows.
func IndexOnly() Option { return func(o *options) { o.indexOnly, o.uncached = true, true } }

// Sooner is, while the rollups are being built, the slice s with its trend
// cut to the periods the part built first holds (the latest thirteen
// months): with IndexOnly, Compute answers it from that part in
// milliseconds, where s itself reads raw rows for its older periods until
// they are built (a quarter's or a year's trend, a month two or more back).
// ok is false when there is nothing to cut (s lies within that part, or
// its current or comparison period before it), when no build is under way,
// or when the older months are built.
func (e *Engine) Sooner(s Slice) (Slice, bool) {
	if e.wh != nil || !s.Window.IsZero() {
		return s, false
	}
	e.roll.mu.Lock()
	recent, building := e.roll.recent, e.roll.started && !e.roll.progress.Ready && e.roll.progress.Err == nil
	older := false // some older months' part is not built
	if building {
		for _, g := range e.roll.groups {
			for p, ps := range g.parts {
				older = older || !p.recent && g.time != "" && !ps.done
			}
		}
	}
	e.roll.mu.Unlock()
	if recent.IsZero() || !building || !older {
		return s, false
	}
	s, pl := e.resolveSlice(s)
	if pl.grain == All || pl.cur.Before(recent) || !pl.cmp.IsZero() && pl.cmp.Before(recent) || !pl.from.Before(recent) {
		return s, false
	}
	n := 1
	for n < s.Trend && !pl.grain.Add(pl.cur, -n).Before(recent) {
		n++
	}
	s.Trend = n
	return s, true
}

// notIndexed reports whether a KPI's computation with IndexOnly stopped
// where it would have read raw rows.
func notIndexed(err error) bool { return errors.Is(err, errNotIndexed) }

// withIndexOnly marks ctx for readsRows.
func withIndexOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, indexOnlyKey{}, true)
}
