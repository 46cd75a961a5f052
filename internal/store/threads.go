package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// ThreadsEnv names the environment variable that sets how many threads
// DuckDB runs each database's queries on, for every command (serve's
// --threads defaults to it). Unset, DuckDB keeps its default, one per core.
// On a machine shared with other work, or when several kpiscope processes
// run at once (CI runs two test packages at a time on two cores), fewer
// threads than cores avoid the cost of switching between them.
const ThreadsEnv = "KPISCOPE_THREADS"

// threadsSet is the threads a command's flag gave (OverrideThreads); 0
// leaves them to ThreadsEnv.
var threadsSet atomic.Int64

// OverrideThreads makes every database opened after it run on n threads
// whatever ThreadsEnv says, a bad value included: a command's flag
// (serve's --threads) wins over the variable. 0 hands them back to it.
func OverrideThreads(n int) { threadsSet.Store(int64(max(n, 0))) }

// openThreads is the threads Open sets: OverrideThreads's, else
// ThreadsEnv's (EnvThreads), 0 for DuckDB's default.
func openThreads() (int, error) {
	if n := threadsSet.Load(); n > 0 {
		return int(n), nil
	}
	return EnvThreads()
}

// EnvThreads returns ThreadsEnv's number of threads, 0 when it is unset or
// blank, and an error naming the variable and the fix when it is not a
// whole number of at least 1.
func EnvThreads() (int, error) {
	v := strings.TrimSpace(os.Getenv(ThreadsEnv))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s=%q: give a whole number of threads, at least 1 (or unset it for one per core)", ThreadsEnv, v)
	}
	return n, nil
}

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
