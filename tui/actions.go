package tui

import (
	"fmt"
	"strings"
	"time"

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
		{"breakdown", "Go to the breakdown table", k.Right, Model.focusBreakdown},
		{"list", "Go to the KPI list", k.Left, Model.focusList},
		{"segment", "Segment by a dimension…", k.Segment, Model.openSegment},
		{"stepout", "Step out of the last drill", k.StepOut, Model.stepOut},
		{"clear", "Clear all filters", k.ClearAll, Model.clearFilters},
		{"grain", "Next grain (day → year)", k.Grain, Model.nextGrain},
		{"grainback", "Previous grain", k.GrainBack, Model.prevGrain},
		{"earlier", "Earlier period", k.Earlier, Model.earlier},
		{"later", "Later period", k.Later, Model.later},
		{"latest", "Latest complete period", k.Latest, Model.latest},
		{"compare", "Cycle comparison: target / previous / last year", k.Compare, Model.cycleCompare},
		{"sort", "Sort the breakdown by the next column", k.Sort, Model.nextSort},
		{"sortdir", "Reverse the breakdown's sort", k.SortDir, Model.flipSort},
		{"export", "Export breakdown (CSV) and scorecard (Markdown)", k.Export, Model.export},
		{"copy", "Copy the breakdown as CSV", k.Copy, Model.copyBreakdown},
		{"copyscorecard", "Copy the scorecard as Markdown", k.CopyScorecard, Model.copyScorecard},
		{"reload", "Reload the data", k.Reload, Model.reload},
		{"warnings", "Show data warnings", k.Warnings, Model.openWarnings},
		{"help", "Help", k.Help, Model.openHelp},
		{"quit", "Quit", k.Quit, Model.quit},
	}
}

// key handles a key press: overlays first, then keys whose meaning depends
// on the focused pane, then the action table.
func (m Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if msg.String() == "ctrl+c" {
		return m.quit()
	}
	if m.overlay != overlayNone {
		return m.overlayKey(msg)
	}
	m.status = status{} // a message lasts until the next key
	k := m.keys
	switch {
	case key.Matches(msg, k.Down):
		if m.focus == focusBreakdown {
			return m.moveCursor(1)
		}
		return m.nextKPI()
	case key.Matches(msg, k.Up):
		if m.focus == focusBreakdown {
			return m.moveCursor(-1)
		}
		return m.prevKPI()
	case key.Matches(msg, k.Top):
		if m.focus == focusBreakdown {
			return m.moveCursor(-1 << 20)
		}
		return m.selectKPI(0)
	case key.Matches(msg, k.Bottom):
		if m.focus == focusBreakdown {
			return m.moveCursor(1 << 20)
		}
		return m.selectKPI(len(m.defs) - 1)
	case key.Matches(msg, k.Jump):
		return m.selectKPI(int(msg.Code - '1'))
	case key.Matches(msg, k.Focus):
		if m.focus == focusBreakdown {
			return m.drillIn()
		}
		return m.focusBreakdown()
	case key.Matches(msg, k.Back):
		if len(m.trail) > 0 || len(m.slice.Filters) > 0 {
			return m.stepOut()
		}
		return m.focusList()
	}
	for _, a := range m.actions() {
		if key.Matches(msg, a.bind) {
			return a.run(m)
		}
	}
	return m, nil
}

