package live

import (
	"sync"
	"time"

	"kpiscope/internal/workspace"
)

// retirer closes workspaces that a reload replaced, once nothing uses them:
// after done (when given) and a grace period for queries still running on
// them, or at once when the retirer closes.
type retirer struct {
	grace   time.Duration
	mu      sync.Mutex
	closed  bool
	closing chan struct{}
	wg      sync.WaitGroup
}

// newRetirer makes a retirer that waits grace before closing.
func newRetirer(grace time.Duration) *retirer {
	return &retirer{grace: grace, closing: make(chan struct{})}
}

// retire closes old in the background once done is closed (nil: at once)
// and the grace period has passed.
func (r *retirer) retire(old *workspace.Workspace, done <-chan struct{}) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		old.Close()
		return
	}
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		defer old.Close()
		if done != nil {
			select {
			case <-done:
			case <-r.closing:
				return
			}
		}
		t := time.NewTimer(r.grace)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.closing:
		}
	}()
}

// close closes every workspace still waiting, at once, and waits for them.
func (r *retirer) close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	close(r.closing)
	r.mu.Unlock()
	r.wg.Wait()
}
