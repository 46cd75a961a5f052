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

// distLens is the distribution behind the selected KPI
// (kpi.Engine.Distribution), in the detail pane's place: for a mean or a
// quantile of hours, a histogram of the hours in log-scaled buckets with
// the mean, median, p90 and target marked and the comparison period's
// shares beside; for a score KPI, the mix of scores as a stacked bar per
// segment of the breakdown's dimension and the total. ↑↓ choose the
// segment (the histogram is that segment's), enter drills into it, n
// shows counts instead of shares. Its query runs as the top movers' does:
// a tea.Cmd under a context the next ask or esc cancels, its answer
// dropped when a newer one was asked.
type distLens struct {
	lensQuery        // the query on its way: want (the key of what is asked), seq, loading, cancel
	key       string // distKey of what is shown

	x   *kpi.Distribution
	err string // why there is no distribution (a KPI without one, a failed query)

	seg    string // the segment under the cursor ("" the total)
	counts bool   // counts instead of shares
}

// distMsg is the answer to a distribution query.
type distMsg struct {
	seq uint64
	key string
	x   *kpi.Distribution
	err error
}

var (
	distMoveKey  = key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑↓", "segment"))
	distDrillKey = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "drill in"))
	distCountKey = key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "counts/shares"))
)

// openDist opens the distribution of the selected KPI.
func (m Model) openDist() (Model, tea.Cmd) {
	if m.selected() == nil {
		return m.say("Distribution: no KPI to look at"), nil
	}
	return m.openLens(&distLens{})
}

// distKey names a request: the engine, its generation, the KPI, the
// breakdown's dimension and the slice.
func distKey(c lensCtx) string {
	return fmt.Sprintf("%p|%d|%s|%s|%s", c.eng, c.gen, c.def.ID, c.dim, c.slice.Key())
}

// Reslice asks for the distribution of what the screen shows now, unless
// it is shown or on its way; a KPI without one says why instead.
func (l *distLens) Reslice(c lensCtx) (lens, tea.Cmd) {
	if c.eng == nil || c.def == nil {
		l.stop()
		l.want, l.x, l.err = "", nil, "no KPI to look at"
		return l, nil
	}
	if _, err := c.def.DistributionKind(); err != nil {
		l.stop()
		l.want, l.key, l.x = "", "", nil
		l.err = cleanLine(err)
		return l, nil
	}
	k := distKey(c)
	if k == l.want && (l.loading || l.key == k) {
		return l, nil
	}
	l.stop()
	ctx, seq := l.begin(c, k)
	return l, distQuery(ctx, c.eng, c.slice, c.def.ID, c.dim, seq, k)
}

// distQuery runs one distribution query; the closure holds copies of its
// inputs and never reads the model.
func distQuery(ctx context.Context, eng *kpi.Engine, s kpi.Slice, id, dim string, seq uint64, k string) tea.Cmd {
	return func() tea.Msg {
		x, err := eng.Distribution(ctx, s, id, dim)
		return distMsg{seq: seq, key: k, x: x, err: err}
	}
}

// Wide: the distribution takes the detail pane's place; the KPI list stays.
func (l *distLens) Wide() bool { return false }

// rows are the cursor's stops: the total, then the segments.
func (l *distLens) rows() []string {
	out := []string{""}
	if l.x != nil {
		for _, s := range l.x.Segments {
			out = append(out, s.Segment)
		}
	}
	return out
}

// at is the cursor's index in rows.
func (l *distLens) at() int {
	for i, s := range l.rows() {
		if s == l.seg {
			return i
		}
	}
	return 0
}

