package tui

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
	"kpiscope/internal/schema"
	"kpiscope/tui/pane"
)

// filterEditor is the filter editor (F, palette "filters"), a lens in the
// detail pane's place: the slice's filters and date window listed, each
// removable, and a line to add one as people write it (channel=chat,email,
// channel!=web, contacts>=2; since 30d, last 12 weeks, qtd; since off),
// read by kpi.ParseFilter and kpi.ParseWindow. While typing it suggests the
// columns (the engine's dimensions and the tables' numeric columns) and the
// chosen dimension's values, asked of the engine in a cancellable query and
// kept for the editor's life; tab completes. Nothing is applied until the
// line parses and names a column and values the data has; enter applies it
// (filtersMsg: the root changes the breakdown's filters or the timeframe's
// window, as a drill does) and the editor stays open for the next one.
type filterEditor struct {
	lensQuery // the values of a dimension, asked while typing

	input textinput.Model
	// row is the filter (or, after them, the window) under the cursor
	// while the list has the keys; -1 while the input line has them.
	row  int
	sugg []suggestion // completions of the input, best first
	pick int          // the suggestion highlighted

	eng    *kpi.Engine
	cols   []filterCol
	values map[string][]string // a dimension's values, as read (for the editor's life)
	failed map[string]string   // a dimension whose values could not be read: why
	asking string              // the dimension whose values are on their way
	// pending is a line enter was pressed on while its dimension's values
	// were on their way: checked and applied when they come.
	pending string

	msg string // the line under the input: what enter did or why it did not
	bad bool
	// plain is the screen without colour: no completion after the cursor,
	// which would read as typed.
	plain bool
}

// filterCol is a column the editor offers: a dimension, or a numeric
// column for ranges (a dimension may be both).
type filterCol struct {
	name    string
	dim     bool
	numeric bool
	values  int // a dimension's distinct values (approximate)
}

// suggestion is a completion of the input line: the whole line tab puts
// there, what the list shows and a hint beside it.
type suggestion struct {
	line, label, hint string
}

// filterValuesMsg is a dimension's values, for the editor's suggestions and
// its check of a value.
type filterValuesMsg struct {
	seq    uint64
	dim    string
	values []string
	err    error
}

// filtersMsg asks the explorer to apply the editor's change: new filters
// (as in the data, and as shown), a new date window, or to close it.
type filtersMsg struct {
	setFilters bool
	filters    []kpi.Filter
	shown      []kpi.Filter
	setWindow  bool
	window     kpi.Window
	note       string
	close      bool
}

// valuesLimit is how many values kpi.Engine.DimValues lists at most: a
// value not among a list this long may still be in the data.
const valuesLimit = 1000

// openFilters opens the filter editor (F, palette "filters") in the detail
// pane's place; esc goes back to the lens that was open, if any.
func (m Model) openFilters() (Model, tea.Cmd) {
	if _, ok := m.lens.(*filterEditor); ok {
		return m, nil
	}
	if m.q.eng == nil {
		return m.say("no data loaded"), nil
	}
	return m.openFrom(newFilterEditor(m.st.Dark))
}

func newFilterEditor(dark bool) *filterEditor {
	in := textinput.New()
	in.Prompt = "› "
	in.Placeholder = "channel!=web, contacts>=2, since 30d…"
	s := textinput.DefaultStyles(dark)
	s.Cursor.Blink = false
	in.SetStyles(s)
	in.ShowSuggestions = true
	in.KeyMap.AcceptSuggestion = key.NewBinding() // tab is the editor's
	in.KeyMap.NextSuggestion = key.NewBinding()
	in.KeyMap.PrevSuggestion = key.NewBinding()
	in.Focus()
	return &filterEditor{input: in, row: -1, values: map[string][]string{}, failed: map[string]string{}}
}

