package tui

import (
	"context"
	"errors"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/pane"
)

// gridLens is the grid (kpi.Engine.Grid): the selected KPI as the
// breakdown's segments × the last periods at the screen's grain, ending at
// its period (or × a second dimension's values: b cycles through them),
// each cell coloured by its status with the status glyph beside the value.
// It takes the whole body. The cursor moves over cells; enter drills into
// the cell's segment and period, R opens the rows behind it. Its query
// runs as the top movers' does: a tea.Cmd under a context the next ask or
// esc cancels, its answer dropped when a newer one was asked; a grid the
// engine has cached is drawn in the frame of the key.
type gridLens struct {
	lensQuery        // the query on its way: want (the key of what is asked), seq, loading, cancel
	cols      string // the second dimension laid out as columns ("" periods)

	key string // gridKey of what is shown

	g     *kpi.Grid // as the engine gave it (drills filter by its values)
	shown *kpi.Grid // its text cleaned for the screen
	err   string

	// opts are the explorer's extra engine options (benchmarks bypass the
	// result cache or the rollups to measure the queries).
	opts []kpi.Option

	note string // why the last key did nothing; the next key clears it

	// undated is true when the KPI has no date column: no grain gives the
	// grid periods, only b (a dimension as columns) lays it out.
	undated bool

	row, col int    // the cursor: a segment (len: the totals row), a column (len: the totals column)
	seg      string // the cursor's segment, kept when a new grid comes
	start    string // the breakdown row the grid opened on
}

// gridMsg is the answer to a grid query.
type gridMsg struct {
	seq uint64
	key string
	g   *kpi.Grid
	err error
}

// gridPeriods is how many periods the lens asks for: the view shows as
// many as fit, the latest first (CSAT by channel: 12 at 120 columns, 7 at
// 80; by region 11 and 6, TestGridPeriodsThatFit).
const gridPeriods = 12

// The lens's own keys.
var (
	gridMoveKey    = key.NewBinding(key.WithKeys("left", "right", "up", "down", "h", "l", "j", "k"), key.WithHelp("←↑↓→", "move"))
	gridDrillKey   = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "drill in"))
	gridColsKey    = key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "columns"))
	gridRecordsKey = key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "rows"))
)

// openGrid opens the grid on the breakdown's row under the cursor.
func (m Model) openGrid() (Model, tea.Cmd) {
	if m.selected() == nil {
		return m.say("no KPI selected"), nil
	}
	return m.openLens(&gridLens{start: m.lensCtx().row, opts: m.q.opts})
}

// rows is the dimension the rows are the segments of: the breakdown's, or
// the first one offered.
func (l *gridLens) rows(c lensCtx) string {
	if c.dim != "" {
		return c.dim
	}
	if len(c.dims) > 0 {
		return c.dims[0].Name
	}
	return ""
}

// ask names the request: the engine, its generation, the KPI, the slice
// and the dimensions.
func (l *gridLens) ask(c lensCtx) (kpi.GridAsk, string) {
	// Every segment, as the breakdown asks: the rows scroll.
	a := kpi.GridAsk{Slice: c.slice, KPI: c.def.ID, Rows: l.rows(c), Cols: l.cols, Periods: gridPeriods, MaxRows: kpi.AllSegments}
	return a, fmt.Sprintf("%p|%d|%s|%s|%s|%s", c.eng, c.gen, c.def.ID, c.slice.Key(), a.Rows, a.Cols)
}

// Reslice asks for the grid of what the screen shows now, unless it is
// shown or on its way; one the engine has is taken at once.
func (l *gridLens) Reslice(c lensCtx) (lens, tea.Cmd) {
	if c.eng == nil || c.def == nil {
		return l, nil
	}
	a, k := l.ask(c)
	if a.Rows == "" {
		l.stop()
		l.g, l.shown, l.err, l.want, l.key = nil, nil, "the data offers no dimension to make rows of", k, k
		return l, nil
	}
	if k == l.want && (l.loading || l.key == k) {
		return l, nil
	}
	l.stop()
	l.want, l.seq = k, l.seq+1
	if g, ok := c.eng.GridCached(a, l.opts...); ok {
		l.got(g, nil, k, c)
		return l, nil
	}
	ctx, seq := l.begin(c, k)
	return l, gridQuery(ctx, c.eng, a, l.opts, seq, k)
}

