package watch_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/watch"
	"kpiscope/internal/workspace"
)

// waitLimit bounds every wait: the test fails instead of hanging.
const waitLimit = 10 * time.Second

// tickets writes a tickets file in the standard model: n rated tickets, of
// which good are scored 5 and the rest 2.
func tickets(n, good int) string {
	var b strings.Builder
	b.WriteString("ticket_id,csat,resolved_at\n")
	for i := 0; i < n; i++ {
		score := 2
		if i < good {
			score = 5
		}
		fmt.Fprintf(&b, "T%03d,%d,2026-01-%02d 10:00:00\n", i, score, 1+i%28)
	}
	return b.String()
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func csat(t *testing.T, eng *kpi.Engine) float64 {
	t.Helper()
	sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: kpi.All}, []string{"csat"})
	if err != nil {
		t.Fatal(err)
	}
	r := sc.Find("csat")
	if r == nil || r.Err != nil || r.Total.Value == nil {
		t.Fatalf("no CSAT: %+v", r)
	}
	return *r.Total.Value
}

// reloader opens a fresh workspace on every reload and hands the new engine
// over on a channel; the old one stays in use until then.
type reloader struct {
	sources []string
	engines chan *kpi.Engine
	calls   atomic.Int32
}

func (r *reloader) reload(ctx context.Context) error {
	r.calls.Add(1)
	ws, err := workspace.Open(ctx, workspace.Options{Sources: r.sources, NoConfig: true})
	if err != nil {
		return err
	}
	r.engines <- ws.Engine
	return nil
}

func start(t *testing.T, paths []string, r *reloader) *watch.Watcher {
	t.Helper()
	w, err := watch.New(paths, 50*time.Millisecond, r.reload)
	if err != nil {
		t.Fatal(err)
	}
	w.SetSettle(100 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(waitLimit):
			t.Error("watcher did not stop")
		}
	})
	return w
}

func nextEvent(t *testing.T, w *watch.Watcher) watch.Event {
	t.Helper()
	select {
	case ev := <-w.Events():
		return ev
	case <-time.After(waitLimit):
		t.Fatal("no reload event within the time limit")
	}
	return watch.Event{}
}

// A file changed on disk reloads the data, and the new engine shows the new
// numbers while the old one still shows the old ones.
func TestChangedFileReloadsNewNumbers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tickets.csv")
	write(t, path, tickets(40, 30)) // 75%
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{Sources: []string{path}, NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	before := csat(t, ws.Engine)
	if before != 75 {
		t.Fatalf("CSAT before = %v, want 75", before)
	}
	r := &reloader{sources: []string{path}, engines: make(chan *kpi.Engine, 4)}
	w := start(t, []string{path}, r)

	write(t, path, tickets(40, 36)) // 90%
	var eng *kpi.Engine
	select {
	case eng = <-r.engines:
	case <-time.After(waitLimit):
		t.Fatal("no reload within the time limit")
	}
	if ev := nextEvent(t, w); ev.Err != nil || len(ev.Changed) != 1 || ev.Changed[0] != path {
		t.Fatalf("event = %+v, want a clean reload of %s", ev, path)
	}
	if after := csat(t, eng); after != 90 {
		t.Errorf("CSAT after the change = %v, want 90", after)
	}
	if old := csat(t, ws.Engine); old != before {
		t.Errorf("the old engine changed: %v, want %v", old, before)
	}
}