// applyFilters applies the filter editor's change: the breakdown's filters
// change as a drill's do, the window the timeframe's, each a step ⌫ undoes
// (the breakdown's trail keeps the window before); the whole screen is
// asked again.
func (m Model) applyFilters(msg filtersMsg) (Model, tea.Cmd) {
	if msg.close {
		return m.backLens()
	}
	before := m.lensBefore()
	if msg.setFilters {
		m.bd = m.bd.setFilters(msg.filters, msg.shown)
		// A breakdown by a dimension now pinned to one value splits
		// nothing: on to the next one, as a drill goes.
		for _, f := range msg.filters {
			if f.Dim == m.bd.dim && f.Op == kpi.OpIn && len(f.Values) == 1 {
				m.bd.dim = m.bd.nextDim(f.Dim)
			}
		}
	}
	if msg.setWindow {
		m.bd = m.bd.windowStep(m.tf.slice.Window)
		m.tf = m.tf.setWindow(msg.window)
		if m.tf.note != "" { // the window, and a comparison it changed
			msg.note = m.tf.note
		}
	}
	if msg.note != "" {
		m = m.say("%s", msg.note)
	}
	m, cmd := m.refresh()
	m, l := m.lensAfter(before)
	return m, tea.Batch(cmd, l)
}

// shownFilter is a filter as the screen says it: the dimension's name as
// shown, the values cleaned.
func shownFilter(names map[string]string, f kpi.Filter) kpi.Filter {
	s := kpi.Filter{Dim: clean(f.Dim), Op: f.Op}
	if n, ok := names[f.Dim]; ok {
		s.Dim = n
	}
	for _, v := range f.Values {
		s.Values = append(s.Values, clean(v))
	}
	return s
}

// Reslice takes a new engine (its columns, and values read anew) and
// follows the screen's filters.
func (e *filterEditor) Reslice(c lensCtx) (lens, tea.Cmd) {
	n := *e
	if n.eng != c.eng {
		n.stop()
		n.eng, n.cols = c.eng, filterCols(c)
		n.values, n.failed, n.asking, n.pending = map[string][]string{}, map[string]string{}, "", ""
	}
	if n.row = min(n.row, len(n.rows(c))-1); n.row < 0 {
		n.input.Focus()
	}
	return n.typed(c)
}

// filterCols are the columns the editor offers: the engine's dimensions,
// then the tables' numeric columns (for ranges), each once.
func filterCols(c lensCtx) []filterCol {
	if c.eng == nil {
		return nil
	}
	var out []filterCol
	at := map[string]int{}
	for _, d := range c.dims {
		at[strings.ToLower(d.Name)] = len(out)
		out = append(out, filterCol{name: d.Name, dim: true, values: d.Values})
	}
	tables := c.eng.Tables()
	names := make([]string, 0, len(tables))
	for t := range tables {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		for _, col := range tables[t] {
			if !schema.IsNumeric(col.Type) {
				continue
			}
			if i, ok := at[strings.ToLower(col.Name)]; ok {
				out[i].numeric = true
				continue
			}
			at[strings.ToLower(col.Name)] = len(out)
			out = append(out, filterCol{name: col.Name, numeric: true})
		}
	}
	return out
}

// colNamed is the offered column of that name (any case).
func (e *filterEditor) colNamed(name string) (filterCol, bool) {
	for _, c := range e.cols {
		if strings.EqualFold(c.name, name) {
			return c, true
		}
	}
	return filterCol{}, false
}

// rowItem is a line of the editor's list: a filter (i its index) or the
// window (i = -1).
type rowItem struct {
	i     int
	shown string
	arg   string // as typed again (enter/e edits it)
}

func (e *filterEditor) rows(c lensCtx) []rowItem {
	var out []rowItem
	for i, f := range c.slice.Filters {
		out = append(out, rowItem{i: i, shown: shownFilter(c.names, f).String(), arg: f.Arg()})
	}
	if w := c.slice.Window; !w.IsZero() {
		shown := w.String()
		if c.eng != nil && !c.eng.AsOf().IsZero() {
			asOf := c.eng.AsOf()
			from, to := w.Range(asOf)
			shown += ": " + from.Format("2 Jan 2006") + " – " + to.AddDate(0, 0, -1).Format("2 Jan 2006")
		}
		out = append(out, rowItem{i: -1, shown: shown, arg: "since " + w.Arg()})
	}
	return out
}

