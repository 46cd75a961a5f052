package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/log/v2"

	"kpiscope/internal/kpi"
)

// queryKind says which of the two queries a result answers.
type queryKind int

const (
	scoreQuery  queryKind = iota // every KPI, totals and trends, no segment
	detailQuery                  // the selected KPI broken down by the segment
)

// resultMsg is the answer to one query.
type resultMsg struct {
	kind queryKind
	seq  uint64
	gen  int    // engine generation the query ran on
	key  string // requestKey of the request
	sc   *kpi.Scorecard
	err  error
	took time.Duration
	// partial: sc is the scorecard as far as it is computed (its KPIs
	// still computing left out, kpi.OnProgress); next waits for the
	// query's next answer.
	partial bool
	// sooner: the partial answer is what the rollups built so far answer
	// (kpi.Engine.Sooner): the slice with its trend cut to the periods they
	// hold (cut), or a breakdown's totals and trend with its segments left
	// out; the whole reads raw rows for the rest.
	sooner, cut bool
	next        tea.Cmd
}

// query is the state of one kind of query: what is shown and what is on its way.
type query struct {
	sc      *kpi.Scorecard // as the engine gave it (exports); stays while the next one loads
	shown   *kpi.Scorecard // sc with its text cleaned (cleanScorecard): what the screen draws
	key     string         // requestKey of sc
	err     error          // the last request failed; its message cleaned, on one line
	want    string         // requestKey of the slice the screen asks for
	loading bool
	seq     uint64
	cancel  context.CancelFunc
	took    time.Duration
	// partial: sc answers want but lacks the KPIs still computing (drawn
	// as loading, the others as current).
	partial bool
	// sooner: what is shown is a sooner answer (resultMsg.sooner), drawn
	// as current while the whole is on its way, its trend cut when cut;
	// lateErr says why the whole failed (the sooner answer stays).
	sooner, cut bool
	lateErr     error
	// shownGen is the engine generation this query last showed numbers
	// from: until it equals the model's, the query is (part of) the first
	// screen on that engine and runs without a timeout.
	shownGen int
}

// stop cancels the query in flight, if any.
func (q *query) stop() {
	if q.cancel != nil {
		q.cancel()
		q.cancel = nil
	}
}

// current reports whether what is shown answers what is asked.
func (q query) current() bool { return q.want != "" && q.key == q.want }

// requestKey names what one request asks for: the engine generation, the
// slice and the KPI ids. It tells which answer belongs to which request; the
// results themselves are cached by the engine.
func requestKey(gen int, s kpi.Slice, ids []string) string {
	return fmt.Sprintf("%d|%s|%s", gen, s.Key(), strings.Join(ids, ","))
}

// queries owns the engine and the explorer's two queries on it: what each
// shows, what is on its way, and the cancel func of each one in flight. The
// root model asks for slices (ask, askDetail) and routes resultMsg to Update;
// nothing else touches a query.
type queries struct {
	ctx     context.Context
	timeout time.Duration // Deps.QueryTimeout
	log     *log.Logger
	// opts are extra engine options (benchmarks bypass the engine's cache or
	// its rollups to measure the queries).
	opts []kpi.Option

	eng *kpi.Engine
	gen int // bumped when the engine is replaced; results from an older one are dropped

	score  query // all KPIs, no segment
	detail query // the selected KPI by segment

	// carry is the scorecard shown when an engine replaced one whose KPIs
	// waited for a table (EngineMsg.Completed): the same data, so until the
	// new engine's scorecard is whole, the KPIs it has not answered yet keep
	// the numbers they had, when it is of the same slice (withCarried).
	carry *kpi.Scorecard
}

func newQueries(ctx context.Context, d Deps) queries {
	return queries{ctx: ctx, timeout: d.QueryTimeout, log: d.Log}
}

// setEngine swaps the engine. The numbers shown stay until the next ones
// come; the queries in flight on the old engine are cancelled.
func (qs queries) setEngine(e *kpi.Engine) queries {
	qs.score.stop()
	qs.detail.stop()
	qs.score.loading, qs.detail.loading = false, false
	qs.eng = e
	qs.gen++
	return qs
}

// stop cancels both queries (the program ends).
func (qs queries) stop() queries {
	qs.score.stop()
	qs.detail.stop()
	return qs
}

func (qs queries) loading() bool { return qs.score.loading || qs.detail.loading }

