package store

import (
	"context"
	"strings"
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

// TestEnvThreads: KPISCOPE_THREADS sets DuckDB's threads for every database
// Open opens; a value that is not a whole number of at least 1 fails Open
// with a message naming the variable; unset, DuckDB keeps its default.
func TestEnvThreads(t *testing.T) {
	t.Setenv(ThreadsEnv, "3")
	db, err := Open("")
	if err != nil {
		t.Fatal(err)
	}
	got := setting(t, db, "threads")
	db.Close()
	if got != "3" {
		t.Errorf("threads with %s=3: %s", ThreadsEnv, got)
	}
	for _, bad := range []string{"0", "-2", "two", "1.5"} {
		t.Setenv(ThreadsEnv, bad)
		db, err := Open("")
		if err == nil {
			db.Close()
			t.Errorf("%s=%s: opened", ThreadsEnv, bad)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, ThreadsEnv+`="`+bad+`"`) || !strings.Contains(msg, "at least 1") {
			t.Errorf("%s=%s: %q, want the variable, its value and the fix", ThreadsEnv, bad, msg)
		}
	}
	t.Setenv(ThreadsEnv, " ")
	db, err = Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, want := setting(t, db, "threads"), plainSetting(t, "threads"); got != want {
		t.Errorf("threads with %s blank: %s, want DuckDB's default %s", ThreadsEnv, got, want)
	}
}

// TestOverrideThreads: a command's flag (serve's --threads) wins over
// ThreadsEnv, a bad value included, and 0 hands the threads back to it.
func TestOverrideThreads(t *testing.T) {
	t.Setenv(ThreadsEnv, "two")
	OverrideThreads(2)
	db, err := Open("")
	OverrideThreads(0)
	if err != nil {
		t.Fatalf("with the override, %s=two: %v", ThreadsEnv, err)
	}
	got := setting(t, db, "threads")
	db.Close()
	if got != "2" {
		t.Errorf("threads with the override 2: %s", got)
	}
	if db, err := Open(""); err == nil {
		db.Close()
		t.Errorf("the override dropped, %s=two: opened", ThreadsEnv)
	}
}
