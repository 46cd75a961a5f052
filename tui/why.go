package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/keys"
	"kpiscope/tui/pane"
)

// whyMode is what the detail pane shows in place of the KPI's values.
type whyMode int

const (
	whyOff       whyMode = iota // the values: headline, chart, breakdown
	whyBreakdown                // the breakdown's change split by segment
	whyMovers                   // the top movers across every dimension
)

// why is the state of the "why did it move" views: the why view of the
// breakdown (the breakdown's result split by kpi.Decompose, computed as it
// is drawn: no query of its own) and the top movers (kpi.Engine.TopMovers,
// a query of every dimension's breakdown, run as the other queries are: a
// tea.Cmd under a context the next request or esc cancels, its answer
// dropped when a newer one was asked). The root tells it what is on screen
// (on) before each Update, as it does the breakdown, and reads back drill
// (a segment to drill into) and note.
type why struct {
	keys keys.Map
	mode whyMode
	// back is the mode the top movers return to when closed.
	back   whyMode
	cursor int // the why view's row
	mc     int // the top movers' row
	mv     movers

	// rows is the number of rows on screen in the current mode (on).
	rows int

	note  string
	drill *kpi.Contribution // the row enter picked, for the root to drill into
}

// movers is the top movers' query: what is shown and what is on its way.
type movers struct {
	want    string // moversKey of what the screen asks for
	key     string // moversKey of what is shown
	loading bool
	seq     uint64
	cancel  context.CancelFunc
	delta   float64
	rows    []kpi.Contribution // as the engine gave them (drills filter by their values)
	line    string             // kpi.MoversLine, cleaned
	err     error              // cleaned, one line
	took    time.Duration
}

// moversMsg is the answer to a top movers query.
type moversMsg struct {
	seq   uint64
	key   string
	delta float64
	rows  []kpi.Contribution
	line  string
	err   error
	took  time.Duration
}

// Messages the root sends the why views (actions, palette).
type (
	toggleWhyMsg    struct{} // the breakdown's values ⇄ its why view
	toggleMoversMsg struct{} // open or close the top movers
)

// topMoversN is how many movers the list shows: report --explain's default (cmd/kpiscope defaultMovers).
const topMoversN = 5

func newWhy(k keys.Map) why { return why{keys: k} }

// stop cancels the top movers' query in flight, if any; its answer, should
// it still come, is dropped.
func (w *why) stop() {
	if w.mv.loading {
		w.mv.seq++
	}
	w.release()
}

// release lets go of the query's context.
func (w *why) release() {
	if w.mv.cancel != nil {
		w.mv.cancel()
		w.mv.cancel = nil
	}
	w.mv.loading = false
}

// on tells the views how many rows the current one shows.
func (w why) on(rows int) why {
	w.rows = rows
	w.cursor = max(0, min(w.cursor, rows-1))
	return w
}

// Update handles the views' keys, which the root forwards while one is
// open (the why view: while the breakdown has the focus), and the messages
// above.
func (w why) Update(msg tea.Msg) (why, tea.Cmd) {
	w.note, w.drill = "", nil
	switch msg := msg.(type) {
	case toggleWhyMsg:
		// No note: the pane's title says which view this is, and the
		// footer's room goes to the keys.
		if w.mode == whyBreakdown {
			w.mode = whyOff
			return w, nil
		}
		w.stop()
		w.mode, w.cursor = whyBreakdown, 0
		return w, nil
	case toggleMoversMsg:
		if w.mode == whyMovers {
			return w.close(), nil
		}
		w.back, w.mode, w.mc = w.mode, whyMovers, 0
		return w, nil
	case moveMsg:
		return w.move(int(msg)), nil
	case tea.KeyPressMsg:
		k := w.keys
		switch {
		case key.Matches(msg, k.Down):
			return w.move(1), nil
		case key.Matches(msg, k.Up):
			return w.move(-1), nil
		case key.Matches(msg, k.Top):
			return w.move(-1 << 20), nil
		case key.Matches(msg, k.Bottom):
			return w.move(1 << 20), nil
		case key.Matches(msg, k.PageDown):
			return w.move(pageRows), nil
		case key.Matches(msg, k.PageUp):
			return w.move(-pageRows), nil
		case key.Matches(msg, k.Back):
			return w.close(), nil
		}
	}
	return w, nil
}

// close leaves the open view: the top movers go back to where they were
// opened from, the why view to the values.
func (w why) close() why {
	if w.mode == whyMovers {
		w.stop()
		w.mode = w.back
		w.back = whyOff
		return w
	}
	w.mode = whyOff
	return w
}

