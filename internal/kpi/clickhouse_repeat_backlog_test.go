package kpi

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"kpiscope/internal/chtest"
)

// TestWarehouseRepeatRateBacklog: the two built-ins whose SQL is furthest
// from ClickHouse's (the repeat rate's DuckDB list functions, the backlog's
// as-of subquery) on a fixture small enough to work by hand, computed by an
// engine over DuckDB, over one ClickHouse server and over the 2-shard
// Distributed tables.
//
// Orders: C1 orders O1 (two lines) and O2 in September: 2 orders, repeats.
// C2 orders O3 on two lines: 1 order. Two orders with no customer: nobody.
// C3 orders O6 on 31 Aug and O7 on 1 Sep: one order in each month,
// repeating in the quarter. C4 orders O9 and one with no order id in
// September: two distinct (customer, order) pairs, as DuckDB's
// list(DISTINCT {…}) counts them. C5 orders once, on 1 July, and C6 on 2
// October (the orders start and end there: August and September are whole
// months of data, compared whole). September: 2 repeating
// (C1, C4) of 4 customers = 50%; August: 0 of 1 (C3); Q3: 3 (C1, C3, C4)
// of 5 = 60%.
//
// Tickets: T1 created 1 Sep 10:00, resolved 3 Sep; T2 created 10 Sep,
// open; T3 created 20 Aug, resolved 5 Sep; T4 created 31 Aug 23:00, open;
// T5 created 2 Oct, resolved 3 Oct 12:00 (the data's end). Open at
// August's end (1 Sep 00:00): T3 (12 days old) and T4 (1 hour): backlog 2,
// median age 6 days + 1/48, one under a day, one of 7+ days. At
// September's end: T2 (21 days) and T4 (30 days 1 hour): 2, median
// 25.5 days + 1/48, both 7+ days.
func TestWarehouseRepeatRateBacklog(t *testing.T) {
	chtest.Long(t)
	dsn1, _, _ := chEnv(t)
	ctx := context.Background()
	tables := []chTable{
		{Name: "orders", Cols: [][3]string{{"order_id", "VARCHAR", "Nullable(String)"}, {"customer_id", "VARCHAR", "Nullable(String)"},
			{"order_date", "TIMESTAMP", "DateTime('UTC')"}, {"amount", "DOUBLE", "Nullable(Float64)"}}},
		{Name: "tickets", Cols: [][3]string{{"ticket_id", "VARCHAR", "String"}, {"created_at", "TIMESTAMP", "DateTime('UTC')"},
			{"resolved_at", "TIMESTAMP", "Nullable(DateTime('UTC'))"}}},
	}
	at := func(s string) time.Time {
		t, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			panic(err)
		}
		return t
	}
	ptrT := func(s string) *time.Time {
		if s == "" {
			return nil
		}
		v := at(s)
		return &v
	}
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	amount := 10.0
	rows := map[string][][]any{}
	for _, o := range [][3]string{
		{"O0", "C5", "2026-07-01 00:00"},
		{"O1", "C1", "2026-09-02 10:00"}, {"O1", "C1", "2026-09-02 10:00"}, {"O2", "C1", "2026-09-20 10:00"},
		{"O3", "C2", "2026-09-03 10:00"}, {"O3", "C2", "2026-09-03 10:00"},
		{"O4", "", "2026-09-04 10:00"}, {"O5", "", "2026-09-05 10:00"},
		{"O6", "C3", "2026-08-31 23:59"}, {"O7", "C3", "2026-09-01 00:00"},
		{"O9", "C4", "2026-09-06 10:00"}, {"", "C4", "2026-09-07 10:00"},
		{"O10", "C6", "2026-10-02 10:00"},
	} {
		rows["orders"] = append(rows["orders"], []any{str(o[0]), str(o[1]), at(o[2]), &amount})
	}
	for _, tk := range [][3]string{
		{"T1", "2026-09-01 10:00", "2026-09-03 00:00"}, {"T2", "2026-09-10 00:00", ""}, {"T3", "2026-08-20 00:00", "2026-09-05 00:00"},
		{"T4", "2026-08-31 23:00", ""}, {"T5", "2026-10-02 00:00", "2026-10-03 12:00"},
	} {
		rows["tickets"] = append(rows["tickets"], []any{tk[0], at(tk[1]), ptrT(tk[2])})
	}
	local, dist := chSetup(t, tables, rows)
	db, cols := chDuckLoad(t, tables, rows)
	opt := Options{Now: func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }}
	defs := func() []*Def {
		var out []*Def
		for _, d := range StandardDefs(cols) {
			if d.ID == "repeat_rate" || d.ID == "backlog" {
				out = append(out, d)
			}
		}
		return out
	}
	duck, err := New(ctx, db, defs(), opt)
	if err != nil {
		t.Fatal(err)
	}
	engines := map[string]*Engine{"DuckDB": duck}
	for name, c := range map[string]string{"single node": chDBName(t, local), "2 shards": chDBName(t, dist)} {
		wh, err := OpenWarehouse(ctx, chWarehouseURL(t, dsn1, c), WarehouseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { wh.Close() })
		if engines[name], err = NewWarehouse(ctx, wh, defs(), opt); err != nil {
			t.Fatal(err)
		}
	}
	sep, q3 := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	const h = 1.0 / 24
	for _, tc := range []struct {
		slice      Slice
		id         string
		value, cmp float64
		n          int64
		extras     map[string]float64
	}{
		{Slice{Grain: Month, Period: sep, Compare: VsPrevious}, "repeat_rate", 50, 0, 4, nil},
		{Slice{Grain: Quarter, Period: q3, Compare: VsPrevious}, "repeat_rate", 60, math.NaN(), 5, nil},
		{Slice{Grain: Month, Period: sep, Compare: VsPrevious}, "backlog", 2, 2, 2,
			map[string]float64{"median age (days)": (21 + 30 + h) / 2, "age 0-1d": 0, "age 1-3d": 0, "age 3-7d": 0, "age 7d+": 2}},
		{Slice{Grain: Month, Period: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)}, "backlog", 2, math.NaN(), 2,
			map[string]float64{"median age (days)": (12 + h) / 2, "age 0-1d": 1, "age 1-3d": 0, "age 3-7d": 0, "age 7d+": 1}},
	} {
		for _, name := range []string{"DuckDB", "single node", "2 shards"} {
			sc, err := engines[name].Compute(ctx, tc.slice, []string{tc.id})
			if err != nil {
				t.Fatal(err)
			}
			r := sc.Find(tc.id)
			where := fmt.Sprintf("%s, %s %s %s", name, tc.id, tc.slice.Grain, tc.slice.Period.Format("2006-01-02"))
			if r == nil || r.Err != nil || r.ExtrasErr != nil || r.Total.Value == nil {
				t.Errorf("%s: %+v", where, r)
				continue
			}
			if v := *r.Total.Value; math.Abs(v-tc.value) > 1e-9 || r.Total.N != tc.n {
				t.Errorf("%s: %v (n %d), want %v (n %d)", where, v, r.Total.N, tc.value, tc.n)
			}
			if !math.IsNaN(tc.cmp) && (r.Total.Compare == nil || r.Total.Compare.Value == nil || math.Abs(*r.Total.Compare.Value-tc.cmp) > 1e-9) {
				t.Errorf("%s: compared with %+v, want %v", where, r.Total.Compare, tc.cmp)
			}
			for k, want := range tc.extras {
				if got := r.Total.Extras[k]; got == nil || math.Abs(*got-want) > 1e-9 {
					t.Errorf("%s: %s %v, want %v", where, k, ptrText(got), want)
				}
			}
		}
	}
}

func ptrText(p *float64) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprint(*p)
}
