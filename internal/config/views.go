package config

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
)

// Saved views (issue 15): views: names what the explorer shows (a KPI, a
// breakdown, filters, a period or a window, a comparison), so a view can be
// reopened with `kpiscope --view NAME`, `ssh -t host NAME` or the palette.
// The file stays the operator's: the explorer prints the YAML to add (V) and
// never writes it.

// viewYAML is one views: entry as written.
type viewYAML struct {
	Description string   `yaml:"description"`
	KPI         string   `yaml:"kpi"`
	By          string   `yaml:"by"`
	Filters     []string `yaml:"filters"`
	Grain       string   `yaml:"grain"`
	Period      string   `yaml:"period"`
	Window      string   `yaml:"window"`
	Compare     string   `yaml:"compare"`
}

// View is one views: entry, checked: a named view of the explorer.
type View struct {
	Name        string
	Description string       // "" = none written
	KPI         string       // KPI id; "" = the first
	By          string       // breakdown dimension; "" = the default
	Filters     []kpi.Filter // as kpi.ParseFilter reads them
	Grain       kpi.Grain    // "" = the period's, or month; none with a window
	Period      string       // as report --period reads it; "" = the latest
	Window      kpi.Window   // a range relative to the data's latest day; replaces Period
	Compare     kpi.Compare  // "" = previous
	Line        int          // of its name in the file

	kpiLine, byLine, periodLine int
	filterLines                 []int
}

// ViewExample is a views: entry to copy, for messages.
const ViewExample = "views: {email-weekly: {kpi: csat, by: team, filters: [channel=email], grain: week, compare: year}}"

// ValidViewName reports whether s can name a view: letters, digits, '-',
// '_' and '.', starting with a letter or digit, so it can be typed after
// `ssh -t host` and `--view` without quoting.
func ValidViewName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !ok && (i == 0 || r != '-' && r != '_' && r != '.') {
			return false
		}
	}
	return true
}

// FindView returns the view named name (case-sensitive), or nil.
func (c *Config) FindView(name string) *View {
	if c == nil {
		return nil
	}
	for i := range c.Views {
		if c.Views[i].Name == name {
			return &c.Views[i]
		}
	}
	return nil
}

// ViewNames lists the views' names in the order written.
func (c *Config) ViewNames() []string {
	if c == nil {
		return nil
	}
	out := make([]string, len(c.Views))
	for i, v := range c.Views {
		out[i] = v.Name
	}
	return out
}

// UnknownView is the error for a view name the config does not have: the
// nearest names and the whole list, or how to add one. A name no view can
// have (empty, two words, a shell line) is told what a name is.
func (c *Config) UnknownView(name string) error {
	names := c.ViewNames()
	msg := fmt.Sprintf("no saved view %q", name)
	switch {
	case name == "":
		msg = "an empty name names no saved view: give a view's name"
	case !ValidViewName(name):
		msg = fmt.Sprintf("%s is no saved view's name: a name is one word of up to 64 letters, digits, -, _ and .", shortQuote(name))
	}
	if len(names) == 0 {
		where := "kpiscope.yaml"
		if c != nil {
			where = c.Path
		}
		return fmt.Errorf("%s; %s has no views: section; add one, e.g. %s (V in the explorer prints the YAML of what it shows)", msg, where, ViewExample)
	}
	if name != "" {
		if near := kpi.Nearest(name, names, 1); len(near) > 0 {
			msg += fmt.Sprintf("; did you mean %q?", near[0])
		}
	}
	return fmt.Errorf("%s (views: %s)", msg, cmdline.List(names, 20))
}

// shortQuote quotes s, cut to 40 characters ("…" marks the cut), for a
// message that repeats what someone typed.
func shortQuote(s string) string {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return strconv.Quote(s)
}

