package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
	"kpiscope/internal/workspace"
	"kpiscope/tui"
)

// explorerDriver drives a real explorer model the way the program does,
// synchronously: every command a key leads to is run and its message fed
// back (the queries' answers too), spinner ticks dropped, and what goes to
// the clipboard kept.
type explorerDriver struct {
	t    *testing.T
	m    tui.Model
	clip []string // the texts sent to the clipboard, in order
}

func newExplorerDriver(t *testing.T, d tui.Deps) *explorerDriver {
	t.Helper()
	x := &explorerDriver{t: t, m: tui.New(d)}
	x.feed(tea.WindowSizeMsg{Width: 120, Height: 40})
	x.run(x.m.Init())
	return x
}

var cmdType = reflect.TypeOf(tea.Cmd(nil))

func (x *explorerDriver) run(cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if msg == nil {
			continue
		}
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == cmdType { // a batch or a sequence
			for i := range v.Len() {
				queue = append(queue, v.Index(i).Interface().(tea.Cmd))
			}
			continue
		}
		switch msg.(type) {
		case spinner.TickMsg:
			continue
		}
		if reflect.TypeOf(msg).Name() == "setClipboardMsg" {
			x.clip = append(x.clip, fmt.Sprint(msg))
			continue
		}
		next, c2 := x.m.Update(msg)
		x.m = next.(tui.Model)
		queue = append(queue, c2)
	}
}

func (x *explorerDriver) feed(msg tea.Msg) {
	next, cmd := x.m.Update(msg)
	x.m = next.(tui.Model)
	x.run(cmd)
}

// press sends keys: a name (enter, esc, backspace, down) or one character.
func (x *explorerDriver) press(keys ...string) {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "backspace":
			msg = tea.KeyPressMsg{Code: tea.KeyBackspace}
		default:
			r := []rune(k)
			msg = tea.KeyPressMsg{Code: r[0], Text: k}
		}
		x.feed(msg)
	}
}

// typeText types s into a box (the segment chooser).
func (x *explorerDriver) typeText(s string) {
	for _, r := range s {
		x.press(string(r))
	}
}

// copied presses $ and returns the command line it sent to the clipboard.
func (x *explorerDriver) copied() string {
	x.t.Helper()
	n := len(x.clip)
	x.press("$")
	if len(x.clip) != n+1 {
		x.t.Fatalf("$ sent %d texts to the clipboard, want 1", len(x.clip)-n)
	}
	x.press("esc") // closes the box
	return x.clip[n]
}

