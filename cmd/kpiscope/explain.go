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

// defaultExplainRows caps report --explain --by without --limit, as the
// engine caps a breakdown (kpi.Options.MaxSegments' default).
const defaultExplainRows = 50

// writeExplain prints report --explain: with --by, each KPI's change split
// by the breakdown's segments (sc is that breakdown, uncapped; --limit N
// keeps the N largest contributions and pools the rest); without, the top
// movers across every dimension, each KPI's computed by kpi.TopMovers. A
// KPI whose change cannot be split is listed with the reason; one that
// failed is left to report.Failed.
func writeExplain(ctx context.Context, w io.Writer, eng *kpi.Engine, sc *kpi.Scorecard, ro reportOpts, label, wsLabel string, notes []string) error {
	movers := sc.Slice.Segment == ""
	var xs []report.Explanation
	if !movers {
		// sc is the whole breakdown (runReport asks for every segment), so
		// the rows kept are the largest contributions and the sum line is
		// the uncapped split's
		xs = report.Explain(sc)
		n, err := report.ParseLimit(ro.limit)
		if err != nil {
			return err
		}
		if n == 0 {
			n = defaultExplainRows
		}
		report.Cap(xs, n)
	} else {
		n := defaultMovers
		if ro.limit != "" {
			n = sc.Slice.MaxSegments // report.ParseLimit's: N, or AllSegments (-1) for all
		}
		s := sc.Slice
		s.MaxSegments = 0
		var ids []string
		for _, r := range sc.Results {
			if r.Err == nil {
				ids = append(ids, r.Def.ID)
			}
		}
		ms, err := eng.TopMoversOf(ctx, s, ids, n)
		if err != nil {
			return err
		}
		byID := map[string]kpi.Movers{}
		for _, m := range ms {
			byID[m.ID] = m
		}
		for i := range sc.Results {
			r := &sc.Results[i]
			x := report.Headline(r)
			x.Movers = true
			m := byID[r.Def.ID]
			switch {
			case r.Err != nil:
				x.Err = r.Err
			case errors.Is(m.Err, kpi.ErrNotDecomposable):
				x.Err = report.ReportReason(m.Err)
			case m.Err != nil:
				x.Err = fmt.Errorf("its breakdowns failed: %w", m.Err)
			default:
				x.Delta, x.Rows = m.Delta, m.Rows
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
