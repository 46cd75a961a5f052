package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"kpiscope/internal/workspace"
)

// withFailingKPI opens the sample's tickets with three built-in KPIs and a
// custom one that passes validation but fails on the rows (a text column cast
// to a number), in the same table and time column as the built-ins so the
// engine computes them in one batch.
func withFailingKPI(t *testing.T) Deps {
	return openTickets(t, `  - use: csat
  - use: fcr
  - use: resolution_time
  - id: bad_cast
    name: Bad cast
    type: ratio
    source: tickets
    time: resolved_at
    numerator: sum(CAST(channel AS INTEGER))
    denominator: count(*)
    better: higher
`)
}

// openTickets opens the sample's tickets with the given kpis: list.
func openTickets(t *testing.T, kpis string) Deps {
	t.Helper()
	tickets, err := filepath.Abs("../sampledata/tickets.parquet")
	if err != nil {
		t.Fatal(err)
	}
	// A relative config path, so the screen's "defined at" line is the same
	// on every run; back in the package's folder once loaded, for the golden
	// files.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	defer os.Chdir(wd)
	cfg := "kpiscope.yaml"
	yaml := `title: one failing KPI
sources:
  tickets: {path: "` + tickets + `"}
dimensions: [channel, team, priority]
kpis:
` + kpis
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Open(context.Background(), workspace.Options{ConfigPath: cfg, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if p := ws.Engine.Problems(); len(p) > 0 {
		t.Fatalf("the KPIs must fail at run time, not at validation: %v", p)
	}
	return Deps{Engine: ws.Engine, Label: "one failing KPI", Now: fixedNow, ExportDir: t.TempDir()}
}

// listRow is the line of the list pane naming a KPI.
func listRow(t *testing.T, scr, name string) string {
	t.Helper()
	for _, l := range strings.Split(scr, "\n") {
		if i := strings.Index(l, "│"); i >= 0 && strings.Contains(l, name) {
			return l
		}
	}
	t.Fatalf("no list row for %s:\n%s", name, scr)
	return ""
}

// TestOneFailingKPI: a KPI whose query fails shows `error` alone; the others
// show their numbers, and the detail pane says the same as the list, for the
// failing KPI (its own readable message) and for a good one.
func TestOneFailingKPI(t *testing.T) {
	m := started(t, withFailingKPI(t), 120, 40)
	scr := screen(m)
	if n := strings.Count(scr, " error"); n != 1 {
		t.Errorf("%d KPIs show error, want 1:\n%s", n, scr)
	}
	for _, name := range []string{"CSAT", "FCR", "Resolution"} {
		if row := listRow(t, scr, name); strings.Contains(row, "error") || strings.Contains(row, "could not") {
			t.Errorf("%s shows an error beside the failing KPI: %q", name, row)
		}
	}
	if row := listRow(t, scr, "Bad cast"); !strings.Contains(row, "error") {
		t.Errorf("the failing KPI's row: %q", row)
	}

	// The first KPI (CSAT) is selected: the detail pane shows its number too.
	mustContain(t, scr, "CSAT")
	if strings.Contains(scr, "could not be computed") {
		t.Errorf("the detail pane of a KPI that computed reports an error:\n%s", scr)
	}

	// The failing KPI's detail: its own error, naming the column at fault.
	m, _ = press(m, "4")
	scr = screen(m)
	mustContain(t, scr, "Bad cast could not be computed", `"channel"`, "holds text where numbers")
	if strings.Contains(scr, "KPI csat") {
		t.Errorf("the error blames another KPI:\n%s", scr)
	}
	golden.RequireEqual(t, []byte(scr))
}

// TestFailingExtrasKeepTheValue: a KPI whose extra statistics fail on the
// rows shows the same value in the list and the detail pane, which says why
// the statistics beside it are missing.
func TestFailingExtrasKeepTheValue(t *testing.T) {
	m := started(t, openTickets(t, `  - use: fcr
  - id: rated
    name: Rated share
    type: ratio
    source: tickets
    time: resolved_at
    numerator: count(csat)
    denominator: count(*)
    scale: 100
    unit: "%"
    better: higher
    extras: {odd: avg(CAST(channel AS INTEGER))}
`), 120, 40)
	m, _ = press(m, "2")
	scr := screen(m)
	if strings.Contains(scr, "error") || strings.Contains(scr, "could not be computed") {
		t.Errorf("a KPI whose extras fail shows an error:\n%s", scr)
	}
	row := listRow(t, scr, "Rated share")
	value := strings.Fields(row[strings.Index(row, "Rated share")+len("Rated share"):])[0]
	if !strings.HasSuffix(value, "%") {
		t.Fatalf("list value %q in %q", value, row)
	}
	mustContain(t, scr, "│"+value+" (95%: ", "! extra statistics (odd): query failed") // the value, its interval beside it
	if strings.Contains(scr, "LINE 1") {
		t.Errorf("the message shows the engine's SQL:\n%s", scr)
	}
}
