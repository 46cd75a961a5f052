package kpi_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// fixture is a hand-built standard data model for October 2026 (and a little
// of September) whose KPIs are worked out by hand in the comments below.
const fixture = `
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE, churn_date DATE, segment VARCHAR, region VARCHAR, plan VARCHAR);
INSERT INTO customers VALUES
 ('C1', '2026-01-01', NULL,         'SMB',        'EMEA', 'Basic'),
 ('C2', '2026-02-01', '2026-10-15', 'Consumer',   'APAC', 'Basic'),
 ('C3', '2026-03-01', '2026-09-20', 'SMB',        'EMEA', 'Basic'),
 ('C4', '2026-10-10', NULL,         'Enterprise', 'EMEA', 'Pro'),
 ('C5', '2026-10-05', '2026-10-25', 'Consumer',   'APAC', 'Basic'),
 ('C6', '2026-04-01', '2026-11-01', 'Enterprise', 'APAC', 'Pro'),
 ('C7', '2025-06-01', NULL,         'SMB',        'EMEA', 'Basic');

CREATE TABLE tickets (ticket_id VARCHAR, customer_id VARCHAR, channel VARCHAR, priority VARCHAR,
  created_at TIMESTAMP, first_response_at TIMESTAMP, resolved_at TIMESTAMP, contacts INTEGER, csat INTEGER, ces INTEGER);
INSERT INTO tickets VALUES
 ('t1', 'C1', 'chat',  'low',  '2026-10-01 00:00', '2026-10-01 01:00', '2026-10-01 10:00', 1, 5, 7),
 ('t2', 'C2', 'chat',  'high', '2026-10-02 00:00', '2026-10-02 00:30', '2026-10-03 00:00', 2, 4, 5),
 ('t3', 'C1', 'email', 'low',  '2026-10-03 00:00', '2026-10-03 03:00', '2026-10-03 02:00', 1, 3, 4),
 ('t4', 'C3', 'email', 'high', '2026-10-04 00:00', NULL,               '2026-10-06 00:00', 3, 1, NULL),
 ('t5', 'C3', 'email', 'low',  '2026-10-05 00:00', '2026-10-05 02:00', NULL,               NULL, NULL, NULL),
 ('t6', 'C2', 'phone', 'low',  '2026-10-06 00:00', '2026-10-05 23:00', '2026-10-05 12:00', 1, NULL, 6),
 ('t9', 'C2', 'email', 'low',  '2026-10-07 00:00', '2026-10-07 00:15', '2026-10-07 05:00', 1, 5, NULL),
 ('t10', 'C1', 'web', 'low', '2026-10-31 12:00', NULL, NULL, NULL, NULL, NULL),
 ('t7', 'C1', 'chat',  'low',  '2026-09-10 00:00', '2026-09-10 02:00', '2026-09-10 06:00', 1, 5, 6),
 ('t8', 'C2', 'email', 'low',  '2026-09-11 00:00', '2026-09-11 04:00', '2026-09-11 20:00', 2, 2, 3);

CREATE TABLE surveys (survey_id VARCHAR, customer_id VARCHAR, sent_at TIMESTAMP, responded_at TIMESTAMP, nps INTEGER);
INSERT INTO surveys VALUES
 ('s1', 'C1', '2026-10-01', '2026-10-02', 10),
 ('s2', 'C2', '2026-10-01', '2026-10-03', 9),
 ('s3', 'C1', '2026-10-02', '2026-10-02', 9),
 ('s4', 'C3', '2026-10-03', '2026-10-04', 3),
 ('s5', 'C3', '2026-10-03', NULL, NULL),
 ('s6', 'C2', '2026-10-04', NULL, NULL),
 ('s7', 'C1', '2026-09-30', '2026-10-01', 0),
 ('s8', 'C7', '2026-10-05', '2026-10-05', 8);

CREATE TABLE orders (order_id VARCHAR, customer_id VARCHAR, order_date TIMESTAMP, amount DOUBLE);
INSERT INTO orders VALUES
 ('o1', 'C1', '2026-10-02', 60), ('o1', 'C1', '2026-10-02', 40),
 ('o2', 'C1', '2026-10-10', 50),
 ('o3', 'C2', '2026-10-05', 20), ('o3', 'C2', '2026-10-05', 10),
 ('o4', 'C3', '2026-10-20', 20),
 ('o5', 'C1', '2026-09-15', 80);

CREATE TABLE spend (month DATE, kind VARCHAR, amount DOUBLE);
INSERT INTO spend VALUES ('2026-10-01', 'acquisition', 300), ('2026-10-01', 'retention', 60),
 ('2026-09-01', 'acquisition', 200), ('2026-09-01', 'retention', 40);
`

