package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// recordsOpts is report --records (placeholder until the view is built).
type recordsOpts struct{ on bool }

func recordsLook(c *cobra.Command) look {
	o := &recordsOpts{}
	c.Flags().BoolVar(&o.on, "records", false, "print the rows behind the number: the records the KPI counts in the slice")
	return o
}

func (o *recordsOpts) asked() bool { return o.on }

func (o *recordsOpts) run(ctx context.Context, w io.Writer, ws *workspace.Workspace, s kpi.Slice, ids []string, ro reportOpts) error {
	return fmt.Errorf("--records is not built yet")
}
