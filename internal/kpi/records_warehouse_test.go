package kpi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/chtest"
)

// TestWarehouseRecords reads the rows behind the numbers with an engine
// over ClickHouse (the 2-shard Distributed tables; the single node's for
// the first slice) and
// with one over the same fixture in DuckDB: for a KPI of each kind of rows, over slices with a customer filter, a numeric filter, all time and
// a week, sorted by default, by a column from the largest and searched, a
// page past the middle (read from the end) and (in the first slice)
// every row, the same
// columns, rule, period, count, n, matches and rows, value for value
// (numbers within 1e-9 relative). A page in file order is sorted by the
// first column there, as DuckDB's sorted by it.
func TestWarehouseRecords(t *testing.T) {
	chtest.Long(t)
	dsn1, _, _ := chEnv(t)
	ctx := context.Background()
	rows := chFixtureRows()
	local, dist := chSetup(t, chFixtureTables, rows)
	db, tables := chDuckLoad(t, chFixtureTables, rows)
	now := func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }
	opt := Options{Now: now, Dimensions: []string{"channel", "priority", "region", "plan", "contacts"}}
	want, err := New(ctx, db, StandardDefs(tables), opt)
	if err != nil {
		t.Fatal(err)
	}
	slices := []Slice{
		{Grain: Month, Filters: []Filter{{Dim: "region", Values: []string{"EMEA", BlankLabel}}}},
		{Grain: All},
		{Grain: Week, Filters: []Filter{{Dim: "contacts", Op: OpGE, Values: []string{"2"}}}},
		{Grain: Quarter, Period: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Filters: []Filter{{Dim: "plan", Op: OpNotIn, Values: []string{"Team O'Neil"}}}},
	}
	// One KPI of each kind of rows: a counted condition (csat), a measure
	// (resolution_time, first_response), a rate's denominator (fcr,
	// response_rate), another table (nps, purchase_frequency: distinct
	// customers), a cohort (retention, churn), a composite's input (clv),
	// the backlog (no rows).
	kinds := map[string]bool{"csat": true, "resolution_time": true, "first_response": true, "fcr": true, "response_rate": true,
		"nps": true, "purchase_frequency": true, "retention": true, "churn": true, "clv": true, "backlog": true}
	for _, tc := range []struct{ name, db string }{{"single node", chDBName(t, local)}, {"2 shards", chDBName(t, dist)}} {
		wh, err := OpenWarehouse(ctx, chWarehouseURL(t, dsn1, tc.db), WarehouseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer wh.Close()
		got, err := NewWarehouse(ctx, wh, StandardDefs(tables), opt)
		if err != nil {
			t.Fatal(err)
		}
		pages, rowsSeen := 0, 0
		for _, d := range want.Defs() {
			if !kinds[d.ID] {
				continue
			}
			for si, s := range slices {
				if tc.name == "single node" && si > 0 {
					break // the slices on the shards; the first one on both
				}
				base, err := want.Records(ctx, d.ID, s, RecordsAsk{Limit: 0})
				if err != nil {
					// No rows to show, or a filter the KPI's table cannot
					// reach: the same error there.
					if _, gerr := got.Records(ctx, d.ID, s, RecordsAsk{Limit: 0}); fmt.Sprint(gerr) != err.Error() || errors.Is(err, ErrNoRecords) != errors.Is(gerr, ErrNoRecords) {
						t.Errorf("%s, %s, slice %d: %v; DuckDB's %v", tc.name, d.ID, si, gerr, err)
					}
					continue
				}
				last := base.Columns[len(base.Columns)-1]
				for ai, ask := range []RecordsAsk{
					{Limit: 15},
					{Limit: 7, Offset: 3, Sort: last, Desc: true, Search: "Em"},
					{Limit: 6, Offset: int(base.Match) - 8, Total: base.Match, NoCount: true},
					{Limit: -1, Sort: base.Columns[min(1, len(base.Columns)-1)]},
				} {
					if ai == 3 && si > 0 {
						break // every row: the first slice's
					}
					w, werr := want.Records(ctx, d.ID, s, ask)
					if ai == 0 {
						ask.FileOrder = true // sorted by the first column on a warehouse
					}
					g, gerr := got.Records(ctx, d.ID, s, ask)
					if werr != nil || gerr != nil {
						if !strings.Contains(fmt.Sprint(gerr), "not translatable") || werr != nil {
							t.Errorf("%s, %s, slice %d, ask %d: %v; DuckDB's %v", tc.name, d.ID, si, ai, gerr, werr)
						}
						break
					}
					if msg := sameRecords(w, g); msg != "" {
						t.Errorf("%s, %s, slice %d, ask %d (%+v): %s", tc.name, d.ID, si, ai, ask, msg)
					}
					pages++
					rowsSeen += len(g.Rows)
				}
			}
		}
		if pages < 20 || rowsSeen < 300 {
			t.Errorf("%s: only %d pages, %d rows compared", tc.name, pages, rowsSeen)
		}
		t.Logf("%s: %d pages of rows (%d rows) equal to DuckDB's", tc.name, pages, rowsSeen)
	}
}

// sameRecords compares two pages of rows: "" when equal, else the first
// difference.
func sameRecords(w, g *Records) string {
	for _, c := range []struct {
		what      string
		want, got any
	}{
		{"columns", w.Columns, g.Columns}, {"used", w.Used, g.Used}, {"rule", w.Rule, g.Rule}, {"period", w.Period, g.Period},
		{"count", w.Count, g.Count}, {"n", w.N, g.N}, {"match", w.Match, g.Match}, {"sort", w.Sort, g.Sort},
		{"no value", w.NoValue != "", g.NoValue != ""}, {"measured", w.Measured, g.Measured}, {"rows", len(w.Rows), len(g.Rows)},
	} {
		if fmt.Sprint(c.want) != fmt.Sprint(c.got) {
			return fmt.Sprintf("%s %v, DuckDB's %v", c.what, c.got, c.want)
		}
	}
	for i := range w.Rows {
		for j := range w.Rows[i] {
			wv, gv := w.Rows[i][j], g.Rows[i][j]
			if wf, ok := wv.(float64); ok {
				if gf, ok := gv.(float64); ok && math.Abs(wf-gf) <= 1e-9*math.Max(1, math.Abs(wf)) {
					continue
				}
			}
			if w.Text(j, wv) != g.Text(j, gv) {
				return fmt.Sprintf("row %d, %s: %v (%T), DuckDB's %v (%T)", w.Offset+i, w.Columns[j], gv, gv, wv, wv)
			}
		}
	}
	return ""
}
