package live

import (
	"context"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// A workspace opened before its business hours (workspace.Options.Later)
// is completed in the background once started, locked as serve locks it:
// subscribers hear Completed with a workspace whose KPIs no longer wait,
// the waiting one is retired without closing the database they share, and
// a reload defers and completes again.
func TestLiveCompletesLaterBusinessHours(t *testing.T) {
	old := workspace.LaterRows
	workspace.LaterRows = 1
	defer func() { workspace.LaterRows = old }()
	ctx := context.Background()
	opt := workspace.Options{ConfigPath: "../workspace/testdata/business/kpiscope.yaml", Later: true,
		Now: func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }}
	ws, err := workspace.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !ws.Pending() {
		t.Fatal("the workspace did not defer its business hours")
	}
	l := New(ctx, ws, Options{
		Open:  func(ctx context.Context) (*workspace.Workspace, error) { return workspace.Open(ctx, opt) },
		Lock:  func(ctx context.Context, ws *workspace.Workspace) error { return ws.DB.Lock(ctx, nil) },
		Grace: time.Millisecond,
	})
	t.Cleanup(func() { l.Close() })
	got := make(changes, 16)
	l.Subscribe(Notify(func(c Change) { got <- c }))
	if err := l.Start(nil); err != nil {
		t.Fatal(err)
	}
	jan := kpi.Slice{Grain: kpi.Month, Period: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	// January's first responses in business hours, worked by hand in
	// internal/workspace's business_test.go: 15.75 h over 8 tickets.
	check := func(what string, eng *kpi.Engine) {
		t.Helper()
		sc, err := eng.Compute(ctx, jan, []string{"first_response_bh"}, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		r := sc.Find("first_response_bh")
		if r.Err != nil || r.Total.Value == nil || *r.Total.Value != 15.75/8 || r.Total.N != 8 {
			t.Errorf("%s: first_response_bh in January = %+v (err %v), want %v over 8", what, r.Total, r.Err, 15.75/8)
		}
	}
	ch := got.skipChecked(t, Completed)
	if ch.Workspace == ws || ch.Workspace.Pending() || ch.Workspace.Engine.Waiting() != "" {
		t.Fatalf("Completed with %p (pending %v, waiting %q), the first was %p", ch.Workspace, ch.Workspace.Pending(), ch.Workspace.Engine.Waiting(), ws)
	}
	if l.Current().Workspace != ch.Workspace {
		t.Error("the completed workspace is not current")
	}
	check("completed", ch.Workspace.Engine)
	time.Sleep(100 * time.Millisecond) // the waiting workspace retired by now: the database stays open
	check("after the waiting one closed", ch.Workspace.Engine)

	if _, err := l.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	re := got.skipChecked(t, Reloaded)
	if !re.Workspace.Engine.Problems()["first_response_bh"].(*kpi.WaitingError).Pending() {
		t.Error("the reloaded data does not wait for its business hours")
	}
	done := got.skipChecked(t, Completed)
	check("reloaded and completed", done.Workspace.Engine)
}

// skipChecked is next, past the checks' findings (Checked) that may come
// between: the completed data is checked again.
func (c changes) skipChecked(t *testing.T, kind Kind) Change {
	t.Helper()
	for {
		select {
		case ch := <-c:
			if ch.Kind == Checked && kind != Checked {
				continue
			}
			if ch.Kind != kind {
				t.Fatalf("change %d, want %d", ch.Kind, kind)
			}
			return ch
		case <-time.After(waitLong):
			t.Fatalf("no change %d within %s", kind, waitLong)
		}
	}
}

// A reload while the business hours are being made stops that (its context
// ends) and the reloaded data completes instead; Close while they are made
// stops them and returns.
func TestLiveLaterStoppedByReloadAndClose(t *testing.T) {
	old := workspace.LaterRows
	workspace.LaterRows = 1
	defer func() { workspace.LaterRows = old }()
	calls := make(chan context.Context, 4)
	release := make(chan struct{})
	workspace.FinishHook = func(ctx context.Context) error {
		calls <- ctx
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { workspace.FinishHook = nil }()
	ctx := context.Background()
	opt := workspace.Options{ConfigPath: "../workspace/testdata/business/kpiscope.yaml", Later: true,
		Now: func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }}
	start := func() (*Live, changes) {
		ws, err := workspace.Open(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		l := New(ctx, ws, Options{
			Open:  func(ctx context.Context) (*workspace.Workspace, error) { return workspace.Open(ctx, opt) },
			Grace: time.Millisecond,
		})
		got := make(changes, 16)
		l.Subscribe(Notify(func(c Change) { got <- c }))
		if err := l.Start(nil); err != nil {
			t.Fatal(err)
		}
		return l, got
	}
	wait := func(what string) context.Context {
		t.Helper()
		select {
		case c := <-calls:
			return c
		case <-time.After(waitLong):
			t.Fatalf("%s: Finish never ran", what)
		}
		return nil
	}
	stopped := func(what string, c context.Context) {
		t.Helper()
		select {
		case <-c.Done():
		case <-time.After(waitLong):
			t.Fatalf("%s: the first Finish was not stopped", what)
		}
	}

	l, got := start()
	first := wait("start")
	if _, err := l.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	got.skipChecked(t, Reloaded)
	stopped("reload", first)
	wait("the reload") // the reloaded data's own Finish
	close(release)
	done := got.skipChecked(t, Completed)
	if done.Workspace != l.Current().Workspace || done.Workspace.Engine.Waiting() != "" {
		t.Fatal("the reloaded data did not complete")
	}
	sc, err := done.Workspace.Engine.Compute(ctx, kpi.Slice{Grain: kpi.Month, Period: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, []string{"first_response_bh"})
	if err != nil || sc.Find("first_response_bh").Err != nil {
		t.Fatalf("the completed data: %v %v", err, sc.Find("first_response_bh").Err)
	}
	l.Close()

	release = make(chan struct{})
	l, _ = start()
	c := wait("second start")
	closed := make(chan struct{})
	go func() { l.Close(); close(closed) }()
	stopped("close", c)
	select {
	case <-closed:
	case <-time.After(waitLong):
		t.Fatal("Close did not return while the business hours were made")
	}
}
