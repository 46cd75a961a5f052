package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"kpiscope/internal/kpi"
	"kpiscope/internal/quality"
	"kpiscope/internal/report"
	"kpiscope/internal/sample"
	"kpiscope/internal/workspace"
	"kpiscope/tui/printer"
)

// failOnError is returned when --fail-on matched: exit 1, not 2.
type failOnError struct{ status kpi.Status }

func (e *failOnError) Error() string {
	return fmt.Sprintf("a KPI is %s (--fail-on)", e.status.Word())
}

// dataFlags are shared by every command that opens data.
type dataFlags struct {
	config string
	db     string
	screen bool // the explorer draws on the terminal: no debug log on stderr
	// later: the program stays open (the explorer, serve), so a large
	// ticket table's business hours are computed after it opens
	// (workspace.Options.Later).
	later bool
	// source is a ClickHouse warehouse's URL (report's --source): the KPIs
	// are computed there instead of on files.
	source string
}

func (f *dataFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.config, "config", "", "read KPI definitions from `FILE` (default: ./kpiscope.yaml if present)")
	c.Flags().StringVar(&f.db, "db", "", "keep loaded tables in `FILE`, a DuckDB database, so the next start is instant")
}

// registerSource adds --source (report, the explorer, serve).
func (f *dataFlags) registerSource(c *cobra.Command) {
	c.Flags().StringVar(&f.source, "source", "", "compute the KPIs on the ClickHouse database at `URL` (clickhouse://USER:PASSWORD@HOST:9000/DATABASE) instead of files; see README, \"Past one machine\"")
}

func (f *dataFlags) open(ctx context.Context, sources []string) (*workspace.Workspace, error) {
	for _, a := range sources {
		if kpi.IsWarehouseURL(a) {
			shown := kpi.RedactWarehouseURL(a)
			return nil, fmt.Errorf("%s is a warehouse, not a file: give it as kpiscope report --source %s (the explorer and serve take --source too)", shown, shown)
		}
	}
	if f.source != "" && f.db != "" {
		return nil, fmt.Errorf("--source %s computes on the warehouse: leave out --db %s", f.source, f.db)
	}
	opt := workspace.Options{ConfigPath: f.config, Sources: sources, DBPath: f.db, Log: debugLog(f.screen), Warehouse: f.source, Later: f.later}
	if isTerminal(os.Stderr) { // progress.go: a status line while the data opens
		st := newOpenStatus(os.Stderr)
		defer st.end()
		opt.Progress = st.progress
	}
	return workspace.Open(ctx, opt)
}

// sliceFlags select the numbers.
type sliceFlags struct {
	by      string
	grain   string
	period  string
	filters []string
	since   string
	compare string
}

func (f *sliceFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.by, "by", "", "break each KPI down by the dimension `DIM`")
	c.Flags().StringVar(&f.grain, "grain", "", "period size `GRAIN`: day, week, month, quarter, year (default month, or the --period's)")
	c.Flags().StringVar(&f.period, "period", "", "the `PERIOD` to report: 2026-09, 2026-Q3, 2026-W37, 2026-09-14, 2026 or all (default: the latest with data)")
	c.Flags().StringArrayVar(&f.filters, "filter", nil, "keep rows where `DIM=VALUE`; also V1,V2 (any of them), DIM!=V1,V2 (none of them), DIM>=N, DIM>N, DIM<=N, DIM<N (numbers); repeatable, all must hold")
	c.Flags().StringVar(&f.since, "since", "", "report the date window `WINDOW` instead of a calendar period: 30d, 12w, 6m, \"last 12 weeks\", ending with the data's last day and compared with the window before; or qtd, mtd, wtd, ytd, \"this quarter to date\"")
	c.Flags().StringVar(&f.compare, "compare", "previous", "deltas against `BASE`: target, previous or year")
}

