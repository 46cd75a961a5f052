package pane

import (
	"strings"

	"charm.land/lipgloss/v2"

	"kpiscope/tui/keys"
	"kpiscope/tui/style"
)

// Legend explains the symbols.
func Legend(st style.Styles, km keys.Map) []string {
	sym := func(s, word string, c lipgloss.Style) string { return c.Render(s) + " " + word }
	return []string{
		strings.Join([]string{
			sym("●", "on target", st.GoodText), sym("◐", "near target", st.WarnText),
			sym("○", "off target", st.ErrText), sym("·", "no value", st.MutedText), sym("◦", "no target", st.MutedText),
		}, "  "),
		st.WarnText.Render("?") + " fewer answers than the KPI's minimum: status uncertain",
		st.WarnText.Render("!") + " data warnings or an error (" + km.Warnings.Help().Key + ", or the detail pane)",
		st.GoodText.Render("▲▼") + " change good for the KPI   " + st.ErrText.Render("▲▼") + " change bad for it",
	}
}

// HelpSize is the help box's size on a w × h screen.
func HelpSize(w, h int) (int, int) { return min(w-2, 100), min(h-2, 30) }

// Help draws the full help: every binding by group, then the legend.
// Navigate and Slice get a column each; the short groups share the third.
func Help(st style.Styles, km keys.Map, w, h int) string {
	inner := w - 2
	block := func(g keys.Group) []string {
		lines := []string{st.Bold.Render(g.Title)}
		kw := 0
		for _, b := range g.Bindings {
			kw = max(kw, Width(b.Help().Key))
		}
		for _, b := range g.Bindings {
			lines = append(lines, st.Key.Render(Fit(b.Help().Key, kw))+" "+st.Desc.Render(b.Help().Desc))
		}
		return lines
	}
	groups := km.Groups()
	var cols [][]string
	for i, g := range groups {
		if i < 2 || len(cols) < 3 {
			cols = append(cols, block(g))
			continue
		}
		cols[2] = append(append(cols[2], ""), block(g)...)
	}
	var rendered []string
	for _, c := range cols {
		rendered = append(rendered, lipgloss.NewStyle().PaddingRight(3).Render(strings.Join(c, "\n")))
	}
	var body []string
	if lipgloss.Width(strings.Join(rendered, "")) <= inner {
		body = strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, rendered...), "\n")
	} else {
		for _, c := range cols {
			body = append(body, c...)
		}
	}
	body = append(body, "")
	body = append(body, Legend(st, km)...)
	body = append(body, "", st.MutedText.Render(km.Close.Help().Key+" or "+km.Help.Help().Key+" to close"))
	return Frame(st, "Help", body, w, min(h, len(body)+2), true)
}

// Popup draws lines in a framed box.
func Popup(st style.Styles, title string, lines []string, w, h int) string {
	var body []string
	for _, l := range lines {
		if Width(l) > w-2 {
			body = append(body, Wrap(l, w-2)...)
		} else {
			body = append(body, l)
		}
	}
	return Frame(st, title, body, w, h, true)
}
