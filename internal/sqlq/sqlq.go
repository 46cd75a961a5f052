// Package sqlq runs the SQL prompt's statements (the explorer's :sql): one
// read-only query at a time over the engine's loaded tables, under a
// timeout and a row limit, its values as display text.
//
// What may run is decided before anything runs, by DuckDB's own parser and
// binder, never by matching text: the statement is parsed to its syntax
// tree (json_serialize_sql, which serialises SELECT statements only), every
// table it reads must be a loaded table or a CTE in scope, every table
// function one of a few that read no file (range, generate_series,
// unnest), and DuckDB's prepared statement must say SELECT (or EXPLAIN of
// such a SELECT). So COPY, ATTACH, INSTALL, LOAD, SET, PRAGMA, CALL and
// every write are refused, and so is reading a file (read_csv('/etc/passwd'),
// FROM 'x.csv'), locally too: the prompt is over the loaded tables. kpiscope's
// own tables (__kpiscope_…) are hidden. In serve the engine is locked as
// well (store.DB.Lock): a second wall, proved by the tests of both.
package sqlq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

const (
	// DefaultLimit is the most rows a statement returns.
	DefaultLimit = 1000
	// DefaultTimeout is how long a statement may run.
	DefaultTimeout = 30 * time.Second
	// internalPrefix starts the names of kpiscope's own tables (rollups,
	// the source book), hidden from the prompt.
	internalPrefix = "__kpiscope_"
)

// Options bound a statement.
type Options struct {
	Limit   int           // the most rows returned (0: DefaultLimit)
	Timeout time.Duration // how long it may run (0: DefaultTimeout)
}

// Result is what a statement returned, as text to show.
type Result struct {
	Columns []string
	Types   []string // DuckDB's type of each column (VARCHAR, BIGINT …)
	// Rows are the values as text; a NULL is "" with Null set.
	Rows [][]string
	Null [][]bool
	// Numeric marks the columns of numbers (drawn right-aligned).
	Numeric []bool
	// Truncated: there were more rows than Limit; Rows holds the first Limit.
	Truncated bool
	Limit     int
	Elapsed   time.Duration
}

// RefusedError is a statement the prompt does not run: not a read-only
// query, or one that reads something other than the loaded tables.
type RefusedError struct{ Msg string }

func (e *RefusedError) Error() string { return e.Msg }

