package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"kpiscope/internal/live"
	"kpiscope/internal/workspace"
	"kpiscope/tui"
)

// watchWait bounds every wait of these tests; reached only on failure.
const watchWait = 10 * time.Second

// shownScreen is the text of the explorer's last frame, without styling.
type shownScreen struct {
	mu      sync.Mutex
	text    string
	changed chan struct{} // closed and replaced on every new frame
}

func (s *shownScreen) set(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if text == s.text {
		return
	}
	s.text = text
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

func (s *shownScreen) next() (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.text, s.changed
}

// waitFor waits, frame by frame, until cond holds for the screen.
func (s *shownScreen) waitFor(t *testing.T, what string, cond func(string) bool) string {
	t.Helper()
	deadline := time.NewTimer(watchWait)
	defer deadline.Stop()
	for {
		text, next := s.next()
		if cond(text) {
			return text
		}
		select {
		case <-next:
		case <-deadline.C:
			t.Fatalf("%s: not on screen within %s; screen:\n%s", what, watchWait, text)
		}
	}
}

// framed wraps the explorer's model and records every frame it draws, so
// the test reads what a person would see while a real program runs it.
type framed struct {
	tea.Model
	screen *shownScreen
}

func (f framed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := f.Model.Update(msg)
	return framed{m, f.screen}, cmd
}

func (f framed) View() tea.View {
	v := f.Model.View()
	f.screen.set(ansi.Strip(v.Content))
	return v
}

// csatValue is the value on the CSAT row of the KPI list ("75.0%").
var csatValue = regexp.MustCompile(`CSAT +([0-9.]+%)`)

func csatShown(screen string) string {
	if m := csatValue.FindStringSubmatch(screen); m != nil {
		return m[1]
	}
	return ""
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startWatchedExplorer runs the explorer as `kpiscope --watch SOURCE` does
// (the same explorer wiring, a real program at 120×40) and returns its screen.
func startWatchedExplorer(t *testing.T, source string) *shownScreen {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	opt := workspace.Options{Sources: []string{source}}
	ws, err := workspace.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	ex := newExplorer(ctx, ws, opt, live.Options{Grace: 50 * time.Millisecond, Debounce: 50 * time.Millisecond, Settle: 50 * time.Millisecond})
	paths := ex.watchPaths([]string{source})
	if len(paths) == 0 {
		t.Fatal("nothing to watch for a CSV source")
	}
	screen := &shownScreen{}
	p := tea.NewProgram(framed{tui.New(ex.deps), screen},
		tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithWindowSize(120, 40),
		tea.WithContext(ctx), tea.WithoutSignalHandler())
	if err := ex.start(p, paths); err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { _, err := p.Run(); ran <- err }()
	t.Cleanup(func() {
		p.Quit()
		select {
		case <-ran:
		case <-time.After(watchWait):
			t.Error("the explorer did not quit")
		}
		cancel()
		ex.close()
		ws.Close()
	})
	return screen
}

// `kpiscope --watch tickets.csv`: a change on disk shows up as new numbers
// while the explorer keeps running, with the time of the refresh; a file
// that turns unreadable (truncated to nothing, or a ragged row) leaves the
// previous numbers on screen with a warning, and a repair reloads again.
func TestWatchExplorerReloadsChangedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tickets.csv")
	writeFile(t, path, csatTickets(map[string][]int{"chat": {5, 5, 5, 2}})) // 75%
	screen := startWatchedExplorer(t, path)

	before := screen.waitFor(t, "CSAT 75%", func(s string) bool { return csatShown(s) == "75.0%" })
	if !strings.Contains(before, "refreshed ") {
		t.Errorf("the header does not say when the watched data was read:\n%s", before)
	}

	writeFile(t, path, csatTickets(map[string][]int{"chat": {5, 5, 5, 5, 5, 5, 5, 5, 5, 2}})) // 90%
	screen.waitFor(t, "CSAT 90% after the file changed", func(s string) bool { return csatShown(s) == "90.0%" })

	// Each broken write follows a good one, so each warning is its own.
	shown := "90.0%"
	for _, step := range []struct{ name, bad, repair, want string }{
		{"ragged row", "ticket_id,channel,csat,resolved_at\n1,chat,5,2026-01-01\n2,chat\n3,chat,5,2026-01-03,extra\n",
			csatTickets(map[string][]int{"chat": {5, 2}}), "50.0%"},
		{"empty file", "", csatTickets(map[string][]int{"chat": {5, 5, 5, 5, 2}}), "80.0%"},
	} {
		writeFile(t, path, step.bad)
		text := screen.waitFor(t, step.name+": a reload warning", func(s string) bool {
			return strings.Contains(s, "reload failed (w shows why), still showing the previous data: tickets.csv")
		})
		if v := csatShown(text); v != shown {
			t.Errorf("%s: CSAT shows %q, want the previous %s:\n%s", step.name, v, shown, text)
		}
		if !strings.Contains(text, "▲ reload failed") {
			t.Errorf("%s: the header does not say the numbers are stale:\n%s", step.name, text)
		}
		writeFile(t, path, step.repair)
		text = screen.waitFor(t, step.name+": CSAT "+step.want+" after the repair", func(s string) bool { return csatShown(s) == step.want })
		if strings.Contains(text, "reload failed") {
			t.Errorf("%s: the warning stayed after a good reload:\n%s", step.name, text)
		}
		shown = step.want
	}
}

// The built-in sample never changes: --watch says so in the banner and
// watches nothing.
func TestWatchSampleHasNothingToWatch(t *testing.T) {
	ws := &workspace.Workspace{Sample: true}
	ex := newExplorer(context.Background(), ws, workspace.Options{}, live.Options{})
	if paths := ex.watchPaths(nil); len(paths) != 0 {
		t.Fatalf("paths = %v, want none for the sample", paths)
	}
	if !strings.Contains(ex.deps.Banner, "nothing to watch") {
		t.Errorf("banner = %q, want a note that there is nothing to watch", ex.deps.Banner)
	}
	if !ex.deps.Refreshed.IsZero() {
		t.Error("the sample shows a refresh time")
	}
}

// The root command has --watch, registered from explore.go.
func TestRootHasWatchFlag(t *testing.T) {
	if f := newRoot().Flags().Lookup("watch"); f == nil || f.Value.Type() != "bool" {
		t.Fatalf("--watch = %v, want a bool flag on the root command", f)
	}
}

// The explorer's --query-timeout bounds queries after the first screen; by
// default nothing is bounded, and a negative duration is refused.
func TestRootQueryTimeoutFlag(t *testing.T) {
	root := newRoot()
	f := root.Flags().Lookup("query-timeout")
	if f == nil || f.Value.Type() != "duration" || f.DefValue != "0s" {
		t.Fatalf("--query-timeout = %v, want a duration flag defaulting to 0s", f)
	}
	if err := root.Flags().Set("query-timeout", "-1s"); err != nil {
		t.Fatal(err)
	}
	err := runExplorer(root, &workspace.Workspace{Sample: true})
	if err == nil || !strings.Contains(err.Error(), "--query-timeout -1s") {
		t.Fatalf("a negative --query-timeout gave %v", err)
	}
}

// `kpiscope serve --watch tickets.csv`: a change is reloaded and logged, and
// a broken write reaches the open session as a warning naming the file.
func TestServeWatchReloads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tickets.csv")
	writeFile(t, path, csatTickets(map[string][]int{"chat": {5, 5, 5, 2}}))
	screen, logs := serveWatched(t, path)
	screen.wait(t, "the scorecard", func(s string) bool { return strings.Contains(s, "75.0%") && strings.Contains(s, "refreshed ") })

	writeFile(t, path, csatTickets(map[string][]int{"chat": {5, 5, 5, 5, 5, 5, 5, 5, 5, 2}}))
	logs.wait(t, "the reload in the log", func(s string) bool { return strings.Contains(s, "data reloaded") })
	writeFile(t, path, "")
	screen.wait(t, "the warning in the session", func(s string) bool {
		return strings.Contains(s, "reload failed (w shows why), still showing the previous data: tickets.csv")
	})
	logs.wait(t, "the failure in the log", func(s string) bool { return strings.Contains(s, "reload failed; sessions keep the previous data") })
}

