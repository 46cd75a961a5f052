package main

import "testing"

// skipShort skips, under -short (CI's race pass), a test that runs report or
// init one command after another on one goroutine: the plain pass runs it;
// the race pass keeps the tests where goroutines meet (serve, watch, the
// explorer's sessions).
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs commands one after another on one goroutine: run without -short")
	}
}