func (f *sliceFlags) slice(ctx context.Context, eng *kpi.Engine) (kpi.Slice, error) {
	s := kpi.Slice{Segment: f.by}
	var err error
	if s.Period, s.Grain, err = kpi.FlagsSlice(f.period, f.grain); err != nil {
		return s, err
	}
	if f.since != "" {
		if s.Window, err = kpi.ParseWindow(f.since); err != nil {
			return s, fmt.Errorf("--since: %w", err)
		}
		switch {
		case f.grain != "":
			return s, fmt.Errorf("--since %s sets the period's size: leave out --grain %s", f.since, f.grain)
		case f.period == "all":
			return s, fmt.Errorf("--since %s is a window of time: leave out --period all", f.since)
		case f.period != "" && s.Window.ToDate:
			return s, fmt.Errorf("--since %s always ends with the data's last day: leave out --period %s (or use --since %d%s for windows you can step back through)", f.since, f.period, 1, string(string(s.Window.Unit)[0]))
		case f.period != "" && s.Grain != kpi.Day:
			return s, fmt.Errorf("--since %s with --period %s: give the period as a day (e.g. --period 2026-09-15): the report is the %s window holding it", f.since, f.period, s.Window.Arg())
		}
	}
	compare := f.compare
	if compare == "" { // the root command has no slicing flags
		compare = string(kpi.VsPrevious)
	}
	c, err := kpi.ParseCompare(compare)
	if err != nil {
		return s, err
	}
	s.Compare = c
	if err := eng.CheckPeriod(s); err != nil {
		return s, fmt.Errorf("--period: %w", err)
	}
	for _, raw := range f.filters {
		fl, err := kpi.ParseFilter(raw)
		if err != nil {
			return s, err
		}
		s = s.WithFilter(fl)
	}
	for _, fl := range s.Filters {
		if err := eng.CheckFilter(fl); err != nil {
			return s, fmt.Errorf("--%w", err)
		}
		if err := eng.CheckFilterValues(ctx, fl); err != nil {
			return s, fmt.Errorf("--%w", err)
		}
	}
	if s.Segment != "" {
		if err := eng.CheckDimension(s.Segment); err != nil {
			return s, fmt.Errorf("--by: %w", err)
		}
	}
	return s, nil
}

