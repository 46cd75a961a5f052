package kpi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"kpiscope/internal/store"
)

// Flow rollups: the backlog and the backlog past its SLA without the raw
// rows (issue 8).
//
// The backlog is a stock (catalog_backlog.go): the tickets open at each
// period's end T, created before T and not resolved before it. A stock is
// the running sum of its flows, so it needs no row crossed with every
// period: open(T) = #{created < T} − #{created < T and resolved < T}, and
// "a < T and b < T" is "greatest(a, b) < T". Each ticket so becomes a few
// signed events (+1 at its creation, −1 at the later of its creation and
// resolution), and the events counted per day × offered dimension (one
// table per KPI: totals, each dimension, each pair) give the backlog at any
// period's end, in any segment or filter of one or two dimensions, as the
// sum of the events before it: a few thousand rows instead of every ticket
// × every period (78 s for backlog_overdue at 100M tickets).
//
// The share past SLA is the same with the deadline: overdue(T) counts the
// tickets open at T whose deadline is before least(T, A), A the data's
// as-of instant: for T ≤ A that is #{greatest(created, due) < T} −
// #{greatest(created, due, resolved) < T}; for a period not over (T > A)
// every creation and resolution is before T and the deadline is compared
// with A, a constant the events fold in at build time.
//
// Exactness. An event's time is kept rounded down to its day, or to one of
// the few instants of a day at which a period can end other than midnight
// (the same elapsed part of a partial day: its time of day; cuts): for any
// such end T, t < T exactly when the rounded t < T. A query whose period
// ends elsewhere reads the raw rows. So the flows answer exactly what the
// raw query answers: the same rows (the KPI's row filter, the slice's
// filters), the same periods, a period or segment present when any row
// reached it (a presence count, events at the creation or, for a ticket
// with none, at the start of time).
//
// The ages (the median age and the age buckets, the detail pane's extras)
// are of the tickets open at the end of the one period shown, computed
// from their rows as the raw query computes them, but not over every row:
// a ticket resolved at most lagDays after its creation can only be open
// at an instant T when created within lagDays before T, and the sources
// are mostly in time order (files exported by date; zone maps and Parquet
// statistics skip the rest), while the few tickets open longer, or never
// resolved, are copied once into a table of their own (the part
// flowAges), and the lag is chosen so that they are few. At 10M tickets
// (lag 10 days): 15–35 ms for a month's ages, against 7.8 s over every row
// crossed with every period; at 100M, 45–120 ms against 51 s.
//
// What still reads the raw rows: filters on more than two dimensions
// or on a column that is not offered, numeric filters, a definition whose
// inputs were changed from the built-in's, and the rows of a warehouse.

// flowRollup is one flow KPI's table of events per day and dimension set.
type flowRollup struct {
	id       string
	kind     string // the built-in: backlog or backlog_overdue
	def      *Def
	g        *rollGroup // source, time, row filter and dimensions (rollSrc reads them)
	table    string
	cuts     []int64 // microseconds past midnight a period may end at, ascending, > 0
	mu       sync.Mutex
	asOfRead bool
	asOf     time.Time // backlog_overdue: the view's as-of instant (A)
	hasAsO   bool
	pairs    bool // sets of two dimensions are kept
	// states are the three parts' builds: 0 the totals (the first screen's,
	// built beside the rollups' totals), 1 the sets of one and two
	// dimensions (built after them), 2 the rows that stay open long, for
	// the ages (flowAges, built last).
	states [flowStates]*partState
	// long is the table of the long-lived rows (flowLongPrefix, the
	// signature, _ and lagDays), lagDays the lag past which a row is one;
	// set once its part is built or found kept.
	long    string
	lagDays int
	// agesAt is the backlog's as-of instant (backlogAsOf), read once for
	// its ages: the subquery evaluated at each of the six extras took as
	// long as the rest of their query.
	agesAt     string
	agesAtRead bool
}

// flowAges is the flows' part that keeps the long-lived rows.
const flowAges = 2

// flowStates is the number of a flow's parts.
const flowStates = 3

// flowSeries are the sums a flow table keeps per row: n counts the rows
// (presence), open the open tickets' events, overT and overA the overdue
// ones' for periods ending before and after the as-of instant.
var flowSeries = map[string][]string{
	"backlog":         {"n", "open"},
	"backlog_overdue": {"n", "open", "overT", "overA"},
}

// flowKind says which built-in flow a definition is: its id and inputs as
// the built-in binds them (a definition whose inputs were changed is not
// one), and no row columns beyond the built-in's.
func flowKind(d *Def) string {
	if d == nil || d.Type != Cohort || !d.Builtin || d.Time == "" {
		return ""
	}
	b := builtinOf(d.BuiltinID)
	if b.ID == "" {
		return ""
	}
	want := b.Bind(d.Source, d.Roles)
	if !maps.Equal(want.Inputs, d.Inputs) || want.Expr != d.Expr || d.Time != want.Time {
		return ""
	}
	return b.ID
}

// builtinOf is the flow built-in of an id (none: a zero Builtin).
func builtinOf(id string) Builtin {
	switch id {
	case backlogBuiltin.ID:
		return backlogBuiltin
	case backlogOverdueBuiltin.ID:
		return backlogOverdueBuiltin
	}
	return Builtin{}
}

// planFlows plans the flow rollups of the engine's definitions.
func (e *Engine) planFlows() map[string]*flowRollup {
	out := map[string]*flowRollup{}
	for _, d := range e.defs {
		kind := flowKind(d)
		if kind == "" || e.problems[d.ID] != nil {
			continue
		}
		g := &rollGroup{source: d.Source, time: d.Time, where: d.Where}
		e.addDims(g)
		f := &flowRollup{id: d.ID, kind: kind, def: d, g: g}
		for i := range f.states {
			f.states[i] = &partState{wait: make(chan struct{})}
		}
		f.pairs = true // as the rollups: every pair, from bounded cubes (rollGroup.cubes)
		// The instants of a day other than midnight a period can end at: the
		// same elapsed part of a day cut at the data's end (by the KPI's own
		// dates, or all the data's for all time).
		cut := map[int64]bool{}
		for _, t := range []time.Time{e.spanOf(d).hi, e.asOf} {
			if t.IsZero() {
				continue
			}
			end := dataEnd(t)
			if us := end.Sub(Day.Trunc(end)).Microseconds(); us > 0 {
				cut[us] = true
			}
		}
		f.cuts = slices.Sorted(maps.Keys(cut))
		out[d.ID] = f
	}
	return out
}

// flowSignature names a flow table after what its rows depend on.
func (e *Engine) flowSignature(f *flowRollup) string {
	h := sha256.New()
	d := f.def
	fmt.Fprintf(h, "flow\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%v\x00%v\x00", rollupVersion, f.kind, d.Source, d.Time, d.Where, e.opt.Customers, e.opt.CustomerKey, f.cuts, f.pairs)
	for _, k := range sortedKeys(d.Inputs) {
		fmt.Fprintf(h, "%s=%s\x00", k, d.Inputs[k])
	}
	for i, x := range f.g.dimExpr {
		fmt.Fprintf(h, "%s:%s\x00", f.g.dims[i], x)
	}
	fmt.Fprintf(h, "f:%s\x00", e.roll.persist[d.Source])
	for src, view := range e.opt.DerivedFrom { // a view's rows follow its source's files
		if src == d.Source {
			fmt.Fprintf(h, "v:%s\x00", e.roll.persist[view])
		}
	}
	if f.g.join {
		fmt.Fprintf(h, "c:%s\x00", e.roll.persist[e.opt.Customers])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// flowDayUS is a day in microseconds; flowNever the time of the presence
// event of a row with no creation time (the start of time).
const (
	flowDayUS = 86400000000
	flowNever = "-9223372036854775807"
)

// flowRound is the SQL of an instant x, in microseconds since the epoch,
// rounded down to its day or to the latest cut of its day at or before it:
// integer arithmetic (date_trunc on each of four timestamps per row took
// twice the time of the build at 100M tickets).
func (f *flowRollup) flowRound(x string) string {
	tod := fmt.Sprintf("((%[1]s %% %[2]d) + %[2]d) %% %[2]d", x, flowDayUS) // past midnight, before 1970 too
	if len(f.cuts) == 0 {
		return "(" + x + " - " + tod + ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "(%s - %s + CASE", x, tod)
	for i := len(f.cuts) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, " WHEN %s >= %d THEN %d", tod, f.cuts[i], f.cuts[i])
	}
	b.WriteString(" ELSE 0 END)")
	return b.String()
}

