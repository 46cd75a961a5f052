package kpi

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/chtest"
)

// The distribution and the cohort matrices on a warehouse (issue 16): an
// engine over the ClickHouse fixture (single node, and the 2-shard
// Distributed tables) gives what the engine over the same rows in DuckDB
// gives, whole: every bucket's count, n, the comparison period and its
// segments, mean, median and p90 (within 1e-9 relative: the ClickHouse
// quantile interpolates as quantile_cont does), every cohort's size and
// active counts.

// chWarehouseEngines opens the DuckDB engine over the fixture and the two
// warehouse engines over the same rows; with mapped, a third reads the
// Distributed tables through a warehouse whose URL names shard 1's
// database and whose Tables map each name to the other database's table
// (kpiscope.yaml's warehouse: tables:).
func chWarehouseEngines(t *testing.T, mapped bool) (want *Engine, got map[string]*Engine, rows map[string][][]any) {
	t.Helper()
	dsn1, _, _ := chEnv(t)
	ctx := context.Background()
	rows = chFixtureRows()
	local, dist := chSetup(t, chFixtureTables, rows)
	db, tables := chDuckLoad(t, chFixtureTables, rows)
	opt := Options{Now: func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) },
		Dimensions: []string{"channel", "priority", "region", "plan", "contacts"}}
	want, err := New(ctx, db, StandardDefs(tables), opt)
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]*Engine{}
	for name, c := range map[string]*sql.DB{"single node": local, "2 shards": dist} {
		wh, err := OpenWarehouse(ctx, chWarehouseURL(t, dsn1, chDBName(t, c)), WarehouseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { wh.Close() })
		e, err := NewWarehouse(ctx, wh, StandardDefs(tables), opt)
		if err != nil {
			t.Fatal(err)
		}
		got[name] = e
	}
	if mapped {
		tablesTo := map[string]string{}
		for _, tb := range chFixtureTables {
			tablesTo[tb.Name] = chDBName(t, dist) + "." + tb.Name
		}
		// The URL's database holds half the rows under the same names
		// (shard 1's): read unmapped, the numbers would differ.
		half := strings.TrimSuffix(chDBName(t, dist), "_dist") + "_shard"
		wh, err := OpenWarehouse(ctx, chWarehouseURL(t, dsn1, half), WarehouseOptions{Tables: tablesTo})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { wh.Close() })
		if got["mapped tables"], err = NewWarehouse(ctx, wh, StandardDefs(tables), opt); err != nil {
			t.Fatal(err)
		}
	}
	return want, got, rows
}

// distJSON is a distribution as a JSON tree, its buckets' open ends
// written as text (JSON has no infinities) and its definition by id.
func distJSON(t *testing.T, x *Distribution) any {
	t.Helper()
	c := *x
	c.Def = nil
	type bucket struct{ Lo, Hi, Label string }
	var bs []bucket
	for _, b := range x.Buckets {
		bs = append(bs, bucket{fmt.Sprint(b.Lo), fmt.Sprint(b.Hi), b.Label})
	}
	c.Buckets = nil
	dimErr := ""
	if c.DimErr != nil {
		dimErr = c.DimErr.Error()
	}
	c.DimErr = nil
	return resultJSON(t, struct {
		Distribution
		KPI, DimErr string
		Buckets     []bucket
	}{c, x.Def.ID, dimErr, bs})
}

func TestWarehouseDistribution(t *testing.T) {
	chtest.Long(t)
	want, got, _ := chWarehouseEngines(t, false)
	ctx := context.Background()
	sep := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	slices := []struct {
		s   Slice
		dim string
	}{
		{Slice{Grain: Month}, ""},                  // October, partial: the comparison is September's same part
		{Slice{Grain: Week}, "channel"},            // the week of 12 Oct, partial, by channel
		{Slice{Grain: Month, Period: sep}, "plan"}, // a whole month against August, by a customer's column
		{Slice{Grain: Month, Period: sep, Filters: []Filter{{Dim: "priority", Values: []string{"high", "urgent"}}}}, "channel"},
		{Slice{Grain: Week, Filters: []Filter{{Dim: "region", Values: []string{"EMEA", BlankLabel}}}}, ""},
	}
	var ids []string
	for _, d := range want.Defs() {
		if _, err := d.DistributionKind(); err == nil && want.Problems()[d.ID] == nil {
			ids = append(ids, d.ID)
		}
	}
	kinds := map[DistKind]int{}
	for _, id := range ids {
		k, _ := want.byID[id].DistributionKind()
		kinds[k]++
	}
	if kinds[DistHistogram] < 2 || kinds[DistScores] < 2 {
		t.Fatalf("the fixture's KPIs with a distribution: %v (%v); want histograms and scores", ids, kinds)
	}
	for name, e := range got {
		compared, values := 0, 0
		for si, c := range slices {
			for _, id := range ids {
				w, werr := want.Distribution(ctx, c.s, id, c.dim)
				g, err := e.Distribution(ctx, c.s, id, c.dim)
				if werr != nil || err != nil { // a filter the KPI's table cannot reach
					if fmt.Sprint(err) != fmt.Sprint(werr) {
						t.Errorf("%s, slice %d, %s: %v; DuckDB's %v", name, si, id, err, werr)
					}
					continue
				}
				if msg := jsonClose(distJSON(t, w), distJSON(t, g), id); msg != "" {
					t.Errorf("%s, slice %d (%+v by %q): %s", name, si, c.s, c.dim, msg)
				}
				compared++
				values += int(w.Total.N)
				if w.Compare != nil {
					values += int(w.Compare.N)
				}
			}
		}
		if values == 0 {
			t.Fatalf("%s: every distribution compared is empty", name)
		}
		t.Logf("%s: %d distributions equal to DuckDB's (%d values counted)", name, compared, values)
	}

	// Hand-worked: the fixture's CSAT answers on the 1–5 scale in
	// September 2026, counted from its rows, are the distribution's.
	counts := make([]int64, 5)
	for _, r := range chFixtureRows()["tickets"] {
		at := r[6].(*time.Time) // by resolved date
		if v := r[8].(*int32); v != nil && at != nil && *v >= 1 && *v <= 5 && !at.Before(sep) && at.Before(sep.AddDate(0, 1, 0)) {
			counts[*v-1]++
		}
	}
	for name, e := range got {
		x, err := e.Distribution(ctx, Slice{Grain: Month, Period: sep}, "csat", "")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(x.Total.Counts) != fmt.Sprint(counts) || x.Kind != DistScores {
			t.Errorf("%s: September's CSAT answers %v (%s), counted from the rows %v", name, x.Total.Counts, x.Kind, counts)
		}
	}
}

