package kpi_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

func periodsFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "periods", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func bound(t *testing.T, id string) *kpi.Def {
	t.Helper()
	b, ok := kpi.LookupBuiltin(id)
	if !ok {
		t.Fatalf("no built-in %s", id)
	}
	return b.Bind("", nil)
}

func count(id, source, time, expr string) *kpi.Def {
	return &kpi.Def{ID: id, Source: source, Time: time, Type: kpi.Formula,
		Inputs: map[string]string{"n": expr}, Expr: "n", Better: kpi.Higher}
}

var both = [][]kpi.Option{nil, {kpi.FromScratch()}}

// TestRecordAxisEndsTheData: requests created up to 29 Oct (the source's
// time:) and closed up to 10 Nov. The closing dates past 29 Oct do not
// extend the data: the default period is October to 29 Oct, not November,
// and October's resolution time leaves out t6 (closed 31 Oct) and t7
// (closed 10 Nov).
func TestRecordAxisEndsTheData(t *testing.T) {
	res := bound(t, "resolution_time")
	res.Source = "requests"
	eng, err := kpi.New(context.Background(), openFixture(t, periodsFixture(t, "record_axis.sql")), []*kpi.Def{res},
		kpi.Options{Now: fixedNow, RecordTime: map[string]string{"requests": "created_at"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.BuildRollups(context.Background(), nil); err != nil { // the rollups answer as the raw rows do
		t.Fatal(err)
	}
	for _, opts := range both {
		sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month}, nil, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if !sc.Slice.Period.Equal(oct) {
			t.Fatalf("default period %v, want October (requests stop on 29 Oct)", sc.Slice.Period)
		}
		r := sc.Find("resolution_time")
		// 1–29 Oct: t4 4h, t5 8h → 6h; 1–29 Sep: t1 10h, t2 20h → 15h (t3 closed on 30 Sep).
		want(t, "resolution Oct", r.Total.Value, 6)
		want(t, "resolution 1-29 Sep", r.Total.Compare.Value, 15)
		want(t, "delta", r.Total.Delta, -9)
		if r.Total.PeriodName != "Oct 2026 (to 29 Oct)" || r.Total.CompareTo != "Sep 2026 (to 29 Sep)" {
			t.Errorf("period %q vs %q, want Oct 2026 (to 29 Oct) vs Sep 2026 (to 29 Sep)", r.Total.PeriodName, r.Total.CompareTo)
		}
		if want := time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC); !r.DataEnd.Equal(want) || !eng.AsOf().Equal(oct.AddDate(0, 0, 28)) {
			t.Errorf("data end %v, AsOf %v, want 30 Oct (exclusive) and 29 Oct", r.DataEnd, eng.AsOf())
		}
		// November holds only t7, closed after the cut-off: no value.
		sc, err = eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month, Period: oct.AddDate(0, 1, 0)}, nil, opts...)
		if err != nil {
			t.Fatal(err)
		}
		wantNone(t, "resolution Nov", sc.Find("resolution_time").Total.Value)
	}
}

