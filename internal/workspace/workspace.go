// Package workspace turns what a user gave (a config file, sources, a --db
// file, or nothing) into a loaded database and a KPI engine. The CLI
// (report, check, and init through Infer), the explorer and the SSH server
// all load files through it, so the same files give the same tables and the
// same KPIs in every command.
package workspace

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/config"
	"kpiscope/internal/infer"
	"kpiscope/internal/kpi"
	"kpiscope/internal/source"
	"kpiscope/internal/store"
	"kpiscope/sampledata"
)

// Options say what to open.
type Options struct {
	ConfigPath string   // explicit --config; "" = kpiscope.yaml in Dir if present
	Dir        string   // where to look for kpiscope.yaml; "" = current directory
	Sources    []string // command-line sources (PATH or NAME=PATH)
	DBPath     string   // --db: persist loaded tables here
	NoConfig   bool     // ignore kpiscope.yaml in Dir
	Now        func() time.Time
	// Log is the engine's debug log (kpi.Options.Log); nil logs nothing.
	Log *slog.Logger
	// Warehouse is a ClickHouse URL (clickhouse://user:pass@host:9000/db)
	// whose tables the KPIs are computed on, in place of files (warehouse.go).
	Warehouse string
	// Later lets a large ticket table's business-time view be made after
	// the workspace opens (later.go): the KPIs of the ticket table wait,
	// the others work at once; Finish makes it. Programs that stay open
	// (the explorer, serve) set it; the one-shot commands need every KPI.
	Later bool
	// Progress, when set, hears what opening is doing, for a status line
	// while nothing else is on screen: a step ("reading tickets.parquet",
	// "business hours of tickets") and how much of it is done (0–1), or -1
	// when that is not known. Called from Open's goroutine, and from
	// another while a long statement runs.
	Progress func(step string, done float64)
}

// step reports a step of opening to opt.Progress.
func (opt Options) step(what string, done float64) {
	if opt.Progress != nil {
		opt.Progress(what, done)
	}
}

// Workspace is loaded data with its engine.
type Workspace struct {
	DB       *store.DB
	Engine   *kpi.Engine
	Tables   []source.Table
	Config   *config.Config // nil when KPIs were inferred
	Sample   bool           // the built-in sample data
	Inferred bool           // KPIs inferred from column names, no config
	Label    string
	Banner   string // a notice for the explorer's header (inferred KPIs)

	// Shrunk lists the tables that came out much smaller than in the data
	// this workspace replaced, and Warnings (per KPI id, as the data checks
	// give them) says so for the KPIs reading them; see Compare.
	Shrunk   []Shrink
	Warnings map[string][]string

	snap       *source.Snapshot // the copies pinned views read; see Pin
	persistent bool             // the database is a --db file

	// Warehouse is the ClickHouse database the engine reads (Options.Warehouse);
	// nil for files. DB then holds only empty copies of its tables.
	Warehouse *kpi.Warehouse
	// Notes say what the workspace left out (the business-time KPIs on a
	// warehouse), for the report's warnings.
	Notes []string

	// later is what Finish still has to make (later.go); nil when nothing.
	later *laterBusiness
	// handed says that Finish handed the database and the snapshot to the
	// workspace replacing this one: closing this one leaves them open.
	handed atomic.Bool
}

// Close releases the database and removes the snapshot of a pinned
// workspace. Closing twice is harmless.
func (w *Workspace) Close() error {
	if w.handed.Load() {
		return nil // its successor's now (Finish)
	}
	w.unpin()
	var err error
	if w.DB != nil {
		err = w.DB.Close()
	}
	if w.Warehouse != nil {
		if werr := w.Warehouse.Close(); err == nil {
			err = werr
		}
	}
	if w.snap != nil {
		if rerr := w.snap.Remove(); err == nil {
			err = rerr
		}
	}
	return err
}

// loadConfig reads the --config file, or kpiscope.yaml in opt.Dir when no
// source is named on the command line; nil when there is none.
func loadConfig(opt Options) (*config.Config, error) {
	cfgPath := opt.ConfigPath
	if cfgPath == "" && !opt.NoConfig {
		dir := opt.Dir
		if dir == "" {
			dir = "."
		}
		if p, ok := config.Find(dir); ok && len(opt.Sources) == 0 {
			cfgPath = p
		}
	}
	if cfgPath == "" {
		return nil, nil
	}
	return config.Load(cfgPath)
}

