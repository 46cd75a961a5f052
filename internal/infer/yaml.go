package infer

import (
	"cmp"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
	"kpiscope/internal/schema"
)

// YAMLOptions shape the rendered config.
type YAMLOptions struct {
	// Dir is the directory the config file will live in: source paths are
	// written relative to it. "" writes absolute paths.
	Dir string
	// Paths maps a table to the path the user gave for it (a file, glob or
	// directory); tables not listed use the file(s) they were read from.
	Paths map[string]string
	// Header adds the commented profile of every table (types, distinct
	// values, blanks, ranges) and the reasoning above each KPI.
	Header bool
	// Command is how the file was produced, for the first line.
	Command string
	// Warehouse writes a warehouse: section in place of sources: (kpiscope
	// init --source clickhouse://…); nil for files.
	Warehouse *WarehouseYAML
}

// WarehouseYAML is the warehouse a config's tables were profiled from.
type WarehouseYAML struct {
	URL         string           // without a password
	PasswordEnv string           // the variable to read it from; "" writes the key as a comment
	Rows        map[string]int64 // each table's rows in the warehouse
	Sample      int              // the most rows profiled per table
}

// YAML renders the inference as a kpiscope.yaml. With Header set it is
// commented throughout: what each table holds, why each KPI was chosen, and
// which built-ins cannot be computed and what they are missing.
func (in *Inference) YAML(opt YAMLOptions) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	if opt.Header {
		cmd := opt.Command
		if cmd == "" {
			cmd = "kpiscope init"
		}
		w("# kpiscope.yaml written by `%s`.\n", cmd)
		w("# Every guess below says why it was made: check the column mappings, then run\n")
		w("#   kpiscope check     data-quality warnings for each KPI (exit 2 on errors)\n")
		w("#   kpiscope report    the scorecard; kpiscope opens the explorer\n")
		if wh := opt.Warehouse; wh != nil {
			w("#\n# What the warehouse's tables hold, profiled from a sample of up to %s rows of each\n", cmdline.Thousands(int64(wh.Sample)))
			w("# (SELECT … LIMIT %d, read-only): the counts, ranges and values below are the sample's\n", wh.Sample)
		} else {
			w("#\n# What the files hold\n")
		}
		for _, t := range in.Tables {
			in.writeProfile(&b, t, opt)
		}
		w("\n")
	}
	w("title: %s\n", yamlScalar(in.Label(), false))
	if opt.Warehouse != nil {
		in.writeWarehouse(&b, opt)
	} else {
		w("sources:\n")
	}
	for _, t := range in.Tables {
		if opt.Warehouse != nil {
			break
		}
		w("  %s:\n", t.Name)
		w("    path: %s\n", yamlScalar(sourcePath(t, opt), false))
		if t.Encoding != "" {
			w("    encoding: %s\n", t.Encoding) // detected: said so that every reader reads it alike
		}
		if t.Time != "" {
			w("    time: %s", yamlScalar(t.Time, false))
			if opt.Header {
				w("   # custom KPIs on %s follow this date unless they say otherwise", t.Name)
			}
			w("\n")
		}
	}
	if len(in.Dimensions) > 0 {
		if opt.Header {
			w("# Columns offered for slicing (--by, --filter, the explorer's breakdowns).\n")
		}
		w("dimensions: %s\n", flowList(in.Dimensions))
		if opt.Header && len(in.MoreDimensions) > 0 {
			w("# Also sliceable, left out to keep the list short: %s\n", strings.Join(quoteAllForComment(in.MoreDimensions), ", "))
		}
	} else {
		w("dimensions: []\n")
	}
	if c := in.Customers; c != nil {
		if opt.Header {
			w("# %s lists each customer once: its columns reach every table with %s.\n", c.Source, schema.QuoteName(c.Key))
		}
		w("customers: {source: %s, key: %s}\n", c.Source, yamlScalar(c.Key, true))
	}
	w("kpis:")
	if len(in.KPIs) == 0 {
		w(" []\n")
		if opt.Header {
			w("# No KPI could be inferred: %s.\n", cmp.Or(in.WhyNone(), NothingFits))
			w("# See what each built-in needs below, or define your own\n")
			w("# (type: ratio, formula, cohort or composite; see docs/own-data.md).\n")
		}
	} else {
		w("\n")
	}
	for i, k := range in.KPIs {
		if opt.Header {
			if i > 0 {
				w("\n")
			}
			for _, line := range k.Why {
				w("  # %s\n", line)
			}
		}
		writeKPI(&b, k, opt.Header)
	}
	in.writeBusiness(&b, opt.Header)
	if opt.Header && len(in.Dropped) > 0 {
		w("\n# Inferred but rejected by the engine (fix the data or the definition to add them):\n")
		for _, d := range in.Dropped {
			w("#   %-20s %s\n", d.KPI.Key(), oneLineComment(d.Err.Error()))
		}
	}
	if opt.Header && len(in.Skipped) > 0 {
		w("\n# Inferred but left out (rename or define them by hand to add them):\n")
		for _, sk := range in.Skipped {
			w("#   %s\n", oneLineComment(sk.String()))
		}
	}
	if opt.Header && len(in.Missing) > 0 {
		what := "these files"
		if opt.Warehouse != nil {
			what = "these tables"
		}
		w("\n# Built-ins %s cannot feed, each with what it is missing:\n", what)
		for _, m := range in.Missing {
			reason := m.Reason()
			if in.has(m.ID) {
				reason += "; a custom " + m.ID + " above reads this data instead"
			}
			w("#   %-20s %s: %s\n", m.ID, m.Name, reason)
		}
	}
	return b.String()
}

