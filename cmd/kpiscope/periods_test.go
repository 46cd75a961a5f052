package main

import (
	"strings"
	"testing"
)

// TestReportPeriodFlags: report's default period is the latest with data
// (the sample's data ends on 31 Oct 2026: a whole month, the fourth quarter
// partial and compared with the same days of the third); --period all is
// all time whatever --grain says; a period and a grain that disagree are
// refused, naming both.
func TestReportPeriodFlags(t *testing.T) {
	skipShort(t)
	sandbox(t)
	for _, c := range []struct {
		args  []string
		title string // what the first line says after the data's label
	}{
		{nil, "· Oct 2026 (month) · Δ vs Sep 2026"},
		{[]string{"--grain", "quarter"}, "· Q4 2026 (quarter, to 31 Oct) · Δ vs Q3 2026 (to 31 Jul)"},
		{[]string{"--grain", "year", "--compare", "year"}, "· 2026 (year, to 31 Oct) · Δ vs 2025 (to 31 Oct)"},
		{[]string{"--period", "all", "--grain", "year"}, "· all time · Δ vs target"},
		{[]string{"--grain", "year", "--period", "all"}, "· all time · Δ vs target"},
	} {
		r := runCLI(t, append([]string{"report"}, c.args...)...)
		if r.code != 0 {
			t.Errorf("%v: exit %d: %s", c.args, r.code, r.stderr)
			continue
		}
		if title := strings.SplitN(r.stdout, "\n", 2)[0]; !strings.HasSuffix(title, c.title) {
			t.Errorf("%v: title %q, want it to end %q", c.args, title, c.title)
		}
	}
	r := runCLI(t, "report", "--period", "2026", "--grain", "all")
	if r.code == 0 || !strings.Contains(r.stderr, "--period 2026 is one year but --grain all is all time") {
		t.Errorf("--period 2026 --grain all: exit %d, %q", r.code, r.stderr)
	}
}
