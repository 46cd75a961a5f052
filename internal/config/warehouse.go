package config

// The warehouse: section (issue 16): a ClickHouse database the KPIs are
// computed on, in place of sources: files.
//
//	warehouse:
//	  url: clickhouse://analyst@ch1.internal:9000/support   # no password in the file
//	  password_env: KPISCOPE_CH_PASSWORD                     # the password, from the environment
//	  tables:                                                # the KPIs' source names → the warehouse's tables
//	    tickets: tickets_dist                                # a table of the URL's database (MergeTree or Distributed)
//	    orders: {table: shop.orders_all, time: order_date}   # DATABASE.TABLE; time: as a source's time:
//	  settings: {max_execution_time: 60, max_memory_usage: 4000000000}
//
// --source URL on the command line wins over url: (its password too, when
// it has one); the tables and settings still apply. Every mistake is one
// *Error at its line, with the fix; those only the server can tell (a
// table it does not have, a setting it does not know, a missing password
// variable) when the warehouse is opened (Warehouse.Open).

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"kpiscope/internal/kpi"
	"kpiscope/internal/schema"
)

// Warehouse is the warehouse: section, checked.
type Warehouse struct {
	// URL is url: as written: clickhouse://USER@HOST:PORT/DATABASE, without
	// a password.
	URL string
	// PasswordEnv names the environment variable holding the password; ""
	// for none.
	PasswordEnv string
	// Tables maps a source name (what KPIs' source: names) to TABLE or
	// DATABASE.TABLE; empty: every table of the URL's database, under its
	// own name.
	Tables map[string]string
	// Settings are ClickHouse settings for every query, numbers.
	Settings map[string]float64

	path                  string
	line, urlLine, pwLine int
	tableLines            map[string]int
	settingLines          map[string]int
}

var (
	envNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	chTableRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)
	settingsRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
)

const warehouseExample = "warehouse: {url: clickhouse://USER@HOST:9000/DATABASE, password_env: KPISCOPE_CH_PASSWORD, tables: {tickets: tickets_dist}}"

// warehouse reads the warehouse: section into c.Warehouse.
func (c *Config) warehouse(file *ast.File, hasSources bool) error {
	wh, ok := topLevel(file, "warehouse")
	if !ok {
		return nil
	}
	fail := func(line int, format string, a ...any) error {
		return &Error{Path: c.Path, Line: line, Msg: "warehouse: " + fmt.Sprintf(format, a...)}
	}
	if hasSources {
		return fail(wh.line, "and sources: both given; the KPIs read either files (sources:) or a ClickHouse database (warehouse:): remove one of them")
	}
	es, ok := entries(wh.val)
	if !ok || len(es) == 0 {
		return fail(nodeLine(wh.val, wh.line), "takes a mapping with url:, e.g. %s", warehouseExample)
	}
	w := &Warehouse{path: c.Path, line: wh.line, tableLines: map[string]int{}, settingLines: map[string]int{}}
	for _, e := range es {
		switch e.key {
		case "url":
			s, ok := scalar(e.val)
			if !ok {
				return fail(e.line, "url: takes one URL, e.g. url: clickhouse://analyst@ch1.internal:9000/support")
			}
			if err := checkWarehouseURL(s); err != "" {
				return fail(e.line, "url: %s", err)
			}
			w.URL, w.urlLine = s, e.line
		case "password_env":
			s, ok := scalar(e.val)
			if !ok || !envNameRE.MatchString(s) {
				return fail(e.line, "password_env: takes the name of an environment variable (letters, digits and _), e.g. password_env: KPISCOPE_CH_PASSWORD")
			}
			w.PasswordEnv, w.pwLine = s, e.line
		case "tables":
			ts, ok := entries(e.val)
			w.Tables = map[string]string{}
			if !ok {
				return fail(e.line, "tables: maps each source name the KPIs read to a table, e.g. tables: {tickets: tickets_dist, orders: shop.orders_all}")
			}
			for _, t := range ts {
				if err := w.table(t, c); err != nil {
					return err
				}
			}
		case "settings":
			ss, ok := entries(e.val)
			if !ok {
				return fail(e.line, "settings: takes ClickHouse settings and their numbers, e.g. settings: {max_execution_time: 60, max_memory_usage: 4000000000}")
			}
			w.Settings = map[string]float64{}
			for _, s := range ss {
				if !settingsRE.MatchString(s.key) {
					return fail(s.line, "settings: %q is not a ClickHouse setting's name (lower-case letters, digits and _, e.g. max_threads)", s.key)
				}
				v, ok := scalar(s.val)
				f, err := strconv.ParseFloat(v, 64)
				if b, isBool := unwrap(s.val).(*ast.BoolNode); isBool {
					f, err = 0, nil
					if b.Value {
						f = 1
					}
				}
				if !ok || err != nil {
					return fail(s.line, "settings: %s: %q is not a number; settings here take numbers, e.g. %s: %s", s.key, v, s.key, settingExample(s.key))
				}
				switch s.key {
				case "max_execution_time", "max_memory_usage":
					if f <= 0 {
						return fail(s.line, "settings: %s: give a positive number (%s), e.g. %s: %s", s.key, settingUnit(s.key), s.key, settingExample(s.key))
					}
				}
				if s.key == "max_memory_usage" && f != float64(int64(f)) {
					return fail(s.line, "settings: max_memory_usage: give whole bytes, e.g. max_memory_usage: 4000000000")
				}
				w.Settings[s.key] = f
				w.settingLines[s.key] = s.line
			}
		default:
			return fail(e.line, "%s", unknownKey("warehouse:", e.key, []string{"url", "password_env", "tables", "settings"}))
		}
	}
	if w.URL == "" {
		return fail(wh.line, "has no url:; add one, e.g. url: clickhouse://analyst@ch1.internal:9000/support")
	}
	c.Warehouse = w
	return nil
}