// TimeoutError is a statement stopped at the prompt's timeout.
type TimeoutError struct{ After time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the statement ran longer than %s (the prompt's timeout) and was stopped; narrow it or aggregate first", e.After)
}

// Tables are the loaded tables the prompt may read, sorted: the engine's,
// without kpiscope's own.
func Tables(eng *kpi.Engine) []string {
	var out []string
	for name := range eng.Tables() {
		if !internal(name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func internal(name string) bool {
	return strings.HasPrefix(strings.ToLower(name), internalPrefix)
}

// Run runs one read-only statement over the engine's loaded tables, or on
// its warehouse (warehouse.go): ClickHouse SQL there.
func Run(ctx context.Context, eng *kpi.Engine, query string, opt Options) (*Result, error) {
	if eng == nil || eng.DB() == nil {
		return nil, errors.New("no data is loaded")
	}
	if opt.Limit <= 0 {
		opt.Limit = DefaultLimit
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if wh := eng.Warehouse(); wh != nil {
		return runWarehouse(ctx, wh, Tables(eng), query, opt)
	}
	db := eng.DB()
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	began := time.Now()
	run, folds, err := check(ctx, db, Tables(eng), query, opt.Limit+1)
	if err != nil {
		return nil, noExtension(stopped(ctx, err, opt.Timeout))
	}
	query1 := db.QueryTyped
	if folds {
		// DuckDB's optimizer would compute its constant calls while
		// planning, where the timeout cannot stop it.
		query1 = db.QueryTypedUnoptimized
	}
	rows, err := query1(ctx, run)
	if err != nil {
		return nil, noExtension(stopped(ctx, err, opt.Timeout))
	}
	res := text(rows)
	res.Limit, res.Elapsed = opt.Limit, time.Since(began)
	if len(res.Rows) > opt.Limit {
		res.Rows, res.Null, res.Truncated = res.Rows[:opt.Limit], res.Null[:opt.Limit], true
	}
	return res, nil
}

// extensionIn finds the extension DuckDB names for a missing function or type.
var extensionIn = regexp.MustCompile(`but it exists in the (\w+) extension`)

// noExtension rewrites DuckDB's advice to INSTALL and LOAD an extension
// (both refused at the prompt, and never done by themselves: store.Open
// turns autoloading off) into what is so.
func noExtension(err error) error {
	if err == nil {
		return nil
	}
	m := extensionIn.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	msg := err.Error()
	if i := strings.Index(msg, ", but it exists"); i > 0 {
		msg = msg[:i]
	}
	msg = strings.TrimPrefix(msg, "Catalog Error: ")
	return fmt.Errorf("%s: it is in DuckDB's %s extension, which kpiscope does not load (the SQL prompt has DuckDB's built-in functions and types only)", msg, m[1])
}

// stopped names a statement the timeout stopped.
func stopped(ctx context.Context, err error, after time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		return &TimeoutError{After: after}
	}
	return err
}

// Check reports whether the prompt would run query over the engine's
// loaded tables (nil), or why not; it runs nothing.
func Check(ctx context.Context, eng *kpi.Engine, query string) error {
	if eng.Warehouse() != nil {
		_, err := checkWarehouse(Tables(eng), query)
		return err
	}
	_, _, err := check(ctx, eng.DB(), Tables(eng), query, DefaultLimit+1)
	return err
}

// check decides whether query may run and returns the text to run: an
// EXPLAIN as given, a query wrapped in LIMIT rows (the prompt's limit + 1,
// to tell a cut result), whose exact text passes the same checks; folds
// says the statement calls a function on constants only (range(100000000)),
// which DuckDB's optimizer would compute while planning, out of the
// timeout's reach: run it unoptimized. Every step is bounded by ctx: the
// parse (gate) runs as a query, and DuckDB's own classification (kindIs)
// prepares without the optimizer.
func check(ctx context.Context, db *store.DB, tables []string, query string, rows int) (string, bool, error) {
	q := strings.TrimSpace(query)
	if q == "" {
		return "", false, &RefusedError{"type a query, such as SELECT * FROM " + firstOr(tables, "tickets") + " LIMIT 10"}
	}
	body, explain := stripExplain(q)
	folds, err := gate(ctx, db, tables, body)
	if err != nil {
		return "", false, err
	}
	want := store.KindSelect
	if explain {
		want = store.KindExplain
	}
	if err := kindIs(ctx, db, q, want); err != nil {
		return "", false, err
	}
	if explain {
		return query, folds, nil
	}
	run := "SELECT * FROM (\n" + cutStatement(body) + "\n) LIMIT " + strconv.Itoa(rows)
	if _, err := gate(ctx, db, tables, run); err != nil {
		return "", false, err
	}
	if err := kindIs(ctx, db, run, store.KindSelect); err != nil {
		return "", false, err
	}
	return run, folds, nil
}

// kindIs checks DuckDB's own classification of the prepared statement.
func kindIs(ctx context.Context, db *store.DB, q, want string) error {
	kind, err := db.StatementKind(ctx, q)
	if errors.Is(err, store.ErrNotOneStatement) {
		return &RefusedError{"one statement at a time: remove the ; between statements"}
	}
	if err != nil {
		return err
	}
	if kind != want {
		return refusedKind(kind)
	}
	return nil
}

// readOnly is what the prompt runs, for the messages that refuse the rest.
const readOnly = "the SQL prompt runs read-only queries only: SELECT (WITH …, FROM …, VALUES, DESCRIBE, SUMMARIZE) or EXPLAIN"

// pivotMsg refuses DuckDB's PIVOT without an IN list, read-only but run
// as several statements (one to find the values), which the prompt's
// checks cannot follow.
const pivotMsg = "PIVOT without an IN list is not supported at the SQL prompt (DuckDB runs it as several statements): name the values, as in SELECT * FROM tickets PIVOT (count(*) FOR channel IN ('web', 'email')), or use GROUP BY"

// hasWord reports whether s holds the word w (any case) outside quotes and
// comments.
func hasWord(s, w string) bool {
	for i := skipSpace(s, 0); i < len(s); i = skipSpace(s, i) {
		var got string
		got, i = word(s, i)
		if strings.EqualFold(got, w) {
			return true
		}
		if got == "" {
			switch s[i] {
			case '\'', '"':
				i = quoted(s, i, s[i], false)
			default:
				i++
			}
		}
	}
	return false
}

func refusedKind(kind string) error {
	return &RefusedError{kind + " is refused: " + readOnly}
}

// gate parses q with DuckDB (no binding: nothing is read) and checks its
// syntax tree: one SELECT, reading only loaded tables and CTEs in scope.
// It also reports whether the statement calls a function on constants
// only (constantCall).
func gate(ctx context.Context, db *store.DB, tables []string, q string) (bool, error) {
	rows, err := db.Query(ctx, "SELECT json_serialize_sql(?::VARCHAR)::VARCHAR", q)
	if err != nil {
		return false, err
	}
	if len(rows.Data) != 1 || len(rows.Data[0]) != 1 {
		return false, errors.New("the SQL prompt could not parse the statement")
	}
	raw, _ := rows.Data[0][0].(string)
	var tree struct {
		Error        bool   `json:"error"`
		ErrorType    string `json:"error_type"`
		ErrorMessage string `json:"error_message"`
		Statements   []any  `json:"statements"`
	}
	if err := json.Unmarshal([]byte(raw), &tree); err != nil {
		return false, fmt.Errorf("the SQL prompt could not read the parsed statement: %w", err)
	}
	if tree.Error {
		if tree.ErrorType == "not implemented" { // "Only SELECT statements can be serialized"
			if n := len(splitStatements(q)); n > 1 {
				return false, &RefusedError{"one statement at a time: remove the ; between statements"}
			}
			if hasWord(q, "PIVOT") {
				return false, &RefusedError{pivotMsg}
			}
			return false, refusedKind(firstWord(q))
		}
		if strings.Contains(tree.ErrorMessage, "A CTE needs a SELECT") {
			return false, &RefusedError{"a CTE (WITH x AS (…)) must be a SELECT: COPY and writes are refused, " + readOnly}
		}
		return false, errors.New(oneLine(tree.ErrorMessage))
	}
	if len(tree.Statements) != 1 {
		return false, &RefusedError{"one statement at a time: remove the ; between statements"}
	}
	c := checker{tables: map[string]bool{}, list: tables}
	for _, t := range tables {
		c.tables[strings.ToLower(t)] = true
	}
	if err := c.walk(tree.Statements[0], nil); err != nil {
		return false, err
	}
	return constantCall(tree.Statements[0]), nil
}

// constantCall reports whether a syntax tree holds a function call with
// arguments none of which reads a column, a subquery or a window: one
// DuckDB's optimizer folds into a constant while planning (it would build
// all of range(100000000) before the statement runs).
func constantCall(v any) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if constantCall(e) {
				return true
			}
		}
	case map[string]any:
		if typ, _ := x["type"].(string); typ == "TABLE_FUNCTION" {
			// FROM range(100000000) streams its rows, interrupted at the
			// timeout; only its arguments could be folded.
			fn, _ := x["function"].(map[string]any)
			return constantCall(fn["children"])
		}
		if class, _ := x["class"].(string); class == "FUNCTION" {
			name, _ := x["function_name"].(string)
			if args, _ := x["children"].([]any); len(args) > 0 && !smallFuncs[strings.ToLower(name)] && !readsRows(x) {
				return true
			}
		}
		for _, child := range x {
			if constantCall(child) {
				return true
			}
		}
	}
	return false
}

// smallFuncs are functions whose value on constants is small and quick
// to compute (a date, a number), so a statement calling them on constants
// keeps DuckDB's optimizer (WHERE created_at >= date_trunc('month', DATE
// '2026-10-01') is pushed into the scan). Their arguments are still
// checked: date_trunc('month', range(…)[1]) is not.
var smallFuncs = map[string]bool{
	"+": true, "-": true, "*": true, "/": true, "//": true, "%": true,
	"date_trunc": true, "datetrunc": true, "date_part": true, "datepart": true, "date_add": true,
	"date_sub": true, "date_diff": true, "datediff": true, "last_day": true, "make_date": true,
	"make_timestamp": true, "strptime": true, "to_days": true, "to_weeks": true, "to_months": true,
	"to_years": true, "to_hours": true, "to_minutes": true, "epoch_ms": true, "abs": true, "round": true,
	"trunc": true, "floor": true, "ceil": true, // INTERVAL 1 DAY is to_days(trunc(1))
	"lower": true, "upper": true,
}

// readsRows reports whether an expression holds a column, *, a subquery
// or a window: something not known while planning.
func readsRows(v any) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if readsRows(e) {
				return true
			}
		}
	case map[string]any:
		switch class, _ := x["class"].(string); class {
		case "COLUMN_REF", "STAR", "SUBQUERY", "WINDOW", "LAMBDA_REF", "PARAMETER":
			return true
		}
		for _, child := range x {
			if readsRows(child) {
				return true
			}
		}
	}
	return false
}

