// Package quality checks the data behind each KPI for problems that make its
// numbers untrustworthy: a column mapped to the wrong type, answers off their
// scale, negative durations, repeated ids, timestamps in the future, blanks,
// periods with no rows. kpiscope check, report and the explorer show its
// findings.
package quality

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
	"kpiscope/internal/schema"
	"kpiscope/internal/store"
)

// Kind is the kind of a data-quality warning.
type Kind string

// Warning kinds. Errors make a KPI's value wrong; warnings mean it is right
// for the rows it counts, but fewer or different rows count than one would
// think.
const (
	KindDefinition       Kind = "definition"        // error: the KPI cannot run (missing or mistyped column, bad expression)
	KindScoreRange       Kind = "score_range"       // error: answers outside the score's scale
	KindNegativeDuration Kind = "negative_duration" // error when averaged; warning when the KPI already skips them
	KindDuplicateID      Kind = "duplicate_id"      // error: rows counted twice
	KindFutureTimestamp  Kind = "future_timestamp"  // warning: dated after now
	KindNulls            Kind = "nulls"             // warning: a column the KPI needs is blank on many rows
	KindEmptyPeriods     Kind = "empty_periods"     // warning: months (or weeks) with no rows at all
)

// Severity says whether a warning makes the KPI's value wrong.
type Severity string

// Severities.
const (
	SeverityWarning Severity = "warning"
	SeverityError   Severity = "error"
)

// Warning is one data-quality finding about one KPI.
type Warning struct {
	KPI      string
	Table    string
	Column   string
	Kind     Kind
	Severity Severity
	// Rows is how many rows are affected; for empty_periods, how many periods.
	Rows int64
	// Example is one offending value or row, e.g. `"satisfaction rating" = 9 (call id = ID0042, date = 2021-01-03)`.
	Example string
	Message string
	// Fix is what to write instead, when the check knows ("numerator:
	// count(DISTINCT CustomerId) FILTER (WHERE Exited = 1), …"); "" otherwise.
	Fix string
}

// String renders a warning on one line.
func (w Warning) String() string {
	s := fmt.Sprintf("%-7s %s: %s", w.Severity, w.KPI, w.Message)
	if w.Example != "" {
		s += "; e.g. " + w.Example
	}
	if w.Fix != "" {
		s += "; fix: " + w.Fix
	}
	return s
}

// HasErrors reports whether any warning is an error.
func HasErrors(ws []Warning) bool {
	for _, w := range ws {
		if w.Severity == SeverityError {
			return true
		}
	}
	return false
}

// ByKPI groups the warnings' one-line texts by KPI id (the TUI's
// Deps.Warnings and EngineMsg.Warnings take this shape).
func ByKPI(ws []Warning) map[string][]string {
	out := map[string][]string{}
	for _, w := range ws {
		out[w.KPI] = append(out[w.KPI], w.String())
	}
	return out
}

// Thresholds for the nulls check: answers to a survey question are blank on
// most rows in a healthy file (response rates of 10–40% are normal), other
// columns should hardly ever be.
const (
	nullShareAnswers = 0.80
	nullShareOther   = 0.20
)

// Check runs the data-quality checks for every visible KPI of the engine
// (composites inherit their inputs' findings). Definition problems (a column
// mapping naming a column that does not exist or has the wrong type) come
// first and need no query; the data checks read the tables. now is the
// clock for "timestamps in the future".
func Check(ctx context.Context, eng *kpi.Engine, now time.Time) ([]Warning, error) {
	c := &checker{eng: eng, sql: dialect{eng: eng, wh: eng.Warehouse()}, now: now, cache: map[string][]Warning{}}
	var out []Warning
	perKPI := map[string][]Warning{}
	var visit func(d *kpi.Def) ([]Warning, error)
	visit = func(d *kpi.Def) ([]Warning, error) {
		if ws, ok := perKPI[d.ID]; ok {
			return ws, nil
		}
		var ws []Warning
		if err := eng.Problems()[d.ID]; kpi.IsWaiting(err) {
			// Its table is being made (the business hours of large
			// tickets): the engine that replaces this one is checked.
		} else if err != nil {
			ws = append(ws, definitionWarning(eng, d, err))
		} else if d.Type == kpi.Composite {
			for _, name := range d.InputNames() {
				id, _, _ := strings.Cut(d.Inputs[name], ".")
				dep := eng.Def(id)
				if dep == nil {
					continue
				}
				dws, err := visit(dep)
				if err != nil {
					return nil, err
				}
				for _, w := range dws {
					w.KPI = d.ID
					w.Message = "via " + id + ": " + w.Message
					ws = append(ws, w)
				}
			}
		} else {
			var err error
			if ws, err = c.kpi(ctx, d); err != nil {
				if ctx.Err() != nil {
					return nil, err
				}
				// One KPI's failing query (a filter the warehouse cannot
				// run, a timeout) leaves the others' checks standing.
				ws = []Warning{{KPI: d.ID, Table: d.Source, Kind: KindDefinition, Severity: SeverityWarning,
					Message: "its data checks could not run: " + firstLine(err.Error())}}
			}
		}
		perKPI[d.ID] = dedupe(ws)
		return perKPI[d.ID], nil
	}
	for _, d := range eng.Defs() {
		ws, err := visit(d)
		if err != nil {
			return nil, err
		}
		out = append(out, ws...)
	}
	return out, nil
}

