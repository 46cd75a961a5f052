package kpi

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"kpiscope/internal/store"
)

// The ClickHouse executor (issue 16): a warehouse the engine reads instead
// of its own DuckDB. It connects with clickhouse-go over the native
// protocol (its HTTP mode does not talk to 18.16), runs the plans
// renderClickHouse writes with the values bound, and reads the rows back
// as the DuckDB store does. It only reads: every statement it runs is a
// SELECT, each with max_execution_time and max_memory_usage set.

// WarehouseOptions are the per-query limits on a warehouse.
type WarehouseOptions struct {
	// MaxExecutionTime is ClickHouse's max_execution_time for each query
	// (default 120 s).
	MaxExecutionTime time.Duration
	// MaxMemoryUsage is ClickHouse's max_memory_usage for each query, in
	// bytes (default 4 GB).
	MaxMemoryUsage int64
	// Tables maps the names the KPI definitions read (a kpiscope.yaml's
	// sources) to the warehouse's tables: TABLE in the URL's database or
	// DATABASE.TABLE, local MergeTree or Distributed. Empty: every table of
	// the URL's database under its own name.
	Tables map[string]string
	// Settings are more ClickHouse settings for every query (max_threads,
	// max_rows_to_read, …), checked against the server's system.settings
	// when the warehouse opens (*SettingError).
	Settings map[string]any
}

// SettingError is a setting the server does not know.
type SettingError struct {
	URL  string
	Name string
	Near []string
}

func (e *SettingError) Error() string {
	msg := fmt.Sprintf("warehouse %s: ClickHouse has no setting %q", e.URL, e.Name)
	if len(e.Near) > 0 {
		msg += fmt.Sprintf("; did you mean %s?", e.Near[0])
	}
	return msg
}

// Default per-query limits on a warehouse.
const (
	DefaultMaxExecutionTime = 120 * time.Second
	DefaultMaxMemoryUsage   = int64(4_000_000_000)
)

// Warehouse is a ClickHouse database the engine reads (NewWarehouse).
type Warehouse struct {
	url      string // without its password, for messages
	database string
	db       *sql.DB
	opt      WarehouseOptions
}

// WarehouseURLHelp is the form of a warehouse's URL, for messages.
const WarehouseURLHelp = "clickhouse://USER:PASSWORD@HOST:9000/DATABASE (the native port, 9000 by default, not the HTTP port 8123)"

// IsWarehouseURL reports whether a source names a warehouse rather than a file.
func IsWarehouseURL(s string) bool {
	return strings.HasPrefix(strings.ToLower(s), "clickhouse://")
}

