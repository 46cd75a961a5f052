package kpi_test

import (
	"context"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// Periods are cut in UTC, whatever the host's zone.
func TestTimeZoneIsUTC(t *testing.T) {
	db := openFixture(t, "SELECT 1")
	rows, err := db.Query(context.Background(), "SELECT current_setting('TimeZone')")
	if err != nil || rows.Data[0][0] != "UTC" {
		t.Fatalf("TimeZone = %v (%v)", rows.Data[0][0], err)
	}
}

// A day whose data stops at 09:30 is not complete: it is the default day,
// partial, compared with the same hours of the day before.
func TestLastDayPartial(t *testing.T) {
	db := openFixture(t, `
CREATE TABLE tickets (ticket_id VARCHAR, created_at TIMESTAMP, resolved_at TIMESTAMP, csat INTEGER);
INSERT INTO tickets VALUES ('a', '2026-03-09 08:00', '2026-03-09 08:00', 5), ('b', '2026-03-09 20:00', '2026-03-09 20:00', 1),
 ('c', '2026-03-10 08:00', '2026-03-10 09:30', 5)`)
	b, _ := kpi.LookupBuiltin("csat")
	eng, err := kpi.New(context.Background(), db, []*kpi.Def{b.Bind("", nil)}, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	sc := compute(t, eng, kpi.Slice{Grain: kpi.Day, Compare: kpi.VsPrevious})
	if want := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC); !sc.Slice.Period.Equal(want) {
		t.Errorf("default day %v, want 10 Mar", sc.Slice.Period)
	}
	r := sc.Results[0]
	if got := kpi.PeriodLabel(kpi.Day, sc.Slice.Period, r.PeriodEnd); got != "Tue 10 Mar 2026 (to 09:30)" {
		t.Errorf("label %q", got)
	}
	if r.Total.CompareTo != "Mon 9 Mar 2026 (to 09:30)" {
		t.Errorf("compared with %q", r.Total.CompareTo)
	}
	if !r.Total.Partial {
		t.Fatal("10 Mar should be partial")
	}
	// 9 Mar until 09:30: only ticket a (5) → 100%, not the whole day's 50%.
	want(t, "9 Mar same hours", r.Total.Compare.Value, 100)
}

// Churn dates after the last signup still count as data; a churn_date
// column with no values yet (read as text) fits its role.
func TestCohortRangeAndEmptyChurn(t *testing.T) {
	db := openFixture(t, `
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE, churn_date DATE);
INSERT INTO customers VALUES ('a', '2026-01-01', '2026-04-20'), ('b', '2026-01-05', NULL), ('c', '2026-02-01', NULL);
CREATE TABLE c2 (customer_id VARCHAR, signup_date DATE, churn_date VARCHAR);
INSERT INTO c2 VALUES ('a', '2026-01-01', NULL), ('b', '2026-02-01', NULL)`)
	b, _ := kpi.LookupBuiltin("churn")
	empty := b.Bind("c2", nil)
	empty.ID = "churn_c2"
	eng, err := kpi.New(context.Background(), db, []*kpi.Def{b.Bind("", nil), empty}, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Problems()["churn_c2"]; err != nil {
		t.Fatalf("an all-empty churn_date must be accepted: %v", err)
	}
	apr := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	if err := eng.CheckPeriod(kpi.Slice{Grain: kpi.Month, Period: apr}); err != nil {
		t.Fatalf("April has a churn: %v", err)
	}
	sc := compute(t, eng, kpi.Slice{Grain: kpi.Month, Period: apr})
	want(t, "April churn", sc.Find("churn").Total.Value, 100.0/3)
	want(t, "no churns", sc.Find("churn_c2").Total.Value, 0)
}

// Dimensions match without regard to case, and so do target overrides.
func TestDimensionCase(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	d := eng.Def("csat")
	d.Target.Overrides = []kpi.Override{{When: map[string]string{"channel": "email"}, Value: 30}}
	sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month, Period: oct, Segment: "CHANNEL"}, []string{"csat"}, kpi.FromScratch())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sc.Results[0].Segments {
		if r.Segment == "email" && (r.Goal == nil || r.Goal.Value != 30) {
			t.Errorf("override by segment ignored: %+v", r.Goal)
		}
	}
}
