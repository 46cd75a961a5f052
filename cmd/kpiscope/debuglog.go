package main

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
)

// debugEnv turns on the engine's debug log: every query with its time, the
// rollup statements, and why a slice read raw rows. "1" (or "stderr")
// writes it to stderr, except under the explorer, whose screen stderr is;
// any other value is a file to append it to, for every command.
const debugEnv = "KPISCOPE_DEBUG_SQL"

var debugOnce struct {
	sync.Once
	w io.Writer
}

// debugLog is the engine's logger as debugEnv asks, nil when it is unset
// (or is "1" and a screen is drawn on stderr).
func debugLog(screen bool) *slog.Logger {
	v := strings.TrimSpace(os.Getenv(debugEnv))
	switch strings.ToLower(v) {
	case "", "0", "false":
		return nil
	case "1", "true", "stderr":
		if screen {
			return nil
		}
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	debugOnce.Do(func() {
		f, err := os.OpenFile(v, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err == nil {
			debugOnce.w = f // open for the life of the process
		}
	})
	if debugOnce.w == nil {
		return nil
	}
	return slog.New(slog.NewTextHandler(debugOnce.w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
