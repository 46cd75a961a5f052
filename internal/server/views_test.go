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
	d := tui.Deps{Engine: ws.Engine, Label: ws.Label, Remote: true, QueryTimeout: waitLong, Context: s.Context}
	if v, ok := savedViews[s.View]; ok {
		d.Start = &v
	}
	return tui.New(d)
}

// openCommand is ts.open with a command: the client runs `ssh -t host CMD`.
func (ts *testServer) openCommand(t *testing.T, user string, key gossh.Signer, cmd string) *termClient {
	t.Helper()
	client, err := ts.dial(user, gossh.PublicKeys(key))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{gossh.ECHO: 0}); err != nil {
		t.Fatal(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &termClient{t: t, user: user, client: client, sess: sess, in: in, scr: newScreen(120, 40), done: make(chan error, 1)}
	sess.Stdout, sess.Stderr = c.scr, c.scr
	if err := sess.Start(cmd); err != nil {
		t.Fatalf("start %q: %v", cmd, err)
	}
	go func() { c.done <- sess.Wait() }()
	return c
}

// `ssh -t host NAME` opens the explorer on the saved view NAME: its KPI,
// breakdown, filter and grain are the first screen. A name that is no view
// is answered with the names and status 1; a command that could not be a
// view's name is still refused before anything runs.
func TestSSHOpensSavedView(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, viewServerConfig(), viewExplorer, key)

	c := ts.openCommand(t, "alice", key, "email-weekly")
	text := c.waitForText(waitLong, "First contact resolution", "channel = email", "By team", "(week", "view email-weekly")
	if !strings.Contains(text, "Technical") {
		t.Errorf("the breakdown by team is not on screen:\n%s", text)
	}
	c.press("q")
	if code := c.waitEnd(waitLong); code != 0 {
		t.Errorf("exit status after q = %d, want 0", code)
	}

	bad := ts.openCommand(t, "alice", key, "emial-weekly")
	bad.waitForText(waitLong, `kpiscope: no saved view "emial-weekly" (views: email-weekly)`, "connect without a command")
	if code := bad.waitEnd(waitLong); code != 1 {
		t.Errorf("exit status for an unknown view = %d, want 1", code)
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
	if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("cat /etc/passwd"); err == nil {
		t.Fatal("a command that is no view's name was accepted")
	}
}

// Without Config.View (no saved views), a one-word command is refused like
// any other.
func TestSSHCommandWithoutViews(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{}, viewExplorer, key)
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
	if err := sess.Start("email-weekly"); err == nil {
		t.Fatal("a command was accepted by a server without views")
	}
}
