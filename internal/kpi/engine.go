package kpi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/schema"
	"kpiscope/internal/store"
)

// BlankLabel names the segment of rows whose dimension is empty.
const BlankLabel = "(blank)"

// Options configure an engine.
type Options struct {
	// Customers is the table whose columns are reachable from every table that
	// carries CustomerKey; "" means the table named "customers" if there is one.
	Customers   string
	CustomerKey string
	// Dimensions offered for slicing; nil means inferred from the data.
	Dimensions []string
	// MaxSegments caps a breakdown (largest n kept); default 50.
	MaxSegments int
	// Label describes the data for headers ("sample", "telco.csv").
	Label string
	// Now is the clock, for "timestamps in the future" and tests.
	Now func() time.Time
	// TableFiles names the files each table was read from, for messages.
	TableFiles map[string][]string
	// Tables limits the engine to these tables (nil: every table in the database).
	Tables []string
	// Derived names tables made from the others (the business-time view of
	// the tickets): queried like any table, but not counted again as data
	// in Describe's tables and rows.
	Derived []string
	// DerivedFrom names, for a derived table whose rows are another's row
	// for row with columns added (the business-time view of the tickets),
	// that table: the ranges of the columns they share are read from it,
	// where Parquet statistics answer them, not by scanning the view.
	DerivedFrom map[string]string
	// StoredIn names, per derived table and added column, a table of the
	// engine's own whose values of the column have the column's range (the
	// business table's range table: its minimum and maximum beside the
	// tickets' business-time view): the range is read there, not by a scan
	// of the view's join of two tables.
	StoredIn map[string]map[string]string
	// Pasted describes, per derived table that is a view pasting a table of
	// the engine's own beside its base table's rows by position (the
	// business-time view: a POSITIONAL JOIN, which no filter passes), how
	// to read it within a time range without scanning every row: both
	// sides filtered alike on the same values (PastedView).
	Pasted map[string]PastedView
	// RecordTime names each table's record axis (the source's time:, its
	// creation, order, sent or signup date): the table's data end where it
	// ends, so dates in other columns past it (tickets closed after the
	// export's cut-off) do not extend a KPI's data. A table without one is
	// judged by each KPI's own date columns.
	RecordTime map[string]string
	// RecordEnd is, for a table without a record axis in RecordTime, the
	// instant its data ends, known to whoever made the table (the
	// business-time view: the tickets' latest creation or resolution, so
	// that deadlines of open tickets past it do not extend the data, and
	// its resolutions end where the tickets' do).
	RecordEnd map[string]time.Time
	// Log receives, at slog.LevelDebug, each query the engine runs with its
	// time, and why a rollup was not used; nil logs nothing. The engine never
	// writes to stderr itself: under the explorer that is the screen. The
	// command line passes a logger when KPISCOPE_DEBUG_SQL is set, writing to
	// its --log-file, or to stderr only for commands that draw no screen.
	Log *slog.Logger
	// Annotations are kpiscope.yaml's dated notes, listed with the trend.
	Annotations []Annotation
	// Waiting, when set, names tables being made in the background: the
	// KPIs reading them (and composites of those) are kept with a
	// *WaitingError as their problem, the others work (see Waiting).
	Waiting *Waiting
}

// Dimension is a column offered for slicing.
type Dimension struct {
	Name   string
	Tables []string // tables that have it directly
	Values int      // approximate distinct values
}

// Engine computes KPIs over loaded tables. After New it is read-only and safe
// for concurrent use by many sessions.
type Engine struct {
	db     *store.DB
	defs   []*Def
	byID   map[string]*Def
	tables map[string][]store.Column
	opt    Options
	dims   []Dimension
	asOf   time.Time
	start  time.Time
	rows   int64
	// tableRows is each table's row count (a derived table's: see rowsOf).
	tableRows map[string]int64
	problems  map[string]error
	// spans is each time column's range, by table and column ("\x00"
	// between): a KPI's period is partial, and its trend starts, by its own
	// table's dates, not by the latest table's.
	spans map[string]span
	// kpiSpans are the visible KPIs' data ranges, which the default period
	// is chosen by (defaultPeriod).
	kpiSpans []span
	cache    *cache
	// dimVals keeps DimValues' answers (the data does not change under an
	// engine: a reload makes a new one).
	dimVals sync.Map // dimension name → []string
	// periodVals keeps the values of cohort KPIs' period columns, as SQL
	// literals, by expression and period (knownPeriodCols).
	periodVals sync.Map // expression \x00 start \x00 end → literal
	roll       rollupState
	fg         foreground // a detail drawn from the rows first (Foreground)
	// periodRolls keeps per-period totals of the KPIs that read raw rows.
	periodRolls periodRollups
	// wh is the ClickHouse warehouse the engine reads (NewWarehouse); nil
	// when it reads db. Over a warehouse, db holds only empty copies of its
	// tables, to check definitions against, and evaluates composites.
	wh *Warehouse
	// holistic lets one query at a time hold every value of its rows
	// (holdsValues): nil over a warehouse, whose memory is its own.
	holistic chan struct{}
	// holisticNow, holisticMost and holisticAll count those queries:
	// running now, at most at once, and all (holisticRuns).
	holisticNow, holisticMost atomic.Int32
	holisticAll               atomic.Int64
}

