package live

import (
	"slices"
	"sync"
)

// A Subscriber shows the live data and is told when it changes: the local
// explorer's program, a server's sessions.
type Subscriber interface {
	// Publish calls apply, which makes a change current and returns it (ok
	// false: nothing changed, tell nobody), then hands the change to
	// whatever shows the data. Whatever the subscriber builds from Current
	// must be built wholly before apply runs (and be told the change) or
	// after it. The channel closes once everything told has taken the
	// change: from then on nothing starts new work on the data it replaced.
	Publish(apply func() (Change, bool)) <-chan struct{}
}

// Notify is a Subscriber that calls f with each change, once it is current;
// f must not call the Live. The change counts as taken when f returns.
func Notify(f func(Change)) Subscriber { return notify(f) }

type notify func(Change)

func (f notify) Publish(apply func() (Change, bool)) <-chan struct{} {
	if c, ok := apply(); ok {
		f(c)
	}
	return closed
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// subscription is one Subscribe call.
type subscription struct{ s Subscriber }

// Subscribe adds s to those told of every change, until the returned func
// is called. Subscribe before Start to miss nothing: what is built from
// Current before subscribing misses the changes made meanwhile.
func (l *Live) Subscribe(s Subscriber) (unsubscribe func()) {
	sub := &subscription{s}
	l.mu.Lock()
	l.subs = append(l.subs, sub)
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.subs = slices.DeleteFunc(l.subs, func(x *subscription) bool { return x == sub })
	}
}

// publish makes a change current through apply, which runs once, and tells
// every subscriber. The first subscriber runs apply under its own guard;
// the others are handed the change already made, so one that builds from
// Current in between may be told a change it already shows (harmless: the
// same data again). The channel closes once every subscriber is done with
// the data the change replaced.
func (l *Live) publish(apply func() (Change, bool)) <-chan struct{} {
	l.mu.Lock()
	subs := slices.Clone(l.subs)
	l.mu.Unlock()
	var once sync.Once
	var c Change
	var ok bool
	applied := func() (Change, bool) {
		once.Do(func() { c, ok = apply() })
		return c, ok
	}
	if len(subs) == 0 {
		applied()
		return closed
	}
	dones := make([]<-chan struct{}, 0, len(subs))
	for _, s := range subs {
		dones = append(dones, s.s.Publish(applied))
	}
	applied() // made current even if no subscriber asked
	return all(dones...)
}

// all closes once every one of dones has.
func all(dones ...<-chan struct{}) <-chan struct{} {
	if len(dones) == 1 {
		return dones[0]
	}
	out := make(chan struct{})
	go func() {
		for _, d := range dones {
			<-d
		}
		close(out)
	}()
	return out
}
