package kpi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kpiscope/internal/store"
)

// Rollups: every KPI is a ratio of additive components, so the components
// counted per day × segment re-aggregate exactly to any grain, period and
// segment. The engine keeps, per group of KPIs (same table, time column and
// row filter), one table of atoms (see atoms.go) at three levels: per day
// (totals), per day × one offered dimension, and per day × two dimensions
// (a drill-down: a filter on one, a breakdown by the other). Quantiles are
// kept as log-bucket sketches (relative error ≤ SketchError) per day at the
// first two levels, and per month at the third (a drill-down of a median by
// month, quarter or year; per day they would outweigh the raw rows). A slice
// reads a few thousand rollup rows instead of the raw rows.
//
// What still reads the raw rows (exact, run in the background like any query):
// KPIs with distinct counts or other aggregates that do not merge (purchase
// frequency, repeat rate, avg purchase value's distinct orders), cohort KPIs
// (retention, churn: one row per period crossed with the customers; the
// backlog's values come from flow rollups instead, flow.go), filters
// on more than two dimensions or on a column that is not an offered
// dimension, quantiles at the two-dimension level by day or week (or over a
// range not made of whole months), and the comparison period
// of a partial period when the data does not end at midnight.

// Where the SQL is written: a slice's query against a rollup is compiled to an
// engine-neutral rollupQueryPlan (compileRollup in plan.go) and rendered by
// the engine's renderer (renderDuckDBRollup in render_duckdb.go), which also
// owns the sketches' bucket arithmetic (sketchBucket, sketchValue). Building
// the tables is still DuckDB-specific and written in this file for now
// (rollSrc, setCols, groupingSetsSQL, buildPart, buildCubes, buildTotals,
// buildSketch, insertInto, loadPersisted: GROUPING SETS, histogram, unnest of
// map_keys, CREATE OR REPLACE TABLE, date_trunc, any_value, ::TIMESTAMP), as
// are the atoms' aggregates (atom.buildSQL, atom.mergeSQL in atoms.go); they
// move behind a renderer when a second engine builds rollups.

// SketchError is the relative error bound of quantiles answered from
// rollups: the value lies within ±1% of the exact quantile for non-negative
// data (durations, amounts).
const SketchError = 0.01

var sketchGamma = (1 + SketchError) / (1 - SketchError)

// rollupSketch is how the rollups' sketches number their buckets (the
// renderer writes the bucket of a value and the value of a bucket from it).
var rollupSketch = sketchLayout{Gamma: sketchGamma, Offset: 10000, MinLog: -5000, MaxLog: 40000}

// RollupProgress says how far the engine's rollups are built.
type RollupProgress struct {
	Table string  // the source being read
	Stage string  // what is being built ("totals", "by one and two dimensions", "quantiles by one dimension")
	Older bool    // the step reads the months before the latest thirteen (else the latest, or all)
	Done  int     // build steps finished
	Total int     // build steps in all
	Step  float64 // how far the step under way is, 0–1 (DuckDB's estimate)
	Ready bool    // every rollup is built: slices no longer read raw rows
	Err   error   // the build failed; queries keep reading raw rows
	// Waiting: the build waits for the first screen, read from the raw rows
	// (small data; see RawFirstRows).
	Waiting bool
}

// RawFirstRows is the size of data (rows over every table) up to which a
// prepared engine answers its first screen from the raw rows and builds its
// rollups after it: reading small data once costs less than building the
// totals first (docs/benchmarks.md, "The evening": the first screen at 1M
// tickets in 1.65 s against 1.55 s for the raw rows alone, 2.7× before; at
// 10M 12.0 s against 10.8 s, 1.3–1.4× before). Larger
// data shows its first screen from the totals built first, latest months
// first, the raw rows of 100M tickets holding more memory than the build.
var RawFirstRows int64 = 30_000_000

// rawFirstIdle is how long a raw-first build waits for a first query
// before it starts anyway (a program that asks nothing at start).
var rawFirstIdle = 2 * time.Second

// rollupState is the engine's mutable rollup bookkeeping.
type rollupState struct {
	mu       sync.Mutex
	progress RollupProgress
	started  bool
	groups   map[string]*rollGroup
	flows    map[string]*flowRollup // by KPI id (flow.go)
	flowHits atomic.Int64           // group queries the flows answered
	agesHits atomic.Int64           // ages answered from the long-lived rows (runAges)
	// agesKeptHits counts the totals' ages read from those kept (agesKeptKey).
	agesKeptHits atomic.Int64
	// heldSplits counts the raw plans sent as several statements (runHeld).
	heldSplits atomic.Int64
	// rawSketches counts the raw plans whose quantiles were read from
	// sketches (sketchedPlan).
	rawSketches atomic.Int64
	// asking counts the queries a caller waits for (Compute, not a
	// prefill's) running now: the prefills wait for none (waitQuiet).
	asking atomic.Int64
	// agesLags replaces agesLagDays (tests: a lag of a day or two makes
	// the fixtures' tickets long-lived).
	agesLags []int
	// agesMax replaces agesLongMax when > 0 (tests: a refusal).
	agesMax int64
	// agesPrefill replaces agesPrefillRows when > 0, agesGrains the grains
	// PrefillAges walks when set (tests: the sample, in less time).
	agesPrefill int64
	agesGrains  []Grain
	agesBudget  time.Duration   // replaces agesPrefillBudget when > 0
	agesSlow    time.Duration   // replaces agesPrefillSlow when > 0
	recent      time.Time       // start of the "recent" part, built first
	created     map[string]bool // rollup tables that exist (guarded by cmu while building)
	cmu         sync.Mutex
	persist     map[string]string // source table → fingerprint of its files, in a --db file; nil in memory
	load        sync.Once
	notify      func(RollupProgress)      // the running build's progress callback
	atomsHook   func(source, time string) // tests: called once a total's atoms are in, its sketches to come
	// preferred names the rollup groups (rollKey) of the KPI a user looks
	// at (Prefer): their breakdowns of the latest months are built next.
	preferred []string
	// hold, when not nil, holds a raw-first build back (PrepareRollups) until
	// the first screen is answered: the queries begun while it holds, up to
	// the first of them to return, have all returned (holding counts those
	// under way; after firstDone no later query is counted).
	hold      chan struct{}
	holding   int
	firstDone bool
	queried   bool // a query began since the hold was set
}

// rawFirstMax is the longest a raw-first build waits for the first screen.
var rawFirstMax = 2 * time.Minute

// queryBegan and queryEnded count the first screen's queries, for a build
// held back until it is answered; counted says whether this one was.
// waitQuiet returns when no query a caller waits for runs (or ctx ends):
// the prefills call it before each of their statements, so that a key's
// query shares the two cores with at most the one background statement
// already running, not with a queue of them.
func (e *Engine) waitQuiet(ctx context.Context) {
	for e.roll.asking.Load() > 0 && ctx.Err() == nil {
		time.Sleep(quietPoll)
	}
}

// quietPoll is how often waitQuiet looks.
const quietPoll = 2 * time.Millisecond

func (e *Engine) queryBegan() (counted bool) {
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	if e.roll.hold == nil || e.roll.firstDone {
		return false
	}
	e.roll.holding++
	e.roll.queried = true
	return true
}

func (e *Engine) queryEnded(counted bool) {
	if !counted {
		return
	}
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	e.roll.holding--
	e.roll.firstDone = true
	if e.roll.holding == 0 && e.roll.hold != nil {
		close(e.roll.hold)
		e.roll.hold = nil
	}
}

// releaseHold lets a held build go.
func (e *Engine) releaseHold(hold chan struct{}) {
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	if e.roll.hold == hold {
		close(hold)
		e.roll.hold = nil
	}
}

// waitFirstScreen holds a raw-first build back until the first screen is
// answered (queryEnded), or none was asked in rawFirstIdle, or rawFirstMax
// has passed, or ctx ends.
func (e *Engine) waitFirstScreen(ctx context.Context) {
	e.roll.mu.Lock()
	hold, started := e.roll.hold, e.roll.started
	e.roll.mu.Unlock()
	if hold == nil || started {
		return
	}
	idle, limit := time.NewTimer(rawFirstIdle), time.NewTimer(rawFirstMax)
	defer idle.Stop()
	defer limit.Stop()
	for {
		select {
		case <-hold:
			return
		case <-ctx.Done():
			return
		case <-limit.C:
			e.releaseHold(hold)
			return
		case <-idle.C:
			e.roll.mu.Lock()
			asked := e.roll.queried
			e.roll.mu.Unlock()
			if !asked {
				e.releaseHold(hold)
				return
			}
		}
	}
}

// stepProgress records how far the statement under way is.
func (e *Engine) stepProgress(done float64) {
	e.roll.mu.Lock()
	if done <= e.roll.progress.Step {
		e.roll.mu.Unlock()
		return
	}
	e.roll.progress.Step = done
	p, notify := e.roll.progress, e.roll.notify
	e.roll.mu.Unlock()
	if notify != nil {
		notify(p)
	}
}

// loadRollups takes over the rollups kept in a --db file, once per engine,
// before the first query or build.
func (e *Engine) loadRollups(ctx context.Context) {
	e.roll.load.Do(func() {
		err := e.loadPersisted(ctx)
		if err == nil && e.roll.persist != nil { // a --db file
			e.openPeriodBook(ctx, e.roll.persist)
		}
		if err != nil {
			e.roll.mu.Lock()
			e.roll.persist = nil
			e.roll.groups = nil // planned afresh, in memory terms, by the build
			e.roll.mu.Unlock()
			e.debug("kept rollups not usable", "err", err)
		}
	})
}

// part is one (level, time range) piece of a group's rollup. Level 1 holds
// the one- and the two-dimension sets: both come from the same cubes.
type part struct {
	level  int
	recent bool
	sketch bool // the quantile sketches of a level above totals (totals build both at once)
}

// pairSketch is the part of a group's quantile sketches by two dimensions:
// kept per month only (in their own table, sketchesP), so it answers a
// drill-down of a median by month, quarter or year; finer grains read raw
// rows (per day or week and pair they would hold more rows than the data;
// see docs/benchmarks.md).
func pairSketch(recent bool) part { return part{2, recent, true} }

// partLevel is the part holding a query's number of dimensions.
func partLevel(dims int) int { return min(dims, 1) }

type partState struct {
	building bool
	done     bool
	wait     chan struct{} // closed when the part is built or abandoned
	// atoms: a part of totals whose additive atoms are in place (per day and
	// per month) while its quantile sketches are still being built, a
	// second read of the rows: queries without quantiles read it. At 100M
	// tickets the latest months' sketches of the first-response and the
	// resolved-date groups took 36–37 s after their atoms, which the
	// groups' KPIs without quantiles (first contact resolution, reopens)
	// waited for. atomsWait is closed then, or when wait is.
	atoms     bool
	atomsWait chan struct{}
}

// closeOnce closes c unless it is nil or closed already.
func closeOnce(c chan struct{}) {
	if c == nil {
		return
	}
	select {
	case <-c:
	default:
		close(c)
	}
}

// finished marks the part built and wakes the queries waiting for it
// (e.roll.mu held).
func (ps *partState) finished() {
	ps.done, ps.building = true, false
	closeOnce(ps.wait)
	closeOnce(ps.atomsWait)
}

// release lets the queries waiting on a part not built read the raw rows
// (e.roll.mu held).
func (ps *partState) release() {
	if ps.done {
		return
	}
	ps.building = false
	closeOnce(ps.wait)
	closeOnce(ps.atomsWait)
}

