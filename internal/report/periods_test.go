package report_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
	"kpiscope/internal/workspace"
)

// TestOwnPeriodSaid: a KPI whose table stops earlier in the period than the
// title's says which days its numbers and its comparison cover, in the
// table and in Markdown; the others say nothing.
func TestOwnPeriodSaid(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"tickets.csv": "ticket_id,resolved_at,csat\n1,2026-09-03,5\n2,2026-09-20,1\n3,2026-10-02,5\n4,2026-10-15,1\n",
		"signups.csv": "customer_id,signup_date\na,2026-09-05\nb,2026-10-28\n",
		"kpiscope.yaml": `sources:
  tickets: {path: tickets.csv}
  signups: {path: signups.csv}
kpis:
  - use: csat
  - id: signups
    name: Signups
    type: formula
    source: signups
    time: signup_date
    inputs: {n: "count(*)"}
    expr: n
    better: higher
`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: filepath.Join(dir, "kpiscope.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	sc, err := ws.Engine.Compute(ctx, kpi.Slice{Grain: kpi.Month}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var plain, md bytes.Buffer
	if err := report.Plain(&plain, sc, "two tables"); err != nil {
		t.Fatal(err)
	}
	if err := report.Markdown(&md, sc, "two tables"); err != nil {
		t.Fatal(err)
	}
	if title := strings.SplitN(plain.String(), "\n", 2)[0]; title != "two tables · Oct 2026 (month, to 28 Oct) · Δ vs Sep 2026 (to 28 Sep)" {
		t.Errorf("title %q", title)
	}
	const note = "CSAT: its data stops earlier: Oct 2026 (to 15 Oct), compared with Sep 2026 (to 15 Sep)"
	for what, out := range map[string]string{"plain": plain.String(), "markdown": md.String()} {
		if !strings.Contains(out, note) {
			t.Errorf("%s lacks %q:\n%s", what, note, out)
		}
		if strings.Contains(out, "Signups: its data") {
			t.Errorf("%s: signups end with the title's period:\n%s", what, out)
		}
	}
	// The week of 26 Oct: the tickets stop before it.
	sc, err = ws.Engine.Compute(ctx, kpi.Slice{Grain: kpi.Week}, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain.Reset()
	if err := report.Plain(&plain, sc, "two tables"); err != nil {
		t.Fatal(err)
	}
	if want := "! CSAT: no data in week of 26 Oct 2026: its data stops on 15 Oct 2026"; !strings.Contains(plain.String(), want) {
		t.Errorf("week: lacks %q:\n%s", want, plain.String())
	}
}

// TestDeltaAgainstTargetSaid: under a "Δ vs Sep 2026" heading, the delta of
// a KPI without dates is against its target and its cell says so, in the
// table and in Markdown; the dated KPI's cell does not. NPS: promoters r1,
// r2, detractor r3 of 4 → 25.0, target 50 → ▼ 25.0 vs target. CSAT: October
// 2/2 = 100% against September 1/2 = 50% → ▲ 50.0 pts.
func TestDeltaAgainstTargetSaid(t *testing.T) {
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: filepath.Join("testdata", "vs_target", "kpiscope.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	sc, err := ws.Engine.Compute(ctx, kpi.Slice{Grain: kpi.Month}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var plain, md bytes.Buffer
	if err := report.Plain(&plain, sc, "vs target"); err != nil {
		t.Fatal(err)
	}
	if err := report.Markdown(&md, sc, "vs target"); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{plain.String(), md.String()} {
		if !strings.Contains(out, "Δ vs Sep 2026") {
			t.Fatalf("no Δ vs Sep 2026 heading:\n%s", out)
		}
		var nps, csat string
		for _, line := range strings.Split(out, "\n") {
			switch {
			case strings.Contains(line, "NPS survey"):
				nps = line
			case strings.Contains(line, "CSAT"):
				csat = line
			}
		}
		if !strings.Contains(nps, "▼ 25.0 vs target") {
			t.Errorf("NPS line %q, want ▼ 25.0 vs target", nps)
		}
		if !strings.Contains(csat, "▲ 50.0 pts") || strings.Contains(csat, "vs target") {
			t.Errorf("CSAT line %q, want ▲ 50.0 pts and no vs target", csat)
		}
	}
	for _, l := range report.Lines(sc) {
		if l.KPI == "nps_survey" && l.CompareTo != "target" {
			t.Errorf("nps compare_to %q, want target", l.CompareTo)
		}
	}
}
