package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"kpiscope/internal/kpi"
	"kpiscope/internal/server"
)

// twentySlices are different filters on the ticket dimensions, one per session.
func twentySlices() []kpi.Slice {
	var out []kpi.Slice
	for _, f := range []struct {
		dim  string
		vals []string
	}{
		{"channel", []string{"chat", "email", "phone", "web"}},
		{"team", []string{"Accounts", "Billing", "Onboarding", "Technical"}},
		{"priority", []string{"high", "low", "normal", "urgent"}},
		{"region", []string{"APAC", "EMEA", "LATAM", "North America"}},
		{"segment", []string{"Consumer", "Enterprise", "SMB"}},
	} {
		for _, v := range f.vals {
			out = append(out, kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious, Filters: []kpi.Filter{{Dim: f.dim, Values: []string{v}}}})
		}
	}
	return append(out, kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious})
}

// Twenty sessions at once, each on its own slice over the one shared engine:
// each shows its own numbers, then changes grain with a key and shows its
// own quarterly numbers, while the others keep theirs.
func TestTwentySessionsSliceIndependently(t *testing.T) {
	key := newKey(t)
	slices := twentySlices()
	f := &sliceFactory{slices: map[string]kpi.Slice{}}
	type want struct{ month, monthTitle, quarter, quarterTitle string }
	wants := make([]want, len(slices))
	distinct := map[string]bool{}
	for i, s := range slices {
		user := fmt.Sprintf("analyst%02d", i)
		f.slices[user] = s
		q := s
		q.Grain = kpi.Quarter
		wants[i].month, wants[i].monthTitle = expected(t, s, "csat")
		wants[i].quarter, wants[i].quarterTitle = expected(t, q, "csat")
		distinct[wants[i].month] = true
	}
	if len(distinct) < 10 {
		t.Fatalf("fixture: only %d distinct CSAT values over 20 slices; sessions could show each other's numbers unnoticed", len(distinct))
	}
	ts := startServer(t, server.Config{}, f.New, key)

	clients := make([]*termClient, len(slices))
	var wg sync.WaitGroup
	for i := range slices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := ts.openErr(t, fmt.Sprintf("analyst%02d", i), key, termOpts{})
			if err != nil {
				t.Errorf("session %d: %v", i, err)
				return
			}
			clients[i] = c
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	check := func(i int, title, value string) {
		clients[i].waitFor("its own title and CSAT "+value, waitLong, func(s string) bool {
			return strings.Contains(s, title) && strings.Contains(kpiLine(s, "CSAT"), value)
		})
	}
	for i := range clients {
		check(i, wants[i].monthTitle, wants[i].month)
	}
	if n := ts.Sessions(); n != len(slices) {
		t.Errorf("Sessions() = %d, want %d", n, len(slices))
	}
	// Every other session switches to quarters, all at once.
	for i := 0; i < len(clients); i += 2 {
		clients[i].press("g")
	}
	for i := range clients {
		if i%2 == 0 {
			check(i, wants[i].quarterTitle, wants[i].quarter)
		} else {
			check(i, wants[i].monthTitle, wants[i].month)
		}
	}
	for _, c := range clients {
		c.press("q")
	}
	for _, c := range clients {
		if code := c.waitEnd(waitLong); code != 0 {
			t.Errorf("%s: exit status %d", c.user, code)
		}
	}
}

