package kpi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"kpiscope/internal/schema"
	"kpiscope/internal/store"
)

// The rows behind a number (issue 13): the records a KPI's n counts in a
// slice, a page at a time. The rows are the KPI's own query's rows (the
// compiler's FROM, customer join, filters and time window: compileGroup),
// narrowed by the row condition its n counts (n's FILTER, or the counted
// column not null), so the count shown is the scorecard's n.

// RecordsAsk is which page of the rows behind a number to read.
type RecordsAsk struct {
	// Sort is the column to sort by ("" = the KPI's time column, else the
	// first column); Desc sorts it from the largest.
	Sort string
	Desc bool
	// FileOrder reads the rows in the table's own order, as its files hold
	// them, instead of sorted (Sort and Desc are then ignored): no sort of
	// the period's rows, and a page stops reading once it has its rows.
	FileOrder bool
	// Search keeps rows where any shown column's text contains it, in any
	// case ("" = every row).
	Search string
	// Offset and Limit are the page: Limit rows from Offset. Limit 0 reads
	// no row (the count only); a negative Limit reads every row.
	Offset, Limit int
	// NoCount skips counting (a new page of rows already counted).
	NoCount bool
	// Total is the rows there are (matching the search) when a count read
	// before says so, 0 when unknown: a sorted page in the second half is
	// then read from the end in the reverse order, so the last page costs
	// what the first does (a top-N of a page, not of every row before it).
	Total int64
}

// Records is a page of the rows behind a KPI's number.
type Records struct {
	// Def is the KPI asked for; Of is the KPI whose rows these are: Def
	// itself, or for a composite the KPI its n is taken from.
	Def, Of *Def
	Table   string // the table the rows come from
	// Rule says which rows count, in words ("csat BETWEEN 1 AND 5").
	Rule    string
	Columns []string
	// Used is how many of the first Columns the KPI reads (its time column
	// first); the rest of the table's columns follow, then the customers'.
	Used int
	// Times marks the columns of dates or times, Dates those of dates only,
	// Clocks those of times of day (TIME: no date).
	Times, Dates, Clocks []bool
	// Measured marks the per-row measure (what each row adds to the
	// numerator), rounded to MeasureDecimals: shown with them all.
	Measured []bool
	Rows     [][]any
	Offset   int
	// Count is the rows counted, N the KPI's n over them (equal unless n
	// counts the distinct values of Distinct), Match the rows that match
	// the search (Count without one). All three are -1 when not counted.
	Count, N, Match int64
	Distinct        string
	// NoValue says why the KPI (Def) has no value in the slice though its
	// rows can be read (a composite whose input is recorded by month in a
	// period not over): N is then -1, there is no n.
	NoValue string
	// Period names the period the rows are in ("Oct 2026 (to 15 Oct)",
	// "all time").
	Period string
	// Filters are the slice's, dimensions spelled as the data spells them.
	Filters []Filter
	// Sort is the column the rows are sorted by, "" in file order.
	Sort   string
	Desc   bool
	Search string
}

// ErrNoRecords says a KPI's number does not count rows that can be shown.
var ErrNoRecords = errors.New("no rows to show")

type noRecords string

func (e noRecords) Error() string        { return string(e) }
func (e noRecords) Is(target error) bool { return target == ErrNoRecords }

