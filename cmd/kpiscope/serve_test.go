package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"kpiscope/internal/live"
	"kpiscope/internal/server"
	"kpiscope/internal/store"
	"kpiscope/internal/workspace"
)

// serveBuf collects output written from several goroutines and says when
// something arrived.
type serveBuf struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newServeBuf() *serveBuf { return &serveBuf{changed: make(chan struct{})} }

func (s *serveBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.changed)
	s.changed = make(chan struct{})
	return s.b.Write(p)
}

func (s *serveBuf) wait(t *testing.T, what string, cond func(string) bool) {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		text, next := ansi.Strip(s.b.String()), s.changed
		s.mu.Unlock()
		if cond(text) {
			return
		}
		select {
		case <-next:
		case <-deadline.C:
			t.Fatalf("%s not seen; got:\n%s", what, text)
		}
	}
}

func serveOptsFor(t *testing.T) serveOpts {
	dir := t.TempDir()
	return serveOpts{
		listen:       "127.0.0.1:0",
		hostKey:      filepath.Join(dir, "host_ed25519"),
		maxSessions:  4,
		maxStartups:  server.DefaultStartups.String(),
		loginGrace:   server.DefaultLoginGraceTime,
		threads:      2,
		idle:         time.Minute,
		queryTimeout: 10 * time.Second,
		rateLimit:    100,
		logLevel:     "info",
	}
}

func TestServeRefusesBadSetups(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*serveOpts)
		want string
	}{
		{"exposed without keys", func(o *serveOpts) { o.listen, o.allowAnyKey = "0.0.0.0:0", true }, "refusing to listen"},
		{"all interfaces without keys", func(o *serveOpts) { o.listen, o.allowAnyKey = ":0", true }, "refusing to listen"},
		{"no keys on loopback", func(o *serveOpts) {}, "--authorized-keys"},
		{"no host key", func(o *serveOpts) { o.hostKey, o.allowAnyKey = "", true }, "--host-key"},
		{"bad log level", func(o *serveOpts) { o.allowAnyKey, o.logLevel = true, "loud" }, "--log-level"},
		{"no threads", func(o *serveOpts) { o.allowAnyKey, o.threads = true, 0 }, "--threads"},
		{"bad max startups", func(o *serveOpts) { o.allowAnyKey, o.maxStartups = true, "10:30" }, "--max-startups"},
		{"full below start", func(o *serveOpts) { o.allowAnyKey, o.maxStartups = true, "10:30:5" }, "full must be at least start"},
		{"no login grace", func(o *serveOpts) { o.allowAnyKey, o.loginGrace = true, 0 }, "--login-grace-time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := serveOptsFor(t)
			tc.edit(&o)
			var df dataFlags
			err := runServe(context.Background(), &bytes.Buffer{}, nil, &df, o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			if o.hostKey != "" {
				if _, err := os.Stat(o.hostKey); err == nil {
					t.Errorf("a host key was written for a refused setup")
				}
			}
		})
	}
}

// `kpiscope serve` end to end: an allowed key gets the explorer on the
// sample data; SIGINT's context cancellation tells the session and stops.
func TestServeEndToEnd(t *testing.T) {
	logs := newServeBuf()
	t.Chdir(t.TempDir()) // no kpiscope.yaml around: the sample data
	srv := startServe(t, serveOptsFor(t), nil, logs, 30*time.Second)
	sess := ptySession(t, srv.dial(t))
	screen := newServeBuf()
	sess.Stdout = screen
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	screen.wait(t, "the scorecard", func(s string) bool { return strings.Contains(s, "CSAT") })

	if stopped, err := srv.stop(); !stopped {
		t.Fatal("serve did not stop")
	} else if err != nil {
		t.Fatalf("serve after shutdown: %v", err)
	}
	screen.wait(t, "the shutdown notice", func(s string) bool { return strings.Contains(s, "shutting down") })
	logs.wait(t, "the log lines", func(s string) bool {
		return strings.Contains(s, "listening") && strings.Contains(s, "data loaded and locked") &&
			strings.Contains(s, "connection") && strings.Contains(s, "user=alice") && strings.Contains(s, "stopped")
	})
}

