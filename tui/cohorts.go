package tui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"math"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
	"kpiscope/tui/pane"
)

// cohortsLens is the cohort matrix (kpi.Engine.Cohorts): signup cohorts ×
// months since signup, % still active (or first-order cohorts, % who
// ordered again: p toggles), by month or quarter (g), for the screen's
// filters on customer dimensions. It takes the whole body: the matrix is
// about customers, not the selected KPI. Its query runs as the top
// movers' does: a tea.Cmd under a context the next ask or esc cancels,
// its answer dropped when a newer one was asked.
type cohortsLens struct {
	lensQuery // the query on its way: want (the key of what is asked), seq, loading, cancel
	kind      kpi.CohortKind
	grain     kpi.Grain

	key string // cohortsKey of what is shown

	m   *kpi.CohortMatrix
	err string
	// seen keeps the matrices this lens was given, by cohortsKey: toggling
	// back (g, p, a filter undone) shows one at the key, as the engine's
	// result cache does for the scorecard. The key holds the engine and its
	// generation, so a reload never shows an old one.
	seen map[string]*kpi.CohortMatrix

	row, col int // the cursor: a cohort (len(m.Rows): all cohorts) and a month since signup
}

// cohortsMsg is the answer to a cohort matrix query.
type cohortsMsg struct {
	seq uint64
	key string
	m   *kpi.CohortMatrix
	err error
}

// cohortKeys are the lens's own keys: g and p change what it counts.
var (
	cohortGrainKey = key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "month/quarter"))
	cohortKindKey  = key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "retention/purchases"))
	cohortMoveKey  = key.NewBinding(key.WithKeys("left", "right", "up", "down"), key.WithHelp("←↑↓→", "move"))
)

// cohortCount is how many cohorts the lens asks for: a year of months, two
// years of quarters.
func cohortCount(g kpi.Grain) int {
	if g == kpi.Quarter {
		return 8
	}
	return 12
}

// openCohorts opens the cohort matrix: quarterly cohorts when the screen
// is by quarter, else monthly.
func (m Model) openCohorts() (Model, tea.Cmd) {
	g := kpi.Month
	if m.asked().Grain == kpi.Quarter {
		g = kpi.Quarter
	}
	return m.openLens(&cohortsLens{kind: kpi.CohortRetention, grain: g})
}

// ask names the request: the engine, its generation, the kind, grain and filters.
func (l *cohortsLens) ask(c lensCtx) (kpi.CohortAsk, string) {
	a := kpi.CohortAsk{Kind: l.kind, Grain: l.grain, Cohorts: cohortCount(l.grain), Filters: c.slice.Filters}
	return a, fmt.Sprintf("%p|%d|%s|%s|%q", c.eng, c.gen, l.kind, l.grain, c.slice.Filters)
}

// Reslice asks for the matrix of what the screen shows now, unless it is
// shown or on its way.
func (l *cohortsLens) Reslice(c lensCtx) (lens, tea.Cmd) {
	if c.eng == nil {
		return l, nil
	}
	a, k := l.ask(c)
	if k == l.want && (l.loading || l.key == k) {
		return l, nil
	}
	l.stop()
	if m, ok := l.seen[k]; ok {
		l.want, l.err = k, ""
		l.show(k, m)
		return l, nil
	}
	ctx, seq := l.begin(c, k)
	return l, cohortsQuery(ctx, c.eng, a, seq, k)
}

// cohortsQuery runs one matrix query; the closure holds copies of its
// inputs and never reads the model.
func cohortsQuery(ctx context.Context, eng *kpi.Engine, a kpi.CohortAsk, seq uint64, k string) tea.Cmd {
	return func() tea.Msg {
		m, err := eng.Cohorts(ctx, a)
		return cohortsMsg{seq: seq, key: k, m: m, err: err}
	}
}

// Wide: the matrix takes the whole body.
func (l *cohortsLens) Wide() bool { return true }

