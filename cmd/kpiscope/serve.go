package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/log/v2"
	"github.com/spf13/cobra"

	"kpiscope/internal/kpi"
	"kpiscope/internal/live"
	"kpiscope/internal/server"
	"kpiscope/internal/store"
	"kpiscope/internal/watch"
	"kpiscope/internal/workspace"
	"kpiscope/tui"
)

// shutdownGrace is how long sessions get to restore their terminals after
// SIGINT/SIGTERM before their connections are closed.
const shutdownGrace = 10 * time.Second

type serveOpts struct {
	listen         string
	hostKey        string
	authorizedKeys string
	allowAnyKey    bool
	maxSessions    int
	perKey         int    // sessions per key; 0: a quarter of maxSessions
	maxStartups    string // start:rate:full
	loginGrace     time.Duration
	threads        int // DuckDB's threads
	idle           time.Duration
	queryTimeout   time.Duration
	rateLimit      int
	logFile        string
	logLevel       string
	watch          bool
	// allowSQL lets sessions open the read-only SQL prompt (:sql).
	allowSQL bool
	// debounce is how long file writes must pause before a reload (0: the
	// watcher's default); for tests.
	debounce time.Duration
	// ready is told the listening address; for tests.
	ready func(net.Addr)
	// loaded is told the first workspace once it is loaded and locked; for tests.
	loaded func(*workspace.Workspace)
}

func newServe() *cobra.Command {
	var df dataFlags
	o := serveOpts{
		listen:       "127.0.0.1:23234",
		maxSessions:  server.DefaultMaxSessions,
		maxStartups:  server.DefaultStartups.String(),
		loginGrace:   server.DefaultLoginGraceTime,
		threads:      runtime.GOMAXPROCS(0),
		idle:         server.DefaultIdleTimeout,
		queryTimeout: 30 * time.Second,
		rateLimit:    server.DefaultRateLimit,
		logLevel:     "info",
	}
	if n, err := store.EnvThreads(); err == nil && n > 0 {
		o.threads = n // a bad value fails the data's open, with its message, unless --threads is given
	}
	c := &cobra.Command{
		Use:   "serve --host-key FILE --authorized-keys FILE [SOURCE ...]",
		Short: "Serve the explorer over SSH to a team, read-only",
		Long: `Loads the data once and serves the explorer over SSH: every session gets its own
explorer (its own slice, panes and colours, fitted to its terminal) over one shared engine.

Users log in with a public key listed in --authorized-keys (OpenSSH format, re-read when it
changes); passwords are never offered. They get the explorer and nothing else: no shell, no
commands, no file transfer, no port forwarding. After loading, the engine is locked to the
loaded files: no query or input can read or write any other file, and exports go to the
user's clipboard, never to the server's disk.

The host key is created on first start (ed25519, mode 0600) and reused after.`,
		Example: `  kpiscope serve --host-key /var/lib/kpiscope/host_ed25519 \
      --authorized-keys /etc/kpiscope/authorized_keys --listen 0.0.0.0:23234 \
      --config kpiscope.yaml
  ssh -p 23234 kpis.example.com             # from an analyst's machine

  kpiscope serve --host-key /tmp/kpi_host --allow-any-key   # sample data, local demo`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("threads") && o.threads > 0 {
				// the flag wins over $KPISCOPE_THREADS, even a bad one
				store.OverrideThreads(o.threads)
				defer store.OverrideThreads(0)
			}
			return runServe(cmd.Context(), cmd.ErrOrStderr(), args, &df, o)
		},
	}
	df.register(c)
	df.registerSource(c)
	f := c.Flags()
	f.StringVar(&o.listen, "listen", o.listen, "listen on `HOST:PORT`")
	f.StringVar(&o.hostKey, "host-key", "", "read the server's private key from `FILE`; created (ed25519, mode 0600) if missing")
	f.StringVar(&o.authorizedKeys, "authorized-keys", "", "let in the public keys listed in `FILE`, one per line (OpenSSH authorized_keys format)")
	f.BoolVar(&o.allowAnyKey, "allow-any-key", false, "let any public key in (loopback addresses only; for demos)")
	f.IntVar(&o.maxSessions, "max-sessions", o.maxSessions, "allow at most `N` concurrent sessions")
	f.IntVar(&o.perKey, "max-sessions-per-key", 0, "allow at most `N` concurrent sessions of one key (default: a quarter of --max-sessions, at least 1)")
	f.StringVar(&o.maxStartups, "max-startups", o.maxStartups, "limit logins in progress to `START:RATE:FULL`: from start on, more from an address already logging in are dropped at rate% rising to 100% at full (as OpenSSH's MaxStartups)")
	f.DurationVar(&o.loginGrace, "login-grace-time", o.loginGrace, "close a connection that has not logged in after `DURATION`")
	f.IntVar(&o.threads, "threads", o.threads, "run DuckDB's queries on `N` threads, shared by all sessions; defaults to $KPISCOPE_THREADS, else the CPUs this process may use")
	f.DurationVar(&o.idle, "idle-timeout", o.idle, "close a session after `DURATION` without input (0: never)")
	f.DurationVar(&o.queryTimeout, "query-timeout", o.queryTimeout, "stop any one query after `DURATION`; a session's first screen is never stopped")
	f.IntVar(&o.rateLimit, "rate-limit", o.rateLimit, "accept `N` new connections per address per minute (0: no limit)")
	f.StringVar(&o.logFile, "log-file", "", "append the log to `FILE` instead of stderr")
	f.StringVar(&o.logLevel, "log-level", o.logLevel, "log at `LEVEL` and above: debug, info, warn or error")
	f.BoolVar(&o.allowSQL, "allow-sql", false, "let sessions open the read-only SQL prompt (:sql) over the loaded tables; the engine stays locked: no file access, no settings, no ATTACH, no writes")
	f.BoolVar(&o.watch, "watch", false, "reload in the background when the source files or the config change; sessions keep their slice and get the new numbers")
	return c
}