// A client that vanishes while its query runs: the query is cancelled, its
// session is cleaned up, and the other sessions keep working.
func TestDroppedSessionLeavesOthersWorking(t *testing.T) {
	key := newKey(t)
	started := make(chan struct{}, 1)
	finished := make(chan error, 1)
	f := &sliceFactory{slow: func(ctx context.Context) tea.Msg {
		started <- struct{}{}
		// Long enough (tens of seconds) that only cancellation ends it.
		_, err := ws.DB.Query(ctx, "SELECT sum(hash(a.range * b.range)) FROM range(100000) a, range(1000000) b")
		finished <- err
		return slowDoneMsg{err}
	}}
	ts := startServer(t, server.Config{}, f.New, key)
	month, _ := expected(t, kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, "csat")
	quarter, _ := expected(t, kpi.Slice{Grain: kpi.Quarter, Compare: kpi.VsPrevious}, "csat")

	other := ts.open(t, "other", key, termOpts{})
	real := ts.open(t, "explorer", key, termOpts{})
	slow := ts.open(t, "slow", key, termOpts{})
	for _, c := range []*termClient{other, real, slow} {
		c.waitFor("CSAT", waitLong, func(s string) bool { return strings.Contains(kpiLine(s, "CSAT"), month) })
	}
	slow.press("z")
	select {
	case <-started:
	case <-time.After(waitLong):
		t.Fatal("the slow query never started")
	}
	slow.waitForText(waitLong, "slow query running")
	slow.client.Close() // the network goes away mid-query

	select {
	case err := <-finished:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("slow query ended with %v, want context.Canceled", err)
		}
	case <-time.After(waitLong):
		t.Fatal("the dropped session's query was not cancelled")
	}
	ts.waitLog(t, waitLong, "connection", "user=slow", "end=dropped")

	other.press("g")
	other.waitFor("quarterly CSAT in the surviving session", waitLong, func(s string) bool {
		return strings.Contains(kpiLine(s, "CSAT"), quarter)
	})
	if real.over() {
		t.Error("the explorer session ended when another session dropped")
	}
	late := ts.open(t, "late", key, termOpts{})
	late.waitFor("CSAT in a new session", waitLong, func(s string) bool { return strings.Contains(kpiLine(s, "CSAT"), month) })
	if n := ts.Sessions(); n != 3 {
		t.Errorf("Sessions() = %d after the drop, want 3", n)
	}
	real.press("q")
	if code := real.waitEnd(waitLong); code != 0 {
		t.Errorf("explorer exit status %d", code)
	}
}

// A panic in one session (in Update, in a command, or while building its
// model) ends that session with a message and leaves the others running.
func TestPanickingSessionIsContained(t *testing.T) {
	key := newKey(t)
	f := &sliceFactory{panicFor: "builder"}
	ts := startServer(t, server.Config{}, f.New, key)
	month, _ := expected(t, kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, "csat")
	quarter, _ := expected(t, kpi.Slice{Grain: kpi.Quarter, Compare: kpi.VsPrevious}, "csat")

	survivor := ts.open(t, "survivor", key, termOpts{})
	survivor.waitFor("CSAT", waitLong, func(s string) bool { return strings.Contains(kpiLine(s, "CSAT"), month) })

	for _, tc := range []struct{ user, key string }{{"update", "p"}, {"command", "P"}, {"builder", ""}} {
		c := ts.open(t, tc.user, key, termOpts{})
		if tc.key != "" {
			c.waitForText(waitLong, "CSAT")
			c.press(tc.key)
		}
		if code := c.waitEnd(waitLong); code != 1 {
			t.Errorf("%s: exit status %d, want 1", tc.user, code)
		}
		if text := c.scr.Text(); !strings.Contains(text, "internal error") {
			t.Errorf("%s: the user was not told; screen:\n%s", tc.user, text)
		}
		if _, alt, _ := c.scr.state(); alt {
			t.Errorf("%s: terminal left in the alternate screen", tc.user)
		}
		c.client.Close() // the connection's line is written when it closes
		ts.waitLog(t, waitLong, "connection", "user="+tc.user, "end=panic")
	}
	survivor.press("g")
	survivor.waitFor("quarterly CSAT after the others panicked", waitLong, func(s string) bool {
		return strings.Contains(kpiLine(s, "CSAT"), quarter)
	})
	if n := ts.Sessions(); n != 1 {
		t.Errorf("Sessions() = %d, want 1", n)
	}
}