// checker walks a syntax tree for what it reads.
type checker struct {
	tables map[string]bool // loaded tables, lower case
	list   []string
}

// readableFuncs are the table functions the prompt allows: none reads a
// file, a setting or the catalogue.
var readableFuncs = map[string]bool{"range": true, "generate_series": true, "unnest": true}

// hiddenFuncs are scalar functions that read the engine's settings (the
// allowed paths of a locked engine name the server's files) or the
// environment.
var hiddenFuncs = map[string]bool{"current_setting": true, "getenv": true}

// walk checks a node and everything under it; ctes are the CTE names in
// scope (lower case).
func (c checker) walk(v any, ctes []string) error {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if err := c.walk(e, ctes); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		return c.node(x, ctes)
	}
	return nil
}

func (c checker) node(x map[string]any, ctes []string) error {
	// A node's CTEs: each sees the ones before it; the rest of the node
	// sees them all. A CTE does not see itself unless recursive (then its
	// query is a RECURSIVE_CTE_NODE naming it): WITH a AS (FROM a) reads
	// the table a.
	if cm, ok := x["cte_map"].(map[string]any); ok {
		entries, _ := cm["map"].([]any)
		inner := append([]string(nil), ctes...)
		for _, e := range entries {
			em, _ := e.(map[string]any)
			name, _ := em["key"].(string)
			if internal(name) {
				return &RefusedError{fmt.Sprintf("%q is a name kpiscope keeps for its own tables: name the CTE otherwise", name)}
			}
			if err := c.walk(em["value"], inner); err != nil {
				return err
			}
			inner = append(inner, strings.ToLower(name))
		}
		ctes = inner
	}
	if class, _ := x["class"].(string); class == "PARAMETER" {
		return &RefusedError{"parameters ($1, ?) cannot be bound at the SQL prompt: write the values in the statement"}
	}
	typ, _ := x["type"].(string)
	switch typ {
	case "FUNCTION":
		if name, _ := x["function_name"].(string); hiddenFuncs[strings.ToLower(name)] {
			return &RefusedError{fmt.Sprintf("%s is refused: the server's settings and environment are not the prompt's to read", name)}
		}
	case "RECURSIVE_CTE_NODE":
		if name, ok := x["cte_name"].(string); ok {
			ctes = append(append([]string(nil), ctes...), strings.ToLower(name))
		}
	case "BASE_TABLE":
		if err := c.table(x, ctes); err != nil {
			return err
		}
	case "TABLE_FUNCTION":
		fn, _ := x["function"].(map[string]any)
		name, _ := fn["function_name"].(string)
		schema, _ := fn["schema"].(string)
		if !readableFuncs[strings.ToLower(name)] || schema != "" {
			return &RefusedError{fmt.Sprintf("the table function %s is refused: the SQL prompt reads only the loaded tables (%s); of table functions only range, generate_series and unnest", name, c.names())}
		}
	case "SHOW_REF":
		if x["query"] == nil { // SHOW TABLES, SHOW ALL TABLES, SHOW DATABASES
			return &RefusedError{"SHOW of the catalogue is refused: the loaded tables are " + c.names() + "; DESCRIBE one to see its columns"}
		}
	}
	for k, child := range x {
		if k == "cte_map" {
			continue
		}
		if err := c.walk(child, ctes); err != nil {
			return err
		}
	}
	return nil
}

