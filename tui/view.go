package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/keys"
	"kpiscope/tui/pane"
)

// Smallest screen the explorer draws on.
const (
	minWidth  = 60
	minHeight = 14
)

// tooSmall says the terminal is too small in a w × h screen: the longest of
// the messages that fits, wrapped, every line cut to w.
func tooSmall(w, h int, quit string) string {
	need := fmt.Sprintf("%d×%d", minWidth, minHeight)
	for _, msg := range []string{
		fmt.Sprintf("kpiscope needs at least %s; this terminal is %d×%d. %s quits.", need, w, h, quit),
		fmt.Sprintf("kpiscope needs %s (this is %d×%d). %s quits.", need, w, h, quit),
		fmt.Sprintf("needs %s; %s quits", need, quit),
		"needs " + need,
		need,
	} {
		if lines := pane.Wrap(msg, w); len(lines) <= h {
			return strings.Join(pane.Lines(lines, w, h), "\n")
		}
	}
	return strings.Join(pane.Lines([]string{need}, w, h), "\n")
}

// layout is where everything goes on a screen; View and the mouse handler
// share it.
type layout struct {
	w, h    int
	bodyY   int // first line of the panes
	bodyH   int
	listW   int
	detailW int
}

func (m Model) layout() layout {
	l := layout{w: m.width, h: m.height, bodyY: 1 + len(m.bannerLines(m.width))}
	l.bodyH = m.height - l.bodyY - 1
	l.listW = listWidth(m.width)
	l.detailW = m.width - l.listW
	return l
}

// listWidth gives the KPI list enough room for name, value and change on
// small screens, and target, trend and n as the screen grows.
func listWidth(w int) int {
	if w < 100 {
		return max(30, min(w*44/100, 40))
	}
	return max(44, min(w*53/100, 72))
}

// View renders the screen.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "kpiscope"
	return v
}

func (m Model) render() string {
	if m.width == 0 || m.height == 0 {
		return ""
	}
	if m.width < minWidth || m.height < minHeight {
		return tooSmall(m.width, m.height, m.keys.Quit.Help().Key)
	}
	l := m.layout()
	lines := []string{m.headerView(l.w)}
	for _, b := range m.bannerLines(l.w) {
		lines = append(lines, m.st.Banner.Render(pane.Fit(b, l.w)))
	}
	switch {
	case m.lens != nil && m.lens.Wide():
		lines = append(lines, strings.Split(m.lensPane(l.w, l.bodyH), "\n")...)
	default:
		list := strings.Split(m.listView(l), "\n")
		var detail []string
		if m.lens != nil {
			detail = strings.Split(m.lensPane(l.detailW, l.bodyH), "\n")
		} else {
			detail = strings.Split(m.detailView(l), "\n")
		}
		for i := range list {
			lines = append(lines, list[i]+detail[i])
		}
	}
	lines = append(lines, m.footerView(l.w))
	base := strings.Join(lines, "\n")
	box := m.ov.View(m.st, l.w, l.h, m.warningLines)
	if box == "" {
		return base
	}
	bw, bh := lipgloss.Width(box), lipgloss.Height(box)
	c := lipgloss.NewCanvas(l.w, l.h)
	c.Compose(lipgloss.NewCompositor(
		lipgloss.NewLayer(base),
		lipgloss.NewLayer(box).X(max(0, (l.w-bw)/2)).Y(max(0, (l.h-bh)/3)).Z(1),
	))
	return c.Render()
}

// bannerMaxLines is how many lines the banner may take before it is cut.
const bannerMaxLines = 2