// Update moves the cursor, drills in, toggles counts and takes in answers.
func (l *distLens) Update(msg tea.Msg, c lensCtx) (lens, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case distMsg:
		if !l.answered(msg.seq, msg.key) {
			return l, nil, true // a superseded answer
		}
		l.key, l.err = msg.key, ""
		if msg.err != nil {
			l.x = nil
			l.err = cleanLine(msg.err)
			if errors.Is(msg.err, context.DeadlineExceeded) {
				l.err = fmt.Sprintf("the distribution took longer than %s (--query-timeout) and was stopped; try a shorter period or fewer filters", c.timeout)
			}
			return l, nil, true
		}
		l.x = msg.x
		l.seg = l.rows()[l.at()] // a segment gone: the total
		return l, nil, true
	case tea.KeyPressMsg:
		rows := l.rows()
		i := l.at()
		switch {
		case key.Matches(msg, c.keys.Up):
			i--
		case key.Matches(msg, c.keys.Down):
			i++
		case key.Matches(msg, c.keys.Top):
			i = 0
		case key.Matches(msg, c.keys.Bottom):
			i = len(rows) - 1
		case key.Matches(msg, distCountKey):
			l.counts = !l.counts
			return l, nil, true
		case key.Matches(msg, distDrillKey):
			if l.x == nil || l.seg == "" || l.x.Dim == "" {
				return l, nil, true
			}
			drill := lensDrillMsg{Dim: l.x.Dim, Value: l.seg}
			return l, func() tea.Msg { return drill }, true
		default:
			return l, nil, false
		}
		l.seg = rows[max(0, min(i, len(rows)-1))]
		return l, nil, true
	}
	return l, nil, false
}

// Footer is the lens's keys.
func (l *distLens) Footer(c lensCtx) []key.Binding {
	return []key.Binding{distMoveKey, distDrillKey, distCountKey}
}

// selected is the row under the cursor and the same row in the comparison
// period (nil without one).
func (l *distLens) selected() (kpi.DistRow, *kpi.DistRow) {
	x := l.x
	if l.seg == "" {
		return x.Total, x.Compare
	}
	for i, s := range x.Segments {
		if s.Segment == l.seg {
			if i < len(x.CompareSegments) {
				return s, &x.CompareSegments[i]
			}
			return s, nil
		}
	}
	return x.Total, x.Compare
}

// View draws the histogram or the score mix.
func (l *distLens) View(c lensCtx, w, h int) (string, []string) {
	st := c.st
	title := "Distribution"
	by := ""
	if c.dim != "" && (l.x == nil || l.x.DimErr == nil) {
		by = " · by " + c.names[c.dim]
	}
	if c.def != nil {
		title = c.def.Label() + " · distribution" + by
		if pane.Width(title)+3 > w { // the short name leaves room for the dimension
			title = c.def.ShortLabel() + " · distribution" + by
		}
	}
	if l.loading && l.x != nil {
		title += " · computing…" // the numbers below are the previous ask's
	}
	muted := func(s string) string { return st.MutedText.Render(s) }
	switch {
	case l.err != "":
		var body []string
		for _, line := range pane.Wrap(l.err, w) {
			body = append(body, st.ErrText.Render(line))
		}
		body = append(body, "")
		for _, line := range pane.Wrap("A distribution is drawn for a mean or median of a number per row (resolution time, first response) and for scores (CSAT, CES, NPS). tab: another KPI · esc: close", w) {
			body = append(body, muted(line))
		}
		return title, body
	case l.x == nil:
		return title, []string{muted("computing the distribution…")}
	}
	var body []string
	if l.x.Kind == kpi.DistScores {
		body = l.scoreView(c, w, h)
	} else {
		body = l.histView(c, w, h)
	}
	if l.x.DimErr != nil && len(body) < h {
		body = append(body, pane.Fit(st.WarnText.Render("not by "+c.names[c.dim]+": "+cleanLine(l.x.DimErr)), w))
	}
	return title, body
}

// name is a row's name as shown.
func (l *distLens) name(seg string) string {
	if seg == "" {
		return "All"
	}
	return clean(seg)
}

// share is a count as the value column shows it: a share ("—" in a row
// without values: no value, not zero), or the count.
func (l *distLens) share(r kpi.DistRow, i int) string {
	if l.counts {
		return kpi.FormatFloat(float64(r.Counts[i]), 0)
	}
	v, ok := r.Share(i)
	if !ok {
		return "—"
	}
	return kpi.FormatFloat(100*v, 1) + "%"
}

// shareOf is count i's share of a row for drawing (0 in a row without
// values, which draws nothing).
func shareOf(r kpi.DistRow, i int) float64 {
	v, _ := r.Share(i)
	return v
}

