package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// seriesOpts is report --series (placeholder until the view is built).
type seriesOpts struct{ on bool }

func seriesLook(c *cobra.Command) look {
	o := &seriesOpts{}
	c.Flags().BoolVar(&o.on, "series", false, "print the trend of the top segments of --by side by side")
	return o
}

func (o *seriesOpts) asked() bool { return o.on }

func (o *seriesOpts) run(ctx context.Context, w io.Writer, ws *workspace.Workspace, s kpi.Slice, ids []string, ro reportOpts) error {
	return fmt.Errorf("--series is not built yet")
}
