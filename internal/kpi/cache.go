package kpi

import (
	"container/list"
	"context"
	"errors"
	"strings"
	"sync"
)

// cache keeps recent scorecards of an engine. The data behind an engine never
// changes (a reload makes a new engine), so a result stays valid for the
// engine's life; sessions over SSH share it, and identical requests that
// arrive together run once.
type cache struct {
	mu       sync.Mutex
	max      int
	items    map[string]*list.Element
	order    *list.List // front = most recent
	inflight map[string]*call
	// joined, if set, is called when a caller starts waiting for the same
	// request's computation in progress: the sync point tests use to check
	// that identical requests run once.
	joined func()
}

type entry struct {
	key string
	sc  *Scorecard
}

type call struct {
	done chan struct{}
	sc   *Scorecard
	err  error
}

func newCache(max int) *cache {
	return &cache{max: max, items: map[string]*list.Element{}, order: list.New(), inflight: map[string]*call{}}
}

func cacheKey(s Slice, ids []string, o options) string {
	var b strings.Builder
	b.WriteString(s.Key())
	b.WriteString("|ids=")
	if ids == nil {
		b.WriteString("*")
	}
	b.WriteString(strings.Join(ids, ","))
	if o.noExtras {
		b.WriteString("|noextras")
	} else if o.totalExtras {
		b.WriteString("|totalextras")
	}
	return b.String()
}

// do returns a cached scorecard or computes it once for all callers asking
// for the same key at the same time.
func (c *cache) do(ctx context.Context, key string, compute func(context.Context) (*Scorecard, error)) (*Scorecard, error) {
	for {
		c.mu.Lock()
		if el, ok := c.items[key]; ok {
			c.order.MoveToFront(el)
			sc := el.Value.(*entry).sc
			c.mu.Unlock()
			return sc.clone(), nil
		}
		if cl, ok := c.inflight[key]; ok {
			c.mu.Unlock()
			if c.joined != nil {
				c.joined()
			}
			select {
			case <-cl.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if cl.err == nil {
				return cl.sc.clone(), nil
			}
			if isCancel(cl.err) && ctx.Err() == nil {
				continue // the leader gave up; this caller still wants it
			}
			return nil, cl.err
		}
		cl := &call{done: make(chan struct{})}
		c.inflight[key] = cl
		c.mu.Unlock()

		cl.sc, cl.err = compute(ctx)
		c.mu.Lock()
		delete(c.inflight, key)
		if cl.err == nil {
			c.items[key] = c.order.PushFront(&entry{key: key, sc: cl.sc})
			for c.order.Len() > c.max {
				old := c.order.Back()
				c.order.Remove(old)
				delete(c.items, old.Value.(*entry).key)
			}
		}
		c.mu.Unlock()
		close(cl.done)
		if cl.err != nil {
			return nil, cl.err
		}
		return cl.sc.clone(), nil
	}
}

// peek returns a cached scorecard without computing anything.
func (c *cache) peek(key string) (*Scorecard, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry).sc.clone(), true
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// clone copies the slices a caller might reorder, so a shared result is never
// changed under another session.
func (s *Scorecard) clone() *Scorecard {
	c := *s
	c.Slice.Filters = append([]Filter(nil), s.Slice.Filters...)
	c.Results = make([]Result, len(s.Results))
	for i, r := range s.Results {
		r.Segments = append([]Row(nil), r.Segments...)
		r.Trend = append([]Point(nil), r.Trend...)
		c.Results[i] = r
	}
	return &c
}