// bannerLines is the banner (Deps.Banner) for a w-cell screen: one line if
// it fits, else wrapped to at most bannerMaxLines lines with a `command`
// never split across lines (it is there to be copied), else one cut line
// that says which key shows it whole (the warnings box, w).
func (m Model) bannerLines(w int) []string {
	b := m.deps.Banner
	if b == "" {
		return nil
	}
	const mark, indent = " ! ", "   "
	if pane.Width(mark+b) <= w {
		return []string{mark + b}
	}
	lines := pane.Flow(bannerChunks(b), " ", w-pane.Width(mark), bannerMaxLines+1)
	fits := len(lines) <= bannerMaxLines
	for i, l := range lines {
		fits = fits && pane.Width(l) <= w-pane.Width(mark)
		lines[i] = indent + l
	}
	if fits {
		lines[0] = mark + strings.TrimPrefix(lines[0], indent)
		return lines
	}
	tail := " · " + m.keys.Warnings.Help().Key + " shows it whole"
	return []string{pane.Fit(mark+b, max(0, w-pane.Width(tail))) + tail}
}

// bannerChunks splits a banner into words, a `quoted command` being one.
func bannerChunks(s string) []string {
	var out []string
	for i, part := range strings.Split(s, "`") {
		if i%2 == 1 { // inside backticks
			out = append(out, "`"+part+"`")
			continue
		}
		words := strings.Fields(part)
		if len(out) > 0 && len(words) > 0 && !strings.HasPrefix(part, " ") {
			out[len(out)-1] += words[0] // "`cmd`," stays together
			words = words[1:]
		}
		out = append(out, words...)
	}
	return out
}

func (m Model) headerView(w int) string {
	h := pane.HeaderInfo{Label: m.label(), Filters: m.bd.shown, Compare: m.tf.slice.Compare.Label()}
	if m.q.eng != nil && m.deps.Label == "" {
		h.Label = m.engDesc
	}
	h.Period = "loading…"
	if sc := m.q.score.sc; sc != nil {
		h.Period, h.Compare = pane.PeriodHeader(sc)
	}
	h.Period, h.Compare = m.lensHeader(h.Period, h.Compare)
	if !m.refreshed.IsZero() {
		h.Refreshed = "refreshed " + m.refreshed.Format("15:04")
	}
	if !m.reloadFailed.IsZero() {
		h.Refreshed = strings.TrimPrefix(h.Refreshed+", ▲ reload failed "+m.reloadFailed.Format("15:04"), ", ")
	}
	h.Indexing, h.IndexingShort = m.roll.note(w)
	return pane.RenderHeader(m.st, h, w)
}

func (m Model) tiles() []pane.Tile {
	tiles := make([]pane.Tile, len(m.defs))
	for i, d := range m.defs {
		tiles[i] = pane.Tile{Def: d, Warned: len(m.warnings[d.ID]) > 0}
		if m.q.score.shown != nil {
			tiles[i].Result = m.q.score.shown.Find(d.ID)
		}
	}
	return tiles
}

func (m Model) listView(l layout) string {
	title := fmt.Sprintf("KPIs · %d", len(m.defs))
	if m.q.score.loading {
		title += " " + m.spin.View()
	}
	iw, ih := l.listW-2, l.bodyH-2
	var body []string
	switch {
	case m.q.eng == nil:
		body = []string{m.st.ErrText.Render("no data loaded")}
	case m.q.score.err != nil && !m.q.score.loading:
		body = append(body, m.st.ErrText.Bold(true).Render("! the scorecard could not be computed"), "")
		for _, s := range pane.Wrap(m.q.score.err.Error(), iw) {
			body = append(body, m.st.ErrText.Render(s))
		}
		body = append(body, "")
		hint := "Press " + m.keys.Reload.Help().Key + " to retry"
		if len(m.bd.filters) > 0 {
			hint = "Press " + m.keys.StepOut.Help().Key + " to remove the last filter, or " + m.keys.Reload.Help().Key + " to retry"
		}
		for _, s := range pane.Wrap(hint+".", iw) {
			body = append(body, m.st.MutedText.Render(s))
		}
	default:
		stale := m.q.score.loading && m.q.score.sc != nil && !m.q.score.partial
		body = pane.List(m.st, m.tiles(), m.sel, iw, ih, !m.bd.focused, stale)
	}
	return pane.Frame(m.st, title, body, l.listW, l.bodyH, !m.bd.focused)
}

