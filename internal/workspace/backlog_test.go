package workspace_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// The backlog fixture (testdata/backlog): seven tickets in Berlin time on a
// Berlin calendar, Mon–Fri 08:00–18:00 (a business day is 10 h), Tue 6 Jan
// 2026 a holiday; resolution SLA 10 business hours for urgent, 30 for
// normal, none for low. Deadlines, worked by hand:
//
//	id  priority created          resolved         due (resolution)
//	B1  urgent   Mon 5 Jan 09:00  —                Wed 7 Jan 09:00   (Mon 9 h, Tue a holiday, Wed 1 h)
//	B2  normal   Thu 8 Jan 14:00  —                Tue 13 Jan 14:00  (Thu 4, Fri 10, Mon 10, Tue 6)
//	B3  normal   Fri 2 Jan 17:00  Fri 9 Jan 10:00  Thu 8 Jan 17:00   (Fri 1, Mon 10, Wed 10, Thu 9)
//	B4  urgent   Sat 10 Jan 11:00 Mon 12 Jan 10:00 Mon 12 Jan 18:00  (the weekend does not count)
//	B5  low      Wed 7 Jan 10:00  —                —                 (no SLA)
//	B6  normal   Tue 6 Jan 10:00  Wed 14 Jan 12:00 Fri 9 Jan 18:00   (Wed, Thu, Fri 10 each)
//	B7  normal   Wed 14 Jan 16:00 —                Mon 19 Jan 16:00  (Wed 2, Thu 10, Fri 10, Mon 8)
//
// The data's latest timestamp is B7's creation, Wed 14 Jan 16:00.
const backlogDir = "testdata/backlog"