// Update handles the editor's keys (all but esc, which closes it) and the
// values it asked for.
func (e *filterEditor) Update(msg tea.Msg, c lensCtx) (lens, tea.Cmd, bool) {
	n := *e
	switch msg := msg.(type) {
	case filterValuesMsg:
		if !n.answered(msg.seq, msg.dim) {
			return e, nil, true
		}
		n.asking = ""
		if msg.err != nil {
			n.failed[msg.dim] = cleanLine(msg.err)
		} else {
			n.values[msg.dim] = msg.values
		}
		l, cmd := n.typed(c)
		if p := n.pending; p != "" && strings.EqualFold(lineDim(p), msg.dim) {
			n := *l.(*filterEditor)
			n.pending = ""
			l, c2 := n.submit(c, p)
			return l, tea.Batch(cmd, c2), true
		}
		return l, cmd, true
	case tea.KeyPressMsg:
		return n.key(msg, c)
	}
	return e, nil, true // mouse and the rest: nothing here
}

func (e filterEditor) key(msg tea.KeyPressMsg, c lensCtx) (lens, tea.Cmd, bool) {
	k := c.keys
	if key.Matches(msg, k.Back) {
		return &e, nil, false
	}
	if key.Matches(msg, k.Palette) && msg.Text == "" { // ctrl+p: the palette; ':' types
		return &e, nil, false
	}
	rows := e.rows(c)
	if e.row >= 0 { // the list has the keys
		switch {
		case key.Matches(msg, k.Up):
			e.row = max(0, e.row-1)
			return &e, nil, true
		case key.Matches(msg, k.Down), msg.Code == tea.KeyTab:
			e.row++
			if e.row >= len(rows) || msg.Code == tea.KeyTab {
				e.row = -1
				e.input.Focus()
			}
			return &e, nil, true
		case msg.String() == "d" || msg.String() == "x" || msg.Code == tea.KeyDelete || msg.Code == tea.KeyBackspace:
			if e.row < len(rows) {
				return e.remove(c, rows[e.row])
			}
			return &e, nil, true
		case msg.Code == tea.KeyEnter || msg.String() == "e":
			if e.row < len(rows) {
				e.input.SetValue(rows[e.row].arg)
				e.input.CursorEnd()
			}
			e.row = -1
			e.input.Focus()
			l, cmd := e.typed(c)
			return l, cmd, true
		}
		if msg.Text == "" {
			return &e, nil, true
		}
		e.row = -1 // typing goes to the line
		e.input.Focus()
	}
	switch {
	case msg.Code == tea.KeyEnter:
		l, cmd := e.submit(c, e.input.Value())
		return l, cmd, true
	case msg.Code == tea.KeyTab && msg.Mod == 0:
		if e.pick < len(e.sugg) {
			e.input.SetValue(e.sugg[e.pick].line)
			e.input.CursorEnd()
			e.pick = 0
		}
		l, cmd := e.typed(c)
		return l, cmd, true
	case msg.Code == tea.KeyDown:
		if len(e.sugg) > 0 {
			e.pick = (e.pick + 1) % len(e.sugg)
			e.ghost()
		}
		return &e, nil, true
	case msg.Code == tea.KeyUp:
		if e.pick > 0 {
			e.pick--
			e.ghost()
		} else if len(rows) > 0 {
			e.row = len(rows) - 1
			e.input.Blur()
		}
		return &e, nil, true
	}
	before := e.input.Value()
	var cmd tea.Cmd
	e.input, cmd = e.input.Update(msg)
	if e.input.Value() == before {
		return &e, cmd, true
	}
	e.pick, e.msg, e.bad, e.pending = 0, "", false, "" // a line waiting for its values is given up
	l, c2 := e.typed(c)
	return l, tea.Batch(cmd, c2), true
}

