package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// CI runs as root, where chmod 000 stops no read and TestWatchFaultsKeepEveryView
// skips its chmod cases. This runs those cases again in a copy of the test
// binary as the unprivileged user nobody, so that a Parquet file made
// unreadable under the explorer is tested everywhere.
func TestWatchChmodAsNobody(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: TestWatchFaultsKeepEveryView runs the chmod cases itself")
	}
	dir, err := os.MkdirTemp("", "kpiscope-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "kpiscope.test")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	const nobody = 65534
	cmd := exec.Command(bin, "-test.run", "^TestWatchFaultsKeepEveryView$/^(csv|parquet)$/^chmod_000$", "-test.count=1", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+dir, "HOME="+dir, "GOCOVERDIR=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(err.Error(), "operation not permitted") {
			t.Skipf("cannot run as nobody here: %v", err)
		}
		t.Fatalf("the chmod cases as nobody: %v\n%s", err, out)
	}
	for _, c := range []string{"csv/chmod_000", "parquet/chmod_000"} {
		if !strings.Contains(string(out), "--- PASS: TestWatchFaultsKeepEveryView/"+c) {
			t.Errorf("%s did not pass as nobody:\n%s", c, out)
		}
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