// An SSH session shows the data-quality warnings the local explorer shows:
// a score outside its scale, which only the checks notice, marks CSAT and
// is listed by `w`.
func TestServeShowsDataWarnings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.csv")
	writeFile(t, path, csatTickets(map[string][]int{"chat": {9, 5, 5, 2}}))
	screen, _ := serveData(t, path, false)
	screen.wait(t, "the warning marker", func(s string) bool { return strings.Contains(s, "1 data warning") })
	screen.press(t, "w")
	screen.wait(t, "the warning", func(s string) bool { return strings.Contains(s, "outside its") })
}

func TestSessionDeps(t *testing.T) {
	ws := &workspace.Workspace{Label: "data"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logger, closeLog, err := serveLogger(&bytes.Buffer{}, "", "info")
	if err != nil {
		t.Fatal(err)
	}
	defer closeLog()
	warnings := map[string][]string{"csat": {"3 rows of csat are outside its 1–5 scale"}}
	d := sessionDeps(live.State{Workspace: ws, Warnings: warnings}, server.Session{ID: 7, User: "bob", Context: ctx}, 5*time.Second, logger)
	if !d.Remote {
		t.Error("Remote = false: exports would go to the server's disk")
	}
	if d.QueryTimeout != 5*time.Second || d.Context != ctx || d.Label != "data" || d.Reload != nil {
		t.Errorf("deps = %+v", d)
	}
	if len(d.Warnings["csat"]) != 1 {
		t.Errorf("the session does not get the data warnings: %v", d.Warnings)
	}
}

// The served engine runs on --threads threads and under --memory-limit,
// set before it is locked (issue 10, item 6).
func TestServeEngineLimits(t *testing.T) {
	store.SetMemoryLimit(300 << 20) // what --memory-limit 300MiB does
	t.Cleanup(func() { store.SetMemoryLimit(0) })
	o := serveOptsFor(t)
	o.allowAnyKey, o.threads = true, 1
	type settings struct{ threads, memory, locked string }
	got := make(chan settings, 1)
	o.loaded = func(ws *workspace.Workspace) {
		rows, err := ws.DB.Query(context.Background(),
			"SELECT current_setting('threads'), current_setting('memory_limit'), current_setting('lock_configuration')")
		if err != nil {
			t.Error(err)
			got <- settings{}
			return
		}
		r := rows.Data[0]
		got <- settings{fmt.Sprint(r[0]), fmt.Sprint(r[1]), fmt.Sprint(r[2])}
	}
	o.ready = func(net.Addr) {}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t.Chdir(t.TempDir())
	done := make(chan error, 1)
	logs := newServeBuf()
	go func() {
		var df dataFlags
		done <- runServe(ctx, logs, nil, &df, o)
	}()
	var s settings
	select {
	case s = <-got:
	case err := <-done:
		t.Fatalf("serve ended early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not load the data")
	}
	if s.threads != "1" || s.memory != "300.0 MiB" || s.locked != "true" {
		t.Errorf("served engine: threads %s, memory_limit %s, locked %s; want 1, 300.0 MiB, true", s.threads, s.memory, s.locked)
	}
	logs.wait(t, "the limits in the log", func(s string) bool {
		return strings.Contains(s, "data loaded and locked") && strings.Contains(s, "threads=1") && strings.Contains(s, "memory_limit=300MiB")
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestServeThreadsFlagWinsOverEnv: a bad $KPISCOPE_THREADS fails serve's
// open with the variable's message, unless --threads is given; the open
// then goes on to the data (here a file no KPI can be computed from, so it
// stops there, with the file's message).
func TestServeThreadsFlagWinsOverEnv(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "plain.csv")
	if err := os.WriteFile(bad, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(store.ThreadsEnv, "two")
	args := []string{"serve", "--host-key", filepath.Join(dir, "host"), "--allow-any-key", "--listen", "127.0.0.1:0", bad}
	code, _, errs := kpiscopeCLI(t, args...)
	if code == 0 || !strings.Contains(errs, store.ThreadsEnv+`="two"`) {
		t.Fatalf("without --threads: exit %d, %q; want the variable's message", code, errs)
	}
	code, _, errs = kpiscopeCLI(t, append(args[:1:1], append([]string{"--threads", "1"}, args[1:]...)...)...)
	if code == 0 || strings.Contains(errs, store.ThreadsEnv) || !strings.Contains(errs, "no KPI can be computed from") {
		t.Fatalf("with --threads 1: exit %d, %q; want the file's message, not the variable's", code, errs)
	}
}
