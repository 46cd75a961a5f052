package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kpiscope/internal/infer"
	"kpiscope/internal/workspace"
)

// These tests run kpiscope on real public files (../shared/datasets next to
// the module) with the kpiscope.yaml an analyst would write, and compare its
// figures with the same figures worked out here with encoding/csv, not DuckDB.

// datasets returns the path of a real dataset file, or skips the test.
func datasets(t *testing.T, file string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			skipDataset(t, "no go.mod above the test's directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "datasets", file)
	if _, err := os.Stat(p); err != nil {
		skipDataset(t, fmt.Sprintf("real dataset not available (%v); it lives in ../shared/datasets next to the module", err))
	}
	return p
}

// datasetSkips counts the tests skipped for want of the real datasets, so
// that a run without them says so in one line instead of passing as if they
// had run (t.Skip alone is shown only by go test -v).
var datasetSkips struct {
	sync.Mutex
	n   int
	why string
}

func skipDataset(t *testing.T, why string) {
	t.Helper()
	datasetSkips.Lock()
	datasetSkips.n++
	datasetSkips.why = why
	datasetSkips.Unlock()
	t.Skip(why)
}

// TestMain prints the line about skipped real-dataset tests. go test shows
// it when run in this directory, with -v, or when the package fails; for a
// passing package in a ./... run it prints only "ok".
func TestMain(m *testing.M) {
	code := m.Run()
	if n := datasetSkips.n; n > 0 {
		fmt.Printf("kpiscope: %d real-dataset test(s) skipped: %s\n", n, datasetSkips.why)
	}
	os.Exit(code)
}

// table is a CSV file read with encoding/csv.
type table struct {
	head []string
	rows [][]string
}

func readTable(t *testing.T, path string) table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	head[0] = strings.TrimPrefix(head[0], "\ufeff")
	return table{head: head, rows: recs[1:]}
}

