package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
	"kpiscope/internal/workspace"
)

// recordsOpts is report --records: the rows behind a KPI's number, the
// records its n counts in the slice.
type recordsOpts struct {
	c      *cobra.Command // for its stderr: a CSV's note goes beside it
	on     bool
	sort   string
	search string
}

// recordsDefault is how many rows --records prints without --limit.
const recordsDefault = 50

func recordsLook(c *cobra.Command) look {
	o := &recordsOpts{c: c}
	c.Flags().BoolVar(&o.on, "records", false, "print the rows behind the number: the records the KPI (--kpi ID) counts in the slice, the columns it reads first (--limit N rows, default 50, or all)")
	c.Flags().StringVar(&o.sort, "sort", "", "with --records: sort the rows by `COL[:desc]` (default: the KPI's time column), or --sort file for the table's own order, as its files hold the rows (a column named file: --sort file:asc)")
	c.Flags().StringVar(&o.search, "search", "", "with --records: only rows with `TEXT` in any column, in any case")
	return o
}

func (o *recordsOpts) asked() bool { return o.on }

// run prints the rows of one KPI: --kpi's, or the first of the scorecard.
func (o *recordsOpts) run(ctx context.Context, w io.Writer, ws *workspace.Workspace, s kpi.Slice, ids []string, ro reportOpts) error {
	eng := ws.Engine
	if s.Segment != "" {
		return fmt.Errorf("--records prints one slice's rows: narrow it with --filter %s=VALUE rather than --by %s", s.Segment, s.Segment)
	}
	switch {
	case len(ids) > 1:
		return fmt.Errorf("--records prints one KPI's rows at a time: give one --kpi ID (asked: %s)", strings.Join(ids, ", "))
	case len(ids) == 0:
		for _, d := range eng.Defs() {
			if eng.Problems()[d.ID] == nil {
				ids = []string{d.ID}
				break
			}
		}
		if len(ids) == 0 {
			return fmt.Errorf("--records: no KPI here can be computed")
		}
	}
	ask := kpi.RecordsAsk{Limit: recordsDefault, Search: o.search}
	switch l := strings.ToLower(strings.TrimSpace(ro.limit)); l {
	case "":
	case "all":
		ask.Limit = -1
	default:
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return fmt.Errorf("--limit %q: with --records, a number of rows (e.g. --limit 200) or --limit all", ro.limit)
		}
		ask.Limit = n
	}
	switch {
	case strings.EqualFold(strings.TrimSpace(o.sort), "file"):
		// The explorer's rows lens opens in file order: its $ copies this.
		ask.FileOrder = true
	case o.sort != "":
		col, dir, _ := strings.Cut(o.sort, ":")
		ask.Sort = strings.TrimSpace(col)
		switch strings.ToLower(strings.TrimSpace(dir)) {
		case "", "asc":
		case "desc":
			ask.Desc = true
		default:
			return fmt.Errorf("--sort %q: use COL, COL:desc or file (the table's own order), e.g. --sort resolved_at:desc", o.sort)
		}
	}
	r, err := eng.Records(ctx, ids[0], s, ask)
	if errors.Is(err, kpi.ErrNoRecords) {
		return fmt.Errorf("--records: %w", err)
	}
	if err != nil {
		return err
	}
	if err := report.Records(w, r, ro.format, eng.Describe()); err != nil {
		return err
	}
	if ro.format == "csv" && r.Match > int64(r.Offset+len(r.Rows)) {
		// The CSV stays rows only: the note goes beside it.
		fmt.Fprintf(o.c.ErrOrStderr(), "kpiscope: %s of %s rows written; --limit N for more, --limit all for every one\n",
			cmdline.Thousands(len(r.Rows)), cmdline.Thousands(r.Match))
	}
	return nil
}

func (o *recordsOpts) flag() string { return "--records" }

// onWarehouse: the rows are read there, a page at a time (kpi's
// records_clickhouse.go); --sort file sorts by the first column there.
func (o *recordsOpts) onWarehouse() bool { return true }
