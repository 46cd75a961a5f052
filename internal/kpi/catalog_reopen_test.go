package kpi_test

import (
	"context"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// reopenTickets: ten tickets, one open (6, reopened and with contacts: left
// out of both KPIs), one resolved with its reopened and contacts blank (5:
// left out of both denominators). The same facts three ways: reopened as
// text in every spelling exports use (VARCHAR), was_reopened true/false
// (BOOLEAN), reopen_count a count (BIGINT).
const reopenTickets = `ticket_id,priority,created_at,resolved_at,contacts,reopened,was_reopened,reopen_count
1,high,2026-01-05 09:00:00,2026-01-06 10:00:00,1,no,false,0
2,high,2026-01-07 09:00:00,2026-01-08 10:00:00,3,yes,true,2
3,low,2026-01-10 09:00:00,2026-01-12 10:00:00,2,0,false,0
4,low,2026-01-15 09:00:00,2026-01-20 10:00:00,4,TRUE,true,1
5,low,2026-01-20 09:00:00,2026-01-21 10:00:00,,,,
6,high,2026-01-25 09:00:00,,5,yes,true,1
7,high,2026-02-02 09:00:00,2026-02-03 10:00:00,1,Yes,true,3
8,low,2026-02-04 09:00:00,2026-02-05 10:00:00,2,false,false,0
9,low,2026-02-10 09:00:00,2026-02-12 10:00:00,1,N,false,0
10,high,2026-02-15 09:00:00,2026-02-16 10:00:00,2,No,false,0
`

const reopenConfig = `sources:
  tickets: {path: tickets.csv}
dimensions: [priority]
kpis:
  - use: reopen_rate
  - use: reopen_rate
    id: reopen_rate_bool
    columns: {reopened: was_reopened}
  - use: reopen_rate
    id: reopen_rate_count
    columns: {reopened: reopen_count}
  - use: contacts_per_resolution
`

// TestReopenRateAndContactsPerResolution: reopen_rate and
// contacts_per_resolution by month, by priority and by both, hand-worked,
// the reopened column as text, BOOLEAN and a count giving the same rates;
// answered from the rollups (the debug log shows no read of the tickets)
// with the raw rows' numbers.
func TestReopenRateAndContactsPerResolution(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for name, text := range map[string]string{"tickets.csv": reopenTickets, "kpiscope.yaml": reopenConfig} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reads := &rawReads{}
	ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: filepath.Join(dir, "kpiscope.yaml"), Log: slog.New(reads),
		Now: func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	eng := ws.Engine
	for id, p := range eng.Problems() {
		t.Fatalf("engine rejects %s: %v", id, p)
	}
	types := map[string]string{}
	for _, c := range eng.Tables()["tickets"] {
		types[c.Name] = c.Type
	}
	if types["reopened"] != "VARCHAR" || types["was_reopened"] != "BOOLEAN" || !strings.Contains(types["reopen_count"], "INT") {
		t.Fatalf("the fixture does not test the three forms: %v", types)
	}
	// A BOOLEAN or numeric flag is compared as it is typed, text read as
	// words (typedFlags); the answers below are the same for all three.
	for id, typed := range map[string]bool{"reopen_rate": false, "reopen_rate_bool": true, "reopen_rate_count": true} {
		d := eng.Def(id)
		if strings.Contains(d.Numerator+d.Denominator, "AS VARCHAR") == typed {
			t.Errorf("%s reads its flag as text = %v: %s / %s", id, !typed, d.Numerator, d.Denominator)
		}
	}

	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	// Resolved in January: 1–5; 5 has no reopened value and no contacts.
	// Reopened: 2 and 4 of 1–4. Contacts 1+3+2+4 over 4. February: 7–10,
	// 7 reopened; contacts 1+2+1+2. High: 1, 2, 7, 10 (6 is open), 2 and 7
	// reopened, contacts 1+3+1+2; low: 3, 4, 8, 9 (and 5), 4 reopened,
	// contacts 2+4+2+1.
	type want struct {
		segment       string
		reopen, cpr   float64
		nReopen, nCPR int64
	}
	cases := []struct {
		name  string
		slice kpi.Slice
		want  []want // "" = the total
	}{
		{"January", kpi.Slice{Grain: kpi.Month, Period: jan}, []want{{"", 50, 2.5, 4, 4}}},
		{"February", kpi.Slice{Grain: kpi.Month, Period: feb}, []want{{"", 25, 1.5, 4, 4}}},
		{"by priority", kpi.Slice{Grain: kpi.All, Segment: "priority"}, []want{{"", 37.5, 2, 8, 8}, {"high", 50, 1.75, 4, 4}, {"low", 25, 2.25, 4, 4}}},
		{"January by priority", kpi.Slice{Grain: kpi.Month, Period: jan, Segment: "priority"}, []want{{"high", 50, 2, 2, 2}, {"low", 50, 3, 2, 2}}},
	}
	check := func(t *testing.T, sc *kpi.Scorecard, ws []want) {
		t.Helper()
		for _, w := range ws {
			for id, v := range map[string]float64{"reopen_rate": w.reopen, "reopen_rate_bool": w.reopen, "reopen_rate_count": w.reopen, "contacts_per_resolution": w.cpr} {
				r := sc.Find(id)
				if r == nil || r.Err != nil {
					t.Fatalf("%s: %v", id, r)
				}
				row := &r.Total
				if w.segment != "" {
					row = nil
					for i := range r.Segments {
						if r.Segments[i].Segment == w.segment {
							row = &r.Segments[i]
						}
					}
				}
				if row == nil || row.Value == nil {
					t.Errorf("%s %q: no value", id, w.segment)
					continue
				}
				n := w.nReopen
				if id == "contacts_per_resolution" {
					n = w.nCPR
				}
				if math.Abs(*row.Value-v) > 1e-9 || row.N != n {
					t.Errorf("%s %q = %v (n %d), want %v (n %d)", id, w.segment, *row.Value, row.N, v, n)
				}
			}
		}
	}
	for _, c := range cases {
		t.Run("raw "+c.name, func(t *testing.T) {
			sc, err := eng.Compute(ctx, c.slice, nil, kpi.FromScratch())
			if err != nil {
				t.Fatal(err)
			}
			check(t, sc, c.want)
		})
	}
	if err := eng.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run("rollups "+c.name, func(t *testing.T) {
			reads.reset()
			sc, err := eng.Compute(ctx, c.slice, nil, kpi.Uncached())
			if err != nil {
				t.Fatal(err)
			}
			if raw, rollup := reads.reset(); raw > 0 || rollup == 0 {
				t.Errorf("%d queries of the raw rows and %d of the rollups: the rollups should answer", raw, rollup)
			}
			check(t, sc, c.want)
		})
	}
	for _, id := range []string{"reopen_rate", "reopen_rate_bool", "reopen_rate_count", "contacts_per_resolution"} {
		d := eng.Def(id)
		if d == nil || d.Better != kpi.Lower || d.IntervalKind() == kpi.IntervalNone {
			t.Errorf("%s: %+v", id, d)
		}
	}
}
