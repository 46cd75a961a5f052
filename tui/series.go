package tui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"strconv"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/pane"
	"kpiscope/tui/style"
)

// seriesPage is how many segments the chart shows at once: one glyph and
// one colour each (style.SeriesGlyphs).
const seriesPage = 6

// seriesLens is several segments on one chart (kpi.Engine.Series): the
// trends of the breakdown's largest segments (by n in the screen's
// period) over the detail chart's window, each its own colour and glyph,
// with the KPI's target and a legend of each one's value, status and n.
// 1–6 hide or show a line, n shows the next six segments, ↑↓ move in the
// legend (the cursor's line is drawn over the others) and enter drills into
// the segment under the cursor. Its query
// runs as the top movers' does: a tea.Cmd under a context the next ask or
// esc cancels, its answer dropped when a newer one was asked.
type seriesLens struct {
	lensQuery        // the query on its way: want (the key of what is asked), seq, loading, cancel
	dim       string // the dimension the page and hidden lines belong to
	from      int    // the rank of the first segment shown
	// hidden are the segments toggled off, by name: they stay off when the
	// period or KPI changes.
	hidden map[string]bool
	cursor int // the legend's row (a segment of the page)

	key string // seriesKey of what is shown

	set  *kpi.SeriesSet
	err  string
	took time.Duration

	// opts are extra engine options (the benchmark bypasses the engine's
	// cache to measure the queries).
	opts []kpi.Option
}

// seriesMsg is the answer to a series query.
type seriesMsg struct {
	seq  uint64
	key  string
	set  *kpi.SeriesSet
	err  error
	took time.Duration
}

// The lens's own keys.
var (
	seriesToggleKey = key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6"), key.WithHelp("1–6", "show/hide"))
	seriesNextKey   = key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next segments"))
	seriesPrevKey   = key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous segments"))
)

// openSeries opens the segments-on-one-chart view.
func (m Model) openSeries() (Model, tea.Cmd) {
	return m.openLens(&seriesLens{})
}

// seriesKey names a request: the engine, its generation, the slice, the
// KPI, the dimension and the first rank.
func seriesKey(c lensCtx, from int) string {
	return fmt.Sprintf("%p|%d|%s|%s|%s|%d", c.eng, c.gen, c.slice.Key(), c.def.ID, c.dim, from)
}

// Reslice asks for the lines of what the screen shows now, unless they are
// shown or on their way; a new dimension starts again from its largest
// segments, all shown.
func (l *seriesLens) Reslice(c lensCtx) (lens, tea.Cmd) {
	if c.dim != l.dim {
		l.dim, l.from, l.hidden, l.cursor, l.set = c.dim, 0, nil, 0, nil
	}
	if l.set != nil && (c.def == nil || l.set.Def.ID != c.def.ID) {
		l.set = nil // another KPI's lines under this one's title would mislead
	}
	if c.eng == nil || c.def == nil || c.dim == "" {
		l.stop()
		l.want = ""
		return l, nil
	}
	k := seriesKey(c, l.from)
	if k == l.want && (l.loading || l.key == k) {
		return l, nil
	}
	l.stop()
	ctx, seq := l.begin(c, k)
	return l, seriesQuery(ctx, c.eng, c.slice, c.def.ID, c.dim, l.from, seq, k, l.opts)
}

// seriesQuery runs one series query; the closure holds copies of its
// inputs and never reads the model.
func seriesQuery(ctx context.Context, eng *kpi.Engine, s kpi.Slice, id, dim string, from int, seq uint64, k string, opts []kpi.Option) tea.Cmd {
	return func() tea.Msg {
		began := time.Now()
		set, err := eng.Series(ctx, s, id, dim, from, seriesPage, opts...)
		return seriesMsg{seq: seq, key: k, set: set, err: err, took: time.Since(began)}
	}
}

// Wide: several lines over a year of periods need the whole width.
func (l *seriesLens) Wide() bool { return true }

