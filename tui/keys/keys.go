// Package keys holds the explorer's key bindings. One Map feeds both the
// dispatch in Update (key.Matches) and the help footer, so what the footer
// says is what the keys do.
package keys

import "charm.land/bubbles/v2/key"

// Map is every binding of the explorer.
type Map struct {
	// Navigate
	Next     key.Binding // next KPI
	Prev     key.Binding // previous KPI
	Down     key.Binding // j/↓: next KPI or next breakdown row
	Up       key.Binding // k/↑: previous KPI or previous breakdown row
	Jump     key.Binding // 1–9: KPI by position
	Top      key.Binding
	Bottom   key.Binding
	PageDown key.Binding // a page down the breakdown or the help
	PageUp   key.Binding
	Focus    key.Binding // enter: into the breakdown, or drill into a segment
	Left     key.Binding // h/←: back to the KPI list
	Right    key.Binding // l/→: into the breakdown
	Find     key.Binding
	Palette  key.Binding
	Back     key.Binding // esc: close, step out, unfocus
	StepOut  key.Binding // backspace: undo the last drill, filter or window
	ClearAll key.Binding // x: every filter and the date window

	// Slice
	Segment   key.Binding
	Grain     key.Binding
	GrainBack key.Binding
	Earlier   key.Binding
	Later     key.Binding
	Latest    key.Binding
	Sort      key.Binding
	SortDir   key.Binding

	// Compare, and why the KPI moved since
	Compare key.Binding
	Why     key.Binding // the breakdown's values ⇄ each segment's part of the change
	Movers  key.Binding // the segments of every dimension that moved the KPI most

	// Look closer: views that take the detail pane's place (tui/lens.go)
	Grid    key.Binding // segments × periods, each cell coloured by status
	Cohorts key.Binding // signup cohort × months since signup, % still active
	Dist    key.Binding // the distribution behind the KPI: hours histogram or score mix
	Series  key.Binding // the top segments' trends on one chart
	Records key.Binding // the rows behind the number

	// Ask and share
	Filters  key.Binding // the filter editor: several values, exclusion, ranges, date windows
	Command  key.Binding // copy the `kpiscope report …` command that prints this view
	SaveView key.Binding // print the views: YAML that saves this view
	// SQL is display-only: the palette's "sql" (: then sql) opens the
	// read-only SQL prompt; no single key does.
	SQL key.Binding

	// Export
	Export        key.Binding
	Copy          key.Binding
	CopyScorecard key.Binding

	// Other
	Reload   key.Binding
	Warnings key.Binding
	Help     key.Binding
	Quit     key.Binding
	// Interrupt quits from anywhere, an open chooser included (where q types).
	Interrupt key.Binding

	// Overlays: Close shuts the help and the warnings; the Chooser keys
	// move in and pick from the palette, the KPI finder and the segment
	// picker, where every other key types.
	Close         key.Binding
	ChooserUp     key.Binding
	ChooserDown   key.Binding
	ChooserChoose key.Binding
	ChooserCancel key.Binding
}

