package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"kpiscope/internal/server"
)

// The measurements in docs/serve.md come from these tests. They are slow
// and print figures rather than assert them, so they run only on demand:
//
//	KPISCOPE_MEASURE=1 go test -run Measure -v ./internal/server/
func measuring(t *testing.T) {
	if os.Getenv("KPISCOPE_MEASURE") == "" {
		t.Skip("measurement; run with KPISCOPE_MEASURE=1")
	}
}

// Bytes the client receives for the first screen and for single steps.
func TestMeasureBytes(t *testing.T) {
	measuring(t)
	steps := []struct{ name, key string }{
		{"next KPI (tab)", "\t"},
		{"focus the breakdown pane (l)", "l"},
		{"back to the KPI list (h)", "h"},
		{"grain month→quarter (g)", "g"},
		{"ten KPIs down in one burst (j×10)", "jjjjjjjjjj"},
	}
	key := newKey(t)
	ts := startServer(t, server.Config{}, explorer, key)
	const quiet = 500 * time.Millisecond
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		for _, env := range []map[string]string{{"COLORTERM": "truecolor"}, nil, {"NO_COLOR": "1"}} {
			c := ts.open(t, "measure", key, termOpts{w: size.w, h: size.h, env: env})
			c.waitForText(waitLong, "CSAT")
			first := c.waitQuiet(quiet, waitLong)
			colour := "xterm-256color"
			for k, v := range env {
				colour += " " + k + "=" + v
			}
			line := fmt.Sprintf("%dx%d %s: first screen %d bytes", size.w, size.h, colour, first)
			for _, st := range steps {
				before, text := c.waitQuiet(quiet, waitLong), c.scr.Text()
				c.press(st.key)
				after := c.waitQuiet(quiet, waitLong)
				if c.scr.Text() == text {
					line += fmt.Sprintf("; %s: no change", st.name)
				} else {
					line += fmt.Sprintf("; %s: %d", st.name, after-before)
				}
			}
			t.Log(line)
			c.press("q")
			c.waitEnd(waitLong)
		}
	}
}

// Memory with 20 sessions open, in this process: Go heap and DuckDB's own
// accounting. The SSH clients live in the same process, so the heap delta
// slightly overstates the server's share; TestMeasureServerRSS runs the
// server alone.
func TestMeasureMemory(t *testing.T) {
	measuring(t)
	key := newKey(t)
	ts := startServer(t, server.Config{}, explorer, key)
	before := memNow(t)
	var clients []*termClient
	for i := range 20 {
		c := ts.open(t, fmt.Sprintf("m%02d", i), key, termOpts{})
		clients = append(clients, c)
	}
	for _, c := range clients {
		c.waitForText(waitLong, "CSAT")
	}
	for _, c := range clients {
		c.waitQuiet(300*time.Millisecond, waitLong)
	}
	with := memNow(t)
	t.Logf("before sessions: %s", before)
	t.Logf("20 sessions:     %s", with)
	t.Logf("per session:     Go heap %.0f KB, RSS %.0f KB",
		float64(with.heap-before.heap)/20/1024, float64(with.rss-before.rss)/20/1024)
}

type mem struct{ heap, rss, duck int64 }

func (m mem) String() string {
	return fmt.Sprintf("Go heap in use %.1f MB, DuckDB %.1f MB, process RSS %.1f MB",
		float64(m.heap)/1e6, float64(m.duck)/1e6, float64(m.rss)/1e6)
}

func memNow(t *testing.T) mem {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := mem{heap: int64(ms.HeapInuse), rss: rssOf(t, os.Getpid())}
	rows, err := ws.DB.Query(context.Background(), "SELECT sum(memory_usage_bytes) FROM duckdb_memory()")
	if err == nil && len(rows.Data) == 1 {
		if v, ok := rows.Data[0][0].(int64); ok {
			m.duck = v
		} else if v, ok := rows.Data[0][0].(float64); ok {
			m.duck = int64(v)
		} else {
			m.duck, _ = strconv.ParseInt(fmt.Sprint(rows.Data[0][0]), 10, 64)
		}
	}
	return m
}

