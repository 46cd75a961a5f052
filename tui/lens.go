package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/keys"
	"kpiscope/tui/pane"
	"kpiscope/tui/style"
)

// A lens is a view that looks closer at the selected KPI and takes the
// detail pane's place while it is open (or the whole body, Wide): the grid
// of segments × periods (grid.go), the cohort matrix (cohorts.go), the
// distribution (dist.go), several segments on one chart (series.go) and the
// rows behind a number (records.go). One is open at a time.
//
// The explorer gives a lens every key first (Update's handled false lets
// the key through: the timeframe's, the KPI list's, the palette), every
// message it does not know (a lens's own query results, which carry the
// lens's sequence number so stale ones are dropped), and, after a key that
// changed what is asked (KPI, filters, grain, period, comparison, breakdown
// dimension), Reslice. esc closes a lens that lets it through.
type lens interface {
	// Update handles a key or a message. handled is false for a key the
	// lens does not use.
	Update(msg tea.Msg, c lensCtx) (l lens, cmd tea.Cmd, handled bool)
	// Reslice is called when what is asked changed while the lens is open:
	// ask for the new numbers (cancelling the old query).
	Reslice(c lensCtx) (lens, tea.Cmd)
	// View draws the lens's body in w × h cells (inside the frame), and its
	// frame title.
	View(c lensCtx, w, h int) (title string, body []string)
	// Footer is the lens's key hints, most important first.
	Footer(c lensCtx) []key.Binding
	// Loading reports whether the lens's query is on its way: the
	// explorer's spinner turns meanwhile (Model.busy).
	Loading() bool
	// Wide reports whether the lens takes the whole body (the KPI list
	// hidden) rather than the detail pane.
	Wide() bool
	// Close cancels the lens's query, if any.
	Close()
}

// lensCtx is what a lens may read of the explorer: the engine, the selected
// KPI and the slice on screen, and how to draw.
type lensCtx struct {
	ctx     context.Context
	eng     *kpi.Engine
	gen     int // the engine's generation: results of an older one are stale
	def     *kpi.Def
	slice   kpi.Slice // the screen's: filters, grain, period, comparison; no segment
	dim     string    // the breakdown's dimension ("" none)
	row     string    // the breakdown row under the cursor ("" none)
	dims    []kpi.Dimension
	names   map[string]string // dimension → its name as shown
	st      style.Styles
	keys    keys.Map
	plain   bool // no colour: glyphs carry the meaning
	timeout time.Duration
	now     func() time.Time
	// ssh is true when the explorer runs in a serve session: a copy goes
	// to the user's terminal (OSC 52), never to a file on the server.
	ssh bool
	// exportDir is where an export is written when not ssh (Deps.ExportDir).
	exportDir string
}

// lensCtx is the context the explorer gives its lens now.
func (m Model) lensCtx() lensCtx {
	row := ""
	if r := m.breakdownResult(); r != nil && m.bd.cursor >= 0 && m.bd.cursor < len(r.Segments) {
		row = r.Segments[m.bd.cursor].Segment
	}
	return lensCtx{
		ctx: m.ctx, eng: m.q.eng, gen: m.q.gen, def: m.selected(), slice: m.asked(), dim: m.bd.dim, row: row,
		dims: m.dims, names: m.names, st: m.st, keys: m.keys, plain: m.plain, timeout: m.q.timeout,
		now: m.deps.Now, ssh: m.deps.Remote, exportDir: m.deps.ExportDir,
	}
}

// lensDrillMsg asks the explorer to close the lens and drill into a
// segment (a filter dim = value) and, when Period is set, that period.
type lensDrillMsg struct {
	Dim, Value string
	Period     time.Time
}

// lensOpenMsg asks the explorer to open another lens in this one's place
// (the grid's cell → the rows behind it); esc goes back to this one as it
// was (its cursor where it was).
type lensOpenMsg struct{ l lens }

