package server

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// connInfo is what one connection's log line reports.
type connInfo struct {
	addr  string
	host  string
	start time.Time
	conn  net.Conn // to close it: displaced, too many keys, too many logged in
	// Under Server.mu: counted as a login in progress, or as logged in (for
	// countedKey).
	pending    bool
	counted    bool
	countedKey string

	mu      sync.Mutex
	dropped string // why the server closed it, for the log
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

// acceptConn runs before the handshake: the rate limit and the bound on
// logins in progress. Sessions are counted apart, when they start.
func (s *Server) acceptConn(ctx ssh.Context, conn net.Conn) net.Conn {
	addr := conn.RemoteAddr()
	host := hostOf(addr)
	s.mu.Lock()
	var reason string
	var victim *connInfo
	switch {
	case s.closing:
		reason = reasonShutdown
	case !s.limiter.allow(host):
		reason = reasonRate
	default:
		reason, victim = s.admit(host)
	}
	if reason == "" {
		ci := &connInfo{addr: addr.String(), host: host, start: time.Now(), conn: conn}
		s.conns[ci.addr] = ci
		s.enterPending(ci)
		ctx.SetValue(connInfoKey, ci)
	}
	s.mu.Unlock()
	if victim != nil {
		_ = victim.conn.Close()
	}
	if reason != "" {
		s.refused.note(host, addr.String(), reason)
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
			ci.user = cm.User()
			if method != "none" && (len(ci.methods) == 0 || ci.methods[len(ci.methods)-1] != method) {
				ci.methods = append(ci.methods, method)
			}
			key := ci.key
			ci.mu.Unlock()
			if err == nil {
				s.loginDone(ci, key)
			}
		},
	}
}

// loginDone runs once the user is logged in: the connection stops counting
// as a login in progress and counts as logged in, or is closed when the
// connections logged in are at their bound.
func (s *Server) loginDone(ci *connInfo, key string) {
	s.mu.Lock()
	refused := s.loggedIn(ci, key)
	s.mu.Unlock()
	if refused != "" && ci.conn != nil {
		ci.mu.Lock()
		ci.dropped = refused
		ci.mu.Unlock()
		_ = ci.conn.Close()
	}
}

// allowRequest lets a session start the explorer ("shell") and nothing
// else; with saved views, a command is taken to be read as a view's name,
// and one that is none is answered in handle (views.go).
func (s *Server) allowRequest(sess ssh.Session, kind string) bool {
	if kind == "shell" || kind == "exec" && s.cfg.View != nil {
		return true // a view's name is read, never run (views.go)
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
	ci.user = ctx.User()
	tooMany := false
	switch {
	case ok && len(ci.tried) < MaxKeyAttempts:
		ci.key, ci.comment = fp, comment
	case ok:
		ok = false // past the limit; never reached, the connection is closed first
	case !slices.Contains(ci.tried, fp):
		// x/crypto/ssh answers 6 refused key queries before it counts them
		// against MaxAuthTries, so 12 keys would be checked: count here.
		ci.tried = append(ci.tried, fp)
		if len(ci.tried) >= MaxKeyAttempts {
			ci.dropped = fmt.Sprintf("%d keys refused", len(ci.tried))
			tooMany = true
		}
	}
	ci.mu.Unlock()
	if tooMany && ci.conn != nil {
		_ = ci.conn.Close()
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
	// Its place is free before its line is written: whoever reads the line
	// finds the counts without it.
	s.mu.Lock()
	s.gone(ci)
	s.mu.Unlock()
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
		case ci.dropped != "":
			reason = ci.dropped
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
	} else if ci.dropped != "" {
		kv = append(kv, "end", ci.dropped)
	}
	if len(ci.refused) > 0 {
		kv = append(kv, "refused", ci.refused)
	}
	s.log.Info("connection", kv...)
}
