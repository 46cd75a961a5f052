package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// sqlDeps are the test explorer's dependencies with the SQL prompt on.
func sqlDeps(t *testing.T) Deps {
	d := testDeps(t)
	d.SQL = true
	return d
}

// openPrompt opens the SQL prompt from the palette, as a user does.
func openPrompt(t *testing.T, m Model) Model {
	t.Helper()
	m, _ = press(m, ":")
	m = typeText(m, "sql")
	m, _ = press(m, "enter")
	if _, ok := m.lens.(*sqlLens); !ok {
		t.Fatalf("the SQL prompt did not open: %T\n%s", m.lens, screen(m))
	}
	return m
}

// runSQL types a statement and runs it, settling the answer.
func runSQL(t *testing.T, m Model, stmt string) Model {
	t.Helper()
	m = typeText(m, stmt)
	m, _ = press(m, "enter")
	s := m.lens.(*sqlLens)
	if s.loading {
		t.Fatalf("the statement is still running")
	}
	// A fixed time, so that the screens do not change with the machine.
	if s.res != nil {
		s.res.Elapsed = 12 * time.Millisecond
	}
	return m
}

const channelSQL = "SELECT channel, count(*) AS n FROM tickets GROUP BY 1 ORDER BY 1"

// The counts of tickets by channel in the sample, hand-checked with a
// second query outside the prompt (internal/sqlq's TestRunSelect).
var channelRows = []string{"chat     30952", "email    22867", "phone    18192", "web      16594"}

func TestSQLPromptRuns(t *testing.T) {
	m := started(t, sqlDeps(t), 120, 40)
	m = openPrompt(t, m)
	m = runSQL(t, m, channelSQL)
	scr := screen(m)
	mustContain(t, scr, "SQL prompt · read-only", "tables: customers, orders, spend, surveys, tickets", "4 rows · 12 ms", "channel      n")
	for _, r := range channelRows {
		mustContain(t, scr, r)
	}
}

// ↑ recalls the statements run, newest first; ↓ comes back to the draft.
func TestSQLPromptHistory(t *testing.T) {
	m := started(t, sqlDeps(t), 120, 40)
	m = openPrompt(t, m)
	m = runSQL(t, m, "SELECT 1 AS one")
	s := m.lens.(*sqlLens)
	s.ed.SetValue("")
	m = runSQL(t, m, "SELECT 2 AS two")
	s.ed.SetValue("")
	m = typeText(m, "SELECT 3")
	m, _ = press(m, "up")
	if got := s.ed.Value(); got != "SELECT 2 AS two" {
		t.Fatalf("↑ recalled %q", got)
	}
	m, _ = press(m, "up")
	if got := s.ed.Value(); got != "SELECT 1 AS one" {
		t.Fatalf("↑↑ recalled %q", got)
	}
	m, _ = press(m, "up") // no older one: stays
	if got := s.ed.Value(); got != "SELECT 1 AS one" {
		t.Fatalf("↑↑↑ recalled %q", got)
	}
	m, _ = press(m, "down")
	m, _ = press(m, "down")
	if got := s.ed.Value(); got != "SELECT 3" {
		t.Fatalf("↓↓ gave %q, want the draft back", got)
	}
	// Closed and opened again, the prompt keeps its history and result.
	m, _ = press(m, "esc")
	if m.lens != nil {
		t.Fatal("esc did not close the prompt")
	}
	m = openPrompt(t, m)
	m, _ = press(m, "up")
	if got := m.lens.(*sqlLens).ed.Value(); got != "SELECT 2 AS two" {
		t.Fatalf("after reopening ↑ recalled %q", got)
	}
}

