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

// distOpts is report --distribution: the histogram of a mean's or
// quantile's numbers, or a score KPI's mix of scores (by --by's segments).
type distOpts struct{ on bool }

func distLook(c *cobra.Command) look {
	o := &distOpts{}
	c.Flags().BoolVar(&o.on, "distribution", false, "print the distribution behind each KPI (--kpi ID): a histogram of the hours (mean, median, p90, target), or the score mix by --by's segments")
	return o
}

func (o *distOpts) asked() bool { return o.on }

// run prints the distributions of the KPIs ids, or of every KPI that has
// one; a KPI asked for by --kpi that has none is an error naming it.
func (o *distOpts) run(ctx context.Context, w io.Writer, ws *workspace.Workspace, s kpi.Slice, ids []string, ro reportOpts) error {
	eng := ws.Engine
	asked := ids != nil
	if !asked {
		for _, d := range eng.Defs() {
			if _, err := d.DistributionKind(); err == nil && eng.Problems()[d.ID] == nil {
				ids = append(ids, d.ID)
			}
		}
		if len(ids) == 0 {
			return fmt.Errorf("--distribution: no KPI here is a mean or quantile of a number per row, or a share of answers on a score scale")
		}
	}
	dim := s.Segment
	var xs []*kpi.Distribution
	for _, id := range ids {
		x, err := eng.Distribution(ctx, s, id, dim)
		if err != nil {
			if errors.Is(err, kpi.ErrNoDistribution) {
				return fmt.Errorf("--distribution: %w; try --kpi resolution_time, csat or nps", err)
			}
			return err
		}
		xs = append(xs, x)
	}
	label := eng.Describe()
	switch ro.format {
	case "csv":
		return report.DistCSV(w, xs)
	case "json":
		return report.DistJSON(w, xs, label)
	case "markdown", "md":
		return report.DistMarkdown(w, xs, label)
	}
	return report.DistPlain(w, xs, label)
}

func (o *distOpts) flag() string { return "--distribution" }

// onWarehouse: the distribution's query is rendered for ClickHouse too
// (issue 16).
func (o *distOpts) onWarehouse() bool { return true }
