package kpi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kpiscope/internal/store"
)

// SetAtomsHook has f called, on the build's goroutine, each time a part of
// totals has its atoms in and its quantile sketches still to read (its
// group's source and time column given): a test may block in it.
func SetAtomsHook(e *Engine, f func(source, time string)) {
	e.roll.mu.Lock()
	e.roll.atomsHook = f
	e.roll.mu.Unlock()
}

// OnCacheJoin has f called whenever a Compute waits for an identical one in
// progress (see cache.joined).
func OnCacheJoin(e *Engine, f func()) { e.cache.joined = f }

// DailyRollupsOnly makes the engine's rollup queries read the daily atoms
// and sketches only (not the monthly ones), to compare the two.
func DailyRollupsOnly(e *Engine, on bool) {
	ForgetPeriodTotals(e) // kept totals would answer for either table
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	for _, g := range e.roll.groups {
		sig := strings.TrimPrefix(g.table, "__kpiscope_rollup_")
		g.tableM, g.sketchesM = "", ""
		if !on {
			g.tableM = "__kpiscope_rollupm_" + sig
			if g.sketches != "" {
				g.sketchesM = "__kpiscope_sketchm_" + sig
			}
		}
	}
}

// AgesHits is how many detail queries took their ages from the flows'
// long-lived rows (runAges).
func AgesHits(e *Engine) int64 { return e.roll.agesHits.Load() }

// SetAgesLongMax sets the most long-lived rows the ages' copy may hold
// (agesLongMax), before the build: 1 refuses it.
func SetAgesLongMax(e *Engine, n int64) {
	e.roll.mu.Lock()
	e.roll.agesMax = n
	e.roll.mu.Unlock()
}

// SetAgesLags sets the lags, in days, past which a ticket counts as
// long-lived (agesLagDays), before the build.
func SetAgesLags(e *Engine, days ...int) {
	e.roll.mu.Lock()
	e.roll.agesLags = days
	e.roll.mu.Unlock()
}

// FlowHits is how many group queries the flow rollups answered (flow.go).
func FlowHits(e *Engine) int64 { return e.roll.flowHits.Load() }

// SetRawFirst sets the size of data answered from the raw rows before the
// rollups are built (RawFirstRows) and how long such a build waits for a
// first query; the returned func restores both.
func SetRawFirst(rows int64, idle time.Duration) func() {
	r, i := RawFirstRows, rawFirstIdle
	RawFirstRows, rawFirstIdle = rows, idle
	return func() { RawFirstRows, rawFirstIdle = r, i }
}

// HoldQuery counts a query under way on e, as a Compute does, until the
// returned func is called.
func HoldQuery(e *Engine) func() {
	c := e.queryBegan()
	return func() { e.queryEnded(c) }
}

// ShiftKeptTotals adds delta to the value of every period total kept from
// rollup queries (keptTotals: the sketches' merged, for a median), so a test
// can tell a kept total from one merged again.
func ShiftKeptTotals(e *Engine, delta float64) int {
	e.periodRolls.mu.Lock()
	defer e.periodRolls.mu.Unlock()
	n := 0
	for key, ps := range e.periodRolls.m {
		if !strings.HasSuffix(key, "|roll") {
			continue
		}
		for _, p := range ps {
			if p != nil && p.Value != nil {
				v := *p.Value + delta
				p.Value = &v
				n++
			}
		}
	}
	return n
}

// ForgetPeriodTotals drops the period totals the engine keeps (period
// rollups and the totals kept from rollup queries), so the next queries read the
// rollup tables again.
func ForgetPeriodTotals(e *Engine) {
	e.periodRolls.mu.Lock()
	defer e.periodRolls.mu.Unlock()
	e.periodRolls.m, e.periodRolls.n, e.periodRolls.used = nil, 0, nil
}

// SetAgesPrefill sets the rows from which PrefillAges runs (agesPrefillRows)
// and, when given, the grains it walks.
func SetAgesPrefill(e *Engine, rows int64, grains ...Grain) {
	e.roll.mu.Lock()
	e.roll.agesPrefill, e.roll.agesGrains = rows, grains
	e.roll.mu.Unlock()
}

// AgesKeptHits is how many totals' ages were read from those kept
// (agesKeptKey) rather than computed.
func AgesKeptHits(e *Engine) int64 { return e.roll.agesKeptHits.Load() }

// SetAgesPrefillBudget sets the time PrefillAges spends computing per KPI
// (agesPrefillBudget; 0: that).
func SetAgesPrefillBudget(e *Engine, d time.Duration) {
	e.roll.mu.Lock()
	e.roll.agesBudget = d
	e.roll.mu.Unlock()
}

// SetAgesPrefillSlow sets the time per period past which PrefillAges goes
// on by runs of days (agesPrefillSlow; 0: that).
func SetAgesPrefillSlow(e *Engine, d time.Duration) {
	e.roll.mu.Lock()
	e.roll.agesSlow = d
	e.roll.mu.Unlock()
}

// PeriodValsKept is the number of period-column values the engine keeps
// as literals (knownPeriodCols).
func PeriodValsKept(e *Engine) int {
	n := 0
	e.periodVals.Range(func(any, any) bool { n++; return true })
	return n
}

// HoldCaller counts a query a caller waits for as running (Compute's), until
// the function returned is called: the prefills wait (waitQuiet).
func HoldCaller(e *Engine) (release func()) {
	e.roll.asking.Add(1)
	return func() { e.roll.asking.Add(-1) }
}