func newRoot() *cobra.Command {
	var df dataFlags
	var sf sliceFlags
	root := &cobra.Command{
		Use:   "kpiscope [SOURCE ...]",
		Short: "Explore customer KPIs in CSV and Parquet files",
		Long: `kpiscope loads CSV or Parquet files into embedded DuckDB and shows customer KPIs
(CSAT, NPS, CES, retention, churn, resolution and response times, FCR, CLV, CAC …)
against targets, by segment and period. With no arguments it opens on built-in sample data.

A SOURCE is a CSV or Parquet file, a glob, or a directory, optionally named: tickets=exports/t_*.parquet`,
		Example: `  kpiscope                                  # the sample data
  kpiscope report --by channel --grain quarter
  kpiscope report data/telco.csv --config kpiscope.yaml --format json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := misspeltCommand(cmd, args); err != nil {
				return err
			}
			if !isTerminal(cmd.OutOrStdout()) || !isTerminal(os.Stdin) {
				// Piped: the scorecard, as `kpiscope report` prints it.
				return runReport(cmd, args, &df, &sf, reportOpts{format: "table", checks: "auto"})
			}
			df.screen, df.later = true, true
			ws, err := df.open(cmd.Context(), args)
			if err != nil {
				return err
			}
			defer ws.Close()
			return runExplorer(cmd, ws)
		},
	}
	// Every flag and subcommand of the tree, here in one place.
	df.register(root)
	df.registerSource(root)
	addExploreFlags(root)    // explore.go: --watch, --query-timeout
	addMemoryLimitFlag(root) // memory.go: --memory-limit
	root.AddCommand(newReport(), newSample(), newCheck(), newInit(), newServe())
	addHelp(root) // help.go: --by DIM placeholders in fang's help
	return root
}

// misspeltCommand says `unknown command "reprot"; did you mean "report"?`
// when the root's first argument names no file but is close to a
// subcommand's name: within edit distance 2 or a prefix of it (cobra's
// SuggestionsFor). An argument that exists, matches files as a glob, or
// names a source (tickets=…) stays a source.
func misspeltCommand(root *cobra.Command, args []string) error {
	if len(args) == 0 || strings.ContainsAny(args[0], `=/\`) || args[0] == "" {
		return nil
	}
	a := args[0]
	if _, err := os.Stat(a); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if m, _ := filepath.Glob(a); len(m) > 0 {
		return nil
	}
	root.SuggestionsMinimumDistance = 2
	names := root.SuggestionsFor(a)
	if len(names) == 0 {
		return nil
	}
	for i, n := range names {
		names[i] = strconv.Quote(n)
	}
	alts := names[0]
	if len(names) > 1 {
		alts = strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	}
	return fmt.Errorf("unknown command %q; did you mean %s?", a, alts)
}

type reportOpts struct {
	format string
	failOn string
	kpis   []string
	checks string
	limit  string // segments per breakdown: N or all (report.ParseLimit)
	// explain splits each KPI's change by segment (--by) or lists the top
	// movers across every dimension (explain.go)
	explain bool
	// looks are the closer looks (--grid, --cohorts, --distribution,
	// --series, --records): one asked for prints instead of the scorecard.
	looks []look
}

// look is a closer look's headless form in report (issue 13: the grid,
// cohorts, distribution, series and records views, one file each).
type look interface {
	// asked reports whether its flag was given.
	asked() bool
	// run prints it for the slice s and the KPIs ids (nil: the look's
	// default) in ro.format.
	run(ctx context.Context, w io.Writer, ws *workspace.Workspace, s kpi.Slice, ids []string, ro reportOpts) error
	// flag is its report flag ("--grid").
	flag() string
	// onWarehouse reports whether it runs on a warehouse (--source, issue
	// 16); report refuses it there otherwise, naming flag.
	onWarehouse() bool
}

// looks registers each closer look's flags on report.
var looks = []func(c *cobra.Command) look{gridLook, cohortsLook, distLook, seriesLook, recordsLook}

// viewFlags are report's flags that only mean something in one closer
// look's view, and what they do there: given without the view, report
// stops with one line naming it rather than print the scorecard as if they
// were not given. (The cohort flags need no entry: any of them alone asks
// for --cohorts.)
var viewFlags = []struct{ flag, view, does string }{
	{"sort", "records", "orders the rows of"},
	{"search", "records", "picks the rows of"},
	{"periods", "grid", "sets how many periods are the columns of"},
	{"columns", "grid", "lays a dimension out as the columns of"},
}

// checkViewFlags says which view a flag given without it needs: "--sort
// orders the rows of --records: add --records"; beside another view,
// "--sort orders the rows of --records, not of --grid".
func checkViewFlags(cmd *cobra.Command) error {
	f := cmd.Flags()
	on := func(view string) bool {
		b, _ := f.GetBool(view)
		return b || view == "cohorts" && (f.Changed("cohort-kind") || f.Changed("cohort-grain") || f.Changed("cohort-count"))
	}
	for _, v := range viewFlags {
		if !f.Changed(v.flag) || on(v.view) {
			continue
		}
		for _, other := range []string{"grid", "cohorts", "distribution", "series", "records"} {
			if on(other) {
				return fmt.Errorf("--%s %s --%s, not of --%s", v.flag, v.does, v.view, other)
			}
		}
		return fmt.Errorf("--%s %s --%s: add --%s", v.flag, v.does, v.view, v.view)
	}
	return nil
}

// checkBudget is the data size up to which report runs the data-quality
// checks by default; beyond it they take seconds (`kpiscope check` runs them).
const checkBudget = 2_000_000

func newReport() *cobra.Command {
	var df dataFlags
	var sf sliceFlags
	var ro reportOpts
	c := &cobra.Command{
		Use:   "report [SOURCE ...]",
		Short: "Print the KPI scorecard for a period",
		Long: `Prints each KPI's value, target, status (● on target, ◐ near, ○ off), delta against the
comparison period and sample size n. A KPI that cannot be computed shows "error" and why; the
others are still printed. Exit status: 0 whatever the statuses unless --fail-on is given; 1 when
--fail-on matched; 2 when a KPI could not be computed (after printing the others) or the input is bad.`,
		Example: `  kpiscope report
  kpiscope report --by segment --format json
  kpiscope report --period 2026-Q3 --filter region=EMEA --compare year
  kpiscope report --fail-on red      # exit 1 when any KPI is off target
  kpiscope report --explain --by channel --kpi csat   # why CSAT moved, by channel`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd, args, &df, &sf, ro)
		},
	}
	df.register(c)
	df.registerSource(c)
	sf.register(c)
	addViewFlag(c) // views.go: --view
	c.Flags().StringVarP(&ro.format, "format", "f", "table", "output `FORMAT`: table, csv, json or markdown")
	c.Flags().StringVar(&ro.failOn, "fail-on", "", "exit 1 when any KPI row is at `STATUS` or worse: red, or amber (red and amber); an uncertain row (its 95% interval reaches the target) never fails")
	c.Flags().StringSliceVar(&ro.kpis, "kpi", nil, "only the KPIs with these `IDS` (comma-separated)")
	c.Flags().StringVar(&ro.limit, "limit", "", "segments per breakdown, `N|all`: the N largest, or every one (default 50)")
	c.Flags().BoolVar(&ro.explain, "explain", false, "why each KPI moved: its change split into mix and rate by the segments of --by, or without --by the top movers across every dimension (--limit N of them, default 5)")
	for _, reg := range looks {
		ro.looks = append(ro.looks, reg(c))
	}
	c.Flags().StringVar(&ro.checks, "checks", "auto", "print data-quality warnings under the table `WHEN`: auto (up to 2M rows), on or off")
	return c
}

