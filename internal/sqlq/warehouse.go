package sqlq

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"kpiscope/internal/kpi"
)

// The SQL prompt on a warehouse (issue 16): the statement is ClickHouse
// SQL and runs on ClickHouse, read-only twice over. kpiscope runs one
// statement that starts with SELECT or WITH, wrapped as the subquery of
// SELECT * FROM (…) LIMIT n (ClickHouse parses nothing but a SELECT there,
// which also bounds the rows), and the server runs it with readonly=1: no
// write, no DDL, no setting, no table function, whatever the text says.
// The prompt's timeout is max_execution_time (and the context's deadline).

// warehouseReadOnly is what the prompt runs on a warehouse, for the messages
// that refuse the rest.
const warehouseReadOnly = "the SQL prompt on a warehouse runs read-only ClickHouse queries only: SELECT (or WITH … SELECT)"

// runWarehouse runs one read-only statement on the engine's warehouse.
func runWarehouse(ctx context.Context, wh *kpi.Warehouse, tables []string, query string, opt Options) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	began := time.Now()
	body, err := checkWarehouse(tables, query)
	if err != nil {
		return nil, err
	}
	run := "SELECT * FROM (\n" + body + "\n) LIMIT " + strconv.Itoa(opt.Limit+1)
	rows, err := wh.Statement(ctx, run, opt.Timeout)
	if err != nil {
		return nil, warehouseErr(ctx, err, opt.Timeout)
	}
	res := text(rows)
	res.Limit, res.Elapsed = opt.Limit, time.Since(began)
	if len(res.Rows) > opt.Limit {
		res.Rows, res.Null, res.Truncated = res.Rows[:opt.Limit], res.Null[:opt.Limit], true
	}
	return res, nil
}

// checkWarehouse decides whether query may run on a warehouse and returns
// the statement to wrap: one statement (a trailing semicolon cut) whose
// first word is SELECT or WITH.
func checkWarehouse(tables []string, query string) (string, error) {
	q := strings.TrimSpace(query)
	if q == "" {
		return "", &RefusedError{"type a query, such as SELECT * FROM " + firstOr(tables, "tickets") + " LIMIT 10"}
	}
	if len(splitStatements(q)) > 1 {
		return "", &RefusedError{"one statement at a time: remove the ; between statements"}
	}
	body := strings.TrimSpace(cutStatement(q))
	i := skipSpace(body, 0)
	for i < len(body) && body[i] == '(' {
		i = skipSpace(body, i+1)
	}
	w, _ := word(body, i)
	switch strings.ToUpper(w) {
	case "SELECT", "WITH":
		return body, nil
	case "":
		return "", &RefusedError{"type a query, such as SELECT * FROM " + firstOr(tables, "tickets") + " LIMIT 10"}
	}
	return "", &RefusedError{strings.ToUpper(w) + " is refused: " + warehouseReadOnly}
}

// warehouseErr is a warehouse's error as the prompt shows it: the timeout
// named, a write ClickHouse refused in readonly mode said as a refusal.
func warehouseErr(ctx context.Context, err error, after time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || strings.Contains(err.Error(), "code: 159,") { // TIMEOUT_EXCEEDED
		return &TimeoutError{After: after}
	}
	if strings.Contains(err.Error(), "code: 164,") { // READONLY
		msg := strings.TrimPrefix(err.Error(), "ClickHouse: ")
		if i := strings.Index(msg, "message: "); i >= 0 {
			msg = msg[i+len("message: "):]
		}
		return &RefusedError{"ClickHouse refused it (" + msg + "): " + warehouseReadOnly}
	}
	return err
}
