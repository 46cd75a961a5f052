package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// laterConfig is internal/workspace's business fixture with a second
// table, surveys, and a KPI of its own that never waits for the tickets.
func laterConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"kpiscope.yaml", "tickets.csv"} {
		b, err := os.ReadFile(filepath.Join("../internal/workspace/testdata/business", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "kpiscope.yaml" {
			s := strings.Replace(string(b), "  tickets: {path: tickets.csv}\n", "  tickets: {path: tickets.csv}\n  surveys: {path: surveys.csv}\n", 1)
			s = strings.Replace(s, "kpis:\n", `kpis:
  - use: resolution_time
  - id: promoters
    name: Promoters
    source: surveys
    type: ratio
    numerator: "count(*) FILTER (WHERE score >= 9)"
    denominator: "count(*)"
    scale: 100
    unit: "%"
    decimals: 1
    better: higher
    time: sent_at
`, 1)
			s = strings.Replace(s, "  - use: resolution_time\n  - use: first_response\n", "  - use: first_response\n", 1)
			b = []byte(s)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// February: 1 promoter of 2.
	surveys := "survey_id,sent_at,score\nS1,2026-01-05 10:00:00,9\nS5,2026-02-03 10:00:00,10\nS6,2026-02-17 10:00:00,6\n"
	if err := os.WriteFile(filepath.Join(dir, "surveys.csv"), []byte(surveys), 0o600); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "kpiscope.yaml")
}

// TestWaitingKPIsThenCompleted: an engine opened before the tickets'
// business hours (workspace.Options.Later) shows its ticket KPIs as waiting
// ("…", the detail saying for what and how far, the header too), with no
// error mark; the engine that replaces it once they are made
// (EngineMsg.Completed) shows their numbers and says so, not "refreshed".
func TestWaitingKPIsThenCompleted(t *testing.T) {
	old := workspace.LaterRows
	workspace.LaterRows = 1
	defer func() { workspace.LaterRows = old }()
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: laterConfig(t), Later: true,
		Now: func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	d := Deps{Engine: ws.Engine, Now: fixedNow, ExportDir: t.TempDir(), RollupStatus: (*kpi.Engine).RollupStatus}
	m := started(t, d, 120, 40)
	if m.defs[0].ID != "resolution_time" {
		t.Fatalf("first KPI %s", m.defs[0].ID)
	}
	s := screen(m)
	if head := strings.Split(s, "\n")[0]; !strings.HasSuffix(strings.TrimSpace(head), "· business hours") {
		t.Errorf("the header does not say what the KPIs wait for: %q", head)
	}
	mustContain(t, s, "Resolution time: waiting for the business hours of", "Its numbers come once that is done")
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "Resolution time") && strings.Contains(line, "│") && !strings.Contains(line, ":") {
			if !strings.Contains(line, "…") || strings.Contains(line, "error") || strings.Contains(line, "!") {
				t.Errorf("a waiting KPI's row: %q", line)
			}
		}
	}
	if strings.Contains(s, "error") {
		t.Errorf("a waiting KPI is shown as an error:\n%s", s)
	}

	nw, err := ws.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer nw.Close()
	promoters := func(s string) string {
		for _, line := range strings.Split(s, "\n") {
			if strings.Contains(line, "Promoters") {
				return line
			}
		}
		return ""
	}
	if !strings.Contains(promoters(s), "50.0%") {
		t.Fatalf("the surveys' KPI while the tickets wait: %q", promoters(s))
	}
	defer func(d time.Duration) { progressAfter = d }(progressAfter)
	progressAfter = 0 // each group's KPIs drawn as computed, as on large data
	next, cmd := m.Update(EngineMsg{Engine: nw.Engine, Refreshed: testNow.Add(time.Hour), Completed: true})
	// Message by message, as the program would: the surveys' KPI keeps its
	// number while the new engine's scorecard fills in.
	m, _ = driveSeen(next.(Model), cmd, func(m Model) {
		if line := promoters(screen(m)); !strings.Contains(line, "50.0%") {
			t.Errorf("the surveys' KPI lost its number during the swap: %q", line)
		}
	})
	sc, err := nw.Engine.Compute(ctx, kpi.Slice{Grain: kpi.Month}, []string{"resolution_time"}, kpi.WithoutExtras())
	if err != nil {
		t.Fatal(err)
	}
	want := m.defs[0].FormatValue(sc.Find("resolution_time").Total.Value)
	s = screen(m)
	mustContain(t, s, "the business hours of tickets computed: every KPI is in", want)
	if strings.Contains(s, "waiting for") || strings.HasSuffix(strings.TrimSpace(strings.Split(s, "\n")[0]), "· business hours") || strings.Contains(s, "refreshed") {
		t.Errorf("still waiting, or said to be a reload, after the completed engine:\n%s", s)
	}
}