// onGrid reports whether the flows can tell the rows before instant t:
// midnight or a cut.
func (f *flowRollup) onGrid(t time.Time) bool {
	us := t.Sub(Day.Trunc(t)).Microseconds()
	return us == 0 || slices.Contains(f.cuts, us)
}

// flowEvent is one of a row's events: its rounded time in microseconds
// (flowRound; NULL when the event does not apply to the row) and its signed
// count per series (SQL over the row; absent: 0).
type flowEvent struct {
	at string
	w  map[string]string
}

// events are a row's events, over the columns of the KPI's source and
// __uc, __ur, __ud: its creation, resolution and deadline in microseconds
// (flowCols).
func (f *flowRollup) events() []flowEvent {
	d := f.def
	col := func(role string) string { return store.QuoteIdent(d.Roles[role]) }
	c, r := "__uc", "__ur"
	ok := "(" + col("resolved_at") + " IS NULL OR " + col("resolved_at") + " >= " + col("created_at") + ")"
	open := c + " IS NOT NULL AND " + ok
	when := func(cond, e string) string { return "CASE WHEN " + cond + " THEN " + e + " END" }
	b01 := func(cond string) string { return "CASE WHEN " + cond + " THEN 1 ELSE 0 END" }
	first := "coalesce(" + f.flowRound(c) + ", " + flowNever + ")"
	if f.kind == "backlog" {
		return []flowEvent{
			{first, map[string]string{"n": "1", "open": b01(open)}},
			{when(open+" AND "+r+" IS NOT NULL", f.flowRound("greatest("+c+", "+r+")")), map[string]string{"open": "-1"}},
		}
	}
	a := "CAST(NULL AS TIMESTAMP)"
	if f.hasAsO {
		a = duckTimeLit(f.asOf)
	}
	open += " AND " + resDue + " IS NOT NULL"
	pastA := "coalesce(" + resDue + " < " + a + ", false)"
	return []flowEvent{
		{first, map[string]string{"n": "1", "open": b01(open), "overA": b01(open + " AND " + pastA)}},
		{when(open+" AND "+r+" IS NOT NULL", f.flowRound("greatest("+c+", "+r+")")), map[string]string{"open": "-1", "overA": "-" + b01(pastA)}},
		{when(open, f.flowRound("greatest("+c+", __ud)")), map[string]string{"overT": "1"}},
		{when(open+" AND "+r+" IS NOT NULL", f.flowRound("greatest("+c+", __ud, "+r+")")), map[string]string{"overT": "-1"}},
	}
}

// flowCols is the SELECT of src's rows with the instants the events read
// in microseconds: __uc created, __ur resolved, __ud the deadline.
func (f *flowRollup) flowCols(src string) string {
	d := f.def
	us := func(x string) string { return "epoch_us(CAST(" + x + " AS TIMESTAMP))" }
	cols := []string{us(store.QuoteIdent(d.Roles["created_at"])) + " AS __uc", us(store.QuoteIdent(d.Roles["resolved_at"])) + " AS __ur"}
	if f.kind == "backlog_overdue" {
		cols = append(cols, us(resDue)+" AS __ud")
	}
	return fmt.Sprintf("SELECT *, %s FROM (%s)", strings.Join(cols, ", "), src)
}

// flowSums is the SELECT of the events of src's rows summed per rounded
// time (__day) and keys (columns of src, kept): columns keys, __day and
// one BIGINT per series. One scan: each event's time is a column and a
// grouping set of its own (keys, __k<i>), so a row's events are neither
// built as a list nor unnested (half the time of unnest over 100M tickets),
// and each set's counts are taken from its own event's weights.
func (f *flowRollup) flowSums(keys []string, src string) string {
	evs := f.events()
	series := flowSeries[f.kind]
	aggs := []string{"count(*) AS __c"}
	alias := map[string]string{}
	weight := func(w string) string {
		switch w {
		case "", "0":
			return ""
		case "1":
			return "__c"
		case "-1":
			return "-__c"
		}
		sign := ""
		if rest, neg := strings.CutPrefix(w, "-"); neg {
			sign, w = "-", rest
		}
		a, ok := alias[w]
		if !ok {
			a = fmt.Sprintf("__w%d", len(alias))
			alias[w] = a
			aggs = append(aggs, fmt.Sprintf("sum(%s) AS %s", w, a))
		}
		return sign + a
	}
	var kcols, ks, sets, at []string
	cases := map[string][]string{}
	full := 1<<len(evs) - 1
	for i, ev := range evs {
		k := fmt.Sprintf("__k%d", i)
		kcols = append(kcols, ev.at+" AS "+k)
		ks = append(ks, k)
		sets = append(sets, "("+prefixList(keys)+k+")")
		// grouping(__k0, …): the bit of each key not in the set; the
		// first key is the highest bit
		mask := full &^ (1 << (len(evs) - 1 - i))
		at = append(at, fmt.Sprintf("WHEN %d THEN %s", mask, k))
		for _, s := range series {
			if w := weight(ev.w[s]); w != "" {
				cases[s] = append(cases[s], fmt.Sprintf("WHEN %d THEN %s", mask, w))
			}
		}
	}
	var outs, sums []string
	for _, s := range series {
		x := "0"
		if len(cases[s]) > 0 {
			x = "CASE __g " + strings.Join(cases[s], " ") + " ELSE 0 END"
		}
		outs = append(outs, x+" AS "+s)
		sums = append(sums, fmt.Sprintf("CAST(sum(%[1]s) AS BIGINT) AS %[1]s", s))
	}
	grouped := fmt.Sprintf("SELECT %sgrouping(%s) AS __g, %s, %s FROM (SELECT *, %s FROM (%s)) GROUP BY GROUPING SETS (%s)",
		prefixList(keys), strings.Join(ks, ", "), strings.Join(ks, ", "), strings.Join(aggs, ", "), strings.Join(kcols, ", "), f.flowCols(src), strings.Join(sets, ", "))
	perEvent := fmt.Sprintf("SELECT %sCASE __g %s END AS __at, %s FROM (%s)", prefixList(keys), strings.Join(at, " "), strings.Join(outs, ", "), grouped)
	return fmt.Sprintf("SELECT %sCASE WHEN __at = %s THEN '-infinity'::TIMESTAMP ELSE make_timestamp(__at) END AS __day, %s FROM (%s) WHERE __at IS NOT NULL GROUP BY ALL",
		prefixList(keys), flowNever, strings.Join(sums, ", "), perEvent)
}

