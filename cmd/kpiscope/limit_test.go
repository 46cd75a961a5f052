package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportLimit: --limit N|all chooses how many segments each breakdown
// shows; when it cuts, the table says how many more and how to see them,
// and JSON counts them.
func TestReportLimit(t *testing.T) {
	// 60 channels ch01…ch60; channel chNN has NN rated tickets in January.
	var b strings.Builder
	b.WriteString("ticket_id,channel,csat,resolved_at\n")
	id := 0
	for c := 1; c <= 60; c++ {
		for i := 0; i < c; i++ {
			id++
			fmt.Fprintf(&b, "%d,ch%02d,5,2026-01-%02d\n", id, c, i%28+1)
		}
	}
	sandbox(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"kpiscope.yaml": csatConfig, "tickets.csv": b.String()})
	base := []string{"report", "--config", filepath.Join(dir, "kpiscope.yaml"), "--period", "2026-01", "--by", "channel"}
	run := func(args ...string) cliResult {
		t.Helper()
		r := runCLI(t, append(append([]string{}, base...), args...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		return r
	}
	rows := func(out string) int { return strings.Count(out, "CSAT  ch") }

	// Today's default: the 50 largest, and a note of the 10 others.
	r := run()
	if rows(r.stdout) != 50 || !strings.Contains(r.stdout, "! CSAT: 10 more segments not shown: --limit all") {
		t.Errorf("default: %d rows, want 50 and a note of 10 more:\n%s", rows(r.stdout), r.stdout)
	}
	r = run("--limit", "3")
	if rows(r.stdout) != 3 || !strings.Contains(r.stdout, "ch58") || strings.Contains(r.stdout, "ch57") ||
		!strings.Contains(r.stdout, "57 more segments not shown") {
		t.Errorf("--limit 3: want ch60, ch59, ch58 and 57 more:\n%s", r.stdout)
	}
	r = run("--limit", "all")
	if rows(r.stdout) != 60 || strings.Contains(r.stdout, "more segments") {
		t.Errorf("--limit all: %d rows, want 60 and no note:\n%s", rows(r.stdout), r.stdout)
	}
	r = run("--limit", "5", "--format", "json")
	var out struct {
		LeftOut int `json:"segments_left_out"`
		Rows    []struct {
			Segment   string `json:"segment"`
			Truncated *int   `json:"segments_truncated"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out.LeftOut != 55 || len(out.Rows) != 6 || out.Rows[5].Truncated == nil || *out.Rows[5].Truncated != 55 {
		t.Errorf("--limit 5 json: left out %d, %d rows; want 55 left out, 5 segments and the total", out.LeftOut, len(out.Rows))
	}

	bad := runCLI(t, append(append([]string{}, base...), "--limit", "lots")...)
	if bad.code != 2 || !strings.Contains(bad.stderr, `--limit "lots"`) || !strings.Contains(bad.stderr, "--limit all") {
		t.Errorf("--limit lots: exit %d, stderr %q; want 2 and the values that work", bad.code, bad.stderr)
	}
}
