package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
	"kpiscope/internal/workspace"
)

// seriesOpts is report --series: the trends of --by's top segments side by
// side (kpi.Engine.Series), the explorer's segments-on-one-chart view.
type seriesOpts struct{ on bool }

// defaultSeriesLimit is how many segments --series shows without --limit:
// as many as the explorer's chart has glyphs.
const defaultSeriesLimit = 6

func seriesLook(c *cobra.Command) look {
	o := &seriesOpts{}
	c.Flags().BoolVar(&o.on, "series", false, "print the trends of --by's top segments side by side, rows the periods (--limit N segments, default 6)")
	return o
}

func (o *seriesOpts) asked() bool { return o.on }

func (o *seriesOpts) run(ctx context.Context, w io.Writer, ws *workspace.Workspace, s kpi.Slice, ids []string, ro reportOpts) error {
	eng := ws.Engine
	switch {
	case s.Segment == "":
		return fmt.Errorf("--series draws one line per segment: give --by DIM, e.g. --series --by channel")
	case s.Grain == kpi.All:
		return fmt.Errorf("--series draws trends over periods: give it without --period all or --grain all")
	}
	n, err := seriesLimit(ro.limit)
	if err != nil {
		return err
	}
	if err := eng.CheckPeriod(s); err != nil {
		return err
	}
	x := report.Series{Label: eng.Describe()}
	explicit := len(ids) > 0
	if !explicit {
		for _, d := range eng.Defs() {
			ids = append(ids, d.ID)
		}
	}
	for _, id := range ids {
		set, err := eng.Series(ctx, s, id, s.Segment, 0, n)
		switch {
		case err == nil:
			x.Sets = append(x.Sets, set)
		case ctx.Err() != nil:
			return err
		case !explicit && (errors.Is(err, kpi.ErrNotSliceable) || errors.Is(err, kpi.ErrNoPeriods)):
			x.Skipped = append(x.Skipped, report.SeriesSkip{KPI: id, Name: eng.Def(id).Label(), Why: seriesWhy(eng.Def(id), err)})
		default:
			return fmt.Errorf("--series --by %s: %s", s.Segment, seriesWhy(eng.Def(id), err))
		}
	}
	if len(x.Sets) == 0 {
		why := make([]string, len(x.Skipped))
		for i, sk := range x.Skipped {
			why[i] = sk.Why
		}
		return fmt.Errorf("--series --by %s: no KPI has trends by %s: %s", s.Segment, s.Segment, strings.Join(why, "; "))
	}
	switch ro.format {
	case "csv":
		return report.SeriesCSV(w, x)
	case "json":
		return report.SeriesJSON(w, x)
	case "markdown", "md":
		return report.SeriesMarkdown(w, x)
	}
	return report.SeriesPlain(w, x)
}

// seriesWhy is why a KPI has no series, naming it once: a
// *kpi.NoSeriesError says it whole, any other error is put after the KPI's
// name.
func seriesWhy(d *kpi.Def, err error) string {
	var ns *kpi.NoSeriesError
	if errors.As(err, &ns) {
		return ns.Error()
	}
	return d.Label() + ": " + err.Error()
}

// seriesLimit reads --limit for --series: N segments, all, or the default.
func seriesLimit(s string) (int, error) {
	switch t := strings.ToLower(strings.TrimSpace(s)); t {
	case "":
		return defaultSeriesLimit, nil
	case "all":
		return -1, nil
	default:
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("--limit %q: use a number of segments (e.g. --limit 3) or --limit all", s)
		}
		return n, nil
	}
}

func (o *seriesOpts) flag() string { return "--series" }

// onWarehouse: it runs there, as the scorecard does (through Compute).
func (o *seriesOpts) onWarehouse() bool { return true }