// OpenWarehouse connects to a ClickHouse database named by a URL,
// clickhouse://user:password@host:9000/database, and checks that it
// answers and that the database exists. max_execution_time and
// max_memory_usage in the URL's query override opt's; other parameters
// are clickhouse-go's (dial_timeout, secure, …).
func OpenWarehouse(ctx context.Context, raw string, opt WarehouseOptions) (*Warehouse, error) {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, "clickhouse") || u.Host == "" {
		shown := redactRaw(raw)
		if err == nil {
			shown = u.Redacted()
		}
		return nil, fmt.Errorf("warehouse %q: not a ClickHouse URL; write it as %s", shown, WarehouseURLHelp)
	}
	shown := u.Redacted()
	q := u.Query()
	if v := q.Get("max_execution_time"); v != "" {
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil || secs <= 0 {
			return nil, fmt.Errorf("warehouse %s: max_execution_time=%s: give seconds, e.g. 120", shown, v)
		}
		opt.MaxExecutionTime = time.Duration(secs * float64(time.Second))
		q.Del("max_execution_time")
	}
	if v := q.Get("max_memory_usage"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("warehouse %s: max_memory_usage=%s: give bytes, e.g. 4000000000", shown, v)
		}
		opt.MaxMemoryUsage = n
		q.Del("max_memory_usage")
	}
	if opt.MaxExecutionTime <= 0 {
		opt.MaxExecutionTime = DefaultMaxExecutionTime
	}
	if opt.MaxMemoryUsage <= 0 {
		opt.MaxMemoryUsage = DefaultMaxMemoryUsage
	}
	if !q.Has("dial_timeout") {
		q.Set("dial_timeout", "5s")
	}
	u.RawQuery = q.Encode()
	database := strings.Trim(u.Path, "/")
	if database == "" {
		database = "default"
		u.Path = "/default"
	}
	co, err := clickhouse.ParseDSN(u.String())
	if err != nil {
		return nil, fmt.Errorf("warehouse %s: %v; write it as %s", shown, err, WarehouseURLHelp)
	}
	// A query may run as long as ClickHouse lets it, and its answer arrive.
	co.ReadTimeout = opt.MaxExecutionTime + 30*time.Second
	w := &Warehouse{url: shown, database: database, db: clickhouse.OpenDB(co), opt: opt}
	w.opt.Settings = nil // until checkOptions has checked them
	w.db.SetMaxOpenConns(8)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := w.db.PingContext(pctx); err != nil {
		w.db.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if strings.Contains(err.Error(), "code: 81,") { // UNKNOWN_DATABASE
			return nil, fmt.Errorf("warehouse %s: no database %q on the server; name one in the URL's path: %s", shown, database, WarehouseURLHelp)
		}
		var ex *clickhouse.Exception
		if errors.As(err, &ex) && (ex.Code == 192 || ex.Code == 193 || ex.Code == 516) {
			return nil, fmt.Errorf("warehouse %s: the server refused the login (%s); %s", shown, oneLine(errors.New(ex.Message)), chHints[ex.Code])
		}
		return nil, fmt.Errorf("warehouse %s: cannot reach ClickHouse (%v); check that the server runs and the URL: %s", shown, oneLine(err), WarehouseURLHelp)
	}
	rows, err := w.query(ctx, "SELECT name FROM system.databases ORDER BY name")
	if err != nil {
		w.db.Close()
		return nil, fmt.Errorf("warehouse %s: %v", shown, err)
	}
	var names []string
	for _, r := range rows.Data {
		if n := fmt.Sprint(r[0]); n == database {
			if err := w.checkOptions(ctx, opt.Settings); err != nil {
				w.db.Close()
				return nil, err
			}
			return w, nil
		} else if n != "system" {
			names = append(names, n)
		}
	}
	w.db.Close()
	return nil, fmt.Errorf("warehouse %s: no database %q on the server (databases: %s); name one in the URL's path", shown, database, strings.Join(limit(names, 12), ", "))
}

// Close closes the connections.
func (w *Warehouse) Close() error { return w.db.Close() }

// URL is the warehouse's URL without its password.
func (w *Warehouse) URL() string { return w.url }

// render writes a plan for ClickHouse (render_clickhouse.go), each table as
// the warehouse names it.
func (w *Warehouse) render(q *queryPlan) (string, []any, error) {
	return renderClickHouseOn(q, w.table)
}

// table is a table the engine reads as the warehouse names it, quoted: the
// table WarehouseOptions.Tables maps the name to (DATABASE.TABLE or a table
// of the URL's database), else the name itself.
func (w *Warehouse) table(name string) string {
	t, ok := w.opt.Tables[name]
	if !ok {
		return chQuoteIdent(name)
	}
	if db, tb, ok := strings.Cut(t, "."); ok {
		return chQuoteIdent(db) + "." + chQuoteIdent(tb)
	}
	return chQuoteIdent(t)
}

// query runs a SELECT with the per-query limits and reads every row: NULL
// as nil (the driver's pointers for Nullable columns dereferenced),
// decimals as float64, times in UTC.
func (w *Warehouse) query(ctx context.Context, q string, args ...any) (*store.Rows, error) {
	if head := strings.ToUpper(strings.TrimLeft(q, " \t\n(")); !strings.HasPrefix(head, "SELECT") {
		return nil, errors.New("a warehouse is read-only: only SELECT runs there")
	}
	set := clickhouse.Settings{}
	for k, v := range w.opt.Settings {
		set[k] = v
	}
	set["max_execution_time"] = int(w.opt.MaxExecutionTime.Round(time.Second) / time.Second)
	set["max_memory_usage"] = int(w.opt.MaxMemoryUsage)
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(set))
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, chError(ctx, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, chError(ctx, err)
	}
	out := &store.Rows{Columns: cols}
	if out.Data, err = chReadRows(ctx, rows, len(cols)); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// chScanned is a scanned ClickHouse value as the DuckDB store reads its kind:
