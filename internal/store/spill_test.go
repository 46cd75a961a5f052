package store

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// An in-memory database spills past its memory limit into a folder of its
// own in the system's temp directory (DuckDB's default is .tmp in the
// current directory: the user's folder), removed by Close; a folder left by
// a killed process is removed by the next Open.
func TestSpillFolder(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cwd := t.TempDir()
	t.Chdir(cwd)
	// A killed kpiscope's folder (no such process) and a running one's.
	dead := filepath.Join(tmp, spillPrefix+"999999999-1")
	alive := filepath.Join(tmp, spillPrefix+strconv.Itoa(os.Getppid())+"-1")
	for _, d := range []string{dead, alive} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	prev := MemoryLimit()
	SetMemoryLimit(64 << 20)
	t.Cleanup(func() { SetMemoryLimit(prev) })
	db, err := Open("")
	if err != nil {
		t.Fatal(err)
	}
	dir := db.SpillDir()
	if !strings.HasPrefix(dir, filepath.Join(tmp, spillPrefix)) {
		t.Fatalf("spill folder %q, want one under %s", dir, tmp)
	}
	ctx := context.Background()
	rows, err := db.Query(ctx, "SELECT current_setting('temp_directory')")
	if err != nil {
		t.Fatal(err)
	}
	if got := rows.Data[0][0]; got != dir {
		t.Fatalf("temp_directory %v, want %s", got, dir)
	}
	// Past the 64MB limit: a table of ~400MB goes to the spill folder.
	if err := db.Exec(ctx, "CREATE TABLE big AS SELECT range AS a, range * 2 AS b, range * 3 AS c FROM range(16000000)"); err != nil {
		t.Fatal(err)
	}
	if n := dirSize(t, dir); n == 0 {
		t.Errorf("nothing spilled to %s", dir)
	}
	if _, err := os.Stat(filepath.Join(cwd, ".tmp")); err == nil {
		t.Errorf("the database spilled into the current directory (.tmp)")
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("a killed process's spill folder is still there: %v", err)
	}
	if _, err := os.Stat(alive); err != nil {
		t.Errorf("a running process's spill folder was removed: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the spill folder is still there after Close: %v", err)
	}
	// A --db file's database keeps DuckDB's place, next to its file.
	file, err := Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if file.SpillDir() != "" {
		t.Errorf("a --db file's database has a spill folder of kpiscope's: %s", file.SpillDir())
	}
}

func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}