// AgesKeptEnds is the period ends whose total's ages of KPI id are kept.
func AgesKeptEnds(e *Engine, id string) int {
	e.periodRolls.mu.Lock()
	defer e.periodRolls.mu.Unlock()
	return len(e.periodRolls.m[agesKeptKey(id)])
}

// PairSketchesStraight gives, for each part of the sketches by two dimensions
// (pairSketch, per month) of every rollup group, the query of its rows in
// the group's table and the query counting the same rows straight from the
// source, one grouping set per pair and sketch (as they were built before
// the cubes), with the arguments of both.
func PairSketchesStraight(e *Engine) (kept, straight []string, args [][]any) {
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	for _, k := range sortedKeys(e.roll.groups) {
		g := e.roll.groups[k]
		for _, p := range []part{pairSketch(true), pairSketch(false)} {
			if _, ok := g.parts[p]; !ok || g.sketchesP == "" {
				continue
			}
			cond, a, ok := e.partCond(g, p)
			if !ok {
				continue
			}
			var ds []string
			for j := range g.dims {
				ds = append(ds, fmt.Sprintf("__d%d", j))
			}
			var rows []string
			var qa []any
			for i, sk := range g.sk {
				x, where := sketchInput(sk)
				rows = append(rows, fmt.Sprintf("SELECT CAST(date_trunc('month', __day) AS TIMESTAMP) AS __day, %s, %d AS __s, %s AS __b FROM (%s) WHERE %s",
					strings.Join(ds, ", "), i, sketchBucket(x), e.rollSrc(g, cond, true), where))
				qa = append(qa, a...)
			}
			kept = append(kept, fmt.Sprintf("SELECT __day, __part, __gid, __v1, __v2, __s, __b, __n FROM %s WHERE __part = %d", store.QuoteIdent(g.sketchesP), p.code()))
			straight = append(straight, fmt.Sprintf("SELECT __day, %s, __s, __b, count(*) AS __n FROM (%s)%s",
				setCols(g.groupingSets(p.level), p), strings.Join(rows, " UNION ALL "), g.groupBy(p.level, "__s, __b")))
			args = append(args, qa)
		}
	}
	return kept, straight, args
}

// UnbuildOlderBreakdowns marks every group's parts by dimension over the
// older months (for a group without time, all its rows) as not built, and
// deletes their rows, as a build still under way would have them: queries
// needing them read raw rows, and one reading them anyway misses rows.
func UnbuildOlderBreakdowns(e *Engine) error {
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	for _, g := range e.roll.groups {
		for p, ps := range g.parts {
			if p.level == 0 || p.recent {
				continue
			}
			ps.done, ps.building = false, false
			for _, t := range []string{g.table, g.tableM, g.sketches, g.sketchesM, g.sketchesP} {
				if t == "" || !e.roll.created[t] {
					continue
				}
				q := fmt.Sprintf("DELETE FROM %s WHERE __part = %d", store.QuoteIdent(t), p.code())
				if err := e.db.Exec(context.Background(), q); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// UnbuildBreakdowns forgets every part above the totals, the latest
// months' too, as a build has them before its breakdowns.
func UnbuildBreakdowns(e *Engine) {
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	for _, g := range e.roll.groups {
		for p, ps := range g.parts {
			if p.level > 0 {
				ps.done, ps.building = false, false
			}
		}
	}
}

// MarkBuilding marks e's rollups as being built (as UnbuildOlderBreakdowns
// leaves them: the older months' breakdowns to come).
func MarkBuilding(e *Engine) {
	e.roll.mu.Lock()
	e.roll.progress.Ready = false
	e.roll.mu.Unlock()
}

// SetHeldRows sets heldRows (the rows one statement holding every value
// reads at most, runHeld); the returned func restores it.
func SetHeldRows(n int64) func() {
	old := heldRows
	heldRows = n
	return func() { heldRows = old }
}

// HeldSplits is how many raw plans were sent as several statements.
func HeldSplits(e *Engine) int64 { return e.roll.heldSplits.Load() }

// ResetHeldSplits sets HeldSplits back to 0.
func ResetHeldSplits(e *Engine) { e.roll.heldSplits.Store(0) }

// HolisticRuns reports the most queries holding every value of their rows
// (holdsValues) that ran at once, and how many ran, since the engine began.
func HolisticRuns(e *Engine) (most int32, all int64) {
	return e.holisticMost.Load(), e.holisticAll.Load()
}

// HoldsValues is holdsValues.
var HoldsValues = holdsValues

// SetSketchRows sets sketchRows (the rows of one period above which a raw
// statement holding every value reads its quantiles from sketches, while
// the engine has rollups); the returned func restores it.
func SetSketchRows(n int64) func() {
	old := sketchRows
	sketchRows = n
	return func() { sketchRows = old }
}

// RawSketches is how many raw plans had their quantiles read from sketches.
func RawSketches(e *Engine) int64 { return e.roll.rawSketches.Load() }

// TableRows is the rows of a table as the engine counted them.
func TableRows(e *Engine, table string) int64 { return e.rowsOf(table) }

// SetSketchFault makes every quantile read from a sketch of raw rows the
// SQL expr (one that fails: error('…')); the returned func restores it.
func SetSketchFault(expr string) func() {
	old := sketchFault
	sketchFault = expr
	return func() { sketchFault = old }
}

// SetForegroundMax sets how long one Foreground holds raw reads back at
// most; the returned func puts it back.
func SetForegroundMax(d time.Duration) func() {
	old := foregroundMax
	foregroundMax = d
	return func() { foregroundMax = old }
}
