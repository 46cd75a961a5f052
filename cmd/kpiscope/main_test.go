package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
	"kpiscope/sampledata"
)

// cliResult is what a user sees from one run of the command.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs the command in-process with captured streams.
func runCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := runWith(context.Background(), args, &out, &errb)
	return cliResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// sandbox runs the test in an empty working directory with an empty TMPDIR
// and checks at the end that nothing was left in either: the tool reads user
// files and writes nowhere (the sample data is unpacked to a temporary
// directory that must be gone afterwards).
func sandbox(t *testing.T) {
	t.Helper()
	wd, tmp := t.TempDir(), t.TempDir()
	t.Chdir(wd)
	t.Setenv("TMPDIR", tmp)
	t.Cleanup(func() {
		for _, d := range []string{wd, tmp} {
			if names := listDir(t, d); len(names) > 0 {
				t.Errorf("files appeared in %s: %v", d, names)
			}
		}
	})
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// fileState is what must not change about a user's file.
type fileState struct {
	mode  fs.FileMode
	size  int64
	mtime time.Time
	sum   [32]byte
	link  string
}

// snapshot records every entry under dir (symlinks are not followed).
func snapshot(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		state := fileState{mode: st.Mode(), size: st.Size(), mtime: st.ModTime()}
		switch {
		case st.Mode()&os.ModeSymlink != 0:
			state.link, _ = os.Readlink(p)
		case st.Mode().IsRegular():
			if b, err := os.ReadFile(p); err == nil {
				state.sum = sha256.Sum256(b)
			}
		}
		out[p] = state
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkUnchanged(t *testing.T, before, after map[string]fileState) {
	t.Helper()
	for p, b := range before {
		a, ok := after[p]
		switch {
		case !ok:
			t.Errorf("%s was removed", p)
		case a != b:
			t.Errorf("%s changed: before %+v, after %+v", p, b, a)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s appeared next to the user's files", p)
		}
	}
}

// checkOneLine asserts the error contract: exactly one line on stderr,
// starting with "kpiscope: ", and no trace of a panic.
func checkOneLine(t *testing.T, stderr string) {
	t.Helper()
	if !strings.HasPrefix(stderr, "kpiscope: ") {
		t.Errorf("stderr does not start with %q: %q", "kpiscope: ", stderr)
	}
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr is not exactly one line: %q", stderr)
	}
	for _, bad := range []string{"goroutine ", "panic", "runtime/", ".go:"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr shows %q (a stack trace or internal error): %q", bad, stderr)
		}
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// ticketsCSV is a small tickets file that the built-in CSAT reads as is:
// 4 of 5 rated tickets in January 2026 score 4 or 5 (80%, exactly on target).
const ticketsCSV = `ticket_id,channel,csat,resolved_at
1,chat,5,2026-01-03
2,chat,4,2026-01-09
3,email,4,2026-01-15
4,email,2,2026-01-21
5,phone,5,2026-01-30
`

const csatConfig = `sources:
  tickets: {path: tickets.csv}
kpis:
  - use: csat
`

// manyRows is a well-formed tickets file larger than 64 KiB, so that a
// problem on its last lines lies beyond any sniffing sample.
func manyRows(n int) string {
	var b strings.Builder
	b.WriteString("ticket_id,channel,csat,resolved_at\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d,chat,%d,2026-01-%02d\n", i, i%5+1, i%28+1)
	}
	return b.String()
}

// TestBadInput is issue 2: every kind of bad input gets one clear line on
// stderr naming the thing (and the line where one applies), exit code 2, and
// nothing is written anywhere.
func TestBadInput(t *testing.T) {
	big := manyRows(5000) // header + 5000 rows = lines 1..5001
	cases := []struct {
		name  string
		files map[string]string
		setup func(t *testing.T, dir string)
		args  func(dir string) []string
		want  []string // each must appear on stderr
	}{
		{
			name:  "missing data file named in the config",
			files: map[string]string{"kpiscope.yaml": "sources:\n  tickets: {path: nosuch.csv}\nkpis:\n  - use: csat\n"},
			want:  []string{"nosuch.csv", "kpiscope.yaml:2"},
		},
		{
			name: "missing data file on the command line",
			args: func(dir string) []string { return []string{"report", "tickets=" + filepath.Join(dir, "nosuch.csv")} },
			want: []string{"nosuch.csv", "no such file"},
		},
		{
			name: "missing config file",
			args: func(dir string) []string { return []string{"report", "--config", filepath.Join(dir, "none.yaml")} },
			want: []string{"none.yaml", "not found"},
		},
		{
			name:  "config that is a directory",
			setup: func(t *testing.T, dir string) { os.Mkdir(filepath.Join(dir, "conf.yaml"), 0o755) },
			args:  func(dir string) []string { return []string{"report", "--config", filepath.Join(dir, "conf.yaml")} },
			want:  []string{"conf.yaml"},
		},
		{
			name:  "unreadable data file (a symlink loop)",
			files: map[string]string{"kpiscope.yaml": "sources:\n  tickets: {path: tickets.csv}\nkpis:\n  - use: csat\n"},
			setup: func(t *testing.T, dir string) {
				if err := os.Symlink("tickets.csv", filepath.Join(dir, "tickets.csv")); err != nil {
					t.Skip("cannot make a symlink here:", err)
				}
			},
			want: []string{"tickets.csv"},
		},
		{
			name:  "unreadable data file (permissions)",
			files: map[string]string{"kpiscope.yaml": csatConfig, "tickets.csv": ticketsCSV},
			setup: func(t *testing.T, dir string) {
				if os.Geteuid() == 0 {
					t.Skip("root reads files whatever their permissions")
				}
				os.Chmod(filepath.Join(dir, "tickets.csv"), 0)
			},
			want: []string{"tickets.csv", "permission"},
		},
		{
			name:  "empty data file",
			files: map[string]string{"kpiscope.yaml": csatConfig, "tickets.csv": ""},
			want:  []string{"tickets.csv", "empty"},
		},
		{
			name:  "header-only data file",
			files: map[string]string{"kpiscope.yaml": csatConfig, "tickets.csv": "ticket_id,channel,csat,resolved_at\n"},
			want:  []string{"tickets.csv", "no data"},
		},
		{
			name: "ragged row",
			files: map[string]string{"kpiscope.yaml": csatConfig, "tickets.csv": "ticket_id,channel,csat,resolved_at\n" +
				"1,chat,5,2026-01-03\n2,chat,4,2026-01-09\n3,email,4\n4,email,2,2026-01-21\n"},
			want: []string{"tickets.csv:4"},
		},
		{
			name:  "ragged row beyond the first 64 KiB",
			files: map[string]string{"kpiscope.yaml": csatConfig, "tickets.csv": big + "5001,chat,4\n5002,chat,4,2026-01-02\n"},
			want:  []string{"tickets.csv:5002"},
		},
		{
			name: "unterminated quote",
			files: map[string]string{"kpiscope.yaml": csatConfig, "tickets.csv": "ticket_id,channel,csat,resolved_at\n" +
				"1,chat,5,2026-01-03\n2,\"chat,4,2026-01-09\n3,email,4,2026-01-15\n"},
			want: []string{"tickets.csv:3"},
		},
		{
			name:  "binary file",
			files: map[string]string{"kpiscope.yaml": csatConfig, "tickets.csv": "PK\x03\x04\x00\x00\x08\x00binary\x00\x01\x02\n\x00\x00\x00\n"},
			want:  []string{"tickets.csv", "binary"},
		},
		{
			name: "text in a numeric column (config)",
			files: map[string]string{"kpiscope.yaml": csatConfig, "tickets.csv": "ticket_id,channel,csat,resolved_at\n" +
				"1,chat,5,2026-01-03\n2,chat,four,2026-01-09\n3,email,4,2026-01-15\n"},
			want: []string{"kpiscope.yaml:4", "tickets.csv", `"csat"`},
		},
		{
			name:  "text in a numeric column (command line), far down the file",
			files: map[string]string{"tickets.csv": big + "5001,chat,four,2026-01-02\n"},
			args:  func(dir string) []string { return []string{"report", "tickets=" + filepath.Join(dir, "tickets.csv")} },
			want:  []string{"tickets.csv", `"csat"`},
		},
		{
			name: "custom KPI names a column that does not exist",
			files: map[string]string{"tickets.csv": ticketsCSV, "kpiscope.yaml": `sources:
  tickets: {path: tickets.csv, time: resolved_at}
kpis:
  - use: csat
  - id: happy
    type: ratio
    numerator: count(*) FILTER (WHERE csta >= 4)
    denominator: count(csat)
    better: higher
`},
			want: []string{"kpiscope.yaml:5", `"csta"`, `did you mean "csat"`, "ticket_id", "channel", "resolved_at"},
		},
		{
			name: "column mapping to a column that does not exist, nearest first",
			files: map[string]string{
				"tickets.csv": "ticket_id,resolved_by,csat,resolved_at\n1,ann,5,2026-01-03\n2,bob,4,2026-01-09\n",
				"kpiscope.yaml": `sources:
  tickets: {path: tickets.csv}
kpis:
  - use: csat
    columns: {resolved_at: resolvd_at}
`},
			want: []string{"kpiscope.yaml:4", `"resolvd_at"`, `"resolved_at" or "resolved_by"`},
		},
		{
			name:  "invalid YAML",
			files: map[string]string{"tickets.csv": ticketsCSV, "kpiscope.yaml": "sources:\n  tickets: {path: tickets.csv}\nkpis:\n  - use: \"csat\n"},
			want:  []string{"kpiscope.yaml:4"},
		},
		{
			name:  "tab indentation",
			files: map[string]string{"tickets.csv": ticketsCSV, "kpiscope.yaml": "sources:\n\ttickets: {path: tickets.csv}\n"},
			want:  []string{"kpiscope.yaml:2"},
		},
		{
			name:  "unknown field",
			files: map[string]string{"tickets.csv": ticketsCSV, "kpiscope.yaml": csatConfig + "    colour: red\n"},
			want:  []string{"kpiscope.yaml:5", `"colour"`},
		},
		{
			name:  "unknown built-in",
			files: map[string]string{"tickets.csv": ticketsCSV, "kpiscope.yaml": "sources:\n  tickets: {path: tickets.csv}\nkpis:\n  - use: nps\n  - use: csta\n"},
			want:  []string{"kpiscope.yaml:5", `did you mean "csat"`},
		},
		{
			name:  "duplicate KPI",
			files: map[string]string{"tickets.csv": ticketsCSV, "kpiscope.yaml": csatConfig + "  - use: csat\n"},
			want:  []string{"kpiscope.yaml:5", "line 4"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sandbox(t)
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			args := []string{"report", "--config", filepath.Join(dir, "kpiscope.yaml")}
			if tc.args != nil {
				args = tc.args(dir)
			}
			before := snapshot(t, dir)
			r := runCLI(t, args...)
			if r.code != 2 {
				t.Errorf("exit code %d, want 2 (stderr %q)", r.code, r.stderr)
			}
			checkOneLine(t, r.stderr)
			t.Logf("stderr: %s", r.stderr)
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not name %s: %q", w, r.stderr)
				}
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty on bad input: %q", r.stdout)
			}
			checkUnchanged(t, before, snapshot(t, dir))
		})
	}
}