// atomsIn records that a part's additive atoms are in place, its sketches
// still to come (partState.atoms).
func (e *Engine) atomsIn(g *rollGroup, p part) {
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	if ps := g.parts[p]; ps != nil && !ps.done {
		ps.atoms = true
		closeOnce(ps.atomsWait)
	}
}

// rollGroup is the rollup of one group of KPIs.
type rollGroup struct {
	key      string
	source   string
	time     string
	where    string
	table    string // atoms
	sketches string // quantile sketches ("" when no KPI needs one)
	// tableM and sketchesM are the atoms and the sketches merged per month
	// (same columns, __day the month's first day): a trend or period of
	// whole months reads a month's row instead of its thirty days' (exact:
	// counts, sums and bucket counts add up, minima and maxima merge).
	tableM    string
	sketchesM string
	// sketchesP holds the quantile sketches by two dimensions, per month
	// (pairSketch): a table of their own, ten times the monthly sketches'
	// rows, so reads of the others do not wade through them.
	sketchesP string
	dims      []string
	dimExpr   []string // SQL per dim over the group's source (t. or c. column)
	join      bool     // some dim comes from the customers table
	card      []int    // estimated distinct values per dim, blank included
	atoms     []atom   // additive atoms, one column each (a0, a1 …)
	atomIdx   map[string]int
	sk        []atom // distinct (arg, filter) of quantile atoms, one sketch each
	skIdx     map[string]int
	parts     map[part]*partState
}

func sketchKey(a atom) string { return a.arg + "\x00" + a.filter }

// rollable reports whether a definition can be answered from a rollup, with
// the templates of its components and extras.
func rollable(d *Def) (comps, extras map[string]template, ok bool) {
	if d.Type != Ratio && d.Type != Formula {
		return nil, nil, false
	}
	comps, extras = map[string]template{}, map[string]template{}
	for name, expr := range d.Components() {
		t, ok := parseTemplate(expr)
		if !ok {
			return nil, nil, false
		}
		comps[name] = t
	}
	for name, expr := range d.Extras {
		t, ok := parseTemplate(expr)
		if !ok {
			return nil, nil, false
		}
		extras[name] = t
	}
	return comps, extras, true
}

func groupKey(d *Def) string {
	return groupKeyOn(d, d.Source)
}

func groupKeyOn(d *Def, source string) string {
	return strings.Join([]string{source, d.Time, d.Where, fmt.Sprint(d.Type == Cohort)}, "\x00")
}

// rollSource is the table a definition's rollup reads: a table derived from
// its source row for row (the business-time view holds every ticket column
// beside its own), when there is one, so that the KPIs of both share one
// group per time axis and one pass over the rows instead of two; else its
// source.
func (e *Engine) rollSource(d *Def) string {
	for _, view := range sortedKeys(e.opt.DerivedFrom) {
		if e.opt.DerivedFrom[view] != d.Source {
			continue
		}
		if _, ok := e.tables[view]; ok {
			return view
		}
	}
	return d.Source
}

// rollKey is the key of the group answering d.
func (e *Engine) rollKey(d *Def) string { return groupKeyOn(d, e.rollSource(d)) }

// planRollups works out the rollup groups from the engine's definitions.
func (e *Engine) planRollups() map[string]*rollGroup {
	groups := map[string]*rollGroup{}
	var order []string
	for _, d := range e.defs {
		if e.problems[d.ID] != nil {
			continue
		}
		comps, extras, ok := rollable(d)
		if !ok {
			continue
		}
		k := e.rollKey(d)
		g := groups[k]
		if g == nil {
			g = &rollGroup{key: k, source: e.rollSource(d), time: d.Time, where: d.Where, atomIdx: map[string]int{}, skIdx: map[string]int{}, parts: map[part]*partState{}}
			e.addDims(g)
			groups[k] = g
			order = append(order, k)
		}
		g.addTemplates(comps, extras)
	}
	for _, k := range order {
		g := groups[k]
		sig := e.signature(g)
		g.table = "__kpiscope_rollup_" + sig
		g.tableM = "__kpiscope_rollupm_" + sig
		if len(g.sk) > 0 {
			g.sketches = "__kpiscope_sketch_" + sig
			g.sketchesM = "__kpiscope_sketchm_" + sig
			g.sketchesP = "__kpiscope_sketchp_" + sig
		}
		for _, p := range g.allParts() {
			g.parts[p] = &partState{wait: make(chan struct{}), atomsWait: make(chan struct{})}
		}
	}
	return groups
}

// addDims gives a group the offered dimensions its source reaches (at most
// 62: a set is a bit mask), with their SQL and estimated distinct values.
func (e *Engine) addDims(g *rollGroup) {
	for _, dim := range e.dims {
		expr, join, err := e.dimExpr(g.source, dim.Name)
		if err != nil {
			continue
		}
		g.dims = append(g.dims, dim.Name)
		g.dimExpr = append(g.dimExpr, expr)
		g.card = append(g.card, dim.Values+1)
		g.join = g.join || join
	}
	if len(g.dims) > 62 {
		g.dims, g.dimExpr, g.card = g.dims[:62], g.dimExpr[:62], g.card[:62]
	}
}

