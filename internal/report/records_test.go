package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// recordsPage: rows 3–4 of 12 resolved tickets matching "web", of 40.
func recordsPage() *kpi.Records {
	d := &kpi.Def{ID: "resolution_time", Name: "Resolution time"}
	at := time.Date(2026, 10, 2, 9, 30, 0, 0, time.UTC)
	return &kpi.Records{Def: d, Of: d, Table: "tickets", Rule: "resolved_at >= created_at", Period: "Oct 2026",
		Columns: []string{"resolved_at", "ticket_id", "note", "hours"}, Dates: []bool{false, false, false, false},
		Rows:   [][]any{{at, "t1", "=HYPERLINK(\"x\")", 1.5}, {nil, "t2", "a|b", int64(3)}},
		Offset: 2, Count: 40, N: 40, Match: 12, Search: "web", Sort: "resolved_at", Desc: true,
		Filters: []kpi.Filter{{Dim: "region", Values: []string{"EMEA"}}}}
}

// TestRecordsWords: which rows, how many, which page, sorted how.
func TestRecordsWords(t *testing.T) {
	r := recordsPage()
	if got, want := RecordsCount(r, 2), `rows 3–4 of 12 matching "web" (of 40)`; got != want {
		t.Errorf("count %q, want %q", got, want)
	}
	if got, want := RecordsRule(r), "tickets where resolved_at >= created_at · region = EMEA"; got != want {
		t.Errorf("rule %q, want %q", got, want)
	}
	if got, want := RecordsSort(r), "sorted by resolved_at ↓"; got != want {
		t.Errorf("sort %q, want %q", got, want)
	}
	r.Search, r.Match, r.Offset, r.Distinct, r.N = "", 1000, 0, "customer_id", 640
	if got, want := RecordsCount(r, 20), "rows 1–20 of 1,000 · n 640 distinct customer_id"; got != want {
		t.Errorf("count %q, want %q", got, want)
	}
	r.Match = 0
	if got, want := RecordsCount(r, 0), "no rows · n 640 distinct customer_id"; got != want {
		t.Errorf("count %q, want %q", got, want)
	}
	// In file order, the count not come yet: which rows, and how they are read.
	r.Sort, r.Desc, r.Count, r.N, r.Match, r.Offset, r.Search = "", false, -1, -1, -1, 33, "web"
	if got, want := RecordsCount(r, 33)+" · "+RecordsSort(r), `rows 34–66 matching "web" · in file order`; got != want {
		t.Errorf("count %q, want %q", got, want)
	}
	cac := &kpi.Def{ID: "cac", Name: "Customer acquisition cost", Short: "CAC"}
	r = &kpi.Records{Def: cac, Of: &kpi.Def{ID: "new_customers", Name: "New customers"}, Table: "customers"}
	if got, want := RecordsRule(r), "customers: the n of CAC is New customers"; got != want {
		t.Errorf("rule %q, want %q", got, want)
	}
}

// TestRecordsFormats: the page in each format; CSV neutralises a formula,
// JSON keeps numbers and nulls and counts the rows left out (12 − 2 − 2).
func TestRecordsFormats(t *testing.T) {
	var b bytes.Buffer
	if err := Records(&b, recordsPage(), "csv", "test"); err != nil {
		t.Fatal(err)
	}
	want := "resolved_at,ticket_id,note,hours\n2026-10-02 09:30:00,t1,\"'=HYPERLINK(\"\"x\"\")\",1.5\n,t2,a|b,3\n"
	if b.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := Records(&b, recordsPage(), "json", "test"); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Count, N, Matching, LeftOut int64 `json:"-"`
		Rows                        []map[string]any
		Left                        int64 `json:"rows_left_out"`
		Match                       int64 `json:"matching"`
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Left != 8 || out.Match != 12 || len(out.Rows) != 2 || out.Rows[0]["hours"] != 1.5 || out.Rows[1]["resolved_at"] != nil ||
		out.Rows[0]["resolved_at"] != "2026-10-02T09:30:00Z" {
		t.Errorf("json: %s", b.String())
	}
	b.Reset()
	if err := Records(&b, recordsPage(), "markdown", "test"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| 2026-10-02 09:30:00 | t1 |") || !strings.Contains(b.String(), `| a\|b | 3 |`) ||
		!strings.Contains(b.String(), "- 8 more: --limit N") {
		t.Errorf("markdown:\n%s", b.String())
	}
	b.Reset()
	if err := Records(&b, recordsPage(), "table", "test"); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"Resolution time · the rows behind n · Oct 2026 · test",
		`rows 3–4 of 12 matching "web" (of 40) · sorted by resolved_at ↓`,
		"resolved_at          ticket_id  note             hours",
		"2026-10-02 09:30:00  t1         =HYPERLINK(\"x\")    1.5",
		"                     t2         a|b                  3",
		"8 more: --limit N for more, --limit all for every one",
	} {
		if !strings.Contains(b.String(), line+"\n") {
			t.Errorf("table has no line %q:\n%s", line, b.String())
		}
	}
}

