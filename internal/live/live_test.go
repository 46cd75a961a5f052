package live

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kpiscope/internal/workspace"
)

// waitLong bounds every wait; reached only on failure.
const waitLong = 30 * time.Second

// tickets is a tickets file in the standard model: n tickets resolved in
// January 2026 scored 5, except the first, scored first.
func tickets(n, first int) string {
	var b strings.Builder
	b.WriteString("ticket_id,csat,resolved_at\n")
	for i := 0; i < n; i++ {
		score := 5
		if i == 0 {
			score = first
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

// changes records what a Live tells a subscriber.
type changes chan Change

func (c changes) next(t *testing.T, kind Kind) Change {
	t.Helper()
	select {
	case ch := <-c:
		if ch.Kind != kind {
			t.Fatalf("change %d, want %d: %+v", ch.Kind, kind, ch)
		}
		return ch
	case <-time.After(waitLong):
		t.Fatalf("no change %d within %s", kind, waitLong)
	}
	return Change{}
}

// open starts a Live on path as serve does, locked by lock (may be nil).
func open(t *testing.T, path string, lock func(context.Context, *workspace.Workspace) error) (*Live, changes) {
	t.Helper()
	ctx := context.Background()
	opt := workspace.Options{Sources: []string{path}, NoConfig: true}
	ws, err := workspace.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	l := New(ctx, ws, Options{
		Open:  func(ctx context.Context) (*workspace.Workspace, error) { return workspace.Open(ctx, opt) },
		Lock:  lock,
		Grace: time.Millisecond,
	})
	t.Cleanup(func() { l.Close() })
	got := make(changes, 16)
	l.Subscribe(Notify(func(c Change) { got <- c }))
	return l, got
}

// The first data's checks run in the background and their findings (a
// score outside its scale) reach subscribers and Current; a reload is
// locked, checked and compared before it is published, so its warnings —
// the checks' and a sharp shrink — come with it, and the data it replaced is
// closed.
func TestLiveChecksEveryData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.csv")
	write(t, path, tickets(40, 9))
	var locked atomic.Int32
	l, got := open(t, path, func(context.Context, *workspace.Workspace) error { locked.Add(1); return nil })
	first := l.Current().Workspace
	if err := l.Start(nil); err != nil {
		t.Fatal(err)
	}
	c := got.next(t, Checked)
	if w := strings.Join(c.Warnings["csat"], "; "); !strings.Contains(w, "outside its") || c.Workspace != first {
		t.Fatalf("the first data's checks: %q on %p, want a score outside its scale on %p", w, c.Workspace, first)
	}
	if cur := l.Current(); len(cur.Warnings["csat"]) == 0 {
		t.Error("a view built after the checks would not show their warnings")
	}

	write(t, path, tickets(10, 8))
	st, err := l.Reload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c = got.next(t, Reloaded)
	if c.Workspace != st.Workspace || l.Current().Workspace != st.Workspace {
		t.Fatal("the reload published is not the current data")
	}
	w := strings.Join(c.Warnings["csat"], "; ")
	if !strings.Contains(w, "outside its") || !strings.Contains(w, "tickets: 40 → 10 rows") {
		t.Errorf("the reload's warnings = %q, want the checks' and the shrink", w)
	}
	if n := locked.Load(); n != 2 {
		t.Errorf("Lock ran %d times, want once per workspace (2)", n)
	}
	deadline := time.After(waitLong)
	for {
		if _, err := first.DB.Query(context.Background(), "SELECT 1"); err != nil {
			break
		}
		select {
		case <-deadline:
			t.Fatal("the replaced workspace is still open")
		case <-time.After(10 * time.Millisecond):
		}
	}

	// Repaired: the reload's empty warnings clear the previous ones.
	write(t, path, tickets(12, 5))
	if _, err := l.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c := got.next(t, Reloaded); c.Warnings == nil || len(c.Warnings) != 0 {
		t.Errorf("warnings after the repair = %#v, want an empty map", c.Warnings)
	}
}

// Close cancels the background checks and waits for them before it closes
// the data they read; afterwards nothing is published and a reload fails.
func TestLiveCloseWaitsForChecks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.csv")
	write(t, path, tickets(40, 9))
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{Sources: []string{path}, NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	l := New(ctx, ws, Options{Open: func(ctx context.Context) (*workspace.Workspace, error) {
		return workspace.Open(ctx, workspace.Options{Sources: []string{path}, NoConfig: true})
	}})
	entered, release := make(chan struct{}), make(chan struct{})
	var closed, late atomic.Bool
	l.Subscribe(Notify(func(c Change) {
		if closed.Load() {
			late.Store(true)
		}
		if c.Kind == Checked {
			close(entered)
			<-release // the checks' goroutine is busy telling a slow subscriber
		}
	}))
	if err := l.Start(nil); err != nil {
		t.Fatal(err)
	}
	<-entered
	done := make(chan struct{})
	go func() {
		l.Close()
		closed.Store(true)
		close(done)
	}()
	<-l.ctx.Done() // Close began
	if _, err := ws.DB.Query(ctx, "SELECT 1"); err != nil {
		t.Errorf("Close closed the data under the running checks: %v", err)
	}
	select {
	case <-done:
		t.Fatal("Close returned while the checks were still running")
	default:
	}
	close(release)
	<-done
	if _, err := ws.DB.Query(ctx, "SELECT 1"); err == nil {
		t.Error("the data is still open after Close")
	}
	if _, err := l.Reload(ctx); err == nil {
		t.Error("a reload after Close succeeded")
	}
	if late.Load() {
		t.Error("a change was published after Close")
	}
}

// Two subscribers (the explorer and a logger, or a server's sessions) are
// told the same change, made current once.
func TestLiveTellsEverySubscriber(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.csv")
	write(t, path, tickets(20, 5))
	l, a := open(t, path, nil)
	b := make(changes, 16)
	stop := l.Subscribe(Notify(func(c Change) { b <- c }))
	if err := l.Start(nil); err != nil {
		t.Fatal(err)
	}
	st, err := l.Reload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ca, cb := a.next(t, Reloaded), b.next(t, Reloaded); ca.Workspace != st.Workspace || cb.Workspace != st.Workspace {
		t.Fatal("the subscribers were told different data")
	}
	stop()
	if _, err := l.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.next(t, Reloaded)
	select {
	case c := <-b:
		t.Errorf("an unsubscribed subscriber was told %+v", c)
	default:
	}
}
