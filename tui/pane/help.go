package pane

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/keys"
	"kpiscope/tui/style"
)

// Legend explains the symbols. Without colour (st.Plain) a change bad for
// the KPI has hollow arrows (△▽), as DeltaCell draws it, so the legend
// still tells good from bad.
// Lines are at most w cells wide; a symbol never parts from its words.
func Legend(st style.Styles, km keys.Map, w int) []string {
	sym := func(s, word string, c lipgloss.Style) string { return c.Render(s) + " " + word }
	bad := "▲▼"
	if st.Plain {
		bad = "△▽"
	}
	out := Flow([]string{
		sym("●", "on target", st.GoodText), sym("◐", "near target", st.WarnText),
		sym("○", "off target", st.ErrText), sym(kpi.Uncertain.Symbol(), "uncertain (the 95% interval reaches the target)", st.Status(kpi.Uncertain)),
		sym("·", "no value", st.MutedText), sym("◦", "no target", st.MutedText),
	}, "  ", w, 5)
	for _, l := range []string{
		st.WarnText.Render("?") + " fewer answers than the KPI's minimum: status tentative",
		st.WarnText.Render("!") + " data warnings or an error (" + km.Warnings.Help().Key + ", or the detail pane)",
	} {
		out = append(out, Wrap(l, w)...)
	}
	out = append(out, Flow([]string{sym(st.GoodText.Render("▲▼"), "change good for the KPI", st.Text),
		sym(st.ErrText.Render(bad), "change bad for it", st.Text), sym(st.Quiet.Render(style.NoiseMark), "Δ within noise (95%); unmarked: beyond it or untested", st.Text),
		sym("~", "a median and its Δ from the index's sketch (within 1%)", st.Text)}, "   ", w, 3)...)
	// The trend chart's lines and marks.
	return append(out, Flow([]string{sym(st.Target.Render("┄"), "target", st.Text), sym(st.Benchmark.Render("┈"), "benchmark", st.Text),
		sym(st.Forecast.Render("╌"), "forecast", st.Text), sym(st.Mark.Render("a b"), "annotations, listed under the chart", st.Text)}, "   ", w, 3)...)
}

// HelpSize is the help box's size on a w × h screen.
func HelpSize(w, h int) (int, int) { return min(w-2, 100), min(h-2, 30) }

// helpBlock is one group of bindings: its title, then key and meaning.
func helpBlock(st style.Styles, g keys.Group) []string {
	lines := []string{st.Bold.Render(g.Title)}
	kw := 0
	for _, b := range g.Bindings {
		kw = max(kw, Width(b.Help().Key))
	}
	for _, b := range g.Bindings {
		k, d := st.Key, st.Desc
		if !b.Enabled() { // off for this data: HelpLines says why
			k, d = st.MutedText, st.MutedText
		}
		lines = append(lines, k.Render(Fit(b.Help().Key, kw))+" "+d.Render(b.Help().Desc))
	}
	return lines
}

// undatedNote says which keys are off because the data has no date
// (keys.Map.Dated); "" when none is.
func undatedNote(km keys.Map) string {
	var ks []string
	for _, b := range km.Undated() {
		ks = append(ks, b.Help().Key)
	}
	if len(ks) == 0 {
		return ""
	}
	return strings.Join(ks, " ") + " need a date column; these files have none, so each KPI is one all-time value against its target."
}