// table reads one tables: entry: NAME: TABLE or NAME: {table: TABLE, time: COLUMN}.
func (w *Warehouse) table(e entry, c *Config) error {
	fail := func(line int, format string, a ...any) error {
		return &Error{Path: c.Path, Line: line, Msg: fmt.Sprintf("warehouse: tables: %s: ", e.key) + fmt.Sprintf(format, a...)}
	}
	if !schema.IsPlainName(e.key) {
		return &Error{Path: c.Path, Line: e.line, Msg: fmt.Sprintf("warehouse: tables: source name %q: use letters, digits and _ (KPIs name it in source:)", e.key)}
	}
	var table, timeCol string
	if s, ok := scalar(e.val); ok {
		table = s
	} else if fs, ok := entries(e.val); ok && !isNullNode(e.val) {
		for _, f := range fs {
			s, ok := scalar(f.val)
			switch f.key {
			case "table":
				if !ok {
					return fail(f.line, "table: takes one table name, e.g. table: tickets_dist")
				}
				table = s
			case "time":
				if !ok {
					return fail(f.line, "time: takes one column, e.g. time: created_at")
				}
				timeCol = s
			default:
				return fail(f.line, "%s", unknownKey("warehouse: tables: "+e.key+":", f.key, []string{"table", "time"}))
			}
		}
	}
	if table == "" {
		return fail(e.line, "name its table, e.g. %s: %s_dist or %s: {table: DATABASE.TABLE, time: created_at}", e.key, e.key, e.key)
	}
	if !chTableRE.MatchString(table) {
		return fail(e.line, "%q is not a table name; write TABLE (in the URL's database) or DATABASE.TABLE, letters, digits and _", table)
	}
	w.Tables[e.key] = table
	if w.tableLines == nil {
		w.tableLines = map[string]int{}
	}
	w.tableLines[e.key] = e.line
	if timeCol != "" {
		c.SourceTime[e.key] = timeCol
	}
	return nil
}