// Update moves the cursor, toggles grain and kind, and takes in answers.
func (l *cohortsLens) Update(msg tea.Msg, c lensCtx) (lens, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case cohortsMsg:
		if !l.answered(msg.seq, msg.key) {
			return l, nil, true // a superseded answer
		}
		l.key, l.err = msg.key, ""
		if msg.err != nil {
			l.m = nil
			l.err = cleanLine(msg.err)
			if errors.Is(msg.err, context.DeadlineExceeded) {
				l.err = fmt.Sprintf("the cohort matrix took longer than %s (--query-timeout) and was stopped", c.timeout)
			}
			return l, nil, true
		}
		if l.seen == nil {
			l.seen = map[string]*kpi.CohortMatrix{}
		}
		l.seen[msg.key] = msg.m
		l.show(msg.key, msg.m)
		return l, nil, true
	case tea.MouseWheelMsg: // up and down the cohorts; shift or a sideways wheel along the months
		switch b := msg.Mouse(); {
		case b.Button == tea.MouseWheelLeft || b.Button == tea.MouseWheelUp && b.Mod.Contains(tea.ModShift):
			l.col--
		case b.Button == tea.MouseWheelRight || b.Button == tea.MouseWheelDown && b.Mod.Contains(tea.ModShift):
			l.col++
		case b.Button == tea.MouseWheelUp:
			l.row--
		default:
			l.row++
		}
		l.clamp()
		return l, nil, true
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, c.keys.Up):
			l.row--
		case key.Matches(msg, c.keys.Down):
			l.row++
		case key.Matches(msg, c.keys.Left):
			l.col--
		case key.Matches(msg, c.keys.Right):
			l.col++
		case key.Matches(msg, c.keys.Top):
			l.row = 0
		case key.Matches(msg, c.keys.Bottom):
			l.row = math.MaxInt32
		case key.Matches(msg, c.keys.Focus):
			// No breakdown to focus behind the matrix: enter does nothing here.
		case key.Matches(msg, cohortGrainKey):
			l.grain = map[kpi.Grain]kpi.Grain{kpi.Month: kpi.Quarter, kpi.Quarter: kpi.Month}[l.grain]
			l.m, l.row, l.col = nil, 0, 0
			nl, cmd := l.Reslice(c)
			return nl, cmd, true
		case key.Matches(msg, cohortKindKey):
			l.kind = map[kpi.CohortKind]kpi.CohortKind{kpi.CohortRetention: kpi.CohortOrders, kpi.CohortOrders: kpi.CohortRetention}[l.kind]
			l.m, l.row, l.col = nil, 0, 0
			nl, cmd := l.Reslice(c)
			return nl, cmd, true
		default:
			return l, nil, false
		}
		l.clamp()
		return l, nil, true
	}
	return l, nil, false
}

// show puts a matrix on screen; a first one (or after g, p) with the
// cursor on the newest cohort.
func (l *cohortsLens) show(k string, m *kpi.CohortMatrix) {
	if l.m == nil {
		l.row = max(len(m.Rows)-1, 0)
	}
	l.key, l.m = k, m
	l.clamp()
}

// clamp keeps the cursor on the matrix: a cohort or the pooled row, and a
// month that row has (or its last).
func (l *cohortsLens) clamp() {
	if l.m == nil {
		return
	}
	l.row = max(0, min(l.row, len(l.m.Rows)))
	l.col = max(0, min(l.col, l.m.Ages-1))
}

// Footer is the lens's keys.
func (l *cohortsLens) Footer(c lensCtx) []key.Binding {
	return []key.Binding{cohortMoveKey, cohortGrainKey, cohortKindKey}
}

// heat is a cell's place on the matrix's range, 0 (lowest) to 3.
func heat(v, lo, hi float64) int {
	if hi-lo < 1e-9 {
		return 3
	}
	return max(0, min(3, int((v-lo)/(hi-lo)*4)))
}

// heatGlyphs carry the heat without colour, low to high.
var heatGlyphs = []string{"░", "▒", "▓", "█"}