// remove drops a filter (or the window) from the list.
func (e filterEditor) remove(c lensCtx, r rowItem) (lens, tea.Cmd, bool) {
	msg := filtersMsg{note: "removed " + r.shown}
	if r.i < 0 {
		msg.setWindow = true
		msg.note = "window off: back to calendar periods"
	} else {
		msg.setFilters = true
		for i, f := range c.slice.Filters {
			if i != r.i {
				msg.filters = append(msg.filters, f)
				msg.shown = append(msg.shown, shownFilter(c.names, f))
			}
		}
	}
	if n := len(e.rows(c)) - 1; e.row >= n-1 {
		e.row = n - 1 // on the row above, or the line when none is left
	}
	if e.row < 0 {
		e.input.Focus()
	}
	e.msg, e.bad = msg.note, false
	return &e, func() tea.Msg { return msg }, true
}

// windowWords are the windows suggested while typing one.
var windowWords = []suggestion{
	{line: "since 30d", hint: "the last 30 days"},
	{line: "last 12 weeks", hint: "a date window"},
	{line: "this quarter to date", hint: "also mtd, ytd"},
	{line: "qtd", hint: "quarter to date"},
	{line: "since off", hint: "back to calendar periods"},
}

// opOf splits a line at its operator: the column, the operator and what
// follows; ok is false while there is none.
func opOf(s string) (dim string, op kpi.FilterOp, rest string, ok bool) {
	i := strings.IndexAny(s, "!<>=")
	if i < 0 {
		return s, "", "", false
	}
	dim, rest = strings.TrimSpace(s[:i]), s[i:]
	for _, o := range []string{"!=", ">=", "<=", "==", "=", ">", "<", "!"} {
		if strings.HasPrefix(rest, o) {
			rest = rest[len(o):]
			switch o {
			case "==", "=":
				o = ""
			}
			return dim, kpi.FilterOp(o), rest, true
		}
	}
	return dim, "", rest, true
}

// lineDim is the column a line names ("" without an operator).
func lineDim(s string) string {
	dim, _, _, ok := opOf(s)
	if !ok {
		return ""
	}
	return dim
}

// typed recomputes the suggestions for the line as it is now, asking for
// the values of the dimension it names if they are not known yet.
func (e filterEditor) typed(c lensCtx) (lens, tea.Cmd) {
	e.sugg, e.plain = nil, c.plain
	s := e.input.Value()
	low := strings.ToLower(strings.TrimSpace(s))
	var cmd tea.Cmd
	dim, op, rest, hasOp := opOf(s)
	switch {
	case low == "":
	case !hasOp:
		add := func(sg suggestion, label string) {
			sg.label = label
			e.sugg = append(e.sugg, sg)
		}
		// Columns: the name's start first, then any part of it.
		for pass := 0; pass < 2; pass++ {
			for _, col := range e.cols {
				l := strings.ToLower(col.name)
				if (pass == 0) != strings.HasPrefix(l, low) || pass == 1 && !strings.Contains(l, low) {
					continue
				}
				if l == low { // whole: its operators
					if col.dim {
						add(suggestion{line: col.name + "=", hint: "one of several values"}, col.name+"=")
						add(suggestion{line: col.name + "!=", hint: "leave values out"}, col.name+"!=")
					}
					if col.numeric {
						for _, o := range []string{">=", "<=", ">", "<"} {
							add(suggestion{line: col.name + o, hint: "a number"}, col.name+o)
						}
					}
					continue
				}
				add(suggestion{line: col.name, hint: colHint(col)}, col.name)
			}
		}
		for _, w := range windowWords {
			if strings.HasPrefix(w.line, low) && w.line != low {
				add(w, w.line)
			}
		}
	case op.Numeric() || op == "!":
	default:
		if c.eng == nil {
			break
		}
		name := c.eng.CanonicalDim(strings.TrimSpace(dim))
		if name == "" || c.eng.CheckDimension(name) != nil {
			break
		}
		vals, known := e.values[name]
		if !known {
			if _, bad := e.failed[name]; !bad && e.asking != name && c.eng != nil {
				ctx, seq := e.begin(c, name)
				e.asking = name
				eng := c.eng
				cmd = func() tea.Msg {
					v, err := eng.DimValues(ctx, name)
					return filterValuesMsg{seq: seq, dim: name, values: v, err: err}
				}
			}
			break
		}
		head := s[:len(s)-len(rest)]
		parts := strings.Split(rest, ",")
		last := strings.ToLower(strings.TrimSpace(parts[len(parts)-1]))
		done := map[string]bool{}
		for _, p := range parts[:len(parts)-1] {
			done[strings.TrimSpace(p)] = true
		}
		prefix := head + strings.Join(parts[:len(parts)-1], ",")
		if len(parts) > 1 {
			prefix += ","
		}
		for pass := 0; pass < 2; pass++ {
			for _, v := range vals {
				l := strings.ToLower(v)
				if done[v] || (pass == 0) != strings.HasPrefix(l, last) || pass == 1 && !strings.Contains(l, last) {
					continue
				}
				if l == last && len(parts) > 0 {
					continue // typed whole already
				}
				e.sugg = append(e.sugg, suggestion{line: prefix + v, label: clean(v)})
			}
		}
	}
	e.pick = min(e.pick, max(0, len(e.sugg)-1))
	e.ghost()
	return &e, cmd
}

