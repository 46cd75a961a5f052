// Package report renders headless scorecards: plain text, CSV, JSON and
// Markdown. The styled terminal table lives in tui/printer; both take the
// same Lines so they always agree.
package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
)

// Line is one row of a report: a KPI's total or one of its segments.
type Line struct {
	KPI        string              `json:"kpi"`
	Name       string              `json:"name"`
	Segment    string              `json:"segment"` // "Total" for the pooled row
	Period     string              `json:"period"`
	Value      *float64            `json:"value"`
	Unit       string              `json:"unit,omitempty"`
	Target     *float64            `json:"target"`
	Warn       *float64            `json:"warn,omitempty"`
	Status     kpi.Status          `json:"status"`
	Delta      *float64            `json:"delta"`
	CompareTo  string              `json:"compare_to,omitempty"`
	Compare    *float64            `json:"compare_value,omitempty"`
	N          *int64              `json:"n"`
	LowN       bool                `json:"low_n"`
	Share      *float64            `json:"share,omitempty"`
	Components map[string]float64  `json:"components"`
	Extras     map[string]*float64 `json:"extras,omitempty"`
	// Approx marks a value (ApproxExtras: extras) answered from a rollup's
	// quantile sketch, within ±1% of the exact quantile.
	Approx       bool   `json:"approx,omitempty"`
	ApproxExtras bool   `json:"approx_extras,omitempty"`
	Error        string `json:"error,omitempty"`
	// ExtrasError says why extras are missing from a row that has its value
	// (the extra statistics failed on the data; the value did not).
	ExtrasError string `json:"extras_error,omitempty"`
	// SegmentsTruncated is set on a Total row: how many smaller segments
	// the breakdown left out (0 when none were).
	SegmentsTruncated *int `json:"segments_truncated,omitempty"`
	// CILow and CIHigh are the value's 95% interval (null where the KPI
	// has none: NoCI says why).
	CILow  *float64 `json:"ci_low"`
	CIHigh *float64 `json:"ci_high"`
	NoCI   string   `json:"no_ci,omitempty"`
	// DeltaCILow and DeltaCIHigh are the change's 95% interval against the
	// comparison period; Significant says whether it holds no zero (null
	// when the change was not tested: against a target, without interval).
	DeltaCILow  *float64 `json:"delta_ci_low"`
	DeltaCIHigh *float64 `json:"delta_ci_high"`
	Significant *bool    `json:"significant"`
	// Benchmark is the KPI's outside reference (kpiscope.yaml's benchmark:).
	Benchmark *BenchmarkJSON `json:"benchmark,omitempty"`
	// Pace and Forecast are on a Total row: the outlook of a partial
	// period and the trend's next periods.
	Pace     *PaceJSON     `json:"pace,omitempty"`
	Forecast *ForecastJSON `json:"forecast,omitempty"`

	def   *kpi.Def
	total bool
	// cols are the optional columns the table shows (any line has them).
	cols columns
	// vsTarget marks a delta against the target under a heading that names
	// a period (a KPI without dates beside dated ones): its cell says so.
	vsTarget bool
}

// ShowsExtras reports whether a --format prints the KPIs' extra statistics
// (median and p90 beside a mean resolution time, mean score beside CSAT):
// only json does. The others print the same without them, so they are
// computed with kpi.WithoutExtras: quantile_cont is the costliest aggregate.
func ShowsExtras(format string) bool { return format == "json" }

// ShowsTrend reports whether a --format prints the forecast the KPIs'
// trend feeds (json only). The others print the current period against
// its comparison, and the pacing of a partial one, which reads the whole
// comparison period when the trend holds it: Trend.
func ShowsTrend(format string) bool { return format == "json" }

// Trend is the trend to compute slice s with (at grain g, resolved) for
// format: s's own (0: the engine's twelve periods) where the format shows
// the forecast or s has a date window; else the current period back to its
// comparison when twelve periods hold it (the one before; a year ago at
// quarter and year grain), two otherwise: the same report, without a
// median over a year of rows (~50M values at 100M tickets).
func Trend(format string, s kpi.Slice, g kpi.Grain) int {
	if ShowsTrend(format) || s.Trend != 0 || !s.Window.IsZero() {
		return s.Trend
	}
	if s.Compare == kpi.VsYear && g.YearAgo() > 0 && g.YearAgo() < 12 {
		return g.YearAgo() + 1
	}
	return 2
}

