// Command gen writes the sample dataset into a directory; sampledata's
// go:generate runs it to refresh the embedded demo files.
//
//	go run ./internal/sample/internal/gen [-tickets N] DIR
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"kpiscope/internal/sample"
)

func main() {
	opt := sample.DefaultOptions()
	flag.IntVar(&opt.Customers, "customers", opt.Customers, "number of customers")
	flag.IntVar(&opt.Months, "months", opt.Months, "number of months")
	flag.Int64Var(&opt.Seed, "seed", opt.Seed, "random seed")
	flag.IntVar(&opt.TicketRows, "tickets", 0, "exact ticket rows (0 = natural count)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gen [flags] DIR")
		os.Exit(2)
	}
	start := time.Now()
	sum, err := sample.Write(context.Background(), flag.Arg(0), opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	names := make([]string, 0, len(sum.Tables))
	for n := range sum.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("%-10s %10d rows\n", n, sum.Tables[n])
	}
	fmt.Printf("%d bytes in %s\n", sum.Bytes, time.Since(start).Round(time.Millisecond))
}
