package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// wideBound is the peak resident memory allowed to init, report and check
// on a 3,000-column file. Profiling it in one statement took over 4 GB (and
// a 10,000-column file was OOM-killed at 24 GB).
const wideBound = 800 << 20

// writeWide writes a CSV of cols columns and 30 rows: numbered metrics, a
// creation date first, and a satisfaction score and a segment far to the
// right, beyond the columns profiled from the left.
func writeWide(t *testing.T, path string, cols int) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("created at")
	for i := 1; i < cols-2; i++ {
		fmt.Fprintf(&b, ",m%d", i)
	}
	b.WriteString(",segment,satisfaction rating\n")
	for r := 0; r < 30; r++ {
		fmt.Fprintf(&b, "2026-0%d-%02d", 1+r%3, 1+r%28)
		for i := 1; i < cols-2; i++ {
			fmt.Fprintf(&b, ",%d", (r*7+i)%10)
		}
		fmt.Fprintf(&b, ",%s,%d\n", []string{"smb", "enterprise", "mid"}[r%3], 1+r%5)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A 3,000-column file goes through init, report and check in a child
// process whose peak RSS is read from the kernel: wide files are profiled
// a bounded chunk at a time, at most 2,000 columns, and init says so.
func TestWideFileMemory(t *testing.T) {
	if os.Getenv("KPISCOPE_WIDE_CHILD") != "" {
		wideChild(t)
		return
	}
	file := filepath.Join(t.TempDir(), "wide.csv")
	writeWide(t, file, 3000)
	cmd := exec.Command(os.Args[0], "-test.run=^TestWideFileMemory$", "-test.v")
	cmd.Env = append(os.Environ(), "KPISCOPE_WIDE_CHILD="+file)
	out, err := cmd.CombinedOutput()
	rss := int64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) << 10
	t.Logf("peak RSS %d MB (bound %d MB)", rss>>20, wideBound>>20)
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if rss > wideBound {
		t.Errorf("init, report and check on 3,000 columns peaked at %d MB, over %d MB", rss>>20, wideBound>>20)
	}
}

// wideChild runs the three commands on the file; a watchdog stops it as soon
// as it goes over the bound, so a regression fails fast instead of taking
// the machine's memory.
func wideChild(t *testing.T) {
	go func() {
		for range time.Tick(20 * time.Millisecond) {
			if rss := currentRSS(); rss > wideBound {
				fmt.Printf("over the bound: %d MB resident\n", rss>>20)
				os.Exit(3)
			}
		}
	}()
	file := os.Getenv("KPISCOPE_WIDE_CHILD")
	var out, errb bytes.Buffer
	code := runWith(context.Background(), []string{"init", "--print", file}, &out, &errb)
	if code != 0 {
		t.Fatalf("init: exit %d\n%s", code, errb.String())
	}
	for _, want := range []string{"wide.csv · 30 rows · 3,000 columns", "profiled 2,000 of 3,000 columns", `csat: "satisfaction rating"`, "dimensions: [segment"} {
		if !strings.Contains(out.String()+errb.String(), want) {
			t.Errorf("init output lacks %q:\n%.3000s", want, out.String())
		}
	}
	for _, args := range [][]string{{"report", "--period", "all", file}, {"check", file}} {
		out.Reset()
		errb.Reset()
		if code := runWith(context.Background(), args, &out, &errb); code != 0 || !strings.Contains(out.String(), "CSAT") {
			t.Errorf("%s: exit %d\n%s%s", args[0], code, out.String(), errb.String())
		}
	}
}

// currentRSS is the process's resident memory now, from /proc.
func currentRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
