package kpi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"kpiscope/internal/store"
)

// Period totals kept in a --db file (issue 8: a second start on unchanged
// files shows the first screen without reading raw rows). What the period
// rollups hold (runPeriods: the totals of cohort KPIs such as the backlog,
// distinct counts, anything the day rollups cannot answer, each period
// computed once from the raw rows) is also written to the file, under a
// signature of everything those numbers depend on: the files of every table
// (their fingerprints), the tables' columns, the definitions, the
// dimensions, the data's ends. A second start with the same signature reads
// them back when a KPI's periods are first asked for, so the first screen's
// backlog is not read from the raw rows again; a start with another
// signature (a changed file, a changed kpiscope.yaml, --watch's reload)
// drops them and computes afresh. Nothing is kept when a table has no
// fingerprint (read again at every start) or in memory.

// periodBook is the table holding the kept period totals: one row per KPI
// key (periodRollupKey) and period, the point as JSON (NULL: the period has
// no rows).
const periodBook = "__kpiscope_periods"

// periodBookVersion changes when what a kept point means changes.
const periodBookVersion = "1"

// openPeriodBook prepares the --db file's period totals for this engine:
// rows of another signature are dropped; the engine's are read when asked
// (loadPeriodKeys). Without a usable signature nothing is kept.
func (e *Engine) openPeriodBook(ctx context.Context, persist map[string]string) {
	sig, ok := e.periodSignature(persist)
	if !ok {
		e.debug("period totals not kept: a table is read again at every start")
		return
	}
	if err := e.db.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+periodBook+" (sig VARCHAR, key VARCHAR, period BIGINT, pt VARCHAR)"); err != nil {
		e.debug("period totals not kept", "err", err)
		return
	}
	if err := e.db.Exec(ctx, "DELETE FROM "+periodBook+" WHERE sig <> ?", sig); err != nil {
		e.debug("period totals not kept", "err", err)
		return
	}
	c := &e.periodRolls
	c.mu.Lock()
	c.sig, c.loaded = sig, map[string]bool{}
	c.mu.Unlock()
}

// periodSignature names everything a kept period total depends on; ok is
// false when a table has no fingerprint.
func (e *Engine) periodSignature(persist map[string]string) (string, bool) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", periodBookVersion, rollupVersion)
	names := make([]string, 0, len(e.tables))
	for n := range e.tables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fp := persist[n]
		if fp == "" {
			return "", false
		}
		fmt.Fprintf(h, "t:%s\x00%s\x00%v\x00", n, fp, e.tables[n])
	}
	o := e.opt
	fmt.Fprintf(h, "o:%s\x00%s\x00%q\x00%q\x00%v\x00%v\x00%v\x00%v\x00", o.Customers, o.CustomerKey, o.Dimensions, o.Derived, o.DerivedFrom, o.StoredIn, o.RecordTime, o.RecordEnd)
	for _, d := range e.dims {
		fmt.Fprintf(h, "dim:%s\x00%q\x00", d.Name, d.Tables)
	}
	fmt.Fprintf(h, "at:%d\x00%d\x00", e.asOf.UnixNano(), e.start.UnixNano())
	spans := make([]string, 0, len(e.spans))
	for k, s := range e.spans {
		spans = append(spans, fmt.Sprintf("%q:%d:%d", k, s.lo.UnixNano(), s.hi.UnixNano()))
	}
	sort.Strings(spans)
	fmt.Fprintf(h, "spans:%s\x00", strings.Join(spans, ","))
	for _, d := range e.defs {
		// what the numbers are computed from (not the labels or targets)
		fmt.Fprintf(h, "def:%q\x00%q\x00%v\x00%q\x00%q\x00%v\x00%q\x00%q\x00%q\x00%v\x00%v\x00%v\x00%q\x00%q\x00%v\x00%g\x00%v\x00",
			d.ID, d.Source, d.Type, d.Numerator, d.Denominator, d.Inputs, d.Expr, d.N, d.Where,
			d.Extras, d.PeriodCols, d.RowCols, d.Time, d.MinGrain, d.Roles, d.Scale, d.Hidden)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], true
}

// loadPeriodKeys reads the kept totals of the keys not read yet into the
// period rollups, in one query.
func (e *Engine) loadPeriodKeys(ctx context.Context, keys []string) {
	c := &e.periodRolls
	c.mu.Lock()
	sig := c.sig
	var want []string
	seen := map[string]bool{}
	for _, k := range keys {
		if sig != "" && !c.loaded[k] && !seen[k] {
			want = append(want, k)
			seen[k] = true
		}
	}
	c.mu.Unlock()
	if len(want) == 0 {
		return
	}
	args := []any{sig}
	marks := make([]string, len(want))
	for i, k := range want {
		args = append(args, k)
		marks[i] = "?"
	}
	rows, err := e.db.Query(ctx, "SELECT key, period, pt FROM "+periodBook+" WHERE sig = ? AND key IN ("+strings.Join(marks, ", ")+")", args...)
	if err != nil {
		e.debug("kept period totals not read", "err", err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sig != sig {
		return
	}
	for _, k := range want { // first: a put below may evict some again
		c.loaded[k] = true
	}
	for _, r := range rows.Data {
		var pt *Point
		if s, ok := r[2].(string); ok {
			pt = &Point{}
			if err := json.Unmarshal([]byte(s), pt); err != nil {
				continue // computed again
			}
		}
		c.putLocked(fmt.Sprint(r[0]), store.Int(r[1]), pt)
	}
	e.debug("kept period totals read", "keys", len(want), "periods", len(rows.Data))
}

// keptPeriod is one period total to write to the --db file.
type keptPeriod struct {
	key    string
	period int64
	pt     *Point
}

// keepPeriods writes computed period totals to the --db file, if the
// engine keeps them. A point that does not encode (a NaN) is left out: it
// is computed again at the next start.
func (e *Engine) keepPeriods(ctx context.Context, kept []keptPeriod) {
	c := &e.periodRolls
	c.mu.Lock()
	sig := c.sig
	c.mu.Unlock()
	if sig == "" || len(kept) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx) // computed: kept even if the asker has gone
	const batch = 500
	for i := 0; i < len(kept); i += batch {
		var vals []string
		var args []any
		for _, k := range kept[i:min(i+batch, len(kept))] {
			var pt any
			if k.pt != nil {
				b, err := json.Marshal(k.pt)
				if err != nil {
					continue
				}
				pt = string(b)
			}
			vals = append(vals, "(?, ?, ?, ?)")
			args = append(args, sig, k.key, k.period, pt)
		}
		if len(vals) == 0 {
			continue
		}
		if err := e.db.Exec(ctx, "INSERT INTO "+periodBook+" VALUES "+strings.Join(vals, ", "), args...); err != nil {
			e.debug("period totals not kept", "err", err)
			return
		}
	}
}
