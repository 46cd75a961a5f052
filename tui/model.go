package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"kpiscope/internal/kpi"
	"kpiscope/tui/keys"
	"kpiscope/tui/style"
)

// status is the transient message on the right of the footer.
type status struct {
	text string
	warn bool
}

// Model is the root model of the explorer. Its parts own their state and
// have their own Update: queries (the engine, the two queries, their
// results), timeframe (grain, period, comparison), breakdown (dimension,
// cursor, sort, focus, drill path and filters), overlay (help, choosers,
// messages) and rollupWatch. The root routes messages to them, asks for new
// numbers when the timeframe or the breakdown changed, keeps the selection,
// the footer's status and reloads, and lays out the panes, which render
// themselves.
type Model struct {
	deps Deps
	keys keys.Map
	st   style.Styles
	dark bool
	// plain is true on terminals without colour (NO_COLOR, dumb terminals).
	plain bool
	help  help.Model
	spin  spinner.Model
	// spinning is true while a spinner tick is on its way.
	spinning      bool
	width, height int
	ctx           context.Context

	q        queries    // the engine and the queries on it
	defs     []*kpi.Def // the engine's, cleaned (cleanDefs)
	dims     []kpi.Dimension
	names    map[string]string // dimension → its name as shown
	engLabel string            // the engine's label and one-line summary, cleaned
	engDesc  string
	warnings map[string][]string // cleaned

	tf timeframe // grain, period, comparison
	bd breakdown // the breakdown table: dimension, cursor, sort, focus, drill path
	// why is the why view of the breakdown and the top movers, which take
	// the detail pane's place while open.
	why why
	// lens is the open closer look (lens.go): grid, cohorts, distribution,
	// series or records; nil when none.
	lens lens
	// lensBack is the lens that opened the open one in its place (the grid
	// under the rows of its cell): esc goes back to it (lens.go).
	lensBack lens
	// sql is the SQL prompt (sqlprompt.go), kept while closed: its
	// statement, result and history are there when it opens again.
	sql *sqlLens

	sel int // selected KPI

	roll rollupWatch // the engine's rollup build (Deps.RollupStatus)

	ov        overlay // the box over the screen, if any
	status    status
	reloading bool
	quitting  bool
	refreshed time.Time
	// reloadFailed is when the last reload failed, until one succeeds: the
	// header says the numbers are older than the files.
	reloadFailed time.Time
	reloadErr    string // why, cleaned: the warnings box (w) shows it in full
}

// startMsg kicks off the first queries once the program runs.
type startMsg struct{}

// New builds the explorer for one terminal. It does no I/O: the first
// queries start when the program runs.
func New(d Deps) Model {
	d.Label, d.Banner = clean(d.Label), clean(d.Banner)
	if d.Now == nil {
		d.Now = time.Now
	}
	ctx := d.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if len(d.Keys.Quit.Keys()) == 0 {
		d.Keys = keys.Default()
	}
	m := Model{
		deps:      d,
		keys:      d.Keys,
		dark:      true,
		help:      help.New(),
		spin:      spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		ctx:       ctx,
		q:         newQueries(ctx, d),
		roll:      rollupWatch{status: d.RollupStatus},
		tf:        newTimeframe(),
		bd:        newBreakdown(d.Keys),
		why:       newWhy(d.Keys),
		ov:        overlay{keys: d.Keys},
		warnings:  cleanWarnings(d.Warnings),
		refreshed: d.Refreshed,
	}
	m.restyle()
	m.setEngine(d.Engine)
	if len(m.dims) > 0 {
		m.bd.dim = m.dims[0].Name
	}
	if d.Start != nil { // a saved view (views.go)
		m = m.withView(*d.Start)
	}
	return m
}

// setEngine swaps the engine; the numbers on screen stay until new ones come.
func (m *Model) setEngine(e *kpi.Engine) {
	var selID string
	if d := m.selected(); d != nil {
		selID = d.ID
	}
	m.q = m.q.setEngine(e)
	m.defs, m.dims, m.names, m.engLabel, m.engDesc = nil, nil, nil, "", ""
	if e == nil {
		return
	}
	// Keys that move in time are off without dates: footer, help and
	// palette leave them out or say why, as Update does.
	m.keys = m.keys.Dated(!e.AsOf().IsZero())
	m.ov.keys = m.keys
	m.why.keys = m.keys
	m.defs, m.dims = cleanDefs(e.Defs()), e.Dimensions()
	m.names, m.engLabel, m.engDesc = dimNames(m.dims), clean(e.Label()), clean(e.Describe())
	m.sel = 0
	for i, d := range m.defs {
		if d.ID == selID {
			m.sel = i
		}
	}
	m.bd = m.bd.setDims(m.dims, m.names)
}

// asked is the slice the screen asks for: the timeframe's grain, period and
// comparison, the breakdown's filters; no segment.
func (m Model) asked() kpi.Slice {
	s := m.tf.slice
	s.Filters = m.bd.filters
	return s
}

func (m *Model) restyle() {
	m.st = style.New(m.dark, m.plain)
	m.help.Styles.ShortKey = m.st.Key
	m.help.Styles.ShortDesc = m.st.Desc
	m.help.Styles.ShortSeparator = m.st.Sep
	m.help.Styles.Ellipsis = m.st.Sep
	m.spin.Style = m.st.AccentTxt
}

// selected is the selected KPI's definition, or nil.
func (m Model) selected() *kpi.Def {
	if m.sel >= 0 && m.sel < len(m.defs) {
		return m.defs[m.sel]
	}
	return nil
}

