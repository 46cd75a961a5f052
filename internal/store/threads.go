package store

import (
	"context"
	"fmt"
)

// SetThreads sets how many threads DuckDB runs this database's queries on,
// shared by all its connections (DuckDB's default is one per core it sees).
// It must run before Lock, which freezes every setting.
func (d *DB) SetThreads(ctx context.Context, n int) error {
	if n < 1 {
		return fmt.Errorf("threads %d: give at least 1", n)
	}
	if err := d.Exec(ctx, fmt.Sprintf("SET GLOBAL threads = %d", n)); err != nil {
		return fmt.Errorf("set threads: %w", err)
	}
	return nil
}
