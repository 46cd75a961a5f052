package server_test

import (
	"fmt"
	"strings"
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
		return fmt.Errorf("no saved view %q (views: email-weekly)", name)
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

	if err := ts.startCommand(t, key, "cat /etc/passwd"); err == nil {
		t.Fatal("a command that is no view's name was accepted")
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