// TestRecordsTimeOfDayFormats: a time of day (a TIME column, read by the
// driver as a time on 1 Jan of year 1) is 09:15:50 in every format, not
// 0001-01-01 09:15:50; null stays empty (null in JSON). (review 13,
// finding 2)
func TestRecordsTimeOfDayFormats(t *testing.T) {
	d := &kpi.Def{ID: "csat", Name: "CSAT"}
	clock := func(h, m, s int) time.Time { return time.Date(1, 1, 1, h, m, s, 0, time.UTC) }
	r := &kpi.Records{Def: d, Of: d, Table: "calls", Period: "Mar 2021",
		Columns: []string{"call", "time"}, Dates: []bool{false, false}, Clocks: []bool{false, true},
		Rows:  [][]any{{"ID1", clock(9, 15, 50)}, {"ID2", nil}, {"ID3", clock(23, 5, 0)}},
		Count: 3, N: 3, Match: 3, Sort: "call"}
	var b bytes.Buffer
	for _, f := range []struct{ format, want string }{
		{"table", "call  time\nID1   09:15:50\nID2\nID3   23:05:00\n"},
		{"csv", "call,time\nID1,09:15:50\nID2,\nID3,23:05:00\n"},
		{"markdown", "| ID1 | 09:15:50 |\n| ID2 |  |\n| ID3 | 23:05:00 |\n"},
	} {
		b.Reset()
		if err := Records(&b, r, f.format, "test"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), f.want) {
			t.Errorf("%s has no %q:\n%s", f.format, f.want, b.String())
		}
	}
	b.Reset()
	if err := Records(&b, r, "json", "test"); err != nil {
		t.Fatal(err)
	}
	var out struct{ Rows []map[string]any }
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if rs := out.Rows; rs[0]["time"] != "09:15:50" || rs[1]["time"] != nil || rs[2]["time"] != "23:05:00" {
		t.Errorf("json: %s", b.String())
	}
}

// recordsTail: the long tail of resolution time, its measure (hours per
// ticket, rounded to 0.01) beside the time column.
func recordsTail() *kpi.Records {
	d := &kpi.Def{ID: "resolution_time", Name: "Resolution time"}
	at := time.Date(2026, 10, 23, 6, 57, 31, 0, time.UTC)
	return &kpi.Records{Def: d, Of: d, Table: "tickets", Rule: "resolved_at >= created_at", Period: "Oct 2026",
		Columns: []string{"resolved_at", "Resolution (h)", "ticket_id", "contacts"},
		Times:   []bool{true, false, false, false}, Dates: []bool{false, false, false, false},
		Measured: []bool{false, true, false, false},
		Rows: [][]any{{at, 1364.75, "T1", int64(5)}, {at, 6.03, "T2", int64(12)},
			{at, 17.8, "T3", int64(1)}, {at, 1.0, "T4", nil}},
		Count: 4, N: 4, Match: 4, Sort: "Resolution (h)", Desc: true}
}

