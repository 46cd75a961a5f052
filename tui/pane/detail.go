package pane

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
	"kpiscope/tui/keys"
	"kpiscope/tui/style"
)

// Detail is what the selected KPI's pane shows.
type Detail struct {
	Def    *kpi.Def
	Result *kpi.Result // total and trend; nil while the first numbers load
	Grain  kpi.Grain
	Faint  bool // the numbers are from the previous slice (loading)

	Breakdown Breakdown // Result nil when there is no table to show
	// BreakdownMsg replaces the table when set: no dimension chosen, loading,
	// or why the KPI cannot be broken down.
	BreakdownMsg string
	BreakdownErr bool // BreakdownMsg is an error

	// Annotations are the configured annotations (kpi.Engine.Annotations)
	// and Filters the slice's, which pick those the trend shows.
	Annotations []kpi.Annotation
	Filters     []kpi.Filter

	// ExtrasPending, when set, stands where the extras go while they are
	// still computed (the backlog's ages read the rows after its counts).
	ExtrasPending string
	// TrendPending, when set, says the trend stops short of its older
	// periods, still read from the rows while the rollups are built (or why
	// they could not be).
	TrendPending string

	Warnings  []string // data-quality notes for this KPI
	CanReload bool
	Keys      keys.Map // named in the hints
}

