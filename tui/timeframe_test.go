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
	"kpiscope/tui/pane"
)

// undatedDeps is a customer snapshot with a churn flag and no date at all.
func undatedDeps(t *testing.T) Deps {
	t.Helper()
	path := filepath.Join(t.TempDir(), "churn.csv")
	csv := "customerID,Contract,Churn\na,Month-to-month,Yes\nb,Month-to-month,No\nc,Two year,No\nd,Two year,No\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Open(context.Background(), workspace.Options{Sources: []string{path}, NoConfig: true, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if !ws.Engine.AsOf().IsZero() {
		t.Fatalf("the fixture has a date: %v", ws.Engine.AsOf())
	}
	return Deps{Engine: ws.Engine, Now: fixedNow, ExportDir: t.TempDir()}
}

// TestUndatedKeysSayWhy: without a date column the period keys say why they
// do nothing, change no grain, and the header names no grain or period.
func TestUndatedKeysSayWhy(t *testing.T) {
	m := started(t, undatedDeps(t), 120, 40)
	header := strings.SplitN(screen(m), "\n", 2)[0]
	if !strings.Contains(header, "all time · vs target") || strings.Contains(header, "(month") {
		t.Fatalf("header %q: want all time vs target, no grain", header)
	}
	for _, c := range []struct{ key, says string }{
		{"g", "no grains"}, {"G", "no grains"}, {"[", "no periods"}, {"]", "no periods"},
		{"t", "no periods"}, {"c", "deltas are vs target"},
	} {
		before := m.tf
		m, _ = press(m, c.key)
		if want := "these files have no date column: " + c.says; m.status.text != want {
			t.Errorf("%s: status %q, want %q", c.key, m.status.text, want)
		}
		if m.tf.slice.Grain != before.slice.Grain || m.tf.slice.Compare != before.slice.Compare || m.tf.rev != before.rev {
			t.Errorf("%s: the timeframe changed (grain %s, compare %s)", c.key, m.tf.slice.Grain, m.tf.slice.Compare)
		}
		if !strings.Contains(screen(m), "these files have no date column") {
			t.Errorf("%s: the footer does not say why", c.key)
		}
	}
	if h := strings.SplitN(screen(m), "\n", 2)[0]; h != header {
		t.Errorf("header changed to %q", h)
	}
}

// TestHeaderNamesPeriodsAsPanes: the header's comparison is worded as the
// panes' (kpi.PeriodLabel) at every grain, not 2026-W42 beside week of 12
// Oct 2026.
func TestHeaderNamesPeriodsAsPanes(t *testing.T) {
	eng := sample(t).Engine
	oct12 := time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		g               kpi.Grain
		period, compare string
	}{
		{kpi.Day, "Mon 12 Oct 2026 (day)", "vs Sun 11 Oct 2026"},
		{kpi.Week, "week of 12 Oct 2026 (week)", "vs week of 5 Oct 2026"},
		{kpi.Month, "Oct 2026 (month)", "vs Sep 2026"},
		{kpi.Quarter, "Q4 2026 (quarter, to 31 Oct)", "vs Q3 2026 (to 31 Jul)"},
	} {
		sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: c.g, Period: oct12, Compare: kpi.VsPrevious}, []string{"csat"})
		if err != nil {
			t.Fatal(err)
		}
		p, cmp := pane.PeriodHeader(sc)
		if p != c.period || cmp != c.compare {
			t.Errorf("%s: header %q · %q, want %q · %q", c.g, p, cmp, c.period, c.compare)
		}
		if pn := "vs " + sc.Results[0].Total.CompareTo; pn != cmp {
			t.Errorf("%s: the pane says %q, the header %q", c.g, pn, cmp)
		}
	}
}