// TestBadFlags: unknown dimensions, periods and other flag values on the
// sample data are bad input too, and the message says what is allowed.
func TestBadFlags(t *testing.T) {
	skipShort(t)
	cfg, err := config.Parse("sampledata/kpiscope.yaml", sampledata.Config)
	if err != nil {
		t.Fatal(err)
	}
	dims := strings.Join(cfg.Dimensions, ", ")
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"--by", "nosuch"}, []string{`"nosuch"`, dims}},
		{[]string{"--by", "regoin"}, []string{`"regoin"`, `did you mean "region"`}},
		{[]string{"--filter", "nosuch=1"}, []string{`nosuch`, dims}},
		{[]string{"--filter", "region"}, []string{`"region"`, "DIM=VALUE"}},
		{[]string{"--period", "2026-13"}, []string{`"2026-13"`, "2026-Q3"}},
		{[]string{"--period", "1999-Q1"}, []string{"1999-Q1", "the data covers"}},
		{[]string{"--grain", "fortnight"}, []string{`"fortnight"`, "week"}},
		{[]string{"--period", "2026-Q3", "--grain", "month"}, []string{"--period 2026-Q3", "--grain"}},
		{[]string{"--compare", "lastweek"}, []string{`"lastweek"`, "previous"}},
		{[]string{"--format", "xml"}, []string{`"xml"`, "json"}},
		{[]string{"--fail-on", "purple"}, []string{`"purple"`, "red"}},
		{[]string{"--kpi", "nosuch"}, []string{`"nosuch"`, "csat"}},
		{[]string{"--nosuch-flag"}, []string{"--nosuch-flag"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			sandbox(t)
			r := runCLI(t, append([]string{"report"}, tc.args...)...)
			if r.code != 2 {
				t.Errorf("exit code %d, want 2 (stderr %q)", r.code, r.stderr)
			}
			checkOneLine(t, r.stderr)
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %s: %q", w, r.stderr)
				}
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty on bad input: %q", r.stdout)
			}
		})
	}
}

