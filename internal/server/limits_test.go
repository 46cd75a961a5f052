package server_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"kpiscope/internal/server"
)

// idleConn opens a TCP connection to addr from the loopback address from
// (Linux routes all of 127/8 to lo) and sends nothing, as a client that
// never logs in. It reports whether the server let it in: an accepted
// connection gets the server's version line, a refused one is closed.
func idleConn(t *testing.T, addr, from string) (net.Conn, bool) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: waitShort}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", from, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(waitLong))
	buf := make([]byte, 4)
	_, err = io.ReadFull(c, buf)
	switch {
	case err == nil && string(buf) == "SSH-":
		return c, true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), isReset(err):
		return c, false
	default:
		t.Fatalf("idle connection from %s: read %q, %v", from, buf, err)
		return nil, false
	}
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

// closedByServer reports whether the server closed c (within waitLong).
func closedByServer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(waitLong))
	_, err := io.Copy(io.Discard, c)
	return err == nil || isReset(err)
}

// Idle TCP connections from a few addresses, each under the rate limit,
// never keep a valid key out while sessions are free (issue 10, item 4:
// 66 of them used to take every place for 30 s at a time). With the
// defaults, three times over.
func TestIdleConnectionsDoNotKeepKeysOut(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{RateLimit: server.DefaultRateLimit, MaxStartups: server.DefaultStartups,
		MaxSessionsPerKey: server.DefaultMaxSessionsPerKey(server.DefaultMaxSessions)}, (&sliceFactory{}).New, key)
	for round := range 3 {
		accepted := 0
		for _, from := range []string{"2", "3", "4"} {
			for range 22 {
				if _, ok := idleConn(t, ts.addr, fmt.Sprintf("127.0.%d.%s", round+1, from)); ok {
					accepted++
				}
			}
		}
		if pending := ts.LoginsInProgress(); pending < server.DefaultStartups.Start {
			t.Fatalf("round %d: only %d logins in progress (%d accepted): the test puts no pressure on the server", round, pending, accepted)
		}
		c := ts.open(t, fmt.Sprintf("alice%d", round), key, termOpts{})
		c.waitForText(waitLong, "CSAT")
		c.press("q")
		if code := c.waitEnd(waitLong); code != 0 {
			t.Fatalf("round %d: exit status %d", round, code)
		}
		t.Logf("round %d: %d of 66 idle connections accepted, %d logins in progress; the key got in", round, accepted, ts.LoginsInProgress())
	}
	// The refusals are summed up per address in the log. Which addresses
	// were refused rather than accepted or displaced is chance (MaxStartups
	// drops at random past its start, as OpenSSH does), so any of them.
	ts.FlushRefusals()
	ts.waitLog(t, waitShort, "connections from 127.0.", "too many logins in progress")
}

// At the cap, a connection from a new address takes the place of the oldest
// login in progress from the address holding the most; more connections
// from an address that already has one are dropped early.
func TestNewAddressDisplacesIdleLogin(t *testing.T) {
	key := newKey(t)
	// Start 2, rate 100%: past two logins in progress, a repeat address is
	// always dropped, so the test does not depend on chance.
	ts := startServer(t, server.Config{MaxStartups: server.Startups{Start: 2, Rate: 100, Full: 4}}, (&sliceFactory{}).New, key)
	var idle []net.Conn
	for _, from := range []string{"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"} {
		c, ok := idleConn(t, ts.addr, from)
		if !ok {
			t.Fatalf("first connection from %s refused", from)
		}
		idle = append(idle, c)
	}
	if _, ok := idleConn(t, ts.addr, "127.0.0.3"); ok {
		t.Error("a second login in progress from 127.0.0.3 was let in past start with rate 100%")
	}
	c := ts.open(t, "alice", key, termOpts{})
	c.waitForText(waitLong, "CSAT")
	if !closedByServer(idle[0]) {
		t.Error("the oldest idle connection was not closed to make room")
	}
	t.Log(ts.waitLog(t, waitLong, "connection refused", "addr=127.0.0.2:", "dropped: 4 logins in progress"))
	if got := ts.LoginsInProgress(); got != 3 {
		t.Errorf("logins in progress = %d, want 3 (the other idle ones)", got)
	}
}

// A connection that does not log in within the grace time is closed, and
// its place is free again.
func TestLoginGraceTime(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{LoginGraceTime: 200 * time.Millisecond}, (&sliceFactory{}).New, key)
	c, ok := idleConn(t, ts.addr, "127.0.0.2")
	if !ok {
		t.Fatal("refused")
	}
	if !closedByServer(c) {
		t.Fatal("an idle connection outlived the grace time")
	}
	ts.waitLog(t, waitLong, "connection refused", "addr=127.0.0.2:")
	if got := ts.LoginsInProgress(); got != 0 {
		t.Errorf("logins in progress = %d after the idle connection was closed", got)
	}
}

