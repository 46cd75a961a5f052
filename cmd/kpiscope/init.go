package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/config"
	"kpiscope/internal/infer"
	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
	"kpiscope/internal/source"
	"kpiscope/internal/workspace"
)

func newInit() *cobra.Command {
	var print, force bool
	var out, wh string
	c := &cobra.Command{
		Use:   "init [SOURCE ...]",
		Short: "Write a commented kpiscope.yaml inferred from your files",
		Long: `Inspects the files (tables, column types, distinct values, blanks, date ranges) and writes
a commented kpiscope.yaml: the sources, time columns, dimensions, the built-in KPIs the columns
can feed with each column mapping spelled out, custom KPIs where the data clearly supports one
(a churn flag, a resolved flag, a duration, a spare score), and, as comments, the built-ins that
cannot be computed and what each is missing.

With no SOURCE it inspects the CSV and Parquet files in the current directory. It never
overwrites an existing file without --force. Paths in the file are relative to its directory.

With --source clickhouse://USER:PASSWORD@HOST:9000/DATABASE it profiles the database's tables
instead, from a sample of up to 100,000 rows of each (SELECT … LIMIT, read-only; never a full
scan), and writes a warehouse: section (the URL without its password, password_env:, the
tables) in place of sources:; kpiscope report --config FILE then computes on the warehouse.`,
		Example: `  kpiscope init calls.csv                  # writes ./kpiscope.yaml
  kpiscope init exports/ --out exports/kpiscope.yaml
  kpiscope init survey.csv --print > x.yaml && kpiscope report --config x.yaml
  kpiscope init --source clickhouse://analyst:PASSWORD@ch1:9000/support`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if wh == "" && len(args) == 1 && kpi.IsWarehouseURL(args[0]) {
				wh, args = args[0], nil
			}
			if wh != "" {
				if len(args) > 0 {
					return fmt.Errorf("init --source %s profiles the warehouse's tables: leave out the files (%s)", wh, strings.Join(args, ", "))
				}
				return runInitWarehouse(cmd, wh, out, print, force)
			}
			return runInit(cmd, args, out, print, force)
		},
	}
	c.Flags().StringVar(&wh, "source", "", "profile the tables of the ClickHouse database at `URL` (clickhouse://USER:PASSWORD@HOST:9000/DATABASE) instead of files; the config gets a warehouse: section")
	c.Flags().BoolVar(&print, "print", false, "write the config to standard output instead of a file")
	c.Flags().BoolVar(&force, "force", false, "overwrite an existing config file")
	c.Flags().StringVarP(&out, "out", "o", config.FileName, "write the config to `FILE` (source paths are relative to its directory)")
	return c
}

// checkOut checks that init may write out.
func checkOut(out string, print, force bool) error {
	if !print {
		if st, err := os.Stat(out); err == nil && st.IsDir() {
			return fmt.Errorf("%s is a directory; give the config file's name (--out %s)", out, filepath.Join(out, config.FileName))
		} else if err == nil && !force {
			return fmt.Errorf("%s already exists; pass --force to overwrite it, or --print to see what init would write", out)
		}
		if dir := filepath.Dir(out); dir != "" {
			if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("cannot write %s: the directory %s does not exist; create it or choose another --out", out, dir)
			}
		}
	}
	return nil
}

func runInit(cmd *cobra.Command, args []string, out string, print, force bool) error {
	if err := checkOut(out, print, force); err != nil {
		return err
	}
	ctx := cmd.Context()
	if len(args) == 0 {
		args = []string{"."}
	}
	// The loader and the choice of KPIs every command makes: what init
	// writes is what report, check and the explorer use on the same files.
	in, tables, err := workspace.Infer(ctx, workspace.Options{Sources: args, NoConfig: true, Log: debugLog(false)})
	if err != nil {
		return err
	}
	specs := make([]source.Spec, len(args))
	for i, a := range args {
		specs[i] = source.ParseArg(a)
	}
	// Priorities and ticket timestamps: propose business hours and SLA
	// targets, said below as assumptions.
	in.ProposeBusiness(infer.MachineZone())
	text := in.YAML(infer.YAMLOptions{
		Dir:     filepath.Dir(out),
		Paths:   givenPaths(specs, tables),
		Header:  true,
		Command: cmdline.Command("kpiscope init", args...),
	})
	// What init writes must load: a failure here is a bug, not bad input.
	if _, err := config.Parse(out, []byte(text)); err != nil {
		return fmt.Errorf("internal error: the inferred config does not parse: %w", err)
	}
	leftOut(cmd.ErrOrStderr(), in)
	if print {
		widthNotes(cmd.ErrOrStderr(), in)
		if a := in.Business.Assumed(); a != "" {
			fmt.Fprintf(cmd.ErrOrStderr(), "init: assumed %s; edit business_hours: and sla: to yours\n", a)
		}
		_, err := fmt.Fprint(cmd.OutOrStdout(), text)
		return err
	}
	if err := writeNew(out, []byte(text), force); err != nil {
		return err
	}
	initSummary(cmd, out, in)
	return nil
}

// passwordEnv is the variable a written warehouse: section reads the
// password from.
const passwordEnv = "KPISCOPE_CH_PASSWORD"