// detailData gathers what the detail pane shows: the freshest numbers for
// the selected KPI and the state of its breakdown.
func (m Model) detailData() pane.Detail {
	d := m.selected()
	det := pane.Detail{Def: d, Grain: m.tf.slice.Grain, CanReload: m.deps.Reload != nil, Keys: m.keys}
	if sc := m.q.score.sc; sc != nil && sc.Slice.Grain.IsWindow() {
		det.Grain = sc.Slice.Grain // a date window's periods, back to back
	}
	if d == nil {
		return det
	}
	det.Warnings = m.warnings[d.ID]
	if m.q.eng != nil {
		det.Annotations, det.Filters = cleanAnnotations(m.q.eng.Annotations()), m.bd.filters
	}
	if m.q.detail.current() && m.q.detail.shown != nil {
		if r := m.q.detail.shown.Find(d.ID); r != nil {
			det.Result, det.Grain = r, m.q.detail.shown.Slice.Grain
			if m.q.detail.partial && m.q.detail.loading {
				det.ExtrasPending = m.spin.View() + " " + extrasPending(d)
			}
			if m.q.detail.sooner && m.q.detail.cut {
				det.TrendPending = olderPending(m.q.detail.shown.Slice.Grain, m.q.detail.lateErr, m.spin.View())
			}
			if m.q.detail.sooner && m.q.detail.lateErr != nil && len(d.ExtraNames()) > 0 {
				// The whole failed after the sooner answer, which lacks the
				// extras read from the rows: say so where they go (drawn
				// only when they are missing).
				det.ExtrasPending = extrasNotRead(d, m.q.detail.lateErr)
			}
		}
	}
	if det.Result == nil && m.q.score.shown != nil {
		if r := m.q.score.shown.Find(d.ID); r != nil {
			det.Result, det.Grain = r, m.q.score.shown.Slice.Grain
			det.Faint = !m.q.score.current() && !m.q.score.partial
		}
	}
	label, seg := d.Label(), m.bd.name(m.bd.dim)
	switch {
	case m.bd.dim == "":
		det.BreakdownMsg = "No breakdown. Press " + m.keys.Segment.Help().Key + " to segment by a dimension."
	case m.q.detail.err != nil && !m.q.detail.loading:
		det.BreakdownMsg = "The breakdown by " + seg + " could not be computed: " + m.q.detail.err.Error()
		det.BreakdownErr = true
	case m.breakdownResult() != nil:
		det.Breakdown = pane.Breakdown{Def: d, Result: m.breakdownResult(), Dim: seg, Cursor: m.bd.cursor, Sort: m.bd.sort,
			Focused: m.bd.focused, Faint: !m.q.detail.current()}
	case m.q.detail.loading:
		det.BreakdownMsg = m.spin.View() + " breaking " + label + " down by " + seg + "…"
	case m.q.detail.lateErr != nil && m.currentDetail() != nil && errors.Is(m.currentDetail().SegmentErr, kpi.ErrNotIndexed):
		// The totals came from the rollups, the segments' rows failed.
		det.BreakdownMsg = "The breakdown by " + seg + " could not be computed: " + m.q.detail.lateErr.Error()
		det.BreakdownErr = true
	default:
		if r := m.currentDetail(); r != nil && r.SegmentErr != nil {
			det.BreakdownMsg = fmt.Sprintf("%s can't be broken down by %s: %s. Press %s to choose another dimension.", label, seg, segmentReason(r.SegmentErr, seg), m.keys.Segment.Help().Key)
		}
	}
	return det
}

// extrasPending says what is still computed while a detail's extras read
// the rows (computeWork).
func extrasPending(d *kpi.Def) string {
	for _, n := range d.ExtraNames() {
		if strings.HasPrefix(n, "age ") {
			return "ages: reading the tickets…"
		}
	}
	return "statistics: reading the rows…"
}

// extrasNotRead says why a detail's extras are missing: its whole answer
// failed after the sooner one.
func extrasNotRead(d *kpi.Def, err error) string {
	what, _, _ := strings.Cut(extrasPending(d), ":")
	return what + " not read: " + err.Error()
}