// Open loads the data and builds the engine.
func Open(ctx context.Context, opt Options) (*Workspace, error) {
	cfg, err := loadConfig(opt)
	if err != nil {
		return nil, err
	}
	if opt.Warehouse != "" || cfg != nil && cfg.Warehouse != nil {
		return openWarehouse(ctx, opt, cfg)
	}
	var specs []source.Spec
	if cfg != nil {
		specs = append(specs, cfg.Sources...)
	}
	for _, a := range opt.Sources {
		specs = append(specs, source.ParseArg(a))
	}
	w := &Workspace{Config: cfg}
	if len(specs) == 0 {
		if cfg != nil && len(cfg.Sources) == 0 {
			return nil, &config.Error{Path: cfg.Path, Msg: "no sources: add a sources: section or give files on the command line"}
		}
		return openSample(ctx, opt)
	}
	var names []string
	for _, sp := range specs {
		name := sp.Name
		if sp.Path != "" {
			name = filepath.Base(sp.Path)
		}
		names = append(names, name)
	}
	opt.step("reading "+cmdline.List(names, 4), -1)
	lap := time.Now()
	took := func(what string) { // how long each part of opening took, in the debug log
		if opt.Log != nil {
			opt.Log.Debug("opening", "step", what, "elapsed", time.Since(lap))
		}
		lap = time.Now()
	}
	db, tables, err := load(ctx, specs, opt.DBPath)
	took("files")
	if err != nil {
		return nil, err
	}
	w.DB, w.Tables, w.persistent = db, tables, opt.DBPath != ""
	var defs []*kpi.Def
	var why string // what the files lack, when they give no KPI
	eopt := kpi.Options{Now: opt.Now, Log: opt.Log}
	if cfg != nil {
		defs, err = cfg.Defs(nil)
		if err != nil {
			db.Close()
			return nil, err
		}
		eopt.Dimensions, eopt.Customers, eopt.CustomerKey = cfg.Dimensions, cfg.Customers, cfg.CustomerKey
		eopt.RecordTime = cfg.SourceTime
		eopt.Annotations = cfg.KPIAnnotations()
		w.Label = cfg.Label
	} else {
		var files []string
		for _, s := range specs {
			files = append(files, filepath.Base(s.Path))
		}
		w.Label = strings.Join(files, ", ")
		w.Inferred = true
		c, err := choose(ctx, db, tables, false)
		if err != nil {
			db.Close()
			return nil, err
		}
		if defs = c.defs; len(defs) == 0 && c.in != nil {
			why = c.in.WhyNone()
		}
		eopt.Dimensions, eopt.Customers, eopt.CustomerKey = c.opt.Dimensions, c.opt.Customers, c.opt.CustomerKey
		eopt.RecordTime = c.opt.RecordTime
		w.Banner = fmt.Sprintf("KPIs inferred from column names, no kpiscope.yaml: save and edit them with `%s`", cmdline.Command("kpiscope init", opt.Sources...))
	}
	if len(defs) == 0 && cfg != nil {
		defer db.Close()
		msg := "defines no KPI: add a kpis: section (`- use: csat` for a built-in, or a KPI of your own)"
		// Only a hint: files on the standard data model give the built-ins
		// (read from the column names alone), and the first rows of others
		// tell what they give as well as all their rows would, in a
		// fraction of the time on millions.
		if standard(tables) {
			msg += "; `kpiscope init --print FILE …` shows what can be inferred from the files"
		} else if in, err := infer.InferSample(ctx, db, tables, hintRows); err == nil && len(in.KPIs) == 0 {
			from := "its files"
			for _, tp := range in.Tables {
				if tp.Sampled {
					from = fmt.Sprintf("the first %s rows of its files", cmdline.Thousands(hintRows))
				}
			}
			msg += "; nothing could be inferred from " + from + ": " + cmp.Or(in.WhyNone(), infer.NothingFits)
		} else {
			msg += "; `kpiscope init --print FILE …` shows what can be inferred from the files"
		}
		return nil, &config.Error{Path: cfg.Path, Msg: msg}
	}
	if len(defs) == 0 {
		db.Close()
		var tn []string
		for _, t := range tables {
			tn = append(tn, t.Name)
		}
		what := fmt.Sprintf("none of its tables (%s) match", cmdline.List(tn, 8))
		if len(tn) == 1 {
			what = fmt.Sprintf("its table (%s) does not match", tn[0])
		}
		if why != "" {
			return nil, fmt.Errorf("no KPI can be computed from %s: %s; write a kpiscope.yaml with KPIs of your own (`%s` writes one to start from)",
				cmdline.List(opt.Sources, 5), why, cmdline.Command("kpiscope init", opt.Sources...))
		}
		return nil, fmt.Errorf("no KPI can be computed from %s: %s the standard data model; write a kpiscope.yaml (run `%s`)",
			cmdline.List(opt.Sources, 5), what, cmdline.Command("kpiscope init", opt.Sources...))
	}
	eopt.Label = w.Label
	withTables(&eopt, tables)
	if cfg != nil { // business.go: the business-time view and its KPIs
		if opt.Later {
			defs, err = w.businessLater(ctx, cfg, defs, &eopt, opt) // later.go
		} else {
			defs, err = withBusiness(ctx, db, cfg, cfg.Business, tables, defs, &eopt, opt.step)
		}
		if err != nil {
			db.Close()
			return nil, err
		}
		took("business hours")
	}
	opt.step("reading the data's time ranges", -1)
	eng, err := kpi.New(ctx, db, defs, eopt)
	if err != nil {
		db.Close()
		return nil, err
	}
	took("engine")
	if err := checkAnnotations(ctx, cfg, eng); err != nil {
		db.Close()
		return nil, err
	}
	if err := cfg.CheckViews(ctx, eng); err != nil { // views.go in config
		db.Close()
		return nil, err
	}
	took("annotations and views")
	w.Engine = eng
	return w, nil
}

