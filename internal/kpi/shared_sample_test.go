package kpi_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
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
			err = ws.Engine.BuildRollups(ctx, nil)
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

// closeSharedSample closes the built sample, if opened (TestMain).
func closeSharedSample() {
	if builtSample.ws != nil {
		builtSample.ws.Close()
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