func (in *Inference) writeProfile(b *strings.Builder, t *TableProfile, opt YAMLOptions) {
	files := ""
	if len(t.Files) == 1 {
		files = baseName(t.Files[0]) + " · "
	} else if len(t.Files) > 1 {
		files = fmt.Sprintf("%d files · ", len(t.Files))
	}
	fmt.Fprintf(b, "#\n# %s  %s%s · %s\n", t.Name, files, cmdline.Count(t.Rows, "row"), cmdline.Count(max(t.AllColumns, len(t.Columns)), "column"))
	if wh := opt.Warehouse; wh != nil {
		fmt.Fprintf(b, "#   warehouse table; profiled from %s of its %s\n", cmdline.Count(t.Rows, "row"), cmdline.Thousands(wh.Rows[t.Name]))
	}
	if note := t.ProfiledNote(); note != "" {
		fmt.Fprintf(b, "#   %s\n", note)
	}
	if t.Encoding != "" {
		fmt.Fprintf(b, "#   read as %s (not UTF-8)\n", t.Encoding)
	}
	if t.MissingNote != "" {
		fmt.Fprintf(b, "#   %s; a missing: list under the source replaces this rule\n", t.MissingNote)
	}
	width := 6
	for _, c := range t.Columns {
		if n := len([]rune(schema.QuoteName(c.Name))); n > width {
			width = min(n, 40)
		}
	}
	fmt.Fprintf(b, "#   %-*s  %-9s  %-10s  %8s  %5s  %s\n", width, "column", "type", "kind", "distinct", "blank", "range or values")
	for _, c := range t.Columns {
		kind := string(c.Kind)
		switch {
		case c.Kind == ColScore && c.Scale != nil:
			kind = "score " + c.Scale.String()
		case c.Kind == ColDuration && c.Unit != "":
			kind = "duration " + c.Unit
		}
		if c.Dimension {
			kind += "*"
		}
		rng := ""
		switch {
		case len(c.Values) > 0 && len(c.Values) <= 6:
			var vs []string
			for _, v := range c.Values {
				vs = append(vs, fmt.Sprintf("%s %s", schema.Clip(v.Value, 20), schema.Percent(float64(v.Rows)/float64(max(t.Rows, 1)))))
			}
			rng = strings.Join(vs, ", ")
		case c.Min != "" || c.Max != "":
			rng = schema.Clip(c.Min, 24) + " … " + schema.Clip(c.Max, 24)
		}
		if c.Name == t.Time {
			rng += "  ← time axis"
		}
		ty := c.Type
		if len(ty) > 9 {
			ty = ty[:9]
		}
		fmt.Fprintf(b, "#   %-*s  %-9s  %-10s  %8s  %5s  %s\n", width, schema.Clip(schema.QuoteName(c.Name), 40), ty, kind,
			kpi.FormatFloat(float64(c.Distinct), 0), schema.Percent(c.NullShare()), oneLineComment(rng))
	}
	legend := "* offered as a dimension"
	for _, c := range t.Columns {
		if c.Kind == ColContact || c.Kind == ColPeriod {
			legend += "; contact details and periods never are"
			break
		}
	}
	fmt.Fprintf(b, "#   (%s)\n", legend)
	for _, c := range t.Columns {
		if c.Note != "" {
			fmt.Fprintf(b, "#   %s is %s\n", schema.QuoteName(c.Name), oneLineComment(c.Note))
		}
	}
	for _, n := range t.Notes {
		fmt.Fprintf(b, "#   %s\n", oneLineComment(n))
	}
}