// Text forms for tables.
func (l Line) valueText() string {
	if l.Error != "" {
		return "error"
	}
	if l.Approx && l.Value != nil {
		return "~" + l.def.FormatValue(l.Value)
	}
	return l.def.FormatValue(l.Value)
}

func (l Line) targetText() string {
	if l.Target == nil {
		return "—"
	}
	return l.def.FormatTarget(&kpi.Goal{Value: *l.Target, Warn: l.Warn})
}

// DeltaText renders the change with an arrow; good says whether the move is
// good for the KPI (for colouring), ok whether there is a change at all.
func (l Line) DeltaText() (text string, good bool, ok bool) {
	if l.Delta == nil {
		return "—", false, false
	}
	arrow, mag := l.def.DeltaParts(*l.Delta, true)
	if l.Approx && l.Value != nil && arrow != "=" {
		mag = "~" + mag // from the sketch, as the value
	}
	text = arrow + " " + mag
	if l.vsTarget {
		text += " vs target"
	}
	return text, arrow != "=" && l.def.Improved(*l.Delta), arrow != "="
}

// Cells returns a line's cells in Header order, cleaned of control
// characters for display.
func (l Line) Cells(withSegment bool) []string {
	n := "—"
	if l.N != nil {
		n = kpi.FormatFloat(float64(*l.N), 0)
		if l.LowN {
			n += " low"
		}
	}
	d, _, _ := l.DeltaText()
	name := l.Name
	cells := []string{l.Status.Symbol(), name}
	if withSegment {
		cells = append(cells, l.Segment)
	}
	cells = append(cells, l.valueText())
	if l.cols.ci {
		cells = append(cells, l.ciText())
	}
	cells = append(cells, l.targetText())
	if l.cols.bench {
		cells = append(cells, l.benchText())
	}
	if l.noiseMarked() {
		d = NoiseMark + " " + d
	}
	cells = append(cells, d, n)
	for i, c := range cells {
		cells[i] = Clean(c)
	}
	return cells
}

// Def is the KPI definition of the line.
func (l Line) Def() *kpi.Def { return l.def }

// IsTotal reports whether this is the pooled row.
func (l Line) IsTotal() bool { return l.total }

// Header returns the column titles.
func Header(sc *kpi.Scorecard) []string {
	h := []string{"", "KPI"}
	if sc.Slice.Segment != "" {
		h = append(h, Clean(sc.Slice.Segment))
	}
	c := columnsOf(sc)
	h = append(h, "Value")
	if c.ci {
		h = append(h, "95% CI")
	}
	h = append(h, "Target")
	if c.bench {
		h = append(h, "Benchmark")
	}
	return append(h, compareLabel(sc), "n")
}

// NumericCols is how many of Header's last columns hold numbers (aligned
// right): Value, Target, the change and n, and the optional 95% CI and
// Benchmark columns.
func NumericCols(sc *kpi.Scorecard) int {
	c := columnsOf(sc)
	n := 4
	if c.ci {
		n++
	}
	if c.bench {
		n++
	}
	return n
}

// Lines flattens a scorecard: per KPI, its segments (largest first) then the total.
func Lines(sc *kpi.Scorecard) []Line {
	period := PeriodLabel(sc)
	heading := sc.CompareName()
	cols := columnsOf(sc)
	var out []Line
	for _, r := range sc.Results {
		mk := func(row kpi.Row) Line {
			l := Line{KPI: r.Def.ID, Name: r.Def.Label(), Segment: row.Segment, Period: period, Value: row.Value,
				Unit: r.Def.Unit, Status: row.Status, Delta: row.Delta, CompareTo: row.CompareTo, LowN: row.LowN,
				Share: row.Share, Components: row.Components, Extras: row.Extras, def: r.Def, total: row.Total,
				Approx: r.Approx, ApproxExtras: r.ApproxExtras && len(row.Extras) > 0,
				vsTarget: row.CompareTo == "target" && heading != "target"}
			if !r.Def.HasTime() && r.Def.Type != kpi.Composite {
				l.Period = "all"
			}
			if row.Total {
				l.Segment = "Total"
				n := r.SegmentsTruncated
				l.SegmentsTruncated = &n
			}
			if row.Goal != nil {
				v := row.Goal.Value
				l.Target, l.Warn = &v, row.Goal.Warn
			}
			if row.HasN {
				n := row.N
				l.N = &n
			}
			if row.Compare != nil {
				l.Compare = row.Compare.Value
			}
			if l.Components == nil {
				l.Components = map[string]float64{}
			}
			if r.ExtrasErr != nil {
				l.ExtrasError = r.ExtrasErr.Error()
			}
			l.cols = cols
			l.addInsight(sc, r, row)
			return l
		}
		if r.Err != nil {
			l := mk(r.Total)
			l.Error = r.Err.Error()
			out = append(out, l)
			continue
		}
		for _, s := range r.Segments {
			out = append(out, mk(s))
		}
		out = append(out, mk(r.Total))
	}
	return out
}