// table checks a table read: a loaded table (in main) or a CTE in scope.
func (c checker) table(x map[string]any, ctes []string) error {
	name, _ := x["table_name"].(string)
	schema, _ := x["schema_name"].(string)
	catalog, _ := x["catalog_name"].(string)
	low := strings.ToLower(name)
	if schema == "" && catalog == "" {
		for _, cte := range ctes {
			if cte == low {
				return nil
			}
		}
	}
	if c.tables[low] && catalog == "" && (schema == "" || strings.EqualFold(schema, "main")) {
		return nil
	}
	full := name
	if schema != "" {
		full = schema + "." + full
	}
	if catalog != "" {
		full = catalog + "." + full
	}
	switch {
	case internal(name):
		return &RefusedError{fmt.Sprintf("%s is one of kpiscope's own tables, hidden from the SQL prompt; the loaded tables are %s", full, c.names())}
	case strings.ContainsAny(name, "/\\.:"):
		return &RefusedError{fmt.Sprintf("reading files is refused (%s): the SQL prompt reads only the loaded tables, %s", full, c.names())}
	}
	return &RefusedError{fmt.Sprintf("no loaded table %s: the SQL prompt reads only the loaded tables, %s", full, c.names())}
}

func (c checker) names() string {
	if len(c.list) == 0 {
		return "(none)"
	}
	return cmdline.List(c.list, 8)
}

