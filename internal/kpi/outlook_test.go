package kpi_test

import (
	"context"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// paceFixture: CSAT answers and sign-ups for September and 1–15 October.
//   - Sep 1–15: 500 answers, 450 top-2-box; Sep 16–30: 500 answers, 350
//     top-2-box (70%). Oct 1–15: 500 answers, 380 top-2-box (76%).
//   - sign-ups: 30 in Sep 1–15, 30 in Sep 16–30, 45 in Oct 1–15.
//   - orders: one a day, 1 Sep – 15 Oct, by two customers.
const paceFixture = `
CREATE TABLE orders (order_id VARCHAR, customer_id VARCHAR, order_date DATE, amount DOUBLE);
INSERT INTO orders SELECT 'o' || i, 'A' || (i % 2), DATE '2026-09-01' + CAST(i AS INTEGER), 10 + i FROM range(45) t(i);
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE, churn_date DATE, segment VARCHAR, region VARCHAR, plan VARCHAR);
INSERT INTO customers SELECT 'A' || i, DATE '2026-09-01' + CAST(i % 15 AS INTEGER), NULL, 'SMB', 'EMEA', 'Basic' FROM range(30) t(i);
INSERT INTO customers SELECT 'B' || i, DATE '2026-09-16' + CAST(i % 15 AS INTEGER), NULL, 'SMB', 'EMEA', 'Basic' FROM range(30) t(i);
INSERT INTO customers SELECT 'C' || i, DATE '2026-10-01' + CAST(i % 15 AS INTEGER), NULL, 'SMB', 'EMEA', 'Basic' FROM range(45) t(i);
CREATE TABLE tickets (ticket_id VARCHAR, customer_id VARCHAR, channel VARCHAR, priority VARCHAR,
  created_at TIMESTAMP, first_response_at TIMESTAMP, resolved_at TIMESTAMP, contacts INTEGER, csat INTEGER, ces INTEGER);
INSERT INTO tickets SELECT 'a' || i, 'A1', 'chat', 'low', TIMESTAMP '2026-09-01' + INTERVAL (i % 15) DAY, NULL,
  TIMESTAMP '2026-09-01 06:00' + INTERVAL (i % 15) DAY, 1, CASE WHEN i < 450 THEN 5 ELSE 2 END, NULL FROM range(500) t(i);
INSERT INTO tickets SELECT 'b' || i, 'A1', 'chat', 'low', TIMESTAMP '2026-09-16' + INTERVAL (i % 15) DAY, NULL,
  TIMESTAMP '2026-09-16 06:00' + INTERVAL (i % 15) DAY, 1, CASE WHEN i < 350 THEN 4 ELSE 3 END, NULL FROM range(500) t(i);
INSERT INTO tickets SELECT 'c' || i, 'A1', 'chat', 'low', TIMESTAMP '2026-10-01' + INTERVAL (i % 15) DAY, NULL,
  TIMESTAMP '2026-10-01 06:00' + INTERVAL (i % 15) DAY, 1, CASE WHEN i < 380 THEN 5 ELSE 1 END, NULL FROM range(500) t(i);
`

// paceEngine opens paceFixture with the standard KPIs, CSAT's target set
// to csatTarget.
func paceEngine(t *testing.T, csatTarget float64) *kpi.Engine {
	t.Helper()
	return fixtureEngine(t, paceFixture, csatTarget)
}

// fixtureEngine opens a fixture with the standard KPIs its tables have and
// no dimensions, CSAT's target set to csatTarget.
func fixtureEngine(t *testing.T, fixture string, csatTarget float64) *kpi.Engine {
	t.Helper()
	db := openFixture(t, fixture)
	ctx := context.Background()
	tables := map[string][]store.Column{}
	names, _ := db.Tables(ctx)
	for _, n := range names {
		tables[n], _ = db.Columns(ctx, n)
	}
	defs := kpi.StandardDefs(tables)
	for _, d := range defs {
		if d.ID == "csat" {
			d.Target = &kpi.Target{Value: csatTarget}
		}
	}
	eng, err := kpi.New(ctx, db, defs, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func paceOf(t *testing.T, eng *kpi.Engine, s kpi.Slice, id string, opts ...kpi.Option) (*kpi.Result, *kpi.Pace) {
	t.Helper()
	sc, err := eng.Compute(context.Background(), s, []string{id}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	r := sc.Find(id)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if !r.Total.Partial {
		t.Fatalf("%s: October is not partial (%s)", id, r.Total.PeriodName)
	}
	if r.Pace == nil {
		t.Fatalf("%s: no pace for %s", id, r.Total.PeriodName)
	}
	return r, r.Pace
}

// TestPaceOfRatioKPI: October to 15 Oct has 380 of 500 answers top-2-box
// (76%). September had 500 of its 1,000 answers by 15 Sep, so half of the
// month's answers are in: ~500 more are expected. To end ≥ 80% the month
// needs 800 of 1,000, so the rest needs (0.8 × 1,000 − 380) / 500 = 84%.
// Projected: the rest at the rate so far, 76% (not September's 70% for its
// remaining days, which would give 73%).
func TestPaceOfRatioKPI(t *testing.T) {
	eng := paceEngine(t, 80)
	for _, opts := range both {
		r, p := paceOf(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}, "csat", opts...)
		want(t, "value so far", r.Total.Value, 76)
		want(t, "elapsed", &p.Elapsed, 0.5)
		want(t, "expected rest", &p.ExpectedRest, 500)
		want(t, "needed", p.Needed, 84)
		want(t, "projected", p.Projected, 76)
		if !p.Reachable {
			t.Error("84% is reachable")
		}
		if !strings.Contains(p.Method, "Sep 2026") {
			t.Errorf("method %q does not name September", p.Method)
		}
		if got, exp := p.Line(r.Def, r.Total.Goal), "to end ≥ 80%, the ~500 answers still expected need 84.0% top-2-box"; got != exp {
			t.Errorf("line %q, want %q", got, exp)
		}
	}
}

// TestPaceByTimeWithoutComparison: against the target there is no
// comparison period to pace the volume by, so the share of the month's time
// stands in: 15 of 31 days. The rest expects 500 × (31/15 − 1) = 533.3
// answers and needs (0.8 × (500 + 533.3) − 380) / 533.3 = 0.8 + 20/533.3 =
// 83.75%; the projection is the rate so far, 76%.
func TestPaceByTimeWithoutComparison(t *testing.T) {
	eng := paceEngine(t, 80)
	r, p := paceOf(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsTarget}, "csat")
	want(t, "elapsed", &p.Elapsed, 15.0/31)
	want(t, "expected rest", &p.ExpectedRest, 8000.0/15)
	want(t, "needed", p.Needed, 83.75)
	want(t, "projected", p.Projected, 76)
	if !strings.Contains(p.Method, "time") {
		t.Errorf("method %q does not say it paces by time", p.Method)
	}
	if got, exp := p.Line(r.Def, r.Total.Goal), "to end ≥ 80%, the ~530 answers still expected need 83.8% top-2-box"; got != exp {
		t.Errorf("line %q, want %q", got, exp)
	}
}

// TestPaceOutOfReach: a 99% target needs (0.99 × 1,000 − 380) / 500 = 122%
// from the rest: out of reach. A 30% target is met whatever the rest gives:
// (0.3 × 1,000 − 380) / 500 = −16%.
func TestPaceOutOfReach(t *testing.T) {
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}
	r, p := paceOf(t, paceEngine(t, 99), s, "csat")
	want(t, "needed", p.Needed, 122)
	if p.Reachable {
		t.Error("122% is not reachable")
	}
	if got, exp := p.Line(r.Def, r.Total.Goal), "to end ≥ 99%, the ~500 answers still expected would need 122.0% top-2-box: out of reach"; got != exp {
		t.Errorf("line %q, want %q", got, exp)
	}
	r, p = paceOf(t, paceEngine(t, 30), s, "csat")
	want(t, "needed", p.Needed, -16)
	if got, exp := p.Line(r.Def, r.Total.Goal), "on target ≥ 30% at the period's end whatever the ~500 answers still expected give"; got != exp {
		t.Errorf("line %q, want %q", got, exp)
	}
}

// TestPaceOfCountKPI: 45 sign-ups by 15 Oct; September had 30 of its 60 by
// 15 Sep, so October is on pace for 45 / 0.5 = 90. Against the target, by
// time: 45 × 31/15 = 93.
func TestPaceOfCountKPI(t *testing.T) {
	eng := paceEngine(t, 80)
	r, p := paceOf(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}, "new_customers")
	want(t, "so far", r.Total.Value, 45)
	want(t, "elapsed", &p.Elapsed, 0.5)
	want(t, "projected", p.Projected, 90)
	if p.Needed != nil || p.ExpectedRest != 0 {
		t.Errorf("a count has no needed rate or expected rest: %v, %v", p.Needed, p.ExpectedRest)
	}
	if got, exp := p.Line(r.Def, nil), "on pace for ~90 by the period's end"; got != exp {
		t.Errorf("line %q, want %q", got, exp)
	}
	_, p = paceOf(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsTarget}, "new_customers")
	want(t, "projected by time", p.Projected, 93)
}