// CheckDefinitions returns only the definition problems: no query runs.
func CheckDefinitions(eng *kpi.Engine) []Warning {
	var out []Warning
	for _, d := range eng.Defs() {
		if err := eng.Problems()[d.ID]; err != nil && !kpi.IsWaiting(err) {
			out = append(out, definitionWarning(eng, d, err))
		}
	}
	return out
}

func dedupe(ws []Warning) []Warning {
	seen := map[string]bool{}
	var out []Warning
	for _, w := range ws {
		k := w.KPI + "\x00" + string(w.Kind) + "\x00" + w.Table + "\x00" + w.Column + "\x00" + w.Message
		if !seen[k] {
			seen[k] = true
			out = append(out, w)
		}
	}
	return out
}

// definitionWarning turns an engine problem into a warning that names the
// KPI, the role the column was meant to fill, and the nearest columns.
func definitionWarning(eng *kpi.Engine, d *kpi.Def, err error) Warning {
	w := Warning{KPI: d.ID, Table: d.Source, Kind: KindDefinition, Severity: SeverityError}
	msg := err.Error()
	var de *kpi.DefError
	if errors.As(err, &de) {
		msg = de.Err.Error()
	}
	var ce *kpi.ColumnError
	if errors.As(err, &ce) {
		w.Column = ce.Column
		if !strings.Contains(msg, "role ") {
			if _, cols, ok := boundRoles(d); ok {
				for _, r := range slices.Sorted(maps.Keys(cols)) {
					if strings.EqualFold(cols[r], ce.Column) {
						role, _ := schema.LookupRole(r)
						msg = fmt.Sprintf("role %s (%s): %s", r, role.Help, msg)
						break
					}
				}
			}
		}
	}
	if w.Column == "" {
		w.Column = mistypedColumn(eng, d)
	}
	w.Message = fmt.Sprintf("%s (%s) cannot be computed: %s", d.ID, d.Label(), msg)
	if d.Origin != "" {
		w.Message += " [" + d.Origin + "]"
	}
	return w
}

// mistypedColumn names the first role whose column has the wrong type.
func mistypedColumn(eng *kpi.Engine, d *kpi.Def) string {
	_, cols, ok := boundRoles(d)
	if !ok {
		return ""
	}
	tcols := eng.Tables()[d.Source]
	for _, r := range slices.Sorted(maps.Keys(cols)) {
		for _, c := range tcols {
			if !strings.EqualFold(c.Name, cols[r]) {
				continue
			}
			role, _ := schema.LookupRole(r)
			switch k := role.Kind; {
			case k == schema.KindTime:
				if !schema.IsTime(c.Type) {
					return c.Name
				}
			case k.Numeric():
				if !schema.IsNumeric(c.Type) {
					return c.Name
				}
			}
		}
	}
	return ""
}

// boundRoles gives the built-in a definition was bound from (under its own
// id or another, renamed with id:) and the column each of its roles was
// mapped to; ok is false for custom definitions and composites.
func boundRoles(d *kpi.Def) (b kpi.Builtin, columns map[string]string, ok bool) {
	if d == nil || !d.Builtin || d.Type == kpi.Composite {
		return kpi.Builtin{}, nil, false
	}
	b, ok = kpi.LookupBuiltin(d.BuiltinID)
	return b, d.Roles, ok
}

// colClass is what a KPI needs a column for.
type colClass int

const (
	classOther colClass = iota
	classScore
	classTime
	classDuration
	classID
)

// dep is a column a KPI depends on.
type dep struct {
	column   string
	class    colClass
	scale    *schema.Scale // known scale (built-in roles); nil = infer from the data
	optional bool          // blank means "not yet" (resolved, churned, answered)
	answers  bool          // survey answers: blank on most rows is normal
}

