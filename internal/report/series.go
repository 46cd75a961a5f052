package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
)

// Series is report --series: the trends of a dimension's top segments side
// by side, one table per KPI (rows the periods, columns the segments and
// the pooled total), then each segment's status and n in the current
// period. Skipped are the KPIs asked for by default that have no trends by
// the dimension, each named in a note with its own reason.
type Series struct {
	Label   string
	Sets    []*kpi.SeriesSet
	Skipped []SeriesSkip
}

// SeriesSkip is a KPI left out of --series and why.
type SeriesSkip struct {
	KPI, Name string // its id and label
	// Why is the whole reason, naming the KPI (a *kpi.NoSeriesError's
	// words): "NPS cannot be split by channel: surveys has no column
	// "channel" (…)", "Churn rate has no periods to draw a trend over: its
	// table has no date column".
	Why string
}

// seriesTitle names the look: the data, the dimension, the trend's window
// and the filters.
func (x Series) seriesTitle() string {
	var b strings.Builder
	b.WriteString(x.Label)
	if len(x.Sets) > 0 {
		set := x.Sets[0]
		g := set.Slice.Grain
		first, last := seriesLabel(g, set.Periods[0]), seriesLabel(g, set.Periods[len(set.Periods)-1])
		if g.IsWindow() { // from the first window's start to the last's end
			first = set.Periods[0].Format("2 Jan 2006")
			last = g.Add(set.Periods[len(set.Periods)-1], 1).AddDate(0, 0, -1).Format("2 Jan 2006")
		}
		fmt.Fprintf(&b, " · by %s · %s – %s (%s)", set.Dim, first, last, g.Name())
		for _, f := range set.Slice.Filters {
			b.WriteString(" · " + f.String())
		}
	}
	return Clean(b.String())
}

// seriesPeriod names a period of the trend in a row, every row in one form:
// the header's words ("Oct 2026", "Q4 2026"), a week or a day by its date
// ("26 Oct 2026"); the current one, cut where the data stops, is marked
// with where ("26 Oct 2026 (to 31 Oct)", not "week of 26 Oct 2026 (to 31
// Oct)" under rows of bare dates).
func seriesPeriod(set *kpi.SeriesSet, i int) string {
	label := seriesLabel(set.Slice.Grain, set.Periods[i])
	if i == len(set.Periods)-1 {
		if name := set.Total.Latest.PeriodName; strings.HasSuffix(name, ")") {
			if k := strings.LastIndex(name, " (to "); k >= 0 {
				label += name[k:]
			}
		}
	}
	return label
}

// seriesLabel is a period's start as the rows and the title name it.
func seriesLabel(g kpi.Grain, t time.Time) string {
	if g == kpi.Day || g == kpi.Week {
		return t.Format("2 Jan 2006")
	}
	return g.Label(t)
}

// seriesHeading is a KPI's line above its table: its name, target and
// which segments the columns are.
func seriesHeading(set *kpi.SeriesSet) string {
	d := set.Def
	s := d.Label()
	if set.Goal != nil {
		s += " · target " + d.FormatTarget(set.Goal)
	}
	cur := set.Slice.Grain.Label(set.Periods[len(set.Periods)-1])
	switch {
	case set.From == 0 && len(set.Lines) == len(set.Ranked):
		s += fmt.Sprintf(" · every %s (%d) by n in %s", set.Dim, len(set.Ranked), cur)
	case set.From > 0:
		s += fmt.Sprintf(" · %s: %d–%d of %d by n in %s", set.Dim, set.From+1, set.From+len(set.Lines), len(set.Ranked), cur)
	default:
		s += fmt.Sprintf(" · %s: top %d of %d by n in %s", set.Dim, len(set.Lines), len(set.Ranked), cur)
	}
	return Clean(s)
}

// seriesValue is a point's value as a table shows it: ~ for a quantile
// answered from a rollup's sketch, — without a value.
func seriesValue(set *kpi.SeriesSet, p kpi.Point) string {
	v := Minus(set.Def.FormatValue(p.Value))
	if set.Approx && p.Value != nil {
		v = "~" + v
	}
	return v
}