// Records reads a page of the rows KPI id counts in slice s (its filters,
// grain and period; s.Segment is ignored: a segment is a filter). The
// query is bounded by ask.Limit and runs under ctx.
func (e *Engine) Records(ctx context.Context, id string, s Slice, ask RecordsAsk) (*Records, error) {
	d := e.byID[id]
	if d == nil {
		return nil, fmt.Errorf("unknown KPI %q", id)
	}
	for _, f := range s.Filters {
		if err := e.CheckFilter(f); err != nil {
			return nil, err
		}
	}
	s.Segment = ""
	of, err := e.countedBy(d, map[string]bool{})
	if err != nil {
		return nil, err
	}
	q, err := e.recordsQuery(of, s)
	if err != nil {
		return nil, err
	}
	out := &Records{Def: d, Of: of, Table: of.Source, Rule: q.rule, Columns: q.names, Used: q.used,
		Times: q.times, Dates: q.dates, Clocks: q.clocks, Measured: q.measured, Offset: ask.Offset, Count: -1, N: -1, Match: -1,
		Distinct: q.distinct, Period: q.period, Search: strings.TrimSpace(ask.Search), Filters: e.Resolve(s).Filters}
	out.Sort, out.Desc = ask.Sort, ask.Desc
	sortIdx := -1
	for i, c := range q.names {
		if strings.EqualFold(c, ask.Sort) {
			sortIdx, out.Sort = i, c
		}
	}
	if ask.Sort != "" && sortIdx < 0 {
		return nil, fmt.Errorf("no column %q among the rows of %s (columns: %s)", ask.Sort, of.Source, strings.Join(q.names, ", "))
	}
	if sortIdx < 0 {
		sortIdx, out.Sort = 0, q.names[0]
	}
	if ask.FileOrder {
		if e.wh != nil {
			// A warehouse has no file order to keep across pages (a
			// Distributed table's shards answer in any order): the rows
			// are sorted by the first column instead, and say so.
			sortIdx, out.Sort, out.Desc = 0, q.names[0], false
		} else {
			sortIdx, out.Sort, out.Desc = -1, "", false
		}
	}
	if e.wh != nil {
		return e.whRecords(ctx, d, of, s, ask, q, out, sortIdx)
	}
	search, sargs := q.search(ask.Search)
	if !ask.NoCount {
		from, fargs := q.from, q.args
		if len(sargs) == 0 {
			from, fargs = q.countFrom, q.countArgs
		}
		sql := fmt.Sprintf("SELECT count(*) FILTER (WHERE %s), count(*) FILTER (WHERE %s AND %s), CAST((%s) AS DOUBLE) FROM (%s) src",
			q.cond, q.cond, search, q.nExpr, from)
		args := append(append([]any(nil), sargs...), fargs...)
		began := time.Now()
		rows, err := e.db.Query(ctx, sql, args...)
		e.debug("query", "table", of.Source, "elapsed", time.Since(began), "sql", sql)
		if err != nil {
			return nil, e.recordsErr(ctx, of, err)
		}
		if len(rows.Data) == 1 {
			r := rows.Data[0]
			out.Count, out.Match = store.Int(r[0]), store.Int(r[1])
			if f, ok := store.Float(r[2]); ok {
				out.N = int64(f + 0.5)
			} else {
				out.N = 0
			}
		}
		if d != of {
			// A composite's n is its input's, but the composite may have
			// no value here (and so no n): its scorecard says.
			sc, err := e.Compute(ctx, s, []string{d.ID}, WithoutExtras())
			if err != nil {
				return nil, e.recordsErr(ctx, d, err)
			}
			if res := sc.Find(d.ID); res != nil && res.Err != nil {
				out.NoValue, out.N = res.Err.Error(), -1
			}
		}
	}
	if ask.Limit == 0 {
		return out, nil
	}
	cols := strings.Join(q.quoted, ", ")
	off, lim, reverse := max(ask.Offset, 0), ask.Limit, false
	if ask.Total > 0 && lim > 0 && int64(off) > ask.Total/2 && (sortIdx >= 0 || q.joined || len(sargs) > 0) {
		// A page past the middle of a sorted order is the same rows read
		// from the end: the reverse order (nulls first), the offset from
		// the end, reversed back.
		if int64(off) >= ask.Total {
			return out, nil
		}
		lim = int(min(int64(lim), ask.Total-int64(off)))
		off, reverse = int(ask.Total-int64(off)-int64(lim)), true
	}
	var sql string
	var args []any
	switch {
	case sortIdx >= 0:
		order := []string{recordsOrder(q.quoted[sortIdx], ask.Desc != reverse, reverse)}
		for i, c := range q.quoted { // ties in a stable order, so pages do not overlap
			if i != sortIdx {
				order = append(order, recordsOrder(c, reverse, reverse))
			}
		}
		sql = fmt.Sprintf("SELECT %s FROM (%s) src WHERE %s AND %s ORDER BY %s", cols, q.from, q.cond, search, strings.Join(order, ", "))
		args = append(append([]any(nil), q.args...), sargs...)
	case q.joined || len(sargs) > 0:
		// In file order, but the filters or the search read the customers'
		// columns, joined: the rows' places in the table, numbered before
		// the join, keep the order (a scan, and a top-N of one number).
		sql = fmt.Sprintf("SELECT %s FROM (%s) src WHERE %s AND %s ORDER BY __pos", cols, q.posFrom, q.cond, search)
		if reverse {
			sql += " DESC"
		}
		args = append(append([]any(nil), q.posArgs...), sargs...)
	default:
		// In file order: the table's rows in the period, filtered, read as
		// the scan gives them (DuckDB keeps insertion order) and no further
		// than the page, no ORDER BY; the customers' columns are joined to
		// the page alone, which keeps its order by its own row numbers.
		page := fmt.Sprintf("SELECT * FROM (%s) src WHERE %s", q.countFrom, q.cond)
		args = append([]any(nil), q.countArgs...)
		if lim > 0 {
			page += " LIMIT ? OFFSET ?"
			args = append(args, lim, off)
		} else if off > 0 {
			page += " OFFSET ?"
			args = append(args, off)
		}
		lim, off = 0, 0
		sql = fmt.Sprintf("SELECT %s FROM (SELECT p.*, row_number() OVER () AS __pos FROM (%s) p) p%s ORDER BY p.__pos", cols, page, q.attach)
	}
	if lim > 0 {
		sql += " LIMIT ? OFFSET ?"
		args = append(args, lim, off)
	} else if off > 0 {
		sql += " OFFSET ?"
		args = append(args, off)
	}
	began := time.Now()
	rows, err := e.db.Query(ctx, sql, args...)
	e.debug("query", "table", of.Source, "elapsed", time.Since(began), "sql", sql)
	if err != nil {
		return nil, e.recordsErr(ctx, of, err)
	}
	out.Rows = rows.Data
	if reverse {
		slices.Reverse(out.Rows)
	}
	return out, nil
}