// runInitWarehouse is init --source clickhouse://…: the warehouse's tables
// profiled from a sample of each, and a config with a warehouse: section.
func runInitWarehouse(cmd *cobra.Command, raw, out string, print, force bool) error {
	if err := checkOut(out, print, force); err != nil {
		return err
	}
	in, prof, err := workspace.InferWarehouse(cmd.Context(), raw, workspace.SampleRows, workspace.Options{Log: debugLog(false)})
	if err != nil {
		return err
	}
	wy := &infer.WarehouseYAML{URL: prof.URL, Rows: prof.Rows, Sample: prof.Sample}
	if prof.HasPassword {
		wy.PasswordEnv = passwordEnv
	}
	text := in.YAML(infer.YAMLOptions{
		Header:    true,
		Command:   cmdline.Command("kpiscope init", "--source", prof.URL),
		Warehouse: wy,
	})
	if _, err := config.Parse(out, []byte(text)); err != nil {
		return fmt.Errorf("internal error: the inferred config does not parse: %w", err)
	}
	leftOut(cmd.ErrOrStderr(), in)
	if print {
		_, err := fmt.Fprint(cmd.OutOrStdout(), text)
		return err
	}
	if err := writeNew(out, []byte(text), force); err != nil {
		return err
	}
	initSummary(cmd, out, in)
	if prof.HasPassword {
		fmt.Fprintf(cmd.OutOrStdout(), "  password:   not written; %s reads it from $%s (export %s=…)\n", out, passwordEnv, passwordEnv)
	}
	return nil
}

// writeNew writes the file, refusing to replace one that appeared meanwhile
// unless force is set.
func writeNew(path string, data []byte, force bool) error {
	flag := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flag = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists; pass --force to overwrite it", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// givenPaths keeps the path a user typed (a file or a glob) for the table it
// became, so the config reads the same files next time.
func givenPaths(specs []source.Spec, tables []source.Table) map[string]string {
	out := map[string]string{}
	for _, sp := range specs {
		if st, err := os.Stat(sp.Path); err == nil && st.IsDir() && sp.Name == "" {
			continue // one table per file: each keeps its own file
		}
		abs, err := filepath.Abs(sp.Path)
		if err != nil {
			continue
		}
		for _, t := range tables {
			if sp.Name != "" && t.Name == sp.Name {
				out[t.Name] = sp.Path
				continue
			}
			for _, f := range t.Files {
				if m, _ := filepath.Match(abs, f); m || f == abs {
					out[t.Name] = sp.Path
				}
			}
		}
	}
	return out
}

func initSummary(cmd *cobra.Command, out string, in *infer.Inference) {
	w := cmd.OutOrStdout()
	var names []string
	for _, t := range in.Tables {
		names = append(names, t.Name)
	}
	var ids []string
	for _, k := range in.KPIs {
		if !k.Hidden {
			ids = append(ids, k.Key())
		}
	}
	fmt.Fprintf(w, "wrote %s: %s on %s\n", out, cmdline.Count(len(ids), "KPI"), cmdline.List(names, 5))
	if len(ids) > 0 {
		fmt.Fprintf(w, "  KPIs:       %s\n", strings.Join(ids, ", "))
	}
	if len(in.Dimensions) > 0 {
		fmt.Fprintf(w, "  dimensions: %s\n", strings.Join(in.Dimensions, ", "))
	}
	widthNotes(w, in)
	if a := in.Business.Assumed(); a != "" {
		fmt.Fprintf(w, "  assumed:    %s; edit business_hours: and sla: in %s\n", a, out)
	}
	if len(in.Missing) > 0 {
		what := "these files"
		if len(in.Tables) > 0 && len(in.Tables[0].Files) == 0 {
			what = "these tables" // a warehouse's (init --source)
		}
		fmt.Fprintf(w, "  %s cannot be computed from %s; the end of the file says what each is missing\n", cmdline.Count(len(in.Missing), "built-in"), what)
	}
	var cfg []string
	if out != config.FileName {
		cfg = []string{"--config", out}
	}
	if len(ids) == 0 {
		// check and report would only say the same.
		fmt.Fprintf(w, "next: no KPI could be inferred; add yours under kpis: in %s (its comments say what each built-in is missing), then run %s\n",
			out, cmdline.Command("kpiscope check", cfg...))
		return
	}
	fmt.Fprintf(w, "next: %s   (data-quality warnings)\n      %s  (the scorecard)\n",
		cmdline.Command("kpiscope check", cfg...), cmdline.Command("kpiscope report", cfg...))
}

// widthNotes says which tables were too wide to profile every column.
func widthNotes(w io.Writer, in *infer.Inference) {
	for _, t := range in.Tables {
		if note := t.ProfiledNote(); note != "" {
			fmt.Fprintf(w, "  note: %s %s\n", t.Name, note)
		}
	}
}

// leftOut says on stderr which KPIs were named after their tables (their
// ids clash across tables) and which were inferred but left out, and why:
// nothing init found is dropped without a word.
func leftOut(w io.Writer, in *infer.Inference) {
	if len(in.Renamed) > 0 {
		var ids []string
		for _, r := range in.Renamed {
			ids = append(ids, r.Value)
		}
		fmt.Fprintf(w, "init: %s named after their tables (the same KPI on several tables): %s\n", cmdline.Count(len(ids), "KPI"), cmdline.List(ids, 8))
	}
	n := len(in.Skipped) + len(in.Dropped)
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "init: %s inferred but left out (listed at the end of the file):\n", cmdline.Count(n, "KPI"))
	for _, s := range in.Skipped {
		fmt.Fprintf(w, "  %s\n", s)
	}
	for _, d := range in.Dropped {
		fmt.Fprintf(w, "  %s on %s: the engine rejects it: %s\n", d.KPI.Key(), d.KPI.Source, report.OneLine(d.Err))
	}
}