// A flood of refused connections writes a few lines, not one per
// connection (issue 10, item 5: 672k lines in 75 s).
func TestRefusalsSummedUp(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{RateLimit: 3}, (&sliceFactory{}).New, key)
	refused := 0
	for range 300 {
		c, ok := idleConn(t, ts.addr, "127.0.0.2")
		if !ok {
			refused++
		}
		c.Close()
	}
	if refused < 290 {
		t.Fatalf("only %d of 300 connections refused with a rate of 3 a minute", refused)
	}
	ts.FlushRefusals()
	line := ts.waitLog(t, waitShort, fmt.Sprintf("refused %d connections from 127.0.0.2 in the last", refused), "rate limit")
	n := 0
	for _, l := range strings.Split(ts.logs.String(), "\n") {
		if strings.Contains(l, "rate limit") {
			n++
		}
	}
	if n > 2 {
		t.Errorf("%d log lines for %d connections refused at the rate limit, want the first and a summary", n, refused)
	}
	t.Log(line)
}

// One key may run at most MaxSessionsPerKey sessions, and is told so; other
// keys are not affected.
func TestSessionsPerKey(t *testing.T) {
	a, b := newKey(t), newKey(t)
	ts := startServer(t, server.Config{MaxSessions: 8, MaxSessionsPerKey: 2}, (&sliceFactory{}).New, a, b)
	for _, u := range []string{"a1", "a2"} {
		ts.open(t, u, a, termOpts{}).waitForText(waitLong, "CSAT")
	}
	third := ts.open(t, "a3", a, termOpts{})
	if code := third.waitEnd(waitLong); code != 1 {
		t.Errorf("third session of one key: exit status %d, want 1", code)
	}
	if text := third.scr.Text(); !strings.Contains(text, "your key already has 2 sessions open") {
		t.Errorf("third session not told why; screen:\n%s", text)
	}
	ts.open(t, "b1", b, termOpts{}).waitForText(waitLong, "CSAT")
}

// One key may hold at most twice MaxSessionsPerKey connections logged in:
// idle connections of one key cannot take every place either.
func TestConnectionsPerKey(t *testing.T) {
	a, b := newKey(t), newKey(t)
	ts := startServer(t, server.Config{MaxSessions: 8, MaxSessionsPerKey: 1}, (&sliceFactory{}).New, a, b)
	for i := range 2 {
		c, err := ts.dial("a", gossh.PublicKeys(a))
		if err != nil {
			t.Fatalf("connection %d of the key: %v", i+1, err)
		}
		defer c.Close()
	}
	c, err := ts.dial("a", gossh.PublicKeys(a))
	if err == nil {
		_, err = c.NewSession()
		c.Close()
	}
	if err == nil {
		t.Error("a third connection of a key capped at 1 session (2 connections) was let in")
	}
	ts.waitLog(t, waitLong, "connection", "user=a", "refused: this key has 2 connections")
	ts.open(t, "b", b, termOpts{}).waitForText(waitLong, "CSAT")
}

// All keys together may hold at most twice MaxSessions connections logged
// in.
func TestConnectionsLoggedIn(t *testing.T) {
	a, b := newKey(t), newKey(t)
	ts := startServer(t, server.Config{MaxSessions: 1, MaxSessionsPerKey: 1}, (&sliceFactory{}).New, a, b)
	for i, k := range []gossh.Signer{a, b} {
		c, err := ts.dial(fmt.Sprint("u", i), gossh.PublicKeys(k))
		if err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		defer c.Close()
	}
	c, err := ts.dial("third", gossh.PublicKeys(b))
	if err == nil {
		_, err = c.NewSession()
		c.Close()
	}
	if err == nil {
		t.Error("a third connection was let in with max sessions 1 (2 connections)")
	}
	t.Log(ts.waitLog(t, waitLong, "connection", "user=third", "refused: 2 connections logged in"))
}

// At most MaxKeyAttempts keys are checked per connection, whatever mix of
// key queries and signatures the client sends (x/crypto/ssh alone answers
// 12 queries with MaxAuthTries 6).
func TestKeyAttemptsPerConnection(t *testing.T) {
	valid := newKey(t)
	ts := startServer(t, server.Config{}, (&sliceFactory{}).New, valid)
	var strangers []gossh.Signer
	for range 10 {
		strangers = append(strangers, newKey(t))
	}
	// The valid key offered after five others is the sixth: let in.
	c, err := ts.dial("five", gossh.PublicKeys(append(strangers[:5:5], valid)...))
	if err != nil {
		t.Fatalf("valid key as the sixth offered: %v", err)
	}
	c.Close()
	// After ten others it is never looked at.
	c, err = ts.dial("ten", gossh.PublicKeys(append(strangers[:10:10], valid)...))
	if err == nil {
		c.Close()
		t.Fatal("a valid key offered after ten refused ones was let in: more than 6 keys were checked")
	}
	line := ts.waitLog(t, waitLong, "connection refused", "user=ten")
	if !strings.Contains(line, fmt.Sprintf("reason=\"%d keys refused\"", server.MaxKeyAttempts)) {
		t.Errorf("log line does not say why: %s", line)
	}
	if got := len(regexp.MustCompile(`SHA256:`).FindAllString(line, -1)); got != server.MaxKeyAttempts {
		t.Errorf("%d keys checked, want %d: %s", got, server.MaxKeyAttempts, line)
	}
}
