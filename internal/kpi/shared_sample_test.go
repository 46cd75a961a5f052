package kpi_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
	"kpiscope/sampledata"
)

// builtSample is the embedded sample with its rollups built, opened once for
// the tests that only read it (each sample build is several seconds, the
// larger part of this package's time in CI). Its clock is fixed on 1 Dec 2026
// (the sample ends on 31 Oct). A test that changes the engine (prefill,
// DailyRollupsOnly left on, a build of its own) opens its own instead.
var builtSample struct {
	once sync.Once
	ws   *workspace.Workspace
	err  error
	log  swapHandler
	// progress is its build's progress reports, in order (the totals'
	// run side by side: each report is appended under mu).
	progress []kpi.RollupProgress
	mu       sync.Mutex
}

// sharedSample returns the built sample's engine; h, if not nil, receives the
// engine's debug log until the test ends.
func sharedSample(t *testing.T, h slog.Handler) *kpi.Engine {
	t.Helper()
	builtSample.once.Do(func() {
		ctx := context.Background()
		ws, err := workspace.Open(ctx, workspace.Options{NoConfig: true, Log: slog.New(&builtSample.log),
			Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }})
		if err == nil {
			err = ws.Engine.BuildRollups(ctx, func(p kpi.RollupProgress) {
				builtSample.mu.Lock()
				defer builtSample.mu.Unlock()
				builtSample.progress = append(builtSample.progress, p)
			})
		}
		builtSample.ws, builtSample.err = ws, err
	})
	if builtSample.err != nil {
		t.Fatal(builtSample.err)
	}
	if h != nil {
		builtSample.log.set(h)
		t.Cleanup(func() { builtSample.log.set(nil) })
	}
	return builtSample.ws.Engine
}

// sharedSampleBuild is the progress reports of the shared sample's build
// (sharedSample), in order.
func sharedSampleBuild(t *testing.T) []kpi.RollupProgress {
	t.Helper()
	sharedSample(t, nil)
	builtSample.mu.Lock()
	defer builtSample.mu.Unlock()
	return append([]kpi.RollupProgress(nil), builtSample.progress...)
}

// keptSample is the sample's files written once to a folder of this
// package's run, and a --db file over them with every rollup built (clock:
// rtNow), for the tests of what a --db file keeps: each starts from a copy
// of the file instead of building the sample again (several seconds each).
var keptSample struct {
	once    sync.Once
	dir     string
	sources []string
	db      string
	err     error
}

// keptSampleDB returns the shared sample files and a fresh copy, in the
// test's own folder, of the --db file built over them. The files are shared:
// a test that changes one must put it back as it was (its modification time
// is in the file's fingerprint).
func keptSampleDB(t *testing.T) (sources []string, db string) {
	t.Helper()
	keptSample.once.Do(func() {
		keptSample.dir, keptSample.err = os.MkdirTemp("", "kpiscope-kept-sample-")
		if keptSample.err != nil {
			return
		}
		for _, name := range []string{"customers", "orders", "tickets", "surveys", "spend"} {
			b, err := sampledata.FS.ReadFile(name + ".parquet")
			if err == nil {
				p := filepath.Join(keptSample.dir, name+".parquet")
				err = os.WriteFile(p, b, 0o400)
				keptSample.sources = append(keptSample.sources, p)
			}
			if err != nil {
				keptSample.err = err
				return
			}
		}
		keptSample.db = filepath.Join(keptSample.dir, "kept.db")
		ctx := context.Background()
		ws, err := workspace.Open(ctx, workspace.Options{NoConfig: true, Sources: keptSample.sources, DBPath: keptSample.db, Now: rtNow})
		if err != nil {
			keptSample.err = err
			return
		}
		keptSample.err = ws.Engine.BuildRollups(ctx, nil)
		if err := ws.Close(); keptSample.err == nil {
			keptSample.err = err
		}
	})
	if keptSample.err != nil {
		t.Fatal(keptSample.err)
	}
	db = filepath.Join(t.TempDir(), "k.db")
	if err := copyFile(keptSample.db, db); err != nil {
		t.Fatal(err)
	}
	return keptSample.sources, db
}

// openKept opens the sample's files with the --db file db (keptSampleDB's
// sources), as a start of the explorer would.
func openKept(t *testing.T, sources []string, db string) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Open(context.Background(), workspace.Options{NoConfig: true, Sources: sources, DBPath: db, Now: rtNow})
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// openKeptWithConfig is openKept with the sample's kpiscope.yaml's
// sources, dimensions, business hours and SLAs, and of its KPIs the
// backlog and the backlog past SLA (with the business-time ones those
// bring: a build of a few seconds, not the whole sample's), over the
// sample's files.
func openKeptWithConfig(t *testing.T, sources []string, db string) *workspace.Workspace {
	t.Helper()
	head, _, ok := strings.Cut(string(sampledata.Config), "\nkpis:\n")
	if !ok {
		t.Fatal("the sample's kpiscope.yaml has no kpis: list")
	}
	cfg := strings.ReplaceAll(head, "{path: ", "{path: "+filepath.Dir(sources[0])+"/") + "\nkpis:\n  - use: backlog\n  - use: backlog_overdue\n"
	path := filepath.Join(t.TempDir(), "kpiscope.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Open(context.Background(), workspace.Options{ConfigPath: path, DBPath: db, Now: rtNow})
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func copyFile(from, to string) error {
	r, err := os.Open(from)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// closeSharedSample closes the built sample, if opened, and removes the kept
// sample's folder (TestMain).
func closeSharedSample() {
	if builtSample.ws != nil {
		builtSample.ws.Close()
	}
	if keptSample.dir != "" {
		os.RemoveAll(keptSample.dir)
	}
}

// swapHandler passes log records to the handler set, if any (the engine logs
// without attributes or groups of its own).
type swapHandler struct{ h atomic.Pointer[slog.Handler] }

func (s *swapHandler) set(h slog.Handler) {
	if h == nil {
		s.h.Store(nil)
		return
	}
	s.h.Store(&h)
}

func (s *swapHandler) Enabled(ctx context.Context, l slog.Level) bool {
	h := s.h.Load()
	return h != nil && (*h).Enabled(ctx, l)
}

func (s *swapHandler) Handle(ctx context.Context, r slog.Record) error {
	if h := s.h.Load(); h != nil {
		return (*h).Handle(ctx, r)
	}
	return nil
}

func (s *swapHandler) WithAttrs([]slog.Attr) slog.Handler { return s }
func (s *swapHandler) WithGroup(string) slog.Handler      { return s }