// TestPartialByOwnColumn: each KPI's period is cut where its own date
// column stops. Tickets created up to 14 Oct and solved up to 17 Oct: the
// first response (by created date) compares 1–14 Oct with 1–14 Sep, not
// with 1–17 Sep. Surveys sent up to 28 Oct and answered up to 31 Oct: the
// response rate (by send date) compares 1–28 Oct with 1–28 Sep, while NPS
// (by response date) compares whole months.
func TestPartialByOwnColumn(t *testing.T) {
	fr, res, rr, nps := bound(t, "first_response"), bound(t, "resolution_time"), bound(t, "response_rate"), bound(t, "nps")
	rr.Source, nps.Source = "surveys", "surveys"
	defs := []*kpi.Def{fr, res, rr, nps}
	db := openFixture(t, periodsFixture(t, "own_ends.sql"))
	eng, err := kpi.New(context.Background(), db, defs, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	type exp struct {
		id         string
		cur, cmp   float64
		name, with string
	}
	check := func(eng *kpi.Engine, cases []exp) {
		t.Helper()
		for _, opts := range both {
			sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, nil, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if !sc.Slice.Period.Equal(oct) {
				t.Fatalf("default period %v, want October", sc.Slice.Period)
			}
			for _, c := range cases {
				r := sc.Find(c.id)
				want(t, c.id+" "+c.name, r.Total.Value, c.cur)
				want(t, c.id+" "+c.with, r.Total.Compare.Value, c.cmp)
				if r.Total.PeriodName != c.name || r.Total.CompareTo != c.with {
					t.Errorf("%s: %q vs %q, want %q vs %q", c.id, r.Total.PeriodName, r.Total.CompareTo, c.name, c.with)
				}
			}
		}
	}
	check(eng, []exp{
		// 1–14 Oct: c 3h, d 5h → 4h; 1–14 Sep: a 1h (b, 16 Sep, is past the cut).
		{"first_response", 4, 1, "Oct 2026 (to 14 Oct)", "Sep 2026 (to 14 Sep)"},
		// Solved 1–17 Oct: c 4h, d 72h → 38h; 1–17 Sep: a 2h, b 10h → 6h.
		{"resolution_time", 38, 6, "Oct 2026 (to 17 Oct)", "Sep 2026 (to 17 Sep)"},
		// Sent 1–28 Oct: s5, s6 answered, s7 not → 2/3; 1–28 Sep: s1, s2 → 2/2.
		{"response_rate", 200.0 / 3, 100, "Oct 2026 (to 28 Oct)", "Sep 2026 (to 28 Sep)"},
		// Answered in October: s5 10, s6 0 → 0; September: s1 10, s2 9 → 100.
		{"nps", 0, 100, "Oct 2026", "Sep 2026"},
	})
	// With the tickets' record axis named (created_at), the solved dates
	// past 14 Oct do not extend the data: resolution time is cut there too.
	// Solved 1–14 Oct: c 4h; 1–14 Sep: a 2h.
	eng, err = kpi.New(context.Background(), db, defs, kpi.Options{Now: fixedNow, RecordTime: map[string]string{"tickets": "created_at"}})
	if err != nil {
		t.Fatal(err)
	}
	check(eng, []exp{{"resolution_time", 4, 2, "Oct 2026 (to 14 Oct)", "Sep 2026 (to 14 Sep)"}})
}

// TestDefaultPeriodMostKPIsCover: three KPIs on orders that stop on 28 Sep
// and one on signups that runs to 10 Oct. The default period is September,
// which all four have data in, not October, where three would show no value.
func TestDefaultPeriodMostKPIsCover(t *testing.T) {
	defs := []*kpi.Def{
		count("orders_n", "orders", "order_date", "count(*)"),
		count("revenue", "orders", "order_date", "sum(amount)"),
		count("buyers", "orders", "order_date", "count(DISTINCT customer_id)"),
		count("signups", "customers", "signup_date", "count(*)"),
	}
	eng, err := kpi.New(context.Background(), openFixture(t, periodsFixture(t, "majority.sql")), defs, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	sep := oct.AddDate(0, -1, 0)
	for _, opts := range both {
		sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, nil, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if !sc.Slice.Period.Equal(sep) {
			t.Fatalf("default period %v, want September", sc.Slice.Period)
		}
		// Orders 1–28 Sep: o3, o4, o5 (3, $120, 2 buyers) against 1–28 Aug:
		// o1, o2 (2, $40, 2 buyers). Signups in September: c → 1.
		want(t, "orders", sc.Find("orders_n").Total.Value, 3)
		want(t, "orders 1-28 Aug", sc.Find("orders_n").Total.Compare.Value, 2)
		want(t, "revenue", sc.Find("revenue").Total.Value, 120)
		want(t, "buyers", sc.Find("buyers").Total.Value, 2)
		want(t, "signups", sc.Find("signups").Total.Value, 1)
		// The data still reaches 10 Oct: October can be asked for.
		if got := eng.AsOf(); !got.Equal(oct.AddDate(0, 0, 9)) {
			t.Errorf("AsOf %v, want 10 Oct", got)
		}
	}
}

// TestDefaultPeriodSkipsTablesNotStarted: a period covers a KPI only when
// its data has begun by then. Visits of April 2021 (one KPI), calls Jan–Mar
// 2021 (three), orders of 2019 (three), chats of 1998 (two): no period
// holds five of the nine KPIs. April 2021 holds one, March 2021 three,
// December 2019 three (the orders; the calls had not begun, though their
// data ends later), June 1998 two: the default is the latest period most
// KPIs have data in, March 2021, not the visits' April.
func TestDefaultPeriodSkipsTablesNotStarted(t *testing.T) {
	defs := []*kpi.Def{
		count("calls", "calls", "call_date", "count(*)"),
		count("answered", "calls", "call_date", "count(*) FILTER (WHERE answered)"),
		count("missed", "calls", "call_date", "count(*) FILTER (WHERE NOT answered)"),
		count("orders_n", "orders", "order_date", "count(*)"),
		count("revenue", "orders", "order_date", "sum(amount)"),
		count("top_order", "orders", "order_date", "max(amount)"),
		count("visits", "visits", "visit_date", "count(*)"),
		count("chats_n", "chats", "chat_date", "count(*)"),
		count("chat_days", "chats", "chat_date", "count(DISTINCT chat_date)"),
	}
	eng, err := kpi.New(context.Background(), openFixture(t, periodsFixture(t, "eras.sql")), defs, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	for g, exp := range map[kpi.Grain]time.Time{
		kpi.Month:   time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC),
		kpi.Quarter: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
		kpi.Year:    time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got := eng.Resolve(kpi.Slice{Grain: g}).Period; !got.Equal(exp) {
			t.Errorf("default %s %v, want %v", g, got, exp)
		}
	}
	sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// March 2021: c3, c4 → 2 calls, both answered; February: c2, missed.
	want(t, "calls Mar", sc.Find("calls").Total.Value, 2)
	want(t, "calls Feb", sc.Find("calls").Total.Compare.Value, 1)
	want(t, "answered Mar", sc.Find("answered").Total.Value, 2)
}
