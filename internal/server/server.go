// Package server serves the explorer over SSH with wish: public-key
// authentication against an authorized_keys file, one Bubble Tea program per
// session over one shared, locked, read-only engine, and the limits that keep
// one user from hurting the others. It offers nothing else: no shell, no exec,
// no subsystems, no forwarding.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/log/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"

	"kpiscope/internal/cmdline"
)

// Defaults for the zero values of Config.
const (
	DefaultMaxSessions    = 32
	DefaultIdleTimeout    = 30 * time.Minute
	DefaultRateLimit      = 30 // new connections per address per minute
	DefaultLoginGraceTime = 20 * time.Second
	// MaxKeyAttempts is how many keys one connection may offer: the last
	// refusal closes it, as OpenSSH's MaxAuthTries does.
	MaxKeyAttempts = 6
)

// DefaultMaxSessionsPerKey is the per-key session cap for a server of
// maxSessions sessions: a quarter of them, at least one.
func DefaultMaxSessionsPerKey(maxSessions int) int { return max(1, maxSessions/4) }

// Config says who may connect and how much they may use.
type Config struct {
	// HostKeyPath is the server's private key; an ed25519 key is created there
	// with mode 0600 on first start and reused after.
	HostKeyPath string
	// AuthorizedKeysPath lists the public keys let in, in OpenSSH
	// authorized_keys format; it is re-read when it changes.
	AuthorizedKeysPath string
	// AllowAnyKey lets in any public key instead; only on loopback addresses,
	// for demos. Passwords and keyboard-interactive are never offered.
	AllowAnyKey bool
	// MaxSessions caps concurrent sessions (0 = DefaultMaxSessions).
	MaxSessions int
	// IdleTimeout closes a session whose user typed nothing for this long
	// (0 = DefaultIdleTimeout, negative = never).
	IdleTimeout time.Duration
	// RateLimit caps new connections per remote address per minute
	// (0 = DefaultRateLimit, negative = no limit).
	RateLimit int
	// MaxSessionsPerKey caps the sessions one key may run at once, and its
	// logged-in connections at twice that (0 = DefaultMaxSessionsPerKey,
	// negative = no cap per key).
	MaxSessionsPerKey int
	// LoginGraceTime bounds the time from connect to a logged-in user, like
	// OpenSSH's LoginGraceTime (0 = DefaultLoginGraceTime).
	LoginGraceTime time.Duration
	// MaxStartups bounds the logins in progress, apart from sessions (zero =
	// DefaultStartups).
	MaxStartups Startups
	// RefusalInterval is how often refused connections are summed up in the
	// log (0 = DefaultRefusalInterval).
	RefusalInterval time.Duration
	// Log receives one line per connection and the server's events; nil discards.
	Log *log.Logger
	// View checks the saved view a client names as its command (ssh -t
	// host NAME, views.go): nil opens it, an error is written to the client,
	// whose session ends with status 1. Nil: every command is refused.
	View func(name string) error
}

// Session describes one SSH session to the function that builds its model.
type Session struct {
	ID          uint64
	User        string // the name given to ssh; the key, not the name, was checked
	Fingerprint string // SHA256:… of the key that logged in
	KeyComment  string // the key's comment in authorized_keys ("alice@laptop")
	RemoteAddr  string
	Term        string // the client's TERM
	Width       int
	Height      int
	Environ     []string        // the variables the client sent, plus TERM
	Context     context.Context // cancelled when the session ends
	View        string          // the saved view asked for (ssh -t host NAME); "" for the first screen
}

// NewModel builds the program's model for one session.
type NewModel func(Session) tea.Model

// Server is an SSH server that gives every session its own explorer.
type Server struct {
	cfg     Config
	log     *log.Logger
	signer  gossh.Signer
	auth    *authorizedKeys // nil with AllowAnyKey
	limiter *rateLimiter
	ssh     *ssh.Server

	newModel NewModel
	nextID   atomic.Uint64
	wg       sync.WaitGroup // running sessions
	// building is held (shared) while a session's model is built and its
	// program registered, and exclusively by Broadcast's update: a session
	// is set up wholly before a data swap (and gets the message) or after it.
	building sync.RWMutex

	mu       sync.Mutex
	closing  bool
	listener net.Listener
	sessions map[*session]struct{}
	conns    map[string]*connInfo // by remote address
	noConns  chan struct{}        // closed when the last connection goes, once closing
	// Logins in progress, apart from sessions: in all and by address.
	pending  map[string]int
	pendingN int
	// Connections logged in: in all and by key fingerprint; sessions by key.
	loggedInN int
	keyConns  map[string]int
	keySess   map[string]int

	refused      *refusals
	stopFlush    chan struct{}
	flushStopped bool
	flushing     sync.WaitGroup
}

