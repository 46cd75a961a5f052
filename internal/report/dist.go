package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"kpiscope/internal/kpi"
)

// The distribution behind a KPI (report --distribution): a histogram of the
// per-row numbers of a mean or quantile, or the mix of scores of a score
// KPI, in the four formats. The explorer's distribution view draws from the
// same texts (DistMarks, DistStats, ScoreBandText).

// DistTitle is a distribution's heading: the KPI, the period and what is
// counted.
func DistTitle(x *kpi.Distribution) string {
	t := x.Def.Label() + " · " + x.PeriodName()
	if x.Kind == kpi.DistScores {
		t += fmt.Sprintf(" · scores %d–%d", x.Scores[0], x.Scores[len(x.Scores)-1])
	}
	if x.Dim != "" {
		t += " · by " + x.Dim
	}
	return t
}

// DistStats is the line of statistics under the title: n, mean, median,
// p90 and the target ("n 1,234 · mean 30.1h · median 12.0h · p90 80.0h ·
// target ≤ 24h").
func DistStats(x *kpi.Distribution, r kpi.DistRow) string {
	return distStats(x, r, true)
}

// CompareStats is DistStats for the comparison period, without the target.
func CompareStats(x *kpi.Distribution) string {
	if x.Compare == nil {
		return ""
	}
	return x.CompareName() + ": " + distStats(x, *x.Compare, false)
}

func distStats(x *kpi.Distribution, r kpi.DistRow, target bool) string {
	d := x.Def
	parts := []string{"n " + kpi.FormatFloat(float64(r.N), 0)}
	if x.Kind == kpi.DistHistogram {
		for _, s := range []struct {
			name string
			v    *float64
		}{{"mean", r.Mean}, {"median", r.Median}, {"p90", r.P90}} {
			if s.v != nil {
				parts = append(parts, s.name+" "+DistNumber(d, *s.v))
			}
		}
	} else {
		for _, b := range x.Bands {
			parts = append(parts, fmt.Sprintf("%s %s", b.Name, pct(BandShare(x, r, b))))
		}
		if r.Mean != nil {
			parts = append(parts, "mean score "+kpi.FormatFloat(*r.Mean, 2))
		}
	}
	if t := TargetText(x); t != "" && target {
		parts = append(parts, "target "+t)
	}
	return strings.Join(parts, " · ")
}

// TargetText is the target as "≤ 24h", "≤ 15m" ("" without one): in the
// distribution's own units (DistNumber), so a sub-hour target reads as it
// is set, not rounded to "≤ 0.2h".
func TargetText(x *kpi.Distribution) string {
	if x.Target == nil {
		return ""
	}
	op := "≥ "
	if x.Def.Better == kpi.Lower {
		op = "≤ "
	}
	return op + distNumber(x.Def, x.Target.Value, true)
}

// DistNumber is a statistic of a distribution (a mean, a median, a p90) in
// the KPI's unit with at least one decimal; a duration under one unit goes
// to the next smaller unit (0.3h is 18.0m, 0.4m is 24.0s), so the
// statistics of short durations keep their precision.
func DistNumber(d *kpi.Def, v float64) string { return distNumber(d, v, false) }

// distNumber is DistNumber; whole drops the decimals of a whole number (a
// target: "≤ 15m", "≤ 24h").
func distNumber(d *kpi.Def, v float64, whole bool) string {
	dec := max(d.Decimals, 1)
	unit := ""
	if v != 0 && math.Abs(v) < 1 {
		switch d.Unit {
		case "d":
			v, unit = v*24, "h"
		case "h":
			v, unit = v*60, "m"
		case "m", "min":
			v, unit = v*60, "s"
		}
	}
	if whole && math.Abs(v-math.Round(v)) < 1e-9 {
		dec = 0
	}
	if unit != "" {
		return kpi.FormatFloat(v, dec) + unit
	}
	return d.FormatNumber(v, dec)
}

// DistMarks says which statistics fall in each bucket of a histogram row
// ("median", "mean · target"), a bucket holding lo ≤ v < hi.
func DistMarks(x *kpi.Distribution, r kpi.DistRow) []string {
	out := make([]string, len(x.Buckets))
	add := func(name string, v *float64) {
		if v == nil {
			return
		}
		for i, b := range x.Buckets {
			if *v >= b.Lo && *v < b.Hi {
				if out[i] != "" {
					out[i] += " · "
				}
				out[i] += name
				return
			}
		}
	}
	add("median", r.Median)
	add("mean", r.Mean)
	add("p90", r.P90)
	if x.Target != nil {
		v := x.Target.Value
		add("target", &v)
	}
	return out
}