func openFixture(t testing.TB, sql string) *store.DB {
	t.Helper()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, stmt := range strings.Split(sql, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if err := db.Exec(context.Background(), stmt); err != nil {
			t.Fatalf("%v\n%s", err, stmt)
		}
	}
	return db
}

var fixedNow = func() time.Time { return time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC) }

func standardEngine(t testing.TB, db *store.DB) *kpi.Engine {
	t.Helper()
	ctx := context.Background()
	tables := map[string][]store.Column{}
	names, _ := db.Tables(ctx)
	for _, n := range names {
		tables[n], _ = db.Columns(ctx, n)
	}
	defs := kpi.StandardDefs(tables)
	eng, err := kpi.New(ctx, db, defs, kpi.Options{Now: fixedNow, Dimensions: []string{"channel", "priority", "region", "plan", "segment"}})
	if err != nil {
		t.Fatal(err)
	}
	for id, err := range eng.Problems() {
		t.Errorf("problem with %s: %v", id, err)
	}
	return eng
}

func compute(t testing.TB, eng *kpi.Engine, s kpi.Slice) *kpi.Scorecard {
	t.Helper()
	sc, err := eng.Compute(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

var oct = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func want(t *testing.T, what string, got *float64, exp float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: got no value, want %v", what, exp)
		return
	}
	if !approx(*got, exp) {
		t.Errorf("%s: got %v, want %v", what, *got, exp)
	}
}

func wantNone(t *testing.T, what string, got *float64) {
	t.Helper()
	if got != nil {
		t.Errorf("%s: got %v, want no value", what, *got)
	}
}

// TestBuiltinsHandWorked checks every built-in KPI for October 2026 against
// numbers worked out by hand from the fixture.
func TestBuiltinsHandWorked(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	sc := compute(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious})
	if got := sc.Slice.Period; !got.Equal(oct) {
		t.Fatalf("period %v", got)
	}
	cases := []struct {
		id   string
		want float64
		n    int64
		why  string
	}{
		// Resolved in October with a rating: t1 5, t2 4, t3 3, t4 1, t9 5 → 3 of 5 rated 4–5.
		{"csat", 60, 5, "a 3 is not satisfied; unrated t6 excluded; t5 unresolved is outside October"},
		// Responded in October: 10, 9, 9 promoters; 3, 0 detractors; 8 passive → (3−2)/6.
		{"nps", 100.0 / 6, 6, "passives stay in the denominator"},
		// Resolved in October with a CES: 7, 5, 4, 6 → 3 of 4 at 5+.
		{"ces", 75, 4, ""},
		// Active on 1 Oct: C1, C2, C6, C7 (C3 left in Sep; C4, C5 joined in Oct). C2 churned.
		{"retention", 75, 4, "customers who joined and left inside the period are not in the cohort"},
		{"churn", 25, 4, "churn_date on the period's end day (C6, 1 Nov) is still active"},
		// Durations: 10, 24, 2, 48, 5 h; t6 negative is excluded → 89/5.
		{"resolution_time", 17.8, 5, "negative durations are excluded"},
		{"resolution_median", 10, 5, ""},
		// Resolved in October: t1 t2 t3 t4 t6 t9; first contact: t1 t3 t6 t9.
		{"fcr", 400.0 / 6, 6, "denominator is resolved tickets"},
		// Contacts of those six: 1 + 2 + 1 + 3 + 1 + 1.
		{"contacts_per_resolution", 1.5, 6, "resolved tickets, by resolved date as fcr"},
		// Created in October and answered after creation: 1, 0.5, 3, 2, 0.25 h; t4 unanswered, t6 negative.
		{"first_response", 1.35, 5, "unanswered tickets are excluded, not counted as 0"},
		// Sent in October: s1–s6, s8 = 7; answered: s1 s2 s3 s4 s8.
		{"response_rate", 500.0 / 7, 7, "by send date: s7 (sent in Sep) is not in October"},
		// Revenue 200 over 4 distinct orders (o1 and o3 have two lines each).
		{"avg_purchase", 50, 4, "averaging lines would give 40"},
		// 4 orders, 3 customers (C1, C2, C3).
		{"purchase_frequency", 4.0 / 3, 3, "distinct counts recounted"},
		// C1 has 2 orders; C2's two lines are one order.
		{"repeat_rate", 100.0 / 3, 3, "line items of one order are not a repeat"},
		// 300 acquisition spend / 2 signups (C4, C5).
		{"cac", 150, 2, ""},
		// 60 retention spend / 3 retained (C1, C6, C7).
		{"retention_cost", 20, 4, ""},
		// October is partial for CLV (its orders stop on 20 Oct): 20 days,
		// 12 × 31/20 = 18.6 such parts a year. Revenue per active customer
		// per year 200/4 × 18.6 = 930; annual churn 1 − 0.75^18.6; lifetime
		// its inverse. (Annualised as a whole month it read 619.6.)
		{"clv", 930 / (1 - math.Pow(0.75, 18.6)), 4, "a partial period is annualised at its own length"},
		// Open at October's end: t5 and t10 (never resolved); t6's
		// resolution before its creation is still a resolution.
		{"backlog", 2, 2, "a stock at the period's end, not a count of October's tickets"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			r := sc.Find(c.id)
			if r == nil {
				t.Fatalf("no result for %s", c.id)
			}
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			want(t, c.id+" ("+c.why+")", r.Total.Value, c.want)
			if r.Total.N != c.n {
				t.Errorf("n = %d, want %d", r.Total.N, c.n)
			}
		})
		seen[c.id] = true
	}
	for _, d := range eng.Defs() {
		if !seen[d.ID] {
			t.Errorf("built-in %s has no hand-worked case", d.ID)
		}
	}
}