func (e *Engine) recordsErr(ctx context.Context, d *Def, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		return err
	}
	return fmt.Errorf("reading the rows of %s: %w", d.Label(), store.WithoutSQL(err))
}

// recordsOrder is col's ORDER BY term: nulls last, or first when the
// order is read backwards (from the end).
func recordsOrder(col string, desc, nullsFirst bool) string {
	nulls := " NULLS LAST"
	if nullsFirst {
		nulls = " NULLS FIRST"
	}
	if desc {
		return col + " DESC" + nulls
	}
	return col + " ASC" + nulls
}

// countedBy is the KPI whose rows d's n counts: d itself, or for a
// composite the KPI its n is taken from (CAC's new customers, CLV's
// churn's customers active at the period's start).
func (e *Engine) countedBy(d *Def, seen map[string]bool) (*Def, error) {
	if err := e.problems[d.ID]; err != nil {
		return nil, err
	}
	if d.Type != Composite {
		if d.nComponent() == "" {
			return nil, noRecords(fmt.Sprintf("%s has no count of rows (n) to show the rows of", d.Label()))
		}
		return d, nil
	}
	seen[d.ID] = true
	id, _, _ := strings.Cut(d.N, ".")
	dep := e.byID[id]
	if d.N == "" || dep == nil || seen[id] {
		return nil, noRecords(fmt.Sprintf("%s is computed from other KPIs and has no count of rows (n) to show the rows of", d.Label()))
	}
	return e.countedBy(dep, seen)
}

