package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// distOpts is report --distribution (placeholder until the view is built).
type distOpts struct{ on bool }

func distLook(c *cobra.Command) look {
	o := &distOpts{}
	c.Flags().BoolVar(&o.on, "distribution", false, "print the distribution behind each KPI: a histogram of the hours, or the score mix")
	return o
}

func (o *distOpts) asked() bool { return o.on }

func (o *distOpts) run(ctx context.Context, w io.Writer, ws *workspace.Workspace, s kpi.Slice, ids []string, ro reportOpts) error {
	return fmt.Errorf("--distribution is not built yet")
}
