package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"kpiscope/internal/store"
)

// defaultMemoryShare is DuckDB's share of the machine's memory unless
// --memory-limit says otherwise. DuckDB alone would take 80%; the rest of the
// process (results, the explorer, one program per SSH session) and the page
// cache that keeps Parquet files warm need room too.
const defaultMemoryShare = 0.5

// defaultMemoryCap bounds that share: DuckDB keeps what it is allowed in
// memory rather than spilling it, so on a 24 GB machine the explorer over
// 100M tickets grew to 8.7 GB (the business-time table and the rollups'
// builds), where capped it stays under 2 GB and answers as soon (see
// docs/benchmarks.md). Past the cap DuckDB spills to a temp folder of
// kpiscope's own; --memory-limit raises it.
const defaultMemoryCap = 1 << 30

// minMemoryLimit is the smallest --memory-limit accepted. DuckDB runs out of
// memory on the sample data below about 32MB, so a smaller value is more
// likely a slip (2MB for 2GB) than a choice.
const minMemoryLimit = 64 << 20

// addMemoryLimitFlag adds --memory-limit to the root command; its value is
// applied before any command runs.
func addMemoryLimitFlag(c *cobra.Command) {
	var limit string
	c.PersistentFlags().StringVar(&limit, "memory-limit", "",
		"let DuckDB use `LIMIT` of memory: a size (2GB, 500MB) or a share of the machine's memory (40%); default 50%, at most 1GiB")
	next := c.PersistentPreRunE
	c.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		n, err := memoryLimit(limit, machineMemory(os.ReadFile))
		if err != nil {
			return err
		}
		store.SetMemoryLimit(n)
		if next != nil {
			return next(cmd, args)
		}
		return nil
	}
}

// memoryLimit turns --memory-limit into bytes for DuckDB, given the machine's
// memory (0 when unknown). An empty flag means half the machine's memory, at
// most defaultMemoryCap, or DuckDB's own default (0) when the machine's
// memory cannot be read.
func memoryLimit(flag string, machine int64) (int64, error) {
	s := strings.TrimSpace(flag)
	if s == "" {
		return min(int64(float64(machine)*defaultMemoryShare), defaultMemoryCap), nil
	}
	bad := func(why string) error {
		return fmt.Errorf("--memory-limit %q: %s", flag, why)
	}
	if pct, ok := strings.CutSuffix(s, "%"); ok {
		p, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
		if err != nil || math.IsNaN(p) || p <= 0 || p > 100 {
			return 0, bad("a share of memory is a percentage above 0 and at most 100, e.g. 40%")
		}
		if machine <= 0 {
			return 0, bad("this machine's memory cannot be read; give a size such as 2GB")
		}
		n := int64(float64(machine) * p / 100)
		if n < minMemoryLimit {
			return 0, bad(fmt.Sprintf("%s of this machine's %s is below the minimum of 64MiB", s, humanBytes(machine)))
		}
		return n, nil
	}
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return 0, bad("give a size with a unit (500MB, 2GB, 1.5GiB) or a share of the machine's memory (40%)")
	}
	num, unit := s[:i], strings.ToUpper(strings.TrimSpace(s[i:]))
	mult, ok := memoryUnits[unit]
	if !ok {
		return 0, bad("unknown unit " + strconv.Quote(s[i:]) + "; use KB, MB, GB, TB (powers of 1000), KiB, MiB, GiB, TiB (powers of 1024) or a percentage")
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, bad("give a size with a unit (500MB, 2GB, 1.5GiB) or a share of the machine's memory (40%)")
	}
	b := v * float64(mult)
	if b < minMemoryLimit {
		return 0, bad("below the minimum of 64MiB")
	}
	if b >= math.MaxInt64 {
		return 0, bad("too large")
	}
	return int64(b), nil
}

// memoryUnits are the units DuckDB itself accepts for memory_limit.
var memoryUnits = map[string]int64{
	"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
	"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40,
}

func humanBytes(n int64) string {
	if n < 1<<30 {
		return fmt.Sprintf("%.0fMiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1fGiB", float64(n)/(1<<30))
}

// machineMemory is the memory this process may use, in bytes: the physical
// memory, or the container's (cgroup) limit when that is smaller; 0 when it
// cannot be read (not Linux). read is os.ReadFile, or a test's files.
func machineMemory(read func(string) ([]byte, error)) int64 {
	var total int64
	if b, err := read("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 3 && f[0] == "MemTotal:" && f[2] == "kB" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil && kb > 0 {
					total = kb << 10
				}
				break
			}
		}
	}
	if total == 0 {
		return 0
	}
	for _, file := range cgroupLimitFiles(read) {
		b, err := read(file)
		if err != nil {
			continue
		}
		// "max" (v2) or a number near MaxInt64 (v1) is no limit; both lose to MemTotal.
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && n < total {
			total = n
		}
	}
	return total
}

// cgroupLimitFiles lists the files holding this process's cgroup memory
// limit, for cgroup v2 and v1, as /proc/self/cgroup names them.
func cgroupLimitFiles(read func(string) ([]byte, error)) []string {
	b, err := read("/proc/self/cgroup")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			out = append(out, path.Join("/sys/fs/cgroup", parts[2], "memory.max"))
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			out = append(out, path.Join("/sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes"))
		}
	}
	return out
}
