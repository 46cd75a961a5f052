package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/log/v2"
	gossh "golang.org/x/crypto/ssh"

	"kpiscope/internal/server"
	"kpiscope/internal/workspace"
)

// ws is the embedded sample, loaded into memory once and locked as
// `kpiscope serve` locks it: every test runs against a locked engine.
var ws *workspace.Workspace

func TestMain(m *testing.M) {
	ctx := context.Background()
	w, err := workspace.Open(ctx, workspace.Options{NoConfig: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open sample:", err)
		os.Exit(2)
	}
	if err := server.Lock(ctx, w); err != nil {
		fmt.Fprintln(os.Stderr, "lock sample:", err)
		os.Exit(2)
	}
	ws = w
	code := m.Run()
	w.Close()
	os.Exit(code)
}

// Bounds for waiting on a screen; generous for -race on two cores, and
// only reached when something is wrong.
const (
	waitLong  = 20 * time.Second
	waitShort = 3 * time.Second
)

// syncBuffer is a log destination that tests read while sessions write.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return s.b.Write(p)
}

// next returns the text so far and a channel closed at the next write.
func (s *syncBuffer) next() (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.b.String(), s.changed
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newKey makes a client key pair.
func newKey(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func authorizedLine(s gossh.Signer, comment string) string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey()))) + " " + comment + "\n"
}

// testServer is a server on 127.0.0.1 with a random port.
type testServer struct {
	*server.Server
	addr    string
	logs    *syncBuffer
	keysPth string
	served  chan error
}

// startServer writes an authorized_keys file with keys (unless cfg says
// otherwise), starts the server and shuts it down at the end of the test.
func startServer(t testing.TB, cfg server.Config, newModel server.NewModel, keys ...gossh.Signer) *testServer {
	t.Helper()
	dir := t.TempDir()
	ts := &testServer{logs: &syncBuffer{}, served: make(chan error, 1)}
	if cfg.HostKeyPath == "" {
		cfg.HostKeyPath = filepath.Join(dir, "host_ed25519")
	}
	if !cfg.AllowAnyKey && cfg.AuthorizedKeysPath == "" {
		var b strings.Builder
		for i, k := range keys {
			b.WriteString(authorizedLine(k, fmt.Sprintf("user%d@test", i)))
		}
		cfg.AuthorizedKeysPath = filepath.Join(dir, "authorized_keys")
		if err := os.WriteFile(cfg.AuthorizedKeysPath, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ts.keysPth = cfg.AuthorizedKeysPath
	if cfg.RateLimit == 0 {
		cfg.RateLimit = 1000
	}
	// Tests open many sessions with one key from one address at once;
	// limits_test.go tests the defaults of these.
	if cfg.MaxSessionsPerKey == 0 {
		cfg.MaxSessionsPerKey = -1
	}
	if cfg.MaxStartups == (server.Startups{}) {
		cfg.MaxStartups = server.Startups{Start: 100, Rate: 30, Full: 200}
	}
	if cfg.Log == nil {
		cfg.Log = log.NewWithOptions(ts.logs, log.Options{Level: log.DebugLevel, ReportTimestamp: true})
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.Server = srv
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	go func() { ts.served <- srv.Serve(ln, newModel) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		select {
		case err := <-ts.served:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return after Shutdown")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", ts.logs.String())
		}
	})
	return ts
}

func (ts *testServer) dial(user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: gossh.FixedHostKey(ts.HostKey()),
		Timeout:         10 * time.Second,
	})
}

// termOpts describe the client's terminal, and the command it asks for
// (`ssh -t host CMD`; none: the explorer's shell).
type termOpts struct {
	term string
	w, h int
	env  map[string]string
	cmd  string
}

func (o termOpts) withDefaults() termOpts {
	if o.term == "" {
		o.term = "xterm-256color"
	}
	if o.w == 0 {
		o.w, o.h = 120, 40
	}
	return o
}

// termClient is an SSH client with a PTY and a screen that follows what it receives.
type termClient struct {
	t      testing.TB
	user   string
	client *gossh.Client
	sess   *gossh.Session
	in     io.WriteCloser
	scr    *screen
	done   chan error // the session's end: nil, or *gossh.ExitError
	ended  error
	isDone bool
}

// open logs in with key and starts the explorer (or o.cmd) in a terminal.
func (ts *testServer) open(t testing.TB, user string, key gossh.Signer, o termOpts) *termClient {
	t.Helper()
	c, err := ts.openErr(t, user, key, o)
	if err != nil {
		t.Fatalf("open session for %s: %v", user, err)
	}
	return c
}