// PeriodLabel is the period as text: 2026-10, 2026-Q3, all.
func PeriodLabel(sc *kpi.Scorecard) string {
	if sc.Slice.Grain == kpi.All || sc.Slice.Period.IsZero() {
		return "all"
	}
	return sc.Slice.Grain.Format(sc.Slice.Period)
}

// Title is a one-line description of the scorecard, cleaned of control
// characters (the label and filter values come from the data).
func Title(sc *kpi.Scorecard, label string) string {
	var b strings.Builder
	b.WriteString(label)
	b.WriteString(" · " + sc.PeriodTitle()) // the explorer's header's words
	fmt.Fprintf(&b, " · %s", compareLabel(sc))
	for _, f := range sc.Slice.Filters {
		b.WriteString(" · " + f.String())
	}
	return Clean(b.String())
}

func compareLabel(sc *kpi.Scorecard) string {
	if c := sc.CompareName(); c != "" {
		return "Δ vs " + c
	}
	return "Δ vs target"
}

// Plain writes an aligned text table (for pipes and NO_COLOR terminals);
// the annotations of its periods are listed under it.
func Plain(w io.Writer, sc *kpi.Scorecard, label string, annotations ...kpi.Annotation) error {
	lines := Lines(sc)
	seg := sc.Slice.Segment != ""
	rows := [][]string{Header(sc)}
	for _, l := range lines {
		rows = append(rows, l.Cells(seg))
	}
	fmt.Fprintln(w, Title(sc, label))
	fmt.Fprintln(w)
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	numeric := func(i int) bool { return i >= len(rows[0])-NumericCols(sc) }
	for ri, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if numeric(i) {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
			if i < len(r)-1 {
				b.WriteString("  ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if ri > 0 && seg && ri < len(lines) && lines[ri-1].total {
			fmt.Fprintln(w)
		}
	}
	return Footer(w, sc, lines, annotations...)
}

// Footer writes the legend and per-KPI errors below a table, then each
// benchmark's source, each partial period's pace and the annotations of the
// current and comparison periods.
func Footer(w io.Writer, sc *kpi.Scorecard, lines []Line, annotations ...kpi.Annotation) error {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "● on target  ◐ near  ○ off  · no value  ◦ no target  low: n below the minimum, status tentative")
	for _, l := range legend2(lines) {
		fmt.Fprintln(w, l)
	}
	for _, l := range lines {
		if l.Error != "" {
			fmt.Fprintf(w, "! %s: %s\n", Clean(l.Name), Clean(l.Error))
		}
	}
	for _, r := range sc.Results {
		if r.SegmentErr != nil {
			fmt.Fprintf(w, "! %s: %s\n", Clean(r.Def.Label()), Clean(r.SegmentErr.Error()))
		}
		if r.ExtrasErr != nil {
			fmt.Fprintf(w, "! %s: %s\n", Clean(r.Def.Label()), Clean(r.ExtrasErr.Error()))
		}
		if r.SegmentsTruncated > 0 {
			fmt.Fprintf(w, "! %s\n", leftOut(r))
		}
		if n := ownPeriod(sc, r); n != "" {
			fmt.Fprintf(w, "! %s: %s\n", Clean(r.Def.Label()), n)
		}
	}
	for _, n := range insightNotes(sc, annotations) {
		fmt.Fprintln(w, n)
	}
	return nil
}