func TestComparisons(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	sc := compute(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious})
	// CSAT is by resolved date, and the last ticket resolved is t9 on
	// 7 Oct 05:00 (t10, created on 31 Oct, is open): its October is cut
	// there and compared with 1–7 Sep 05:00, which no rating falls in (t7
	// and t8 were resolved on 10 and 11 Sep). October: 60%.
	csat := sc.Find("csat")
	want(t, "csat Oct", csat.Total.Value, 60)
	wantNone(t, "csat 1-7 Sep", csat.Total.Compare.Value)
	if csat.Total.CompareTo != "Sep 2026 (to 7 Sep)" {
		t.Errorf("compare label %q", csat.Total.CompareTo)
	}
	// The first response is by created date, which runs to 31 Oct: whole
	// months. September: t7 2h, t8 4h → 3h.
	fr := sc.Find("first_response")
	want(t, "first response Sep", fr.Total.Compare.Value, 3)
	if fr.Total.CompareTo != "Sep 2026" {
		t.Errorf("first response compare label %q", fr.Total.CompareTo)
	}
	// September churn: active on 1 Sep C1 C2 C3 C6 C7, C3 churned → 20%.
	churn := sc.Find("churn")
	want(t, "churn Sep", churn.Total.Compare.Value, 20)
	want(t, "churn delta", churn.Total.Delta, 5)
	if churn.Def.Improved(*churn.Total.Delta) {
		t.Error("churn going up must not count as an improvement")
	}
	// September CAC: no signups in September → no value, never Inf.
	wantNone(t, "cac Sep", sc.Find("cac").Total.Compare.Value)
	if sc.Find("cac").Total.Delta != nil {
		t.Error("a delta against no value must be empty")
	}
	// Trend ends at October, oldest first, and starts where the tickets do
	// (10 Sep): no empty months before.
	tr := csat.Trend
	if len(tr) != 2 || !tr[1].Period.Equal(oct) {
		t.Fatalf("trend %d points, last %v", len(tr), tr[len(tr)-1].Period)
	}
	want(t, "trend Sep", tr[0].Value, 50)

	// Against target: delta is value − target.
	sc = compute(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsTarget})
	want(t, "csat vs target", sc.Find("csat").Total.Delta, 60-80)
	if sc.Find("csat").Total.CompareTo != "target" {
		t.Error("compare label should be target")
	}
}