// openSample loads the embedded sample dataset into memory.
func openSample(ctx context.Context, opt Options) (*Workspace, error) {
	dir, err := os.MkdirTemp("", "kpiscope-sample-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var specs []source.Spec
	err = fs.WalkDir(sampledata.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return err
		}
		b, err := sampledata.FS.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dir, filepath.Base(p))
		if err := os.WriteFile(out, b, 0o600); err != nil {
			return err
		}
		specs = append(specs, source.Spec{Path: out})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("unpack sample data: %w", err)
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Path < specs[j].Path })
	db, err := store.Open("")
	if err != nil {
		return nil, err
	}
	tables, err := source.Load(ctx, db, specs)
	if err != nil {
		db.Close()
		return nil, err
	}
	// Copy the views into memory: the temporary files go away.
	for i, t := range tables {
		q := store.QuoteIdent(t.Name)
		if err := db.Exec(ctx, fmt.Sprintf("CREATE TABLE %s AS SELECT * FROM %s", store.QuoteIdent("__copy_"+t.Name), q)); err != nil {
			db.Close()
			return nil, err
		}
		if err := db.Exec(ctx, "DROP VIEW "+q); err != nil {
			db.Close()
			return nil, err
		}
		if err := db.Exec(ctx, fmt.Sprintf("ALTER TABLE %s RENAME TO %s", store.QuoteIdent("__copy_"+t.Name), q)); err != nil {
			db.Close()
			return nil, err
		}
		tables[i].View = false
		tables[i].Files = nil
	}
	cfg, err := config.Parse("sampledata/kpiscope.yaml", sampledata.Config)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("built-in sample config: %w", err)
	}
	defs, err := cfg.Defs(nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	eopt := kpi.Options{Label: cfg.Label, Dimensions: cfg.Dimensions, Now: opt.Now, Log: opt.Log,
		Annotations: cfg.KPIAnnotations()}
	// The sample has business hours and SLAs (issue 14): its business-time
	// view and KPIs, as Open makes them for a kpiscope.yaml of one's own.
	withTables(&eopt, tables)
	if defs, err = withBusiness(ctx, db, cfg, cfg.Business, tables, defs, &eopt, opt.step); err != nil {
		db.Close()
		return nil, fmt.Errorf("built-in sample config: %w", err)
	}
	opt.step("reading the data's time ranges", -1)
	eng, err := kpi.New(ctx, db, defs, eopt)
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := checkAnnotations(ctx, cfg, eng); err != nil {
		db.Close()
		return nil, fmt.Errorf("built-in sample config: %w", err)
	}
	if err := cfg.CheckViews(ctx, eng); err != nil {
		db.Close()
		return nil, fmt.Errorf("built-in sample config: %w", err)
	}
	return &Workspace{DB: db, Engine: eng, Tables: tables, Config: cfg, Sample: true, Label: cfg.Label}, nil
}

