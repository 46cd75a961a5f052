package kpi_test

import (
	"context"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// gridFixture is three months of rated tickets by channel and priority,
// worked out by hand (CSAT = ratings 4–5 of ratings 1–5):
//
//	            Aug 2026       Sep 2026       Oct 2026        Aug–Oct pooled      (mean of cells)
//	chat        2/2  100%      1/2   50%      4/6   66.7%     7/10  70%           72.2
//	email       0/1    0%      3/3  100%      1/2   50%       4/6   66.7%         50
//	phone       —              0/1    0%      2/2  100%       2/3   66.7%         50
//	Total       2/3   66.7%    4/6   66.7%    7/10  70%       13/19 68.4%
//
// October by priority: chat high 3/3, low 1/3; email high 0/1, low 1/1;
// phone low 2/2: high 3/4 = 75%, low 4/6 = 66.7%.
const gridFixture = `
CREATE TABLE tickets (ticket_id VARCHAR, channel VARCHAR, priority VARCHAR,
  created_at TIMESTAMP, resolved_at TIMESTAMP, csat INTEGER);
INSERT INTO tickets VALUES
 ('a1', 'chat',  'low',  '2026-08-03 09:00', '2026-08-03 10:00', 5),
 ('a2', 'chat',  'low',  '2026-08-04 09:00', '2026-08-04 10:00', 5),
 ('a3', 'email', 'low',  '2026-08-05 09:00', '2026-08-05 10:00', 1),
 ('s1', 'chat',  'low',  '2026-09-03 09:00', '2026-09-03 10:00', 5),
 ('s2', 'chat',  'low',  '2026-09-04 09:00', '2026-09-04 10:00', 2),
 ('s3', 'email', 'low',  '2026-09-05 09:00', '2026-09-05 10:00', 5),
 ('s4', 'email', 'low',  '2026-09-06 09:00', '2026-09-06 10:00', 4),
 ('s5', 'email', 'low',  '2026-09-07 09:00', '2026-09-07 10:00', 4),
 ('s6', 'phone', 'low',  '2026-09-08 09:00', '2026-09-08 10:00', 3),
 ('o1', 'chat',  'high', '2026-10-03 09:00', '2026-10-03 10:00', 4),
 ('o2', 'chat',  'high', '2026-10-04 09:00', '2026-10-04 10:00', 4),
 ('o3', 'chat',  'high', '2026-10-05 09:00', '2026-10-05 10:00', 4),
 ('o4', 'chat',  'low',  '2026-10-06 09:00', '2026-10-06 10:00', 4),
 ('o5', 'chat',  'low',  '2026-10-07 09:00', '2026-10-07 10:00', 1),
 ('o6', 'chat',  'low',  '2026-10-08 09:00', '2026-10-08 10:00', 1),
 ('o7', 'email', 'high', '2026-10-09 09:00', '2026-10-09 10:00', 2),
 ('o8', 'email', 'low',  '2026-10-10 09:00', '2026-10-10 10:00', 5),
 ('o9', 'phone', 'low',  '2026-10-11 09:00', '2026-10-11 10:00', 5),
 ('o10', 'phone', 'low', '2026-10-31 09:00', '2026-10-31 10:00', 5);
`

// gridEngine is the fixture's engine; email's CSAT target is 60 (an
// override), the others' the catalog's 80 (amber from 75).
func gridEngine(t *testing.T) *kpi.Engine {
	t.Helper()
	db := openFixture(t, gridFixture)
	ctx := context.Background()
	tables := map[string][]store.Column{}
	names, _ := db.Tables(ctx)
	for _, n := range names {
		tables[n], _ = db.Columns(ctx, n)
	}
	defs := kpi.StandardDefs(tables)
	for _, d := range defs {
		if d.ID == "csat" {
			tg := *d.Target
			tg.Overrides = []kpi.Override{{When: map[string]string{"channel": "email"}, Value: 60}}
			d.Target = &tg
		}
	}
	eng, err := kpi.New(ctx, db, defs, kpi.Options{Now: fixedNow, Dimensions: []string{"channel", "priority"}})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func gridRow(t *testing.T, g *kpi.Grid, seg string) kpi.GridRow {
	t.Helper()
	for _, r := range g.Segments {
		if r.Segment == seg {
			return r
		}
	}
	t.Fatalf("no row %q in %+v", seg, g.Segments)
	return kpi.GridRow{}
}

// TestGridPooledTotals checks a grid of CSAT by channel × months against
// the hand-worked table above: every cell, the totals row (each month's
// pooled total), the totals column (each channel's ratings summed over the
// months, not the mean of its cells) and the corner.
func TestGridPooledTotals(t *testing.T) {
	eng := gridEngine(t)
	g, err := eng.Grid(context.Background(), kpi.GridAsk{
		Slice: kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}, KPI: "csat", Rows: "channel", Periods: 6})
	if err != nil {
		t.Fatal(err)
	}
	// Six periods asked, but the data starts in August.
	var cols []string
	for _, c := range g.Columns {
		cols = append(cols, c.Name)
	}
	if strings.Join(cols, ",") != "Aug 2026,Sep 2026,Oct 2026" {
		t.Fatalf("columns %v, want Aug, Sep, Oct 2026", cols)
	}
	var rows []string
	for _, r := range g.Segments {
		rows = append(rows, r.Segment)
	}
	if strings.Join(rows, ",") != "chat,email,phone" { // by n in October: 6, 2, 2 (email before phone by name)
		t.Errorf("rows %v", rows)
	}
	cells := map[string][3]float64{ // -1: no value
		"chat":  {100, 50, 100.0 * 4 / 6},
		"email": {0, 100, 50},
		"phone": {-1, 0, 100},
	}
	for seg, vals := range cells {
		r := gridRow(t, g, seg)
		for i, v := range vals {
			what := seg + " " + g.Columns[i].Name
			if v < 0 {
				wantNone(t, what, r.Cells[i].Value)
				if r.Cells[i].Status != kpi.NoValue {
					t.Errorf("%s: status %s, want no value", what, r.Cells[i].Status)
				}
				continue
			}
			want(t, what, r.Cells[i].Value, v)
		}
	}
	// A cell's delta is against the previous month, as the breakdown's.
	want(t, "chat Oct delta", gridRow(t, g, "chat").Cells[2].Delta, 100.0*4/6-50)
	for i, v := range []float64{200.0 / 3, 400.0 / 6, 70} {
		want(t, "total "+g.Columns[i].Name, g.Total.Cells[i].Value, v)
	}
	if g.NoPool != "" {
		t.Fatalf("CSAT pools over periods, got %q", g.NoPool)
	}
	pooled := map[string]struct {
		v float64
		n int64
		s kpi.Status
	}{
		"chat":  {70, 10, kpi.Uncertain},       // 7/10: off 80, but its interval (39–89) reaches it
		"email": {400.0 / 6, 6, kpi.Green},     // 66.7% ≥ email's own 60
		"phone": {200.0 / 3, 3, kpi.Uncertain}, // 2/3 (phone's August has no ratings)
	}
	for seg, w := range pooled {
		p, ok := g.Across(gridRow(t, g, seg), 0, len(g.Columns))
		if !ok {
			t.Fatalf("%s: no pooled value", seg)
		}
		want(t, seg+" pooled", p.Value, w.v)
		if p.N != w.n || p.Status != w.s {
			t.Errorf("%s pooled: n %d status %s, want n %d status %s", seg, p.N, p.Status, w.n, w.s)
		}
	}
	corner, _ := g.Across(g.Total, 0, len(g.Columns))
	want(t, "corner", corner.Value, 100.0*13/19)
	if corner.N != 19 || corner.PeriodName != "Aug – Oct 2026" {
		t.Errorf("corner n %d over %q, want 19 over Aug – Oct 2026", corner.N, corner.PeriodName)
	}
	// Over the last two months only: chat (1+4)/(2+6).
	p, _ := g.Across(gridRow(t, g, "chat"), 1, 3)
	want(t, "chat Sep–Oct", p.Value, 100.0*5/8)
}

// TestGridByDimension lays October's CSAT out as channel × priority: the
// cells are the breakdown within each priority, the totals row each
// priority's value, the totals column each channel's over every priority.
func TestGridByDimension(t *testing.T) {
	eng := gridEngine(t)
	g, err := eng.Grid(context.Background(), kpi.GridAsk{
		Slice: kpi.Slice{Grain: kpi.Month, Period: oct}, KPI: "csat", Rows: "channel", Cols: "priority"})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Columns) != 2 || g.Columns[0].Value != "low" || g.Columns[1].Value != "high" {
		t.Fatalf("columns %+v, want low (n 6) then high (n 4)", g.Columns)
	}
	want(t, "chat low", gridRow(t, g, "chat").Cells[0].Value, 100.0/3)
	want(t, "chat high", gridRow(t, g, "chat").Cells[1].Value, 100)
	want(t, "email high", gridRow(t, g, "email").Cells[1].Value, 0)
	wantNone(t, "phone high", gridRow(t, g, "phone").Cells[1].Value)
	want(t, "total low", g.Total.Cells[0].Value, 100.0*4/6)
	want(t, "total high", g.Total.Cells[1].Value, 75)
	for seg, v := range map[string]float64{"chat": 100.0 * 4 / 6, "email": 50, "phone": 100} {
		p, ok := g.Across(gridRow(t, g, seg), 0, 2)
		if !ok {
			t.Fatalf("%s: no value over the priorities", seg)
		}
		want(t, seg+" over priorities", p.Value, v)
	}
	corner, _ := g.Across(g.Total, 0, 2)
	want(t, "corner", corner.Value, 70)
}

