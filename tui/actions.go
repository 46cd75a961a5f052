package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/pane"
)

// action is something the user can do, by key or from the command palette.
type action struct {
	id   string
	name string
	bind key.Binding
	run  func(Model) (Model, tea.Cmd)
}

// actions lists every action; the palette shows them in this order.
func (m Model) actions() []action {
	k := m.keys
	return []action{
		{"next", "Next KPI", k.Next, Model.nextKPI},
		{"prev", "Previous KPI", k.Prev, Model.prevKPI},
		{"find", "Find a KPI by name", k.Find, Model.openFind},
		{"palette", "Command palette", k.Palette, Model.openPalette},
		{"breakdown", "Go to the breakdown table", k.Right, toBreakdown(focusMsg(true))},
		{"list", "Go to the KPI list", k.Left, toBreakdown(focusMsg(false))},
		{"segment", "Segment by a dimension…", k.Segment, Model.openSegment},
		{"stepout", "Step out: undo the last drill, filter or window", k.StepOut, toBreakdown(stepOutMsg{})},
		{"clear", "Clear all filters and the date window", k.ClearAll, toBreakdown(clearMsg{})},
		{"grain", "Next grain (day → year)", k.Grain, toTimeframe(nextGrainMsg{})},
		{"grainback", "Previous grain", k.GrainBack, toTimeframe(prevGrainMsg{})},
		{"earlier", "Earlier period", k.Earlier, toTimeframe(shiftMsg(-1))},
		{"later", "Later period", k.Later, toTimeframe(shiftMsg(1))},
		{"latest", "Latest period with data", k.Latest, toTimeframe(latestMsg{})},
		{"compare", "Cycle comparison: target / previous / last year", k.Compare, toTimeframe(nextCompareMsg{})},
		{"why", "Why it moved: each segment's part of the change", k.Why, toWhy(toggleWhyMsg{})},
		{"movers", "Top movers: each dimension's segments that moved the KPI", k.Movers, toWhy(toggleMoversMsg{})},
		{"grid", "Grid: segments × periods, coloured by status", k.Grid, Model.openGrid},
		{"cohorts", "Cohort retention matrix", k.Cohorts, Model.openCohorts},
		{"dist", "Distribution behind the KPI (hours histogram, score mix)", k.Dist, Model.openDist},
		{"series", "Several segments on one chart", k.Series, Model.openSeries},
		{"records", "Rows behind the number", k.Records, Model.openRecords},
		{"filters", "Filters, date window", k.Filters, Model.openFilters},
		{"command", "Copy the kpiscope report command for this view", k.Command, Model.copyCommand},
		{"saveview", "Save this view (prints the YAML for kpiscope.yaml)", k.SaveView, Model.saveView},
		{"sql", "SQL prompt over the loaded tables (read-only)", key.Binding{}, Model.openSQL},
		{"sort", "Sort the breakdown by the next column", k.Sort, toBreakdown(nextSortMsg{})},
		{"sortdir", "Reverse the breakdown's sort", k.SortDir, toBreakdown(flipSortMsg{})},
		{"export", "Export breakdown (CSV) and scorecard (Markdown)", k.Export, Model.export},
		{"copy", "Copy the breakdown as CSV", k.Copy, Model.copyBreakdown},
		{"copyscorecard", "Copy the scorecard as Markdown", k.CopyScorecard, Model.copyScorecard},
		{"reload", "Reload the data", k.Reload, Model.reload},
		{"warnings", "Show data warnings", k.Warnings, Model.openWarnings},
		{"help", "Help", k.Help, Model.openHelp},
		{"quit", "Quit", k.Quit, Model.quit},
	}
}