// recordsPlan is the SQL the rows behind a number are read with.
type recordsPlan struct {
	from string // the rows in the slice: the KPI's table, joined and filtered
	args []any  // from's
	// countFrom is from without the customers' columns shown only.
	countFrom string
	countArgs []any
	// posFrom is from with each row's place in the table (__pos, file
	// order); joined says the filters read the customers' columns; attach
	// joins the customers' columns shown to a page (p) of countFrom's rows.
	posFrom  string
	posArgs  []any
	joined   bool
	attach   string
	cond     string // the rows n counts
	nExpr    string // n's aggregate, verbatim
	distinct string // the column n counts distinct values of ("" = rows)
	rule     string
	names    []string // shown columns
	quoted   []string // as src names them
	used     int
	times    []bool
	dates    []bool
	clocks   []bool
	measured []bool
	period   string

	// For a warehouse (records_clickhouse.go), the plan's parts before
	// they are written for DuckDB: the compiled query, the table's
	// columns, the customers' columns shown, the measure's expression
	// (mIdx: its column among names, -1 none), and the row conditions
	// (the KPI's where, n's condition) verbatim.
	gq       *queryPlan
	cols     []store.Column
	cust     []store.Column
	custKey  string
	custTab  string
	mExpr    string
	mIdx     int
	rawConds []string
}