func TestWarehouseCohorts(t *testing.T) {
	chtest.Long(t)
	want, got, rows := chWarehouseEngines(t, true)
	ctx := context.Background()
	asks := []CohortAsk{
		{Kind: CohortRetention},
		{Kind: CohortRetention, Grain: Quarter, Cohorts: 4},
		{Kind: CohortRetention, Filters: []Filter{{Dim: "region", Values: []string{"EMEA", BlankLabel}}}},
		{Kind: CohortRetention, Filters: []Filter{{Dim: "plan", Op: OpNotIn, Values: []string{"Basic"}}}},
		{Kind: CohortOrders},
		{Kind: CohortOrders, Grain: Quarter, Cohorts: 5},
		// The customers' region joined to the orders (GLOBAL JOIN on the shards).
		{Kind: CohortOrders, Filters: []Filter{{Dim: "region", Values: []string{"APAC", "AMER"}}}},
		{Kind: CohortOrders, Grain: Quarter, Filters: []Filter{{Dim: "plan", Values: []string{"Team O'Neil"}}}},
	}
	for name, e := range got {
		for i, a := range asks {
			w, err := want.Cohorts(ctx, a)
			if err != nil {
				t.Fatalf("DuckDB, ask %d: %v", i, err)
			}
			g, err := e.Cohorts(ctx, a)
			if err != nil {
				t.Fatalf("%s, ask %d: %v", name, i, err)
			}
			var size int64
			for _, r := range w.Rows {
				size += r.Size
			}
			if size == 0 || w.Ages < 2 {
				t.Fatalf("DuckDB, ask %d: an empty matrix (%d ages)", i, w.Ages)
			}
			if msg := jsonClose(resultJSON(t, w), resultJSON(t, g), "cohorts"); msg != "" {
				t.Errorf("%s, ask %d (%+v): %s", name, i, a, msg)
			}
		}
	}

	// Hand-worked from the rows: the monthly signup cohorts' sizes, and the
	// first-order cohorts' (from the orders before the first month not
	// over: the orders' data ends on 17 Oct 2026, so October is out).
	signups, firsts := map[string]int64{}, map[string]int64{}
	for _, r := range rows["customers"] {
		signups[r[3].(*time.Time).Format("2006-01")]++
	}
	first := map[string]time.Time{}
	through := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range rows["orders"] {
		c, at := *r[1].(*string), r[2].(time.Time)
		if f, ok := first[c]; at.Before(through) && (!ok || at.Before(f)) {
			first[c] = at
		}
	}
	for _, at := range first {
		firsts[at.Format("2006-01")]++
	}
	for name, e := range got {
		for _, c := range []struct {
			kind CohortKind
			want map[string]int64
		}{{CohortRetention, signups}, {CohortOrders, firsts}} {
			m, err := e.Cohorts(ctx, CohortAsk{Kind: c.kind, Cohorts: 14})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range m.Rows {
				if r.Size != c.want[r.Start.Format("2006-01")] {
					got = append(got, fmt.Sprintf("%s: %d, counted %d", r.Start.Format("2006-01"), r.Size, c.want[r.Start.Format("2006-01")]))
				}
			}
			if len(m.Rows) < 10 || len(got) > 0 {
				t.Errorf("%s, %s: %d cohorts; sizes differ from the rows': %s", name, c.kind, len(m.Rows), strings.Join(got, "; "))
			}
			if c.kind == CohortOrders && !m.Through.Equal(through) {
				t.Errorf("%s, %s: through %v, want %v", name, c.kind, m.Through, through)
			}
		}
	}
}
