// Package config reads kpiscope.yaml: sources, dimensions and KPI definitions
// (custom or built-in, with targets and column mappings). Every error names
// the file, the line and the fix.
package config

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"kpiscope/internal/kpi"
	"kpiscope/internal/schema"
	"kpiscope/internal/source"
)

// FileName is the default config file name.
const FileName = "kpiscope.yaml"

// Config is a loaded kpiscope.yaml.
type Config struct {
	Path        string
	Sources     []source.Spec
	SourceTime  map[string]string // table → default time column
	Dimensions  []string          // nil = inferred
	Customers   string
	CustomerKey string
	KPIs        []KPI // as written; Defs binds them
	Label       string
	// Annotations are the annotations: entries, dated notes for the trend.
	Annotations []Annotation
	// Views are the views: entries, saved views of the explorer (views.go).
	Views []View
	// Business is the business_hours: and sla: sections (business.go); nil
	// without business_hours:.
	Business *Business
	// Warehouse is the warehouse: section (warehouse.go); nil without one.
	Warehouse *Warehouse
}

// KPI is one kpis: entry.
type KPI struct {
	Use         string            `yaml:"use"`
	ID          string            `yaml:"id"`
	Name        string            `yaml:"name"`
	Short       string            `yaml:"short"`
	Description string            `yaml:"description"`
	Source      string            `yaml:"source"`
	Type        string            `yaml:"type"`
	Numerator   string            `yaml:"numerator"`
	Denominator string            `yaml:"denominator"`
	Inputs      map[string]string `yaml:"inputs"`
	Expr        string            `yaml:"expr"`
	N           string            `yaml:"n"`
	Where       string            `yaml:"where"`
	Extras      map[string]string `yaml:"extras"`
	Scale       *float64          `yaml:"scale"`
	Unit        *string           `yaml:"unit"`
	Decimals    *int              `yaml:"decimals"`
	Better      string            `yaml:"better"`
	Time        optString         `yaml:"time"`
	MinSample   int               `yaml:"min_sample"`
	Target      *targetYAML       `yaml:"target"`
	Columns     map[string]string `yaml:"columns"`
	Hidden      bool              `yaml:"hidden"`
	Benchmark   *benchmarkYAML    `yaml:"benchmark"`
	Interval    string            `yaml:"interval"`

	line      int
	whereLine int // of its where: key; 0 without one
	benchLine int // of its benchmark: key
	ivalLine  int // of its interval: key
}

type targetYAML struct {
	Value     *float64       `yaml:"value"`
	Warn      *float64       `yaml:"warn"`
	Grain     string         `yaml:"grain"`
	Overrides []overrideYAML `yaml:"overrides"`
}

type overrideYAML struct {
	When  map[string]string `yaml:"when"`
	From  string            `yaml:"from"`
	Value *float64          `yaml:"value"`
	Warn  *float64          `yaml:"warn"`
}

// optString tells "time: null" (no time axis) from an absent key (inherit).
type optString struct {
	Set  bool
	Null bool
	V    string
}

func (o *optString) UnmarshalYAML(b []byte) error {
	o.Set = true
	s := strings.TrimSpace(string(b))
	if s == "null" || s == "~" || s == "" {
		o.Null = true
		return nil
	}
	return yaml.Unmarshal(b, &o.V)
}

type sourceYAML struct {
	Path      string `yaml:"path"`
	Time      string `yaml:"time"`
	Delimiter string `yaml:"delimiter"`
	Encoding  string `yaml:"encoding"`
	// Decimal is the decimal separator: "," for 1.234,50 (detected in
	// semicolon files when absent), "." for 1,234.50.
	Decimal string `yaml:"decimal"`
	// Missing is nil when absent: missing: [] turns the automatic rule off.
	Missing *[]string `yaml:"missing"`
}

type customersYAML struct {
	Source string `yaml:"source"`
	Key    string `yaml:"key"`
}