// checkWarehouseURL says what is wrong with a url:, "" when nothing.
func checkWarehouseURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || !strings.EqualFold(u.Scheme, "clickhouse") || u.Host == "" {
		return fmt.Sprintf("%q is not a ClickHouse URL; write clickhouse://USER@HOST:9000/DATABASE (the native port, 9000 by default, not the HTTP port 8123)", s)
	}
	if _, has := u.User.Password(); has {
		return "holds a password; keep it out of the file: write the URL without it (clickhouse://USER@HOST:9000/DATABASE) and name an environment variable that holds it with password_env:, e.g. password_env: KPISCOPE_CH_PASSWORD"
	}
	if strings.Trim(u.Path, "/") == "" {
		return fmt.Sprintf("%q names no database; add it as the path, e.g. clickhouse://%s/support", s, u.Host)
	}
	return ""
}

func settingExample(key string) string {
	switch key {
	case "max_execution_time":
		return "60"
	case "max_memory_usage":
		return "4000000000"
	}
	return "8"
}

func settingUnit(key string) string {
	if key == "max_execution_time" {
		return "seconds"
	}
	return "bytes"
}

// Line is the line of warehouse:.
func (w *Warehouse) Line() int { return w.line }

// Open connects to the warehouse: url:, or override (--source) when given,
// which wins; the password from password_env: unless the URL has one; the
// tables: mapping and the settings:. Its errors name the line to fix.
func (w *Warehouse) Open(ctx context.Context, override string) (*kpi.Warehouse, error) {
	raw, line := w.URL, w.urlLine
	if override != "" {
		raw, line = override, 0
	}
	u, err := url.Parse(raw)
	if err != nil { // OpenWarehouse says how to write it
		return kpi.OpenWarehouse(ctx, raw, kpi.WarehouseOptions{})
	}
	if _, has := u.User.Password(); !has && w.PasswordEnv != "" {
		pw, ok := os.LookupEnv(w.PasswordEnv)
		if !ok {
			return nil, &Error{Path: w.path, Line: w.pwLine, Msg: fmt.Sprintf("warehouse: password_env: %s is not set; export it with the password of %s (export %s=…), or remove password_env: for a user without one", w.PasswordEnv, userOf(u), w.PasswordEnv)}
		}
		if pw != "" {
			u.User = url.UserPassword(userOf(u), pw)
		}
	}
	opt := kpi.WarehouseOptions{Tables: w.Tables}
	for k, v := range w.Settings {
		switch k {
		case "max_execution_time":
			opt.MaxExecutionTime = time.Duration(v * float64(time.Second))
		case "max_memory_usage":
			opt.MaxMemoryUsage = int64(v)
		default:
			if opt.Settings == nil {
				opt.Settings = map[string]any{}
			}
			if v == float64(int64(v)) {
				opt.Settings[k] = int(v)
			} else {
				opt.Settings[k] = v
			}
		}
	}
	wh, err := kpi.OpenWarehouse(ctx, u.String(), opt)
	if err == nil {
		return wh, nil
	}
	var te *kpi.TableError
	var se *kpi.SettingError
	switch {
	case errors.As(err, &te):
		return nil, &Error{Path: w.path, Line: w.tableLines[te.Name], Msg: fmt.Sprintf("warehouse: tables: %s: %s %s", te.Name, te.Table, te.Fix())}
	case errors.As(err, &se):
		msg := fmt.Sprintf("warehouse: settings: ClickHouse has no setting %q", se.Name)
		if len(se.Near) > 0 {
			msg += fmt.Sprintf("; did you mean %s?", se.Near[0])
		}
		return nil, &Error{Path: w.path, Line: w.settingLines[se.Name], Msg: msg + " (its settings: SELECT name FROM system.settings)"}
	case line > 0 && ctx.Err() == nil:
		return nil, &Error{Path: w.path, Line: line, Msg: err.Error()}
	}
	return nil, err
}

func userOf(u *url.URL) string {
	if u.User != nil && u.User.Username() != "" {
		return u.User.Username()
	}
	return "default"
}