// BandShare is the share of a row's answers in a band; false (no value,
// not zero) when the row has no answers.
func BandShare(x *kpi.Distribution, r kpi.DistRow, b kpi.ScoreBand) (float64, bool) {
	var n int64
	for i, s := range x.Scores {
		if s >= b.Lo && s <= b.Hi && i < len(r.Counts) {
			n += r.Counts[i]
		}
	}
	if r.N == 0 {
		return 0, false
	}
	return float64(n) / float64(r.N), true
}

// ScoreBandText names a band with its scores ("promoters 9–10").
func ScoreBandText(b kpi.ScoreBand) string {
	if b.Lo == b.Hi {
		return fmt.Sprintf("%s %d", b.Name, b.Lo)
	}
	return fmt.Sprintf("%s %d–%d", b.Name, b.Lo, b.Hi)
}

// pct is a share as a percentage; "—" without a value.
func pct(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return kpi.FormatFloat(100*v, 1) + "%"
}

// NoValues says a distribution's slice has no values, in this period or
// the comparison's.
func NoValues(x *kpi.Distribution) bool {
	return x.Total.N == 0 && (x.Compare == nil || x.Compare.N == 0)
}

// distTables is a distribution as tables: the histogram (bucket, n,
// share, cumulative share, the comparison's share, marks), then the
// segments (n, mean, median, p90); or the score mix per segment and the
// total (n, a share per score, a share per band, mean score).
func distTables(x *kpi.Distribution) (tables [][][]string, numeric []int) {
	if x.Kind == kpi.DistHistogram {
		head := []string{"bucket", "n", "share", "cum."}
		if x.Compare != nil {
			head = append(head, x.CompareName())
		}
		head = append(head, "marks")
		rows := [][]string{head}
		marks := DistMarks(x, x.Total)
		cum := 0.0
		for i, b := range x.Buckets {
			sh, ok := x.Total.Share(i)
			cum += sh
			r := []string{b.Label, kpi.FormatFloat(float64(x.Total.Counts[i]), 0), pct(sh, ok), pct(cum, ok)}
			if x.Compare != nil {
				r = append(r, pct(x.Compare.Share(i)))
			}
			rows = append(rows, append(r, marks[i]))
		}
		tables = append(tables, rows)
		numeric = append(numeric, len(head)-1)
		if len(x.Segments) > 0 {
			d := x.Def
			f := func(v *float64) string {
				if v == nil {
					return "—"
				}
				return DistNumber(d, *v)
			}
			seg := [][]string{{x.Dim, "n", "mean", "median", "p90"}}
			for _, s := range append(append([]kpi.DistRow(nil), x.Segments...), x.Total) {
				name := s.Segment
				if name == "" {
					name = "Total"
				}
				seg = append(seg, []string{Clean(name), kpi.FormatFloat(float64(s.N), 0), f(s.Mean), f(s.Median), f(s.P90)})
			}
			tables = append(tables, seg)
			numeric = append(numeric, 5)
		}
		return tables, numeric
	}
	dim := x.Dim
	if dim == "" {
		dim = "segment"
	}
	head := []string{dim, "n"}
	for _, s := range x.Scores {
		head = append(head, strconv.Itoa(s))
	}
	for _, b := range x.Bands {
		head = append(head, ScoreBandText(b))
	}
	head = append(head, "mean")
	rows := [][]string{head}
	for _, s := range append(append([]kpi.DistRow(nil), x.Segments...), x.Total) {
		name := s.Segment
		if name == "" {
			name = "Total"
		}
		r := []string{Clean(name), kpi.FormatFloat(float64(s.N), 0)}
		for i := range x.Scores {
			r = append(r, pct(s.Share(i)))
		}
		for _, b := range x.Bands {
			r = append(r, pct(BandShare(x, s, b)))
		}
		m := "—"
		if s.Mean != nil {
			m = kpi.FormatFloat(*s.Mean, 2)
		}
		rows = append(rows, append(r, m))
	}
	return append(tables, rows), append(numeric, len(head))
}

// distNotes are the lines under a distribution: the bucket rule, and the
// segments left out.
func distNotes(x *kpi.Distribution) []string {
	var out []string
	if x.Kind == kpi.DistHistogram {
		out = append(out, "a bucket holds lo ≤ value < hi; values in "+unitName(x.Def)+"; rows without a value are left out, as the KPI leaves them out")
	} else {
		out = append(out, "shares of the answers the KPI counts, each row summing to 100%")
	}
	if x.DimErr != nil {
		out = append(out, "not broken down: "+OneLine(x.DimErr))
	}
	if x.SegmentsLeftOut > 0 {
		out = append(out, fmt.Sprintf("%d smaller segments left out (the total counts them)", x.SegmentsLeftOut))
	}
	return out
}