func oneLineComment(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
}

func quoteAllForComment(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = schema.QuoteName(s)
	}
	return out
}

func writeKPI(b *strings.Builder, k *KPI, comments bool) {
	first := true
	field := func(key, val string) {
		if first {
			fmt.Fprintf(b, "  - %s: %s\n", key, val)
			first = false
			return
		}
		fmt.Fprintf(b, "    %s: %s\n", key, val)
	}
	if k.Use != "" {
		field("use", k.Use)
		if k.ID != "" {
			field("id", k.ID)
			field("name", yamlScalar(k.Name, false))
		}
	} else {
		field("id", k.ID)
		field("name", yamlScalar(k.Name, false))
		if k.Short != "" {
			field("short", yamlScalar(k.Short, false))
		}
		if k.Description != "" {
			field("description", yamlScalar(k.Description, false))
		}
	}
	if k.Source != "" {
		field("source", k.Source)
	}
	if len(k.Columns) > 0 {
		var parts []string
		for _, kv := range k.Columns {
			parts = append(parts, kv.Key+": "+yamlScalar(kv.Value, true))
		}
		field("columns", "{"+strings.Join(parts, ", ")+"}")
	}
	switch {
	case k.NoTime:
		field("time", "null")
	case k.Time != "":
		field("time", yamlScalar(k.Time, false))
	}
	if k.Use != "" {
		if k.Hidden && comments {
			fmt.Fprintf(b, "    # an input of a composite KPI above, not shown on its own\n")
		}
		return
	}
	field("type", string(k.Type))
	if k.Numerator != "" {
		field("numerator", yamlScalar(k.Numerator, false))
		field("denominator", yamlScalar(k.Denominator, false))
	}
	if len(k.Inputs) > 0 {
		fmt.Fprintf(b, "    inputs:\n")
		for _, kv := range k.Inputs {
			fmt.Fprintf(b, "      %s: %s\n", kv.Key, yamlScalar(kv.Value, false))
		}
		field("expr", yamlScalar(k.Expr, false))
	}
	if k.Where != "" {
		field("where", yamlScalar(k.Where, false))
	}
	if len(k.Extras) > 0 {
		fmt.Fprintf(b, "    extras:\n")
		for _, kv := range k.Extras {
			fmt.Fprintf(b, "      %s: %s\n", yamlScalar(kv.Key, false), yamlScalar(kv.Value, false))
		}
	}
	if k.Scale != 0 {
		field("scale", kpi.FormatFloat(k.Scale, 0))
	}
	if k.Unit != "" {
		field("unit", yamlScalar(k.Unit, false))
	}
	field("decimals", fmt.Sprint(k.Decimals))
	field("better", string(k.Better))
	if k.N != "" {
		field("n", yamlScalar(k.N, false))
	}
	if k.Hidden {
		field("hidden", "true")
	}
	if k.Target != "" {
		field("target", k.Target)
	}
	if comments && k.Target == "" && k.TargetHint != "" {
		fmt.Fprintf(b, "    # target: %s   # a common goal; uncomment and adjust\n", k.TargetHint)
	}
}