// RenderDetail draws the detail pane body in w × h cells. tableTop is the
// line of the breakdown's header row (for mouse hit-testing), -1 if none.
func RenderDetail(st style.Styles, d Detail, w, h int) (lines []string, tableTop int) {
	if d.Def == nil {
		return []string{st.MutedText.Render("no KPI selected")}, -1
	}
	if d.Result == nil {
		return []string{st.MutedText.Render("loading…")}, -1
	}
	if err := d.Result.Err; err != nil {
		if errors.Is(err, kpi.ErrNotSliceable) {
			return notSliceable(st, d, err, w), -1
		}
		if waiting(err) {
			return waitingLines(st, d, err, w), -1
		}
		return errorLines(st, d, err, w), -1
	}
	fade := func(s string) string {
		if d.Faint {
			return st.Faint.Render(s)
		}
		return s
	}
	row := d.Result.Total
	// The breakdown gets its rows first; the chart takes the space left,
	// else a sparkline stands in for it.
	var bd []string
	bdNeed := 1
	if d.BreakdownMsg != "" {
		bd = breakdownMsg(st, d, w)
		bdNeed = len(bd)
	} else if d.Breakdown.Result != nil {
		bdNeed = BreakdownHeight(d.Breakdown.Result)
	}

	var top, notes []string
	for _, l := range flowWrap(headline(st, d.Def, row, d.Result.Approx, w), "   ", w, 6) {
		top = append(top, fade(l))
	}
	for _, l := range paceLines(st, d.Def, row, d.Result.Pace, w) {
		top = append(top, fade(l))
	}
	if err := d.Result.ExtrasErr; err != nil {
		// The value stands; only the statistics beside it failed.
		lines := Wrap("! "+err.Error(), w)
		if len(lines) > 2 {
			lines = append(lines[:1], Fit(strings.Join(lines[1:], " "), w))
		}
		for _, l := range lines {
			notes = append(notes, fade(st.ErrText.Render(l)))
		}
	}
	if n := len(d.Warnings); n > 0 {
		for _, l := range flowWrap([]string{"! " + cmdline.Count(n, "data warning"), d.Keys.Warnings.Help().Key + " to read"}, " · ", w, 2) {
			notes = append(notes, st.WarnText.Render(l))
		}
	}
	if t, end := d.Result.Total, d.Result.DataEnd; t.Value == nil && !end.IsZero() && !t.Period.IsZero() && !end.After(t.Period) {
		// Its table stops before the period: say so rather than a bare "—".
		for _, l := range flowWrap([]string{"no data in this period:", "its data stops on " + keep(end.Add(-time.Microsecond).Format("2 Jan 2006"))}, " ", w, 2) {
			notes = append(notes, st.WarnText.Render(l))
		}
	}
	// The bar and the statistics show where they leave the breakdown its
	// header, two rows, total and position line (a wrapped headline can
	// take their place in a short pane).
	spare := h - 1 - min(bdNeed, 5) - len(top) - len(notes)
	if p := progress(st, d.Def, row, w); p != "" && spare >= 1 {
		top = append(top, fade(p))
		spare--
	}
	// Two lines of them, three where the pane has the room (a backlog's
	// ages in business days with its past-due count).
	if d.ExtrasPending != "" && len(row.Extras) == 0 && spare >= 1 {
		top = append(top, fade(st.MutedText.Render(Fit(d.ExtrasPending, w))))
		spare--
	} else if x := flowWrap(extras(d.Def, row, d.Result.ApproxExtras), " · ", w, max(2, min(3, spare-1))); len(x) <= spare {
		for _, l := range x {
			top = append(top, fade(st.MutedText.Render(l)))
		}
	}
	if d.TrendPending != "" && spare >= 2 {
		top = append(top, st.MutedText.Render(Fit(d.TrendPending, w)))
	}
	top = append(top, notes...)
	anns := TrendAnnotations(d.Annotations, d.Result.Trend, d.Grain, d.Filters)
	rem := h - len(top) - 1
	var chart []string
	hasTrend := len(d.Result.Trend) > 1
	if room := rem - min(bdNeed, 8) - 1; hasTrend && room >= 6 {
		ch := min(room-1, 14)
		if bdNeed < 8 {
			ch = min(rem-bdNeed-2, 14)
		}
		first, last := d.Result.Trend[0].Period, d.Result.Trend[len(d.Result.Trend)-1].Period
		// The annotations' key takes lines from the chart while its plot
		// keeps three rows; the chart marks those the key lists.
		keyN := max(0, min(len(anns), ch-5, 5))
		chart = append(chart, st.TableHead.Render(chartTitle(d, first, last, ch-keyN >= chartCaptionH, w)))
		anns = anns[len(anns)-keyN:] // the latest: nearest the period shown
		for _, l := range ChartWith(st, d.Def, d.Result.Trend, row.Goal, d.Grain, w, ch-keyN,
			ChartExtras{Forecast: d.Result.Forecast, Benchmark: d.Def.Benchmark, Annotations: anns}) {
			chart = append(chart, fade(l))
		}
		chart = append(chart, annotationKey(st, anns, w)...)
	} else if hasTrend && rem-bdNeed >= 1 {
		top = append(top, fade(sparkLine(st, d.Grain, d.Result.Trend, w)))
		rem--
		// Without a chart to mark, the annotations are listed under the
		// sparkline where the breakdown keeps all its lines.
		n := min(len(anns), max(0, h-len(top)-1-bdNeed))
		for _, a := range anns[len(anns)-n:] { // the latest: nearest the period shown
			top = append(top, st.MutedText.Render(Fit(AnnotationDates(a)+" · "+a.Label, w)))
		}
	}
	out := append(top, "")
	if len(chart) > 0 {
		out = append(out, chart...)
		out = append(out, "")
	}
	left := h - len(out)
	tableTop = -1
	if d.BreakdownMsg == "" && d.Breakdown.Result != nil && left > 1 {
		bd = RenderBreakdown(st, d.Breakdown, w, left)
		tableTop = len(out)
	}
	out = append(out, bd...)
	if about := aboutLines(st, d.Def, row, d.Result.Pace, w); h-len(out) >= len(about)+1 {
		out = append(out, make([]string, h-len(out)-len(about))...)
		out = append(out, about...)
	}
	if len(out) > h {
		out = out[:h]
	}
	return out, tableTop
}