func runServe(ctx context.Context, stderr io.Writer, args []string, df *dataFlags, o serveOpts) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.hostKey == "" {
		return errors.New("--host-key is required: the server's private key file, created on first start (e.g. --host-key ~/.config/kpiscope/host_ed25519)")
	}
	if o.maxSessions < 1 {
		return fmt.Errorf("--max-sessions %d: give at least 1", o.maxSessions)
	}
	if o.perKey < 0 {
		return fmt.Errorf("--max-sessions-per-key %d: give at least 1", o.perKey)
	}
	startups, err := server.ParseStartups(o.maxStartups)
	if err != nil {
		return fmt.Errorf("--max-startups: %w", err)
	}
	if o.loginGrace <= 0 {
		return fmt.Errorf("--login-grace-time %s: give a positive duration such as 20s", o.loginGrace)
	}
	if o.threads < 1 {
		return fmt.Errorf("--threads %d: give at least 1", o.threads)
	}
	if o.queryTimeout <= 0 {
		return fmt.Errorf("--query-timeout %s: give a positive duration such as 30s", o.queryTimeout)
	}
	logger, closeLog, err := serveLogger(stderr, o.logFile, o.logLevel)
	if err != nil {
		return err
	}
	defer closeLog()

	var current func() live.State // the data being served, once loaded
	cfg := server.Config{
		HostKeyPath:        o.hostKey,
		AuthorizedKeysPath: o.authorizedKeys,
		AllowAnyKey:        o.allowAnyKey,
		MaxSessions:        o.maxSessions,
		MaxSessionsPerKey:  o.perKey,
		MaxStartups:        startups,
		LoginGraceTime:     o.loginGrace,
		IdleTimeout:        o.idle,
		RateLimit:          o.rateLimit,
		Log:                logger,
		View:               func(name string) error { return serveView(current, name) }, // views.go: ssh -t host NAME
	}
	if o.idle == 0 {
		cfg.IdleTimeout = -1 // the flag's 0 means never; Config's 0 means the default
	}
	if o.rateLimit == 0 {
		cfg.RateLimit = -1
	}
	// Refuse an exposed address before binding it or loading anything.
	if addr, err := net.ResolveTCPAddr("tcp", o.listen); err != nil {
		return fmt.Errorf("--listen %s: %w", o.listen, err)
	} else if err := server.CheckExposure(addr, cfg); err != nil {
		return err
	}
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", o.listen, err)
	}
	defer ln.Close()

	began := time.Now()
	df.later = true // the ticket KPIs of large data wait for their business hours; the rest serve at once
	ws, err := df.open(ctx, args)
	if err != nil {
		if ctx.Err() != nil {
			return nil // interrupted while loading
		}
		return err
	}
	for _, d := range ws.Engine.Defs() {
		if err := ws.Engine.Problems()[d.ID]; err != nil && !kpi.IsWaiting(err) {
			logger.Warn("KPI cannot be computed; sessions will show the error", "kpi", d.ID, "err", err)
		}
	}
	// The engine's memory limit is the process-wide --memory-limit; its
	// threads are set here, before the lock freezes every setting.
	if err := ws.DB.SetThreads(ctx, o.threads); err != nil {
		ws.Close()
		return err
	}
	// A reload reads the files into memory: a --db file stays held by the
	// first workspace until it is replaced.
	reopen := workspace.Options{ConfigPath: df.config, Sources: args, Log: debugLog(false), Warehouse: df.source, Later: true}
	data := live.New(ctx, ws, live.Options{
		Open: func(ctx context.Context) (*workspace.Workspace, error) {
			ws, err := workspace.Open(ctx, reopen)
			if err == nil {
				if err = ws.DB.SetThreads(ctx, o.threads); err != nil {
					ws.Close()
					return nil, err
				}
			}
			return ws, err
		},
		Lock:      server.Lock,
		Debounce:  o.debounce,
		CheckRows: checkBudget,
		Events:    watchLogger(logger),
		Finished: func(ws *workspace.Workspace, took time.Duration, err error) {
			if err != nil {
				logger.Warn("the business hours could not be computed; sessions show why on the ticket KPIs", "err", err)
				return
			}
			logger.Info("business hours computed: every KPI is served", "took", took.Round(time.Millisecond))
			for _, d := range ws.Engine.Defs() {
				if err := ws.Engine.Problems()[d.ID]; err != nil {
					logger.Warn("KPI cannot be computed; sessions will show the error", "kpi", d.ID, "err", err)
				}
			}
		},
	})
	defer data.Close() // closes every workspace, after the Shutdown below
	current = data.Current
	data.Subscribe(server.Subscriber(srv, changeMsg))
	data.Subscribe(server.Subscriber(srv, viewsMsg)) // views.go: the palette's views after a reload
	data.Subscribe(live.Notify(func(c live.Change) {
		if s := c.Workspace.ShrinkText(); c.Kind == live.Reloaded && s != "" {
			logger.Warn("a table shrank sharply at the reload; check that the file is complete", "tables", s)
		}
	}))
	var paths []string
	if o.watch {
		if paths = watch.Paths(ws, args); len(paths) == 0 {
			logger.Warn("--watch: nothing to watch; the built-in sample data never changes")
		}
	}
	// Watched data is pinned before the lock: sessions then read private
	// copies of the Parquet files, never a file being rewritten.
	if err := data.Start(paths); err != nil {
		if len(paths) > 0 {
			return fmt.Errorf("--watch: %w", err)
		}
		return err
	}
	if o.loaded != nil {
		o.loaded(ws)
	}
	memory := "DuckDB's default"
	if n := store.MemoryLimit(); n > 0 {
		memory = humanBytes(n)
	}
	logger.Info("data loaded and locked", "data", ws.Engine.Describe(), "took", time.Since(began).Round(time.Millisecond),
		"memory_limit", memory, "threads", o.threads)
	watching := len(paths) > 0
	if watching {
		logger.Info("watching for changes", "files", len(paths))
	}

	newModel := func(s server.Session) tea.Model {
		cur := data.Current()
		d := sessionDeps(cur, s, o.queryTimeout, logger)
		d.SQL = o.allowSQL
		d.Invocation = invocation(cur.Workspace, args) // the server's own data, for $
		if watching {
			d.Refreshed = cur.Loaded
		}
		m := tui.New(d)
		if cur.Failed != nil {
			// A reload failed before this session began: it shows the
			// warning the sessions open then got.
			return withFirst{m, changeMsg(live.Change{State: cur, Kind: live.Failed, Event: *cur.Failed})}
		}
		return m
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln, newModel) }()
	if o.ready != nil {
		o.ready(ln.Addr())
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop() // a second Ctrl-C now kills the process outright
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-served; err == nil {
		err = serr
	}
	logger.Info("stopped")
	return err
}

