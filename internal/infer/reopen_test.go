package infer

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"kpiscope/internal/source"
	"kpiscope/internal/store"
)

// inferText infers from one CSV written to a temporary directory.
func inferText(t *testing.T, name, text string) (*Inference, *store.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	write(t, path, text)
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tables, err := source.Load(context.Background(), db, []source.Spec{{Path: path}})
	if err != nil {
		t.Fatal(err)
	}
	in, err := Infer(context.Background(), db, tables)
	if err != nil {
		t.Fatal(err)
	}
	return in, db
}

// TestReopenedRoleFromNamesAndTypes: a column named for reopens fills the
// reopened role whether it is text, BOOLEAN or a count, and reopen_rate
// computes 1 of the 3 resolved tickets (the open one, reopened, left out);
// a reopen timestamp is not the flag.
func TestReopenedRoleFromNamesAndTypes(t *testing.T) {
	cases := []struct {
		column, values, typ string
	}{
		{"Reopened", "Yes,0,No,TRUE", "VARCHAR"},
		{"reopened", "y,n,n,y", "VARCHAR"},
		{"is_reopened", "true,false,false,true", "BOOLEAN"},
		{"was_reopened", "1,0,0,1", "BIGINT"},
		{"times_reopened", "2,0,0,1", "BIGINT"},
		{"reopen_count", "3,0,0,0", "BIGINT"},
		{"Reopens", "1,0,0,2", "BIGINT"},
	}
	for _, c := range cases {
		t.Run(c.column, func(t *testing.T) {
			vals := strings.Split(c.values, ",")
			text := "ticket_id,created_at,resolved_at," + c.column + "\n" +
				"1,2026-01-05 09:00:00,2026-01-06 10:00:00," + vals[0] + "\n" +
				"2,2026-01-07 09:00:00,2026-01-08 10:00:00," + vals[1] + "\n" +
				"3,2026-01-10 09:00:00,2026-01-12 10:00:00," + vals[2] + "\n" +
				"4,2026-01-15 09:00:00,," + vals[3] + "\n"
			in, db := inferText(t, "tickets.csv", text)
			if got := in.Tables[0].Column(c.column).Type; got != c.typ {
				t.Fatalf("%s read as %s, want %s: the case does not test its type", c.column, got, c.typ)
			}
			k := kpiByKey(in, "reopen_rate")
			if k == nil {
				t.Fatalf("no reopen_rate among %v", keys(in))
			}
			mapped := ""
			for _, kv := range k.Columns {
				if kv.Key == "reopened" {
					mapped = kv.Value
				}
			}
			if mapped != c.column {
				t.Errorf("reopened mapped to %q, want %q", mapped, c.column)
			}
			if v, ok := allTime(t, in, db)["reopen_rate"]; !ok || math.Abs(v-100.0/3) > 1e-9 {
				t.Errorf("reopen_rate = %v (%v), want 33.33", v, ok)
			}
			for _, k := range in.KPIs {
				if k.Use == "" && strings.Contains(k.Numerator, c.column) {
					t.Errorf("a custom KPI %s also reads %s", k.Key(), c.column)
				}
			}
		})
	}
	t.Run("a reopen time is not the flag", func(t *testing.T) {
		in, _ := inferText(t, "tickets.csv", "ticket_id,created_at,resolved_at,reopened_at\n"+
			"1,2026-01-05 09:00:00,2026-01-06 10:00:00,2026-01-07 10:00:00\n"+
			"2,2026-01-07 09:00:00,2026-01-08 10:00:00,\n")
		if k := kpiByKey(in, "reopen_rate"); k != nil {
			t.Errorf("reopen_rate proposed on a timestamp: %+v", k.Columns)
		}
	})
}
