package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestReportWithOneFailingKPI: a KPI whose expression fails on the rows (a
// text column cast to a number, found only when the query runs) shows
// "error" with its reason; the other KPIs are printed with their numbers in
// every format, and the exit status is 2 with the reason on stderr.
func TestReportWithOneFailingKPI(t *testing.T) {
	const cfg = `sources:
  tickets: {path: tickets.csv, time: resolved_at}
kpis:
  - use: csat
  - id: bad_cast
    name: Bad cast
    type: ratio
    numerator: sum(CAST(channel AS INTEGER))
    denominator: count(*)
    better: higher
`
	for _, format := range []string{"table", "json", "csv", "markdown"} {
		t.Run(format, func(t *testing.T) {
			sandbox(t)
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"kpiscope.yaml": cfg,
				"tickets.csv": csatTickets(map[string][]int{"chat": {5, 5, 4, 4, 3}, "email": {5, 1}})})
			r := runCLI(t, "report", "--config", filepath.Join(dir, "kpiscope.yaml"), "--period", "2026-01", "--format", format)
			if r.code != 2 {
				t.Fatalf("exit code %d, want 2 (stderr %q)", r.code, r.stderr)
			}
			checkOneLine(t, r.stderr)
			for _, want := range []string{"1 of 2 KPIs could not be computed", "bad_cast", `"channel"`} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q: %q", want, r.stderr)
				}
			}
			// CSAT 5 of 7 rated 4–5 = 71.4%, printed beside the error.
			for _, want := range []string{"CSAT", "71.4", "Bad cast", "holds text where numbers are needed"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
		})
	}
}

// check computes each KPI as report would: a custom KPI that fails on the
// rows is an error there too (it passed as "ok" when only columns were
// checked), and the KPIs beside it stay ok.
func TestCheckWithOneFailingKPI(t *testing.T) {
	const cfg = `sources:
  tickets: {path: tickets.csv, time: resolved_at}
kpis:
  - use: csat
  - id: bad_cast
    name: Bad cast
    type: ratio
    numerator: sum(CAST(channel AS INTEGER))
    denominator: count(*)
    better: higher
`
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"kpiscope.yaml": cfg,
		"tickets.csv": csatTickets(map[string][]int{"chat": {5, 5, 4, 4, 3}, "email": {5, 1}})})
	r := runCLI(t, "check", "--config", filepath.Join(dir, "kpiscope.yaml"))
	if r.code != 2 {
		t.Fatalf("exit code %d, want 2 (stdout %q)", r.code, r.stdout)
	}
	for _, want := range []string{"ok      csat", "error   bad_cast", "fails when computed", `"channel"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}