// recordsQuery plans the rows of d (not a composite) in slice s.
func (e *Engine) recordsQuery(d *Def, s Slice) (*recordsPlan, error) {
	s, pl := e.resolveSlice(s)
	p := pl.within(e.spanOf(d).hi)
	if e.cutByRecord(d) {
		p = p.clipped()
	}
	if d.MinGrain != "" && p.grain != All && (p.grain.Finer(d.MinGrain) || p.partial) {
		return nil, noRecords(fmt.Sprintf("%s is recorded by %s: choose %s grain or coarser", d.Label(), d.MinGrain, d.MinGrain))
	}
	// The current period alone: no trend, no comparison.
	cur := p
	cur.cmp, cur.trendStart, cur.from = time.Time{}, p.cur, p.cur
	sch := e.snapshot()
	gq, err := compileGroup(sch, []*Def{d}, s, "", cur, false)
	if err != nil {
		return nil, err
	}
	comps := d.Components()
	nExpr := comps[d.nComponent()]
	cond, distinct, ok := countCondition(nExpr)
	if !ok {
		return nil, noRecords(fmt.Sprintf("%s's n is %s, not a count of rows: no rows to show", d.Label(), nExpr))
	}
	rp := &recordsPlan{nExpr: nExpr, cond: "(" + cond + ")", rule: recordsPlainNames(cond), gq: gq, mIdx: -1}
	if d.Where != "" {
		rp.rawConds = append(rp.rawConds, d.Where)
	}
	if cond != "" {
		rp.rawConds = append(rp.rawConds, cond)
	}
	if cond == "" {
		rp.cond, rp.rule = "true", ""
	}
	if distinct != "" {
		rp.distinct = recordsUnquote(distinct)
	}
	if d.Where != "" {
		rp.cond = "(" + d.Where + ") AND " + rp.cond
		rp.rule = strings.TrimPrefix(recordsPlainNames(d.Where)+" AND "+rp.rule, " AND ")
		rp.rule = strings.TrimSuffix(rp.rule, " AND ")
	}

	// Columns: the time column, those the KPI reads, the rest of the table,
	// then the customers' dimensions (those a filter reads first).
	cols := sch.tables[d.Source]
	var exprs []string
	for _, x := range []string{d.Numerator, d.Denominator, d.Where, d.N} {
		exprs = append(exprs, x)
	}
	for _, x := range comps {
		exprs = append(exprs, x)
	}
	for _, x := range d.Extras {
		exprs = append(exprs, x)
	}
	reads := func(c string) bool {
		for _, x := range exprs {
			if x != "" && mentions(x, c) {
				return true
			}
		}
		return false
	}
	var first, used, rest []store.Column
	for _, c := range cols {
		switch {
		case d.Time != "" && strings.EqualFold(c.Name, d.Time):
			first = append(first, c)
		case reads(c.Name):
			used = append(used, c)
		default:
			rest = append(rest, c)
		}
	}
	have := map[string]bool{}
	for _, c := range cols {
		have[strings.ToLower(c.Name)] = true
	}
	// What each row adds to the numerator, when that is a sum of a per-row
	// expression (hours to resolve), beside the time column: sorting by
	// it finds the long tail.
	mName, mExpr, measured := measureOf(d)
	if measured && !have[strings.ToLower(mName)] {
		first = append(first, store.Column{Name: mName, Type: "DOUBLE"})
	} else {
		measured = false
	}
	shown := append(append(first, used...), rest...)
	rp.used = len(first) + len(used)
	var custCols []store.Column
	if sch.customers != "" && d.Source != sch.customers {
		if _, ok := schema.Column(cols, sch.customerKey); ok {
			want := map[string]bool{}
			if gq.Join != nil {
				for _, c := range gq.Join.Columns {
					want[strings.ToLower(c)] = true
				}
			}
			for _, dim := range e.dims {
				want[strings.ToLower(dim.Name)] = true
			}
			for _, c := range sch.tables[sch.customers] {
				if want[strings.ToLower(c.Name)] && !have[strings.ToLower(c.Name)] {
					custCols = append(custCols, c)
				}
			}
		}
	}
	for i, c := range append(append([]store.Column(nil), shown...), custCols...) {
		rp.names = append(rp.names, c.Name)
		rp.quoted = append(rp.quoted, store.QuoteIdent(c.Name))
		rp.times = append(rp.times, schema.IsTime(c.Type))
		rp.dates = append(rp.dates, strings.EqualFold(c.Type, "DATE"))
		rp.clocks = append(rp.clocks, isClock(c.Type))
		rp.measured = append(rp.measured, measured && i == len(first)-1)
	}
	rp.cols, rp.cust, rp.custKey, rp.custTab = cols, custCols, sch.customerKey, sch.customers
	if measured {
		rp.mExpr, rp.mIdx = mExpr, len(first)-1
	}

	// FROM: the table, the customers joined one row per key (as the KPI's
	// query joins them), the slice's filters and the period. pos numbers
	// the table's rows in the period in file order (__pos), before the join:
	// a join need not keep the table's order (DuckDB may build its hash
	// table from the table and probe with the customers).
	build := func(cust []store.Column, pos bool) (string, []any) {
		var b strings.Builder
		var args []any
		sel := []string{"t.*"}
		for _, c := range cust {
			sel = append(sel, "c."+store.QuoteIdent(c.Name))
		}
		if measured {
			sel = append(sel, fmt.Sprintf("round(CAST((%s) AS DOUBLE), 2) AS %s", mExpr, store.QuoteIdent(mName)))
		}
		tcol := ""
		if gq.Time != "" {
			tcol = fmt.Sprintf("CAST(t.%s AS TIMESTAMP)", store.QuoteIdent(gq.Time))
		}
		var conds, own []string // own: the conditions on the table's own columns
		var condArgs, ownArgs []any
		if gq.Cohort != nil {
			// A cohort counts each row that exists before the period's end
			// (or has no time), read at the period's start and end.
			c := gq.Cohort
			start, end := c.Last, c.Step.Add(c.Last, 1)
			if c.Step == All {
				start, end = c.First, c.End
			}
			sel = append(sel, "?::TIMESTAMP AS period_start", "?::TIMESTAMP AS period_end")
			args = append(args, sqlTime(start), sqlTime(end))
			own = append(own, fmt.Sprintf("(%[1]s IS NULL OR %[1]s < ?::TIMESTAMP)", tcol))
			ownArgs = append(ownArgs, sqlTime(end))
		}
		for _, r := range gq.Ranges {
			own = append(own, fmt.Sprintf("%[1]s >= ?::TIMESTAMP AND %[1]s < ?::TIMESTAMP", tcol))
			ownArgs = append(ownArgs, sqlTime(r.From), sqlTime(r.To))
		}
		if pos {
			where := ""
			if len(own) > 0 {
				where = " WHERE " + strings.Join(own, " AND ")
			}
			fmt.Fprintf(&b, "SELECT %s FROM (SELECT t.*, row_number() OVER () AS __pos FROM %s t%s) t",
				strings.Join(sel, ", "), store.QuoteIdent(gq.Source), where)
			args = append(args, ownArgs...)
			own, ownArgs = nil, nil
		} else {
			fmt.Fprintf(&b, "SELECT %s FROM %s t", strings.Join(sel, ", "), store.QuoteIdent(gq.Source))
		}
		if len(cust) > 0 || gq.Join != nil {
			key := store.QuoteIdent(sch.customerKey)
			joined := map[string]bool{}
			var cs []string
			add := func(name string) {
				if !joined[strings.ToLower(name)] {
					joined[strings.ToLower(name)] = true
					cs = append(cs, fmt.Sprintf("any_value(%[1]s) AS %[1]s", store.QuoteIdent(name)))
				}
			}
			for _, c := range cust {
				add(c.Name)
			}
			if gq.Join != nil {
				for _, c := range gq.Join.Columns {
					add(c)
				}
			}
			fmt.Fprintf(&b, " LEFT JOIN (SELECT %s AS __k, %s FROM %s GROUP BY 1) c ON t.%s = c.__k",
				key, strings.Join(cs, ", "), store.QuoteIdent(sch.customers), key)
		}
		for _, f := range gq.Filters {
			cond, a := duckFilterCond(f)
			conds, condArgs = append(conds, cond), append(condArgs, a...)
		}
		conds, condArgs = append(conds, own...), append(condArgs, ownArgs...)
		args = append(args, condArgs...)
		if len(conds) > 0 {
			b.WriteString(" WHERE " + strings.Join(conds, " AND "))
		}
		return b.String(), args
	}
	rp.from, rp.args = build(custCols, false)
	rp.posFrom, rp.posArgs = build(custCols, true)
	// The count needs no customer column the filters do not read: it
	// joins them only for those, as the KPI's own query does.
	rp.countFrom, rp.countArgs = build(nil, false)
	rp.joined = gq.Join != nil
	if len(custCols) > 0 {
		// The customers' columns of a page's rows, joined to the page.
		key := store.QuoteIdent(sch.customerKey)
		cs := make([]string, len(custCols))
		for i, c := range custCols {
			cs[i] = fmt.Sprintf("any_value(%[1]s) AS %[1]s", store.QuoteIdent(c.Name))
		}
		rp.attach = fmt.Sprintf(" LEFT JOIN (SELECT %s AS __k, %s FROM %s GROUP BY 1) c ON p.%s = c.__k",
			key, strings.Join(cs, ", "), store.QuoteIdent(sch.customers), key)
	}

	if c := gq.Cohort; c != nil {
		// The rule names the period's dates, not the query's names for them.
		start, end := c.Last, c.Step.Add(c.Last, 1)
		if c.Step == All {
			start, end = c.First, c.End
		}
		rp.rule = substituteNames(rp.rule, []string{"period_start", "period_end"}, func(n string) string {
			if n == "period_start" {
				return start.Format("2006-01-02")
			}
			return end.Format("2006-01-02")
		})
	}
	switch {
	case gq.Cohort != nil && gq.Cohort.Step != All:
		rp.period = PeriodLabel(p.grain, p.cur, time.Time{})
	case len(gq.Ranges) > 0:
		end := time.Time{}
		if p.partial {
			end = p.curEnd
		}
		rp.period = PeriodLabel(p.grain, p.cur, end)
	default:
		rp.period = PeriodLabel(All, time.Time{}, time.Time{})
	}
	return rp, nil
}