func sourcePath(t *TableProfile, opt YAMLOptions) string {
	p := opt.Paths[t.Name]
	if p == "" {
		p = t.Path
	}
	if p == "" {
		switch len(t.Files) {
		case 0:
			p = t.Name + ".csv"
		case 1:
			p = t.Files[0]
		default:
			dir := filepath.Dir(t.Files[0])
			same := true
			for _, f := range t.Files {
				same = same && filepath.Dir(f) == dir
			}
			if same {
				p = dir
			} else {
				p = t.Files[0]
			}
		}
	}
	if opt.Dir == "" {
		return p
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	dir, err := filepath.Abs(opt.Dir)
	if err != nil {
		return abs
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil {
		return abs
	}
	return filepath.ToSlash(rel)
}

func flowList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = yamlScalar(s, true)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

var (
	yamlSpecialRE = regexp.MustCompile(`(?i)^(y|n|yes|no|true|false|on|off|null|~|\.nan|\.inf|-\.inf|\+\.inf)$`)
	yamlNumberRE  = regexp.MustCompile(`^[-+.]?[0-9]`)
	simpleRE      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// yamlScalar renders a string so that YAML reads it back unchanged: plain
// when that is safe (flow marks whether it sits inside [ ] or { }), else
// quoted, else (text holding both quote characters) a literal block.
func yamlScalar(s string, flow bool) string {
	if flow {
		if simpleRE.MatchString(s) && !yamlSpecialRE.MatchString(s) {
			return s
		}
		return doubleQuoted(s)
	}
	if plainSafe(s) {
		return s
	}
	switch {
	case strings.ContainsAny(s, "\n\r\t\\") || !isPrintable(s):
		return doubleQuoted(s)
	case !strings.Contains(s, "'"):
		return "'" + s + "'"
	case !strings.Contains(s, `"`):
		return `"` + s + `"`
	}
	return doubleQuoted(s)
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfeff || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return false
		}
	}
	return true
}

func plainSafe(s string) bool {
	if s == "" || s != strings.TrimSpace(s) || !isPrintable(s) || yamlSpecialRE.MatchString(s) || yamlNumberRE.MatchString(s) {
		return false
	}
	if strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`") {
		return false
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") || strings.ContainsAny(s, "\t\n\r\\") {
		return false
	}
	// go-yaml treats some indicators inside plain scalars strictly; keep
	// brackets, braces and quotes out of plain text to stay on safe ground.
	return !strings.ContainsAny(s, "{}[]\"',")
}

func doubleQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f || r == 0xfeff || r == 0x85 || r == 0x2028 || r == 0x2029 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// writeWarehouse writes the warehouse: section: its URL without a password,
// the variable the password is read from, and each table under its own
// name with its time axis.
func (in *Inference) writeWarehouse(b *strings.Builder, opt YAMLOptions) {
	wh := opt.Warehouse
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	if opt.Header {
		w("# The ClickHouse database the KPIs are computed on (kpiscope report --config FILE);\n")
		w("# --source URL on the command line wins over url:.\n")
	}
	w("warehouse:\n")
	w("  url: %s", yamlScalar(wh.URL, false))
	if opt.Header {
		w("   # no password here")
	}
	w("\n")
	switch {
	case wh.PasswordEnv != "":
		w("  password_env: %s", wh.PasswordEnv)
		if opt.Header {
			w("   # the environment variable holding the password")
		}
		w("\n")
	case opt.Header:
		w("  # password_env: KPISCOPE_CH_PASSWORD   # the environment variable holding the user's password, if it has one\n")
	}
	if opt.Header {
		w("  # The KPIs' source names and the tables they read: map one to a Distributed table\n")
		w("  # (tickets: {table: tickets_dist}) or to DATABASE.TABLE to read it across the cluster.\n")
	}
	w("  tables:\n")
	for _, t := range in.Tables {
		if t.Time != "" {
			w("    %s: {table: %s, time: %s}", t.Name, t.Name, yamlScalar(t.Time, true))
			if opt.Header {
				w("   # custom KPIs on %s follow this date unless they say otherwise", t.Name)
			}
			w("\n")
		} else {
			w("    %s: %s\n", t.Name, t.Name)
		}
	}
	if opt.Header {
		w("  # settings: {max_execution_time: 120, max_memory_usage: 4000000000}   # per query; these are the defaults\n")
	}
}
