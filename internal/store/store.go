// Package store is the only package that talks to DuckDB through database/sql.
// It opens the database, runs queries under a context, quotes identifiers and
// literals through one tested helper, and locks the engine for untrusted users.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// DB is a DuckDB database shared by every query of a process. It is safe for
// concurrent use; DuckDB runs queries from several connections in parallel.
type DB struct {
	sql    *sql.DB
	conn   *duckdb.Connector
	path   string
	spill  string // the private folder an in-memory database spills to, removed by Close
	mu     sync.RWMutex
	locked bool
}

// memoryLimit is DuckDB's memory_limit in bytes for the databases Open opens;
// 0 leaves DuckDB's default (80% of RAM).
var memoryLimit atomic.Int64

// SetMemoryLimit caps the memory of every database opened after it, in bytes;
// 0 (or less) leaves DuckDB's default, 80% of RAM. DuckDB's threads setting
// keeps its default, one per core, unless KPISCOPE_THREADS says otherwise
// (EnvThreads). The limit is one setting for the process,
// taken from the command line before anything is opened, so that it reaches
// every Open (data, reloads, init's probes) without each caller passing it on.
func SetMemoryLimit(bytes int64) { memoryLimit.Store(max(bytes, 0)) }

// MemoryLimit returns the cap SetMemoryLimit set, 0 for DuckDB's default.
func MemoryLimit() int64 { return memoryLimit.Load() }

// Open opens a DuckDB database. An empty path means an in-memory database.
func Open(path string) (*DB, error) {
	c, err := duckdb.NewConnector(path, nil)
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	db := sql.OpenDB(c)
	// Periods are cut in UTC whatever the host's zone, so the same data gives
	// the same numbers on every machine and for every SSH user.
	// No statement installs or loads an extension by itself (INET,
	// excel_text would download one): kpiscope needs only the built-in
	// parquet, json and icu, and the SQL prompt refuses INSTALL and LOAD.
	settings := []string{"SET GLOBAL TimeZone = 'UTC'",
		"SET GLOBAL autoinstall_known_extensions = false",
		"SET GLOBAL autoload_known_extensions = false",
		// Parquet sources are views over the files: without the cache every
		// statement, even one bound against no rows, reads and decodes each
		// file's footer again (15–20 ms for a 100M-row file, 1 ms with it;
		// 25 KPI checks at open took 0.68 s). DuckDB checks each entry
		// against the file's modification time, so a rewritten file is read
		// afresh.
		"SET GLOBAL parquet_metadata_cache = true"}
	threads, err := openThreads()
	if err != nil {
		db.Close()
		c.Close()
		return nil, err
	}
	if threads > 0 {
		settings = append(settings, fmt.Sprintf("SET GLOBAL threads = %d", threads))
	}
	if n := memoryLimit.Load(); n > 0 {
		settings = append(settings, fmt.Sprintf("SET GLOBAL memory_limit = '%dB'", n))
	}
	// Past its memory limit an in-memory database writes what it holds to
	// temp_directory, by default ".tmp" in the current directory: the user's
	// folder would get gigabytes of spill files, left there when the program
	// is killed. Its own folder in the system's temp directory instead,
	// removed by Close (and by the next Open when a killed process left it).
	// A --db file's database spills next to its file, where the user put it.
	spill := ""
	if path == "" {
		sweepSpill()
		if dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", spillPrefix, os.Getpid())); err == nil {
			spill = dir
			settings = append(settings, "SET GLOBAL temp_directory = "+QuoteLiteral(dir))
		}
	}
	// Best effort, see keepPurging (the database's own setting, then the
	// process's through the purger).
	db.Exec("SET GLOBAL allocator_background_threads = true")
	for _, s := range settings {
		if _, err := db.Exec(s); err != nil {
			db.Close()
			c.Close()
			if spill != "" {
				os.RemoveAll(spill)
			}
			return nil, fmt.Errorf("open database %q: %w", path, cleanErr(err))
		}
	}
	return &DB{sql: db, conn: c, path: path, spill: spill}, nil
}

// spillPrefix names the folders in-memory databases spill to:
// kpiscope-spill-<pid>-<random>.
const spillPrefix = "kpiscope-spill-"

// sweepSpill removes the spill folders of kpiscope processes that no longer
// run (killed before Close); another user's, or a running process's, stay.
func sweepSpill() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), spillPrefix+"*"))
	for _, dir := range dirs {
		rest := strings.TrimPrefix(filepath.Base(dir), spillPrefix)
		pid, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, '-'), 0)])
		if err != nil || pid <= 0 || processRuns(pid) {
			continue
		}
		os.RemoveAll(dir)
	}
}

