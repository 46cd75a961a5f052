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
		return errorLines(st, d, err, w), -1
	}
	fade := func(s string) string {
		if d.Faint {
			return st.Faint.Render(s)
		}
		return s
	}
	row := d.Result.Total
	var top []string
	for _, l := range Flow(headline(st, d.Def, row, d.Result.Approx), "   ", w, 3) {
		top = append(top, fade(l))
	}
	if p := progress(st, d.Def, row, w); p != "" {
		top = append(top, fade(p))
	}
	if x := extras(d.Def, row, d.Result.ApproxExtras); x != "" {
		top = append(top, fade(st.MutedText.Render(x)))
	}
	if err := d.Result.ExtrasErr; err != nil {
		// The value stands; only the statistics beside it failed.
		lines := Wrap("! "+err.Error(), w)
		if len(lines) > 2 {
			lines = append(lines[:1], Fit(strings.Join(lines[1:], " "), w))
		}
		for _, l := range lines {
			top = append(top, fade(st.ErrText.Render(l)))
		}
	}
	if n := len(d.Warnings); n > 0 {
		top = append(top, st.WarnText.Render(fmt.Sprintf("! %s · %s to read", cmdline.Count(n, "data warning"), d.Keys.Warnings.Help().Key)))
	}
	if t, end := d.Result.Total, d.Result.DataEnd; t.Value == nil && !end.IsZero() && !t.Period.IsZero() && !end.After(t.Period) {
		// Its table stops before the period: say so rather than a bare "—".
		top = append(top, st.WarnText.Render("no data in this period: its data stops on "+end.Add(-time.Microsecond).Format("2 Jan 2006")))
	}

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
	rem := h - len(top) - 1
	var chart []string
	hasTrend := len(d.Result.Trend) > 1
	if room := rem - min(bdNeed, 8) - 1; hasTrend && room >= 6 {
		ch := min(room-1, 14)
		if bdNeed < 8 {
			ch = min(rem-bdNeed-2, 14)
		}
		first, last := d.Result.Trend[0].Period, d.Result.Trend[len(d.Result.Trend)-1].Period
		title := grainAdj(d.Grain) + " trend · "
		title += trendSpan(d.Grain, first, last, w-Width(title))
		chart = append(chart, st.TableHead.Render(title))
		for _, l := range Chart(st, d.Def, d.Result.Trend, row.Goal, d.Grain, w, ch) {
			chart = append(chart, fade(l))
		}
	} else if hasTrend && rem-bdNeed >= 1 {
		first, last := d.Result.Trend[0].Period, d.Result.Trend[len(d.Result.Trend)-1].Period
		sp := st.AccentTxt.Render(Sparkline(d.Result.Trend, 12)) + st.MutedText.Render("  "+trendSpan(d.Grain, first, last, w-14))
		top = append(top, fade(sp))
		rem--
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
	if about := aboutLines(st, d.Def, row, w); h-len(out) >= len(about)+1 {
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
func aboutLines(st style.Styles, d *kpi.Def, row kpi.Row, w int) []string {
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
	facts = append(facts, fmt.Sprintf("status uncertain below n %d", d.MinN()))
	switch {
	case strings.HasPrefix(d.Origin, "inferred from "): // no file holds it
		facts = append(facts, d.Origin)
	case d.Origin != "":
		facts = append(facts, "defined at "+d.Origin)
	}
	for _, l := range Flow(facts, " · ", w, 3) {
		out = append(out, st.MutedText.Render(l))
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
	return "Monthly"
}

func headline(st style.Styles, d *kpi.Def, row kpi.Row, approx bool) []string {
	val := st.Bold.Foreground(st.StatusColor(row.Status)).Render(ValueText(d, row.Value, approx))
	status := st.Status(row.Status).Render(row.Status.Symbol() + " " + row.Status.Word())
	if row.LowN {
		status += st.WarnText.Render(" ? low n")
	}
	chunks := []string{val + "  " + status}
	if row.Goal != nil {
		chunks = append(chunks, st.MutedText.Render("target ")+d.FormatTarget(row.Goal))
	}
	if row.Delta != nil {
		arrow, _ := d.DeltaParts(*row.Delta, true)
		changed := arrow != "="
		txt := Arrow(st, arrow, d.Improved(*row.Delta)) + " " + d.FormatDelta(*row.Delta)
		if !changed {
			txt = "= no change"
		}
		chunks = append(chunks, st.Delta(changed && d.Improved(*row.Delta), changed).Render(txt)+st.MutedText.Render(" vs "+row.CompareTo))
	} else if row.CompareTo != "" && row.CompareTo != "target" {
		// Name the period that lacks a value: the row's own (the header's),
		// or the comparison's when only that one is empty.
		if row.Value == nil && row.PeriodName != "" {
			chunks = append(chunks, st.MutedText.Render("no value in "+row.PeriodName))
		} else {
			chunks = append(chunks, st.MutedText.Render("nothing to compare with in "+row.CompareTo))
		}
	}
	if row.HasN {
		chunks = append(chunks, st.MutedText.Render("n "+kpi.FormatFloat(float64(row.N), 0)))
	}
	if row.Partial {
		chunks = append(chunks, st.WarnText.Render("partial: "+row.PeriodName))
	}
	return chunks
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

func extras(d *kpi.Def, row kpi.Row, approx bool) string {
	if len(row.Extras) == 0 {
		return ""
	}
	var parts []string
	for _, name := range d.ExtraNames() {
		v := row.Extras[name]
		if v == nil {
			continue
		}
		// Extras of a percentage KPI are on the answers' own scale (mean score).
		txt := kpi.FormatFloat(*v, 2)
		if d.Unit != "%" {
			txt = d.FormatNumber(*v, d.Decimals)
		}
		parts = append(parts, name+" "+txt)
	}
	if approx && len(parts) > 0 {
		// Quantiles from a rollup's sketch: within ±1% of the exact value.
		return "≈ " + strings.Join(parts, " · ")
	}
	return strings.Join(parts, " · ")
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

// trendSpan names a trend's periods in w cells: "Nov 2025 – Oct 2026", or
// "from Nov 2025" where that does not fit (the trend ends at the period shown).
func trendSpan(g kpi.Grain, first, last time.Time, w int) string {
	if s := PeriodName(g, first) + " – " + PeriodName(g, last); Width(s) <= w {
		return s
	}
	return "from " + PeriodName(g, first)
}
