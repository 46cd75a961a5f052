package config_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// whereConfig writes a kpiscope.yaml over testdata/where/tickets.csv with
// the given kpis: block and returns its path.
func whereConfig(t *testing.T, kpis string) string {
	t.Helper()
	data, err := filepath.Abs("testdata/where/tickets.csv")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), config.FileName)
	body := "sources:\n  tickets:\n    path: " + data + "\n    time: resolved_at\nkpis:\n" + kpis
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A where: on a built-in counts its components over the matching rows only,
// from the raw rows and from a rollup alike. October in the fixture: email
// rated 5, 4, 2 (ticket 6 unrated) → 2 of 3 top-2-box = 66.67%, mean 11/3;
// every channel rated 5, 4, 2, 1, 2, 5 → 3 of 6 = 50%.
func TestWhereOnBuiltin(t *testing.T) {
	ctx := context.Background()
	p := whereConfig(t, "  - use: csat\n    where: \"channel = 'email'\"\n  - use: csat\n    id: csat_all\n")
	ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: p, Now: func() time.Time { return time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for id, err := range ws.Engine.Problems() {
		t.Fatalf("problem with %s: %v", id, err)
	}
	s := kpi.Slice{Grain: kpi.Month, Period: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}
	check := func(how string, card *kpi.Scorecard) {
		t.Helper()
		for _, w := range []struct {
			id   string
			want float64
			n    int64
		}{{"csat", 200.0 / 3, 3}, {"csat_all", 50, 6}} {
			r := card.Find(w.id)
			if r == nil || r.Err != nil || r.Total.Value == nil {
				t.Fatalf("%s: %s has no value: %+v", how, w.id, r)
			}
			if got := *r.Total.Value; math.Abs(got-w.want) > 1e-9 || r.Total.N != w.n {
				t.Errorf("%s: %s = %v (n %d), want %v (n %d)", how, w.id, got, r.Total.N, w.want, w.n)
			}
		}
		if m := card.Find("csat").Total.Extras["mean score"]; m == nil || math.Abs(*m-11.0/3) > 1e-9 {
			t.Errorf("%s: csat mean score = %v, want 3.667 (email only)", how, m)
		}
	}
	raw, err := ws.Engine.Compute(ctx, s, nil, kpi.FromScratch())
	if err != nil {
		t.Fatal(err)
	}
	check("raw rows", raw)
	if err := ws.Engine.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	rolled, err := ws.Engine.Compute(ctx, s, nil, kpi.Uncached())
	if err != nil {
		t.Fatal(err)
	}
	check("rollup", rolled)
}

// A where: naming a column the table lacks is an error at the KPI's line
// that names the nearest column, never a filter silently dropped.
func TestWhereOnBuiltinUnknownColumn(t *testing.T) {
	p := whereConfig(t, "  - use: csat\n    where: \"chanel = 'email'\"\n")
	ws, err := workspace.Open(context.Background(), workspace.Options{ConfigPath: p})
	var msg string
	if err != nil {
		msg = err.Error()
	} else {
		defer ws.Close()
		if e := ws.Engine.Problems()["csat"]; e != nil {
			msg = e.Error()
		}
	}
	for _, want := range []string{p + ":6", "chanel", "channel"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
}

// A composite reads other KPIs, not rows: where: on one is refused.
func TestWhereOnCompositeRefused(t *testing.T) {
	_, err := config.Parse("k.yaml", []byte("kpis:\n  - use: clv\n    where: \"plan = 'pro'\"\n"))
	if err == nil || !strings.Contains(err.Error(), "k.yaml:2") || !strings.Contains(err.Error(), "put where: on the KPIs it combines") {
		t.Fatalf("err = %v, want a refusal at k.yaml:2", err)
	}
}

// A where: that is not SQL is reported at its own line (7, under the KPI's
// line 6) as a where: error, for a built-in and a custom KPI alike.
func TestWhereSyntaxErrorAtItsLine(t *testing.T) {
	for _, tc := range []struct{ id, kpis string }{
		{"csat", "  - use: csat\n    where: \"channel =\"\n"},
		{"n", "  - id: n\n    where: \"channel = 'email' AND\"\n    type: ratio\n    numerator: count(*)\n    denominator: \"1\"\n    better: higher\n"},
	} {
		p := whereConfig(t, tc.kpis)
		ws, err := workspace.Open(context.Background(), workspace.Options{ConfigPath: p})
		if err == nil {
			defer ws.Close()
			err = ws.Engine.Problems()[tc.id]
		}
		want := p + ":7: KPI " + tc.id + ": where: is not a valid SQL condition: "
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("err = %v\nwant it to start %q", err, want)
		}
	}
}