type fileYAML struct {
	Title      string                `yaml:"title"`
	Sources    map[string]sourceYAML `yaml:"sources"`
	Dimensions []string              `yaml:"dimensions"`
	Customers  *customersYAML        `yaml:"customers"`
	KPIs       []KPI                 `yaml:"kpis"`
	// Annotations mark dates (an incident, a release) on the trend.
	Annotations []annotationYAML `yaml:"annotations"`
	// Views name views of the explorer (views.go).
	Views map[string]viewYAML `yaml:"views"`
	// BusinessHours and SLA are read from the file's nodes (business.go).
	BusinessHours any `yaml:"business_hours"`
	SLA           any `yaml:"sla"`
	// Warehouse is read from the file's nodes (warehouse.go).
	Warehouse any `yaml:"warehouse"`
}

// Error is a config problem at a place in the file.
type Error struct {
	Path string
	Line int
	Col  int
	Msg  string
}

func (e *Error) Error() string {
	loc := e.Path
	if e.Line > 0 {
		loc += fmt.Sprintf(":%d", e.Line)
		if e.Col > 0 {
			loc += fmt.Sprintf(":%d", e.Col)
		}
	}
	return loc + ": " + e.Msg
}

// Load reads and validates a config file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{Path: path, Msg: "config file not found; run `kpiscope init` to write one, or give sources on the command line"}
		}
		if st, serr := os.Stat(path); serr == nil && st.IsDir() {
			return nil, &Error{Path: path, Msg: fmt.Sprintf("is a directory; --config takes the file (%s)", filepath.Join(path, FileName))}
		}
		return nil, &Error{Path: path, Msg: "cannot read: " + err.Error() + "; check the file's permissions"}
	}
	return Parse(path, data)
}