func backlogOpen(t *testing.T, edit func(string) string) *workspace.Workspace {
	t.Helper()
	cfg := filepath.Join(backlogDir, "kpiscope.yaml")
	if edit != nil {
		cfg = copyFixture(t, backlogDir, edit)
	}
	ws, err := workspace.Open(context.Background(), workspace.Options{ConfigPath: cfg,
		Now: func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// TestBacklogPastSLA: the share of the backlog past its resolution
// deadline and its ages in business days (median and buckets), at week and
// month ends.
//
// Week of 5 Jan, at its end (Mon 12 Jan 00:00): open B1, B2, B4, B5, B6 (the
// backlog, 5); B5 has no SLA, so 4 with a deadline, of which B1 (due 7 Jan)
// and B6 (due 9 Jan) are past: 50%. Business ages then: B1 Mon 9 h + Wed,
// Thu, Fri 30 h = 3.9 days; B2 Thu 4 + Fri 10 = 1.4; B4 0 (created on the
// weekend); B6 3.0: median (1.4 + 3.0) / 2 = 2.2; aged 0–1 days B4, 1–3
// B2, 3–7 B1 and B6.
//
// Week of 12 Jan and January, not over: at the data's end, Wed 14 Jan
// 16:00 (not at the period's end): open B1, B2, B5, B7 (4); with a deadline
// B1, B2, B7, past B1 and B2 (due Tue 13 Jan 14:00): 66.7%. Ages: B1 9 + 30
// + Mon 10 + Tue 10 + Wed 8 = 67 h = 6.7 days, B2 4 + 10 + 10 + 10 + 8 = 4.2,
// B7 0: median 4.2 (at the week's end it would be B2's 6.4); aged 0–1 B7,
// 3–7 B1 and B2.
func TestBacklogPastSLA(t *testing.T) {
	ws := backlogOpen(t, nil)
	for _, c := range []struct {
		grain         kpi.Grain
		period        string
		backlog       float64
		share, median float64
		pastDue, open float64
		ages          [4]float64 // in business days: 0-1, 1-3, 3-7, 7+
	}{
		{kpi.Week, "2026-01-05", 5, 50, 2.2, 2, 4, [4]float64{1, 1, 2, 0}},
		{kpi.Week, "2026-01-12", 4, 200.0 / 3, 4.2, 2, 3, [4]float64{1, 0, 2, 0}},
		{kpi.Month, "2026-01-01", 4, 200.0 / 3, 4.2, 2, 3, [4]float64{1, 0, 2, 0}},
	} {
		sc, err := ws.Engine.Compute(context.Background(), kpi.Slice{Grain: c.grain, Period: bizDay(c.period)}, []string{"backlog", "backlog_overdue"}, kpi.FromScratch())
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%s %s", c.grain, c.period)
		b, o := sc.Find("backlog"), sc.Find("backlog_overdue")
		if b == nil || o == nil {
			t.Fatalf("%s: backlog %v, backlog_overdue %v", name, b != nil, o != nil)
		}
		if b.Err != nil || o.Err != nil || o.ExtrasErr != nil {
			t.Fatalf("%s: errors %v, %v, %v", name, b.Err, o.Err, o.ExtrasErr)
		}
		if b.Total.Value == nil || *b.Total.Value != c.backlog {
			t.Errorf("%s: backlog %v, want %v", name, deref(b.Total.Value), c.backlog)
		}
		got := o.Total
		if got.Value == nil || math.Abs(*got.Value-c.share) > 1e-9 || got.Components["overdue"] != c.pastDue || got.Components["open"] != c.open {
			t.Errorf("%s: %% past SLA %v (%v of %v), want %v (%v of %v)", name, deref(got.Value), got.Components["overdue"], got.Components["open"], c.share, c.pastDue, c.open)
		}
		if x := got.Extras["past due"]; x == nil || *x != c.pastDue {
			t.Errorf("%s: past due %v, want %v", name, deref(x), c.pastDue)
		}
		if x := got.Extras["median age (business days)"]; x == nil || math.Abs(*x-c.median) > 1e-9 {
			t.Errorf("%s: median business age %v, want %v", name, deref(x), c.median)
		}
		for i, bucket := range []string{"age 0-1bd", "age 1-3bd", "age 3-7bd", "age 7bd+"} {
			if x := got.Extras[bucket]; x == nil || *x != c.ages[i] {
				t.Errorf("%s: %s %v, want %v", name, bucket, deref(x), c.ages[i])
			}
		}
	}
}

// TestBacklogPastSLANeedsResolutionSLA: without an SLA policy named
// resolution there are no deadlines: backlog_overdue is not offered (the
// backlog still is), and listing it is refused at its line.
func TestBacklogPastSLANeedsResolutionSLA(t *testing.T) {
	noSLA := func(s string) string { return s[:strings.Index(s, "sla:")] }
	ws := backlogOpen(t, noSLA)
	if ws.Engine.Def("backlog_overdue") != nil || ws.Engine.Def("backlog") == nil {
		t.Errorf("without sla: resolution, backlog_overdue offered %v, backlog %v", ws.Engine.Def("backlog_overdue") != nil, ws.Engine.Def("backlog") != nil)
	}
	cfg := copyFixture(t, backlogDir, func(s string) string {
		return strings.Replace(noSLA(s), "  - use: backlog\n", "  - use: backlog\n  - use: backlog_overdue\n", 1)
	})
	_, err := workspace.Open(context.Background(), workspace.Options{ConfigPath: cfg})
	if err == nil || !strings.Contains(err.Error(), "kpiscope.yaml:6") || !strings.Contains(err.Error(), "SLA policy named resolution") {
		t.Errorf("listed without the policy: %v", err)
	}
}

// copyFixture copies a fixture's kpiscope.yaml (edited) and tickets.csv to
// a temporary folder and returns the config's path.
func copyFixture(t *testing.T, dir string, edit func(string) string) string {
	t.Helper()
	return copyFixtureRows(t, dir, edit, "")
}

// copyFixtureRows is copyFixture with rows added to tickets.csv (lines
// ending in a newline); edit may be nil.
func copyFixtureRows(t *testing.T, dir string, edit func(string) string, rows string) string {
	t.Helper()
	tmp := t.TempDir()
	for _, f := range []string{"kpiscope.yaml", "tickets.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "kpiscope.yaml" && edit != nil {
			b = []byte(edit(string(b)))
		}
		if f == "tickets.csv" {
			b = append(b, rows...)
		}
		if err := os.WriteFile(filepath.Join(tmp, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(tmp, "kpiscope.yaml")
}
