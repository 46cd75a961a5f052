package main

import (
	"strings"
	"testing"
)

// TestReportWindowsAndFilterForms: --since reports a window ending with the
// sample's last day (31 Oct 2026), compared with the window before; the
// filter forms reach the title; mistakes are refused with the fix and a
// non-zero exit.
func TestReportWindowsAndFilterForms(t *testing.T) {
	sandbox(t)
	for _, c := range []struct {
		args  []string
		title string // what the first line says after the data's label
	}{
		{[]string{"--since", "30d"}, "· 2 Oct – 31 Oct 2026 (last 30 days) · Δ vs 2 Sep – 1 Oct 2026"},
		{[]string{"--since", "last 2 weeks"}, "· 18 Oct – 31 Oct 2026 (last 2 weeks) · Δ vs 4 Oct – 17 Oct 2026"},
		{[]string{"--since", "28d", "--compare", "year"}, "· 4 Oct – 31 Oct 2026 (last 28 days) · Δ vs 5 Oct – 1 Nov 2025"},
		{[]string{"--since", "30d", "--period", "2026-09-15"}, "· 2 Sep – 1 Oct 2026 (last 30 days) · Δ vs 3 Aug – 1 Sep 2026"},
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
		{[]string{"--filter", "contacts>=two"}, "needs a number"},
	} {
		r := runCLI(t, append([]string{"report", "--kpi", "csat"}, c.args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, r.code, r.stderr, c.msg)
		}
	}
}
