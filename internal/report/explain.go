package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
)

// Explanation is one KPI's change split by segment (report --explain): the
// decomposition of one breakdown (Dim set), or the top movers across every
// dimension (Movers: each row names its dimension); Err says why the change
// cannot be split, and the KPI is then a footnote.
type Explanation struct {
	Def    *kpi.Def
	Dim    string // the breakdown's dimension; "" for the top movers
	Movers bool
	// Value and CompareValue are the headline's now and in the comparison
	// period; Delta their difference, which the rows' contributions add up
	// to (a breakdown's; the top movers are only the largest parts).
	Value, CompareValue *float64
	CompareTo           string
	Delta               float64
	Rows                []kpi.Contribution
	Err                 error
	// LeftOut is how many segments a capped breakdown pooled in its Other row.
	LeftOut int
}

// Explain splits each KPI of a breakdown scorecard (Slice.Segment set) over
// its segments. A KPI whose change cannot be split gets its reason, in the
// report's words: "use --compare previous" where the explorer would say c.
func Explain(sc *kpi.Scorecard) []Explanation {
	out := make([]Explanation, 0, len(sc.Results))
	for i := range sc.Results {
		r := &sc.Results[i]
		x := Headline(r)
		x.Dim, x.LeftOut = sc.Slice.Segment, r.SegmentsTruncated
		dec, err := kpi.Decompose(r)
		if err != nil {
			x.Err = ReportReason(err)
		} else {
			x.Delta, x.Rows = dec.Delta, dec.Rows
		}
		out = append(out, x)
	}
	return out
}

// Cap keeps, for each breakdown's explanation, the n segments with the
// largest |contribution| (n < 0: all) and pools the rest, and any Other row
// already there, into one Other row: its shares are the pooled segments'
// summed, its values the pooled ratio in each period (Σ share × value /
// Σ share, which is Σnum / Σden), its mix, rate and contribution their sums.
// The sum line therefore keeps the uncapped split's mix and rate: give Cap
// an uncapped breakdown's explanations (Slice.MaxSegments = AllSegments).
// LeftOut counts the pooled segments.
func Cap(xs []Explanation, n int) {
	for i := range xs {
		x := &xs[i]
		if x.Err != nil || x.Movers || n < 0 {
			continue
		}
		var kept, pooled []kpi.Contribution
		leftOut := x.LeftOut
		for _, c := range x.Rows {
			switch {
			case c.Other:
				pooled = append(pooled, c)
			case len(kept) < n:
				kept = append(kept, c)
			default:
				pooled = append(pooled, c)
				leftOut++
			}
		}
		if len(pooled) == 0 {
			continue
		}
		o := kpi.Contribution{Segment: "Other", Other: true}
		var wr0, wr1 float64
		for _, c := range pooled {
			o.Mix, o.Rate, o.Contribution = o.Mix+c.Mix, o.Rate+c.Rate, o.Contribution+c.Contribution
			o.Share, o.CompareShare = o.Share+c.Share, o.CompareShare+c.CompareShare
			if c.Value != nil {
				wr1 += c.Share * *c.Value
			}
			if c.CompareValue != nil {
				wr0 += c.CompareShare * *c.CompareValue
			}
		}
		if o.Share > 0 {
			v := wr1 / o.Share
			o.Value = &v
		}
		if o.CompareShare > 0 {
			v := wr0 / o.CompareShare
			o.CompareValue = &v
		}
		x.Rows, x.LeftOut = append(kept, o), leftOut
	}
}

// Headline is a KPI's explanation without rows: its values now and before.
func Headline(r *kpi.Result) Explanation {
	x := Explanation{Def: r.Def, Value: r.Total.Value, CompareTo: r.Total.CompareTo}
	if r.Total.Compare != nil {
		x.CompareValue = r.Total.Compare.Value
	}
	if r.Total.Delta != nil {
		x.Delta = *r.Total.Delta
	}
	return x
}

// ReportReason rewords why a change cannot be split for the command line:
// against the target, the flag that compares with a period.
func ReportReason(err error) error {
	if errors.Is(err, kpi.ErrNoComparison) {
		return &reworded{msg: "compared with the target, not with a period: use --compare previous or --compare year to split its change", err: err}
	}
	return err
}

// reworded is an error with the command line's words (errors.Is still
// sees the original).
type reworded struct {
	msg string
	err error
}