// ask requests the scorecard of s (its segment ignored).
func (qs queries) ask(s kpi.Slice) (queries, tea.Cmd) {
	if qs.eng == nil {
		return qs, nil
	}
	s.Segment = ""
	var cmd tea.Cmd
	qs.score, cmd = qs.request(qs.score, scoreQuery, s, nil)
	return qs, cmd
}

// askDetail requests the KPI id alone, broken down by s.Segment and with
// its extra statistics (median, p90) that the scorecard leaves out; id ""
// drops the detail query.
func (qs queries) askDetail(s kpi.Slice, id string) (queries, tea.Cmd) {
	if qs.eng == nil || id == "" {
		qs.detail.stop()
		qs.detail.want, qs.detail.loading, qs.detail.err = "", false, nil
		return qs, nil
	}
	// Its breakdowns are indexed next, where the index is being built.
	qs.eng.Prefer(id)
	var cmd tea.Cmd
	qs.detail, cmd = qs.request(qs.detail, detailQuery, s, []string{id})
	return qs, cmd
}

// request shows the slice at once when the engine has it cached, else
// starts a query for it; either way the query it supersedes is cancelled.
func (qs queries) request(q query, kind queryKind, s kpi.Slice, ids []string) (query, tea.Cmd) {
	key := requestKey(qs.gen, s, ids)
	if key == q.want && (q.loading || q.current()) {
		return q, nil
	}
	q.stop()
	q.want = key
	q.seq++ // whatever is still on its way answers an older request
	opts := qs.queryOpts(kind)
	if sc, ok := qs.eng.Cached(s, ids, opts...); ok {
		q.sc, q.shown, q.key, q.err, q.loading, q.took, q.shownGen, q.partial = sc, cleanScorecard(sc), key, nil, false, 0, qs.gen, false
		q.sooner, q.cut, q.lateErr = false, false, nil
		return q, nil
	}
	ctx, cancel := qs.queryContext(q)
	q.cancel, q.loading, q.err, q.partial = cancel, true, nil, false
	q.sooner, q.cut, q.lateErr = false, false, nil
	return q, compute(ctx, qs.eng, s, ids, opts, kind, q.seq, qs.gen, key)
}

// progressAfter is how long a scorecard computes before it is drawn in
// parts: a quicker one (any slice the rollups answer) comes whole, with no
// frames in between.
var progressAfter = 250 * time.Millisecond

// compute runs one query. The closure holds copies of its inputs and never
// reads the model. The scorecard's query answers as its KPIs are computed:
// each group of KPIs done is a partial answer (kpi.OnProgress) whose next
// waits for the one after, so the first screen shows the quick KPIs while
// the slowest are computed (computeWork); while the rollups are built, what
// they answer comes first (soonerFirst), and a detail they cannot answer
// yet, or a drill's scorecard, draws its current and comparison periods
// from the rows before its whole trend (rawCutFirst).
func compute(ctx context.Context, eng *kpi.Engine, s kpi.Slice, ids []string, opts []kpi.Option, kind queryKind, seq uint64, gen int, key string) tea.Cmd {
	extrasLater := kind != scoreQuery && len(ids) == 1 && eng.ExtrasSlower(ids[0], s)
	work := computeWork(ctx, eng, s, ids, opts, kind, extrasLater)
	// A detail that may read its first periods from the rows holds the
	// other queries' raw reads back until they are read (kpi.Engine.Foreground),
	// taken here, before the scorecard's query beside it starts. A drill's
	// scorecard (a filter: its KPIs need their breakdowns by the filter's
	// dimension, built after the totals) reads its first periods from the rows too,
	// behind its detail: at 100M tickets its whole read thirteen months of
	// rows for 10–15 KPIs, shown "…" for over a minute.
	release := func() {}
	var raw *kpi.Slice // the cut read from the rows (kpi.Engine.RawCut)
	if r, ok := eng.RawCut(s); ok && (kind != scoreQuery || len(s.Filters) > 0) {
		raw = &r
		if kind != scoreQuery {
			release = eng.Foreground()
		}
	}
	if cut, ok := eng.Sooner(s); ok {
		return answeredWith(kind, seq, gen, key, 64, soonerFirst(ctx, eng, cut, cut.Trend < eng.Resolve(s).Trend, raw, kind, ids, opts, work, release))
	}
	if raw != nil {
		return answeredWith(kind, seq, gen, key, 64, func(send func(*kpi.Scorecard, error, bool), sendSooner func(*kpi.Scorecard, bool)) {
			defer release()
			// what the rollups built so far answer whole needs no cut
			probe, err := eng.Compute(ctx, s, ids, append(opts[:len(opts):len(opts)], kpi.IndexOnly())...)
			if err == nil && probe.Pending == 0 {
				release()
				work(send)
				return
			}
			var have *kpi.Scorecard
			if err == nil && kind == scoreQuery && len(probe.Results) > 0 {
				// a drill's scorecard: what the rollups answer (the KPIs
				// whose breakdown is built, those the filter does not
				// reach) drawn at once, whole, the rest pending
				have = probe
				sendSooner(probe, false)
			}
			if !rawCutFirst(ctx, eng, *raw, have, kind, ids, opts, send, sendSooner, work, release) {
				release()
				if have != nil { // what the rollups answered stays drawn
					work(newUpgrades(have, eng, ids, nil).keeping(send, func() {}))
					return
				}
				work(send)
			}
		})
	}
	if extrasLater {
		return answered(kind, seq, gen, key, 3, work)
	}
	if kind != scoreQuery {
		return func() tea.Msg {
			began := time.Now()
			sc, err := eng.Compute(ctx, s, ids, opts...)
			return resultMsg{kind: kind, seq: seq, gen: gen, key: key, sc: sc, err: err, took: time.Since(began)}
		}
	}
	return answered(kind, seq, gen, key, 64, work)
}