// ghost shows the highlighted suggestion's rest after the cursor, when it
// continues what is typed.
func (e *filterEditor) ghost() {
	if e.pick < len(e.sugg) && !e.plain {
		e.input.SetSuggestions([]string{e.sugg[e.pick].line})
	} else {
		e.input.SetSuggestions(nil)
	}
}

func colHint(c filterCol) string {
	switch {
	case c.dim && c.numeric:
		return "dimension, numeric"
	case c.dim && c.values > 0:
		return "dimension · " + cmdline.Count(c.values, "value")
	case c.dim:
		return "dimension"
	}
	return "numeric: ranges"
}

// submit reads the line and applies it when it parses and the data has its
// column and values; otherwise it says why, naming the nearest.
func (e filterEditor) submit(c lensCtx, line string) (lens, tea.Cmd) {
	s := strings.TrimSpace(line)
	fail := func(format string, args ...any) (lens, tea.Cmd) {
		e.msg, e.bad = clean(fmt.Sprintf(format, args...)), true
		return &e, nil
	}
	if s == "" {
		return &e, func() tea.Msg { return filtersMsg{close: true} }
	}
	if c.eng == nil {
		return fail("no data loaded")
	}
	low := strings.ToLower(strings.Join(strings.Fields(s), " "))
	if rest, ok := strings.CutPrefix(low, "since "); ok || !strings.ContainsAny(s, "!<>=") {
		if !ok {
			rest = low
		}
		var w kpi.Window
		switch rest {
		case "off", "none", "all", "clear":
		default:
			var err error
			if w, err = kpi.ParseWindow(rest); err != nil {
				if ok || windowish(rest) {
					return fail("%s", err)
				}
				if col, ok := e.colNamed(s); ok {
					return fail("%s: add =VALUE to keep values or !=VALUE to leave them out (%s=…)", col.name, col.name)
				}
				return fail("%q: write a filter as DIM=VALUE, DIM!=VALUE or DIM>=NUMBER (channel=chat, contacts>=2), or a window as since 30d, last 12 weeks, qtd", s)
			}
		}
		if c.eng.AsOf().IsZero() && !w.IsZero() {
			return fail(noDates, "no date windows")
		}
		if w == c.slice.Window {
			if w.IsZero() {
				return fail("no window is set: the screen shows calendar periods")
			}
			return fail("the window is already %s", w)
		}
		note := "window: " + w.String()
		if w.IsZero() {
			note = "window off: back to calendar periods"
		}
		e.input.Reset()
		e.msg, e.bad = note, false
		e2, _ := e.typed(c)
		return e2, func() tea.Msg { return filtersMsg{setWindow: true, window: w, note: note} }
	}
	f, err := kpi.ParseFilter(s)
	if err != nil {
		return fail("%s", err)
	}
	f.Dim = c.eng.CanonicalDim(f.Dim)
	canon := f.Dim
	// The engine's own check: an unknown column with the nearest names, a
	// range on a column that holds no numbers.
	if err := c.eng.CheckFilter(f); err != nil {
		return fail("%s", err)
	}
	if !f.Op.Numeric() {
		for _, v := range f.Values {
			if v == "" {
				return fail("%s: which %s? name a value after %s, e.g. %s%s…", s, canon, opText(f.Op), canon, opText(f.Op))
			}
		}
		vals, known := e.values[canon]
		if why, bad := e.failed[canon]; bad {
			return fail("could not read the values of %s: %s", canon, why)
		}
		if !known {
			e.pending = s
			e.msg, e.bad = "checking the values of "+canon+"…", false
			if e.asking != canon {
				e.input.SetValue(s)
				return e.typed(c)
			}
			return &e, nil
		}
		if len(vals) < valuesLimit {
			for i, v := range f.Values {
				if slices.Contains(vals, v) {
					continue
				}
				if j := slices.IndexFunc(vals, func(x string) bool { return strings.EqualFold(x, v) }); j >= 0 {
					f.Values[i] = vals[j] // as the data spells it
					continue
				}
				if near := kpi.Nearest(v, vals, 3); len(near) > 0 {
					return fail("no %s is %q in the data; did you mean %s?", canon, v, quoted(near))
				}
				return fail("no %s is %q in the data (values: %s)", canon, v, cmdline.List(vals, 8))
			}
		}
		f.Values = uniq(f.Values)
	}
	next := kpi.Slice{Filters: c.slice.Filters}.WithFilter(f).Filters
	if slices.EqualFunc(next, c.slice.Filters, func(a, b kpi.Filter) bool { return a.Arg() == b.Arg() }) {
		return fail("already filtered: %s", shownFilter(c.names, f))
	}
	msg := filtersMsg{setFilters: true, filters: next, note: "filter: " + shownFilter(c.names, f).String()}
	for _, x := range next {
		msg.shown = append(msg.shown, shownFilter(c.names, x))
	}
	e.input.Reset()
	e.msg, e.bad = msg.note, false
	e2, _ := e.typed(c)
	return e2, func() tea.Msg { return msg }
}

