package tui

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/keys"
	"kpiscope/tui/pane"
)

// drill is one step into a segment, remembered so the user can step out
// to exactly where they were.
type drill struct {
	filters []kpi.Filter
	shown   []kpi.Filter
	segment string
	cursor  int
	sort    pane.Sort
	// windowSet marks the filter editor's change of the date window:
	// window is the one before it, which stepping out puts back.
	windowSet bool
	window    kpi.Window
}

// breakdown is the state of the detail pane's breakdown table: the
// dimension it splits by, the row under the cursor, the order, whether it
// has the keys, and the drill path (the slice's filters and the steps that
// led to them). The pane draws it; this model changes it.
//
// The root model tells it what is on screen (on) before each Update and
// reads back dim, filters and note: a change of filters means new numbers
// for the whole screen, a change of dim a new breakdown query, a note goes
// to the footer (in the same frame, as the change it describes).
type breakdown struct {
	keys  keys.Map
	dims  []kpi.Dimension   // of the engine, in its order
	names map[string]string // dimension → its name as shown

	dim     string // "" = no breakdown
	cursor  int    // row, in sorted order
	sort    pane.Sort
	focused bool
	filters []kpi.Filter // as in the data: what the engine is asked
	shown   []kpi.Filter // the same, cleaned: what the screen says
	trail   []drill
	// rev counts changes of filters.
	rev int

	// note is what the last Update has to say in the footer ("" = nothing).
	note string
	// window is the timeframe's date window (the root sets it before each
	// Update); when the last Update changed it, setWindow is true and
	// window the one to put on screen (⌫ undoing a window, x clearing it).
	window    kpi.Window
	setWindow bool

	// visible are the columns on screen (nil: unknown); the sort key skips
	// the others.
	visible []pane.SortCol

	res  *kpi.Result // the breakdown on screen (cleaned); nil when there is none
	raw  *kpi.Result // the same as the engine gave it: a drill filters by its values
	busy bool        // the breakdown's query is running
}

// Messages the root model (actions, palette, mouse) sends the breakdown.
type (
	moveMsg     int          // move the cursor by n rows
	drillMsg    struct{}     // filter by the row under the cursor, split by the next dimension
	stepOutMsg  struct{}     // undo the last drill or filter editor's change, or drop the last filter, then the window
	clearMsg    struct{}     // drop every filter and the window, back to the first drill's table
	focusMsg    bool         // take (true) or give back (false) the keys
	segmentMsg  string       // split by this dimension ("" = none)
	sortByMsg   pane.SortCol // sort by a column; again on the same one reverses it
	nextSortMsg struct{}     // sort by the next column
	flipSortMsg struct{}     // reverse the order
	rowClickMsg int          // a click on row i (sorted order)
)

func newBreakdown(k keys.Map) breakdown {
	return breakdown{keys: k, sort: pane.DefaultSort()}
}

// setDims takes the dimensions of a new engine; a breakdown by a dimension
// the data no longer has is dropped.
func (b breakdown) setDims(dims []kpi.Dimension, names map[string]string) breakdown {
	b.dims, b.names = dims, names
	if b.dim != "" && !b.hasDim(b.dim) {
		b.dim = ""
	}
	return b
}

func (b breakdown) hasDim(name string) bool {
	for _, d := range b.dims {
		if d.Name == name {
			return true
		}
	}
	return false
}

// on tells the breakdown what is on screen: the result cleaned and as the
// engine gave it, row for row.
func (b breakdown) on(res, raw *kpi.Result, busy bool, visible []pane.SortCol) breakdown {
	b.res, b.raw, b.busy, b.visible = res, raw, busy, visible
	return b
}

// name is a dimension's name as shown.
func (b breakdown) name(dim string) string {
	if n, ok := b.names[dim]; ok {
		return n
	}
	return clean(dim)
}

// home puts the cursor on the first row (another KPI was selected).
func (b breakdown) home() breakdown {
	b.cursor = 0
	return b
}

// filtered reports whether the user drilled in or filtered.
func (b breakdown) filtered() bool { return len(b.trail) > 0 || len(b.filters) > 0 }

// Update handles the breakdown's keys, which the root forwards while the
// table has the focus (and esc always), and the messages above.
func (b breakdown) Update(msg tea.Msg) (breakdown, tea.Cmd) {
	b.note, b.setWindow = "", false
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		k := b.keys
		switch {
		case key.Matches(msg, k.Down):
			return b.move(1), nil
		case key.Matches(msg, k.Up):
			return b.move(-1), nil
		case key.Matches(msg, k.Top):
			return b.move(-1 << 20), nil
		case key.Matches(msg, k.Bottom):
			return b.move(1 << 20), nil
		case key.Matches(msg, k.PageDown):
			return b.move(pageRows), nil
		case key.Matches(msg, k.PageUp):
			return b.move(-pageRows), nil
		case key.Matches(msg, k.Focus):
			return b.drill()
		case key.Matches(msg, k.Back):
			if b.filtered() {
				return b.stepOut()
			}
			b.focused = false
			return b, nil
		}
	case moveMsg:
		return b.move(int(msg)), nil
	case drillMsg:
		return b.drill()
	case stepOutMsg:
		return b.stepOut()
	case clearMsg:
		return b.clear()
	case focusMsg:
		if msg && b.dim == "" {
			return b.say("no breakdown: press %s to segment by a dimension", b.keys.Segment.Help().Key)
		}
		b.focused = bool(msg)
		return b, nil
	case segmentMsg:
		b.dim, b.cursor, b.sort = string(msg), 0, pane.DefaultSort()
		if b.dim == "" {
			b.focused = false
			return b.say("no breakdown")
		}
		return b.say("breakdown by %s", b.name(b.dim))
	case sortByMsg:
		if pane.SortCol(msg) == b.sort.Col {
			return b.resort(pane.Sort{Col: b.sort.Col, Desc: !b.sort.Desc})
		}
		return b.resort(pane.On(pane.SortCol(msg)))
	case nextSortMsg:
		c := b.sort.Col.Next()
		for range 8 { // the columns, at most once round
			if len(b.visible) == 0 || slices.Contains(b.visible, c) {
				break
			}
			c = c.Next()
		}
		return b.resort(pane.On(c))
	case flipSortMsg:
		return b.resort(pane.Sort{Col: b.sort.Col, Desc: !b.sort.Desc})
	case rowClickMsg:
		if b.res == nil || int(msg) < 0 || int(msg) >= len(b.res.Segments) {
			return b, nil
		}
		if b.focused && int(msg) == b.cursor {
			return b.drill()
		}
		b.focused, b.cursor = true, int(msg)
		return b, nil
	}
	return b, nil
}