func (tb table) col(t *testing.T, name string) int {
	t.Helper()
	for i, h := range tb.head {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %q", name, tb.head)
	return -1
}

func parseNum(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return f
}

// analyst runs a report on a config written into a temporary directory and
// checks that the dataset files were only read.
func analyst(t *testing.T, yaml string, data []string, args ...string) jsonReport {
	t.Helper()
	sandbox(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kpiscope.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	before := map[string]fileState{}
	for _, d := range data {
		for p, s := range snapshot(t, d) {
			before[p] = s
		}
	}
	rep := reportJSON(t, append([]string{"--config", cfg}, args...)...)
	after := map[string]fileState{}
	for _, d := range data {
		for p, s := range snapshot(t, d) {
			after[p] = s
		}
	}
	checkUnchanged(t, before, after)
	for _, row := range rep.Rows {
		if row.Error != "" {
			t.Errorf("%s/%s: %s", row.KPI, row.Segment, row.Error)
		}
	}
	return rep
}

// checkValue compares a report value with a hand-computed one at 1e-9 relative.
func checkValue(t *testing.T, rep jsonReport, kpiID, segment string, want float64) {
	t.Helper()
	for _, row := range rep.Rows {
		if row.KPI == kpiID && row.Segment == segment {
			if row.Value == nil {
				t.Errorf("%s/%s has no value, want %v", kpiID, segment, want)
			} else if !approx(*row.Value, want) {
				t.Errorf("%s/%s = %.12g, want %.12g", kpiID, segment, *row.Value, want)
			}
			return
		}
	}
	t.Errorf("no %s/%s row in the report", kpiID, segment)
}

func checkN(t *testing.T, rep jsonReport, kpiID, segment string, want int64) {
	t.Helper()
	for _, row := range rep.Rows {
		if row.KPI == kpiID && row.Segment == segment {
			if row.N == nil || *row.N != want {
				t.Errorf("%s/%s: n = %v, want %d", kpiID, segment, row.N, want)
			}
			return
		}
	}
	t.Errorf("no %s/%s row in the report", kpiID, segment)
}

func q(s string) string { return strconv.Quote(s) }

// TestTelcoChurnByContract: churn share per contract and pooled; TotalCharges
// has 11 blank (" ") values that must be NULL, not text and not zero.
func TestTelcoChurnByContract(t *testing.T) {
	path := datasets(t, "telco_customer_churn.csv")
	tb := readTable(t, path)
	ic, ich, itc := tb.col(t, "Contract"), tb.col(t, "Churn"), tb.col(t, "TotalCharges")
	churned, all := map[string]float64{}, map[string]float64{}
	var churnedAll, charges float64
	var chargesN int64
	blanks := 0
	for _, r := range tb.rows {
		all[r[ic]]++
		if r[ich] == "Yes" {
			churned[r[ic]]++
			churnedAll++
		}
		if strings.TrimSpace(r[itc]) == "" {
			blanks++
			continue
		}
		charges += parseNum(t, r[itc])
		chargesN++
	}
	if blanks != 11 || chargesN != 7032 || len(tb.rows) != 7043 {
		t.Fatalf("the file changed: %d rows, %d blank TotalCharges", len(tb.rows), blanks)
	}
	rep := analyst(t, `sources:
  telco: {path: `+q(path)+`}
dimensions: [Contract]
kpis:
  - id: churn_share
    name: Churn share
    type: ratio
    numerator: count(*) FILTER (WHERE Churn = 'Yes')
    denominator: count(*)
    scale: 100
    unit: "%"
    better: lower
  - id: mean_total_charges
    type: formula
    inputs: {total: sum(TotalCharges), n: count(TotalCharges)}
    expr: total / n
    better: higher
`, []string{filepath.Dir(path)}, "--by", "Contract")
	mean := 0.0
	for c, n := range all {
		checkValue(t, rep, "churn_share", c, 100*churned[c]/n)
		checkN(t, rep, "churn_share", c, int64(n))
		mean += 100 * churned[c] / n / float64(len(all))
	}
	pooled := 100 * churnedAll / float64(len(tb.rows))
	checkValue(t, rep, "churn_share", "Total", pooled)
	if approx(mean, pooled) {
		t.Fatal("pooled churn equals the mean of contract churn: the check above cannot tell them apart")
	}
	checkValue(t, rep, "mean_total_charges", "Total", charges/float64(chargesN))
	checkN(t, rep, "mean_total_charges", "Total", chargesN)
}

// TestAirlineNPS: NPS over every answer of every airline; the score column is
// named after the whole question.
func TestAirlineNPS(t *testing.T) {
	path := datasets(t, "airline_nps_responses.csv")
	const question = "How likely are you to recommend this airline?"
	tb := readTable(t, path)
	is := tb.col(t, question)
	var prom, det, n float64
	for _, r := range tb.rows {
		if strings.TrimSpace(r[is]) == "" {
			continue
		}
		s := parseNum(t, r[is])
		n++
		switch {
		case s >= 9:
			prom++
		case s <= 6:
			det++
		}
	}
	want := 100 * (prom - det) / n
	t.Run("built-in with time: null", func(t *testing.T) {
		// The file has no time column: an analyst maps the score and says so.
		rep := analyst(t, `sources:
  answers: {path: `+q(path)+`}
kpis:
  - use: nps
    source: answers
    columns: {nps: `+q(question)+`}
    time: null
`, []string{filepath.Dir(path)})
		checkValue(t, rep, "nps", "Total", want)
		checkN(t, rep, "nps", "Total", int64(n))
	})
	t.Run("custom formula", func(t *testing.T) {
		rep := analyst(t, `sources:
  answers: {path: `+q(path)+`}
kpis:
  - id: nps
    type: formula
    inputs:
      promoters: count(*) FILTER (WHERE "`+question+`" >= 9)
      detractors: count(*) FILTER (WHERE "`+question+`" <= 6)
      n: count("`+question+`")
    expr: 100.0 * (promoters - detractors) / n
    better: higher
`, []string{filepath.Dir(path)})
		checkValue(t, rep, "nps", "Total", want)
		checkN(t, rep, "nps", "Total", int64(n))
	})
}

// TestCallCenter: CSAT (% of ratings 4–5 among rated calls) and FCR
// (resolved among answered calls) for one month and for all time; dates are
// M/D/YYYY and column names have spaces and parentheses.
func TestCallCenter(t *testing.T) {
	path := datasets(t, "call_center.csv")
	tb := readTable(t, path)
	id, ia, ir, is := tb.col(t, "date"), tb.col(t, "answered (Y/N)"), tb.col(t, "resolved"), tb.col(t, "satisfaction rating")
	type counts struct{ sat, rated, resolved, answered float64 }
	byMonth := map[string]*counts{"all": {}}
	for _, r := range tb.rows {
		d, err := time.Parse("1/2/2006", r[id])
		if err != nil {
			t.Fatal(err)
		}
		m := d.Format("2006-01")
		if byMonth[m] == nil {
			byMonth[m] = &counts{}
		}
		for _, c := range []*counts{byMonth[m], byMonth["all"]} {
			if s := strings.TrimSpace(r[is]); s != "" {
				c.rated++
				if parseNum(t, s) >= 4 {
					c.sat++
				}
			}
			if r[ia] == "Y" {
				c.answered++
				if r[ir] == "Y" {
					c.resolved++
				}
			}
		}
	}
	cfg := `sources:
  calls: {path: ` + q(path) + `, time: date}
kpis:
  - use: csat
    source: calls
    columns: {csat: satisfaction rating, resolved_at: date}
  - id: fcr
    name: First call resolution
    type: ratio
    numerator: count(*) FILTER (WHERE resolved = 'Y' AND "answered (Y/N)" = 'Y')
    denominator: count(*) FILTER (WHERE "answered (Y/N)" = 'Y')
    scale: 100
    unit: "%"
    better: higher
`
	for _, period := range []string{"2021-02", "all"} {
		t.Run(period, func(t *testing.T) {
			c := byMonth[period]
			if c == nil || c.rated == 0 {
				t.Fatalf("no calls in %s", period)
			}
			rep := analyst(t, cfg, []string{filepath.Dir(path)}, "--period", period)
			if rep.Period != period {
				t.Errorf("period %q, want %q", rep.Period, period)
			}
			checkValue(t, rep, "csat", "Total", 100*c.sat/c.rated)
			checkN(t, rep, "csat", "Total", int64(c.rated))
			checkValue(t, rep, "fcr", "Total", 100*c.resolved/c.answered)
			checkN(t, rep, "fcr", "Total", int64(c.answered))
		})
	}
}

// TestSuperstoreAOV: average order value is revenue over distinct orders, not
// the mean line; the file starts with a byte-order mark and has M/D/YYYY dates.
func TestSuperstoreAOV(t *testing.T) {
	path := datasets(t, "superstore_orders.csv")
	tb := readTable(t, path)
	io, id, is := tb.col(t, "Order ID"), tb.col(t, "Order Date"), tb.col(t, "Sales")
	type agg struct {
		sales  float64
		orders map[string]bool
		lines  int64
	}
	byMonth := map[string]*agg{"all": {orders: map[string]bool{}}}
	for _, r := range tb.rows {
		d, err := time.Parse("1/2/2006", r[id])
		if err != nil {
			t.Fatal(err)
		}
		m := d.Format("2006-01")
		if byMonth[m] == nil {
			byMonth[m] = &agg{orders: map[string]bool{}}
		}
		for _, a := range []*agg{byMonth[m], byMonth["all"]} {
			a.sales += parseNum(t, r[is])
			a.orders[r[io]] = true
			a.lines++
		}
	}
	cfg := `sources:
  orders: {path: ` + q(path) + `}
kpis:
  - use: avg_purchase
    columns: {amount: Sales, order_id: Order ID, order_date: Order Date}
  # "Row ID" is the first column: it must not carry the byte-order mark.
  - id: lines
    type: formula
    inputs: {n: count("Row ID")}
    expr: n
    better: higher
    time: Order Date
`
	for _, period := range []string{"2018-11", "all"} {
		t.Run(period, func(t *testing.T) {
			a := byMonth[period]
			if a == nil || len(a.orders) == 0 {
				t.Fatalf("no orders in %s", period)
			}
			rep := analyst(t, cfg, []string{filepath.Dir(path)}, "--period", period)
			aov := a.sales / float64(len(a.orders))
			checkValue(t, rep, "avg_purchase", "Total", aov)
			checkN(t, rep, "avg_purchase", "Total", int64(len(a.orders)))
			checkValue(t, rep, "lines", "Total", float64(a.lines))
			if lineMean := a.sales / float64(a.lines); approx(lineMean, aov) {
				t.Error("the mean line equals the order value: this check cannot tell them apart")
			}
		})
	}
}

// TestCDNOW: the whitespace-aligned file loads with numeric columns (dollar
// amounts keep their cents) and YYYYMMDD dates.
func TestCDNOW(t *testing.T) {
	path := datasets(t, "cdnow_master.txt")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type agg struct{ dollars, cds, n float64 }
	byMonth := map[string]*agg{"all": {}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 4 {
			t.Fatalf("line %q", sc.Text())
		}
		if fields[1] == "date" { // the header line
			continue
		}
		d, err := time.Parse("20060102", fields[1])
		if err != nil {
			t.Fatal(err)
		}
		m := d.Format("2006-01")
		if byMonth[m] == nil {
			byMonth[m] = &agg{}
		}
		for _, a := range []*agg{byMonth[m], byMonth["all"]} {
			a.cds += parseNum(t, fields[2])
			a.dollars += parseNum(t, fields[3])
			a.n++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	cfg := `sources:
  cdnow: {path: ` + q(path) + `, time: date}
kpis:
  - id: dollars_per_cd
    type: formula
    inputs: {dollars: sum(dollar_value), cds: sum(number_of_cds), n: count(*)}
    expr: dollars / cds
    better: higher
  - id: revenue
    type: formula
    inputs: {dollars: sum(dollar_value), n: count(*)}
    expr: dollars
    better: higher
`
	for _, period := range []string{"1997-02", "all"} {
		t.Run(period, func(t *testing.T) {
			a := byMonth[period]
			if a == nil || a.n == 0 {
				t.Fatalf("no transactions in %s", period)
			}
			rep := analyst(t, cfg, []string{filepath.Dir(path)}, "--period", period)
			checkValue(t, rep, "revenue", "Total", a.dollars)
			checkValue(t, rep, "dollars_per_cd", "Total", a.dollars/a.cds)
			checkN(t, rep, "dollars_per_cd", "Total", int64(a.n))
		})
	}
}

// sharedDatasets are the files of ../shared/datasets whose proposals
// docs/own-data.md lists.
var sharedDatasets = []string{"airline_nps_prep_air.csv", "airline_nps_responses.csv", "call_center.csv", "cdnow_master.txt",
	"maven_telecom_customer_churn.csv", "superstore_orders.csv", "telco_customer_churn.csv"}

const (
	proposalsBegin = "<!-- init proposals: generated by TestInitProposalsTable; KPISCOPE_UPDATE_DOCS=1 go test ./cmd/kpiscope -run TestInitProposalsTable rewrites it -->"
	proposalsEnd   = "<!-- end of init proposals -->"
)

// TestInitProposalsTable: docs/own-data.md lists what init proposes for each
// shared dataset, and why, as init says it; the table must match what init
// infers today (KPISCOPE_UPDATE_DOCS=1 rewrites it from init's output).
func TestInitProposalsTable(t *testing.T) {
	skipShort(t)
	var b strings.Builder
	b.WriteString("| file | KPI | reads | why |\n|---|---|---|---|\n")
	dir := ""
	for _, f := range sharedDatasets {
		p := datasets(t, f)
		dir = filepath.Dir(p)
		in, _, err := workspace.Infer(context.Background(), workspace.Options{Sources: []string{p}, NoConfig: true})
		if err != nil {
			t.Fatal(err)
		}
		proposalRows(&b, f, in)
	}
	in, _, err := workspace.Infer(context.Background(), workspace.Options{Sources: []string{dir}, NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range in.KPIs {
		ids = append(ids, "`"+k.Key()+"`")
	}
	why := "each file's KPIs, as alone"
	if len(in.Renamed) > 0 {
		why += fmt.Sprintf("; %d named after their tables, their ids being on several tables", len(in.Renamed))
	}
	if n := len(in.Skipped) + len(in.Dropped); n > 0 {
		why += fmt.Sprintf("; %d left out (listed in the file)", n)
	}
	fmt.Fprintf(&b, "| the folder | %s | | %s |\n", strings.Join(ids, ", "), why)
	table := b.String()

	path := filepath.Join("..", "..", "docs", "own-data.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	i, j := strings.Index(text, proposalsBegin), strings.Index(text, proposalsEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no generated proposals table (%q … %q)", path, proposalsBegin, proposalsEnd)
	}
	have := text[i+len(proposalsBegin)+1 : j]
	if have == table {
		return
	}
	if os.Getenv("KPISCOPE_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(text[:i+len(proposalsBegin)+1]+table+text[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote the proposals table in %s", path)
		return
	}
	t.Errorf("docs/own-data.md's table of init's proposals is out of date (KPISCOPE_UPDATE_DOCS=1 rewrites it); init now proposes:\n%s\nthe file says:\n%s", table, have)
}

// proposalRows writes one row per KPI init proposes for a file, then one
// for what its notes rule out, and its dimensions.
func proposalRows(b *strings.Builder, file string, in *infer.Inference) {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
	for _, k := range in.KPIs {
		reads := ""
		switch {
		case k.Use != "":
			var cols []string
			for _, kv := range k.Columns {
				cols = append(cols, kv.Key+" → `"+kv.Value+"`")
			}
			reads = "built-in: " + strings.Join(cols, ", ")
		case k.Expr != "":
			reads = "`" + k.Expr + "`"
		default:
			reads = "`" + k.Numerator + "` / `" + k.Denominator + "`"
			if k.Where != "" {
				reads += " where `" + k.Where + "`"
			}
		}
		if k.NoTime {
			reads += ", no time axis"
		}
		why := ""
		if len(k.Why) > 0 {
			why = k.Why[0]
		}
		fmt.Fprintf(b, "| %s | `%s` | %s | %s |\n", file, k.Key(), cell(reads), cell(why))
	}
	var notes []string
	for _, tp := range in.Tables {
		notes = append(notes, tp.Notes...)
		for _, c := range tp.Columns {
			if c.Note != "" {
				notes = append(notes, c.Name+" is "+c.Note)
			}
		}
	}
	dims := "none"
	if len(in.Dimensions) > 0 {
		dims = "`" + strings.Join(in.Dimensions, "`, `") + "`"
	}
	notes = append(notes, "dimensions: "+dims)
	fmt.Fprintf(b, "| %s | | | %s |\n", file, cell(strings.Join(notes, " ")))
}