// search is the condition a search text puts on the shown columns, and its
// arguments: the text bound, never spliced. A row matches when one column's
// text holds it, in any case (one test per column: DuckDB stops at the
// first that holds it, cheaper than testing the columns' text joined).
func (rp *recordsPlan) search(text string) (string, []any) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "true", nil
	}
	cs := make([]string, len(rp.quoted))
	args := make([]any, len(rp.quoted))
	for i, c := range rp.quoted {
		cs[i] = "contains(lower(CAST(" + c + " AS VARCHAR)), lower(?))"
		args[i] = text
	}
	return "coalesce(" + strings.Join(cs, " OR ") + ", false)", args
}

// countCondition reads a count aggregate, count(*), count(x) or
// count(DISTINCT x), with or without FILTER (WHERE cond): the condition a
// row meets to be counted ("" = every row), and for a distinct count the
// expression whose values it counts. ok is false for anything else (a sum,
// a formula).
func countCondition(expr string) (cond, distinct string, ok bool) {
	s := strings.TrimSpace(expr)
	if len(s) < 6 || !strings.EqualFold(s[:5], "count") {
		return "", "", false
	}
	rest := strings.TrimLeftFunc(s[5:], unicode.IsSpace)
	if !strings.HasPrefix(rest, "(") {
		return "", "", false
	}
	end := recordsParen(rest, 0)
	if end < 0 {
		return "", "", false
	}
	arg := strings.TrimSpace(rest[1:end])
	tail := strings.TrimSpace(rest[end+1:])
	var conds []string
	switch {
	case arg == "*":
	case len(arg) > 9 && strings.EqualFold(arg[:9], "DISTINCT ") || len(arg) > 9 && strings.EqualFold(arg[:8], "DISTINCT") && arg[8] == '(':
		distinct = strings.TrimSpace(arg[8:])
		conds = append(conds, recordsNotNull(distinct))
	case arg == "":
		return "", "", false
	default:
		conds = append(conds, recordsNotNull(arg))
	}
	if tail != "" {
		up := strings.ToUpper(tail)
		if !strings.HasPrefix(up, "FILTER") {
			return "", "", false
		}
		t := strings.TrimSpace(tail[6:])
		if !strings.HasPrefix(t, "(") {
			return "", "", false
		}
		e := recordsParen(t, 0)
		if e != len(t)-1 {
			return "", "", false
		}
		inner := strings.TrimSpace(t[1:e])
		if len(inner) < 6 || !strings.EqualFold(inner[:5], "WHERE") || !unicode.IsSpace(rune(inner[5])) {
			return "", "", false
		}
		conds = append([]string{strings.TrimSpace(inner[5:])}, conds...)
	}
	return strings.Join(conds, " AND "), distinct, true
}

