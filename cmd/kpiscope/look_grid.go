package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// gridOpts is report --grid (placeholder until the view is built).
type gridOpts struct{ on bool }

func gridLook(c *cobra.Command) look {
	o := &gridOpts{}
	c.Flags().BoolVar(&o.on, "grid", false, "print the grid of segments (--by) × the latest periods, each cell the KPI's value and status")
	return o
}

func (o *gridOpts) asked() bool { return o.on }

func (o *gridOpts) run(ctx context.Context, w io.Writer, ws *workspace.Workspace, s kpi.Slice, ids []string, ro reportOpts) error {
	return fmt.Errorf("--grid is not built yet")
}
