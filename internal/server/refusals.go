package server

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"charm.land/log/v2"

	"kpiscope/internal/cmdline"
)

// DefaultRefusalInterval is how often refused connections are summed up in
// the log.
const DefaultRefusalInterval = time.Minute

// maxRefusalKeys bounds the refusals remembered between two summaries; a
// scan from more addresses than this is summed up as one line.
const maxRefusalKeys = 1024

// refusals keeps a flood of refused connections from flooding the log: the
// first refusal of an address for a reason is logged at once, the others
// are counted and summed up in one line per address and reason at the end
// of the interval ("refused 10214 connections from 127.0.0.2 in the last
// 1m0s: rate limit").
type refusals struct {
	log *log.Logger
	now func() time.Time

	mu     sync.Mutex
	since  time.Time
	counts map[refusalKey]int
	other  int            // refusals past maxRefusalKeys
	others map[string]int // their reasons
}

type refusalKey struct{ host, reason string }

func newRefusals(l *log.Logger, now func() time.Time) *refusals {
	return &refusals{log: l, now: now, since: now(), counts: map[refusalKey]int{}, others: map[string]int{}}
}

// note records one refused connection.
func (r *refusals) note(host, addr, reason string) {
	r.mu.Lock()
	k := refusalKey{host, reason}
	n, seen := r.counts[k]
	first := false
	switch {
	case seen:
		r.counts[k] = n + 1
	case len(r.counts) >= maxRefusalKeys:
		r.other++
		r.others[reason]++
	default:
		r.counts[k], first = 1, true
	}
	r.mu.Unlock()
	if first {
		r.log.Warn("connection refused", "addr", addr, "reason", reason)
	}
}

// flush writes the summary lines for the refusals since the last flush that
// were not logged one by one, and starts a new interval.
func (r *refusals) flush() {
	r.mu.Lock()
	counts, other, others, since := r.counts, r.other, r.others, r.since
	r.counts, r.other, r.others, r.since = map[refusalKey]int{}, 0, map[string]int{}, r.now()
	r.mu.Unlock()
	took := r.now().Sub(since).Round(time.Second)
	if took == 0 {
		took = r.now().Sub(since).Round(time.Millisecond)
	}
	keys := make([]refusalKey, 0, len(counts))
	for k, n := range counts {
		if n > 1 { // a single refusal was logged when it happened
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i].host < keys[j].host
	})
	for _, k := range keys {
		r.log.Warnf("refused %s from %s in the last %s: %s", cmdline.Count(counts[k], "connection"), k.host, took, k.reason)
	}
	if other > 0 {
		reasons := make([]string, 0, len(others))
		for why := range others {
			reasons = append(reasons, why)
		}
		sort.Strings(reasons)
		r.log.Warn(fmt.Sprintf("refused %s from other addresses in the last %s", cmdline.Count(other, "more connection"), took), "reasons", reasons)
	}
}

// run flushes every interval until stop is closed, then once more.
func (r *refusals) run(every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			r.flush()
		case <-stop:
			r.flush()
			return
		}
	}
}
