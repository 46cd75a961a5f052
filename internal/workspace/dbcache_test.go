package workspace

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"kpiscope/internal/source"
	"kpiscope/internal/store"
)

// ticketsCSV writes n standard tickets to path; first is the first id, so
// two files of the same size can hold different rows.
func ticketsCSV(t *testing.T, path string, first, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("ticket_id,channel,csat,resolved_at\n")
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, "%d,%s,%d,2026-01-%02d\n", i, []string{"chat", "email"}[i%2], 1+i%5, 1+i%28)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// openDB opens sources with a --db file, as the commands do.
func openDB(t *testing.T, db string, sources ...string) (*Workspace, error) {
	t.Helper()
	return Open(context.Background(), Options{Sources: sources, NoConfig: true, DBPath: db})
}

// mark adds a row to a table kept in a --db file: it survives only if the
// next open reuses the table instead of reading the file again.
func mark(t *testing.T, db, table string) {
	t.Helper()
	d, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Exec(context.Background(), fmt.Sprintf("INSERT INTO %s (ticket_id, channel) VALUES (-1, 'marker')", store.QuoteIdent(table))); err != nil {
		t.Fatal(err)
	}
}

// reused opens the sources again and reports whether the marked table was
// reused, checking that the open is complete either way.
func reused(t *testing.T, db string, wantRows int64, sources ...string) bool {
	t.Helper()
	ws, err := openDB(t, db, sources...)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if len(ws.Tables) != 1 || ws.Tables[0].Name != "tickets" {
		t.Fatalf("tables %+v", ws.Tables)
	}
	tb := ws.Tables[0]
	if len(tb.Files) == 0 {
		t.Errorf("the table lost its files (serve locks the engine to them)")
	}
	marked, err := count(t, ws.DB, "SELECT count(*) FROM tickets WHERE channel = 'marker'")
	if err != nil {
		t.Fatal(err)
	}
	if tb.Rows != wantRows+marked {
		t.Errorf("Rows = %d, want %d", tb.Rows, wantRows+marked)
	}
	if ws.Engine == nil || ws.Engine.Def("csat") == nil {
		t.Errorf("no csat on the reopened data")
	}
	return marked > 0
}

// A second open with the same --db reuses the tables; a file changed in
// size, in content (a new modification time) or only touched is read again,
// and the new state is reused after that.
func TestDBReuseAndReload(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, path string)
		rows   int64
	}{
		{"size", func(t *testing.T, path string) { ticketsCSV(t, path, 0, 31) }, 31},
		{"content, same size", func(t *testing.T, path string) {
			st, _ := os.Stat(path)
			b, _ := os.ReadFile(path)
			b = []byte(strings.Replace(string(b), "chat", "chaT", 1))
			os.WriteFile(path, b, 0o644)
			later := st.ModTime().Add(time.Second)
			if err := os.Chtimes(path, later, later); err != nil {
				t.Fatal(err)
			}
			if st2, _ := os.Stat(path); st2.Size() != st.Size() {
				t.Fatalf("size changed: %d → %d", st.Size(), st2.Size())
			}
		}, 30},
		{"touched", func(t *testing.T, path string) {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(path, later, later); err != nil {
				t.Fatal(err)
			}
		}, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path, db := filepath.Join(dir, "tickets.csv"), filepath.Join(dir, "k.duckdb")
			ticketsCSV(t, path, 0, 30)
			ws, err := openDB(t, db, path)
			if err != nil {
				t.Fatal(err)
			}
			ws.Close()

			mark(t, db, "tickets")
			if !reused(t, db, 30, path) {
				t.Fatal("an unchanged file was read again instead of reusing its table")
			}
			tc.change(t, path)
			if reused(t, db, tc.rows, path) {
				t.Fatal("a changed file was not read again: the stale table was reused")
			}
			mark(t, db, "tickets")
			if !reused(t, db, tc.rows, path) {
				t.Fatal("after the reload, the next open read the file again instead of reusing it")
			}
		})
	}
}