func mapValues(m map[string]template) []template {
	out := make([]template, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

// addTemplates adds the atoms of a KPI's components and extras: additive
// ones as columns (with their sums of squares, for intervals), quantiles as
// one sketch per distinct argument and filter.
func (g *rollGroup) addTemplates(comps, extras map[string]template) {
	for _, t := range append(mapValues(comps), mapValues(extras)...) {
		for _, a := range t.atoms {
			if a.kind == atomQuantile {
				sk := atom{kind: atomQuantile, arg: a.arg, filter: a.filter}
				if _, ok := g.skIdx[sketchKey(sk)]; !ok {
					g.skIdx[sketchKey(sk)] = len(g.sk)
					g.sk = append(g.sk, sk)
				}
				continue
			}
			g.addAtom(a)
			if a.kind == atomSum {
				g.addAtom(atom{kind: atomSumSq, arg: a.arg, filter: a.filter})
			}
		}
	}
}

func (g *rollGroup) addAtom(a atom) {
	if _, ok := g.atomIdx[a.key()]; !ok {
		g.atomIdx[a.key()] = len(g.atoms)
		g.atoms = append(g.atoms, a)
	}
}

// allParts lists a group's parts (a build runs them in buildOrder).
func (g *rollGroup) allParts() []part {
	var out []part
	add := func(lvl int, sketch bool) {
		if lvl > len(g.dims) || sketch && g.sketches == "" {
			return
		}
		if g.time != "" {
			out = append(out, part{lvl, true, sketch})
		}
		out = append(out, part{lvl, false, sketch})
	}
	add(0, false)
	add(1, false)
	add(1, true)
	add(2, true)
	return out
}

// buildOrder is the order of the parts a build runs (of the parts a
// group has: allParts).
var buildOrder = []part{
	{0, true, false}, {0, false, false},
	{1, true, false}, {1, true, true}, pairSketch(true),
	{1, false, false}, {1, false, true}, pairSketch(false),
}

// Prefer says which KPI a user looks at (the explorer's selected one): once
// the first screen's totals are built, the breakdowns of the latest months
// of its group (its breakdowns and drills) are built next, before the older
// months' totals and the other groups' breakdowns (at 100M tickets CSAT's
// 209–218 s after start instead of 424 s). Only one such step goes before
// the older totals, which the slices reaching past the latest months wait
// for: a KPI selected later has its own built as soon as those totals are.
// The latest call wins; a KPI the rollups do not answer (the backlog, a
// custom expression they cannot sum) keeps the preference before it.
func (e *Engine) Prefer(id string) {
	d := e.byID[id]
	if d == nil || e.wh != nil {
		return
	}
	var keys []string
	seen := map[string]bool{}
	var add func(d *Def)
	add = func(d *Def) {
		if d == nil || seen[d.ID] || e.problems[d.ID] != nil {
			return
		}
		seen[d.ID] = true
		if d.Type == Composite {
			for _, n := range d.InputNames() {
				in, _, _ := strings.Cut(d.Inputs[n], ".")
				add(e.byID[in])
			}
			return
		}
		if _, _, ok := rollable(d); ok {
			keys = append(keys, e.rollKey(d))
		}
	}
	add(d)
	if len(keys) == 0 {
		return
	}
	e.roll.mu.Lock()
	e.roll.preferred = keys
	e.roll.mu.Unlock()
}

// preferredStep is the index of the next of n build steps to run (step i:
// its group, part and whether it is over the older months): the first
// breakdown of the latest months of a preferred group (Prefer), else the
// first step. While totals are still to build (totalsLeft), only a
// breakdown's atoms, not its quantile sketches, are taken ahead of them.
func (e *Engine) preferredStep(n int, step func(i int) (*rollGroup, part, bool), totalsLeft bool) int {
	e.roll.mu.Lock()
	preferred := e.roll.preferred
	e.roll.mu.Unlock()
	if len(preferred) == 0 {
		return 0
	}
	for i := range n {
		g, p, older := step(i)
		if p.level != 1 || older || totalsLeft && p.sketch {
			continue
		}
		for _, k := range preferred {
			if g.key == k {
				return i
			}
		}
	}
	return 0
}

// BuildRollups builds the engine's rollups, totals first (the latest
// months', then the older ones'; the breakdowns of the KPI on screen may
// come between the two: Prefer), then the breakdowns of the latest months,
// then the older months', so the first screen and the likely next keys are
// served first. Queries run meanwhile wait for the totals being built and
// read the raw rows for what is not built yet. Cancel ctx to stop it;
// progress, when non-nil, is called after every step. Calling it again does
// nothing.
func (e *Engine) BuildRollups(ctx context.Context, progress func(RollupProgress)) error {
	if e.wh != nil {
		return nil // a warehouse aggregates its raw rows; kpiscope writes nothing there
	}
	e.loadRollups(ctx)
	e.waitFirstScreen(ctx)
	e.roll.mu.Lock()
	if e.roll.started {
		e.roll.mu.Unlock()
		return nil
	}
	e.roll.progress.Waiting = false
	if err := ctx.Err(); err != nil { // stopped while waiting: nothing marked as being built
		e.roll.mu.Unlock()
		return err
	}
	e.roll.started = true
	e.prepareLocked()
	groups := e.roll.groups
	type step struct {
		g     *rollGroup
		p     part
		older bool // over the months before the latest thirteen
	}
	var steps []step
	keys := sortedKeys(groups)
	split := !e.roll.recent.IsZero()
	// The order: every total (the first screen, then the older months'
	// totals the trends and comparisons wait for), then what the next keys
	// on the latest thirteen months read (a breakdown or a drill: the additive
	// atoms by dimension, then the sketches by dimension, then by pair),
	// then the older months'. The flows by dimension (a breakdown of the
	// backlog) run between the two (flowsByDim, below). A group without
	// the split (no time column) holds all its rows in its parts that are
	// not recent: its breakdowns are built with the latest months'. The
	// steps are then taken in this order but for the KPI on screen's
	// breakdowns (Prefer, below).
	for _, ps := range buildOrder {
		for _, k := range keys {
			g := groups[k]
			p := ps
			if ps.level > 0 && (g.time == "" || !split) {
				if !ps.recent {
					continue
				}
				p.recent = false
			}
			if _, ok := g.parts[p]; ok {
				steps = append(steps, step{g, p, !p.recent && g.time != "" && split})
			}
		}
	}
	flows := make([]*flowRollup, 0, len(e.roll.flows))
	for _, id := range sortedKeys(e.roll.flows) {
		flows = append(flows, e.roll.flows[id])
	}
	total := len(steps) + flowStates*len(flows)
	ages := flows
	e.roll.progress = RollupProgress{Total: total, Ready: total == 0}
	p := e.roll.progress
	e.roll.mu.Unlock()
	if progress != nil {
		progress(p)
	}
	// release lets the queries waiting on parts not built (of one group, or
	// of all when g is nil) read the raw rows instead.
	release := func(g *rollGroup) {
		for _, gg := range groups {
			if g != nil && gg != g {
				continue
			}
			for _, ps := range gg.parts {
				ps.release()
			}
		}
		if g == nil {
			for _, f := range flows {
				for _, st := range f.states {
					st.release()
				}
			}
		}
	}
	abandon := func(err error) error {
		e.roll.mu.Lock()
		release(nil)
		if ctx.Err() == nil {
			e.roll.progress.Err = err
		}
		p := e.roll.progress
		e.roll.mu.Unlock()
		if progress != nil {
			progress(p)
		}
		return err
	}
	// A group whose build fails on the data (a custom KPI's expression that
	// fails on some row) is given up alone: its KPIs read the raw rows, where
	// the failing one shows its own error, and the other groups are built.
	failed := map[*rollGroup]error{}
	created := e.roll.created
	done := 0
	finish := func() {
		e.roll.mu.Lock()
		done++
		e.roll.progress.Done = done
		e.roll.progress.Ready = done == total
		p := e.roll.progress
		e.roll.mu.Unlock()
		if progress != nil {
			progress(p)
		}
	}
	runStep := func(st step) error {
		e.roll.mu.Lock()
		kept := st.g.parts[st.p].done
		if !kept {
			e.roll.progress.Table, e.roll.progress.Stage, e.roll.progress.Step = st.g.source, levelName(st.p), 0
			e.roll.progress.Older = st.older
			e.roll.notify = progress
		}
		e.roll.mu.Unlock()
		if kept { // kept in the --db file from an earlier run
			finish()
			return nil
		}
		if err := e.buildPart(ctx, st.g, st.p, created); err != nil {
			return fmt.Errorf("building rollups of %s: %w", st.g.source, err)
		}
		if err := e.persistPart(ctx, st.g, st.p); err != nil {
			return fmt.Errorf("recording rollups of %s: %w", st.g.source, err)
		}
		e.roll.mu.Lock()
		st.g.parts[st.p].finished()
		e.roll.mu.Unlock()
		finish()
		return nil
	}
	// The first screen waits for the totals of the latest months of every
	// group: those are built side by side, as its queries would run; the rest
	// one step at a time.
	first := 0
	for first < len(steps) && steps[first].p.level == 0 && steps[first].p.recent {
		first++
	}
	errs := make([]error, first)
	var wg sync.WaitGroup
	for i := range first {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = runStep(steps[i])
		}()
	}
	// The flows (the backlog's) beside them: the first screen shows them.
	for _, f := range flows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.runFlowStep(ctx, f, 0)
			finish()
		}()
	}
	wg.Wait()
	// The flows by dimension once every total and the latest months'
	// breakdowns are built (older periods' totals are waited for by the
	// keys that show them): a filter or a breakdown of the backlog reads raw
	// rows until then.
	// flowStage names a flow's step on the status line while it runs (else
	// the step before it stayed there, its table and its 99%).
	flowStage := func(f *flowRollup, level int) {
		e.roll.mu.Lock()
		if f.states[level].done { // kept
			e.roll.mu.Unlock()
			return
		}
		e.roll.progress.Table, e.roll.progress.Stage, e.roll.progress.Step = f.g.source, flowStageName(f, level), 0
		e.roll.progress.Older = false
		e.roll.notify = progress
		p := e.roll.progress
		e.roll.mu.Unlock()
		if progress != nil {
			progress(p)
		}
	}
	flowsByDim := func() {
		for _, f := range flows {
			if ctx.Err() != nil {
				return
			}
			flowStage(f, 1)
			e.runFlowStep(ctx, f, 1)
			finish()
		}
		flows = nil
	}
	fail := func(st step, err error) error {
		if ctx.Err() != nil {
			return abandon(ctx.Err())
		}
		e.roll.mu.Lock()
		release(st.g)
		e.roll.mu.Unlock()
		failed[st.g] = err
		return nil
	}
	for i, err := range errs {
		if err != nil {
			if err := fail(steps[i], err); err != nil {
				return err
			}
			finish()
		}
	}
	// The KPI on screen's breakdowns go first (Prefer); one such step at
	// most before the older totals.
	promoted := false
	for rest := steps[first:]; len(rest) > 0; {
		totalsLeft := false
		for _, st := range rest {
			totalsLeft = totalsLeft || st.p.level == 0
		}
		i := 0
		if !totalsLeft || !promoted {
			i = e.preferredStep(len(rest), func(i int) (*rollGroup, part, bool) { return rest[i].g, rest[i].p, rest[i].older }, totalsLeft)
			promoted = promoted || i > 0 && totalsLeft
		}
		st := rest[i]
		rest = append(rest[:i:i], rest[i+1:]...)
		if st.older && st.p.level > 0 && flows != nil {
			flowsByDim()
		}
		if failed[st.g] != nil {
			finish()
			continue
		}
		if err := runStep(st); err != nil {
			if err := fail(st, err); err != nil {
				return err
			}
			finish()
		}
	}
	if ctx.Err() == nil && flows != nil {
		flowsByDim()
	}
	// Last, the flows' long-lived rows, for the backlog's ages (until then
	// they read the raw rows, after its counts: Engine.ExtrasSlower).
	for _, f := range ages {
		if ctx.Err() != nil {
			return abandon(ctx.Err())
		}
		flowStage(f, flowAges)
		e.runFlowStep(ctx, f, flowAges)
		finish()
	}
	if ctx.Err() != nil {
		return abandon(ctx.Err())
	}
	if len(failed) == 0 {
		return nil
	}
	var errs2 []error
	for _, k := range keys {
		if err := failed[groups[k]]; err != nil {
			errs2 = append(errs2, err)
		}
	}
	err := errors.Join(errs2...)
	e.roll.mu.Lock()
	e.roll.progress.Err = err
	e.roll.progress.Ready = false
	p = e.roll.progress
	e.roll.mu.Unlock()
	if progress != nil {
		progress(p)
	}
	return err
}

// PrepareRollups plans the rollups and marks the totals as being built, so
// that queries from now on wait for them (one pass over the recent rows)
// rather than reading the same rows themselves at the same time. Call it
// just before starting BuildRollups in the background; a program that
// prepares must build (cancelling the build releases the waiting queries).
//
// Small data (RawFirstRows) whose totals are not kept in a --db file is
// the other way round: the queries read the raw rows, and the build waits
// until the first ones have returned (the first screen), then starts.
func (e *Engine) PrepareRollups() {
	e.loadRollups(context.Background())
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	if e.roll.started {
		return
	}
	if e.roll.groups == nil {
		e.planLocked()
	}
	if e.rows <= RawFirstRows && !e.totalsKept() {
		if e.roll.hold == nil {
			e.roll.hold = make(chan struct{})
			e.roll.holding, e.roll.firstDone, e.roll.queried = 0, false, false
			e.roll.progress.Waiting = true
		}
		return
	}
	e.prepareLocked()
}

// totalsKept reports whether every total (the rollups' and the flows') was
// taken over from a --db file.
func (e *Engine) totalsKept() bool {
	for _, g := range e.roll.groups {
		for p, ps := range g.parts {
			if p.level == 0 && !ps.done {
				return false
			}
		}
	}
	for _, f := range e.roll.flows {
		if !f.states[0].done {
			return false
		}
	}
	return true
}

func (e *Engine) prepareLocked() {
	if e.roll.groups == nil {
		e.planLocked()
	}
	for _, g := range e.roll.groups {
		for p, ps := range g.parts {
			if p.level == 0 && !ps.done {
				ps.building = true // queries for totals wait for these
			}
		}
	}
	for _, f := range e.roll.flows {
		if !f.states[0].done {
			f.states[0].building = true // and for the flows' totals, built beside them
		}
	}
}

func levelName(p part) string {
	switch {
	case p.level == 0:
		return "totals"
	case p.sketch && p.level == 2:
		return "quantiles by two dimensions"
	case p.sketch:
		return "quantiles by one dimension"
	}
	return "by one and two dimensions"
}

// flowStageName is a flow step's Stage (RollupProgress).
func flowStageName(f *flowRollup, level int) string {
	if level == flowAges {
		return f.id + ": tickets open long, for the ages"
	}
	return f.id + " by one and two dimensions"
}

// RollupStatus reports the rollup build's progress.
func (e *Engine) RollupStatus() RollupProgress {
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	return e.roll.progress
}

// srcSQL is the group's rows with day and dimension columns, inside a range.
// Totals (dims false) need no dimension and so no join to the customers.
func (e *Engine) rollSrc(g *rollGroup, cond string, dims bool) string {
	return e.rollSrcWith(g, cond, dims, "")
}