// TestRecordsMeasureShown: the table shows the measure with two decimals,
// thousands separated and right-aligned, so the points line up (1,364.75
// over 6.03, 17.80, 1.00), numbers right-aligned; CSV and JSON keep
// machine numbers (1364.75, 17.8, 1). (review 13, finding 13)
func TestRecordsMeasureShown(t *testing.T) {
	var b bytes.Buffer
	if err := Records(&b, recordsTail(), "table", "test"); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"resolved_at          Resolution (h)  ticket_id  contacts",
		"2026-10-23 06:57:31        1,364.75  T1                5",
		"2026-10-23 06:57:31            6.03  T2               12",
		"2026-10-23 06:57:31           17.80  T3                1",
		"2026-10-23 06:57:31            1.00  T4",
	} {
		if !strings.Contains(b.String(), line+"\n") {
			t.Errorf("table has no line %q:\n%s", line, b.String())
		}
	}
	b.Reset()
	if err := Records(&b, recordsTail(), "markdown", "test"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"| --- | ---: | --- | ---: |", "| 2026-10-23 06:57:31 | 1,364.75 | T1 | 5 |", "| 17.80 | T3 | 1 |"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("markdown has no %q:\n%s", s, b.String())
		}
	}
	b.Reset()
	if err := Records(&b, recordsTail(), "csv", "test"); err != nil {
		t.Fatal(err)
	}
	want := "resolved_at,Resolution (h),ticket_id,contacts\n" +
		"2026-10-23 06:57:31,1364.75,T1,5\n2026-10-23 06:57:31,6.03,T2,12\n" +
		"2026-10-23 06:57:31,17.8,T3,1\n2026-10-23 06:57:31,1,T4,\n"
	if b.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := Records(&b, recordsTail(), "json", "test"); err != nil {
		t.Fatal(err)
	}
	var out struct{ Rows []map[string]any }
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if r := out.Rows; r[0]["Resolution (h)"] != 1364.75 || r[2]["Resolution (h)"] != 17.8 || r[3]["Resolution (h)"] != 1.0 {
		t.Errorf("json: %s", b.String())
	}
}

// TestRecordsNoValueNoN: CAC in a quarter not over has no value, so no n:
// the count line says so, the reason follows, JSON's n is null beside
// no_value; the rows (the n of New customers would count) stay.
// (review 13, finding 5)
func TestRecordsNoValueNoN(t *testing.T) {
	cac := &kpi.Def{ID: "cac", Name: "Customer acquisition cost", Short: "CAC"}
	why := "needs acquisition_spend: Acquisition spend is recorded by month and Q4 2026 is not over yet"
	r := &kpi.Records{Def: cac, Of: &kpi.Def{ID: "new_customers", Name: "New customers"}, Table: "customers",
		Period: "Q4 2026 (to 31 Oct)", Columns: []string{"customer_id"}, Dates: []bool{false},
		Rows: [][]any{{"C1"}, {"C2"}}, Count: 221, N: -1, Match: 221, NoValue: why}
	if got, want := RecordsCount(r, 2), "rows 1–2 of 221 · no n: CAC has no value in Q4 2026 (to 31 Oct)"; got != want {
		t.Errorf("count %q, want %q", got, want)
	}
	var b bytes.Buffer
	if err := Records(&b, r, "table", "test"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\n! Customer acquisition cost: "+why+"; the rows are those its n would count\n") ||
		!strings.Contains(b.String(), "\nC2\n") {
		t.Errorf("table:\n%s", b.String())
	}
	b.Reset()
	if err := Records(&b, r, "json", "test"); err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if n, ok := out["n"]; !ok || n != nil || out["no_value"] != why || out["count"] != 221.0 || len(out["rows"].([]any)) != 2 {
		t.Errorf("json: n %v (present %v), no_value %v, count %v:\n%s", n, ok, out["no_value"], out["count"], b.String())
	}
	// With a value, n is a number and there is no no_value.
	r.N, r.NoValue = 221, ""
	b.Reset()
	Records(&b, r, "json", "test")
	out = nil
	json.Unmarshal(b.Bytes(), &out)
	if _, ok := out["no_value"]; ok || out["n"] != 221.0 {
		t.Errorf("json with a value: %s", b.String())
	}
}