// aboutLines say what the KPI counts and how it is judged, at the foot of
// the pane when there is room.
func aboutLines(st style.Styles, d *kpi.Def, row kpi.Row, pace *kpi.Pace, w int) []string {
	var out []string
	for _, l := range Wrap(d.Description, w) {
		out = append(out, st.MutedText.Render(l))
	}
	var facts []string
	if g := row.Goal; g != nil {
		t := "target " + d.FormatTarget(g)
		if g.Warn != nil {
			dec := d.Decimals
			if *g.Warn == float64(int64(*g.Warn)) {
				dec = 0
			}
			t += ", near target to " + d.FormatNumber(*g.Warn, dec)
		}
		facts = append(facts, t)
	}
	if d.MinN() > 1 { // a count (the backlog) is not a sample: no tentative status
		facts = append(facts, fmt.Sprintf("status tentative below n %d", d.MinN()))
	}
	switch {
	case strings.HasPrefix(d.Origin, "inferred from "): // no file holds it
		facts = append(facts, d.Origin)
	case d.Origin != "":
		facts = append(facts, "defined at "+d.Origin)
	}
	for _, l := range flowWrap(facts, " · ", w, 4) {
		out = append(out, st.MutedText.Render(l))
	}
	// How the pace's projection was made, where it fits whole.
	if p := pace; p != nil && p.Projected != nil && p.Method != "" {
		if lines := Wrap("projected: "+p.Method, w); len(lines) <= 3 {
			for _, l := range lines {
				out = append(out, st.MutedText.Render(l))
			}
		}
	}
	return out
}

func grainAdj(g kpi.Grain) string {
	switch g {
	case kpi.Day:
		return "Daily"
	case kpi.Week:
		return "Weekly"
	case kpi.Quarter:
		return "Quarterly"
	case kpi.Year:
		return "Yearly"
	}
	if g.IsWindow() { // "30-day windows" → "30-day"
		return strings.TrimSuffix(g.Name(), " windows")
	}
	return "Monthly"
}

// headline lists the items beside the value, for a pane w cells wide: a
// period's name stays whole, and "partial" names only where its period ends
// when the whole name does not fit beside it.
func headline(st style.Styles, d *kpi.Def, row kpi.Row, approx bool, w int) []string {
	val := st.Bold.Foreground(st.StatusColor(row.Status)).Render(ValueText(d, row.Value, approx))
	// A status word and "? low n" stay whole: the line wraps between them.
	status := st.Status(row.Status).Render(keep(row.Status.Symbol() + " " + row.Status.Word()))
	if row.LowN {
		status += " " + st.WarnText.Render(keep("? low n"))
	}
	chunks := []string{val + "  " + status}
	switch {
	case row.CI != nil && row.Value != nil:
		// The interval goes with the value; the status wraps after it.
		chunks = []string{val + " " + st.MutedText.Render(keep("("+IntervalText(d, *row.CI)+")")), status}
	case row.NoCI != "" && row.Value != nil:
		chunks = append(chunks, st.Quiet.Render(row.NoCI))
	}
	if row.Goal != nil {
		chunks = append(chunks, st.MutedText.Render("target ")+d.FormatTarget(row.Goal))
	}
	change := ""
	if row.Delta != nil {
		arrow, _ := d.DeltaParts(*row.Delta, true)
		changed := arrow != "="
		txt := Arrow(st, arrow, d.Improved(*row.Delta)) + " " + d.FormatDelta(*row.Delta)
		if approx && row.Value != nil { // from the sketch, as the value
			txt = Arrow(st, arrow, d.Improved(*row.Delta)) + " ~" + d.FormatDelta(*row.Delta)
		}
		if !changed {
			txt = "= no change"
		}
		dst := st.Delta(changed && d.Improved(*row.Delta), changed)
		if noiseMarked(d, row) {
			txt, dst = style.NoiseMark+txt, st.Quiet
		}
		chunks = append(chunks, dst.Render(keep(txt))+st.MutedText.Render(" vs"+nbsp+keepPeriod(row.CompareTo)))
		// The sentence where two lines hold it, else its short form.
		if change = ChangeText(d, row); w < 50 {
			change = ShortChangeText(d, row)
		}
	} else if row.CompareTo != "" && row.CompareTo != "target" {
		// Name the period that lacks a value: the row's own (the header's),
		// or the comparison's when only that one is empty.
		if row.Value == nil && row.PeriodName != "" {
			chunks = append(chunks, st.MutedText.Render("no value in "+keepPeriod(row.PeriodName)))
		} else {
			chunks = append(chunks, st.MutedText.Render("nothing to compare with in "+keepPeriod(row.CompareTo)))
		}
	}
	named := strings.Contains(change, " at n ")
	if row.HasN && !named {
		chunks = append(chunks, st.MutedText.Render("n "+kpi.FormatFloat(float64(row.N), 0)))
	}
	if named {
		// It names n: "within noise at n 1,929: 95% interval of the change …".
		chunks = append(chunks, st.MutedText.Render(strings.Replace(change, " n ", " n"+nbsp, 1)))
	} else if change != "" {
		chunks = append(chunks, st.MutedText.Render(change))
	}
	if row.Partial {
		txt := "partial: " + row.PeriodName
		if i := strings.Index(row.PeriodName, " ("); i > 0 && Width(txt) > w {
			txt = "partial" + row.PeriodName[i:] // "partial (to 31 Oct)": the header names the period
		}
		chunks = append(chunks, st.WarnText.Render(keepPeriod(txt)))
	}
	if b := d.Benchmark; b != nil {
		// Last: a narrow pane's headline gives it up before the change.
		txt := st.MutedText.Render(keep(BenchmarkValue(d, b)))
		if b.Source != "" && w >= 50 {
			txt += st.Quiet.Render(" — " + b.Source)
		}
		chunks = append(chunks, txt)
	}
	return chunks
}