// measureOf is a ratio's per-row measure: its numerator sum(x) [FILTER
// (WHERE f)] [/ or * a number], as x for the rows f keeps (the number
// applied), named after the KPI and its unit ("Resolution (h)"). ok is
// false for anything else, and for a plain column (shown already).
func measureOf(d *Def) (name, expr string, ok bool) {
	if d.Type != Ratio {
		return "", "", false
	}
	s := strings.TrimSpace(d.Numerator)
	if len(s) < 5 || !strings.EqualFold(s[:4], "sum(") {
		return "", "", false
	}
	end := recordsParen(s, 3)
	if end < 0 {
		return "", "", false
	}
	x := strings.TrimSpace(s[4:end])
	if x == "" || recordsPlainName.MatchString(x) || recordsQuotedName.FindString(x) == x {
		return "", "", false
	}
	rest := strings.TrimSpace(s[end+1:])
	if len(rest) >= 6 && strings.EqualFold(rest[:6], "FILTER") {
		t := strings.TrimSpace(rest[6:])
		if !strings.HasPrefix(t, "(") {
			return "", "", false
		}
		e := recordsParen(t, 0)
		if e < 0 {
			return "", "", false
		}
		inner := strings.TrimSpace(t[1:e])
		if len(inner) < 6 || !strings.EqualFold(inner[:5], "WHERE") {
			return "", "", false
		}
		x = "CASE WHEN " + strings.TrimSpace(inner[5:]) + " THEN " + x + " END"
		rest = strings.TrimSpace(t[e+1:])
	}
	if rest != "" && !recordsScaleTail.MatchString(rest) {
		return "", "", false
	}
	name = d.ShortLabel()
	if d.Unit != "" && d.Unit != "%" {
		name += " (" + d.Unit + ")"
	}
	return name, "(" + x + ")" + rest, true
}