// TestNoPaceWhereNoBasis: a full period has no pace; a median and KPIs
// over distinct counts have none.
func TestNoPaceWhereNoBasis(t *testing.T) {
	eng := paceEngine(t, 80)
	sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month, Period: oct.AddDate(0, -1, 0), Compare: kpi.VsPrevious}, []string{"csat"})
	if err != nil {
		t.Fatal(err)
	}
	if p := sc.Find("csat").Pace; p != nil {
		t.Errorf("September is whole, got pace %+v", p)
	}
	sc, err = eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}, []string{"resolution_median"})
	if err != nil {
		t.Fatal(err)
	}
	if r := sc.Find("resolution_median"); !r.Total.Partial || r.Pace != nil {
		t.Errorf("median: partial %v, pace %+v; want partial without pace", r.Total.Partial, r.Pace)
	}
	// Distinct counts do not add up over days (a customer ordering in both
	// halves of a month counts once): repeat rate and purchase value,
	// over distinct customers and orders, have no pace.
	for _, id := range []string{"repeat_rate", "avg_purchase", "purchase_frequency"} {
		sc, err = eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		if r := sc.Find(id); r.Err != nil || !r.Total.Partial || r.Pace != nil {
			t.Errorf("%s: err %v, partial %v, pace %+v; want partial without pace", id, r.Err, r.Total.Partial, r.Pace)
		}
	}
}