// pointers dereferenced (nil: NULL), decimals as float64, times in UTC.
func chScanned(v any) any {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return nil
	}
	v = rv.Interface()
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case interface{ Float64() (float64, bool) }: // shopspring's decimal
		f, _ := x.Float64()
		return f
	}
	return v
}

// chError is a driver error on one line; a cancelled or timed-out context
// is itself.
func chError(ctx context.Context, err error) error {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return ctx.Err()
	}
	msg := oneLine(err)
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		msg = fmt.Sprintf("code: %d, message: %s", ex.Code, oneLine(errors.New(ex.Message)))
		if hint := chHints[ex.Code]; hint != "" {
			msg += "; " + hint
		}
	}
	return errors.New("ClickHouse: " + msg)
}

// chHints say what to do about the server errors a user can fix.
var chHints = map[int32]string{
	159: "the query ran past max_execution_time: raise it (?max_execution_time=SECONDS on the URL, or settings: in warehouse:) or narrow the slice",
	241: "the query needed more than max_memory_usage: raise it (?max_memory_usage=BYTES on the URL, or settings: in warehouse:) or narrow the slice",
	192: "no such user on the server: check the URL's USER",
	193: "wrong password: check the URL's password or password_env:",
	516: "the server refused the user or password: check the URL's USER and password (or password_env:)",
	38:  "a date ClickHouse cannot read: write dates as 'YYYY-MM-DD'",
	41:  "a timestamp ClickHouse cannot read: compare a timestamp column with TIMESTAMP '2026-06-01' or '2026-06-01 00:00:00', not a bare date",
}

// oneLine is an error's text on one line, without a server's stack trace.
func oneLine(err error) string {
	s := err.Error()
	if i := strings.Index(s, "Stack trace:"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(strings.Join(strings.Fields(s), " "), " .,")
}

// TableError is a table WarehouseOptions.Tables maps a name to that the
// warehouse does not have.
type TableError struct {
	URL      string // the warehouse's, without its password
	Name     string // the name the definitions read
	Table    string // as mapped: TABLE or DATABASE.TABLE
	Database string // the database looked in
	Known    []string
}

func (e *TableError) Error() string {
	return fmt.Sprintf("warehouse %s: %s maps to %s, which %s", e.URL, e.Name, e.Table, e.Fix())
}

// Fix says what is missing and what there is instead.
func (e *TableError) Fix() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("is not there: the database %q has no tables (or does not exist); write TABLE for a table of the URL's database or DATABASE.TABLE", e.Database)
	}
	msg := fmt.Sprintf("is not a table of %q; ", e.Database)
	tb := e.Table
	if _, t, ok := strings.Cut(tb, "."); ok {
		tb = t
	}
	if near := Nearest(tb, e.Known, 3); len(near) > 0 {
		best := near[0] // the fewest edits among the nearest
		for _, n := range near[1:] {
			if levenshtein(tb, n) < levenshtein(tb, best) {
				best = n
			}
		}
		msg += fmt.Sprintf("did you mean %s? ", best)
	}
	return msg + "its tables: " + strings.Join(limit(e.Known, 12), ", ")
}

// split is a mapped table's database and table.
func (w *Warehouse) split(t string) (db, table string) {
	if d, tb, ok := strings.Cut(t, "."); ok {
		return d, tb
	}
	return w.database, t
}

