package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
)

// Prefetching: once the screen is settled, the explorer computes the slices
// the next key most likely asks for (next KPI, previous period, next
// comparison, next grain …), one at a time, so that key answers from the
// cache. Any new request cancels it, unless it asks for the very slice being
// prefetched (the engine then shares that computation).

// prefetchJob is one slice to compute ahead.
type prefetchJob struct {
	kind queryKind
	s    kpi.Slice
	ids  []string
	key  string
}

// prefetchedMsg is the answer to a prefetch.
type prefetchedMsg struct {
	seq uint64
	gen int
	job prefetchJob
	sc  *kpi.Scorecard
	err error
}

// prefetcher is the prefetch state.
type prefetcher struct {
	seq     uint64
	cancel  context.CancelFunc
	running string // key of the job in flight
	queue   []prefetchJob
}

func (p *prefetcher) stop() {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	p.seq++
	p.running = ""
	p.queue = nil
}

// prefetchJobs lists the likely next slices that are not cached yet.
func (m Model) prefetchJobs() []prefetchJob {
	var jobs []prefetchJob
	seen := map[string]bool{}
	add := func(kind queryKind, s kpi.Slice, id string) {
		var ids []string
		if kind == detailQuery {
			ids = []string{id}
		}
		key := cacheKey(m.gen, s, ids)
		if seen[key] {
			return
		}
		seen[key] = true
		if _, ok := m.cache.get(key); ok {
			return
		}
		jobs = append(jobs, prefetchJob{kind: kind, s: s, ids: ids, key: key})
	}
	d := m.selected()
	if d == nil || len(m.defs) == 0 {
		return nil
	}
	both := func(s kpi.Slice) {
		sc := s
		sc.Segment = ""
		add(scoreQuery, sc, "")
		dt := s
		dt.Segment = m.segment
		add(detailQuery, dt, d.ID)
	}
	// j / tab: the next KPI's breakdown.
	next := m.defs[(m.sel+1)%len(m.defs)]
	add(detailQuery, m.detailSlice(), next.ID)
	// [: the previous period.
	if p, ok := m.period(); ok && m.eng != nil {
		g := m.slice.Grain
		if prev := g.Add(p, -1); !prev.Before(g.Trunc(m.eng.Start())) {
			s := m.slice
			s.Period = prev
			both(s)
		}
	}
	// c: the next comparison.
	s := m.slice
	s.Compare = s.Compare.Next()
	both(s)
	// g: the next grain.
	s = m.slice
	s.Grain = s.Grain.Next()
	if !s.Period.IsZero() {
		s.Period = s.Grain.Trunc(s.Period)
	}
	both(s)
	// k / shift+tab: the previous KPI.
	prev := m.defs[(m.sel-1+len(m.defs))%len(m.defs)]
	add(detailQuery, m.detailSlice(), prev.ID)
	return jobs
}

// planPrefetch queues the likely next slices once nothing is loading; a
// job already running carries on.
func (m Model) planPrefetch() (Model, tea.Cmd) {
	if m.deps.NoPrefetch || m.loading() || m.eng == nil || m.quitting {
		return m, nil
	}
	m.pre.queue = nil
	for _, j := range m.prefetchJobs() {
		if j.key != m.pre.running {
			m.pre.queue = append(m.pre.queue, j)
		}
	}
	if m.pre.running != "" {
		return m, nil
	}
	return m.nextPrefetch()
}

func (m Model) nextPrefetch() (Model, tea.Cmd) {
	if len(m.pre.queue) == 0 {
		m.pre.running = ""
		return m, nil
	}
	job := m.pre.queue[0]
	m.pre.queue = m.pre.queue[1:]
	ctx, cancel := context.WithTimeout(m.ctx, m.deps.QueryTimeout)
	m.pre.cancel, m.pre.running = cancel, job.key
	opts := append([]kpi.Option(nil), m.computeOpts...)
	if job.kind == scoreQuery {
		opts = append(opts, kpi.WithoutExtras())
	}
	eng, seq, gen := m.eng, m.pre.seq, m.gen
	return m, func() tea.Msg {
		sc, err := eng.Compute(ctx, job.s, job.ids, opts...)
		return prefetchedMsg{seq: seq, gen: gen, job: job, sc: sc, err: err}
	}
}

// gotPrefetch caches a prefetched slice and starts the next one.
func (m Model) gotPrefetch(msg prefetchedMsg) (Model, tea.Cmd) {
	if msg.gen != m.gen {
		return m, nil
	}
	if msg.err == nil {
		m.cache.put(msg.job.key, msg.sc)
	}
	if msg.seq != m.pre.seq {
		return m, nil
	}
	if m.pre.cancel != nil {
		m.pre.cancel()
		m.pre.cancel = nil
	}
	return m.nextPrefetch()
}

// yieldPrefetch makes way for a user's request for key.
func (m *Model) yieldPrefetch(key string) {
	if m.pre.running == key {
		// The engine joins this request to the prefetch in flight; only the
		// rest of the queue goes.
		m.pre.queue = nil
		m.pre.seq++
		m.pre.running = ""
		m.pre.cancel = nil
		return
	}
	m.pre.stop()
}