// bandPct is a band's share of a row as text; "—" without answers.
func bandPct(x *kpi.Distribution, r kpi.DistRow, b kpi.ScoreBand) string {
	v, ok := report.BandShare(x, r, b)
	if !ok {
		return "—"
	}
	return kpi.FormatFloat(100*v, 1) + "%"
}

// bandShareOf is a band's share of a row for arithmetic (callers check n).
func bandShareOf(x *kpi.Distribution, r kpi.DistRow, b kpi.ScoreBand) float64 {
	v, _ := report.BandShare(x, r, b)
	return v
}

// bucketColour is a bucket's colour against the target: on its good side,
// across it, or beyond it.
func bucketColour(c lensCtx, x *kpi.Distribution, b kpi.Bucket) color.Color {
	st := c.st
	if x.Target == nil {
		return st.Accent
	}
	t := x.Target.Value
	below, above := b.Hi <= t, b.Lo >= t
	if x.Def.Better == kpi.Higher {
		below, above = above, below
	}
	switch {
	case below:
		return st.Good
	case above:
		return st.Bad
	}
	return st.Warn
}

// histView draws the histogram of the row under the cursor: its numbers,
// the comparison's, a bar per bucket with the comparison's share as a
// tick, the marks, and the segments below when there is room.
func (l *distLens) histView(c lensCtx, w, h int) []string {
	st, x := c.st, l.x
	muted := func(s string) string { return st.MutedText.Render(s) }
	r, cr := l.selected()
	x, r, cr = fitBuckets(x, r, cr, h-2)
	name := l.name(l.seg)
	if len(x.Segments) > 0 {
		name = fmt.Sprintf("%s (%d of %d)", name, l.at()+1, len(x.Segments)+1)
	}
	what := st.Bold.Render(name) + " · " + clean(x.PeriodName())
	if cr != nil {
		what += " vs " + clean(x.CompareName())
	}
	stats := statsLines(x, r, "█ ", w)
	var cmpStats []string
	if cr != nil {
		cmpStats = statsLines(x, *cr, "┊ ", w)
	}
	if r.N == 0 {
		body := append([]string{pane.Fit(what, w)}, stats...)
		for _, line := range cmpStats {
			body = append(body, pane.Fit(muted(line), w))
		}
		return append(body, "", muted("no values in this period"))
	}

	// The columns: the bucket, the bar, the share, the comparison's share
	// and the marks. Where the width is short the comparison's column goes
	// first (its ticks stay on the bars), then the marks shorten ("med",
	// "tgt"); they go only where not even that leaves a bar.
	labW := 7 // "16h–1d " and wider labels of joined buckets ("45s–1.5m")
	for _, b := range x.Buckets {
		labW = max(labW, min(pane.Width(b.Label)+1, 10))
	}
	valW := 7
	marks := report.DistMarks(x, r)
	markW := 0
	for _, m := range marks {
		markW = max(markW, pane.Width(m))
	}
	markW = min(markW, 14)
	cmpW := 0
	if cr != nil {
		cmpW = max(valW, pane.Width(shortPeriod(x.CompareName()))+1)
	}
	barW := w - labW - valW - cmpW - 2 - markW
	if barW < 8 && cmpW > 0 {
		cmpW = 0
		barW = w - labW - valW - 2 - markW
	}
	if barW < 8 && markW > 0 {
		markW = 0
		for i, m := range marks {
			marks[i] = shortMarks(m)
			markW = max(markW, pane.Width(marks[i]))
		}
		valW = 6
		barW = w - labW - valW - 1 - markW
	}
	if barW < 4 { // marks give way to the bars
		markW = 0
		barW = w - labW - valW - cmpW - 1
	}
	gap := "  "
	if valW == 6 {
		gap = " "
	}

	// The lines above and below the buckets, as the height allows: the
	// statistics, then the segment and period (without room for it, the
	// segment's name leads the statistics), the column heads, the
	// comparison's statistics, the legend.
	room := h - len(x.Buckets)
	take := func(n int) int {
		n = max(0, min(n, room))
		room -= n
		return n
	}
	if room < len(stats)+1 {
		stats = statsLines(x, r, "█ "+l.name(l.seg)+": ", w)
	}
	nStats := take(len(stats))
	nWhat := take(1)
	nHead := take(1)
	nCmp := take(len(cmpStats))
	nLegend := take(1)
	var body []string
	if nWhat > 0 {
		body = append(body, pane.Fit(what, w))
	}
	for _, line := range stats[:nStats] {
		body = append(body, pane.Fit(line, w))
	}
	for _, line := range cmpStats[:nCmp] {
		body = append(body, pane.Fit(muted(line), w))
	}

	top := 0.0
	for i := range r.Counts {
		top = math.Max(top, shareOf(r, i))
		if cr != nil {
			top = math.Max(top, shareOf(*cr, i))
		}
	}
	col := "share"
	if l.counts {
		col = "n"
	}
	barHead := "█ " + shortPeriod(x.PeriodName())
	if pane.Width(barHead) > barW {
		barHead = "█"
	}
	head := fmt.Sprintf("%-*s%-*s%*s", labW, "bucket", barW, barHead, valW, col)
	if cmpW > 0 {
		head += fmt.Sprintf("%*s", cmpW, shortPeriod(x.CompareName()))
	}
	if markW > 0 {
		head += gap + "marks"
	}
	if nHead > 0 {
		body = append(body, st.TableHead.Render(pane.Fit(head, w)))
	}
	for i, b := range x.Buckets {
		n := 0
		if top > 0 {
			n = int(math.Round(shareOf(r, i) / top * float64(barW)))
			if n == 0 && r.Counts[i] > 0 {
				n = 1 // a bucket holding anything shows
			}
		}
		tick := -1
		if cr != nil && cr.Counts[i] > 0 && top > 0 {
			tick = max(0, int(math.Round(shareOf(*cr, i)/top*float64(barW)))-1)
			if tick == n-1 && n < barW { // at the bar's end: just after it, so the bar shows
				tick = n
			}
		}
		bar := strings.Repeat("█", n)
		if !c.plain {
			bar = lipgloss.NewStyle().Foreground(bucketColour(c, x, b)).Render(bar)
		}
		var cells strings.Builder
		cells.WriteString(bar)
		switch {
		case tick >= n:
			cells.WriteString(strings.Repeat(" ", tick-n) + muted("┊") + strings.Repeat(" ", barW-tick-1))
		default:
			cells.WriteString(strings.Repeat(" ", barW-n))
			if tick >= 0 { // the comparison's share inside the bar: redraw that cell
				head := strings.Repeat("█", tick)
				tail := strings.Repeat("█", n-tick-1)
				if !c.plain {
					sty := lipgloss.NewStyle().Foreground(bucketColour(c, x, b))
					head, tail = sty.Render(head), sty.Render(tail)
				}
				cells.Reset()
				cells.WriteString(head + muted("╎") + tail + strings.Repeat(" ", barW-n))
			}
		}
		line := pane.Fit(b.Label, labW) + cells.String() + pane.FitRight(l.share(r, i), valW)
		if cmpW > 0 {
			line += muted(pane.FitRight(l.share(*cr, i), cmpW))
		}
		if markW > 0 && marks[i] != "" {
			line += gap + st.AccentTxt.Render(marks[i])
		}
		body = append(body, pane.Fit(line, w))
	}
	legend := "█ " + shortPeriod(x.PeriodName())
	if cr != nil {
		legend += " · ┊ " + shortPeriod(x.CompareName())
	}
	legend += " · lo ≤ x < hi"
	if nLegend > 0 {
		body = append(body, pane.Fit(muted(legend), w))
	}

	// The segments, when there is room for a few: n, median, p90 and the
	// shape of each (its shares, tallest bucket full).
	if len(x.Segments) == 0 || h-len(body) < 4 {
		return body
	}
	body = append(body, "")
	d := x.Def
	f := func(v *float64) string {
		if v == nil {
			return "—"
		}
		return report.DistNumber(d, *v)
	}
	segW := 8
	for _, s := range x.Segments {
		segW = max(segW, pane.Width(clean(s.Segment)))
	}
	segW = min(segW+1, 18)
	body = append(body, st.TableHead.Render(pane.Fit(fmt.Sprintf("  %-*s%7s%8s%8s  shape", segW, c.names[x.Dim], "n", "median", "p90"), w)))
	all := append([]kpi.DistRow{x.Total}, x.Segments...)
	room = h - len(body)
	cur := l.at()
	start := 0
	if cur >= room {
		start = cur - room + 1
	}
	for i := start; i < len(all) && i < start+room; i++ {
		s := all[i]
		mark := "  "
		if i == cur {
			mark = "› "
		}
		line := fmt.Sprintf("%-*s%7s%8s%8s  ", segW, pane.Fit(l.name(s.Segment), segW-1), kpi.FormatFloat(float64(s.N), 0), f(s.Median), f(s.P90)) + shape(s)
		if i == cur {
			line = st.Selected.Render(pane.Fit(line, w-2))
		}
		body = append(body, pane.Fit(mark+line, w))
	}
	return body
}