// paceLines are a partial period's outlook (PaceTexts) in at most four
// lines of w cells: where the whole does not fit, what the rest needs (the
// projection is its first item).
func paceLines(st style.Styles, d *kpi.Def, row kpi.Row, p *kpi.Pace, w int) []string {
	const most = 4
	texts := PaceTexts(d, row.Goal, p)
	lines := flowWrap(paceChunks(st, p, texts), "   ", w, most+1)
	if len(lines) > most && len(texts) > 1 {
		if i := strings.Index(texts[0], ": "); i > 0 && strings.HasSuffix(texts[0][:i], "in") {
			texts[1] = texts[0][:i+2] + texts[1] // keep "31% in: "
		}
		lines = flowWrap(paceChunks(st, p, texts[1:]), "   ", w, most+1)
	}
	if len(lines) > most {
		lines = lines[:most]
	}
	return lines
}

// paceChunks style PaceTexts, the first led by "pace".
func paceChunks(st style.Styles, p *kpi.Pace, texts []string) []string {
	var out []string
	for i, t := range texts {
		s := st.Text
		if p.Needed != nil && !p.Reachable && i == len(texts)-1 {
			s = st.WarnText
		}
		// The value it needs stays whole: "need NPS 55", "82.9% top-2-box".
		if j := strings.LastIndex(t, " need "); j >= 0 && Width(t[j:]) <= 24 {
			t = t[:j] + " need " + keep(t[j+6:])
		}
		lead := ""
		if i == 0 {
			lead = st.AccentTxt.Render("pace ")
		}
		out = append(out, lead+s.Render(t))
	}
	return out
}

// annotationKey lists the annotations the chart marks, one a line: its
// mark, its days and its label ("1 10–14 Mar 2026 March incident").
func annotationKey(st style.Styles, anns []kpi.Annotation, w int) []string {
	var out []string
	for i, a := range anns {
		out = append(out, st.Mark.Render(MarkOf(i))+" "+st.MutedText.Render(Fit(AnnotationDates(a)+" · "+a.Label, w-2)))
	}
	return out
}

// progress draws a bar of the value on a scale that holds the value and the
// target, with the target marked, and how far the value is towards it.
func progress(st style.Styles, d *kpi.Def, row kpi.Row, w int) string {
	if row.Goal == nil || row.Value == nil || row.Goal.Value <= 0 {
		return ""
	}
	v, t := *row.Value, row.Goal.Value
	pct := 100 * v / t
	label := fmt.Sprintf(" %.0f%% of target", pct)
	if d.Better == kpi.Lower {
		label = fmt.Sprintf(" %.0f%% of the limit", pct)
	}
	barW := min(w-Width(label), 60)
	if barW < 8 {
		return ""
	}
	scale := math.Max(v, t) * 1.1
	fill := int(math.Round(math.Max(0, v) / scale * float64(barW)))
	mark := min(barW-1, int(math.Round(t/scale*float64(barW))))
	var b strings.Builder
	fillSt := st.Status(row.Status)
	for i := 0; i < barW; i++ {
		switch {
		case i == mark:
			b.WriteString(st.Target.Render("│"))
		case i < fill:
			b.WriteString(fillSt.Render("█"))
		default:
			b.WriteString(st.Bar.Render("░"))
		}
	}
	return b.String() + st.MutedText.Render(label)
}