// Update takes in answers, toggles lines, pages through the segments and
// moves in the legend.
func (l *seriesLens) Update(msg tea.Msg, c lensCtx) (lens, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case seriesMsg:
		if !l.answered(msg.seq, msg.key) {
			return l, nil, true // a superseded answer
		}
		l.key, l.took, l.err = msg.key, msg.took, ""
		if msg.err != nil {
			l.set = nil
			l.err = cleanLine(msg.err)
			var ns *kpi.NoSeriesError // its reason said once, after the KPI and dimension
			switch {
			case errors.Is(msg.err, context.DeadlineExceeded):
				l.err = fmt.Sprintf("the segments' trends took longer than %s (--query-timeout) and were stopped; try a coarser grain or fewer filters", c.timeout)
			case errors.As(msg.err, &ns) && ns.NoPeriods():
				l.err = fmt.Sprintf("%s has no periods to draw a trend over: %s", clean(c.def.Label()), cleanLine(errors.New(ns.Reason)))
			case ns != nil:
				l.err = fmt.Sprintf("%s cannot be split by %s: %s", clean(c.def.Label()), clean(c.names[c.dim]), cleanLine(errors.New(ns.Reason)))
			case errors.Is(msg.err, kpi.ErrNotSliceable):
				l.err = fmt.Sprintf("%s cannot be split by %s: %s", clean(c.def.Label()), clean(c.names[c.dim]), pane.Reason(cleanLine(msg.err), ""))
			}
			return l, nil, true
		}
		l.set = msg.set
		l.cursor = max(0, min(l.cursor, len(l.set.Lines)-1))
		return l, nil, true
	case tea.KeyPressMsg:
		if l.set == nil {
			return l, nil, false
		}
		switch {
		case key.Matches(msg, seriesToggleKey):
			i, _ := strconv.Atoi(msg.String())
			if i < 1 || i > len(l.set.Lines) {
				return l, nil, true
			}
			seg := l.set.Lines[i-1].Segment
			l.hidden = maps.Clone(l.hidden)
			if l.hidden == nil {
				l.hidden = map[string]bool{}
			}
			if l.hidden[seg] {
				delete(l.hidden, seg)
			} else {
				l.hidden[seg] = true
			}
			return l, nil, true
		case key.Matches(msg, seriesNextKey), key.Matches(msg, seriesPrevKey):
			n := len(l.set.Ranked)
			if n <= seriesPage {
				return l, nil, true
			}
			step := seriesPage
			if key.Matches(msg, seriesPrevKey) {
				step = -seriesPage
			}
			l.from += step
			switch {
			case l.from >= n:
				l.from = 0
			case l.from < 0:
				l.from = (n - 1) / seriesPage * seriesPage
			}
			l.cursor = 0
			nl, cmd := l.Reslice(c)
			return nl, cmd, true
		case key.Matches(msg, c.keys.Down):
			l.cursor = min(l.cursor+1, len(l.set.Lines)-1)
			return l, nil, true
		case key.Matches(msg, c.keys.Up):
			l.cursor = max(l.cursor-1, 0)
			return l, nil, true
		case key.Matches(msg, c.keys.Focus):
			if l.cursor < len(l.set.Lines) {
				seg := l.set.Lines[l.cursor].Segment
				return l, func() tea.Msg { return lensDrillMsg{Dim: l.set.Dim, Value: seg} }, true
			}
			return l, nil, true
		}
	}
	return l, nil, false
}

// Footer is the lens's keys.
func (l *seriesLens) Footer(c lensCtx) []key.Binding {
	out := []key.Binding{seriesToggleKey}
	if l.set != nil && len(l.set.Ranked) > seriesPage {
		out = append(out, seriesNextKey)
	}
	drill := key.NewBinding(key.WithKeys("enter"), key.WithHelp(c.keys.Focus.Help().Key, "drill in"))
	return append(out, drill)
}