// deps lists the columns a KPI reads: a built-in's roles through its
// mapping, or the columns a custom KPI's expressions name.
func (c *checker) deps(d *kpi.Def) []dep {
	cols := c.eng.Tables()[d.Source]
	var out []dep
	seen := map[string]bool{}
	add := func(x dep) {
		if x.column != "" && !seen[strings.ToLower(x.column)] {
			seen[strings.ToLower(x.column)] = true
			out = append(out, x)
		}
	}
	if _, bound, ok := boundRoles(d); ok {
		for _, r := range slices.Sorted(maps.Keys(bound)) {
			spec, _ := schema.LookupRole(r)
			x := dep{column: columnName(cols, bound[r]), optional: spec.Optional}
			switch spec.Kind {
			case schema.KindScore:
				s := spec.Scale
				x.class, x.scale, x.answers = classScore, &s, true
			case schema.KindTime:
				x.class = classTime
			case schema.KindID:
				x.class = classID
			}
			add(x)
		}
		if d.Time != "" {
			add(dep{column: columnName(cols, d.Time), class: classTime})
		}
		return out
	}
	exprs := []string{d.Numerator, d.Denominator, d.Where, d.N}
	for _, n := range d.InputNames() {
		exprs = append(exprs, d.Inputs[n])
	}
	for _, n := range d.ExtraNames() {
		exprs = append(exprs, d.Extras[n])
	}
	for _, e := range exprs {
		for _, name := range exprColumns(e, cols) {
			add(customDep(cols, name))
		}
	}
	if d.Time != "" {
		add(customDep(cols, columnName(cols, d.Time)))
	}
	return out
}

// columnName is the table's spelling of a column, "" when it has none.
func columnName(cols []store.Column, name string) string {
	c, _ := schema.Column(cols, name)
	return c.Name
}

var optionalStems = []string{"resolved", "closed", "churn", "cancel", "responded", "response", "answered", "ended", "end", "completed", "solved", "left", "terminat"}

func customDep(cols []store.Column, name string) dep {
	x := dep{column: name}
	var ty string
	for _, c := range cols {
		if c.Name == name {
			ty = c.Type
		}
	}
	toks := schema.Tokens(name)
	switch {
	case schema.IsTime(ty):
		x.class, x.optional = classTime, schema.HasStem(toks, optionalStems...)
	case schema.IsNumeric(ty) && schema.IsScoreName(toks):
		x.class, x.answers = classScore, true
	case schema.IsNumeric(ty) && schema.IsDurationName(toks):
		x.class = classDuration
	case schema.LooksLikeID(name):
		x.class = classID
	}
	return x
}

