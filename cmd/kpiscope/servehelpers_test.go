package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

// servedSSH is a `kpiscope serve` a test runs on a free port, and the one
// key it lets in.
type servedSSH struct {
	addr   net.Addr
	signer gossh.Signer
	cancel context.CancelFunc
	done   chan error

	stopOnce sync.Once
	stopped  bool
	stopErr  error
}

// startServe authorizes a fresh key in o, runs `kpiscope serve args` with
// its log written to logs and returns once it listens; it fails t if serve
// ends first or does not listen within startWait. Cleanup stops serve and
// fails t if serve does not stop or ends with an error.
func startServe(t *testing.T, o serveOpts, args []string, logs io.Writer, startWait time.Duration) *servedSSH {
	t.Helper()
	return startServeWith(t, o, dataFlags{}, args, logs, startWait)
}

// startServeWith is startServe with the data flags df (--config, --source).
func startServeWith(t *testing.T, o serveOpts, df dataFlags, args []string, logs io.Writer, startWait time.Duration) *servedSSH {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	o.authorizedKeys = filepath.Join(t.TempDir(), "authorized_keys")
	if err := os.WriteFile(o.authorizedKeys, gossh.MarshalAuthorizedKey(signer.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	addrs := make(chan net.Addr, 1)
	o.ready = func(a net.Addr) { addrs <- a }
	ctx, cancel := context.WithCancel(context.Background())
	s := &servedSSH{signer: signer, cancel: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- runServe(ctx, logs, args, &df, o)
	}()
	t.Cleanup(func() {
		stopped, err := s.stop()
		switch {
		case !stopped:
			t.Error("serve did not stop")
		case err != nil:
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case s.addr = <-addrs:
	case err := <-s.done:
		t.Fatalf("serve ended early: %v", err)
	case <-time.After(startWait):
		t.Fatal("serve did not start")
	}
	return s
}

// stop cancels serve's context and waits up to 20 s for it to end; it says
// whether serve ended, and with what error. Later calls give the first
// answer.
func (s *servedSSH) stop() (stopped bool, err error) {
	s.stopOnce.Do(func() {
		s.cancel()
		select {
		case s.stopErr = <-s.done:
			s.stopped = true
		case <-time.After(20 * time.Second):
		}
	})
	return s.stopped, s.stopErr
}

// dial logs in to serve as alice with the authorized key; cleanup closes
// the connection.
func (s *servedSSH) dial(t *testing.T) *gossh.Client {
	t.Helper()
	client, err := gossh.Dial("tcp", s.addr.String(), &gossh.ClientConfig{
		User: "alice", Auth: []gossh.AuthMethod{gossh.PublicKeys(s.signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// ptySession opens a session on client with a 120×40 xterm-256color
// terminal.
func ptySession(t *testing.T, client *gossh.Client) *gossh.Session {
	t.Helper()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 40, 120, nil); err != nil {
		t.Fatal(err)
	}
	return sess
}

// openSession logs in to serve on a new connection and starts the explorer
// at 120×40, with a keyboard.
func (s *servedSSH) openSession(t *testing.T) *serveSession {
	t.Helper()
	sess := ptySession(t, s.dial(t))
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	screen := &serveSession{serveBuf: newServeBuf(), in: in}
	sess.Stdout = screen.serveBuf
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return screen
}

// serveSession is an SSH session's output, and its keyboard.
type serveSession struct {
	*serveBuf
	in io.Writer
}

// String is everything the session printed, without styling.
func (s *serveSession) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.Strip(s.b.String())
}

func (s *serveSession) press(t *testing.T, keys string) {
	t.Helper()
	if _, err := s.in.Write([]byte(keys)); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}
