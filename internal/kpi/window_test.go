package kpi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// TestWindows works rolling and to-date windows out by hand on the
// fixture, whose latest date is 1 Nov 2026 (a churn): the last 30 days are
// 3 Oct–1 Nov, the 30 before them 3 Sep–2 Oct.
func TestWindows(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	ctx := context.Background()
	w30, _ := kpi.ParseWindow("30d")
	sc := compute(t, eng, kpi.Slice{Window: w30})
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	if !sc.Slice.Period.Equal(day("2026-10-03")) || !sc.ComparePeriod.Equal(day("2026-09-03")) {
		t.Fatalf("30d: period %s vs %s", sc.Slice.Period, sc.ComparePeriod)
	}
	if got := sc.PeriodTitle(); got != "3 Oct – 1 Nov 2026 (last 30 days)" {
		t.Errorf("title %q", got)
	}
	r := sc.Find("csat")
	// CSAT counts by resolved_at. 3 Oct–1 Nov: t2 4 (3 Oct), t3 3, t4 1,
	// t9 5 → 2 of 4. 3 Sep–2 Oct: t1 5 (1 Oct), t7 5, t8 2 → 2 of 3.
	want(t, "csat last 30 days", r.Total.Value, 50)
	if r.Total.N != 4 {
		t.Errorf("n %d, want 4", r.Total.N)
	}
	if r.Total.Compare == nil {
		t.Fatal("no comparison")
	}
	want(t, "csat the 30 days before", r.Total.Compare.Value, 200.0/3)
	if r.Total.CompareTo != "3 Sep – 2 Oct 2026" {
		t.Errorf("compared with %q", r.Total.CompareTo)
	}
	// The trend: 30-day periods back to back, ending with the window.
	if n := len(r.Trend); n < 2 || !r.Trend[n-1].Period.Equal(day("2026-10-03")) || !r.Trend[n-2].Period.Equal(day("2026-09-03")) {
		t.Errorf("trend periods: %v", r.Trend)
	}
	// A step back is the previous window.
	sc = compute(t, eng, kpi.Slice{Window: w30, Period: day("2026-09-20")})
	want(t, "csat 3 Sep–2 Oct", sc.Find("csat").Total.Value, 200.0/3)
	// By segment: email 3 Oct–1 Nov is t3 3, t4 1, t9 5.
	sc = compute(t, eng, kpi.Slice{Window: w30, Segment: "channel"})
	found := false
	for _, row := range sc.Find("csat").Segments {
		if row.Segment == "email" {
			found = true
			want(t, "csat email last 30 days", row.Value, 100.0/3)
		}
	}
	if !found {
		t.Error("no email row")
	}
	// Weeks: the last 2 weeks are 19 Oct–1 Nov.
	w2, _ := kpi.ParseWindow("last 2 weeks")
	sc = compute(t, eng, kpi.Slice{Window: w2})
	if !sc.Slice.Period.Equal(day("2026-10-19")) {
		t.Errorf("2w: period %s", sc.Slice.Period)
	}
	// Months: the last month is 2 Oct–1 Nov: the same four answers.
	m1, _ := kpi.ParseWindow("1m")
	sc = compute(t, eng, kpi.Slice{Window: m1})
	if !sc.Slice.Period.Equal(day("2026-10-02")) {
		t.Errorf("1m: period %s", sc.Slice.Period)
	}
	want(t, "csat last month", sc.Find("csat").Total.Value, 50)
	// To date: the quarter to date is Q4 2026 as far as the data goes.
	qtd, _ := kpi.ParseWindow("qtd")
	sc = compute(t, eng, kpi.Slice{Window: qtd})
	if sc.Slice.Grain != kpi.Quarter || !sc.Slice.Period.Equal(oct) {
		t.Errorf("qtd: %s %s", sc.Slice.Grain, sc.Slice.Period)
	}
	// An earlier period asked under a to-date window (a grid's or a
	// series' column) is that calendar period, not the latest again.
	jul := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	a := compute(t, eng, kpi.Slice{Window: qtd, Period: jul}).Find("csat")
	b := compute(t, eng, kpi.Slice{Grain: kpi.Quarter, Period: jul}).Find("csat")
	if a.Total.N != b.Total.N || (a.Total.Value == nil) != (b.Total.Value == nil) {
		t.Errorf("qtd at Q3: n %d, Q3 n %d", a.Total.N, b.Total.N)
	}
	// Stepped back, a rolling window is named as one, not as the last.
	sc = compute(t, eng, kpi.Slice{Window: w30, Period: day("2026-09-20")})
	if got := sc.PeriodTitle(); got != "3 Sep – 2 Oct 2026 (30-day window)" {
		t.Errorf("stepped back: title %q", got)
	}
	// Last year needs a window a year holds a whole number of times.
	if _, err := eng.Compute(ctx, kpi.Slice{Window: w30, Compare: kpi.VsYear}, nil); err == nil || !strings.Contains(err.Error(), "previous window") {
		t.Errorf("30d vs last year: %v", err)
	}
	w28, _ := kpi.ParseWindow("28d")
	if _, err := eng.Compute(ctx, kpi.Slice{Window: w28, Compare: kpi.VsYear}, nil); err != nil {
		t.Errorf("28d vs last year: %v", err)
	}
}