// extras are the statistics beside the value, one item each.
func extras(d *kpi.Def, row kpi.Row, approx bool) []string {
	if len(row.Extras) == 0 {
		return nil
	}
	var parts []string
	inRun := false
	for _, name := range d.ExtraNames() {
		v := row.Extras[name]
		if v == nil {
			continue
		}
		// Extras of a percentage KPI are on the answers' own scale (mean score).
		txt := kpi.FormatFloat(*v, 2)
		switch {
		case isCount(d.Extras[name]):
			// a count of tickets (breached, past due, ages' buckets) is whole
			txt = kpi.FormatFloat(*v, 0)
		case d.Unit != "%":
			txt = d.FormatNumber(*v, d.Decimals)
		}
		// A run of age buckets names the word once: "age 0-1d 5 · 1-3d 2 · 7d+ 1".
		label, bucket := name, strings.HasPrefix(name, "age ")
		if bucket && inRun {
			label = strings.TrimPrefix(name, "age ")
		}
		inRun = bucket
		parts = append(parts, label+" "+txt)
	}
	if approx && len(parts) > 0 {
		// Quantiles from a rollup's sketch: within ±1% of the exact value.
		parts[0] = "~ " + parts[0]
	}
	return parts
}

// isCount reports whether an extra's SQL is a plain count of rows.
func isCount(expr string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(expr)), "count(")
}

func breakdownMsg(st style.Styles, d Detail, w int) []string {
	s := st.MutedText
	if d.BreakdownErr {
		s = st.ErrText
	}
	var out []string
	// The message may hold the spinner's styling: the caller cleans the
	// names and errors it puts in.
	for _, l := range Wrap(d.BreakdownMsg, w) {
		out = append(out, s.Render(l))
	}
	return out
}

func errorLines(st style.Styles, d Detail, err error, w int) []string {
	out := []string{st.ErrText.Bold(true).Render("! " + d.Def.Label() + " could not be computed"), ""}
	for _, l := range Wrap(err.Error(), w) {
		out = append(out, st.ErrText.Render(l))
	}
	out = append(out, "")
	hint := "Fix the definition or the data, then restart kpiscope."
	if d.CanReload {
		hint = "Fix the definition or the data, then press " + d.Keys.Reload.Help().Key + " to reload."
	}
	for _, l := range Wrap(hint, w) {
		out = append(out, st.MutedText.Render(l))
	}
	return out
}

// Reason trims an engine message to the part a person needs: without the
// given prefix and the sentinel "not sliceable: ".
func Reason(msg, prefix string) string {
	msg = strings.TrimPrefix(msg, prefix)
	if i := strings.Index(msg, kpi.ErrNotSliceable.Error()+": "); i >= 0 {
		msg = msg[:i] + msg[i+len(kpi.ErrNotSliceable.Error())+2:]
	}
	return strings.TrimSuffix(msg, ".")
}

// notSliceable explains that a filter does not reach this KPI's table.
func notSliceable(st style.Styles, d Detail, err error, w int) []string {
	var out []string
	for _, l := range Wrap(d.Def.Label()+" cannot be sliced this way: "+Reason(err.Error(), "")+".", w) {
		out = append(out, st.MutedText.Render(l))
	}
	out = append(out, "")
	hint := "Press " + d.Keys.StepOut.Help().Key + " to step out of the last filter, or " + d.Keys.ClearAll.Help().Key + " to clear filters."
	for _, l := range Wrap(hint, w) {
		out = append(out, st.MutedText.Render(l))
	}
	return out
}

// nbsp joins words that a line must not be broken between; flowWrap turns
// it back into a space.
const nbsp = "\u00a0"

