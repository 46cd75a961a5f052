package server

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// connInfo is what one connection's log line reports.
type connInfo struct {
	addr    string
	start   time.Time
	mu      sync.Mutex
	user    string
	key     string // fingerprint of the accepted key
	comment string
	tried   []string // fingerprints refused
	methods []string // auth methods attempted
	err     error
	opened  int    // sessions opened
	end     string // how the last session ended
	sent    int64  // bytes sent to the client
	active  int    // sessions running now
	drained chan struct{}
	refused []string // requests refused: exec, subsystems, forwarding
}

// refuse notes something the client asked for and did not get.
func (ci *connInfo) refuse(what string) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	if len(ci.refused) < 8 {
		ci.refused = append(ci.refused, what)
	}
}

func (ci *connInfo) sessionStarted() {
	ci.mu.Lock()
	ci.active++
	ci.mu.Unlock()
}

// sessionEnded records a session's end on the connection's line.
func (ci *connInfo) sessionEnded(end string, sent int64, opened bool) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	ci.active--
	ci.end = end
	ci.sent += sent
	if opened {
		ci.opened++
	}
	if ci.active == 0 && ci.drained != nil {
		close(ci.drained)
		ci.drained = nil
	}
}

// waitSessions waits (at most d) for the connection's sessions to finish, so
// its log line says how they ended even when the network went first.
func (ci *connInfo) waitSessions(d time.Duration) {
	ci.mu.Lock()
	if ci.active == 0 {
		ci.mu.Unlock()
		return
	}
	if ci.drained == nil {
		ci.drained = make(chan struct{})
	}
	ch := ci.drained
	ci.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
}

type ctxKey struct{ name string }

var connInfoKey = &ctxKey{"connInfo"}

func connInfoOf(ctx ssh.Context) *connInfo {
	if ci, ok := ctx.Value(connInfoKey).(*connInfo); ok {
		return ci
	}
	return &connInfo{}
}

// acceptConn runs before the handshake: the rate limit and the connection cap.
func (s *Server) acceptConn(ctx ssh.Context, conn net.Conn) net.Conn {
	addr := conn.RemoteAddr()
	host := hostOf(addr)
	s.mu.Lock()
	reason := ""
	switch {
	case s.closing:
		reason = "shutting down"
	case !s.limiter.allow(host):
		reason = "rate limit"
	case len(s.conns) >= 2*s.cfg.MaxSessions:
		// Unauthenticated handshakes cost memory and CPU too: bound them
		// with room for every session plus as many logins in progress.
		reason = "too many connections"
	default:
		ci := &connInfo{addr: addr.String(), start: time.Now()}
		s.conns[ci.addr] = ci
		ctx.SetValue(connInfoKey, ci)
	}
	s.mu.Unlock()
	if reason != "" {
		s.log.Warn("connection refused", "addr", addr.String(), "reason", reason)
		return nil
	}
	return conn
}

// sshConfig records every authentication attempt on the connection's line,
// so a refused password try shows in the log.
func (s *Server) sshConfig(ctx ssh.Context) *gossh.ServerConfig {
	ci := connInfoOf(ctx)
	return &gossh.ServerConfig{
		MaxAuthTries: 6,
		AuthLogCallback: func(cm gossh.ConnMetadata, method string, err error) {
			ci.mu.Lock()
			defer ci.mu.Unlock()
			ci.user = cm.User()
			if method != "none" && (len(ci.methods) == 0 || ci.methods[len(ci.methods)-1] != method) {
				ci.methods = append(ci.methods, method)
			}
		},
	}
}

// allowRequest lets a session start the explorer ("shell") and nothing else.
func (s *Server) allowRequest(sess ssh.Session, kind string) bool {
	if kind == "shell" {
		return true
	}
	what := kind
	if cmd := sess.RawCommand(); kind == "exec" && cmd != "" {
		what = fmt.Sprintf("exec %.60q", cmd)
	} else if sub := sess.Subsystem(); sub != "" {
		what = "subsystem " + sub
	}
	connInfoOf(sess.Context()).refuse(what)
	return false
}

func refuseChannel(_ *ssh.Server, _ *gossh.ServerConn, ch gossh.NewChannel, ctx ssh.Context) {
	connInfoOf(ctx).refuse(ch.ChannelType())
	_ = ch.Reject(gossh.Prohibited, "kpiscope serve offers the explorer only")
}

func refuseRequest(ctx ssh.Context, _ *ssh.Server, req *gossh.Request) (bool, []byte) {
	if strings.Contains(req.Type, "forward") {
		connInfoOf(ctx).refuse(req.Type)
	}
	return false, nil
}

// checkKey is the only authentication method offered.
func (s *Server) checkKey(ctx ssh.Context, key ssh.PublicKey) bool {
	ci := connInfoOf(ctx)
	fp := gossh.FingerprintSHA256(key)
	comment, ok := "", s.auth == nil
	if s.auth != nil {
		comment, ok = s.auth.lookup(key)
	}
	ci.mu.Lock()
	defer ci.mu.Unlock()
	ci.user = ctx.User()
	if ok {
		ci.key, ci.comment = fp, comment
	} else if len(ci.tried) < 8 {
		ci.tried = append(ci.tried, fp)
	}
	return ok
}

func (s *Server) connFailed(conn net.Conn, err error) {
	s.mu.Lock()
	ci := s.conns[conn.RemoteAddr().String()]
	s.mu.Unlock()
	if ci != nil {
		ci.mu.Lock()
		ci.err = err
		ci.mu.Unlock()
	}
}

// connClosed writes the connection's one log line.
func (s *Server) connClosed(conn net.Conn) {
	key := conn.RemoteAddr().String()
	s.mu.Lock()
	ci := s.conns[key]
	s.mu.Unlock()
	if ci == nil {
		return
	}
	ci.waitSessions(5 * time.Second)
	s.logConn(ci)
	s.mu.Lock()
	delete(s.conns, key)
	if len(s.conns) == 0 && s.noConns != nil {
		close(s.noConns)
		s.noConns = nil
	}
	s.mu.Unlock()
}

func (s *Server) logConn(ci *connInfo) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	d := time.Since(ci.start).Round(time.Millisecond)
	if ci.key == "" {
		var authErr *gossh.ServerAuthError
		reason := "closed before logging in"
		switch {
		case errors.As(ci.err, &authErr) && len(ci.tried) > 0:
			reason = "key not authorized"
		case errors.As(ci.err, &authErr):
			reason = "no public key offered"
		case ci.err != nil:
			reason = ci.err.Error()
		}
		s.log.Warn("connection refused", "user", ci.user, "addr", ci.addr, "duration", d,
			"methods", ci.methods, "refused_keys", ci.tried, "reason", reason)
		return
	}
	kv := []any{"user", ci.user, "key", ci.key}
	if ci.comment != "" {
		kv = append(kv, "comment", ci.comment)
	}
	kv = append(kv, "addr", ci.addr, "duration", d, "sessions", ci.opened, "sent", ci.sent)
	if ci.end != "" {
		kv = append(kv, "end", ci.end)
	}
	if len(ci.refused) > 0 {
		kv = append(kv, "refused", ci.refused)
	}
	s.log.Info("connection", kv...)
}