// Parse reads a config from bytes; path is used for messages and relative paths.
func Parse(path string, data []byte) (cfg *Config, err error) {
	defer func() {
		if r := recover(); r != nil { // a parser bug must not crash the tool
			cfg, err = nil, &Error{Path: path, Msg: fmt.Sprintf("cannot parse: %v", r)}
		}
	}()
	if f, perr := parser.ParseBytes(data, 0); perr == nil && f != nil {
		if tk := firstTag(f); tk != nil {
			return nil, &Error{Path: path, Line: tk.Position.Line, Col: tk.Position.Column, Msg: fmt.Sprintf("YAML tag %s: kpiscope.yaml uses plain values; remove the tag", tk.Value)}
		}
	}
	var raw fileYAML
	if err := yaml.UnmarshalWithOptions(data, &raw, yaml.DisallowUnknownField()); err != nil {
		return nil, yamlError(path, err)
	}
	file, _ := parser.ParseBytes(data, 0)
	// nodeAt is the node at the YAML path p; nil when there is none.
	nodeAt := func(p string) ast.Node {
		if file == nil {
			return nil
		}
		yp, err := yaml.PathString(p)
		if err != nil {
			return nil
		}
		n, err := yp.FilterFile(file)
		if err != nil || n == nil || n.GetToken() == nil {
			return nil
		}
		return n
	}
	lineOf := func(p string) int {
		if n := nodeAt(p); n != nil {
			return n.GetToken().Position.Line
		}
		return 0
	}
	// keyLine is the line of the key whose value is at p: a block mapping's
	// value starts on the line after its key.
	keyLine := func(p string) int {
		n := nodeAt(p)
		if n == nil {
			return 0
		}
		key := p[strings.LastIndexByte(p, '.')+1:]
		for tk := n.GetToken().Prev; tk != nil; tk = tk.Prev {
			if tk.Value == key && tk.Next != nil && tk.Next.Type == token.MappingValueType {
				return tk.Position.Line
			}
		}
		return n.GetToken().Position.Line
	}
	cfg = &Config{Path: path, SourceTime: map[string]string{}, Dimensions: raw.Dimensions, Label: raw.Title}
	if cfg.Label == "" {
		cfg.Label = filepath.Base(path)
	}
	dir := filepath.Dir(path)
	names := make([]string, 0, len(raw.Sources))
	for n := range raw.Sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := raw.Sources[n]
		line := lineOf("$.sources." + n)
		if !schema.IsPlainName(n) {
			return nil, &Error{Path: path, Line: line, Msg: fmt.Sprintf("source name %q: use letters, digits and _ (it becomes a table name)", n)}
		}
		if s.Path == "" {
			return nil, &Error{Path: path, Line: line, Msg: fmt.Sprintf("source %s has no path; add path: FILE, GLOB or DIRECTORY", n)}
		}
		p := s.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		sp := source.Spec{Name: n, Path: p, Delimiter: s.Delimiter, Origin: fmt.Sprintf("%s:%d", path, line)}
		if s.Encoding != "" {
			enc, ok := source.ParseEncoding(s.Encoding)
			if !ok {
				return nil, &Error{Path: path, Line: lineOf("$.sources." + n + ".encoding"), Msg: fmt.Sprintf("source %s: unknown encoding %q; use one of %s, or leave encoding: out to have it detected", n, s.Encoding, strings.Join(source.EncodingNames(), ", "))}
			}
			sp.Encoding = enc
		}
		if s.Missing != nil {
			sp.Missing, sp.MissingSet = *s.Missing, true
		}
		switch s.Decimal {
		case "", ",", ".":
			sp.Decimal = s.Decimal
		default:
			return nil, &Error{Path: path, Line: lineOf("$.sources." + n + ".decimal"), Msg: fmt.Sprintf(`source %s: decimal: %q is not a decimal separator; use "," (1.234,50) or "." (1,234.50), or leave decimal: out to have it detected`, n, s.Decimal)}
		}
		cfg.Sources = append(cfg.Sources, sp)
		if s.Time != "" {
			cfg.SourceTime[n] = s.Time
		}
	}
	if err := cfg.warehouse(file, len(raw.Sources) > 0); err != nil {
		return nil, err
	}
	if raw.Customers != nil {
		cfg.Customers, cfg.CustomerKey = raw.Customers.Source, raw.Customers.Key
	}
	seen := map[string]int{}
	for i, k := range raw.KPIs {
		k.line = lineOf(fmt.Sprintf("$.kpis[%d]", i))
		if k.Where != "" {
			k.whereLine = lineOf(fmt.Sprintf("$.kpis[%d].where", i))
		}
		if k.Benchmark != nil {
			k.benchLine = cmp.Or(keyLine(fmt.Sprintf("$.kpis[%d].benchmark", i)), k.line)
		}
		if k.Interval != "" {
			k.ivalLine = cmp.Or(lineOf(fmt.Sprintf("$.kpis[%d].interval", i)), k.line)
		}
		if !k.Time.Set && isNull(file, fmt.Sprintf("$.kpis[%d].time", i)) {
			k.Time = optString{Set: true, Null: true} // the decoder never calls UnmarshalYAML for null
		}
		id := k.ID
		if id == "" {
			id = k.Use
		}
		if id == "" {
			return nil, &Error{Path: path, Line: k.line, Msg: "this KPI has neither id nor use; give id: for a custom KPI or use: for a built-in (" + strings.Join(kpi.BuiltinIDs(), ", ") + ")"}
		}
		if prev, dup := seen[id]; dup {
			return nil, &Error{Path: path, Line: k.line, Msg: fmt.Sprintf("KPI %q is defined twice (first at line %d); give one an id: of its own", id, prev)}
		}
		seen[id] = k.line
		cfg.KPIs = append(cfg.KPIs, k)
	}
	for i, a := range raw.Annotations {
		an, err := cfg.annotation(a, cmp.Or(lineOf(fmt.Sprintf("$.annotations[%d]", i)), lineOf("$.annotations")))
		if err != nil {
			return nil, err
		}
		cfg.Annotations = append(cfg.Annotations, an)
	}
	if err := cfg.business(file, dir); err != nil {
		return nil, err
	}
	// Bind now so definition errors surface at load time with their line.
	if _, err := cfg.Defs(nil); err != nil {
		return nil, err
	}
	if err := cfg.views(raw.Views, nodeAt("$.views"), lineOf("$.views")); err != nil {
		return nil, err
	}
	return cfg, nil
}

