package kpi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// twoEnds is a tickets table that stops on 15 Oct beside a customers table
// that stops on 28 Oct: each KPI's period is judged by its own table.
const twoEnds = `
CREATE TABLE tickets (ticket_id VARCHAR, created_at TIMESTAMP, resolved_at TIMESTAMP, csat INTEGER);
INSERT INTO tickets VALUES
 ('s1', '2026-09-03', '2026-09-03', 5), ('s2', '2026-09-10', '2026-09-10', 5),
 ('s3', '2026-09-20', '2026-09-20', 1), ('s4', '2026-09-25', '2026-09-25', 1),
 ('o1', '2026-10-02', '2026-10-02', 5), ('o2', '2026-10-15', '2026-10-15', 1);
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE);
INSERT INTO customers VALUES ('a', '2026-09-05'), ('b', '2026-09-20'), ('c', '2026-09-29'),
 ('d', '2026-10-03'), ('e', '2026-10-28')`

func twoEndsEngine(t *testing.T) *kpi.Engine {
	t.Helper()
	b, _ := kpi.LookupBuiltin("csat")
	signups := &kpi.Def{ID: "signups", Source: "customers", Time: "signup_date", Type: kpi.Formula,
		Inputs: map[string]string{"n": "count(*)"}, Expr: "n", Better: kpi.Higher}
	eng, err := kpi.New(context.Background(), openFixture(t, twoEnds), []*kpi.Def{b.Bind("", nil), signups}, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// TestPartialPerTable: October is partial to 15 Oct for the ticket KPI and to
// 28 Oct for the customer KPI, each compared with the same days of September.
func TestPartialPerTable(t *testing.T) {
	eng := twoEndsEngine(t)
	for _, opts := range [][]kpi.Option{nil, {kpi.FromScratch()}} {
		// No period given: the latest with data (October, the customers' 28 Oct).
		sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, nil, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if !sc.Slice.Period.Equal(oct) || !sc.Partial {
			t.Fatalf("default period %v partial %v, want October, partial", sc.Slice.Period, sc.Partial)
		}
		// CSAT: 1–15 Oct o1 5, o2 1 → 50%; 1–15 Sep s1 5, s2 5 → 100% (all
		// of September is 50%, and 1–28 Sep, the customers' days, too).
		csat := sc.Find("csat")
		if !csat.Total.Partial {
			t.Error("csat: October should be partial (tickets stop on 15 Oct)")
		}
		want(t, "csat Oct", csat.Total.Value, 50)
		want(t, "csat 1-15 Sep", csat.Total.Compare.Value, 100)
		want(t, "csat delta", csat.Total.Delta, -50)
		if got := kpi.PeriodLabel(kpi.Month, sc.Slice.Period, csat.PeriodEnd); got != "Oct 2026 (to 15 Oct)" || csat.Total.PeriodName != got {
			t.Errorf("csat period %q, row %q, want Oct 2026 (to 15 Oct)", got, csat.Total.PeriodName)
		}
		if csat.Total.CompareTo != "Sep 2026 (to 15 Sep)" {
			t.Errorf("csat compared with %q, want Sep 2026 (to 15 Sep)", csat.Total.CompareTo)
		}
		// Signups: 1–28 Oct d, e → 2; 1–28 Sep a, b → 2 (c signed up on the 29th).
		su := sc.Find("signups")
		if !su.Total.Partial {
			t.Error("signups: October should be partial (customers stop on 28 Oct)")
		}
		want(t, "signups Oct", su.Total.Value, 2)
		want(t, "signups 1-28 Sep", su.Total.Compare.Value, 2)
		if got := kpi.PeriodLabel(kpi.Month, sc.Slice.Period, su.PeriodEnd); got != "Oct 2026 (to 28 Oct)" || su.Total.PeriodName != got {
			t.Errorf("signups period %q, row %q", got, su.Total.PeriodName)
		}
		if su.Total.CompareTo != "Sep 2026 (to 28 Sep)" {
			t.Errorf("signups compared with %q", su.Total.CompareTo)
		}
		// September is whole for both: full months compared.
		sc, err = eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month, Period: oct.AddDate(0, -1, 0), Compare: kpi.VsPrevious}, nil, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if r := sc.Find("csat"); r.Total.Partial || sc.Partial {
			t.Error("September is not partial")
		} else {
			want(t, "csat Sep", r.Total.Value, 50)
		}
	}
}

// TestCompositeOfTwoEnds: a composite over KPIs of two tables compares each
// input on its own same days, and is partial to the earlier end.
func TestCompositeOfTwoEnds(t *testing.T) {
	b, _ := kpi.LookupBuiltin("csat")
	defs := []*kpi.Def{b.Bind("", nil),
		{ID: "signups", Source: "customers", Time: "signup_date", Type: kpi.Formula, Inputs: map[string]string{"n": "count(*)"}, Expr: "n", Better: kpi.Higher},
		{ID: "tickets_n", Source: "tickets", Time: "created_at", Type: kpi.Formula, Inputs: map[string]string{"n": "count(*)"}, Expr: "n", Better: kpi.Higher},
		{ID: "per_signup", Type: kpi.Composite, Inputs: map[string]string{"t": "tickets_n", "s": "signups"}, Expr: "t / s", Better: kpi.Lower},
	}
	eng, err := kpi.New(context.Background(), openFixture(t, twoEnds), defs, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range [][]kpi.Option{nil, {kpi.FromScratch()}} {
		sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, nil, opts...)
		if err != nil {
			t.Fatal(err)
		}
		r := sc.Find("per_signup")
		// October: tickets 1–15 Oct (o1, o2) 2 / signups 1–28 Oct (d, e) 2 = 1.
		// September: tickets 1–15 Sep (s1, s2) 2 / signups 1–28 Sep (a, b) 2 = 1
		// (all of September's tickets, 4, or signups to 15 Sep, 1, give 2).
		want(t, "per signup Oct", r.Total.Value, 1)
		want(t, "per signup Sep same days", r.Total.Compare.Value, 1)
		if !r.Total.Partial || r.Total.PeriodName != "Oct 2026 (to 15 Oct)" {
			t.Errorf("composite partial %v %q, want Oct 2026 (to 15 Oct)", r.Total.Partial, r.Total.PeriodName)
		}
	}
}

// TestDataEndBeforePeriod: a KPI whose table stops before the period has no
// value in it, and its result says where its data stops.
func TestDataEndBeforePeriod(t *testing.T) {
	eng := twoEndsEngine(t)
	sc := compute(t, eng, kpi.Slice{Grain: kpi.Week}) // week of 26 Oct (to 28 Oct)
	csat := sc.Find("csat")
	wantNone(t, "csat in the week of 26 Oct", csat.Total.Value)
	if want := time.Date(2026, 10, 16, 0, 0, 0, 0, time.UTC); !csat.DataEnd.Equal(want) || csat.Total.Partial {
		t.Errorf("csat data end %v partial %v, want 16 Oct (exclusive), not partial", csat.DataEnd, csat.Total.Partial)
	}
	if su := sc.Find("signups"); !su.DataEnd.Equal(time.Date(2026, 10, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("signups data end %v, want 29 Oct", su.DataEnd)
	}
}

// TestDefaultPeriodLatestWithData: data ending a few days before a period's
// end still shows that period, partial, at every grain; data reaching its
// end shows it whole.
func TestDefaultPeriodLatestWithData(t *testing.T) {
	eng := twoEndsEngine(t) // data to 28 Oct 2026 (a Wednesday)
	for _, c := range []struct {
		g     kpi.Grain
		start string
		label string
	}{
		{kpi.Day, "2026-10-28", "Wed 28 Oct 2026"}, // a date: the whole day is in
		{kpi.Week, "2026-10-26", "week of 26 Oct 2026 (to 28 Oct)"},
		{kpi.Month, "2026-10-01", "Oct 2026 (to 28 Oct)"},
		{kpi.Quarter, "2026-10-01", "Q4 2026 (to 28 Oct)"},
		{kpi.Year, "2026-01-01", "2026 (to 28 Oct)"},
	} {
		sc := compute(t, eng, kpi.Slice{Grain: c.g})
		if got := sc.Slice.Period.Format("2006-01-02"); got != c.start {
			t.Errorf("%s: default period %s, want %s", c.g, got, c.start)
		}
		if got := kpi.PeriodLabel(c.g, sc.Slice.Period, sc.PeriodEnd); got != c.label {
			t.Errorf("%s: %q, want %q", c.g, got, c.label)
		}
		if r := eng.Resolve(kpi.Slice{Grain: c.g}); !r.Period.Equal(sc.Slice.Period) {
			t.Errorf("%s: Resolve says %v, Compute %v", c.g, r.Period, sc.Slice.Period)
		}
	}
}

// TestTrendStartsWithData: the trend has no periods before the KPI's first
// date.
func TestTrendStartsWithData(t *testing.T) {
	eng := twoEndsEngine(t)
	for _, c := range []struct {
		g     kpi.Grain
		first string
		n     int
	}{
		{kpi.Month, "2026-09-01", 2},   // tickets from 3 Sep: Sep, Oct
		{kpi.Week, "2026-08-31", 7},    // 31 Aug … 12 Oct
		{kpi.Quarter, "2026-07-01", 2}, // Q3, Q4
		{kpi.Year, "2026-01-01", 1},
	} {
		sc := compute(t, eng, kpi.Slice{Grain: c.g, Period: time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC)})
		tr := sc.Find("csat").Trend
		if len(tr) != c.n || tr[0].Period.Format("2006-01-02") != c.first {
			t.Errorf("%s: trend of %d from %v, want %d from %s", c.g, len(tr), tr[0].Period, c.n, c.first)
		}
		if !tr[len(tr)-1].Period.Equal(sc.Slice.Period) {
			t.Errorf("%s: trend ends %v, not at the period", c.g, tr[len(tr)-1].Period)
		}
	}
	// Year grain: September's 50% and October's 50% → 2026 (to 15 Oct) is 3 of 6.
	sc := compute(t, eng, kpi.Slice{Grain: kpi.Year})
	if tr := sc.Find("csat").Trend; len(tr) != 1 {
		t.Errorf("a year of data: %d trend points", len(tr))
	} else {
		want(t, "csat 2026", tr[0].Value, 50)
	}
}

func TestPeriodLabel(t *testing.T) {
	d := func(s string) time.Time {
		t, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t, _ = time.Parse("2006-01-02", s)
		}
		return t
	}
	for _, c := range []struct {
		g          kpi.Grain
		start, end string
		want       string
	}{
		{kpi.Day, "2026-10-12", "", "Mon 12 Oct 2026"},
		{kpi.Day, "2026-10-12", "2026-10-13", "Mon 12 Oct 2026"},
		{kpi.Day, "2026-10-12", "2026-10-12 09:30", "Mon 12 Oct 2026 (to 09:30)"},
		{kpi.Week, "2026-10-12", "", "week of 12 Oct 2026"},
		{kpi.Week, "2026-10-12", "2026-10-15", "week of 12 Oct 2026 (to 14 Oct)"},
		{kpi.Month, "2026-10-01", "2026-11-01", "Oct 2026"},
		{kpi.Month, "2026-10-01", "2026-10-16", "Oct 2026 (to 15 Oct)"},
		{kpi.Month, "2026-10-01", "2026-10-15 17:00", "Oct 2026 (to 15 Oct)"},
		{kpi.Quarter, "2026-07-01", "", "Q3 2026"},
		{kpi.Quarter, "2026-10-01", "2026-11-10", "Q4 2026 (to 9 Nov)"},
		{kpi.Year, "2026-01-01", "2027-01-01", "2026"},
		{kpi.Year, "2026-01-01", "2026-10-30", "2026 (to 29 Oct)"},
		{kpi.All, "", "", "all time"},
	} {
		var end time.Time
		if c.end != "" {
			end = d(c.end)
		}
		if got := kpi.PeriodLabel(c.g, d(c.start), end); got != c.want {
			t.Errorf("PeriodLabel(%s, %s, %s) = %q, want %q", c.g, c.start, c.end, got, c.want)
		}
	}
}