// A file that becomes unreadable mid-way leaves the previous data in place:
// the reload's error is reported, the watcher keeps watching, and the next
// good write reloads.
func TestBrokenFileKeepsWatching(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tickets.csv")
	write(t, path, tickets(10, 5))
	r := &reloader{sources: []string{path}, engines: make(chan *kpi.Engine, 4)}
	w := start(t, []string{path}, r)

	write(t, path, "") // an export that was truncated
	ev := nextEvent(t, w)
	if ev.Err == nil || !strings.Contains(ev.Err.Error(), "empty") || !strings.Contains(ev.Err.Error(), "previous data") {
		t.Fatalf("event after truncation = %+v, want an error saying the file is empty and the old data stays", ev)
	}
	write(t, path, tickets(10, 10))
	if ev := nextEvent(t, w); ev.Err != nil {
		t.Fatalf("event after repair = %v", ev.Err)
	}
	select {
	case eng := <-r.engines:
		if v := csat(t, eng); v != 100 {
			t.Errorf("CSAT after repair = %v, want 100", v)
		}
	case <-time.After(waitLimit):
		t.Fatal("no engine after repair")
	}
}

// steps drives a watcher's debounce and settle waits by hand and tells when
// the watcher has handled the file events up to a marker: a test then
// steps through a burst in order, with no sleeps and no "nothing happened
// within so long".
type steps struct {
	t     *testing.T
	dir   string
	mu    sync.Mutex
	waits []chan time.Time // every wait the watcher started, oldest first
	armed chan struct{}    // one token per wait started
	saw   chan string
	marks int
}

func newSteps(t *testing.T, w *watch.Watcher, dir string) *steps {
	st := &steps{t: t, dir: dir, armed: make(chan struct{}, 4096), saw: make(chan string, 4096)}
	watch.SetTestHooks(w, func(time.Duration) <-chan time.Time {
		c := make(chan time.Time, 1)
		st.mu.Lock()
		st.waits = append(st.waits, c)
		st.mu.Unlock()
		st.armed <- struct{}{}
		return c
	}, func(p string) { st.saw <- p })
	return st
}

// sync writes a marker file beside the sources (no source matches it) and
// returns once the watcher has taken its event: inotify keeps a directory's
// events in order, so every event before it has been handled.
func (st *steps) sync() {
	st.t.Helper()
	st.marks++
	mark := filepath.Join(st.dir, fmt.Sprintf("sync-%d.mark", st.marks))
	write(st.t, mark, "")
	for {
		select {
		case p := <-st.saw:
			if p == mark {
				return
			}
		case <-time.After(waitLimit):
			st.t.Fatalf("the watcher never saw %s", mark)
		}
	}
}

// started returns how many waits the watcher has started.
func (st *steps) started() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.waits)
}

// fire ends the latest wait, as if its time had passed.
func (st *steps) fire() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.waits) == 0 {
		st.t.Fatal("no wait to end")
	}
	st.waits[len(st.waits)-1] <- time.Now()
}

// nextWait returns once the watcher starts a wait after the n it had started.
func (st *steps) nextWait(n int) {
	st.t.Helper()
	for st.started() <= n {
		select {
		case <-st.armed:
		case <-time.After(waitLimit):
			st.t.Fatal("the watcher started no wait")
		}
	}
}

// A burst of writes is one reload, and files beside the source are ignored.
func TestBurstIsOneReloadAndOtherFilesIgnored(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tickets.csv")
	other := filepath.Join(dir, "notes.csv")
	write(t, path, tickets(10, 5))
	var calls atomic.Int32
	w, err := watch.New([]string{path}, 200*time.Millisecond, func(context.Context) error { calls.Add(1); return nil })
	if err != nil {
		t.Fatal(err)
	}
	st := newSteps(t, w, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)

	st.sync() // watching
	write(t, other, "a,b\n1,2\n")
	st.sync()
	if n := st.started(); n != 0 {
		t.Fatalf("a file beside the source started %d waits for a reload", n)
	}
	for i := 0; i < 20; i++ {
		write(t, path, tickets(10, i%10))
	}
	st.sync() // the whole burst has been handled
	if n := calls.Load(); n != 0 {
		t.Fatalf("%d reloads during the burst, before the debounce ended", n)
	}
	n := st.started()
	st.fire()      // the debounce ends
	st.nextWait(n) // the settle check: the file must keep its size and time
	n = st.started()
	st.fire()
	ev := nextEvent(t, w)
	if len(ev.Changed) != 1 || ev.Changed[0] != path {
		t.Errorf("changed = %v, want only %s", ev.Changed, path)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("reloads = %d, want 1", n)
	}
	// Nothing is left to reload: no wait started since the settle check.
	st.sync()
	if m := st.started(); m != n {
		t.Errorf("%d waits started after the reload: a second reload is pending", m-n)
	}
	select {
	case ev := <-w.Events():
		t.Errorf("a second event for one burst: %+v", ev)
	default:
	}
}

