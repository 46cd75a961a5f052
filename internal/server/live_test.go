package server_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"kpiscope/internal/kpi"
	"kpiscope/internal/live"
	"kpiscope/internal/server"
	"kpiscope/internal/store"
	"kpiscope/internal/workspace"
	"kpiscope/tui"
)

// ratedTickets is a tickets file in the standard model: n tickets resolved
// in January 2026, of which good are scored 5 and the rest 2.
func ratedTickets(n, good int) string {
	var b strings.Builder
	b.WriteString("ticket_id,csat,resolved_at\n")
	for i := 0; i < n; i++ {
		score := 2
		if i < good {
			score = 5
		}
		fmt.Fprintf(&b, "T%03d,%d,2026-01-%02d 10:00:00\n", i, score, 1+i%28)
	}
	return b.String()
}

// changeMsg tells a session about a change of the live data, as
// `kpiscope serve` does.
func changeMsg(c live.Change) tea.Msg {
	switch c.Kind {
	case live.Failed:
		return tui.EngineMsg{Err: c.Event.Err, Refreshed: c.Event.At}
	case live.Checked:
		return tui.WarningsMsg{Warnings: c.Warnings}
	}
	return tui.EngineMsg{Engine: c.Workspace.Engine, Warnings: c.Warnings, Refreshed: c.Loaded}
}

// startLive serves a CSV as `kpiscope serve` does: the data is locked,
// checked and (when watched) watched by a live.Live, sessions are built from
// its current data and subscribe to its changes.
func startLive(t *testing.T, path string, watched bool) (*testServer, *live.Live, *workspace.Workspace, gossh.Signer) {
	t.Helper()
	ctx := context.Background()
	opt := workspace.Options{Sources: []string{path}, NoConfig: true}
	first, err := workspace.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	data := live.New(ctx, first, live.Options{
		Open:     func(ctx context.Context) (*workspace.Workspace, error) { return workspace.Open(ctx, opt) },
		Lock:     server.Lock,
		Grace:    50 * time.Millisecond,
		Debounce: 50 * time.Millisecond,
		Settle:   50 * time.Millisecond,
	})
	// Registered before the server's own cleanup, so it runs after Shutdown.
	t.Cleanup(func() {
		if err := data.Close(); err != nil {
			t.Errorf("close live data: %v", err)
		}
	})
	key := newKey(t)
	ts := startServer(t, server.Config{}, func(s server.Session) tea.Model {
		cur := data.Current()
		return tui.New(tui.Deps{Engine: cur.Workspace.Engine, Label: cur.Workspace.Label, Remote: true, QueryTimeout: waitLong,
			Context: s.Context, Refreshed: cur.Loaded, Warnings: cur.Warnings, Now: time.Now})
	}, key)
	data.Subscribe(server.Subscriber(ts.Server, changeMsg))
	var paths []string
	if watched {
		paths = []string{path}
	}
	if err := data.Start(paths); err != nil {
		t.Fatal(err)
	}
	return ts, data, first, key
}

// waitRollups waits until eng's rollups are built, failing on an error.
func waitRollups(t *testing.T, eng *kpi.Engine) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(waitLong)
	for p := eng.RollupStatus(); !p.Ready; p = eng.RollupStatus() {
		if p.Err != nil {
			t.Fatalf("rollup build failed: %v", p.Err)
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("rollups not built within %s: %+v", waitLong, p)
		}
	}
}