// HelpLines is the help's whole text for a box inner cells wide: the
// binding groups in as many columns as fit (balanced, in order), then the
// legend, wrapped. Nothing is cut: what does not fit the box's height
// scrolls (Help).
func HelpLines(st style.Styles, km keys.Map, inner int) []string {
	var blocks [][]string
	for _, g := range km.Groups() {
		blocks = append(blocks, helpBlock(st, g))
	}
	const pad = 3
	colW := func(ls []string) int {
		w := 0
		for _, l := range ls {
			w = max(w, Width(l))
		}
		return w
	}
	fits := func(c [][]string) bool {
		w := 0
		for _, ls := range c {
			w += colW(ls) + pad
		}
		return w-pad <= inner
	}
	// The shortest layout that fits; of equals, the one with fewer columns.
	var cols [][]string
	for k := 1; k <= len(blocks); k++ {
		if c, ok := bestSplit(blocks, k, fits); ok && (cols == nil || tallest(c) < tallest(cols)) {
			cols = c
		}
	}
	var body []string
	if cols != nil {
		var rendered []string
		for i, c := range cols {
			s := lipgloss.NewStyle()
			if i < len(cols)-1 {
				s = s.PaddingRight(pad)
			}
			rendered = append(rendered, s.Render(strings.Join(c, "\n")))
		}
		body = strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, rendered...), "\n")
	}
	if body == nil { // narrower than any one group: every line, wrapped
		for i, b := range blocks {
			if i > 0 {
				body = append(body, "")
			}
			for _, l := range b {
				body = append(body, Wrap(l, inner)...)
			}
		}
	}
	if note := undatedNote(km); note != "" {
		body = append(body, "")
		for _, l := range Wrap(note, inner) {
			body = append(body, st.WarnText.Render(l))
		}
	}
	body = append(body, "")
	body = append(body, Legend(st, km, inner)...)
	return body
}

func tallest(cols [][]string) int {
	h := 0
	for _, c := range cols {
		h = max(h, len(c))
	}
	return h
}

// bestSplit cuts blocks, in order, into k columns (a blank line between
// blocks of one column) so that the tallest column is as short as possible
// among the splits that fit; ok is false when none fits.
func bestSplit(blocks [][]string, k int, fits func([][]string) bool) ([][]string, bool) {
	var best [][]string
	bestH := 1 << 30
	var rec func(start int, cols [][]string)
	rec = func(start int, cols [][]string) {
		if len(cols) == k-1 {
			var last []string
			for i := start; i < len(blocks); i++ {
				if i > start {
					last = append(last, "")
				}
				last = append(last, blocks[i]...)
			}
			all := append(append([][]string{}, cols...), last)
			if h := tallest(all); h < bestH && fits(all) {
				best, bestH = all, h
			}
			return
		}
		var col []string
		for end := start; end < len(blocks)-(k-1-len(cols)); end++ {
			if end > start {
				col = append(col, "")
			}
			col = append(col, blocks[end]...)
			rec(end+1, append(cols, append([]string{}, col...)))
		}
	}
	if k < 1 || k > len(blocks) {
		return nil, false
	}
	rec(0, nil)
	return best, best != nil
}

// HelpScroll is the largest useful scroll offset of the help in a w × h box.
func HelpScroll(km keys.Map, w, h int) int {
	n := len(HelpLines(style.Styles{}, km, w-2))
	if n+2 <= h-2 { // all of it, a blank line and the close line
		return 0
	}
	return n - (h - 2 - 2) // the last two lines: where we are, how to close
}

// Help draws the full help in a w × h box: every binding by group, then the
// legend, scrolled by off lines when it is taller than the box (a line at
// the foot says so and how to scroll).
func Help(st style.Styles, km keys.Map, w, h, off int) string {
	body := HelpLines(st, km, w-2)
	closing := st.MutedText.Render(km.Close.Help().Key + " or " + km.Help.Help().Key + " to close")
	if len(body)+2 <= h-2 {
		body = append(body, "", closing)
		return Frame(st, "Help", body, w, len(body)+2, true)
	}
	view := max(1, h-2-2) // the last two lines: where we are, how to close
	off = max(0, min(off, len(body)-view))
	shown := append([]string{}, body[off:off+view]...)
	where := fmt.Sprintf("%d–%d of %d · %s/%s scroll", off+1, off+view, len(body), keys.First(km.Down), keys.First(km.Up))
	shown = append(shown, st.MutedText.Render(Fit(where, w-2)), closing)
	return Frame(st, "Help", shown, w, h, true)
}

// WrappedHeight is how many lines Popup needs for lines in w cells.
func WrappedHeight(lines []string, w int) int {
	n := 0
	for _, l := range lines {
		n += max(1, len(Wrap(l, w)))
	}
	return n
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
