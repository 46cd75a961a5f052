package tui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
	"kpiscope/tui/keys"
	"kpiscope/tui/pane"
	"kpiscope/tui/style"
)

// overlayKind is the box drawn over the screen, if any.
type overlayKind int

const (
	overlayNone overlayKind = iota
	overlayHelp
	overlayPalette
	overlayFind
	overlaySegment
	overlayWarnings
	overlayMessage // a note that needs more room than the footer (export paths)
)

// message is the content of overlayMessage.
type message struct {
	title string
	lines []string
}

// overlay is the box over the screen, if any: which one, and the chooser
// or message in it. While one is open its Update takes every key but the
// interrupt; the root reads picked after it to act on a chooser's pick.
type overlay struct {
	keys    keys.Map
	kind    overlayKind
	chooser pane.Chooser
	message message
	// picked is what a chooser closed on in the last Update; nil if none.
	picked *pick
	// scroll is the help's first line shown; w, h the screen's size, which
	// the root sets before each Update so scrolling stops at the end.
	scroll int
	w, h   int
}

// pick is a chooser's choice: which chooser, which item.
type pick struct {
	kind overlayKind
	id   string
}

// open shows the box of the given kind; choosers come with their chooser.
func (o overlay) open(kind overlayKind, c pane.Chooser) overlay {
	o.kind, o.chooser, o.scroll = kind, c, 0
	return o
}

// show opens a message box.
func (o overlay) show(title string, lines []string) overlay {
	o.kind, o.message = overlayMessage, message{title: title, lines: lines}
	return o
}

// Update handles a key while the box is open.
func (o overlay) Update(msg tea.Msg) (overlay, tea.Cmd) {
	o.picked = nil
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return o, nil
	}
	switch o.kind {
	case overlayNone:
		return o, nil
	case overlayMessage:
		o.kind = overlayNone
		return o, nil
	case overlayHelp:
		if key.Matches(k, o.keys.Close) {
			o.kind = overlayNone
			return o, nil
		}
		_, bh := pane.HelpSize(o.w, o.h)
		page := max(1, bh-5)
		switch {
		case key.Matches(k, o.keys.Down):
			return o.scrollHelp(1), nil
		case key.Matches(k, o.keys.Up):
			return o.scrollHelp(-1), nil
		case key.Matches(k, o.keys.PageDown):
			return o.scrollHelp(page), nil
		case key.Matches(k, o.keys.PageUp):
			return o.scrollHelp(-page), nil
		case key.Matches(k, o.keys.Top):
			return o.scrollHelp(-1 << 20), nil
		case key.Matches(k, o.keys.Bottom):
			return o.scrollHelp(1 << 20), nil
		}
		return o, nil
	case overlayWarnings:
		if key.Matches(k, o.keys.Close) {
			o.kind = overlayNone
		}
		return o, nil
	}
	c, item, done := o.chooser.Update(k)
	o.chooser = c
	if !done {
		return o, nil
	}
	if item != nil {
		o.picked = &pick{kind: o.kind, id: item.ID}
	}
	o.kind = overlayNone
	return o, nil
}

// scrollHelp moves the help by d lines, within its text for the screen
// size the root last set (w, h).
func (o overlay) scrollHelp(d int) overlay {
	bw, bh := pane.HelpSize(o.w, o.h)
	o.scroll = max(0, min(o.scroll+d, pane.HelpScroll(o.keys, bw, bh)))
	return o
}

// View draws the box for a w × h screen; warnings gives the title and the
// lines of the data warnings box.
func (o overlay) View(st style.Styles, w, h int, warnings func() (string, []string)) string {
	switch o.kind {
	case overlayHelp:
		bw, bh := pane.HelpSize(w, h)
		return pane.Help(st, o.keys, bw, bh, o.scroll)
	case overlayWarnings:
		title, lines := warnings()
		bw := min(w-4, 90)
		return pane.Popup(st, title, lines, bw, min(h-2, pane.WrappedHeight(lines, bw-2)+2))
	case overlayMessage:
		bw := 20
		for _, s := range o.message.lines {
			bw = max(bw, pane.Width(s)+2)
		}
		bw = min(bw, w-2)
		return pane.Popup(st, o.message.title, o.message.lines, bw, min(h-2, len(o.message.lines)+2))
	case overlayPalette, overlayFind, overlaySegment:
		bw, bh := o.chooser.Size(w, h)
		return o.chooser.View(st, bw, bh)
	}
	return ""
}

func (m Model) openHelp() (Model, tea.Cmd) {
	m.ov = m.ov.open(overlayHelp, pane.Chooser{})
	return m, nil
}

func (m Model) openWarnings() (Model, tea.Cmd) {
	if len(m.warnings) == 0 && m.reloadErr == "" && m.deps.Banner == "" {
		return m.say("no data warnings"), nil
	}
	m.ov = m.ov.open(overlayWarnings, pane.Chooser{})
	return m, nil
}

func (m Model) openFind() (Model, tea.Cmd) {
	var items []pane.Item
	for i, d := range m.defs {
		hint := d.ShortLabel()
		if i < 9 {
			hint = fmt.Sprintf("%d", i+1)
		}
		items = append(items, pane.Item{Label: d.Label(), Hint: hint, ID: d.ID, Search: d.ID + " " + d.ShortLabel()})
	}
	cur := ""
	if d := m.selected(); d != nil {
		cur = d.ID
	}
	m.ov = m.ov.open(overlayFind, pane.NewChooser(m.st, m.keys, "Find KPI", "type part of a name", items, cur))
	return m, nil
}