// key handles a key press: overlays first, then the breakdown's keys while
// it has the focus, then the action table.
func (m Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if key.Matches(msg, m.keys.Interrupt) {
		return m.quit()
	}
	if m.ov.kind != overlayNone {
		m.ov.w, m.ov.h = m.width, m.height
		var cmd tea.Cmd
		m.ov, cmd = m.ov.Update(msg)
		if p := m.ov.picked; p != nil {
			var c tea.Cmd
			m, c = m.choose(p.kind, p.id)
			return m, tea.Batch(cmd, c)
		}
		return m, cmd
	}
	m.status = status{} // a message lasts until the next key
	if m.lens != nil {
		var cmd tea.Cmd
		var handled bool
		if m, cmd, handled = m.lensKey(msg); handled {
			return m, cmd
		}
	}
	k := m.keys
	nav := key.Matches(msg, k.Down, k.Up, k.Top, k.Bottom, k.PageDown, k.PageUp)
	switch {
	case m.why.mode == whyMovers && (nav || key.Matches(msg, k.Back)),
		m.why.mode == whyBreakdown && (m.bd.focused && nav || key.Matches(msg, k.Back)):
		return m.toWhy(msg)
	case key.Matches(msg, k.Focus) && (m.why.mode == whyMovers || m.why.mode == whyBreakdown && m.bd.focused):
		return m.whyEnter()
	case m.bd.focused && key.Matches(msg, k.Down, k.Up, k.Top, k.Bottom, k.PageDown, k.PageUp, k.Focus), key.Matches(msg, k.Back):
		return m.toBreakdown(msg)
	case key.Matches(msg, k.Down):
		return m.nextKPI()
	case key.Matches(msg, k.Up):
		return m.prevKPI()
	case key.Matches(msg, k.Top):
		return m.selectKPI(0)
	case key.Matches(msg, k.Bottom):
		return m.selectKPI(len(m.defs) - 1)
	case key.Matches(msg, k.Jump):
		return m.selectKPI(int(msg.Code - '1'))
	case key.Matches(msg, k.Focus):
		return m.toBreakdown(focusMsg(true))
	}
	for _, a := range m.actions() {
		// A key disabled for this data (g without dates) still runs its
		// action, which says why it changes nothing: no key is silent.
		b := a.bind
		b.SetEnabled(len(b.Keys()) > 0)
		if key.Matches(msg, b) {
			return a.run(m)
		}
	}
	return m, nil
}

// toBreakdown is an action that sends msg to the breakdown.
func toBreakdown(msg tea.Msg) func(Model) (Model, tea.Cmd) {
	return func(m Model) (Model, tea.Cmd) { return m.toBreakdown(msg) }
}

// toBreakdown routes msg to the breakdown, telling it first what is on
// screen, and asks for the numbers its change needs: the whole screen's
// when the filters changed, the breakdown's when its dimension did.
func (m Model) toBreakdown(msg tea.Msg) (Model, tea.Cmd) {
	before := m.bd
	var cmd tea.Cmd
	shown, raw := m.breakdownResults()
	visible := pane.BreakdownVisible(m.detailData().Breakdown, m.layout().detailW-2)
	m.bd.window = m.tf.slice.Window
	m.bd, cmd = m.bd.on(shown, raw, m.q.detail.loading, visible).Update(msg)
	if m.bd.note != "" {
		m = m.say("%s", m.bd.note)
	}
	if m.bd.setWindow { // ⌫ undid a window, x cleared it
		m.tf = m.tf.setWindow(m.bd.window)
		if m.tf.note != "" {
			m = m.say("%s", m.tf.note)
		}
	}
	_, chosen := msg.(segmentMsg)
	switch {
	case m.bd.rev != before.rev:
		var c tea.Cmd
		m, c = m.refresh()
		return m, tea.Batch(cmd, c)
	case chosen || m.bd.dim != before.dim:
		var c tea.Cmd
		m, c = m.withDetail()
		return m, tea.Batch(cmd, c)
	}
	return m, cmd
}