// SpillDir is the folder an in-memory database spills to past its memory
// limit ("" for a --db file's database, which spills next to its file).
func (d *DB) SpillDir() string { return d.spill }

// progressEvery is how often ExecProgress polls DuckDB (tests poll faster).
var progressEvery = 250 * time.Millisecond

// ExecProgress runs a statement like Exec and, while it runs, reports
// DuckDB's estimate of how much of it is done (0–1) about every 250 ms, for
// long statements such as building rollups over millions of rows.
func (d *DB) ExecProgress(ctx context.Context, progress func(done float64), query string, args ...any) error {
	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return cleanErr(err)
	}
	defer conn.Close()
	var raw mapping.Connection
	_ = conn.Raw(func(dc any) error {
		if c, ok := dc.(*duckdb.Conn); ok && c != nil {
			// duckdb-go keeps the C connection as the first field of Conn and
			// offers no accessor; duckdb_query_progress is meant to be polled
			// from another thread while a query runs. Pinned by go.mod and
			// checked by TestExecProgress.
			raw = *(*mapping.Connection)(unsafe.Pointer(c))
		}
		return nil
	})
	if raw.Ptr != nil && progress != nil {
		// Progress is tracked only with the progress bar on; it must never be
		// printed (it would land on the explorer's screen). A locked engine
		// refuses settings: then there is no progress.
		_, err := conn.ExecContext(ctx, "SET enable_progress_bar_print = false")
		if err == nil {
			_, err = conn.ExecContext(ctx, "SET progress_bar_time = 0")
		}
		if err == nil {
			_, err = conn.ExecContext(ctx, "SET enable_progress_bar = true")
		}
		if err != nil {
			raw = mapping.Connection{}
		}
	}
	stop := make(chan struct{})
	polled := make(chan struct{})
	if raw.Ptr != nil && progress != nil {
		go func() {
			defer close(polled)
			t := time.NewTicker(progressEvery)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					p := mapping.QueryProgress(raw)
					pct, _, _ := mapping.QueryProgressTypeMembers(&p)
					if pct >= 0 {
						progress(min(pct/100, 1))
					}
				}
			}
		}()
	} else {
		close(polled)
	}
	_, err = conn.ExecContext(ctx, query, args...)
	close(stop)
	<-polled // no poll of a connection handed back to the pool
	return cleanErr(err)
}

// Close releases the database.
func (d *DB) Close() error {
	err := d.sql.Close()
	if cerr := d.conn.Close(); err == nil {
		err = cerr
	}
	keepPurging() // closing a database turns the process's purging off
	if d.spill != "" {
		os.RemoveAll(d.spill)
	}
	return err
}

// purger is a database never closed, which keepPurging sets the allocator
// through (a locked database refuses SET).
var (
	purgerOnce sync.Once
	purger     *sql.DB
)

// keepPurging turns on the background purging of DuckDB's allocator
// (jemalloc, on Linux), which otherwise keeps freed pages until it purges
// them: a 10M-ticket rollup build peaked at 1.33 GB instead of 1.82 GB of
// memory with DuckDB at 1 GiB (docs/benchmarks.md). The setting is one for
// the process, and closing any database sets it back off: Open sets it on
// the database it opens, Close through the purger. Best effort: a DuckDB without jemalloc has nothing to
// purge.
func keepPurging() {
	purgerOnce.Do(func() {
		if c, err := duckdb.NewConnector("", nil); err == nil {
			purger = sql.OpenDB(c)
		}
	})
	if purger != nil {
		purger.Exec("SET GLOBAL allocator_background_threads = true")
	}
}

// Path is the database file, or "" for memory.
func (d *DB) Path() string { return d.path }

// Exec runs a statement with bound arguments.
func (d *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := d.sql.ExecContext(ctx, query, args...)
	return cleanErr(err)
}

// Query runs a query with bound arguments and returns all rows as generic values.
// Every query a user triggers goes through here so that cancellation is honoured.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*Rows, error) {
	return queryOn(ctx, d.sql, query, args...)
}

// queryOn runs a query on the pool or on one connection (see Conn).
func queryOn(ctx context.Context, on interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) (*Rows, error) {
	rows, err := on.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, cleanErr(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, cleanErr(err)
	}
	data, err := readAll(ctx, rows, len(cols), nil)
	if err != nil {
		return nil, err
	}
	return &Rows{Columns: cols, Data: data}, nil
}

