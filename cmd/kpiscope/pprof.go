//go:build pprof

package main

// Built only with -tags pprof, for measurements (internal/server's
// TestMeasureServeLoad with KPISCOPE_PROFILE): serves net/http/pprof on the
// loopback address in KPISCOPE_PPROF, with mutex and block profiling on.
// Release builds have none of this.

import (
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
)

func init() {
	addr := os.Getenv("KPISCOPE_PPROF")
	if addr == "" {
		return
	}
	runtime.SetMutexProfileFraction(5)
	runtime.SetBlockProfileRate(int(1e6)) // one sample per millisecond blocked
	go http.ListenAndServe(addr, nil)
}