func (w why) move(d int) why {
	if w.rows == 0 {
		return w
	}
	c := &w.cursor
	if w.mode == whyMovers {
		c = &w.mc
	}
	*c = max(0, min(*c+d, w.rows-1))
	return w
}

func (w why) say(format string, args ...any) (why, tea.Cmd) {
	w.note = fmt.Sprintf(format, args...)
	return w, nil
}

// moversKey names what a top movers request asks for: the engine
// generation, the slice and the KPI.
func moversKey(gen int, s kpi.Slice, id string) string {
	return requestKey(gen, s, []string{"movers", id})
}

// ask requests the top movers of the KPI id in slice s unless they are
// shown or on their way; the request it supersedes is cancelled.
func (w why) ask(qs queries, s kpi.Slice, d *kpi.Def) (why, tea.Cmd) {
	if qs.eng == nil || d == nil {
		w.stop()
		w.mv.want = ""
		return w, nil
	}
	s.Segment, s.MaxSegments = "", 0
	k := moversKey(qs.gen, s, d.ID)
	if k == w.mv.want && (w.mv.loading || w.mv.key == k) {
		return w, nil
	}
	w.stop()
	w.mv.want, w.mv.seq, w.mv.loading, w.mc = k, w.mv.seq+1, true, 0
	var ctx context.Context
	var cancel context.CancelFunc
	if qs.timeout > 0 {
		ctx, cancel = context.WithTimeout(qs.ctx, qs.timeout)
	} else {
		ctx, cancel = context.WithCancel(qs.ctx)
	}
	w.mv.cancel = cancel
	return w, topMovers(ctx, qs.eng, s, d.ID, w.mv.seq, k, append([]kpi.Option(nil), qs.opts...))
}

// topMovers runs one top movers query. The closure holds copies of its
// inputs and never reads the model.
func topMovers(ctx context.Context, eng *kpi.Engine, s kpi.Slice, id string, seq uint64, k string, opts []kpi.Option) tea.Cmd {
	return func() tea.Msg {
		began := time.Now()
		delta, rows, err := eng.TopMovers(ctx, s, id, topMoversN, opts...)
		msg := moversMsg{seq: seq, key: k, delta: delta, rows: rows, err: err, took: time.Since(began)}
		if err == nil {
			if d := eng.Def(id); d != nil {
				msg.line = kpi.MoversLine(d, delta, rows)
			}
		}
		return msg
	}
}

// got takes in a top movers answer; a late answer to a superseded request
// is dropped.
func (w why) got(msg moversMsg, timeout time.Duration) why {
	if msg.seq != w.mv.seq || msg.key != w.mv.want {
		return w
	}
	w.release()
	w.mv.key, w.mv.took = msg.key, msg.took
	w.mv.delta, w.mv.rows, w.mv.line, w.mv.err = msg.delta, msg.rows, clean(msg.line), nil
	if msg.err != nil {
		w.mv.rows, w.mv.line = nil, ""
		w.mv.err = cleanLineErr(msg.err)
		if errors.Is(msg.err, context.DeadlineExceeded) {
			w.mv.err = fmt.Errorf("the top movers took longer than %s (--query-timeout) and were stopped; try a coarser grain or fewer filters", timeout)
		}
	}
	w.mc = max(0, min(w.mc, len(w.mv.rows)-1))
	return w
}

// toWhy routes msg to the why views, telling them first how many rows are
// on screen, then drills into the row enter picked and asks for the top
// movers the screen now needs.
func (m Model) toWhy(msg tea.Msg) (Model, tea.Cmd) {
	m = m.closeLens() // the why views take the detail pane's place too
	m.why = m.why.on(len(m.whyData().Rows))
	var cmd tea.Cmd
	m.why, cmd = m.why.Update(msg)
	if m.why.note != "" {
		m = m.say("%s", m.why.note)
	}
	var c tea.Cmd
	m, c = m.syncMovers()
	return m, tea.Batch(cmd, c)
}

// whyEnter drills into the row under the cursor of the open view: the why
// view's segment (the breakdown then splits it by the next dimension, still
// explained), or a mover's, which closes the top movers.
func (m Model) whyEnter() (Model, tea.Cmd) {
	w := m.whyData()
	cur := m.why.cursor
	if m.why.mode == whyMovers {
		cur = m.why.mc
	}
	if cur < 0 || cur >= len(w.Rows) || w.Faint {
		return m.say("nothing to drill into yet"), nil
	}
	c := m.whyRaw(cur)
	switch {
	case c.Other:
		return m.say("Other pools the segments the breakdown left out: nothing to drill into"), nil
	case c.Vanished:
		return m.say("%s has no rows in this period: nothing to drill into", clean(c.Segment)), nil
	}
	dim := c.Dim
	if m.why.mode != whyMovers {
		dim = m.bd.dim
	}
	if m.why.mode == whyMovers {
		m.why = m.why.close()
		if m.why.mode == whyMovers { // opened from itself: never
			m.why.mode = whyOff
		}
	}
	m.why.cursor = 0
	before := m.bd.rev
	m.bd = m.bd.drillTo(dim, c.Segment)
	m = m.say("%s", m.bd.note)
	if m.bd.rev == before {
		return m, nil
	}
	return m.refresh()
}