func runReport(cmd *cobra.Command, args []string, df *dataFlags, sf *sliceFlags, ro reportOpts) error {
	switch ro.format {
	case "table", "csv", "json", "markdown", "md":
	default:
		return fmt.Errorf("--format %q: use table, csv, json or markdown", ro.format)
	}
	switch ro.failOn {
	case "", "red", "amber":
	default:
		return fmt.Errorf("--fail-on %q: use red or amber", ro.failOn)
	}
	switch ro.checks {
	case "", "auto", "on", "off":
	default:
		return fmt.Errorf("--checks %q: use auto, on or off", ro.checks)
	}
	if err := checkViewFlags(cmd); err != nil {
		return err
	}
	ctx := cmd.Context()
	ws, err := df.open(ctx, args)
	if err != nil {
		return err
	}
	defer ws.Close()
	if err := applyView(cmd, ws, sf, &ro); err != nil { // views.go: --view
		return err
	}
	if probs := ws.Engine.Problems(); len(probs) > 0 {
		// A definition that cannot run is bad input: say which and stop.
		for _, d := range ws.Engine.Defs() {
			if err := probs[d.ID]; err != nil {
				return err
			}
		}
		for _, err := range probs {
			return err
		}
	}
	s, err := sf.slice(cmd.Context(), ws.Engine)
	if err != nil {
		return err
	}
	if s.MaxSegments, err = report.ParseLimit(ro.limit); err != nil {
		return err
	}
	if ro.explain && s.Segment != "" {
		s.MaxSegments = kpi.AllSegments // every segment split; writeExplain caps the rows by contribution
	}
	var ids []string
	for _, id := range ro.kpis {
		if ws.Engine.Def(id) == nil {
			var all []string
			for _, d := range ws.Engine.Defs() {
				all = append(all, d.ID)
			}
			return fmt.Errorf("--kpi %q: unknown KPI (known: %s)", id, strings.Join(all, ", "))
		}
		ids = append(ids, id)
	}
	var asked []look
	for _, l := range ro.looks {
		if l.asked() {
			asked = append(asked, l)
		}
	}
	switch {
	case len(asked) > 1:
		return fmt.Errorf("--grid, --cohorts, --distribution, --series and --records each print their own view: give one at a time")
	case len(asked) == 1 && ro.explain:
		return fmt.Errorf("--explain prints the scorecard's changes split by segment: give it without --grid, --cohorts, --distribution, --series or --records")
	case len(asked) == 1 && ws.Warehouse != nil && !asked[0].onWarehouse():
		return fmt.Errorf("%s does not run on a warehouse yet (--source): the scorecard, --by and --explain do", asked[0].flag())
	case len(asked) == 1:
		return asked[0].run(ctx, cmd.OutOrStdout(), ws, s, ids, ro)
	}
	var opts []kpi.Option
	if !report.ShowsExtras(ro.format) || ro.explain {
		opts = append(opts, kpi.WithoutExtras())
	}
	s.Trend = report.Trend(ro.format, s, ws.Engine.Resolve(s).Grain) // what the format shows
	sc, err := ws.Engine.Compute(ctx, s, ids, opts...)
	if err != nil {
		return err
	}
	notes := append([]string(nil), ws.Notes...)
	switch {
	case ro.checks == "off":
	case ro.checks == "on" || ws.Engine.Rows() <= checkBudget:
		found, err := quality.Check(ctx, ws.Engine, time.Now())
		if err != nil {
			return err
		}
		for _, f := range found {
			if ids == nil || slices.Contains(ids, f.KPI) {
				notes = append(notes, f.String())
			}
		}
	default:
		notes = append(notes, fmt.Sprintf("data-quality checks skipped on %s rows (--checks on, or `kpiscope check`)", kpi.FormatFloat(float64(ws.Engine.Rows()), 0)))
	}
	w := cmd.OutOrStdout()
	label := ws.Engine.Describe()
	if ro.explain {
		err = writeExplain(ctx, w, ws.Engine, sc, ro, label, ws.Label, notes)
	} else {
		err = writeReport(w, sc, ro.format, label, ws.Label, notes, ws.Engine.Annotations())
	}
	if err != nil {
		return err
	}
	// A KPI that failed on the data (text in a numeric column found late)
	// is bad input, but the others are printed first; one that a filter
	// does not apply to is a footnote (report.Failed leaves it out).
	if err := report.Failed(sc); err != nil {
		return err
	}
	switch worst := report.Worst(sc); {
	case ro.failOn == "red" && worst == kpi.Red, ro.failOn == "amber" && (worst == kpi.Red || worst == kpi.Amber):
		return &failOnError{status: worst}
	}
	return nil
}