// computeWork is what a query computes, its answers sent through send:
// the scorecard's as its KPIs are computed (kpi.OnProgress), each group
// of KPIs done a partial answer, so the first screen shows the quick KPIs
// while the slowest are computed; with extrasLater, a detail whose extras
// are much slower than its value (kpi.Engine.ExtrasSlower: the backlog's
// ages read the raw rows, its counts come from the flows) sends the value,
// trend and breakdown first, as a partial answer drawn as current with the
// extras pending, then the whole; any other detail, the whole alone.
func computeWork(ctx context.Context, eng *kpi.Engine, s kpi.Slice, ids []string, opts []kpi.Option, kind queryKind, extrasLater bool) func(send func(*kpi.Scorecard, error, bool)) {
	return func(send func(*kpi.Scorecard, error, bool)) {
		switch {
		case extrasLater:
			if sc, err := eng.Compute(ctx, s, ids, append(opts[:len(opts):len(opts)], kpi.WithoutExtras())...); err == nil {
				send(sc, nil, true)
			}
			sc, err := eng.Compute(ctx, s, ids, opts...)
			send(sc, err, false)
		case kind == scoreQuery:
			progress := kpi.OnProgress(progressAfter, func(p *kpi.Scorecard) { send(p, nil, true) })
			sc, err := eng.Compute(ctx, s, ids, append(opts[:len(opts):len(opts)], progress)...)
			send(sc, err, false)
		default:
			sc, err := eng.Compute(ctx, s, ids, opts...)
			send(sc, err, false)
		}
	}
}