// exprColumns finds the table's columns named in an SQL expression: quoted
// identifiers, and bare words that are column names (not function names).
func exprColumns(expr string, cols []store.Column) []string {
	var out []string
	for i := 0; i < len(expr); {
		ch := expr[i]
		switch {
		case ch == '\'':
			j := i + 1
			for j < len(expr) && !(expr[j] == '\'' && (j+1 >= len(expr) || expr[j+1] != '\'')) {
				if expr[j] == '\'' {
					j++
				}
				j++
			}
			i = j + 1
		case ch == '"':
			j := i + 1
			var b strings.Builder
			for j < len(expr) {
				if expr[j] == '"' {
					if j+1 < len(expr) && expr[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(expr[j])
				j++
			}
			if n := columnName(cols, b.String()); n != "" {
				out = append(out, n)
			}
			i = j + 1
		case isWordStart(ch):
			j := i
			for j < len(expr) && (isWordStart(expr[j]) || expr[j] >= '0' && expr[j] <= '9') {
				j++
			}
			k := j
			for k < len(expr) && expr[k] == ' ' {
				k++
			}
			if k >= len(expr) || expr[k] != '(' {
				if n := columnName(cols, expr[i:j]); n != "" {
					out = append(out, n)
				}
			}
			i = j
		case ch >= '0' && ch <= '9':
			for i < len(expr) && (isWordStart(expr[i]) || expr[i] >= '0' && expr[i] <= '9' || expr[i] == '.') {
				i++
			}
		default:
			i++
		}
	}
	return out
}

func isWordStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// checker runs the data checks, caching per table, filter and column: KPIs
// that share a table share the findings' queries.
type checker struct {
	eng   *kpi.Engine
	sql   dialect
	now   time.Time
	cache map[string][]Warning
}

func (c *checker) kpi(ctx context.Context, d *kpi.Def) ([]Warning, error) {
	if _, err := c.sql.where(d); err != nil {
		return nil, nil // a row filter the warehouse cannot run: the KPI's own error says so
	}
	deps := c.deps(d)
	var out []Warning
	run := func(key string, f func() ([]Warning, error)) error {
		key = d.Source + "\x00" + d.Where + "\x00" + key
		ws, ok := c.cache[key]
		if !ok {
			var err error
			if ws, err = f(); err != nil {
				return err
			}
			c.cache[key] = ws
		}
		for _, w := range ws {
			w.KPI = d.ID
			out = append(out, w)
		}
		return nil
	}
	for _, x := range deps {
		x := x
		if err := run("nulls\x00"+x.column, func() ([]Warning, error) { return c.nulls(ctx, d, x) }); err != nil {
			return nil, err
		}
		switch x.class {
		case classScore:
			if err := run("score\x00"+x.column, func() ([]Warning, error) { return c.scoreRange(ctx, d, x) }); err != nil {
				return nil, err
			}
		case classTime:
			if err := run("future\x00"+x.column, func() ([]Warning, error) { return c.future(ctx, d, x.column) }); err != nil {
				return nil, err
			}
		case classDuration:
			if err := run("negative\x00"+x.column, func() ([]Warning, error) { return c.negativeNumber(ctx, d, x.column) }); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range c.pairs(d, deps) {
		p := p
		if err := run("pair\x00"+p.start+"\x00"+p.end+"\x00"+fmt.Sprint(p.skipped), func() ([]Warning, error) { return c.negativePair(ctx, d, p) }); err != nil {
			return nil, err
		}
	}
	if col := leftOutCol(d, c.eng.Tables()[d.Source]); col != "" {
		if err := run("leftout\x00"+col+"\x00"+d.Denominator, func() ([]Warning, error) { return c.leftOut(ctx, d, col) }); err != nil {
			return nil, err
		}
	}
	if err := run("ids\x00"+distinctCols(d), func() ([]Warning, error) { return c.duplicates(ctx, d) }); err != nil {
		return nil, err
	}
	// A cohort KPI counts everyone active in a period, so a month without
	// signups still has a value: no empty-period warning for it.
	if d.Time != "" && d.Type != kpi.Cohort {
		if err := run("periods\x00"+d.Time, func() ([]Warning, error) { return c.emptyPeriods(ctx, d) }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *checker) count(ctx context.Context, d *kpi.Def, cond string, args ...any) (int64, error) {
	w, err := c.sql.where(d, cond)
	if err != nil {
		return 0, err
	}
	r, err := c.sql.query(ctx, fmt.Sprintf("SELECT count(*) FROM %s%s", c.sql.table(d.Source), w), args...)
	if err != nil {
		return 0, err
	}
	return store.Int(r.Data[0][0]), nil
}

// example shows the first matching row: the column in question first, then
// the table's identifiers and dates, then the rest, clipped.
func (c *checker) example(ctx context.Context, d *kpi.Def, first []string, cond string, args ...any) (string, error) {
	w, err := c.sql.where(d, cond)
	if err != nil {
		return "", err
	}
	r, err := c.sql.query(ctx, fmt.Sprintf("SELECT * FROM %s%s LIMIT 1", c.sql.table(d.Source), w), args...)
	if err != nil || len(r.Data) == 0 {
		return "", err
	}
	type cell struct{ k, v string }
	var head, ids, rest []cell
	for i, col := range r.Columns {
		v := r.Data[0][i]
		s := "NULL"
		if v != nil {
			s = schema.ValueText(v)
		}
		x := cell{schema.QuoteName(col), schema.Clip(s, 30)}
		switch {
		case containsFold(first, col):
			head = append(head, x)
		case schema.LooksLikeID(col) || isTimeValue(v):
			ids = append(ids, x)
		default:
			rest = append(rest, x)
		}
	}
	var parts []string
	for _, x := range append(append(head, ids...), rest...) {
		parts = append(parts, x.k+" = "+x.v)
	}
	out := strings.Join(parts[:len(head)], ", ")
	if more := parts[len(head):]; len(more) > 0 {
		out += " (" + schema.Clip(strings.Join(more, ", "), 100) + ")"
	}
	return out, nil
}

func isTimeValue(v any) bool { _, ok := v.(time.Time); return ok }

func containsFold(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func rowsWord(n int64) string { return cmdline.Count(n, "row") }

func (c *checker) nulls(ctx context.Context, d *kpi.Def, x dep) ([]Warning, error) {
	if x.optional || strings.EqualFold(x.column, leftOutCol(d, c.eng.Tables()[d.Source])) {
		return nil, nil // leftOut says it, whatever the share
	}
	q := c.sql.ident(x.column)
	w, err := c.sql.where(d)
	if err != nil {
		return nil, err
	}
	r, err := c.sql.query(ctx, fmt.Sprintf("SELECT count(*), %s FROM %s%s", c.sql.countIf(c.sql.isNull(q)), c.sql.table(d.Source), w))
	if err != nil {
		return nil, err
	}
	all, blank := store.Int(r.Data[0][0]), store.Int(r.Data[0][1])
	limit := nullShareOther
	if x.answers {
		limit = nullShareAnswers
	}
	if all == 0 || float64(blank)/float64(all) < limit {
		return nil, nil
	}
	ex, err := c.example(ctx, d, []string{x.column}, c.sql.isNull(q))
	if err != nil {
		return nil, err
	}
	return []Warning{{Table: d.Source, Column: x.column, Kind: KindNulls, Severity: SeverityWarning, Rows: blank, Example: ex,
		Message: fmt.Sprintf("%s of %s in %s (%s) have no %s; the KPI counts only the others",
			rowsWord(blank), kpi.FormatFloat(float64(all), 0), d.Source, schema.Percent(float64(blank)/float64(all)), schema.QuoteName(x.column))}}, nil
}

func (c *checker) scoreRange(ctx context.Context, d *kpi.Def, x dep) ([]Warning, error) {
	q := c.sql.ident(x.column)
	s := x.scale
	if s == nil {
		// A custom KPI's score: its scale is the standard one that holds 98% of its values.
		r, err := c.sql.query(ctx, fmt.Sprintf("SELECT %[1]s AS v, count(*) AS n FROM %[2]s WHERE %[3]s GROUP BY v ORDER BY n DESC LIMIT 40", c.sql.text(q), c.sql.table(d.Source), c.sql.notNull(q)))
		if err != nil {
			return nil, err
		}
		var values []schema.ValueCount
		for _, v := range r.Data {
			values = append(values, schema.ValueCount{Value: schema.ValueText(v[0]), Rows: store.Int(v[1])})
		}
		if len(values) == 0 || len(values) > 12 {
			return nil, nil
		}
		found, ok := schema.DetectScale(schema.Tokens(x.column), values, 0, 0)
		if !ok {
			return nil, nil
		}
		s = &found
	}
	cond := fmt.Sprintf("%[4]s AND (%[1]s < %[2]d OR %[1]s > %[3]d OR %[1]s <> round(%[1]s))", q, s.Min, s.Max, c.sql.notNull(q))
	n, err := c.count(ctx, d, cond)
	if err != nil || n == 0 {
		return nil, err
	}
	ex, err := c.example(ctx, d, []string{x.column}, cond)
	if err != nil {
		return nil, err
	}
	return []Warning{{Table: d.Source, Column: x.column, Kind: KindScoreRange, Severity: SeverityError, Rows: n, Example: ex,
		Message: fmt.Sprintf("%s of %s are outside its %s scale (or not whole numbers)", rowsWord(n), schema.QuoteName(x.column), s)}}, nil
}

// future counts timestamps more than a day after now (a day of slack for
// time zones).
func (c *checker) future(ctx context.Context, d *kpi.Def, col string) ([]Warning, error) {
	q := c.sql.ident(col)
	limit := c.now.UTC().Add(24 * time.Hour).Format("2006-01-02 15:04:05")
	cond := c.sql.ts(q) + " > " + c.sql.tsArg()
	n, err := c.count(ctx, d, cond, limit)
	if err != nil || n == 0 {
		return nil, err
	}
	ex, err := c.example(ctx, d, []string{col}, cond, limit)
	if err != nil {
		return nil, err
	}
	return []Warning{{Table: d.Source, Column: col, Kind: KindFutureTimestamp, Severity: SeverityWarning, Rows: n, Example: ex,
		Message: fmt.Sprintf("%s of %s are dated after %s; they fall in periods that have not happened", rowsWord(n), schema.QuoteName(col), c.now.Format("2006-01-02"))}}, nil
}

func (c *checker) negativeNumber(ctx context.Context, d *kpi.Def, col string) ([]Warning, error) {
	q := c.sql.ident(col)
	cond := q + " < 0"
	n, err := c.count(ctx, d, cond)
	if err != nil || n == 0 {
		return nil, err
	}
	ex, err := c.example(ctx, d, []string{col}, cond)
	if err != nil {
		return nil, err
	}
	return []Warning{{Table: d.Source, Column: col, Kind: KindNegativeDuration, Severity: SeverityError, Rows: n, Example: ex,
		Message: fmt.Sprintf("%s %s a negative %s, and the KPI averages %s in", rowsWord(n), cmdline.Pick(n, "has", "have"), schema.QuoteName(col), cmdline.Pick(n, "it", "them"))}}, nil
}

var (
	dateDiffRE = regexp.MustCompile(`(?i)date_diff\s*\(\s*'[^']*'\s*,\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)`)
	distinctRE = regexp.MustCompile(`(?i)DISTINCT\s+("(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*)`)
)

// pair is a start and an end column: the end must not come first.
type pair struct {
	start, end string
	skipped    bool // the KPI's formula already leaves such rows out
}

var builtinPairs = [][2]string{{"created_at", "resolved_at"}, {"created_at", "first_response_at"}, {"sent_at", "responded_at"}, {"signup_date", "churn_date"}}

func (c *checker) pairs(d *kpi.Def, deps []dep) []pair {
	var out []pair
	if b, bound, ok := boundRoles(d); ok {
		tmpl := b.Numerator + b.Denominator + b.Where
		for _, v := range b.Inputs {
			tmpl += v
		}
		for _, p := range builtinPairs {
			s, e := bound[p[0]], bound[p[1]]
			if s == "" || e == "" || strings.EqualFold(s, e) {
				continue
			}
			out = append(out, pair{start: s, end: e, skipped: strings.Contains(tmpl, "{"+p[1]+"} >= {"+p[0]+"}")})
		}
		return out
	}
	// Custom KPIs: date_diff('unit', start, end) over two of the table's columns.
	cols := c.eng.Tables()[d.Source]
	all := d.Numerator + " " + d.Denominator + " " + d.Where
	for _, v := range d.Inputs {
		all += " " + v
	}
	for _, m := range dateDiffRE.FindAllStringSubmatch(all, -1) {
		s, e := exprColumns(m[1], cols), exprColumns(m[2], cols)
		if len(s) == 1 && len(e) == 1 && s[0] != e[0] {
			out = append(out, pair{start: s[0], end: e[0]})
		}
	}
	return out
}

func (c *checker) negativePair(ctx context.Context, d *kpi.Def, p pair) ([]Warning, error) {
	s, e := c.sql.ident(p.start), c.sql.ident(p.end)
	cond := c.sql.ts(e) + " < " + c.sql.ts(s)
	n, err := c.count(ctx, d, cond)
	if err != nil || n == 0 {
		return nil, err
	}
	ex, err := c.example(ctx, d, []string{p.start, p.end}, cond)
	if err != nil {
		return nil, err
	}
	w := Warning{Table: d.Source, Column: p.end, Kind: KindNegativeDuration, Severity: SeverityError, Rows: n, Example: ex,
		Message: fmt.Sprintf("%s %s %s before %s (a negative duration)", rowsWord(n), cmdline.Pick(n, "has", "have"), schema.QuoteName(p.end), schema.QuoteName(p.start))}
	if p.skipped {
		w.Severity = SeverityWarning
		w.Message += "; the KPI leaves " + cmdline.Pick(n, "it", "them") + " out, so it counts fewer rows than the file has"
	} else {
		w.Message += "; the KPI counts them as they are"
	}
	return []Warning{w}, nil
}

// distinctCols lists the columns a KPI counts DISTINCT: for those, repeated
// ids are the point (order lines), not an error.
func distinctCols(d *kpi.Def) string {
	all := strings.Join([]string{d.Numerator, d.Denominator, d.N}, " ")
	for _, v := range d.Inputs {
		all += " " + v
	}
	var out []string
	for _, m := range distinctRE.FindAllStringSubmatch(all, -1) {
		out = append(out, strings.ToLower(strings.Trim(m[1], `"`)))
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// duplicates looks for the table's key, an id column whose values are
// (nearly) all different, and counts rows whose id is not unique.
func (c *checker) duplicates(ctx context.Context, d *kpi.Def) ([]Warning, error) {
	counted := map[string]bool{}
	for _, s := range strings.Split(distinctCols(d), ",") {
		counted[s] = true
	}
	var out []Warning
	for _, col := range c.eng.Tables()[d.Source] {
		if !schema.LooksLikeID(col.Name) || counted[strings.ToLower(col.Name)] {
			continue
		}
		q := c.sql.ident(col.Name)
		tbl := c.sql.table(d.Source)
		w, err := c.sql.where(d)
		if err != nil {
			return nil, err
		}
		// Whether the column is the table's key is a property of the
		// whole table: a KPI's where (plan = 'Pro') keeps a few rows of each
		// customer, and a customer id then looks nearly unique.
		r, err := c.sql.query(ctx, fmt.Sprintf("SELECT count(%[1]s), %[2]s FROM %[3]s", q, c.sql.distinct(q), tbl))
		if err != nil {
			return nil, err
		}
		nn, nd := store.Int(r.Data[0][0]), store.Int(r.Data[0][1])
		if nn == 0 || nd == nn || float64(nd) < 0.9*float64(nn) {
			continue // unique, or a foreign key (many rows per customer)
		}
		if d.Where != "" {
			// The rows the KPI reads: repeats outside them do not count twice.
			if r, err = c.sql.query(ctx, fmt.Sprintf("SELECT count(%[1]s), %[2]s FROM %[3]s%[4]s", q, c.sql.distinct(q), tbl, w)); err != nil {
				return nil, err
			}
			if nn, nd = store.Int(r.Data[0][0]), store.Int(r.Data[0][1]); nn == nd {
				continue
			}
		}
		r, err = c.sql.query(ctx, fmt.Sprintf("SELECT %[4]s AS v, count(*) AS n FROM %[2]s%[3]s GROUP BY %[1]s HAVING count(*) > 1 ORDER BY n DESC, v LIMIT 1", q, tbl, w, c.sql.text(q)))
		if err != nil || len(r.Data) == 0 {
			return nil, err
		}
		rows := nn - nd
		ex := fmt.Sprintf("%s = %s appears %d times", schema.QuoteName(col.Name), schema.ValueText(r.Data[0][0]), store.Int(r.Data[0][1]))
		out = append(out, Warning{Table: d.Source, Column: col.Name, Kind: KindDuplicateID, Severity: SeverityError, Rows: rows, Example: ex,
			Message: dupMessage(rows, col.Name, dupIDs(ctx, c, tbl, w, q)),
			Fix:     distinctFix(d, col.Name)})
	}
	return out, nil
}

func dupIDs(ctx context.Context, c *checker, tbl, where, q string) int64 {
	r, err := c.sql.query(ctx, fmt.Sprintf("SELECT count(*) FROM (SELECT %[1]s FROM %[2]s%[3]s GROUP BY %[1]s HAVING count(*) > 1)", q, tbl, where))
	if err != nil {
		return 0
	}
	return store.Int(r.Data[0][0])
}

// emptyPeriods counts months (weeks for data spanning under two months)
// between the first and last row with no row at all: a missing export, a
// broken date format, a pipeline gap.
func (c *checker) emptyPeriods(ctx context.Context, d *kpi.Def) ([]Warning, error) {
	q := c.sql.ident(d.Time)
	limit := c.now.UTC().Add(24 * time.Hour).Format("2006-01-02 15:04:05")
	w, err := c.sql.where(d, fmt.Sprintf("%s AND %s <= %s", c.sql.notNull(q), c.sql.ts(q), c.sql.tsArg()))
	if err != nil {
		return nil, err
	}
	t, from := c.sql.ts(q), c.sql.table(d.Source)+w
	r, err := c.sql.query(ctx, fmt.Sprintf("SELECT min(%s), max(%s) FROM %s", t, t, from), limit)
	if err != nil {
		return nil, err
	}
	lo, ok1 := r.Data[0][0].(time.Time)
	hi, ok2 := r.Data[0][1].(time.Time)
	if !ok1 || !ok2 {
		return nil, nil
	}
	grain, unit := "month", "months"
	switch span := hi.Sub(lo); {
	case span >= 62*24*time.Hour:
	case span >= 21*24*time.Hour:
		grain, unit = "week", "weeks"
	default:
		return nil, nil
	}
	// The periods that have rows; the missing ones are counted here, between
	// the first and the last (weeks start on Monday in both engines).
	r, err = c.sql.query(ctx, fmt.Sprintf("SELECT DISTINCT %s AS p FROM %s", c.sql.startOf(grain, t), from), limit)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, row := range r.Data {
		if p, ok := row[0].(time.Time); ok {
			have[p.Format("2006-01-02")] = true
		}
	}
	step := func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
	p := time.Date(lo.Year(), lo.Month(), 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(hi.Year(), hi.Month(), 1, 0, 0, 0, 0, time.UTC)
	if grain == "week" {
		step = func(t time.Time) time.Time { return t.AddDate(0, 0, 7) }
		monday := func(t time.Time) time.Time {
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
		}
		p, last = monday(lo), monday(hi)
	}
	var n int64
	var firstMissing time.Time
	for ; !p.After(last); p = step(p) {
		if !have[p.Format("2006-01-02")] {
			if n == 0 {
				firstMissing = p
			}
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	first := firstMissing.Format("2006-01-02")
	if grain == "month" {
		first = first[:7]
	}
	word := unit
	if n == 1 {
		word = grain
	}
	return []Warning{{Table: d.Source, Column: d.Time, Kind: KindEmptyPeriods, Severity: SeverityWarning, Rows: n, Example: grain + " of " + first,
		Message: fmt.Sprintf("%d %s between %s and %s %s no rows in %s; the KPI shows no value there",
			n, word, lo.Format("2006-01-02"), hi.Format("2006-01-02"), cmdline.Pick(n, "has", "have"), d.Source)}}, nil
}

// countRE finds count(*) and count(column) calls, and whether a FILTER
// follows.
var countRE = regexp.MustCompile(`(?i)\bcount\(\s*(\*|"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*)\s*\)(\s*FILTER\b)?`)

// distinctFix rewrites a ratio KPI's row counts as counts of distinct ids,
// so that an id repeated by mistake (a customer-level file listing a
// customer twice) is counted once: count(*) becomes count(DISTINCT id),
// count(col) becomes count(DISTINCT id) FILTER (WHERE col IS NOT NULL).
// "" when the KPI counts no rows that way.
func distinctFix(d *kpi.Def, id string) string {
	if d.Type != kpi.Ratio || d.Numerator == "" {
		return ""
	}
	q := store.QuoteIdent(id)
	if schema.IsPlainName(id) {
		q = id
	}
	changed := false
	rewrite := func(expr string) string {
		return countRE.ReplaceAllStringFunc(expr, func(m string) string {
			sub := countRE.FindStringSubmatch(m)
			switch {
			case sub[1] == "*":
				changed = true
				return "count(DISTINCT " + q + ")" + sub[2]
			case sub[2] == "" && !strings.EqualFold(strings.Trim(sub[1], `"`), id):
				changed = true
				return fmt.Sprintf("count(DISTINCT %s) FILTER (WHERE %s IS NOT NULL)", q, sub[1])
			}
			return m
		})
	}
	num, den := rewrite(d.Numerator), rewrite(d.Denominator)
	if !changed {
		return ""
	}
	return fmt.Sprintf("count each %s once: numerator: %s, denominator: %s", schema.QuoteName(id), num, den)
}

func dupMessage(rows int64, col string, ids int64) string {
	verb, idw := cmdline.Pick(rows, "repeats", "repeat"), cmdline.Count(ids, "id")+cmdline.Pick(ids, " appears", " appear")
	return fmt.Sprintf("%s %s an id already seen in %s (%s more than once); those rows are counted twice", rowsWord(rows), verb, schema.QuoteName(col), idw)
}

// sumRE finds sum(column) calls.
var sumRE = regexp.MustCompile(`(?i)\bsum\(\s*("(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*)\s*\)`)

// leftOutCol is the column a ratio KPI sums whose blank rows its
// denominator leaves out too (an average purchase over the orders that have
// an amount: sum(amount) / count(amount)); "" when it has none.
func leftOutCol(d *kpi.Def, cols []store.Column) string {
	if d.Type != kpi.Ratio {
		return ""
	}
	den := exprColumns(d.Denominator, cols)
	for _, m := range sumRE.FindAllStringSubmatch(d.Numerator, -1) {
		name := strings.ReplaceAll(strings.Trim(m[1], `"`), `""`, `"`)
		if col := columnName(cols, name); col != "" && containsFold(den, col) {
			return col
		}
	}
	return ""
}

// leftOut counts the rows (or the orders, when the denominator counts
// distinct ids) that have no value in the summed column: an average over
// the others is right for them, but a blank amount is easy to miss, so it
// is said whatever the share.
func (c *checker) leftOut(ctx context.Context, d *kpi.Def, col string) ([]Warning, error) {
	q := c.sql.ident(col)
	what, all, have := "row", "count(*)", "count("+q+")"
	if m := distinctRE.FindStringSubmatch(d.Denominator); m != nil {
		id := columnName(c.eng.Tables()[d.Source], strings.ReplaceAll(strings.Trim(m[1], `"`), `""`, `"`))
		if id != "" && !strings.EqualFold(id, col) {
			qi := c.sql.ident(id)
			what, all, have = "order", c.sql.distinct(qi), c.sql.distinctIf(qi, c.sql.notNull(q))
			if !schema.HasStem(schema.Tokens(id), "order", "invoice", "transaction", "purchase", "sale", "receipt") {
				what = "id"
			}
		}
	}
	w, err := c.sql.where(d)
	if err != nil {
		return nil, err
	}
	r, err := c.sql.query(ctx, fmt.Sprintf("SELECT %s, %s FROM %s%s", all, have, c.sql.table(d.Source), w))
	if err != nil {
		return nil, err
	}
	n, kept := store.Int(r.Data[0][0]), store.Int(r.Data[0][1])
	blank := n - kept
	if n == 0 || blank <= 0 {
		return nil, nil
	}
	ex, err := c.example(ctx, d, []string{col}, c.sql.isNull(q))
	if err != nil {
		return nil, err
	}
	return []Warning{{Table: d.Source, Column: col, Kind: KindNulls, Severity: SeverityWarning, Rows: blank, Example: ex,
		Message: fmt.Sprintf("%s of %s in %s (%s) %s no %s; they are left out of %s",
			cmdline.Count(blank, what), kpi.FormatFloat(float64(n), 0), d.Source, schema.Percent(float64(blank)/float64(n)),
			cmdline.Pick(blank, "has", "have"), schema.QuoteName(col), cmp.Or(d.Name, d.ID))}}, nil
}

// firstLine is an error's first line (a server's message may carry its
// stack trace after it).
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}