// Default returns the standard bindings: vim keys and arrows.
func Default() Map {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return Map{
		Next:     b([]string{"tab"}, "tab", "next KPI"),
		Prev:     b([]string{"shift+tab"}, "⇧tab", "previous KPI"),
		Down:     b([]string{"j", "down"}, "j/↓", "down"),
		Up:       b([]string{"k", "up"}, "k/↑", "up"),
		Jump:     b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1–9", "KPI by number"),
		Top:      b([]string{"home"}, "home", "first"),
		Bottom:   b([]string{"end"}, "end", "last"),
		PageDown: b([]string{"pgdown"}, "pgdn", "page down"),
		PageUp:   b([]string{"pgup"}, "pgup", "page up"),
		Focus:    b([]string{"enter"}, "enter", "breakdown / drill in"),
		Left:     b([]string{"h", "left"}, "h/←", "KPI list"),
		Right:    b([]string{"l", "right"}, "l/→", "breakdown"),
		Find:     b([]string{"/"}, "/", "find KPI"),
		Palette:  b([]string{":", "ctrl+p"}, ":", "commands"),
		Back:     b([]string{"esc"}, "esc", "back"),
		StepOut:  b([]string{"backspace"}, "⌫", "step out"),
		ClearAll: b([]string{"x"}, "x", "clear filters/window"),

		Segment:   b([]string{"s"}, "s", "segment by"),
		Grain:     b([]string{"g"}, "g", "grain"),
		GrainBack: b([]string{"G"}, "G", "grain back"),
		Earlier:   b([]string{"["}, "[", "earlier period"),
		Later:     b([]string{"]"}, "]", "later period"),
		Latest:    b([]string{"t"}, "t", "latest period"),
		Sort:      b([]string{"o"}, "o", "sort column"),
		SortDir:   b([]string{"O"}, "O", "reverse sort"),

		Compare: b([]string{"c"}, "c", "compare"),

		Why:    b([]string{"v"}, "v", "why it moved"),
		Movers: b([]string{"m"}, "m", "top movers"),

		Grid:    b([]string{"#"}, "#", "grid: segments × periods"),
		Cohorts: b([]string{"C"}, "C", "cohort retention"),
		Dist:    b([]string{"d"}, "d", "distribution"),
		Series:  b([]string{"S"}, "S", "segments on one chart"),
		Records: b([]string{"R"}, "R", "rows behind the number"),

		Filters:  b([]string{"F"}, "F", "filters"),
		Command:  b([]string{"$"}, "$", "copy command"),
		SaveView: b([]string{"V"}, "V", "save view"),
		SQL:      b([]string{":sql"}, ":sql", "SQL prompt"),

		Export:        b([]string{"e"}, "e", "export"),
		Copy:          b([]string{"y"}, "y", "copy breakdown"),
		CopyScorecard: b([]string{"Y"}, "Y", "copy scorecard"),

		Reload:   b([]string{"r"}, "r", "reload data"),
		Warnings: b([]string{"w"}, "w", "data warnings"),
		Help:     b([]string{"?"}, "?", "help"),
		Quit:     b([]string{"q", "ctrl+c"}, "q", "quit"),

		Interrupt: b([]string{"ctrl+c"}, "ctrl+c", "quit"),

		Close:         b([]string{"esc", "q", "?", "enter", "w", "space"}, "esc", "close"),
		ChooserUp:     b([]string{"up", "ctrl+k", "ctrl+p"}, "↑", "move up"),
		ChooserDown:   b([]string{"down", "ctrl+j", "ctrl+n", "tab"}, "↓", "move down"),
		ChooserChoose: b([]string{"enter"}, "enter", "choose"),
		ChooserCancel: b([]string{"esc"}, "esc", "cancel"),
	}
}

// First is the first key of a binding, as the footer and messages name it
// ("j" of j/↓); "" when it has none.
func First(b key.Binding) string {
	if k := b.Keys(); len(k) > 0 {
		return k[0]
	}
	return ""
}

// Dated returns the map with the keys that move in time (grain, period,
// comparison) enabled only when the data has dates: without a date each KPI
// is one all-time value, so the footer leaves them out and the help says
// they need a date column (Undated). Update still answers them, with why.
func (m Map) Dated(dated bool) Map {
	for _, b := range []*key.Binding{&m.Grain, &m.GrainBack, &m.Earlier, &m.Later, &m.Latest, &m.Compare} {
		b.SetEnabled(dated)
	}
	return m
}

// Undated lists the bindings Dated(false) disabled, in help order.
func (m Map) Undated() []key.Binding {
	var out []key.Binding
	for _, b := range []key.Binding{m.Grain, m.GrainBack, m.Earlier, m.Later, m.Latest, m.Compare} {
		if !b.Enabled() {
			out = append(out, b)
		}
	}
	return out
}

// Group is a titled set of bindings for the full help.
type Group struct {
	Title    string
	Bindings []key.Binding
}

// Groups returns the full help, grouped.
func (m Map) Groups() []Group {
	return []Group{
		{"Navigate", []key.Binding{m.Next, m.Prev, m.Down, m.Up, m.Jump, m.Top, m.Bottom, m.PageDown, m.PageUp, m.Right, m.Left, m.Find, m.Palette, m.SQL}},
		{"Slice", []key.Binding{m.Segment, m.Focus, m.StepOut, m.Back, m.ClearAll, m.Filters, m.Grain, m.GrainBack, m.Earlier, m.Later, m.Latest, m.Sort, m.SortDir}},
		{"Compare", []key.Binding{m.Compare, m.Why, m.Movers}},
		{"Look closer", []key.Binding{m.Grid, m.Cohorts, m.Dist, m.Series, m.Records}},
		{"Export", []key.Binding{m.Export, m.Copy, m.CopyScorecard, m.Command, m.SaveView}},
		{"Other", []key.Binding{m.Reload, m.Warnings, m.Help, m.Quit}},
	}
}

// ShortHelp is the default footer (help.KeyMap).
func (m Map) ShortHelp() []key.Binding {
	return []key.Binding{m.Next, m.Segment, m.Focus, m.Grain, m.Earlier, m.Compare, m.Find, m.Palette, m.Help, m.Quit}
}

// FullHelp is the full help in columns (help.KeyMap).
func (m Map) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, g := range m.Groups() {
		out = append(out, g.Bindings)
	}
	return out
}