// New checks every definition against the tables in db and prepares the
// engine. Definitions that cannot run are kept with their problem (see
// Problems), so one bad KPI does not hide the others.
func New(ctx context.Context, db *store.DB, defs []*Def, opt Options) (*Engine, error) {
	e := &Engine{db: db, byID: map[string]*Def{}, tables: map[string][]store.Column{}, opt: opt, problems: map[string]error{}, cache: newCache(256),
		holistic: make(chan struct{}, 1)}
	if e.opt.CustomerKey == "" {
		e.opt.CustomerKey = "customer_id"
	}
	if e.opt.MaxSegments == 0 {
		e.opt.MaxSegments = 50
	}
	if e.opt.Now == nil {
		e.opt.Now = time.Now
	}
	lap := time.Now()
	step := func(what string) { // how long each part of opening took, in the debug log
		e.debug("engine opening", "step", what, "elapsed", time.Since(lap))
		lap = time.Now()
	}
	names, err := db.Tables(ctx)
	if err != nil {
		return nil, err
	}
	only := map[string]bool{}
	for _, n := range opt.Tables {
		only[n] = true
	}
	for _, n := range names {
		if strings.HasPrefix(n, "__") || len(only) > 0 && !only[n] { // bookkeeping, or left in a --db file by other runs
			continue
		}
		cols, err := db.Columns(ctx, n)
		if err != nil {
			return nil, err
		}
		e.tables[n] = cols
	}
	step("columns")
	if e.opt.Customers == "" {
		if _, ok := e.tables["customers"]; ok {
			e.opt.Customers = "customers"
		}
	}
	for _, d := range defs {
		if _, dup := e.byID[d.ID]; dup {
			return nil, fmt.Errorf("%sKPI id %q is defined twice", originPrefix(d), d.ID)
		}
		d = typedFlags(d, e.tables[d.Source])
		e.byID[d.ID] = d
		e.defs = append(e.defs, d)
	}
	e.markWaiting() // waiting.go
	for _, d := range e.defs {
		if e.problems[d.ID] != nil {
			continue
		}
		if err := e.check(ctx, d); err != nil {
			e.problems[d.ID] = err
		}
	}
	e.waitingInputs()
	step("KPI checks")
	if err := e.scanTime(ctx); err != nil {
		return nil, err
	}
	step("time ranges")
	if err := e.inferDimensions(ctx); err != nil {
		return nil, err
	}
	step("dimensions")
	return e, nil
}

// debug logs at debug level to the Log option, if any.
func (e *Engine) debug(msg string, args ...any) {
	if e.opt.Log != nil {
		e.opt.Log.Debug(msg, args...)
	}
}

func originPrefix(d *Def) string {
	if d.Origin != "" {
		return d.Origin + ": "
	}
	return ""
}

// Problems returns, per KPI id, why it cannot be computed.
func (e *Engine) Problems() map[string]error { return e.problems }

// Defs returns the visible definitions in order.
func (e *Engine) Defs() []*Def {
	var out []*Def
	for _, d := range e.defs {
		if !d.Hidden {
			out = append(out, d)
		}
	}
	return out
}

// Def returns a definition by id.
func (e *Engine) Def(id string) *Def { return e.byID[id] }

// AsOf is the latest end of the KPIs' data (see spanOf).
func (e *Engine) AsOf() time.Time { return e.asOf }

// Start is the earliest timestamp in the data's time columns.
func (e *Engine) Start() time.Time { return e.start }

// Dimensions lists the columns offered for slicing.
func (e *Engine) Dimensions() []Dimension { return e.dims }

// Tables lists table names and their row counts are in Describe.
func (e *Engine) Tables() map[string][]store.Column { return e.tables }

// DB exposes the store for inspection tools that share the engine's data.
func (e *Engine) DB() *store.DB { return e.db }

// Rows is the total number of rows over every table.
func (e *Engine) Rows() int64 { return e.rows }

// Label describes the data.
func (e *Engine) Label() string { return e.opt.Label }

// Describe is a one-line summary: label · tables · rows.
func (e *Engine) Describe() string {
	n := 0
	for name := range e.tables {
		if !slices.Contains(e.opt.Derived, name) {
			n++
		}
	}
	return fmt.Sprintf("%s · %s · %s", e.opt.Label, cmdline.Count(n, "table"), cmdline.Count(e.rows, "row"))
}

func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

var notFoundRE = regexp.MustCompile(`(?i)Referenced column "?([^"]+?)"? not found`)

