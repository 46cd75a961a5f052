package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
	"kpiscope/internal/quality"
	"kpiscope/internal/report"
)

// checkFailed is returned when a check found errors: exit status 2.
type checkFailed struct{ errors int }

func (e *checkFailed) Error() string {
	return cmdline.Count(e.errors, "data-quality error") + " (see above)"
}

func newCheck() *cobra.Command {
	var df dataFlags
	c := &cobra.Command{
		Use:   "check [SOURCE ...]",
		Short: "Check the data behind each KPI: mappings, scales, durations, dates, duplicates, blanks, gaps",
		Long: `Checks every KPI's column mapping (before any query runs) and the data it reads:
scores outside their scale, negative durations (resolved before created), timestamps in the
future, duplicate ids, a high share of blanks in a column the KPI needs, and months with no
rows. Each finding says how many rows and shows an example.

Errors make a KPI's value wrong: a mapping that cannot run, scores outside the scale, negative
durations that get averaged, duplicate ids. Warnings mean the value is right for the rows it
counts, but fewer rows count than the file holds. Exit status is 2 when there is any error.

Without --config and without a kpiscope.yaml, the KPIs checked are those ` + "`kpiscope init`" + ` would write.`,
		Example: `  kpiscope check
  kpiscope check --config kpiscope.yaml
  kpiscope check calls.csv
  kpiscope check --source clickhouse://analyst@ch1:9000/support --config kpiscope.yaml`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd, args, &df)
		},
	}
	df.register(c)
	df.registerSource(c)
	return c
}

func runCheck(cmd *cobra.Command, args []string, df *dataFlags) error {
	ctx := cmd.Context()
	w := cmd.OutOrStdout()
	// The same loader and KPIs as report and the explorer: on files without
	// a config, those `kpiscope init` writes for them.
	ws, err := df.open(ctx, args)
	if err != nil {
		return err
	}
	defer ws.Close()
	eng := ws.Engine
	if ws.Inferred {
		fmt.Fprintf(w, "No config given: checking the KPIs `kpiscope init` would write for %s.\n", ws.Label)
	}
	warns, err := quality.Check(ctx, eng, time.Now())
	if err != nil {
		return err
	}
	run, err := runErrors(ctx, eng, warns)
	if err != nil {
		return err
	}
	warns = append(warns, run...)
	printWarnings(cmd, eng, warns)
	for _, n := range ws.Notes { // e.g. KPIs left out on a warehouse
		fmt.Fprintf(w, "⚠ %s\n", n)
	}
	nerr := 0
	for _, x := range warns {
		if x.Severity == quality.SeverityError {
			nerr++
		}
	}
	if nerr > 0 {
		return &checkFailed{errors: nerr}
	}
	return nil
}

func printWarnings(cmd *cobra.Command, eng *kpi.Engine, warns []quality.Warning) {
	w := cmd.OutOrStdout()
	by := map[string][]quality.Warning{}
	nerr, nwarn := 0, 0
	for _, x := range warns {
		by[x.KPI] = append(by[x.KPI], x)
		if x.Severity == quality.SeverityError {
			nerr++
		} else {
			nwarn++
		}
	}
	defs := eng.Defs()
	fmt.Fprintf(w, "%s · %s checked · %s, %s\n\n", eng.Describe(), cmdline.Count(len(defs), "KPI"), cmdline.Count(nerr, "error"), cmdline.Count(nwarn, "warning"))
	for _, d := range defs {
		ws := by[d.ID]
		mark := "ok     "
		if len(ws) > 0 {
			mark = string(ws[0].Severity)
			for _, x := range ws {
				if x.Severity == quality.SeverityError {
					mark = "error"
				}
			}
		}
		if len(ws) > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%-7s %s (%s)\n", mark, d.ID, d.Label())
		for _, x := range ws {
			fmt.Fprintf(w, "  %-7s %-17s %s\n", x.Severity, x.Kind, x.Message)
			if x.Example != "" {
				fmt.Fprintf(w, "  %-7s %-17s e.g. %s\n", "", "", x.Example)
			}
			if x.Fix != "" {
				fmt.Fprintf(w, "  %-7s %-17s fix: %s\n", "", "", x.Fix)
			}
		}
	}
}

// runErrors computes every KPI over all its rows, as report would, and
// turns each that fails on the data (a custom expression casting text found
// deep in a column) into a definition error: the checks read columns, not
// the KPI's own expression. KPIs already in error are left out.
func runErrors(ctx context.Context, eng *kpi.Engine, warns []quality.Warning) ([]quality.Warning, error) {
	known := map[string]bool{}
	for _, w := range warns {
		if w.Severity == quality.SeverityError {
			known[w.KPI] = true
		}
	}
	sc, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.All}, nil, kpi.WithoutExtras())
	if err != nil {
		return nil, err
	}
	var out []quality.Warning
	for _, r := range sc.Results {
		if r.Err == nil || known[r.Def.ID] || eng.Problems()[r.Def.ID] != nil || errors.Is(r.Err, kpi.ErrNotSliceable) {
			continue
		}
		out = append(out, quality.Warning{KPI: r.Def.ID, Table: r.Def.Source, Kind: quality.KindDefinition,
			Severity: quality.SeverityError, Message: "fails when computed: " + report.OneLine(r.Err)})
	}
	return out, nil
}