type tokenError interface {
	GetToken() *token.Token
	GetMessage() string
}

func yamlError(path string, err error) error {
	var ty *yaml.TypeError
	if errors.As(err, &ty) && ty.Token != nil {
		want := "a number"
		switch ty.DstType.Kind() {
		case reflect.String:
			want = "text"
		case reflect.Bool:
			want = "true or false"
		case reflect.Map, reflect.Struct:
			want = "a mapping (key: value)"
		case reflect.Slice:
			want = "a list"
		}
		msg := fmt.Sprintf("%q is not %s", ty.Token.Value, want)
		if k := keyOf(ty.Token); k != "" {
			msg = k + ": " + msg
		}
		return &Error{Path: path, Line: ty.Token.Position.Line, Col: ty.Token.Position.Column, Msg: msg}
	}
	var te tokenError
	if errors.As(err, &te) {
		e := &Error{Path: path, Msg: te.GetMessage()}
		if tk := te.GetToken(); tk != nil {
			e.Line, e.Col = tk.Position.Line, tk.Position.Column
		}
		wantList, wantMap := strings.Contains(e.Msg, "where sequence is expected"), strings.Contains(e.Msg, "where mapping is expected")
		if k := cmp.Or(keyOf(te.GetToken()), enclosingKey(te.GetToken())); k != "" && (wantList || wantMap) {
			e.Msg = k + ": " + shapeOf(k, wantList)
		}
		if m := duplicateView(te.GetToken(), e.Msg); m != "" {
			e.Msg = m
		}
		if strings.Contains(e.Msg, "unknown field") {
			e.Msg += " (see the config reference in README.md)"
		}
		return e
	}
	msg := err.Error()
	if i := strings.Index(msg, "\n"); i > 0 {
		msg = msg[:i]
	}
	return &Error{Path: path, Msg: "invalid YAML: " + msg}
}

// Defs turns the kpis: entries into definitions. tables (may be nil) lets a
// built-in used without a source find its standard table.
func (c *Config) Defs(tables map[string]bool) ([]*kpi.Def, error) {
	var out []*kpi.Def
	ids := map[string]bool{}
	for _, k := range c.KPIs {
		d, err := c.bind(k)
		if err != nil {
			return nil, err
		}
		ids[d.ID] = true
		out = append(out, d)
	}
	// Composite built-ins bring their hidden inputs along unless defined.
	for _, d := range append([]*kpi.Def(nil), out...) {
		if d.Type != kpi.Composite || !d.Builtin {
			continue
		}
		b, _ := kpi.LookupBuiltin(d.ID)
		for _, dep := range b.Deps() {
			if ids[dep] {
				continue
			}
			db, ok := kpi.LookupBuiltin(dep)
			if !ok {
				continue
			}
			dd := db.Bind("", nil)
			dd.Hidden = true
			dd.Origin = d.Origin
			ids[dep] = true
			out = append(out, dd)
		}
	}
	return out, nil
}