// openLens opens l (closing the one open, the one it came from, and the
// why views) and asks for its numbers.
func (m Model) openLens(l lens) (Model, tea.Cmd) {
	m = m.closeLens()
	if m.why.mode != whyOff {
		m.why = m.why.close()
		m.why.mode = whyOff
	}
	m.lens = l
	var cmd tea.Cmd
	m.lens, cmd = m.lens.Reslice(m.lensCtx())
	return m, tea.Batch(cmd, m.startSpinner())
}

// closeLens closes the open lens, and the one it came from.
func (m Model) closeLens() Model {
	if m.lens != nil {
		m.lens.Close()
	}
	if m.lensBack != nil {
		m.lensBack.Close()
	}
	m.lens, m.lensBack = nil, nil
	return m
}

// openFrom opens l in the open lens's place, keeping that one to go back
// to (its query stopped: back reslices it).
func (m Model) openFrom(l lens) (Model, tea.Cmd) {
	back := m.lens
	if back == nil {
		return m.openLens(l)
	}
	if m.lensBack != nil { // one level back: the lens before it closes
		m.lensBack.Close()
	}
	back.Close()
	m.lens, m.lensBack = l, back
	var cmd tea.Cmd
	m.lens, cmd = m.lens.Reslice(m.lensCtx())
	return m, tea.Batch(cmd, m.startSpinner())
}

// backLens closes the open lens and goes back to the one that opened it,
// as it was, asking again for its numbers if what is asked changed
// meanwhile; with none it closes the lens.
func (m Model) backLens() (Model, tea.Cmd) {
	back := m.lensBack
	if back == nil {
		return m.closeLens(), nil
	}
	m.lens.Close()
	m.lens, m.lensBack = back, nil
	var cmd tea.Cmd
	m.lens, cmd = m.lens.Reslice(m.lensCtx())
	return m, tea.Batch(cmd, m.startSpinner())
}

// lensKey gives the open lens a key first; ok is false when the lens let
// it through (the explorer then handles it, and reslices the lens if what
// is asked changed).
func (m Model) lensKey(msg tea.KeyPressMsg) (Model, tea.Cmd, bool) {
	l, cmd, handled := m.lens.Update(msg, m.lensCtx())
	m.lens = l
	if handled {
		return m, tea.Batch(cmd, m.startSpinner()), true
	}
	if key.Matches(msg, m.keys.Back) {
		m, back := m.backLens()
		return m, tea.Batch(cmd, back), true
	}
	return m, cmd, false
}

// lensHeader is the header's period and comparison while a lens opened
// from another shows a period of its own (the rows of a grid cell in
// September under a screen on October): that period, and no comparison
// (the rows have none). Otherwise the screen's, as given.
func (m Model) lensHeader(period, compare string) (string, string) {
	r, ok := m.lens.(*recordsLens)
	sc := m.q.score.sc
	if !ok || m.lensBack == nil || sc == nil || r.slice.Period.IsZero() || r.slice.Grain == kpi.All ||
		r.slice.Period.Equal(sc.Slice.Period) && r.slice.Grain == sc.Slice.Grain {
		return period, compare
	}
	return r.slice.Grain.Label(r.slice.Period) + " (" + string(r.slice.Grain) + ")", ""
}

// lensBefore is what the open lens was asked before a key or a reload,
// for lensAfter; nil when no lens is open (a lens the key opens asks for
// its numbers as it opens), so keys without a lens pay nothing for it.
func (m Model) lensBefore() *lensCtx {
	if m.lens == nil {
		return nil
	}
	c := m.lensCtx()
	return &c
}

// lensAfter reslices the lens that was open before a key or a reload when
// what is asked changed.
func (m Model) lensAfter(before *lensCtx) (Model, tea.Cmd) {
	if m.lens == nil || before == nil {
		return m, nil
	}
	now := m.lensCtx()
	if sameAsk(*before, now) {
		return m, nil
	}
	var cmd tea.Cmd
	m.lens, cmd = m.lens.Reslice(now)
	return m, tea.Batch(cmd, m.startSpinner())
}

