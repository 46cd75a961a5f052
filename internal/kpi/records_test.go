package kpi_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// recordsFixture: six tickets by three customers, and the customers.
//
//	t1 A chat  created 2 Oct 09:00, resolved 2 Oct 12:00, csat 5, 1 contact
//	t2 B email created 3 Oct,       resolved 5 Oct,       no csat, 2 contacts
//	t3 A chat  created 30 Sep,      resolved 1 Oct 10:00, csat 2, 1 contact
//	t4 C web   created 10 Oct,      not resolved
//	t5 B chat  created 1 Sep,       resolved 2 Sep,       csat 4 (September)
//	t6 C email created 20 Oct,      resolved 21 Oct,      csat 9 (off the scale)
//
// A (EMEA) signed up 1 Jan, B (AMER) 1 May and churned 15 Oct, C (EMEA)
// signed up 5 Oct.
const recordsFixture = `
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE, churn_date DATE, segment VARCHAR, region VARCHAR, plan VARCHAR);
INSERT INTO customers VALUES ('A', '2026-01-01', NULL, 'SMB', 'EMEA', 'Pro'), ('B', '2026-05-01', '2026-10-15', 'SMB', 'AMER', 'Basic'),
 ('C', '2026-10-05', NULL, 'Enterprise', 'EMEA', 'Pro');
CREATE TABLE tickets (ticket_id VARCHAR, customer_id VARCHAR, channel VARCHAR, priority VARCHAR,
  created_at TIMESTAMP, first_response_at TIMESTAMP, resolved_at TIMESTAMP, contacts INTEGER, csat INTEGER, ces INTEGER);
INSERT INTO tickets VALUES
 ('t1', 'A', 'chat',  'low',  '2026-10-02 09:00', '2026-10-02 09:30', '2026-10-02 12:00', 1, 5, 6),
 ('t2', 'B', 'email', 'high', '2026-10-03 08:00', '2026-10-03 10:00', '2026-10-05 08:00', 2, NULL, NULL),
 ('t3', 'A', 'chat',  'low',  '2026-09-30 20:00', NULL,               '2026-10-01 10:00', 1, 2, 3),
 ('t4', 'C', 'web',   'low',  '2026-10-10 10:00', NULL,               NULL,               NULL, NULL, NULL),
 ('t5', 'B', 'chat',  'high', '2026-09-01 10:00', '2026-09-01 11:00', '2026-09-02 10:00', 1, 4, 5),
 ('t6', 'C', 'email', 'low',  '2026-10-20 10:00', '2026-10-20 12:00', '2026-10-21 10:00', 3, 9, NULL);
`

func recordsEngine(t *testing.T) *kpi.Engine {
	t.Helper()
	return standardEngine(t, openFixture(t, recordsFixture))
}

func ids(r *kpi.Records) string {
	col := -1
	for i, c := range r.Columns {
		if c == "ticket_id" || c == "customer_id" && col < 0 {
			col = i
		}
	}
	var out []string
	for _, row := range r.Rows {
		out = append(out, kpi.RecordText(row[col], false))
	}
	return fmt.Sprint(out)
}

