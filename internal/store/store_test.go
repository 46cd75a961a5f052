package store

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// setting reads one of DuckDB's settings as DuckDB shows it.
func setting(t *testing.T, db *DB, name string) string {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT current_setting(?)", name)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(rows.Data[0][0])
}

// plainSetting reads a setting of a database opened without Open's settings.
func plainSetting(t *testing.T, name string) string {
	t.Helper()
	c, err := duckdb.NewConnector("", nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer c.Close()
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT current_setting(?)", name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMemoryLimit(t *testing.T) {
	t.Setenv(ThreadsEnv, "") // DuckDB's threads as it sets them (CI's plain pass sets one)
	t.Cleanup(func() { SetMemoryLimit(0) })
	open := func() *DB {
		t.Helper()
		db, err := Open("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}

	SetMemoryLimit(512 << 20)
	db := open()
	if got := setting(t, db, "memory_limit"); got != "512.0 MiB" {
		t.Errorf("memory_limit = %q, want 512.0 MiB", got)
	}
	// The cap leaves DuckDB's parallelism alone.
	if got, want := setting(t, db, "threads"), plainSetting(t, "threads"); got != want {
		t.Errorf("threads = %s, DuckDB's default is %s", got, want)
	}
	if got := setting(t, db, "TimeZone"); got != "UTC" {
		t.Errorf("TimeZone = %q", got)
	}

	// A database opened earlier keeps its own limit; 0 restores DuckDB's default.
	SetMemoryLimit(0)
	if got, want := setting(t, open(), "memory_limit"), plainSetting(t, "memory_limit"); got != want {
		t.Errorf("memory_limit = %q, want DuckDB's default %q", got, want)
	}
	if got := setting(t, db, "memory_limit"); got != "512.0 MiB" {
		t.Errorf("earlier database: memory_limit = %q, want 512.0 MiB", got)
	}
}