func (e *reworded) Error() string { return e.msg }
func (e *reworded) Unwrap() error { return e.err }

// contributionCells renders a row's cells after the KPI (and, for the top
// movers, the dimension): segment, value now and before, shares, mix, rate,
// contribution.
func contributionCells(d *kpi.Def, c kpi.Contribution, leftOut int) []string {
	seg := c.Segment
	switch {
	case c.Other && leftOut > 0:
		seg = "(" + cmdline.Count(leftOut, "other segment") + ")"
	case c.Other:
		seg = "(other segments)"
	case c.Appeared:
		seg += " (new)"
	case c.Vanished:
		seg += " (gone)"
	}
	return []string{seg, Minus(d.FormatValue(c.CompareValue)), Minus(d.FormatValue(c.Value)), share(c.CompareShare), share(c.Share),
		kpi.FormatContribution(d, c.Mix), kpi.FormatContribution(d, c.Rate), kpi.FormatContribution(d, c.Contribution)}
}

func share(v float64) string { return kpi.FormatFloat(100*v, 1) + "%" }

// sumCells is a breakdown's sum line: the totals, and mix, rate and
// contribution summed, the last equal to the headline Δ.
func sumCells(x Explanation) []string {
	var mix, rate float64
	for _, c := range x.Rows {
		mix, rate = mix+c.Mix, rate+c.Rate
	}
	return []string{"Total", Minus(x.Def.FormatValue(x.CompareValue)), Minus(x.Def.FormatValue(x.Value)), "100.0%", "100.0%",
		kpi.FormatContribution(x.Def, mix), kpi.FormatContribution(x.Def, rate), x.Def.FormatDelta(x.Delta)}
}

// explainHeader is the table's column titles.
func explainHeader(sc *kpi.Scorecard, movers bool) []string {
	h := []string{"KPI"}
	if movers {
		h = append(h, "Dimension", "Segment")
	} else {
		h = append(h, Clean(sc.Slice.Segment))
	}
	return append(h, Clean(sc.CompareName()), "Now", "Share before", "Share now", "Mix", "Rate", "Contribution")
}

// explainTable is the rows of the table, KPI by KPI, with a sum line after
// each breakdown; the index of each KPI's last row, for spacing.
func explainTable(sc *kpi.Scorecard, xs []Explanation, movers bool) (rows [][]string, total []bool) {
	for _, x := range xs {
		if x.Err != nil {
			continue
		}
		for _, c := range x.Rows {
			r := []string{x.Def.Label()}
			if movers {
				r = append(r, c.Dim)
			}
			rows = append(rows, append(r, contributionCells(x.Def, c, x.LeftOut)...))
			total = append(total, false)
		}
		r := []string{x.Def.Label()}
		if movers {
			last := append(r, "", "Total")
			s := sumCells(x)
			// the movers are the largest parts, not all of them: the
			// headline only, no sums
			last = append(last, s[1], s[2], "", "", "", "", s[7])
			rows = append(rows, last)
		} else {
			rows = append(rows, append(r, sumCells(x)...))
		}
		total = append(total, true)
	}
	for _, r := range rows {
		for i := range r {
			r[i] = Clean(r[i])
		}
	}
	return rows, total
}

// explainTitle is the scorecard's title with what the table explains.
func explainTitle(sc *kpi.Scorecard, label string, movers bool) string {
	what := "why it moved, by " + sc.Slice.Segment
	if movers {
		what = "why it moved: top movers across every dimension"
	}
	return Title(sc, label) + " · " + Clean(what)
}