func firstOr(xs []string, def string) string {
	if len(xs) > 0 {
		return Ident(xs[0])
	}
	return def
}

// Ident writes a table name as a statement needs it: as is when it is a
// plain lower-case identifier (tickets), else quoted ("Sales 2026").
func Ident(name string) string {
	plain := name != ""
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			plain = false
		}
	}
	if plain {
		return name
	}
	return store.QuoteIdent(name)
}

// Message is an error as the prompt shows it: one line, without DuckDB's
// echo of the statement ("LINE 1: …" and its caret), whose positions are
// those of the text run (the query wrapped in the row limit).
func Message(err error) string {
	if err == nil {
		return ""
	}
	s := oneLine(err.Error())
	if i := strings.Index(s, " LINE "); i > 0 {
		s = strings.TrimRight(strings.TrimSpace(s[:i]), ":")
	}
	return s
}

// oneLine flattens DuckDB's multi-line messages.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n\n", ": ")
	return strings.Join(strings.Fields(s), " ")
}

// text turns the values read into display text.
func text(rows *store.Typed) *Result {
	res := &Result{Columns: rows.Columns, Types: rows.Types, Numeric: make([]bool, len(rows.Columns))}
	for j, t := range rows.Types {
		res.Numeric[j] = numericType(t)
	}
	for _, r := range rows.Data {
		cells, nulls := make([]string, len(r)), make([]bool, len(r))
		for j, v := range r {
			typ := ""
			if j < len(rows.Types) {
				typ = rows.Types[j]
			}
			if v == nil {
				nulls[j] = true
				continue
			}
			cells[j] = Value(v, typ)
		}
		res.Rows, res.Null = append(res.Rows, cells), append(res.Null, nulls)
	}
	return res
}

// numericType reports whether a DuckDB type is a number.
func numericType(t string) bool {
	t = strings.ToUpper(t)
	if strings.HasPrefix(t, "DECIMAL") {
		return true
	}
	switch t {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
		"FLOAT", "DOUBLE", "REAL":
		return true
	}
	return false
}

// Value is one value as text, knowing its DuckDB type: a DATE as
// 2006-01-02, a TIME as 15:04:05, a TIMESTAMP as 2006-01-02 15:04:05,
// numbers in full.
func Value(v any, typ string) string {
	typ = strings.ToUpper(typ)
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		switch {
		case typ == "DATE":
			return x.UTC().Format("2006-01-02")
		case strings.HasPrefix(typ, "TIME") && !strings.HasPrefix(typ, "TIMESTAMP"):
			return kpi.ClockText(x)
		}
		return x.UTC().Format("2006-01-02 15:04:05.999999")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case string:
		return x
	case []byte:
		if typ == "UUID" && len(x) == 16 {
			return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
		}
		return fmt.Sprintf("%q", x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = listItem(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + listItem(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func listItem(v any) string {
	if v == nil {
		return "NULL"
	}
	if s, ok := v.(string); ok {
		return "'" + s + "'"
	}
	return Value(v, "")
}
