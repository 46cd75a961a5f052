package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
)

// The rows behind a number (report --records, and the explorer's records
// view): a page of the records a KPI's n counts, with the words that say
// which rows they are and how many.

// RecordsTitle names the rows: "CSAT · the rows behind n · Oct 2026".
func RecordsTitle(r *kpi.Records) string {
	return r.Def.Label() + " · the rows behind n · " + r.Period
}

// RecordsRule says which rows count, and whose they are when a
// composite's n is another KPI's: "tickets where csat BETWEEN 1 AND 5",
// "customers: the n of CAC is New customers".
func RecordsRule(r *kpi.Records) string {
	s := r.Table
	if r.Rule != "" {
		s += " where " + r.Rule
	}
	if r.Of != nil && r.Of != r.Def {
		s += ": the n of " + r.Def.ShortLabel() + " is " + r.Of.Label()
	}
	for _, f := range RecordsFilters(r) {
		s += " · " + f
	}
	return Clean(s)
}

// RecordsFilters are the slice's filters as text ("region = EMEA").
func RecordsFilters(r *kpi.Records) []string {
	var out []string
	for _, f := range r.Filters {
		out = append(out, f.String())
	}
	return out
}

// RecordsCount says which rows are on the page of how many: "rows 1–20 of
// 1,929", "rows 1–3 of 12 matching "web" (of 1,929)", and n when it counts
// distinct values other than the rows ("· n 2,844 distinct customer_id").
// shown is the rows on the page.
func RecordsCount(r *kpi.Records, shown int) string {
	total := r.Match
	var b strings.Builder
	switch {
	case total < 0 && shown > 0: // not counted yet: which rows, of how many to come
		fmt.Fprintf(&b, "rows %s–%s", cmdline.Thousands(r.Offset+1), cmdline.Thousands(r.Offset+shown))
	case total < 0:
		b.WriteString("rows")
	case shown == 0 && total == 0:
		b.WriteString("no rows")
	case shown == 0:
		fmt.Fprintf(&b, "%s", cmdline.Count(total, "row"))
	default:
		fmt.Fprintf(&b, "rows %s–%s of %s", cmdline.Thousands(r.Offset+1), cmdline.Thousands(r.Offset+shown), cmdline.Thousands(total))
	}
	if r.Search != "" {
		fmt.Fprintf(&b, " matching %q", r.Search)
		if r.Count >= 0 {
			fmt.Fprintf(&b, " (of %s)", cmdline.Thousands(r.Count))
		}
	}
	if r.Distinct != "" && r.N >= 0 && r.N != r.Count {
		fmt.Fprintf(&b, " · n %s distinct %s", cmdline.Thousands(r.N), r.Distinct)
	}
	if r.NoValue != "" {
		fmt.Fprintf(&b, " · no n: %s has no value in %s", r.Def.ShortLabel(), r.Period)
	}
	return Clean(b.String())
}

// RecordsNoValue says why the KPI has no value (and no n) in the slice
// whose rows are shown, "" when it has one: "! Customer acquisition cost:
// needs acquisition_spend: … is not over yet".
func RecordsNoValue(r *kpi.Records) string {
	if r.NoValue == "" {
		return ""
	}
	return Clean("! " + r.Def.Label() + ": " + r.NoValue + "; the rows are those its n would count")
}

// RecordsSort says how the rows are sorted: "sorted by resolved_at ↑", or
// "in file order" (as the table's files hold them, unsorted).
func RecordsSort(r *kpi.Records) string {
	if r.Sort == "" {
		return "in file order"
	}
	arrow := "↑"
	if r.Desc {
		arrow = "↓"
	}
	return Clean("sorted by " + r.Sort + " " + arrow)
}

// RecordCells is the page's rows as text, cleaned for a terminal.
func RecordCells(r *kpi.Records) [][]string {
	out := make([][]string, len(r.Rows))
	for i, row := range r.Rows {
		cells := make([]string, len(row))
		for j, v := range row {
			cells[j] = Clean(r.Display(j, v))
		}
		out[i] = cells
	}
	return out
}

// recordsLeft is the note under a page that is not every row.
func recordsLeft(r *kpi.Records) string {
	if r.Match < 0 {
		return ""
	}
	left := r.Match - int64(r.Offset) - int64(len(r.Rows))
	if left <= 0 {
		return ""
	}
	return fmt.Sprintf("%s more: --limit N for more, --limit all for every one", cmdline.Thousands(left))
}

// RecordsPlain writes the rows as an aligned text table under their title,
// which rows they are and how many.
func RecordsPlain(w io.Writer, r *kpi.Records, label string) error {
	fmt.Fprintln(w, Clean(RecordsTitle(r))+" · "+Clean(label))
	fmt.Fprintln(w, RecordsRule(r))
	fmt.Fprintln(w, RecordsCount(r, len(r.Rows))+" · "+RecordsSort(r))
	if s := RecordsNoValue(r); s != "" {
		fmt.Fprintln(w, s)
	}
	if len(r.Rows) > 0 {
		fmt.Fprintln(w)
		rows := append([][]string{recordsCleanAll(r.Columns)}, RecordCells(r)...)
		recordsAligned(w, rows, RecordsNumeric(r))
	}
	if n := recordsLeft(r); n != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, n)
	}
	return nil
}

