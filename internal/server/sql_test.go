package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/server"
	"kpiscope/tui"
)

// sqlExplorer is the real explorer for a session with the SQL prompt on,
// as `kpiscope serve --allow-sql` builds it.
func sqlExplorer(s server.Session) tea.Model {
	d := explorerDeps(s)
	d.SQL = true
	return tui.New(d)
}

// openPalette starts a server whose sessions get newModel, opens a session
// and the command palette in it.
func openPalette(t *testing.T, newModel server.NewModel) *termClient {
	t.Helper()
	key := newKey(t)
	ts := startServer(t, server.Config{}, newModel, key)
	c := ts.open(t, "alice", key, termOpts{})
	c.waitForText(waitLong, "CSAT", "By channel")
	c.press(":")
	c.waitForText(waitLong, "Commands")
	return c
}

// Without --allow-sql the palette's sql entry opens nothing and says how
// the operator turns it on.
func TestSQLPromptOffOverSSH(t *testing.T) {
	c := openPalette(t, explorer)
	c.press("sql")
	c.waitForText(waitLong, "SQL prompt over the loaded tables", "--allow-sql")
	c.press("\r")
	text := c.waitForText(waitLong, "the operator must start serve with --allow-sql")
	if strings.Contains(text, "sql>") || strings.Contains(text, "SQL prompt · read-only") {
		t.Fatalf("the prompt opened:\n%s", text)
	}
}

// With --allow-sql the prompt runs a query over SSH on the locked engine,
// and every statement of the containment list is refused in the session,
// which keeps running; nothing is written on the server.
func TestSQLPromptOverSSH(t *testing.T) {
	c := openPalette(t, sqlExplorer)
	c.press("sql\r")
	c.waitForText(waitLong, "SQL prompt · read-only", "sql>", "tables: customers, orders, spend, surveys, tickets")
	c.press("SELECT channel, count(*) AS n FROM tickets GROUP BY 1 ORDER BY 1\r")
	// Hand-checked on the sample (internal/sqlq TestRunSelect).
	c.waitForText(waitLong, "4 rows", "chat     30952", "email    22867", "phone    18192", "web      16594")

	out := filepath.Join(t.TempDir(), "x.csv")
	for _, tc := range []struct{ stmt, want string }{
		{"SELECT * FROM read_csv('/etc/passwd')", "the table function read_csv is refused"},
		{"SELECT * FROM '/etc/passwd'", "reading files is refused (/etc/passwd)"},
		{"COPY (SELECT 1) TO '" + out + "'", "COPY is refused"},
		{"ATTACH ':memory:' AS m", "ATTACH is refused"},
		{"INSTALL httpfs", "INSTALL is refused"},
		{"LOAD httpfs", "LOAD is refused"},
		{"SET threads = 1", "SET is refused"},
		{"PRAGMA threads = 1", "PRAGMA is refused"},
		{"CREATE TABLE x AS SELECT 1", "CREATE is refused"},
		{"DROP TABLE tickets", "DROP is refused"},
		{"DELETE FROM tickets", "DELETE is refused"},
		{"UPDATE tickets SET channel = 'x'", "UPDATE is refused"},
	} {
		c.press("\x15" + tc.stmt + "\r") // ctrl+u clears the line
		text := c.waitForText(waitLong, tc.want)
		if strings.Contains(text, "root:") {
			t.Fatalf("%s showed the file:\n%s", tc.stmt, text)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("COPY wrote %s (%v)", out, err)
	}
	// The tables are as they were, and the session answers.
	c.press("\x15SELECT count(*) AS tickets_now FROM tickets\r")
	c.waitForText(waitLong, "tickets_now", "88605")
	c.press("\x1b")
	c.waitForText(waitLong, "By channel")
	c.press("q")
	if code := c.waitEnd(waitLong); code != 0 {
		t.Errorf("exit status after q = %d, want 0", code)
	}
}
