package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"kpiscope/internal/kpi"
	"kpiscope/internal/live"
	"kpiscope/internal/workspace"
	"kpiscope/tui"
)

// --view NAME opens the explorer on the saved view NAME of the config (the
// built-in sample has four); an unknown name stops before the screen is
// drawn, with the nearest name and the list.
func TestExplorerViewFlag(t *testing.T) {
	ws, err := workspace.Open(context.Background(), workspace.Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	root := newRoot()
	if err := root.ParseFlags([]string{"--view", "emea-nps"}); err != nil {
		t.Fatal(err)
	}
	views, start, err := explorerViews(root, ws)
	if err != nil {
		t.Fatal(err)
	}
	if len(views) != 4 || views[0].Name != "email-weekly" || views[2].Name != "urgent-90d" || views[3].Name != "billing-mondays" {
		t.Errorf("views = %+v", views)
	}
	if start == nil || start.KPI != "nps" || start.By != "plan" || start.Grain != kpi.Quarter ||
		len(start.Filters) != 1 || start.Filters[0].Arg() != "region=EMEA" {
		t.Fatalf("start = %+v", start)
	}

	root = newRoot()
	if err := root.ParseFlags([]string{"--view", "emea-nsp"}); err != nil {
		t.Fatal(err)
	}
	_, _, err = explorerViews(root, ws)
	want := `--view: no saved view "emea-nsp"; did you mean "emea-nps"? (views: email-weekly, emea-nps, urgent-90d, billing-mondays)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	// Through the command line: exit status 2, one line, nothing drawn.
	var out, errOut strings.Builder
	if code := runWith(context.Background(), []string{"--view", "emea-nsp"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `no saved view "emea-nsp"`) {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}

// Files without a kpiscope.yaml have no saved views: --view says where
// they are written.
func TestExplorerViewFlagWithoutConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(path, []byte("ticket_id,created_at,channel,csat\n1,2026-01-02,chat,5\n2,2026-01-03,web,3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Open(context.Background(), workspace.Options{Sources: []string{path}, NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	root := newRoot()
	if err := root.ParseFlags([]string{"--view", "x"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := explorerViews(root, ws); err == nil || !strings.Contains(err.Error(), "kpiscope.yaml") || !strings.Contains(err.Error(), "views:") {
		t.Errorf("err = %v", err)
	}
}

// `ssh -t host NAME` against a real `kpiscope serve` on the sample: the
// session opens on the saved view (its KPI, filter, breakdown and grain);
// an unknown name gets the nearest name and the list, and exit status 1.
func TestServeOpensSavedView(t *testing.T) {
	t.Chdir(t.TempDir()) // no kpiscope.yaml around: the sample data and its views
	client := startServe(t, serveOptsFor(t), nil, newServeBuf(), 30*time.Second).dial(t)
	run := func(cmd string) (*gossh.Session, *serveBuf, chan error) {
		sess := ptySession(t, client)
		screen := newServeBuf()
		sess.Stdout, sess.Stderr = screen, screen
		if err := sess.Start(cmd); err != nil {
			t.Fatalf("start %q: %v", cmd, err)
		}
		ended := make(chan error, 1)
		go func() { ended <- sess.Wait() }()
		return sess, screen, ended
	}

	sess, screen, _ := run("email-weekly")
	screen.wait(t, "the saved view", func(s string) bool {
		return strings.Contains(s, "First contact resolution") && strings.Contains(s, "channel = email") &&
			strings.Contains(s, "By team") && strings.Contains(s, "(week") && strings.Contains(s, "view email-weekly")
	})
	sess.Close()

	_, screen, ended := run("emial-weekly")
	screen.wait(t, "the unknown view's message", func(s string) bool {
		return strings.Contains(s, `kpiscope: no saved view "emial-weekly"; did you mean "email-weekly"? (views: email-weekly, emea-nps, urgent-90d, billing-mondays)`)
	})
	var exit *gossh.ExitError
	select {
	case err := <-ended:
		if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
			t.Errorf("session ended with %v, want exit status 1", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the session for an unknown view did not end")
	}

	// A command no view can be named is answered the same way, with what a
	// name is (before: "exec request failed on channel 0", status 255).
	for _, tc := range []struct{ cmd, want string }{
		{"emea nps", `kpiscope: "emea nps" is no saved view's name: a name is one word of up to 64 letters, digits, -, _ and .; did you mean "emea-nps"? (views: email-weekly, emea-nps, urgent-90d, billing-mondays); connect without a command for the first screen`},
		{"x; rm -rf /", `kpiscope: "x; rm -rf /" is no saved view's name: a name is one word of up to 64 letters, digits, -, _ and . (views: email-weekly, emea-nps, urgent-90d, billing-mondays); connect without a command for the first screen`},
		{strings.Repeat("v", 300), `kpiscope: "` + strings.Repeat("v", 40) + `…" is no saved view's name: a name is one word of up to 64 letters, digits, -, _ and . (views: email-weekly, emea-nps, urgent-90d, billing-mondays); connect without a command for the first screen`},
	} {
		_, screen, ended := run(tc.cmd)
		screen.wait(t, "the message for "+tc.cmd[:8], func(s string) bool { return strings.Contains(s, tc.want) })
		select {
		case err := <-ended:
			if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
				t.Errorf("%.20q: session ended with %v, want exit status 1", tc.cmd, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("the session for %.20q did not end", tc.cmd)
		}
	}
}

// report --view NAME prints what the flags the view stands for print; a
// flag given beside it wins over the view's.
func TestReportView(t *testing.T) {
	skipShort(t)
	t.Chdir(t.TempDir()) // the sample and its views
	report := func(args ...string) string {
		t.Helper()
		var out, errOut strings.Builder
		if code := runWith(context.Background(), append([]string{"report", "--format", "json", "--checks", "off"}, args...), &out, &errOut); code != 0 {
			t.Fatalf("report %v: exit %d: %s", args, code, errOut.String())
		}
		return out.String()
	}
	for _, tc := range []struct {
		view, flags []string
	}{
		{[]string{"--view", "emea-nps"}, []string{"--kpi", "nps", "--by", "plan", "--filter", "region=EMEA", "--grain", "quarter"}},
		{[]string{"--view", "email-weekly"}, []string{"--kpi", "fcr", "--by", "team", "--filter", "channel=email", "--grain", "week", "--compare", "year"}},
		{[]string{"--view", "urgent-90d"}, []string{"--kpi", "resolution_time", "--by", "team", "--filter", "priority=urgent,high", "--filter", "channel!=web", "--since", "90d"}},
		{[]string{"--view", "emea-nps", "--period", "2026-Q2", "--by", "segment"}, []string{"--kpi", "nps", "--by", "segment", "--filter", "region=EMEA", "--period", "2026-Q2"}},
	} {
		got, want := report(tc.view...), report(tc.flags...)
		if got != want {
			t.Errorf("report %v printed\n%s\nnot as report %v:\n%s", tc.view, got, tc.flags, want)
		}
		if !strings.Contains(got, `"kpi"`) {
			t.Errorf("report %v printed no KPI:\n%s", tc.view, got)
		}
	}
	var out, errOut strings.Builder
	if code := runWith(context.Background(), []string{"report", "--view", "emea"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `no saved view "emea"`) {
		t.Errorf("unknown view: exit %d, stderr %q", code, errOut.String())
	}
}

// An empty --view names no view: report and the explorer refuse it with the
// names (before, report printed the default scorecard and exited 0), as
// they refuse a name no view can have.
func TestViewFlagEmptyOrNoName(t *testing.T) {
	t.Chdir(t.TempDir()) // the sample and its views
	const names = " (views: email-weekly, emea-nps, urgent-90d, billing-mondays)"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "--view", ""}, "kpiscope: --view: an empty name names no saved view: give a view's name" + names + "\n"},
		{[]string{"report", "--view="}, "kpiscope: --view: an empty name names no saved view: give a view's name" + names + "\n"},
		{[]string{"--view", ""}, "kpiscope: --view: an empty name names no saved view: give a view's name" + names + "\n"},
		{[]string{"report", "--view", "emea nps"}, `kpiscope: --view: "emea nps" is no saved view's name: a name is one word of up to 64 letters, digits, -, _ and .; did you mean "emea-nps"?` + names + "\n"},
	} {
		var out, errOut strings.Builder
		code := runWith(context.Background(), tc.args, &out, &errOut)
		if code != 2 || errOut.String() != tc.want || out.String() != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr\n %q\nwant\n %q", tc.args, code, out.String(), errOut.String(), tc.want)
		}
	}
}

// A reload tells the programs the views of the config it read (the
// palette's list); other changes leave them.
func TestViewsMsgAfterReload(t *testing.T) {
	ws, err := workspace.Open(context.Background(), workspace.Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	msg, ok := viewsMsg(live.Change{State: live.State{Workspace: ws}, Kind: live.Reloaded}).(tui.ViewsMsg)
	if !ok || len(msg.Views) != 4 || msg.Views[1].Name != "emea-nps" || msg.Views[1].Filters[0].Arg() != "region=EMEA" {
		t.Errorf("after a reload: %+v", msg)
	}
	if m := viewsMsg(live.Change{State: live.State{Workspace: ws}, Kind: live.Checked}); m != nil {
		t.Errorf("after the checks: %+v, want nothing", m)
	}
}
