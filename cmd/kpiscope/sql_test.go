package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

// serveSQLSession starts `kpiscope serve` on the sample (with --allow-sql
// when allow is set), opens an explorer over a real SSH session and types
// `:` sql enter into it; it returns the session's output.
func serveSQLSession(t *testing.T, allow bool) (*serveBuf, func(string)) {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	o := serveOptsFor(t)
	o.allowSQL = allow
	o.authorizedKeys = filepath.Join(t.TempDir(), "authorized_keys")
	if err := os.WriteFile(o.authorizedKeys, gossh.MarshalAuthorizedKey(signer.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	addrs := make(chan net.Addr, 1)
	o.ready = func(a net.Addr) { addrs <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	t.Chdir(t.TempDir()) // no kpiscope.yaml around: the sample data
	go func() {
		var df dataFlags
		done <- runServe(ctx, newServeBuf(), nil, &df, o)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	})
	var addr net.Addr
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("serve ended early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	client, err := gossh.Dial("tcp", addr.String(), &gossh.ClientConfig{
		User: "alice", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 40, 120, nil); err != nil {
		t.Fatal(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	screen := newServeBuf()
	sess.Stdout = screen
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	typeKeys := func(s string) {
		if _, err := in.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	screen.wait(t, "the scorecard", func(s string) bool { return strings.Contains(s, "CSAT") })
	typeKeys(":")
	screen.wait(t, "the palette", func(s string) bool { return strings.Contains(s, "Commands") })
	typeKeys("sql\r")
	return screen, typeKeys
}

// serve without --allow-sql: the prompt does not open and the session is
// told what the operator must do.
func TestServeSQLOffByDefault(t *testing.T) {
	screen, _ := serveSQLSession(t, false)
	// The renderer writes only what changed: words, not whole lines.
	screen.wait(t, "the message naming --allow-sql", func(s string) bool {
		return strings.Contains(s, "operator") && strings.Contains(s, "--allow-sql")
	})
	if s := sessionText(screen); strings.Contains(s, "sql>") || strings.Contains(s, "read-only") && strings.Contains(s, "prompt ·") {
		t.Fatalf("the prompt opened without --allow-sql")
	}
}

// serve --allow-sql: the prompt opens over SSH and answers a query with the
// sample's counts (hand-checked in internal/sqlq TestRunSelect).
func TestServeSQLAllowed(t *testing.T) {
	screen, typeKeys := serveSQLSession(t, true)
	screen.wait(t, "the prompt", func(s string) bool { return strings.Contains(s, "sql>") })
	typeKeys("SELECT channel, count(*) AS n FROM tickets GROUP BY 1 ORDER BY 1\r")
	screen.wait(t, "the counts", func(s string) bool {
		return strings.Contains(s, "30952") && strings.Contains(s, "22867") && strings.Contains(s, "18192") && strings.Contains(s, "16594")
	})
	typeKeys("\x15SELECT * FROM read_csv('/etc/passwd')\r")
	screen.wait(t, "the refusal", func(s string) bool { return strings.Contains(s, "refused") })
	if strings.Contains(sessionText(screen), "root:") {
		t.Fatal("the session showed /etc/passwd")
	}
}

// sessionText is what the session wrote so far, without escape sequences.
func sessionText(s *serveBuf) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.Strip(s.b.String())
}
