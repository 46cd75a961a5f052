package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// init says what is wrong with --out before reading any data: a directory
// is not "already existing" (--force would not help), a missing directory
// is named.
func TestInitOutErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "calls.csv")
	if err := os.WriteFile(data, []byte(initCalls), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		out  string
		args []string
		want string
	}{
		{dir, nil, "is a directory; give the config file's name (--out " + filepath.Join(dir, "kpiscope.yaml") + ")"},
		{dir, []string{"--force"}, "is a directory"},
		{filepath.Join(dir, "nosuch", "k.yaml"), nil, "the directory " + filepath.Join(dir, "nosuch") + " does not exist"},
	} {
		code, _, errs := kpiscopeCLI(t, append([]string{"init", data, "--out", tc.out}, tc.args...)...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Contains(errs, "already exists") {
			t.Errorf("init --out %s %v: exit %d, stderr %q; want %q", tc.out, tc.args, code, errs, tc.want)
		}
	}
}
