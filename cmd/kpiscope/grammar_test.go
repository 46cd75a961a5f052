package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"kpiscope/internal/workspace"
)

// ticketsOneNegative has one ticket resolved the day before it was created
// (ticket 3), one table and five rows.
const ticketsOneNegative = `ticket_id,channel,csat,created_at,resolved_at
1,chat,5,2026-01-02,2026-01-03
2,chat,4,2026-01-08,2026-01-09
3,email,4,2026-01-16,2026-01-15
4,email,2,2026-01-20,2026-01-21
5,phone,5,2026-01-29,2026-01-30
`

// TestSingularCounts: every message that counts says "1 table", "1 KPI",
// "1 row has … leaves it out", never "1 tables" or "1 row have".
func TestSingularCounts(t *testing.T) {
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"tickets.csv":   ticketsOneNegative,
		"kpiscope.yaml": csatConfig,
	})
	tickets := filepath.Join(dir, "tickets.csv")

	r := runCLI(t, "report", tickets, "--period", "2026-01")
	if r.code != 0 {
		t.Fatalf("report: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"tickets.csv · 1 table · 5 rows · Jan 2026",
		"1 row has resolved_at before created_at (a negative duration); the KPI leaves it out,",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}

	r = runCLI(t, "check", "--config", filepath.Join(dir, "kpiscope.yaml"))
	if want := "kpiscope.yaml · 1 table · 5 rows · 1 KPI checked · 0 errors, 0 warnings"; !strings.Contains(r.stdout, want) {
		t.Errorf("check lacks %q:\n%s", want, r.stdout)
	}
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.Contains(out, " 1 tables") || strings.Contains(out, " 1 KPIs") || strings.Contains(out, "1 rows") {
			t.Errorf("a plural after 1:\n%s", out)
		}
	}
}

// callsCSV is rated call data: not the standard tickets table, so its KPIs
// are inferred from the columns.
const callsCSV = "call_id,agent,csat,call_date\n1,ann,5,2026-01-03\n2,bob,4,2026-01-09\n3,ann,2,2026-01-15\n"

// TestInferredOrigin: KPIs inferred in memory say which file they came from,
// not a line of a kpiscope.yaml that was never written.
func TestInferredOrigin(t *testing.T) {
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"calls.csv": callsCSV})
	ws, err := workspace.Open(context.Background(), workspace.Options{Dir: dir, Sources: []string{filepath.Join(dir, "calls.csv")}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	defs := ws.Engine.Defs()
	if len(defs) == 0 {
		t.Fatal("nothing inferred from calls.csv")
	}
	for _, d := range defs {
		if d.Origin != "inferred from calls.csv" {
			t.Errorf("%s: Origin %q, want \"inferred from calls.csv\"", d.ID, d.Origin)
		}
	}
}

// TestCSATNotTickets: CSAT inferred on call data is described with a word
// that fits any rated table, not as "rated tickets".
func TestCSATNotTickets(t *testing.T) {
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"calls.csv": callsCSV})
	r := runCLI(t, "init", "--print", filepath.Join(dir, "calls.csv"))
	if r.code != 0 {
		t.Fatalf("init: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "CSAT on csat, a 1–5 score (0% blank): % of ratings which scored 4–5 of 5") {
		t.Errorf("init --print does not describe CSAT by its ratings:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "rated tickets") {
		t.Errorf("CSAT on calls described as rated tickets:\n%s", r.stdout)
	}
}