// checkAnnotations refuses an annotation whose segment names a dimension
// the data does not have, or a value its column never holds: it would
// never be shown.
func checkAnnotations(ctx context.Context, cfg *config.Config, eng *kpi.Engine) error {
	if cfg == nil {
		return nil
	}
	for _, a := range cfg.Annotations {
		if a.Dim == "" {
			continue
		}
		if err := eng.CheckDimension(a.Dim); err != nil {
			return &config.Error{Path: cfg.Path, Line: a.Line, Msg: fmt.Sprintf("annotation %q: segment: %v; name a column of the data", a.Label, err)}
		}
		// DimValues lists up to 1,000 values: a longer list may hold it
		if vals, err := eng.DimValues(ctx, a.Dim); err == nil && len(vals) < 1000 && !slices.Contains(vals, a.Value) {
			msg := fmt.Sprintf("annotation %q: segment: %s never holds %q", a.Label, a.Dim, a.Value)
			if near := kpi.Nearest(a.Value, vals, 3); len(near) > 0 && len(a.Value) > 2 { // one letter is near every short value
				msg += fmt.Sprintf("; did you mean %q?", near[0])
			}
			return &config.Error{Path: cfg.Path, Line: a.Line, Msg: msg + fmt.Sprintf(" (its values: %s; they must match exactly)", cmdline.List(vals, 10))}
		}
	}
	return nil
}

// load is how every command reads files: it checks that each source
// exists before creating anything (a --db file included), opens the
// database (dbPath "" = in memory) and loads the sources, reusing the tables
// a --db file kept when their files have not changed.
func load(ctx context.Context, specs []source.Spec, dbPath string) (*store.DB, []source.Table, error) {
	files := make([]map[string][]string, len(specs))
	for i, sp := range specs {
		f, err := source.Files(sp)
		if err != nil {
			if sp.Origin != "" {
				return nil, nil, fmt.Errorf("%s: %w", sp.Origin, err)
			}
			return nil, nil, err
		}
		files[i] = f
	}
	db, err := store.Open(dbPath)
	if err != nil {
		return nil, nil, err
	}
	tables, err := loadCached(ctx, db, specs, files, dbPath != "")
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, tables, nil
}

// hintRows is how many rows of each table the explanation of a config
// without KPIs profiles (a variable for tests).
var hintRows int64 = 100_000

// choice is the KPIs chosen for files given without a config.
type choice struct {
	defs     []*kpi.Def
	opt      kpi.Options      // dimensions and customers link; nil dimensions: the engine's own
	in       *infer.Inference // nil on the standard model unless profiled
	standard bool             // the files follow the standard data model
}

// choose picks the KPIs for files given without a config, for every command
// alike (the explorer, report, check, serve, and init, which writes them):
// the built-ins bound to the standard tables when the files follow the
// standard data model, read without profiling the data (instant on millions
// of rows); otherwise the KPIs inferred from the columns. profile runs the
// inference on the standard model too (init writes its profile comments).
func choose(ctx context.Context, db *store.DB, tables []source.Table, profile bool) (choice, error) {
	if std := kpi.StandardDefs(columnsOf(tables)); len(std) > 0 {
		c := choice{defs: std, standard: true}
		if profile {
			in, err := infer.Infer(ctx, db, tables)
			if err != nil {
				return choice{}, fmt.Errorf("infer KPIs: %w", err)
			}
			c.in = in
		}
		return c, nil
	}
	in, err := infer.Infer(ctx, db, tables)
	if err != nil {
		return choice{}, fmt.Errorf("infer KPIs: %w", err)
	}
	defs, o, err := in.Defs()
	if err != nil {
		return choice{}, err
	}
	return choice{defs: defs, opt: kpi.Options{Dimensions: o.Dimensions, Customers: o.Customers, CustomerKey: o.CustomerKey, RecordTime: o.RecordTime}, in: in}, nil
}

// columnsOf maps each table's name to its columns.
func columnsOf(tables []source.Table) map[string][]store.Column {
	names := map[string][]store.Column{}
	for _, t := range tables {
		names[t.Name] = t.Columns
	}
	return names
}

// standard says whether the tables follow the standard data model: choose
// gives them the standard built-ins without reading their rows.
func standard(tables []source.Table) bool {
	return len(kpi.StandardDefs(columnsOf(tables))) > 0
}

// withTables confines an engine to the loaded tables and names their files
// for its messages.
func withTables(opt *kpi.Options, tables []source.Table) {
	opt.TableFiles = map[string][]string{}
	opt.Tables = nil
	for _, t := range tables {
		opt.TableFiles[t.Name] = t.Files
		opt.Tables = append(opt.Tables, t.Name)
	}
}