// A refused statement, an error and a timeout show inline; the explorer
// keeps running and the next statement runs.
func TestSQLPromptErrorsInline(t *testing.T) {
	m := started(t, sqlDeps(t), 120, 40)
	m = openPrompt(t, m)
	for stmt, want := range map[string]string{
		"SELECT * FROM read_csv('/etc/passwd')": "the table function read_csv is refused",
		"COPY (SELECT 1) TO '/tmp/kps-x.csv'":   "COPY is refused",
		"DROP TABLE tickets":                    "DROP is refused",
		"SELECT chanel FROM tickets":            `Referenced column "chanel" not found`,
	} {
		m.lens.(*sqlLens).ed.SetValue("")
		m = runSQL(t, m, stmt)
		mustContain(t, screen(m), want)
	}
	if _, err := os.Stat("/tmp/kps-x.csv"); err == nil {
		t.Fatal("COPY wrote its file")
	}
	m.lens.(*sqlLens).ed.SetValue("")
	m = runSQL(t, m, "SELECT count(*) AS n FROM tickets")
	mustContain(t, screen(m), "1 row · 12 ms", "88605")
	// The explorer's own numbers still come.
	m, _ = press(m, "esc")
	m, _ = press(m, "j")
	if m.q.score.err != nil || m.q.score.sc == nil {
		t.Fatalf("the explorer after the prompt: %v", m.q.score.err)
	}
}

// The statement's timeout is the explorer's query timeout.
func TestSQLPromptTimeout(t *testing.T) {
	d := sqlDeps(t)
	d.QueryTimeout = 50 * time.Millisecond
	m := started(t, d, 120, 40)
	m = openPrompt(t, m)
	m = runSQL(t, m, "SELECT count(*) FROM range(1000000000) a, range(1000000000) b WHERE a.range + b.range = 7")
	mustContain(t, screen(m), "ran longer than 50ms (the prompt's timeout) and was stopped")
}

// A late answer (a statement superseded by the next) is dropped.
func TestSQLPromptStaleDropped(t *testing.T) {
	m := started(t, sqlDeps(t), 120, 40)
	m = openPrompt(t, m)
	s := m.lens.(*sqlLens)
	s.ed.SetValue("SELECT 1 AS first")
	next, first := m.Update(keyMsg("enter"))
	m = next.(Model)
	s.ed.SetValue("SELECT 2 AS second")
	next, second := m.Update(keyMsg("enter"))
	m = next.(Model)
	m = settle(m, second)
	m = settle(m, first) // the first answer comes last
	if s.res == nil || s.res.Columns[0] != "second" {
		t.Fatalf("result %+v, want the second statement's", s.res)
	}
}

// More rows than the limit: the first ones, and the truncation said.
func TestSQLPromptTruncated(t *testing.T) {
	m := started(t, sqlDeps(t), 120, 40)
	m = openPrompt(t, m)
	m = runSQL(t, m, "SELECT * FROM range(5000)")
	s := m.lens.(*sqlLens)
	if len(s.res.Rows) != 1000 || !s.res.Truncated {
		t.Fatalf("%d rows truncated %v", len(s.res.Rows), s.res.Truncated)
	}
	mustContain(t, screen(m), "first 1,000 rows (the limit)")
	// tab to the results, end to the last row shown.
	m, _ = press(m, "tab", "end")
	mustContain(t, screen(m), "999", "rows 9")
}

// e writes the result as CSV locally, NULL as an empty field; over SSH the
// CSV goes to the clipboard (OSC 52) and no file is written.
func TestSQLPromptExport(t *testing.T) {
	d := sqlDeps(t)
	m := started(t, d, 120, 40)
	m = openPrompt(t, m)
	m = runSQL(t, m, "SELECT 'a,b' AS s, NULL AS n, 2 AS k")
	m, _ = press(m, "ctrl+e")
	name := filepath.Join(d.ExportDir, "kpiscope-20261125-093000-sql.csv")
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("no file: %v\n%s", err, screen(m))
	}
	if got, want := string(b), "s,n,k\n\"a,b\",,2\n"; got != want {
		t.Errorf("CSV %q, want %q", got, want)
	}
	mustContain(t, screen(m), "Exported", name)

	d = sqlDeps(t)
	d.Remote = true
	m = started(t, d, 120, 40)
	m = openPrompt(t, m)
	m = runSQL(t, m, "SELECT 'a,b' AS s, NULL AS n, 2 AS k")
	m, _ = press(m, "tab")
	m, side := press(m, "e")
	if len(side) != 1 || side[0].kind != "setClipboardMsg" || !strings.Contains(side[0].text, "\"a,b\",,2") {
		t.Fatalf("side effects %+v", side)
	}
	mustContain(t, screen(m), "sent 1 row as CSV to your terminal's clipboard")
	if entries, _ := os.ReadDir(d.ExportDir); len(entries) != 0 {
		t.Fatalf("over SSH a file was written: %v", entries)
	}
}

