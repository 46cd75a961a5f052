package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func openMem(t *testing.T) *DB {
	t.Helper()
	db, err := Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(t *testing.T, db *DB, q string, args ...any) {
	t.Helper()
	if err := db.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// A database file keeps its tables after Close; "" is memory and keeps
// nothing; a path that cannot be created is an error naming it.
func TestOpenFileAndMemory(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.duckdb")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	exec(t, db, "CREATE TABLE t AS SELECT 42 AS v")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.Query(ctx, "SELECT v FROM t")
	if err != nil || len(r.Data) != 1 || Int(r.Data[0][0]) != 42 {
		t.Fatalf("reopened file: %v %v", r, err)
	}
	db.Close()

	mem := openMem(t)
	if mem.Path() != "" {
		t.Errorf("memory Path() = %q", mem.Path())
	}
	if tables, err := mem.Tables(ctx); err != nil || len(tables) != 0 {
		t.Errorf("a new memory database has tables %v (%v)", tables, err)
	}

	bad := filepath.Join(t.TempDir(), "no", "such", "dir", "k.duckdb")
	if _, err := Open(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Open(%q) = %v, want an error naming the path", bad, err)
	}
}

// Arguments are bound, never spliced: a value full of SQL stays a value.
func TestExecQueryBindArguments(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	exec(t, db, "CREATE TABLE t (name VARCHAR, n INTEGER)")
	evil := "x'); DROP TABLE t; --"
	exec(t, db, "INSERT INTO t VALUES (?, ?), (?, ?)", evil, 1, "plain", 2)
	r, err := db.Query(ctx, "SELECT n, name FROM t WHERE name = ?", evil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Data) != 1 || Int(r.Data[0][0]) != 1 || r.Data[0][1] != evil {
		t.Fatalf("rows = %v", r.Data)
	}
	if got := strings.Join(r.Columns, ","); got != "n,name" {
		t.Errorf("Columns = %s", got)
	}
	if r.Index("name") != 1 || r.Index("n") != 0 || r.Index("nope") != -1 {
		t.Errorf("Index: name %d, n %d, nope %d", r.Index("name"), r.Index("n"), r.Index("nope"))
	}
	// An empty result is rows with columns and no data, not an error.
	r, err = db.Query(ctx, "SELECT n FROM t WHERE n > ?", 100)
	if err != nil || len(r.Data) != 0 || len(r.Columns) != 1 {
		t.Errorf("empty result: %+v %v", r, err)
	}
}

// DuckDB's errors come back on one line, still unwrappable to the driver's
// error; a cancelled context is context.Canceled, not a DuckDB message.
func TestErrors(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	_, err := db.Query(ctx, "SELECT nosuch FROM range(3)")
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("error %T %v, want *store.Error", err, err)
	}
	if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("error not one line naming the column: %q", err)
	}
	if errors.Unwrap(err) == nil {
		t.Error("the driver's error is lost")
	}
	if err := db.Exec(ctx, "CREATE TABLE"); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("Exec syntax error: %q", err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.Query(cancelled, "SELECT 1"); !errors.Is(err, context.Canceled) {
		t.Errorf("Query on a cancelled context: %v, want context.Canceled", err)
	}
	if err := db.Exec(cancelled, "CREATE TABLE c AS SELECT 1"); !errors.Is(err, context.Canceled) {
		t.Errorf("Exec on a cancelled context: %v, want context.Canceled", err)
	}
	if cleanErr(nil) != nil {
		t.Error("cleanErr(nil) is not nil")
	}
	if err := cleanErr(errors.New("INTERRUPT Error: Interrupted!")); !errors.Is(err, context.Canceled) {
		t.Errorf("an interrupted query: %v, want context.Canceled", err)
	}
	if got := cleanErr(errors.New("Binder Error: x\n\nLINE 1: y\nz")).Error(); got != "Binder Error: x: LINE 1: y z" {
		t.Errorf("flattened: %q", got)
	}
}

// odd are names that only quoting makes one identifier.
var odd = []string{`sp ace`, `quo"te`, `""`, `Mixed Case`, `select`, `a.b`, `tab	le`, `ünï`, `x'y`}

// Every name survives QuoteIdent as the same identifier, and Columns gives
// them back exactly, in table order, with their types; Tables lists them.
func TestQuoteIdentAndColumns(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	var defs, sel []string
	for i, n := range odd {
		ty := "VARCHAR"
		if i%2 == 1 {
			ty = "BIGINT"
		}
		defs = append(defs, QuoteIdent(n)+" "+ty)
		sel = append(sel, QuoteIdent(n))
	}
	table := `my "table"`
	exec(t, db, fmt.Sprintf("CREATE TABLE %s (%s)", QuoteIdent(table), strings.Join(defs, ", ")))
	cols, err := db.Columns(ctx, table)
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != len(odd) {
		t.Fatalf("Columns = %v", cols)
	}
	for i, c := range cols {
		want := "VARCHAR"
		if i%2 == 1 {
			want = "BIGINT"
		}
		if c.Name != odd[i] || c.Type != want {
			t.Errorf("column %d = %q %s, want %q %s", i, c.Name, c.Type, odd[i], want)
		}
	}
	if _, err := db.Query(ctx, fmt.Sprintf("SELECT %s FROM %s", strings.Join(sel, ", "), QuoteIdent(table))); err != nil {
		t.Errorf("selecting the quoted names: %v", err)
	}
	if cols, err := db.Columns(ctx, "nosuch"); err != nil || len(cols) != 0 {
		t.Errorf("Columns of a missing table = %v, %v; want none", cols, err)
	}
	if ts, err := db.Tables(ctx); err != nil || len(ts) != 1 || ts[0] != table {
		t.Errorf("Tables = %q, %v", ts, err)
	}
}

// QuoteLiteral gives back the same string, so file paths with quotes and
// spaces can be read; QuoteList is a list of such literals.
func TestQuoteLiteral(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	for _, s := range []string{"", "it's", "''", `a\b`, "x'); DROP TABLE t; --", "ünï\tcode"} {
		r, err := db.Query(ctx, "SELECT "+QuoteLiteral(s))
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if r.Data[0][0] != s {
			t.Errorf("QuoteLiteral(%q) reads back as %q", s, r.Data[0][0])
		}
	}
	dir := filepath.Join(t.TempDir(), "o'brien's files")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a 1.csv"), filepath.Join(dir, "b'2.csv")
	os.WriteFile(a, []byte("v\n1\n2\n"), 0o644)
	os.WriteFile(b, []byte("v\n3\n"), 0o644)
	r, err := db.Query(ctx, "SELECT CAST(sum(v) AS BIGINT) FROM read_csv("+QuoteList([]string{a, b})+")")
	if err != nil || Int(r.Data[0][0]) != 6 {
		t.Fatalf("read through QuoteList: %v %v", r, err)
	}
	if got := QuoteList([]string{"a", "b'c"}); got != `['a', 'b''c']` {
		t.Errorf("QuoteList = %s", got)
	}
}

// After Lock, the allowed files can be read and nothing else: not another
// file, not a write, not a setting to undo the lock.
func TestLock(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	allowed, other := filepath.Join(dir, "allowed.csv"), filepath.Join(dir, "other.csv")
	os.WriteFile(allowed, []byte("v\n1\n"), 0o644)
	os.WriteFile(other, []byte("v\n2\n"), 0o644)
	db := openMem(t)
	if db.Locked() {
		t.Fatal("a new database is locked")
	}
	exec(t, db, "CREATE TABLE t AS SELECT 7 AS v")
	if err := db.Lock(ctx, []string{allowed}); err != nil {
		t.Fatal(err)
	}
	if !db.Locked() {
		t.Fatal("Locked() is false after Lock")
	}
	if err := db.Lock(ctx, []string{other}); err != nil {
		t.Errorf("a second Lock: %v", err)
	}
	if r, err := db.Query(ctx, "SELECT v FROM t"); err != nil || Int(r.Data[0][0]) != 7 {
		t.Errorf("a loaded table after Lock: %v %v", r, err)
	}
	if r, err := db.Query(ctx, "SELECT v FROM read_csv("+QuoteLiteral(allowed)+")"); err != nil || Int(r.Data[0][0]) != 1 {
		t.Errorf("the allowed file after Lock: %v %v", r, err)
	}
	for _, q := range []string{
		"SELECT * FROM read_csv(" + QuoteLiteral(other) + ")", // the second Lock allowed nothing more
		"SELECT * FROM read_text(" + QuoteLiteral("/etc/passwd") + ")",
		"COPY t TO " + QuoteLiteral(filepath.Join(dir, "out.csv")),
		"SET enable_external_access = true",
		"SET lock_configuration = false",
		"INSTALL httpfs",
	} {
		if _, err := db.Query(ctx, q); err == nil {
			t.Errorf("allowed after Lock: %s", q)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out.csv")); err == nil {
		t.Error("COPY wrote a file after Lock")
	}
}

// Lock with no paths allows no file at all.
func TestLockNoPaths(t *testing.T) {
	ctx := context.Background()
	f := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(f, []byte("v\n1\n"), 0o644)
	db := openMem(t)
	if err := db.Lock(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Query(ctx, "SELECT * FROM read_csv("+QuoteLiteral(f)+")"); err == nil {
		t.Error("a file read after Lock(nil)")
	}
}

// Many goroutines query one DB while one locks it (run with -race).
func TestConcurrentQueries(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	exec(t, db, "CREATE TABLE t AS SELECT i FROM range(1000) r(i)")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				r, err := db.Query(ctx, "SELECT count(*) FROM t WHERE i % 8 = ?", g)
				if err != nil {
					errs <- err
					return
				}
				if n := Int(r.Data[0][0]); n != 125 {
					errs <- fmt.Errorf("goroutine %d: count %d, want 125", g, n)
					return
				}
				_ = db.Locked()
			}
		}(g)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := db.Lock(ctx, nil); err != nil {
			errs <- err
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestIntFloat(t *testing.T) {
	for _, tc := range []struct {
		v   any
		i   int64
		f   float64
		okF bool
	}{
		{int64(-5), -5, -5, true},
		{int32(7), 7, 7, true},
		{int16(-3), -3, -3, true},
		{int8(2), 2, 2, true},
		{uint64(9), 9, 9, true},
		{uint32(4), 4, 4, true},
		{uint16(6), 6, 6, true},
		{uint8(1), 1, 1, true},
		{float64(2.9), 2, 2.9, true},
		{float32(0.5), 0, 0.5, true},
		{"12", 0, 0, false},
		{nil, 0, 0, false},
		{math.NaN(), 0, 0, false},
		{math.Inf(1), 0, 0, false},
	} {
		if got := Int(tc.v); got != tc.i && !isNaNOrInf(tc.v) {
			t.Errorf("Int(%#v) = %d, want %d", tc.v, got, tc.i)
		}
		f, ok := Float(tc.v)
		if ok != tc.okF || ok && math.Abs(f-tc.f) > 1e-6 {
			t.Errorf("Float(%#v) = %v, %v; want %v, %v", tc.v, f, ok, tc.f, tc.okF)
		}
	}
	// What DuckDB scans for the aggregates the engine runs. (A HUGEINT,
	// sum() of integers, scans as *big.Int, which neither reads: cast it.)
	db := openMem(t)
	r, err := db.Query(context.Background(), "SELECT avg(i), count(*), CAST(sum(i) AS BIGINT), CAST(sum(i) AS DOUBLE) FROM range(5) r(i)")
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := Float(r.Data[0][0]); !ok || f != 2 {
		t.Errorf("avg = %v (%T)", r.Data[0][0], r.Data[0][0])
	}
	if Int(r.Data[0][1]) != 5 || Int(r.Data[0][2]) != 10 {
		t.Errorf("count, sum = %v (%T), %v (%T)", r.Data[0][1], r.Data[0][1], r.Data[0][2], r.Data[0][2])
	}
	if f, ok := Float(r.Data[0][3]); !ok || f != 10 {
		t.Errorf("sum as double = %v", r.Data[0][3])
	}
}

func isNaNOrInf(v any) bool {
	f, ok := v.(float64)
	return ok && (math.IsNaN(f) || math.IsInf(f, 0))
}

// A locked engine refuses the progress settings; ExecProgress still runs the
// statement (serve builds its rollups on a locked engine), without progress.
func TestExecProgressLocked(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	if err := db.Lock(ctx, nil); err != nil {
		t.Fatal(err)
	}
	calls := 0
	if err := db.ExecProgress(ctx, func(float64) { calls++ }, "CREATE TABLE r AS SELECT i % 7 AS k, count(*) AS n FROM range(1000) t(i) GROUP BY 1"); err != nil {
		t.Fatalf("ExecProgress on a locked engine: %v", err)
	}
	r, err := db.Query(ctx, "SELECT CAST(sum(n) AS BIGINT) FROM r")
	if err != nil || Int(r.Data[0][0]) != 1000 {
		t.Fatalf("statement result: %v %v", r, err)
	}
	if err := db.ExecProgress(ctx, nil, "SELECT nosuch"); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("a failing statement: %v, want a one-line error", err)
	}
}
