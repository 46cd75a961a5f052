package kpi

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"kpiscope/internal/chtest"
)

// TestWarehouseLowCardinality: a dimension stored as
// LowCardinality(Nullable(String)), as ClickHouse schemas often store them,
// breaks a scorecard down like a plain String column (review of issue 16:
// the breakdown's UNION ALL found no common type with the total's NULL, so
// every --by on such a column failed). The fixture's tickets with channel
// as LowCardinality, read through the table mapping, against DuckDB; the
// mapping lists tickets only, and the customers (region) are read under
// their own name.
func TestWarehouseLowCardinality(t *testing.T) {
	chtest.Long(t)
	dsn1, _, _ := chEnv(t)
	ctx := context.Background()
	rows := chFixtureRows()
	local, _ := chSetup(t, chFixtureTables, rows)
	db, tables := chDuckLoad(t, chFixtureTables, rows)
	lc := clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"allow_experimental_low_cardinality_type": 1})) // 18.16; later releases have it on
	if _, err := local.ExecContext(lc, "CREATE TABLE tickets_lc ENGINE = MergeTree() ORDER BY tuple() AS SELECT ticket_id, customer_id, "+
		"CAST(channel AS LowCardinality(Nullable(String))) AS channel, priority, created_at, first_response_at, resolved_at, contacts, csat, ces, reopened FROM tickets"); err != nil {
		t.Fatal(err)
	}
	opt := Options{Now: func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }, Dimensions: []string{"channel", "priority", "region"}}
	var defs []*Def
	for _, d := range StandardDefs(tables) {
		if d.Source == "tickets" {
			defs = append(defs, d)
		}
	}
	want, err := New(ctx, db, defs, opt)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := OpenWarehouse(ctx, chWarehouseURL(t, dsn1, chDBName(t, local)), WarehouseOptions{Tables: map[string]string{"tickets": "tickets_lc"}})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	got, err := NewWarehouse(ctx, wh, defs, opt)
	if err != nil {
		t.Fatal(err)
	}
	// region is the customers' (a table the mapping does not list, read
	// under its own name).
	for _, s := range []Slice{{Grain: Month, Segment: "channel"}, {Grain: Month, Segment: "region", Filters: []Filter{{Dim: "channel", Values: []string{"chat"}}}}, {Grain: Week, Segment: "channel", Filters: []Filter{{Dim: "channel", Op: OpNotIn, Values: []string{"chat"}}}}, {Grain: All, Segment: "priority", Filters: []Filter{{Dim: "channel", Values: []string{"email", BlankLabel}}}}} {
		w, err := want.Compute(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		g, err := got.Compute(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range w.Results {
			if g.Results[i].Err != nil || g.Results[i].SegmentErr != nil {
				t.Errorf("%+v, %s: %v / %v", s, w.Results[i].Def.ID, g.Results[i].Err, g.Results[i].SegmentErr)
				continue
			}
			if msg := jsonClose(resultJSON(t, w.Results[i]), resultJSON(t, g.Results[i]), fmt.Sprint(s.Segment, " ", w.Results[i].Def.ID)); msg != "" {
				t.Error(msg)
			}
		}
	}
}