// A statement pasted (bracketed paste, several lines) goes to the editor
// whole and runs.
func TestSQLPromptPaste(t *testing.T) {
	m := started(t, sqlDeps(t), 120, 40)
	m = openPrompt(t, m)
	next, cmd := m.Update(tea.PasteMsg{Content: "SELECT channel\nFROM tickets\nGROUP BY 1 ORDER BY 1"})
	m = settle(next.(Model), cmd)
	s := m.lens.(*sqlLens)
	if got := s.ed.Value(); got != "SELECT channel\nFROM tickets\nGROUP BY 1 ORDER BY 1" {
		t.Fatalf("editor holds %q", got)
	}
	m, _ = press(m, "enter")
	if s.res == nil || len(s.res.Rows) != 4 || s.res.Rows[3][0] != "web" {
		t.Fatalf("result %+v err %q", s.res, s.err)
	}
}

// The prompt fits the smallest explorer (60×14) and odd sizes: every line
// within the width, the screen within the height, with a long multi-line
// statement, a wide result and an error.
func TestSQLPromptFits(t *testing.T) {
	long := "SELECT *\nFROM tickets\nWHERE channel = 'web'\nAND priority = 'high'\nORDER BY ticket_id\nLIMIT 50\n-- a note\n-- another"
	for _, size := range [][2]int{{60, 14}, {61, 15}, {80, 24}, {200, 50}} {
		m := started(t, sqlDeps(t), size[0], size[1])
		m = openPrompt(t, m)
		for _, stmt := range []string{long, "SELECT chanel FROM tickets WHERE " + strings.Repeat("x = 1 AND ", 30) + "true"} {
			s := m.lens.(*sqlLens)
			s.ed.SetValue(stmt)
			m, _ = press(m, "enter")
			scr := screen(m)
			lines := strings.Split(scr, "\n")
			if len(lines) != size[1] {
				t.Errorf("%dx%d: %d lines:\n%s", size[0], size[1], len(lines), scr)
			}
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("%dx%d: line %q is %d wide", size[0], size[1], l, w)
				}
			}
		}
	}
}

// Without Deps.SQL (serve without --allow-sql) nothing opens, and the
// palette and the message say how to turn it on.
func TestSQLPromptOff(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, ":")
	m = typeText(m, "sql")
	mustContain(t, screen(m), "SQL prompt over the loaded tables (read-only)", "--allow-sql")
	m, _ = press(m, "enter")
	if m.lens != nil {
		t.Fatalf("a lens opened: %T", m.lens)
	}
	mustContain(t, screen(m), "the operator must start serve with --allow-sql")
}

// TestSQLPromptGolden: the prompt with the channel counts at 120×40 and
// 80×24, a refusal, the results focused, and without colour. Regenerate
// with go test ./tui -run TestSQLPromptGolden -update.
func TestSQLPromptGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		w, h  int
		stmt  string
		keys  []string
		plain bool
	}{
		{"sql_120x40", 120, 40, channelSQL, nil, false},
		{"sql_80x24", 80, 24, channelSQL, nil, false},
		{"sql_empty_80x24", 80, 24, "", nil, false},
		{"sql_refused_80x24", 80, 24, "SELECT * FROM read_csv('/etc/passwd')", nil, false},
		{"sql_wide_80x24", 80, 24, "SELECT * FROM tickets ORDER BY ticket_id", []string{"tab", "j", "l"}, false},
		{"ascii_sql_80x24", 80, 24, channelSQL, []string{"tab", "j"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := started(t, sqlDeps(t), tc.w, tc.h)
			if tc.plain {
				m = plain(m)
			}
			m = openPrompt(t, m)
			if tc.stmt != "" {
				m = runSQL(t, m, tc.stmt)
			}
			m, _ = press(m, tc.keys...)
			golden.RequireEqual(t, []byte(screen(m)))
		})
	}
}