// TestFlagsSlice: --period all is all time whatever --grain says; other
// periods must agree with --grain.
func TestFlagsSlice(t *testing.T) {
	for _, c := range []struct {
		period, grain string
		want          kpi.Grain
		start, err    string
	}{
		{"all", "year", kpi.All, "", ""},
		{"all", "", kpi.All, "", ""},
		{"", "year", kpi.Year, "", ""},
		{"", "", kpi.Month, "", ""},
		{"2026", "year", kpi.Year, "2026-01-01", ""},
		{"2026-10", "", kpi.Month, "2026-10-01", ""},
		{"2026-10", "year", "", "", "--period 2026-10 is a month but --grain is year"},
		{"2026", "all", "", "", "--period 2026 is one year but --grain all is all time"},
		{"2026-13", "", "", "", "unknown period"},
		{"", "fortnight", "", "", "unknown grain"},
	} {
		p, g, err := kpi.FlagsSlice(c.period, c.grain)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q %q: error %v, want %q", c.period, c.grain, err, c.err)
			}
			continue
		}
		if err != nil || g != c.want || (c.start == "" && !p.IsZero()) || (c.start != "" && p.Format("2006-01-02") != c.start) {
			t.Errorf("%q %q: %v %v %v, want %s %s", c.period, c.grain, p, g, err, c.want, c.start)
		}
	}
}
