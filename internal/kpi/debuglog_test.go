package kpi_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// TestDebugLog: the queries go to the Options.Log logger at debug level (what
// KPISCOPE_DEBUG_SQL turns on), and to nothing else: the explorer owns the
// terminal, so the engine never writes to stderr itself.
func TestDebugLog(t *testing.T) {
	db := openFixture(t, fixture)
	tables := map[string][]store.Column{}
	names, _ := db.Tables(t.Context())
	for _, n := range names {
		tables[n], _ = db.Columns(t.Context(), n)
	}
	defs := kpi.StandardDefs(tables)
	for _, tc := range []struct {
		name  string
		level slog.Level
		want  bool
	}{
		{"debug", slog.LevelDebug, true},
		{"info", slog.LevelInfo, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tc.level}))
			eng, err := kpi.New(t.Context(), db, defs, kpi.Options{Now: fixedNow, Log: log})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := eng.Compute(t.Context(), kpi.Slice{Grain: kpi.Month, Period: oct}, []string{"csat"}, kpi.FromScratch()); err != nil {
				t.Fatal(err)
			}
			got := buf.String()
			logged := strings.Contains(got, "msg=query") && strings.Contains(got, "table=tickets") && strings.Contains(got, "SELECT")
			if logged != tc.want {
				t.Errorf("query logged = %v, want %v; log:\n%s", logged, tc.want, got)
			}
		})
	}
}
