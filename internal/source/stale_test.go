package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"kpiscope/internal/store"
)

// Every load removes the private folders of processes that were killed
// before they could (a UTF-8 copy left by a SIGKILL), not only --watch.
func TestLoadRemovesStaleCopies(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` to get a finished process's id:", err)
	}
	stale := filepath.Join(tmp, fmt.Sprintf("kpiscope-pin-%d-789", cmd.Process.Pid))
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(stale, "0-big1252.csv"), "id,city\n1,Köln\n")
	staleOnce = sync.Once{} // as at a process's start
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.csv"), "id,n\n1,2\n")
	mustLoad(t, dir, Spec{Path: filepath.Join(dir, "a.csv")})
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a killed process's UTF-8 copy is still there after a load (%v)", err)
	}
}

// A load cancelled (^C, SIGTERM, SIGHUP) while a file is transcoded stops
// copying and leaves no copy behind.
func TestCancelledTranscodeLeavesNoCopy(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "w.csv"), "id,city\n1,K\xf6ln\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = Load(ctx, db, []Spec{{Path: filepath.Join(dir, "w.csv"), Encoding: Windows1252}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "kpiscope-pin-*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