// csatTickets writes a tickets file with the given scores per channel, all
// resolved in January 2026.
func csatTickets(scores map[string][]int) string {
	var b strings.Builder
	b.WriteString("ticket_id,channel,csat,resolved_at\n")
	id := 0
	for _, ch := range []string{"chat", "email", "phone"} {
		for i, s := range scores[ch] {
			id++
			fmt.Fprintf(&b, "%d,%s,%d,2026-01-%02d\n", id, ch, s, i%28+1)
		}
	}
	return b.String()
}

func repeat(n, v int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestExitCodes: statuses never change the exit code unless --fail-on asks.
func TestExitCodes(t *testing.T) {
	red := csatTickets(map[string][]int{"chat": {5, 4, 2, 1, 1}})                             // 40%
	amber := csatTickets(map[string][]int{"chat": append(repeat(770, 5), repeat(230, 1)...)}) // 77%, 95% CI 74.3–79.5%
	unsure := csatTickets(map[string][]int{"chat": append(repeat(77, 5), repeat(23, 1)...)})  // 77%, 95% CI 67.8–84.2% reaches 80
	green := csatTickets(map[string][]int{"chat": {5, 5, 4, 4, 3}})                           // 80%, exactly on target
	segRed := csatTickets(map[string][]int{"chat": repeat(20, 5), "email": {1, 1}})           // total 90.9%, email 0%
	cases := []struct {
		name   string
		data   string
		args   []string
		code   int
		symbol string // status symbol expected on stdout
	}{
		{"red without --fail-on", red, nil, 0, "○"},
		{"red --fail-on red", red, []string{"--fail-on", "red"}, 1, "○"},
		{"amber --fail-on red", amber, []string{"--fail-on", "red"}, 0, "◐"},
		{"amber --fail-on amber", amber, []string{"--fail-on", "amber"}, 1, "◐"},
		{"uncertain --fail-on amber", unsure, []string{"--fail-on", "amber"}, 0, "◌"},
		{"green (exactly on target) --fail-on amber", green, []string{"--fail-on", "amber"}, 0, "●"},
		{"red segment under a green total", segRed, []string{"--by", "channel", "--fail-on", "red"}, 1, "○"},
		{"red, json", red, []string{"--format", "json"}, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sandbox(t)
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"kpiscope.yaml": csatConfig, "tickets.csv": tc.data})
			before := snapshot(t, dir)
			args := append([]string{"report", "--config", filepath.Join(dir, "kpiscope.yaml"), "--period", "2026-01"}, tc.args...)
			r := runCLI(t, args...)
			if r.code != tc.code {
				t.Fatalf("exit code %d, want %d (stderr %q)", r.code, tc.code, r.stderr)
			}
			if tc.code == 0 && r.stderr != "" {
				t.Errorf("stderr on success: %q", r.stderr)
			}
			if tc.code == 1 {
				checkOneLine(t, r.stderr)
				if !strings.Contains(r.stderr, "--fail-on") {
					t.Errorf("stderr does not say why the exit code is 1: %q", r.stderr)
				}
			}
			if !strings.Contains(r.stdout, "CSAT") || !strings.Contains(r.stdout, tc.symbol) {
				t.Errorf("the report (with %q) is not on stdout:\n%s", tc.symbol, r.stdout)
			}
			checkUnchanged(t, before, snapshot(t, dir))
		})
	}
}