// ExplainPlain writes report --explain as an aligned text table: per
// segment the value before and now, the shares of the denominator before
// and now, mix, rate and contribution, and per KPI a sum line whose
// contribution is the headline Δ (for the top movers, the headline only,
// with the movers in one line each above the table). KPIs whose change
// cannot be split are listed below with the reason.
func ExplainPlain(w io.Writer, sc *kpi.Scorecard, label string, xs []Explanation, movers bool) error {
	fmt.Fprintln(w, explainTitle(sc, label, movers))
	fmt.Fprintln(w)
	if movers {
		printed := false
		for _, x := range xs {
			if x.Err == nil && len(x.Rows) > 0 {
				fmt.Fprintln(w, Clean(kpi.MoversLine(x.Def, x.Delta, x.Rows)))
				printed = true
			}
		}
		if printed {
			fmt.Fprintln(w)
		}
	}
	body, total := explainTable(sc, xs, movers)
	if len(body) > 0 {
		head := explainHeader(sc, movers)
		rows := append([][]string{head}, body...)
		widths := make([]int, len(head))
		for _, r := range rows {
			for i, c := range r {
				widths[i] = max(widths[i], utf8.RuneCountInString(c))
			}
		}
		firstNum := len(head) - 7
		for ri, r := range rows {
			var b strings.Builder
			for i, c := range r {
				pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
				if i >= firstNum {
					b.WriteString(pad + c)
				} else {
					b.WriteString(c + pad)
				}
				if i < len(r)-1 {
					b.WriteString("  ")
				}
			}
			fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
			if ri > 0 && total[ri-1] && ri < len(rows)-1 {
				fmt.Fprintln(w)
			}
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, explainLegend(movers))
	}
	for _, x := range xs {
		if x.Err != nil {
			fmt.Fprintf(w, "! %s: %s\n", Clean(x.Def.Label()), Clean(OneLine(x.Err)))
		}
	}
	return nil
}

// explainLegend says what the columns mean.
func explainLegend(movers bool) string {
	s := "mix: the segment's share changed · rate: its own value changed · contribution = mix + rate"
	if movers {
		return s + "; each dimension's contributions add up to Δ"
	}
	return s + ", summed to Δ"
}

