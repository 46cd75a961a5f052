package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"kpiscope/internal/store"
)

// StatementKind is DuckDB's own classification, and it runs nothing: not
// even the first of several statements, which the driver's PrepareContext
// would execute.
func TestStatementKind(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Exec(ctx, "CREATE TABLE t AS SELECT 1 AS x"); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"SELECT * FROM t":                      store.KindSelect,
		"WITH a AS (SELECT 1) SELECT * FROM a": store.KindSelect,
		"DESCRIBE t":                           store.KindSelect,
		"SUMMARIZE t":                          store.KindSelect,
		"EXPLAIN SELECT 1":                     store.KindExplain,
		"COPY t TO '/tmp/kps-never.csv'":       "COPY",
		"ATTACH ':memory:' AS m":               "ATTACH",
		"SET threads = 1":                      "SET",
		"DROP TABLE t":                         "DROP",
		"INSERT INTO t VALUES (2)":             "INSERT",
		"LOAD json":                            "LOAD",
	} {
		got, err := db.StatementKind(ctx, q)
		if err != nil || got != want {
			t.Errorf("StatementKind(%q) = %q, %v; want %q", q, got, err, want)
		}
	}
	_, err = db.StatementKind(ctx, "CREATE TABLE u AS SELECT 1; SELECT 1")
	if !errors.Is(err, store.ErrNotOneStatement) {
		t.Fatalf("two statements: %v", err)
	}
	rows, err := db.Query(ctx, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'u'")
	if err != nil || store.Int(rows.Data[0][0]) != 0 {
		t.Fatalf("the first statement ran: %v %v", rows, err)
	}
	if kind, err := db.StatementKind(ctx, "DROP TABLE t"); err != nil || kind != "DROP" {
		t.Fatal(kind, err)
	}
	if rows, err := db.Query(ctx, "SELECT x FROM t"); err != nil || len(rows.Data) != 1 {
		t.Fatalf("t after StatementKind(DROP): %v %v", rows, err)
	}
}

// QueryTyped names each column's type and turns the driver's own value
// types into plain ones.
func TestQueryTyped(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := db.QueryTyped(ctx, `SELECT 1.50::DECIMAL(5,2) AS d, INTERVAL '1 month 2 days 3 hours' AS i,
		'00000000-0000-0000-0000-000000000001'::UUID AS u, DATE '2026-01-02' AS day, 7::BIGINT AS n`)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"DECIMAL(5,2)", "INTERVAL", "UUID", "DATE", "BIGINT"}; !reflect.DeepEqual(r.Types, want) {
		t.Errorf("types %v, want %v", r.Types, want)
	}
	row := r.Data[0]
	if row[0] != "1.5" || row[1] != "1 month 2 days 03:00:00" || row[4] != int64(7) {
		t.Errorf("values %#v", row)
	}
}
