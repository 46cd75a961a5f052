package workspace

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"kpiscope/internal/config"
	"kpiscope/internal/infer"
	"kpiscope/internal/kpi"
	"kpiscope/internal/schema"
	"kpiscope/internal/source"
	"kpiscope/internal/store"
)

// openWarehouse opens a workspace over a ClickHouse database (issue 16):
// kpiscope.yaml's warehouse: section, or Options.Warehouse (--source), which
// wins over its url:. The KPIs of kpiscope.yaml (with --source, its
// sources: are the files of a local run and are not read), or without one
// the built-ins its tables fit, computed there by an engine over the
// warehouse (kpi.NewWarehouse). Nothing is loaded into DuckDB and nothing is
// written to the warehouse. Business hours (business_hours:, sla:) are not
// supported there yet: their KPIs are not added.
func openWarehouse(ctx context.Context, opt Options, cfg *config.Config) (*Workspace, error) {
	var wc *config.Warehouse
	if cfg != nil {
		wc = cfg.Warehouse
	}
	switch {
	case len(opt.Sources) > 0 && wc != nil:
		return nil, &config.Error{Path: cfg.Path, Line: wc.Line(), Msg: fmt.Sprintf("warehouse: the KPIs are computed on the warehouse: leave out the files (%s), or use a config without warehouse:", strings.Join(opt.Sources, ", "))}
	case len(opt.Sources) > 0:
		return nil, fmt.Errorf("--source %s reads the warehouse's tables: leave out the files (%s)", opt.Warehouse, strings.Join(opt.Sources, ", "))
	case opt.DBPath != "" && wc != nil:
		return nil, &config.Error{Path: cfg.Path, Line: wc.Line(), Msg: fmt.Sprintf("warehouse: the KPIs are computed on the warehouse: leave out --db %s", opt.DBPath)}
	}
	var wh *kpi.Warehouse
	var err error
	if wc != nil {
		wh, err = wc.Open(ctx, opt.Warehouse)
	} else {
		wh, err = kpi.OpenWarehouse(ctx, opt.Warehouse, kpi.WarehouseOptions{})
	}
	if err != nil {
		return nil, err
	}
	w := &Workspace{Config: cfg, Warehouse: wh, Label: sourceName(wh.URL())}
	fail := func(err error) (*Workspace, error) {
		wh.Close()
		return nil, err
	}
	eopt := kpi.Options{Now: opt.Now, Log: opt.Log}
	var defs []*kpi.Def
	if cfg != nil {
		if defs, err = cfg.Defs(nil); err != nil {
			return fail(err)
		}
		if len(defs) == 0 {
			return fail(&config.Error{Path: cfg.Path, Msg: "defines no KPI: add a kpis: section (`- use: csat` for a built-in, or a KPI of your own)"})
		}
		// The business-time KPIs read a view of the tickets made in DuckDB
		// (business.go): left out, and said so.
		var kept []*kpi.Def
		var left []string
		for _, d := range defs {
			if strings.HasSuffix(d.Source, kpi.BusinessSuffix) {
				left = append(left, d.ID)
			} else {
				kept = append(kept, d)
			}
		}
		if len(left) > 0 {
			defs = kept
			w.Notes = append(w.Notes, fmt.Sprintf("business hours and SLAs are not supported on a warehouse yet (their KPIs read a view kpiscope builds in DuckDB): %s left out, the other KPIs computed", strings.Join(left, ", ")))
		}
		eopt.Dimensions, eopt.Customers, eopt.CustomerKey = cfg.Dimensions, cfg.Customers, cfg.CustomerKey
		eopt.RecordTime = cfg.SourceTime
		eopt.Annotations = cfg.KPIAnnotations()
		if cfg.Label != "" {
			w.Label = cfg.Label
		}
	} else {
		tables, err := wh.Tables(ctx)
		if err != nil {
			return fail(err)
		}
		if defs = kpi.StandardDefs(tables); len(defs) == 0 {
			var names []string
			for n := range tables {
				names = append(names, n)
			}
			return fail(fmt.Errorf("no KPI can be computed from %s: its tables (%s) do not match the standard data model; give a kpiscope.yaml with KPIs of your own (--config FILE)", wh.URL(), strings.Join(names, ", ")))
		}
		w.Inferred = true
	}
	eopt.Label = w.Label
	eng, err := kpi.NewWarehouse(ctx, wh, defs, eopt)
	if err != nil {
		return fail(err)
	}
	w.DB, w.Engine = eng.DB(), eng
	if err := checkAnnotations(ctx, cfg, eng); err != nil {
		w.Close()
		return nil, err
	}
	// Saved views are checked unless they may name a KPI left out.
	if len(w.Notes) == 0 {
		if err := cfg.CheckViews(ctx, eng); err != nil {
			w.Close()
			return nil, err
		}
	}
	return w, nil
}

