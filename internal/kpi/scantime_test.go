package kpi_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// TestTimeRangeIgnoresFuture checks the data's time range (and so the default
// period) against timestamps after now: a day of slack counts, anything later
// is a data error that must not move "now", in tables and in Parquet views
// (whose plain min/max come from the file's statistics).
func TestTimeRangeIgnoresFuture(t *testing.T) {
	// fixedNow is 2026-11-20 00:00 UTC, so the cutoff is 2026-11-21 00:00.
	var zero time.Time
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name        string
		typ         string
		resolved    []string
		start, asOf time.Time
	}{
		{"no future", "TIMESTAMP", []string{"2026-10-02 00:00", "2026-11-09 12:00"}, at("2026-10-02 00:00"), at("2026-11-09 12:00")},
		{"future ignored", "TIMESTAMP", []string{"2026-10-02 00:00", "2030-06-01 10:00", "2026-11-09 12:00", "2026-11-21 00:01"}, at("2026-10-02 00:00"), at("2026-11-09 12:00")},
		{"within a day of now", "TIMESTAMP", []string{"2026-10-02 00:00", "2026-11-20 18:00", "2030-06-01 10:00"}, at("2026-10-02 00:00"), at("2026-11-20 18:00")},
		{"exactly a day after now", "TIMESTAMP", []string{"2026-10-02 00:00", "2026-11-21 00:00"}, at("2026-10-02 00:00"), at("2026-11-21 00:00")},
		{"only future", "TIMESTAMP", []string{"2030-06-01 10:00", "2031-01-01 00:00"}, zero, zero},
		{"dates", "DATE", []string{"2026-10-02", "2026-11-09", "2030-06-01"}, at("2026-10-02 00:00"), at("2026-11-09 00:00")},
	}
	for _, c := range cases {
		for _, parquet := range []bool{false, true} {
			name := c.name
			if parquet {
				name += "/parquet"
			}
			t.Run(name, func(t *testing.T) {
				db := futureFixture(t, c.typ, c.resolved, parquet)
				b, _ := kpi.LookupBuiltin("csat")
				eng, err := kpi.New(context.Background(), db, []*kpi.Def{b.Bind("", nil)}, kpi.Options{Now: fixedNow})
				if err != nil {
					t.Fatal(err)
				}
				if p := eng.Problems()["csat"]; p != nil {
					t.Fatal(p)
				}
				if !eng.Start().Equal(c.start) || !eng.AsOf().Equal(c.asOf) {
					t.Errorf("range %v – %v, want %v – %v", eng.Start(), eng.AsOf(), c.start, c.asOf)
				}
				if eng.Rows() != int64(len(c.resolved)) {
					t.Errorf("rows %d, want %d", eng.Rows(), len(c.resolved))
				}
			})
		}
	}
}

// futureFixture is a tickets table with one row per resolved_at value, as a
// table or as a view over a Parquet file.
func futureFixture(t *testing.T, typ string, resolved []string, parquet bool) *store.DB {
	t.Helper()
	sql := "CREATE TABLE tickets (ticket_id VARCHAR, resolved_at " + typ + ", csat INTEGER);\nINSERT INTO tickets VALUES "
	for i, c := range resolved {
		if i > 0 {
			sql += ", "
		}
		sql += "('t" + string(rune('a'+i)) + "', " + store.QuoteLiteral(c) + ", 5)"
	}
	db := openFixture(t, sql)
	if parquet {
		file := filepath.Join(t.TempDir(), "tickets.parquet")
		ctx := context.Background()
		for _, stmt := range []string{
			"COPY tickets TO " + store.QuoteLiteral(file) + " (FORMAT parquet)",
			"DROP TABLE tickets",
			"CREATE VIEW tickets AS SELECT * FROM read_parquet(" + store.QuoteLiteral(file) + ")",
		} {
			if err := db.Exec(ctx, stmt); err != nil {
				t.Fatalf("%v\n%s", err, stmt)
			}
		}
	}
	return db
}
