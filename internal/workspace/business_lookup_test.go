package workspace

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/config"
	"kpiscope/internal/store"
)

// The business-time table computed with bizcal's lookup lists equals the
// one computed with bizcal's expressions alone, row for row, on 3,000
// random tickets over two years (DST changes, holidays, tickets open,
// answered before they were created, and a few in 2099, outside the range):
// the Berlin fixture's calendars and SLAs, team B on a second calendar
// (calendar_by), the data on Berlin's clock. (bizcal's TestLookupEqualsReference
// holds the lookups to the Go reference; this holds the workspace's layers,
// targets and outcomes to the expressions'.)
func TestBusinessLookupEqualsExpressions(t *testing.T) {
	dir := t.TempDir()
	cfg, err := os.ReadFile("testdata/business/kpiscope.yaml")
	if err != nil {
		t.Fatal(err)
	}
	y := strings.Replace(string(cfg), "sla:\n", `    late:
      timezone: America/New_York
      hours: {mon-fri: ["09:30-12:00", "13:00-20:00"], sat: "10:00-24:00"}
      holidays: [2025-07-04, 2025-11-27]
  calendar_by:
    column: team
    map: {B: late}
    default: berlin
sla:
`, 1)
	y = strings.Replace(y, "holidays: [2026-01-06]", "holidays: [2025-01-01, 2025-04-18, 2025-12-25, 2026-01-06, 2026-03-29]", 1)
	if err := os.WriteFile(filepath.Join(dir, "kpiscope.yaml"), []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(17))
	var b strings.Builder
	b.WriteString("ticket_id,priority,team,created_at,first_response_at,resolved_at\n")
	lo := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC).Unix()
	span := time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC).Unix() - lo
	ts := func(t time.Time) string { return t.Format("2006-01-02 15:04:05") }
	for i := range 3000 {
		c := time.Unix(lo+rng.Int63n(span), 0).UTC()
		if i%500 == 7 {
			c = time.Date(2099, 1, 1, 9, 0, 0, 0, time.UTC)
		}
		fr := ts(c.Add(time.Duration(rng.Int63n(3*86400)) * time.Second))
		res := ts(c.Add(time.Duration(rng.Int63n(20*86400)) * time.Second))
		switch i % 9 {
		case 0:
			fr, res = "", ""
		case 1:
			res = ""
		case 2:
			fr = ts(c.Add(-time.Hour))
		}
		fmt.Fprintf(&b, "T%d,%s,%s,%s,%s,%s\n", i, []string{"urgent", "normal", "other"}[i%3], []string{"A", "B", "C"}[i%7%3], ts(c), fr, res)
	}
	if err := os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ws, err := Open(ctx, Options{ConfigPath: filepath.Join(dir, "kpiscope.yaml"), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	c, err := config.Load(filepath.Join(dir, "kpiscope.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tb := ticketBinding{table: "tickets", cols: map[string]string{"created_at": "created_at", "first_response_at": "first_response_at", "resolved_at": "resolved_at"}}
	var cols []store.Column
	for _, t := range ws.Tables {
		if t.Name == "tickets" {
			cols = t.Columns
		}
	}
	rng2, err := ticketRange(ctx, ws.DB, tb, cols, c.Business, now, "")
	if err != nil {
		t.Fatal(err)
	}
	rows := func(lookup bool) [][]any {
		bb, err := businessSQL(c.Business, tb, cols, rng2, lookup)
		if err != nil {
			t.Fatal(err)
		}
		if lookup != strings.Contains(bb.table, " AS BIGINT[])[") {
			t.Fatalf("lookup %v, but the SELECT reads lists: %v", lookup, !lookup)
		}
		// The view's columns, over the ticket rows and this table's, as
		// withBusiness pastes them.
		kept := fmt.Sprintf("kept_%v", lookup)
		if err := ws.DB.Exec(ctx, "CREATE TABLE "+kept+" AS "+bb.table); err != nil {
			t.Fatal(err)
		}
		q := "SELECT t.ticket_id, " + strings.Join(bb.view, ", ") + " FROM tickets t POSITIONAL JOIN " + kept + " b ORDER BY t.ticket_id"
		r, err := ws.DB.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return r.Data
	}
	got, want := rows(true), rows(false)
	if len(got) != 3000 || len(want) != 3000 {
		t.Fatalf("%d and %d rows", len(got), len(want))
	}
	bad := 0
	for i := range got {
		for j := range got[i] {
			g, w := got[i][j], want[i][j]
			if gf, ok := g.(float64); ok {
				if wf, ok := w.(float64); ok && (gf-wf < 1e-9 && wf-gf < 1e-9) {
					continue
				}
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("%v column %d: lookup %v, expressions %v", got[i][0], j, g, w)
				if bad++; bad > 10 {
					t.FailNow()
				}
			}
		}
	}
}