// Source names the warehouse the workspace reads, "clickhouse
// HOST:PORT/DATABASE"; "" for files.
func (w *Workspace) Source() string {
	if w.Warehouse == nil {
		return ""
	}
	return sourceName(w.Warehouse.URL())
}

// sourceName is how the header names a warehouse: "clickhouse HOST:PORT/DATABASE"
// (its URL holds no password already).
func sourceName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return "clickhouse " + u.Host + u.Path
}

// SampleRows is how many rows of each warehouse table init profiles.
const SampleRows = 100_000

// WarehouseProfile is what InferWarehouse read: the warehouse's URL
// without a password, whether it had one, and each table's rows (all of
// them; the profile read at most SampleRows).
type WarehouseProfile struct {
	URL         string
	HasPassword bool
	Rows        map[string]int64
	Sample      int
}

// InferWarehouse profiles the tables of the ClickHouse database at raw as
// Infer profiles files (kpiscope init --source): up to rows rows of each
// (SELECT … LIMIT, read-only; never a full scan) are copied into an
// in-memory DuckDB table of the mapped types (kpi.ClickHouseType) and the
// same inference runs on them.
func InferWarehouse(ctx context.Context, raw string, rows int, opt Options) (*infer.Inference, *WarehouseProfile, error) {
	wh, err := kpi.OpenWarehouse(ctx, raw, kpi.WarehouseOptions{})
	if err != nil {
		return nil, nil, err
	}
	defer wh.Close()
	cols, err := wh.Tables(ctx)
	if err != nil {
		return nil, nil, err
	}
	db, err := store.Open("")
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	prof := &WarehouseProfile{URL: withoutPassword(raw), Rows: map[string]int64{}, Sample: rows}
	if u, err := url.Parse(raw); err == nil {
		_, prof.HasPassword = u.User.Password()
	}
	var tables []source.Table
	for _, name := range slices.Sorted(maps.Keys(cols)) {
		cs := cols[name]
		if len(cs) == 0 || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "__") || !schema.IsPlainName(name) {
			continue
		}
		data, total, err := wh.Sample(ctx, name, cs, rows)
		if err != nil {
			return nil, nil, err
		}
		if err := copySample(ctx, db, name, cs, data.Data); err != nil {
			return nil, nil, fmt.Errorf("warehouse %s: %s: copying its sample: %w", wh.URL(), name, err)
		}
		prof.Rows[name] = total
		tables = append(tables, source.Table{Name: name, Columns: cs, Rows: int64(len(data.Data))})
	}
	if len(tables) == 0 {
		return nil, nil, fmt.Errorf("warehouse %s: no table to profile", wh.URL())
	}
	in, err := inferLoaded(ctx, db, tables, opt)
	if err != nil {
		return nil, nil, err
	}
	for _, tp := range in.Tables {
		tp.Sampled = prof.Rows[tp.Name] > tp.Rows
	}
	return in, prof, nil
}

// copySample inserts rows into a new DuckDB table of the columns' types,
// a thousand rows a statement.
func copySample(ctx context.Context, db *store.DB, name string, cols []store.Column, rows [][]any) error {
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = store.QuoteIdent(c.Name) + " " + c.Type
	}
	if err := db.Exec(ctx, "CREATE TABLE "+store.QuoteIdent(name)+" ("+strings.Join(defs, ", ")+")"); err != nil {
		return err
	}
	for start := 0; start < len(rows); start += 1000 {
		var b strings.Builder
		b.WriteString("INSERT INTO " + store.QuoteIdent(name) + " VALUES ")
		for i, r := range rows[start:min(start+1000, len(rows))] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j, v := range r {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(duckLiteral(v, cols[j].Type))
			}
			b.WriteByte(')')
		}
		if err := db.Exec(ctx, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// duckLiteral is a value ClickHouse gave as a DuckDB literal of type ty.
func duckLiteral(v any, ty string) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		if ty == "DATE" {
			return "DATE '" + x.UTC().Format("2006-01-02") + "'"
		}
		return "TIMESTAMP '" + x.UTC().Format("2006-01-02 15:04:05.999999") + "'"
	case bool:
		return strconv.FormatBool(x)
	case string:
		return store.QuoteLiteral(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return store.QuoteLiteral(strconv.FormatFloat(x, 'g', -1, 64))
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return duckLiteral(float64(x), ty)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	}
	return store.QuoteLiteral(fmt.Sprint(v))
}

// withoutPassword is a URL with its password left out (not masked).
func withoutPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}
