package main

import (
	"strings"
	"testing"
)

// TestReportViewFlagsNeedTheirView: a flag that only means something in one
// closer look's view, given without it, is one line naming the view and
// exit 2, not the scorecard printed as if it had not been given (the
// review's `--kpi resolution_time --sort 'Resolution (h):desc'` exited 0);
// beside another view it says which one it is not for. The cohort flags
// still ask for --cohorts on their own.
func TestReportViewFlagsNeedTheirView(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--kpi", "resolution_time", "--sort", "Resolution (h):desc", "--filter", "channel=web"},
			"kpiscope: --sort orders the rows of --records: add --records\n"},
		{[]string{"--search", "refund"}, "kpiscope: --search picks the rows of --records: add --records\n"},
		{[]string{"--periods", "3"}, "kpiscope: --periods sets how many periods are the columns of --grid: add --grid\n"},
		{[]string{"--columns", "plan", "--by", "region"}, "kpiscope: --columns lays a dimension out as the columns of --grid: add --grid\n"},
		{[]string{"--series", "--by", "channel", "--sort", "chat"}, "kpiscope: --sort orders the rows of --records, not of --series\n"},
		{[]string{"--records", "--periods", "3"}, "kpiscope: --periods sets how many periods are the columns of --grid, not of --records\n"},
		{[]string{"--cohort-count", "3", "--search", "x"}, "kpiscope: --search picks the rows of --records, not of --cohorts\n"},
	} {
		sandbox(t)
		r := runCLI(t, append([]string{"report", "--checks", "off"}, c.args...)...)
		if r.code != 2 || r.stderr != c.want || r.stdout != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %d bytes; want 2 and %q", c.args, r.code, r.stderr, len(r.stdout), c.want)
		}
		checkOneLine(t, r.stderr)
	}

	// With their views they work; a cohort flag alone is still the cohorts.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--records", "--kpi", "resolution_time", "--sort", "Resolution (h):desc", "--limit", "1"}, "rows 1–1 of"},
		{[]string{"--cohort-count", "3"}, "Retention by signup month: % of each cohort still active"},
	} {
		sandbox(t)
		r := runCLI(t, append([]string{"report", "--checks", "off"}, c.args...)...)
		if r.code != 0 || !strings.Contains(r.stdout, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 0 and %q in\n%s", c.args, r.code, r.stderr, c.want, r.stdout)
		}
	}
}