// gridQuery runs one grid query; the closure holds copies of its inputs and
// never reads the model.
func gridQuery(ctx context.Context, eng *kpi.Engine, a kpi.GridAsk, opts []kpi.Option, seq uint64, k string) tea.Cmd {
	return func() tea.Msg {
		g, err := eng.Grid(ctx, a, opts...)
		return gridMsg{seq: seq, key: k, g: g, err: err}
	}
}

// Wide: the grid takes the whole body.
func (l *gridLens) Wide() bool { return true }

// got takes in a grid (or why there is none) and puts the cursor back on
// its segment, in the last column on a first grid.
func (l *gridLens) got(g *kpi.Grid, err error, k string, c lensCtx) {
	l.key, l.err = k, ""
	l.undated = errors.Is(err, kpi.ErrGridUndated)
	if err != nil {
		l.g, l.shown = nil, nil
		l.err = cleanLine(err)
		switch {
		case l.undated && c.def != nil:
			l.err = c.def.Label() + " has no date column: b lays a dimension out as columns"
		case errors.Is(err, context.DeadlineExceeded):
			l.err = fmt.Sprintf("the grid took longer than %s (--query-timeout) and was stopped; try a coarser grain or fewer filters", c.timeout)
		}
		return
	}
	first := l.g == nil
	fromEnd := 1 // the cursor's column counted from the right: the last period
	if !first {
		fromEnd = len(l.g.Columns) - l.col
	}
	l.g, l.shown = g, cleanGrid(g)
	l.col = len(g.Columns) - fromEnd // a new grain keeps the cursor as far from the screen's period
	if first {
		l.seg = l.start
	}
	// The cursor's segment where it is now; else the first row on a first
	// grid, the Total row if it was there, the same place otherwise.
	found := false
	for i, r := range g.Segments {
		if l.seg != "" && r.Segment == l.seg {
			l.row, found = i, true
			break
		}
	}
	switch {
	case found:
	case first:
		l.row = 0
	case l.seg == "":
		l.row = len(g.Segments)
	}
	l.clamp()
}

// cleanGrid is a copy of g with the data's text (segment and column
// values, filters) cleaned for the screen.
func cleanGrid(g *kpi.Grid) *kpi.Grid {
	out := *g
	out.Segments = make([]kpi.GridRow, len(g.Segments))
	for i, r := range g.Segments {
		r.Segment = clean(r.Segment)
		out.Segments[i] = r
	}
	out.Columns = make([]kpi.GridColumn, len(g.Columns))
	for i, c := range g.Columns {
		c.Value, c.Name = clean(c.Value), clean(c.Name)
		out.Columns[i] = c
	}
	out.Slice.Filters = make([]kpi.Filter, len(g.Slice.Filters))
	for i, f := range g.Slice.Filters {
		f.Dim = clean(f.Dim)
		f.Values = append([]string(nil), f.Values...)
		for j := range f.Values {
			f.Values[j] = clean(f.Values[j])
		}
		out.Slice.Filters[i] = f
	}
	return &out
}

// clamp keeps the cursor on the grid and remembers its segment.
func (l *gridLens) clamp() {
	if l.g == nil {
		return
	}
	l.row = max(0, min(l.row, len(l.g.Segments)))
	l.col = max(0, min(l.col, len(l.g.Columns)))
	l.seg = ""
	if l.row < len(l.g.Segments) {
		l.seg = l.g.Segments[l.row].Segment
	}
}

// Update moves the cursor, drills, opens the rows behind a cell, cycles
// the columns' dimension and takes in answers; other keys (grain, period,
// comparison, KPI, segment) go to the explorer, which reslices the grid.
func (l *gridLens) Update(msg tea.Msg, c lensCtx) (lens, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case gridMsg:
		if !l.answered(msg.seq, msg.key) {
			return l, nil, true // a superseded answer
		}
		l.got(msg.g, msg.err, msg.key, c)
		return l, nil, true
	case tea.MouseWheelMsg:
		if msg.Mouse().Button == tea.MouseWheelUp {
			l.row--
		} else {
			l.row++
		}
		l.clamp()
		return l, nil, true
	case tea.KeyPressMsg:
		k := c.keys
		l.note = ""
		switch {
		case key.Matches(msg, k.Up):
			l.row--
		case key.Matches(msg, k.Down):
			l.row++
		case key.Matches(msg, k.Left):
			l.col--
		case key.Matches(msg, k.Right):
			l.col++
		case key.Matches(msg, k.Top):
			l.row = 0
		case key.Matches(msg, k.Bottom):
			l.row = 1 << 20
		case key.Matches(msg, gridColsKey):
			next := l.nextCols(c)
			if next == l.cols {
				l.note = "no other dimension to lay out as columns"
				return l, nil, true
			}
			l.cols = next
			nl, cmd := l.Reslice(c)
			return nl, cmd, true
		case key.Matches(msg, gridDrillKey):
			return l, l.drill(), true
		case key.Matches(msg, gridRecordsKey):
			return l, l.records(c), true
		default:
			return l, nil, false
		}
		l.clamp()
		return l, nil, true
	}
	return l, nil, false
}