// `kpiscope serve --watch tickets.parquet` starts with its data pinned under
// serve's lock; garbage written over the file reaches the session as a
// warning, and a view the session had not computed (chat tickets by
// priority) still answers. Once built, the rollups answer such views without
// the file; TestLiveParquetFaultKeepsSessions (internal/server) also reads
// the raw rows after the fault, which only the pinned copy can answer.
func TestServeWatchParquetFault(t *testing.T) {
	path := writeTickets(t, t.TempDir(), "parquet")
	screen, logs := serveWatched(t, path)
	screen.wait(t, "the scorecard", func(s string) bool { return strings.Contains(s, "CSAT") && strings.Contains(s, "refreshed ") })
	writeFile(t, path, strings.Repeat("garbage", 500))
	logs.wait(t, "the failure in the log", func(s string) bool { return strings.Contains(s, "reload failed; sessions keep the previous data") })
	screen.wait(t, "the warning in the session", func(s string) bool { return strings.Contains(s, "reload failed") })
	mark := len(screen.String())
	screen.press(t, "l\r") // drill into the breakdown's first row: a filter and a second dimension
	var after string
	screen.wait(t, "the drilled-in breakdown or an error", func(s string) bool {
		after = s[min(mark, len(s)):]
		return strings.Contains(after, "By priority") || strings.Contains(after, "could not be computed")
	})
	if strings.Contains(after, "could not be computed") {
		t.Errorf("a new view broke with the file:\n%s", after)
	}
}