// ownPeriod says which days a KPI's numbers cover when its table stops
// earlier in the period than the title's (each KPI's period is cut at its
// own table's last date), or that it has none when its table stops before
// the period starts; "" when they are the title's.
func ownPeriod(sc *kpi.Scorecard, r kpi.Result) string {
	s := sc.Slice
	if r.Err == nil && s.Grain != kpi.All && !s.Period.IsZero() && !r.DataEnd.IsZero() && !r.DataEnd.After(s.Period) {
		return fmt.Sprintf("no data in %s: its data stops on %s", kpi.PeriodLabel(s.Grain, s.Period, time.Time{}),
			r.DataEnd.Add(-time.Microsecond).Format("2 Jan 2006"))
	}
	if r.Err != nil || !r.Total.Partial || s.Grain == kpi.All || s.Period.IsZero() ||
		r.Total.PeriodName == kpi.PeriodLabel(s.Grain, s.Period, sc.PeriodEnd) {
		return ""
	}
	n := "its data stops earlier: " + r.Total.PeriodName
	if c := r.Total.CompareTo; c != "" && c != "target" {
		n += ", compared with " + c
	}
	return n
}

// leftOut says how many smaller segments a breakdown left out and how to
// see them.
func leftOut(r kpi.Result) string {
	return fmt.Sprintf("%s: %s not shown: --limit all", Clean(r.Def.Label()), cmdline.Count(r.SegmentsTruncated, "more segment"))
}

// ParseLimit reads --limit: a number of segments per breakdown (largest n
// kept) or "all"; "" is the engine's default cap. The result is a
// kpi.Slice's MaxSegments.
func ParseLimit(s string) (int, error) {
	switch t := strings.ToLower(strings.TrimSpace(s)); t {
	case "":
		return 0, nil
	case "all":
		return kpi.AllSegments, nil
	default:
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("--limit %q: use a number of segments per breakdown (e.g. --limit 20) or --limit all", s)
		}
		return n, nil
	}
}

