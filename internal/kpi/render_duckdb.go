package kpi

import (
	"fmt"
	"math"
	"strings"
	"time"

	"kpiscope/internal/store"
)

// The DuckDB renderer: the one place the compiled plans become DuckDB SQL
// (date_trunc, ::TIMESTAMP casts, GROUPING SETS, generate_series, INTERVAL,
// to_microseconds, any_value). Identifiers go through store.QuoteIdent;
// filter values and times are bound arguments. The output columns are the
// executor's contract: __p (period start), __seg and __g (segment and its
// grouping flag, 1 on the totals), then the plan's aggregates and values.

func duckCol(c colRef) string {
	if c.Customer {
		return "c." + store.QuoteIdent(c.Name)
	}
	return "t." + store.QuoteIdent(c.Name)
}

func duckInterval(g Grain) string {
	switch g {
	case Day:
		return "INTERVAL '1 day'"
	case Week:
		return "INTERVAL '7 days'"
	case Quarter:
		return "INTERVAL '3 months'"
	case Year:
		return "INTERVAL '1 year'"
	}
	return "INTERVAL '1 month'"
}

// duckPeriod renders the start of the period holding the time expr: its
// date_trunc, or for a window grain the latest of the window's period starts
// within the ranges that is not after it (rows outside them are not read).
func duckPeriod(g Grain, expr string, ranges []timeRange) string {
	starts := windowBuckets(g, ranges)
	if starts == nil {
		return fmt.Sprintf("date_trunc('%s', %s)", g.SQLUnit(), expr)
	}
	var b strings.Builder
	b.WriteString("CASE")
	for i := len(starts) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, " WHEN %s >= %s THEN %s", expr, duckTimeLit(starts[i]), duckTimeLit(starts[i]))
	}
	b.WriteString(" END")
	return b.String()
}

// duckTimeLit is a timestamp literal for a date the engine made.
func duckTimeLit(t time.Time) string {
	return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05.999999") + "'"
}

// duckValue renders a value formula over its input columns.
func duckValue(v planValue) string {
	ref := func(n string) string {
		if n == "periods_per_year" {
			if v.PerRowYear != "" {
				return v.PerRowYear
			}
			return formatFloat(v.PeriodsPerYear)
		}
		return store.QuoteIdent(v.Inputs[n])
	}
	if v.Ratio {
		return fmt.Sprintf("(%v * (%s)::DOUBLE / NULLIF((%s)::DOUBLE, 0))", formatFloat(v.Scale), ref("num"), ref("den"))
	}
	return "(" + substituteNames(v.Expr, append(v.sortedInputs(), "periods_per_year"), ref) + ")"
}

// duckFilterCond renders one filter as a condition and its arguments.
func duckFilterCond(f planFilter) (string, []any) {
	expr := duckCol(f.Col)
	if f.Op.Numeric() {
		return fmt.Sprintf("(TRY_CAST(%s AS DOUBLE) %s ?)", expr, f.Op), []any{f.Number}
	}
	return duckInCond(expr, "CAST("+expr+" AS VARCHAR)", f.Values, f.Blank, f.Not)
}

