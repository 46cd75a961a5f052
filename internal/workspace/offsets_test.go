package workspace_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBusinessTimestampsWithOffsets: timestamps written with a UTC offset
// are instants, whatever `timestamps:` says the bare ones mean. The issue's
// ticket (Fri 17:55 → Mon 09:05 Berlin = 1h10m of business time) written as
// +01:00, as Z and as +00:00 gives 1h10m each time, with the data declared
// in Berlin time and in UTC alike; read as Berlin wall-clock times (the
// offset dropped) the UTC forms would give 2h05m + 0h05m instead.
func TestBusinessTimestampsWithOffsets(t *testing.T) {
	const csv = `ticket_id,created_at,first_response_at,resolved_at,priority
A,2026-01-02T17:55:00+01:00,2026-01-05T09:05:00+01:00,2026-01-05T10:00:00+01:00,urgent
B,2026-01-02T16:55:00Z,2026-01-05T08:05:00Z,2026-01-05T09:00:00Z,urgent
C,2026-01-02 16:55:00+00:00,2026-01-05 08:05:00+00:00,2026-01-05 09:00:00+00:00,urgent
`
	for _, clock := range []string{"Europe/Berlin", "UTC"} {
		t.Run(strings.ReplaceAll(clock, "/", "_"), func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte(csv), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := `title: offsets
sources:
  tickets: {path: tickets.csv}
kpis:
  - use: first_response
business_hours:
  timestamps: ` + clock + `
  calendars:
    berlin:
      timezone: Europe/Berlin
      hours: {mon-fri: "08:00-18:00"}
sla:
  first_response:
    by: priority
    within: {urgent: 1h}
`
			path := filepath.Join(dir, "kpiscope.yaml")
			if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			ws := bizOpenAt(t, path)
			rows, err := ws.DB.Query(context.Background(), `SELECT ticket_id, round(first_response_bh * 60, 3),
				round(resolution_bh * 60, 3), CAST(first_response_met AS VARCHAR) FROM tickets_business ORDER BY ticket_id`)
			if err != nil {
				t.Fatal(err)
			}
			// 70 minutes to the first answer (5 on Friday, 65 on Monday),
			// 125 to the resolution; the 1h SLA fell due Mon 08:55: breached.
			want := "A 70 125 false|B 70 125 false|C 70 125 false"
			var got []string
			for _, r := range rows.Data {
				got = append(got, bizText(r[0])+" "+bizText(r[1])+" "+bizText(r[2])+" "+bizText(r[3]))
			}
			if strings.Join(got, "|") != want {
				t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
			}
		})
	}
}
