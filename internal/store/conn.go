package store

import (
	"context"
	"database/sql"
)

// Conn is one connection of a DB, held until Close. Statements whose effect
// stays on their connection (a TEMP table, a SET without GLOBAL) and the
// statements that rely on it need one: the pool may hand each DB.Exec or
// DB.Query a different connection, a new one whenever another caller holds
// the last one it used.
type Conn struct{ c *sql.Conn }

// Conn takes a connection from the pool; Close hands it back. What the
// caller left on it (a TEMP table) stays for the next user of the
// connection, so drop it before Close.
func (d *DB) Conn(ctx context.Context) (*Conn, error) {
	c, err := d.sql.Conn(ctx)
	if err != nil {
		return nil, cleanErr(err)
	}
	return &Conn{c: c}, nil
}

// Exec runs a statement with bound arguments on this connection.
func (c *Conn) Exec(ctx context.Context, query string, args ...any) error {
	_, err := c.c.ExecContext(ctx, query, args...)
	return cleanErr(err)
}

// Query runs a query on this connection and returns all its rows, as DB.Query.
func (c *Conn) Query(ctx context.Context, query string, args ...any) (*Rows, error) {
	return queryOn(ctx, c.c, query, args...)
}

// Close hands the connection back to the pool.
func (c *Conn) Close() error { return c.c.Close() }