// Infer loads opt.Sources as Open does without a config (no --db) and
// returns what `kpiscope init` writes for them, with the tables read: the
// profile of every table and the KPIs, mappings and dimensions that Open
// chooses for the same files, so that a saved config gives what the files
// gave. On the standard data model those are the standard built-ins and the
// dimensions the engine finds; the other inferred KPIs are left out, as Open
// leaves them out.
func Infer(ctx context.Context, opt Options) (*infer.Inference, []source.Table, error) {
	specs := make([]source.Spec, len(opt.Sources))
	for i, a := range opt.Sources {
		specs[i] = source.ParseArg(a)
	}
	db, tables, err := load(ctx, specs, "")
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	in, err := inferLoaded(ctx, db, tables, opt)
	return in, tables, err
}

// inferLoaded is what init writes for loaded tables (Infer, InferWarehouse).
func inferLoaded(ctx context.Context, db *store.DB, tables []source.Table, opt Options) (*infer.Inference, error) {
	c, err := choose(ctx, db, tables, true)
	if err != nil {
		return nil, err
	}
	if c.standard {
		eopt := kpi.Options{Now: opt.Now, Log: opt.Log}
		withTables(&eopt, tables)
		eng, err := kpi.New(ctx, db, c.defs, eopt)
		if err != nil {
			return nil, err
		}
		var dims []string
		for _, d := range eng.Dimensions() {
			dims = append(dims, d.Name)
		}
		alignStandard(c.in, c.defs, dims)
	}
	return c.in, nil
}

// alignStandard makes an inference over standard tables say what Open
// computes on them: the standard built-ins with their standard mappings (the
// inferred entry where it binds the same columns, for its comments), the
// engine's dimensions and its default customers link.
func alignStandard(in *infer.Inference, std []*kpi.Def, dims []string) {
	inferred := map[string]*infer.KPI{}
	for _, k := range in.KPIs {
		if k.Use != "" && k.ID == "" {
			inferred[k.Use] = k
		}
	}
	chosen := map[string]bool{}
	kpis := make([]*infer.KPI, 0, len(std))
	for _, d := range std {
		chosen[d.ID] = true
		if k := inferred[d.ID]; k != nil && sameBinding(k, d) {
			kpis = append(kpis, k)
			continue
		}
		kpis = append(kpis, standardKPI(d))
	}
	var missing []infer.Missing
	for _, m := range in.Missing {
		if !chosen[m.ID] {
			missing = append(missing, m)
		}
	}
	in.KPIs, in.Missing, in.Dropped = kpis, missing, nil
	in.Dimensions, in.MoreDimensions = dims, nil
	// Without a config the engine links the table named customers by
	// customer_id; a different inferred link would not be Open's.
	if c := in.Customers; c != nil && (c.Source != "customers" || c.Key != "customer_id") {
		in.Customers = nil
	}
}

// sameBinding reports whether an inferred built-in reads what d reads.
func sameBinding(k *infer.KPI, d *kpi.Def) bool {
	if k.Type == kpi.Composite || d.Type == kpi.Composite {
		return k.Type == d.Type
	}
	if k.NoTime || k.Time != "" || k.Source != d.Source || len(k.Columns) != len(d.Roles) {
		return false
	}
	for _, kv := range k.Columns {
		if c, ok := d.Roles[kv.Key]; !ok || c != kv.Value {
			return false
		}
	}
	return true
}

// standardKPI writes a standard built-in as an entry of the kpis: list.
func standardKPI(d *kpi.Def) *infer.KPI {
	k := &infer.KPI{Use: d.ID, Name: d.Label(), Type: d.Type, Hidden: d.Hidden,
		Why: []string{fmt.Sprintf("%s: %s.", d.Label(), d.Description)}}
	if d.Type == kpi.Composite {
		return k
	}
	k.Source = d.Source
	roles := make([]string, 0, len(d.Roles))
	if b, ok := kpi.LookupBuiltin(d.ID); ok {
		roles = append(roles, b.Roles...) // the catalog's order
	} else {
		for r := range d.Roles {
			roles = append(roles, r)
		}
		sort.Strings(roles)
	}
	for _, r := range roles {
		k.Columns = append(k.Columns, infer.KV{Key: r, Value: d.Roles[r]})
	}
	return k
}