// sameAsk reports whether two contexts ask for the same numbers.
func sameAsk(a, b lensCtx) bool {
	return a.eng == b.eng && a.gen == b.gen && a.def == b.def && a.dim == b.dim && a.row == b.row &&
		a.slice.Key() == b.slice.Key()
}

// lensMsg routes a message the explorer does not know to the open lens.
func (m Model) lensMsg(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case lensDrillMsg:
		m = m.closeLens()
		return m.lensDrill(msg)
	case lensOpenMsg:
		return m.openFrom(msg.l)
	case filtersMsg: // the filter editor's change (filteredit.go)
		return m.applyFilters(msg)
	}
	if m.lens == nil {
		return m, nil
	}
	var cmd tea.Cmd
	m.lens, cmd, _ = m.lens.Update(msg, m.lensCtx())
	return m, cmd
}

// lensDrill drills into a segment (and a period) a lens picked.
func (m Model) lensDrill(msg lensDrillMsg) (Model, tea.Cmd) {
	if !msg.Period.IsZero() {
		m.tf = m.tf.at(msg.Period)
	}
	if msg.Dim != "" {
		m.bd = m.bd.drillTo(msg.Dim, msg.Value)
		m = m.say("%s", m.bd.note)
	}
	return m.refresh()
}

// lensPane draws the open lens in the detail pane's frame (w × h outside).
func (m Model) lensPane(w, h int) string {
	c := m.lensCtx()
	title, body := m.lens.View(c, w-2, h-2)
	if m.busy() {
		title = m.spin.View() + " " + title
	}
	return pane.Frame(m.st, title, body, w, h, true)
}

// lensFooter is the open lens's key hints, and esc to close it.
func (m Model) lensFooter() []hintItem {
	if m.lens == nil {
		return nil
	}
	var out []hintItem
	prio := 10
	for _, b := range m.lens.Footer(m.lensCtx()) {
		out = append(out, hintItem{b, prio})
		if prio > 2 {
			prio--
		}
	}
	return append(out, hintItem{key.NewBinding(key.WithKeys("esc"), key.WithHelp(m.keys.Back.Help().Key, "close")), 10})
}

// lensQuery is the one query a lens has on its way: the key of the ask it
// answers, its number (an answer with another is superseded and dropped),
// whether it is loading and how to cancel it. The lenses embed it and
// read its fields.
type lensQuery struct {
	want    string // the key of what is asked
	seq     uint64
	loading bool
	cancel  context.CancelFunc
}

// begin cancels the query on its way and starts one for the ask want: the
// context it runs under (the explorer's query timeout, if any) and its
// number.
func (q *lensQuery) begin(c lensCtx, want string) (context.Context, uint64) {
	q.stop()
	var ctx context.Context
	if c.timeout > 0 {
		ctx, q.cancel = context.WithTimeout(c.ctx, c.timeout)
	} else {
		ctx, q.cancel = context.WithCancel(c.ctx)
	}
	q.want, q.seq, q.loading = want, q.seq+1, true
	return ctx, q.seq
}

// answered takes in the answer numbered seq to the ask key: false when it is
// superseded (a newer ask was made: drop it), else the query is over.
func (q *lensQuery) answered(seq uint64, key string) bool {
	if seq != q.seq || key != q.want {
		return false
	}
	q.stop()
	return true
}

// stop cancels the query on its way, if any.
func (q *lensQuery) stop() {
	if q.cancel != nil {
		q.cancel()
		q.cancel = nil
	}
	q.loading = false
}

// Close cancels the query on its way (the lens interface).
func (q *lensQuery) Close() { q.stop() }

// Loading reports whether a query is on its way (the lens interface): the
// explorer's spinner turns meanwhile.
func (q *lensQuery) Loading() bool { return q.loading }