// rssOf reads a process's resident set size from /proc (Linux only).
func rssOf(t *testing.T, pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// The server's RSS alone: `kpiscope serve` on the sample data in its own
// process, idle, then with 20 explorer sessions open.
func TestMeasureServerRSS(t *testing.T) {
	measuring(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "kpiscope")
	build := exec.Command("go", "build", "-o", bin, "kpiscope/cmd/kpiscope")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	key := newKey(t)
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, []byte(authorizedLine(key, "m@test")), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cmd := exec.Command(bin, "serve", "--listen", addr, "--host-key", filepath.Join(dir, "host"), "--authorized-keys", keys, "--rate-limit", "1000",
		"--max-sessions-per-key", "20") // one key for all 20 sessions
	cmd.Dir = dir // no kpiscope.yaml here: the sample data
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	ts := &testServer{addr: addr, logs: logs}
	ts.waitLog(t, waitLong, "listening")
	hostPub, err := os.ReadFile(filepath.Join(dir, "host.pub"))
	if err != nil {
		t.Fatal(err)
	}
	hk, _, _, _, err := gossh.ParseAuthorizedKey(hostPub)
	if err != nil {
		t.Fatal(err)
	}
	dial := func(user string) *termClient {
		client, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.PublicKeys(key)}, HostKeyCallback: gossh.FixedHostKey(hk), Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { client.Close() })
		sess, err := client.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.RequestPty("xterm-256color", 40, 120, nil); err != nil {
			t.Fatal(err)
		}
		in, _ := sess.StdinPipe()
		c := &termClient{t: t, user: user, client: client, sess: sess, in: in, scr: newScreen(120, 40), done: make(chan error, 1)}
		sess.Stdout = c.scr
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	loaded := rssOf(t, cmd.Process.Pid)
	// Wait for the background rollup build (the header's "indexing" note)
	// with one session, closed again, so the baseline holds the rollups.
	probe := dial("probe")
	probe.waitFor("rollups built", 2*time.Minute, func(s string) bool {
		return strings.Contains(s, "CSAT") && !strings.Contains(s, "indexing")
	})
	probe.press("q")
	<-time.After(time.Second)
	idle := rssOf(t, cmd.Process.Pid)
	// One after another (people arriving), then ten more all at once.
	var clients []*termClient
	for i := range 10 {
		c := dial(fmt.Sprintf("m%02d", i))
		c.waitForText(waitLong, "CSAT")
		clients = append(clients, c)
	}
	ten := rssOf(t, cmd.Process.Pid)
	for i := range 10 {
		clients = append(clients, dial(fmt.Sprintf("b%02d", i)))
	}
	for _, c := range clients {
		c.waitForText(waitLong, "CSAT")
		c.waitQuiet(300*time.Millisecond, waitLong)
	}
	with := rssOf(t, cmd.Process.Pid)
	t.Logf("kpiscope serve RSS: %.1f MB after loading the sample, %.1f MB once indexed; %.1f MB with 10 sessions opened one by one (%.0f KB each); %.1f MB with 10 more opened at once (%.0f KB each)",
		float64(loaded)/1e6, float64(idle)/1e6, float64(ten)/1e6, float64(ten-idle)/10/1024, float64(with)/1e6, float64(with-ten)/10/1024)
	// CPU while the 20 sessions sit idle: what the renderers' frame
	// tickers cost when nothing changes.
	cpu0, wall0 := cpuOf(t, cmd.Process.Pid), time.Now()
	<-time.After(5 * time.Second)
	cpu1, wall1 := cpuOf(t, cmd.Process.Pid), time.Now()
	t.Logf("CPU with 20 idle sessions: %.1f%% of one core", 100*(cpu1-cpu0).Seconds()/wall1.Sub(wall0).Seconds())
}

// cpuOf reads a process's user+system CPU time from /proc (Linux only).
func cpuOf(t *testing.T, pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ is 100 on Linux
}