// olderPending says the trend shown stops short while its older periods
// read the rows (soonerFirst), or why they could not be read.
func olderPending(g kpi.Grain, err error, spin string) string {
	if err != nil {
		return "older " + g.Name() + "s not read: " + err.Error()
	}
	return spin + " older " + g.Name() + "s: reading the rows while indexing…"
}

// currentDetail is the selected KPI's result from the current breakdown query.
func (m Model) currentDetail() *kpi.Result {
	if d := m.selected(); d != nil && m.q.detail.current() && m.q.detail.shown != nil {
		return m.q.detail.shown.Find(d.ID)
	}
	return nil
}

// segmentReason keeps the part of a breakdown error a person needs.
func segmentReason(err error, dim string) string {
	return pane.Reason(err.Error(), "cannot break down by "+dim+": ")
}

func (m Model) detailView(l layout) string {
	det := m.detailData()
	title := "—"
	if det.Def != nil {
		title = det.Def.Label()
		// Drilled in, the title names the filters (which a narrow header
		// cuts to keep naming the data); else the description, which the
		// pane's foot has too.
		if fs := m.bd.shown; len(fs) > 0 {
			var names []string
			for _, f := range fs {
				names = append(names, f.String())
			}
			room := l.detailW - 5 // the frame's corners and spaces
			path := strings.Join(names, " › ")
			if pane.Width(title+" · "+path) > room {
				title = det.Def.ShortLabel()
			}
			// Still too long: the latest filters, the first ones elided.
			for len(names) > 1 && pane.Width(title+" · "+path) > room {
				names = names[1:]
				path = "… › " + strings.Join(names, " › ")
			}
			title += " · " + path
		} else if det.Def.Description != "" {
			title += " · " + det.Def.Description
		}
	}
	if m.q.detail.loading || (m.q.score.loading && det.Faint) {
		title = m.spin.View() + " " + title
	}
	var body []string
	if m.why.mode != whyOff { // why.go: the why view or the top movers instead
		title, body = m.whyPane(title, l.detailW-2, l.bodyH-2)
	} else {
		body, _ = pane.RenderDetail(m.st, det, l.detailW-2, l.bodyH-2)
	}
	return pane.Frame(m.st, title, body, l.detailW, l.bodyH, m.bd.focused || m.why.mode == whyMovers)
}

// stepOutPrio is the footer's first priority: the way out of a drill.
const stepOutPrio = 11

// hintItem is a footer entry; when the line is short of room the lowest
// priorities go first.
type hintItem struct {
	b    key.Binding
	prio int
}