// fitBuckets joins neighbouring buckets, k at a time, so that a histogram
// of more buckets than rows (seconds to days: up to 25) fits in rows, its
// last bucket and its marks on screen; the row and the comparison's are
// joined alike (the segments' shapes keep every bucket).
func fitBuckets(x *kpi.Distribution, r kpi.DistRow, cr *kpi.DistRow, rows int) (*kpi.Distribution, kpi.DistRow, *kpi.DistRow) {
	n := len(x.Buckets)
	if rows < 1 || n <= rows {
		return x, r, cr
	}
	k := (n + rows - 1) / rows
	join := func(c []int64) []int64 {
		var out []int64
		for i := 0; i < len(c); i += k {
			var sum int64
			for j := i; j < min(i+k, len(c)); j++ {
				sum += c[j]
			}
			out = append(out, sum)
		}
		return out
	}
	y := *x
	y.Buckets = nil
	for i := 0; i < n; i += k {
		lo, hi := x.Buckets[i].Lo, x.Buckets[min(i+k, n)-1].Hi
		y.Buckets = append(y.Buckets, kpi.Bucket{Lo: lo, Hi: hi, Label: x.BucketLabel(lo, hi)})
	}
	r.Counts = join(r.Counts)
	if cr != nil {
		c := *cr
		c.Counts = join(c.Counts)
		cr = &c
	}
	return &y, r, cr
}