// Editors that save by writing a new file and renaming it over the old one
// are seen, and a glob source notices new files.
func TestRenameAndGlob(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t_1.csv")
	write(t, path, tickets(10, 5))
	w, err := watch.New([]string{filepath.Join(dir, "t_*.csv")}, 50*time.Millisecond, func(context.Context) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)

	tmp := filepath.Join(dir, ".t_1.csv.swp")
	write(t, tmp, tickets(10, 6))
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, w); len(ev.Changed) == 0 || ev.Changed[len(ev.Changed)-1] != path {
		t.Errorf("rename: changed = %v, want %s", ev.Changed, path)
	}
	added := filepath.Join(dir, "t_2.csv")
	write(t, added, tickets(10, 7))
	if ev := nextEvent(t, w); len(ev.Changed) != 1 || ev.Changed[0] != added {
		t.Errorf("new file: changed = %v, want %s", ev.Changed, added)
	}
}

// An export rewritten in place in pieces, each written after the debounce
// has ended and before the settle check, is reloaded once, complete: never
// with the numbers of its first pieces.
func TestPiecesAreOneReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tickets.csv")
	write(t, path, tickets(40, 10)) // 25%
	r := &reloader{sources: []string{path}, engines: make(chan *kpi.Engine, 8)}
	w, err := watch.New([]string{path}, 20*time.Millisecond, r.reload)
	if err != nil {
		t.Fatal(err)
	}
	st := newSteps(t, w, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	st.sync()

	full := tickets(40, 36) // 90%
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	pieces := []string{full[:len(full)/3], full[len(full)/3 : 2*len(full)/3], full[2*len(full)/3:]}
	for i, p := range pieces {
		if _, err := f.WriteString(p); err != nil {
			t.Fatal(err)
		}
		if i == len(pieces)-1 {
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}
		st.sync()
		n := st.started()
		st.fire()      // the writes paused for the debounce: each piece alone used to reload
		st.nextWait(n) // the settle check started; the next piece comes before it ends
		if n := r.calls.Load(); n != 0 {
			t.Fatalf("reloaded after piece %d of %d", i+1, len(pieces))
		}
	}
	st.fire() // the file kept its size and time over the settle interval
	ev := nextEvent(t, w)
	if ev.Err != nil {
		t.Fatalf("the first reload failed: %v (a partial file was read)", ev.Err)
	}
	if n := r.calls.Load(); n != 1 {
		t.Errorf("reloads = %d, want 1", n)
	}
	if v := csat(t, <-r.engines); v != 90 {
		t.Errorf("CSAT after the first reload = %v, want the complete file's 90", v)
	}
}

// A file renamed into place is complete: it is reloaded without waiting for
// the settle interval.
func TestRenamedFileSkipsSettle(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tickets.csv")
	write(t, path, tickets(10, 5))
	w, err := watch.New([]string{path}, 20*time.Millisecond, func(context.Context) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	w.SetSettle(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)

	tmp := filepath.Join(dir, ".tickets.csv.tmp")
	write(t, tmp, tickets(10, 6))
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, w); ev.Err != nil || len(ev.Changed) != 1 || ev.Changed[0] != path {
		t.Errorf("rename: event %+v, want a reload of %s", ev, path)
	}
}