// TestExplorerDefaultPeriodPartial: the explorer starts, and t returns, on
// the latest period with data, partial when the data stops before its end
// (the sample ends on 31 Oct: the fourth quarter to 31 Oct, compared with
// the third to 31 Jul).
func TestExplorerDefaultPeriodPartial(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "g")
	const want = "Q4 2026 (quarter, to 31 Oct) · vs Q3 2026 (to 31 Jul)"
	if h := strings.SplitN(screen(m), "\n", 2)[0]; !strings.Contains(h, want) {
		t.Fatalf("header %q, want %q", h, want)
	}
	if !strings.Contains(screen(m), "partial: Q4 2026 (to 31 Oct)") {
		t.Errorf("the detail pane does not say the period is partial:\n%s", screen(m))
	}
	m, _ = press(m, "[", "t")
	if h := strings.SplitN(screen(m), "\n", 2)[0]; !strings.Contains(h, want) {
		t.Fatalf("after [ t: header %q, want %q", h, want)
	}
	m, _ = press(m, "t")
	if m.status.text != "already at the latest period" {
		t.Errorf("t again: %q", m.status.text)
	}
}

// TestDetailSaysDataStops: a KPI whose table stops before the period says
// where in its pane, beside its "—" (tickets end on 15 Oct, signups on 28 Oct:
// the week of 26 Oct has no tickets).
func TestDetailSaysDataStops(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"tickets.csv":   "ticket_id,resolved_at,csat\n1,2026-09-03,5\n2,2026-10-15,1\n",
		"customers.csv": "customer_id,signup_date\na,2026-09-05\nb,2026-10-28\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ws, err := workspace.Open(context.Background(), workspace.Options{Sources: []string{filepath.Join(dir, "tickets.csv"), filepath.Join(dir, "customers.csv")}, NoConfig: true, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	m := started(t, Deps{Engine: ws.Engine, Now: fixedNow, ExportDir: t.TempDir()}, 120, 40)
	if d := m.selected(); d == nil || d.ID != "csat" {
		t.Fatalf("selected %v, want csat first", d)
	}
	if strings.Contains(screen(m), "its data stops") {
		t.Fatalf("October has tickets, yet:\n%s", screen(m))
	}
	m, _ = press(m, "G") // week of 12 Oct, CSAT's last (the default is where the KPIs have data)
	m, _ = press(m, "]")
	m, _ = press(m, "]") // week of 26 Oct
	mustContain(t, screen(m), "no data in this period: its data stops on 15 Oct 2026")
}

// TestUndatedKeysOff: without a date column the keys that move in time are
// off in the keymap (keys.Map.Dated), so the footer does not offer them, the
// help greys them and says they need a date column, the palette offers no
// grain or comparison, and pressing one still says why (TestUndatedKeysSayWhy).
func TestUndatedKeysOff(t *testing.T) {
	m := started(t, undatedDeps(t), 80, 24)
	lines := strings.Split(screen(m), "\n")
	footer := lines[len(lines)-1]
	for _, gone := range []string{"g grain", "[ ] period", "c compare"} {
		if strings.Contains(footer, gone) {
			t.Errorf("footer %q offers %q", footer, gone)
		}
	}
	mustContain(t, footer, "s segment", "? help", "q quit")
	if m.keys.Grain.Enabled() || m.keys.Compare.Enabled() || !m.keys.Segment.Enabled() {
		t.Errorf("keymap: grain %v, compare %v, segment %v", m.keys.Grain.Enabled(), m.keys.Compare.Enabled(), m.keys.Segment.Enabled())
	}
	h, _ := press(m, "?")
	mustContain(t, strings.Join(strings.Fields(helpPages(h)), " "), "g G [ ] t c need a date column")
	p, _ := press(m, ":")
	if s := screen(p); strings.Contains(s, "Grain: week") || strings.Contains(s, "Compare vs") {
		t.Errorf("the palette offers a grain or a comparison:\n%s", s)
	}
	// With dates the same keys are on and offered.
	d := started(t, testDeps(t), 80, 24)
	dl := strings.Split(screen(d), "\n")
	mustContain(t, dl[len(dl)-1], "g grain", "[ ] period", "c compare")
	h, _ = press(d, "?")
	if strings.Contains(screen(h), "need a date column") {
		t.Error("the help of dated data says keys need a date column")
	}
}