// mappedColumns reads the columns of the tables WarehouseOptions.Tables
// maps to, under the names the definitions read; a mapped table that is
// not there is a *TableError.
func (w *Warehouse) mappedColumns(ctx context.Context) (map[string][]store.Column, error) {
	byDB := map[string]map[string][]store.Column{}
	out := map[string][]store.Column{}
	for _, name := range sortedKeys(w.opt.Tables) {
		db, tb := w.split(w.opt.Tables[name])
		tables, ok := byDB[db]
		if !ok {
			rows, err := w.query(ctx, "SELECT table, name, type FROM system.columns WHERE database = ?", db)
			if err != nil {
				return nil, fmt.Errorf("warehouse %s: reading the columns of %s: %w", w.url, db, err)
			}
			tables = map[string][]store.Column{}
			for _, r := range rows.Data {
				t, c := fmt.Sprint(r[0]), fmt.Sprint(r[1])
				if _, ok := tables[t]; !ok {
					tables[t] = nil
				}
				if ty, ok := ClickHouseType(fmt.Sprint(r[2])); ok {
					tables[t] = append(tables[t], store.Column{Name: c, Type: ty})
				}
			}
			byDB[db] = tables
		}
		cols, ok := tables[tb]
		if !ok {
			return nil, &TableError{URL: w.url, Name: name, Table: w.opt.Tables[name], Database: db, Known: sortedKeys(tables)}
		}
		out[name] = cols
	}
	return out, nil
}

// checkOptions checks that the settings are the server's, then sends them
// with every query, and that the mapped tables are there.
func (w *Warehouse) checkOptions(ctx context.Context, settings map[string]any) error {
	if len(settings) > 0 {
		rows, err := w.query(ctx, "SELECT name FROM system.settings")
		if err != nil {
			return fmt.Errorf("warehouse %s: reading its settings: %w", w.url, err)
		}
		known := map[string]bool{}
		var names []string
		for _, r := range rows.Data {
			n := fmt.Sprint(r[0])
			known[n] = true
			names = append(names, n)
		}
		for _, k := range sortedKeys(settings) {
			if !known[k] {
				return &SettingError{URL: w.url, Name: k, Near: Nearest(k, names, 3)}
			}
		}
		w.opt.Settings = settings
	}
	if len(w.opt.Tables) > 0 {
		if _, err := w.mappedColumns(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Sample reads up to n rows of a table (named as the engine names it,
// mapped by WarehouseOptions.Tables) and its row count: SELECT of the
// columns given, LIMIT n, and count(); nothing else is read.
func (w *Warehouse) Sample(ctx context.Context, table string, cols []store.Column, n int) (rows *store.Rows, total int64, err error) {
	c, err := w.query(ctx, "SELECT count() FROM "+w.table(table))
	if err != nil {
		return nil, 0, fmt.Errorf("warehouse %s: %s: %w", w.url, table, err)
	}
	total = store.Int(c.Data[0][0])
	sel := make([]string, len(cols))
	for i, col := range cols {
		sel[i] = chQuoteIdent(col.Name)
	}
	rows, err = w.query(ctx, fmt.Sprintf("SELECT %s FROM %s LIMIT %d", strings.Join(sel, ", "), w.table(table), n))
	if err != nil {
		return nil, 0, fmt.Errorf("warehouse %s: %s: %w", w.url, table, err)
	}
	return rows, total, nil
}

// redactRaw hides the password of a URL that does not parse (a bad escape, a
// space, a bad port): whatever lies between "//USER:" and the last "@"
// before the host becomes xxxxx, so no error prints it.
func redactRaw(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	user, _, hasPW := strings.Cut(rest[:at], ":")
	if !hasPW {
		return raw
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// RedactWarehouseURL is a warehouse URL as messages may print it: its
// password as xxxxx, whether it parses or not.
func RedactWarehouseURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return redactRaw(raw)
}

// chReadRows reads every row of a result of n columns as the DuckDB store
// reads its kinds (chScanned).
func chReadRows(ctx context.Context, rows *sql.Rows, n int) ([][]any, error) {
	data, err := store.ScanAll(rows, n, chScanned)
	if err != nil {
		return nil, chError(ctx, err)
	}
	return data, nil
}
