package main

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// serveSQLSession starts `kpiscope serve` on the sample (with --allow-sql
// when allow is set), opens an explorer over a real SSH session and types
// `:` sql enter into it; it returns the session's output and serve's log.
func serveSQLSession(t *testing.T, allow bool) (*serveBuf, func(string), *serveBuf) {
	t.Helper()
	o := serveOptsFor(t)
	o.allowSQL = allow
	t.Chdir(t.TempDir()) // no kpiscope.yaml around: the sample data
	logs := newServeBuf()
	screen := startServe(t, o, nil, logs, 30*time.Second).openSession(t)
	typeKeys := func(s string) { screen.press(t, s) }
	screen.wait(t, "the scorecard", func(s string) bool { return strings.Contains(s, "CSAT") })
	typeKeys(":")
	screen.wait(t, "the palette", func(s string) bool { return strings.Contains(s, "Commands") })
	typeKeys("sql\r")
	return screen.serveBuf, typeKeys, logs
}

// serve without --allow-sql: the prompt does not open and the session is
// told what the operator must do.
func TestServeSQLOffByDefault(t *testing.T) {
	screen, _, _ := serveSQLSession(t, false)
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
	screen, typeKeys, logs := serveSQLSession(t, true)
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
	// serve's log has each statement, with the session's user and key, its
	// rows or its refusal (review 15 #16).
	log := sessionText(logs)
	for _, want := range []string{
		`sql statement`, `statement="SELECT channel, count(*) AS n FROM tickets GROUP BY 1 ORDER BY 1"`, "rows=4", "key=SHA256:",
		`statement="SELECT * FROM read_csv('/etc/passwd')"`, `refused="the table function read_csv is refused`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("serve's log lacks %q:\n%s", want, log)
		}
	}
}

// sessionText is what the session wrote so far, without escape sequences.
func sessionText(s *serveBuf) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.Strip(s.b.String())
}
