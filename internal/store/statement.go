package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Statement kinds as DuckDB classifies a prepared statement (StatementKind).
const (
	KindSelect  = "SELECT"
	KindExplain = "EXPLAIN"
)

// stmtKinds names DuckDB's statement types; the rest are "OTHER".
var stmtKinds = map[duckdb.StmtType]string{
	duckdb.STATEMENT_TYPE_SELECT:       KindSelect,
	duckdb.STATEMENT_TYPE_EXPLAIN:      KindExplain,
	duckdb.STATEMENT_TYPE_INSERT:       "INSERT",
	duckdb.STATEMENT_TYPE_UPDATE:       "UPDATE",
	duckdb.STATEMENT_TYPE_DELETE:       "DELETE",
	duckdb.STATEMENT_TYPE_CREATE:       "CREATE",
	duckdb.STATEMENT_TYPE_DROP:         "DROP",
	duckdb.STATEMENT_TYPE_ALTER:        "ALTER",
	duckdb.STATEMENT_TYPE_COPY:         "COPY",
	duckdb.STATEMENT_TYPE_EXPORT:       "EXPORT",
	duckdb.STATEMENT_TYPE_ATTACH:       "ATTACH",
	duckdb.STATEMENT_TYPE_DETACH:       "DETACH",
	duckdb.STATEMENT_TYPE_LOAD:         "LOAD",
	duckdb.STATEMENT_TYPE_SET:          "SET",
	duckdb.STATEMENT_TYPE_VARIABLE_SET: "SET",
	duckdb.STATEMENT_TYPE_PRAGMA:       "PRAGMA",
	duckdb.STATEMENT_TYPE_CALL:         "CALL",
	duckdb.STATEMENT_TYPE_TRANSACTION:  "TRANSACTION",
}

// ErrNotOneStatement is StatementKind's error for a text holding more than
// one statement (or none).
var ErrNotOneStatement = errors.New("not exactly one statement")

// StatementKind asks DuckDB what kind of statement query is (KindSelect,
// KindExplain, "COPY", "ATTACH", …) by preparing it without running it:
// nothing is executed, not even a statement before a semicolon (the
// driver's PrepareContext would run all but the last of several; its
// Prepare refuses them, ErrNotOneStatement). Binding a SELECT may read the
// files it names, which a locked engine refuses. It prepares with DuckDB's
// optimizer off (Unoptimized): the kind is known once bound, and the
// optimizer's constant folding (SELECT range(100000000) builds the whole
// list while planning) is not interrupted by ctx.
func (d *DB) StatementKind(ctx context.Context, query string) (string, error) {
	kind := ""
	err := d.unoptimized(ctx, func(c *sql.Conn) error {
		return c.Raw(func(dc any) error {
			conn, ok := dc.(*duckdb.Conn)
			if !ok {
				return fmt.Errorf("statement kind: not a DuckDB connection (%T)", dc)
			}
			st, err := conn.Prepare(query)
			if err != nil {
				if strings.Contains(err.Error(), "missing context for multi-statement query") {
					return ErrNotOneStatement
				}
				return err
			}
			defer st.Close()
			s, ok := st.(*duckdb.Stmt)
			if !ok {
				return fmt.Errorf("statement kind: not a DuckDB statement (%T)", st)
			}
			t, err := s.StatementType()
			if err != nil {
				return err
			}
			kind = stmtKinds[t]
			if kind == "" {
				kind = "OTHER"
			}
			return nil
		})
	})
	return kind, cleanErr(err)
}

// unoptimized runs fn on one connection with DuckDB's optimizer off
// (PRAGMA disable_optimizer: a setting of that connection only, which a
// locked engine still takes) and turns it back on before the connection
// returns to the pool; a connection that cannot be turned back on is
// dropped, so no other caller gets it.
func (d *DB) unoptimized(ctx context.Context, fn func(c *sql.Conn) error) error {
	c, err := d.sql.Conn(ctx)
	if err != nil {
		return err
	}
	if _, err := c.ExecContext(ctx, "PRAGMA disable_optimizer"); err != nil {
		c.Raw(func(any) error { return driver.ErrBadConn })
		c.Close()
		return err
	}
	err = fn(c)
	if _, rerr := c.ExecContext(context.Background(), "PRAGMA enable_optimizer"); rerr != nil {
		c.Raw(func(any) error { return driver.ErrBadConn })
	}
	c.Close()
	return err
}

