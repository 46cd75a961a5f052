package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
	"kpiscope/internal/workspace"
)

// gridOpts is report --grid: each KPI as --by's segments × the last
// --periods periods ending at --period (or × the values of --columns in
// --period), each cell its value and status, the totals pooled.
type gridOpts struct {
	on      bool
	periods int
	columns string
	cmd     *cobra.Command // to tell a --periods given from its default
}

func gridLook(c *cobra.Command) look {
	o := &gridOpts{cmd: c}
	c.Flags().BoolVar(&o.on, "grid", false, "print the grid of segments (--by) × the latest periods, each cell the KPI's value and status")
	c.Flags().IntVar(&o.periods, "periods", kpi.DefaultGridPeriods, fmt.Sprintf("with --grid: lay out the last `N` periods, ending at --period, as columns (1–%d)", kpi.MaxGridPeriods))
	c.Flags().StringVar(&o.columns, "columns", "", "with --grid: lay out the values of the dimension `DIM` as columns (in --period) instead of periods")
	return o
}

func (o *gridOpts) asked() bool { return o.on }

// run prints the grid of each KPI ids (nil: every KPI), those that --by
// does not split listed under the grids, an error when none is left. Rows are --by's segments, or
// the first dimension offered without --by.
func (o *gridOpts) run(ctx context.Context, w io.Writer, ws *workspace.Workspace, s kpi.Slice, ids []string, ro reportOpts) error {
	eng := ws.Engine
	if o.periods < 1 || o.periods > kpi.MaxGridPeriods {
		return fmt.Errorf("--periods %d: give 1 to %d", o.periods, kpi.MaxGridPeriods)
	}
	if o.columns != "" && o.cmd != nil && o.cmd.Flags().Changed("periods") {
		return fmt.Errorf("--periods %d lays out periods as columns, --columns %s the values of %s in --period: give one of them", o.periods, o.columns, o.columns)
	}
	rows := s.Segment
	if rows == "" {
		dims := eng.Dimensions()
		if len(dims) == 0 {
			return fmt.Errorf("--grid: the data offers no dimension to make rows of; name a column with --by")
		}
		rows = dims[0].Name
	}
	if o.columns != "" {
		if err := eng.CheckDimension(o.columns); err != nil {
			return fmt.Errorf("--columns: %w", err)
		}
	}
	asked := ids != nil
	if !asked {
		for _, d := range eng.Defs() {
			ids = append(ids, d.ID)
		}
	}
	maxRows := s.MaxSegments
	s.Segment, s.MaxSegments = "", 0
	var gs []*kpi.Grid
	var notes []string
	var first error
	for _, id := range ids {
		g, err := eng.Grid(ctx, kpi.GridAsk{Slice: s, KPI: id, Rows: rows, Cols: o.columns, Periods: o.periods, MaxRows: maxRows})
		switch {
		case err == nil:
			gs = append(gs, g)
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		}
		if first == nil {
			first = err
		}
		// A KPI the rows' dimension does not split is a note under the
		// others (an error when it is the only one); without --kpi, so is
		// one without periods.
		if d := eng.Def(id); d != nil && (errors.Is(err, kpi.ErrNotSliceable) || !asked && (d.Type == kpi.Composite || !d.HasTime())) {
			notes = append(notes, d.Label()+": "+report.OneLine(err))
			continue
		}
		return fmt.Errorf("--grid %s: %w", id, err)
	}
	if len(gs) == 0 {
		return fmt.Errorf("--grid: %w", first)
	}
	label := eng.Describe()
	switch ro.format {
	case "csv":
		return report.GridCSV(w, gs)
	case "json":
		return report.GridJSON(w, gs, label, notes)
	case "markdown", "md":
		return report.GridMarkdown(w, gs, label, notes)
	}
	return report.GridPlain(w, gs, label, notes)
}

func (o *gridOpts) flag() string { return "--grid" }

// onWarehouse: it runs there, as the scorecard does (through Compute).
func (o *gridOpts) onWarehouse() bool { return true }
