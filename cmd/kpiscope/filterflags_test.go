package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestReportWindowsAndFilterForms: --since reports a window ending with the
// sample's last day (31 Oct 2026), compared with the window before; the
// filter forms reach the title; mistakes are refused with the fix and a
// non-zero exit.
func TestReportWindowsAndFilterForms(t *testing.T) {
	skipShort(t)
	sandbox(t)
	for _, c := range []struct {
		args  []string
		title string // what the first line says after the data's label
	}{
		{[]string{"--since", "30d"}, "· 2 Oct – 31 Oct 2026 (last 30 days) · Δ vs 2 Sep – 1 Oct 2026"},
		{[]string{"--since", "last 2 weeks"}, "· 18 Oct – 31 Oct 2026 (last 2 weeks) · Δ vs 4 Oct – 17 Oct 2026"},
		{[]string{"--since", "28d", "--compare", "year"}, "· 4 Oct – 31 Oct 2026 (last 28 days) · Δ vs 5 Oct – 1 Nov 2025"},
		{[]string{"--since", "30d", "--period", "2026-09-15"}, "· 2 Sep – 1 Oct 2026 (30-day window) · Δ vs 3 Aug – 1 Sep 2026"},
		{[]string{"--since", "this quarter to date"}, "· Q4 2026 (quarter, to 31 Oct) · Δ vs Q3 2026 (to 31 Jul)"},
		{[]string{"--since", "30d", "--grid", "--by", "region"}, "· CSAT by region × 30-day windows, 5 May – 31 Oct 2026"},
		{[]string{"--since", "30d", "--series", "--by", "channel"}, "· by channel · 6 Nov 2025 – 31 Oct 2026 (30-day windows)"},
		{[]string{"--filter", "channel!=web,email"}, "· Oct 2026 (month) · Δ vs Sep 2026 · channel ≠ web, email"},
		{[]string{"--filter", "plan=Basic", "--filter", "channel!=web"}, "· plan = Basic · channel ≠ web"},
	} {
		r := runCLI(t, append([]string{"report", "--kpi", "csat"}, c.args...)...)
		if r.code != 0 {
			t.Errorf("%v: exit %d: %s", c.args, r.code, r.stderr)
			continue
		}
		if title := strings.SplitN(r.stdout, "\n", 2)[0]; !strings.HasSuffix(title, c.title) {
			t.Errorf("%v: title %q, want it to end %q", c.args, title, c.title)
		}
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--since", "30x"}, `--since: window "30x": use e.g. 30d`},
		{[]string{"--since", "30d", "--grain", "week"}, "leave out --grain week"},
		{[]string{"--since", "qtd", "--period", "2026-09"}, "leave out --period 2026-09"},
		{[]string{"--since", "30d", "--compare", "year"}, "compare with the previous window"},
		{[]string{"--filter", "chanel=chat"}, `did you mean "channel"?`},
		{[]string{"--filter", "channel!=emial"}, `no channel is "emial" in the data; did you mean "email"?`},
		{[]string{"--filter", "channel>=2"}, "channel holds text"},
		{[]string{"--since", "30d", "--period", "2026-09"}, "give the period as a day"},
		{[]string{"--filter", "contacts>=two"}, "needs a number"},
	} {
		r := runCLI(t, append([]string{"report", "--kpi", "csat"}, c.args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, r.code, r.stderr, c.msg)
		}
	}
}

// TestReportWindowTargetsAndMonthlyKPIs: a window as long as a calendar
// month and ending with one (the sample's data ends on 31 Oct: --since 1m
// is October) takes the month's targets, so --fail-on still fires, and the
// KPIs recorded by month (spend: CAC, retention cost) are computed; a
// 30-day window does not start on a month's boundary, so those say why they
// have no value rather than sum a month's spend over 30 days.
func TestReportWindowTargetsAndMonthlyKPIs(t *testing.T) {
	skipShort(t)
	sandbox(t)
	type row struct {
		KPI    string   `json:"kpi"`
		Value  *float64 `json:"value"`
		Target *float64 `json:"target"`
		Status string   `json:"status"`
		Error  string   `json:"error"`
	}
	rows := func(args ...string) map[string]row {
		t.Helper()
		r := runCLI(t, append([]string{"report", "--format", "json", "--kpi", "purchase_frequency,repeat_rate,cac,retention_cost"}, args...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		var out struct {
			Rows []row `json:"rows"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatal(err)
		}
		m := map[string]row{}
		for _, x := range out.Rows {
			m[x.KPI] = x
		}
		return m
	}
	month, win := rows(), rows("--since", "1m")
	for _, id := range []string{"purchase_frequency", "repeat_rate", "cac", "retention_cost"} {
		a, b := month[id], win[id]
		if a.Value == nil || b.Value == nil || *a.Value != *b.Value || (a.Target == nil) != (b.Target == nil) || a.Target != nil && *a.Target != *b.Target || a.Status != b.Status {
			t.Errorf("%s: October %+v, last 1 month %+v", id, a, b)
		}
	}
	w30 := rows("--since", "30d")
	for _, id := range []string{"cac", "retention_cost"} {
		if w30[id].Value != nil {
			t.Errorf("%s over a 30-day window: %v, want no value (spend is recorded by month)", id, *w30[id].Value)
		}
	}
	a := runCLI(t, "report", "--kpi", "retention_cost", "--fail-on", "amber")
	b := runCLI(t, "report", "--kpi", "retention_cost", "--fail-on", "amber", "--since", "1m")
	if a.code != b.code {
		t.Errorf("--fail-on amber: exit %d for October, %d for the last 1 month", a.code, b.code)
	}
}