// nextCols is the next dimension to lay out as columns: periods, then each
// offered dimension but the rows'.
func (l *gridLens) nextCols(c lensCtx) string {
	var cycle []string
	cycle = append(cycle, "")
	for _, d := range c.dims {
		if d.Name != l.rows(c) {
			cycle = append(cycle, d.Name)
		}
	}
	for i, x := range cycle {
		if x == l.cols {
			return cycle[(i+1)%len(cycle)]
		}
	}
	return ""
}

// drill asks the explorer to drill into the cell's segment and period: a
// totals row cell into its period alone, a totals column cell into its
// segment in the screen's period.
func (l *gridLens) drill() tea.Cmd {
	if l.g == nil {
		return nil
	}
	g := l.g
	msg := lensDrillMsg{}
	if l.row < len(g.Segments) {
		msg.Dim, msg.Value = g.Rows, g.Segments[l.row].Segment
	}
	if g.Cols == "" && l.col < len(g.Columns) {
		msg.Period = g.Columns[l.col].Period
	}
	if g.Cols != "" && l.row == len(g.Segments) && l.col < len(g.Columns) {
		msg.Dim, msg.Value = g.Cols, g.Columns[l.col].Value
	}
	if msg.Dim == "" && msg.Period.IsZero() {
		return nil
	}
	return func() tea.Msg { return msg }
}

// records opens the rows behind the cell under the cursor: its period and
// segment (and column value); a totals column over several periods has no
// one slice to list.
func (l *gridLens) records(c lensCtx) tea.Cmd {
	if l.g == nil || c.def == nil {
		return nil
	}
	g := l.g
	s := g.Slice
	if g.Cols == "" {
		if l.col >= len(g.Columns) {
			l.note = "the Total column spans several periods: R lists the rows of one cell"
			return nil
		}
		s.Period = g.Columns[l.col].Period
	} else if l.col < len(g.Columns) {
		s = s.WithFilter(kpi.Filter{Dim: g.Cols, Values: []string{g.Columns[l.col].Value}})
	}
	s.Segment, s.MaxSegments = "", 0
	dim, value := "", ""
	if l.row < len(g.Segments) {
		dim, value = g.Rows, g.Segments[l.row].Segment
	}
	rl := newRecordsLens(c.def, s, dim, value)
	return func() tea.Msg { return lensOpenMsg{l: rl} }
}

// Footer is the lens's keys.
func (l *gridLens) Footer(c lensCtx) []key.Binding {
	return []key.Binding{gridMoveKey, gridDrillKey, gridRecordsKey, gridColsKey}
}

// View draws the grid, or why there is none.
func (l *gridLens) View(c lensCtx, w, h int) (string, []string) {
	st := c.st
	title := "Grid"
	if c.def != nil {
		title += " · " + c.def.Label()
	}
	dim := c.names[l.rows(c)]
	if dim == "" {
		dim = clean(l.rows(c))
	}
	title += " by " + dim
	colDim := "period"
	if l.cols != "" {
		colDim = c.names[l.cols]
		if colDim == "" {
			colDim = clean(l.cols)
		}
	}
	title += " × " + colDim
	if l.loading {
		title += " …"
	}
	muted := func(s string) string { return st.MutedText.Render(s) }
	switch {
	case l.err != "":
		var body []string
		for _, ln := range pane.Wrap(l.err, w) {
			body = append(body, st.ErrText.Render(ln))
		}
		hint := c.keys.Segment.Help().Key + " rows by another dimension · g grain · b columns: periods/a dimension · esc close"
		if l.undated {
			hint = c.keys.Segment.Help().Key + " rows by another dimension · b columns: a dimension · esc close"
		}
		return title, append(body, "", muted(hint))
	case l.shown == nil:
		return title, []string{muted("computing the grid…")}
	}
	v := pane.GridView{Grid: l.shown, Row: l.row, Col: l.col, Dim: dim, ColDim: colDim, Faint: l.loading, Note: l.note}
	return title, pane.RenderGrid(st, v, w, h)
}