// TestSQLPromptFlow: `:` sql enter opens the prompt; a query shows the
// counts by channel; ↑ recalls it; esc closes the prompt.
func TestSQLPromptFlow(t *testing.T) {
	tm := teatest.NewTestModel(t, New(sqlDeps(t)), teatest.WithInitialTermSize(120, 40))
	waitFor := waiter(t, tm)
	key := func(k string) { tm.Send(keyMsg(k)) }
	waitFor("KPIs · 25", "By channel")
	key(":")
	waitFor("Commands")
	tm.Type("sql") // the renderer redraws only what changed: no text to wait for
	key("enter")
	waitFor("sql>", "tables: customers")
	tm.Type(channelSQL)
	key("enter")
	waitFor("4 rows", "30952", "22867", "18192", "16594")
	tm.Type(" -- again") // keys arrive in order: no wait needed (nor reliable: the renderer redraws only what changed)
	key("up")            // the statement run, in place of the draft (checked below)
	key("esc")
	waitFor("Resolution", "1,929") // the explorer again
	key("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))
	m := tm.FinalModel(t).(Model)
	if m.lens != nil {
		t.Fatal("the prompt is still open")
	}
	if s := m.sql; s == nil || len(s.history) != 1 || s.history[0] != channelSQL || s.ed.Value() != channelSQL {
		t.Fatalf("history %+v", s)
	}
}

var _ tea.Model = Model{}

// After ↑ recalls an older statement the result shown says it answers an
// earlier one; running the recalled statement makes it current again.
func TestSQLPromptStaleResultMarked(t *testing.T) {
	m := started(t, sqlDeps(t), 120, 40)
	m = openPrompt(t, m)
	m = runSQL(t, m, "SELECT 1 AS one")
	s := m.lens.(*sqlLens)
	s.ed.SetValue("")
	m = runSQL(t, m, "SELECT 2 AS two")
	if scr := screen(m); strings.Contains(scr, "earlier statement") {
		t.Fatalf("the current result is marked earlier:\n%s", scr)
	}
	m, _ = press(m, "up")
	m, _ = press(m, "up")
	if got := s.ed.Value(); got != "SELECT 1 AS one" {
		t.Fatalf("↑↑ recalled %q", got)
	}
	mustContain(t, screen(m), "result of an earlier statement (enter runs the one above) · 1 row")
	m, _ = press(m, "enter")
	if scr := screen(m); strings.Contains(scr, "earlier statement") {
		t.Fatalf("the current result is marked earlier:\n%s", scr)
	}
	mustContain(t, screen(m), "one")
}

// The CSV export writes a text that a spreadsheet would take for a
// formula after a single quote; numbers, negative ones too, as they are.
func TestSQLPromptExportFormula(t *testing.T) {
	d := sqlDeps(t)
	m := started(t, d, 120, 40)
	m = openPrompt(t, m)
	m = runSQL(t, m, "SELECT '=cmd|calc' AS f, '@x' AS a, '-2+3' AS m, 'ok' AS p, -3 AS k")
	m, _ = press(m, "ctrl+e")
	b, err := os.ReadFile(filepath.Join(d.ExportDir, "kpiscope-20261125-093000-sql.csv"))
	if err != nil {
		t.Fatalf("no file: %v\n%s", err, screen(m))
	}
	if got, want := string(b), "f,a,m,p,k\n'=cmd|calc,'@x,'-2+3,ok,-3\n"; got != want {
		t.Errorf("CSV %q, want %q", got, want)
	}
}

// Over SSH a CSV of more than 1 MB is not sent to the clipboard (the
// session's screen froze for seconds on 6 MB): a message says why and what
// to do instead.
func TestSQLPromptClipboardCap(t *testing.T) {
	d := sqlDeps(t)
	d.Remote = true
	m := started(t, d, 120, 40)
	m = openPrompt(t, m)
	m = runSQL(t, m, "SELECT repeat('ab', 600000) AS v")
	m, side := press(m, "ctrl+e")
	if len(side) != 0 {
		t.Fatalf("a 1.1 MB CSV was sent: %+v", side)
	}
	mustContain(t, screen(m), "the CSV is 1.1 MB, more than the 1.0 MB sent to a clipboard")
	// A small one still goes.
	s := m.lens.(*sqlLens)
	s.ed.SetValue("")
	m = runSQL(t, m, "SELECT repeat('ab', 1000) AS v")
	m, side = press(m, "ctrl+e")
	if len(side) != 1 || side[0].kind != "setClipboardMsg" {
		t.Fatalf("side effects %+v", side)
	}
}
