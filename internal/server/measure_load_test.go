package server_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// serveProcess is `kpiscope serve` on the sample data as its own process.
type serveProcess struct {
	addr string
	host gossh.PublicKey
	cmd  *exec.Cmd
	logs *syncBuffer
}

// startServeProcess builds kpiscope and serves the sample with keys
// authorized, plus the extra flags.
// With pprofAddr, the binary serves net/http/pprof there (cmd/kpiscope/pprof.go).
func startServeProcess(t *testing.T, keys []gossh.Signer, pprofAddr string, extra ...string) *serveProcess {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "kpiscope")
	build := exec.Command("go", "build", "-o", bin, "kpiscope/cmd/kpiscope")
	if pprofAddr != "" {
		build = exec.Command("go", "build", "-tags", "pprof", "-o", bin, "kpiscope/cmd/kpiscope")
	}
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var b strings.Builder
	for i, k := range keys {
		b.WriteString(authorizedLine(k, fmt.Sprintf("user%d@test", i)))
	}
	keyFile := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keyFile, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--listen", addr, "--host-key", filepath.Join(dir, "host"), "--authorized-keys", keyFile}, extra...)
	p := &serveProcess{addr: addr, logs: &syncBuffer{}, cmd: exec.Command(bin, args...)}
	p.cmd.Dir = dir // no kpiscope.yaml here: the sample data
	p.cmd.Stderr = p.logs
	if pprofAddr != "" {
		p.cmd.Env = append(os.Environ(), "KPISCOPE_PPROF="+pprofAddr)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Signal(os.Interrupt)
		p.cmd.Wait()
	})
	(&testServer{addr: addr, logs: p.logs}).waitLog(t, waitLong, "listening")
	hostPub, err := os.ReadFile(filepath.Join(dir, "host.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if p.host, _, _, _, err = gossh.ParseAuthorizedKey(hostPub); err != nil {
		t.Fatal(err)
	}
	return p
}

// open logs in with key from the loopback address from and starts the
// explorer in a 120×40 terminal.
func (p *serveProcess) open(t *testing.T, user, from string, key gossh.Signer) (*termClient, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: waitLong}
	conn, err := d.Dial("tcp", p.addr)
	if err != nil {
		return nil, err
	}
	cc, chans, reqs, err := gossh.NewClientConn(conn, p.addr, &gossh.ClientConfig{User: user,
		Auth: []gossh.AuthMethod{gossh.PublicKeys(key)}, HostKeyCallback: gossh.FixedHostKey(p.host), Timeout: waitLong})
	if err != nil {
		conn.Close()
		return nil, err
	}
	client := gossh.NewClient(cc, chans, reqs)
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		return nil, err
	}
	if err := sess.RequestPty("xterm-256color", 40, 120, nil); err != nil {
		return nil, err
	}
	in, _ := sess.StdinPipe()
	c := &termClient{t: t, user: user, client: client, sess: sess, in: in, scr: newScreen(120, 40), done: make(chan error, 1)}
	sess.Stdout = c.scr
	if err := sess.Shell(); err != nil {
		return nil, err
	}
	go func() { c.done <- sess.Wait() }()
	return c, nil
}

// keyTiming is one key press: the wait for the first byte of the answer
// and for the last one before the screen went quiet.
type keyTiming struct{ first, settled time.Duration }