// New checks the configuration and loads the keys; it does not listen yet.
func New(cfg Config) (*Server, error) {
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.LoginGraceTime <= 0 {
		cfg.LoginGraceTime = DefaultLoginGraceTime
	}
	if cfg.MaxStartups == (Startups{}) {
		cfg.MaxStartups = DefaultStartups
	}
	if cfg.RefusalInterval <= 0 {
		cfg.RefusalInterval = DefaultRefusalInterval
	}
	if cfg.MaxSessions < 0 {
		return nil, fmt.Errorf("max sessions %d: give a positive number", cfg.MaxSessions)
	}
	if cfg.MaxSessionsPerKey == 0 {
		cfg.MaxSessionsPerKey = DefaultMaxSessionsPerKey(cfg.MaxSessions)
	}
	if err := cfg.MaxStartups.check(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Log,
		limiter:   newRateLimiter(cfg.RateLimit, time.Now),
		sessions:  map[*session]struct{}{},
		conns:     map[string]*connInfo{},
		pending:   map[string]int{},
		keyConns:  map[string]int{},
		keySess:   map[string]int{},
		stopFlush: make(chan struct{}),
	}
	if s.log == nil {
		s.log = log.New(io.Discard)
	}
	s.refused = newRefusals(s.log, time.Now)
	switch {
	case cfg.AllowAnyKey && cfg.AuthorizedKeysPath != "":
		return nil, errors.New("give --authorized-keys or --allow-any-key, not both")
	case !cfg.AllowAnyKey && cfg.AuthorizedKeysPath == "":
		return nil, errors.New("no --authorized-keys: nobody could log in; give --authorized-keys FILE (one public key per line, as in ~/.ssh/authorized_keys), or --allow-any-key for a demo on 127.0.0.1")
	case cfg.AuthorizedKeysPath != "":
		a, err := loadAuthorizedKeys(cfg.AuthorizedKeysPath, s.log)
		if err != nil {
			return nil, err
		}
		s.auth = a
	}
	signer, created, err := loadHostKey(cfg.HostKeyPath)
	if err != nil {
		return nil, err
	}
	s.signer = signer
	if created {
		s.log.Info("host key created", "path", cfg.HostKeyPath, "fingerprint", gossh.FingerprintSHA256(signer.PublicKey()))
	}
	s.ssh, err = wish.NewServer(
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		wish.WithPublicKeyAuth(s.checkKey),
		wish.WithMiddleware(s.handle),
		func(srv *ssh.Server) error {
			srv.HandshakeTimeout = cfg.LoginGraceTime
			if cfg.IdleTimeout > 0 {
				// A backstop for connections with no session at all; sessions
				// are closed politely by their own idle timer first.
				srv.IdleTimeout = cfg.IdleTimeout + time.Minute
			}
			srv.ConnCallback = s.acceptConn
			srv.ConnectionFailedCallback = s.connFailed
			srv.ConnectionCloseCallback = s.connClosed
			srv.ServerConfigCallback = s.sshConfig
			// Only a shell: exec ("ssh host cmd") and subsystems (sftp) are
			// refused at the protocol level, before any handler runs.
			srv.SessionRequestCallback = s.allowRequest
			// Only session channels exist and no global request is served:
			// forwarding either way is refused, and the attempt noted.
			srv.ChannelHandlers = map[string]ssh.ChannelHandler{
				"session": ssh.DefaultSessionHandler,
				"default": refuseChannel,
			}
			srv.RequestHandlers = map[string]ssh.RequestHandler{"default": refuseRequest}
			srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{}
			return nil
		},
	)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	return s, nil
}

// HostKey is the server's public key, for known_hosts and tests.
func (s *Server) HostKey() gossh.PublicKey { return s.signer.PublicKey() }

