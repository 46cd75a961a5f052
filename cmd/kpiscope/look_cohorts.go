package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
	"kpiscope/internal/workspace"
)

// cohortsOpts is report --cohorts: the cohort matrix (kpi.Engine.Cohorts),
// retention by signup cohort or repeat purchases by first-order cohort.
type cohortsOpts struct {
	on    bool
	kind  string
	grain string
	count int
	cmd   *cobra.Command
}

func cohortsLook(c *cobra.Command) look {
	o := &cohortsOpts{cmd: c}
	c.Flags().BoolVar(&o.on, "cohorts", false, "print the cohort retention matrix: signup cohort × months since signup, % still active")
	c.Flags().StringVar(&o.kind, "cohort-kind", "retention", "with --cohorts, the matrix `KIND`: retention (signup cohorts, % still active) or orders (first-order cohorts, % who ordered in each month since)")
	c.Flags().StringVar(&o.grain, "cohort-grain", "month", "with --cohorts, cohorts by `GRAIN`: month or quarter")
	c.Flags().IntVar(&o.count, "cohort-count", 12, "with --cohorts, the latest `N` cohorts")
	return o
}

// asked is --cohorts, or any of its own flags.
func (o *cohortsOpts) asked() bool {
	f := o.cmd.Flags()
	return o.on || f.Changed("cohort-kind") || f.Changed("cohort-grain") || f.Changed("cohort-count")
}

func (o *cohortsOpts) run(ctx context.Context, w io.Writer, ws *workspace.Workspace, s kpi.Slice, ids []string, ro reportOpts) error {
	kind, err := kpi.ParseCohortKind(o.kind)
	if err != nil {
		return fmt.Errorf("--cohort-kind: %w", err)
	}
	g, err := kpi.ParseGrain(o.grain)
	flag := "--cohort-grain"
	if f := o.cmd.Flags(); !f.Changed("cohort-grain") && f.Changed("grain") { // --grain quarter means quarterly cohorts too
		g, err, flag = s.Grain, nil, "--grain"
	}
	if err != nil || (g != kpi.Month && g != kpi.Quarter) {
		return fmt.Errorf("%s %q: cohorts are by month or quarter", flag, o.cmd.Flags().Lookup(flag[2:]).Value.String())
	}
	switch {
	case o.count < 1 || o.count > 120:
		return fmt.Errorf("--cohort-count %d: give 1 to 120 cohorts", o.count)
	case s.Segment != "":
		return fmt.Errorf("--cohorts is one matrix of every customer: give it without --by, and --filter %s=VALUE for one segment's", s.Segment)
	case len(ids) > 0:
		return fmt.Errorf("--cohorts reads the customers (or orders) table, not a KPI: give it without --kpi")
	case !s.Window.IsZero():
		if o.cmd.Flags().Changed("since") {
			return fmt.Errorf("--cohorts runs to the data's end, by calendar %ss since signup: give it without --since %s", g, s.Window.Arg())
		}
		return fmt.Errorf("--cohorts runs to the data's end, by calendar %ss since signup: the view's window: %s does not apply; give --cohorts without --view", g, s.Window.Arg())
	case !s.Period.IsZero():
		return fmt.Errorf("--cohorts runs to the data's end: give it without --period")
	}
	m, err := ws.Engine.Cohorts(ctx, kpi.CohortAsk{Kind: kind, Grain: g, Cohorts: o.count, Filters: s.Filters})
	if err != nil {
		return err
	}
	if err := report.Cohorts(w, m, ro.format, ws.Engine.Describe()); err != nil {
		return err
	}
	if ro.format == "csv" {
		// The CSV stays the matrix only: a filter left out goes beside it,
		// as the table and the JSON say it.
		for _, n := range report.CohortsLeftOut(m) {
			fmt.Fprintln(o.cmd.ErrOrStderr(), "kpiscope: "+n)
		}
	}
	return nil
}

func (o *cohortsOpts) flag() string { return "--cohorts" }

// onWarehouse: the cohort matrices' queries are rendered for ClickHouse
// too (issue 16).
func (o *cohortsOpts) onWarehouse() bool { return true }