// shellSplit reads a command line as a POSIX shell does: /bin/sh prints
// each word it parsed.
func shellSplit(t *testing.T, line string) []string {
	t.Helper()
	out, err := exec.Command("/bin/sh", "-c", `printf '%s\0' `+line).Output()
	if err != nil {
		t.Fatalf("sh could not read %s: %v", line, err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

// reportRow is a row of report's JSON, with what the view shows.
type reportRow struct {
	KPI     string   `json:"kpi"`
	Segment string   `json:"segment"`
	Value   *float64 `json:"value"`
	Delta   *float64 `json:"delta"`
	N       *int64   `json:"n"`
}

// runCopied runs the copied command line in-process with --format json
// appended and returns its rows.
func runCopied(t *testing.T, line string) []reportRow {
	t.Helper()
	args := shellSplit(t, line)
	if args[0] != "kpiscope" || args[1] != "report" {
		t.Fatalf("copied %q: not a kpiscope report command", line)
	}
	r := runCLI(t, append(args[1:], "--format", "json")...)
	if r.code != 0 {
		t.Fatalf("%s: exit %d: %s", line, r.code, r.stderr)
	}
	var out struct{ Rows []reportRow }
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", line, err, r.stdout)
	}
	return out.Rows
}

func samePtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func showPtr[T any](p *T) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprint(*p)
}

// checkSame compares report's rows with the view's results, exactly: the
// breakdown's rows and its Total row when there is a breakdown, else the
// tile's total.
func checkSame(t *testing.T, line string, rows []reportRow, tile, bd *kpi.Result) {
	t.Helper()
	if tile == nil {
		t.Fatalf("%s: the view shows no result", line)
	}
	want := map[string]kpi.Row{"Total": tile.Total}
	if bd != nil {
		want["Total"] = bd.Total
		for _, s := range bd.Segments {
			want[s.Segment] = s
		}
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if r.KPI != tile.Def.ID {
			t.Fatalf("%s: report printed KPI %s, the view shows %s", line, r.KPI, tile.Def.ID)
		}
		w, ok := want[r.Segment]
		if !ok {
			t.Fatalf("%s: report printed segment %q, not on screen", line, r.Segment)
		}
		seen[r.Segment] = true
		var n *int64
		if w.HasN {
			n = &w.N
		}
		if !samePtr(r.Value, w.Value) || !samePtr(r.N, n) || !samePtr(r.Delta, w.Delta) {
			t.Errorf("%s: %s: report value %s n %s Δ %s, the view %s n %s Δ %s", line, r.Segment,
				showPtr(r.Value), showPtr(r.N), showPtr(r.Delta), showPtr(w.Value), showPtr(n), showPtr(w.Delta))
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("%s: report printed %d of the view's %d rows", line, len(seen), len(want))
	}
}

// reproduces copies the command for the view, runs it and compares.
func reproduces(t *testing.T, x *explorerDriver, wantArgs ...string) string {
	t.Helper()
	line := x.copied()
	for _, a := range wantArgs {
		if !strings.Contains(line, a) {
			t.Fatalf("copied %s: lacks %s", line, a)
		}
	}
	tile, bd := tui.ShownResults(x.m)
	checkSame(t, line, runCopied(t, line), tile, bd)
	return line
}

// TestCopiedCommandReproducesTheView: $ copies a command that, run as a
// shell reads it, prints exactly the numbers the explorer shows (value, n
// and delta of the selected KPI's total and of every breakdown row), on
// the built-in sample, after selecting a KPI, segmenting, drilling into a
// value with a space, changing grain, stepping back a period and cycling
// the comparison.
func TestCopiedCommandReproducesTheView(t *testing.T) {
	sandbox(t)
	ws, err := workspace.Open(context.Background(), workspace.Options{}) // as kpiscope with no argument
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if inv := invocation(ws, nil); inv != nil {
		t.Fatalf("the sample's command names data: %q", inv)
	}
	x := newExplorerDriver(t, tui.Deps{Engine: ws.Engine, Now: time.Now, Label: ws.Label})

	// As it opens: CSAT by channel, the latest month.
	if got := reproduces(t, x); got != "kpiscope report --kpi csat --by channel --grain month --compare previous" {
		t.Fatalf("copied %q", got)
	}

	x.press("j", "j") // CES
	x.press("s")
	x.typeText("region")
	x.press("enter")
	reproduces(t, x, "--kpi ces --by region")

	// Drill into North America: a value with a space.
	x.press("enter") // the breakdown takes the keys
	for i := 0; ; i++ {
		x.press("enter")
		line := x.copied()
		if strings.Contains(line, "--filter 'region=North America'") {
			break
		}
		if i == 4 {
			t.Fatalf("no row drilled into North America: %s", line)
		}
		x.press("backspace")
		for range i + 1 {
			x.press("j")
		}
	}
	reproduces(t, x, "--filter 'region=North America'", "--by plan")

	x.press("g", "[") // a quarter, one back
	reproduces(t, x, "--grain quarter --period 2026-Q3")
	x.press("c") // vs last year
	reproduces(t, x, "--compare year")
	x.press("c", "c") // vs target, then previous again
	reproduces(t, x, "--compare previous")

	// Without a breakdown: the tile's total.
	x.press("s")
	x.typeText("none")
	x.press("enter")
	line := reproduces(t, x, "--filter 'region=North America'")
	if strings.Contains(line, "--by") {
		t.Fatalf("copied %s: a breakdown the view does not show", line)
	}
}

// quotedFixture writes a tickets file whose channels are the values given,
// each with its CSAT scores, at a path with a space, a quote and a dollar
// sign, and opens it as `kpiscope PATH` would.
func quotedFixture(t *testing.T, channels map[string][]int) (*workspace.Workspace, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tickets $ O'Brien.csv")
	rows := [][]string{{"ticket_id", "channel", "csat", "resolved_at"}}
	for ch, scores := range channels {
		for i, s := range scores {
			rows = append(rows, []string{fmt.Sprint(len(rows)), ch, fmt.Sprint(s), fmt.Sprintf("2026-10-%02d", i+1)})
		}
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, b.String())
	ws, err := workspace.Open(context.Background(), workspace.Options{Sources: []string{path}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws, path
}

// drillEach drills into each of the breakdown's n rows in turn and checks
// that the command copied there reproduces the view; it returns the
// filters the commands held, as the shell reads them, sorted.
func drillEach(t *testing.T, x *explorerDriver, n int) []string {
	t.Helper()
	x.press("enter") // the breakdown takes the keys
	var filters []string
	for range n {
		x.press("enter")
		line := reproduces(t, x)
		words := shellSplit(t, line)
		i := slices.Index(words, "--filter")
		if i < 0 {
			t.Fatalf("copied %s: no filter after a drill", line)
		}
		filters = append(filters, words[i+1])
		x.press("backspace", "j")
	}
	slices.Sort(filters)
	return filters
}

// TestCopiedCommandQuotesValues: values with a space, quotes, a dollar sign
// and an ampersand survive the shell, as does the path of the data, named
// absolute.
func TestCopiedCommandQuotesValues(t *testing.T) {
	sandbox(t)
	ws, path := quotedFixture(t, map[string][]int{`O'Brien "desk"`: {5, 1, 1}, "web & co": {4, 4, 4, 3, 1}, "$HOME": {5, 5, 2}})
	inv := invocation(ws, []string{path})
	if !slices.Equal(inv, []string{path}) {
		t.Fatalf("invocation %q, want the file's absolute path", inv)
	}
	x := newExplorerDriver(t, tui.Deps{Engine: ws.Engine, Now: time.Now, Invocation: inv})
	reproduces(t, x, "kpiscope report '"+strings.ReplaceAll(path, "'", `'\''`)+"' --kpi csat --by channel")
	got := drillEach(t, x, 3)
	if want := []string{`channel=$HOME`, `channel=O'Brien "desk"`, "channel=web & co"}; !slices.Equal(got, want) {
		t.Fatalf("filters %q, want %q", got, want)
	}
}

// TestCopiedCommandValueWithComma: a value holding a comma (report's
// --filter separates values with commas) reaches report as one value.
func TestCopiedCommandValueWithComma(t *testing.T) {
	if f := (kpi.Filter{Dim: "channel", Values: []string{"chat, live"}}); !reflect.DeepEqual(mustParseFilter(t, f.Arg()), f) {
		t.Fatalf("report --filter %s reads %q, want the one value %q back", f.Arg(), mustParseFilter(t, f.Arg()).Values, f.Values)
	}
	sandbox(t)
	ws, path := quotedFixture(t, map[string][]int{"chat, live": {5, 5, 4, 2}, "web": {4, 4, 4, 3, 1}})
	x := newExplorerDriver(t, tui.Deps{Engine: ws.Engine, Now: time.Now, Invocation: invocation(ws, []string{path})})
	got := drillEach(t, x, 2)
	if len(got) != 2 || !strings.HasPrefix(got[0], "channel=") || got[1] != "channel=web" {
		t.Fatalf("filters %q", got)
	}
}

func mustParseFilter(t *testing.T, s string) kpi.Filter {
	t.Helper()
	f, err := kpi.ParseFilter(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCopiedCommandRunsForEachView: the command copied from each closer
// look and from the why views is one report runs (exit 0, JSON out), with
// the look's own flag; the grid's (#) and the series' (S) print the
// numbers the lens shows: every cell (value, n, Δ), every point of every
// line (value, n).
func TestCopiedCommandRunsForEachView(t *testing.T) {
	sandbox(t)
	ws, err := workspace.Open(context.Background(), workspace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	for _, tc := range []struct {
		key, flag string
		filters   []string // typed into the filter editor first
	}{
		{"#", "--grid --periods 12", nil}, {"C", "--cohorts", nil}, {"d", "--distribution", nil}, {"S", "--series", nil},
		{"R", "--records", nil}, {"v", "--by channel --explain", nil}, {"m", "--kpi csat --explain", nil},
		{"#", "--since 12w --compare previous --filter 'channel!=web'", []string{"channel!=web", "since 12w"}},
		{"S", "--series --since 12w --compare previous --filter 'channel!=web'", []string{"channel!=web", "since 12w"}},
	} {
		x := newExplorerDriver(t, tui.Deps{Engine: ws.Engine, Now: time.Now})
		if tc.filters != nil {
			x.press("F")
			for _, f := range tc.filters {
				x.typeText(f)
				x.press("enter")
			}
			x.press("esc")
		}
		x.press(tc.key)
		x.press("$")
		if len(x.clip) != 1 || !strings.Contains(x.clip[0], tc.flag) {
			t.Fatalf("%s: copied %q, want %s", tc.key, x.clip, tc.flag)
		}
		args := shellSplit(t, x.clip[0])
		r := runCLI(t, append(args[1:], "--format", "json")...)
		if r.code != 0 || !json.Valid([]byte(r.stdout)) {
			t.Fatalf("%s: exit %d, stderr %s, stdout %.200s", x.clip[0], r.code, r.stderr, r.stdout)
		}
		switch tc.key {
		case "#":
			checkGridSame(t, x.clip[0], r.stdout, tui.ShownGrid(x.m))
		case "S":
			checkSeriesSame(t, x.clip[0], r.stdout, tui.ShownSeries(x.m))
		}
	}
}

// checkGridSame compares report --grid's JSON with the grid the lens
// shows, cell for cell, as report would write the lens's grid.
func checkGridSame(t *testing.T, line, out string, shown *kpi.Grid) {
	t.Helper()
	if shown == nil {
		t.Fatalf("%s: the grid lens shows no grid", line)
	}
	type grids struct {
		Grids []struct {
			Heads []string              `json:"column_names"`
			Cells []report.GridCellJSON `json:"cells"`
		} `json:"grids"`
	}
	var got, want grids
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := report.GridJSON(&b, []*kpi.Grid{shown}, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b.String()), &want); err != nil {
		t.Fatal(err)
	}
	if len(got.Grids) != 1 || len(want.Grids) != 1 {
		t.Fatalf("%s: %d grids printed, the lens %d", line, len(got.Grids), len(want.Grids))
	}
	g, w := got.Grids[0], want.Grids[0]
	if !slices.Equal(g.Heads, w.Heads) {
		t.Fatalf("%s: columns %q, the lens %q", line, g.Heads, w.Heads)
	}
	if len(g.Cells) != len(w.Cells) || len(w.Cells) < 13 {
		t.Fatalf("%s: %d cells, the lens %d", line, len(g.Cells), len(w.Cells))
	}
	for i := range w.Cells {
		a, e := g.Cells[i], w.Cells[i]
		if a.Segment != e.Segment || a.Column != e.Column || a.Period != e.Period || !samePtr(a.Value, e.Value) || !samePtr(a.N, e.N) || !samePtr(a.Delta, e.Delta) {
			t.Errorf("%s: cell %d: report %s %s (%s) %s n %s Δ %s, the lens %s %s (%s) %s n %s Δ %s", line, i,
				a.Segment, a.Column, a.Period, showPtr(a.Value), showPtr(a.N), showPtr(a.Delta),
				e.Segment, e.Column, e.Period, showPtr(e.Value), showPtr(e.N), showPtr(e.Delta))
		}
	}
}

// checkSeriesSame compares report --series's JSON with the trends the
// lens draws: every line's points and the total's, by period.
func checkSeriesSame(t *testing.T, line, out string, shown *kpi.SeriesSet) {
	t.Helper()
	if shown == nil {
		t.Fatalf("%s: the series lens shows no trends", line)
	}
	type point struct {
		Period string   `json:"period"`
		Value  *float64 `json:"value"`
		N      *int64   `json:"n"`
	}
	type seg struct {
		Segment string  `json:"segment"`
		Points  []point `json:"points"`
	}
	var got struct {
		KPIs []struct {
			Segments []seg `json:"segments"`
			Total    seg   `json:"total"`
		} `json:"kpis"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.KPIs) != 1 {
		t.Fatalf("%s: %d KPIs printed", line, len(got.KPIs))
	}
	printed := map[string][]point{"": got.KPIs[0].Total.Points}
	for _, s := range got.KPIs[0].Segments {
		printed[s.Segment] = s.Points
	}
	lines := append([]kpi.SeriesLine{shown.Total}, shown.Lines...)
	if len(shown.Lines) < 2 || len(printed) != len(lines) {
		t.Fatalf("%s: %d lines printed, the lens %d", line, len(printed), len(lines))
	}
	for _, l := range lines {
		ps, ok := printed[l.Segment]
		if !ok || len(ps) != len(l.Points) || len(ps) < 6 {
			t.Fatalf("%s: %q: %d points printed, the lens %d", line, l.Segment, len(ps), len(l.Points))
		}
		for i, p := range l.Points {
			var n *int64
			if p.HasN {
				n = &p.N
			}
			if want := shown.Slice.Grain.Format(p.Period); ps[i].Period != want || !samePtr(ps[i].Value, p.Value) || !samePtr(ps[i].N, n) {
				t.Errorf("%s: %q: point %d: report %s %s n %s, the lens %s %s n %s", line, l.Segment, i,
					ps[i].Period, showPtr(ps[i].Value), showPtr(ps[i].N), want, showPtr(p.Value), showPtr(n))
			}
		}
	}
}

// TestCopiedCommandFilterFormsAndWindow: filters typed in the filter
// editor (an exclusion, several values, a range on a numeric column) and a
// date window reach report as the view has them (--filter, --since), and
// its numbers are the view's.
func TestCopiedCommandFilterFormsAndWindow(t *testing.T) {
	sandbox(t)
	ws, err := workspace.Open(context.Background(), workspace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	x := newExplorerDriver(t, tui.Deps{Engine: ws.Engine, Now: time.Now})
	x.press("F")
	for _, line := range []string{"channel!=web", "region=EMEA,North America", "since 28d"} {
		x.typeText(line)
		x.press("enter")
	}
	x.press("esc")
	got := reproduces(t, x, "--since 28d", "--filter 'channel!=web'", "--filter 'region=EMEA,North America'")
	if strings.Contains(got, "--grain") || strings.Contains(got, "--period") {
		t.Fatalf("copied %s: a window with a grain or period", got)
	}
	x.press("c") // vs last year
	reproduces(t, x, "--since 28d --compare year")
	x.press("F")
	x.typeText("contacts>=2")
	x.press("enter", "esc")
	reproduces(t, x, "--filter 'contacts>=2'")

	// A window set on a period stepped back to: the window is what shows.
	x = newExplorerDriver(t, tui.Deps{Engine: ws.Engine, Now: time.Now})
	x.press("[", "[", "F")
	x.typeText("since qtd")
	x.press("enter", "esc")
	reproduces(t, x, "--since qtd --compare previous")
}

// TestInvocation: the data part of the copied command names the config
// and the sources as absolute paths (a named source keeps its name), so it
// runs from any directory; the sample needs none.
func TestInvocation(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	ws := &workspace.Workspace{Config: &config.Config{Path: "kpiscope.yaml"}}
	got := invocation(ws, []string{"tickets=exports/t_*.parquet", "data/orders.csv"})
	want := []string{"--config", filepath.Join(dir, "kpiscope.yaml"), "tickets=" + filepath.Join(dir, "exports/t_*.parquet"), filepath.Join(dir, "data/orders.csv")}
	if !slices.Equal(got, want) {
		t.Fatalf("invocation %q, want %q", got, want)
	}
	if got := invocation(&workspace.Workspace{Sample: true}, nil); got != nil {
		t.Fatalf("the sample: %q", got)
	}
}

// TestCopiedCommandEverySegment: a breakdown of 60 segments, more than
// report keeps by default, is reproduced row for row.
func TestCopiedCommandEverySegment(t *testing.T) {
	sandbox(t)
	channels := map[string][]int{}
	for i := range 60 {
		channels[fmt.Sprintf("desk %02d", i)] = []int{1 + i%5, 5, 4}
	}
	ws, path := quotedFixture(t, channels)
	x := newExplorerDriver(t, tui.Deps{Engine: ws.Engine, Now: time.Now, Invocation: invocation(ws, []string{path})})
	reproduces(t, x, "--by channel --limit all")
	if _, bd := tui.ShownResults(x.m); bd == nil || len(bd.Segments) != 60 {
		t.Fatalf("the view's breakdown: %v", bd)
	}
}

// TestCopiedCommandRecordsAsShown: $ from the rows lens copies a command
// that prints the screen's rows: every one it reaches (the count), the
// first block row for row, in file order as the lens opens, then sorted by
// its first column and reversed (o, O).
func TestCopiedCommandRecordsAsShown(t *testing.T) {
	sandbox(t)
	ws, err := workspace.Open(context.Background(), workspace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	x := newExplorerDriver(t, tui.Deps{Engine: ws.Engine, Now: time.Now})
	x.press("R")
	for _, tc := range []struct {
		keys []string
		want string
	}{
		{nil, "--records --limit all --sort file"},
		{[]string{"o"}, "--records --limit all --sort resolved_at"},
		{[]string{"O"}, "--records --limit all --sort resolved_at:desc"},
	} {
		x.press(tc.keys...)
		line := x.copied()
		if !strings.Contains(line, tc.want) {
			t.Fatalf("copied %s: lacks %s", line, tc.want)
		}
		shown := tui.ShownRecords(x.m)
		if shown == nil || shown.Offset != 0 || len(shown.Rows) == 0 || shown.Match <= int64(len(shown.Rows)) {
			t.Fatalf("%s: the lens shows %+v: want a first block of some of the rows, counted", line, shown)
		}
		var b strings.Builder
		if err := report.RecordsCSV(&b, shown); err != nil {
			t.Fatal(err)
		}
		screen, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		args := shellSplit(t, line)
		r := runCLI(t, append(args[1:], "--format", "csv")...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", line, r.code, r.stderr)
		}
		got, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(got)-1) != shown.Match {
			t.Errorf("%s: printed %d rows, the lens reaches %d", line, len(got)-1, shown.Match)
		}
		if len(got) < len(screen) || !reflect.DeepEqual(got[:len(screen)], screen) {
			t.Errorf("%s: the first rows printed\n%q\nthe screen's\n%q", line, got[:min(len(got), 4)], screen[:min(len(screen), 4)])
		}
	}
}