// Two sessions are open while the watched file changes: both show the new
// numbers without reconnecting, each keeps its own slice, and a session
// opened afterwards starts on the new data. A file then truncated to nothing
// leaves every session on the previous numbers, with a warning. The rollups
// of the locked data, and of each reload, are built in the background.
func TestLiveReloadReachesOpenSessions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tickets.csv")
	if err := os.WriteFile(path, []byte(ratedTickets(40, 30)), 0o644); err != nil { // 75%
		t.Fatal(err)
	}
	ts, data, first, key := startLive(t, path, true)
	waitRollups(t, first.Engine)
	csat := func(want string) func(string) bool {
		return func(s string) bool { return strings.Contains(kpiLine(s, "CSAT"), want) }
	}
	monthly := ts.open(t, "alice", key, termOpts{})
	quarterly := ts.open(t, "bob", key, termOpts{})
	monthly.waitFor("CSAT 75.0%", waitLong, csat("75.0%"))
	quarterly.waitFor("CSAT 75.0%", waitLong, csat("75.0%"))
	quarterly.press("g")
	quarterly.waitForText(waitLong, "(quarter")

	if err := os.WriteFile(path, []byte(ratedTickets(40, 36)), 0o644); err != nil { // 90%
		t.Fatal(err)
	}
	monthly.waitFor("CSAT 90.0% after the change", waitLong, func(s string) bool {
		return csat("90.0%")(s) && strings.Contains(s, "(month") && strings.Contains(s, "refreshed ")
	})
	quarterly.waitFor("CSAT 90.0% by quarter after the change", waitLong, func(s string) bool {
		return csat("90.0%")(s) && strings.Contains(s, "(quarter")
	})
	// Every session took the new data: the first workspace is closed after
	// the grace period.
	closed := func() bool { _, err := first.DB.Query(context.Background(), "SELECT 1"); return err != nil }
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(waitLong)
	for !closed() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("the replaced workspace is still open after every session moved")
		}
	}
	waitRollups(t, data.Current().Workspace.Engine)
	late := ts.open(t, "carol", key, termOpts{})
	late.waitFor("CSAT 90.0% in a session opened after the reload", waitLong, csat("90.0%"))

	if err := os.WriteFile(path, []byte(""), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*termClient{monthly, quarterly, late} {
		text := c.waitForText(waitLong, "reload failed")
		if !csat("90.0%")(text) {
			t.Errorf("%s: the previous numbers are gone after a broken write:\n%s", c.user, text)
		}
	}
	if monthly.over() || quarterly.over() || late.over() {
		t.Error("a session ended during the reloads")
	}
}

// Broadcast reaches every running program, and its channel closes once they
// all took the message, so the replaced data can be closed.
func TestBroadcastReachesEverySession(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{}, explorer, key)
	a := ts.open(t, "alice", key, termOpts{})
	b := ts.open(t, "bob", key, termOpts{})
	a.waitForText(waitLong, "CSAT")
	b.waitForText(waitLong, "CSAT")
	done := ts.Broadcast(func() tea.Msg { return tui.EngineMsg{Err: errors.New("orders.csv: row 7 is short")} })
	select {
	case <-done:
	case <-time.After(waitLong):
		t.Fatal("Broadcast never finished")
	}
	a.waitForText(waitLong, "reload failed")
	b.waitForText(waitLong, "reload failed")
	select {
	case <-ts.Broadcast(func() tea.Msg { return nil }):
	case <-time.After(waitShort):
		t.Fatal("a Broadcast with nothing to send did not finish at once")
	}
}

// toParquet rewrites a tickets CSV as tickets.parquet beside it.
func toParquet(t *testing.T, csv string) string {
	t.Helper()
	pq := filepath.Join(filepath.Dir(csv), "tickets.parquet")
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tmp := pq + ".tmp"
	if err := db.Exec(context.Background(), fmt.Sprintf("COPY (SELECT * FROM read_csv(%s)) TO %s (FORMAT parquet)",
		store.QuoteLiteral(csv), store.QuoteLiteral(tmp))); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, pq); err != nil {
		t.Fatal(err)
	}
	return pq
}

