package main

import (
	"io/fs"
	"os"
	"strings"
	"testing"

	"kpiscope/internal/store"
)

func TestMemoryLimitFlag(t *testing.T) {
	const gib = 1 << 30
	cases := []struct {
		flag    string
		machine int64
		want    int64
		err     string // part of the error; "" for none
	}{
		{"", 16 * gib, gib, ""}, // half, at most 1GiB
		{"", gib, gib / 2, ""},  // half of a small machine
		{"", 3 * gib / 2, 3 * gib / 4, ""},
		{"", 0, 0, ""}, // memory unknown: DuckDB's own default
		{"2GB", 16 * gib, 2e9, ""},
		{"500MB", 0, 5e8, ""},
		{" 1.5 gib ", 0, 3 * gib / 2, ""},
		{"64MiB", 0, 64 << 20, ""},
		{"40%", 10 * gib, 4 * gib, ""},
		{"100%", 10 * gib, 10 * gib, ""},
		{"12.5%", 8 * gib, gib, ""},
		{"2", 16 * gib, 0, "with a unit"},
		{"GB", 16 * gib, 0, "with a unit"},
		{"-1GB", 16 * gib, 0, "with a unit"},
		{"2XB", 16 * gib, 0, `unknown unit "XB"`},
		{"1.2.3GB", 16 * gib, 0, "with a unit"},
		{"2MB", 16 * gib, 0, "minimum of 64MiB"},
		{"0%", 16 * gib, 0, "above 0 and at most 100"},
		{"150%", 16 * gib, 0, "above 0 and at most 100"},
		{"abc%", 16 * gib, 0, "above 0 and at most 100"},
		{"40%", 0, 0, "cannot be read; give a size"},
		{"1%", gib, 0, "minimum of 64MiB"},
		{"99999999TB", 0, 0, "too large"},
	}
	for _, c := range cases {
		got, err := memoryLimit(c.flag, c.machine)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%q: %v", c.flag, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "--memory-limit")):
			t.Errorf("%q: error %v, want one about --memory-limit that says %q", c.flag, err, c.err)
		case got != c.want:
			t.Errorf("%q of %d: %d bytes, want %d", c.flag, c.machine, got, c.want)
		}
	}
}

func TestMachineMemory(t *testing.T) {
	const meminfo = "MemTotal:       16384000 kB\nMemFree:         1024000 kB\n"
	const total = 16384000 << 10
	cases := []struct {
		name  string
		files map[string]string
		want  int64
	}{
		{"not Linux", nil, 0},
		{"no cgroup", map[string]string{"/proc/meminfo": meminfo}, total},
		{"cgroup v2 limit", map[string]string{
			"/proc/meminfo":     meminfo,
			"/proc/self/cgroup": "0::/user.slice/app.scope\n",
			"/sys/fs/cgroup/user.slice/app.scope/memory.max": "2147483648\n",
		}, 2 << 30},
		{"cgroup v2 no limit", map[string]string{
			"/proc/meminfo":             meminfo,
			"/proc/self/cgroup":         "0::/\n",
			"/sys/fs/cgroup/memory.max": "max\n",
		}, total},
		{"cgroup v1 limit", map[string]string{
			"/proc/meminfo":     meminfo,
			"/proc/self/cgroup": "5:cpuacct,cpu:/\n4:memory:/docker/abc\n0::/\n",
			"/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "1073741824\n",
		}, 1 << 30},
		{"cgroup v1 no limit", map[string]string{
			"/proc/meminfo":     meminfo,
			"/proc/self/cgroup": "4:memory:/\n",
			"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
		}, total},
		{"limit above RAM", map[string]string{
			"/proc/meminfo":             meminfo,
			"/proc/self/cgroup":         "0::/\n",
			"/sys/fs/cgroup/memory.max": "68719476736\n",
		}, total},
	}
	for _, c := range cases {
		read := func(name string) ([]byte, error) {
			if s, ok := c.files[name]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		}
		if got := machineMemory(read); got != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, got, c.want)
		}
	}
}

// TestMemoryLimitReachesDuckDB runs commands with --memory-limit: a valid one
// caps the databases they open, an invalid one stops them with one line.
func TestMemoryLimitReachesDuckDB(t *testing.T) {
	t.Cleanup(func() { store.SetMemoryLimit(0) })
	sandbox(t)
	r := runCLI(t, "report", "--kpi", "csat", "--memory-limit", "512MiB")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := store.MemoryLimit(); got != 512<<20 {
		t.Errorf("memory limit %d, want %d", got, 512<<20)
	}
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(t.Context(), "SELECT current_setting('memory_limit')")
	if err != nil {
		t.Fatal(err)
	}
	if got := rows.Data[0][0]; got != "512.0 MiB" {
		t.Errorf("DuckDB's memory_limit = %v, want 512.0 MiB", got)
	}

	r = runCLI(t, "report", "--memory-limit", "2")
	if r.code != 2 || r.stdout != "" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
	checkOneLine(t, r.stderr)
	if !strings.Contains(r.stderr, `--memory-limit "2"`) {
		t.Errorf("stderr %q", r.stderr)
	}

	// Without the flag: half the machine's memory, at most 1GiB (0, DuckDB's
	// default, where unknown).
	if r := runCLI(t, "report", "--kpi", "csat"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got, want := store.MemoryLimit(), min(machineMemory(os.ReadFile)/2, 1<<30); got != want {
		t.Errorf("default memory limit %d, want %d", got, want)
	}
}
