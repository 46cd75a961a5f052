package workspace

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
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
			w.Notes = append(w.Notes, fmt.Sprintf("business hours and SLAs do not run on a warehouse yet: %s left out", strings.Join(left, ", ")))
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