// Init requests the terminal's background colour and starts the first queries.
func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, func() tea.Msg { return startMsg{} })
}

// Update routes messages.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case startMsg:
		return m.onEngine()
	case resultMsg:
		var cmd tea.Cmd
		m.q, cmd = m.q.Update(msg)
		return m, cmd
	case rollupTickMsg:
		var cmd tea.Cmd
		m.roll, cmd = m.roll.Update(msg)
		return m.rollupFailed(), cmd
	case moversMsg:
		m.why = m.why.got(msg, m.q.timeout)
		return m, nil
	case EngineMsg:
		before := m.lensBefore()
		m, cmd := m.gotEngine(msg)
		m, c := m.syncMovers()
		m, l := m.lensAfter(before)
		return m, tea.Batch(cmd, c, l)
	case WarningsMsg:
		m.warnings = cleanWarnings(msg.Warnings)
		return m, nil
	case ViewsMsg: // views.go
		m.deps.Views = msg.Views
		return m, nil
	case exportedMsg:
		return m.gotExport(msg)
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		return m, nil
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.restyle()
		return m, nil
	case tea.ColorProfileMsg:
		m.plain = msg.Profile <= colorprofile.Ascii
		m.restyle()
		return m, nil
	case spinner.TickMsg:
		if !m.busy() && !m.reloading {
			m.spinning = false
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		before := m.lensBefore()
		next, cmd := m.key(msg)
		m, c := next.(Model).syncMovers()
		m, l := m.lensAfter(before)
		return m, tea.Batch(cmd, c, l)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		if ms := msg.(tea.MouseMsg).Mouse(); m.lens != nil && m.ov.kind == overlayNone && (m.lens.Wide() || ms.X >= m.layout().listW) {
			var cmd tea.Cmd
			m.lens, cmd, _ = m.lens.Update(msg, m.lensCtx())
			return m, cmd
		}
	}
	switch msg := msg.(type) {
	case tea.MouseClickMsg:
		if ms := msg.Mouse(); m.why.mode != whyOff && m.ov.kind == overlayNone && ms.X >= m.layout().listW {
			return m, nil // the why views' rows are not the table's
		}
		next, cmd := m.click(msg.Mouse())
		m, c := next.syncMovers()
		return m, tea.Batch(cmd, c)
	case tea.MouseWheelMsg:
		if ms := msg.Mouse(); m.why.mode != whyOff && m.ov.kind == overlayNone && ms.X >= m.layout().listW {
			d := 1
			if ms.Button == tea.MouseWheelUp {
				d = -1
			}
			return m.toWhy(moveMsg(d))
		}
		next, cmd := m.wheel(msg.Mouse())
		m, c := next.syncMovers()
		return m, tea.Batch(cmd, c)
	}
	return m.lensMsg(msg)
}

// startSpinner starts the spinner's ticks unless they are already running.
func (m *Model) startSpinner() tea.Cmd {
	if m.spinning || (!m.busy() && !m.reloading) {
		return nil
	}
	m.spinning = true
	return m.spin.Tick
}

// busy reports whether a query is on its way: the scorecard, the
// breakdown, the top movers or the open lens's.
func (m Model) busy() bool {
	return m.q.loading() || m.why.mv.loading || m.lens != nil && m.lens.Loading()
}

// gotEngine swaps in a reloaded engine, or keeps the old one on error.
func (m Model) gotEngine(msg EngineMsg) (Model, tea.Cmd) {
	m.reloading = false
	if msg.Err != nil {
		m.reloadErr = cleanLine(msg.Err)
		m.status = status{text: "reload failed (" + m.keys.Warnings.Help().Key + " shows why), still showing the previous data: " + m.reloadErr, warn: true}
		m.reloadFailed = msg.Refreshed
		if m.reloadFailed.IsZero() {
			m.reloadFailed = m.deps.Now()
		}
		return m, nil
	}
	if msg.Engine == nil {
		return m, nil
	}
	if msg.Completed {
		// The same data: what the KPIs waited for is made.
		what, _ := m.q.eng.WaitsFor()
		m.q = m.q.keepShown()
		m.setEngine(msg.Engine)
		if msg.Warnings != nil {
			m.warnings = cleanWarnings(msg.Warnings)
		}
		if what != "" {
			m.status = status{text: clean(what) + " computed: every KPI is in"}
		}
		return m.onEngine()
	}
	m.setEngine(msg.Engine)
	m.reloadFailed, m.reloadErr = time.Time{}, ""
	if msg.Warnings != nil {
		m.warnings = cleanWarnings(msg.Warnings)
	}
	m.refreshed = msg.Refreshed
	if m.refreshed.IsZero() {
		m.refreshed = m.deps.Now()
	}
	m.status = status{text: "refreshed " + m.refreshed.Format("15:04")}
	return m.onEngine()
}

// onEngine starts the work a new engine needs: its first screen's queries
// and watching its rollup build.
func (m Model) onEngine() (Model, tea.Cmd) {
	m, cmd := m.refresh()
	var poll tea.Cmd
	m.roll, poll = m.roll.watch(m.q.eng, m.q.gen)
	return m.rollupFailed(), tea.Batch(cmd, poll)
}

// rollupFailed shows a failure of the rollup build the last poll found.
func (m Model) rollupFailed() Model {
	if err := m.roll.failed; err != nil {
		return m.warn("indexing failed: %s (those slices read the raw rows)", err)
	}
	return m
}