// noValuesText is the line in place of an empty slice's tables.
func noValuesText(x *kpi.Distribution) string {
	p := x.PeriodName()
	if x.Compare != nil {
		p += " nor " + x.CompareName()
	}
	return "no values in this slice in " + p + ": no shares to show"
}

func unitName(d *kpi.Def) string {
	switch d.Unit {
	case "h":
		return "hours"
	case "d":
		return "days"
	case "m", "min":
		return "minutes"
	case "s":
		return "seconds"
	case "":
		return "the KPI's own numbers"
	}
	return d.Unit
}

// DistPlain writes distributions as aligned text tables.
func DistPlain(w io.Writer, xs []*kpi.Distribution, label string) error {
	for k, x := range xs {
		if k > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, Clean(DistTitle(x))+" · "+Clean(label))
		fmt.Fprintln(w, DistStats(x, x.Total))
		if x.Compare != nil {
			fmt.Fprintln(w, CompareStats(x))
		}
		if NoValues(x) {
			fmt.Fprintln(w, "\n"+noValuesText(x))
			continue
		}
		tables, numeric := distTables(x)
		for _, t := range tables {
			fmt.Fprintln(w)
			writeAligned(w, t, 1, numeric[0])
			numeric = numeric[1:]
		}
		fmt.Fprintln(w)
		for _, n := range distNotes(x) {
			fmt.Fprintln(w, n)
		}
	}
	return nil
}

// writeAligned writes rows with columns from first up to (not including)
// last right-aligned.
func writeAligned(w io.Writer, rows [][]string, first, last int) {
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	right := make([]bool, width)
	for i := first; i < last && i < width; i++ {
		right[i] = true
	}
	recordsAligned(w, rows, right)
}

// DistMarkdown writes distributions as GitHub-flavoured tables.
func DistMarkdown(w io.Writer, xs []*kpi.Distribution, label string) error {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for k, x := range xs {
		if k > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "**%s** · %s\n\n", esc(Clean(DistTitle(x))), esc(Clean(label)))
		fmt.Fprintln(w, esc(DistStats(x, x.Total)))
		if x.Compare != nil {
			fmt.Fprintln(w, "\n"+esc(CompareStats(x)))
		}
		if NoValues(x) {
			fmt.Fprintln(w, "\n"+esc(noValuesText(x)))
			continue
		}
		tables, numeric := distTables(x)
		for ti, t := range tables {
			fmt.Fprintln(w)
			align := make([]string, len(t[0]))
			for i := range align {
				align[i] = "---"
				if i >= 1 && i < numeric[ti] {
					align[i] = "---:"
				}
			}
			for i, r := range t {
				c := make([]string, len(r))
				for j, s := range r {
					c[j] = esc(s)
				}
				fmt.Fprintln(w, "| "+strings.Join(c, " | ")+" |")
				if i == 0 {
					fmt.Fprintln(w, "| "+strings.Join(align, " | ")+" |")
				}
			}
		}
		fmt.Fprintln(w)
		for _, n := range distNotes(x) {
			fmt.Fprintln(w, "- "+esc(n))
		}
	}
	return nil
}