// A session without input is closed after the idle timeout with a message;
// typing keeps it open.
func TestIdleSessionClosed(t *testing.T) {
	key := newKey(t)
	const idle = 2 * time.Second
	ts := startServer(t, server.Config{IdleTimeout: idle}, (&sliceFactory{}).New, key)

	busy := ts.open(t, "busy", key, termOpts{})
	quiet := ts.open(t, "quiet", key, termOpts{})
	// Type (a key the model ignores) every tenth of the timeout, from the
	// start and for two and a half timeouts; the quiet session ends
	// meanwhile. The widest gap between two keys is measured here: on a
	// machine stalled for most of a timeout (a loaded race run) the server
	// is right to close the session, and the test says so instead of
	// failing.
	tick := time.NewTicker(idle / 10)
	last, widest := time.Now(), time.Duration(0)
	for range 25 {
		if busy.over() {
			break
		}
		if _, err := busy.in.Write([]byte("x")); err != nil {
			break
		}
		now := time.Now()
		widest, last = max(widest, now.Sub(last)), now
		<-tick.C
	}
	tick.Stop()
	if busy.over() {
		if widest > idle/2 {
			t.Skipf("the machine stalled %s between two keys (timeout %s): cannot tell idle from busy here", widest, idle)
		}
		t.Fatalf("a session with input (widest gap %s) was closed as idle; screen:\n%s", widest, busy.scr.Text())
	}
	if code := quiet.waitEnd(waitLong); code != 0 {
		t.Errorf("idle session exit status %d, want 0", code)
	}
	if text := quiet.scr.Text(); !strings.Contains(text, "without input") {
		t.Errorf("idle session not told why; screen:\n%s", text)
	}
	if _, alt, _ := quiet.scr.state(); alt {
		t.Error("idle session's terminal left in the alternate screen")
	}
	quiet.client.Close() // the connection's line is written when it closes
	ts.waitLog(t, waitLong, "connection", "user=quiet", "end=idle")
	busy.waitEnd(waitLong) // and once typing stops, it goes too
}

// Past MaxSessions a new session is refused with a message, and a place
// freed is taken again.
func TestMaxSessions(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{MaxSessions: 2}, (&sliceFactory{}).New, key)
	a := ts.open(t, "a", key, termOpts{})
	b := ts.open(t, "b", key, termOpts{})
	a.waitForText(waitLong, "CSAT")
	b.waitForText(waitLong, "CSAT")
	c := ts.open(t, "c", key, termOpts{})
	if code := c.waitEnd(waitLong); code != 1 {
		t.Errorf("third session exit status %d, want 1", code)
	}
	if text := c.scr.Text(); !strings.Contains(text, "all 2 sessions are in use") {
		t.Errorf("third session not told why; screen:\n%s", text)
	}
	a.press("q")
	a.waitEnd(waitLong)
	d := ts.open(t, "d", key, termOpts{})
	d.waitForText(waitLong, "CSAT")
}

// Connections from one address beyond the rate are closed before the
// handshake; the log says so.
func TestRateLimitPerAddress(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{RateLimit: 3}, (&sliceFactory{}).New, key)
	for i := range 3 {
		c, err := ts.dial("u", gossh.PublicKeys(key))
		if err != nil {
			t.Fatalf("connection %d within the limit: %v", i+1, err)
		}
		c.Close()
	}
	if c, err := ts.dial("u", gossh.PublicKeys(key)); err == nil {
		c.Close()
		t.Fatal("a fourth connection within the minute was let in")
	}
	ts.waitLog(t, waitLong, "connection refused", "reason=\"rate limit\"")
}

// Shutdown tells every session, quits its program so the terminal is
// restored, and leaves the engine untouched.
func TestShutdownRestoresTerminals(t *testing.T) {
	key := newKey(t)
	f := &sliceFactory{}
	ts := startServer(t, server.Config{}, f.New, key)
	month, _ := expected(t, kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, "csat")
	var clients []*termClient
	for _, u := range []string{"a", "b", "c"} {
		c := ts.open(t, u, key, termOpts{})
		c.waitForText(waitLong, "CSAT")
		clients = append(clients, c)
	}
	real := ts.open(t, "explorer", key, termOpts{})
	real.waitForText(waitLong, "CSAT")
	clients = append(clients, real)
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	began := time.Now()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("Shutdown took %s", d)
	}
	for _, c := range clients {
		if code := c.waitEnd(waitLong); code != 0 {
			t.Errorf("%s: exit status %d, want 0", c.user, code)
		}
		if _, alt, _ := c.scr.state(); alt {
			t.Errorf("%s: terminal left in the alternate screen", c.user)
		}
		if text := c.scr.Text(); !strings.Contains(text, "shutting down") {
			t.Errorf("%s: not told about the shutdown; screen:\n%s", c.user, text)
		}
	}
	if _, err := ts.dial("late", gossh.PublicKeys(key)); err == nil {
		t.Error("a connection was accepted after Shutdown")
	}
	// No data touched: the shared engine still answers.
	got, _ := expected(t, kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious}, "csat")
	if got != month {
		t.Errorf("CSAT after shutdown = %s, want %s", got, month)
	}
}

