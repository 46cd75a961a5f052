package store

import (
	"context"
	"testing"
)

func TestSetThreads(t *testing.T) {
	ctx := context.Background()
	db, err := Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SetThreads(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if got := setting(t, db, "threads"); got != "1" {
		t.Errorf("threads = %s, want 1", got)
	}
	if err := db.SetThreads(ctx, 0); err == nil {
		t.Error("0 threads accepted")
	}
	// Once locked, the setting stays.
	if err := db.Lock(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.SetThreads(ctx, 2); err == nil {
		t.Error("threads changed on a locked engine")
	}
	if got := setting(t, db, "threads"); got != "1" {
		t.Errorf("threads after lock = %s, want 1", got)
	}
}