// pageRows is how far pgdn/pgup move the breakdown's cursor.
const pageRows = 10

func (b breakdown) move(d int) breakdown {
	if b.res == nil || len(b.res.Segments) == 0 {
		return b
	}
	b.cursor = max(0, min(b.cursor+d, len(b.res.Segments)-1))
	return b
}

// row is the index in the result of the segment under the cursor.
func (b breakdown) row() (int, bool) {
	if b.res == nil || len(b.res.Segments) == 0 {
		return 0, false
	}
	order := pane.SortOrder(b.res.Segments, b.sort)
	return order[max(0, min(b.cursor, len(order)-1))], true
}

// nextDim is the first dimension after the current one that no filter
// pins down, so a drill lands on a breakdown that still splits the data.
func (b breakdown) nextDim(after string) string {
	filtered := map[string]bool{}
	for _, f := range b.filters {
		filtered[f.Dim] = true
	}
	start := 0
	for i, d := range b.dims {
		if d.Name == after {
			start = i + 1
		}
	}
	for i := range b.dims {
		d := b.dims[(start+i)%len(b.dims)]
		if !filtered[d.Name] && d.Name != after {
			return d.Name
		}
	}
	return ""
}

// drill adds a filter for the segment under the cursor and breaks the
// result down by the next dimension.
func (b breakdown) drill() (breakdown, tea.Cmd) {
	i, ok := b.row()
	if !ok || b.busy || b.raw == nil || len(b.raw.Segments) != len(b.res.Segments) {
		return b.say("nothing to drill into yet")
	}
	return b.drillTo(b.dim, b.raw.Segments[i].Segment), nil
}

// stepOut undoes the last step: a drill, the filter editor's change of
// the filters or of the date window; without one, it drops the last
// filter, then the window (a view's or --since's).
func (b breakdown) stepOut() (breakdown, tea.Cmd) {
	if n := len(b.trail); n > 0 {
		t := b.trail[n-1]
		b.trail = b.trail[:n-1]
		b.filters, b.shown = t.filters, t.shown
		b.dim, b.cursor, b.sort = t.segment, t.cursor, t.sort
		if t.windowSet {
			b.window, b.setWindow = t.window, true
		}
	} else if n := len(b.filters); n > 0 {
		b.filters, b.shown = b.filters[:n-1:n-1], b.shown[:n-1:n-1]
	} else if !b.window.IsZero() {
		b.window, b.setWindow = kpi.Window{}, true
	} else {
		return b.say("no filter or window to remove")
	}
	b.rev++
	return b, nil
}

// clear drops every filter and the date window, back to the first drill's
// table over calendar periods.
func (b breakdown) clear() (breakdown, tea.Cmd) {
	if !b.window.IsZero() {
		b.window, b.setWindow = kpi.Window{}, true
	}
	if len(b.filters) == 0 && len(b.trail) == 0 {
		if b.setWindow {
			b.rev++
			return b, nil
		}
		return b.say("no filters or window to clear")
	}
	if len(b.trail) > 0 {
		t := b.trail[0]
		b.dim, b.cursor, b.sort = t.segment, t.cursor, t.sort
	}
	b.trail = nil
	b.filters, b.shown = nil, nil
	b.rev++
	return b, nil
}

// setFilters replaces the filters (the filter editor's change), as the data
// has them and as shown: a step that ⌫ undoes, like a drill.
func (b breakdown) setFilters(fs, shown []kpi.Filter) breakdown {
	b.trail = append(b.trail, drill{filters: b.filters, shown: b.shown, segment: b.dim, cursor: b.cursor, sort: b.sort})
	b.filters, b.shown, b.cursor = fs, shown, 0
	b.rev++
	return b
}

// windowStep records the filter editor's change of the date window, was
// the window before it: a step ⌫ undoes, as a change of the filters.
func (b breakdown) windowStep(was kpi.Window) breakdown {
	b.trail = append(b.trail, drill{filters: b.filters, shown: b.shown, segment: b.dim, cursor: b.cursor, sort: b.sort,
		windowSet: true, window: was})
	return b
}

// resort changes the order, keeping the cursor on its segment.
func (b breakdown) resort(s pane.Sort) (breakdown, tea.Cmd) {
	if row, ok := b.row(); ok {
		for i, j := range pane.SortOrder(b.res.Segments, s) {
			if j == row {
				b.cursor = i
			}
		}
	}
	b.sort = s
	dir := "▴"
	if s.Desc {
		dir = "▾"
	}
	return b.say("sorted by %s %s", s.Col.Name(), dir)
}

// say sets the note for the footer.
func (b breakdown) say(format string, args ...any) (breakdown, tea.Cmd) {
	b.note = fmt.Sprintf(format, args...)
	return b, nil
}