// pressTimed waits until c has been quiet for quiet, presses keys and times
// the answer; ok is false when nothing came within timeout.
//
// After the quiet wait it waits a random part of a frame more: the server's
// frames tick at a fixed rate, and presses at a fixed distance from the last
// frame would all land at the same point between two ticks (300 ms after a
// frame is nine ticks at 30 a second: every press would wait a whole frame).
func (c *termClient) pressTimed(keys string, quiet, timeout time.Duration) (keyTiming, bool) {
	c.waitQuiet(quiet, waitLong)
	<-time.After(time.Duration(rand.Int64N(int64(40 * time.Millisecond))))
	_, _, next := c.scr.state()
	t0 := time.Now()
	c.press(keys)
	var k keyTiming
	select {
	case <-next:
		k.first = time.Since(t0)
	case <-time.After(timeout):
		return k, false
	}
	last := time.Now()
	for {
		_, _, next = c.scr.state()
		q := time.NewTimer(quiet)
		select {
		case <-next:
			q.Stop()
			last = time.Now()
		case <-q.C:
			k.settled = last.Sub(t0)
			return k, true
		}
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// peakRSS reads a process's peak resident set size (VmHWM) from /proc.
func peakRSS(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// The serve load figures in docs/benchmarks.md: `kpiscope serve` on the
// sample with 100 sessions held (100 keys, one loopback address each, as
// 100 people), 20 of them slicing at once: key to first byte (p50, p95,
// max), key to the settled screen, CPU and RSS. The clients run in this
// process on the same cores, so the figures include their cost.
//
//	KPISCOPE_MEASURE=1 go test -run MeasureServeLoad -v ./internal/server/
//
// KPISCOPE_LOAD=SESSIONS,SLICING changes the 100 and 20;
// KPISCOPE_SERVE_FLAGS adds flags to `kpiscope serve` (say "--threads 1");
// KPISCOPE_PROFILE=DIR writes the server's CPU, mutex and block profiles
// over the slicing there (go tool pprof DIR/cpu.pprof).
func TestMeasureServeLoad(t *testing.T) {
	measuring(t)
	sessions, active, presses := 100, 20, 30
	if v := os.Getenv("KPISCOPE_LOAD"); v != "" { // "SESSIONS,SLICING"
		fmt.Sscanf(v, "%d,%d", &sessions, &active)
	}
	keys := make([]gossh.Signer, sessions)
	for i := range keys {
		keys[i] = newKey(t)
	}
	flags := append([]string{"--max-sessions", strconv.Itoa(sessions)}, strings.Fields(os.Getenv("KPISCOPE_SERVE_FLAGS"))...)
	profDir, pprofAddr := os.Getenv("KPISCOPE_PROFILE"), ""
	if profDir != "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		pprofAddr = ln.Addr().String()
		ln.Close()
	}
	p := startServeProcess(t, keys, pprofAddr, flags...)
	pid := p.cmd.Process.Pid
	loaded := rssOf(t, pid)
	// The rollups are built in the background after the data loads; one
	// session watches until its header drops the "indexing" note, so the
	// baseline holds them and the per-session figure does not.
	probe, err := p.open(t, "probe", "127.0.0.250", keys[0])
	if err != nil {
		t.Fatal(err)
	}
	probe.waitFor("rollups built", 2*time.Minute, func(s string) bool {
		return strings.Contains(s, "CSAT") && !strings.Contains(s, "indexing")
	})
	probe.press("q")
	probe.waitEnd(waitLong)
	<-time.After(time.Second)
	idle := rssOf(t, pid)

	// People arrive ten at a time.
	clients := make([]*termClient, sessions)
	began := time.Now()
	for batch := 0; batch < sessions; batch += 10 {
		var wg sync.WaitGroup
		for i := batch; i < min(sessions, batch+10); i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := p.open(t, fmt.Sprintf("u%03d", i), fmt.Sprintf("127.0.%d.%d", 1+i/200, 2+i%200), keys[i])
				if err != nil {
					t.Errorf("session %d: %v", i, err)
					return
				}
				clients[i] = c
			}()
		}
		wg.Wait()
		if t.Failed() {
			t.Fatalf("server log:\n%s", p.logs.String())
		}
		for _, c := range clients[batch:min(sessions, batch+10)] {
			c.waitForText(waitLong, "CSAT")
		}
	}
	opened := time.Since(began)
	for _, c := range clients {
		c.waitQuiet(300*time.Millisecond, waitLong)
	}
	held := rssOf(t, pid)
	cpu0, wall0 := cpuOf(t, pid), time.Now()
	<-time.After(5 * time.Second)
	idleCPU := 100 * (cpuOf(t, pid) - cpu0).Seconds() / time.Since(wall0).Seconds()

	// Twenty slice at once: grain, period, compare, KPI up and down, back.
	cycle := []string{"g", "[", "c", "j", "G", "]", "k", "c", "l", "h"}
	var mu sync.Mutex
	var firsts, settles []time.Duration
	byKey := map[string][]time.Duration{}
	missed := 0
	var wg sync.WaitGroup
	profiled := make(chan struct{})
	if pprofAddr != "" {
		var pw sync.WaitGroup
		for _, prof := range []string{"profile", "mutex", "block"} {
			pw.Add(1)
			go func() {
				defer pw.Done()
				fetch(t, pprofAddr, "/debug/pprof/"+prof+"?seconds=12", filepath.Join(profDir, prof+".pprof"))
			}()
		}
		go func() {
			pw.Wait()
			close(profiled)
		}()
	} else {
		close(profiled)
	}
	cpu0, wall0 = cpuOf(t, pid), time.Now()
	self0 := cpuOf(t, os.Getpid())
	for i := range active {
		c := clients[i*sessions/active]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range presses {
				key := cycle[(n+i)%len(cycle)]
				k, ok := c.pressTimed(key, 150*time.Millisecond, 5*time.Second)
				mu.Lock()
				if ok {
					firsts, settles = append(firsts, k.first), append(settles, k.settled)
					byKey[key] = append(byKey[key], k.first)
				} else {
					missed++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	busyCPU := 100 * (cpuOf(t, pid) - cpu0).Seconds() / time.Since(wall0).Seconds()
	clientCPU := 100 * (cpuOf(t, os.Getpid()) - self0).Seconds() / time.Since(wall0).Seconds()
	load, _ := os.ReadFile("/proc/loadavg")
	<-profiled
	if pprofAddr != "" {
		for _, prof := range []string{"goroutine", "heap"} {
			fetch(t, pprofAddr, "/debug/pprof/"+prof, filepath.Join(profDir, prof+".pprof"))
		}
		// The Go runtime's memory statistics, to set against the RSS.
		fetch(t, pprofAddr, "/debug/pprof/heap?debug=1", filepath.Join(profDir, "memstats.txt"))
	}
	peak := peakRSS(t, pid)
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/1e6) }
	t.Logf("flags: %q", flags)
	t.Logf("%d sessions opened ten at a time in %s; RSS %.1f MB loaded, %.1f MB indexed, %.1f MB with %d sessions (%.0f KB each); CPU with all idle %.1f%% of one core",
		sessions, opened.Round(time.Millisecond), float64(loaded)/1e6, float64(idle)/1e6, float64(held)/1e6, sessions, float64(held-idle)/float64(sessions)/1024, idleCPU)
	t.Logf("%d slicing at once, %d presses (%d without an answer within 5 s): key to first byte p50 %s, p95 %s, max %s; to the settled screen p50 %s, p95 %s, max %s; server CPU %.0f%% of one core",
		active, len(firsts), missed, ms(percentile(firsts, 0.5)), ms(percentile(firsts, 0.95)), ms(percentile(firsts, 1)),
		ms(percentile(settles, 0.5)), ms(percentile(settles, 0.95)), ms(percentile(settles, 1)), busyCPU)
	t.Logf("the clients (this process) took %.0f%% of one core; load average after: %s", clientCPU, strings.TrimSpace(string(load)))
	var per []string
	for _, key := range []string{"g", "[", "c", "j", "G", "]", "k", "l", "h"} {
		per = append(per, fmt.Sprintf("%s p50 %s p95 %s", key, ms(percentile(byKey[key], 0.5)), ms(percentile(byKey[key], 0.95))))
	}
	t.Logf("first byte by key: %s", strings.Join(per, "; "))
	t.Logf("peak RSS (VmHWM) %.1f MB", float64(peak)/1e6)
}

// fetch GETs path from the pprof server at addr into file (if not "").
func fetch(t *testing.T, addr, path, file string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Errorf("pprof %s: %v", path, err)
		return
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("pprof %s: %v", path, err)
		return
	}
	if file != "" {
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Error(err)
		}
	}
}