// TestPooledNotAveraged checks that totals are ratios of summed components.
func TestPooledNotAveraged(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	sc := compute(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct, Segment: "channel"})
	csat := sc.Find("csat")
	byChan := map[string]kpi.Row{}
	for _, r := range csat.Segments {
		byChan[r.Segment] = r
	}
	// chat: 5, 4 → 100%; email: 3, 1, 5 → 33.3%; phone: only t6, unrated → no value.
	want(t, "chat", byChan["chat"].Value, 100)
	want(t, "email", byChan["email"].Value, 100.0/3)
	wantNone(t, "phone", byChan["phone"].Value)
	if byChan["phone"].Status != kpi.NoValue {
		t.Errorf("phone status %s", byChan["phone"].Status)
	}
	want(t, "pooled total", csat.Total.Value, 60) // the mean of 100 and 33.3 would be 66.7
	if s := byChan["email"].Share; s == nil || !approx(*s, 3.0/5) {
		t.Errorf("email share %v", s)
	}

	// Churn by plan: Basic C1 C2 C7 → 1/3; Pro C6 → 0; pooled 1/4, not the mean 16.7.
	sc = compute(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct, Segment: "plan"})
	churn := sc.Find("churn")
	for _, r := range churn.Segments {
		switch r.Segment {
		case "Basic":
			want(t, "churn Basic", r.Value, 100.0/3)
		case "Pro":
			want(t, "churn Pro", r.Value, 0)
		}
	}
	want(t, "churn pooled", churn.Total.Value, 25)

	// NPS by region (joined through customer_id): EMEA s1 10, s3 9, s4 3, s7 0, s8 8 → (2−2)/5 = 0;
	// APAC s2 9 → 100; pooled 16.7 (the mean would be 50).
	sc = compute(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct, Segment: "region"})
	nps := sc.Find("nps")
	for _, r := range nps.Segments {
		switch r.Segment {
		case "EMEA":
			want(t, "nps EMEA", r.Value, 0)
		case "APAC":
			want(t, "nps APAC", r.Value, 100)
			if !r.LowN {
				t.Error("APAC NPS rests on one answer: it must be flagged low-n")
			}
		}
	}
	want(t, "nps pooled", nps.Total.Value, 100.0/6)
	// Spend has no region: CAC keeps its total and says why there is no breakdown.
	cac := sc.Find("cac")
	if cac.Err != nil || cac.Total.Value == nil || cac.SegmentErr == nil {
		t.Errorf("cac by region: err %v, value %v, segment error %v", cac.Err, cac.Total.Value, cac.SegmentErr)
	}
}

func TestFilters(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	s := kpi.Slice{Grain: kpi.Month, Period: oct}
	// Filter on a customer dimension reached through the join: EMEA tickets t1 t3 t4 → 5,3,1 → 1/3.
	sc := compute(t, eng, s.WithFilter(kpi.Filter{Dim: "region", Values: []string{"EMEA"}}))
	want(t, "csat EMEA", sc.Find("csat").Total.Value, 100.0/3)
	// Two values of one dimension.
	sc = compute(t, eng, s.WithFilter(kpi.Filter{Dim: "channel", Values: []string{"chat", "phone"}}))
	want(t, "csat chat+phone", sc.Find("csat").Total.Value, 100)
	// A value crafted as SQL is bound, not spliced: no rows, no error.
	sc = compute(t, eng, s.WithFilter(kpi.Filter{Dim: "channel", Values: []string{"chat') OR ('1'='1"}}))
	r := sc.Find("csat")
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	wantNone(t, "csat injected", r.Total.Value)
	// Spend cannot be filtered by channel: CAC says so instead of ignoring the filter.
	sc = compute(t, eng, s.WithFilter(kpi.Filter{Dim: "channel", Values: []string{"chat"}}))
	if sc.Find("cac").Err == nil || !strings.Contains(sc.Find("cac").Err.Error(), "channel") {
		t.Errorf("cac filtered by channel: %v", sc.Find("cac").Err)
	}
	// Unknown dimensions are refused with the known ones.
	if _, err := eng.Compute(context.Background(), s.WithFilter(kpi.Filter{Dim: "chanel", Values: []string{"x"}}), nil); err == nil || !strings.Contains(err.Error(), `"channel"`) {
		t.Errorf("unknown dimension: %v", err)
	}
}