// footerKeys are the keys that matter now, in display order, named from
// the keymap with the meaning they have in this state.
func (m Model) footerKeys() []hintItem {
	k := m.keys
	// Display-only bindings: the help footer skips bindings without keys.
	hint := func(keys, desc string, prio int) hintItem {
		return hintItem{key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc)), prio}
	}
	// A binding off for this data (keys.Map.Dated) is never shown.
	bind := func(b key.Binding, desc string, prio int) hintItem {
		if !b.Enabled() {
			prio = -1
		}
		return hint(b.Help().Key, desc, prio)
	}
	upDown := keys.First(k.Down) + "/" + keys.First(k.Up) // j/k
	switch m.ov.kind {
	case overlayHelp:
		out := []hintItem{bind(k.Close, "close", 9)}
		if bw, bh := pane.HelpSize(m.width, m.height); pane.HelpScroll(k, bw, bh) > 0 {
			out = append([]hintItem{hint(upDown+" "+k.PageDown.Help().Key, "scroll", 9)}, out...)
		}
		return out
	case overlayWarnings:
		return []hintItem{bind(k.Close, "close", 9)}
	case overlayMessage:
		return []hintItem{hint("any key", "close", 9)}
	case overlayPalette, overlayFind, overlaySegment:
		return []hintItem{hint(k.ChooserUp.Help().Key+"/"+k.ChooserDown.Help().Key, "move", 9), bind(k.ChooserChoose, "choose", 9),
			bind(k.ChooserCancel, "cancel", 9), hint("type", "to filter", 8)}
	}
	if out := m.lensFooter(); out != nil {
		return out
	}
	if out := m.whyFooter(); out != nil {
		return out
	}
	var out []hintItem
	windowed := !m.tf.slice.Window.IsZero()
	filtered := m.bd.filtered() || windowed // ⌫ and x drop a window too
	if m.bd.focused {
		out = append(out, hint(upDown, "row", 9), bind(k.Focus, "drill in", 10), bind(k.Sort, "sort", 6))
		if filtered {
			out = append(out, bind(k.Back, "step out", stepOutPrio))
		} else {
			out = append(out, bind(k.Back, "KPI list", 8))
		}
		out = append(out, bind(k.Segment, "segment", 8))
	} else {
		out = append(out, hint(k.Next.Help().Key+"/"+upDown, "KPI", 9), bind(k.Focus, "breakdown", 6))
		if filtered {
			out = append(out, bind(k.StepOut, "step out", stepOutPrio), bind(k.ClearAll, "clear", 5))
		}
		out = append(out, bind(k.Segment, "segment", 8))
	}
	period := hint(k.Earlier.Help().Key+" "+k.Later.Help().Key, "period", 6)
	if !k.Earlier.Enabled() {
		period.prio = -1
	}
	grain := bind(k.Grain, "grain", 7)
	if windowed { // a window has no grain or period to move: t drops it
		grain, period.prio = bind(k.Latest, "drop window", 7), -1
	}
	out = append(out, grain, period, bind(k.Compare, "compare", 7),
		bind(k.Find, "find", 4), bind(k.Palette, "commands", 5), bind(k.Export, "export", 3),
		bind(k.Help, "help", 9), bind(k.Quit, "quit", 9))
	return out
}

// fitHints keeps the highest-priority hints that fit in w cells, in order.
func fitHints(items []hintItem, w int) []key.Binding {
	const sep = 3 // " · "
	keep := make([]bool, len(items))
	used := 0
	for prio := stepOutPrio; prio >= 0; prio-- {
		full := false
		for i, it := range items {
			if it.prio != prio {
				continue
			}
			h := it.b.Help()
			iw := pane.Width(h.Key) + 1 + pane.Width(h.Desc) + sep
			if used+iw > w+sep {
				full = true
				continue
			}
			keep[i] = true
			used += iw
		}
		if full {
			break
		}
	}
	var out []key.Binding
	for i, it := range items {
		if keep[i] {
			out = append(out, it.b)
		}
	}
	return out
}

func (m Model) footerView(w int) string {
	// The way out of a drill always shows: the status gives way to it.
	must := 0
	for _, it := range m.footerKeys() {
		if it.prio == stepOutPrio {
			must = pane.Width(it.b.Help().Key) + 1 + pane.Width(it.b.Help().Desc)
		}
	}
	st := ""
	if text := m.status.text; text != "" {
		s := m.st.AccentTxt
		if m.status.warn {
			s = m.st.WarnText
		}
		// A long note takes the line but for the help key: it lasts until
		// the next key, and a cut one would say less than it means.
		room := min(pane.Width(text), max(w*3/5, w-2-pane.Width(m.keys.Help.Help().Key+" help")-3))
		if must > 0 {
			room = min(room, w-3-must)
		}
		if room > 0 {
			st = s.Render(pane.Fit(text, room)) + " "
		}
	}
	room := w - pane.Width(st) - 2
	h := m.help
	h.ShortSeparator = " · "
	h.SetWidth(room)
	left := " "
	if room > 0 {
		left += h.ShortHelpView(fitHints(m.footerKeys(), room))
	}
	return left + strings.Repeat(" ", max(1, w-pane.Width(left)-pane.Width(st))) + st
}

// cleanAnnotations are the configured annotations with their labels
// cleaned for the screen; the segment stays as in the data, to match the
// filters (a segment's annotation shows only drilled into it, where the
// header names it).
func cleanAnnotations(list []kpi.Annotation) []kpi.Annotation {
	out := make([]kpi.Annotation, len(list))
	for i, a := range list {
		a.Label = clean(a.Label)
		out[i] = a
	}
	return out
}