// loadCached loads sources, reusing tables kept in a --db file when the
// files they came from have not changed (the same files, each of the same
// size and modification time, and readable). files are each spec's tables
// and their files (source.Files), as Open found them.
func loadCached(ctx context.Context, db *store.DB, specs []source.Spec, files []map[string][]string, persistent bool) ([]source.Table, error) {
	if !persistent {
		return source.Load(ctx, db, specs)
	}
	if err := db.Exec(ctx, "CREATE TABLE IF NOT EXISTS __kpiscope_sources (name VARCHAR, fingerprint VARCHAR)"); err != nil {
		return nil, err
	}
	var out []source.Table
	for i, sp := range specs {
		// A file that cannot be fingerprinted (gone or unreadable since the
		// sources were listed) is read again: the load says what is wrong
		// with it, as it would without --db, and nothing stale is reused.
		fp, fperr := fingerprint(sp, files[i])
		if fperr == nil {
			reused, ok, err := reuse(ctx, db, fp, files[i])
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, reused...)
				continue
			}
		}
		ts, err := source.Load(ctx, db, []source.Spec{sp})
		if err != nil {
			return nil, err
		}
		// A table's old fingerprint must not match again: its file could
		// come back to that size and time with other rows.
		for _, t := range ts {
			if err := db.Exec(ctx, "DELETE FROM __kpiscope_sources WHERE name = ?", t.Name); err != nil {
				return nil, err
			}
		}
		if fperr != nil {
			out = append(out, ts...)
			continue
		}
		if err := db.Exec(ctx, "DELETE FROM __kpiscope_sources WHERE fingerprint = ?", fp); err != nil {
			return nil, err
		}
		for _, t := range ts {
			if err := db.Exec(ctx, "INSERT INTO __kpiscope_sources VALUES (?, ?)", t.Name, fp); err != nil {
				return nil, err
			}
		}
		out = append(out, ts...)
	}
	return out, nil
}

// reuse returns the tables a --db file kept for a source with this
// fingerprint; ok is false when there are none, or one of them is gone or
// unreadable (then the source is loaded again).
func reuse(ctx context.Context, db *store.DB, fp string, files map[string][]string) ([]source.Table, bool, error) {
	rows, err := db.Query(ctx, "SELECT name FROM __kpiscope_sources WHERE fingerprint = ?", fp)
	if err != nil {
		return nil, false, err
	}
	if len(rows.Data) == 0 {
		return nil, false, nil
	}
	var out []source.Table
	for _, r := range rows.Data {
		n := fmt.Sprint(r[0])
		cols, err := db.Columns(ctx, n)
		if err != nil {
			return nil, false, err
		}
		if len(cols) == 0 {
			return nil, false, nil // dropped from the file since
		}
		// Files matter beyond messages: serve locks the engine to them.
		t := source.Table{Name: n, Columns: cols, Files: files[n]}
		// A Parquet view is pointed at its files again: a pinned
		// session that ended without closing left it on its copies.
		if err := source.Unpin(ctx, db, &t); err != nil {
			return nil, false, err
		}
		c, err := db.Query(ctx, "SELECT count(*) FROM "+store.QuoteIdent(n))
		if err != nil || len(c.Data) == 0 {
			return nil, false, nil // a view its files no longer feed: read them again
		}
		t.Rows = store.Int(c.Data[0][0]) // compared by the next reload (Compare)
		out = append(out, t)
	}
	return out, true, nil
}

// fingerprint identifies a source's state: its name, path and options, and
// for each table it makes, each file's path, size and modification time.
// A file that is gone or cannot be opened is an error: its state is unknown.
func fingerprint(sp source.Spec, files map[string][]string) (string, error) {
	abs, err := filepath.Abs(sp.Path)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s", sp.Name, abs, sp.Options())
	tables := make([]string, 0, len(files))
	for t := range files {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	n := 0
	for _, t := range tables {
		fs := append([]string(nil), files[t]...)
		sort.Strings(fs)
		for _, f := range fs {
			st, err := os.Stat(f)
			if err != nil {
				return "", err
			}
			if !st.Mode().IsRegular() { // a FIFO would block the open below
				return "", fmt.Errorf("%s: not a regular file", f)
			}
			r, err := os.Open(f)
			if err != nil {
				return "", err
			}
			r.Close()
			fmt.Fprintf(&b, "|%s=%s:%d:%d", t, f, st.Size(), st.ModTime().UnixNano())
			n++
		}
	}
	if n == 0 {
		return "", fmt.Errorf("%s: no data files", sp.Path)
	}
	return b.String(), nil
}
