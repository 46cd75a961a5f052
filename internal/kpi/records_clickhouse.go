package kpi

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"kpiscope/internal/store"
)

// The rows behind a number on a warehouse (issue 16): the same rows, count
// and n as Records reads from DuckDB, the query written for ClickHouse
// 18.16 and later and run there. The table's rows in the slice (the KPI's
// filters, period or cohort, the customers joined one row per key as the
// KPI's query joins them) are narrowed by the rows n counts, searched,
// sorted and cut to the page on the server: one page of rows travels back,
// and the count is one row. Identifiers are backtick-quoted, the filter
// values, times, search text and page bound; the definitions' conditions
// and measure go through the translator (translate_clickhouse.go), so a
// KPI whose condition ClickHouse cannot run says so by name. No window
// function (18.16 has none): a warehouse keeps no file order, so the rows
// are always sorted (by the first column when none is asked), ties broken
// by every other column so pages do not overlap.

// whRecords is Records on the warehouse, from the plan recordsQuery made:
// out is filled with the count (unless ask.NoCount) and the page.
func (e *Engine) whRecords(ctx context.Context, d, of *Def, s Slice, ask RecordsAsk, q *recordsPlan, out *Records, sortIdx int) (*Records, error) {
	cohort := q.gq.Cohort != nil
	var conds []string
	for _, c := range q.rawConds {
		x, err := translateClickHouseCond(c, cohort)
		if err != nil {
			return nil, fmt.Errorf("reading the rows of %s on ClickHouse: %s: %w", of.Label(), recordsPlainNames(c), err)
		}
		conds = append(conds, x)
	}
	cond := "1"
	if len(conds) > 0 {
		cond = strings.Join(conds, " AND ")
	}
	from, args, err := q.chFrom(e.wh.table, q.cust, true)
	if err != nil {
		return nil, fmt.Errorf("reading the rows of %s on ClickHouse: %w", of.Label(), err)
	}
	search, sargs := q.chSearch(ask.Search)
	if !ask.NoCount {
		cfrom, cargs := from, args
		if len(sargs) == 0 {
			if cfrom, cargs, err = q.chFrom(e.wh.table, nil, false); err != nil {
				return nil, fmt.Errorf("reading the rows of %s on ClickHouse: %w", of.Label(), err)
			}
		}
		translate := func(x string) (string, error) { return translateClickHouse(x, chAgg) }
		if cohort {
			translate = translateClickHouseCohort
		}
		n, err := translate(q.nExpr)
		if err != nil {
			return nil, fmt.Errorf("reading the rows of %s on ClickHouse: its n, %s: %w", of.Label(), q.nExpr, err)
		}
		sql := fmt.Sprintf("SELECT countIf(%s), countIf(%s AND %s), toNullable(toFloat64(%s)) FROM (%s)", cond, cond, search, n, cfrom)
		rows, err := e.whRecordsQuery(ctx, of, sql, append(append([]any(nil), sargs...), cargs...))
		if err != nil {
			return nil, err
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
	off, lim, reverse := max(ask.Offset, 0), ask.Limit, false
	if ask.Total > 0 && lim > 0 && int64(off) > ask.Total/2 {
		// Past the middle: the same rows read from the end (as Records).
		if int64(off) >= ask.Total {
			return out, nil
		}
		lim = int(min(int64(lim), ask.Total-int64(off)))
		off, reverse = int(ask.Total-int64(off)-int64(lim)), true
	}
	quoted := make([]string, len(q.names))
	for i, n := range q.names {
		quoted[i] = chQuoteIdent(n)
	}
	order := []string{recordsOrder(quoted[sortIdx], ask.Desc != reverse, reverse)}
	for i, c := range quoted {
		if i != sortIdx {
			order = append(order, recordsOrder(c, reverse, reverse))
		}
	}
	sql := fmt.Sprintf("SELECT %s FROM (%s) WHERE %s AND %s ORDER BY %s", strings.Join(quoted, ", "), from, cond, search, strings.Join(order, ", "))
	args = append(append([]any(nil), args...), sargs...)
	if lim > 0 {
		sql += " LIMIT ? OFFSET ?"
		args = append(args, lim, off)
	} else if off > 0 {
		// Every row from an offset: ClickHouse needs a count with it.
		sql += " LIMIT ? OFFSET ?"
		args = append(args, uint64(1)<<62, off)
	}
	rows, err := e.whRecordsQuery(ctx, of, sql, args)
	if err != nil {
		return nil, err
	}
	out.Rows = rows.Data
	for _, r := range out.Rows {
		for j, v := range r {
			r[j] = q.chValue(j, v)
		}
	}
	if reverse {
		slices.Reverse(out.Rows)
	}
	return out, nil
}

// whRecordsQuery runs one of the records' queries on the warehouse.
func (e *Engine) whRecordsQuery(ctx context.Context, of *Def, sql string, args []any) (*store.Rows, error) {
	began := time.Now()
	rows, err := e.wh.query(ctx, sql, args...)
	e.debug("query", "table", of.Source, "elapsed", time.Since(began), "sql", sql)
	if err != nil {
		return nil, e.recordsErr(ctx, of, err)
	}
	return rows, nil
}

// chValue is a value read from ClickHouse as DuckDB reads the column: a
// date as a time at midnight UTC (the driver's is in the server's zone).
func (q *recordsPlan) chValue(j int, v any) any {
	if t, ok := v.(time.Time); ok && j < len(q.dates) && q.dates[j] {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return v
}

// chFrom is the ClickHouse query of the rows in the slice: the table's
// columns, the customers' columns cust (and those the filters read) joined
// one row per key, the measure when measure is set, the cohort period's
// bounds as __per; the slice's filters and the period applied. table
// writes a table as the warehouse names it.
func (q *recordsPlan) chFrom(table func(string) string, cust []store.Column, measure bool) (string, []any, error) {
	gq := q.gq
	var sel []string
	var args []any
	for _, c := range q.cols {
		sel = append(sel, chQuoteIdent(c.Name))
	}
	for _, c := range cust {
		sel = append(sel, chQuoteIdent(c.Name))
	}
	if measure && q.mIdx >= 0 {
		x, err := translateClickHouse(q.mExpr, chRow)
		if err != nil {
			return "", nil, fmt.Errorf("its measure, %s: %w", q.mExpr, err)
		}
		sel = append(sel, chRound2("toFloat64("+x+")")+" AS "+chQuoteIdent(q.names[q.mIdx]))
	}
	var conds []string
	var condArgs []any
	tcol := ""
	if gq.Time != "" {
		tcol = chTime(gq.Time)
	}
	if c := gq.Cohort; c != nil {
		// A cohort counts each row that exists before the period's end (or
		// has no time), read at the period's start and end (the
		// translator's period_start and period_end are __per's).
		start, end := c.Last, c.Step.Add(c.Last, 1)
		if c.Step == All {
			start, end = c.First, c.End
		}
		sel = append(sel, "tuple(toDateTime(?, 'UTC'), toDateTime(?, 'UTC')) AS __per")
		args = append(args, chSeconds(start), chSeconds(end))
		if tcol != "" {
			conds = append(conds, fmt.Sprintf("(isNull(%[1]s) OR %[1]s < toDateTime(?, 'UTC'))", tcol))
			condArgs = append(condArgs, chSeconds(end))
		}
	}
	for _, f := range gq.Filters {
		c, a := chFilterCond(f)
		conds, condArgs = append(conds, c), append(condArgs, a...)
	}
	for _, r := range gq.Ranges {
		conds = append(conds, fmt.Sprintf("%[1]s >= toDateTime(?, 'UTC') AND %[1]s < toDateTime(?, 'UTC')", tcol))
		condArgs = append(condArgs, chSeconds(r.From), chSeconds(r.To))
	}
	b := "SELECT " + strings.Join(sel, ", ") + " FROM " + table(gq.Source)
	joined := map[string]bool{}
	var jcols []string
	for _, c := range cust {
		if !joined[strings.ToLower(c.Name)] {
			joined[strings.ToLower(c.Name)] = true
			jcols = append(jcols, c.Name)
		}
	}
	if gq.Join != nil {
		for _, c := range gq.Join.Columns {
			if !joined[strings.ToLower(c)] {
				joined[strings.ToLower(c)] = true
				jcols = append(jcols, c)
			}
		}
	}
	if len(jcols) > 0 {
		b += chCustomerJoinOn(&customerJoin{Table: q.custTab, Key: q.custKey, Columns: jcols}, table)
	}
	if len(conds) > 0 {
		b += " WHERE " + strings.Join(conds, " AND ")
	}
	return b, append(args, condArgs...), nil
}

// chRound2 rounds a Float64 to MeasureDecimals (2) decimals as DuckDB's
// round does (the nearest, halves away from zero, of x·100, over 100):
// ClickHouse's round of a float rounds halves to even.
func chRound2(x string) string {
	y := "(" + x + " * 100)"
	return fmt.Sprintf("((trunc(%[1]s) + if(abs(%[1]s - trunc(%[1]s)) >= 0.5, if(%[1]s < 0, -1, 1), 0)) / 100)", y)
}

// chSearch is the condition a search text puts on the shown columns, as
// Records' search: any column's text holds it, in any case; the text bound.
// Times are written in UTC as DuckDB writes them.
func (q *recordsPlan) chSearch(text string) (string, []any) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "1", nil
	}
	cs := make([]string, len(q.names))
	args := make([]any, len(q.names))
	for i, n := range q.names {
		c := chQuoteIdent(n)
		if q.times[i] && !q.dates[i] {
			c = "toDateTime(" + c + ", 'UTC')"
		}
		cs[i] = "ifNull(positionUTF8(lowerUTF8(toString(" + c + ")), lowerUTF8(?)) > 0, 0)"
		args[i] = text
	}
	return "(" + strings.Join(cs, " OR ") + ")", args
}
