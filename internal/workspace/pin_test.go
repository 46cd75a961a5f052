package workspace

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kpiscope/internal/source"
	"kpiscope/internal/store"
)

// parquetTickets writes n tickets (every third scored 2, the rest 5) as
// tickets.parquet in dir.
func parquetTickets(t *testing.T, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("ticket_id,channel,csat,resolved_at\n")
	for i := 0; i < n; i++ {
		score := 5
		if i%3 == 0 {
			score = 2
		}
		fmt.Fprintf(&b, "%d,%s,%d,2026-01-%02d\n", i, []string{"chat", "email"}[i%2], score, 1+i%28)
	}
	csv := filepath.Join(dir, "tickets.csv")
	if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	pq := filepath.Join(dir, "tickets.parquet")
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Exec(context.Background(), fmt.Sprintf("COPY (SELECT * FROM read_csv(%s)) TO %s (FORMAT parquet)",
		store.QuoteLiteral(csv), store.QuoteLiteral(pq))); err != nil {
		t.Fatal(err)
	}
	os.Remove(csv)
	return pq
}

func count(t *testing.T, db *store.DB, q string) (int64, error) {
	t.Helper()
	r, err := db.Query(context.Background(), q)
	if err != nil {
		return 0, err
	}
	return store.Int(r.Data[0][0]), nil
}