// ExplainCSV writes one row per segment and a Total row per KPI (its
// contribution the headline Δ); a KPI that cannot be split is one row with
// its reason in error. Cells a spreadsheet would run are neutralised.
func ExplainCSV(w io.Writer, sc *kpi.Scorecard, xs []Explanation) error {
	cw := csv.NewWriter(w)
	head := []string{"kpi", "name", "dimension", "segment", "compare_to", "compare_value", "value", "compare_share", "share",
		"mix", "rate", "contribution", "appeared", "vanished", "other", "unit", "error"}
	if err := cw.Write(head); err != nil {
		return err
	}
	write := func(rec []string) error {
		for i := range rec {
			rec[i] = SafeCell(rec[i])
		}
		return cw.Write(rec)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, x := range xs {
		if x.Err != nil {
			if err := write([]string{x.Def.ID, x.Def.Label(), x.Dim, "", x.CompareTo, num(x.CompareValue), num(x.Value), "", "", "", "", "", "", "", "", x.Def.Unit, OneLine(x.Err)}); err != nil {
				return err
			}
			continue
		}
		var mix, rate float64
		for _, c := range x.Rows {
			mix, rate = mix+c.Mix, rate+c.Rate
			dim := x.Dim
			if c.Dim != "" {
				dim = c.Dim
			}
			if err := write([]string{x.Def.ID, x.Def.Label(), dim, c.Segment, x.CompareTo, num(c.CompareValue), num(c.Value), f(c.CompareShare), f(c.Share),
				f(c.Mix), f(c.Rate), f(c.Contribution), strconv.FormatBool(c.Appeared), strconv.FormatBool(c.Vanished), strconv.FormatBool(c.Other), x.Def.Unit, ""}); err != nil {
				return err
			}
		}
		sum := []string{x.Def.ID, x.Def.Label(), x.Dim, "Total", x.CompareTo, num(x.CompareValue), num(x.Value), "1", "1", f(mix), f(rate), f(x.Delta), "", "", "", x.Def.Unit, ""}
		if x.Movers { // the largest parts only: the headline, no sums
			sum[7], sum[8], sum[9], sum[10] = "", "", "", ""
		}
		if err := write(sum); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// jsonContribution is one segment of a KPI's change in report --explain's JSON.
type jsonContribution struct {
	Dimension    string   `json:"dimension"`
	Segment      string   `json:"segment"`
	CompareValue *float64 `json:"compare_value"`
	Value        *float64 `json:"value"`
	CompareShare float64  `json:"compare_share"`
	Share        float64  `json:"share"`
	Mix          float64  `json:"mix"`
	Rate         float64  `json:"rate"`
	Contribution float64  `json:"contribution"`
	Appeared     bool     `json:"appeared"`
	Vanished     bool     `json:"vanished"`
	Other        bool     `json:"other"`
}

// jsonExplanation is one KPI in report --explain's JSON.
type jsonExplanation struct {
	KPI          string             `json:"kpi"`
	Name         string             `json:"name"`
	Unit         string             `json:"unit,omitempty"`
	Dimension    string             `json:"dimension,omitempty"`
	CompareTo    string             `json:"compare_to,omitempty"`
	CompareValue *float64           `json:"compare_value"`
	Value        *float64           `json:"value"`
	Delta        *float64           `json:"delta"`
	Summary      string             `json:"summary,omitempty"`
	Segments     []jsonContribution `json:"segments"`
	Error        string             `json:"error,omitempty"`
}

// ExplainJSON writes {"title":…, "kpis":[{…, "segments":[{…, "mix", "rate",
// "contribution"}]}]}: per KPI its headline and the segments of its change
// (a breakdown's contributions add up to delta; the top movers carry a
// one-line summary), or error with why it cannot be split.
func ExplainJSON(w io.Writer, sc *kpi.Scorecard, label string, xs []Explanation, movers bool, warnings []string) error {
	out := struct {
		jsonHead
		Movers  bool              `json:"top_movers"`
		Partial bool              `json:"partial"`
		KPIs    []jsonExplanation `json:"kpis"`
		Notes   []string          `json:"warnings"`
	}{jsonHead: headOf(sc, label), Movers: movers, Partial: sc.Partial, KPIs: []jsonExplanation{}, Notes: append([]string{}, warnings...)}
	for _, x := range xs {
		j := jsonExplanation{KPI: x.Def.ID, Name: x.Def.Label(), Unit: x.Def.Unit, Dimension: x.Dim, CompareTo: x.CompareTo,
			CompareValue: x.CompareValue, Value: x.Value, Segments: []jsonContribution{}}
		if x.Err != nil {
			j.Error = OneLine(x.Err)
			out.KPIs = append(out.KPIs, j)
			continue
		}
		delta := x.Delta
		j.Delta = &delta
		if movers && len(x.Rows) > 0 {
			j.Summary = kpi.MoversLine(x.Def, x.Delta, x.Rows)
		}
		for _, c := range x.Rows {
			dim := x.Dim
			if c.Dim != "" {
				dim = c.Dim
			}
			j.Segments = append(j.Segments, jsonContribution{Dimension: dim, Segment: c.Segment, CompareValue: c.CompareValue, Value: c.Value,
				CompareShare: c.CompareShare, Share: c.Share, Mix: c.Mix, Rate: c.Rate, Contribution: c.Contribution,
				Appeared: c.Appeared, Vanished: c.Vanished, Other: c.Other})
		}
		out.KPIs = append(out.KPIs, j)
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

// ExplainMarkdown writes report --explain as a GitHub-flavoured table, the
// sum lines in bold, the top movers' summaries above and the KPIs that
// cannot be split below.
func ExplainMarkdown(w io.Writer, sc *kpi.Scorecard, label string, xs []Explanation, movers bool) error {
	fmt.Fprintf(w, "**%s**\n\n", explainTitle(sc, label, movers))
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	if movers {
		for _, x := range xs {
			if x.Err == nil && len(x.Rows) > 0 {
				fmt.Fprintln(w, "- "+esc(Clean(kpi.MoversLine(x.Def, x.Delta, x.Rows))))
			}
		}
		fmt.Fprintln(w)
	}
	body, total := explainTable(sc, xs, movers)
	if len(body) > 0 {
		head := explainHeader(sc, movers)
		align := make([]string, len(head))
		for i := range align {
			align[i] = "---"
			if i >= len(head)-7 {
				align[i] = "---:"
			}
		}
		fmt.Fprintln(w, "| "+strings.Join(head, " | ")+" |")
		fmt.Fprintln(w, "| "+strings.Join(align, " | ")+" |")
		for i, r := range body {
			c := make([]string, len(r))
			for k, s := range r {
				c[k] = esc(s)
				if total[i] && s != "" {
					c[k] = "**" + c[k] + "**"
				}
			}
			fmt.Fprintln(w, "| "+strings.Join(c, " | ")+" |")
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, esc(explainLegend(movers)))
	}
	var notes []string
	for _, x := range xs {
		if x.Err != nil {
			notes = append(notes, "- "+esc(Clean(x.Def.Label()))+": "+esc(Clean(OneLine(x.Err))))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Join(notes, "\n"))
	}
	return nil
}