// TestRecordsCountHandWorked: the rows each KPI counts in October, by hand
// from the fixture, and the count equals the scorecard's n.
func TestRecordsCountHandWorked(t *testing.T) {
	eng := recordsEngine(t)
	ctx := context.Background()
	oct := kpi.Slice{Grain: kpi.Month, Period: oct}
	region := func(v string) kpi.Slice { return oct.WithFilter(kpi.Filter{Dim: "region", Values: []string{v}}) }
	channel := func(v string) kpi.Slice { return oct.WithFilter(kpi.Filter{Dim: "channel", Values: []string{v}}) }
	cases := []struct {
		name  string
		id    string
		s     kpi.Slice
		count int64
		rows  string // by the time column, the default sort
	}{
		// Resolved in October with a 1–5 answer: t3 (1 Oct), t1; t6's 9 is off the scale.
		{"csat october", "csat", oct, 2, "[t3 t1]"},
		// Resolved in October: t3, t1, t2, t6 (t4 is open, t5 resolved in September).
		{"resolution october", "resolution_time", oct, 4, "[t3 t1 t2 t6]"},
		{"fcr october", "fcr", oct, 4, "[t3 t1 t2 t6]"},
		// A filter on a ticket column.
		{"resolution by chat", "resolution_time", channel("chat"), 2, "[t3 t1]"},
		{"csat by email", "csat", channel("email"), 0, "[]"},
		// A filter on a customer column, through customer_id: A and C are in EMEA.
		{"resolution in EMEA", "resolution_time", region("EMEA"), 3, "[t3 t1 t6]"},
		{"resolution in AMER", "resolution_time", region("AMER"), 1, "[t2]"},
		// First response, by created date: t1, t2, t6 were answered (t3 was created in September).
		{"first response", "first_response", oct, 3, "[t1 t2 t6]"},
		// Customers active at the start of October: A and B (C signed up on 5 Oct).
		{"churn", "churn", oct, 2, "[A B]"},
		{"churn in EMEA", "churn", region("EMEA"), 1, "[A]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := eng.Records(ctx, c.id, c.s, kpi.RecordsAsk{Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			if r.Count != c.count || r.N != c.count || r.Match != c.count {
				t.Errorf("count %d, n %d, match %d; want %d", r.Count, r.N, r.Match, c.count)
			}
			if got := ids(r); got != c.rows {
				t.Errorf("rows %s, want %s", got, c.rows)
			}
			if c.id == "churn" && r.Rule != "signup_date < 2026-10-01 AND (CAST(churn_date AS DATE) IS NULL OR CAST(churn_date AS DATE) >= 2026-10-01)" {
				t.Errorf("rule %q does not name October's start", r.Rule)
			}
			sc, err := eng.Compute(ctx, c.s, []string{c.id})
			if err != nil {
				t.Fatal(err)
			}
			if got := sc.Find(c.id).Total.N; got != c.count {
				t.Errorf("the scorecard's n is %d, the rows %d", got, c.count)
			}
		})
	}
}