// check validates one definition against the data before any query runs.
func (e *Engine) check(ctx context.Context, d *Def) error {
	if err := d.Validate(); err != nil {
		return prefixed(d, err)
	}
	if d.Type == Composite {
		for name, ref := range d.Inputs {
			id, comp, _ := strings.Cut(ref, ".")
			dep, ok := e.byID[id]
			if !ok {
				return prefixed(d, fmt.Errorf("input %s refers to KPI %q, which is not defined", name, id))
			}
			if comp != "" {
				if _, ok := dep.Components()[comp]; !ok && comp != "n" {
					return prefixed(d, fmt.Errorf("input %s refers to %s.%s, but %s has no input %q", name, id, comp, id, comp))
				}
			}
		}
		return e.checkCycle(d, map[string]bool{})
	}
	cols, ok := e.tables[d.Source]
	if !ok {
		return prefixed(d, fmt.Errorf("source %q is not loaded (loaded: %s)", d.Source, strings.Join(e.tableNames(), ", ")))
	}
	for _, role := range sortedKeys(d.Roles) {
		name := d.Roles[role]
		r, _ := schema.LookupRole(role)
		c, ok := schema.Column(cols, name)
		if !ok {
			err := missingColumn(name, d.Source, cols, "column")
			err.Msg = fmt.Sprintf("role %s (%s): %s", role, r.Help, err.Msg)
			err.Msg += fmt.Sprintf("; map it with columns: {%s: YOUR_COLUMN}", role)
			return prefixed(d, err)
		}
		switch {
		case r.Kind.Numeric():
			if strings.EqualFold(c.Type, "VARCHAR") && !e.allNull(ctx, d.Source, c.Name) {
				return prefixed(d, e.textInNumber(ctx, d.Source, c.Name, fmt.Sprintf("role %s (%s)", role, r.Help)))
			}
		case r.Kind == schema.KindTime: // a column with no values yet (no churns so far) fits
			if !schema.IsTime(c.Type) && !e.allNull(ctx, d.Source, c.Name) {
				return prefixed(d, fmt.Errorf("role %s (%s): column %q in %s is %s, not a date or timestamp; check the date format in the file", role, r.Help, c.Name, d.Source, c.Type))
			}
		}
	}
	if d.Time != "" {
		c, ok := schema.Column(cols, d.Time)
		if !ok {
			return prefixed(d, missingColumn(d.Time, d.Source, cols, "time column"))
		}
		if !schema.IsTime(c.Type) {
			return prefixed(d, fmt.Errorf("time column %q in %s is %s, not a date or timestamp; check its format in the file or set time to a date column", d.Time, d.Source, c.Type))
		}
	}
	// Bind every expression against an empty copy of the table: DuckDB's binder
	// then reports unknown columns and type errors without reading any data.
	var sel []string
	for _, name := range sortedKeys(d.Components()) {
		sel = append(sel, fmt.Sprintf("CAST((%s) AS DOUBLE) AS %s", d.Components()[name], store.QuoteIdent(name)))
	}
	for _, name := range d.ExtraNames() {
		sel = append(sel, fmt.Sprintf("CAST((%s) AS DOUBLE) AS %s", d.Extras[name], store.QuoteIdent("x_"+name)))
	}
	from := fmt.Sprintf("(SELECT * FROM %s LIMIT 0) t", store.QuoteIdent(d.Source))
	if d.Type == Cohort {
		p := "SELECT TIMESTAMP '2000-01-01' AS period_start, TIMESTAMP '2000-02-01' AS period_end"
		for _, name := range sortedKeys(d.PeriodCols) {
			p = "SELECT *, (" + d.PeriodCols[name] + ") AS " + store.QuoteIdent(name) + " FROM (" + p + ")"
		}
		from += ", (" + p + ") p"
		if len(d.RowCols) > 0 {
			var sel []string
			for _, name := range sortedKeys(d.RowCols) {
				sel = append(sel, "("+d.RowCols[name]+") AS "+store.QuoteIdent(name))
			}
			from = "(SELECT *, " + strings.Join(sel, ", ") + " FROM " + from + ") t"
		}
	}
	where := ""
	if d.Where != "" {
		where = " WHERE " + d.Where
	}
	q := fmt.Sprintf("SELECT %s FROM %s%s", strings.Join(sel, ", "), from, where)
	if _, err := e.db.Query(ctx, q); err != nil {
		if _, werr := e.db.Query(ctx, fmt.Sprintf("SELECT 1 FROM %s%s", from, where)); where != "" && werr != nil && strings.Contains(werr.Error(), "Parser Error") {
			// The where: alone does not parse: point at its own line.
			o := d.WhereOrigin
			if o == "" {
				o = d.Origin
			}
			return &DefError{KPI: d.ID, Origin: o, Err: fmt.Errorf("where: is not a valid SQL condition: %w", shortDuckError(werr))}
		}
		err = explainBindError(err, d.Source, cols)
		if _, ok := err.(*ColumnError); !ok {
			err = e.explainRunError(ctx, []*Def{d}, err)
		}
		return prefixed(d, shortDuckError(err))
	}
	// The formula itself.
	if d.Type != Ratio {
		cols := map[string]string{}
		var vals []string
		for _, n := range d.InputNames() {
			cols[n] = store.QuoteIdent(n)
			vals = append(vals, "1.0 AS "+store.QuoteIdent(n))
		}
		expr := d.valueExpr(func(s string) string { return specialName(s, Month, cols) })
		if _, err := e.db.Query(ctx, fmt.Sprintf("SELECT CAST(%s AS DOUBLE) FROM (SELECT %s)", expr, strings.Join(vals, ", "))); err != nil {
			return prefixed(d, fmt.Errorf("expr %q: %v", d.Expr, err))
		}
	}
	return nil
}

