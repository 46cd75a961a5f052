package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
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

// StatementKind and QueryTypedUnoptimized plan without DuckDB's optimizer
// on the connection they use, and hand it back to the pool with the
// optimizer on again (the test runs one query at a time: the pool holds
// the one connection they used).
func TestUnoptimizedHandsBackOptimizer(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Exec(ctx, "CREATE TABLE t AS SELECT 1 AS x"); err != nil {
		t.Fatal(err)
	}
	// The optimizer folds 40 + 2 and knows from t's statistics that no x
	// is 42: its plan is EMPTY_RESULT.
	optimizer := func() string {
		t.Helper()
		rows, err := db.Query(ctx, "EXPLAIN SELECT * FROM t WHERE x = 40 + 2")
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(strings.Contains(fmt.Sprint(rows.Data), "EMPTY_RESULT"))
	}
	if got := optimizer(); got != "true" {
		t.Fatalf("optimizer at open %q", got)
	}
	if _, err := db.StatementKind(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	r, err := db.QueryTypedUnoptimized(ctx, "EXPLAIN SELECT * FROM t WHERE x = 40 + 2")
	if err != nil {
		t.Fatal(err)
	}
	if plan := fmt.Sprint(r.Data); strings.Contains(plan, "EMPTY_RESULT") || !strings.Contains(plan, "FILTER") {
		t.Errorf("the unoptimized plan was optimised: %s", plan)
	}
	if r, err := db.QueryTypedUnoptimized(ctx, "SELECT len(range(3)) AS n"); err != nil || store.Int(r.Data[0][0]) != 3 {
		t.Errorf("unoptimized len(range(3)) = %v, %v; want 3", r, err)
	}
	if got := optimizer(); got != "true" {
		t.Errorf("optimizer after the unoptimized statements %q, want true", got)
	}
}