// Sessions is the number of sessions running now.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Broadcast calls update, which replaces what new sessions' models are built
// from (the engine after a reload) and returns the message telling running
// sessions about it, then hands that message to every running session's
// program. No session is being set up while update runs, so none misses the
// message with a model built from the old data. The returned channel is
// closed once every program has taken the message or ended: from then on no
// session starts new work on the old data. A nil message is sent to nobody.
func (s *Server) Broadcast(update func() tea.Msg) <-chan struct{} {
	done := make(chan struct{})
	s.building.Lock()
	msg := update()
	if msg == nil {
		s.building.Unlock()
		close(done)
		return done
	}
	s.mu.Lock()
	progs := make([]*tea.Program, 0, len(s.sessions))
	for st := range s.sessions {
		st.mu.Lock()
		if st.program != nil {
			progs = append(progs, st.program)
		}
		st.mu.Unlock()
	}
	s.mu.Unlock()
	s.building.Unlock()
	var wg sync.WaitGroup
	for _, p := range progs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Send(msg) // returns when the event loop takes it or the program ends
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

// CheckExposure refuses a listening address that would let strangers in:
// without an authorized-keys file only a loopback address is allowed, and
// only with AllowAnyKey.
func CheckExposure(addr net.Addr, cfg Config) error {
	if cfg.AuthorizedKeysPath != "" {
		return nil
	}
	tcp, ok := addr.(*net.TCPAddr)
	loopback := ok && tcp.IP.IsLoopback()
	if !loopback {
		return fmt.Errorf("refusing to listen on %s without --authorized-keys: anyone who can reach that address could log in; give --authorized-keys FILE, or use --listen 127.0.0.1:PORT for a demo", addr)
	}
	if !cfg.AllowAnyKey {
		return errors.New("no --authorized-keys: nobody could log in; give --authorized-keys FILE, or --allow-any-key for a demo on this loopback address")
	}
	return nil
}

// Serve accepts connections on ln until Shutdown, giving each session the
// model newModel builds. It returns nil after Shutdown.
func (s *Server) Serve(ln net.Listener, newModel NewModel) error {
	if newModel == nil {
		return errors.New("server: no model")
	}
	if err := CheckExposure(ln.Addr(), s.cfg); err != nil {
		return err
	}
	s.mu.Lock()
	if s.closing {
		// Shut down before it got going (a signal during start): nothing to serve.
		s.mu.Unlock()
		_ = ln.Close()
		return nil
	}
	if s.listener != nil {
		s.mu.Unlock()
		return errors.New("server: Serve called twice")
	}
	s.listener, s.newModel = ln, newModel
	s.flushing.Add(1)
	go func() {
		defer s.flushing.Done()
		s.refused.run(s.cfg.RefusalInterval, s.stopFlush)
	}()
	s.mu.Unlock()
	keys := "any"
	if s.auth != nil {
		keys = fmt.Sprint(s.auth.Len())
	}
	s.log.Info("listening", "addr", ln.Addr().String(), "host_key", gossh.FingerprintSHA256(s.signer.PublicKey()),
		"authorized_keys", keys, "max_sessions", s.cfg.MaxSessions, "per_key", s.cfg.MaxSessionsPerKey,
		"idle_timeout", s.cfg.IdleTimeout, "max_startups", s.cfg.MaxStartups.String(), "login_grace", s.cfg.LoginGraceTime)
	err := s.ssh.Serve(ln)
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		return nil
	}
	return err
}

// Shutdown stops accepting connections, tells every session the server is
// going away and quits its program (so the user's terminal is restored), then
// waits for the sessions to end until ctx is done, and finally closes every
// connection. It never touches the data.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	ln := s.listener
	open := make([]*session, 0, len(s.sessions))
	for st := range s.sessions {
		open = append(open, st)
	}
	s.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	s.log.Info("shutting down", "sessions", len(open))
	for _, st := range open {
		st.stop(endShutdown)
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("shutdown: %s still open, closing their connections: %w", cmdline.Count(s.Sessions(), "session"), ctx.Err())
	}
	// Clients close their connection when their session ends; give them a
	// moment so they see "closed" from their side, then close the rest
	// (connections that never opened a session, or stuck ones).
	if err == nil {
		s.mu.Lock()
		if len(s.conns) > 0 && s.noConns == nil {
			s.noConns = make(chan struct{})
		}
		wait := s.noConns
		s.mu.Unlock()
		if wait != nil {
			t := time.NewTimer(time.Second)
			select {
			case <-wait:
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
	}
	_ = s.ssh.Close()
	s.mu.Lock()
	if !s.flushStopped {
		s.flushStopped = true
		close(s.stopFlush)
	}
	s.mu.Unlock()
	s.flushing.Wait()
	return err
}
