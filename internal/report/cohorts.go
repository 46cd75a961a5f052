package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"kpiscope/internal/kpi"
)

// CohortTitle says what a cohort matrix's cells are.
func CohortTitle(m *kpi.CohortMatrix) string {
	by := "signup month"
	if m.Grain == kpi.Quarter {
		by = "signup quarter"
	}
	if m.Kind == kpi.CohortOrders {
		by = strings.Replace(by, "signup", "first-order", 1)
		return "Repeat purchases by " + by + ": % of each cohort who ordered in each month since their first order"
	}
	return "Retention by " + by + ": % of each cohort still active at the end of each month since signup"
}

// CohortLabel names a cohort for people ("Jan 2026", "Q1 2026").
func CohortLabel(m *kpi.CohortMatrix, r kpi.CohortRow) string { return m.Grain.Label(r.Start) }

// CohortNotes explain a matrix under it: where it stops, how the pooled
// row is made, what month 0 is, the filters left out, and an empty matrix.
func CohortNotes(m *kpi.CohortMatrix) []string {
	return append(cohortNotes(m), CohortsLeftOut(m)...)
}

// cohortNotes are CohortNotes but the filters left out.
func cohortNotes(m *kpi.CohortMatrix) []string {
	var out []string
	if len(m.Rows) == 0 {
		out = append(out, "no cohort has a month since signup that is over in the data")
	}
	if !m.Through.IsZero() {
		out = append(out, fmt.Sprintf("counted to %s: months not over by then (the current one too) are left empty, not 0",
			m.LastDay().Format("2 Jan 2006")))
	}
	out = append(out, "all cohorts: Σ active / Σ customers of the cohorts that reached the month (weighted by size, not a mean of %)")
	out = append(out, CohortDefinition(m))
	return out
}

// CohortsLeftOut says which filters the matrix left out, one line each,
// as the explorer's cohort lens says it: "channel ≠ web left out: not a
// column of customers" (nor of a table a customer key leads to).
func CohortsLeftOut(m *kpi.CohortMatrix) []string {
	var out []string
	for _, f := range m.Ignored {
		out = append(out, Clean(fmt.Sprintf("%s left out: not a column of %s", f.String(), m.Table)))
	}
	return out
}

// CohortDefinition says what a cohort and a cell are, naming the table
// and columns read.
func CohortDefinition(m *kpi.CohortMatrix) string {
	if m.Kind == kpi.CohortOrders {
		return fmt.Sprintf("from %s: a cohort is the customers (%s) whose first order (%s) was in the month; month 0 is that month, 100%% by definition",
			m.Table, m.Start, m.End)
	}
	return fmt.Sprintf("from %s: a customer is active at the end of a month unless %s falls in or before that month; month 0 is the signup month (%s)",
		m.Table, m.End, m.Start)
}

// cohortLegend says what the month columns are.
func cohortLegend(m *kpi.CohortMatrix) string {
	since := "signup"
	if m.Kind == kpi.CohortOrders {
		since = "the first order"
	}
	return "M0, M1, …: months since " + since + " (% of the cohort); an empty cell is a month not over yet"
}

// cohortFilters is the applied filters as text ("" none).
func cohortFilters(m *kpi.CohortMatrix) string {
	var fs []string
	for _, f := range m.Filters {
		fs = append(fs, f.String())
	}
	return Clean(strings.Join(fs, " · "))
}

// cohortCell is a cell's text: the % with one decimal, "" when empty.
func cohortCell(v float64, ok bool) string {
	if !ok {
		return ""
	}
	return kpi.FormatFloat(v, 1)
}

// cohortTable is the matrix as rows of cells: a header, each cohort, and
// the pooled row.
func cohortTable(m *kpi.CohortMatrix) [][]string {
	head := []string{"Cohort", "Customers"}
	for k := 0; k < m.Ages; k++ {
		head = append(head, "M"+strconv.Itoa(k))
	}
	rows := [][]string{head}
	for _, r := range m.Rows {
		row := []string{CohortLabel(m, r), kpi.FormatFloat(float64(r.Size), 0)}
		for k := 0; k < m.Ages; k++ {
			row = append(row, cohortCell(r.Rate(k)))
		}
		rows = append(rows, row)
	}
	var size int64
	for _, r := range m.Rows {
		size += r.Size
	}
	all := []string{"All cohorts", kpi.FormatFloat(float64(size), 0)}
	for _, p := range m.Pooled {
		all = append(all, cohortCell(p.Rate()))
	}
	return append(rows, all)
}

