package source

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A snapshot folder left by a process that was killed (or whose terminal
// closed) is removed by the next one; a live process's folder stays.
func TestNewSnapshotRemovesStaleFolders(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` to get a finished process's id:", err)
	}
	stale := filepath.Join(tmp, fmt.Sprintf("kpiscope-pin-%d-123", cmd.Process.Pid))
	live := filepath.Join(tmp, "kpiscope-pin-1-456") // init never ends
	for _, d := range []string{stale, live} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "tickets.0.parquet"), []byte("copy"), 0o400); err != nil {
			t.Fatal(err)
		}
	}
	s, err := NewSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Remove()
	if filepath.Dir(s.Dir()) != tmp {
		t.Errorf("snapshot in %s, want in $TMPDIR %s", s.Dir(), tmp)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the folder of a finished process is still there (%v)", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the folder of a live process was removed: %v", err)
	}
}
