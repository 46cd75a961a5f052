package server

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// rateLimiter is a token bucket per remote address: perMinute new connections
// a minute, up to burst at once. It runs before the SSH handshake, so a
// flood from one address costs a TCP accept and no cryptography.
type rateLimiter struct {
	perSecond float64
	burst     float64
	now       func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the limiter's memory under a scan from many addresses;
// past it, buckets that have refilled (equivalent to new ones) are dropped.
const maxBuckets = 4096

func newRateLimiter(perMinute int, now func() time.Time) *rateLimiter {
	if perMinute <= 0 {
		return nil
	}
	return &rateLimiter{
		perSecond: float64(perMinute) / 60,
		burst:     float64(perMinute),
		now:       now,
		buckets:   map[string]*bucket{},
	}
}

// allow takes a token for host; a nil limiter allows everything.
func (r *rateLimiter) allow(host string) bool {
	if r == nil {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	b, ok := r.buckets[host]
	if !ok {
		if len(r.buckets) >= maxBuckets {
			r.prune(now)
		}
		b = &bucket{tokens: r.burst, last: now}
		r.buckets[host] = b
	}
	b.tokens = min(r.burst, b.tokens+now.Sub(b.last).Seconds()*r.perSecond)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (r *rateLimiter) prune(now time.Time) {
	for k, b := range r.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*r.perSecond >= r.burst {
			delete(r.buckets, k)
		}
	}
}

// hostOf is the address part that limits are keyed on (no port).
func hostOf(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	if h, _, err := net.SplitHostPort(a.String()); err == nil {
		return h
	}
	return a.String()
}

// activityReader records when the client last typed anything, for the idle
// timeout: output alone (a spinner, a refresh) must not keep a session open.
type activityReader struct {
	r    io.Reader
	last atomic.Int64 // unix nanoseconds
}

func (a *activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.last.Store(time.Now().UnixNano())
	}
	return n, err
}

// countingWriter counts the bytes a session's program sent, for the log.
type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}