func (m Model) quit() (Model, tea.Cmd) {
	m.q = m.q.stop()
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
	m.sel, m.cursor = i, 0
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

func (m Model) focusBreakdown() (Model, tea.Cmd) {
	if m.segment == "" {
		return m.say("no breakdown: press s to segment by a dimension"), nil
	}
	m.focus = focusBreakdown
	return m, nil
}

func (m Model) focusList() (Model, tea.Cmd) {
	m.focus = focusList
	return m, nil
}

func (m Model) moveCursor(d int) (Model, tea.Cmd) {
	r := m.breakdownResult()
	if r == nil || len(r.Segments) == 0 {
		return m, nil
	}
	m.cursor = max(0, min(m.cursor+d, len(r.Segments)-1))
	return m, nil
}

// breakdownResult is the breakdown shown for the selected KPI and segment,
// possibly from the previous slice while the next one loads; nil if none.
func (m Model) breakdownResult() *kpi.Result {
	d := m.selected()
	sc := m.q.detail.sc
	if d == nil || sc == nil || m.segment == "" || sc.Slice.Segment != m.segment {
		return nil
	}
	r := sc.Find(d.ID)
	if r == nil || r.Err != nil || r.SegmentErr != nil {
		return nil
	}
	return r
}

// nextDim is the first dimension after the current one that no filter
// pins down, so a drill lands on a breakdown that still splits the data.
func (m Model) nextDim(after string) string {
	filtered := map[string]bool{}
	for _, f := range m.slice.Filters {
		filtered[f.Dim] = true
	}
	start := 0
	for i, d := range m.dims {
		if d.Name == after {
			start = i + 1
		}
	}
	for i := range m.dims {
		d := m.dims[(start+i)%len(m.dims)]
		if !filtered[d.Name] && d.Name != after {
			return d.Name
		}
	}
	return ""
}

// drillIn adds a filter for the segment under the cursor and breaks the
// result down by the next dimension.
func (m Model) drillIn() (Model, tea.Cmd) {
	r := m.breakdownResult()
	if r == nil || len(r.Segments) == 0 || m.q.detail.loading {
		return m.say("nothing to drill into yet"), nil
	}
	rows := pane.SortRows(r.Segments, m.sort)
	row := rows[max(0, min(m.cursor, len(rows)-1))]
	m.trail = append(m.trail, drill{filters: append([]kpi.Filter(nil), m.slice.Filters...), segment: m.segment, cursor: m.cursor, sort: m.sort})
	f := kpi.Filter{Dim: m.segment, Values: []string{row.Segment}}
	m.slice = m.slice.WithFilter(f)
	m.segment = m.nextDim(m.segment)
	m.cursor, m.sort, m.focus = 0, pane.DefaultSort(), focusBreakdown
	if m.segment == "" {
		m = m.say("%s", f)
	} else {
		m = m.say("%s · now by %s", f, m.segment)
	}
	return m.refresh()
}

func (m Model) stepOut() (Model, tea.Cmd) {
	if n := len(m.trail); n > 0 {
		t := m.trail[n-1]
		m.trail = m.trail[:n-1]
		m.slice.Filters = t.filters
		m.segment, m.cursor, m.sort = t.segment, t.cursor, t.sort
	} else if len(m.slice.Filters) > 0 {
		m.slice = m.slice.WithoutLastFilter()
	} else {
		return m.say("no filter to remove"), nil
	}
	return m.refresh()
}

func (m Model) clearFilters() (Model, tea.Cmd) {
	if len(m.slice.Filters) == 0 {
		return m.say("no filters"), nil
	}
	if len(m.trail) > 0 {
		t := m.trail[0]
		m.segment, m.cursor, m.sort = t.segment, t.cursor, t.sort
	}
	m.trail = nil
	m.slice.Filters = nil
	return m.refresh()
}

func (m Model) setSegment(dim string) (Model, tea.Cmd) {
	m.segment, m.cursor, m.sort = dim, 0, pane.DefaultSort()
	if dim == "" {
		m.focus = focusList
		m = m.say("no breakdown")
	} else {
		m = m.say("breakdown by %s", dim)
	}
	return m.withDetail()
}

func (m Model) setGrain(g kpi.Grain) (Model, tea.Cmd) {
	if g == m.slice.Grain {
		return m, nil
	}
	if !m.slice.Period.IsZero() {
		m.slice.Period = g.Trunc(m.slice.Period)
	}
	m.slice.Grain = g
	return m.say("grain: %s", g).refresh()
}

func (m Model) nextGrain() (Model, tea.Cmd) { return m.setGrain(m.slice.Grain.Next()) }

func (m Model) prevGrain() (Model, tea.Cmd) {
	g := m.slice.Grain
	for range len(kpi.Grains) - 1 {
		g = g.Next()
	}
	return m.setGrain(g)
}

// period is the start of the period on screen.
func (m Model) period() (time.Time, bool) {
	if !m.slice.Period.IsZero() {
		return m.slice.Period, true
	}
	if m.q.eng != nil { // the engine's own resolution: no need to wait for the numbers
		if p := m.q.eng.Resolve(m.slice).Period; !p.IsZero() {
			return p, true
		}
	}
	if sc := m.q.score.sc; sc != nil && sc.Slice.Grain == m.slice.Grain && !sc.Slice.Period.IsZero() {
		return sc.Slice.Period, true
	}
	return time.Time{}, false
}

func (m Model) shiftPeriod(n int) (Model, tea.Cmd) {
	g := m.slice.Grain
	p, ok := m.period()
	if !ok || m.q.eng == nil {
		return m.say("wait for the numbers first"), nil
	}
	np := g.Add(p, n)
	switch {
	case np.Before(g.Trunc(m.q.eng.Start())):
		return m.say("no earlier data"), nil
	case np.After(g.Trunc(m.q.eng.AsOf())):
		return m.say("this is the latest period (data up to %s)", m.q.eng.AsOf().Format("2 Jan 2006")), nil
	}
	m.slice.Period = np
	return m.refresh()
}

func (m Model) earlier() (Model, tea.Cmd) { return m.shiftPeriod(-1) }
func (m Model) later() (Model, tea.Cmd)   { return m.shiftPeriod(1) }

func (m Model) latest() (Model, tea.Cmd) {
	if m.slice.Period.IsZero() {
		return m.say("already at the latest complete period"), nil
	}
	m.slice.Period = time.Time{}
	return m.refresh()
}

func (m Model) setCompare(c kpi.Compare) (Model, tea.Cmd) {
	m.slice.Compare = c
	return m.say("comparing %s", c.Label()).refresh()
}

func (m Model) cycleCompare() (Model, tea.Cmd) { return m.setCompare(m.slice.Compare.Next()) }

// resort changes the breakdown's order, keeping the cursor on its segment.
func (m Model) resort(s pane.Sort) (Model, tea.Cmd) {
	var seg string
	r := m.breakdownResult()
	if r != nil && len(r.Segments) > 0 {
		rows := pane.SortRows(r.Segments, m.sort)
		seg = rows[max(0, min(m.cursor, len(rows)-1))].Segment
	}
	m.sort = s
	if r != nil {
		for i, row := range pane.SortRows(r.Segments, s) {
			if row.Segment == seg {
				m.cursor = i
			}
		}
	}
	dir := "▴"
	if s.Desc {
		dir = "▾"
	}
	return m.say("sorted by %s %s", s.Col.Name(), dir), nil
}

func (m Model) nextSort() (Model, tea.Cmd) { return m.resort(pane.On(m.sort.Col.Next())) }
func (m Model) flipSort() (Model, tea.Cmd) {
	s := m.sort
	s.Desc = !s.Desc
	return m.resort(s)
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

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
