package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

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
}

// query is the state of one kind of query: what is shown and what is on its way.
type query struct {
	sc      *kpi.Scorecard // shown; stays while the next one loads
	key     string         // requestKey of sc
	err     error          // the last request failed
	want    string         // requestKey of the slice the screen asks for
	loading bool
	seq     uint64
	cancel  context.CancelFunc
	took    time.Duration
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

// compute runs one query. The closure holds copies of its inputs and never
// reads the model.
func compute(ctx context.Context, eng *kpi.Engine, s kpi.Slice, ids []string, opts []kpi.Option, kind queryKind, seq uint64, gen int, key string) tea.Cmd {
	return func() tea.Msg {
		began := time.Now()
		sc, err := eng.Compute(ctx, s, ids, opts...)
		return resultMsg{kind: kind, seq: seq, gen: gen, key: key, sc: sc, err: err, took: time.Since(began)}
	}
}

func (m Model) scoreSlice() kpi.Slice {
	s := m.slice
	s.Segment = ""
	return s
}

func (m Model) detailSlice() kpi.Slice {
	s := m.slice
	s.Segment = m.segment
	return s
}

// refresh asks for the numbers of the current slice: from the engine's cache
// when it has them, else by queries that supersede the ones in flight.
func (m Model) refresh() (Model, tea.Cmd) {
	var c1, c2 tea.Cmd
	m, c1 = m.runScore()
	m, c2 = m.runDetail()
	spin := m.startSpinner()
	return m, tea.Batch(c1, c2, spin)
}

func (m Model) runScore() (Model, tea.Cmd) {
	if m.eng == nil {
		return m, nil
	}
	var cmd tea.Cmd
	m.score, cmd = m.request(m.score, scoreQuery, m.scoreSlice(), nil)
	return m, cmd
}

// runDetail asks for the selected KPI alone: broken down by the segment,
// and with its extra statistics (median, p90) that the scorecard leaves out.
func (m Model) runDetail() (Model, tea.Cmd) {
	d := m.selected()
	if m.eng == nil || d == nil {
		m.detail.stop()
		m.detail.want, m.detail.loading, m.detail.err = "", false, nil
		return m, nil
	}
	var cmd tea.Cmd
	m.detail, cmd = m.request(m.detail, detailQuery, m.detailSlice(), []string{d.ID})
	return m, cmd
}

// request shows the slice at once when the engine has it cached, else
// starts a query for it; either way the query it supersedes is cancelled.
func (m Model) request(q query, kind queryKind, s kpi.Slice, ids []string) (query, tea.Cmd) {
	key := requestKey(m.gen, s, ids)
	if key == q.want && (q.loading || q.current()) {
		return q, nil
	}
	q.stop()
	q.want = key
	q.seq++ // whatever is still on its way answers an older request
	opts := m.queryOpts(kind)
	if sc, ok := m.eng.Cached(s, ids, opts...); ok {
		q.sc, q.key, q.err, q.loading, q.took, q.shownGen = sc, key, nil, false, 0, m.gen
		return q, nil
	}
	ctx, cancel := m.queryContext(q)
	q.cancel, q.loading, q.err = cancel, true, nil
	return q, compute(ctx, m.eng, s, ids, opts, kind, q.seq, m.gen, key)
}

// queryOpts are the engine options of a query; Cached must be asked with
// the same ones to find what Compute stored.
func (m Model) queryOpts(kind queryKind) []kpi.Option {
	opts := append([]kpi.Option(nil), m.computeOpts...)
	if kind == scoreQuery {
		// The list shows no medians or p90s, and quantiles are the costliest
		// aggregates: the detail query fetches them for the one KPI shown.
		opts = append(opts, kpi.WithoutExtras())
	}
	return opts
}

// queryContext bounds a query by Deps.QueryTimeout, except on the first
// screen of an engine (at start and after a reload): that one takes as long
// as the data needs, since there is nothing to show instead.
func (m Model) queryContext(q query) (context.Context, context.CancelFunc) {
	if m.deps.QueryTimeout <= 0 || q.shownGen != m.gen {
		return context.WithCancel(m.ctx)
	}
	return context.WithTimeout(m.ctx, m.deps.QueryTimeout)
}

// gotResult takes in a query's answer; a late answer to a superseded query
// is dropped.
func (m Model) gotResult(msg resultMsg) (Model, tea.Cmd) {
	q := &m.score
	if msg.kind == detailQuery {
		q = &m.detail
	}
	if msg.seq != q.seq || msg.gen != m.gen || msg.key != q.want {
		return m, nil
	}
	q.loading = false
	q.stop()
	q.took = msg.took
	if msg.err != nil {
		q.err = msg.err
		if errors.Is(msg.err, context.DeadlineExceeded) {
			q.err = fmt.Errorf("the query took longer than %s (--query-timeout) and was stopped; try a coarser grain or fewer filters", m.deps.QueryTimeout)
		}
		q.key = ""
		if m.deps.Log != nil {
			m.deps.Log.Warn("query failed", "kind", msg.kind, "err", msg.err)
		}
		return m, nil
	}
	q.err = nil
	q.sc, q.key, q.shownGen = msg.sc, msg.key, msg.gen
	if m.deps.Log != nil {
		m.deps.Log.Debug("query", "kind", msg.kind, "took", msg.took, "slice", msg.key)
	}
	return m, nil
}

func (m Model) loading() bool { return m.score.loading || m.detail.loading }