// TestRecordsKeepTheKPIsWhere: a KPI's own row filter (where:) narrows its
// rows as it narrows its n: chat tickets rated in October are t1 and t3.
func TestRecordsKeepTheKPIsWhere(t *testing.T) {
	db := openFixture(t, recordsFixture)
	ctx := context.Background()
	chat := &kpi.Def{ID: "chat_csat", Source: "tickets", Type: kpi.Ratio, Numerator: "count(*) FILTER (WHERE csat >= 4)",
		Denominator: "count(csat)", Where: "channel = 'chat'", Scale: 100, Better: kpi.Higher, Time: "resolved_at"}
	eng, err := kpi.New(ctx, db, []*kpi.Def{chat}, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	s := kpi.Slice{Grain: kpi.Month, Period: oct}
	r, err := eng.Records(ctx, "chat_csat", s, kpi.RecordsAsk{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := eng.Compute(ctx, s, nil)
	if n := sc.Find("chat_csat").Total.N; r.Count != 2 || n != 2 || ids(r) != "[t3 t1]" {
		t.Errorf("%d rows %s, n %d; want 2 rows [t3 t1]", r.Count, ids(r), n)
	}
	if r.Rule != "channel = 'chat' AND csat IS NOT NULL" {
		t.Errorf("rule %q", r.Rule)
	}
}

// TestRecordsColumnsKPIFirst: the time column, then the columns the KPI
// reads, then the rest of the table, then the customers' dimensions.
func TestRecordsColumnsKPIFirst(t *testing.T) {
	eng := recordsEngine(t)
	r, err := eng.Records(context.Background(), "csat", kpi.Slice{Grain: kpi.Month, Period: oct}, kpi.RecordsAsk{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := "[resolved_at csat ticket_id customer_id channel priority created_at first_response_at contacts ces segment region plan]"
	if got := fmt.Sprint(r.Columns); got != want {
		t.Errorf("columns %s, want %s", got, want)
	}
	if r.Used != 2 {
		t.Errorf("used %d, want 2 (resolved_at, csat)", r.Used)
	}
	if r.Rule != `csat BETWEEN 1 AND 5` {
		t.Errorf("rule %q", r.Rule)
	}
}

// TestRecordsMeasure: resolution time's rows carry the hours each adds to
// the numerator, beside the time column, and sort by them: t2 48h (3 Oct
// 08:00 → 5 Oct 08:00), t6 24h, t3 14h (30 Sep 20:00 → 1 Oct 10:00), t1 3h.
func TestRecordsMeasure(t *testing.T) {
	eng := recordsEngine(t)
	r, err := eng.Records(context.Background(), "resolution_time", kpi.Slice{Grain: kpi.Month, Period: oct},
		kpi.RecordsAsk{Sort: "resolution (h)", Desc: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(r.Columns[:3]); got != "[resolved_at Resolution (h) created_at]" || r.Used != 3 {
		t.Fatalf("columns %s (used %d)", got, r.Used)
	}
	var hours []string
	for _, row := range r.Rows {
		hours = append(hours, kpi.RecordText(row[1], false))
	}
	if got := fmt.Sprint(hours); got != "[48 24 14 3]" || ids(r) != "[t2 t6 t3 t1]" {
		t.Errorf("hours %s of %s, want [48 24 14 3] of [t2 t6 t3 t1]", got, ids(r))
	}
	// CSAT's numerator counts: no measure.
	r, _ = eng.Records(context.Background(), "csat", kpi.Slice{Grain: kpi.Month, Period: oct}, kpi.RecordsAsk{Limit: 1})
	if r.Columns[1] != "csat" {
		t.Errorf("csat's columns %v", r.Columns)
	}
}

// TestRecordsSortAndPage: October's resolved tickets by contacts, most
// first (t6 3, t2 2, then t1 and t3 with 1 in the order of the other
// columns: resolved_at), two a page.
func TestRecordsSortAndPage(t *testing.T) {
	eng := recordsEngine(t)
	ctx := context.Background()
	s := kpi.Slice{Grain: kpi.Month, Period: oct}
	for _, c := range []struct {
		ask  kpi.RecordsAsk
		want string
	}{
		{kpi.RecordsAsk{Sort: "contacts", Desc: true, Limit: 2}, "[t6 t2]"},
		{kpi.RecordsAsk{Sort: "contacts", Desc: true, Limit: 2, Offset: 2}, "[t3 t1]"},
		{kpi.RecordsAsk{Sort: "CONTACTS", Limit: 10}, "[t3 t1 t2 t6]"},
		// Nulls last either way: t2 has no csat.
		{kpi.RecordsAsk{Sort: "csat", Limit: 10}, "[t3 t1 t6 t2]"},
		{kpi.RecordsAsk{Sort: "csat", Desc: true, Limit: 10}, "[t6 t1 t3 t2]"},
	} {
		r, err := eng.Records(ctx, "resolution_time", s, c.ask)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(r); got != c.want {
			t.Errorf("%+v: %s, want %s", c.ask, got, c.want)
		}
	}
	if _, err := eng.Records(ctx, "resolution_time", s, kpi.RecordsAsk{Sort: "nope", Limit: 1}); err == nil {
		t.Error("sorting by a column the rows do not have is not an error")
	}
}

// TestRecordsSearch: a case-insensitive match on any shown column's text,
// the customers' included; the count of matches beside the KPI's n.
func TestRecordsSearch(t *testing.T) {
	eng := recordsEngine(t)
	ctx := context.Background()
	s := kpi.Slice{Grain: kpi.Month, Period: oct}
	for _, c := range []struct {
		search string
		match  int64
		want   string
	}{
		{"EMAIL", 2, "[t2 t6]"},
		{"amer", 1, "[t2]"},       // B's region, a customer column
		{"2026-10-02", 1, "[t1]"}, // a time, as its text
		{"%", 0, "[]"},            // no wildcard: a percent sign is a character
		{"o' OR 1=1 --", 0, "[]"}, // bound, never spliced
		{"enterprise", 1, "[t6]"}, // C's segment
		{"", 4, "[t3 t1 t2 t6]"},  // no search: every row
		{"  chat ", 2, "[t3 t1]"}, // spaces around are dropped
		{"low", 3, "[t3 t1 t6]"},  // priority
		{"t4", 0, "[]"},           // not resolved: not a row of this KPI
		{"pro", 3, "[t3 t1 t6]"},  // the plan, A's and C's
		{"basic", 1, "[t2]"},      // B's
		{"2026-10-21 10:00", 1, "[t6]"},
	} {
		r, err := eng.Records(ctx, "resolution_time", s, kpi.RecordsAsk{Search: c.search, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if r.Match != c.match || r.Count != 4 || r.N != 4 {
			t.Errorf("%q: match %d of %d (n %d), want %d of 4", c.search, r.Match, r.Count, r.N, c.match)
		}
		if got := ids(r); got != c.want {
			t.Errorf("%q: %s, want %s", c.search, got, c.want)
		}
	}
}

// TestRecordsRefused: a KPI whose n is not a count of rows, and unknown
// dimensions, give one clear error.
func TestRecordsRefused(t *testing.T) {
	eng := recordsEngine(t)
	ctx := context.Background()
	s := kpi.Slice{Grain: kpi.Month, Period: oct}
	if _, err := eng.Records(ctx, "csat", s.WithFilter(kpi.Filter{Dim: "colour", Values: []string{"red"}}), kpi.RecordsAsk{Limit: 1}); err == nil {
		t.Error("an unknown dimension is not an error")
	}
	if _, err := eng.Records(ctx, "nope", s, kpi.RecordsAsk{Limit: 1}); err == nil {
		t.Error("an unknown KPI is not an error")
	}
	// n as a sum of contacts counts no rows: refused, saying so.
	db := openFixture(t, recordsFixture)
	sum := &kpi.Def{ID: "contacts", Source: "tickets", Type: kpi.Formula, Inputs: map[string]string{"total": "sum(contacts)"},
		Expr: "total", N: "sum(contacts)", Better: kpi.Lower, Time: "resolved_at"}
	e2, err := kpi.New(ctx, db, []*kpi.Def{sum}, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e2.Records(ctx, "contacts", s, kpi.RecordsAsk{Limit: 1})
	if !errors.Is(err, kpi.ErrNoRecords) || err.Error() != "contacts's n is sum(contacts), not a count of rows: no rows to show" {
		t.Errorf("got %v", err)
	}
}

// TestRecordsCountEqualsNOnSample: on the sample, every KPI's rows count
// its n: the default month, a filter on a ticket column, on a customer
// column (joined through customer_id), a breakdown's segment, a quarter and
// all time. Composites show the rows their n counts (CAC: new customers;
// CLV and retention cost: customers active at the start).
func TestRecordsCountEqualsNOnSample(t *testing.T) {
	if testing.Short() {
		t.Skip("counts each slice's rows one after another: run without -short (CI's race pass is -short)")
	}
	ws := openSample(t)
	eng := ws.Engine
	ctx := context.Background()
	base := kpi.Slice{Grain: kpi.Month}
	slices := map[string]kpi.Slice{
		"month":     base,
		"channel":   base.WithFilter(kpi.Filter{Dim: "channel", Values: []string{"chat"}}),
		"region":    base.WithFilter(kpi.Filter{Dim: "region", Values: []string{"EMEA"}}),
		"quarter":   {Grain: kpi.Quarter},
		"all time":  {Grain: kpi.All},
		"two plans": base.WithFilter(kpi.Filter{Dim: "plan", Values: []string{"Pro", "Basic"}}),
	}
	distinct := map[string]bool{"purchase_frequency": true, "repeat_rate": true}
	counted := map[string]string{"cac": "new_customers", "clv": "churn", "retention_cost": "retention"}
	for name, s := range slices {
		sc, err := eng.Compute(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sc.Results {
			if r.Err != nil {
				continue // not sliceable this way (spend by region)
			}
			rec, err := eng.Records(ctx, r.Def.ID, s, kpi.RecordsAsk{Limit: 3})
			if err != nil {
				t.Errorf("%s %s: %v", name, r.Def.ID, err)
				continue
			}
			if rec.N != r.Total.N {
				t.Errorf("%s %s: n of the rows %d, the scorecard's %d", name, r.Def.ID, rec.N, r.Total.N)
			}
			if !distinct[r.Def.ID] && rec.Count != r.Total.N {
				t.Errorf("%s %s: %d rows, the scorecard's n %d", name, r.Def.ID, rec.Count, r.Total.N)
			}
			if distinct[r.Def.ID] && (rec.Distinct != "customer_id" || rec.Count <= rec.N) {
				t.Errorf("%s %s: %d rows of %d distinct %q", name, r.Def.ID, rec.Count, rec.N, rec.Distinct)
			}
			if want := counted[r.Def.ID]; want != "" && rec.Of.ID != want {
				t.Errorf("%s %s: rows of %s, want %s", name, r.Def.ID, rec.Of.ID, want)
			}
			if len(rec.Rows) != int(min(3, rec.Count)) {
				t.Errorf("%s %s: %d rows on a page of 3", name, r.Def.ID, len(rec.Rows))
			}
		}
	}
	// A breakdown's segment row: the filter the lens adds.
	sc, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.Month, Segment: "segment"}, []string{"csat", "nps"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sc.Results {
		for _, seg := range r.Segments {
			rec, err := eng.Records(ctx, r.Def.ID, kpi.Slice{Grain: kpi.Month}.WithFilter(kpi.Filter{Dim: "segment", Values: []string{seg.Segment}}), kpi.RecordsAsk{})
			if err != nil {
				t.Fatal(err)
			}
			if rec.Count != seg.N {
				t.Errorf("%s %s: %d rows, the breakdown's n %d", r.Def.ID, seg.Segment, rec.Count, seg.N)
			}
		}
	}
}

// recordsOrderEngine: 20,000 tickets written to a Parquet file in row
// groups of 1,000 (so DuckDB scans them on several threads), read through
// a view as kpiscope reads Parquet. Every one is resolved at the same
// moment of October with the same score (ties in every column the KPI
// reads), ticket_id is the row's place in the file (zero-padded), and the
// customers (A in EMEA, B in AMER, C in EMEA) take turns. sqls receives
// each query the engine runs.
func recordsOrderEngine(t *testing.T) (*kpi.Engine, *sqlLog) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "tickets.parquet")
	db := openFixture(t, `
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE, region VARCHAR);
INSERT INTO customers VALUES ('A', '2026-01-01', 'EMEA'), ('B', '2026-01-01', 'AMER'), ('C', '2026-01-01', 'EMEA');
COPY (SELECT printf('t%05d', i) AS ticket_id, ['A', 'B', 'C'][i % 3 + 1] AS customer_id,
  CASE WHEN i % 7 = 0 THEN 'web' ELSE 'email' END AS channel,
  TIMESTAMP '2026-10-05 10:00' AS resolved_at, 4 AS csat
  FROM range(20000) r(i) ORDER BY i) TO `+store.QuoteLiteral(file)+` (FORMAT parquet, ROW_GROUP_SIZE 1000);
CREATE VIEW tickets AS SELECT * FROM read_parquet(`+store.QuoteLiteral(file)+`)`)
	csat := &kpi.Def{ID: "csat", Source: "tickets", Type: kpi.Ratio, Numerator: "count(*) FILTER (WHERE csat >= 4)",
		Denominator: "count(csat)", Scale: 100, Better: kpi.Higher, Time: "resolved_at"}
	log := &sqlLog{}
	eng, err := kpi.New(context.Background(), db, []*kpi.Def{csat}, kpi.Options{Now: fixedNow, Log: slog.New(log), Dimensions: []string{"channel", "region"}})
	if err != nil {
		t.Fatal(err)
	}
	return eng, log
}

// sqlLog keeps the SQL of each query an engine logs.
type sqlLog struct {
	mu   sync.Mutex
	sqls []string
}

func (l *sqlLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *sqlLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *sqlLog) WithGroup(string) slog.Handler            { return l }
func (l *sqlLog) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "sql" {
			l.mu.Lock()
			l.sqls = append(l.sqls, a.Value.String())
			l.mu.Unlock()
		}
		return true
	})
	return nil
}

func (l *sqlLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.sqls
	l.sqls = nil
	return out
}

// TestRecordsFileOrderPagesAreStable: in file order, pages read one after
// the other cover the slice exactly once, in the file's order, on a file
// whose rows tie in every column the KPI reads: plain, with a filter on a
// customers' column (joined), and with a search; a page past the middle
// read from the end (Total known) is the same rows. A sort by the tied
// score pages the same way (its ties broken by the other columns).
func TestRecordsFileOrderPagesAreStable(t *testing.T) {
	eng, _ := recordsOrderEngine(t)
	ctx := context.Background()
	oct := kpi.Slice{Grain: kpi.Month, Period: oct}
	want := func(keep func(i int) bool) []string {
		var out []string
		for i := range 20000 {
			if keep(i) {
				out = append(out, fmt.Sprintf("t%05d", i))
			}
		}
		return out
	}
	for _, c := range []struct {
		name string
		s    kpi.Slice
		ask  kpi.RecordsAsk
		want []string
	}{
		{"plain", oct, kpi.RecordsAsk{FileOrder: true}, want(func(int) bool { return true })},
		{"EMEA", oct.WithFilter(kpi.Filter{Dim: "region", Values: []string{"EMEA"}}), kpi.RecordsAsk{FileOrder: true}, want(func(i int) bool { return i%3 != 1 })},
		{"web", oct, kpi.RecordsAsk{FileOrder: true, Search: "WEB"}, want(func(i int) bool { return i%7 == 0 })},
		{"sorted", oct, kpi.RecordsAsk{Sort: "csat"}, want(func(int) bool { return true })},
	} {
		t.Run(c.name, func(t *testing.T) {
			first := c.ask
			first.Limit = 0
			r, err := eng.Records(ctx, "csat", c.s, first)
			if err != nil {
				t.Fatal(err)
			}
			if r.Match != int64(len(c.want)) {
				t.Fatalf("%d rows, want %d", r.Match, len(c.want))
			}
			for _, total := range []int64{0, r.Match} {
				var got []string
				for off := 0; off < len(c.want); off += 997 {
					a := c.ask
					a.Offset, a.Limit, a.NoCount, a.Total = off, 997, true, total
					p, err := eng.Records(ctx, "csat", c.s, a)
					if err != nil {
						t.Fatal(err)
					}
					for _, row := range p.Rows {
						got = append(got, kpi.RecordText(row[2], false))
					}
				}
				if len(got) != len(c.want) {
					t.Fatalf("total %d: %d rows over the pages, want %d", total, len(got), len(c.want))
				}
				for i := range got {
					if got[i] != c.want[i] {
						t.Fatalf("total %d: row %d is %s, want %s (%v)", total, i, got[i], c.want[i], got[max(0, i-2):min(len(got), i+3)])
					}
				}
			}
		})
	}
}

// TestRecordsFileOrderReadsOnlyThePage: in file order the rows are read
// with a LIMIT and no ORDER BY before it (DuckDB stops the scan once the
// page is full, no sort of the period's rows); the count is a query of its
// own, and no query is asked for when only the count is (Limit 0).
func TestRecordsFileOrderReadsOnlyThePage(t *testing.T) {
	eng, log := recordsOrderEngine(t)
	ctx := context.Background()
	s := kpi.Slice{Grain: kpi.Month, Period: oct}
	r, err := eng.Records(ctx, "csat", s, kpi.RecordsAsk{FileOrder: true, Limit: 30, NoCount: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 30 || r.Sort != "" || r.Match != -1 || kpi.RecordText(r.Rows[0][2], false) != "t00000" {
		t.Fatalf("%d rows sorted by %q, match %d", len(r.Rows), r.Sort, r.Match)
	}
	sqls := log.take()
	if len(sqls) != 1 {
		t.Fatalf("%d queries: %q", len(sqls), sqls)
	}
	q := sqls[0]
	limit := strings.Index(q, "LIMIT ?")
	if limit < 0 || strings.Contains(q[:limit], "ORDER BY") || strings.Contains(q, "count(") {
		t.Errorf("the page is not read with a LIMIT before any ORDER BY:\n%s", q)
	}
	// Sorted, the page is a top-N: ORDER BY with the LIMIT.
	if _, err := eng.Records(ctx, "csat", s, kpi.RecordsAsk{Sort: "csat", Limit: 30, NoCount: true}); err != nil {
		t.Fatal(err)
	}
	if q := log.take(); len(q) != 1 || !strings.Contains(q[0], "ORDER BY") || !strings.HasSuffix(q[0], "LIMIT ? OFFSET ?") {
		t.Errorf("a sorted page is not a top-N: %q", q)
	}
}

// TestRecordsTimeOfDay: a TIME column (a call's time of day, as
// call_center.csv's) is a time of day, 09:15:50, not 0001-01-01 09:15:50
// (the driver reads it as a time on 1 Jan of year 1); a search finds it as
// shown. (review 13, finding 2)
func TestRecordsTimeOfDay(t *testing.T) {
	eng := standardEngine(t, openFixture(t, recordsFixture+`
ALTER TABLE tickets ADD COLUMN opened TIME;
UPDATE tickets SET opened = '09:15:50' WHERE ticket_id = 't1';
UPDATE tickets SET opened = '23:05:00.25' WHERE ticket_id = 't3';`))
	r, err := eng.Records(context.Background(), "csat", kpi.Slice{Grain: kpi.Month, Period: oct},
		kpi.RecordsAsk{Sort: "ticket_id", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	j := slices.Index(r.Columns, "opened")
	if j < 0 || !r.Clocks[j] || r.Times[j] || r.Dates[j] {
		t.Fatalf("opened at %d among %v: clocks %v", j, r.Columns, r.Clocks)
	}
	if k := slices.Index(r.Columns, "resolved_at"); r.Clocks[k] {
		t.Errorf("resolved_at is a timestamp, not a time of day")
	}
	// October's tickets rated 1–5, by id: t1 09:15:50, t3 23:05:00.25 (t6's 9 is off the scale).
	var got []string
	for _, row := range r.Rows {
		got = append(got, r.Text(j, row[j]))
	}
	if want := "[09:15:50 23:05:00.25]"; fmt.Sprint(got) != want || ids(r) != "[t1 t3]" {
		t.Errorf("times %v of %s, want %s of [t1 t3]", got, ids(r), want)
	}
	r, err = eng.Records(context.Background(), "csat", kpi.Slice{Grain: kpi.Month, Period: oct},
		kpi.RecordsAsk{Search: "09:15", Limit: 10})
	if err != nil || ids(r) != "[t1]" || r.Match != 1 {
		t.Errorf("search 09:15: %v %s match %d, want [t1] 1", err, ids(r), r.Match)
	}
}

// TestRecordsMeasureDecimals: the measure is shown with its two decimals
// and thousands separated, so the points line up (48.00, 1,364.75); other
// numbers and the measure's machine text stay as they are (48, 3).
// (review 13, finding 13)
func TestRecordsMeasureDecimals(t *testing.T) {
	eng := recordsEngine(t)
	r, err := eng.Records(context.Background(), "resolution_time", kpi.Slice{Grain: kpi.Month, Period: oct},
		kpi.RecordsAsk{Sort: "resolution (h)", Desc: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.Measured[:3]) != "[false true false]" || slices.Contains(r.Measured[2:], true) {
		t.Fatalf("measured %v of %v", r.Measured, r.Columns)
	}
	c := slices.Index(r.Columns, "contacts")
	var got []string
	for _, row := range r.Rows { // t2 48h 2 contacts, t6 24h 3, t3 14h 1, t1 3h 1
		got = append(got, r.Display(1, row[1])+"/"+r.Text(1, row[1])+"/"+r.Display(c, row[c]))
	}
	if want := "[48.00/48/2 24.00/24/3 14.00/14/1 3.00/3/1]"; fmt.Sprint(got) != want {
		t.Errorf("measure shown %v, want %s", got, want)
	}
	if got := r.Display(1, 1364.75); got != "1,364.75" {
		t.Errorf("1364.75 shown %q, want 1,364.75", got)
	}
	if got := r.Display(1, nil); got != "" {
		t.Errorf("no measure shown %q, want nothing", got)
	}
}

// TestRecordsNoValueNoN: on the sample, CAC in Q4 2026 has no value (its
// spend is recorded by month and the quarter is not over), so its rows
// (October's 221 signups, the n of New customers) come with no n and the
// reason; in October, a month, CAC has a value and n is the rows'. 221 is
// SELECT count(*) FROM customers WHERE signup_date >= '2026-10-01'
// (the sample's signups stop in October). (review 13, finding 5)
func TestRecordsNoValueNoN(t *testing.T) {
	eng := openSample(t).Engine
	ctx := context.Background()
	r, err := eng.Records(ctx, "cac", kpi.Slice{Grain: kpi.Quarter, Period: oct}, kpi.RecordsAsk{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.N != -1 || r.Count != 221 || len(r.Rows) != 2 || !strings.Contains(r.NoValue, "not over yet") {
		t.Errorf("Q4: n %d count %d rows %d no value %q; want n -1, 221 rows, not over yet", r.N, r.Count, len(r.Rows), r.NoValue)
	}
	r, err = eng.Records(ctx, "cac", kpi.Slice{Grain: kpi.Month, Period: oct}, kpi.RecordsAsk{Limit: 0})
	if err != nil || r.NoValue != "" || r.N != 221 || r.Count != 221 {
		t.Errorf("Oct: %v n %d count %d no value %q; want n 221", err, r.N, r.Count, r.NoValue)
	}
}