// CSV writes one row per line. Values are written as they are in the data
// (quoted where needed), except that a cell a spreadsheet would run as a
// formula gets a leading ' (see SafeCell); segments_truncated is filled on
// Total rows only.
func CSV(w io.Writer, sc *kpi.Scorecard) error {
	lines := Lines(sc)
	cw := csv.NewWriter(w)
	compNames := map[string]bool{}
	for _, l := range lines {
		for k := range l.Components {
			compNames[l.KPI+"."+k] = true
		}
	}
	head := []string{"kpi", "name", "segment", "period", "value", "unit", "target", "status", "delta", "compare_to", "n", "low_n", "error", "segments_truncated",
		"ci_low", "ci_high", "no_ci", "delta_ci_low", "delta_ci_high", "significant", "benchmark", "benchmark_label", "benchmark_source", "pace_projected", "pace_needed"}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, l := range lines {
		n := ""
		if l.N != nil {
			n = strconv.FormatInt(*l.N, 10)
		}
		trunc := ""
		if l.SegmentsTruncated != nil {
			trunc = strconv.Itoa(*l.SegmentsTruncated)
		}
		rec := []string{l.KPI, l.Name, l.Segment, l.Period, num(l.Value), l.Unit, num(l.Target), string(l.Status), num(l.Delta), l.CompareTo, n, strconv.FormatBool(l.LowN), l.Error, trunc,
			num(l.CILow), num(l.CIHigh), l.NoCI, num(l.DeltaCILow), num(l.DeltaCIHigh), boolCell(l.Significant)}
		if b := l.Benchmark; b != nil {
			rec = append(rec, num(&b.Value), b.Label, b.Source)
		} else {
			rec = append(rec, "", "", "")
		}
		if p := l.Pace; p != nil {
			rec = append(rec, num(p.Projected), num(p.Needed))
		} else {
			rec = append(rec, "", "")
		}
		for i := range rec {
			rec[i] = SafeCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// boolCell is true, false or empty (not tested).
func boolCell(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

func num(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// jsonHead is what a JSON report says of its slice first: its title,
// period, grain, comparison, filters and breakdown.
type jsonHead struct {
	Title   string   `json:"title"`
	Period  string   `json:"period"`
	Grain   string   `json:"grain"`
	Compare string   `json:"compare"`
	Filters []string `json:"filters"`
	Segment string   `json:"segment,omitempty"`
	Window  string   `json:"window,omitempty"` // --since's form ("30d", "qtd")
}

func headOf(sc *kpi.Scorecard, label string) jsonHead {
	h := jsonHead{Title: label, Period: PeriodLabel(sc), Grain: sc.Slice.Grain.Name(), Compare: string(sc.Slice.Compare),
		Segment: sc.Slice.Segment, Filters: []string{}, Window: sc.Slice.Window.Arg()}
	for _, f := range sc.Slice.Filters {
		h.Filters = append(h.Filters, f.String())
	}
	return h
}

// JSON writes {"period":…, "rows":[…], "annotations":[…]}. Values are as in
// the data, with every control character escaped. A Total row has
// segments_truncated, and pace and forecast where the engine gave them;
// annotations are those of the trend's window (AnnotationsIn).
func JSON(w io.Writer, sc *kpi.Scorecard, label string, warnings []string, annotations ...kpi.Annotation) error {
	out := struct {
		jsonHead
		Partial bool   `json:"partial"`
		AsOf    string `json:"as_of,omitempty"`
		Rows    []Line `json:"rows"`
		// SegmentsLeftOut counts the segments the breakdowns left out
		// (each Total row has its KPI's count); --limit all keeps them.
		SegmentsLeftOut int      `json:"segments_left_out"`
		Warnings        []string `json:"warnings"`
		// Annotations are kpiscope.yaml's dated notes within the trend's
		// window: from its first period to the end of the current one.
		Annotations []AnnotationJSON `json:"annotations"`
	}{jsonHead: headOf(sc, label), Annotations: annotationsJSON(AnnotationsIn(sc, annotations)), Warnings: append([]string{}, warnings...),
		Partial: sc.Partial, Rows: Lines(sc)}
	if !sc.AsOf.IsZero() {
		out.AsOf = sc.AsOf.Format("2006-01-02T15:04:05Z")
	}
	for _, r := range sc.Results {
		out.SegmentsLeftOut += r.SegmentsTruncated
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := w.Write(escapeJSONControls(buf.Bytes()))
	return err
}

// escapeJSONControls writes DEL and the C1 controls, which encoding/json
// leaves raw, as \u escapes: the values stay as in the data and the output
// is safe to print on a terminal. Outside strings JSON text is ASCII, so
// every such character is inside a string.
func escapeJSONControls(b []byte) []byte {
	if bytes.IndexByte(b, 0x7f) < 0 && bytes.IndexByte(b, 0xc2) < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

// Markdown writes a GitHub-flavoured table, with the notes Footer writes
// under a text table as a list.
func Markdown(w io.Writer, sc *kpi.Scorecard, label string, annotations ...kpi.Annotation) error {
	lines := Lines(sc)
	seg := sc.Slice.Segment != ""
	fmt.Fprintf(w, "**%s**\n\n", Title(sc, label))
	head := Header(sc)
	head[0] = "Status"
	fmt.Fprintln(w, "| "+strings.Join(head, " | ")+" |")
	align := make([]string, len(head))
	for i := range align {
		align[i] = "---"
		if i >= len(head)-NumericCols(sc) {
			align[i] = "---:"
		}
	}
	fmt.Fprintln(w, "| "+strings.Join(align, " | ")+" |")
	for _, l := range lines {
		c := l.Cells(seg)
		c[0] = c[0] + " " + l.Status.Word()
		if l.total && seg {
			for i := 1; i < len(c); i++ {
				c[i] = "**" + c[i] + "**"
			}
		}
		for i := range c {
			c[i] = strings.ReplaceAll(c[i], "|", `\|`)
		}
		fmt.Fprintln(w, "| "+strings.Join(c, " | ")+" |")
	}
	var errs []string
	for _, l := range lines {
		if l.Error != "" {
			errs = append(errs, fmt.Sprintf("- %s: %s", Clean(l.Name), Clean(l.Error)))
		}
	}
	sort.Strings(errs)
	for _, r := range sc.Results {
		if r.SegmentsTruncated > 0 {
			errs = append(errs, "- "+strings.ReplaceAll(leftOut(r), "--limit all", "`--limit all`"))
		}
		if n := ownPeriod(sc, r); n != "" {
			errs = append(errs, "- "+Clean(r.Def.Label())+": "+n)
		}
	}
	for _, l := range legend2(lines) {
		errs = append(errs, "- "+l)
	}
	for _, n := range insightNotes(sc, annotations) {
		errs = append(errs, "- "+strings.ReplaceAll(n, "|", `\|`))
	}
	if len(errs) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Join(errs, "\n"))
	}
	return nil
}

// Worst returns the worst status among the totals (for --fail-on).
func Worst(sc *kpi.Scorecard) kpi.Status {
	worst := kpi.NoValue
	for _, r := range sc.Results {
		for _, row := range append([]kpi.Row{r.Total}, r.Segments...) {
			if row.Status.Rank() < worst.Rank() {
				worst = row.Status
			}
		}
	}
	return worst
}