// View draws the chart over the legend.
func (l *seriesLens) View(c lensCtx, w, h int) (string, []string) {
	title := "segments on one chart"
	if c.def != nil {
		title = clean(c.def.Label()) + " · " + title
		if c.dim != "" {
			title = clean(c.def.Label()) + " by " + clean(c.names[c.dim]) + " · on one chart"
		}
	}
	muted := func(s string) []string {
		var out []string
		for _, line := range pane.Wrap(s, w) {
			out = append(out, c.st.MutedText.Render(line))
		}
		return out
	}
	switch {
	case c.def == nil:
		return title, muted("no KPI selected")
	case c.dim == "":
		return title, muted("Choose a dimension to compare its segments on one chart: press " + c.keys.Segment.Help().Key + " (segment by).")
	case l.err != "":
		return title, muted(l.err)
	case l.set == nil:
		return title, muted("loading…")
	}
	set := l.set
	d := set.Def
	var lines []pane.Line
	var legend []pane.LegendRow
	for i, sl := range set.Lines {
		glyph, st := style.SeriesGlyphs[i%len(style.SeriesGlyphs)], c.st.Series(i)
		legend = append(legend, pane.LegendRow{Key: strconv.Itoa(i + 1), Glyph: glyph, Style: st, Name: clean(sl.Segment),
			Row: sl.Latest, Hidden: l.hidden[sl.Segment], Cursor: i == l.cursor})
		if l.hidden[sl.Segment] {
			continue
		}
		vals := make([]float64, len(sl.Points))
		for k, p := range sl.Points {
			vals[k] = math.NaN()
			if p.Value != nil {
				vals[k] = *p.Value
			}
		}
		line := pane.Line{Values: vals, Glyph: glyph, Style: st}
		if i == l.cursor { // the legend's cursor's line is drawn on top
			lines = append([]pane.Line{line}, lines...)
		} else {
			lines = append(lines, line)
		}
	}
	legend = append(legend, pane.LegendRow{Name: "Total", Row: set.Total.Latest})
	period := set.Slice.Grain.Label(set.Periods[len(set.Periods)-1])
	lg := pane.SeriesLegend(c.st, d, period, legend, w)
	which := fmt.Sprintf("%s %d–%d of %d by n in %s", clean(c.names[c.dim]), set.From+1, set.From+len(set.Lines), len(set.Ranked), period)
	if set.From == 0 {
		which = fmt.Sprintf("the %d largest of %d %s by n in %s", len(set.Lines), len(set.Ranked), clean(c.names[c.dim]), period)
		if len(set.Lines) == len(set.Ranked) {
			which = fmt.Sprintf("every %s (%d) by n in %s", clean(c.names[c.dim]), len(set.Ranked), period)
		}
	}
	// The legend beside the chart where the width allows, else under it.
	side := w >= 100
	lw := 0
	if side {
		lw = min(40, max(30, w/3))
		lg = pane.SeriesLegend(c.st, d, period, legend, lw)
	}
	cw := w - lw
	if side {
		cw -= 2
	}
	if l.loading { // the lines shown stay until the new ones come
		which += " · updating…"
	}
	note := []string{c.st.MutedText.Render(pane.Fit(which, w))}
	if set.Approx {
		note = append(note, c.st.MutedText.Render(pane.Fit("~ medians from the rollup's sketch (±1%)", w)))
	}
	overlap := c.st.MutedText.Render(pane.Fit("where lines meet, the one under the legend's cursor (↑↓) is drawn on top, then the larger segment's", w))
	chartH := h - len(note)
	if !side {
		chartH -= len(lg) + 1
	}
	if chartH >= 16 {
		note = append(note, overlap)
		chartH--
	}
	var chart []string
	if len(lines) == 0 {
		chart = []string{c.st.MutedText.Render("every line is hidden: press its number to show it")}
	} else {
		chart = pane.SeriesChart(c.st, d, set.Periods, set.Slice.Grain, lines, set.Goal, cw, max(chartH, 1))
	}
	body := append([]string{}, note...)
	if !side {
		body = append(body, chart...)
		body = append(body, "")
		return title, append(body, lg...)
	}
	for i := range max(len(chart), len(lg)+1) {
		left, right := "", ""
		if i < len(chart) {
			left = chart[i]
		}
		if i >= 1 && i-1 < len(lg) { // the legend's header level with the chart's top
			right = lg[i-1]
		}
		body = append(body, pane.Fit(left, cw)+"  "+right)
	}
	return title, body
}