func (m Model) openSegment() (Model, tea.Cmd) {
	filtered := map[string]string{}
	for i, f := range m.bd.filters {
		v := strings.Join(m.bd.shown[i].Values, ", ")
		if f.Op != kpi.OpIn { // "≠ web", "≥ 2": the editor's forms say how
			v = strings.TrimPrefix(m.bd.shown[i].String(), m.bd.shown[i].Dim+" ")
		}
		filtered[f.Dim] = strings.TrimPrefix(filtered[f.Dim]+"; "+v, "; ")
	}
	var items []pane.Item
	for _, d := range m.dims {
		hint := cmdline.Count(d.Values, "value")
		if v, ok := filtered[d.Name]; ok {
			hint = "filtered: " + v
		}
		items = append(items, pane.Item{Label: m.bd.name(d.Name), Hint: hint, ID: d.Name})
	}
	items = append(items, pane.Item{Label: "(none)", Hint: "no breakdown", ID: ""})
	m.ov = m.ov.open(overlaySegment, pane.NewChooser(m.st, m.keys, "Segment by", "type a dimension", items, m.bd.dim))
	return m, nil
}

func (m Model) openPalette() (Model, tea.Cmd) {
	var items []pane.Item
	for _, a := range m.actions() {
		if a.id == "palette" {
			continue
		}
		hint := a.bind.Help().Key
		if !a.bind.Enabled() { // picking it says why (keys.Map.Dated)
			hint = "needs dates"
		}
		if a.id == "sql" { // no key; off in serve without --allow-sql
			hint = m.sqlHint()
		}
		items = append(items, pane.Item{Label: a.name, Hint: hint, ID: "act:" + a.id})
	}
	k := m.keys
	for _, d := range m.dims {
		items = append(items, pane.Item{Label: "Segment by " + m.bd.name(d.Name), Hint: k.Segment.Help().Key, ID: "seg:" + d.Name})
	}
	for _, g := range kpi.Grains {
		if k.Grain.Enabled() {
			items = append(items, pane.Item{Label: "Grain: " + string(g), Hint: k.Grain.Help().Key, ID: "grain:" + string(g)})
		}
	}
	for _, c := range []kpi.Compare{kpi.VsTarget, kpi.VsPrevious, kpi.VsYear} {
		if k.Compare.Enabled() {
			items = append(items, pane.Item{Label: "Compare " + c.Label(), Hint: k.Compare.Help().Key, ID: "cmp:" + string(c)})
		}
	}
	for _, d := range m.defs {
		items = append(items, pane.Item{Label: "Go to " + d.Label(), Hint: k.Find.Help().Key, ID: "kpi:" + d.ID, Search: d.ID})
	}
	items = append(items, m.viewItems()...) // views.go
	m.ov = m.ov.open(overlayPalette, pane.NewChooser(m.st, m.keys, "Commands", "type to filter, enter to run", items, ""))
	return m, nil
}

// choose acts on a chooser's pick.
func (m Model) choose(kind overlayKind, id string) (Model, tea.Cmd) {
	switch kind {
	case overlayFind:
		return m.selectByID(id)
	case overlaySegment:
		return m.toBreakdown(segmentMsg(id))
	}
	what, arg, _ := strings.Cut(id, ":")
	switch what {
	case "act":
		for _, a := range m.actions() {
			if a.id == arg {
				return a.run(m)
			}
		}
	case "seg":
		return m.toBreakdown(segmentMsg(arg))
	case "grain":
		return m.toTimeframe(grainMsg(arg))
	case "cmp":
		return m.toTimeframe(compareMsg(arg))
	case "kpi":
		return m.selectByID(arg)
	case "view":
		return m.openView(arg)
	}
	return m, nil
}

func (m Model) selectByID(id string) (Model, tea.Cmd) {
	for i, d := range m.defs {
		if d.ID == id {
			m.bd.focused = false
			return m.selectKPI(i)
		}
	}
	return m, nil
}

// warningLines titles the w box for what it holds and lists the data
// warnings, the selected KPI's first. With neither warnings nor a failed
// reload it holds only the banner about inferred KPIs.
func (m Model) warningLines() (title string, out []string) {
	title = "Data warnings"
	if len(m.warnings) == 0 && m.reloadErr == "" {
		title = "About these KPIs"
	}
	var ids []string
	for id := range m.warnings {
		ids = append(ids, id)
	}
	sel := ""
	if d := m.selected(); d != nil {
		sel = d.ID
	}
	sort.Slice(ids, func(i, j int) bool {
		if (ids[i] == sel) != (ids[j] == sel) {
			return ids[i] == sel
		}
		return ids[i] < ids[j]
	})
	if b := m.deps.Banner; b != "" { // whole here, however narrow the screen that cut it
		// A `command` starts its own line, so it wraps only if wider than the box.
		if i := strings.Index(b, "`"); i > 0 {
			out = append(out, m.st.Banner.Render("! "+strings.TrimSpace(b[:i])), m.st.Banner.Render(b[i:]))
		} else {
			out = append(out, m.st.Banner.Render("! "+b))
		}
		out = append(out, "")
	}
	if m.reloadErr != "" {
		// Wrapped by the box: the whole reason, however long.
		out = append(out, m.st.ErrText.Bold(true).Render("Reload failed at "+m.reloadFailed.Format("15:04")+"; still showing the previous data"),
			m.st.ErrText.Render(m.reloadErr), "")
	}
	for _, id := range ids {
		name := clean(id)
		if m.q.eng != nil {
			if d := m.q.eng.Def(id); d != nil { // hidden KPIs too, which m.defs leaves out
				name = cleanDef(d).Label()
			}
		}
		out = append(out, m.st.Bold.Render(name))
		for _, w := range m.warnings[id] {
			out = append(out, m.st.WarnText.Render("! ")+w)
		}
		out = append(out, "")
	}
	out = append(out, m.st.MutedText.Render(m.keys.Close.Help().Key+" to close"))
	return title, out
}
