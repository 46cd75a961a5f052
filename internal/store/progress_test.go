package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// A long statement reports DuckDB's progress while it runs, rising from
// somewhere in 0–1, and the statement's result is unaffected.
func TestExecProgress(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a statement of a few seconds")
	}
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = 5 * time.Millisecond
	db, err := Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Exec(context.Background(), "CREATE TABLE src AS SELECT i FROM range(25000000) r(i)"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []float64
	err = db.ExecProgress(context.Background(), func(p float64) {
		mu.Lock()
		seen = append(seen, p)
		mu.Unlock()
	}, "CREATE TABLE t AS SELECT i % 1000 AS k, count(*) AS n, sum(i * i) AS s FROM src GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(context.Background(), "SELECT CAST(sum(n) AS BIGINT) FROM t")
	if err != nil || Int(rows.Data[0][0]) != 25000000 {
		t.Fatalf("statement result: %v %v", rows, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 {
		t.Fatal("no progress reported during a statement of several hundred milliseconds")
	}
	for _, p := range seen {
		if p < 0 || p > 1 {
			t.Fatalf("progress %v outside 0–1 (%v)", p, seen)
		}
	}
	if last := seen[len(seen)-1]; last <= 0 || last < seen[0] {
		t.Fatalf("progress did not rise: %v", seen)
	}
	t.Logf("progress: %v", seen)
}