func (e *Engine) checkCycle(d *Def, seen map[string]bool) error {
	if seen[d.ID] {
		return prefixed(d, fmt.Errorf("composite inputs refer back to %s", d.ID))
	}
	seen[d.ID] = true
	defer delete(seen, d.ID)
	if d.Type != Composite {
		return nil
	}
	for _, ref := range d.Inputs {
		id, _, _ := strings.Cut(ref, ".")
		if dep := e.byID[id]; dep != nil {
			if err := e.checkCycle(dep, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *Engine) tableNames() []string {
	var out []string
	for n := range e.tables {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func prefixed(d *Def, err error) error {
	return &DefError{KPI: d.ID, Origin: d.Origin, Err: err}
}

// DefError is a problem with one KPI definition.
type DefError struct {
	KPI    string
	Origin string
	Err    error
}

func (e *DefError) Error() string {
	p := ""
	if e.Origin != "" {
		p = e.Origin + ": "
	}
	msg := e.Err.Error()
	if strings.HasPrefix(msg, "KPI "+e.KPI) {
		return p + msg
	}
	return p + "KPI " + e.KPI + ": " + msg
}

func (e *DefError) Unwrap() error { return e.Err }

func explainBindError(err error, table string, cols []store.Column) error {
	if m := notFoundRE.FindStringSubmatch(err.Error()); m != nil {
		name := m[1]
		if i := strings.LastIndex(name, "."); i >= 0 && !strings.Contains(name, " ") {
			name = name[i+1:]
		}
		return missingColumn(name, table, cols, "column")
	}
	return err
}

func missingColumn(name, table string, cols []store.Column, role string) *ColumnError {
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	near := Nearest(name, names, 3)
	msg := fmt.Sprintf("%s %q not found in %s", role, name, table)
	if len(near) > 0 {
		msg += "; did you mean " + quoteAll(near) + "?"
	}
	if len(names) > 0 {
		msg += " (columns: " + strings.Join(limit(names, 12), ", ") + ")"
	}
	return &ColumnError{Msg: msg, Column: name, Table: table, Nearest: near}
}

// ColumnError is a column that a definition names but the table lacks.
type ColumnError struct {
	Msg     string
	Column  string
	Table   string
	Nearest []string
}

func (e *ColumnError) Error() string { return e.Msg }

func limit(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(append([]string(nil), s[:n]...), "…")
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, " or ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// scanTime finds the data's time range and total rows.
// rowsOf is a table's row count; a derived one has its table's rows (0:
// not known).
func (e *Engine) rowsOf(table string) int64 {
	if base, ok := e.opt.DerivedFrom[table]; ok {
		return e.tableRows[base]
	}
	return e.tableRows[table]
}

// rangeTable is the table to read a column's range from: the engine's own
// table that stores a derived table's column (StoredIn), the table a derived
// one is made from, when it has the column (the same values, row for row),
// else the table itself.
func (e *Engine) rangeTable(table, col string) string {
	for c, at := range e.opt.StoredIn[table] {
		if strings.EqualFold(c, col) {
			return at
		}
	}
	base, ok := e.opt.DerivedFrom[table]
	if !ok {
		return table
	}
	if _, ok := schema.Column(e.tables[base], col); !ok {
		return table
	}
	return base
}

func (e *Engine) scanTime(ctx context.Context) error {
	// Timestamps in the future are data errors; they must not move "now". A day
	// of slack absorbs time zones.
	cutoff := e.opt.Now().UTC().AddDate(0, 0, 1).Truncate(time.Microsecond)
	e.scanSpans(func(table, name string) (span, error) {
		col, tbl := store.QuoteIdent(name), store.QuoteIdent(e.rangeTable(table, name))
		// A plain min/max is answered from Parquet row-group statistics; the
		// WHERE makes DuckDB read the column unless the statistics prove it
		// always true, which they cannot when the column has NULLs (0.8-0.9 s
		// a column at 100M rows), so it runs only when the data reaches past
		// the cutoff.
		q := fmt.Sprintf("SELECT min(CAST(%[1]s AS TIMESTAMP)), max(CAST(%[1]s AS TIMESTAMP)) FROM %[2]s", col, tbl)
		rows, err := e.db.Query(ctx, q)
		if err == nil {
			if hi, ok := rows.Data[0][1].(time.Time); ok && hi.After(cutoff) {
				rows, err = e.db.Query(ctx, q+fmt.Sprintf(" WHERE CAST(%s AS TIMESTAMP) <= ?::TIMESTAMP", col), sqlTime(cutoff))
			}
		}
		if err != nil {
			return span{}, err
		}
		var sp span
		sp.lo, _ = rows.Data[0][0].(time.Time)
		sp.hi, _ = rows.Data[0][1].(time.Time)
		return sp, nil
	})
	for name := range e.tables {
		if slices.Contains(e.opt.Derived, name) {
			continue // its rows are its table's
		}
		rows, err := e.db.Query(ctx, "SELECT count(*) FROM "+store.QuoteIdent(name))
		if err != nil {
			return err
		}
		e.rows += store.Int(rows.Data[0][0])
		if e.tableRows == nil {
			e.tableRows = map[string]int64{}
		}
		e.tableRows[name] = store.Int(rows.Data[0][0])
	}
	return nil
}

// scanSpans reads, with read, the range of every time column the KPIs and
// the tables' record axes use, once each, into e.spans; a column whose read
// fails gives its KPIs that error. Then it sets the data's ends (scanEnds).
func (e *Engine) scanSpans(read func(table, col string) (span, error)) {
	type tc struct{ table, col string }
	var cols []tc
	for _, d := range e.defs {
		if d.Time == "" || !e.spanned(d) || d.Type == Composite {
			continue
		}
		if _, ok := e.tables[d.Source]; !ok {
			continue // a table being made: its span is given (waitingSpan)
		}
		for _, name := range e.timeCols(d) {
			cols = append(cols, tc{d.Source, name})
		}
	}
	for _, t := range e.tableNames() {
		if c, ok := e.recordCol(t); ok {
			cols = append(cols, tc{t, c})
		}
	}
	seen := map[string]bool{}
	for _, x := range cols {
		key := x.table + "\x00" + x.col
		if seen[key] {
			continue
		}
		seen[key] = true
		sp, err := read(x.table, x.col)
		if err != nil {
			for _, k := range e.defs {
				if k.Source == x.table && strings.EqualFold(k.Time, x.col) && e.problems[k.ID] == nil {
					e.problems[k.ID] = prefixed(k, err)
				}
			}
			continue
		}
		if e.spans == nil {
			e.spans = map[string]span{}
		}
		e.spans[key] = sp
	}
	e.scanEnds()
}

// span is the range of a time column's values; zero when it has none.
type span struct{ lo, hi time.Time }

// merge is the range covering both.
func (a span) merge(b span) span {
	if !b.lo.IsZero() && (a.lo.IsZero() || b.lo.Before(a.lo)) {
		a.lo = b.lo
	}
	if b.hi.After(a.hi) {
		a.hi = b.hi
	}
	return a
}

// timeCols are the date columns a KPI reads, as its table spells them: its
// time column and, for a cohort, its other dates (churn dates after the
// last signup are data too).
func (e *Engine) timeCols(d *Def) []string {
	if d.Time == "" || d.Type == Composite {
		return nil
	}
	name := d.Time
	if c, ok := schema.Column(e.tables[d.Source], d.Time); ok {
		name = c.Name // as the table spells it: spanOf looks it up so
	}
	cols := []string{name}
	if d.Type == Cohort {
		for _, role := range sortedKeys(d.Roles) {
			if r, _ := schema.LookupRole(role); r.Kind == schema.KindTime {
				if c, ok := schema.Column(e.tables[d.Source], d.Roles[role]); ok && schema.IsTime(c.Type) {
					cols = append(cols, c.Name)
				}
			}
		}
	}
	return cols
}

// recordCol is a table's record axis (Options.RecordTime) as the table
// spells it, when the table has it as a date column.
func (e *Engine) recordCol(table string) (string, bool) {
	name := e.opt.RecordTime[table]
	if name == "" {
		return "", false
	}
	c, ok := schema.Column(e.tables[table], name)
	if !ok || !schema.IsTime(c.Type) {
		return "", false
	}
	return c.Name, true
}

// scanEnds sets the data's range from each KPI's span (spanOf): AsOf is the
// latest KPI data end and Start the earliest date; and keeps the visible
// KPIs' spans, by which defaultPeriod chooses the first screen's period: the
// latest most KPIs have data in, not one that only a table exported later
// (or a column of dates past its table's end) reaches.
func (e *Engine) scanEnds() {
	for _, d := range e.defs {
		if e.spanned(d) && d.Type != Composite {
			sp := e.ownSpan(d) // a month's spend dated on the 1st ends on the 1st here
			e.start, e.asOf = minTime(e.start, sp.lo), maxTime(e.asOf, sp.hi)
		}
	}
	for _, d := range e.Defs() {
		if !e.spanned(d) {
			continue
		}
		if sp := e.spanOf(d); !sp.hi.IsZero() {
			sp.hi = minTime(sp.hi, e.asOf)
			e.kpiSpans = append(e.kpiSpans, sp)
		}
	}
}

// defaultPeriod is the period shown when none is asked for: the latest
// period of grain g that at least half the dated KPIs have data in, or
// failing any, the latest that the most of them have data in. Only a
// period holding some KPI's last date can be it (going back from the
// latest, a period gains KPIs only where one's data ends).
func (e *Engine) defaultPeriod(g Grain) time.Time {
	covers := func(p time.Time) int {
		n, end := 0, g.Add(p, 1)
		for _, sp := range e.kpiSpans {
			if dataEnd(sp.hi).After(p) && (sp.lo.IsZero() || sp.lo.Before(end)) {
				n++
			}
		}
		return n
	}
	var cands []time.Time
	for _, sp := range e.kpiSpans {
		cands = append(cands, g.Trunc(dataEnd(sp.hi).Add(-time.Microsecond)))
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].After(cands[j]) })
	var best time.Time
	most := 0
	for _, p := range cands {
		n := covers(p)
		if 2*n >= len(e.kpiSpans) {
			return p
		}
		if n > most {
			best, most = p, n
		}
	}
	return best
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// spanOf is the range of a KPI's data: its own date columns (timeCols), or
// for a composite its inputs' together; zero without time. Its table's data
// end where the table's record axis ends (Options.RecordTime): dates past it
// in the KPI's own column (tickets closed after the export's cut-off) do not
// extend the data, which then ends with the record axis's last day. A KPI
// recorded by a grain (a month's spend dated on the 1st) covers its last
// period.
func (e *Engine) spanOf(d *Def) span {
	return e.spanSeen(d, map[string]bool{})
}

// ownSpan is the range of a KPI's own date columns, cut at its table's
// record axis's last day (see spanOf).
func (e *Engine) ownSpan(d *Def) span {
	if sp, ok := e.waitingSpan(d); ok {
		return sp
	}
	var sp span
	for _, c := range e.timeCols(d) {
		sp = sp.merge(e.spans[d.Source+"\x00"+c])
	}
	if e.cutByRecord(d) {
		end, _ := e.recordEnd(d.Source)
		sp.hi = Day.Trunc(end) // its last day, as a date
	}
	return sp
}

// recordEnd is the latest instant of a table's records: its record axis's
// (RecordTime), or the end it was given (RecordEnd); false with neither.
func (e *Engine) recordEnd(table string) (time.Time, bool) {
	if rc, ok := e.recordCol(table); ok {
		return e.spans[table+"\x00"+rc].hi, true
	}
	if end, ok := e.opt.RecordEnd[table]; ok && !end.IsZero() {
		return end, true
	}
	return time.Time{}, false
}

// cutByRecord reports whether a KPI's own date columns run past its table's
// record axis (spanOf cuts its data there).
func (e *Engine) cutByRecord(d *Def) bool {
	rec, ok := e.recordEnd(d.Source)
	if !ok || d.Type == Composite {
		return false
	}
	for _, c := range e.timeCols(d) {
		if !rec.IsZero() && e.spans[d.Source+"\x00"+c].hi.After(rec) {
			return true
		}
	}
	return false
}

func (e *Engine) spanSeen(d *Def, seen map[string]bool) span {
	var sp span
	if d == nil || seen[d.ID] {
		return sp
	}
	seen[d.ID] = true
	if d.Type == Composite {
		for _, n := range d.InputNames() {
			id, _, _ := strings.Cut(d.Inputs[n], ".")
			sp = sp.merge(e.spanSeen(e.byID[id], seen))
		}
		return sp
	}
	if d.Time == "" {
		return sp
	}
	sp = e.ownSpan(d)
	if d.MinGrain != "" && d.MinGrain != All && !sp.hi.IsZero() {
		sp.hi = d.MinGrain.Add(d.MinGrain.Trunc(sp.hi), 1).AddDate(0, 0, -1) // its last day, as a date
	}
	return sp
}

func sqlTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.999999") }

// inferDimensions offers the configured dimensions, or text columns with a
// handful of distinct values that are not identifiers.
func (e *Engine) inferDimensions(ctx context.Context) error {
	byName := map[string]*Dimension{}
	var order []string
	add := func(name, table string, values int) {
		d, ok := byName[name]
		if !ok {
			d = &Dimension{Name: name}
			byName[name] = d
			order = append(order, name)
		}
		d.Tables = append(d.Tables, table)
		if values > d.Values {
			d.Values = values
		}
	}
	want := map[string]bool{}
	for _, n := range e.opt.Dimensions {
		want[n] = true
	}
	for _, t := range e.tableNames() {
		cols := e.tables[t]
		var cand []store.Column
		for _, c := range cols {
			if e.opt.Dimensions != nil {
				if want[c.Name] {
					cand = append(cand, c)
				}
				continue
			}
			ty := strings.ToUpper(c.Type)
			if (ty == "VARCHAR" || ty == "BOOLEAN") && !schema.LooksLikeID(c.Name) {
				cand = append(cand, c)
			}
		}
		if len(cand) == 0 {
			continue
		}
		var sel []string
		for _, c := range cand {
			sel = append(sel, fmt.Sprintf("count(DISTINCT %s)", store.QuoteIdent(c.Name)))
		}
		q := fmt.Sprintf("SELECT %s FROM (SELECT * FROM %s LIMIT 200000)", strings.Join(sel, ", "), store.QuoteIdent(t))
		rows, err := e.db.Query(ctx, q)
		if err != nil {
			return err
		}
		for i, c := range cand {
			n := int(store.Int(rows.Data[0][i]))
			if e.opt.Dimensions != nil || n >= 2 && n <= 60 {
				add(c.Name, t, n)
			}
		}
	}
	for _, n := range e.opt.Dimensions {
		if _, ok := byName[n]; !ok {
			if d, ok := e.waitingDim(n); ok { // waiting.go: a column of a table being made
				byName[n] = &d
				continue
			}
			return fmt.Errorf("dimension %q is not a column of any loaded table (%s)", n, strings.Join(e.tableNames(), ", "))
		}
	}
	if e.opt.Dimensions != nil {
		order = append([]string(nil), e.opt.Dimensions...)
	}
	for _, n := range order {
		e.dims = append(e.dims, *byName[n])
	}
	return nil
}

// allNull reports whether a column has no values at all (CSV readers type
// such a column as text).
func (e *Engine) allNull(ctx context.Context, table, col string) bool {
	rows, err := e.db.Query(ctx, fmt.Sprintf("SELECT count(%s) FROM %s", store.QuoteIdent(col), store.QuoteIdent(table)))
	return err == nil && len(rows.Data) == 1 && store.Int(rows.Data[0][0]) == 0
}

// textInNumber explains a text column where numbers are needed, with the
// first value that is not a number and its row.
func (e *Engine) textInNumber(ctx context.Context, table, col, what string) error {
	q := fmt.Sprintf("SELECT rn, v FROM (SELECT row_number() OVER () AS rn, CAST(%s AS VARCHAR) AS v FROM %s) WHERE v IS NOT NULL AND TRY_CAST(v AS DOUBLE) IS NULL LIMIT 1",
		store.QuoteIdent(col), store.QuoteIdent(table))
	msg := fmt.Sprintf("%s: column %q in %s holds text where numbers are needed", what, col, table)
	if rows, err := e.db.Query(ctx, q); err == nil && len(rows.Data) > 0 {
		row := store.Int(rows.Data[0][0])
		where := fmt.Sprintf("data row %d", row)
		if files := e.opt.TableFiles[table]; len(files) == 1 && strings.HasSuffix(strings.ToLower(files[0]), ".csv") {
			where = fmt.Sprintf("%s:%d", files[0], row+1) // +1 for the header line
		}
		msg += fmt.Sprintf(", e.g. %q at %s", fmt.Sprint(rows.Data[0][1]), where)
	}
	// A few distinct words among numbers (NULL, n.v.) mean "no value": name them.
	q = fmt.Sprintf("SELECT DISTINCT trim(CAST(%[1]s AS VARCHAR)) AS v FROM %[2]s WHERE %[1]s IS NOT NULL AND TRY_CAST(%[1]s AS DOUBLE) IS NULL ORDER BY v LIMIT 4", store.QuoteIdent(col), store.QuoteIdent(table))
	if rows, err := e.db.Query(ctx, q); err == nil && len(rows.Data) > 0 && len(rows.Data) <= 3 {
		vals := make([]string, len(rows.Data))
		for i, r := range rows.Data {
			vals[i] = fmt.Sprintf("%q", fmt.Sprint(r[0]))
		}
		verb, it := "means", "it"
		if len(vals) > 1 {
			verb, it = "mean", "them"
		}
		return fmt.Errorf("%s; if %s %s no value, add %s to missing: for source %s in kpiscope.yaml, else fix those values in the file", msg, strings.Join(vals, ", "), verb, it, table)
	}
	return fmt.Errorf("%s; fix those values in the file or point the KPI at a numeric column", msg)
}

// explainRunError turns a conversion error into the column and value at fault.
func (e *Engine) explainRunError(ctx context.Context, defs []*Def, err error) error {
	m := err.Error()
	if !strings.Contains(m, "Conversion Error") && !strings.Contains(m, "Could not convert") && !(strings.Contains(m, "No function matches") && strings.Contains(m, "VARCHAR")) {
		return err
	}
	table := defs[0].Source
	var text strings.Builder
	for _, d := range defs {
		for _, v := range d.Components() {
			text.WriteString(v + " ")
		}
	}
	for _, c := range e.tables[table] {
		if strings.EqualFold(c.Type, "VARCHAR") && mentions(text.String(), c.Name) {
			if x := e.textInNumber(ctx, table, c.Name, "KPI "+defs[0].ID); x != nil && strings.Contains(x.Error(), "e.g.") {
				return x
			}
		}
	}
	return err
}

// shortDuckError drops DuckDB's candidate lists and SQL excerpts.
func shortDuckError(err error) error {
	m := err.Error()
	cut := len(m)
	for _, marker := range []string{"Candidate functions", "LINE 1:", "Candidate bindings"} {
		if i := strings.Index(m, marker); i > 0 && i < cut {
			cut = i
		}
	}
	if cut == len(m) {
		return err
	}
	return errors.New(strings.TrimRight(strings.TrimSpace(m[:cut]), ":. \t") + " (check the expression's column types)")
}

// mentions reports whether an expression names a column, quoted or bare.
func mentions(expr, col string) bool {
	if strings.Contains(expr, store.QuoteIdent(col)) {
		return true
	}
	for i := 0; ; {
		j := strings.Index(expr[i:], col)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isWordChar(expr[j-1])
		after := j+len(col) >= len(expr) || !isWordChar(expr[j+len(col)])
		if before && after {
			return true
		}
		i = j + 1
	}
}

// CanonicalDim returns a dimension's name as the data spells it (dimensions
// are matched without regard to case).
func (e *Engine) CanonicalDim(dim string) string {
	for _, d := range e.dims {
		if d.Name == dim {
			return dim
		}
	}
	for _, d := range e.dims {
		if strings.EqualFold(d.Name, dim) {
			return d.Name
		}
	}
	for _, t := range e.tableNames() {
		if c, ok := schema.Column(e.tables[t], dim); ok {
			return c.Name
		}
	}
	return dim
}

// CheckDimension reports an unknown dimension with the known ones.
func (e *Engine) CheckDimension(dim string) error {
	for _, d := range e.dims {
		if d.Name == dim {
			return nil
		}
	}
	var names []string
	for _, d := range e.dims {
		names = append(names, d.Name)
	}
	// Any column of any table is accepted, even if not offered by default.
	for _, cols := range e.tables {
		if _, ok := schema.Column(cols, dim); ok {
			return nil
		}
	}
	msg := fmt.Sprintf("unknown dimension %q", dim)
	if near := Nearest(dim, names, 2); len(near) > 0 {
		msg += "; did you mean " + quoteAll(near) + "?"
	}
	return fmt.Errorf("%s (dimensions: %s)", msg, strings.Join(names, ", "))
}

// CheckPeriod reports a period with no data, naming the range the data covers.
func (e *Engine) CheckPeriod(s Slice) error {
	if s.Period.IsZero() || s.Grain == All || e.asOf.IsZero() {
		return nil
	}
	end := s.Grain.Add(s.Grain.Trunc(s.Period), 1)
	if !end.After(e.start) || s.Period.After(e.asOf) {
		return fmt.Errorf("no data in %s: the data covers %s to %s", s.Grain.Format(s.Period), e.start.Format("2 Jan 2006"), e.asOf.Format("2 Jan 2006"))
	}
	return nil
}

// DimValues lists a dimension's values across the tables that have it.
func (e *Engine) DimValues(ctx context.Context, dim string) ([]string, error) {
	if e.wh != nil {
		return e.whDimValues(ctx, dim)
	}
	if v, ok := e.dimVals.Load(dim); ok {
		return slices.Clone(v.([]string)), nil
	}
	var parts []string
	for _, t := range e.tableNames() {
		c, ok := schema.Column(e.tables[t], dim)
		if !ok {
			continue
		}
		if base, ok := e.opt.DerivedFrom[t]; ok {
			if _, ok := schema.Column(e.tables[base], dim); ok {
				continue // the same values, row for row: read once, from base (not through the view's join)
			}
		}
		parts = append(parts, fmt.Sprintf("SELECT DISTINCT CAST(%s AS VARCHAR) AS v FROM %s", store.QuoteIdent(c.Name), store.QuoteIdent(t)))
	}
	if len(parts) == 0 {
		return nil, e.CheckDimension(dim)
	}
	rows, err := e.db.Query(ctx, "SELECT DISTINCT coalesce(v, '"+BlankLabel+"') FROM ("+strings.Join(parts, " UNION ALL ")+") ORDER BY 1 LIMIT 1000")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rows.Data))
	for _, r := range rows.Data {
		out = append(out, fmt.Sprint(r[0]))
	}
	e.dimVals.Store(dim, out)
	return slices.Clone(out), nil
}

// ErrNotSliceable says a KPI's table cannot be filtered or broken down by a dimension.
var ErrNotSliceable = errors.New("not sliceable")

// notApplicable is a KPI that has no value for this slice by design (not an
// error in the data); it matches ErrNotSliceable.
type notApplicable string

func (e notApplicable) Error() string        { return string(e) }
func (e notApplicable) Is(target error) bool { return target == ErrNotSliceable }

type sliceError struct{ table, dim string }

func (e *sliceError) Error() string {
	return fmt.Sprintf("%s has no column %q (nor a customer_id leading to one)", e.table, e.dim)
}

func (e *sliceError) Is(target error) bool { return target == ErrNotSliceable }

// dimExpr resolves a dimension for a table: its own column, or the customers
// table's through the customer key. join reports whether the join is needed.
func (e *Engine) dimExpr(table, dim string) (expr string, join bool, err error) {
	if c, ok := schema.Column(e.tables[table], dim); ok {
		return "t." + store.QuoteIdent(c.Name), false, nil
	}
	if e.opt.Customers != "" && table != e.opt.Customers {
		if _, ok := schema.Column(e.tables[table], e.opt.CustomerKey); ok {
			if c, ok := schema.Column(e.tables[e.opt.Customers], dim); ok {
				return "c." + store.QuoteIdent(c.Name), true, nil
			}
		}
	}
	return "", false, &sliceError{table: table, dim: dim}
}