// views reads the views: mapping in the order written. node is the
// mapping's node in the file (nil when the file could not be parsed again).
func (c *Config) views(raw map[string]viewYAML, node ast.Node, line int) error {
	if len(raw) == 0 {
		return nil
	}
	type entry struct {
		name string
		node ast.Node
		line int
	}
	var order []entry
	if mn, ok := node.(ast.MapNode); ok {
		for it := mn.MapRange(); it.Next(); {
			k := it.Key()
			order = append(order, entry{k.GetToken().Value, it.Value(), k.GetToken().Position.Line})
		}
	}
	if len(order) != len(raw) { // no usable AST: the map's order, sorted
		order = order[:0]
		for n := range raw {
			order = append(order, entry{name: n, line: line})
		}
		slices.SortFunc(order, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	}
	for _, e := range order {
		y, ok := raw[e.name]
		if !ok {
			continue
		}
		v := View{Name: e.name, Line: e.line}
		v.kpiLine, v.byLine, v.periodLine = cmpLine(childLine(e.node, "kpi"), e.line), cmpLine(childLine(e.node, "by"), e.line), cmpLine(childLine(e.node, "period"), e.line)
		items := childItems(e.node, "filters")
		for i := range y.Filters {
			l := e.line
			if i < len(items) {
				l = items[i]
			}
			v.filterLines = append(v.filterLines, l)
		}
		if err := c.view(&v, y, e.node); err != nil {
			return err
		}
		c.Views = append(c.Views, v)
	}
	return nil
}

func cmpLine(l, def int) int {
	if l > 0 {
		return l
	}
	return def
}

// view checks one entry and fills v from it.
func (c *Config) view(v *View, y viewYAML, node ast.Node) error {
	fail := func(line int, format string, a ...any) error {
		return &Error{Path: c.Path, Line: line, Msg: fmt.Sprintf("view %s: ", v.Name) + fmt.Sprintf(format, a...)}
	}
	if !ValidViewName(v.Name) {
		return &Error{Path: c.Path, Line: v.Line, Msg: fmt.Sprintf("view name %q: use letters, digits, -, _ and . (it is typed after `kpiscope --view` and `ssh -t host`), e.g. email-weekly", v.Name)}
	}
	v.Description = strings.TrimSpace(y.Description)
	v.KPI, v.By = strings.TrimSpace(y.KPI), strings.TrimSpace(y.By)
	if v.KPI != "" {
		if err := c.viewKPI(v); err != nil {
			return err
		}
	}
	for i, s := range y.Filters {
		f, err := kpi.ParseFilter(s)
		if err != nil {
			return fail(v.filterLines[i], "filters: %v (a list, e.g. filters: [channel!=web, \"plan=Basic,Pro\", contacts>=2])", err)
		}
		for _, g := range v.Filters {
			if g.Dim == f.Dim && g.Op == f.Op {
				return fail(v.filterLines[i], "filters: %s and %s filter %s alike; give the values in one, e.g. %s=%s,%s", g.Arg(), f.Arg(), f.Dim, f.Dim, strings.Join(g.Values, ","), strings.Join(f.Values, ","))
			}
		}
		v.Filters = append(v.Filters, f)
	}
	if s := strings.TrimSpace(y.Grain); s != "" {
		g, err := kpi.ParseGrain(s)
		if err != nil {
			return fail(cmpLine(childLine(node, "grain"), v.Line), "grain: %v", err)
		}
		v.Grain = g
	}
	period, window := strings.TrimSpace(y.Period), strings.TrimSpace(y.Window)
	if period != "" && window != "" {
		return fail(v.periodLine, "give period: (a calendar period such as 2026-Q3) or window: (a range up to the latest day such as 30d or qtd), not both")
	}
	if period != "" {
		_, g, err := kpi.ParsePeriod(period)
		if err != nil {
			return fail(v.periodLine, "period: %v", err)
		}
		switch {
		case v.Grain == "":
			v.Grain = g
		case v.Grain != g:
			return fail(v.periodLine, "period: %s is a %s but grain: is %s; drop grain: (the period sets it) or make them agree", period, g, v.Grain)
		}
		v.Period = period
	}
	if window != "" {
		w, err := kpi.ParseWindow(window)
		if err != nil {
			return fail(cmpLine(childLine(node, "window"), v.Line), "%v", err)
		}
		if v.Grain != "" {
			return fail(cmpLine(childLine(node, "grain"), v.Line), "window: %s sets the periods' size: leave out grain: %s", window, v.Grain)
		}
		v.Window = w
	}
	if s := strings.TrimSpace(y.Compare); s != "" {
		cm, err := kpi.ParseCompare(s)
		if err != nil {
			return fail(cmpLine(childLine(node, "compare"), v.Line), "compare: %v", err)
		}
		v.Compare = cm
	}
	// A window a year holds no whole number of has no last-year match: the
	// view would open on an error (30d, compare: year).
	if err := kpi.CheckWindowCompare(v.Window, v.Compare); err != nil {
		return fail(cmpLine(childLine(node, "compare"), v.Line), "compare: %v", err)
	}
	return nil
}

// viewKPI checks a view's KPI against the kpis: entries (and the helpers
// built-ins bring along, which are hidden and so cannot be shown).
func (c *Config) viewKPI(v *View) error {
	defs, err := c.Defs(nil)
	if err != nil {
		return err
	}
	var ids []string
	for _, d := range defs {
		if d.ID == v.KPI {
			if d.Hidden {
				return &Error{Path: c.Path, Line: v.kpiLine, Msg: fmt.Sprintf("view %s: kpi: %s is hidden (hidden: true, or a helper of a built-in), so the explorer does not show it; name a KPI of the scorecard", v.Name, v.KPI)}
			}
			return nil
		}
		if !d.Hidden {
			ids = append(ids, d.ID)
		}
	}
	msg := fmt.Sprintf("view %s: kpi: unknown KPI %q", v.Name, v.KPI)
	if near := kpi.Nearest(v.KPI, ids, 1); len(near) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", near[0])
	}
	return &Error{Path: c.Path, Line: v.kpiLine, Msg: msg + fmt.Sprintf(" (the KPIs: %s)", cmdline.List(ids, 20))}
}

