package kpi_test

import (
	"context"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// A custom KPI that fails on the rows stops the index of its own group only:
// the build goes on with the other groups (their breakdowns come from
// rollups: a median from its sketch, marked approximate), the failure is
// reported once the build ends, and the failing group's KPIs still answer,
// from the raw rows, with the same numbers as without the bad KPI.
func TestRollupBuildFailureStaysInItsGroup(t *testing.T) {
	db := openFixture(t, fixture)
	ref := standardEngine(t, db)
	ctx := context.Background()
	tables := map[string][]store.Column{}
	names, _ := db.Tables(ctx)
	for _, n := range names {
		tables[n], _ = db.Columns(ctx, n)
	}
	defs := kpi.StandardDefs(tables)
	// bad_cast counts tickets by creation date: a group of its own, beside
	// csat's and resolution time's (by resolution date).
	bad := &kpi.Def{ID: "bad_cast", Name: "Bad cast", Source: "tickets", Time: "created_at",
		Type: kpi.Ratio, Numerator: "sum(CAST(channel AS INTEGER))", Denominator: "count(*)", Better: kpi.Higher}
	fine := &kpi.Def{ID: "created", Name: "Created", Source: "tickets", Time: "created_at",
		Type: kpi.Ratio, Numerator: "count(*) FILTER (WHERE priority = 'high')", Denominator: "count(*)", Better: kpi.Higher}
	defs = append(defs, bad, fine)
	eng, err := kpi.New(ctx, db, defs, kpi.Options{Now: fixedNow, Dimensions: []string{"channel", "priority", "region", "plan", "segment"}})
	if err != nil {
		t.Fatal(err)
	}
	var other *kpi.Def
	for _, d := range defs {
		if d.ID == "resolution_time" {
			other = d
		}
	}
	if other == nil || other.Source == bad.Source && other.Time == bad.Time && other.Where == bad.Where {
		t.Fatalf("the fixture needs resolution_time in another rollup group than bad_cast: %+v", other)
	}
	err = eng.BuildRollups(ctx, nil)
	if err == nil || !strings.Contains(err.Error(), "rollups of "+bad.Source) {
		t.Fatalf("BuildRollups: %v, want the failing group named", err)
	}
	p := eng.RollupStatus()
	if p.Ready || p.Err == nil || p.Done != p.Total {
		t.Errorf("status: %+v, want every step gone through and the failure kept", p)
	}
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious, Segment: "priority"}
	sc, err := eng.Compute(ctx, s, nil, kpi.Uncached())
	if err != nil {
		t.Fatal(err)
	}
	// All time by priority needs the group's older rows and its breakdowns,
	// both built after the first screen's totals.
	all, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.All, Segment: "priority"}, []string{"resolution_time"}, kpi.Uncached())
	if err != nil {
		t.Fatal(err)
	}
	if rt := all.Find("resolution_time"); rt == nil || rt.Err != nil || !rt.ApproxExtras {
		t.Errorf("resolution_time by priority, all time, was not answered from its group's rollups: %+v", rt)
	}
	want, err := ref.Compute(ctx, s, nil, kpi.FromScratch())
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want.Results {
		got := sc.Find(w.Def.ID)
		near := func(a, b float64) bool { return approx(a, b) || got.Approx && rtWithin(a, b) } // a sketch's median: ±1%
		if got == nil || got.Err != nil || (got.Total.Value == nil) != (w.Total.Value == nil) || w.Total.Value != nil && !near(*got.Total.Value, *w.Total.Value) {
			t.Errorf("%s beside the failing KPI: %+v, want %+v", w.Def.ID, got, w.Total)
		}
	}
	// created, in the failing group, from the raw rows: 2 high of 3 in Oct.
	if c := sc.Find("created"); c == nil || c.Err != nil || c.Total.Value == nil {
		t.Errorf("created, in the failing group: %+v", c)
	}
	if b := sc.Find("bad_cast"); b == nil || b.Err == nil {
		t.Errorf("bad_cast: want its own error")
	}
}
