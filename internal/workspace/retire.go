package workspace

import (
	"sync"
	"time"
)

// Retirer closes workspaces that a reload replaced, once nothing uses them:
// after done (when given) and a grace period for queries still running on
// them, or at once when the Retirer closes. The explorer's reloads and the
// server's share it.
type Retirer struct {
	grace   time.Duration
	mu      sync.Mutex
	closed  bool
	closing chan struct{}
	wg      sync.WaitGroup
}

// NewRetirer makes a Retirer that waits grace before closing.
func NewRetirer(grace time.Duration) *Retirer {
	return &Retirer{grace: grace, closing: make(chan struct{})}
}

// Retire closes old in the background once done is closed (nil: at once)
// and the grace period has passed.
func (r *Retirer) Retire(old *Workspace, done <-chan struct{}) {
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

// Close closes every workspace still waiting, at once, and waits for them.
func (r *Retirer) Close() {
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
