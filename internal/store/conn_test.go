package store_test

import (
	"context"
	"strings"
	"testing"

	"kpiscope/internal/store"
)

// A TEMP table lives on one connection: a Conn keeps seeing it, while the
// pool hands other callers another connection, where it does not exist.
// That is why work that creates one holds a Conn (source's whitespace loader).
func TestConnKeepsItsTempTable(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Exec(ctx, "CREATE TEMP TABLE work AS SELECT ? AS x", 42); err != nil {
		t.Fatal(err)
	}
	// While c is held, the pool cannot hand out its connection.
	if _, err := db.Query(ctx, "SELECT x FROM work"); err == nil || !strings.Contains(err.Error(), "work") {
		t.Errorf("the pool's other connection sees the TEMP table (err %v): the test no longer shows why a Conn is needed", err)
	}
	rows, err := c.Query(ctx, "SELECT x FROM work")
	if err != nil {
		t.Fatalf("the Conn lost its TEMP table: %v", err)
	}
	if len(rows.Data) != 1 || store.Int(rows.Data[0][0]) != 42 {
		t.Errorf("rows %v, want [[42]]", rows.Data)
	}
	if err := c.Exec(ctx, "DROP TABLE work"); err != nil {
		t.Fatal(err)
	}
}
