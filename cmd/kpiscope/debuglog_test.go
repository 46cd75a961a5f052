package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// KPISCOPE_DEBUG_SQL=FILE logs the engine's queries to FILE; unset, nothing
// is logged; "1" goes to stderr except under the explorer's screen.
func TestDebugLogEnv(t *testing.T) {
	t.Setenv(debugEnv, "")
	if debugLog(false) != nil {
		t.Error("a logger without the variable")
	}
	t.Setenv(debugEnv, "1")
	if debugLog(false) == nil || debugLog(true) != nil {
		t.Error(`"1": want stderr for commands and nothing under the explorer`)
	}
	sandbox(t)
	path := filepath.Join(t.TempDir(), "debug.log")
	t.Setenv(debugEnv, path)
	if r := runCLI(t, "report"); r.code != 0 {
		t.Fatalf("report: %d %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "msg=query") || !strings.Contains(string(b), "SELECT") {
		t.Errorf("debug log %q (%v): want the queries", b, err)
	}
}