// statsLines are a row's n, mean, median and p90 after lead, in words; in
// one line of fewer cells ("med", two spaces between) when they do not
// fit, else wrapped to w cells (the target is marked on the buckets).
func statsLines(x *kpi.Distribution, r kpi.DistRow, lead string, w int) []string {
	noTarget := *x
	noTarget.Target = nil
	s := lead + clean(report.DistStats(&noTarget, r))
	if pane.Width(s) <= w {
		return []string{s}
	}
	s = strings.Replace(s, "median", "med", 1)
	if t := strings.ReplaceAll(s, " · ", "  "); pane.Width(t) <= w {
		return []string{t}
	}
	var out []string
	line := ""
	for _, part := range strings.Split(s, " · ") {
		switch {
		case line == "":
			line = part
		case pane.Width(line+" · "+part) <= w:
			line += " · " + part
		default:
			out = append(out, line)
			line = "  " + part
		}
	}
	return append(out, line)
}

// shortMarks is a bucket's marks in fewer cells: "med·mean·tgt".
func shortMarks(m string) string {
	return strings.NewReplacer("median", "med", "target", "tgt", " · ", "·").Replace(m)
}

// shape is a row's histogram in one line of eighth blocks.
func shape(r kpi.DistRow) string {
	const blocks = " ▁▂▃▄▅▆▇█"
	bl := []rune(blocks)
	top := 0.0
	for i := range r.Counts {
		top = math.Max(top, shareOf(r, i))
	}
	var b strings.Builder
	for i := range r.Counts {
		k := 0
		if top > 0 {
			k = int(math.Ceil(shareOf(r, i) / top * 8))
		}
		b.WriteRune(bl[k])
	}
	return b.String()
}

// shortPeriod drops a partial period's "(to …)".
func shortPeriod(s string) string {
	if i := strings.Index(s, " ("); i > 0 {
		return s[:i]
	}
	return s
}