// soonerFirst runs work after the slice cut that the rollups built so far
// answer (kpi.Engine.Sooner: its trend cut to the periods they hold, while
// a quarter's or a year's trend, a month two or more back, reaches past
// them, trendCut; or a breakdown's totals and trend, its segments left out
// while its level is not built): cut from the rollups alone (kpi.IndexOnly,
// in milliseconds where the whole reads raw rows for minutes at 100M rows),
// sent as a sooner answer drawn as current; work's partial answers keep
// the cut answer's KPIs they lack. While work runs, the cut is answered
// again as the build goes on (upgrades); a detail whose trend is cut reads
// its breakdown's segments for the cut's periods from the rows first, and a
// drill's scorecard the current and comparison periods of the KPIs the
// rollups leave out (rawCutFirst, then no upgrades).
func soonerFirst(ctx context.Context, eng *kpi.Engine, cut kpi.Slice, trendCut bool, raw *kpi.Slice, kind queryKind, ids []string, opts []kpi.Option, work func(send func(*kpi.Scorecard, error, bool)), release func()) func(func(*kpi.Scorecard, error, bool), func(*kpi.Scorecard, bool)) {
	return func(send func(*kpi.Scorecard, error, bool), sendSooner func(*kpi.Scorecard, bool)) {
		defer release()
		probe := func() (*kpi.Scorecard, error) { // the cut from the rollups built so far
			return eng.Compute(ctx, cut, ids, append(opts[:len(opts):len(opts)], kpi.IndexOnly())...)
		}
		first, err := probe()
		if err != nil || len(first.Results) == 0 {
			// nothing built answers it: the current and comparison
			// periods from the rows first (raw: a detail's, a drill's
			// scorecard's)
			if raw != nil && rawCutFirst(ctx, eng, *raw, nil, kind, ids, opts, send, sendSooner, work, release) {
				return
			}
			first = nil
		} else {
			sendSooner(first, trendCut)
			if raw != nil && kind == scoreQuery && first.Pending > 0 && rawCutFirst(ctx, eng, *raw, first, kind, ids, opts, send, sendSooner, work, release) {
				// a drill's scorecard: the KPIs the rollups do not
				// answer yet read their current and comparison periods
				// from the rows, as in compute
				return
			}
		}
		up := newUpgrades(first, eng, ids, func(sc *kpi.Scorecard) { sendSooner(sc, trendCut) })
		if first != nil && raw != nil && trendCut && segmentsPending(first) {
			// A detail's breakdown the rollups cannot give yet, its trend
			// cut: the whole waits for the older months' totals before it
			// reads the segments (at 100M tickets over a minute while they
			// are built); the cut slice's segments are read from the rows
			// first, its trend from the rollups, in the foreground.
			if mid, err := eng.Compute(ctx, cut, ids, append(opts[:len(opts):len(opts)], kpi.WithoutExtras(), kpi.InForeground())...); err == nil {
				up.offer(withExtrasOf(mid, first))
			}
		}
		release()
		stop := up.follow(ctx, eng.RollupStatus, probe)
		defer stop()
		work(up.keeping(send, stop))
	}
}

// withExtrasOf is sc (computed without extras) with the total's extras
// each KPI has in from, where it has them (a sooner answer's, from the
// rollups): a copy, sc may be the engine's cached answer.
func withExtrasOf(sc, from *kpi.Scorecard) *kpi.Scorecard {
	c := *sc
	c.Results = append([]kpi.Result(nil), sc.Results...)
	for i, r := range c.Results {
		if f := from.Find(r.Def.ID); f != nil && len(r.Total.Extras) == 0 && len(f.Total.Extras) > 0 {
			c.Results[i].Total.Extras, c.Results[i].ApproxExtras = f.Total.Extras, f.ApproxExtras
		}
	}
	return &c
}

// segmentsPending reports whether a sooner answer left a breakdown out
// (kpi.ErrNotIndexed).
func segmentsPending(sc *kpi.Scorecard) bool {
	for _, r := range sc.Results {
		if errors.Is(r.SegmentErr, kpi.ErrNotIndexed) {
			return true
		}
	}
	return false
}

// upgradePoll is how often a query waiting for its whole answer looks
// whether the rollups' build has moved on (upgrades.follow).
var upgradePoll = 250 * time.Millisecond

// upgrades keeps a sooner answer current while the whole is on its way:
// each build step finished may let the rollups answer more of the cut
// slice (the totals of a KPI being built when the key was pressed, a
// breakdown's segments once its level is built), and that better sooner
// answer is sent at once instead of after the whole (at 100M tickets, a
// quarter's scorecard asked while the latest months' totals were built
// waited for the older months' totals too, over a minute). The whole's
// partial answers and the upgrades are merged (withSooner), each message
// made from the latest of both, under mu.
type upgrades struct {
	mu      sync.Mutex
	eng     *kpi.Engine
	ids     []string
	sooner  *kpi.Scorecard // the best sooner answer so far; nil: none
	partial *kpi.Scorecard // the whole's latest partial answer; nil: none yet
	done    bool           // the whole answered: nothing more is sent
	emit    func(*kpi.Scorecard)
}

func newUpgrades(first *kpi.Scorecard, eng *kpi.Engine, ids []string, emit func(*kpi.Scorecard)) *upgrades {
	return &upgrades{eng: eng, ids: ids, sooner: first, emit: emit}
}

// answeredParts scores how much of a sooner answer the rollups gave: each
// KPI answered, and each of them with its breakdown.
func answeredParts(sc *kpi.Scorecard) int {
	if sc == nil {
		return 0
	}
	n := 0
	for _, r := range sc.Results {
		n += 2
		if r.SegmentErr == nil {
			n++
		}
	}
	return n
}