// seriesGrid is a KPI's table: the header, a row per period, then the
// status and n rows.
func seriesGrid(set *kpi.SeriesSet) [][]string {
	lines := append(append([]kpi.SeriesLine(nil), set.Lines...), set.Total)
	head := []string{"Period"}
	for _, l := range set.Lines {
		head = append(head, Clean(l.Segment))
	}
	head = append(head, "Total")
	rows := [][]string{head}
	for i := range set.Periods {
		r := []string{seriesPeriod(set, i)}
		for _, l := range lines {
			r = append(r, seriesValue(set, l.Points[i]))
		}
		rows = append(rows, r)
	}
	status, n := []string{"status"}, []string{"n"}
	for _, l := range lines {
		status = append(status, l.Latest.Status.Symbol())
		nn := "—"
		if l.Latest.HasN {
			nn = kpi.FormatFloat(float64(l.Latest.N), 0)
			if l.Latest.LowN {
				nn += " low"
			}
		}
		n = append(n, nn)
	}
	return append(rows, status, n)
}

// seriesNotes are the lines under the tables: the legend, the segments
// left out and each KPI left out with its reason.
func (x Series) seriesNotes() []string {
	var out []string
	if len(x.Sets) > 0 {
		set := x.Sets[0]
		out = append(out, "● on target  ◐ near  ○ off  ◌ uncertain  · no value  ◦ no target  low: n below the minimum, status tentative",
			"status and n: "+Clean(set.Total.Latest.PeriodName)+", each segment against its own target; Total pools every segment (not a mean of the columns)")
		if set.Approx {
			out = append(out, "~ a median answered from a rollup's sketch (±1%)")
		}
		if left := len(set.Ranked) - set.From - len(set.Lines); left > 0 {
			out = append(out, fmt.Sprintf("%s not shown: --limit all, or --limit N", cmdline.Count(left, "more "+Clean(set.Dim))))
		}
	}
	for _, sk := range x.Skipped {
		out = append(out, Clean("left out: "+sk.Why))
	}
	return out
}

// SeriesPlain writes the look as aligned text tables.
func SeriesPlain(w io.Writer, x Series) error {
	fmt.Fprintln(w, x.seriesTitle())
	for _, set := range x.Sets {
		fmt.Fprintln(w)
		fmt.Fprintln(w, seriesHeading(set))
		rows := seriesGrid(set)
		widths := make([]int, len(rows[0]))
		for _, r := range rows {
			for i, c := range r {
				widths[i] = max(widths[i], utf8.RuneCountInString(c))
			}
		}
		for ri, r := range rows {
			if ri == len(rows)-2 {
				fmt.Fprintln(w)
			}
			var b strings.Builder
			for i, c := range r {
				pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
				if i == 0 {
					b.WriteString(c + pad)
				} else {
					b.WriteString("  " + pad + c)
				}
			}
			fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		}
	}
	if notes := x.seriesNotes(); len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
	return nil
}

// SeriesMarkdown writes the look as GitHub-flavoured tables, one per KPI
// under its heading.
func SeriesMarkdown(w io.Writer, x Series) error {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	fmt.Fprintf(w, "**%s**\n", esc(x.seriesTitle()))
	for _, set := range x.Sets {
		fmt.Fprintf(w, "\n%s\n\n", esc(seriesHeading(set)))
		rows := seriesGrid(set)
		align := []string{"---"}
		for range rows[0][1:] {
			align = append(align, "---:")
		}
		for ri, r := range rows {
			c := make([]string, len(r))
			for k, s := range r {
				c[k] = esc(s)
			}
			fmt.Fprintln(w, "| "+strings.Join(c, " | ")+" |")
			if ri == 0 {
				fmt.Fprintln(w, "| "+strings.Join(align, " | ")+" |")
			}
		}
	}
	if notes := x.seriesNotes(); len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, "- "+esc(n))
		}
	}
	return nil
}