// Typed is a fully read result set with each column's DuckDB type name
// (VARCHAR, BIGINT, DATE, DECIMAL(18,3) …) and the driver's own value
// types turned into plain Go ones: DECIMAL as its exact text, UUID as
// text, INTERVAL as text.
type Typed struct {
	Rows
	Types []string
}

// QueryTyped runs a query as Query does and also reports the columns'
// DuckDB types.
func (d *DB) QueryTyped(ctx context.Context, query string, args ...any) (*Typed, error) {
	return typedOn(ctx, d.sql, query, args...)
}

// QueryTypedUnoptimized runs a query as QueryTyped does, planned without
// DuckDB's optimizer: for a statement whose constant expressions would take
// long to fold while planning (SELECT list_sum(range(100000000))), which ctx
// cannot interrupt; run, the same work stops at ctx. Without the optimizer
// nothing is pushed down or reordered (joins run as written), so use it
// only for such statements.
func (d *DB) QueryTypedUnoptimized(ctx context.Context, query string, args ...any) (*Typed, error) {
	var out *Typed
	err := d.unoptimized(ctx, func(c *sql.Conn) error {
		var err error
		out, err = typedOn(ctx, c, query, args...)
		return err
	})
	if err != nil {
		return nil, cleanErr(err)
	}
	return out, nil
}

func typedOn(ctx context.Context, on interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) (*Typed, error) {
	rows, err := on.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, cleanErr(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, cleanErr(err)
	}
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, cleanErr(err)
	}
	out := &Typed{Rows: Rows{Columns: cols}, Types: make([]string, len(cts))}
	for i, ct := range cts {
		out.Types[i] = ct.DatabaseTypeName()
	}
	if out.Data, err = readAll(ctx, rows, len(cols), plainValue); err != nil {
		return nil, err
	}
	return out, nil
}

// plainValue turns the driver's value types into plain Go ones.
func plainValue(v any) any {
	switch x := v.(type) {
	case duckdb.Decimal:
		if x.Value == nil {
			return nil
		}
		return x.String()
	case *duckdb.Decimal:
		if x == nil || x.Value == nil {
			return nil
		}
		return x.String()
	case duckdb.UUID:
		return x.String()
	case *duckdb.UUID:
		if x == nil {
			return nil
		}
		return x.String()
	case duckdb.Interval:
		return intervalText(x)
	case []any:
		for i := range x {
			x[i] = plainValue(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = plainValue(x[k])
		}
		return x
	case driver.Valuer:
		if pv, err := x.Value(); err == nil {
			return pv
		}
	}
	return v
}

// intervalText writes an interval as DuckDB prints one: 1 month 2 days 03:00:00.
func intervalText(i duckdb.Interval) string {
	var parts []string
	unit := func(n int64, one string) {
		if n == 0 {
			return
		}
		s := fmt.Sprintf("%d %s", n, one)
		if n != 1 && n != -1 {
			s += "s"
		}
		parts = append(parts, s)
	}
	unit(int64(i.Months/12), "year")
	unit(int64(i.Months%12), "month")
	unit(int64(i.Days), "day")
	if us := i.Micros; us != 0 || len(parts) == 0 {
		sign := ""
		if us < 0 {
			sign, us = "-", -us
		}
		s := fmt.Sprintf("%s%02d:%02d:%02d", sign, us/3_600_000_000, us/60_000_000%60, us/1_000_000%60)
		if f := us % 1_000_000; f != 0 {
			s += fmt.Sprintf(".%06d", f)
		}
		parts = append(parts, s)
	}
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += " "
		}
		out += p
	}
	return out
}