// offer takes a new sooner answer, sent (with the whole's KPIs it lacks)
// when it answers more than the one before.
func (u *upgrades) offer(sc *kpi.Scorecard) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done || answeredParts(sc) <= answeredParts(u.sooner) {
		return
	}
	u.sooner = sc
	if u.partial != nil {
		sc = withSooner(u.partial, sc, u.eng, u.ids)
	}
	u.emit(sc)
}

// complete reports whether the sooner answer lacks nothing the rollups
// could add: every KPI asked, each with its breakdown.
func (u *upgrades) complete() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.done || u.sooner != nil && u.sooner.Pending == 0 && answeredParts(u.sooner) == 3*len(u.sooner.Results)
}

// follow probes the rollups again (probe: the cut slice, IndexOnly) each
// time the build has finished another step (status), until the build ends,
// ctx is done, the sooner answer is complete or stop is called; stop waits
// for it to end.
func (u *upgrades) follow(ctx context.Context, status func() kpi.RollupProgress, probe func() (*kpi.Scorecard, error)) (stop func()) {
	quit, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		last := status().Done
		t := time.NewTicker(upgradePoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-quit:
				return
			case <-t.C:
			}
			p := status()
			if p.Ready || p.Err != nil || u.complete() {
				return
			}
			if p.Done == last {
				continue
			}
			last = p.Done
			if sc, err := probe(); err == nil {
				u.offer(sc)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(quit)
			<-ended
		})
	}
}

// keeping is send with the whole's partial answers given the sooner
// answer's KPIs they still lack (withSooner); its whole answer first stops
// the upgrades, so that none comes after it.
func (u *upgrades) keeping(send func(*kpi.Scorecard, error, bool), stop func()) func(*kpi.Scorecard, error, bool) {
	return func(sc *kpi.Scorecard, err error, partial bool) {
		if !partial {
			stop()
			u.mu.Lock()
			u.done = true
			u.mu.Unlock()
			send(sc, err, false)
			return
		}
		u.mu.Lock()
		defer u.mu.Unlock()
		if sc != nil {
			u.partial = sc
			if u.sooner != nil {
				sc = withSooner(sc, u.sooner, u.eng, u.ids)
			}
		}
		send(sc, err, true)
	}
}

// rawCutFirst sends, while the rollups are built, a detail the rollups
// built so far cannot answer (a drill before the breakdowns are built, a
// period before the part built first) in two steps: its current and
// comparison periods read from the raw rows first (kpi.Engine.RawCut, its
// extras left for the whole), as a sooner answer whose trend is cut, then
// work's whole, which reads every period of the trend (at 100M tickets a
// drill's CSAT in 0.6 s, its whole in 2.8 s). It returns false, having sent
// nothing but a scorecard's partial cut, when the cut fails (work then runs
// alone). A detail's cut reads
// the rows in the foreground (kpi.InForeground): release, called once it is
// read, lets the other queries' raw reads go on. A drill's scorecard reads
// its cut behind them, its KPIs drawn as they are read (kpi.OnProgress,
// sent as sooner answers), those the rollups answered whole (have, when
// not nil) kept as they are.
func rawCutFirst(ctx context.Context, eng *kpi.Engine, raw kpi.Slice, have *kpi.Scorecard, kind queryKind, ids []string, opts []kpi.Option, send func(*kpi.Scorecard, error, bool), sendSooner func(*kpi.Scorecard, bool), work func(send func(*kpi.Scorecard, error, bool)), release func()) bool {
	kept := func(sc *kpi.Scorecard) *kpi.Scorecard {
		if have == nil {
			return sc
		}
		return withSooner(have, sc, eng, ids)
	}
	cutOpts := append(opts[:len(opts):len(opts)], kpi.WithoutExtras())
	if kind == scoreQuery {
		cutOpts = append(cutOpts, kpi.OnProgress(progressAfter, func(p *kpi.Scorecard) { sendSooner(kept(p), true) }))
	} else {
		cutOpts = append(cutOpts, kpi.InForeground())
	}
	first, err := eng.Compute(ctx, raw, ids, cutOpts...)
	release()
	if err != nil || len(first.Results) == 0 {
		return false
	}
	first = kept(first)
	sendSooner(first, true)
	work(newUpgrades(first, eng, ids, nil).keeping(send, func() {}))
	return true
}