func TestStatusesAndTargets(t *testing.T) {
	p := func(f float64) *float64 { return &f }
	hi := &kpi.Def{Better: kpi.Higher, Target: &kpi.Target{Value: 80, Warn: p(75)}}
	lo := &kpi.Def{Better: kpi.Lower, Target: &kpi.Target{Value: 24, Warn: p(36)}}
	cases := []struct {
		name string
		d    *kpi.Def
		v    *float64
		want kpi.Status
	}{
		{"exactly on target is green", hi, p(80), kpi.Green},
		{"just below target is amber", hi, p(79.999999), kpi.Amber},
		{"on the warn line is amber", hi, p(75), kpi.Amber},
		{"below warn is red", hi, p(74.9), kpi.Red},
		{"lower-is-better on target", lo, p(24), kpi.Green},
		{"lower-is-better in band", lo, p(30), kpi.Amber},
		{"lower-is-better beyond", lo, p(36.1), kpi.Red},
		{"no value", hi, nil, kpi.NoValue},
		{"no target", &kpi.Def{Better: kpi.Higher}, p(1), kpi.NoTarget},
		{"rounding does not decide: 79.96 shows as 80.0 but is amber", hi, p(79.96), kpi.Amber},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := c.d.Resolve(nil, "", "", oct, kpi.Month)
			if got := kpi.StatusOf(c.v, g, c.d.Better); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
	// Overrides: most specific wins; dated overrides apply from their date.
	d := &kpi.Def{Better: kpi.Higher, Target: &kpi.Target{Value: 80, Warn: p(75), Overrides: []kpi.Override{
		{When: map[string]string{"region": "APAC"}, Value: 70},
		{When: map[string]string{"region": "APAC", "channel": "chat"}, Value: 90},
		{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Value: 85},
	}}}
	tg := func(fs []kpi.Filter, dim, val string, at time.Time) float64 {
		return d.Resolve(fs, dim, val, at, kpi.Month).Value
	}
	if v := tg(nil, "", "", time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)); v != 80 {
		t.Errorf("before the dated override: %v", v)
	}
	if v := tg(nil, "", "", oct); v != 85 {
		t.Errorf("after the dated override: %v", v)
	}
	if v := tg(nil, "region", "APAC", oct); v != 70 {
		t.Errorf("segment override: %v", v)
	}
	if g := d.Resolve(nil, "region", "APAC", oct, kpi.Month); g.Warn == nil || *g.Warn != 65 {
		t.Errorf("an override without warn keeps the band width: %v", g.Warn)
	}
	if v := tg([]kpi.Filter{{Dim: "channel", Values: []string{"chat"}}}, "region", "APAC", oct); v != 90 {
		t.Errorf("filter + segment override: %v", v)
	}
	// Rates stated per month compound to other grains: 1%/month churn is 1−0.99³ per quarter.
	ch := &kpi.Def{Better: kpi.Lower, Target: &kpi.Target{Value: 1, Grain: kpi.Month, Compound: true}}
	if g := ch.Resolve(nil, "", "", oct, kpi.Quarter); !approx(g.Value, 100*(1-math.Pow(0.99, 3))) {
		t.Errorf("quarterly churn target %v", g.Value)
	}
	// A per-month count target does not apply at other grains.
	fr := &kpi.Def{Better: kpi.Higher, Target: &kpi.Target{Value: 1.2, Grain: kpi.Month}}
	if g := fr.Resolve(nil, "", "", oct, kpi.Quarter); g != nil {
		t.Errorf("per-month target applied to a quarter: %v", g)
	}
}

// TestPartialPeriod compares a partly elapsed month with the same days of the previous one.
func TestPartialPeriod(t *testing.T) {
	db := openFixture(t, `
CREATE TABLE tickets (ticket_id VARCHAR, created_at TIMESTAMP, resolved_at TIMESTAMP, csat INTEGER);
INSERT INTO tickets VALUES
 ('a', '2026-10-02', '2026-10-02', 5), ('b', '2026-10-05', '2026-10-05', 5),
 ('c', '2026-10-20', '2026-10-20', 1), ('d', '2026-10-25', '2026-10-25', 1),
 ('e', '2026-11-03', '2026-11-03', 5), ('f', '2026-11-09', '2026-11-09 12:00', 2)`)
	b, _ := kpi.LookupBuiltin("csat")
	eng, err := kpi.New(context.Background(), db, []*kpi.Def{b.Bind("", nil)}, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	sc := compute(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct})
	if sc.Partial {
		t.Fatal("October is over")
	}
	want(t, "Oct", sc.Results[0].Total.Value, 50)
	// Default period: data ends 9 Nov, so the latest month with data is
	// November so far (1–9 Nov): 1 of 2 → 50%; compared with 1–9 Oct (2 of 2
	// → 100%), not all October (50%).
	sc = compute(t, eng, kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious})
	r := sc.Results[0]
	if !sc.Slice.Period.Equal(nov) || !sc.Partial || !r.Total.Partial {
		t.Fatalf("default period %v partial %v: want November, partial", sc.Slice.Period, sc.Partial)
	}
	want(t, "Nov so far", r.Total.Value, 50)
	want(t, "Oct same days", r.Total.Compare.Value, 100)
	want(t, "delta", r.Total.Delta, -50)
	if r.Total.CompareTo != "Oct 2026 (to 9 Oct)" {
		t.Errorf("label %q", r.Total.CompareTo)
	}
}