func (c *Config) bind(k KPI) (*kpi.Def, error) {
	origin := fmt.Sprintf("%s:%d", c.Path, k.line)
	fail := func(format string, a ...any) error {
		return &Error{Path: c.Path, Line: k.line, Msg: fmt.Sprintf(format, a...)}
	}
	var d *kpi.Def
	if k.Use != "" {
		b, ok := kpi.LookupBuiltin(k.Use)
		if !ok {
			msg := fmt.Sprintf("unknown built-in KPI %q", k.Use)
			if near := kpi.Nearest(k.Use, kpi.BuiltinIDs(), 2); len(near) > 0 {
				msg += fmt.Sprintf("; did you mean %q?", near[0])
			}
			return nil, fail("%s (built-ins: %s)", msg, strings.Join(kpi.BuiltinIDs(), ", "))
		}
		for role := range k.Columns {
			if !b.HasRole(role) {
				return nil, fail("KPI %s: columns: %q is not a column role of %s (roles: %s)", k.Use, role, k.Use, strings.Join(b.Roles, ", "))
			}
		}
		if k.Type != "" || k.Numerator != "" || k.Denominator != "" || k.Inputs != nil || k.Expr != "" {
			return nil, fail("KPI %s: a built-in (use:) takes name, source, columns, where, target, time, min_sample; its formula is fixed. Give it an id: and type: to define your own", k.Use)
		}
		d = b.Bind(k.Source, k.Columns)
		if k.Where != "" {
			// Counted like a custom KPI's where: every component only over
			// the rows that match (the engine binds it against the table).
			d.Where = andWhere(d.Where, k.Where)
		}
		if k.ID != "" {
			d.ID = k.ID
		}
		if k.Time.Set {
			d.Time = ""
			if !k.Time.Null {
				d.Time = k.Time.V
			}
			d.Description = b.DescriptionFor(d.Time)
			// The time role is no longer needed unless an expression reads it.
			if role := b.TimeRole(); role != "" && !b.Reads(role) {
				delete(d.Roles, role)
			}
		}
	} else {
		d = &kpi.Def{
			ID: k.ID, Source: k.Source, Type: kpi.Type(strings.ToLower(k.Type)),
			Numerator: k.Numerator, Denominator: k.Denominator, Inputs: k.Inputs, Expr: k.Expr,
			N: k.N, Where: k.Where, Extras: k.Extras, Better: kpi.Polarity(strings.ToLower(k.Better)),
		}
		if d.Source == "" && len(c.Sources) == 1 && d.Type != kpi.Composite {
			d.Source = c.Sources[0].Name
		}
		if w := c.Warehouse; d.Source == "" && w != nil && len(w.Tables) == 1 && d.Type != kpi.Composite {
			for n := range w.Tables {
				d.Source = n
			}
		}
		if k.Time.Set {
			if !k.Time.Null {
				d.Time = k.Time.V
			}
		} else {
			d.Time = c.SourceTime[d.Source]
		}
		if len(k.Columns) > 0 {
			return nil, fail("KPI %s: columns: maps the roles of a built-in; a custom KPI names its columns in its expressions", k.ID)
		}
	}
	d.Origin = origin
	if k.whereLine > 0 {
		d.WhereOrigin = fmt.Sprintf("%s:%d", c.Path, k.whereLine)
	}
	if k.Name != "" {
		d.Name = k.Name
	}
	if k.Short != "" {
		d.Short = k.Short
	}
	if k.Description != "" {
		d.Description = k.Description
	}
	if k.Use != "" && k.Source != "" {
		d.Source = k.Source
	}
	if k.Scale != nil {
		d.Scale = *k.Scale
	}
	if k.Unit != nil {
		d.Unit = *k.Unit
	}
	if k.Decimals != nil {
		d.Decimals = *k.Decimals
	} else if k.Use == "" {
		d.Decimals = 1
	}
	if k.Better != "" {
		d.Better = kpi.Polarity(strings.ToLower(k.Better))
	}
	if k.MinSample > 0 {
		d.MinSample = k.MinSample
	}
	d.Hidden = d.Hidden || k.Hidden
	if k.Target != nil {
		t, err := c.target(k, d)
		if err != nil {
			return nil, err
		}
		d.Target = t
	}
	if err := d.Validate(); err != nil {
		return nil, fail("%v", err)
	}
	if err := c.insight(k, d); err != nil {
		return nil, err
	}
	return d, nil
}

