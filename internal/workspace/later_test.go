package workspace_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// laterConfig is the business fixture with a second table, surveys, and a
// KPI of its own, which never waits for the tickets' business hours.
func laterConfig(t *testing.T) string {
	t.Helper()
	cfg := copyFixture(t, bizDir, func(s string) string {
		s = strings.Replace(s, "  tickets: {path: tickets.csv}\n", "  tickets: {path: tickets.csv}\n  surveys: {path: surveys.csv}\ndimensions: [priority, calendar]\n", 1)
		return strings.Replace(s, "kpis:\n", `kpis:
  - id: detractors
    source: surveys
    type: ratio
    numerator: "count(*) FILTER (WHERE score <= 6)"
    denominator: "count(*)"
    scale: 100
    better: lower
    time: sent_at
  - id: answers
    source: surveys
    type: ratio
    numerator: "count(*)"
    denominator: "1"
    better: higher
    time: sent_at
  - id: promoters
    source: surveys
    type: ratio
    numerator: "count(*) FILTER (WHERE score >= 9)"
    denominator: "count(*)"
    scale: 100
    unit: "%"
    better: higher
    time: sent_at
  - id: fast_share
    type: composite
    inputs: {a: resolution_time.n, b: promoters.n}
    expr: "100.0 * a / (a + b)"
    better: higher
`, 1)
	})
	// January: 3 of 4 promoters; February: 1 of 2; two answers in March,
	// after the tickets end: the three survey KPIs reach March, the two
	// clock-time ticket KPIs and the six of the view end in February.
	surveys := "survey_id,sent_at,score\nS1,2026-01-05 10:00:00,9\nS2,2026-01-12 10:00:00,10\nS3,2026-01-20 10:00:00,3\nS4,2026-01-28 10:00:00,9\nS5,2026-02-03 10:00:00,10\nS6,2026-02-17 10:00:00,6\nS7,2026-03-05 10:00:00,10\nS8,2026-03-10 10:00:00,2\n"
	if err := os.WriteFile(filepath.Join(filepath.Dir(cfg), "surveys.csv"), []byte(surveys), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestBusinessLater: with Later and a ticket table of LaterRows rows or
// more, the workspace opens before the business-time view exists. The KPIs
// of the tickets and of the view wait (a composite of one too), the
// surveys' KPIs have their values; the first period is the one the full
// data shows (February: without the view's KPIs, three of five would end in
// March), and a dimension only the view has (calendar) is offered.
// Finish then makes the view and hands the database to a workspace whose
// every KPI equals the one opened without Later; closing the first leaves
// it working.
func TestBusinessLater(t *testing.T) {
	defer workspace.SetLaterRows(1)()
	ctx := context.Background()
	cfg := laterConfig(t)
	now := func() time.Time { return time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC) }
	open := func(later bool) *workspace.Workspace {
		ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: cfg, Now: now, Later: later})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		return ws
	}
	full, ws := open(false), open(true)
	if full.Pending() || !ws.Pending() {
		t.Fatalf("Pending: without Later %v, with it %v; want false, true", full.Pending(), ws.Pending())
	}
	if _, ok := ws.Engine.Tables()["tickets_business"]; ok {
		t.Error("the view exists before Finish")
	}
	if got := ws.Engine.Waiting(); !strings.HasPrefix(got, "the business hours of tickets") {
		t.Errorf("Waiting() = %q", got)
	}
	var ids []string
	for _, d := range full.Engine.Defs() {
		ids = append(ids, d.ID)
	}
	var waitIDs []string
	for _, d := range ws.Engine.Defs() {
		waitIDs = append(waitIDs, d.ID)
	}
	if strings.Join(waitIDs, " ") != strings.Join(ids, " ") {
		t.Fatalf("KPIs while waiting %v, want the full list %v", waitIDs, ids)
	}
	s := kpi.Slice{Grain: kpi.Month}
	first, err := full.Engine.Compute(ctx, s, ids)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ws.Engine.Compute(ctx, s, ids)
	if err != nil {
		t.Fatal(err)
	}
	if !sc.Slice.Period.Equal(first.Slice.Period) || !sc.AsOf.Equal(first.AsOf) {
		t.Errorf("first period while waiting %v (as of %v), want the full data's %v (as of %v)", sc.Slice.Period, sc.AsOf, first.Slice.Period, first.AsOf)
	}
	var dims []string
	for _, d := range ws.Engine.Dimensions() {
		dims = append(dims, d.Name)
	}
	if strings.Join(dims, " ") != "priority calendar" {
		t.Errorf("dimensions while waiting %v, want priority calendar", dims)
	}
	for _, r := range sc.Results {
		waits := kpi.IsWaiting(r.Err)
		if want := !strings.Contains("promoters detractors answers", r.Def.ID); waits != want {
			t.Errorf("%s: waiting %v (err %v), want %v", r.Def.ID, waits, r.Err, want)
		}
	}
	// February: S5 a promoter, S6 not.
	if r := sc.Find("promoters"); r.Err != nil || r.Total.Value == nil || *r.Total.Value != 50 || r.Total.N != 2 {
		t.Errorf("promoters while waiting = %+v, want 50%% of 2", r.Total)
	}

	nw, err := ws.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nw.Close() })
	if nw.Pending() || nw.Engine.Waiting() != "" {
		t.Errorf("the finished workspace still waits: %q", nw.Engine.Waiting())
	}
	if _, err := ws.Finish(ctx); err == nil {
		t.Error("a second Finish did not fail")
	}
	if err := ws.Close(); err != nil { // hands over: nw's database stays open
		t.Fatal(err)
	}
	for _, p := range []time.Time{bizDay("2026-01-01"), bizDay("2026-02-01")} {
		s.Period = p
		want, err := full.Engine.Compute(ctx, s, ids, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		got, err := nw.Engine.Compute(ctx, s, ids, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range want.Results {
			g := got.Results[i]
			if g.Err != nil || w.Err != nil || bizText(deref(g.Total.Value)) != bizText(deref(w.Total.Value)) || g.Total.N != w.Total.N {
				t.Errorf("%s %s: finished %v n %d (err %v), want %v n %d (err %v)", p.Format("Jan"), w.Def.ID, deref(g.Total.Value), g.Total.N, g.Err, deref(w.Total.Value), w.Total.N, w.Err)
			}
		}
	}
	// January by hand: resolution_time n 7 (T01–T07 resolved), promoters 3
	// of 4; so fast_share = 100 × 7 / 11.
	s.Period = bizDay("2026-01-01")
	got, err := nw.Engine.Compute(ctx, s, []string{"fast_share"}, kpi.Uncached())
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Find("fast_share").Total.Value; v == nil || bizText(*v) != bizText(100*7.0/11) {
		t.Errorf("fast_share in January = %v, want %v", deref(v), 100*7.0/11)
	}
}

// TestBusinessLaterFails: when the view cannot be made, Finish fails and
// the waiting KPIs say why, no longer waiting.
func TestBusinessLaterFails(t *testing.T) {
	defer workspace.SetLaterRows(1)()
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: laterConfig(t), Later: true,
		Now: func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	workspace.SetBusinessTableMade(func() error { return os.ErrPermission })
	defer workspace.SetBusinessTableMade(nil)
	if _, err := ws.Finish(ctx); err == nil {
		t.Fatal("Finish did not fail")
	}
	sc, err := ws.Engine.Compute(ctx, kpi.Slice{Grain: kpi.Month, Period: bizDay("2026-02-01")}, []string{"resolution_time", "promoters"})
	if err != nil {
		t.Fatal(err)
	}
	var we *kpi.WaitingError
	r := sc.Find("resolution_time")
	if !errors.As(r.Err, &we) || we.Pending() || !strings.Contains(r.Err.Error(), "could not be computed: "+os.ErrPermission.Error()) {
		t.Errorf("resolution_time after the failure: %v", r.Err)
	}
	if ws.Engine.WaitingFailed() == nil {
		t.Error("WaitingFailed() = nil after the failure")
	}
	if r := sc.Find("promoters"); r.Err != nil {
		t.Errorf("promoters: %v", r.Err)
	}
}