// RecordsMarkdown writes the rows as a GitHub-flavoured table.
func RecordsMarkdown(w io.Writer, r *kpi.Records, label string) error {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	fmt.Fprintf(w, "**%s** · %s\n\n", esc(Clean(RecordsTitle(r))), esc(Clean(label)))
	fmt.Fprintf(w, "%s  \n%s · %s\n", esc(RecordsRule(r)), esc(RecordsCount(r, len(r.Rows))), esc(RecordsSort(r)))
	if s := RecordsNoValue(r); s != "" {
		fmt.Fprintln(w, "\n"+esc(s))
	}
	if len(r.Rows) > 0 {
		fmt.Fprintln(w)
		head := recordsCleanAll(r.Columns)
		for i := range head {
			head[i] = esc(head[i])
		}
		fmt.Fprintln(w, "| "+strings.Join(head, " | ")+" |")
		num := RecordsNumeric(r)
		sep := ""
		for j := range head {
			if num[j] {
				sep += " ---: |"
			} else {
				sep += " --- |"
			}
		}
		fmt.Fprintln(w, "|"+sep)
		for _, row := range RecordCells(r) {
			for i := range row {
				row[i] = esc(row[i])
			}
			fmt.Fprintln(w, "| "+strings.Join(row, " | ")+" |")
		}
	}
	if n := recordsLeft(r); n != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "- "+esc(n))
	}
	return nil
}

// RecordsCSV writes the rows with a header line, values as in the data
// (times as 2006-01-02 15:04:05, dates as 2006-01-02, times of day as
// 15:04:05, numbers plain: 1364.75), a cell a
// spreadsheet would run as a formula neutralised (SafeCell).
func RecordsCSV(w io.Writer, r *kpi.Records) error {
	cw := csv.NewWriter(w)
	head := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		head[i] = SafeCell(c)
	}
	cw.Write(head)
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for j, v := range row {
			cells[j] = SafeCell(r.Text(j, v))
		}
		cw.Write(cells)
	}
	cw.Flush()
	return cw.Error()
}

// RecordsJSON writes {"kpi", "rows_of", "table", "rule", "period",
// "filters", "count", "n", "matching", "offset", "sort", "desc",
// "columns", "rows": [{column: value}], "rows_left_out"}, and "no_value"
// with n null when the KPI has no value in the slice. Numbers stay
// numbers, times are RFC 3339, times of day 15:04:05, nulls null.
func RecordsJSON(w io.Writer, r *kpi.Records, label string) error {
	rows := make([]map[string]any, len(r.Rows))
	for i, row := range r.Rows {
		m := make(map[string]any, len(row))
		for j, v := range row {
			switch x := v.(type) {
			case time.Time:
				if j < len(r.Clocks) && r.Clocks[j] {
					m[r.Columns[j]] = kpi.ClockText(x)
				} else if r.Dates[j] {
					m[r.Columns[j]] = x.UTC().Format("2006-01-02")
				} else {
					m[r.Columns[j]] = x.UTC().Format(time.RFC3339)
				}
			case []byte:
				m[r.Columns[j]] = string(x)
			default:
				m[r.Columns[j]] = x
			}
		}
		rows[i] = m
	}
	left := int64(0)
	if r.Match >= 0 {
		left = max(0, r.Match-int64(r.Offset)-int64(len(r.Rows)))
	}
	var n *int64 // null: not counted, or the KPI has no value (no n)
	if r.N >= 0 {
		n = &r.N
	}
	out := struct {
		Title    string           `json:"title"`
		KPI      string           `json:"kpi"`
		RowsOf   string           `json:"rows_of"`
		Table    string           `json:"table"`
		Rule     string           `json:"rule"`
		Period   string           `json:"period"`
		Filters  []string         `json:"filters"`
		Count    int64            `json:"count"`
		N        *int64           `json:"n"`
		NoValue  string           `json:"no_value,omitempty"`
		Distinct string           `json:"n_distinct_of,omitempty"`
		Search   string           `json:"search,omitempty"`
		Matching int64            `json:"matching"`
		Offset   int              `json:"offset"`
		Sort     string           `json:"sort"`
		Desc     bool             `json:"desc"`
		Columns  []string         `json:"columns"`
		Rows     []map[string]any `json:"rows"`
		LeftOut  int64            `json:"rows_left_out"`
	}{Title: label, KPI: r.Def.ID, RowsOf: r.Of.ID, Table: r.Table, Rule: r.Rule, Period: r.Period, Filters: append([]string{}, RecordsFilters(r)...),
		Count: r.Count, N: n, NoValue: r.NoValue, Distinct: r.Distinct, Search: r.Search, Matching: r.Match, Offset: r.Offset, Sort: r.Sort, Desc: r.Desc,
		Columns: r.Columns, Rows: rows, LeftOut: left}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := w.Write(escapeJSONControls(buf.Bytes()))
	return err
}

// Records writes the rows in a format: table (plain), csv, json or markdown.
func Records(w io.Writer, r *kpi.Records, format, label string) error {
	switch format {
	case "csv":
		return RecordsCSV(w, r)
	case "json":
		return RecordsJSON(w, r, label)
	case "markdown", "md":
		return RecordsMarkdown(w, r, label)
	}
	return RecordsPlain(w, r, label)
}

func recordsCleanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Clean(s)
	}
	return out
}

// RecordsNumeric marks the columns whose values on the page are all
// numbers (or null), one at least: drawn right-aligned.
func RecordsNumeric(r *kpi.Records) []bool {
	out := make([]bool, len(r.Columns))
	for j := range r.Columns {
		seen := false
		for _, row := range r.Rows {
			switch row[j].(type) {
			case nil:
				continue
			case int8, int16, int32, int64, uint8, uint16, uint32, uint64, int, float32, float64:
				seen = true
				continue
			}
			seen = false
			break
		}
		out[j] = seen
	}
	return out
}

// recordsAligned writes rows as columns two spaces apart, those right
// marks right-aligned (numbers, so their decimal points line up).
func recordsAligned(w io.Writer, rows [][]string, right []bool) {
	widths := map[int]int{}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i < len(right) && right[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
			if i < len(r)-1 {
				b.WriteString("  ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}
