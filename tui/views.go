package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/pane"
)

// View is a saved view: what to show, by name (kpiscope.yaml views:).
type View struct {
	Name        string
	Description string       // as written; "" = described from the fields (Describe)
	KPI         string       // KPI id; "" = the first
	By          string       // breakdown dimension; "" = the default
	Filters     []kpi.Filter // as in the data
	Grain       kpi.Grain    // "" = month
	Period      string       // as --period reads it ("2026-09", "2026-Q3"); "" = latest
	Window      kpi.Window   // replaces Grain/Period when set
	Compare     kpi.Compare
}

// ViewsMsg replaces the saved views listed in the palette (the config was
// reloaded). A view already open stays on screen.
type ViewsMsg struct {
	Views []View
}

// Describe is the view's description, or one made of its fields for the
// palette: "CSAT by team · channel = email · last 12 weeks · vs last year".
// label names a KPI id (nil: the id).
func (v View) Describe(label func(id string) string) string {
	if v.Description != "" {
		return v.Description
	}
	var parts []string
	what := v.KPI
	if label != nil && what != "" {
		what = label(what)
	}
	if v.By != "" {
		what = strings.TrimSpace(what + " by " + v.By)
	}
	if what != "" {
		parts = append(parts, what)
	}
	for _, f := range v.Filters {
		parts = append(parts, f.String())
	}
	switch {
	case !v.Window.IsZero():
		parts = append(parts, v.Window.String())
	case v.Period != "":
		parts = append(parts, v.Period)
	case v.Grain != "":
		parts = append(parts, string(v.Grain))
	}
	if v.Compare != "" {
		parts = append(parts, v.Compare.Label())
	}
	return strings.Join(parts, " · ")
}

// YAML is the views: entry that saves v, to add to kpiscope.yaml; the
// config's parser reads it back as the same view.
func (v View) YAML() string {
	var b strings.Builder
	b.WriteString("views:\n  " + yamlText(v.Name) + ":\n")
	field := func(k, val string) {
		if val != "" {
			b.WriteString("    " + k + ": " + yamlText(val) + "\n")
		}
	}
	field("description", v.Description)
	field("kpi", v.KPI)
	field("by", v.By)
	if len(v.Filters) > 0 {
		fs := make([]string, len(v.Filters))
		for i, f := range v.Filters {
			fs[i] = yamlQuoted(f.Arg()) // a comma between values must not split the list
		}
		b.WriteString("    filters: [" + strings.Join(fs, ", ") + "]\n")
	}
	field("grain", string(v.Grain))
	// A period or window is plain text to YAML but for a bare year (2026).
	for _, kv := range [][2]string{{"period", v.Period}, {"window", v.Window.Arg()}} {
		if kv[1] != "" && strings.Trim(kv[1], "0123456789") != "" && yamlText("x"+kv[1]) == "x"+kv[1] {
			b.WriteString("    " + kv[0] + ": " + kv[1] + "\n")
		} else {
			field(kv[0], kv[1])
		}
	}
	field("compare", string(v.Compare))
	return b.String()
}

// yamlText writes s plain when YAML reads it back as the same text, else
// double-quoted.
func yamlText(s string) string {
	plain := s != ""
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '.')
		plain = plain && ok
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null":
		plain = false
	}
	if plain {
		return s
	}
	return yamlQuoted(s)
}