// TestPaceLineWords: the sentence names the volume and the value in the
// KPI's own words, and says what a lower-is-better KPI and one without a
// target are heading for.
func TestPaceLineWords(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	custom := &kpi.Def{ID: "answered", Type: kpi.Ratio, Numerator: "count(*) FILTER (WHERE a = 'Y')", Denominator: "count(*)",
		Scale: 100, Unit: "%", Decimals: 1, Better: kpi.Higher}
	countDef := &kpi.Def{ID: "tix", Type: kpi.Formula, Inputs: map[string]string{"n": "count(*)"}, Expr: "n", Decimals: 1, Better: kpi.Higher}
	for _, c := range []struct {
		def  *kpi.Def
		pace kpi.Pace
		goal *kpi.Goal
		want string
	}{
		{bound(t, "nps"), kpi.Pace{ExpectedRest: 1288, Needed: f(62.4), Reachable: true}, &kpi.Goal{Value: 50},
			"to end ≥ 50, the ~1,300 answers still expected need NPS 62"},
		{bound(t, "nps"), kpi.Pace{ExpectedRest: 40, Needed: f(160), Reachable: false}, &kpi.Goal{Value: 50},
			"to end ≥ 50, the ~40 answers still expected would need NPS 160: out of reach"},
		{bound(t, "resolution_time"), kpi.Pace{ExpectedRest: 296, Needed: f(22.14), Reachable: true}, &kpi.Goal{Value: 24},
			"to end ≤ 24h, the ~300 resolved tickets still expected need at most 22.1h on average"},
		// a negative need is written with the minus sign, as deltas are
		{bound(t, "resolution_time"), kpi.Pace{ExpectedRest: 40, Needed: f(-4), Reachable: false}, &kpi.Goal{Value: 2},
			"to end ≤ 2h, the ~40 resolved tickets still expected would need −4.0h on average: out of reach"},
		{custom, kpi.Pace{ExpectedRest: 57, Projected: f(-0.26)}, nil,
			"heading for −0.3% at the period's end, with the ~57 still expected"},
		// a count projects whole units, whatever its decimals
		{countDef, kpi.Pace{Projected: f(150), Reachable: true}, &kpi.Goal{Value: 120},
			"on pace for ~150 by the period's end (target ≥ 120)"},
		{bound(t, "csat"), kpi.Pace{ExpectedRest: 420, Projected: f(81.23)}, nil,
			"heading for 81.2% at the period's end, with the ~420 answers still expected"},
		{custom, kpi.Pace{ExpectedRest: 57, Needed: f(91), Reachable: true}, &kpi.Goal{Value: 85},
			"to end ≥ 85%, the ~57 still expected need 91.0%"},
		{bound(t, "new_customers"), kpi.Pace{Projected: f(93), Reachable: true}, &kpi.Goal{Value: 100},
			"on pace for ~93 by the period's end (target ≥ 100)"},
		// the support KPIs of issue 14 name theirs too
		{bound(t, "sla_resolution"), kpi.Pace{ExpectedRest: 12, Needed: f(95), Reachable: true}, &kpi.Goal{Value: 90},
			"to end ≥ 90%, the ~12 deadlines still expected need 95.0% within SLA"},
		{bound(t, "resolution_bh"), kpi.Pace{ExpectedRest: 296, Needed: f(14.04), Reachable: true}, &kpi.Goal{Value: 16},
			"to end ≤ 16h, the ~300 resolved tickets still expected need at most 14.0h on average"},
		{bound(t, "reopen_rate"), kpi.Pace{ExpectedRest: 40, Needed: f(3.5), Reachable: true}, &kpi.Goal{Value: 5},
			"to end ≤ 5%, the ~40 resolved tickets still expected need at most 3.5% reopened"},
	} {
		if got := c.pace.Line(c.def, c.goal); got != c.want {
			t.Errorf("%s: %q, want %q", c.def.ID, got, c.want)
		}
	}
	var none *kpi.Pace
	if got := none.Line(bound(t, "csat"), nil); got != "" {
		t.Errorf("no pace: %q", got)
	}
}
