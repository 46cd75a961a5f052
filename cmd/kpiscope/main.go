// Command kpiscope explores customer KPIs in CSV and Parquet files.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"syscall"

	"charm.land/fang/v2"

	"kpiscope/internal/report"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:]))
}

// run runs the command line on the process's standard streams.
func run(ctx context.Context, args []string) int {
	return runWith(ctx, args, os.Stdout, os.Stderr)
}

// runWith builds the command tree and maps errors to exit codes: 1 for
// --fail-on, 2 for bad input, never a stack trace. Tests pass their own
// stdout and stderr.
func runWith(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "kpiscope: internal error: %v\n", r)
			if os.Getenv("KPISCOPE_DEBUG") != "" {
				stderr.Write(debug.Stack())
			}
			code = 3
		}
	}()
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := fang.Execute(ctx, root,
		fang.WithNotifySignal(os.Interrupt, syscall.SIGTERM, syscall.SIGHUP), // a kill or a closed terminal cancels like ^C: a load removes its UTF-8 copies
		fang.WithoutManpage(),
		fang.WithErrorHandler(func(w io.Writer, _ fang.Styles, err error) {
			fmt.Fprintln(w, "kpiscope: "+report.OneLine(err))
		}),
	)
	if err == nil {
		return 0
	}
	var fe *failOnError
	if errors.As(err, &fe) {
		return 1
	}
	return 2
}
