// Package workspace turns what a user gave (a config file, sources, a --db
// file, or nothing) into a loaded database and a KPI engine. The CLI, the
// explorer and the SSH server all open data through it.
package workspace

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/config"
	"kpiscope/internal/inspect"
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
}

// Close releases the database and removes the snapshot of a pinned
// workspace. Closing twice is harmless.
func (w *Workspace) Close() error {
	w.unpin()
	err := w.DB.Close()
	if w.snap != nil {
		if rerr := w.snap.Remove(); err == nil {
			err = rerr
		}
	}
	return err
}

// Open loads the data and builds the engine.
func Open(ctx context.Context, opt Options) (*Workspace, error) {
	var cfg *config.Config
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
	if cfgPath != "" {
		c, err := config.Load(cfgPath)
		if err != nil {
			return nil, err
		}
		cfg = c
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
	// Check the sources exist before creating anything (a --db file included).
	for _, sp := range specs {
		if _, err := source.Files(sp); err != nil {
			if sp.Origin != "" {
				return nil, fmt.Errorf("%s: %w", sp.Origin, err)
			}
			return nil, err
		}
	}
	db, err := store.Open(opt.DBPath)
	if err != nil {
		return nil, err
	}
	tables, err := loadCached(ctx, db, specs, opt.DBPath != "")
	if err != nil {
		db.Close()
		return nil, err
	}
	w.DB, w.Tables, w.persistent = db, tables, opt.DBPath != ""
	names := map[string][]store.Column{}
	for _, t := range tables {
		names[t.Name] = t.Columns
	}
	var defs []*kpi.Def
	eopt := kpi.Options{Now: opt.Now}
	if cfg != nil {
		defs, err = cfg.Defs(nil)
		if err != nil {
			db.Close()
			return nil, err
		}
		eopt.Dimensions, eopt.Customers, eopt.CustomerKey = cfg.Dimensions, cfg.Customers, cfg.CustomerKey
		w.Label = cfg.Label
	} else {
		var files []string
		for _, s := range specs {
			files = append(files, filepath.Base(s.Path))
		}
		w.Label = strings.Join(files, ", ")
		w.Inferred = true
		defs = kpi.StandardDefs(names)
		if len(defs) == 0 {
			// Not the standard model: infer KPIs from the columns as init would.
			in, err := inspect.Infer(ctx, db, tables)
			if err == nil {
				if d, o, err := in.Defs(); err == nil && len(d) > 0 {
					defs = d
					eopt.Dimensions, eopt.Customers, eopt.CustomerKey = o.Dimensions, o.Customers, o.CustomerKey
				}
			}
		}
		w.Banner = fmt.Sprintf("KPIs inferred from column names, no kpiscope.yaml: save and edit them with `%s`", cmdline.Command("kpiscope init", opt.Sources...))
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
		return nil, fmt.Errorf("no KPI can be computed from %s: %s the standard data model; write a kpiscope.yaml (run `%s`)",
			cmdline.List(opt.Sources, 5), what, cmdline.Command("kpiscope init", opt.Sources...))
	}
	eopt.Label = w.Label
	eopt.TableFiles = map[string][]string{}
	for _, t := range tables {
		eopt.TableFiles[t.Name] = t.Files
		eopt.Tables = append(eopt.Tables, t.Name)
	}
	eng, err := kpi.New(ctx, db, defs, eopt)
	if err != nil {
		db.Close()
		return nil, err
	}
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
	eng, err := kpi.New(ctx, db, defs, kpi.Options{Label: cfg.Label, Dimensions: cfg.Dimensions, Now: opt.Now})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Workspace{DB: db, Engine: eng, Tables: tables, Config: cfg, Sample: true, Label: cfg.Label}, nil
}

// loadCached loads sources, reusing tables kept in a --db file when the
// files they came from have not changed (same size and modification time).
func loadCached(ctx context.Context, db *store.DB, specs []source.Spec, persistent bool) ([]source.Table, error) {
	if !persistent {
		return source.Load(ctx, db, specs)
	}
	if err := db.Exec(ctx, "CREATE TABLE IF NOT EXISTS __kpiscope_sources (name VARCHAR, fingerprint VARCHAR)"); err != nil {
		return nil, err
	}
	var out []source.Table
	for _, sp := range specs {
		fp, err := fingerprint(sp)
		if err != nil {
			return nil, err
		}
		rows, err := db.Query(ctx, "SELECT name FROM __kpiscope_sources WHERE fingerprint = ?", fp)
		if err == nil && len(rows.Data) > 0 {
			// Reuse every table this spec produced last time.
			var reused []source.Table
			files, ferr := source.Files(sp)
			ok := ferr == nil
			for _, r := range rows.Data {
				n := fmt.Sprint(r[0])
				cols, err := db.Columns(ctx, n)
				if err != nil || len(cols) == 0 || !ok {
					ok = false
					break
				}
				// Files matter beyond messages: serve locks the engine to them.
				t := source.Table{Name: n, Columns: cols, Files: files[n]}
				// A Parquet view is pointed at its files again: a pinned
				// session that ended without closing left it on its copies.
				if err := source.Unpin(ctx, db, &t); err != nil {
					return nil, err
				}
				if r, err := db.Query(ctx, "SELECT count(*) FROM "+store.QuoteIdent(n)); err == nil && len(r.Data) > 0 {
					t.Rows = store.Int(r.Data[0][0]) // compared by the next reload (Compare)
				}
				reused = append(reused, t)
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

func fingerprint(sp source.Spec) (string, error) {
	abs, _ := filepath.Abs(sp.Path)
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s", sp.Name, abs, sp.Delimiter)
	files, _ := filepath.Glob(sp.Path)
	if st, err := os.Stat(sp.Path); err == nil && st.IsDir() {
		files, _ = filepath.Glob(filepath.Join(sp.Path, "*"))
	}
	sort.Strings(files)
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			fmt.Fprintf(&b, "|%s:%d:%d", f, st.Size(), st.ModTime().UnixNano())
		}
	}
	return b.String(), nil
}