// CohortsPlain writes the matrix as an aligned text table with its notes.
func CohortsPlain(w io.Writer, m *kpi.CohortMatrix, label string) error {
	fmt.Fprintln(w, CohortTitle(m)+" · "+label)
	if f := cohortFilters(m); f != "" {
		fmt.Fprintln(w, f)
	}
	fmt.Fprintln(w)
	rows := cohortTable(m)
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for ri, r := range rows {
		if ri == len(rows)-1 {
			fmt.Fprintln(w)
		}
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
			if i < len(r)-1 {
				b.WriteString("  ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	for _, n := range CohortsLeftOut(m) { // right under the table: these numbers are not filtered by them
		fmt.Fprintln(w, "! "+n)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, cohortLegend(m))
	for _, n := range cohortNotes(m) {
		fmt.Fprintln(w, n)
	}
	return nil
}

// CohortsCSV writes one line per cohort and one for all cohorts: the
// cohort, its size, and each month's % at full precision (empty when the
// month is not over).
func CohortsCSV(w io.Writer, m *kpi.CohortMatrix) error {
	cw := csv.NewWriter(w)
	head := []string{"cohort", "customers"}
	for k := 0; k < m.Ages; k++ {
		head = append(head, "month_"+strconv.Itoa(k))
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	full := func(v float64, ok bool) string {
		if !ok {
			return ""
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	var size int64
	for _, r := range m.Rows {
		size += r.Size
		rec := []string{m.Grain.Format(r.Start), strconv.FormatInt(r.Size, 10)}
		for k := 0; k < m.Ages; k++ {
			rec = append(rec, full(r.Rate(k)))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	rec := []string{"all", strconv.FormatInt(size, 10)}
	for _, p := range m.Pooled {
		rec = append(rec, full(p.Rate()))
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

type cohortJSON struct {
	Cohort    string     `json:"cohort"`
	Label     string     `json:"label"`
	Customers int64      `json:"customers"`
	Active    []int64    `json:"active"`
	Rates     []*float64 `json:"rates"` // by month since signup; null beyond the months over
}

type pooledJSON struct {
	Month     int      `json:"month"`
	Active    int64    `json:"active"`
	Customers int64    `json:"customers"`
	Cohorts   int      `json:"cohorts"`
	Rate      *float64 `json:"rate"`
}

// CohortsJSON writes the matrix with its counts: each cohort's size,
// active customers and rates by month (null where the month is not over),
// and the pooled row's sums.
func CohortsJSON(w io.Writer, m *kpi.CohortMatrix, label string) error {
	out := struct {
		Title    string       `json:"title"`
		Kind     string       `json:"kind"`
		Grain    string       `json:"grain"`
		Table    string       `json:"table"`
		Columns  []string     `json:"columns"`
		Through  string       `json:"through,omitempty"`
		Filters  []string     `json:"filters"`
		Ignored  []string     `json:"ignored_filters"`
		Months   int          `json:"months"`
		Cohorts  []cohortJSON `json:"cohorts"`
		All      []pooledJSON `json:"all_cohorts"`
		Notes    []string     `json:"notes"`
		Describe string       `json:"describe"`
	}{Title: label, Kind: string(m.Kind), Grain: string(m.Grain), Table: m.Table, Columns: []string{m.Start, m.End},
		Filters: []string{}, Ignored: []string{}, Months: m.Ages, Cohorts: []cohortJSON{}, All: []pooledJSON{},
		Notes: CohortNotes(m), Describe: CohortTitle(m)}
	if !m.Through.IsZero() {
		out.Through = m.LastDay().Format("2006-01-02")
	}
	for _, f := range m.Filters {
		out.Filters = append(out.Filters, f.String())
	}
	for _, f := range m.Ignored {
		out.Ignored = append(out.Ignored, f.String())
	}
	rate := func(v float64, ok bool) *float64 {
		if !ok {
			return nil
		}
		return &v
	}
	for _, r := range m.Rows {
		c := cohortJSON{Cohort: m.Grain.Format(r.Start), Label: CohortLabel(m, r), Customers: r.Size, Active: append([]int64{}, r.Active...), Rates: []*float64{}}
		for k := range r.Active {
			c.Rates = append(c.Rates, rate(r.Rate(k)))
		}
		out.Cohorts = append(out.Cohorts, c)
	}
	for k, p := range m.Pooled {
		out.All = append(out.All, pooledJSON{Month: k, Active: p.Active, Customers: p.Size, Cohorts: p.Cohorts, Rate: rate(p.Rate())})
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

// CohortsMarkdown writes the matrix as a GitHub-flavoured table, the
// pooled row in bold, the notes as a list.
func CohortsMarkdown(w io.Writer, m *kpi.CohortMatrix, label string) error {
	fmt.Fprintf(w, "**%s · %s**\n\n", CohortTitle(m), label)
	if f := cohortFilters(m); f != "" {
		fmt.Fprintf(w, "%s\n\n", strings.ReplaceAll(f, "|", `\|`))
	}
	rows := cohortTable(m)
	align := []string{"---"}
	for range rows[0][1:] {
		align = append(align, "---:")
	}
	for i, r := range rows {
		if i == len(rows)-1 {
			for j := range r {
				if r[j] != "" {
					r[j] = "**" + r[j] + "**"
				}
			}
		}
		for j := range r {
			r[j] = strings.ReplaceAll(r[j], "|", `\|`)
		}
		fmt.Fprintln(w, "| "+strings.Join(r, " | ")+" |")
		if i == 0 {
			fmt.Fprintln(w, "| "+strings.Join(align, " | ")+" |")
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "- "+cohortLegend(m))
	for _, n := range CohortNotes(m) {
		fmt.Fprintln(w, "- "+strings.ReplaceAll(n, "|", `\|`))
	}
	return nil
}

// Cohorts writes the matrix in a report format: table, csv, json or
// markdown (md).
func Cohorts(w io.Writer, m *kpi.CohortMatrix, format, label string) error {
	switch format {
	case "csv":
		return CohortsCSV(w, m)
	case "json":
		return CohortsJSON(w, m, label)
	case "markdown", "md":
		return CohortsMarkdown(w, m, label)
	}
	return CohortsPlain(w, m, label)
}