// recordsScaleTail is a numerator's tail that scales its sum: "/ 3600.0", "* 60".
var recordsScaleTail = regexp.MustCompile(`^[/*]\s*[0-9]+(\.[0-9]+)?$`)

// recordsNotNull is "x IS NOT NULL", x in parentheses unless it is a name.
func recordsNotNull(x string) string {
	if recordsPlainName.MatchString(x) || recordsQuotedName.MatchString(x) && recordsQuotedName.FindString(x) == x {
		return x + " IS NOT NULL"
	}
	return "(" + x + ") IS NOT NULL"
}

var (
	recordsPlainName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	recordsQuotedName = regexp.MustCompile(`"([A-Za-z_][A-Za-z0-9_]*)"`)
)

// recordsPlainNames shows a rule with its plain column names unquoted
// ("csat" BETWEEN 1 AND 5 → csat BETWEEN 1 AND 5).
func recordsPlainNames(s string) string { return recordsQuotedName.ReplaceAllString(s, "$1") }

// recordsParen is the index of the parenthesis closing the one at s[open],
// skipping quoted text; -1 when there is none.
func recordsParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"':
			j := i + 1
			for j < len(s) && s[j] != c {
				j++
			}
			i = j
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// recordsUnquote shows a quoted identifier as its name ("order_id" → order_id).
func recordsUnquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil && strings.HasPrefix(s, `"`) && !strings.Contains(s[1:len(s)-1], `"`) {
		return u
	}
	return s
}

// isClock reports whether a DuckDB type is a time of day (TIME, TIMETZ,
// TIME WITH TIME ZONE), which the driver reads as a time.Time on 1 Jan 1.
func isClock(t string) bool {
	t = strings.ToUpper(strings.TrimSpace(t))
	return strings.HasPrefix(t, "TIME") && !strings.HasPrefix(t, "TIMESTAMP") && !strings.HasSuffix(t, "]")
}

// MeasureDecimals is what a per-row measure is rounded to (Records.Measured).
const MeasureDecimals = 2

// Text is the value v of column j as text, for a machine (CSV, JSON aside):
// a time of day as 15:04:05, else as RecordText.
func (r *Records) Text(j int, v any) string {
	if t, ok := v.(time.Time); ok && j < len(r.Clocks) && r.Clocks[j] {
		return ClockText(t)
	}
	return RecordText(v, j < len(r.Dates) && r.Dates[j])
}

// Display is the value v of column j as a person reads it: as Text, but a
// measure with its decimals all shown and thousands separated (1,364.75,
// 6.00), so the decimal points line up.
func (r *Records) Display(j int, v any) string {
	if f, ok := v.(float64); ok && j < len(r.Measured) && r.Measured[j] {
		return FormatFloat(f, MeasureDecimals)
	}
	return r.Text(j, v)
}

// ClockText is a time of day: 15:04:05, its fraction of a second when it
// has one.
func ClockText(t time.Time) string { return t.Format("15:04:05.999999") }

// RecordText is a record's value as text: times as 2006-01-02 15:04:05
// (dates alone when date is set), numbers in full, nothing for null.
// Records.Text knows the column: a time of day as one.
func RecordText(v any, date bool) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		if date {
			return x.UTC().Format("2006-01-02")
		}
		return x.UTC().Format("2006-01-02 15:04:05")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case []byte:
		return string(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
