package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
)

// defaultMovers is how many top movers report --explain lists per KPI
// without --by (--limit N for another number).
const defaultMovers = 5

// writeExplain prints report --explain: with --by, each KPI's change split
// by the breakdown's segments (sc is that breakdown); without, the top
// movers across every dimension, each KPI's computed by kpi.TopMovers. A
// KPI whose change cannot be split is listed with the reason; one that
// failed is left to report.Failed.
func writeExplain(ctx context.Context, w io.Writer, eng *kpi.Engine, sc *kpi.Scorecard, ro reportOpts, label, wsLabel string, notes []string) error {
	movers := sc.Slice.Segment == ""
	var xs []report.Explanation
	if !movers {
		xs = report.Explain(sc)
	} else {
		n := defaultMovers
		if ro.limit != "" {
			n = sc.Slice.MaxSegments // report.ParseLimit's: N, or AllSegments (-1) for all
		}
		s := sc.Slice
		s.MaxSegments = 0
		for i := range sc.Results {
			r := &sc.Results[i]
			x := report.Headline(r)
			x.Movers = true
			if r.Err != nil {
				x.Err = r.Err
				xs = append(xs, x)
				continue
			}
			delta, rows, err := eng.TopMovers(ctx, s, r.Def.ID, n)
			switch {
			case ctx.Err() != nil:
				return ctx.Err()
			case errors.Is(err, kpi.ErrNotDecomposable):
				x.Err = report.ReportReason(err)
			case err != nil:
				x.Err = fmt.Errorf("its breakdowns failed: %w", err)
			default:
				x.Delta, x.Rows = delta, rows
			}
			xs = append(xs, x)
		}
	}
	var err error
	switch ro.format {
	case "csv":
		err = report.ExplainCSV(w, sc, xs)
	case "json":
		err = report.ExplainJSON(w, sc, wsLabel, xs, movers, notes)
	case "markdown", "md":
		err = report.ExplainMarkdown(w, sc, wsLabel, xs, movers)
		if err == nil && len(notes) > 0 {
			fmt.Fprintln(w)
			for _, n := range notes {
				fmt.Fprintf(w, "- ⚠ %s\n", n)
			}
		}
	default:
		err = report.ExplainPlain(w, sc, label, xs, movers)
		for _, n := range notes {
			fmt.Fprintln(w, "⚠ "+n)
		}
	}
	return err
}
