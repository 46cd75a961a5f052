package tui

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"kpiscope/internal/kpi"
)

// billingMondays is the sample's saved view of its support story: Billing's
// first responses within SLA on Monday 26 Oct 2026, by priority, against
// target, day by day (the weekend's queue breaches on Mondays).
var billingMondays = View{
	Name: "billing-mondays", KPI: "sla_first_response", By: "priority",
	Filters: []kpi.Filter{{Dim: "team", Values: []string{"Billing"}}},
	Grain:   kpi.Day, Period: "2026-10-26", Compare: kpi.VsTarget,
}

// TestSupportGolden: the support KPIs of the built-in sample, with no
// configuration, as a support lead reads them (issue 14): the scorecard
// with the first-response SLA share by team, the backlog with its ages, the
// share of the backlog past SLA by priority, and the billing-mondays view,
// at 120×40 and 80×24 without colour. Regenerate with
// `go test ./tui -run TestSupportGolden -update` and read the diff.
func TestSupportGolden(t *testing.T) {
	find := func(name string) []string {
		keys := []string{"/"}
		for _, r := range name {
			keys = append(keys, string(r))
		}
		return append(keys, "enter")
	}
	seg := func(dim string) []string {
		keys := []string{"s"}
		for _, r := range dim {
			keys = append(keys, string(r))
		}
		return append(keys, "enter")
	}
	join := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	slaByTeam := join(find("first response within"), seg("team"))
	backlog := find("open tickets")
	overdue := join(find("past sla"), seg("priority"))
	for _, tc := range []struct {
		name  string
		w, h  int
		start *View
		keys  []string
	}{
		{"sla_by_team_120x40", 120, 40, nil, slaByTeam},
		{"sla_by_team_80x24", 80, 24, nil, slaByTeam},
		{"sla_by_team_week_120x40", 120, 40, nil, join(slaByTeam, []string{"g", "g", "g", "g"})},
		{"backlog_120x40", 120, 40, nil, backlog},
		{"backlog_80x24", 80, 24, nil, backlog},
		{"overdue_by_priority_120x40", 120, 40, nil, overdue},
		{"billing_mondays_120x40", 120, 40, &billingMondays, nil},
		{"billing_mondays_80x24", 80, 24, &billingMondays, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := testDeps(t)
			if tc.start != nil {
				v := *tc.start
				d.Start = &v
			}
			m := plain(started(t, d, tc.w, tc.h))
			m, _ = press(m, tc.keys...)
			golden.RequireEqual(t, []byte(screen(m)))
		})
	}
}