// whyRaw is the i-th row of the open view as the engine gave it (drills
// filter by its values).
func (m Model) whyRaw(i int) kpi.Contribution {
	if m.why.mode == whyMovers {
		return m.why.mv.rows[i]
	}
	dec, _ := m.decompose(false)
	return dec.Rows[i]
}

// syncMovers asks for the top movers of what is on screen while their view
// is open, and cancels them when it is not.
func (m Model) syncMovers() (Model, tea.Cmd) {
	if m.why.mode != whyMovers {
		m.why.stop()
		return m, nil
	}
	var cmd tea.Cmd
	m.why, cmd = m.why.ask(m.q, m.asked(), m.selected())
	return m, tea.Batch(cmd, m.startSpinner())
}

// decompose splits the breakdown on screen: cleaned for the screen, or as
// the engine gave it (raw). The error says why it cannot be.
func (m Model) decompose(shown bool) (*kpi.Decomposition, error) {
	_, raw := m.breakdownResults()
	if raw == nil {
		return nil, nil
	}
	dec, err := kpi.Decompose(raw)
	if err != nil || !shown {
		return dec, err
	}
	out := *dec
	out.Dim = m.bd.name(m.bd.dim)
	out.Rows = make([]kpi.Contribution, len(dec.Rows))
	for i, c := range dec.Rows {
		c.Segment = clean(c.Segment)
		if c.Other {
			c.Segment = "Other"
		}
		out.Rows[i] = c
	}
	return &out, nil
}

// whyData gathers what the open view shows.
func (m Model) whyData() pane.Why {
	d := m.selected()
	w := pane.Why{Def: d, Focused: m.bd.focused || m.why.mode == whyMovers}
	if d == nil {
		return w
	}
	k := m.keys
	res := m.currentDetail()
	if res == nil && m.q.score.shown != nil {
		res = m.q.score.shown.Find(d.ID)
		w.Faint = true
	}
	if res != nil {
		t := res.Total
		w.Value, w.Delta, w.Period, w.Compare = t.Value, t.Delta, t.PeriodName, t.CompareTo
		w.Change = pane.ChangeText(d, t)
	}
	if m.why.mode == whyMovers {
		w.Movers = true
		mv := m.why.mv
		w.Keys = keys.First(k.Back) + " close · " + k.Focus.Help().Key + " drill in · " + k.Movers.Help().Key + " again closes"
		w.Faint = mv.loading
		switch {
		case mv.loading && mv.key == "":
			w.Msg = m.spin.View() + " finding the segments of every dimension that moved " + d.Label() + "…"
		case mv.err != nil:
			w.Msg, w.MsgErr = whyReason(mv.err, d, m.keys), true
		default:
			w.Summary = mv.line
			w.Delta = &mv.delta
			for _, c := range mv.rows {
				c.Dim, c.Segment = m.bd.name(c.Dim), clean(c.Segment)
				w.Rows = append(w.Rows, c)
			}
			if len(w.Rows) == 0 {
				w.Msg = "No segment of any dimension moved " + d.Label() + "."
			}
		}
		w.Cursor = m.why.mc
		return w
	}
	w.Dim = m.bd.name(m.bd.dim)
	w.Cursor = m.why.cursor
	w.Keys = k.Why.Help().Key + " values · " + keys.First(k.Back) + " close"
	if m.bd.focused {
		w.Keys += " · " + k.Focus.Help().Key + " drill in"
	}
	if err := kpi.Decomposable(d); err != nil {
		w.Msg, w.MsgErr = whyReason(err, d, k), true
		return w
	}
	det := m.detailData()
	if det.BreakdownMsg != "" {
		w.Msg, w.MsgErr = det.BreakdownMsg, det.BreakdownErr
		return w
	}
	dec, err := m.decompose(true)
	switch {
	case err != nil:
		w.Msg, w.MsgErr = whyReason(err, d, k), true
	case dec == nil:
		w.Msg = m.spin.View() + " breaking " + d.Label() + " down by " + w.Dim + "…"
	default:
		w.Rows, w.Faint = dec.Rows, det.Breakdown.Faint
		w.Delta = &dec.Delta
	}
	return w
}

