package kpi

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrNotIndexed is what a computation with IndexOnly gets where it would
// read raw rows: the KPI is left out of the scorecard (counted in
// Pending); as a Result's SegmentErr, its breakdown is (its totals and
// trend came from the rollups).
var ErrNotIndexed = errors.New("not answered by the rollups built so far")

var errNotIndexed = ErrNotIndexed

type indexOnlyKey struct{}

// indexOnly is an IndexOnly computation's state: the KPIs whose breakdown
// it left out (their totals and trend answered).
type indexOnly struct {
	mu   sync.Mutex
	segs map[string]bool
}

// segsLater records that the breakdown of defs is left out.
func (st *indexOnly) segsLater(defs []*Def) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, d := range defs {
		st.segs[d.ID] = true
	}
}

// indexOnlyOf is ctx's IndexOnly state; nil without it.
func indexOnlyOf(ctx context.Context) *indexOnly {
	st, _ := ctx.Value(indexOnlyKey{}).(*indexOnly)
	return st
}

// readsRows is called where a computation is about to read a source's raw
// rows: with IndexOnly it refuses (errNotIndexed); else it waits while a
// Foreground is held for another computation (waitForeground).
func (e *Engine) readsRows(ctx context.Context) error {
	if indexOnlyOf(ctx) != nil {
		return errNotIndexed
	}
	e.waitForeground(ctx)
	return nil
}

// IndexOnly computes from the rollups built so far and reads no raw rows:
// the KPIs they cannot answer yet are left out of Results and counted in
// Pending, as in OnProgress's scorecards, and extras they cannot answer are
// left out without an ExtrasErr. Its answers are never cached. With Sooner,
// the explorer draws a slice's current and comparison periods while the
// rest of its trend reads raw rows.
func IndexOnly() Option { return func(o *options) { o.indexOnly, o.uncached = true, true } }

// Sooner is, while the rollups are being built, a slice that IndexOnly
// answers from what is built in milliseconds, where s itself reads raw rows
// until more is built: s with its trend cut to the periods the part built
// first holds (the latest thirteen months) when the trend reaches past
// them (a quarter's or a year's trend, a month two or more back); else s
// itself when it is a breakdown and some breakdowns are not built yet (its
// totals and trend then come at once, its segments from the rows). ok is
// false when no build is under way, when s's current or comparison period
// lies before that part, or when there is nothing to gain.
func (e *Engine) Sooner(s Slice) (Slice, bool) {
	if e.wh != nil || !s.Window.IsZero() {
		return s, false
	}
	e.roll.mu.Lock()
	recent, building := e.roll.recent, e.buildingLocked()
	older, segs := false, false // some older months' part, some breakdowns' part, not built
	if building {
		for _, g := range e.roll.groups {
			for p, ps := range g.parts {
				older = older || !p.recent && g.time != "" && !ps.done
				// a group without time holds its breakdowns in its parts not recent
				segs = segs || p.level > 0 && (p.recent || g.time == "") && !ps.done
			}
		}
	}
	e.roll.mu.Unlock()
	if recent.IsZero() || !building {
		return s, false
	}
	s, pl := e.resolveSlice(s)
	if pl.grain == All || pl.cur.Before(recent) || !pl.cmp.IsZero() && pl.cmp.Before(recent) {
		return s, false
	}
	if !pl.from.Before(recent) || !older {
		return s, s.Segment != "" && segs
	}
	n := 1
	for n < s.Trend && !pl.grain.Add(pl.cur, -n).Before(recent) {
		n++
	}
	s.Trend = n
	return s, true
}

// RawCut is, while the rollups are being built, s with its trend cut to its
// current period (its comparison kept), for a slice the rollups built so
// far cannot answer (IndexOnly leaves it pending: a drill before the
// breakdowns are built, a period before the part built first): read from
// the raw rows, it reads two periods' rows where s reads its whole trend's
// (at 100M tickets a drill's CSAT 0.6 s against 2.8 s, its median 1.1 s
// against 6.7 s). ok is false when no build is under way, for a window or
// all time, and when s's trend is one period already.
func (e *Engine) RawCut(s Slice) (Slice, bool) {
	if e.wh != nil || !s.Window.IsZero() {
		return s, false
	}
	e.roll.mu.Lock()
	building := e.buildingLocked()
	e.roll.mu.Unlock()
	if !building {
		return s, false
	}
	s, pl := e.resolveSlice(s)
	if pl.grain == All || s.Trend <= 1 {
		return s, false
	}
	s.Trend = 1
	return s, true
}

// foreground is the Foreground registrations held: each one's deadline.
type foreground struct {
	mu     sync.Mutex
	tokens map[*byte]time.Time
}

type foregroundKey struct{}

// foregroundMax bounds how long one Foreground holds the other
// computations' raw reads back, were it never released.
var foregroundMax = 5 * time.Second

// Foreground says that a computation the user waits for is about to read
// raw rows (the explorer's detail, its current and comparison periods read
// first while the rollups are built: RawCut): until release is called, or
// for foregroundMax at most, the raw reads of computations without
// InForeground (the scorecard beside it, other sessions') wait before
// they start, so the detail's statements have the cores. At 100M tickets,
// during the build, a drill's one statement took 7–12 s beside its
// scorecard's 25 KPIs read from the rows, 0.6 s alone. Call it before
// starting either computation; release may be called more than once.
func (e *Engine) Foreground() (release func()) {
	tok := new(byte)
	e.fg.mu.Lock()
	if e.fg.tokens == nil {
		e.fg.tokens = map[*byte]time.Time{}
	}
	e.fg.tokens[tok] = time.Now().Add(foregroundMax)
	e.fg.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			e.fg.mu.Lock()
			delete(e.fg.tokens, tok)
			e.fg.mu.Unlock()
		})
	}
}

// InForeground marks a computation as the one a Foreground is held for:
// its raw reads never wait.
func InForeground() Option { return func(o *options) { o.inForeground = true } }

// foregroundHeld reports whether some Foreground is held and not past its
// deadline.
func (e *Engine) foregroundHeld() bool {
	e.fg.mu.Lock()
	defer e.fg.mu.Unlock()
	now := time.Now()
	for tok, until := range e.fg.tokens {
		if now.Before(until) {
			return true
		}
		delete(e.fg.tokens, tok)
	}
	return false
}

// waitForeground holds a raw read back (readsRows) while a Foreground is
// held, unless ctx's computation is the one it is held for (InForeground).
func (e *Engine) waitForeground(ctx context.Context) {
	if fg, _ := ctx.Value(foregroundKey{}).(bool); fg {
		return
	}
	for e.foregroundHeld() && ctx.Err() == nil {
		time.Sleep(5 * quietPoll)
	}
}

// buildingLocked reports whether the rollups' build is under way: started,
// neither done nor failed (e.roll.mu held).
func (e *Engine) buildingLocked() bool {
	return e.roll.started && !e.roll.progress.Ready && e.roll.progress.Err == nil
}

// notIndexed reports whether a KPI's computation with IndexOnly stopped
// where it would have read raw rows.
func notIndexed(err error) bool { return errors.Is(err, errNotIndexed) }

// withIndexOnly marks ctx for readsRows, with the computation's state.
func withIndexOnly(ctx context.Context) (context.Context, *indexOnly) {
	st := &indexOnly{segs: map[string]bool{}}
	return context.WithValue(ctx, indexOnlyKey{}, st), st
}