// sampleDefs lists the visible KPIs of the sample config, in order.
func sampleDefs(t *testing.T) []*kpi.Def {
	t.Helper()
	cfg, err := config.Parse("sampledata/kpiscope.yaml", sampledata.Config)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := cfg.Defs(nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []*kpi.Def
	for _, d := range defs {
		if !d.Hidden {
			out = append(out, d)
		}
	}
	if len(out) < 10 {
		t.Fatalf("the sample config lists only %d visible KPIs", len(out))
	}
	return out
}

var cellSep = regexp.MustCompile(`\s{2,}`)

// TestReportSample: with no arguments, report prints every KPI of the sample
// with a value and a status symbol.
func TestReportSample(t *testing.T) {
	sandbox(t)
	r := runCLI(t, "report")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(r.stdout, "\n") {
		cells := cellSep.Split(strings.TrimSpace(line), -1)
		if len(cells) >= 6 {
			rows[cells[1]] = cells
		}
	}
	for _, d := range sampleDefs(t) {
		cells, ok := rows[d.Label()]
		if !ok {
			t.Errorf("%s (%s) is not in the report", d.ID, d.Label())
			continue
		}
		if !strings.Contains("●◐○◦", cells[0]) {
			t.Errorf("%s: %q is not a status symbol", d.ID, cells[0])
		}
		if cells[2] == "—" || cells[2] == "" || cells[2] == "error" {
			t.Errorf("%s has no value: %q", d.ID, cells)
		}
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", r.stdout)
	}
}

// jsonReport mirrors report.JSON.
type jsonReport struct {
	Title   string    `json:"title"`
	Period  string    `json:"period"`
	Grain   string    `json:"grain"`
	Compare string    `json:"compare"`
	Filters []string  `json:"filters"`
	Segment string    `json:"segment"`
	Rows    []jsonRow `json:"rows"`
}

type jsonRow struct {
	KPI        string             `json:"kpi"`
	Name       string             `json:"name"`
	Segment    string             `json:"segment"`
	Period     string             `json:"period"`
	Value      *float64           `json:"value"`
	Status     string             `json:"status"`
	CompareTo  string             `json:"compare_to"`
	N          *int64             `json:"n"`
	Components map[string]float64 `json:"components"`
	Error      string             `json:"error"`
}

func reportJSON(t *testing.T, args ...string) jsonReport {
	t.Helper()
	r := runCLI(t, append([]string{"report", "--format", "json"}, args...)...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("report %v: exit %d, stderr %q", args, r.code, r.stderr)
	}
	var out jsonReport
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("report %v: output is not JSON: %v\n%s", args, err, r.stdout)
	}
	return out
}