// toWhy is an action that sends msg to the why views.
func toWhy(msg tea.Msg) func(Model) (Model, tea.Cmd) {
	return func(m Model) (Model, tea.Cmd) { return m.toWhy(msg) }
}

func (m Model) quit() (Model, tea.Cmd) {
	m.q = m.q.stop()
	m.why.stop()
	m.quitting = true
	return m, tea.Quit
}

func (m Model) say(format string, args ...any) Model {
	m.status = status{text: fmt.Sprintf(format, args...)}
	return m
}

func (m Model) warn(format string, args ...any) Model {
	m.status = status{text: fmt.Sprintf(format, args...), warn: true}
	return m
}

// withDetail re-runs the breakdown query after the KPI or segment changed.
func (m Model) withDetail() (Model, tea.Cmd) {
	var cmd tea.Cmd
	m, cmd = m.runDetail()
	spin := m.startSpinner()
	return m, tea.Batch(cmd, spin)
}

func (m Model) selectKPI(i int) (Model, tea.Cmd) {
	if len(m.defs) == 0 {
		return m, nil
	}
	i = max(0, min(i, len(m.defs)-1))
	if i == m.sel {
		return m, nil
	}
	m.sel = i
	m.bd = m.bd.home()
	return m.withDetail()
}

func (m Model) nextKPI() (Model, tea.Cmd) {
	if len(m.defs) == 0 {
		return m, nil
	}
	return m.selectKPI((m.sel + 1) % len(m.defs))
}

func (m Model) prevKPI() (Model, tea.Cmd) {
	if len(m.defs) == 0 {
		return m, nil
	}
	return m.selectKPI((m.sel - 1 + len(m.defs)) % len(m.defs))
}

// breakdownResult is the breakdown shown for the selected KPI and segment,
// possibly from the previous slice while the next one loads; nil if none.
func (m Model) breakdownResult() *kpi.Result {
	r, _ := m.breakdownResults()
	return r
}

// breakdownResults is breakdownResult, cleaned as shown and as the engine
// gave it.
func (m Model) breakdownResults() (shown, raw *kpi.Result) {
	d := m.selected()
	sc := m.q.detail.sc
	if d == nil || sc == nil || m.bd.dim == "" || sc.Slice.Segment != m.bd.dim {
		return nil, nil
	}
	raw = sc.Find(d.ID)
	if raw == nil || raw.Err != nil || raw.SegmentErr != nil {
		return nil, nil
	}
	return m.q.detail.shown.Find(d.ID), raw
}

// toTimeframe is an action that sends msg to the timeframe.
func toTimeframe(msg tea.Msg) func(Model) (Model, tea.Cmd) {
	return func(m Model) (Model, tea.Cmd) { return m.toTimeframe(msg) }
}

// toTimeframe routes msg to the timeframe, telling it first the engine and
// what is on screen, and asks for new numbers when it changed.
func (m Model) toTimeframe(msg tea.Msg) (Model, tea.Cmd) {
	before := m.tf.rev
	var cmd tea.Cmd
	m.tf, cmd = m.tf.on(m.q.eng, m.asked(), m.q.score.sc).Update(msg)
	if m.tf.note != "" {
		m = m.say("%s", m.tf.note)
	}
	if m.tf.rev == before {
		return m, cmd
	}
	var c tea.Cmd
	m, c = m.refresh()
	return m, tea.Batch(cmd, c)
}

func (m Model) reload() (Model, tea.Cmd) {
	if m.deps.Reload == nil {
		return m.say("reloading is not available for this data"), nil
	}
	if m.reloading {
		return m, nil
	}
	m.reloading = true
	m = m.say("reloading…")
	fn, ctx, now := m.deps.Reload, m.ctx, m.deps.Now
	cmd := func() tea.Msg {
		eng, err := fn(ctx)
		return EngineMsg{Engine: eng, Refreshed: now(), Err: err}
	}
	spin := m.startSpinner()
	return m, tea.Batch(cmd, spin)
}