// buildFlow builds one part of a flow rollup's table. The totals (level 0)
// sum every row's events per rounded time, straight from the rows: a hash
// on one timestamp, quick enough for the first screen. The dimensions
// (level 1) sum them per time and combination of the values of a few
// cubes of dimensions first (work tables, as the rollups' cubes,
// rollGroup.cubes; the customers' dimensions as the code of their profile,
// see profileTable), then per set of one or two dimensions.
func (e *Engine) buildFlow(ctx context.Context, f *flowRollup, level int) error {
	if err := e.readAsOf(ctx, f); err != nil {
		return err
	}
	g := f.g
	var sumsOut, plain []string
	for _, s := range flowSeries[f.kind] {
		sumsOut = append(sumsOut, fmt.Sprintf("CAST(sum(%[1]s) AS BIGINT) AS %[1]s", s))
		plain = append(plain, s)
	}
	create := func(q string) error {
		stmt := "INSERT INTO " + store.QuoteIdent(f.table) + " " + q
		if level == 0 {
			stmt = "CREATE OR REPLACE TABLE " + store.QuoteIdent(f.table) + " AS " + q
		}
		began := time.Now()
		err := e.db.ExecProgress(ctx, e.stepProgress, stmt)
		e.debug("flow rollup", "table", f.table, "level", level, "elapsed", time.Since(began), "sql", stmt)
		return err
	}
	if level == 0 {
		q := fmt.Sprintf("SELECT __day, %s, %s FROM (%s) ORDER BY 1",
			setCols(nil, part{}), strings.Join(plain, ", "), f.flowSums(nil, e.rollSrc(g, "", false)))
		return create(q)
	}
	if len(g.dims) == 0 {
		return nil
	}
	// Rows of an interrupted build of this part (in a --db file) go first.
	if err := e.db.Exec(ctx, "DELETE FROM "+store.QuoteIdent(f.table)+" WHERE __gid <> 0"); err != nil {
		return err
	}
	// The sets come from a few cubes, as the rollups' (rollGroup.cubes):
	// one table of every dimension's values per day would hold more groups
	// than DuckDB's memory limit at 100M tickets.
	raw, from := g.cubes()
	var joined []int
	for i, x := range g.dimExpr {
		if strings.HasPrefix(x, "c.") {
			joined = append(joined, i)
		}
	}
	code := len(g.dims) // the profile's code, in place of the joined dimensions
	prof := ""
	if len(joined) > 1 {
		prof = fmt.Sprintf("%sfprof_%p", workPrefix, f)
		drop, err := e.profileTable(ctx, g, prof, joined)
		if err != nil {
			return err
		}
		defer drop()
	}
	for ci, set := range raw {
		sets := from[ci]
		if !f.pairs {
			var ones [][]int
			for _, s := range sets {
				if len(s) == 1 {
					ones = append(ones, s)
				}
			}
			sets = ones
		}
		if len(sets) == 0 {
			continue
		}
		coded := prof != ""
		for _, j := range joined {
			coded = coded && slices.Contains(set, j)
		}
		src := e.rollSrc(g, "", true)
		var keys []string
		for _, i := range set {
			if coded && slices.Contains(joined, i) {
				continue
			}
			keys = append(keys, fmt.Sprintf("__d%d", i))
		}
		if coded {
			src = e.rollSrcWith(g, "", true, prof)
			keys = append(keys, fmt.Sprintf("__d%d", code))
		}
		cube := fmt.Sprintf("%sflowcube_%p_%d", workPrefix, f, ci)
		drop, err := e.workTable(ctx, cube, f.flowSums(keys, src), nil)
		if err != nil {
			return err
		}
		rows := store.QuoteIdent(cube)
		if coded { // the profile's values back in place of its code
			var plain, vals []string
			for _, j := range joined {
				plain = append(plain, fmt.Sprintf("__d%d", j))
				vals = append(vals, fmt.Sprintf("v.__d%d", j))
			}
			rows = fmt.Sprintf("(SELECT k.*, %s FROM %s k LEFT JOIN (SELECT DISTINCT __d%d, %s FROM %s) v ON k.__d%d = v.__d%d)",
				strings.Join(vals, ", "), rows, code, strings.Join(plain, ", "), store.QuoteIdent(prof), code, code)
		}
		err = create(fmt.Sprintf("SELECT __day, %s, %s FROM %s%s ORDER BY __gid, __day", setCols(sets, part{}), strings.Join(sumsOut, ", "), rows, groupingSetsSQL(sets, "")))
		drop()
		if err != nil {
			return err
		}
	}
	return nil
}

// prefixList is the items joined with ", " and a trailing ", " ("" for none).
func prefixList(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return strings.Join(items, ", ") + ", "
}

// flowsBuilt reports whether d's totals (without extras) are answered by
// its flow rollup, built.
func (e *Engine) flowsBuilt(ctx context.Context, d *Def) bool {
	plain := *d
	plain.Extras = nil
	e.roll.mu.Lock()
	f := e.roll.flows[d.ID]
	done := f != nil && f.states[0].done
	e.roll.mu.Unlock()
	if !done {
		return false
	}
	_, ok := e.flowFor(ctx, &plain, 0)
	return ok
}

// flowFor returns the flow rollup answering d at a level (0: totals, 1:
// one or two dimensions) once built: the totals being built are waited
// for, the dimensions not (their queries read the raw rows meanwhile). ok
// is false when there is none.
func (e *Engine) flowFor(ctx context.Context, d *Def, level int) (*flowRollup, bool) {
	e.roll.mu.Lock()
	f := e.roll.flows[d.ID]
	e.roll.mu.Unlock()
	if f == nil || len(d.Extras) > 0 || flowKind(d) != f.kind {
		return nil, false
	}
	st := f.states[level]
	e.roll.mu.Lock()
	done, building := st.done, st.building
	e.roll.mu.Unlock()
	if !done {
		if !building || level > 0 || indexOnlyOf(ctx) != nil { // IndexOnly waits for nothing
			return nil, false
		}
		select {
		case <-st.wait:
		case <-ctx.Done():
			return nil, false
		}
		e.roll.mu.Lock()
		done = st.done
		e.roll.mu.Unlock()
	}
	return f, done && e.readAsOf(ctx, f) == nil
}

// runFlows answers a group of flow KPIs from their flow rollups, each KPI
// with the queries the raw rows would be read with (compileRaw), rendered
// against its table. ok is false when some KPI or query cannot be.
func (e *Engine) runFlows(ctx context.Context, defs []*Def, s Slice, pl plan) (full, part map[string]points, segErr error, ok bool, err error) {
	level := 0
	if len(s.Filters) > 0 || s.Segment != "" {
		level = 1
	}
	fs := make([]*flowRollup, len(defs))
	for i, d := range defs {
		f, ok := e.flowFor(ctx, d, level)
		if !ok {
			return nil, nil, nil, false, ctx.Err()
		}
		fs[i] = f
	}
	type job struct {
		d    *Def
		q    rawQuery
		sql  string
		args []any
	}
	var jobs []job
	for i, d := range defs {
		qs, se, err := compileRaw(e.snapshot(), []*Def{d}, s, pl)
		if err != nil {
			return nil, nil, nil, false, nil
		}
		if se != nil {
			segErr = se
		}
		for _, q := range qs {
			sql, args, ok := renderDuckDBFlow(fs[i], d, q.plan, e.dimExpr)
			if !ok {
				return nil, nil, nil, false, nil
			}
			jobs = append(jobs, job{d, q, sql, args})
		}
	}
	// The queries are independent (a few thousand rows each): at once.
	outs := make([]map[string]points, len(jobs))
	errs := make([]error, len(jobs))
	jctx, stop := context.WithCancel(ctx) // the first failure stops the others
	defer stop()
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Totals are kept per period (runPeriodsWith: the periods
			// already read are not read again; PrefillPeriods reads them
			// all); segments are read each time.
			f := fs[slices.Index(defs, j.d)]
			render := func(qp *queryPlan) (string, []any, bool) { return renderDuckDBFlow(f, j.d, qp, e.dimExpr) }
			ps, _, ok, err := e.runPeriodsWith(jctx, []*Def{j.d}, s, j.q, render) // never sketched: rendered by the flows
			if !ok && err == nil {
				ps, err = e.runPoints(jctx, []*Def{j.d}, j.sql, j.args, j.q.withSeg, j.q.win)
			}
			if outs[i], errs[i] = ps, err; err != nil {
				stop()
			}
		}()
	}
	wg.Wait()
	full = map[string]points{}
	for i, j := range jobs {
		ps, err := outs[i], errs[i]
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, nil, false, ctx.Err()
			}
			e.debug("flow query failed, reading raw rows", "err", err)
			return nil, nil, nil, false, nil
		}
		switch j.q.role {
		case rawFull:
			full[j.d.ID] = ps[j.d.ID]
		case rawSegments:
			mergeSegments(map[string]points{j.d.ID: full[j.d.ID]}, ps)
		case rawPart:
			if part == nil {
				part = map[string]points{}
			}
			part[j.d.ID] = ps[j.d.ID]
		}
	}
	e.roll.flowHits.Add(1)
	return full, part, segErr, true, nil
}