// A reload that cuts a table below half its rows is logged once and shown in
// the open session as a data warning naming the table and both counts.
func TestServeWatchShrinkWarns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tickets.csv")
	writeFile(t, path, csatTickets(map[string][]int{"chat": {5, 5, 5, 5, 5, 5, 5, 5, 5, 2}}))
	screen, logs := serveWatched(t, path)
	screen.wait(t, "the scorecard", func(s string) bool { return strings.Contains(s, "90.0%") })
	writeFile(t, path, csatTickets(map[string][]int{"chat": {5, 2}}))
	logs.wait(t, "the shrink in the log", func(s string) bool {
		return strings.Contains(s, "shrank sharply") && strings.Contains(s, "tickets: 10 → 2 rows")
	})
	screen.wait(t, "the warning in the session", func(s string) bool {
		return strings.Contains(s, "50.0%") && strings.Contains(s, "1 data warning")
	})
}

// A session that starts after a reload failed says so as the sessions open
// then do: its numbers are older than the files.
func TestServeWatchFailureShownToLaterSessions(t *testing.T) {
	path := writeTickets(t, t.TempDir(), "parquet")
	open, logs := serveSessions(t, path, true)
	first := open(t)
	first.wait(t, "the scorecard", func(s string) bool { return strings.Contains(s, "CSAT") && strings.Contains(s, "refreshed ") })
	writeFile(t, path, strings.Repeat("garbage", 500))
	logs.wait(t, "the failure in the log", func(s string) bool { return strings.Contains(s, "reload failed; sessions keep the previous data") })
	first.wait(t, "the warning in the open session", func(s string) bool { return strings.Contains(s, "reload failed") })
	later := open(t)
	later.wait(t, "the warning in a session opened after the failure", func(s string) bool {
		return strings.Contains(s, "CSAT") && strings.Contains(s, "reload failed")
	})
}

// serveWatched runs `kpiscope serve --watch path` on a free port and opens
// one SSH session at 120×40; it returns the session's output and the log.
func serveWatched(t *testing.T, path string) (*serveSession, *serveBuf) {
	t.Helper()
	return serveData(t, path, true)
}

// serveData runs `kpiscope serve path` (with --watch when watched) on a free
// port and opens one SSH session at 120×40; it returns the session's output
// and the log.
func serveData(t *testing.T, path string, watched bool) (*serveSession, *serveBuf) {
	t.Helper()
	open, logs := serveSessions(t, path, watched)
	return open(t), logs
}

// serveSessions runs `kpiscope serve path` as serveData does; open starts
// one more SSH session at 120×40.
func serveSessions(t *testing.T, path string, watched bool) (open func(t *testing.T) *serveSession, logs *serveBuf) {
	t.Helper()
	o := serveOptsFor(t)
	o.watch, o.debounce = watched, 50*time.Millisecond
	o.perKey = o.maxSessions // open may log in several times with the one key
	logs = newServeBuf()
	srv := startServe(t, o, []string{path}, logs, watchWait)
	if watched {
		logs.wait(t, "the watch starting", func(s string) bool { return strings.Contains(s, "watching for changes") })
	}
	return func(t *testing.T) *serveSession {
		t.Helper()
		return srv.openSession(t)
	}, logs
}
