package server

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"kpiscope/internal/cmdline"
)

// Startups bounds logins in progress (connections accepted but not yet
// logged in), like OpenSSH's MaxStartups start:rate:full. They are counted
// apart from sessions, so connections that never log in cannot take the
// places of people who do.
//
// Below Start every connection is let in. From Start on, a connection from
// an address that already has a login in progress is dropped with a
// probability that rises from Rate percent at Start to 100% at Full. A
// connection from an address with no login in progress is always let in: at
// Full it takes the place of the oldest login in progress from the address
// holding the most. So idle connections from a few addresses never keep a
// valid key out.
type Startups struct {
	Start, Rate, Full int
}

// DefaultStartups is 10:30:40: a team logging in at nine o'clock never
// notices; 40 handshakes in flight cost a few megabytes.
var DefaultStartups = Startups{Start: 10, Rate: 30, Full: 40}

func (s Startups) String() string { return fmt.Sprintf("%d:%d:%d", s.Start, s.Rate, s.Full) }

// ParseStartups reads "start:rate:full" (or a single number, which is both
// start and full, as in OpenSSH).
func ParseStartups(text string) (Startups, error) {
	bad := func(why string) (Startups, error) {
		return Startups{}, fmt.Errorf("max startups %q: %s; give start:rate:full such as 10:30:40", text, why)
	}
	parts := strings.Split(strings.TrimSpace(text), ":")
	var n []int
	for _, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return bad("not a number")
		}
		n = append(n, v)
	}
	var s Startups
	switch len(n) {
	case 1:
		s = Startups{Start: n[0], Rate: 100, Full: n[0]}
	case 3:
		s = Startups{Start: n[0], Rate: n[1], Full: n[2]}
	default:
		return bad("three numbers separated by colons")
	}
	return s, s.check()
}

func (s Startups) check() error {
	switch {
	case s.Start < 1:
		return fmt.Errorf("max startups %s: start must be at least 1", s)
	case s.Rate < 0 || s.Rate > 100:
		return fmt.Errorf("max startups %s: rate is a percentage from 0 to 100", s)
	case s.Full < s.Start:
		return fmt.Errorf("max startups %s: full must be at least start", s)
	}
	return nil
}

// earlyDrop says whether to drop a connection from an address that already
// has a login in progress, with n logins in progress in all (OpenSSH's
// formula).
func (s Startups) earlyDrop(n int) bool {
	if n < s.Start {
		return false
	}
	if n >= s.Full {
		return true
	}
	p := s.Rate + (100-s.Rate)*(n-s.Start)/(s.Full-s.Start)
	return rand.IntN(100) < p
}

// Refusal reasons, in the log.
const (
	reasonShutdown = "shutting down"
	reasonRate     = "rate limit"
	reasonStartups = "too many logins in progress"
)

// admit decides on a new connection from host, under s.mu: "" lets it in,
// and victim (if not nil) is the login in progress it displaces, which the
// caller closes once s.mu is released.
func (s *Server) admit(host string) (reason string, victim *connInfo) {
	st := s.cfg.MaxStartups
	n := s.pendingN
	switch {
	case n < st.Start:
		return "", nil
	case s.pending[host] > 0:
		if st.earlyDrop(n) {
			return reasonStartups, nil
		}
		return "", nil
	case n < st.Full:
		return "", nil
	}
	// Full, and this address has no login in progress: it takes the place
	// of the oldest login in progress from the address holding the most.
	most := 0
	for _, c := range s.pending {
		most = max(most, c)
	}
	for _, ci := range s.conns {
		if ci.pending && s.pending[ci.host] == most && (victim == nil || ci.start.Before(victim.start)) {
			victim = ci
		}
	}
	if victim == nil {
		return reasonStartups, nil
	}
	s.leavePending(victim)
	victim.dropped = fmt.Sprintf("dropped: %s in progress (%d from %s), a new address came", cmdline.Count(n, "login"), most, victim.host)
	return "", victim
}

// enterPending counts ci as a login in progress, under s.mu.
func (s *Server) enterPending(ci *connInfo) {
	ci.pending = true
	s.pending[ci.host]++
	s.pendingN++
}

// leavePending stops counting ci as a login in progress (it logged in, went,
// or was displaced), under s.mu.
func (s *Server) leavePending(ci *connInfo) {
	if !ci.pending {
		return
	}
	ci.pending = false
	s.pendingN--
	if s.pending[ci.host]--; s.pending[ci.host] <= 0 {
		delete(s.pending, ci.host)
	}
}

// loggedIn moves ci from the logins in progress to the logged-in
// connections, under s.mu, or says why it may not stay: the connections
// logged in are bounded in all and per key, so one key cannot hold every
// place either.
func (s *Server) loggedIn(ci *connInfo, key string) (refused string) {
	s.leavePending(ci)
	if ci.counted {
		return ""
	}
	switch {
	case s.loggedInN >= 2*s.cfg.MaxSessions:
		return fmt.Sprintf("refused: %d connections logged in", s.loggedInN)
	case s.cfg.MaxSessionsPerKey > 0 && s.keyConns[key] >= 2*s.cfg.MaxSessionsPerKey:
		return fmt.Sprintf("refused: this key has %d connections", s.keyConns[key])
	}
	ci.counted, ci.countedKey = true, key
	s.loggedInN++
	s.keyConns[key]++
	return ""
}

// gone forgets ci's place, under s.mu.
func (s *Server) gone(ci *connInfo) {
	s.leavePending(ci)
	if ci.counted {
		ci.counted = false
		s.loggedInN--
		if s.keyConns[ci.countedKey]--; s.keyConns[ci.countedKey] <= 0 {
			delete(s.keyConns, ci.countedKey)
		}
	}
}
