package server_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"kpiscope/internal/kpi"
	"kpiscope/internal/server"
	"kpiscope/tui"
)

// savedViews are the saved views of the test server, as cmd hands them over.
var savedViews = map[string]tui.View{
	"email-weekly": {Name: "email-weekly", KPI: "fcr", By: "team", Filters: []kpi.Filter{{Dim: "channel", Values: []string{"email"}}}, Grain: kpi.Week, Compare: kpi.VsYear},
}

// viewServerConfig checks names as `kpiscope serve` does: a known view
// opens, another is refused with the names.
func viewServerConfig() server.Config {
	return server.Config{View: func(name string) error {
		if _, ok := savedViews[name]; ok {
			return nil
		}
		return fmt.Errorf("no saved view %.40q (views: email-weekly)", name)
	}}
}

// viewExplorer is the real explorer, on the saved view the session named.
func viewExplorer(s server.Session) tea.Model {
	d := explorerDeps(s)
	if v, ok := savedViews[s.View]; ok {
		d.Start = &v
	}
	return tui.New(d)
}

// startCommand asks for `ssh -t host CMD` on a terminal of 80×24 and
// returns the server's answer to the request.
func (ts *testServer) startCommand(t *testing.T, key gossh.Signer, cmd string) error {
	t.Helper()
	client, err := ts.dial("alice", gossh.PublicKeys(key))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	return sess.Start(cmd)
}

// `ssh -t host NAME` opens the explorer on the saved view NAME: its KPI,
// breakdown, filter and grain are the first screen. A name that is no view
// is answered with the names and status 1; a command that could not be a
// view's name is still refused before anything runs.
func TestSSHOpensSavedView(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, viewServerConfig(), viewExplorer, key)

	c := ts.open(t, "alice", key, termOpts{cmd: "email-weekly"})
	text := c.waitForText(waitLong, "First contact resolution", "channel = email", "By team", "(week", "view email-weekly")
	if !strings.Contains(text, "Technical") {
		t.Errorf("the breakdown by team is not on screen:\n%s", text)
	}
	c.press("q")
	if code := c.waitEnd(waitLong); code != 0 {
		t.Errorf("exit status after q = %d, want 0", code)
	}

	bad := ts.open(t, "alice", key, termOpts{cmd: "emial-weekly"})
	bad.waitForText(waitLong, `kpiscope: no saved view "emial-weekly" (views: email-weekly)`, "connect without a command")
	if code := bad.waitEnd(waitLong); code != 1 {
		t.Errorf("exit status for an unknown view = %d, want 1", code)
	}
}

// A command that could not be a view's name (two words, a shell line, 300
// characters) is answered like an unknown name: one line with the view
// names, status 1, and nothing run or started (before, the request was
// refused and the client said only "exec request failed on channel 0",
// status 255). It is refused whatever Config.View answers, and the log
// lists it; subsystems are still refused at the protocol level.
func TestSSHCommandThatIsNoName(t *testing.T) {
	key := newKey(t)
	var built atomic.Int32
	counted := func(s server.Session) tea.Model { built.Add(1); return viewExplorer(s) }
	ts := startServer(t, viewServerConfig(), counted, key)
	for _, tc := range []struct{ cmd, shown string }{
		{"emea nps", `"emea nps"`},
		{"x; rm -rf /", `"x; rm -rf /"`},
		{"cat /etc/passwd", `"cat /etc/passwd"`},
		{strings.Repeat("n", 300), `"` + strings.Repeat("n", 40) + `"`},
	} {
		c := ts.open(t, "alice", key, termOpts{cmd: tc.cmd, w: 200, h: 24}) // wide: the line unwrapped
		c.waitForText(waitLong, "kpiscope: no saved view "+tc.shown+" (views: email-weekly); connect without a command for the first screen")
		if code := c.waitEnd(waitLong); code != 1 {
			t.Errorf("%.20q: exit status %d, want 1", tc.cmd, code)
		}
		c.client.Close() // the connection's log line is written at its end
	}
	ts.waitLog(t, waitLong, "connection", "user=alice", `exec \"x; rm -rf /\"`, "refused: command")

	// A Config.View that knows no better still opens nothing for them.
	lax := startServer(t, server.Config{View: func(string) error { return nil }}, counted, key)
	c := lax.open(t, "alice", key, termOpts{cmd: "emea nps", w: 200, h: 24})
	c.waitForText(waitLong, `kpiscope: "emea nps" is no saved view's name: a name is one word of up to 64 letters, digits, -, _ and .; connect without a command for the first screen`)
	if code := c.waitEnd(waitLong); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if n := built.Load(); n != 0 {
		t.Errorf("%d explorers were started for commands that are no view's name", n)
	}

	client, err := ts.dial("alice", gossh.PublicKeys(key))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestSubsystem("sftp"); err == nil {
		t.Error("the sftp subsystem was accepted by a server with views")
	}
}

// Without Config.View (no saved views), a one-word command is refused like
// any other.
func TestSSHCommandWithoutViews(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{}, viewExplorer, key)
	if err := ts.startCommand(t, key, "email-weekly"); err == nil {
		t.Fatal("a command was accepted by a server without views")
	}
}
