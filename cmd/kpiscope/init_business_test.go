package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
)

// withoutBusiness leaves out the KPIs that read a business-time view (they
// follow the others when a config has business_hours:).
func withoutBusiness(defs []*kpi.Def) []*kpi.Def {
	var out []*kpi.Def
	for i, d := range defs {
		if strings.HasSuffix(d.Source, kpi.BusinessSuffix) {
			// After the others only: one listed again after them is not left out.
			if !slices.ContainsFunc(defs[i:], func(d *kpi.Def) bool { return !strings.HasSuffix(d.Source, kpi.BusinessSuffix) }) {
				break
			}
		}
		out = append(out, d)
	}
	return out
}

// writePriorityTickets writes a ticket export of 40 tickets with the given header
// columns after the timestamps; priority cycles through prios when given.
func writePriorityTickets(t *testing.T, dir string, prios []string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("ticket_id,created_at,first_response_at,resolved_at,contacts")
	if prios != nil {
		b.WriteString(",priority")
	}
	b.WriteString("\n")
	for i := 0; i < 40; i++ {
		d := 1 + i%20
		fmt.Fprintf(&b, "T%02d,2026-01-%02d 09:00:00,2026-01-%02d 10:30:00,2026-01-%02d 12:00:00,%d", i, d, d, d+1, 1+i%3)
		if prios != nil {
			fmt.Fprintf(&b, ",%s", prios[i%len(prios)])
		}
		b.WriteString("\n")
	}
	path := filepath.Join(dir, "tickets.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestInitProposesBusinessHoursAndSLAs: on tickets with priorities and
// timestamps, init writes an active business_hours: calendar in the
// machine's zone and an sla: with a target per priority seen (and only
// those), says what it assumed, and the file loads: check passes on it and
// report shows the share within SLA. Without a priority column neither
// section is written.
func TestInitProposesBusinessHoursAndSLAs(t *testing.T) {
	t.Setenv("TZ", "Europe/Berlin")
	dir := t.TempDir()
	data := writePriorityTickets(t, dir, []string{"Low", "Urgent", "High", "Normal", "High"})
	cfg := filepath.Join(dir, "kpiscope.yaml")
	code, out, errs := kpiscopeCLI(t, "init", data, "--out", cfg)
	if code != 0 {
		t.Fatalf("init: exit %d: %s", code, errs)
	}
	if want := "assumed:    Mon–Fri 09:00–17:00 in Europe/Berlin (this machine's zone), no holidays, timestamps in UTC; SLA targets by priority (Urgent 1h/1d, High 4h/2d, Normal 8h/3d, Low 2d/5d, business time)"; !strings.Contains(out, want) {
		t.Errorf("init's summary does not say what it assumed (%s):\n%s", want, out)
	}
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(cfg)
	biz := c.Business
	if biz == nil || len(biz.Calendars) != 1 || biz.Calendars[0].Zone.String() != "Europe/Berlin" {
		t.Fatalf("business_hours: %+v\n%s", biz, text)
	}
	if len(biz.SLA) != 2 {
		t.Fatalf("sla: %+v", biz.SLA)
	}
	h := 3600.0
	want := map[string]map[string]float64{
		"first_response": {"Urgent": 1 * h, "High": 4 * h, "Normal": 8 * h, "Low": 16 * h},
		"resolution":     {"Urgent": 8 * h, "High": 16 * h, "Normal": 24 * h, "Low": 40 * h},
	}
	for _, p := range biz.SLA {
		if p.By != "priority" || !maps.Equal(p.Targets, want[p.Name]) || p.Default != 0 {
			t.Errorf("sla: %s by %s: %v (default %v), want %v", p.Name, p.By, p.Targets, p.Default, want[p.Name])
		}
	}
	// Friday 16:00 to Monday 10:00 in Berlin: an hour each side of the
	// weekend, on Mon–Fri 09:00–17:00.
	cal, berlin := biz.Calendars[0], biz.Calendars[0].Zone
	if s := cal.Seconds(time.Date(2026, 1, 9, 16, 0, 0, 0, berlin), time.Date(2026, 1, 12, 10, 0, 0, 0, berlin)); s != 2*h {
		t.Errorf("Friday 16:00 to Monday 10:00 is %vs of business time, want 2h", s)
	}
	code, out, errs = kpiscopeCLI(t, "check", "--config", cfg)
	if code != 0 {
		t.Fatalf("check --config: exit %d\n%s%s\n%s", code, out, errs, text)
	}
	for _, id := range []string{"first_response_bh", "resolution_bh", "sla_first_response", "sla_resolution"} {
		if !strings.Contains(out, "ok      "+id+" ") {
			t.Errorf("check does not pass %s:\n%s", id, out)
		}
	}

	t.Run("no priority", func(t *testing.T) {
		dir := t.TempDir()
		data := writePriorityTickets(t, dir, nil)
		code, text, errs := kpiscopeCLI(t, "init", data, "--print")
		if code != 0 {
			t.Fatalf("init: exit %d: %s", code, errs)
		}
		if strings.Contains(text, "sla:") || strings.Contains(text, "business_hours:") || strings.Contains(errs, "assumed") {
			t.Errorf("init proposes business hours or SLAs without priorities:\n%s\n%s", text, errs)
		}
		if !slices.ContainsFunc(strings.Split(text, "\n"), func(l string) bool { return strings.HasPrefix(l, "  - use: resolution_time") }) {
			t.Errorf("the fixture has no ticket KPI, so the test tests nothing:\n%s", text)
		}
	})
}