// yamlQuoted is s double-quoted as an operator writes it: "contacts>=2",
// "R&D", not JSON's HTML escapes ("contacts\u003e=2"). A quote and a
// backslash are escaped, and so is what cannot be seen or would break the
// line (a tab, a newline, a no-break space), in YAML's escapes.
func yamlQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			fmt.Fprintf(&b, `\U%08X`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// current is the view on screen, named name.
func (m Model) current(name string) View {
	v := View{Name: name, By: m.bd.dim, Filters: slices.Clone(m.bd.filters), Compare: m.tf.slice.Compare}
	if d := m.selected(); d != nil {
		v.KPI = d.ID
	}
	s := m.tf.slice
	switch {
	case !s.Window.IsZero():
		v.Window = s.Window // the window sets the periods' size
	case !s.Period.IsZero():
		v.Period, v.Grain = s.Grain.Format(s.Period), s.Grain
	default:
		v.Grain = s.Grain
	}
	return v
}

// viewName makes a name for the view on screen: its KPI and breakdown
// ("csat-by-channel"), numbered when a saved view of another content has it.
func (m Model) viewName(v View) string {
	base := "view"
	if v.KPI != "" {
		base = v.KPI
		if v.By != "" {
			base += "-by-" + v.By
		}
	}
	base = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, base)
	name := strings.Trim(base, "-_.")
	if name == "" {
		name = "view"
	}
	for i := 2; ; i++ {
		taken := false
		for _, s := range m.deps.Views {
			taken = taken || s.Name == name
		}
		if !taken {
			return name
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
}

// saved is the saved view with the same content as v, if any.
func (m Model) saved(v View) (View, bool) {
	for _, s := range m.deps.Views {
		w := v
		w.Name, w.Description = s.Name, s.Description
		if w.Compare == kpi.VsPrevious && s.Compare == "" {
			w.Compare = ""
		}
		if fmt.Sprint(w) == fmt.Sprint(s) {
			return s, true
		}
	}
	return View{}, false
}

// saveView shows the views: YAML that saves the current view (V) and sends
// it to the terminal's clipboard: the config stays the operator's file,
// nothing writes it.
func (m Model) saveView() (Model, tea.Cmd) {
	if m.selected() == nil {
		return m.say("nothing to save yet"), nil
	}
	v := m.current("")
	// The config refuses what could not be shown (30d against last year):
	// never print YAML it would not load.
	if err := kpi.CheckWindowCompare(v.Window, v.Compare); err != nil {
		return m.warn("V: this view cannot be saved: %s; press c for another comparison", cleanLine(err)), nil
	}
	// Short lines: the box does not grow for a wrapped one (60 columns).
	title, intro := "Save this view", "Add to kpiscope.yaml, then open it with"
	if s, ok := m.saved(v); ok {
		v = s
		title, intro = "Saved view "+clean(s.Name), "A view of kpiscope.yaml; open it with"
	} else {
		v.Name = m.viewName(v)
	}
	text := v.YAML()
	lines := []string{intro, "kpiscope --view " + clean(v.Name), "or ssh -t HOST " + clean(v.Name), ""}
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		lines = append(lines, clean(l))
	}
	lines = append(lines, "", m.st.MutedText.Render("Sent to the clipboard ("+osc52+"); no file written."))
	m.ov = m.ov.show(title, lines)
	return m.say("sent view YAML to your terminal's clipboard (if it allows %s)", osc52), tea.SetClipboard(text)
}

// viewItems are the palette's entries for the saved views.
func (m Model) viewItems() []pane.Item {
	label := func(id string) string {
		for _, d := range m.defs {
			if d.ID == id {
				return d.ShortLabel()
			}
		}
		return id
	}
	var items []pane.Item
	for _, v := range m.deps.Views {
		items = append(items, pane.Item{Label: clean("View: " + v.Name + " — " + v.Describe(label)), ID: "view:" + v.Name, Search: "view " + v.Name})
	}
	return items
}

// openView opens the saved view named name (the palette).
func (m Model) openView(name string) (Model, tea.Cmd) {
	for _, v := range m.deps.Views {
		if v.Name == name {
			return m.withView(v).refresh()
		}
	}
	return m.warn("no saved view %q", clean(name)), nil
}

// withView puts the screen on view v: its KPI, breakdown and filters, its
// grain and period or window, its comparison. It asks for nothing: the
// caller refreshes (or the first screen's queries follow). What the data
// lacks is said in the footer; the rest of the view still applies.
func (m Model) withView(v View) Model {
	var missing []string
	if v.KPI != "" {
		i := slices.IndexFunc(m.defs, func(d *kpi.Def) bool { return d.ID == v.KPI })
		if i < 0 {
			missing = append(missing, "no KPI "+clean(v.KPI))
		} else {
			m.sel = i
		}
	}
	dim := v.By
	if dim == "" && len(m.dims) > 0 {
		dim = m.dims[0].Name
	}
	shown := make([]kpi.Filter, len(v.Filters))
	for i, f := range v.Filters {
		shown[i] = kpi.Filter{Dim: m.bd.name(f.Dim), Op: f.Op, Values: make([]string, len(f.Values))}
		for j, x := range f.Values {
			shown[i].Values[j] = clean(x)
		}
	}
	m.bd = m.bd.viewed(dim, slices.Clone(v.Filters), shown)
	g, p := v.Grain, time.Time{}
	if v.Period != "" {
		if t, pg, err := kpi.ParsePeriod(v.Period); err == nil {
			g, p = pg, t
		} else {
			missing = append(missing, cleanLine(err))
		}
	}
	if g == "" {
		g = kpi.Month
	}
	c := v.Compare
	if c == "" {
		c = kpi.VsPrevious
	}
	m.tf = m.tf.viewed(g, p, v.Window, c)
	if len(missing) > 0 {
		return m.warn("view %s: %s", clean(v.Name), strings.Join(missing, "; "))
	}
	return m.say("view %s", clean(v.Name))
}

// viewed puts the breakdown on a saved view's dimension and filters, with
// no drill path behind them.
func (b breakdown) viewed(dim string, filters, shown []kpi.Filter) breakdown {
	b.dim, b.filters, b.shown, b.trail = dim, filters, shown, nil
	b.cursor, b.sort, b.focused = 0, pane.DefaultSort(), false
	b.rev++
	return b
}

// viewed puts the timeframe on a saved view's grain, period (zero: the
// latest), date window and comparison.
func (t timeframe) viewed(g kpi.Grain, p time.Time, w kpi.Window, c kpi.Compare) timeframe {
	t.slice.Grain, t.slice.Period, t.slice.Window, t.slice.Compare = g, p, w, c
	t.rev++
	return t
}