// sessionDeps is what one SSH session's explorer gets: the shared engine
// with its data warnings, exports to the client's clipboard, the query
// timeout, and the session's context so its queries stop when it ends.
func sessionDeps(cur live.State, s server.Session, queryTimeout time.Duration, logger *log.Logger) tui.Deps {
	ws := cur.Workspace
	d := tui.Deps{
		Engine:       ws.Engine,
		Label:        headerLabel(ws), // explore.go
		Remote:       true,
		QueryTimeout: queryTimeout,
		Now:          time.Now,
		Log:          logger.With("session", s.ID, "user", s.User, "key", s.Fingerprint),
		Context:      s.Context,
		RollupStatus: (*kpi.Engine).RollupStatus,
		Warnings:     cur.Warnings, // the checks' findings, a sharp shrink at the last reload
	}
	if ws.Inferred {
		d.Banner = "KPIs inferred from column names with default targets"
	}
	d.Views, d.Start = sessionViews(ws.Config, s.View) // views.go
	return d
}

// watchLogger logs every reload's outcome.
func watchLogger(logger *log.Logger) func(watch.Event) {
	return func(ev watch.Event) {
		if ev.Err != nil {
			logger.Warn("reload failed; sessions keep the previous data", "err", ev.Err)
			return
		}
		logger.Info("data reloaded; running sessions recompute on it", "changed", strings.Join(ev.Changed, ","))
	}
}

// serveLogger writes to stderr or appends to a file (mode 0600: the log
// names users and addresses).
func serveLogger(stderr io.Writer, path, level string) (*log.Logger, func(), error) {
	lvl, err := log.ParseLevel(strings.ToLower(level))
	if err != nil {
		return nil, nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	w, closeFn := stderr, func() {}
	if path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("--log-file: %w", err)
		}
		w, closeFn = f, func() { f.Close() }
	}
	return log.NewWithOptions(w, log.Options{ReportTimestamp: true, Level: lvl, Prefix: "kpiscope"}), closeFn, nil
}

// withFirst is a session's model that is sent msg as it starts, after its
// own first messages; its first Update hands back the model itself.
type withFirst struct {
	tea.Model
	msg tea.Msg
}

func (w withFirst) Init() tea.Cmd {
	return tea.Sequence(w.Model.Init(), func() tea.Msg { return w.msg })
}