// A file's earlier state must not bring back the table of a later one:
// restored to its first size and time (a copy with -p, an undo), the file
// is read again, not matched to the first fingerprint.
func TestDBStaleFingerprintNeverMatches(t *testing.T) {
	dir := t.TempDir()
	path, db := filepath.Join(dir, "tickets.csv"), filepath.Join(dir, "k.duckdb")
	ticketsCSV(t, path, 0, 30)
	first, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	ws, err := openDB(t, db, path)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	ticketsCSV(t, path, 0, 40)
	if reused(t, db, 40, path) {
		t.Fatal("the longer file was not read")
	}
	if err := os.WriteFile(path, first, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	reused(t, db, 30, path) // Rows must be the 30 rows now in the file, not 40
}

// A source deleted since the last open is an error, not the kept table.
func TestDBDeletedFileErrors(t *testing.T) {
	dir := t.TempDir()
	path, db := filepath.Join(dir, "tickets.csv"), filepath.Join(dir, "k.duckdb")
	ticketsCSV(t, path, 0, 30)
	ws, err := openDB(t, db, path)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	os.Remove(path)
	ws, err = openDB(t, db, path)
	if err == nil {
		ws.Close()
		t.Fatal("a deleted file opened from the --db cache")
	}
	if !strings.Contains(err.Error(), "tickets.csv") {
		t.Errorf("error %q does not name the file", err)
	}
}

// One file of a glob deleted: the table is read again from the others.
func TestDBGlobFileDeletedReloads(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.duckdb")
	a, b := filepath.Join(dir, "t_1.csv"), filepath.Join(dir, "t_2.csv")
	ticketsCSV(t, a, 0, 30)
	ticketsCSV(t, b, 30, 20)
	src := "tickets=" + filepath.Join(dir, "t_*.csv")
	ws, err := openDB(t, db, src)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	mark(t, db, "tickets")
	if !reused(t, db, 50, src) {
		t.Fatal("unchanged glob not reused")
	}
	os.Remove(b)
	if reused(t, db, 30, src) {
		t.Fatal("a glob that lost a file reused its old table")
	}
}

// fingerprint follows each file of each table, and says when one is gone
// or not a file it can read, instead of leaving it out.
func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	ticketsCSV(t, a, 0, 3)
	ticketsCSV(t, b, 0, 3)
	sp := source.Spec{Path: dir}
	files := map[string][]string{"a": {a}, "b": {b}}
	fp := func() string {
		t.Helper()
		s, err := fingerprint(sp, files)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := fp()
	if fp() != first {
		t.Fatal("fingerprint differs for unchanged files")
	}
	later := time.Now().Add(time.Hour)
	os.Chtimes(b, later, later)
	touched := fp()
	if touched == first {
		t.Error("a touched file keeps the fingerprint")
	}
	ticketsCSV(t, b, 0, 4)
	os.Chtimes(b, later, later)
	if fp() == touched {
		t.Error("a file of another size keeps the fingerprint")
	}
	// Which table a file belongs to is part of it.
	files = map[string][]string{"ab": {a, b}}
	if fp() == touched {
		t.Error("files regrouped into one table keep the fingerprint")
	}
	// Another name, another delimiter: another source.
	s1, _ := fingerprint(source.Spec{Path: dir, Name: "x"}, files)
	s2, _ := fingerprint(source.Spec{Path: dir, Delimiter: ";"}, files)
	if s1 == fp() || s2 == fp() {
		t.Error("name or delimiter not in the fingerprint")
	}

	for name, bad := range map[string]func() string{
		"deleted": func() string { os.Remove(b); return b },
		"dangling symlink": func() string {
			l := filepath.Join(dir, "l.csv")
			os.Symlink(filepath.Join(dir, "nosuch.csv"), l)
			return l
		},
		"directory": func() string { d := filepath.Join(dir, "d.csv"); os.Mkdir(d, 0o755); return d },
	} {
		f := bad()
		if _, err := fingerprint(sp, map[string][]string{"a": {a}, "x": {f}}); err == nil {
			t.Errorf("%s file: no error", name)
		}
	}
	if _, err := fingerprint(sp, map[string][]string{}); err == nil {
		t.Error("no files: no error")
	}
}

// A file that cannot be read is not a cache hit: the open fails as it would
// without --db. Root reads a chmod 000 file, so as root the test runs again
// in a copy of the test binary as the unprivileged user nobody.
func TestDBUnreadableFileIsNotACacheHit(t *testing.T) {
	if os.Geteuid() == 0 {
		asNobody(t, "TestDBUnreadableFileIsNotACacheHit")
		return
	}
	dir := t.TempDir()
	path, db := filepath.Join(dir, "tickets.csv"), filepath.Join(dir, "k.duckdb")
	ticketsCSV(t, path, 0, 30)
	ws, err := openDB(t, db, path)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(path, 0o644) })
	ws, err = openDB(t, db, path)
	if err == nil {
		ws.Close()
		t.Fatal("an unreadable file opened from the --db cache")
	}
	if _, ferr := fingerprint(source.Spec{Path: path}, map[string][]string{"tickets": {path}}); ferr == nil {
		t.Error("fingerprint of an unreadable file: no error")
	}
}

// asNobody runs one test of this package in a copy of the test binary as
// the user nobody, and fails unless it passed there.
func asNobody(t *testing.T, test string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "kpiscope-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "workspace.test")
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	const nobody = 65534
	cmd := exec.Command(bin, "-test.run", "^"+test+"$", "-test.count=1", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+dir, "HOME="+dir, "GOCOVERDIR=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(err.Error(), "operation not permitted") {
		t.Skipf("cannot run as nobody here: %v", err)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: "+test) {
		t.Fatalf("%s as nobody: %v\n%s", test, err, out)
	}
}

// A folder source follows the files in its subfolders: one rewritten in
// place (the subfolder's own time does not change) is read again.
func TestDBSubfolderFileChangedReloads(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.duckdb")
	data := filepath.Join(dir, "data")
	sub := filepath.Join(data, "tickets")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(sub, "a.csv"), filepath.Join(sub, "b.csv")
	ticketsCSV(t, a, 0, 30)
	ticketsCSV(t, b, 30, 20)
	ws, err := openDB(t, db, data)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	mark(t, db, "tickets")
	if !reused(t, db, 50, data) {
		t.Fatal("unchanged folder not reused")
	}
	st, _ := os.Stat(sub)
	ticketsCSV(t, b, 30, 25)
	os.Chtimes(sub, st.ModTime(), st.ModTime())
	if reused(t, db, 55, data) {
		t.Fatal("a file rewritten in a subfolder was not read again")
	}
}