// Once pinned, nothing reads the user's file: the view's SQL names only the
// private copy, the engine locked as serve locks it is refused the user's
// file yet answers from the copy, and the copy lives in a folder only the
// user can open, removed with the workspace. (This is what makes chmod 000
// harmless even where it stops nothing, as for root.)
func TestPinnedReadsNeverTouchTheFile(t *testing.T) {
	ctx := context.Background()
	path := parquetTickets(t, t.TempDir(), 30)
	ws, err := Open(ctx, Options{Sources: []string{path}, NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if ws.Pinned() {
		t.Fatal("a Parquet workspace reports pinned before Pin")
	}
	if err := ws.Pin(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if !ws.Pinned() || len(ws.Tables[0].Pinned) != 1 {
		t.Fatalf("after Pin: pinned %v, tables %+v", ws.Pinned(), ws.Tables)
	}
	copyPath := ws.Tables[0].Pinned[0]
	if ws.Tables[0].Files[0] != path {
		t.Errorf("Files = %v, want the user's file kept for watching and messages", ws.Tables[0].Files)
	}
	st, err := os.Stat(filepath.Dir(copyPath))
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("snapshot folder mode = %v (%v), want 0700", st.Mode().Perm(), err)
	}
	r, err := ws.DB.Query(ctx, "SELECT sql FROM duckdb_views() WHERE view_name = 'tickets'")
	if err != nil || len(r.Data) != 1 {
		t.Fatalf("view definition: %v %v", r, err)
	}
	if def := fmt.Sprint(r.Data[0][0]); strings.Contains(def, path) || !strings.Contains(def, copyPath) {
		t.Errorf("the view reads %s, want only the copy %s", def, copyPath)
	}
	if got := source.AllowedPaths(ws.Tables); len(got) != 1 || got[0] != copyPath {
		t.Errorf("AllowedPaths = %v, want only the copy", got)
	}
	if err := ws.DB.Lock(ctx, source.AllowedPaths(ws.Tables)); err != nil {
		t.Fatal(err)
	}
	if _, err := count(t, ws.DB, "SELECT count(*) FROM read_parquet("+store.QuoteLiteral(path)+")"); err == nil {
		t.Error("the locked engine can still read the user's file")
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n, err := count(t, ws.DB, "SELECT count(*) FILTER (WHERE csat = 5) FROM tickets"); err != nil || n != 20 {
		t.Errorf("good tickets after the file was overwritten = %d, %v; want 20 from the copy", n, err)
	}
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(copyPath)); !os.IsNotExist(err) {
		t.Errorf("the snapshot folder outlives its workspace: %v", err)
	}
}

// A --db file works pinned: the persisted view reads the user's file again
// after Close, and after a crash (the copies gone, the view still on them)
// the next open points it back at the file.
func TestPinnedDBFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := parquetTickets(t, dir, 30)
	dbPath := filepath.Join(dir, "cache.duckdb")
	opt := Options{Sources: []string{path}, DBPath: dbPath, NoConfig: true}
	open := func() *Workspace {
		t.Helper()
		ws, err := Open(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		return ws
	}
	ws := open()
	if err := ws.Pin(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}
	ws = open()
	if n, err := count(t, ws.DB, "SELECT count(*) FROM tickets"); err != nil || n != 30 {
		t.Fatalf("reopened --db file after a pinned session: %d rows, %v", n, err)
	}
	if err := ws.Pin(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// A crash: the database is closed as is, the copies are gone.
	ws.DB.Close()
	ws.snap.Remove()
	ws = open()
	defer ws.Close()
	if n, err := count(t, ws.DB, "SELECT count(*) FROM tickets"); err != nil || n != 30 {
		t.Fatalf("reopened --db file after a crashed pinned session: %d rows, %v", n, err)
	}
	if ws.Tables[0].Rows != 30 {
		t.Errorf("a reused table's rows = %d, want 30 (a reload compares them)", ws.Tables[0].Rows)
	}
}

// A reload that finds a table at less than half its rows says so, per KPI
// reading it, in the words a user reads: "tickets: 1.2M → 40k rows".
func TestCompareWarnsOfShrink(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	prevWS, err := Open(ctx, Options{Sources: []string{parquetTickets(t, dir, 40)}, NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer prevWS.Close()
	next, err := Open(ctx, Options{Sources: []string{parquetTickets(t, t.TempDir(), 10)}, NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	next.Compare(prevWS)
	if got := next.ShrinkText(); got != "tickets: 40 → 10 rows" {
		t.Errorf("ShrinkText = %q", got)
	}
	if w := next.Warnings["csat"]; len(w) != 1 || !strings.HasPrefix(w[0], "tickets: 40 → 10 rows") {
		t.Errorf("CSAT's warnings = %q, want the shrink", w)
	}
	prevWS.Compare(next) // growing is no news
	if len(prevWS.Shrunk) != 0 || prevWS.Warnings == nil || len(prevWS.Warnings) != 0 {
		t.Errorf("a table that grew: %v %v", prevWS.Shrunk, prevWS.Warnings)
	}
	for n, want := range map[int64]string{950: "950", 40_000: "40k", 1_200_000: "1.2M", 1_234: "1.2k", 250_000: "250k", 3_000_000_000: "3B"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

// A reload pins from the workspace it replaces: a file unchanged since
// shares its copy (no second copy of a big file when only the config
// changed), and the copy outlives the old workspace; a changed file is
// copied anew.
func TestPinSharesUnchangedCopies(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := parquetTickets(t, dir, 30)
	opt := Options{Sources: []string{path}, NoConfig: true}
	pinned := func(prev *Workspace) *Workspace {
		t.Helper()
		ws, err := Open(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := ws.Pin(ctx, prev); err != nil {
			t.Fatal(err)
		}
		return ws
	}
	same := func(a, b *Workspace) bool {
		t.Helper()
		sa, err1 := os.Stat(a.Tables[0].Pinned[0])
		sb, err2 := os.Stat(b.Tables[0].Pinned[0])
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		return os.SameFile(sa, sb)
	}
	first := pinned(nil)
	second := pinned(first)
	defer second.Close()
	if !same(first, second) {
		t.Error("an unchanged file was copied again")
	}
	first.Close()
	if n, err := count(t, second.DB, "SELECT count(*) FROM tickets"); err != nil || n != 30 {
		t.Fatalf("after the first workspace closed: %d rows, %v", n, err)
	}
	parquetTickets(t, dir, 12) // a new export over the file
	third := pinned(second)
	defer third.Close()
	if same(second, third) {
		t.Error("a changed file shares the old copy")
	}
	if n, err := count(t, third.DB, "SELECT count(*) FROM tickets"); err != nil || n != 12 {
		t.Errorf("after the change: %d rows, %v; want 12", n, err)
	}
}