func TestNoTimeAxisAndCustom(t *testing.T) {
	db := openFixture(t, `
CREATE TABLE "Telco Churn" ("Customer ID" VARCHAR, "Contract Type" VARCHAR, "Churned?" VARCHAR, "Monthly (USD)" DOUBLE);
INSERT INTO "Telco Churn" VALUES ('a', 'Month-to-month', 'Yes', 10), ('b', 'Month-to-month', 'No', 20),
 ('c', 'Month-to-month', 'Yes', 30), ('d', 'Two year', 'No', 40), ('e', 'Two year', 'No', NULL)`)
	defs := []*kpi.Def{
		{ID: "churn_rate", Source: "Telco Churn", Type: kpi.Ratio, Numerator: `count(*) FILTER (WHERE "Churned?" = 'Yes')`,
			Denominator: "count(*)", Scale: 100, Unit: "%", Better: kpi.Lower, Target: &kpi.Target{Value: 20}},
		{ID: "arpu", Source: "Telco Churn", Type: kpi.Formula, Inputs: map[string]string{"rev": `sum("Monthly (USD)")`, "n": `count("Monthly (USD)")`},
			Expr: "rev / n", Better: kpi.Higher},
	}
	eng, err := kpi.New(context.Background(), db, defs, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	sc := compute(t, eng, kpi.Slice{Grain: kpi.Month, Segment: "Contract Type", Compare: kpi.VsPrevious})
	c := sc.Find("churn_rate")
	want(t, "churn all time", c.Total.Value, 40)
	if c.Trend != nil {
		t.Error("a KPI without time has no trend")
	}
	want(t, "vs target without time", c.Total.Delta, 20)
	for _, r := range c.Segments {
		if r.Segment == "Month-to-month" {
			want(t, "m2m", r.Value, 200.0/3)
		}
	}
	want(t, "arpu skips nulls", sc.Find("arpu").Total.Value, 25)
}

func TestDefinitionProblems(t *testing.T) {
	db := openFixture(t, fixture)
	b, _ := kpi.LookupBuiltin("csat")
	bad := b.Bind("tickets", map[string]string{"csat": "satisfaction"})
	bad.Origin = "kpiscope.yaml:7"
	custom := &kpi.Def{ID: "x", Source: "tickets", Type: kpi.Ratio, Numerator: "sum(csatt)", Denominator: "count(*)", Better: kpi.Higher}
	eng, err := kpi.New(context.Background(), db, []*kpi.Def{bad, custom}, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	msg := eng.Problems()["csat"].Error()
	for _, s := range []string{"kpiscope.yaml:7", "csat", `"satisfaction"`, "tickets"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q lacks %q", msg, s)
		}
	}
	if msg := eng.Problems()["x"].Error(); !strings.Contains(msg, `did you mean "csat"`) {
		t.Errorf("nearest column missing: %q", msg)
	}
	// The KPI with a problem reports it; the scorecard still computes.
	sc, err := eng.Compute(context.Background(), kpi.Slice{}, nil)
	if err != nil || sc.Find("csat").Err == nil {
		t.Errorf("compute: %v / %v", err, sc.Find("csat").Err)
	}
}

func TestCancel(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Callers tell a superseded request from a failure by context.Canceled:
	// the explorer drops the first and shows the second.
	for name, opts := range map[string][]kpi.Option{"cached": nil, "uncached": {kpi.Uncached()}, "from scratch": {kpi.FromScratch()}} {
		sc, err := eng.Compute(ctx, kpi.Slice{}, nil, opts...)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: a cancelled context gave scorecard %v, error %v; want context.Canceled", name, sc != nil, err)
		}
	}
}

func TestQuoteIdent(t *testing.T) {
	cases := map[string]string{
		"csat":           `"csat"`,
		"answered (Y/N)": `"answered (Y/N)"`,
		`we"ird`:         `"we""ird"`,
		"How likely are you to recommend this airline?": `"How likely are you to recommend this airline?"`,
	}
	for in, out := range cases {
		if got := store.QuoteIdent(in); got != out {
			t.Errorf("QuoteIdent(%q) = %s", in, got)
		}
	}
}