// withSooner is a partial scorecard p with the KPIs it still lacks taken
// from the sooner answer first (their trends cut), in the order of ids (of
// the engine's KPIs when nil).
func withSooner(p, first *kpi.Scorecard, eng *kpi.Engine, ids []string) *kpi.Scorecard {
	if ids == nil {
		for _, d := range eng.Defs() {
			ids = append(ids, d.ID)
		}
	}
	c := *p
	c.Results, c.Pending = nil, 0
	for _, id := range ids {
		if r := p.Find(id); r != nil {
			c.Results = append(c.Results, *r)
		} else if r := first.Find(id); r != nil {
			c.Results = append(c.Results, *r)
		} else {
			c.Pending++
		}
	}
	return &c
}

// answered runs work in a goroutine of its own, which sends a query's
// answers (partial ones, then the whole) through send, and returns the
// command that hands them to the model one at a time, each partial answer
// with the command for the next. The channel holds room answers: the query
// never waits for the model to read them, and one no longer read (a newer
// request superseded it) leaves nothing behind. A partial answer never
// takes the last two places, kept for the whole answer or a panic's.
func answered(kind queryKind, seq uint64, gen int, key string, room int, work func(send func(sc *kpi.Scorecard, err error, partial bool))) tea.Cmd {
	return answeredWith(kind, seq, gen, key, room, func(send func(*kpi.Scorecard, error, bool), _ func(*kpi.Scorecard, bool)) { work(send) })
}

// answeredWith is answered whose work may also send a sooner answer
// (resultMsg.sooner) first.
func answeredWith(kind queryKind, seq uint64, gen int, key string, room int, work func(send func(sc *kpi.Scorecard, err error, partial bool), sooner func(sc *kpi.Scorecard, cut bool))) tea.Cmd {
	ch := make(chan resultMsg, room)
	go func() {
		began := time.Now()
		send := func(sc *kpi.Scorecard, err error, partial bool) {
			if partial && len(ch) >= room-2 {
				return
			}
			ch <- resultMsg{kind: kind, seq: seq, gen: gen, key: key, sc: sc, err: err, took: time.Since(began), partial: partial}
		}
		sooner := func(sc *kpi.Scorecard, cut bool) {
			if len(ch) >= room-2 { // the last places are the whole's
				return
			}
			ch <- resultMsg{kind: kind, seq: seq, gen: gen, key: key, sc: sc, took: time.Since(began), partial: true, sooner: true, cut: cut}
		}
		defer func() {
			if r := recover(); r != nil {
				send(nil, fmt.Errorf("internal error: %v", r), false)
			}
		}()
		work(send, sooner)
	}()
	var next tea.Cmd
	next = func() tea.Msg {
		msg := <-ch
		if msg.partial {
			msg.next = next
		}
		return msg
	}
	return next
}

// queryOpts are the engine options of a query; Cached must be asked with
// the same ones to find what Compute stored.
func (qs queries) queryOpts(kind queryKind) []kpi.Option {
	opts := append([]kpi.Option(nil), qs.opts...)
	if kind == scoreQuery {
		// The list shows no medians or p90s, and quantiles are the costliest
		// aggregates: the detail query fetches them for the one KPI shown.
		opts = append(opts, kpi.WithoutExtras())
	} else {
		// The detail shows the extras of the slice's total, not of each
		// segment of its breakdown: the backlog's ages of every segment
		// cost as much again.
		opts = append(opts, kpi.TotalExtrasOnly())
	}
	return opts
}

// queryContext bounds a query by Deps.QueryTimeout, except on the first
// screen of an engine (at start and after a reload): that one takes as long
// as the data needs, since there is nothing to show instead.
func (qs queries) queryContext(q query) (context.Context, context.CancelFunc) {
	if qs.timeout <= 0 || q.shownGen != qs.gen {
		return context.WithCancel(qs.ctx)
	}
	return context.WithTimeout(qs.ctx, qs.timeout)
}