func (c *Config) target(k KPI, d *kpi.Def) (*kpi.Target, error) {
	fail := func(format string, a ...any) error {
		return &Error{Path: c.Path, Line: k.line, Msg: fmt.Sprintf("KPI %s: target: ", d.ID) + fmt.Sprintf(format, a...)}
	}
	ty := k.Target
	t := &kpi.Target{}
	if d.Target != nil { // a built-in's target is the default for each field
		*t = *d.Target
	}
	if ty.Value != nil {
		t.Value = *ty.Value
		if ty.Warn == nil {
			t.Warn = nil
		}
	} else if d.Target == nil {
		return nil, fail("value is missing, e.g. target: {value: 80, warn: 75}")
	}
	if ty.Warn != nil {
		t.Warn = ty.Warn
	}
	if ty.Grain != "" {
		g, err := kpi.ParseGrain(ty.Grain)
		if err != nil {
			return nil, fail("%v", err)
		}
		t.Grain = g
	}
	t.Overrides = nil
	for _, o := range ty.Overrides {
		if o.Value == nil {
			return nil, fail("an override has no value, e.g. {when: {region: EMEA}, value: 85}")
		}
		ov := kpi.Override{When: o.When, Value: *o.Value, Warn: o.Warn}
		if o.From != "" {
			tm, err := time.Parse("2006-01-02", o.From)
			if err != nil {
				return nil, fail("override from %q is not a date; use YYYY-MM-DD", o.From)
			}
			ov.From = tm
		}
		t.Overrides = append(t.Overrides, ov)
	}
	return t, nil
}

// andWhere joins two row filters; either may be "".
func andWhere(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return "(" + a + ") AND (" + b + ")"
}

// Find looks for kpiscope.yaml in dir.
func Find(dir string) (string, bool) {
	p := filepath.Join(dir, FileName)
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p, true
	}
	return "", false
}

// isNull reports whether the node at path p exists and is null (time: null, ~ or nothing).
func isNull(file *ast.File, p string) bool {
	if file == nil {
		return false
	}
	yp, err := yaml.PathString(p)
	if err != nil {
		return false
	}
	n, err := yp.FilterFile(file)
	return err == nil && n != nil && n.Type() == ast.NullType
}

// keyOf names the mapping key a value token belongs to.
// shapeOf says what a key takes, with an example for the keys whose shape
// is easy to get wrong (benchmark: 70, annotations: as one mapping).
func shapeOf(key string, list bool) string {
	switch {
	case key == "benchmark" && !list:
		return `takes a mapping with the value, its label and its source, e.g. benchmark: {value: 78, label: industry median, source: "Survey 2025, https://example.org/report"}`
	case key == "annotations" && list:
		return "takes a list, one entry per note (each line starting with - ), e.g. annotations: [{date: 2026-03-14, label: March incident}, {from: 2026-03-02, to: 2026-03-27, label: Backlog, segment: {channel: email}}]"
	case key == "segment" && !list:
		return "takes one dimension: value pair, e.g. segment: {channel: email}"
	case list:
		return "a list is expected here (- item lines or [a, b])"
	}
	return "a mapping is expected here (key: value lines or {key: value})"
}

// enclosingKey is the key whose value is the block mapping starting at tk
// (the decoder points at the mapping's first colon): the nearest earlier
// key left of the mapping's first key.
func enclosingKey(tk *token.Token) string {
	if tk == nil || tk.Type != token.MappingValueType || tk.Prev == nil {
		return ""
	}
	col := tk.Prev.Position.Column
	for p := tk.Prev.Prev; p != nil; p = p.Prev {
		if p.Next != nil && p.Next.Type == token.MappingValueType && p.Position.Column < col {
			return p.Value
		}
	}
	return ""
}

func keyOf(tk *token.Token) string {
	if tk != nil && tk.Prev != nil && tk.Prev.Type == token.MappingValueType && tk.Prev.Prev != nil {
		return tk.Prev.Prev.Value
	}
	return ""
}

// firstTag finds a YAML tag (!x): kpiscope.yaml never needs one, and the
// decoder panics on a tag where a list or mapping belongs (goccy/go-yaml#735).
func firstTag(file *ast.File) *token.Token {
	var found *token.Token
	for _, doc := range file.Docs {
		ast.Walk(visitorFunc(func(n ast.Node) bool {
			if t, ok := n.(*ast.TagNode); ok && found == nil {
				found = t.GetToken()
			}
			return found == nil
		}), doc)
	}
	return found
}

type visitorFunc func(ast.Node) bool

func (f visitorFunc) Visit(n ast.Node) ast.Visitor {
	if f(n) {
		return f
	}
	return nil
}