// Each program gets its own session's terminal: TERM, the variables the
// client sent, the size and later resizes, and a colour profile to match.
func TestSessionGetsItsTerminal(t *testing.T) {
	key := newKey(t)
	f := &sliceFactory{extra: "\n\x1b[38;2;255;0;0mRED\x1b[m"}
	ts := startServer(t, server.Config{}, f.New, key)
	truecolor := ts.open(t, "truecolor", key, termOpts{term: "xterm-256color", w: 100, h: 30, env: map[string]string{"COLORTERM": "truecolor"}})
	c256 := ts.open(t, "c256", key, termOpts{term: "xterm-256color", w: 90, h: 35})
	nocolor := ts.open(t, "nocolor", key, termOpts{term: "xterm-256color", w: 110, h: 45, env: map[string]string{"NO_COLOR": "1"}})
	truecolor.waitForText(waitLong, "RED", "size 100x30")
	c256.waitForText(waitLong, "RED", "size 90x35")
	nocolor.waitForText(waitLong, "RED", "size 110x45")

	if raw := truecolor.scr.Raw(); !strings.Contains(raw, "38;2;255;0;0") {
		t.Errorf("truecolor terminal did not get 24-bit colour")
	}
	if raw := c256.scr.Raw(); !strings.Contains(raw, "38;5;196") || strings.Contains(raw, "38;2;255") {
		t.Errorf("256-colour terminal did not get its downsampled colour")
	}
	if raw := nocolor.scr.Raw(); strings.Contains(raw, "38;2;") || strings.Contains(raw, "38;5;") {
		t.Errorf("NO_COLOR terminal got colours")
	}
	s, ok := f.session("truecolor")
	if !ok || s.Term != "xterm-256color" || s.Width != 100 || s.Height != 30 || !contains(s.Environ, "COLORTERM=truecolor") || !contains(s.Environ, "TERM=xterm-256color") {
		t.Errorf("model built with %+v", s)
	}
	if !strings.HasPrefix(s.Fingerprint, "SHA256:") || s.KeyComment != "user0@test" {
		t.Errorf("session key: %q %q", s.Fingerprint, s.KeyComment)
	}
	// Variables that would make libraries read files or run tmux on the
	// server are dropped, and a TERM that is not a plain name is replaced.
	odd := ts.open(t, "odd", key, termOpts{term: "../../../../etc/passwd", env: map[string]string{"TMUX": "/tmp/tmux-0/default,1,0", "TERMINFO": "/etc", "COLORTERM": "truecolor"}})
	odd.waitForText(waitLong, "CSAT")
	if s, _ := f.session("odd"); s.Term != "xterm" || contains(s.Environ, "TMUX=/tmp/tmux-0/default,1,0") || contains(s.Environ, "TERMINFO=/etc") || !contains(s.Environ, "COLORTERM=truecolor") {
		t.Errorf("odd terminal: term %q, environment %q", s.Term, s.Environ)
	}
	c256.scr.resize(130, 50) // the terminal resizes, then tells the server
	if err := c256.sess.WindowChange(50, 130); err != nil {
		t.Fatal(err)
	}
	c256.waitForText(waitLong, "size 130x50")
	truecolor.waitForText(waitLong, "size 100x30")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// One log line per connection: user, key fingerprint, address, duration.
func TestConnectionLogLine(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{}, (&sliceFactory{}).New, key)
	c := ts.open(t, "alice", key, termOpts{})
	c.waitForText(waitLong, "CSAT")
	c.press("q")
	c.waitEnd(waitLong)
	c.client.Close()
	fp := gossh.FingerprintSHA256(key.PublicKey())
	line := ts.waitLog(t, waitLong, "INFO", "connection", "user=alice", "key="+fp, "comment=user0@test", "addr=127.0.0.1:", "duration=", "sessions=1", "end=quit")
	t.Log(line)
}

// A session's place is free by the time its client hears the exit status:
// a user who quits and connects again at once is let in, even at the cap.
func TestPlaceFreeAtExit(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{MaxSessions: 1}, (&sliceFactory{}).New, key)
	for i := range 2 {
		a := ts.open(t, fmt.Sprintf("u%d", i), key, termOpts{})
		a.waitForText(waitLong, "CSAT")
		a.press("q")
		if code := a.waitEnd(waitLong); code != 0 {
			t.Fatalf("session %d exit status %d, want 0", i, code)
		}
		if n := ts.Sessions(); n != 0 {
			t.Fatalf("after session %d's exit status the server still counts %d sessions", i, n)
		}
	}
}