// keep makes s unbreakable: a status, "? low n", a date.
func keep(s string) string { return strings.ReplaceAll(s, " ", nbsp) }

// keepPeriod makes a period's name unbreakable but before its "(…)": "week
// of 22 Mar 2021 (to 24 Mar)" may wrap before "(to 24 Mar)", nowhere else.
func keepPeriod(s string) string {
	parts := strings.Split(s, " (")
	for i, p := range parts {
		parts[i] = keep(p)
	}
	return strings.Join(parts, " (")
}

// flowWrap is Flow for items that may be wider than w on their own: such
// an item wraps at its spaces (not at those keep made), so no line is cut.
// It shows at most maxLines lines.
func flowWrap(chunks []string, sep string, w, maxLines int) []string {
	lines := flow(chunks, sep, w, maxLines, true)
	for i, l := range lines {
		lines[i] = strings.ReplaceAll(l, nbsp, " ")
	}
	return lines
}

// sparkLine draws up to 12 periods of the trend and names those it shows,
// drawing fewer (down to 6) where the name would not fit beside them, and
// none where it still would not.
func sparkLine(st style.Styles, g kpi.Grain, trend []kpi.Point, w int) string {
	last := trend[len(trend)-1].Period
	for n := min(12, len(trend)); n >= min(6, len(trend)); n-- {
		room := w - n - 2
		if span := trendSpan(g, trend[len(trend)-n].Period, last, room); Width(span) <= room {
			return st.AccentTxt.Render(Sparkline(trend, n)) + st.MutedText.Render("  "+span)
		}
	}
	return st.AccentTxt.Render(Sparkline(trend, min(12, w)))
}

// chartTitle is the trend chart's title: its grain and periods, and, as its
// axis runs to the forecast's end, "+ forecast to Jan 2027" (or shorter).
// Without the chart's caption (a short chart) it names the forecast's
// method there: "Trend · Nov 2025 – Oct 2026 + SES forecast".
func chartTitle(d Detail, first, last time.Time, caption bool, w int) string {
	title := grainAdj(d.Grain) + " trend · "
	span := trendSpan(d.Grain, first, last, w-Width(title))
	if Width(title+span) > w { // the grain is in the header: "Trend · from 19 Dec 2019"
		return "Trend · " + trendSpan(d.Grain, first, last, w-8)
	}
	f := d.Result.Forecast
	if f == nil || len(f.Points) == 0 {
		return title + span
	}
	to := " to " + PeriodName(d.Grain, f.Points[len(f.Points)-1].Period)
	what := " + forecast"
	if !caption && f.Method != "" {
		what = " + " + ShortMethod(f.Method) + " forecast"
	}
	for _, t := range []string{title + span + what + to, title + span + what, "Trend · " + span + what + to, "Trend · " + span + what} {
		if Width(t) <= w {
			return t
		}
	}
	return title + span
}

// trendSpan names a trend's periods in w cells: "Nov 2025 – Oct 2026", or
// "from Nov 2025" where that does not fit (the trend ends at the period shown).
func trendSpan(g kpi.Grain, first, last time.Time, w int) string {
	if g.IsWindow() { // the first window's first day to the last one's last
		if s := PeriodName(g, first) + " – " + g.Add(last, 1).AddDate(0, 0, -1).Format("2 Jan 2006"); Width(s) <= w {
			return s
		}
	}
	if s := PeriodName(g, first) + " – " + PeriodName(g, last); Width(s) <= w {
		return s
	}
	return "from " + PeriodName(g, first)
}

// waitingLines is the detail of a KPI waiting for its table to be made
// (kpi.WaitingError): what it waits for and how far that is, and that the
// other KPIs work meanwhile.
func waitingLines(st style.Styles, d Detail, err error, w int) []string {
	var out []string
	for _, l := range Wrap(d.Def.Label()+": "+err.Error()+".", w) {
		out = append(out, st.MutedText.Render(l))
	}
	out = append(out, "")
	for _, l := range Wrap("Its numbers come once that is done, on their own. The KPIs of the other tables can be sliced meanwhile.", w) {
		out = append(out, st.MutedText.Render(l))
	}
	return out
}