// CheckViews checks the views against the data once it is loaded: each
// KPI is one the engine shows, each dimension (by: and the filters'
// columns) is a column of the data, a filter's values are values its
// column holds, and a period has data. Nil config: nothing to check.
func (c *Config) CheckViews(ctx context.Context, eng *kpi.Engine) error {
	if c == nil || eng == nil {
		return nil
	}
	for _, v := range c.Views {
		fail := func(line int, format string, a ...any) error {
			return &Error{Path: c.Path, Line: line, Msg: fmt.Sprintf("view %s: ", v.Name) + fmt.Sprintf(format, a...)}
		}
		if v.KPI != "" {
			if d := eng.Def(v.KPI); d == nil || d.Hidden {
				var ids []string
				for _, d := range eng.Defs() {
					ids = append(ids, d.ID)
				}
				msg := fmt.Sprintf("kpi: unknown KPI %q", v.KPI)
				if near := kpi.Nearest(v.KPI, ids, 1); len(near) > 0 {
					msg += fmt.Sprintf("; did you mean %q?", near[0])
				}
				return fail(v.kpiLine, "%s (the KPIs: %s)", msg, cmdline.List(ids, 20))
			}
		}
		if v.By != "" {
			if err := eng.CheckDimension(v.By); err != nil {
				return fail(v.byLine, "by: %v; name a column of the data", err)
			}
		}
		for i, f := range v.Filters {
			if err := eng.CheckDimension(f.Dim); err != nil {
				return fail(v.filterLines[i], "filters: %s: %v; name a column of the data", f.Arg(), err)
			}
			if f.Op.Numeric() {
				continue
			}
			// DimValues lists up to 1,000 values: a longer list may hold it.
			vals, err := eng.DimValues(ctx, f.Dim)
			if err != nil || len(vals) >= 1000 {
				continue
			}
			for _, x := range f.Values {
				if slices.Contains(vals, x) {
					continue
				}
				msg := fmt.Sprintf("filters: %s never holds %q", f.Dim, x)
				if near := kpi.Nearest(x, vals, 1); len(near) > 0 && len(x) > 2 { // one letter is near every short value
					msg += fmt.Sprintf("; did you mean %q?", near[0])
				}
				return fail(v.filterLines[i], "%s (its values: %s; they must match exactly)", msg, cmdline.List(vals, 10))
			}
		}
		if v.Period != "" {
			t, g, err := kpi.ParsePeriod(v.Period)
			if err == nil {
				err = eng.CheckPeriod(kpi.Slice{Period: t, Grain: g})
			}
			if err != nil {
				return fail(v.periodLine, "period: %v", err)
			}
		}
	}
	return nil
}

// childLine is the line of key's value in the mapping node n; 0 if none.
func childLine(n ast.Node, key string) int {
	if v := child(n, key); v != nil && v.GetToken() != nil {
		return v.GetToken().Position.Line
	}
	return 0
}

// childItems are the lines of the items of the list under key in n.
func childItems(n ast.Node, key string) []int {
	seq, ok := child(n, key).(*ast.SequenceNode)
	if !ok {
		return nil
	}
	var out []int
	for _, it := range seq.Values {
		if it != nil && it.GetToken() != nil {
			out = append(out, it.GetToken().Position.Line)
		}
	}
	return out
}

// child is the value of key in the mapping node n; nil if none.
func child(n ast.Node, key string) ast.Node {
	mn, ok := n.(ast.MapNode)
	if !ok {
		return nil
	}
	for it := mn.MapRange(); it.Next(); {
		if it.Key().GetToken().Value == key {
			return it.Value()
		}
	}
	return nil
}

// duplicateView rewords the YAML parser's complaint about a name given twice
// under views: ("mapping key "a" already defined at [2:3]"); "" when the
// error is another.
func duplicateView(tk *token.Token, msg string) string {
	if tk == nil || !strings.HasPrefix(msg, "mapping key ") || !strings.Contains(msg, "already defined at [") {
		return ""
	}
	// The mapping holding the key is the value of the nearest earlier key
	// left of it.
	for p := tk.Prev; p != nil; p = p.Prev {
		if p.Next != nil && p.Next.Type == token.MappingValueType && p.Position.Column < tk.Position.Column {
			if p.Value != "views" {
				return ""
			}
			first := msg[strings.Index(msg, "at [")+4:]
			first, _, _ = strings.Cut(first, ":")
			return fmt.Sprintf("view %q is defined twice (first at line %s); give each view a name of its own", tk.Value, first)
		}
	}
	return ""
}