// DistCSV writes one line per bucket (or score) of each row: kpi, period,
// segment (empty for the total), bucket, lo, hi (empty when open), n of
// the row, count and share. The comparison period's total and segments
// have its own period.
func DistCSV(w io.Writer, xs []*kpi.Distribution) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"kpi", "period", "segment", "bucket", "lo", "hi", "n", "count", "share"})
	end := func(v float64) string {
		if math.IsInf(v, 0) {
			return ""
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	for _, x := range xs {
		write := func(period string, r kpi.DistRow) {
			for i := range r.Counts {
				var label, lo, hi string
				if x.Kind == kpi.DistHistogram {
					b := x.Buckets[i]
					label, lo, hi = b.Label, end(b.Lo), end(b.Hi)
				} else {
					label = strconv.Itoa(x.Scores[i])
					lo, hi = label, label
				}
				share := "" // no value, not zero
				if v, ok := r.Share(i); ok {
					share = strconv.FormatFloat(v, 'f', -1, 64)
				}
				cw.Write([]string{x.Def.ID, period, SafeCell(r.Segment), label, lo, hi, strconv.FormatInt(r.N, 10),
					strconv.FormatInt(r.Counts[i], 10), share})
			}
		}
		write(x.PeriodName(), x.Total)
		if x.Compare != nil {
			write(x.CompareName(), *x.Compare)
		}
		for _, s := range x.Segments {
			write(x.PeriodName(), s)
		}
		for _, s := range x.CompareSegments {
			write(x.CompareName(), s)
		}
	}
	cw.Flush()
	return cw.Error()
}

type jsonDistBucket struct {
	Label string   `json:"label"`
	Lo    *float64 `json:"lo"` // null: open below
	Hi    *float64 `json:"hi"` // null: open above
}

type jsonDistRow struct {
	Segment string    `json:"segment,omitempty"`
	N       int64     `json:"n"`
	Counts  []int64   `json:"counts"`
	Shares  []float64 `json:"shares"` // null without values
	Mean    *float64  `json:"mean"`
	Median  *float64  `json:"median,omitempty"`
	P90     *float64  `json:"p90,omitempty"`
}

type jsonDist struct {
	KPI             string           `json:"kpi"`
	Name            string           `json:"name"`
	Unit            string           `json:"unit"`
	Kind            string           `json:"kind"`
	Period          string           `json:"period"`
	Partial         bool             `json:"partial"`
	Target          *float64         `json:"target"`
	Buckets         []jsonDistBucket `json:"buckets,omitempty"`
	Scores          []int            `json:"scores,omitempty"`
	Bands           []kpi.ScoreBand  `json:"bands,omitempty"`
	Total           jsonDistRow      `json:"total"`
	ComparePeriod   string           `json:"compare_period,omitempty"`
	Compare         *jsonDistRow     `json:"compare,omitempty"`
	Dimension       string           `json:"dimension,omitempty"`
	DimensionError  string           `json:"dimension_error,omitempty"`
	Segments        []jsonDistRow    `json:"segments"`
	CompareSegments []jsonDistRow    `json:"compare_segments,omitempty"`
	SegmentsLeftOut int              `json:"segments_left_out"`
}

func distRowJSON(r kpi.DistRow) jsonDistRow {
	j := jsonDistRow{Segment: r.Segment, N: r.N, Counts: r.Counts, Mean: r.Mean, Median: r.Median, P90: r.P90}
	if j.Counts == nil {
		j.Counts = []int64{}
	}
	if r.N == 0 {
		return j // shares null: no value, not zero
	}
	j.Shares = []float64{}
	for i := range r.Counts {
		v, _ := r.Share(i)
		j.Shares = append(j.Shares, v)
	}
	return j
}

// DistJSON writes {"title":…, "period":…, "distributions":[{"kpi", "kind",
// "buckets" or "scores" and "bands", "total", "compare", "segments"}]}: a
// bucket's lo and hi are null where it is open.
func DistJSON(w io.Writer, xs []*kpi.Distribution, label string) error {
	out := struct {
		jsonHead
		Distributions []jsonDist `json:"distributions"`
	}{Distributions: []jsonDist{}}
	if len(xs) > 0 {
		s := xs[0].Slice
		out.jsonHead = jsonHead{Title: label, Period: xs[0].PeriodName(), Grain: s.Grain.Name(), Compare: string(s.Compare),
			Segment: xs[0].Dim, Filters: []string{}}
		for _, f := range s.Filters {
			out.Filters = append(out.Filters, f.String())
		}
	}
	for _, x := range xs {
		j := jsonDist{KPI: x.Def.ID, Name: x.Def.Label(), Unit: x.Def.Unit, Kind: string(x.Kind), Period: x.PeriodName(), Partial: x.Partial,
			Scores: x.Scores, Bands: x.Bands, Total: distRowJSON(x.Total), Dimension: x.Dim, Segments: []jsonDistRow{}, SegmentsLeftOut: x.SegmentsLeftOut}
		if x.DimErr != nil {
			j.DimensionError = OneLine(x.DimErr)
		}
		if x.Target != nil {
			v := x.Target.Value
			j.Target = &v
		}
		for _, b := range x.Buckets {
			jb := jsonDistBucket{Label: b.Label}
			if !math.IsInf(b.Lo, 0) {
				lo := b.Lo
				jb.Lo = &lo
			}
			if !math.IsInf(b.Hi, 0) {
				hi := b.Hi
				jb.Hi = &hi
			}
			j.Buckets = append(j.Buckets, jb)
		}
		if x.Compare != nil {
			c := distRowJSON(*x.Compare)
			j.Compare, j.ComparePeriod = &c, x.CompareName()
		}
		for _, s := range x.Segments {
			j.Segments = append(j.Segments, distRowJSON(s))
		}
		for _, s := range x.CompareSegments {
			j.CompareSegments = append(j.CompareSegments, distRowJSON(s))
		}
		out.Distributions = append(out.Distributions, j)
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