// readAll reads every row of rows, which has n columns, passing each value
// through conv unless conv is nil. A query that ended because ctx did
// returns ctx's error.
func readAll(ctx context.Context, rows *sql.Rows, n int, conv func(any) any) ([][]any, error) {
	data, err := ScanAll(rows, n, conv)
	if err != nil {
		return nil, cleanErr(err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return data, nil
}

// ScanAll reads every row of rows, which has n columns, passing each value
// through conv unless conv is nil; errors come back as the driver gave
// them, for the caller's own wording (the ClickHouse readers use it too).
func ScanAll(rows *sql.Rows, n int, conv func(any) any) ([][]any, error) {
	var data [][]any
	for rows.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		if conv != nil {
			for i, v := range vals {
				vals[i] = conv(v)
			}
		}
		data = append(data, vals)
	}
	return data, rows.Err()
}

// Rows is a fully read result set.
type Rows struct {
	Columns []string
	Data    [][]any
}

// Index returns the position of a column, or -1.
func (r *Rows) Index(name string) int {
	for i, c := range r.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// QuoteIdent quotes a column or table name for DuckDB: any name, including spaces,
// punctuation, quotes and odd case, becomes one identifier.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QuoteLiteral quotes a string as an SQL literal; used for file paths in table
// functions, which DuckDB cannot take as bound parameters in every position.
func QuoteLiteral(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}

// QuoteList renders a list literal of quoted strings: ['a', 'b'].
func QuoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = QuoteLiteral(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// Lock confines the engine to the given files: after it, no query can read or
// write any other path, and the settings cannot be changed back.
func (d *DB) Lock(ctx context.Context, allowedPaths []string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.locked {
		return nil
	}
	if len(allowedPaths) > 0 {
		if err := d.Exec(ctx, "SET allowed_paths = "+QuoteList(allowedPaths)); err != nil {
			return fmt.Errorf("lock engine: %w", err)
		}
	}
	for _, s := range []string{
		"SET enable_external_access = false",
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		"SET lock_configuration = true",
	} {
		if err := d.Exec(ctx, s); err != nil {
			return fmt.Errorf("lock engine (%s): %w", s, err)
		}
	}
	d.locked = true
	return nil
}

// Locked reports whether Lock has run.
func (d *DB) Locked() bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.locked
}

// cleanErr strips DuckDB's multi-line decorations so an error fits on one line.
func cleanErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	msg := err.Error()
	msg = strings.ReplaceAll(msg, "\n\n", ": ")
	msg = strings.ReplaceAll(msg, "\n", " ")
	if strings.Contains(msg, "INTERRUPT") || strings.Contains(msg, "Interrupted") {
		return context.Canceled
	}
	return &Error{Msg: msg, err: err}
}

// Error is a DuckDB error flattened to one line.
type Error struct {
	Msg string
	err error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.err }

// Column is one column of a table or view.
type Column struct {
	Name string
	Type string // DuckDB type name, e.g. VARCHAR, BIGINT, TIMESTAMP
}

// Columns lists a table's columns in order.
func (d *DB) Columns(ctx context.Context, table string) ([]Column, error) {
	rows, err := d.Query(ctx, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' ORDER BY ordinal_position", table)
	if err != nil {
		return nil, err
	}
	out := make([]Column, 0, len(rows.Data))
	for _, r := range rows.Data {
		out = append(out, Column{Name: fmt.Sprint(r[0]), Type: fmt.Sprint(r[1])})
	}
	return out, nil
}

// Tables lists the tables and views in the main schema.
func (d *DB) Tables(ctx context.Context) ([]string, error) {
	rows, err := d.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rows.Data))
	for _, r := range rows.Data {
		out = append(out, fmt.Sprint(r[0]))
	}
	return out, nil
}

// Int reads a scanned integer of any width (0 for anything else).
func Int(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint64:
		return int64(x)
	case uint32:
		return int64(x)
	case uint16:
		return int64(x)
	case uint8:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

// Float reads a scanned number; NaN, infinities and non-numbers are not values.
func Float(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int64, int32, int16, int8, uint64, uint32, uint16, uint8:
		f = float64(Int(x))
	default:
		return 0, false
	}
	return f, !math.IsNaN(f) && !math.IsInf(f, 0)
}
