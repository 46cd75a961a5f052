package server

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"github.com/charmbracelet/colorprofile"
	gossh "golang.org/x/crypto/ssh"

	"kpiscope/internal/cmdline"
)

// How a session ended, for the user's last line and the log.
const (
	endQuit     = "quit"
	endIdle     = "idle"
	endShutdown = "shutdown"
	endDropped  = "dropped"
	endPanic    = "panic"
	endError    = "error"
)

// session is one running program.
type session struct {
	key     string // fingerprint, for the per-key cap
	mu      sync.Mutex
	program *tea.Program
	reason  string // set by whoever stopped the program first
}

// stop records why the program is asked to quit and asks it; a quit program
// leaves the alt screen and shows the cursor again, so the user's terminal
// is restored before the session closes.
func (st *session) stop(reason string) {
	st.mu.Lock()
	if st.reason == "" {
		st.reason = reason
	}
	p := st.program
	st.mu.Unlock()
	if p != nil {
		go p.Quit() // Quit blocks until the event loop takes it
	}
}

func (st *session) stopReason() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.reason
}

// handle is the only session handler: the explorer or a reason why not.
// We run the program ourselves rather than through wish's bubbletea
// middleware: that one leaves Bubble Tea's SIGINT/SIGTERM handler on (every
// session would quit on the server's own Ctrl-C, in no order) and drops
// Run's error, which is how a panicking session is told apart.
func (s *Server) handle(_ ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		ci := connInfoOf(sess.Context())
		ci.sessionStarted()
		pty, winCh, ok := sess.Pty()
		if !ok {
			ci.sessionEnded("refused: no terminal", 0, false)
			fmt.Fprint(sess.Stderr(), "kpiscope: this server only offers the KPI explorer, which needs a terminal; connect with ssh -t\r\n")
			_ = sess.Exit(1)
			return
		}
		if sess.RawCommand() != "" && s.cfg.View == nil || sess.Subsystem() != "" {
			// Refused at the protocol level already; never run anything.
			ci.sessionEnded("refused: command", 0, false)
			_ = sess.Exit(1)
			return
		}
		if msg := s.unknownView(sess.RawCommand()); msg != "" {
			end := "refused: unknown view"
			if cmd := sess.RawCommand(); !viewWord(cmd) {
				end = "refused: command"
				ci.refuse(fmt.Sprintf("exec %.60q", cmd))
			}
			ci.sessionEnded(end, 0, false)
			fmt.Fprint(sess, "kpiscope: "+msg+"\r\n")
			_ = sess.Exit(1)
			return
		}
		fp := ""
		if k := sess.PublicKey(); k != nil {
			fp = gossh.FingerprintSHA256(k)
		}
		st, msg := s.register(fp)
		if st == nil {
			ci.sessionEnded("refused: "+msg, 0, false)
			fmt.Fprint(sess, "kpiscope: "+msg+"\r\n")
			_ = sess.Exit(1)
			return
		}
		// The place is given back before the client hears the exit status,
		// so a client that connects again at once finds it free.
		var once sync.Once
		release := func() { once.Do(func() { s.unregister(st) }) }
		defer release()
		reason, sent := s.run(sess, st, pty, winCh)
		release()
		defer ci.sessionEnded(reason, sent, true)
		code := 0
		switch reason {
		case endShutdown:
			fmt.Fprint(sess, "kpiscope: the server is shutting down; your session has ended. Goodbye.\r\n")
		case endIdle:
			fmt.Fprintf(sess, "kpiscope: disconnected after %s without input.\r\n", s.cfg.IdleTimeout)
		case endPanic:
			fmt.Fprint(sess, "kpiscope: this session hit an internal error and was closed; other sessions are not affected. It has been logged.\r\n")
			code = 1
		case endError:
			code = 1
		}
		_ = sess.Exit(code)
	}
}

// register reserves a place for a session of the key with fingerprint key,
// or says why there is none.
func (s *Server) register(key string) (*session, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, "the server is shutting down"
	}
	if len(s.sessions) >= s.cfg.MaxSessions {
		return nil, fmt.Sprintf("%s in use; try again in a few minutes", cmdline.Pick(s.cfg.MaxSessions, "the only session is", "all "+cmdline.Count(s.cfg.MaxSessions, "session")+" are"))
	}
	if n := s.cfg.MaxSessionsPerKey; n > 0 && s.keySess[key] >= n {
		open := fmt.Sprintf("%d sessions", n)
		if n == 1 {
			open = "a session"
		}
		return nil, fmt.Sprintf("your key already has %s open, the most one key may have; close one (q) and try again", open)
	}
	st := &session{key: key}
	s.sessions[st] = struct{}{}
	s.keySess[key]++
	s.wg.Add(1)
	return st, ""
}

func (s *Server) unregister(st *session) {
	s.mu.Lock()
	delete(s.sessions, st)
	if s.keySess[st.key]--; s.keySess[st.key] <= 0 {
		delete(s.keySess, st.key)
	}
	s.mu.Unlock()
	s.wg.Done()
}

