package kpi

import (
	"context"
	"testing"
	"time"

	"kpiscope/internal/store"
)

// TestDerivedRangesFromTheirTable: the range of a column a derived table
// shares with the table it is made from (the business-time view of the
// tickets) is read from that table, where Parquet statistics answer it,
// not by scanning the view; its own columns are read from it. The view here
// shifts created_at by a year so that the test sees which table was read:
// with DerivedFrom the span is the tickets'; without it, the view's.
func TestDerivedRangesFromTheirTable(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`CREATE TABLE tickets AS SELECT TIMESTAMP '2025-01-01' + to_days(i) AS created_at,
		  TIMESTAMP '2025-01-02' + to_days(i) AS resolved_at FROM range(10) r(i)`,
		`CREATE VIEW tickets_business AS SELECT created_at + INTERVAL 365 DAY AS created_at, resolved_at,
		  resolved_at + INTERVAL 30 DAY AS due FROM tickets`,
		// A table of the engine's own holding the view's due (here
		// different values, to tell which one was read).
		`CREATE TABLE __kept AS SELECT resolved_at + INTERVAL 60 DAY AS due FROM tickets`,
	} {
		if err := db.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	now := func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) }
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, c := range []struct {
		from           map[string]string
		stored         map[string]map[string]string
		created, due   string // the span's ends, as read
		createdHi, dHi string
	}{
		{map[string]string{"tickets_business": "tickets"}, nil, "2025-01-01", "2025-02-01", "2025-01-10", "2025-02-10"},
		{nil, nil, "2026-01-01", "2025-02-01", "2026-01-10", "2025-02-10"},
		{map[string]string{"tickets_business": "tickets"}, map[string]map[string]string{"tickets_business": {"due": "__kept"}}, "2025-01-01", "2025-03-03", "2025-01-10", "2025-03-12"},
	} {
		defs := []*Def{{ID: "k", Name: "K", Source: "tickets_business", Type: Ratio, Numerator: "count(*)", Denominator: "1", Better: Higher, Time: "created_at"},
			{ID: "d", Name: "D", Source: "tickets_business", Type: Ratio, Numerator: "count(*)", Denominator: "1", Better: Higher, Time: "due"}}
		e, err := New(ctx, db, defs, Options{Now: now, Tables: []string{"tickets", "tickets_business"},
			Derived: []string{"tickets_business"}, DerivedFrom: c.from, StoredIn: c.stored})
		if err != nil {
			t.Fatal(err)
		}
		for id, p := range e.problems {
			t.Fatalf("KPI %s: %v", id, p)
		}
		got := e.spans["tickets_business\x00created_at"]
		if !got.lo.Equal(day(c.created)) || !got.hi.Equal(day(c.createdHi)) {
			t.Errorf("DerivedFrom %v: created_at spans %v – %v, want %s – %s", c.from, got.lo, got.hi, c.created, c.createdHi)
		}
		due := e.spans["tickets_business\x00due"]
		if !due.lo.Equal(day(c.due)) || !due.hi.Equal(day(c.dHi)) {
			t.Errorf("DerivedFrom %v: due spans %v – %v, want %s – %s (the view's own column)", c.from, due.lo, due.hi, c.due, c.dHi)
		}
	}
}