// TestWindowsFromRollups: a window's numbers are the same from the rollups
// as from the raw rows, for every built-in KPI on the sample.
func TestWindowsFromRollups(t *testing.T) {
	skipShort(t)
	eng := sharedSample(t, nil)
	ids := rtIDs(eng)
	approx := 0
	for _, arg := range []string{"30d", "12w", "3m", "qtd", "1d"} {
		w, _ := kpi.ParseWindow(arg)
		for _, s := range []kpi.Slice{{Window: w}, {Window: w, Segment: "channel"}, {Window: w, Compare: kpi.VsTarget, Filters: []kpi.Filter{{Dim: "channel", Op: kpi.OpNotIn, Values: []string{"web"}}}}} {
			c := rtCompute(t, eng, ids, s, func(id string, raw kpi.Result) bool { return rtSketchable(eng, id, s, raw) })
			approx += c.approxSeen
		}
	}
	if approx == 0 {
		t.Error("no window was answered from the rollups' sketches")
	}
}

// TestLeapYearComparison: a partial year to 31 Mar 2024 (a leap year: 91
// days) is compared with 2023 to 31 Mar (90 days), not with 91 days of
// 2023, which would take in 1 Apr 2023; the year to date does the same.
func TestLeapYearComparison(t *testing.T) {
	db := openFixture(t, `
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE, churn_date DATE, segment VARCHAR, region VARCHAR, plan VARCHAR);
INSERT INTO customers VALUES ('C1', '2022-01-01', NULL, 'SMB', 'EMEA', 'Basic');
CREATE TABLE tickets (ticket_id VARCHAR, customer_id VARCHAR, channel VARCHAR, priority VARCHAR, created_at TIMESTAMP, resolved_at TIMESTAMP, csat INTEGER);
INSERT INTO tickets VALUES
 ('a', 'C1', 'chat', 'low', '2023-03-31 08:00', '2023-03-31 12:00', 5),
 ('b', 'C1', 'chat', 'low', '2023-04-01 08:00', '2023-04-01 10:00', 1),
 ('c', 'C1', 'chat', 'low', '2023-06-01 08:00', '2023-06-01 10:00', 1),
 ('d', 'C1', 'chat', 'low', '2024-03-31 08:00', '2024-03-31 12:00', 4);`)
	eng := standardEngine(t, db)
	ytd, _ := kpi.ParseWindow("ytd")
	for _, s := range []kpi.Slice{{Grain: kpi.Year}, {Window: ytd}} {
		sc := compute(t, eng, s)
		r := sc.Find("csat")
		if r == nil || r.Total.Compare == nil {
			t.Fatalf("%+v: no comparison", s)
		}
		// 2023 to 31 Mar: ticket a only (5) → 100%, n 1; with 1 Apr: 50%, n 2.
		want(t, "csat 2023 to 31 Mar", r.Total.Compare.Value, 100)
		if r.Total.Compare.N != 1 || sc.CompareName() != "2023 (to 31 Mar)" || r.Total.CompareTo != "2023 (to 31 Mar)" {
			t.Errorf("%+v: compared with %q / %q, n %d", s, sc.CompareName(), r.Total.CompareTo, r.Total.Compare.N)
		}
	}
}