// whyReason is why a KPI's change cannot be split (the engine's reason
// leaves out the KPI's name), with what to do about a comparison with the
// target.
func whyReason(err error, d *kpi.Def, k keys.Map) string {
	msg := cleanLine(err)
	if errors.Is(err, kpi.ErrNotDecomposable) {
		msg = d.Label() + " — " + msg
	}
	if errors.Is(err, kpi.ErrNoComparison) && k.Compare.Enabled() {
		msg = strings.TrimSuffix(msg, ".") + ". Press " + k.Compare.Help().Key + " to compare with the previous period or last year."
	}
	return msg
}

// whyPane is the detail pane's title and body while a why view is open.
func (m Model) whyPane(title string, w, h int) (string, []string) {
	data := m.whyData()
	if d := data.Def; d != nil {
		switch {
		case m.why.mode == whyMovers:
			title = d.Label() + " · top movers, every dimension"
		case data.Dim == "":
			// No dimension to split by (drilled in as far as it goes, or
			// none chosen): say which key chooses one.
			title = d.Label() + " · why it moved: " + m.keys.Segment.Help().Key + " to choose a dimension"
		default:
			title = d.Label() + " · why it moved, by " + data.Dim
		}
		if (m.why.mode == whyMovers && m.why.mv.loading) || (m.why.mode == whyBreakdown && m.q.detail.loading) {
			title = m.spin.View() + " " + title
		}
	}
	return title, pane.RenderWhy(m.st, data, w, h)
}

// whyFooter is the footer's keys while a why view is open; nil otherwise.
func (m Model) whyFooter() []hintItem {
	k := m.keys
	hint := func(keys, desc string, prio int) hintItem {
		return hintItem{key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc)), prio}
	}
	upDown := keys.First(k.Down) + "/" + keys.First(k.Up)
	switch m.why.mode {
	case whyMovers:
		return []hintItem{hint(upDown, "row", 9), hint(k.Focus.Help().Key, "drill in", 10), hint(keys.First(k.Back), "close", stepOutPrio),
			hint(k.Why.Help().Key, "why by "+m.bd.name(m.bd.dim), 5), hint(k.Help.Help().Key, "help", 9), hint(k.Quit.Help().Key, "quit", 9)}
	case whyBreakdown:
		out := []hintItem{}
		if m.bd.focused {
			out = append(out, hint(upDown, "row", 9), hint(k.Focus.Help().Key, "drill in", 10))
		} else {
			out = append(out, hint(k.Next.Help().Key+"/"+upDown, "KPI", 9), hint(k.Focus.Help().Key, "rows", 6))
		}
		out = append(out, hint(keys.First(k.Back), "close", stepOutPrio), hint(k.Why.Help().Key, "values", 8),
			hint(k.Movers.Help().Key, "top movers", 7), hint(k.Segment.Help().Key, "segment", 8))
		if m.bd.filtered() {
			out = append(out, hint(k.StepOut.Help().Key, "step out", 10))
		}
		return append(out, hint(k.Compare.Help().Key, "compare", 6), hint(k.Help.Help().Key, "help", 9), hint(k.Quit.Help().Key, "quit", 9))
	}
	return nil
}

// drillTo filters by one segment of dim (its value as in the data) and
// splits by the next dimension the filters leave; step out returns here.
// The table's drill, the why view's and a top mover's: the breakdown keeps
// its dimension when the segment is another dimension's (a top mover).
func (b breakdown) drillTo(dim, value string) breakdown {
	b.trail = append(b.trail, drill{filters: b.filters, shown: b.shown, segment: b.dim, cursor: b.cursor, sort: b.sort})
	f := kpi.Filter{Dim: dim, Values: []string{value}}
	shown := kpi.Filter{Dim: b.name(dim), Values: []string{clean(value)}}
	// One filter per dimension (as kpi.Slice.WithFilter), in both lists alike.
	var fs, ss []kpi.Filter
	for j, x := range b.filters {
		if x.Dim != f.Dim {
			fs, ss = append(fs, x), append(ss, b.shown[j])
		}
	}
	b.filters, b.shown = append(fs, f), append(ss, shown)
	b.rev++
	if b.dim == "" || b.dim == dim {
		b.dim = b.nextDim(dim)
	}
	b.cursor, b.sort, b.focused = 0, pane.DefaultSort(), true
	b.note = shown.String()
	if b.dim != "" {
		b.note += " · now by " + b.name(b.dim)
	}
	return b
}