// totals returns each KPI's Total row.
func (r jsonReport) totals() map[string]jsonRow {
	out := map[string]jsonRow{}
	for _, row := range r.Rows {
		if row.Segment == "Total" {
			out[row.KPI] = row
		}
	}
	return out
}

// approx compares at 1e-9 relative: sums of the same numbers in another
// order differ only in the last bits.
func approx(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// TestReportBySegmentPools: the Total row is the formula applied to summed
// components, not an average of segment values.
func TestReportBySegmentPools(t *testing.T) {
	sandbox(t)
	rep := reportJSON(t, "--by", "segment")
	if rep.Segment != "segment" {
		t.Fatalf("segment = %q", rep.Segment)
	}
	formulas := map[string]func(c map[string]float64) float64{
		"csat":            func(c map[string]float64) float64 { return 100 * c["num"] / c["den"] },
		"ces":             func(c map[string]float64) float64 { return 100 * c["num"] / c["den"] },
		"fcr":             func(c map[string]float64) float64 { return 100 * c["num"] / c["den"] },
		"response_rate":   func(c map[string]float64) float64 { return 100 * c["num"] / c["den"] },
		"resolution_time": func(c map[string]float64) float64 { return c["num"] / c["den"] },
		"nps":             func(c map[string]float64) float64 { return 100 * (c["promoters"] - c["detractors"]) / c["n"] },
	}
	averagingWouldShow := false
	for id, f := range formulas {
		var segs []jsonRow
		var total *jsonRow
		for i, row := range rep.Rows {
			if row.KPI != id {
				continue
			}
			if row.Segment == "Total" {
				total = &rep.Rows[i]
			} else {
				segs = append(segs, row)
			}
		}
		if total == nil || total.Value == nil || len(segs) < 2 {
			t.Errorf("%s: want a Total with a value and 2+ segments, got total %v and %d segments", id, total, len(segs))
			continue
		}
		sum := map[string]float64{}
		mean := 0.0
		for _, s := range segs {
			for k, v := range s.Components {
				sum[k] += v
			}
			if s.Value == nil {
				t.Errorf("%s/%s has no value", id, s.Segment)
				continue
			}
			if want := f(s.Components); !approx(*s.Value, want) {
				t.Errorf("%s/%s = %v, its components give %v", id, s.Segment, *s.Value, want)
			}
			mean += *s.Value / float64(len(segs))
		}
		if len(total.Components) == 0 {
			t.Errorf("%s: Total has no components", id)
		}
		for k, v := range total.Components {
			if !approx(sum[k], v) {
				t.Errorf("%s: segments' %s sum to %v, Total has %v", id, k, sum[k], v)
			}
		}
		if want := f(sum); !approx(*total.Value, want) {
			t.Errorf("%s: Total = %v, the formula over summed components gives %v", id, *total.Value, want)
		}
		if !approx(mean, *total.Value) {
			averagingWouldShow = true
		}
	}
	if !averagingWouldShow {
		t.Error("for every KPI the mean of segment values equals the Total: this test could not tell pooling from averaging")
	}
}

// TestReportFormats: csv and markdown have one row per KPI and parse.
func TestReportFormats(t *testing.T) {
	sandbox(t)
	defs := sampleDefs(t)
	t.Run("csv", func(t *testing.T) {
		r := runCLI(t, "report", "--format", "csv")
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		if err != nil {
			t.Fatalf("not CSV: %v\n%s", err, r.stdout)
		}
		if len(recs) != len(defs)+1 {
			t.Fatalf("%d rows, want a header and %d KPIs:\n%s", len(recs), len(defs), r.stdout)
		}
		head := recs[0]
		col := func(name string) int {
			for i, h := range head {
				if h == name {
					return i
				}
			}
			t.Fatalf("no %q column in %v", name, head)
			return -1
		}
		ik, iv := col("kpi"), col("value")
		for i, d := range defs {
			rec := recs[i+1]
			if rec[ik] != d.ID {
				t.Errorf("row %d is %q, want %q", i+1, rec[ik], d.ID)
			}
			if _, err := fmt.Sscanf(rec[iv], "%g", new(float64)); err != nil {
				t.Errorf("%s: value %q is not a number", d.ID, rec[iv])
			}
		}
	})
	t.Run("markdown", func(t *testing.T) {
		r := runCLI(t, "report", "--format", "markdown")
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		var table [][]string
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(line, "|") {
				if !strings.HasSuffix(line, "|") {
					t.Errorf("table line does not end with |: %q", line)
				}
				cells := strings.Split(strings.Trim(line, "|"), " | ")
				table = append(table, cells)
			}
		}
		if len(table) != len(defs)+2 {
			t.Fatalf("%d table lines, want header, alignment and %d KPIs:\n%s", len(table), len(defs), r.stdout)
		}
		for _, c := range table[1] {
			if !regexp.MustCompile(`^\s*:?-{3,}:?\s*$`).MatchString(c) {
				t.Errorf("second line is not the alignment row: %q", table[1])
				break
			}
		}
		for i, d := range defs {
			row := table[i+2]
			if len(row) != len(table[0]) {
				t.Errorf("%s: %d cells, header has %d: %q", d.ID, len(row), len(table[0]), row)
				continue
			}
			if strings.TrimSpace(row[1]) != d.Label() {
				t.Errorf("row %d is %q, want %q", i+1, row[1], d.Label())
			}
			if v := strings.TrimSpace(row[2]); v == "—" || v == "" {
				t.Errorf("%s has no value: %q", d.ID, row)
			}
		}
	})
}

