package tui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/pane"
)

func (m Model) openHelp() (Model, tea.Cmd) {
	m.overlay = overlayHelp
	return m, nil
}

func (m Model) openWarnings() (Model, tea.Cmd) {
	if len(m.warnings) == 0 {
		return m.say("no data warnings"), nil
	}
	m.overlay = overlayWarnings
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
	m.chooser = pane.NewChooser(m.st, m.keys, "Find KPI", "type part of a name", items, cur)
	m.overlay = overlayFind
	return m, nil
}

func (m Model) openSegment() (Model, tea.Cmd) {
	filtered := map[string]string{}
	for i, f := range m.bd.filters {
		filtered[f.Dim] = strings.Join(m.bd.shown[i].Values, ", ")
	}
	var items []pane.Item
	for _, d := range m.dims {
		hint := fmt.Sprintf("%d values", d.Values)
		if v, ok := filtered[d.Name]; ok {
			hint = "filtered: " + v
		}
		items = append(items, pane.Item{Label: m.bd.name(d.Name), Hint: hint, ID: d.Name})
	}
	items = append(items, pane.Item{Label: "(none)", Hint: "no breakdown", ID: ""})
	m.chooser = pane.NewChooser(m.st, m.keys, "Segment by", "type a dimension", items, m.bd.dim)
	m.overlay = overlaySegment
	return m, nil
}

func (m Model) openPalette() (Model, tea.Cmd) {
	var items []pane.Item
	for _, a := range m.actions() {
		if a.id == "palette" {
			continue
		}
		items = append(items, pane.Item{Label: a.name, Hint: a.bind.Help().Key, ID: "act:" + a.id})
	}
	k := m.keys
	for _, d := range m.dims {
		items = append(items, pane.Item{Label: "Segment by " + m.bd.name(d.Name), Hint: k.Segment.Help().Key, ID: "seg:" + d.Name})
	}
	for _, g := range kpi.Grains {
		items = append(items, pane.Item{Label: "Grain: " + string(g), Hint: k.Grain.Help().Key, ID: "grain:" + string(g)})
	}
	for _, c := range []kpi.Compare{kpi.VsTarget, kpi.VsPrevious, kpi.VsYear} {
		items = append(items, pane.Item{Label: "Compare " + c.Label(), Hint: k.Compare.Help().Key, ID: "cmp:" + string(c)})
	}
	for _, d := range m.defs {
		items = append(items, pane.Item{Label: "Go to " + d.Label(), Hint: k.Find.Help().Key, ID: "kpi:" + d.ID, Search: d.ID})
	}
	m.chooser = pane.NewChooser(m.st, m.keys, "Commands", "type to filter, enter to run", items, "")
	m.overlay = overlayPalette
	return m, nil
}

// overlayKey routes a key to the open overlay.
func (m Model) overlayKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch m.overlay {
	case overlayMessage:
		m.overlay = overlayNone
		return m, nil
	case overlayHelp, overlayWarnings:
		if key.Matches(msg, m.keys.Close) {
			m.overlay = overlayNone
		}
		return m, nil
	}
	c, item, done := m.chooser.Update(msg)
	m.chooser = c
	if !done {
		return m, nil
	}
	kind := m.overlay
	m.overlay = overlayNone
	if item == nil {
		return m, nil
	}
	return m.choose(kind, item.ID)
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

// warningLines lists the data warnings, the selected KPI's first.
func (m Model) warningLines() []string {
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
	var out []string
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
	return out
}