// SeriesCSV writes one row per KPI, segment and period (the Total too,
// segment "Total"), for a spreadsheet's pivot or chart: value and n as
// numbers, the status on the current period's rows. Cells a spreadsheet
// would run are neutralised.
func SeriesCSV(w io.Writer, x Series) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"kpi", "name", "dimension", "segment", "rank", "period", "value", "n", "unit", "status"}); err != nil {
		return err
	}
	for _, set := range x.Sets {
		lines := append(append([]kpi.SeriesLine(nil), set.Lines...), set.Total)
		for li, l := range lines {
			seg, rank := l.Segment, strconv.Itoa(set.From+li+1)
			if li == len(lines)-1 {
				seg, rank = "Total", ""
			}
			for i, p := range l.Points {
				n, status := "", ""
				if p.HasN || p.Value != nil {
					n = strconv.FormatInt(p.N, 10)
				}
				if i == len(l.Points)-1 {
					status = string(l.Latest.Status)
				}
				rec := []string{set.Def.ID, set.Def.Label(), set.Dim, seg, rank, set.Slice.Grain.Format(set.Periods[i]), num(p.Value), n, set.Def.Unit, status}
				for k := range rec {
					rec[k] = SafeCell(rec[k])
				}
				if err := cw.Write(rec); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// seriesPointJSON is one period of a line.
type seriesPointJSON struct {
	Period string   `json:"period"`
	Value  *float64 `json:"value"`
	N      *int64   `json:"n"`
}

// seriesLineJSON is one segment's trend (or the pooled total's).
type seriesLineJSON struct {
	Segment string            `json:"segment"`
	Rank    int               `json:"rank,omitempty"`
	Value   *float64          `json:"value"` // the current period's
	Status  kpi.Status        `json:"status"`
	N       *int64            `json:"n"`
	LowN    bool              `json:"low_n"`
	Target  *float64          `json:"target"`
	Points  []seriesPointJSON `json:"points"`
}

// seriesKPIJSON is one KPI's chart.
type seriesKPIJSON struct {
	KPI             string           `json:"kpi"`
	Name            string           `json:"name"`
	Unit            string           `json:"unit,omitempty"`
	Target          *float64         `json:"target"`
	Approx          bool             `json:"approx,omitempty"`
	Segments        []seriesLineJSON `json:"segments"`
	Total           seriesLineJSON   `json:"total"`
	SegmentsLeftOut int              `json:"segments_left_out"`
}

// seriesSkipJSON is a KPI left out, with its reason.
type seriesSkipJSON struct {
	KPI    string `json:"kpi"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// SeriesJSON writes {"title", "dimension", "grain", "periods", "filters",
// "kpis": [{"kpi", "target", "segments": [{"segment", "value", "status",
// "n", "points": [{"period", "value", "n"}]}], "total": {…}}], "not_split":
// [name], "left_out": [{"kpi", "name", "reason"}]}.
func SeriesJSON(w io.Writer, x Series) error {
	out := struct {
		Title     string           `json:"title"`
		Dimension string           `json:"dimension"`
		Grain     string           `json:"grain"`
		Periods   []string         `json:"periods"`
		Filters   []string         `json:"filters"`
		KPIs      []seriesKPIJSON  `json:"kpis"`
		Skipped   []string         `json:"not_split"`
		LeftOut   []seriesSkipJSON `json:"left_out"`
	}{Title: x.Label, Periods: []string{}, Filters: []string{}, KPIs: []seriesKPIJSON{}, Skipped: []string{}, LeftOut: []seriesSkipJSON{}}
	for _, sk := range x.Skipped {
		out.Skipped = append(out.Skipped, sk.Name)
		out.LeftOut = append(out.LeftOut, seriesSkipJSON{KPI: sk.KPI, Name: sk.Name, Reason: sk.Why})
	}
	if len(x.Sets) > 0 {
		set := x.Sets[0]
		out.Dimension, out.Grain = set.Dim, set.Slice.Grain.Name()
		for _, t := range set.Periods {
			out.Periods = append(out.Periods, set.Slice.Grain.Format(t))
		}
		for _, f := range set.Slice.Filters {
			out.Filters = append(out.Filters, f.String())
		}
	}
	line := func(set *kpi.SeriesSet, l kpi.SeriesLine, rank int) seriesLineJSON {
		j := seriesLineJSON{Segment: l.Segment, Rank: rank, Value: l.Latest.Value, Status: l.Latest.Status, LowN: l.Latest.LowN, Points: []seriesPointJSON{}}
		if l.Latest.HasN {
			n := l.Latest.N
			j.N = &n
		}
		if l.Latest.Goal != nil {
			t := l.Latest.Goal.Value
			j.Target = &t
		}
		for i, p := range l.Points {
			pj := seriesPointJSON{Period: set.Slice.Grain.Format(set.Periods[i]), Value: p.Value}
			if p.HasN || p.Value != nil {
				n := p.N
				pj.N = &n
			}
			j.Points = append(j.Points, pj)
		}
		return j
	}
	for _, set := range x.Sets {
		k := seriesKPIJSON{KPI: set.Def.ID, Name: set.Def.Label(), Unit: set.Def.Unit, Approx: set.Approx, Segments: []seriesLineJSON{},
			SegmentsLeftOut: len(set.Ranked) - set.From - len(set.Lines)}
		if set.Goal != nil {
			t := set.Goal.Value
			k.Target = &t
		}
		for i, l := range set.Lines {
			k.Segments = append(k.Segments, line(set, l, set.From+i+1))
		}
		k.Total = line(set, set.Total, 0)
		k.Total.Segment = "Total"
		out.KPIs = append(out.KPIs, k)
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