// scoreBand is where a score sits: its band's glyph and colour. Scores
// under a KPI's one good band (CSAT's 4–5) split: the lower half bad, the
// rest neutral.
func scoreBand(c lensCtx, x *kpi.Distribution, s int) (glyph string, col color.Color) {
	st := c.st
	lo, hi := x.Scores[0], x.Scores[len(x.Scores)-1]
	for _, b := range x.Bands {
		if s >= b.Lo && s <= b.Hi {
			switch {
			case b.Good:
				return "█", st.Good
			case b.Bad:
				return "░", st.Bad
			}
			return "▒", st.Warn
		}
	}
	if 2*s < lo+hi {
		return "░", st.Bad
	}
	return "▒", st.Warn
}

// scoreView draws a stacked bar of the score mix per segment and the
// total, the good band's share beside, the target's place on the scale
// above, and the row under the cursor in words below.
func (l *distLens) scoreView(c lensCtx, w, h int) []string {
	st, x := c.st, l.x
	muted := func(s string) string { return st.MutedText.Render(s) }
	var body []string
	// The key: each band's glyph and its scores.
	var key []string
	seen := map[string]bool{}
	for i := 0; i < len(x.Scores); {
		g, _ := scoreBand(c, x, x.Scores[i])
		j := i
		for j+1 < len(x.Scores) {
			if g2, _ := scoreBand(c, x, x.Scores[j+1]); g2 != g {
				break
			}
			j++
		}
		name := ""
		for _, b := range x.Bands {
			if b.Lo == x.Scores[i] && b.Hi == x.Scores[j] {
				name = b.Name + " "
			}
		}
		rng := fmt.Sprint(x.Scores[i])
		if j > i {
			rng = fmt.Sprintf("%d–%d", x.Scores[i], x.Scores[j])
		}
		if !seen[g+rng] {
			key = append(key, g+" "+name+rng)
			seen[g+rng] = true
		}
		i = j + 1
	}
	keyAt := len(body)
	body = append(body, "")

	good := -1
	for i, b := range x.Bands {
		if b.Good {
			good = i
		}
	}
	nps := len(x.Bands) == 3
	valHead := "NPS"
	if !nps && good >= 0 {
		valHead = x.Bands[good].Name
	}
	all := append(append([]kpi.DistRow(nil), x.Segments...), x.Total)
	nameW := 6
	for _, s := range all {
		nameW = max(nameW, pane.Width(l.name(s.Segment)))
	}
	nameW = min(nameW+1, 16)
	const nW = 7
	valW := max(pane.Width(valHead), 6) + 1
	barW := max(10, w-2-nameW-nW-1-valW)
	dimName := "segment"
	if x.Dim != "" {
		dimName = c.names[x.Dim]
	}
	head := fmt.Sprintf("  %-*s%*s %-*s%*s", nameW, dimName, nW, "n", barW, "", valW, valHead)
	// The target's place on the bar: the good band must reach past it.
	if x.Target != nil && !nps && good >= 0 {
		pos := int(math.Round((1 - x.Target.Value/100) * float64(barW)))
		if pos >= 0 && pos < barW {
			cells := []rune(strings.Repeat(" ", barW))
			tag := []rune("▼ target " + report.TargetText(x))
			left := []rune("target " + report.TargetText(x) + " ▼")
			switch {
			case pos+len(tag) <= barW:
				copy(cells[pos:], tag)
			case pos-len(left)+1 >= 0: // the tag on the ▼'s left
				copy(cells[pos-len(left)+1:], left)
			default:
				cells[pos] = '▼'
				key = append(key, "▼ target "+report.TargetText(x))
			}
			head = fmt.Sprintf("  %-*s%*s %s%*s", nameW, dimName, nW, "n", string(cells), valW, valHead)
		}
	}
	body = append(body, st.TableHead.Render(pane.Fit(head, w)))
	// The key, shorter until it fits: without the note, without the
	// bands' names, without the period.
	period := clean(x.PeriodName())
	bare := make([]string, len(key))
	for i, k := range key {
		f := strings.Fields(k)
		bare[i] = f[0] + " " + f[len(f)-1]
	}
	line := ""
	for _, alt := range []string{
		period + " · " + strings.Join(key, " · ") + " · 100% a bar",
		period + " · " + strings.Join(key, " · "),
		period + " · " + strings.Join(bare, "  "),
		strings.Join(bare, "  "),
	} {
		line = alt
		if pane.Width(alt) <= w {
			break
		}
	}
	body[keyAt] = pane.Fit(line, w)

	cur := l.at()
	idx := func(i int) int { // all's order is segments then total; the cursor's total first
		if i == len(all)-1 {
			return 0
		}
		return i + 1
	}
	room := h - len(body) - 3
	for i, s := range all {
		if i >= room-1 && i != len(all)-1 {
			continue // the total always shows
		}
		var bar strings.Builder
		if s.N > 0 {
			cum, at := 0.0, 0
			for k, sc := range x.Scores {
				cum += shareOf(s, k)
				end := int(math.Round(cum * float64(barW)))
				if end > at {
					g, col := scoreBand(c, x, sc)
					cell := strings.Repeat(g, end-at)
					if !c.plain {
						cell = lipgloss.NewStyle().Foreground(col).Render(cell)
					}
					bar.WriteString(cell)
					at = end
				}
			}
			bar.WriteString(strings.Repeat(" ", max(0, barW-at)))
		} else {
			bar.WriteString(pane.Fit(muted("no answers"), barW))
		}
		val := "—"
		if s.N > 0 {
			if nps {
				val = kpi.FormatFloat(100*(bandShareOf(x, s, x.Bands[2])-bandShareOf(x, s, x.Bands[0])), 0)
			} else if good >= 0 {
				val = bandPct(x, s, x.Bands[good])
			}
		}
		name := pane.Fit(l.name(s.Segment), nameW)
		if idx(i) == cur {
			name = st.Selected.Render(name)
		}
		mark := "  "
		if idx(i) == cur {
			mark = "› "
		}
		body = append(body, pane.Fit(mark+name+pane.FitRight(kpi.FormatFloat(float64(s.N), 0), nW)+" "+bar.String()+pane.FitRight(val, valW), w))
	}

	// The row under the cursor in words: each score's share (or count).
	r, cr := l.selected()
	body = append(body, "")
	var parts, short, bands, tight []string
	for k, sc := range x.Scores {
		parts = append(parts, fmt.Sprintf("%d: %s", sc, l.share(r, k)))
		short = append(short, fmt.Sprintf("%d:%s", sc, l.share(r, k)))
	}
	for _, b := range x.Bands {
		v := bandPct(x, r, b)
		bands = append(bands, b.Name+" "+v)
		tight = append(tight, strings.TrimPrefix(report.ScoreBandText(b), b.Name+" ")+":"+v)
	}
	name := st.Bold.Render(l.name(l.seg))
	line = name + " · " + strings.Join(parts, " · ")
	if r.Mean != nil {
		line += " · mean " + kpi.FormatFloat(*r.Mean, 2)
	}
	for _, alt := range []string{name + " " + strings.Join(short, " "), name + " · " + strings.Join(bands, " · "), name + " " + strings.Join(tight, " ")} {
		if pane.Width(line) > w {
			line = alt
		}
	}
	if r.N == 0 && !l.counts { // no shares to list: no value, not zero
		line = name + " · no answers in " + clean(x.PeriodName())
	}
	body = append(body, pane.Fit(line, w))
	if cr != nil && cr.N > 0 {
		var cp, cb []string
		for _, b := range x.Bands {
			v := bandPct(x, *cr, b)
			cp = append(cp, b.Name+" "+v)
			cb = append(cb, strings.TrimPrefix(report.ScoreBandText(b), b.Name+" ")+":"+v)
		}
		line := "vs " + clean(x.CompareName()) + ": " + strings.Join(cp, " · ") + " · n " + kpi.FormatFloat(float64(cr.N), 0)
		if pane.Width(line) > w {
			line = "vs " + shortPeriod(clean(x.CompareName())) + " " + strings.Join(cb, " ")
		}
		body = append(body, pane.Fit(muted(line), w))
	}
	return body
}