// renderDuckDBFlow renders a cohort query plan of flow KPI d against its
// flow table: the periods of the plan, the events before each period's
// end summed at the plan's filters and segment (a set of at most two
// dimensions), the inputs from those sums, then the value. ok is false when
// the flows cannot answer it.
func renderDuckDBFlow(f *flowRollup, d *Def, q *queryPlan, dimExpr func(table, dim string) (string, bool, error)) (string, []any, bool) {
	c := q.Cohort
	if q.PeriodBy != periodCohort || c == nil || q.Where != f.def.Where || q.Source != f.def.Source {
		return "", nil, false
	}
	// The periods, as the raw query lists them.
	type period struct{ start, end time.Time }
	var periods []period
	if c.Step == All {
		periods = append(periods, period{c.First, c.End})
	} else {
		for p := c.First; !p.After(c.Last); p = c.Step.Add(p, 1) {
			end := c.Step.Add(p, 1)
			if c.Elapsed > 0 {
				end = p.Add(c.Elapsed)
			}
			periods = append(periods, period{p, end})
		}
	}
	if len(periods) == 0 || len(periods) > 5000 {
		return "", nil, false
	}
	for _, p := range periods {
		if !f.onGrid(p.end) {
			return "", nil, false
		}
	}
	// The dimensions filtered and broken down by, as the flow table's set.
	var dims []string
	for _, pf := range q.Filters {
		if pf.Op != "" {
			return "", nil, false // a numeric filter
		}
		dim, ok := f.dimOf(pf.Col)
		if !ok {
			return "", nil, false
		}
		dims = append(dims, dim)
	}
	segDim := ""
	if q.Segment != nil {
		dim, ok := f.dimOf(*q.Segment)
		if !ok {
			return "", nil, false
		}
		segDim = dim
		dims = append(dims, dim)
	}
	idx, ok := f.g.dimIndexes(dims)
	if !ok || len(idx) > 2 || len(idx) == 2 && !f.pairs {
		return "", nil, false
	}
	value := func(dim string) rollValue {
		i := slices.Index(f.g.dims, dim)
		if len(idx) > 0 && idx[0] == i {
			return rollValue1
		}
		return rollValue2
	}
	rq := &rollupQueryPlan{}
	for _, i := range idx {
		rq.Set |= int64(1) << i
	}
	for i, pf := range q.Filters {
		rq.Filters = append(rq.Filters, rollFilter{Value: value(dims[i]), Values: pf.Values, Blank: pf.Blank, Not: pf.Not})
	}
	where, args := duckRollWhere(rq, nil)

	var rows []string
	for _, p := range periods {
		rows = append(rows, fmt.Sprintf("(%s, %s)", duckTimeLit(p.start), duckTimeLit(p.end)))
	}
	series := flowSeries[f.kind]
	segSel, gsel, gby := "", "", " GROUP BY period_start, period_end"
	if segDim != "" {
		segSel = duckRollValue(value(segDim)) + " AS __seg, "
		gsel = "__seg, GROUPING(__seg) AS __g, "
		gby = " GROUP BY GROUPING SETS ((period_start, period_end, __seg), (period_start, period_end))"
	}
	var sums []string
	for _, s := range series {
		sums = append(sums, fmt.Sprintf("sum(%[1]s) AS s_%[1]s", s))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "WITH periods AS (SELECT * FROM (VALUES %s) v(period_start, period_end)), ", strings.Join(rows, ", "))
	fmt.Fprintf(&b, "src AS (SELECT %s__day, %s FROM %s%s), ", segSel, strings.Join(series, ", "), store.QuoteIdent(f.table), where)
	fmt.Fprintf(&b, "agg AS (SELECT period_start AS __p, period_end AS __e, %s%s FROM src JOIN periods ON src.__day < periods.period_end%s)", gsel, strings.Join(sums, ", "), gby)
	// The inputs from the sums: the built-ins' (flowKind checked them).
	inputs := map[string]string{"open": "s_open"}
	if f.kind == "backlog_overdue" {
		over := "s_overT"
		if f.hasAsO {
			over = "CASE WHEN __e <= " + duckTimeLit(f.asOf) + " THEN s_overT ELSE s_overA END"
		}
		inputs["overdue"] = over
	}
	var sel []string
	for _, name := range sortedKeys(d.Components()) {
		x, ok := inputs[name]
		if !ok {
			return "", nil, false
		}
		sel = append(sel, fmt.Sprintf("CAST((%s) AS DOUBLE) AS %s", x, store.QuoteIdent("k0_"+name)))
	}
	keys := "__p, "
	if segDim != "" {
		keys += "__seg, __g, "
	}
	fmt.Fprintf(&b, " SELECT %s%s FROM agg WHERE s_n > 0", keys, strings.Join(sel, ", "))
	v := valuePlan(d, q.Grain, "k0__value", func(name string) string { return "k0_" + name })
	return "SELECT *, CAST(" + duckValue(v) + " AS DOUBLE) AS " + store.QuoteIdent(v.Name) + " FROM (" + b.String() + ")", args, true
}

// dimOf is the offered dimension of the flow's that reads column c.
func (f *flowRollup) dimOf(c colRef) (string, bool) {
	want := store.QuoteIdent(c.Name)
	for i, x := range f.g.dimExpr {
		pre, name, found := strings.Cut(x, ".")
		if !found {
			continue
		}
		if (pre == "c") == c.Customer && (name == want || name == c.Name) {
			return f.g.dims[i], true
		}
	}
	return "", false
}

// flowPrefix names the flow tables: the prefix, then the signature.
const flowPrefix = "__kpiscope_flow_"

// runFlowStep builds one part of a flow rollup (unless kept in a --db
// file) and records it; on failure its queries read the raw rows, where a
// KPI that fails on the data shows its own error.
func (e *Engine) runFlowStep(ctx context.Context, f *flowRollup, level int) {
	st := f.states[level]
	e.roll.mu.Lock()
	kept := st.done
	e.roll.mu.Unlock()
	if kept {
		return
	}
	var err error
	if level == flowAges {
		if f.states[0].done { // of no use without the counts
			err = e.buildAges(ctx, f)
		} else {
			err = fmt.Errorf("the totals were not built")
		}
	} else if level == 0 || f.states[0].done {
		err = e.buildFlow(ctx, f, level)
	} else {
		err = fmt.Errorf("the totals were not built")
	}
	code := flowPartCode(level)
	if level == flowAges && errors.Is(err, errAgesRefused) {
		// Done, without a copy (agesFor: the raw rows).
		e.debug("flow ages refused", "kpi", f.id, "err", err)
		err, code = nil, flowAgesRefused
	}
	if err == nil && e.roll.persist != nil {
		err = e.db.Exec(ctx, "INSERT INTO "+rollupBook+" VALUES (?, ?, ?)", f.table, f.def.Source, code)
	}
	e.roll.mu.Lock()
	if err == nil {
		st.done, st.building = true, false
		close(st.wait)
	} else {
		st.release()
	}
	e.roll.mu.Unlock()
	if err != nil {
		e.debug("flow rollup not built, reading raw rows", "kpi", f.id, "level", level, "err", err)
	}
}

// flowPartCode is a flow part's code in the rollups' book (negative: the
// rollups' parts count from 0).
func flowPartCode(level int) int { return -1 - level }