// run builds and runs one program; it returns how it ended and the bytes sent.
func (s *Server) run(sess ssh.Session, st *session, pty ssh.Pty, winCh <-chan ssh.Window) (reason string, sent int64) {
	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	began := time.Now()
	info := Session{
		ID:         s.nextID.Add(1),
		User:       sess.User(),
		RemoteAddr: sess.RemoteAddr().String(),
		Width:      pty.Window.Width,
		Height:     pty.Window.Height,
		Context:    ctx,
		View:       sess.RawCommand(), // a view's name, checked in handle
	}
	if k := sess.PublicKey(); k != nil {
		info.Fingerprint = gossh.FingerprintSHA256(k)
	}
	ci := connInfoOf(sess.Context())
	ci.mu.Lock()
	info.KeyComment = ci.comment
	ci.mu.Unlock()
	// The client's own environment and TERM, never the server's: the
	// renderer picks each session's colour profile from these.
	info.Term, info.Environ = clientEnv(sess.Environ(), pty.Term)
	logger := s.log.With("session", info.ID, "user", info.User)

	in := &activityReader{r: sess}
	in.last.Store(began.UnixNano())
	out := &countingWriter{w: sess}
	defer func() {
		sent = out.n.Load()
		if r := recover(); r != nil {
			// A panic outside the program (building the model): this session
			// ends, the others never notice.
			logger.Error("session panicked", "panic", r, "stack", string(debug.Stack()))
			reason = endPanic
		}
		logger.Debug("session ended", "end", reason, "duration", time.Since(began).Round(time.Millisecond), "sent", sent)
	}()

	// Built and registered under building, so that Broadcast reaches this
	// program if the model was built from data it replaces.
	p, stopped := s.setUp(st, info, in, out)
	if stopped {
		go p.Quit()
	}
	logger.Debug("session started", "addr", info.RemoteAddr, "key", info.Fingerprint, "term", info.Term, "size", fmt.Sprintf("%dx%d", info.Width, info.Height))

	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case w, ok := <-winCh:
				if !ok {
					return
				}
				p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
			}
		}
	}()
	if idle := s.cfg.IdleTimeout; idle > 0 {
		go func() {
			t := time.NewTimer(idle)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					quiet := time.Since(time.Unix(0, in.last.Load()))
					if quiet >= idle {
						st.stop(endIdle)
						return
					}
					t.Reset(idle - quiet)
				}
			}
		}()
	}

	_, err := p.Run()
	reason = st.stopReason()
	switch {
	case errors.Is(err, tea.ErrProgramPanic):
		logger.Error("session panicked; the program was stopped and the terminal restored", "err", err)
		reason = endPanic
	case reason != "":
	case sess.Context().Err() != nil:
		reason = endDropped
	case err != nil && !errors.Is(err, tea.ErrProgramKilled):
		logger.Warn("session program failed", "err", err)
		reason = endError
	default:
		reason = endQuit
	}
	return reason, sent // sent is filled in by the deferred function
}

// setUp builds a session's model and program and registers the program,
// holding building so that a data swap happens wholly before or after. A
// panic in the model's constructor is left to run's recover.
func (s *Server) setUp(st *session, info Session, in *activityReader, out *countingWriter) (p *tea.Program, stopped bool) {
	s.building.RLock()
	defer s.building.RUnlock()
	model := s.newModel(info)
	p = tea.NewProgram(model,
		tea.WithInput(in),
		tea.WithOutput(out),
		tea.WithEnvironment(info.Environ),
		tea.WithColorProfile(colorprofile.Env(info.Environ)),
		tea.WithWindowSize(info.Width, info.Height),
		tea.WithContext(info.Context), // the session's: cancelled when it ends
		tea.WithoutSignalHandler(),
		// Half Bubble Tea's default: over a network, held keys coalesce
		// into fewer frames, and 20 idle sessions cost 2% of a core, not 3.4%.
		tea.WithFPS(30),
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			if _, ok := msg.(tea.SuspendMsg); ok {
				return tea.ResumeMsg{} // ctrl+z cannot suspend a server
			}
			return msg
		}),
	)
	st.mu.Lock()
	st.program = p
	stopped = st.reason != ""
	st.mu.Unlock()
	return p, stopped
}

// renderEnv are the client variables a program may see: those that describe
// the terminal. Others are dropped because libraries act on them: TERMINFO
// and TERMINFO_DIRS name directories to read, and TMUX makes colour
// detection run the tmux binary on the server.
var renderEnv = map[string]bool{
	"COLORTERM": true, "NO_COLOR": true, "CLICOLOR": true, "CLICOLOR_FORCE": true,
	"TERM_PROGRAM": true, "TERM_PROGRAM_VERSION": true, "LANG": true, "LC_ALL": true, "LC_CTYPE": true,
}

// clientEnv filters the client's variables and checks TERM, which libraries
// use as a file name in the terminfo database: anything but a plain name
// becomes "xterm".
func clientEnv(env []string, term string) (string, []string) {
	if !validTerm(term) {
		term = "xterm"
	}
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if renderEnv[k] && len(v) <= 256 {
			out = append(out, kv)
		}
	}
	return term, append(out, "TERM="+term)
}

func validTerm(t string) bool {
	if t == "" || len(t) > 64 || t[0] == '.' || t[0] == '-' {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '+') {
			return false
		}
	}
	return true
}