// windowish reports whether a line without an operator reads as a window
// (a number, last, this, to date) rather than a column.
func windowish(s string) bool {
	return s != "" && (s[0] >= '0' && s[0] <= '9' || strings.HasPrefix(s, "last ") || strings.HasPrefix(s, "this ") ||
		strings.HasSuffix(s, " to date"))
}

func quoted(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, " or ")
}

func opText(op kpi.FilterOp) string {
	if op == kpi.OpIn {
		return "="
	}
	return string(op)
}

func uniq(vs []string) []string {
	var out []string
	for _, v := range vs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Footer is the editor's keys.
func (e *filterEditor) Footer(c lensCtx) []key.Binding {
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	if e.row >= 0 {
		return []key.Binding{b("d", "remove"), b("enter", "edit"), b("↑/↓", "move"), b("tab", "add")}
	}
	if e.input.Value() == "" {
		out := []key.Binding{b("type", "a filter or window"), b("enter", "done")}
		if len(e.rows(c)) > 0 {
			out = append(out, b("↑", "filters (d removes)"))
		}
		return out
	}
	out := []key.Binding{b("enter", "apply"), b("tab", "complete")}
	if len(e.sugg) > 1 {
		out = append(out, b("↓", "next suggestion"))
	}
	if len(e.rows(c)) > 0 {
		out = append(out, b("↑", "filters (d removes)"))
	}
	return out
}

// Wide is false: the KPI list stays beside the editor, its numbers changing
// as filters are applied.
func (e *filterEditor) Wide() bool { return false }

// View draws the editor: the filters and the window, the line, what enter
// did or why not, and the suggestions (or, with nothing typed, the forms).
func (e *filterEditor) View(c lensCtx, w, h int) (string, []string) {
	st := c.st
	title := "Filters and date window"
	var body []string
	add := func(s string) { body = append(body, pane.Fit(s, w)) }
	rows := e.rows(c)
	var fs []rowItem
	for _, r := range rows {
		if r.i >= 0 {
			fs = append(fs, r)
		}
	}
	line := func(i int, r rowItem) {
		s := "  " + r.shown
		if e.row == i {
			add(st.Selected.Render(pane.Fit("› "+r.shown, w)))
			return
		}
		add(s)
	}
	add(st.Bold.Render("Filters"))
	if len(fs) == 0 {
		add(st.MutedText.Render("  none: every row counts"))
	}
	for i, r := range fs {
		line(i, r)
	}
	add(st.Bold.Render("Date window"))
	if win := c.slice.Window; win.IsZero() {
		add(st.MutedText.Render("  none: calendar periods"))
	} else {
		line(len(rows)-1, rows[len(rows)-1])
	}
	add("")
	in := e.input
	if e.row >= 0 { // the list has the keys: one › on screen
		in.Prompt = "  "
	}
	ghost := 0 // the textinput pads to its width before the completion it shows
	if v := in.Value(); e.pick < len(e.sugg) && !e.plain && strings.HasPrefix(strings.ToLower(e.sugg[e.pick].line), strings.ToLower(v)) {
		ghost = pane.Width(e.sugg[e.pick].line) - pane.Width(v)
	}
	in.SetWidth(max(4, w-5-ghost))
	add(in.View())
	switch {
	case e.msg != "" && e.bad:
		for i, l := range pane.Wrap(e.msg, w-4) {
			mark := "  ! "
			if i > 0 {
				mark = "    "
			}
			add(mark + st.ErrText.Render(l))
		}
	case e.msg != "":
		add("  " + st.AccentTxt.Render(e.msg))
	default:
		add("")
	}
	add("")
	if e.input.Value() == "" {
		add(st.Bold.Render("Write"))
		forms := [][2]string{
			{"channel=chat,email", "several values"},
			{"channel!=web", "leave values out"},
			{"contacts>=2", "a range: >= > <= <"},
			{"since 30d", "a date window; also"},
			{"last 12 weeks, qtd", "this quarter to date"},
			{"since off", "back to periods"},
		}
		for _, f := range forms {
			gap := max(1, 21-pane.Width(f[0]))
			add("  " + st.AccentTxt.Render(f[0]) + strings.Repeat(" ", gap) + st.MutedText.Render(f[1]))
		}
		if len(fs) > 0 {
			add("")
			add(st.MutedText.Render("  ↑ picks a filter, d removes it"))
		}
		return title, body
	}
	dim, op, _, hasOp := opOf(e.input.Value())
	switch {
	case e.asking != "" && hasOp:
		add(st.MutedText.Render("  reading the values of " + e.asking + "…"))
	case hasOp && op.Numeric():
		add(st.MutedText.Render("  a number: " + strings.TrimSpace(dim) + string(op) + "2"))
	case len(e.sugg) == 0 && !hasOp:
		add(st.MutedText.Render("  no column or window starts so"))
	case len(e.sugg) == 0:
	default:
		room := max(1, h-len(body))
		off := pane.Scroll(e.pick, len(e.sugg), room)
		for i := off; i < len(e.sugg) && i < off+room; i++ {
			sg := e.sugg[i]
			label := sg.label
			gap := max(1, w-4-pane.Width(label)-pane.Width(sg.hint))
			if i == e.pick {
				add(st.Selected.Render(pane.Fit("› "+label+strings.Repeat(" ", gap)+sg.hint, w)))
				continue
			}
			add("  " + label + strings.Repeat(" ", gap) + st.MutedText.Render(sg.hint))
		}
	}
	return title, body
}