// readAsOf reads the as-of instant backlog_overdue compares deadlines with
// (BusinessAsOfMacro), once.
func (e *Engine) readAsOf(ctx context.Context, f *flowRollup) error {
	if f.kind != "backlog_overdue" {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.asOfRead {
		return nil
	}
	rows, err := e.db.Query(ctx, "SELECT CAST("+BusinessAsOfMacro+"() AS TIMESTAMP)")
	if err != nil {
		return err
	}
	if len(rows.Data) == 1 {
		if t, ok := rows.Data[0][0].(time.Time); ok {
			f.asOf, f.hasAsO = t.UTC(), true
		}
	}
	f.asOfRead = true
	return nil
}

// errAgesRefused is buildAges' answer when too many rows stay open long
// for a copy of them to pay: the ages read every row (recorded in the book
// as flowAgesRefused, so that the next start does not count them again).
var errAgesRefused = errors.New("too many tickets stay open for a copy: the ages read every row")

// flowAgesRefused is a refused copy's code in the rollups' book.
const flowAgesRefused = -1 - flowStates

// flowLongPrefix names the tables of long-lived rows: the prefix, the flow
// table's signature, _ and the lag in days.
const flowLongPrefix = "__kpiscope_flowlong_"

// agesLagDays are the lags past which a ticket counts as long-lived: the
// one chosen leaves at most agesLongMax of them and reads the fewest rows
// for a period's ages (the rows of lag days, and the long-lived ones):
// days fit support desks, months data whose tickets stay open for months.
var agesLagDays = []int{2, 3, 5, 7, 10, 14, 21, 31, 62, 92, 183, 366}

// agesLongMax bounds the long-lived rows copied: a tenth of the rows, at
// most two million, at least ten thousand. Past it (most tickets never
// resolved) the ages read the raw rows.
func agesLongMax(rows int64) int64 { return min(2_000_000, max(10_000, rows/10)) }

// spanConds are the conditions, on the source's row t, of a row that stays
// open longer than days (created, and resolved more than days later or
// not at all) and of one that does not (resolved within days).
func (f *flowRollup) spanConds(days int) (long, short string) {
	d := f.def
	c := "CAST(t." + store.QuoteIdent(d.Roles["created_at"]) + " AS TIMESTAMP)"
	r := "CAST(t." + store.QuoteIdent(d.Roles["resolved_at"]) + " AS TIMESTAMP)"
	lag := fmt.Sprintf("INTERVAL %d DAY", days)
	long = c + " IS NOT NULL AND (" + r + " IS NULL OR " + r + " > " + c + " + " + lag + ")"
	short = r + " IS NOT NULL AND " + r + " <= " + c + " + " + lag
	return long, short
}

// buildAges copies the source's long-lived rows (spanConds) into a table
// of their own, with the shortest lag of agesLagDays that leaves at most
// agesLongMax of them.
func (e *Engine) buildAges(ctx context.Context, f *flowRollup) error {
	src := store.QuoteIdent(f.def.Source)
	lags, most := agesLagDays, int64(0)
	e.roll.mu.Lock()
	if e.roll.agesLags != nil {
		lags = e.roll.agesLags
	}
	most = e.roll.agesMax
	e.roll.mu.Unlock()
	created := "CAST(t." + store.QuoteIdent(f.def.Roles["created_at"]) + " AS TIMESTAMP)"
	counts := []string{"count(*)", "coalesce(date_diff('second', min(" + created + "), max(" + created + ")), 0)"}
	for _, days := range lags {
		long, _ := f.spanConds(days)
		counts = append(counts, "count(*) FILTER (WHERE "+long+")")
	}
	rows, err := e.db.Query(ctx, "SELECT "+strings.Join(counts, ", ")+" FROM "+src+" t")
	if err != nil {
		return err
	}
	if len(rows.Data) != 1 {
		return fmt.Errorf("no count of %s", f.def.Source)
	}
	n, span := store.Int(rows.Data[0][0]), max(float64(store.Int(rows.Data[0][1]))/86400, 1)
	limit, days, best := agesLongMax(n), 0, 0.0
	if most > 0 {
		limit = most
	}
	for i, dd := range lags {
		long := store.Int(rows.Data[0][i+2])
		// The rows a period's ages read: lag days of the source's, and
		// the long-lived ones.
		cost := float64(n)/span*float64(dd) + float64(long)
		if long <= limit && (days == 0 || cost < best) {
			days, best = dd, cost
		}
	}
	if days == 0 {
		return fmt.Errorf("%w: %d of %d rows stay open past %d days", errAgesRefused, store.Int(rows.Data[0][len(lags)+1]), n, lags[len(lags)-1])
	}
	name := fmt.Sprintf("%s%s_%d", flowLongPrefix, strings.TrimPrefix(f.table, flowPrefix), days)
	long, _ := f.spanConds(days)
	stmt := "CREATE OR REPLACE TABLE " + store.QuoteIdent(name) + " AS SELECT t.* FROM " + src + " t WHERE " + long +
		" ORDER BY CAST(t." + store.QuoteIdent(f.def.Roles["created_at"]) + " AS TIMESTAMP)"
	began := time.Now()
	if err := e.db.ExecProgress(ctx, e.stepProgress, stmt); err != nil {
		return err
	}
	e.debug("flow ages", "table", name, "elapsed", time.Since(began), "sql", stmt)
	// The same flow's rows kept at another lag (a build of an older
	// kpiscope, other bounds) go.
	if names, err := e.db.Tables(ctx); err == nil {
		prefix := flowLongPrefix + strings.TrimPrefix(f.table, flowPrefix) + "_"
		for _, n := range names {
			if strings.HasPrefix(n, prefix) && n != name {
				if err := e.db.Exec(ctx, "DROP TABLE IF EXISTS "+store.QuoteIdent(n)); err != nil {
					return err
				}
			}
		}
	}
	f.mu.Lock()
	f.long, f.lagDays = name, days
	f.mu.Unlock()
	return nil
}

// agesFor returns the flow rollup whose long-lived rows answer d's extras
// (the ages), built.
func (e *Engine) agesFor(d *Def) (*flowRollup, bool) {
	if d == nil || len(d.Extras) == 0 || e.wh != nil {
		return nil, false
	}
	e.roll.mu.Lock()
	f := e.roll.flows[d.ID]
	ok := f != nil && f.states[flowAges].done && flowKind(d) == f.kind
	e.roll.mu.Unlock()
	if !ok || !maps.Equal(d.Extras, builtinOf(f.kind).Bind(d.Source, d.Roles).Extras) {
		return nil, false // extras changed from the built-in's (noneExtras knows its)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f, f.long != ""
}

// noneExtras are the extras of flow KPI d over no row: the built-ins'
// counts are 0, their median none.
func noneExtras(d *Def) map[string]*float64 {
	out := map[string]*float64{}
	for name, x := range d.Extras {
		if strings.HasPrefix(x, "count(") {
			out[name] = new(float64)
		} else {
			out[name] = nil
		}
	}
	return out
}

// agesDef is d for its ages' query: the backlog's as-of instant (the
// subquery over its whole table, backlogAsOf) read once and written as a
// constant, and the open condition and the calendar age, which each of
// the six extras repeats, computed once per row (row columns): the
// aggregates took as long as reading the rows.
func (e *Engine) agesDef(ctx context.Context, f *flowRollup, d *Def) (*Def, error) {
	bind := func(x string) string { // as Builtin.Bind binds d
		x = strings.ReplaceAll(x, sourceToken, store.QuoteIdent(d.Source))
		return roleRE.ReplaceAllStringFunc(x, func(m string) string {
			c := d.Roles[m[1:len(m)-1]]
			if c == "" {
				c = m[1 : len(m)-1]
			}
			return store.QuoteIdent(c)
		})
	}
	c := *d
	c.Extras, c.Inputs, c.RowCols = maps.Clone(d.Extras), maps.Clone(d.Inputs), map[string]string{}
	maps.Copy(c.RowCols, d.RowCols)
	inExtras := func(x string) bool {
		for _, v := range c.Extras {
			if strings.Contains(v, x) {
				return true
			}
		}
		return false
	}
	replace := func(from, to string) {
		for _, m := range []map[string]string{c.Extras, c.Inputs} {
			for name, x := range m {
				m[name] = strings.ReplaceAll(x, from, to)
			}
		}
	}
	sub, age := bind(backlogAsOf), bind(ageDays)
	if inExtras(sub) { // backlog_overdue's is a macro, already a constant
		at, err := e.agesAsOf(ctx, f, sub)
		if err != nil {
			return nil, err
		}
		if at != "" { // else no row has a time: the subquery stays
			replace(sub, at)
			age = strings.ReplaceAll(age, sub, at)
		}
	}
	for _, rc := range []struct{ name, expr string }{{agesOpenCol, bind(backlogOpen)}, {agesDaysCol, age}} {
		if inExtras(rc.expr) {
			c.RowCols[rc.name] = rc.expr
			replace(rc.expr, rc.name)
		}
	}
	return &c, nil
}

// agesAsOf is the backlog's as-of instant (sub, its subquery) as a SQL
// constant, read once; "" when no row has a time.
func (e *Engine) agesAsOf(ctx context.Context, f *flowRollup, sub string) (string, error) {
	f.mu.Lock()
	at, read := f.agesAt, f.agesAtRead
	f.mu.Unlock()
	if read {
		return at, nil
	}
	rows, err := e.db.Query(ctx, "SELECT CAST("+sub+" AS TIMESTAMP)")
	if err != nil {
		return "", err
	}
	if len(rows.Data) == 1 {
		if t, ok := rows.Data[0][0].(time.Time); ok {
			at = duckTimeLit(t)
		}
	}
	f.mu.Lock()
	f.agesAt, f.agesAtRead = at, true
	f.mu.Unlock()
	return at, nil
}

// The row columns of the ages' query (agesDef).
const (
	agesOpenCol = "__kpiscope_isopen"
	agesDaysCol = "__kpiscope_agedays"
)

// runAges computes the extras (the ages) of flow KPI d for the current
// period of plan pl alone, totals and segments, from its long-lived rows
// and the source's rows created within the lag before the period's end.
func (e *Engine) runAges(ctx context.Context, f *flowRollup, d *Def, s Slice, pl plan) (points, error) {
	out, _, err := e.runAgesOver(ctx, f, d, s, pl, false)
	return out, err
}

// runAgesOver is runAges, over every period of pl's window from pl.from
// when span is set (PrefillAges' runs of days: one query, one scan);
// queried says whether it sent a query (else every period's ages were
// kept).
func (e *Engine) runAgesOver(ctx context.Context, f *flowRollup, d *Def, s Slice, pl plan, span bool) (out points, queried bool, err error) {
	// The ages at a period end are the same whatever the grain: the
	// total's, a breakdown's by an offered dimension and one value's of
	// it are kept once computed (agesKeepOf).
	keep, kept := e.agesKeepOf(d, s)
	id := d.ID
	if kept {
		e.loadPeriodKeys(ctx, keep.keys(id))
	}
	d, err = e.agesDef(ctx, f, d)
	if err != nil {
		return nil, false, err
	}
	qs, _, err := compileRaw(e.snapshot(), []*Def{d}, s, agesPlan(pl, span))
	if err != nil {
		return nil, false, err
	}
	f.mu.Lock()
	long, days := f.long, f.lagDays
	f.mu.Unlock()
	_, short := f.spanConds(days)
	out = points{}
	for _, q := range qs {
		if q.role == rawPart {
			continue // the comparison's part shows no ages
		}
		p := *q.plan
		c := p.Cohort
		if c == nil || p.Time == "" {
			return nil, false, fmt.Errorf("the ages of %s: not a cohort over time", d.ID)
		}
		// The periods' ends, as the renderer lists them.
		end := c.endOf
		first, last := c.End, c.End
		if c.Step != All {
			first, last = end(c.First), end(c.Last)
		}
		memo := kept && q.role == rawFull && q.withSeg == keep.breakdown() && c.Step != All
		var starts []time.Time  // the periods', when memo
		had := map[int64]bool{} // the kept ones (period starts, unix seconds)
		found := points{}       // their ages
		if memo {
			for t := c.First; !t.After(c.Last); t = c.Step.Add(t, 1) {
				starts = append(starts, t)
			}
			all := true
			for _, t := range starts {
				had[t.Unix()] = e.keptAgesAt(id, keep, end(t).UnixMicro(), t.Unix(), found)
				all = all && had[t.Unix()]
			}
			if all {
				maps.Copy(out, found)
				e.roll.agesKeptHits.Add(1)
				continue
			}
		}
		p.Cohort = e.knownPeriodCols(ctx, c, end)
		// A row resolved before the first period's end is open at none.
		p.Ranges = []timeRange{{first.AddDate(0, 0, -days), last}}
		resolved := "CAST(t." + store.QuoteIdent(d.Roles["resolved_at"]) + " AS TIMESTAMP)"
		p.Spans = &spanRows{Long: long, Short: short + " AND " + resolved + " >= " + duckTimeLit(first),
			LongAlso: resolved + " IS NULL OR " + resolved + " >= " + duckTimeLit(first)}
		if err := e.readsRows(ctx); err != nil {
			return nil, false, err
		}
		sql, args := renderDuckDB(&p)
		ps, err := e.runPoints(ctx, []*Def{d}, sql, args, q.withSeg, q.win)
		queried = true
		if err != nil {
			return nil, true, err
		}
		for k, pt := range ps[d.ID] {
			out[k] = pt
		}
		if memo {
			rows := make([]keptPeriod, 0, len(starts))
			for _, t := range starts {
				if had[t.Unix()] {
					continue // kept already (a run's days, some kept)
				}
				at := end(t).UnixMicro()
				put := func(key string, pt *Point) {
					e.periodRolls.put(key, at, pt)
					rows = append(rows, keptPeriod{key, at, pt})
				}
				var pt *Point // nil: no ticket open at that end
				if got := ps[d.ID][pkey{total: true, period: t.Unix()}]; got != nil {
					pt = &Point{Extras: got.Extras}
				}
				switch {
				case keep.value != "":
					put(agesValueKey(id, keep.dim, keep.value), pt)
				case keep.dim != "":
					if _, ok := e.periodRolls.get(agesKeptKey(id), at); !ok {
						put(agesKeptKey(id), pt)
					}
					put(agesByKey(id, keep.dim), agesByPoint(ps[d.ID], t.Unix()))
				default:
					put(agesKeptKey(id), pt)
				}
			}
			e.keepPeriods(ctx, rows)
		}
	}
	return out, queried, nil
}

// agesPlan is pl as the ages read it: its current period alone, or every
// period of its window from pl.from when span is set, with no trend
// before.
func agesPlan(pl plan, span bool) plan {
	if !span {
		pl.from = pl.cur
	}
	pl.trendStart = pl.from
	return pl
}

// knownPeriodCols is cohort series c with its period columns (PeriodCols)
// written as the values they take in each of its periods (ends: end), SQL
// literals computed once per period and kept by the engine (periodVals).
// The backlog past SLA's column, each calendar's business time to the
// period's end, is bizcal's long expression: DuckDB took ~15 ms to plan it
// alone and ~40 ms of a 45 ms ages statement at 10M tickets, where it runs
// in well under a millisecond. c itself when it has none, is over all
// time or too many periods, or a value has no literal (store.Literal), or
// the values cannot be read (the statement then computes them, and says
// what is wrong).
func (e *Engine) knownPeriodCols(ctx context.Context, c *cohortSeries, end func(time.Time) time.Time) *cohortSeries {
	if len(c.Cols) == 0 || c.Step == All {
		return c
	}
	var starts []time.Time
	for t := c.First; !t.After(c.Last); t = c.Step.Add(t, 1) {
		if starts = append(starts, t); len(starts) > 64 {
			return c
		}
	}
	names := sortedKeys(c.Cols)
	key := func(name string, t time.Time) string {
		return c.Cols[name] + "\x00" + duckTimeLit(t) + "\x00" + duckTimeLit(end(t))
	}
	var missing []time.Time
	for _, t := range starts {
		for _, name := range names {
			if _, ok := e.periodVals.Load(key(name, t)); !ok {
				missing = append(missing, t)
				break
			}
		}
	}
	if len(missing) > 0 {
		vals, sel := make([]string, len(missing)), make([]string, len(names))
		for i, t := range missing {
			vals[i] = fmt.Sprintf("(%d, %s, %s)", i, duckTimeLit(t), duckTimeLit(end(t)))
		}
		for i, name := range names {
			sel[i] = "(" + c.Cols[name] + ")"
		}
		rows, err := e.db.Query(ctx, "SELECT i, "+strings.Join(sel, ", ")+" FROM (VALUES "+strings.Join(vals, ", ")+") v(i, period_start, period_end)")
		if err != nil || len(rows.Data) != len(missing) {
			return c
		}
		for _, r := range rows.Data {
			i := int(store.Int(r[0]))
			if i < 0 || i >= len(missing) {
				return c
			}
			for j, name := range names {
				lit, ok := store.Literal(r[j+1])
				if !ok {
					return c
				}
				e.periodVals.Store(key(name, missing[i]), lit)
			}
		}
	}
	out := *c
	out.Cols = make(map[string]string, len(names))
	for _, name := range names {
		var whens []string
		for _, t := range starts {
			lit, ok := e.periodVals.Load(key(name, t))
			if !ok {
				return c
			}
			if len(starts) == 1 {
				out.Cols[name] = lit.(string)
				break
			}
			whens = append(whens, "WHEN "+duckTimeLit(t)+" THEN "+lit.(string))
		}
		if len(whens) > 0 {
			out.Cols[name] = "CASE period_start " + strings.Join(whens, " ") + " END"
		}
	}
	return &out
}

// agesKeptKey names, in the period rollups (and a --db file's period
// book), the ages of flow KPI d's total with no filter, per period end
// (its instant in microseconds): they depend on that instant alone (and
// on the data and the definition, which the book's signature holds), so
// a month's end and its last day's share them.
func agesKeptKey(id string) string { return id + "|ages@end" }

// agesByKey is the key of the ages of every value of dimension dim at a
// period end, one point (agesByPoint) per end; agesValueKey is one
// value's, kept when a filter asked for it first.
func agesByKey(id, dim string) string { return id + "|ages@end|by " + dim }

func agesValueKey(id, dim, value string) string {
	return id + "|ages@end|" + dim + "=" + strconv.Quote(value)
}

// agesKeep names the kept ages that answer a slice's (runAgesOver): the
// total's (no filter, no breakdown); a breakdown's by an offered dimension
// dim (the total's and agesByKey's); or one value's, a filter dim=value on
// such a dimension (agesValueKey's, or the value's part of agesByKey's).
type agesKeep struct{ dim, value string }

// breakdown says whether the slice breaks down by dim.
func (k agesKeep) breakdown() bool { return k.dim != "" && k.value == "" }

// keys are the kept keys it reads.
func (k agesKeep) keys(id string) []string {
	switch {
	case k.value != "":
		return []string{agesValueKey(id, k.dim, k.value), agesByKey(id, k.dim)}
	case k.dim != "":
		return []string{agesKeptKey(id), agesByKey(id, k.dim)}
	}
	return []string{agesKeptKey(id)}
}

// agesKeepOf is how slice s's ages of d are kept; false when they are
// not: several filters (or one of several values, an exclusion, a number's
// comparison), a filter with a breakdown, a dimension not offered. A blank
// value is left to the query: a filter's blank keeps empty cells, a
// breakdown's holds only NULLs.
func (e *Engine) agesKeepOf(d *Def, s Slice) (agesKeep, bool) {
	switch {
	case s.Segment == "" && len(s.Filters) == 0:
		return agesKeep{}, true
	case s.Segment != "" && len(s.Filters) == 0:
		if dim, ok := e.agesDim(d, s.Segment); ok {
			return agesKeep{dim: dim}, true
		}
	case s.Segment == "" && len(s.Filters) == 1:
		f := s.Filters[0]
		if f.Op != OpIn || len(f.Values) != 1 || f.Values[0] == "" || f.Values[0] == BlankLabel {
			return agesKeep{}, false
		}
		if dim, ok := e.agesDim(d, f.Dim); ok {
			return agesKeep{dim: dim, value: f.Values[0]}, true
		}
	}
	return agesKeep{}, false
}

// agesDimMax is the distinct values past which a dimension's ages are not
// kept by value (Dimension.Values, approximate).
const agesDimMax = 200

// agesDim is dim, canonical, when it is an offered dimension of at most
// agesDimMax values that d's source reaches.
func (e *Engine) agesDim(d *Def, dim string) (string, bool) {
	dim = e.CanonicalDim(dim)
	for _, x := range e.dims {
		if x.Name == dim && x.Values <= agesDimMax {
			_, _, err := e.dimExpr(d.Source, dim)
			return dim, err == nil
		}
	}
	return "", false
}

// agesByPoint packs the ages of every segment of ps in the period starting
// at period (unix seconds) into one point: its extras named by the
// segment's value, a NUL and the extra's name.
func agesByPoint(ps points, period int64) *Point {
	pt := &Point{Extras: map[string]*float64{}}
	for k, p := range ps {
		if k.total || k.period != period || p == nil {
			continue
		}
		for name, x := range p.Extras {
			pt.Extras[k.seg+"\x00"+name] = x
		}
	}
	return pt
}

// agesSegments unpacks agesByPoint's point by value.
func agesSegments(by *Point) map[string]*Point {
	out := map[string]*Point{}
	if by == nil {
		return out
	}
	for name, x := range by.Extras {
		i := strings.LastIndexByte(name, 0)
		if i < 0 {
			continue
		}
		pt := out[name[:i]]
		if pt == nil {
			pt = &Point{Extras: map[string]*float64{}}
			out[name[:i]] = pt
		}
		pt.Extras[name[i+1:]] = x
	}
	return out
}

// keptAgesAt reads into out the ages of slice k of KPI id kept for the
// period end at (unix microseconds), under the period starting at period
// (unix seconds); false when they are not kept. A value absent from its
// dimension's point had no ticket open there: no ages (as a query's).
func (e *Engine) keptAgesAt(id string, k agesKeep, at, period int64, out points) bool {
	if k.value != "" {
		pt, ok := e.periodRolls.get(agesValueKey(id, k.dim, k.value), at)
		if !ok {
			by, found := e.periodRolls.get(agesByKey(id, k.dim), at)
			if !found {
				return false
			}
			pt = agesSegments(by)[k.value]
		}
		if pt != nil {
			out[pkey{total: true, period: period}] = pt
		}
		return true
	}
	tot, ok := e.periodRolls.get(agesKeptKey(id), at)
	if !ok {
		return false
	}
	var segs map[string]*Point
	if k.dim != "" {
		by, found := e.periodRolls.get(agesByKey(id, k.dim), at)
		if !found {
			return false
		}
		segs = agesSegments(by)
	}
	if tot != nil {
		out[pkey{total: true, period: period}] = tot
	}
	for v, pt := range segs {
		out[pkey{seg: v, period: period}] = pt
	}
	return true
}

// agesPrefillRows is the rows of a ticket table from which PrefillAges
// computes the total's ages at every period end in advance: below it a
// period's ages take a few milliseconds when asked.
const agesPrefillRows = 2_000_000

// agesPrefillLeast is the rows from which a table's ages are prefilled:
// agesPrefillRows, or the tests' (SetAgesPrefill).
func (e *Engine) agesPrefillLeast() int64 {
	e.roll.mu.Lock()
	defer e.roll.mu.Unlock()
	if e.roll.agesPrefill > 0 {
		return e.roll.agesPrefill
	}
	return agesPrefillRows
}

// PrefillAges computes, after the flows' long-lived rows are kept, the
// ages of each flow KPI's total (the detail pane's median age and age
// buckets, with no filter) at the end of every period of every grain, the
// latest first, and keeps them (agesKeptKey; in a --db file, for the next
// start): at 100M tickets an exact median over the ~200k tickets open at a
// period's end takes 50–70 ms on two cores, which a key should not wait
// for. Each grain's latest period comes first, then the rest of a trend,
// then the others; when those periods took longer than agesPrefillSlow
// each, the rest go by runs of agesPrefillRun days, one query a run. Past
// agesPrefillBudget of queries the rest are computed when shown (and kept
// then; a --db file's next start goes on). Then, with a budget of their
// own, the ages of each offered dimension's values in the latest periods
// (prefillAgesByDim), which answer a drill's; other filtered slices' are
// computed when asked. It returns when done or when ctx ends.
func (e *Engine) PrefillAges(ctx context.Context) {
	if e.asOf.IsZero() || e.start.IsZero() {
		return
	}
	e.roll.mu.Lock()
	grains, budget, slow := e.roll.agesGrains, e.roll.agesBudget, e.roll.agesSlow
	e.roll.mu.Unlock()
	least := e.agesPrefillLeast()
	if slow == 0 {
		slow = agesPrefillSlow
	}
	if budget == 0 {
		budget = agesPrefillBudget
	}
	if grains == nil {
		// Months first (the first screen's grain), then the others; a
		// month's end is also a day's, computed once.
		grains = []Grain{Month, Week, Quarter, Year, Day}
	}
	for _, d := range e.Defs() {
		f, ok := e.agesFor(d)
		if !ok || e.rowsOf(d.Source) < least {
			continue
		}
		lo := e.start
		if sp := e.spanOf(d); !sp.lo.IsZero() && sp.lo.After(lo) {
			lo = sp.lo // no ticket open before the first
		}
		began, asked, computed, spent := time.Now(), 0, 0, time.Duration(0)
		hits := e.roll.agesKeptHits.Load()
		// The latest period of each grain first, then the others of a
		// trend, then the rest, latest first, until the budget is spent
		// (the periods left are computed when shown; a --db file's next
		// start goes on). Periods that took long go on by runs of days.
		done := map[Grain]time.Time{}
		// slowAges: the periods computed so far took long each.
		slowAges := func() bool { return computed > 0 && spent/time.Duration(computed) > slow }
		// ask computes (or finds kept) the ages of pl's periods.
		ask := func(rs Slice, pl plan, span bool) error {
			e.waitQuiet(ctx)
			at := time.Now()
			_, queried, err := e.runAgesOver(ctx, f, d, rs, pl, span)
			if err == nil && queried {
				spent += time.Since(at)
				computed++
			}
			asked++
			return err
		}
		runs := false
	walk:
		for _, first := range []int{1, agesPrefillFirst - 1, -1} {
			for _, g := range grains {
				t, n := g.Trunc(e.asOf), 0
				if at, ok := done[g]; ok {
					t = at
				}
				for ; !t.Before(g.Trunc(lo)) && n != first; t, n = g.Add(t, -1), n+1 {
					if ctx.Err() != nil {
						return
					}
					if spent > budget {
						break walk
					}
					if first != 1 && slowAges() {
						runs = true
						break walk
					}
					rs, pl := e.resolveSlice(Slice{Grain: g, Period: t, Trend: 1})
					if err := ask(rs, e.kpiWindows(pl, d), false); err != nil {
						e.debug("ages not prefilled", "kpi", d.ID, "grain", g, "period", t, "err", err)
						break walk
					}
				}
				done[g] = t
			}
		}
		// Each period scanned every row (the business-time view): the rest
		// by runs of days, one scan a run, latest first; every whole
		// period's end is a day's.
		for t := Day.Trunc(e.asOf); runs && !t.Before(Day.Trunc(lo)); {
			if ctx.Err() != nil {
				return
			}
			if spent > budget {
				break
			}
			rs, pl := e.resolveSlice(Slice{Grain: Day, Period: t, Trend: 1})
			pl = e.kpiWindows(pl, d)
			from := Day.Add(t, 1-agesPrefillRun)
			if from.Before(Day.Trunc(lo)) {
				from = Day.Trunc(lo)
			}
			if pl.partial || pl.cur.Before(from) { // the data's last day: alone
				from = pl.cur
			} else {
				pl.from = from
			}
			if err := ask(rs, pl, !pl.partial); err != nil {
				e.debug("ages not prefilled", "kpi", d.ID, "days to", t, "err", err)
				break
			}
			t = Day.Add(from, -1)
		}
		e.debug("ages prefilled", "kpi", d.ID, "periods", asked, "kept before", e.roll.agesKeptHits.Load()-hits, "computed in", spent, "elapsed", time.Since(began))
		e.prefillAgesByDim(ctx, f, d, lo, grains, budget)
	}
}

// prefillAgesByDim computes, after the total's, the ages of every value of
// each offered dimension d's source reaches (agesDim), one breakdown query
// a dimension and period, kept per period end (agesByKey): those of the
// latest period of each grain, then of the rest of their trends, until
// budget is spent. A drill's ages (a filter DIM=VALUE) are then read, not
// computed: at 100M tickets a filter's took 30–40 ms in calendar days,
// 150–200 ms in business days, after its value. Other filters, and older
// periods, are computed when shown (and a filter's kept then).
func (e *Engine) prefillAgesByDim(ctx context.Context, f *flowRollup, d *Def, lo time.Time, grains []Grain, budget time.Duration) {
	var dims []string
	for _, x := range e.dims {
		if dim, ok := e.agesDim(d, x.Name); ok {
			dims = append(dims, dim)
		}
	}
	began, asked, computed, spent := time.Now(), 0, 0, time.Duration(0)
	done := map[Grain]time.Time{}
walk:
	for _, first := range []int{1, agesPrefillFirst - 1} {
		for _, g := range grains {
			t, n := g.Trunc(e.asOf), 0
			if at, ok := done[g]; ok {
				t = at
			}
			for ; !t.Before(g.Trunc(lo)) && n != first; t, n = g.Add(t, -1), n+1 {
				for _, dim := range dims {
					if ctx.Err() != nil {
						return
					}
					if spent > budget {
						break walk
					}
					rs, pl := e.resolveSlice(Slice{Grain: g, Period: t, Trend: 1, Segment: dim})
					e.waitQuiet(ctx)
					at := time.Now()
					_, queried, err := e.runAgesOver(ctx, f, d, rs, e.kpiWindows(pl, d), false)
					if err != nil {
						e.debug("ages by dimension not prefilled", "kpi", d.ID, "grain", g, "period", t, "dim", dim, "err", err)
						break walk
					}
					asked++
					if queried {
						computed++
						spent += time.Since(at)
					}
				}
			}
			done[g] = t
		}
	}
	e.debug("ages by dimension prefilled", "kpi", d.ID, "dimensions", len(dims), "asked", asked, "computed", computed, "computed in", spent, "elapsed", time.Since(began))
}

// agesKeptNow says whether the ages of d's total in slice s (the
// detail's: TotalExtrasOnly) are kept in memory for every period they are
// shown for: runAgesOver then reads them, no query. It reads nothing from
// a --db file (a key's frame waits for it).
func (e *Engine) agesKeptNow(d *Def, s Slice) bool {
	s.Segment = ""
	keep, ok := e.agesKeepOf(d, s)
	if !ok {
		return false
	}
	rs, pl := e.resolveSlice(s)
	qs, _, err := compileRaw(e.snapshot(), []*Def{d}, rs, agesPlan(e.kpiWindows(pl, d), false))
	if err != nil {
		return false
	}
	for _, q := range qs {
		if q.role != rawFull {
			continue
		}
		c := q.plan.Cohort
		if c == nil || c.Step == All {
			return false
		}
		for t := c.First; !t.After(c.Last); t = c.Step.Add(t, 1) {
			if !e.keptAgesAt(d.ID, keep, c.endOf(t).UnixMicro(), t.Unix(), points{}) {
				return false
			}
		}
	}
	return true
}

// agesPrefillFirst is the periods of each grain PrefillAges computes
// before the others: a trend's.
const agesPrefillFirst = 13

// agesPrefillSlow is the time per period end past which PrefillAges goes
// on, after the latest periods, by runs of agesPrefillRun days in one query
// each: one read of the rows for 14 ends, which pays where reading them is
// most of a period's cost (tickets not in time order, whose range the
// business-time view's scans cannot skip: 2.5 s a period at 100M). Where
// the view is read within the lag (kpi.PastedView) a period end costs ~40
// ms at 10M tickets and 150–250 ms at 100M, and a run of 14 days 1.3–4.7 s
// at 100M, its rows crossed with 14 ends: one period at a time is quicker.
const agesPrefillSlow = 500 * time.Millisecond

// agesPrefillRun is the days of one such query.
const agesPrefillRun = 14

// agesPrefillBudget is the time PrefillAges spends computing one KPI's
// ages at one start: the backlog's every period end takes ~15 s on two
// cores at 10M tickets (five years, ~1,830 ends), ~35 s at 100M (two
// years, ~870 ends, 45 ms each).
const agesPrefillBudget = 2 * time.Minute

// ExtrasSlower reports whether the KPI's extras (the detail's statistics)
// take a much slower path than its value in slice s: the backlog's counts
// come from its flows, built, while its ages (the median age and the age
// buckets) read the raw rows until the long-lived rows are kept (runAges;
// or never, when too many tickets stay open), and, on a large table, the
// rows created within the lag before the period's end when the slice's
// ages are not kept (agesKeptNow: at 100M tickets 30–40 ms in calendar
// days, 150–250 ms in business days). A caller can then show the value
// without them first (WithoutExtras) and the extras when they come.
func (e *Engine) ExtrasSlower(id string, s Slice) bool {
	d := e.byID[id]
	if d == nil || len(d.Extras) == 0 || e.wh != nil {
		return false
	}
	if _, ok := e.agesFor(d); ok {
		// Below it the ages take a few milliseconds; else kept or not.
		return e.rowsOf(d.Source) >= e.agesPrefillLeast() && !e.agesKeptNow(d, s)
	}
	level := 0
	if len(s.Filters) > 0 || s.Segment != "" {
		level = 1
	}
	e.roll.mu.Lock()
	f := e.roll.flows[id]
	built := f != nil && flowKind(d) == f.kind && f.states[level] != nil && f.states[level].done
	e.roll.mu.Unlock()
	if !built {
		return false
	}
	// And the flows answer this slice (runFlows' queries render against
	// them): not a numeric filter, three dimensions, a period off the grid.
	plain := *d
	plain.Extras = nil
	rs, pl := e.resolveSlice(s)
	qs, _, err := compileRaw(e.snapshot(), []*Def{&plain}, rs, e.kpiWindows(pl, &plain))
	if err != nil {
		return false
	}
	for _, q := range qs {
		if _, _, ok := renderDuckDBFlow(f, &plain, q.plan, e.dimExpr); !ok {
			return false
		}
	}
	return true
}
