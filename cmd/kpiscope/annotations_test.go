package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// report passes the config's annotations to every format: the sample's
// March 2026 incident is noted under the table (the Technical team's note
// too when broken down by team) and listed in JSON.
func TestReportListsAnnotations(t *testing.T) {
	sandbox(t)
	r := runCLI(t, "report", "--period", "2026-03", "--kpi", "csat", "--by", "team", "--checks", "off")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"\n※ 2–27 Mar 2026: Platform incident: ticket backlog\n",
		"\n※ 2–27 Mar 2026: Incident tickets routed to Technical (team = Technical)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", strings.TrimSpace(want), r.stdout)
		}
	}
	r = runCLI(t, "report", "--period", "2026-03", "--kpi", "csat", "--format", "markdown", "--checks", "off")
	if !strings.Contains(r.stdout, "- ※ 2–27 Mar 2026: Platform incident") || strings.Contains(r.stdout, "Technical") {
		t.Errorf("markdown: the incident, and not the team's note without a breakdown by team:\n%s", r.stdout)
	}
	r = runCLI(t, "report", "--period", "2026-03", "--kpi", "csat", "--format", "json", "--checks", "off")
	var out struct {
		Annotations []struct{ From, To, Label string } `json:"annotations"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range out.Annotations {
		got = append(got, a.From+".."+a.To+" "+a.Label)
	}
	if want := "2026-03-02..2026-03-27 Platform incident: ticket backlog"; len(got) == 0 || got[len(got)-1] != want {
		t.Errorf("json annotations %q, want the last to be %q", got, want)
	}
}