func (ts *testServer) openErr(t testing.TB, user string, key gossh.Signer, o termOpts) (*termClient, error) {
	o = o.withDefaults()
	client, err := ts.dial(user, gossh.PublicKeys(key))
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		return nil, err
	}
	for k, v := range o.env {
		if err := sess.Setenv(k, v); err != nil {
			return nil, fmt.Errorf("setenv %s: %w", k, err)
		}
	}
	if err := sess.RequestPty(o.term, o.h, o.w, gossh.TerminalModes{gossh.ECHO: 0}); err != nil {
		return nil, fmt.Errorf("pty: %w", err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		return nil, err
	}
	c := &termClient{t: t, user: user, client: client, sess: sess, in: in, scr: newScreen(o.w, o.h), done: make(chan error, 1)}
	sess.Stdout = c.scr
	sess.Stderr = c.scr
	if o.cmd != "" {
		if err := sess.Start(o.cmd); err != nil {
			return nil, fmt.Errorf("start %q: %w", o.cmd, err)
		}
	} else if err := sess.Shell(); err != nil {
		return nil, fmt.Errorf("shell: %w", err)
	}
	go func() { c.done <- sess.Wait() }()
	return c, nil
}

// press types keys.
func (c *termClient) press(keys string) {
	c.t.Helper()
	if _, err := c.in.Write([]byte(keys)); err != nil {
		c.t.Fatalf("%s: type %q: %v", c.user, keys, err)
	}
}

// tryWaitFor waits until cond holds for the screen or timeout passes,
// waking on every chunk received (no polling, no sleeps).
func (c *termClient) tryWaitFor(timeout time.Duration, cond func(string) bool) (string, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		_, _, next := c.scr.state()
		text := c.scr.Text()
		if cond(text) {
			return text, true
		}
		select {
		case <-next:
		case <-deadline.C:
			return c.scr.Text(), false
		}
	}
}

// waitFor fails the test if cond does not hold within timeout.
func (c *termClient) waitFor(what string, timeout time.Duration, cond func(string) bool) string {
	c.t.Helper()
	text, ok := c.tryWaitFor(timeout, cond)
	if !ok {
		c.t.Fatalf("%s: %s: not seen within %s; screen:\n%s", c.user, what, timeout, text)
	}
	return text
}

func (c *termClient) waitForText(timeout time.Duration, parts ...string) string {
	c.t.Helper()
	return c.waitFor(fmt.Sprintf("%q", parts), timeout, func(s string) bool {
		for _, p := range parts {
			if !strings.Contains(s, p) {
				return false
			}
		}
		return true
	})
}

// waitQuiet waits until nothing has arrived for quiet, and returns the
// bytes received so far.
func (c *termClient) waitQuiet(quiet, timeout time.Duration) int64 {
	c.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		n, _, next := c.scr.state()
		q := time.NewTimer(quiet)
		select {
		case <-next:
			q.Stop()
		case <-q.C:
			return n
		case <-deadline.C:
			q.Stop()
			c.t.Fatalf("%s: output never settled within %s", c.user, timeout)
		}
	}
}

// waitEnd waits for the session to end and returns its exit status.
func (c *termClient) waitEnd(timeout time.Duration) int {
	c.t.Helper()
	if !c.isDone {
		select {
		case c.ended = <-c.done:
			c.isDone = true
		case <-time.After(timeout):
			c.t.Fatalf("%s: session still open after %s; screen:\n%s", c.user, timeout, c.scr.Text())
		}
	}
	var exit *gossh.ExitError
	switch {
	case c.ended == nil:
		return 0
	case errors.As(c.ended, &exit):
		return exit.ExitStatus()
	default:
		return -1 // closed without an exit status
	}
}

// ended reports without waiting whether the session is over.
func (c *termClient) over() bool {
	if c.isDone {
		return true
	}
	select {
	case c.ended = <-c.done:
		c.isDone = true
		return true
	default:
		return false
	}
}

// kpiLine returns the screen line that shows the KPI named name.
func kpiLine(screen, name string) string {
	for _, l := range strings.Split(screen, "\n") {
		f := strings.Fields(l)
		for i, w := range f {
			if w == name && (i == 0 || i == 1) {
				return l
			}
		}
	}
	return ""
}

// waitLog waits for the server's log to contain every part on one line.
func (ts *testServer) waitLog(t testing.TB, timeout time.Duration, parts ...string) string {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		text, next := ts.logs.next()
		for _, l := range strings.Split(text, "\n") {
			ok := true
			for _, p := range parts {
				if !strings.Contains(l, p) {
					ok = false
					break
				}
			}
			if ok {
				return l
			}
		}
		select {
		case <-next:
		case <-deadline.C:
			t.Fatalf("no log line with %q within %s; log:\n%s", parts, timeout, ts.logs.String())
		}
	}
}