// duckInCond renders "one of the values, or empty when blank" over the
// column expr (text as text), or with not its opposite, where empty cells
// are kept unless blank is among the values left out.
func duckInCond(expr, text string, values []string, blank, not bool) (string, []any) {
	var ors []string
	var args []any
	if blank {
		ors = append(ors, expr+" IS NULL")
	}
	if len(values) > 0 {
		ph := make([]string, len(values))
		for i, v := range values {
			ph[i] = "?"
			args = append(args, v)
		}
		ors = append(ors, fmt.Sprintf("%s IN (%s)", text, strings.Join(ph, ", ")))
	}
	if len(ors) == 0 {
		ors = append(ors, "false")
	}
	if not {
		return "(NOT coalesce(" + strings.Join(ors, " OR ") + ", false))", args
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

// duckCustomerJoin renders the customers' columns a plan reads, one row per
// customer key, joined to the source table t as c.
func duckCustomerJoin(j *customerJoin) string {
	key := store.QuoteIdent(j.Key)
	cs := make([]string, len(j.Columns))
	for i, c := range j.Columns {
		cs[i] = fmt.Sprintf("any_value(%[1]s) AS %[1]s", store.QuoteIdent(c))
	}
	return fmt.Sprintf(" LEFT JOIN (SELECT %s AS __k, %s FROM %s GROUP BY 1) c ON t.%s = c.__k",
		key, strings.Join(cs, ", "), store.QuoteIdent(j.Table), key)
}

// renderDuckDB renders a query plan as DuckDB SQL and its arguments.
func renderDuckDB(q *queryPlan) (string, []any) {
	var conds, wheres []string // conds: filters; wheres: after the time range
	var filterArgs []any
	for _, f := range q.Filters {
		c, a := duckFilterCond(f)
		conds = append(conds, c)
		filterArgs = append(filterArgs, a...)
	}
	segSel, timeSel, tcol := "", "", ""
	if q.Segment != nil {
		segSel = fmt.Sprintf(", CAST(%s AS VARCHAR) AS __seg", duckCol(*q.Segment))
	}
	if q.Time != "" {
		tcol = fmt.Sprintf("CAST(t.%s AS TIMESTAMP)", store.QuoteIdent(q.Time))
		timeSel = ", " + tcol + " AS __t"
	}
	var cutArgs []any
	if q.Elapsed > 0 && len(q.Ranges) > 0 {
		wheres = append(wheres, fmt.Sprintf("%s < date_trunc('%s', %s) + to_microseconds(?::BIGINT)", tcol, q.Grain.SQLUnit(), tcol))
		cutArgs = append(cutArgs, q.Elapsed.Microseconds())
	}
	if q.Where != "" {
		wheres = append(wheres, "("+q.Where+")")
	}

	var b strings.Builder
	var args []any
	b.WriteString("WITH ")
	if c := q.Cohort; c != nil {
		// The periods, then the KPIs' columns computed once per period.
		var pb strings.Builder
		if c.Step == All {
			pb.WriteString("periods AS (SELECT ?::TIMESTAMP AS period_start, ?::TIMESTAMP AS period_end), ")
			args = append(args, sqlTime(c.First), sqlTime(c.End))
		} else if c.Step.IsWindow() {
			// A window's periods, listed (engine-made dates, not user input).
			var rows []string
			for p := c.First; !p.After(c.Last); p = c.Step.Add(p, 1) {
				end := c.Step.Add(p, 1)
				if c.Elapsed > 0 {
					end = p.Add(c.Elapsed)
				}
				rows = append(rows, fmt.Sprintf("(%s, %s)", duckTimeLit(p), duckTimeLit(end)))
			}
			fmt.Fprintf(&pb, "periods AS (SELECT * FROM (VALUES %s) v(period_start, period_end)), ", strings.Join(rows, ", "))
		} else {
			step := duckInterval(c.Step)
			end := "p + " + step
			if c.Elapsed > 0 {
				end = "p + to_microseconds(?::BIGINT)"
				args = append(args, c.Elapsed.Microseconds())
			}
			fmt.Fprintf(&pb, "periods AS (SELECT p AS period_start, %s AS period_end FROM generate_series(?::TIMESTAMP, ?::TIMESTAMP, %s) g(p)), ", end, step)
			args = append(args, sqlTime(c.First), sqlTime(c.Last))
		}
		b.WriteString(duckPeriodCols(pb.String(), c.Cols))
	}

	// The rows: one select per time range, the same text each time.
	// A pasted view's rows are read within the range r of the select
	// (duckPasted); other tables' text is the same in every select.
	rowsOf := func(table string, r timeRange) string {
		var sb strings.Builder
		from := store.QuoteIdent(table)
		if pv := q.Pasted; pv != nil && table == q.Source && len(q.Ranges) > 0 {
			from = duckPasted(pv, r)
		}
		fmt.Fprintf(&sb, "SELECT t.*%s%s FROM %s t", segSel, timeSel, from)
		if j := q.Join; j != nil {
			sb.WriteString(duckCustomerJoin(j))
		}
		return sb.String()
	}
	ranges := q.Ranges
	if len(ranges) == 0 {
		ranges = []timeRange{{}} // every row: no time condition
	}
	if q.Spans != nil && len(q.Ranges) > 0 { // without a range, every row once
		wheres = append(wheres, "("+q.Spans.Short+")")
	}
	b.WriteString("src AS (")
	for i, r := range ranges {
		all := append([]string(nil), conds...)
		if len(q.Ranges) > 0 {
			all = append(all, fmt.Sprintf("%[1]s >= ?::TIMESTAMP AND %[1]s < ?::TIMESTAMP", tcol))
		}
		all = append(all, wheres...)
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString(rowsOf(q.Source, r))
		if len(all) > 0 {
			b.WriteString(" WHERE " + strings.Join(all, " AND "))
		}
		args = append(args, filterArgs...)
		if len(q.Ranges) > 0 {
			args = append(args, sqlTime(r.From), sqlTime(r.To))
		}
		args = append(args, cutArgs...)
	}
	if sp := q.Spans; sp != nil && len(q.Ranges) > 0 {
		// The long-lived rows, every one before the last range's end.
		all := append(append([]string(nil), conds...), tcol+" < ?::TIMESTAMP")
		all = append(all, wheres[:len(wheres)-1]...) // not the short rows' condition
		if sp.LongAlso != "" {
			all = append(all, "("+sp.LongAlso+")")
		}
		b.WriteString(" UNION ALL " + rowsOf(sp.Long, timeRange{}) + " WHERE " + strings.Join(all, " AND "))
		args = append(args, filterArgs...)
		args = append(args, sqlTime(q.Ranges[len(q.Ranges)-1].To))
		args = append(args, cutArgs...)
	}
	b.WriteString(")")

	// Aggregates at each grouping set.
	sel := make([]string, len(q.Aggs))
	for i, a := range q.Aggs {
		expr := a.Expr
		if q.Sketched {
			expr = duckSketchedAgg(expr, rollupSketch)
		}
		sel[i] = fmt.Sprintf("CAST((%s) AS DOUBLE) AS %s", expr, store.QuoteIdent(a.Name))
	}
	var keys []string
	from, periodSel := "src", ""
	switch q.PeriodBy {
	case periodCohort:
		from = "src JOIN periods ON (src.__t IS NULL OR src.__t < periods.period_end)"
		if rc := q.Cohort.RowCols; len(rc) > 0 {
			var sel []string
			for _, name := range sortedKeys(rc) {
				sel = append(sel, "("+rc[name]+") AS "+store.QuoteIdent(name))
			}
			from = "(SELECT *, " + strings.Join(sel, ", ") + " FROM " + from + ")"
		}
		periodSel = "period_start AS __p, "
		keys = append(keys, "__p")
	case periodTrunc:
		periodSel = duckPeriod(q.Grain, "__t", q.Ranges) + " AS __p, "
		keys = append(keys, "__p")
	}
	groupBy, segCols := "", ""
	if q.Segment != nil {
		segCols = "__seg, GROUPING(__seg) AS __g, "
		withSeg := strings.Join(append(append([]string(nil), keys...), "__seg"), ", ")
		groupBy = fmt.Sprintf(" GROUP BY GROUPING SETS ((%s), (%s))", withSeg, strings.Join(keys, ", "))
		if q.SegmentsOnly {
			segCols, groupBy = "__seg, 0 AS __g, ", " GROUP BY "+withSeg
		}
	} else if len(keys) > 0 {
		groupBy = " GROUP BY " + strings.Join(keys, ", ")
	}
	fmt.Fprintf(&b, " SELECT %s%s%s FROM %s%s", periodSel, segCols, strings.Join(sel, ", "), from, groupBy)

	// Values from the aggregates of each row, at its own grain.
	vals := make([]string, len(q.Values))
	for i, v := range q.Values {
		vals[i] = fmt.Sprintf("CAST(%s AS DOUBLE) AS %s", duckValue(v), store.QuoteIdent(v.Name))
	}
	return "SELECT *, " + strings.Join(vals, ", ") + " FROM (" + b.String() + ")", args
}

// duckPasted reads pasted view pv within time range r: its two sides
// filtered alike on the time column they share (PastedView), pasted by
// position as the view pastes them.
func duckPasted(pv *PastedView, r timeRange) string {
	within := func(col string) string {
		c := "CAST(" + store.QuoteIdent(col) + " AS TIMESTAMP)"
		return c + " >= " + duckTimeLit(r.From) + " AND " + c + " < " + duckTimeLit(r.To)
	}
	return "(SELECT t.*, " + pv.Cols + " FROM (SELECT * FROM " + store.QuoteIdent(pv.Base) + " WHERE " + within(pv.BaseTime) +
		") t POSITIONAL JOIN (SELECT * FROM " + store.QuoteIdent(pv.Kept) + " WHERE " + within(pv.KeptTime) + ") b)"
}

// duckPeriodCols adds cols to the periods CTE def ("periods AS (…), "),
// computed once per period over period_start and period_end.
func duckPeriodCols(def string, cols map[string]string) string {
	if len(cols) == 0 {
		return def
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(def, "periods AS ("), "), ")
	var sel []string
	for _, name := range sortedKeys(cols) {
		sel = append(sel, "("+cols[name]+") AS "+store.QuoteIdent(name))
	}
	return "periods AS (SELECT *, " + strings.Join(sel, ", ") + " FROM (" + inner + ") s), "
}

// renderDuckDBComposite renders a composite's evaluation: its formula over a
// VALUES list, one row per segment and period, numbered by __i.
func renderDuckDBComposite(c *compositePlan) (string, []any) {
	rows := make([]string, len(c.Rows))
	var args []any
	for i, r := range c.Rows {
		ph := []string{"?::INTEGER"}
		args = append(args, i)
		for _, v := range r {
			ph = append(ph, "?::DOUBLE")
			if v != nil {
				args = append(args, *v)
			} else {
				args = append(args, nil)
			}
		}
		if c.PerYear != nil {
			ph = append(ph, "?::DOUBLE")
			args = append(args, c.PerYear[i])
		}
		rows[i] = "(" + strings.Join(ph, ", ") + ")"
	}
	cols := []string{"__i"}
	for _, n := range c.Names {
		cols = append(cols, store.QuoteIdent(n))
	}
	value := c.Value
	if c.PerYear != nil {
		cols = append(cols, "__per_year")
		value.PerRowYear = "__per_year"
	}
	return fmt.Sprintf("SELECT __i, CAST(%s AS DOUBLE) FROM (VALUES %s) v(%s)", duckValue(value), strings.Join(rows, ", "), strings.Join(cols, ", ")), args
}

// The rollups' side of the renderer: sketch buckets (the build uses them
// too), and the queries that answer a slice from a rollup. A rollup row is
// __day, __gid (its dimension set), __v1 and __v2 (the set's values), then
// the atoms a0, a1 …; a sketch row is __day, __gid, __v1, __v2, __s (the
// sketch), __b (the bucket) and __n (its count).

// duckSketchBucket is the bucket of a value x (a DOUBLE expression). The
// logarithm is held within [MinLog, MaxLog], so an infinite value (or NaN,
// which DuckDB orders above every number) falls in the outermost bucket
// instead of failing the statement: one such value in a file once failed
// the whole index build.
func duckSketchBucket(x string, l sketchLayout) string {
	lg := fmt.Sprintf("%.17g", math.Log(l.Gamma))
	return fmt.Sprintf("CASE WHEN (%[1]s) > 0 THEN %[3]d + CAST(ceil(least(greatest(ln(%[1]s) / %[2]s, %[4]d), %[5]d)) AS INTEGER) "+
		"WHEN (%[1]s) < 0 THEN -(%[3]d + CAST(ceil(least(greatest(ln(-(%[1]s)) / %[2]s, %[4]d), %[5]d)) AS INTEGER)) ELSE 0 END", x, lg, l.Offset, l.MinLog, l.MaxLog)
}

// duckSketchValue is the value a bucket b stands for: 2γᵏ/(γ+1) for bucket
// Offset + k, written γᵏ⁻¹ · 2γ/(γ+1) and held at the largest double, so
// the bucket of a value near it (γᵏ⁻¹ < x ≤ γᵏ, γᵏ past the largest
// double) stands for a number, not +∞.
func duckSketchValue(b string, l sketchLayout) string {
	g := fmt.Sprintf("%.17g", l.Gamma)
	c := fmt.Sprintf("%.17g", 2*l.Gamma/(l.Gamma+1))
	return fmt.Sprintf("(CASE WHEN (%[1]s) > 0 THEN least(pow(%[2]s, (%[1]s) - %[3]d - 1) * %[4]s, %[5]s) "+
		"WHEN (%[1]s) < 0 THEN -least(pow(%[2]s, -(%[1]s) - %[3]d - 1) * %[4]s, %[5]s) ELSE 0 END)", b, g, l.Offset, c, "1.7976931348623157e308")
}

// duckSketchedAgg is an aggregate expression over raw rows with each of its
// quantiles (median, quantile_cont of one fraction) read from a log-bucket
// sketch of its values, the rollups' (queryPlan.Sketched): a histogram of
// bucket numbers per group, bounded by the buckets (hundreds), not by the
// rows, whose quantile is interpolated between the values of the buckets
// holding its neighbouring ranks, as a rollup's is (renderDuckDBRollup):
// within the sketch's relative error of the exact quantile. An expression
// that does not parse into atoms (a list of quantiles, a mode, a distinct
// count beside it) is returned as it is, exact.
func duckSketchedAgg(expr string, l sketchLayout) string {
	t, ok := parseTemplate(expr)
	if !ok {
		return expr
	}
	sketched := false
	out := t.render(func(a atom) string {
		if a.kind != atomQuantile {
			return a.buildSQL()
		}
		sketched = true
		return duckSketchQuantile(a, l)
	})
	if !sketched {
		return expr
	}
	return out
}

// sketchFault, when set (tests only), is written in place of every
// quantile read from a sketch of raw rows: an expression that fails the
// statement, whose quantiles are then read exactly (runHeld).
var sketchFault string

// duckSketchQuantile is a quantile atom computed from a sketch of its
// values: e, the histogram's entries (bucket, count) in bucket order, which
// is value order; c, their running counts; the quantile's position
// q·(n−1) among the n values, as quantile_cont takes it; and the buckets
// of the values at ranks ⌊pos⌋ and ⌊pos⌋+1 (the first whose running count
// passes the rank), their values interpolated. No values: NULL, as
// quantile_cont. Lambdas are written in DuckDB's lambda x: form.
func duckSketchQuantile(a atom, l sketchLayout) string {
	if sketchFault != "" {
		return sketchFault
	}
	x, where := sketchInput(a)
	h := "histogram(" + duckSketchBucket(x, l) + ") FILTER (WHERE " + where + ")"
	pos := "(" + formatFloat(a.q) + " * (c[-1] - 1))"
	at := func(rank string) string {
		return "e[length(list_filter(c, lambda n: n <= " + rank + ")) + 1].key"
	}
	lo, hi := at("floor"+pos), at("least(floor"+pos+" + 1, c[-1] - 1)")
	f := "(" + pos + " - floor" + pos + ")"
	body := duckSketchValue(lo, l) + " * (1 - " + f + ") + " + duckSketchValue(hi, l) + " * " + f
	cum := "list_transform(e, lambda y, i: list_sum(list_transform(e[1:i], lambda z: z.value)))"
	return "list_transform([list_sort(map_entries(" + h + "))], lambda e: list_transform([" + cum + "], lambda c: " + body + ")[1])[1]"
}

// sketchBucket is the bucket of a value x (a DOUBLE expression) in the
// rollups' sketches: 0 for 0, positive buckets for positive values in
// increasing order, negative ones for negative values, mirrored.
func sketchBucket(x string) string { return duckSketchBucket(x, rollupSketch) }

// sketchValue is the value a bucket of the rollups' sketches stands for: the
// point whose relative distance to both ends of the bucket is SketchError.
func sketchValue(b string) string { return duckSketchValue(b, rollupSketch) }

func duckRollValue(v rollValue) string {
	switch v {
	case rollValue1:
		return "__v1"
	case rollValue2:
		return "__v2"
	}
	return "NULL"
}

func duckMerge(op mergeOp, col string) string {
	switch op {
	case mergeCount:
		return "coalesce(sum(" + col + "), 0)"
	case mergeMin:
		return "min(" + col + ")"
	case mergeMax:
		return "max(" + col + ")"
	}
	return "sum(" + col + ")"
}

// duckRollWhere is the condition on a rollup table's rows of the query's
// set, the ranges given and the filters, and its arguments.
func duckRollWhere(q *rollupQueryPlan, ranges []timeRange) (string, []any) {
	var conds []string
	var cargs []any
	conds = append(conds, "__gid = ?")
	cargs = append(cargs, q.Set)
	if len(ranges) > 0 {
		var ors []string
		for _, r := range ranges {
			ors = append(ors, "(__day >= ?::TIMESTAMP AND __day < ?::TIMESTAMP)")
			cargs = append(cargs, sqlTime(r.From), sqlTime(r.To))
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	for _, f := range q.Filters {
		c := duckRollValue(f.Value)
		cond, a := duckInCond(c, c, f.Values, f.Blank, f.Not)
		conds, cargs = append(conds, cond), append(cargs, a...)
	}
	return " WHERE " + strings.Join(conds, " AND "), cargs
}

// renderDuckDBRollup renders a rollup query plan as DuckDB SQL and its
// arguments: the rows of the set within the ranges and filters (src), their
// atoms merged per period and segment with a GROUPING SETS for the totals
// (agg; the segments alone when SegmentsOnly); with quantiles, the sketch rows merged the same way (qs, qa), their
// running counts (qc) and each quantile interpolated between the values of
// the buckets holding its neighbouring ranks (qv), joined to agg; then the
// components, extras and values.
func renderDuckDBRollup(q *rollupQueryPlan) (string, []any) {
	timed, seg := len(q.Ranges) > 0, q.Segment != nil
	pSel, segSel := "", ""
	var keys []string
	if timed {
		pSel = duckPeriod(q.Grain, "__day", q.Ranges) + " AS __p, "
		keys = append(keys, "__p")
	}
	if seg {
		segSel = duckRollValue(*q.Segment) + " AS __seg, "
	}
	grouping := func(extra string) (sel, by string) {
		ex := ""
		if extra != "" {
			ex = ", " + extra
		}
		switch {
		case seg && q.SegmentsOnly:
			if timed {
				return "__p, __seg, 0 AS __g, ", " GROUP BY __p, __seg" + ex
			}
			return "__seg, 0 AS __g, ", " GROUP BY __seg" + ex
		case seg && timed:
			return "__p, __seg, GROUPING(__seg) AS __g, ", " GROUP BY GROUPING SETS ((__p, __seg" + ex + "), (__p" + ex + "))"
		case seg:
			return "__seg, GROUPING(__seg) AS __g, ", " GROUP BY GROUPING SETS ((__seg" + ex + "), (" + strings.TrimPrefix(ex, ", ") + "))"
		case timed:
			return "__p, ", " GROUP BY __p" + ex
		case extra != "":
			return "", " GROUP BY " + extra
		}
		return "", ""
	}
	if seg {
		keys = append(keys, "__seg", "__g")
	}

	ref := func(r rollRef) string {
		if r.Quantile {
			return fmt.Sprintf("qv.q%d", r.Index)
		}
		return fmt.Sprintf("agg.s%d", q.Atoms[r.Index].Column)
	}
	sel := make([]string, len(q.Aggs))
	for i, a := range q.Aggs {
		var e strings.Builder
		for j, t := range a.Text {
			if j > 0 {
				e.WriteString(ref(a.Refs[j-1]))
			}
			e.WriteString(t)
		}
		sel[i] = fmt.Sprintf("CAST((%s) AS DOUBLE) AS %s", e.String(), store.QuoteIdent(a.Name))
	}
	var merges, atomCols []string
	for _, a := range q.Atoms {
		merges = append(merges, fmt.Sprintf("%s AS s%d", duckMerge(a.Merge, fmt.Sprintf("a%d", a.Column)), a.Column))
		atomCols = append(atomCols, fmt.Sprintf("a%d", a.Column))
	}
	if len(q.Atoms) == 0 {
		merges = append(merges, "count(*) AS s_rows")
		atomCols = append(atomCols, "1 AS a_")
	}

	var b strings.Builder
	var args []any
	gsel, gby := grouping("")
	read := func(reads []rollRead, cols string) string {
		var sels []string
		for _, r := range reads {
			w, a := duckRollWhere(q, r.Ranges)
			sels = append(sels, fmt.Sprintf("SELECT %s%s%s FROM %s%s", pSel, segSel, cols, store.QuoteIdent(r.Table), w))
			args = append(args, a...)
		}
		return strings.Join(sels, " UNION ALL ")
	}
	fmt.Fprintf(&b, "WITH src AS (%s), ", read(q.AtomReads, strings.Join(atomCols, ", ")))
	fmt.Fprintf(&b, "agg AS (SELECT %s%s FROM src%s)", gsel, strings.Join(merges, ", "), gby)
	join := ""
	if len(q.Quantiles) > 0 {
		qsel, qby := grouping("__s, __b")
		fmt.Fprintf(&b, ", qs AS (%s)", read(q.SketchReads, "__s, __b, __n"))
		fmt.Fprintf(&b, ", qa AS (SELECT %s__s, __b, sum(__n) AS __n FROM qs%s)", qsel, qby)
		part := strings.Join(append(append([]string(nil), keys...), "__s"), ", ")
		fmt.Fprintf(&b, ", qc AS (SELECT *, sum(__n) OVER (PARTITION BY %[1]s ORDER BY __b ROWS UNBOUNDED PRECEDING) AS __cum, sum(__n) OVER (PARTITION BY %[1]s) AS __tot FROM qa)", part)
		var qcols []string
		for m, r := range q.Quantiles {
			pos := fmt.Sprintf("(%s * (__tot - 1))", formatFloat(r.Q))
			lo := fmt.Sprintf("min(__b) FILTER (WHERE __s = %d AND __cum > floor%s)", r.Sketch, pos)
			hi := fmt.Sprintf("min(__b) FILTER (WHERE __s = %d AND __cum > least(floor%s + 1, __tot - 1))", r.Sketch, pos)
			f := fmt.Sprintf("any_value(%s - floor%s) FILTER (WHERE __s = %d)", pos, pos, r.Sketch)
			qcols = append(qcols, fmt.Sprintf("%s * (1 - %s) + %s * %s AS q%d", duckSketchValue(lo, q.Sketch), f, duckSketchValue(hi, q.Sketch), f, m))
		}
		qkeys, qgroup := "", ""
		if len(keys) > 0 {
			qkeys = strings.Join(keys, ", ") + ", "
			qgroup = " GROUP BY " + strings.Join(keys, ", ")
		}
		fmt.Fprintf(&b, ", qv AS (SELECT %s%s FROM qc%s)", qkeys, strings.Join(qcols, ", "), qgroup)
		if len(keys) == 0 {
			join = " CROSS JOIN qv"
		} else {
			var on []string
			for _, k := range keys {
				on = append(on, fmt.Sprintf("agg.%[1]s IS NOT DISTINCT FROM qv.%[1]s", k))
			}
			join = " LEFT JOIN qv ON " + strings.Join(on, " AND ")
		}
	}
	var outKeys []string
	for _, k := range keys {
		outKeys = append(outKeys, "agg."+k)
	}
	ks := ""
	if len(outKeys) > 0 {
		ks = strings.Join(outKeys, ", ") + ", "
	}
	fmt.Fprintf(&b, " SELECT %s%s FROM agg%s", ks, strings.Join(sel, ", "), join)

	vals := make([]string, len(q.Values))
	for i, v := range q.Values {
		vals[i] = fmt.Sprintf("CAST(%s AS DOUBLE) AS %s", duckValue(v), store.QuoteIdent(v.Name))
	}
	return "SELECT *, " + strings.Join(vals, ", ") + " FROM (" + b.String() + ")", args
}