// `kpiscope serve --watch tickets.parquet`: garbage written over the file
// reaches every session as a warning, and a view no session computed before
// (the quarter) still answers from the data loaded before. The sessions
// read a private copy: the engine, locked as serve locks it, cannot even
// open the user's file.
func TestLiveParquetFaultKeepsSessions(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "tickets.csv")
	if err := os.WriteFile(csv, []byte(ratedTickets(40, 30)), 0o644); err != nil { // 75%
		t.Fatal(err)
	}
	path := toParquet(t, csv)
	os.Remove(csv)
	ts, data, _, key := startLive(t, path, true)
	ws := data.Current().Workspace
	if !ws.Pinned() {
		t.Fatal("the watched Parquet data is not pinned")
	}
	if _, err := ws.DB.Query(context.Background(), "SELECT count(*) FROM read_parquet("+store.QuoteLiteral(path)+")"); err == nil {
		t.Error("the locked engine can read the user's file")
	}
	c := ts.open(t, "alice", key, termOpts{})
	c.waitFor("CSAT 75.0%", waitLong, func(s string) bool { return strings.Contains(kpiLine(s, "CSAT"), "75.0%") })

	if err := os.WriteFile(path, []byte(strings.Repeat("garbage\x00", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	c.waitForText(waitLong, "reload failed")
	c.press("g")
	text := c.waitForText(waitLong, "(quarter")
	text = c.waitFor("CSAT by quarter", waitLong, func(s string) bool {
		return strings.Contains(s, "(quarter") && strings.Contains(kpiLine(s, "CSAT"), "75.0%")
	})
	if strings.Contains(text, "magic bytes") || strings.Contains(kpiLine(text, "CSAT"), "error") {
		t.Errorf("a new view broke after the file did:\n%s", text)
	}
	r, err := data.Current().Workspace.DB.Query(context.Background(), "SELECT count(*) FROM tickets")
	if err != nil || fmt.Sprint(r.Data[0][0]) != "40" {
		t.Errorf("raw rows after the fault: %v, %v; want 40", r, err)
	}
}

// A reload that finds the tickets cut to a quarter swaps the data in and
// warns every session, on the KPIs reading the table.
func TestLiveShrinkWarns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tickets.csv")
	if err := os.WriteFile(path, []byte(ratedTickets(40, 30)), 0o644); err != nil {
		t.Fatal(err)
	}
	ts, data, first, key := startLive(t, path, true)
	c := ts.open(t, "alice", key, termOpts{})
	c.waitFor("CSAT 75.0%", waitLong, func(s string) bool { return strings.Contains(kpiLine(s, "CSAT"), "75.0%") })
	if err := os.WriteFile(path, []byte(ratedTickets(10, 5)), 0o644); err != nil { // 50%
		t.Fatal(err)
	}
	c.waitFor("CSAT 50.0% with a data warning", waitLong, func(s string) bool {
		return strings.Contains(kpiLine(s, "CSAT"), "50.0%") && strings.Contains(s, "1 data warning")
	})
	cur := data.Current().Workspace
	if cur == first || cur.ShrinkText() != "tickets: 40 → 10 rows" {
		t.Errorf("shrink = %q, want tickets: 40 → 10 rows", cur.ShrinkText())
	}
	c.press("w")
	c.waitForText(waitLong, "tickets: 40 → 10 rows")
	c.press("\x1b") // close the warnings
	// 75%, and more rows than before: no warning.
	if err := os.WriteFile(path, []byte(ratedTickets(12, 9)), 0o644); err != nil {
		t.Fatal(err)
	}
	c.waitFor("CSAT 75.0% and the warning gone", waitLong, func(s string) bool {
		return strings.Contains(kpiLine(s, "CSAT"), "75.0%") && !strings.Contains(s, "data warning")
	})
}

// Sessions show the data-quality warnings the local explorer shows: the
// checks of the served data run in the background, and their findings (a
// score outside its scale, which only the checks notice) reach a session
// already open and every session opened after; a reload is checked before
// the sessions get it, and takes its warnings with it.
func TestLiveSessionsShowDataWarnings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tickets.csv")
	outOfScale := strings.Replace(ratedTickets(40, 30), "T000,5,", "T000,7,", 1)
	if err := os.WriteFile(path, []byte(outOfScale), 0o644); err != nil {
		t.Fatal(err)
	}
	ts, data, _, key := startLive(t, path, false)
	early := ts.open(t, "alice", key, termOpts{})
	early.waitForText(waitLong, "1 data warning")
	early.press("w")
	early.waitForText(waitLong, "outside its")
	late := ts.open(t, "bob", key, termOpts{})
	late.waitForText(waitLong, "1 data warning")
	late.press("w")
	late.waitForText(waitLong, "outside its")

	// Repaired: the reload clears the warning in every session.
	if err := os.WriteFile(path, []byte(ratedTickets(40, 36)), 0o644); err != nil { // 90%
		t.Fatal(err)
	}
	if _, err := data.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	late.press("\x1b")
	// The box closed before the next key: an escape followed at once by w
	// reads as alt+w, which leaves the box open.
	late.waitFor("CSAT without a warning after the repair", waitLong, func(s string) bool {
		return strings.Contains(kpiLine(s, "CSAT"), "90.0%") && !strings.Contains(s, "data warning") && !strings.Contains(s, "Data warnings") && !strings.Contains(s, "About these KPIs")
	})
	late.press("w")
	late.waitForText(waitLong, "no data warnings")
}