// View draws the matrix: a line of what it counts, the month columns that
// fit around the cursor, the cohorts that fit (the newest kept), the
// pooled row, the cell under the cursor in words, and the heat's key.
func (l *cohortsLens) View(c lensCtx, w, h int) (string, []string) {
	st := c.st
	title := "Cohorts · retention by signup " + string(l.grain)
	if l.kind == kpi.CohortOrders {
		title = "Cohorts · repeat purchases by first-order " + string(l.grain)
	}
	if l.loading && l.m != nil {
		title += " · updating…"
	}
	var body []string
	muted := func(s string) string { return st.MutedText.Render(s) }
	switch {
	case l.err != "":
		for _, ln := range pane.Wrap(l.err, w) {
			body = append(body, st.ErrText.Render(ln))
		}
		return title, append(body, "", muted("p: retention ⇄ purchases · esc: close"))
	case l.m == nil:
		return title, []string{muted("computing the cohort matrix…")}
	}
	m := l.m
	what := "% of the cohort still active at the end of month k since signup"
	if m.Kind == kpi.CohortOrders {
		what = "% of the cohort who ordered in month k since their first order"
	}
	if fs := filtersText(m.Filters); fs != "" {
		what += " · " + fs
	}
	body = append(body, pane.Fit(muted(what), w))
	for _, n := range report.CohortsLeftOut(m) {
		body = append(body, pane.Fit(st.WarnText.Render(clean(n)), w))
	}
	if len(m.Rows) == 0 {
		return title, append(body, "", muted(report.CohortNotes(m)[0]))
	}

	// Columns: the cohort, its size, then months; as many as fit around the cursor.
	labW, sizeW, cellW := 9, 7, 5
	for _, r := range m.Rows {
		labW = max(labW, len([]rune(m.Grain.Label(r.Start)))+1)
	}
	dec := 0
	if w-labW-sizeW >= 7*m.Ages { // room for every month with a decimal
		cellW, dec = 7, 1
	}
	fit := max(1, (w-labW-sizeW)/cellW)
	if fit < m.Ages { // leave room to say how far the months go
		fit = max(1, (w-labW-sizeW-6)/cellW)
	}
	off := 0
	if l.col >= fit {
		off = l.col - fit + 1
	}
	cols := min(fit, m.Ages-off)

	// The heat's range: every cell, but a purchase cohort's month 0 (100%
	// by definition), which would leave every other cell at the bottom.
	lo, hi := 101.0, -1.0
	from := 0
	if m.Kind == kpi.CohortOrders && m.Ages > 1 {
		from = 1
	}
	for _, r := range m.Rows {
		for k := from; k < len(r.Active); k++ {
			if v, ok := r.Rate(k); ok {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	shades := lipgloss.Blend1D(4, st.Bad, st.Warn, st.Good)
	cell := func(v float64, ok, cursor bool) string {
		if !ok {
			s := strings.Repeat(" ", cellW-1)
			if cursor {
				s = st.Selected.Render(s)
			}
			return " " + s
		}
		n := kpi.FormatFloat(v, dec)
		lv := heat(v, lo, hi)
		var s string
		if c.plain { // the glyph carries the heat, › the cursor (reverse video may not show)
			s = heatGlyphs[lv] + fmt.Sprintf("%*s", cellW-2, n)
			if cursor {
				return "›" + st.Selected.Render(s)
			}
		} else {
			sty := lipgloss.NewStyle().Background(shade(shades[lv], st.Dark))
			if cursor {
				sty = st.Selected
			}
			s = sty.Render(fmt.Sprintf("%*s", cellW-1, n))
		}
		return " " + s
	}
	head := fmt.Sprintf("%-*s%*s", labW, "Cohort", sizeW, "Cust.")
	for k := off; k < off+cols; k++ {
		head += fmt.Sprintf("%*s", cellW, fmt.Sprintf("M%d", k)) // M = months since signup (k)
	}
	if off+cols < m.Ages {
		head += fmt.Sprintf(" →M%d", m.Ages-1)
	}
	body = append(body, st.TableHead.Render(pane.Fit(head, w)))

	// Rows: the fixed lines (title line, ignored filters, head, pooled,
	// a gap, the cell, the key) leave the rest to cohorts.
	fixed := len(body) + 4
	room := max(1, h-fixed)
	start := max(0, len(m.Rows)-room)
	if l.row < len(m.Rows) && l.row < start {
		start = l.row
	}
	line := func(label string, size int64, rate func(k int) (float64, bool), row int) string {
		lab := fmt.Sprintf("%-*s%*s", labW, label, sizeW, kpi.FormatFloat(float64(size), 0))
		if row == l.row {
			lab = st.Bold.Render(lab)
		}
		var b strings.Builder
		b.WriteString(lab)
		for k := off; k < off+cols; k++ {
			v, ok := rate(k)
			b.WriteString(cell(v, ok, row == l.row && k == l.col))
		}
		return b.String()
	}
	for i := start; i < len(m.Rows) && i < start+room; i++ {
		r := m.Rows[i]
		body = append(body, line(m.Grain.Label(r.Start), r.Size, r.Rate, i))
	}
	var size int64
	for _, r := range m.Rows {
		size += r.Size
	}
	pooled := func(k int) (float64, bool) {
		if k >= len(m.Pooled) {
			return 0, false
		}
		return m.Pooled[k].Rate()
	}
	body = append(body, line("All", size, pooled, len(m.Rows)))
	body = append(body, "", pane.Fit(l.cellText(), w))

	// The key: what each glyph or shade stands for, and where the data stops.
	step := (hi - lo) / 4
	var keyParts []string
	for lv := 3; lv >= 0; lv-- {
		from := "≥ " + kpi.FormatFloat(lo+float64(lv)*step, dec) + "%"
		if lv == 0 {
			from = "lower"
		}
		sw := heatGlyphs[lv]
		if !c.plain {
			sw = lipgloss.NewStyle().Background(shade(shades[lv], st.Dark)).Render("  ")
		}
		keyParts = append(keyParts, sw+" "+from)
	}
	keyLine := strings.Join(keyParts, "  ") + muted(" · blank: month not over by "+m.LastDay().Format("2 Jan 2006"))
	body = append(body, pane.Fit(keyLine, w))
	// What the pooled row and the cells are, as room allows.
	notes := []string{"All: Σ active / Σ customers of the cohorts that reached the month (weighted by size, not a mean of %)"}
	notes = append(notes, report.CohortDefinition(m))
	for _, n := range notes {
		for _, ln := range pane.Wrap(n, w) {
			if len(body) < h {
				body = append(body, muted(ln))
			}
		}
	}
	return title, body
}

// cellText says the cell under the cursor in words: whose, which month,
// how many of how many.
func (l *cohortsLens) cellText() string {
	m := l.m
	k := l.col
	verb := "still active"
	if m.Kind == kpi.CohortOrders {
		verb = "ordered"
	}
	if l.row == len(m.Rows) {
		if k >= len(m.Pooled) || m.Pooled[k].Size == 0 {
			return fmt.Sprintf("All cohorts · month %d: no cohort reached it", k)
		}
		p := m.Pooled[k]
		v, _ := p.Rate()
		return fmt.Sprintf("All cohorts · month %d: %s of %s %s (%s%%), %d cohorts",
			k, kpi.FormatFloat(float64(p.Active), 0), kpi.FormatFloat(float64(p.Size), 0), verb, kpi.FormatFloat(v, 1), p.Cohorts)
	}
	r := m.Rows[l.row]
	label := m.Grain.Label(r.Start)
	when := ""
	if m.Grain == kpi.Month {
		when = " (" + kpi.Month.Label(kpi.Month.Add(r.Start, k)) + ")"
	}
	v, ok := r.Rate(k)
	if !ok {
		if r.Size == 0 {
			return label + ": no customers"
		}
		return fmt.Sprintf("%s · month %d%s: not over yet", label, k, when)
	}
	return fmt.Sprintf("%s · month %d%s: %s of %s %s (%s%%)", label, k, when,
		kpi.FormatFloat(float64(r.Active[k]), 0), kpi.FormatFloat(float64(r.Size), 0), verb, kpi.FormatFloat(v, 1))
}

// shade dims a heat colour into a background the text reads on.
func shade(c color.Color, dark bool) color.Color {
	if dark {
		return lipgloss.Darken(c, 0.55)
	}
	return lipgloss.Lighten(c, 0.6)
}

// filtersText is the filters as the screen names them ("" none).
func filtersText(fs []kpi.Filter) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.String())
	}
	return clean(strings.Join(out, " · "))
}