// writeReport prints the scorecard in a --format.
func writeReport(w io.Writer, sc *kpi.Scorecard, format, label, wsLabel string, notes []string, ann []kpi.Annotation) error {
	var err error
	switch format {
	case "csv":
		err = report.CSV(w, sc)
	case "json":
		err = report.JSON(w, sc, wsLabel, notes, ann...)
	case "markdown", "md":
		err = report.Markdown(w, sc, wsLabel, ann...)
		if err == nil && len(notes) > 0 {
			fmt.Fprintln(w)
			for _, n := range notes {
				fmt.Fprintf(w, "- ⚠ %s\n", n)
			}
		}
	default:
		if isTerminal(w) {
			err = printer.Print(w, sc, label, ann...)
		} else {
			err = report.Plain(w, sc, label, ann...)
		}
		for _, n := range notes {
			fmt.Fprintln(w, "⚠ "+n)
		}
	}
	return err
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

func newSample() *cobra.Command {
	opt := sample.DefaultOptions()
	var out string
	var end string
	c := &cobra.Command{
		Use:   "sample --out DIR",
		Short: "Write the sample customer dataset as Parquet files",
		Long: `Writes customers, orders, tickets, surveys and spend as Parquet files in DIR, deterministically
for the same options. Use --tickets to make a large tickets table for benchmarks.`,
		Example: `  kpiscope sample --out /tmp/kpis
  kpiscope sample --out /tmp/kpis10m --tickets 10000000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out is required: the directory to write the Parquet files to")
			}
			if end != "" {
				t, err := time.Parse("2006-01", end)
				if err != nil {
					return fmt.Errorf("--end %q: use YYYY-MM", end)
				}
				opt.End = t
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			began := time.Now()
			sum, err := sample.Write(cmd.Context(), out, opt)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s in %s (%.1f MB):", out, time.Since(began).Round(time.Millisecond), float64(sum.Bytes)/1e6)
			for _, t := range []string{"customers", "orders", "tickets", "surveys", "spend"} {
				fmt.Fprintf(cmd.OutOrStdout(), " %s %d", t, sum.Tables[t])
			}
			fmt.Fprintln(cmd.OutOrStdout())
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "write to the directory `DIR` (created if missing)")
	c.Flags().IntVar(&opt.Customers, "customers", opt.Customers, "make `N` customers")
	c.Flags().IntVar(&opt.Months, "months", opt.Months, "make `N` months of history")
	c.Flags().Int64Var(&opt.Seed, "seed", opt.Seed, "seed the random numbers with `N`")
	c.Flags().IntVar(&opt.TicketRows, "tickets", 0, "make exactly `N` ticket rows (0: natural volume)")
	c.Flags().StringVar(&end, "end", "", "first month after the data, `YYYY-MM` (default 2026-11)")
	return c
}