// Update takes in a query's answer; a late answer to a superseded query
// is dropped.
func (qs queries) Update(msg tea.Msg) (queries, tea.Cmd) {
	res, ok := msg.(resultMsg)
	if !ok {
		return qs, nil
	}
	q := &qs.score
	if res.kind == detailQuery {
		q = &qs.detail
	}
	if res.seq != q.seq || res.gen != qs.gen || res.key != q.want {
		return qs, nil
	}
	if res.kind == scoreQuery && qs.carry != nil {
		res.sc = withCarried(res.sc, qs.carry)
		if !res.partial {
			qs.carry = nil
		}
	}
	if res.partial {
		if !q.loading {
			return qs, nil
		}
		q.sc, q.shown, q.partial = res.sc, cleanScorecard(res.sc), true
		if res.sooner || res.kind != scoreQuery { // a scorecard's later parts keep its sooner KPIs
			q.sooner, q.cut = res.sooner, res.cut
		}
		if res.kind == detailQuery {
			// The detail's partial answer lacks only the extras, or its
			// trend's older periods: drawn as current, what is missing as
			// pending (extrasPending, olderPending).
			q.key = res.key
		}
		return qs, res.next
	}
	extrasLate := res.kind == detailQuery && q.partial && q.key == res.key && q.shown != nil
	soonerShown := res.kind == detailQuery && q.sooner && q.key == res.key && q.shown != nil
	q.loading, q.partial, q.sooner = false, false, false
	q.stop()
	q.took = res.took
	if res.err != nil {
		q.err = cleanLineErr(res.err)
		if errors.Is(res.err, context.DeadlineExceeded) {
			q.err = fmt.Errorf("the query took longer than %s (--query-timeout) and was stopped; try a coarser grain or fewer filters", qs.timeout)
		}
		if soonerShown {
			// The current and comparison periods came from the rollups;
			// the trend's older periods failed: the numbers stay, with why
			// the trend stops short.
			q.sooner, q.lateErr, q.err = true, q.err, nil
			return qs, nil
		}
		if extrasLate {
			// The value, trend and breakdown came; only the extras failed:
			// they stay, with why beside them (the pane's ExtrasErr).
			// (A copy: the scorecard may be the engine's cached one. Exports
			// read sc: the error goes there too.)
			c := *q.sc
			c.Results = append([]kpi.Result(nil), c.Results...)
			for i := range c.Results {
				c.Results[i].ExtrasErr = q.err
			}
			q.sc, q.shown = &c, cleanScorecard(&c)
			q.err = nil
			return qs, nil
		}
		q.key = ""
		if qs.log != nil {
			qs.log.Warn("query failed", "kind", res.kind, "err", res.err)
		}
		return qs, nil
	}
	q.err = nil
	q.sc, q.shown, q.key, q.shownGen = res.sc, cleanScorecard(res.sc), res.key, res.gen
	if qs.log != nil {
		qs.log.Debug("query", "kind", res.kind, "took", res.took, "slice", res.key)
	}
	return qs, nil
}

// refresh asks for the numbers of the current slice: from the engine's cache
// when it has them, else by queries that supersede the ones in flight.
func (m Model) refresh() (Model, tea.Cmd) {
	var c1, c2 tea.Cmd
	m.q, c1 = m.q.ask(m.asked())
	m, c2 = m.runDetail()
	spin := m.startSpinner()
	return m, tea.Batch(c1, c2, spin)
}

// runDetail asks for the selected KPI by the segment.
func (m Model) runDetail() (Model, tea.Cmd) {
	id := ""
	if d := m.selected(); d != nil {
		id = d.ID
	}
	s := m.asked()
	s.Segment = m.bd.dim
	s.MaxSegments = kpi.AllSegments // the table scrolls to every segment
	var cmd tea.Cmd
	m.q, cmd = m.q.askDetail(s, id)
	return m, cmd
}

// keepShown makes the scorecard on screen the carry of the engine replacing
// the current one (queries.carry): call it before setEngine.
func (qs queries) keepShown() queries {
	qs.carry = nil
	if qs.score.sc != nil && qs.score.err == nil && !qs.score.partial {
		qs.carry = qs.score.sc
	}
	return qs
}

// withCarried is sc with, for each KPI it lacks (not answered yet), carry's
// result when that one had numbers (not one that waited, nor an error),
// when both are of the same slice as resolved (its period filled in).
func withCarried(sc, carry *kpi.Scorecard) *kpi.Scorecard {
	if sc == nil || sc.Slice.Key() != carry.Slice.Key() {
		return sc // another period (the latest, as the new engine resolves it): nothing to keep
	}
	var add []kpi.Result
	for _, r := range carry.Results {
		if r.Err == nil && sc.Find(r.Def.ID) == nil {
			add = append(add, r)
		}
	}
	if len(add) == 0 {
		return sc
	}
	c := *sc
	c.Results = append(append([]kpi.Result(nil), sc.Results...), add...)
	return &c
}
