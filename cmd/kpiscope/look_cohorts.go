package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// cohortsOpts is report --cohorts (placeholder until the view is built).
type cohortsOpts struct{ on bool }

func cohortsLook(c *cobra.Command) look {
	o := &cohortsOpts{}
	c.Flags().BoolVar(&o.on, "cohorts", false, "print the cohort retention matrix: signup cohort × months since signup")
	return o
}

func (o *cohortsOpts) asked() bool { return o.on }

func (o *cohortsOpts) run(ctx context.Context, w io.Writer, ws *workspace.Workspace, s kpi.Slice, ids []string, ro reportOpts) error {
	return fmt.Errorf("--cohorts is not built yet")
}