// TestReportSlices: --filter, --period, --compare and --grain change what is
// computed, and the JSON says so.
func TestReportSlices(t *testing.T) {
	skipShort(t)
	sandbox(t)
	base := reportJSON(t)
	for _, row := range base.Rows {
		if row.Error != "" || row.Value == nil {
			t.Errorf("%s/%s has no value: %q", row.KPI, row.Segment, row.Error)
		}
	}
	if !regexp.MustCompile(`^\d{4}-\d{2}$`).MatchString(base.Period) || base.Grain != "month" {
		t.Fatalf("default period %q grain %q, want the latest complete month", base.Period, base.Grain)
	}
	bt := base.totals()

	t.Run("filter", func(t *testing.T) {
		emea := reportJSON(t, "--filter", "region=EMEA")
		if len(emea.Filters) != 1 || !strings.Contains(emea.Filters[0], "EMEA") {
			t.Errorf("filters = %q", emea.Filters)
		}
		changed := 0
		for id, row := range emea.totals() {
			b := bt[id]
			if row.Value != nil && b.Value != nil && !approx(*row.Value, *b.Value) {
				changed++
			}
			if row.N != nil && b.N != nil && *row.N > *b.N {
				t.Errorf("%s: n %d with the filter, %d without", id, *row.N, *b.N)
			}
		}
		if changed < 3 {
			t.Errorf("only %d KPI values changed with --filter region=EMEA", changed)
		}
		if e, b := emea.totals()["csat"], bt["csat"]; e.N == nil || b.N == nil || *e.N >= *b.N {
			t.Errorf("csat n with the filter %v is not smaller than without %v", e.N, b.N)
		}
	})
	t.Run("period quarter", func(t *testing.T) {
		q := reportJSON(t, "--period", "2026-Q3")
		if q.Period != "2026-Q3" || q.Grain != "quarter" {
			t.Errorf("period %q grain %q", q.Period, q.Grain)
		}
		qt := q.totals()
		if c := qt["csat"]; c.Value == nil || c.N == nil || bt["csat"].N == nil || *c.N <= *bt["csat"].N {
			t.Errorf("a quarter's csat n (%v) should exceed a month's (%v)", c.N, bt["csat"].N)
		}
		for _, row := range q.Rows {
			if row.Period != "2026-Q3" && row.Period != "all" {
				t.Errorf("%s: period %q", row.KPI, row.Period)
			}
		}
	})
	t.Run("compare year", func(t *testing.T) {
		y := reportJSON(t, "--compare", "year")
		p, err := time.Parse("2006-01", y.Period)
		if err != nil {
			t.Fatal(err)
		}
		want := p.AddDate(-1, 0, 0).Format("Jan 2006")
		if y.Compare != "year" {
			t.Errorf("compare = %q", y.Compare)
		}
		if c := y.totals()["csat"]; c.CompareTo != want {
			t.Errorf("csat compared to %q, want %q", c.CompareTo, want)
		}
		if y.totals()["csat"].CompareTo == bt["csat"].CompareTo {
			t.Errorf("--compare year compares to the same period as the default (%q)", bt["csat"].CompareTo)
		}
	})
	t.Run("grain week", func(t *testing.T) {
		w := reportJSON(t, "--grain", "week")
		if w.Grain != "week" || !regexp.MustCompile(`^\d{4}-W\d{2}$`).MatchString(w.Period) {
			t.Errorf("grain %q period %q", w.Grain, w.Period)
		}
		c := w.totals()["csat"]
		if c.Value == nil || c.N == nil || *c.N >= *bt["csat"].N {
			t.Errorf("a week's csat (n %v) should have fewer answers than a month's (%v)", c.N, bt["csat"].N)
		}
	})
}

// `kpiscope` with no arguments, piped, prints the scorecard (the README's run command).
func TestRootPipedPrintsScorecard(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runWith(context.Background(), nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "CSAT") || !strings.Contains(out.String(), "Retention") {
		t.Errorf("no scorecard:\n%s", out.String())
	}
}