// TestGridRefusesBadAsks: each bad ask is one error naming the fix.
func TestGridRefusesBadAsks(t *testing.T) {
	eng := gridEngine(t)
	ctx := context.Background()
	s := kpi.Slice{Grain: kpi.Month, Period: oct}
	for _, c := range []struct {
		ask  kpi.GridAsk
		want string
	}{
		{kpi.GridAsk{Slice: s, KPI: "csat", Rows: "chanel"}, `unknown dimension "chanel"; did you mean "channel"?`},
		{kpi.GridAsk{Slice: s, KPI: "nope", Rows: "channel"}, `unknown KPI "nope"`},
		{kpi.GridAsk{Slice: s, KPI: "csat", Rows: "channel", Cols: "channel"}, "both channel"},
		{kpi.GridAsk{Slice: kpi.Slice{Grain: kpi.All}, KPI: "csat", Rows: "channel"}, "no periods to lay out"},
	} {
		_, err := eng.Grid(ctx, c.ask)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.ask, err, c.want)
		}
	}
}

// TestGridMedianDoesNotPool: a median's cells are the engine's, but its
// value over several periods is not pooled from them (no average of
// medians): Across says so and the grid says why.
func TestGridMedianDoesNotPool(t *testing.T) {
	eng := gridEngine(t)
	g, err := eng.Grid(context.Background(), kpi.GridAsk{
		Slice: kpi.Slice{Grain: kpi.Month, Period: oct}, KPI: "resolution_median", Rows: "channel", Periods: 3})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "chat Oct median", gridRow(t, g, "chat").Cells[2].Value, 1)
	if _, ok := g.Across(gridRow(t, g, "chat"), 0, 3); ok || !strings.Contains(g.NoPool, "median") {
		t.Errorf("a median pooled over periods (NoPool %q)", g.NoPool)
	}
	if _, ok := eng.GridCached(kpi.GridAsk{Slice: kpi.Slice{Grain: kpi.Month, Period: oct}, KPI: "resolution_median", Rows: "channel", Periods: 3}); !ok {
		t.Error("the grid just computed is not found in the cache")
	}
}