// rollSrcWith is rollSrc reading the customers' dimensions from prof, a
// table of the customers' profiles (see profileTable) when prof is not "":
// each joined dimension as its __d<i> and the profile's code as __d<len(dims)>.
func (e *Engine) rollSrcWith(g *rollGroup, cond string, dims bool, prof string) string {
	var sel []string
	day := "CAST(NULL AS TIMESTAMP)"
	if g.time != "" {
		day = fmt.Sprintf("CAST(date_trunc('day', CAST(t.%s AS TIMESTAMP)) AS TIMESTAMP)", store.QuoteIdent(g.time))
	}
	sel = append(sel, day+" AS __day")
	for i, x := range g.dimExpr {
		if !dims {
			break
		}
		if prof != "" && strings.HasPrefix(x, "c.") {
			sel = append(sel, fmt.Sprintf("c.__d%d", i))
			continue
		}
		sel = append(sel, fmt.Sprintf("CAST(%s AS VARCHAR) AS __d%d", x, i))
	}
	if prof != "" && dims {
		sel = append(sel, fmt.Sprintf("c.__d%d", len(g.dims)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT t.*, %s FROM %s t", strings.Join(sel, ", "), store.QuoteIdent(g.source))
	if prof != "" && dims {
		key := store.QuoteIdent(e.opt.CustomerKey)
		fmt.Fprintf(&b, " LEFT JOIN %s c ON t.%s = c.__k", store.QuoteIdent(prof), key)
	} else if g.join && dims {
		var cs []string
		for _, x := range g.dimExpr {
			if c, ok := strings.CutPrefix(x, "c."); ok {
				cs = append(cs, fmt.Sprintf("any_value(%s) AS %s", c, c))
			}
		}
		key := store.QuoteIdent(e.opt.CustomerKey)
		fmt.Fprintf(&b, " LEFT JOIN (SELECT %s AS __k, %s FROM %s GROUP BY 1) c ON t.%s = c.__k",
			key, strings.Join(cs, ", "), store.QuoteIdent(e.opt.Customers), key)
	}
	var conds []string
	if g.where != "" {
		conds = append(conds, "("+g.where+")")
	}
	if cond != "" {
		conds = append(conds, cond)
	}
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	return b.String()
}

// groupingSets lists the sets of dimension indexes at a level.
func (g *rollGroup) groupingSets(level int) [][]int {
	switch level {
	case 0:
		return [][]int{nil}
	case 1:
		var out [][]int
		for i := range g.dims {
			out = append(out, []int{i})
		}
		return out
	}
	var out [][]int
	for i := range g.dims {
		for j := i + 1; j < len(g.dims); j++ {
			out = append(out, []int{i, j})
		}
	}
	return out
}

func (g *rollGroup) groupBy(level int, extra string) string {
	return groupingSetsSQL(g.groupingSets(level), extra)
}

// groupingSetsSQL groups by day (and extra) with each set of dimensions.
func groupingSetsSQL(sets [][]int, extra string) string {
	var out []string
	for _, set := range sets {
		cols := []string{"__day"}
		if extra != "" {
			cols = append(cols, extra)
		}
		for _, i := range set {
			cols = append(cols, fmt.Sprintf("__d%d", i))
		}
		out = append(out, "("+strings.Join(cols, ", ")+")")
	}
	return " GROUP BY GROUPING SETS (" + strings.Join(out, ", ") + ")"
}

// buildPart adds one part to a group's rollup tables, and the part's
// sketches merged per month.
func (e *Engine) buildPart(ctx context.Context, g *rollGroup, p part, created map[string]bool) error {
	if p.level == 2 {
		return e.buildPartDaily(ctx, g, p, created, nil) // monthly only: see pairSketch
	}
	// The recent part starts on a month's first day (planLocked), so no
	// month has rows in two parts.
	cols := make([]string, len(g.atoms))
	for i, a := range g.atoms {
		c := fmt.Sprintf("a%d", i)
		switch mergeOf(a.kind) {
		case mergeCount:
			cols[i] = fmt.Sprintf("CAST(sum(%s) AS BIGINT) AS %s", c, c)
		case mergeMin:
			cols[i] = fmt.Sprintf("min(%s) AS %s", c, c)
		case mergeMax:
			cols[i] = fmt.Sprintf("max(%s) AS %s", c, c)
		default:
			cols[i] = fmt.Sprintf("sum(%s) AS %s", c, c)
		}
	}
	// The atoms per month as soon as the daily ones are in, before a
	// total's sketches are read (atomsIn).
	atomsDone := false
	atoms := func() error {
		if atomsDone {
			return nil
		}
		atomsDone = true
		if !p.sketch && len(cols) > 0 {
			if err := e.monthly(ctx, g.table, g.tableM, p, strings.Join(cols, ", "), created); err != nil {
				return err
			}
		}
		if p.level == 0 {
			e.atomsIn(g, p)
		}
		return nil
	}
	if err := e.buildPartDaily(ctx, g, p, created, atoms); err != nil {
		return err
	}
	if p.sketch || p.level == 0 && g.sketches != "" {
		if err := e.monthly(ctx, g.sketches, g.sketchesM, p, "__s, __b, CAST(sum(__n) AS BIGINT) AS __n", created); err != nil {
			return err
		}
	}
	return atoms()
}

// monthly adds a part's rows of a daily rollup table to its monthly twin,
// merged per month by sel (the columns after the day, part, set and values).
func (e *Engine) monthly(ctx context.Context, daily, monthly string, p part, sel string, created map[string]bool) error {
	e.roll.cmu.Lock()
	has := created[daily]
	e.roll.cmu.Unlock()
	if !has {
		return nil
	}
	q := fmt.Sprintf("SELECT CAST(date_trunc('month', __day) AS TIMESTAMP) AS __day, __part, __gid, __v1, __v2, %s FROM %s WHERE __part = %d GROUP BY ALL ORDER BY __gid, __day",
		sel, store.QuoteIdent(daily), p.code())
	return e.insertInto(ctx, monthly, q, nil, created)
}

// partCond is the condition on a group's rows (over rollSrc's t) keeping
// a part's, with its arguments; ok is false when the part has none (the
// recent part of a group without time).
func (e *Engine) partCond(g *rollGroup, p part) (cond string, args []any, ok bool) {
	if g.time == "" || e.roll.recent.IsZero() {
		return "", nil, !p.recent
	}
	tcol := fmt.Sprintf("CAST(t.%s AS TIMESTAMP)", store.QuoteIdent(g.time))
	if p.recent {
		cond = tcol + " >= ?::TIMESTAMP"
	} else {
		cond = fmt.Sprintf("(%s < ?::TIMESTAMP OR %s IS NULL)", tcol, tcol)
	}
	return cond, []any{sqlTime(e.roll.recent)}, true
}

// buildPartDaily adds one part to a group's daily rollup tables; atoms,
// when not nil, is called once the part's atoms are in and its sketches
// (of a part of totals) are still to be read.
func (e *Engine) buildPartDaily(ctx context.Context, g *rollGroup, p part, created map[string]bool, atoms func() error) error {
	cond, args, ok := e.partCond(g, p)
	if !ok {
		return nil
	}
	if p.level == 2 {
		return e.buildPairSketches(ctx, g, p, cond, args, created)
	}
	src := e.rollSrc(g, cond, p.level > 0)
	if p.sketch {
		return e.buildSketch(ctx, g, p, src, args, created)
	}
	var sel []string
	for i, a := range g.atoms {
		sel = append(sel, fmt.Sprintf("%s AS a%d", a.buildSQL(), i))
	}
	if p.level == 1 {
		if len(sel) == 0 {
			return nil
		}
		return e.buildCubes(ctx, g, p, cond, sel, args, created)
	}
	if len(sel) > 0 && p.level == 0 && len(g.sk) == 1 {
		return e.buildTotals(ctx, g, p, src, sel, args, created)
	}
	if len(sel) > 0 {
		// Sorted by set and day, so a query's filter on both skips most row groups.
		q := fmt.Sprintf("SELECT __day, %s, %s FROM (%s)%s ORDER BY __gid, __day", setCols(g.groupingSets(p.level), p), strings.Join(sel, ", "), src, g.groupBy(p.level, ""))
		if err := e.insertInto(ctx, g.table, q, args, created); err != nil {
			return err
		}
	}
	if g.sketches == "" || p.level > 0 {
		return nil
	}
	if atoms != nil {
		if err := atoms(); err != nil {
			return err
		}
		e.roll.mu.Lock()
		hook := e.roll.atomsHook
		e.roll.mu.Unlock()
		if hook != nil {
			hook(g.source, g.time)
		}
	}
	return e.buildSketch(ctx, g, p, src, args, created)
}

// sketchInput is a quantile sketch's value (a DOUBLE over the source row)
// and the condition keeping the rows it counts.
func sketchInput(sk atom) (x, where string) {
	x = "CAST((" + sk.arg + ") AS DOUBLE)"
	where = "(" + x + ") IS NOT NULL"
	if sk.filter != "" {
		where += " AND (" + sk.filter + ")"
	}
	return x, where
}

// buildSketch adds a part's quantile sketches: counts per log bucket.
func (e *Engine) buildSketch(ctx context.Context, g *rollGroup, p part, src string, args []any, created map[string]bool) error {
	var parts []string
	var skArgs []any
	for i, sk := range g.sk {
		x, where := sketchInput(sk)
		var ds []string
		for j := range g.dims {
			ds = append(ds, fmt.Sprintf("__d%d", j))
		}
		dcols := ""
		if len(ds) > 0 && p.level > 0 {
			dcols = strings.Join(ds, ", ") + ", "
		}
		parts = append(parts, fmt.Sprintf("SELECT __day, %s%d AS __s, %s AS __b FROM (%s) WHERE %s", dcols, i, sketchBucket(x), src, where))
		skArgs = append(skArgs, args...)
	}
	// By dimension (levels 1 and 2) each sketch is its own statement: the
	// rows come through a join with the customers, and DuckDB (1.5) cannot
	// spill an aggregation fed by a UNION ALL of two joins: at 100M tickets
	// the union ran out of 1 GiB where each sketch alone, as many scans,
	// builds within it (docs/benchmarks.md).
	batches := [][]string{parts}
	if p.level > 0 && len(parts) > 1 {
		batches = nil
		for _, q := range parts {
			batches = append(batches, []string{q})
		}
	}
	for _, b := range batches {
		all := strings.Join(b, " UNION ALL ")
		q := fmt.Sprintf("SELECT __day, %s, __s, __b, count(*) AS __n FROM (%s)%s ORDER BY __gid, __day", setCols(g.groupingSets(p.level), p), all, g.groupBy(p.level, "__s, __b"))
		if err := e.insertInto(ctx, g.sketches, q, skArgs[:len(args)*len(b)], created); err != nil {
			return err
		}
	}
	return nil
}

// buildPairSketches adds a part of the quantile sketches by two dimensions
// (pairSketch), per month. For each sketch, one read of the rows counts
// them per month and bucket in the cubes of the pairs (cubesOf: the
// customers' dimensions by their profile's code, each own dimension with
// them, the own ones together), and every pair is summed from its cube's
// few rows. Read as they were, the 21 pairs of seven dimensions cost 21
// hash aggregations of every row, most of the index's time at 100M tickets
// (docs/benchmarks.md, "Night"). The sketches by one dimension, per day,
// are not built so: at 100M tickets their cube of the resolved-date group
// ran out of the 1 GiB cap.
func (e *Engine) buildPairSketches(ctx context.Context, g *rollGroup, p part, cond string, args []any, created map[string]bool) error {
	for i, sk := range g.sk {
		x, where := sketchInput(sk)
		rows := func(prof string) string {
			cols := []string{"CAST(date_trunc('month', __day) AS TIMESTAMP) AS __day"}
			for j := range g.dims {
				cols = append(cols, fmt.Sprintf("__d%d", j))
			}
			if prof != "" {
				cols = append(cols, fmt.Sprintf("__d%d", len(g.dims))) // the profile's code
			}
			return fmt.Sprintf("SELECT %s, %s AS __b FROM (%s) WHERE %s",
				strings.Join(cols, ", "), sketchBucket(x), e.rollSrcWith(g, cond, true, prof), where)
		}
		agg := cubeAgg{
			extra:  "__b",
			aggs:   []string{"count(*) AS __n"},
			names:  []string{"__n"},
			lead:   fmt.Sprintf("%d AS __s, __b", i),
			merges: []string{"CAST(sum(__n) AS BIGINT) AS __n"},
		}
		if err := e.fromCubes(ctx, g, p, g.groupingSets(2), rows, agg, g.sketchesP, args, created); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) insertInto(ctx context.Context, table, q string, args []any, created map[string]bool) error {
	stmt := "INSERT INTO " + store.QuoteIdent(table) + " " + q
	e.roll.cmu.Lock()
	exists := created[table]
	e.roll.cmu.Unlock()
	if !exists {
		stmt = "CREATE OR REPLACE TABLE " + store.QuoteIdent(table) + " AS " + q
	}
	began := time.Now()
	e.debug("rollup starts", "table", table)
	err := e.db.ExecProgress(ctx, e.stepProgress, stmt, args...)
	e.debug("rollup", "table", table, "elapsed", time.Since(began), "err", err, "sql", stmt)
	if err == nil {
		e.roll.cmu.Lock()
		created[table] = true
		e.roll.cmu.Unlock()
	}
	return err
}

// dimIndexes is the set of the rollup's dimensions that dims name, as sorted
// indexes into g.dims; ok is false when one is not offered.
func (g *rollGroup) dimIndexes(dims []string) (idx []int, ok bool) {
	for _, dim := range dims {
		found := -1
		for i, n := range g.dims {
			if n == dim {
				found = i
			}
		}
		if found < 0 {
			return nil, false
		}
		dup := false
		for _, x := range idx {
			dup = dup || x == found
		}
		if !dup {
			idx = append(idx, found)
		}
	}
	sort.Ints(idx)
	return idx, true
}

// rollupFor returns the group's rollup if it can answer a query over the
// given dimensions, time ranges and with or without quantiles: the parts it
// needs are built (totals being built are waited for, but by IndexOnly).
func (e *Engine) rollupFor(ctx context.Context, d0 *Def, dims []string, grain Grain, ranges [][2]time.Time, all, quantiles bool) (*rollGroup, []int, bool) {
	e.roll.mu.Lock()
	g := e.roll.groups[e.rollKey(d0)]
	recent := e.roll.recent
	e.roll.mu.Unlock()
	if g == nil {
		return nil, nil, false
	}
	idx, ok := g.dimIndexes(dims)
	if !ok {
		return nil, nil, false
	}
	level := len(idx)
	if level > 2 || quantiles && level == 2 && !monthsOnly(grain, ranges) {
		return nil, nil, false
	}
	needRecent, needRest := needParts(g, recent, ranges, all)
	type need struct {
		need   bool
		recent bool
		sketch bool
	}
	needs := []need{{needRecent, true, false}, {needRest, false, false}}
	if quantiles && level > 0 {
		needs = append(needs, need{needRecent, true, true}, need{needRest, false, true})
	}
	for _, want := range needs {
		if !want.need {
			continue
		}
		p := part{partLevel(level), want.recent, want.sketch}
		if want.sketch && level == 2 {
			p = pairSketch(want.recent)
		}
		e.roll.mu.Lock()
		ps := g.parts[p]
		e.roll.mu.Unlock()
		if ps == nil {
			return nil, nil, false
		}
		// Without quantiles, a part of totals serves once its atoms are in.
		atomsOnly := !quantiles && level == 0
		e.roll.mu.Lock()
		done, building := ps.done || atomsOnly && ps.atoms, ps.building
		e.roll.mu.Unlock()
		if done {
			continue
		}
		if !building || level > 0 || indexOnlyOf(ctx) != nil { // IndexOnly waits for nothing
			return nil, nil, false
		}
		wait := ps.wait
		if atomsOnly && ps.atomsWait != nil {
			wait = ps.atomsWait
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, nil, false
		}
		e.roll.mu.Lock()
		done = ps.done || atomsOnly && ps.atoms
		e.roll.mu.Unlock()
		if !done {
			return nil, nil, false
		}
	}
	return g, idx, true
}

// needParts says which of a group's parts, the latest months' (recent) and
// the older ones', a query over ranges reads (both when all).
func needParts(g *rollGroup, recent time.Time, ranges [][2]time.Time, all bool) (needRecent, needRest bool) {
	if g.time == "" || recent.IsZero() {
		return false, true
	}
	needRecent, needRest = all, all
	for _, r := range ranges {
		needRecent = needRecent || r[1].After(recent)
		needRest = needRest || r[0].Before(recent)
	}
	return needRecent, needRest
}

// sketchesPending reports whether, while the index is built, a totals query
// of d0's group over pl waits for quantile sketches where its KPIs without
// quantiles would not: every part of totals it reads is built or being
// built (the query waits for it, never reads the rows), and one of them
// still without its sketches (partState.atoms).
func (e *Engine) sketchesPending(d0 *Def, pl plan) bool {
	sp := rollSpanOf(d0, pl)
	if sp.needPart && !sp.partExact {
		return false // the comparison's part is read from the rows: once
	}
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	g := e.roll.groups[e.rollKey(d0)]
	if g == nil || g.sketches == "" {
		return false
	}
	needRecent, needRest := needParts(g, e.roll.recent, sp.all, !sp.timed)
	pending := false
	for _, recent := range []bool{true, false} {
		if recent && !needRecent || !recent && !needRest {
			continue
		}
		ps := g.parts[part{partLevel(0), recent, false}]
		if ps == nil || !ps.done && !ps.building {
			return false
		}
		pending = pending || !ps.done
	}
	return pending
}

// monthsOnly reports whether a query at grain over ranges reads whole months
// only, which the quantile sketches by two dimensions (pairSketch) can answer.
func monthsOnly(grain Grain, ranges [][2]time.Time) bool {
	if grain != All && grain != Month && grain != Quarter && grain != Year {
		return false
	}
	for _, r := range ranges {
		if !Month.Trunc(r[0]).Equal(r[0]) || !Month.Trunc(r[1]).Equal(r[1]) {
			return false
		}
	}
	return true
}

// rollupQuery compiles a group query against a rollup (compileRollup) and
// renders it for DuckDB: the same columns as groupSQL (k<i>_<component>,
// k<i>_x_<extra>, k<i>__value, __p, __seg, __g), so runPoints reads either.
// It reports whether any value comes from a quantile sketch.
func rollupQuery(g *rollGroup, idx []int, defs []*Def, s Slice, seg string, pl plan, ranges [][2]time.Time) (string, []any, bool, error) {
	return rollupQueryOf(g, idx, defs, s, seg, pl, ranges, false)
}

// rollupQueryOf is rollupQuery, reading only the segments' rows when
// segsOnly (the totals come from another query or are kept).
func rollupQueryOf(g *rollGroup, idx []int, defs []*Def, s Slice, seg string, pl plan, ranges [][2]time.Time, segsOnly bool) (string, []any, bool, error) {
	q, err := compileRollup(g, idx, defs, s, seg, pl.grain, ranges)
	if err != nil {
		return "", nil, false, err
	}
	q.SegmentsOnly = segsOnly && q.Segment != nil
	sql, args := renderDuckDBRollup(q)
	return sql, args, len(q.Quantiles) > 0, nil
}

// runRollup answers a group from its rollup; ok is false when the rollup
// cannot (the caller then reads the raw rows).
func (e *Engine) runRollup(ctx context.Context, defs []*Def, s Slice, seg string, pl plan) (full, part map[string]points, approx, ok bool, err error) {
	if seg != "" || pl.grain == All || defs[0].Time == "" {
		return e.runRollupQuery(ctx, defs, s, seg, pl)
	}
	// A totals query's periods, once read, are kept in the period rollups
	// (marked |roll: merged from the rollup, within the sketch's bound for
	// quantiles): the engine's data never changes, and PrefillPeriods reads
	// every period at every grain, so a scorecard at another grain, period
	// or comparison sends no statement for the KPIs rollups answer.
	if full, part, ok := e.keptTotals(defs, s, pl); ok {
		return full, part, groupUsesQuantile(defs), true, nil
	}
	full, part, approx, ok, err = e.runRollupQuery(ctx, defs, s, seg, pl)
	if ok && err == nil {
		e.keepTotals(defs, s, pl, full, part)
	}
	return full, part, approx, ok, err
}

func groupUsesQuantile(defs []*Def) bool {
	for _, d := range defs {
		if usesQuantile(d) {
			return true
		}
	}
	return false
}

// keptPeriods lists the periods a totals query over pl reads, each with
// its key's cut (see periodRollupKey), and the part's period when it has one.
func keptPeriods(pl plan) (periods []time.Time, cuts []string, part time.Time, partCut string) {
	g := pl.grain
	from := pl.from
	if pl.trendStart.Equal(pl.cur) && !pl.cmp.IsZero() && g.Add(pl.cmp, 1).Before(pl.cur) {
		periods, cuts = append(periods, pl.cmp), append(cuts, "|roll")
		from = pl.cur
	}
	for t := from; t.Before(pl.to); t = g.Add(t, 1) {
		cut := "|roll"
		if pl.partial && t.Equal(pl.cur) {
			cut = fmt.Sprintf("|to=%d|roll", pl.curEnd.Unix())
		}
		periods, cuts = append(periods, t), append(cuts, cut)
	}
	if pl.partial && !pl.cmp.IsZero() {
		part, partCut = pl.cmp, fmt.Sprintf("|part=%d|roll", pl.cmpElapsed)
	}
	return periods, cuts, part, partCut
}

// keptTotals answers a totals query from the period totals kept from
// rollup queries (keepTotals), when every period (and the part) is kept for
// every KPI of the group.
func (e *Engine) keptTotals(defs []*Def, s Slice, pl plan) (full, part map[string]points, ok bool) {
	periods, cuts, pt, partCut := keptPeriods(pl)
	full = map[string]points{}
	for _, d := range defs {
		full[d.ID] = points{}
		for i, t := range periods {
			p, ok := e.periodRolls.get(periodRollupKey(d, s, pl.grain, cuts[i]), t.Unix())
			if !ok {
				return nil, nil, false
			}
			if p != nil {
				full[d.ID][pkey{total: true, period: t.Unix()}] = p
			}
		}
	}
	if partCut != "" {
		part = map[string]points{}
		for _, d := range defs {
			part[d.ID] = points{}
			p, ok := e.periodRolls.get(periodRollupKey(d, s, pl.grain, partCut), pt.Unix())
			if !ok {
				return nil, nil, false
			}
			if p != nil {
				part[d.ID][pkey{total: true, period: pt.Unix()}] = p
			}
		}
	}
	return full, part, true
}

// keepTotals keeps a totals query's periods for keptTotals.
func (e *Engine) keepTotals(defs []*Def, s Slice, pl plan, full, part map[string]points) {
	periods, cuts, pt, partCut := keptPeriods(pl)
	if partCut != "" && part == nil {
		return
	}
	for _, d := range defs {
		for i, t := range periods {
			e.periodRolls.put(periodRollupKey(d, s, pl.grain, cuts[i]), t.Unix(), full[d.ID][pkey{total: true, period: t.Unix()}])
		}
		if partCut != "" {
			e.periodRolls.put(periodRollupKey(d, s, pl.grain, partCut), pt.Unix(), part[d.ID][pkey{total: true, period: pt.Unix()}])
		}
	}
}

// rollSpan is the time a rollup query over a plan reads.
type rollSpan struct {
	timed  bool           // by period (not all time, nor a table without time)
	ranges [][2]time.Time // the trend's, or the current period's and its comparison's
	// needPart: the comparison's same elapsed part is read too; partExact:
	// it ends at a day's end (partRange, from the rollup), else the rows.
	needPart, partExact bool
	partRange           [2]time.Time
	all                 [][2]time.Time // ranges and partRange
}

func rollSpanOf(d0 *Def, pl plan) rollSpan {
	var sp rollSpan
	sp.timed = d0.Time != "" && pl.grain != All
	if sp.timed {
		if pl.trendStart.Equal(pl.cur) && !pl.cmp.IsZero() && pl.grain.Add(pl.cmp, 1).Before(pl.cur) {
			sp.ranges = [][2]time.Time{{pl.cmp, pl.grain.Add(pl.cmp, 1)}, {pl.cur, pl.to}}
		} else {
			sp.ranges = [][2]time.Time{{pl.from, pl.to}}
		}
	}
	sp.needPart = pl.partial && !pl.cmp.IsZero() && d0.Time != ""
	sp.partExact = sp.needPart && pl.cmpElapsed%(24*time.Hour) == 0
	sp.all = append([][2]time.Time(nil), sp.ranges...)
	if sp.partExact {
		sp.partRange = [2]time.Time{pl.cmp, pl.cmp.Add(pl.cmpElapsed)}
		sp.all = append(sp.all, sp.partRange)
	}
	return sp
}

// runRollupQuery answers a group from its rollup's query (see runRollup).
func (e *Engine) runRollupQuery(ctx context.Context, defs []*Def, s Slice, seg string, pl plan) (full, part map[string]points, approx, ok bool, err error) {
	d0 := defs[0]
	var dims []string
	for _, f := range s.Filters {
		if _, _, err := e.dimExpr(d0.Source, f.Dim); err != nil || f.Op.Numeric() {
			return nil, nil, false, false, nil // ranges read the raw rows
		}
		dims = append(dims, f.Dim)
	}
	if seg != "" {
		if _, _, err := e.dimExpr(d0.Source, seg); err != nil {
			return nil, nil, false, false, nil
		}
		dims = append(dims, seg)
	}
	quantiles := false
	for _, d := range defs {
		if _, _, ok := rollable(d); !ok {
			return nil, nil, false, false, nil
		}
		quantiles = quantiles || usesQuantile(d)
	}
	sp := rollSpanOf(d0, pl)
	timed, ranges, partRange, needPart, partExact, all := sp.timed, sp.ranges, sp.partRange, sp.needPart, sp.partExact, sp.all
	// With a trend and a breakdown, totals for every period and segments for
	// the current and comparison periods only: quantiles cost per row read.
	narrow := seg != "" && timed && pl.trendStart.Before(pl.cur)
	// The narrow periods: the current one and its comparison (a partial
	// period's segments compare with the comparison's same elapsed part,
	// partJob's, not with its whole).
	np := pl.narrow()
	nr := [][2]time.Time{{np.cur, np.to}}
	if !np.cmp.IsZero() && !needPart {
		nr = append(nr, [2]time.Time{np.cmp, np.grain.Add(np.cmp, 1)})
	}
	g, idx, ok := e.rollupFor(ctx, d0, dims, pl.grain, all, !timed, quantiles)
	var tg *rollGroup // the rollup the totals and trend read, when found below
	var tidx []int
	if !ok && narrow && ctx.Err() == nil {
		// The breakdown's level may hold the narrow periods and not the
		// trend's older ones (built later: a quarter's or a year's trend
		// reaches past the latest thirteen months): its segments then read
		// it, the totals and trend the level below.
		segRanges := nr
		if partExact {
			segRanges = append(segRanges[:len(segRanges):len(segRanges)], partRange)
		}
		if gs, is, ok1 := e.rollupFor(ctx, d0, dims, pl.grain, segRanges, false, quantiles); ok1 {
			if g0, i0, ok0 := e.rollupFor(ctx, d0, dims[:len(dims)-1], pl.grain, all, false, quantiles); ok0 {
				g, idx, ok, tg, tidx = gs, is, true, g0, i0
			}
		}
	}
	rawSegs := false
	if !ok && narrow && ctx.Err() == nil {
		// The breakdown's level is not built yet: the totals and trend still
		// come from the rollup (waiting for the totals being built), and only
		// the segments of the current and comparison periods read raw rows;
		// reading the trend's raw rows too would repeat the totals' build.
		g, idx, ok = e.rollupFor(ctx, d0, dims[:len(dims)-1], pl.grain, all, false, quantiles)
		rawSegs = true
	}
	if !ok {
		if err := ctx.Err(); err != nil {
			return nil, nil, false, false, err
		}
		return nil, nil, false, false, nil
	}
	first := seg
	mg, midx := g, idx // the rollup the totals and trend read
	if narrow {
		first = ""
		if tg != nil {
			mg, midx = tg, tidx
		} else if !rawSegs {
			// The totals read the set without the segment: the same sums
			// (every segment's rows, the blank one included, add up to the
			// totals; sketches' bucket counts too), from as many times
			// fewer rows as the segment has values.
			if g0, idx0, ok := e.rollupFor(ctx, d0, dims[:len(dims)-1], pl.grain, all, !timed, quantiles); ok {
				mg, midx = g0, idx0
			}
		}
	}
	q, args, approx, err := rollupQuery(mg, midx, defs, s, first, pl, ranges)
	if err != nil {
		return nil, nil, false, false, nil
	}
	fail := func(err error) (map[string]points, map[string]points, bool, bool, error) {
		if ctx.Err() != nil {
			return nil, nil, false, false, ctx.Err()
		}
		e.debug("rollup query failed, reading raw rows", "err", err)
		return nil, nil, false, false, nil
	}
	// The totals and trend, the segments of the narrow periods and the
	// comparison's elapsed part are independent queries: they run at once
	// (each waits on the others' cores otherwise, one after another).
	type job struct {
		q    string
		args []any
		seg  bool
		pl   plan
		out  map[string]points
		err  error
	}
	main := &job{q: q, args: args, seg: first != "", pl: pl}
	var others []*job // run beside main
	var segJob, partJob *job
	if st := indexOnlyOf(ctx); narrow && rawSegs && st != nil {
		st.segsLater(defs) // the totals and trend now, the segments from the rows later
	} else if narrow {
		segJob = &job{seg: true, pl: np}
		if rawSegs {
			// The totals are main's: the segments alone.
			var sk bool
			segJob.q, segJob.args, sk, err = e.groupSQLOf(defs, s, seg, np, false, true)
			approx = approx || sk
		} else {
			// Its totals are main's, or kept: the segments alone.
			segJob.q, segJob.args, _, err = rollupQueryOf(g, idx, defs, s, seg, np, nr, true)
		}
		if err != nil {
			return nil, nil, false, false, nil
		}
		others = append(others, segJob)
	}
	if needPart && (!partExact || rawSegs) && seg == "" {
		// The same elapsed part cut inside a day: the raw rows, once, kept
		// in the period rollups.
		if full, err = e.runPoints(ctx, defs, q, args, first != "", pl); err != nil {
			return fail(err)
		}
		qp, err := compileGroup(e.snapshot(), defs, s, "", pl, true)
		if err != nil {
			return nil, nil, false, false, nil
		}
		ps, sk, ok, err := e.runPeriods(ctx, defs, s, rawQuery{rawPart, qp, false, pl})
		if err != nil {
			return fail(err)
		}
		if ok {
			return full, ps, approx || sk, true, nil
		}
		main = nil // the totals are read
	}
	// A breakdown's totals and trend are the scorecard's: kept per period
	// (keptTotals; PrefillPeriods keeps every period's at every grain), they
	// are not read again, and only the segments are.
	keep := narrow && main != nil
	var keptPart map[string]points
	if keep {
		if kept, kp, ok := e.keptTotals(defs, s, pl); ok {
			full, main, keep, keptPart = kept, nil, false, kp
		}
	}
	if needPart {
		partJob = &job{seg: seg != "", pl: pl}
		if partExact && !rawSegs {
			// with the part's totals kept, its segments alone
			partJob.q, partJob.args, _, err = rollupQueryOf(g, idx, defs, s, seg, pl, [][2]time.Time{partRange}, keptPart != nil)
		} else if partExact && indexOnlyOf(ctx) != nil {
			// IndexOnly before the breakdown's level is built: the part's
			// totals from the totals' rollup (g), its segments left out
			// with the others' (segsLater).
			partJob.seg = false
			partJob.q, partJob.args, _, err = rollupQueryOf(g, idx, defs, s, "", pl, [][2]time.Time{partRange}, false)
		} else {
			if err := e.readsRows(ctx); err != nil {
				return nil, nil, false, false, err
			}
			keptPart = nil
			var sk bool
			partJob.q, partJob.args, sk, err = e.groupSQLOf(defs, s, seg, pl, true, false)
			approx = approx || sk
		}
		if err != nil {
			return nil, nil, false, false, nil
		}
		others = append(others, partJob)
	}
	jctx, stop := context.WithCancel(ctx) // the first failure stops the others
	defer stop()
	run := func(j *job) {
		if j.out, j.err = e.runPoints(jctx, defs, j.q, j.args, j.seg, j.pl); j.err != nil {
			stop()
		}
	}
	var wg sync.WaitGroup
	for _, j := range others {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(j)
		}()
	}
	if main != nil {
		run(main)
		others = append(others, main)
	}
	wg.Wait()
	for _, j := range others {
		if j.err != nil {
			return fail(j.err)
		}
	}
	if main != nil {
		full = main.out
	}
	if partJob != nil {
		part = partJob.out
		if keptPart != nil {
			part = keptPart
			mergeSegments(part, partJob.out)
		}
	}
	if keep { // before the segments join them (only totals are kept)
		e.keepTotals(defs, s, pl, full, part)
	}
	if segJob != nil {
		mergeSegments(full, segJob.out)
	}
	return full, part, approx, true, nil
}

// mergeSegments adds the segment rows of segs (not their totals) to full.
func mergeSegments(full, segs map[string]points) {
	for id, ps := range segs {
		for k, p := range ps {
			if !k.total {
				full[id][k] = p
			}
		}
	}
}

// rollupVersion changes when the layout of rollup tables does, so tables kept
// in a --db file by an older kpiscope are rebuilt.
const rollupVersion = "3"

// code numbers a part in its rows (__part) and in the --db bookkeeping.
func (p part) code() int {
	c := p.level * 4
	if p.recent {
		c += 2
	}
	if p.sketch {
		c++
	}
	return c
}

// signature names a group's rollup after everything its rows depend on: the
// atoms, dimensions, time split, and the files of its tables (in a --db
// file), so a kept rollup is reused only while all of them are unchanged.
func (e *Engine) signature(g *rollGroup) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%g\x00", rollupVersion, g.key, sqlTime(e.roll.recent), e.opt.Customers, e.opt.CustomerKey, strings.Join(g.dims, ","), SketchError)
	for _, x := range g.dimExpr {
		fmt.Fprintf(h, "%s\x00", x)
	}
	for _, a := range g.atoms {
		fmt.Fprintf(h, "a:%s\x00", a.key())
	}
	for _, a := range g.sk {
		fmt.Fprintf(h, "s:%s\x00", a.key())
	}
	fmt.Fprintf(h, "f:%s\x00", e.roll.persist[g.source])
	if g.join {
		fmt.Fprintf(h, "c:%s\x00", e.roll.persist[e.opt.Customers])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// planLocked plans the rollups and, in a --db file, takes over the parts an
// earlier run built for the same data.
func (e *Engine) planLocked() {
	// The recent part is what the first screen shows and its next keys
	// read: the default slice's 12 months (its comparison period, the month
	// before, is among them) and the month before them, so that its month a
	// year back (c, "vs last year"; a quarter's, to the same day) and a
	// drill of the month before (its twelve months' trend) are there too.
	e.roll.recent = time.Time{}
	if !e.asOf.IsZero() {
		if p := e.Resolve(Slice{}).Period; !p.IsZero() {
			e.roll.recent = Month.Add(p, -12)
		}
	}
	e.roll.created = map[string]bool{}
	e.roll.groups = e.planRollups()
	e.roll.flows = e.planFlows()
	for _, f := range e.roll.flows {
		f.table = flowPrefix + e.flowSignature(f)
	}
}

const rollupBook = "__kpiscope_rollups"

// twinPrefixes name the tables a rollup keeps beside its atoms table
// (__kpiscope_rollup_<signature>): the monthly atoms, the sketches per day,
// per month and per month and pair, each followed by the same signature.
var twinPrefixes = []string{"__kpiscope_rollupm_", "__kpiscope_sketch_", "__kpiscope_sketchm_", "__kpiscope_sketchp_"}

// twinTables are the twins of the rollup with signature sig.
func twinTables(sig string) []string {
	out := make([]string, len(twinPrefixes))
	for i, pre := range twinPrefixes {
		out[i] = pre + sig
	}
	return out
}

// loadPersisted finds the fingerprints of the loaded files in a --db file
// and marks the rollup parts kept there as built. Rows of a part whose build
// was interrupted are deleted; rollups of these sources for other data or
// definitions are dropped.
func (e *Engine) loadPersisted(ctx context.Context) error {
	rows, err := e.db.Query(ctx, "SELECT name, fingerprint FROM __kpiscope_sources")
	if err != nil {
		return nil // not a --db file
	}
	persist := map[string]string{}
	for _, r := range rows.Data {
		persist[fmt.Sprint(r[0])] = fmt.Sprint(r[1])
	}
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	e.roll.persist = persist
	e.planLocked()
	if err := e.db.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+rollupBook+" (tbl VARCHAR, source VARCHAR, part INTEGER)"); err != nil {
		return err
	}
	book, err := e.db.Query(ctx, "SELECT tbl, source, part FROM "+rollupBook)
	if err != nil {
		return err
	}
	current := map[string]*rollGroup{}
	flowTables := map[string]*flowRollup{}
	for _, f := range e.roll.flows {
		flowTables[f.table] = f
	}
	for _, g := range e.roll.groups {
		current[g.table] = g
		current[g.tableM] = g
		if g.sketches != "" {
			current[g.sketches] = g
			current[g.sketchesM] = g
			current[g.sketchesP] = g
		}
	}
	doneCodes := map[string]map[int]bool{}
	for _, r := range book.Data {
		tbl, src, code := fmt.Sprint(r[0]), fmt.Sprint(r[1]), int(store.Int(r[2]))
		if flowTables[tbl] != nil {
			continue
		}
		if current[tbl] == nil {
			if _, ours := e.tables[src]; ours { // the files or definitions changed
				// the group's sketches are named after the same signature
				sig := strings.TrimPrefix(tbl, "__kpiscope_rollup_")
				for _, t := range append([]string{tbl}, twinTables(sig)...) {
					if err := e.db.Exec(ctx, "DROP TABLE IF EXISTS "+store.QuoteIdent(t)); err != nil {
						return err
					}
				}
				if err := e.db.Exec(ctx, "DELETE FROM "+rollupBook+" WHERE tbl = ?", tbl); err != nil {
					return err
				}
			}
			continue
		}
		if doneCodes[tbl] == nil {
			doneCodes[tbl] = map[int]bool{}
		}
		doneCodes[tbl][code] = true
	}
	existing := map[string]bool{}
	booked := map[string]bool{} // signatures with parts recorded, of any source
	for _, r := range book.Data {
		booked[strings.TrimPrefix(fmt.Sprint(r[0]), "__kpiscope_rollup_")] = true
	}
	if names, err := e.db.Tables(ctx); err == nil {
		for _, n := range names {
			existing[n] = true
			// the monthly tables and sketches of a rollup no longer recorded
			// (dropped above, or by an older kpiscope that left them)
			for _, pre := range twinPrefixes {
				if sig, ok := strings.CutPrefix(n, pre); ok && !booked[sig] && current[n] == nil {
					if err := e.db.Exec(ctx, "DROP TABLE IF EXISTS "+store.QuoteIdent(n)); err != nil {
						return err
					}
				}
			}
			if rest, ok := strings.CutPrefix(n, flowLongPrefix); ok { // a flow's long-lived rows
				sig, days, _ := strings.Cut(rest, "_")
				f := flowTables[flowPrefix+sig]
				if dd, err := strconv.Atoi(days); err == nil && f != nil && dd > 0 {
					f.long, f.lagDays = n, dd
					continue
				}
				if err := e.db.Exec(ctx, "DROP TABLE IF EXISTS "+store.QuoteIdent(n)); err != nil {
					return err
				}
				continue
			}
			if strings.HasPrefix(n, flowPrefix) && flowTables[n] == nil { // for other data or definitions
				if err := e.db.Exec(ctx, "DROP TABLE IF EXISTS "+store.QuoteIdent(n)); err != nil {
					return err
				}
				if err := e.db.Exec(ctx, "DELETE FROM "+rollupBook+" WHERE tbl = ?", n); err != nil {
					return err
				}
				continue
			}
			if strings.HasPrefix(n, workPrefix) { // left by an interrupted build
				if err := e.db.Exec(ctx, "DROP TABLE IF EXISTS "+store.QuoteIdent(n)); err != nil {
					return err
				}
			}
		}
	}
	for _, r := range book.Data { // flows kept by an earlier run (flow.go)
		f := flowTables[fmt.Sprint(r[0])]
		if f == nil || !existing[f.table] {
			continue
		}
		if int(store.Int(r[2])) == flowAgesRefused && f.long == "" && !f.states[flowAges].done {
			// Too many tickets stay open for a copy: recorded, not counted
			// again at each start.
			f.states[flowAges].done = true
			close(f.states[flowAges].wait)
			continue
		}
		for level, st := range f.states {
			if level == flowAges && f.long == "" {
				continue // recorded, but its table is gone: built again
			}
			if int(store.Int(r[2])) == flowPartCode(level) && !st.done {
				st.done = true
				close(st.wait)
			}
		}
	}
	for _, g := range e.roll.groups {
		tables := []string{g.table, g.tableM}
		if g.sketches != "" {
			tables = append(tables, g.sketches, g.sketchesM)
		}
		ok := true
		for _, t := range tables {
			ok = ok && existing[t]
		}
		if !ok { // built afresh: the parts recorded for a table now missing go
			if err := e.db.Exec(ctx, "DELETE FROM "+rollupBook+" WHERE tbl = ?", g.table); err != nil {
				return err
			}
			continue
		}
		var keep []string
		for p, ps := range g.parts {
			if p == pairSketch(p.recent) && !existing[g.sketchesP] {
				continue // recorded, but its table is gone: built again
			}
			if doneCodes[g.table][p.code()] {
				ps.finished()
				keep = append(keep, fmt.Sprint(p.code()))
			}
		}
		// Rows of a part not recorded as done come from an interrupted build.
		cond := "true"
		if len(keep) > 0 {
			cond = "__part NOT IN (" + strings.Join(keep, ", ") + ")"
		}
		if g.sketchesP != "" && existing[g.sketchesP] {
			// kept by a kpiscope that builds sketches by two dimensions (an
			// older one left none: they are built, the rest kept)
			tables = append(tables, g.sketchesP)
		}
		for _, t := range tables {
			if err := e.db.Exec(ctx, "DELETE FROM "+store.QuoteIdent(t)+" WHERE "+cond); err != nil {
				return err
			}
			e.roll.created[t] = true
		}
	}
	return nil
}

// persistPart records a built part in a --db file.
func (e *Engine) persistPart(ctx context.Context, g *rollGroup, p part) error {
	if e.roll.persist == nil {
		return nil
	}
	return e.db.Exec(ctx, "INSERT INTO "+rollupBook+" VALUES (?, ?, ?)", g.table, g.source, p.code())
}

// cubeLimit bounds the combinations of dimension values a cube may hold per
// day (estimated from the dimensions' distinct values).
const cubeLimit = 5000

// cubes chooses the grouping sets read from the raw rows for levels 1 and 2,
// and for each set of those levels the cube it is derived from. Every
// grouping set costs about one hash aggregation of all rows, so instead of
// one per dimension and per pair, a few wider cubes are read: all the
// dimensions that come through the customer key together (their combinations
// are bounded by the customers), each own column with them, and the own
// columns together; whatever no cube covers within cubeLimit is read as is.
func (g *rollGroup) cubes() (raw [][]int, from map[int][][]int) {
	return g.cubesOf(g.setsByDim())
}

// setsByDim lists the sets of levels 1 and 2: each dimension, each pair.
func (g *rollGroup) setsByDim() [][]int {
	return append(g.groupingSets(1), g.groupingSets(2)...)
}

// cubesOf is cubes for the given sets only.
func (g *rollGroup) cubesOf(sets [][]int) (raw [][]int, from map[int][][]int) {
	var own, joined []int
	for i, x := range g.dimExpr {
		if strings.HasPrefix(x, "c.") {
			joined = append(joined, i)
		} else {
			own = append(own, i)
		}
	}
	size := func(set []int) int {
		n := 1
		for _, i := range set {
			n *= g.card[i]
			if n > cubeLimit*1000 {
				return n
			}
		}
		return n
	}
	var cand [][]int
	if len(joined) > 1 && size(joined) <= cubeLimit {
		cand = append(cand, joined)
		for _, o := range own {
			set := append([]int{o}, joined...)
			sort.Ints(set)
			if size(set) <= cubeLimit {
				cand = append(cand, set)
			}
		}
	}
	if len(own) > 1 && size(own) <= cubeLimit {
		cand = append(cand, own)
	}
	contains := func(c, s []int) bool {
		for _, x := range s {
			found := false
			for _, y := range c {
				found = found || x == y
			}
			if !found {
				return false
			}
		}
		return true
	}
	from = map[int][][]int{}
	used := map[int]bool{}
	var direct [][]int
	for _, set := range sets {
		best := -1
		for ci, c := range cand {
			if contains(c, set) && (best < 0 || size(c) < size(cand[best])) {
				best = ci
			}
		}
		if best < 0 {
			direct = append(direct, set)
			continue
		}
		used[best] = true
		from[best] = append(from[best], set)
	}
	remap := map[int]int{}
	for ci, c := range cand {
		if used[ci] {
			remap[ci] = len(raw)
			raw = append(raw, c)
		}
	}
	out := map[int][][]int{}
	for ci, sets := range from {
		out[remap[ci]] = sets
	}
	for _, set := range direct {
		out[len(raw)] = [][]int{set}
		raw = append(raw, set)
	}
	return raw, out
}

func maskOf(set []int) int64 {
	var m int64
	for _, i := range set {
		m |= int64(1) << i
	}
	return m
}

// setDims lists, sorted, the dimensions some of the sets group by.
func setDims(sets [][]int) []int {
	in := map[int]bool{}
	for _, set := range sets {
		for _, i := range set {
			in[i] = true
		}
	}
	var dims []int
	for i := range in {
		dims = append(dims, i)
	}
	sort.Ints(dims)
	return dims
}

// groupedMask is the SQL bit mask of the dimensions a row is grouped by
// (bit i: __d<i>); GROUPING needs columns some set groups by.
func groupedMask(dims []int) string {
	if len(dims) == 0 {
		return "CAST(0 AS BIGINT)"
	}
	var mask []string
	for _, i := range dims {
		mask = append(mask, fmt.Sprintf("(1 - GROUPING(__d%d)) * %d", i, int64(1)<<i))
	}
	return "CAST(" + strings.Join(mask, " + ") + " AS BIGINT)"
}

// setCols is the select list giving a row's part, its set mask (__gid) and
// its values (__v1, and __v2 for a pair) for rows grouped by the given sets
// of none, one or two dimensions.
func setCols(sets [][]int, p part) string {
	dims := setDims(sets)
	if len(dims) == 0 {
		return fmt.Sprintf("CAST(%d AS TINYINT) AS __part, CAST(0 AS BIGINT) AS __gid, CAST(NULL AS VARCHAR) AS __v1, CAST(NULL AS VARCHAR) AS __v2", p.code())
	}
	var grouped []string
	for _, i := range dims {
		grouped = append(grouped, fmt.Sprintf("(1 - GROUPING(__d%d))", i))
	}
	pick := func(idx []int) string {
		var b strings.Builder
		b.WriteString("CASE")
		for _, i := range idx {
			fmt.Fprintf(&b, " WHEN GROUPING(__d%d) = 0 THEN __d%d", i, i)
		}
		b.WriteString(" END")
		return b.String()
	}
	rev := make([]int, len(dims))
	for i, d := range dims {
		rev[len(dims)-1-i] = d
	}
	n := "(" + strings.Join(grouped, " + ") + ")"
	return fmt.Sprintf("CAST(%d AS TINYINT) AS __part, %s AS __gid, %s AS __v1, CASE WHEN %s = 2 THEN %s END AS __v2",
		p.code(), groupedMask(dims), pick(dims), n, pick(rev))
}

// buildCubes builds levels 1 and 2 of a part: the cubes from the raw rows
// into a temporary table, then every one- and two-dimension set from its cube.
//
// A cube over all the dimensions that come through the customer key groups
// by one small integer instead of those text columns: the code of the
// customer's profile (its combination of those values, see profileTable).
// Hashing one integer instead of four or five strings per row and grouping
// set makes reading the cubes several times faster; the profile's values
// are joined back to the cube's few rows before the sets are derived.
func (e *Engine) buildCubes(ctx context.Context, g *rollGroup, p part, cond string, sel []string, args []any, created map[string]bool) error {
	agg := cubeAgg{aggs: sel}
	for i, a := range g.atoms {
		agg.names = append(agg.names, fmt.Sprintf("a%d", i))
		agg.merges = append(agg.merges, fmt.Sprintf("%s AS a%d", a.mergeSQL(fmt.Sprintf("a%d", i)), i))
	}
	rows := func(prof string) string { return e.rollSrcWith(g, cond, true, prof) }
	return e.fromCubes(ctx, g, p, g.setsByDim(), rows, agg, g.table, args, created)
}

// cubeAgg is what a cube aggregates and how the sets derived from it merge
// its rows.
type cubeAgg struct {
	extra  string   // a column grouped by beside the day and the dimensions ("": none)
	aggs   []string // the cube's aggregates over the rows, "… AS name" for each of names
	names  []string
	lead   string   // a derived row's columns after its set's (setCols), before the merges, e.g. "0 AS __s, __b"
	merges []string // a derived row's merges of the cube's names, "… AS name"
}

// fromCubes reads the given sets of a part from the rows (rows(prof): the
// rows with the group's day and dimensions, the customers' from prof when
// it is not "") through the cubes of cubesOf, and adds them to table,
// sorted by set and day.
func (e *Engine) fromCubes(ctx context.Context, g *rollGroup, p part, sets [][]int, rows func(prof string) string, agg cubeAgg, table string, args []any, created map[string]bool) error {
	raw, from := g.cubesOf(sets)
	if len(raw) == 0 {
		return nil
	}
	var joined []int
	for i, x := range g.dimExpr {
		if strings.HasPrefix(x, "c.") {
			joined = append(joined, i)
		}
	}
	// code is the pseudo-dimension holding the profile's code.
	code := len(g.dims)
	coded := make([]bool, len(raw))
	read := raw
	src := rows("")
	prof := ""
	if len(joined) > 1 {
		read = make([][]int, len(raw))
		for ci, set := range raw {
			in := map[int]bool{}
			for _, i := range set {
				in[i] = true
			}
			all := true
			for _, j := range joined {
				all = all && in[j]
			}
			if !all {
				read[ci] = set
				continue
			}
			coded[ci] = true
			var t []int
			for _, i := range set {
				if !strings.HasPrefix(g.dimExpr[i], "c.") {
					t = append(t, i)
				}
			}
			read[ci] = append(t, code)
		}
		if slices.Contains(coded, true) {
			prof = fmt.Sprintf("%sprof_%p", workPrefix, g)
			drop, err := e.profileTable(ctx, g, prof, joined)
			if err != nil {
				return err
			}
			defer drop()
			src = rows(prof)
		}
	}
	dims := setDims(read)
	var dcols []string
	for _, i := range dims {
		dcols = append(dcols, fmt.Sprintf("__d%d", i))
	}
	if agg.extra != "" {
		dcols = append(dcols, agg.extra)
	}
	cube := fmt.Sprintf("%scube_%p", workPrefix, g)
	drop, err := e.workTable(ctx, cube, fmt.Sprintf("SELECT __day, %s AS __cube, %s, %s FROM (%s)%s",
		groupedMask(dims), strings.Join(dcols, ", "), strings.Join(agg.aggs, ", "), src, groupingSetsSQL(read, agg.extra)), args)
	if err != nil {
		return err
	}
	defer drop()
	var carried []string
	if agg.extra != "" {
		carried = append(carried, "k."+agg.extra)
	}
	for _, n := range agg.names {
		carried = append(carried, "k."+n)
	}
	lead := ""
	if agg.lead != "" {
		lead = agg.lead + ", "
	}
	var parts []string
	for ci := 0; ci < len(raw); ci++ {
		rows := fmt.Sprintf("%s WHERE __cube = %d", store.QuoteIdent(cube), maskOf(read[ci]))
		if coded[ci] {
			// The profile's values back in place of its code; a row of no
			// known customer (code NULL) gets NULL values, as the join does.
			var cols []string
			for _, i := range raw[ci] {
				if slices.Contains(joined, i) {
					cols = append(cols, fmt.Sprintf("v.__d%d", i))
				} else {
					cols = append(cols, fmt.Sprintf("k.__d%d", i))
				}
			}
			var vals []string
			for _, j := range joined {
				vals = append(vals, fmt.Sprintf("__d%d", j))
			}
			rows = fmt.Sprintf("(SELECT k.__day, %s, %s FROM %s k LEFT JOIN (SELECT DISTINCT __d%d, %s FROM %s) v ON k.__d%d = v.__d%d WHERE k.__cube = %d)",
				strings.Join(cols, ", "), strings.Join(carried, ", "), store.QuoteIdent(cube),
				code, strings.Join(vals, ", "), store.QuoteIdent(prof), code, code, maskOf(read[ci]))
		}
		parts = append(parts, fmt.Sprintf("SELECT __day, %s, %s%s FROM %s%s",
			setCols(from[ci], p), lead, strings.Join(agg.merges, ", "), rows, groupingSetsSQL(from[ci], agg.extra)))
	}
	// Sorted by set and day, so a query's filter on both skips most row groups.
	dq := "SELECT * FROM (" + strings.Join(parts, " UNION ALL ") + ") ORDER BY __gid, __day"
	return e.insertInto(ctx, table, dq, nil, created)
}

// profileTable creates the work table of the customers' profiles: per
// customer key (__k), each joined dimension as __d<i> (text, as rollSrc
// reads it) and the code of the combination as __d<len(dims)>, equal codes
// for equal combinations (NULLs included).
func (e *Engine) profileTable(ctx context.Context, g *rollGroup, name string, joined []int) (drop func(), err error) {
	var cs, ds, order []string
	for _, j := range joined {
		c, _ := strings.CutPrefix(g.dimExpr[j], "c.")
		cs = append(cs, fmt.Sprintf("any_value(%s) AS %s", c, c))
		ds = append(ds, fmt.Sprintf("CAST(%s AS VARCHAR) AS __d%d", g.dimExpr[j], j))
		order = append(order, fmt.Sprintf("__d%d", j))
	}
	key := store.QuoteIdent(e.opt.CustomerKey)
	q := fmt.Sprintf("SELECT *, CAST(dense_rank() OVER (ORDER BY %s) AS INTEGER) AS __d%d FROM (SELECT c.__k, %s FROM (SELECT %s AS __k, %s FROM %s GROUP BY 1) c)",
		strings.Join(order, ", "), len(g.dims), strings.Join(ds, ", "), key, strings.Join(cs, ", "), store.QuoteIdent(e.opt.Customers))
	return e.workTable(ctx, name, q, nil)
}

// sketched reports whether a KPI's value and its extras need a quantile
// sketch when answered from a rollup.
func sketched(d *Def) (value, extras bool) {
	c, x, ok := rollable(d)
	if !ok {
		return false, false
	}
	has := func(ts []template) bool {
		for _, t := range ts {
			for _, a := range t.atoms {
				if a.kind == atomQuantile {
					return true
				}
			}
		}
		return false
	}
	return has(mapValues(c)), has(mapValues(x))
}

// buildTotals builds the totals of a part and their sketch in one read of the
// rows (the first screen waits for it), then splits them into the two tables.
func (e *Engine) buildTotals(ctx context.Context, g *rollGroup, p part, src string, sel []string, args []any, created map[string]bool) error {
	sk := g.sk[0]
	x := "CAST((" + sk.arg + ") AS DOUBLE)"
	in := "(" + x + ") IS NOT NULL"
	if sk.filter != "" {
		in = "(" + sk.filter + ") AND " + in
	}
	tmp := fmt.Sprintf("%stotals_%p", workPrefix, g)
	// histogram() keeps each day's bucket counts as a map beside the sums:
	// nearly free, where a second grouping set per bucket costs a second hash
	// aggregation of every row.
	drop, err := e.workTable(ctx, tmp, fmt.Sprintf("SELECT __day, %s, histogram(__b) FILTER (WHERE __b IS NOT NULL) AS __h FROM (SELECT *, CASE WHEN %s THEN %s END AS __b FROM (%s)) GROUP BY __day",
		strings.Join(sel, ", "), in, sketchBucket(x), src), args)
	if err != nil {
		return err
	}
	defer drop()
	var atoms []string
	for i := range g.atoms {
		atoms = append(atoms, fmt.Sprintf("a%d", i))
	}
	t := store.QuoteIdent(tmp)
	if err := e.insertInto(ctx, g.table, fmt.Sprintf("SELECT __day, %s, %s FROM %s ORDER BY __day", setCols(nil, p), strings.Join(atoms, ", "), t), nil, created); err != nil {
		return err
	}
	return e.insertInto(ctx, g.sketches, fmt.Sprintf("SELECT __day, %s, 0 AS __s, CAST(__b AS INTEGER) AS __b, CAST(__n AS BIGINT) AS __n FROM (SELECT __day, unnest(map_keys(__h)) AS __b, unnest(map_values(__h)) AS __n FROM %s) ORDER BY __day", setCols(nil, p), t), nil, created)
}

// workPrefix names the build's work tables: plain tables (a temporary one
// belongs to one pooled connection), which the engine ignores ("__") and the
// build drops when done; a --db file left with some by an interrupted build
// loses them at the next start.
const workPrefix = "__kpiscope_work_"

// workTable creates a work table from a query over the raw rows, reporting
// the statement's progress; drop removes it.
func (e *Engine) workTable(ctx context.Context, name, q string, args []any) (drop func(), err error) {
	began := time.Now()
	e.debug("work table starts", "table", name)
	err = e.db.ExecProgress(ctx, e.stepProgress, "CREATE OR REPLACE TABLE "+store.QuoteIdent(name)+" AS "+q, args...)
	e.debug("work table", "table", name, "elapsed", time.Since(began), "err", err, "sql", q)
	if err != nil {
		return nil, err
	}
	return func() { _ = e.db.Exec(context.Background(), "DROP TABLE IF EXISTS "+store.QuoteIdent(name)) }, nil
}
