package workspace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"kpiscope/internal/bizcal"
	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
	"kpiscope/internal/schema"
	"kpiscope/internal/source"
	"kpiscope/internal/store"
)

// Business time. With a business_hours: section in kpiscope.yaml, the ticket
// table (the one the ticket built-ins read, with their columns: mapping)
// gets a view, "<table>_business": its rows and columns as they are, plus
// each ticket's calendar, its first response and resolution in business
// hours, and for each SLA policy its target, its deadline (_due) and whether
// it was met (_met). A view, not columns computed inside each KPI's query,
// because the engine's time axis is a column (a breach counts in the period
// of its deadline, so the deadline must be one), and because as columns they
// are what users see in the records view, at the SQL prompt and in filters
// (--filter resolution_bh>=8). What needs bizcal (the business time since
// the range's start at creation, the business µs taken to each end, the
// deadlines) is computed once per load into a table of kpiscope's own
// database (__kpiscope_business_<table>, in memory or in the --db file),
// which the view pastes beside the ticket rows, computing the other added
// columns from both; user files are never written. Both are created again
// at every load, a reload included.

// ticketBinding is the ticket table the ticket built-ins read and the
// columns their roles are mapped to.
type ticketBinding struct {
	table string
	cols  map[string]string // created_at, first_response_at, resolved_at → column
}

// slaEnds maps the SLA policies kpiscope measures to the role of the
// timestamp that ends them (they all start at created_at).
var slaEnds = map[string]string{"first_response": "first_response_at", "resolution": "resolved_at"}

// ticketTable finds the ticket table: the table of the ticket built-ins the
// config uses (their roles' mapping merged), else a table named tickets.
func ticketTable(defs []*kpi.Def, tables []source.Table) (ticketBinding, bool) {
	tb := ticketBinding{cols: map[string]string{}}
	for _, d := range defs {
		if !d.Builtin || kpi.IsBusiness(d.BuiltinID) {
			continue
		}
		b, ok := kpi.LookupBuiltin(d.BuiltinID)
		if !ok || b.Table != "tickets" || tb.table != "" && !strings.EqualFold(d.Source, tb.table) {
			continue
		}
		tb.table = d.Source
		for _, r := range []string{"created_at", "first_response_at", "resolved_at"} {
			if c, ok := d.Roles[r]; ok && tb.cols[r] == "" {
				tb.cols[r] = c
			}
		}
	}
	if tb.table == "" {
		for _, t := range tables {
			if strings.EqualFold(t.Name, "tickets") {
				tb.table = t.Name
			}
		}
	}
	for _, r := range []string{"created_at", "first_response_at", "resolved_at"} {
		if tb.cols[r] == "" {
			tb.cols[r] = r
		}
	}
	return tb, tb.table != ""
}

// dataRange is what the view's SQL is exact over: the ticket table's first
// and last timestamps (deadlines included), and its as-of instant, the
// latest creation time, before which an open ticket's passed deadline is a
// breach.
type dataRange struct {
	from, to, asOf time.Time
	first          time.Time // the first creation, as the data's clock reads it (from is an instant)
}

// withBusiness creates the business-time view when the config has business
// hours, adds the business-time built-ins the config does not list (after
// the listed KPIs, SLA ones for the policies sla: defines), points listed
// ones at the view, and tells the engine about the view. Without business
// hours a listed business-time built-in is an error naming its line.
func withBusiness(ctx context.Context, db *store.DB, cfg *config.Config, biz *config.Business, tables []source.Table, defs []*kpi.Def, eopt *kpi.Options, step func(string, float64)) ([]*kpi.Def, error) {
	bp, err := planBusiness(ctx, db, cfg, biz, tables, defs, eopt, step)
	if err != nil || bp == nil {
		return defs, err
	}
	return bp.now(ctx, db, defs, eopt, step)
}

// now makes the view, tells the engine about it and binds the business-time
// built-ins to it: the whole of withBusiness once planned.
func (bp *businessPlan) now(ctx context.Context, db *store.DB, defs []*kpi.Def, eopt *kpi.Options, step func(string, float64)) ([]*kpi.Def, error) {
	if err := bp.make(ctx, db, step); err != nil {
		return nil, err
	}
	bp.options(eopt)
	return bp.bind(defs)
}

// businessPlan is the business-time view of a ticket table, worked out and
// ready to be made (make), told to the engine (options) and bound to the
// business-time built-ins (bind).
type businessPlan struct {
	where     string // the config's business_hours: line, for messages
	biz       *config.Business
	tb        ticketBinding
	cols      []store.Column
	rng       dataRange
	bb        *businessBody
	view      string // the view: the ticket table's name and BusinessSuffix
	keptName  string // the table of the added columns that needed bizcal
	rangeName string // its range table
	fp        string // the view's fingerprint in a --db file ("" in memory)
	reused    bool   // the --db file keeps the table of an earlier start
	rows      int64  // the ticket table's rows
}

// planBusiness works out the business-time view of the config's ticket
// table: nil without business hours (a listed business-time built-in is
// then an error naming its line).
func planBusiness(ctx context.Context, db *store.DB, cfg *config.Config, biz *config.Business, tables []source.Table, defs []*kpi.Def, eopt *kpi.Options, step func(string, float64)) (*businessPlan, error) {
	if biz == nil {
		for _, d := range defs {
			if d.Builtin && kpi.IsBusiness(d.BuiltinID) {
				return nil, fmt.Errorf("%sKPI %s measures business hours: add a business_hours: section (a time zone and working hours) to kpiscope.yaml, or remove the KPI", origin(d), d.ID)
			}
		}
		return nil, nil
	}
	where := cfg.Path
	if biz.Line > 0 {
		where = fmt.Sprintf("%s:%d", cfg.Path, biz.Line)
	}
	tb, ok := ticketTable(defs, tables)
	if !ok {
		return nil, &config.Error{Path: cfg.Path, Line: biz.Line, Msg: "business_hours: no ticket table to measure: use a ticket KPI (`- use: resolution_time` with source: and columns:) or name the ticket source tickets"}
	}
	var cols []store.Column
	var rows int64
	for _, t := range tables {
		if t.Name == tb.table {
			cols, rows = t.Columns, t.Rows
		}
	}
	view := tb.table + kpi.BusinessSuffix
	for _, t := range tables {
		if strings.EqualFold(t.Name, view) {
			return nil, &config.Error{Path: cfg.Path, Line: biz.Line, Msg: fmt.Sprintf("business_hours: a source is named %s, the name of the business-time view of %s; rename the source", t.Name, tb.table)}
		}
	}
	now := time.Now
	if eopt.Now != nil {
		now = eopt.Now
	}
	step("reading the time range of "+tb.table, -1)
	rng, err := ticketRange(ctx, db, tb, cols, biz, now(), eopt.RecordTime[tb.table])
	if err != nil {
		return nil, fmt.Errorf("%s: business_hours: %w", where, err)
	}
	bb, err := businessSelect(biz, tb, cols, rng)
	if err != nil {
		// at the line naming the column when it is one the data lacks
		if ce, ok := err.(*config.Error); ok && ce.Line > 0 {
			return nil, &config.Error{Path: cfg.Path, Line: ce.Line, Msg: ce.Msg}
		}
		msg := err.Error()
		if ce, ok := err.(*config.Error); ok {
			msg = ce.Msg
		}
		return nil, &config.Error{Path: cfg.Path, Line: biz.Line, Msg: msg}
	}
	// The added columns are computed once per load into a table of their
	// own, in the ticket table's row order, and the view pastes them beside
	// the ticket rows (POSITIONAL JOIN): evaluated inside every query (a
	// filter on a deadline repeats it) bizcal's expressions made a KPI over
	// 100k tickets take seconds against 20 ms, and a report over 1M run for
	// minutes. The rows line up because both read the same table, or the
	// same pinned or unchanged files, in insertion order, and the SELECT is
	// a projection of one scan (bizcal's lookups are constant lists, not
	// joins: a hash join does not keep its probe side's order here); a
	// Parquet file rewritten under a program that does not reload would not,
	// as it would not for the engine's rollups either.
	keptName := helper + "business_" + tb.table
	// In a --db file the table is kept, and taken over at the next start
	// while the ticket files and the business configuration are unchanged.
	fp := viewFingerprint(ctx, db, tb.table, bb.table+"\n"+strings.Join(bb.view, "\n"))
	return &businessPlan{where: where, biz: biz, tb: tb, cols: cols, rng: rng, bb: bb, view: view,
		keptName: keptName, rangeName: helper + "brange_" + tb.table, fp: fp,
		reused: keptBusiness(ctx, db, view, fp, keptName, tb.table), rows: rows}, nil
}

// make creates the business table (unless a --db file keeps it), its range
// table, the view and the business days, telling step how far it is.
func (bp *businessPlan) make(ctx context.Context, db *store.DB, step func(string, float64)) error {
	where, tb := bp.where, bp.tb
	kept := store.QuoteIdent(bp.keptName)
	if !bp.reused {
		// The old fingerprint goes first: a start stopped after the table
		// is made, before the new fingerprint is written, must not leave
		// this data's table under another's fingerprint.
		if err := fingerprintView(ctx, db, bp.view, ""); err != nil {
			return err
		}
		what := "business hours of " + tb.table
		step(what, 0)
		if err := db.ExecProgress(ctx, func(done float64) { step(what, done) }, "CREATE OR REPLACE TABLE "+kept+" AS "+bp.bb.table); err != nil {
			return fmt.Errorf("%s: business_hours: the business-time columns of %s: %w", where, tb.table, err)
		}
		step(what, 1)
		if businessTableMade != nil {
			if err := businessTableMade(); err != nil {
				return err
			}
		}
	}
	if err := businessRange(ctx, db, kept, bp.rangeName, bp.bb.stored, !bp.reused); err != nil {
		return fmt.Errorf("%s: business_hours: the range of the business-time columns of %s: %w", where, tb.table, err)
	}
	if err := db.Exec(ctx, "CREATE OR REPLACE VIEW "+store.QuoteIdent(bp.view)+" AS SELECT t.*, "+strings.Join(bp.bb.view, ", ")+" FROM "+store.QuoteIdent(tb.table)+" t POSITIONAL JOIN "+kept+" b"); err != nil {
		return fmt.Errorf("%s: business_hours: the business-time view of %s: %w", where, tb.table, err)
	}
	if err := bp.keepJoinSides(ctx, db); err != nil {
		return err
	}
	step("business days of "+tb.table, -1)
	if err := createBusinessDays(ctx, db, bp.biz, tb, bp.cols, bp.rng); err != nil { // business_backlog.go
		return fmt.Errorf("%s: business_hours: %w", where, err)
	}
	return fingerprintView(ctx, db, bp.view, bp.fp)
}

// keepJoinSides sets the database's joins to keep their sides: DuckDB
// estimates the view at 0 rows and would build the hash table of a join to
// the customers on all its rows (store.KeepJoinSides). A locked engine (a
// reload under serve that adds business_hours) refuses settings: its
// queries stay right, only slower.
func (bp *businessPlan) keepJoinSides(ctx context.Context, db *store.DB) error {
	if db.Locked() {
		return nil
	}
	if err := db.KeepJoinSides(ctx); err != nil {
		return fmt.Errorf("%s: business_hours: %w", bp.where, err)
	}
	return nil
}

// options tells the engine about the view made.
func (bp *businessPlan) options(eopt *kpi.Options) {
	view, tb, bb, rng := bp.view, bp.tb, bp.bb, bp.rng
	// Every map and list changed is a copy: an engine opened before on the
	// same options (a deferred view's, waiting for it) keeps its own.
	eopt.Tables = append(slices.Clip(eopt.Tables), view)
	eopt.Derived = append(slices.Clip(eopt.Derived), view)
	eopt.DerivedFrom, eopt.StoredIn, eopt.Pasted = maps.Clone(eopt.DerivedFrom), maps.Clone(eopt.StoredIn), maps.Clone(eopt.Pasted)
	eopt.TableFiles = maps.Clone(eopt.TableFiles)
	if eopt.DerivedFrom == nil {
		eopt.DerivedFrom = map[string]string{}
	}
	eopt.DerivedFrom[view] = tb.table // the ticket columns' ranges come from the tickets
	// and the deadlines' from the table that keeps them (the view pastes
	// them as they are)
	if eopt.StoredIn == nil {
		eopt.StoredIn = map[string]map[string]string{}
	}
	eopt.StoredIn[view] = map[string]string{}
	if eopt.Pasted == nil {
		eopt.Pasted = map[string]kpi.PastedView{}
	}
	eopt.Pasted[view] = kpi.PastedView{Base: tb.table, Kept: bp.keptName, Cols: strings.Join(bb.view, ", "), BaseTime: bb.created, KeptTime: helper + "created"}
	for _, c := range bb.stored {
		eopt.StoredIn[view][c] = bp.rangeName
	}
	if eopt.TableFiles == nil {
		eopt.TableFiles = map[string][]string{}
	}
	eopt.TableFiles[view] = eopt.TableFiles[tb.table]
	rt := maps.Clone(eopt.RecordTime)
	if rt == nil {
		rt = map[string]string{}
	}
	// The view's data ends where its table's records end: the source's
	// time: when it has one, else the tickets' latest creation or
	// resolution (the as-of instant the SLAs judge open tickets by, where
	// the clock-time KPIs' data ends too): deadlines of open tickets lie
	// past it and must not move the data's end.
	switch {
	case rt[tb.table] != "":
		rt[view] = rt[tb.table]
	case !rng.asOf.IsZero():
		eopt.RecordEnd = maps.Clone(eopt.RecordEnd)
		if eopt.RecordEnd == nil {
			eopt.RecordEnd = map[string]time.Time{}
		}
		eopt.RecordEnd[view] = rng.asOf
	default:
		rt[view] = tb.cols["created_at"]
	}
	eopt.RecordTime = rt
}

// bind points the business-time built-ins at the view (businessDefs).
func (bp *businessPlan) bind(defs []*kpi.Def) ([]*kpi.Def, error) {
	have := map[string]bool{}
	for _, c := range bp.bb.added {
		have[c] = true
	}
	return businessDefs(defs, bp.tb, bp.view, have)
}

// businessTableMade, when set (by tests), runs right after a start makes
// the business table: an error stops the start there, as a kill would.
var businessTableMade func() error

// businessDefs points the business-time built-ins the config lists at the
// view, refusing one whose SLA policy sla: lacks, and adds the others the
// view can answer after the listed KPIs.
func businessDefs(defs []*kpi.Def, tb ticketBinding, view string, have map[string]bool) ([]*kpi.Def, error) {
	listed := map[string]bool{}
	for _, d := range defs {
		if !d.Builtin || !kpi.IsBusiness(d.BuiltinID) {
			continue
		}
		listed[d.BuiltinID] = true
		b, _ := kpi.LookupBuiltin(d.BuiltinID)
		if p := b.SLAPolicy(); p != "" && !have[p+"_met"] {
			return nil, fmt.Errorf("%sKPI %s needs an SLA policy named %s: add it under sla: (targets per priority, in business hours or days), or remove the KPI", origin(d), d.ID, p)
		}
		// The built-in's standard table, or the ticket table named as its
		// source: the view of the ticket table is what it reads.
		if strings.EqualFold(d.Source, kpi.BusinessTable) || strings.EqualFold(d.Source, tb.table) {
			d.Source = view
		}
	}
	out := defs
	for _, b := range kpi.BusinessCatalog() {
		if listed[b.ID] {
			continue
		}
		if p := b.SLAPolicy(); p != "" && !have[p+"_met"] {
			continue
		}
		if !readsAll(b, have) {
			continue
		}
		out = append(out, b.Bind(view, tb.cols))
	}
	return out, nil
}

// readsAll reports whether the view has the derived column a built-in reads.
func readsAll(b kpi.Builtin, have map[string]bool) bool {
	switch b.ID {
	case "first_response_bh":
		return have["first_response_bh"]
	case "resolution_bh", "resolution_bh_median":
		return have["resolution_bh"]
	}
	return true
}

func origin(d *kpi.Def) string {
	if d.Origin != "" {
		return d.Origin + ": "
	}
	return ""
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// viewFingerprint is the business-time view's fingerprint in a --db file:
// its table's and a hash of the view's SQL (calendars, holidays, targets
// and the as-of instant are all written in it); "" in memory, or when the
// table is read again at every start. Rollups of the view and its business
// table kept in the file are reused only while it is unchanged.
func viewFingerprint(ctx context.Context, db *store.DB, table, body string) string {
	rows, err := db.Query(ctx, "SELECT fingerprint FROM __kpiscope_sources WHERE name = ?", table)
	if err != nil || len(rows.Data) == 0 {
		return ""
	}
	h := sha256.Sum256([]byte(body))
	return fmt.Sprint(rows.Data[0][0]) + "|business:" + hex.EncodeToString(h[:8])
}

// keptBusiness reports whether a --db file holds the business table of the
// view with fingerprint fp from an earlier start: recorded under that
// fingerprint, and with a row for each of the ticket table's.
func keptBusiness(ctx context.Context, db *store.DB, view, fp, kept, table string) bool {
	if fp == "" {
		return false
	}
	rows, err := db.Query(ctx, "SELECT fingerprint FROM __kpiscope_sources WHERE name = ?", view)
	if err != nil || len(rows.Data) != 1 || fmt.Sprint(rows.Data[0][0]) != fp {
		return false
	}
	rows, err = db.Query(ctx, "SELECT (SELECT count(*) FROM "+store.QuoteIdent(kept)+") = (SELECT count(*) FROM "+store.QuoteIdent(table)+")")
	if err != nil {
		return false
	}
	same, _ := rows.Data[0][0].(bool)
	return same
}

// businessRange makes (made: the business table was just made; else only
// when missing, as in a --db file of an earlier kpiscope) the range table
// of the business table's columns cols: two rows, each column's minimum and
// then its maximum, so that the engine's min/max of a column over it (its
// StoredIn) is the column's range. The engine reads those ranges at every
// start: over the kept table of a --db file, read back from disk, they took
// 2.5 s at 100M tickets, against milliseconds here.
func businessRange(ctx context.Context, db *store.DB, kept, name string, cols []string, made bool) error {
	if len(cols) == 0 {
		return nil
	}
	var lo, hi, qc []string
	for _, c := range cols {
		q := store.QuoteIdent(c)
		qc = append(qc, q)
		lo = append(lo, "min("+q+") AS "+q)
		hi = append(hi, "max("+q+") AS "+q)
	}
	if !made {
		if _, err := db.Query(ctx, "SELECT "+strings.Join(qc, ", ")+" FROM "+store.QuoteIdent(name)+" LIMIT 0"); err == nil {
			return nil
		}
	}
	return db.Exec(ctx, "CREATE OR REPLACE TABLE "+store.QuoteIdent(name)+" AS SELECT "+strings.Join(lo, ", ")+" FROM "+kept+" UNION ALL SELECT "+strings.Join(hi, ", ")+" FROM "+kept)
}

// fingerprintView records the view's fingerprint (viewFingerprint) in a
// --db file, replacing the one of an earlier start.
func fingerprintView(ctx context.Context, db *store.DB, view, fp string) error {
	if _, err := db.Query(ctx, "SELECT 1 FROM __kpiscope_sources LIMIT 1"); err != nil {
		return nil // in memory: nothing is kept
	}
	if err := db.Exec(ctx, "DELETE FROM __kpiscope_sources WHERE name = ?", view); err != nil {
		return err
	}
	if fp == "" {
		return nil // the table is read again at every start: so are its rollups
	}
	return db.Exec(ctx, "INSERT INTO __kpiscope_sources VALUES (?, ?)", view, fp)
}

// ticketRange reads the ticket table's first and last timestamps. As the
// engine does, creation times past now (and a day of slack for time zones)
// are data errors: they must not make every open ticket breached.
func ticketRange(ctx context.Context, db *store.DB, tb ticketBinding, cols []store.Column, biz *config.Business, now time.Time, record string) (dataRange, error) {
	created, ok := schema.Column(cols, tb.cols["created_at"])
	if !ok {
		return dataRange{}, fmt.Errorf("the ticket table %s has no column %s (its columns: %s); map created_at with columns: on a ticket KPI", tb.table, tb.cols["created_at"], columnNames(cols))
	}
	c := "CAST(t." + store.QuoteIdent(created.Name) + " AS TIMESTAMP)"
	cutoffAt := now.UTC().AddDate(0, 0, 1).Truncate(time.Second)
	cutoff := cutoffAt.Format("2006-01-02 15:04:05")
	// The as-of instant: the latest creation or resolution (or time: value) not past now (a
	// ticket open then is still open at the export), as the backlog's. Plain
	// min and max first, which Parquet's statistics answer without reading
	// the columns; only when the data reaches past the cutoff, the latest
	// values before it (a scan).
	seen := func(filter bool) string {
		s := "max(" + c + ")"
		if filter {
			s += " FILTER (WHERE " + c + " <= TIMESTAMP '" + cutoff + "')"
		}
		// The source's time: column (its record axis, where the view's
		// data ends too) when it has one: an export's latest update.
		for _, name := range []string{tb.cols["resolved_at"], record} {
			col, ok := schema.Column(cols, name)
			if !ok || name == "" || !schema.IsTime(col.Type) {
				continue
			}
			x := "CAST(t." + store.QuoteIdent(col.Name) + " AS TIMESTAMP)"
			m := "max(" + x + ")"
			if filter {
				m += " FILTER (WHERE " + x + " <= TIMESTAMP '" + cutoff + "')"
			}
			s = "greatest(" + s + ", " + m + ")"
		}
		return s
	}
	query := func(filter bool) (*store.Rows, error) {
		sel := []string{"min(" + c + ")", seen(filter)}
		for _, r := range []string{"first_response_at", "resolved_at"} {
			if col, ok := schema.Column(cols, tb.cols[r]); ok {
				sel = append(sel, "max(CAST(t."+store.QuoteIdent(col.Name)+" AS TIMESTAMP))")
			}
		}
		return db.Query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+store.QuoteIdent(tb.table)+" t")
	}
	rows, err := query(false)
	if err != nil {
		return dataRange{}, err
	}
	if last, ok := rows.Data[0][1].(time.Time); ok && last.After(cutoffAt) {
		if rows, err = query(true); err != nil {
			return dataRange{}, err
		}
	}
	var r dataRange
	r.from, _ = rows.Data[0][0].(time.Time)
	r.first = r.from
	r.asOf, _ = rows.Data[0][1].(time.Time)
	r.to = r.asOf
	for _, v := range rows.Data[0][2:] {
		if t, ok := v.(time.Time); ok && t.After(r.to) {
			r.to = t
		}
	}
	// An end past now is a data error too, and a range of decades makes
	// bizcal's expressions long (each DST change and holiday in range is a
	// term): the range stops at now and starts at most 15 years before the
	// as-of instant; rows outside it are measured without the DST changes
	// and holidays beyond it.
	if lim := now.UTC().AddDate(0, 0, 1); r.to.After(lim) {
		r.to = lim
	}
	if lim := r.asOf.AddDate(-15, 0, 0); !r.asOf.IsZero() && r.from.Before(lim) {
		r.from = lim
	}
	r.to = r.to.Add(deadlineMargin(biz, r.asOf))
	// bizcal.SQL wants instants; the as-of instant stays a naive literal.
	r.from, r.to = instant(r.from, biz.Data), instant(r.to, biz.Data)
	return r, nil
}

// sql is bizcal's SQL for calendar c over the range, reading the data's
// clock as the config says.
func (r dataRange) sql(biz *config.Business, c *bizcal.Calendar) bizcal.SQL {
	return bizcal.SQL{Cal: c, Data: biz.Data, From: r.from, To: r.to}
}

// deadlineMargin is how far past the latest creation the longest target's
// deadline can fall, on any calendar, with a day to spare.
func deadlineMargin(biz *config.Business, asOf time.Time) time.Duration {
	var most float64
	for _, p := range biz.SLA {
		most = max(most, p.Default)
		for _, s := range p.Targets {
			most = max(most, s)
		}
	}
	from := instant(asOf, biz.Data)
	margin := 24 * time.Hour
	for _, c := range biz.Calendars {
		if due := c.Deadline(from, most); !due.IsZero() {
			margin = max(margin, due.Sub(from)+24*time.Hour)
		}
	}
	return margin
}

// instant is the instant a naive timestamp (read back as UTC) means in the
// data's zone.
func instant(t time.Time, data *time.Location) time.Time {
	if data == nil {
		data = time.UTC
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), data)
}

// tsExpr reads a column of the ticket table t as a timestamp: naive (on
// the data's clock, business_hours: timestamps:) unless it holds instants.
func tsExpr(c store.Column) string {
	x := "t." + store.QuoteIdent(c.Name)
	if strings.EqualFold(c.Type, "TIMESTAMP WITH TIME ZONE") || strings.EqualFold(c.Type, "TIMESTAMPTZ") {
		return x // bizcal reads TIMESTAMPTZ as instants
	}
	return "CAST(" + x + " AS TIMESTAMP)"
}

// helper is the prefix of the view's inner columns (left out of the view).
const helper = "__kpiscope_"

// businessSelect writes the business-time view's SQL (businessBody). The
// table's SELECT is written in layers so that each business-time
// expression, which bizcal writes as long per-row arithmetic, appears once
// and reads short column names: the inner layer casts the timestamps and
// picks each row's targets; the next ones compute each timestamp's business
// time since the range's start (bizcal's Cum, or Lookup's instants, words
// and cums) and each deadline; the table keeps the differences (a duration
// is Cum(end) − Cum(start) on the row's calendar) and the deadlines, and the
// view compares the ends with the targets and deadlines.
func businessSelect(biz *config.Business, tb ticketBinding, cols []store.Column, rng dataRange) (*businessBody, error) {
	return businessSQL(biz, tb, cols, rng, true)
}

// businessBody is the business-time view's SQL: the SELECT of the table
// that keeps what needs bizcal (one row per ticket row, in its order), the
// view's added columns over the ticket row t and that table's row b, and
// their names.
type businessBody struct {
	table  string
	view   []string
	added  []string
	stored []string // the added columns the view takes verbatim from the table
	// created is the ticket table's creation column, which the table
	// repeats as it is (helper+"created").
	created string
}

// businessSQL writes businessSelect's SELECT, with bizcal's lookup lists
// (bizcal.Lookup) when lookup is set and the range is short enough for them,
// else with bizcal's expressions alone. The lookup version has more layers,
// each computed once per row: the instants (µs) after the casts, their day
// words, the cums (µs), the cum each target reaches (the start's plus the
// target), its words, and the deadline; a ticket met its target when its
// end's cum is at most the one the target reaches.
func businessSQL(biz *config.Business, tb ticketBinding, cols []store.Column, rng dataRange, lookup bool) (*businessBody, error) {
	if len(biz.Calendars) == 0 {
		return nil, fmt.Errorf("business_hours: no calendar defined")
	}
	def := biz.Calendar(biz.Default)
	if def == nil && biz.Default == "" {
		def = biz.Calendars[0]
	}
	if def == nil {
		return nil, fmt.Errorf("business_hours: default calendar %q is not defined", biz.Default)
	}
	sqlOf := func(c *bizcal.Calendar) bizcal.SQL { return rng.sql(biz, c) }
	column := func(name, what string) (string, error) {
		c, ok := schema.Column(cols, name)
		if !ok {
			var names []string
			for _, c := range cols {
				names = append(names, c.Name)
			}
			msg := fmt.Sprintf("%s: %s is not a column of the ticket table %s", what, name, tb.table)
			if near := kpi.Nearest(name, names, 1); len(near) > 0 {
				msg += fmt.Sprintf("; did you mean %s?", near[0])
			}
			key := "calendar_by"
			if p, ok := strings.CutPrefix(what, "sla: "); ok {
				key, _, _ = strings.Cut(p, ":")
			}
			return "", &config.Error{Line: biz.ColumnLines[key], Msg: msg + " (its columns: " + columnNames(cols) + ")"}
		}
		return c.Name, nil
	}
	for _, c := range cols {
		if strings.HasPrefix(strings.ToLower(c.Name), helper) {
			return nil, fmt.Errorf("business_hours: the ticket table %s has a column %s, a prefix the business-time view keeps for itself; rename the column", tb.table, c.Name)
		}
	}
	clash := func(n string) error {
		if _, ok := schema.Column(cols, n); ok {
			return fmt.Errorf("business_hours: the ticket table %s has a column %s, a name the business-time view adds; rename the column", tb.table, n)
		}
		return nil
	}
	calName := store.QuoteLiteral(def.Name)
	byCol := ""
	by := map[string]bizcal.SQL{}
	// With lookup lists: each calendar's index in biz.Calendars, per row.
	calIndex := func(c *bizcal.Calendar) int { return slices.Index(biz.Calendars, c) }
	calIdx := strconv.Itoa(calIndex(def))
	if biz.By != "" {
		c, err := column(biz.By, "business_hours: calendar_by")
		if err != nil {
			return nil, err
		}
		byCol = store.QuoteIdent(c)
		var whens, idx []string
		for _, v := range slices.Sorted(maps.Keys(biz.Map)) {
			cal := biz.Calendar(biz.Map[v])
			if cal == nil {
				return nil, fmt.Errorf("business_hours: %s maps to calendar %q, which is not defined", v, biz.Map[v])
			}
			by[v] = sqlOf(cal)
			whens = append(whens, fmt.Sprintf("WHEN %s THEN %s", store.QuoteLiteral(v), store.QuoteLiteral(cal.Name)))
			idx = append(idx, fmt.Sprintf("WHEN %s THEN %d", store.QuoteLiteral(v), calIndex(cal)))
		}
		if len(whens) > 0 {
			calName = fmt.Sprintf("CASE CAST(%s AS VARCHAR) %s ELSE %s END", byCol, strings.Join(whens, " "), calName)
			calIdx = fmt.Sprintf("CASE CAST(t.%s AS VARCHAR) %s ELSE %s END", byCol, strings.Join(idx, " "), calIdx)
		}
	}
	each := func(f func(bizcal.SQL) string) string {
		if byCol == "" {
			return f(sqlOf(def))
		}
		return bizcal.Pick(byCol, by, sqlOf(def), f)
	}
	q := func(n string) string { return store.QuoteIdent(helper + n) }
	created, ok := schema.Column(cols, tb.cols["created_at"])
	if !ok {
		return nil, fmt.Errorf("business_hours: created_at: %s is not a column of the ticket table %s (its columns: %s)", tb.cols["created_at"], tb.table, columnNames(cols))
	}
	var lk *bizcal.Lookup
	if lookup {
		var sqls []bizcal.SQL
		for _, c := range biz.Calendars {
			sqls = append(sqls, sqlOf(c))
		}
		if l, ok := bizcal.NewLookup(sqls); ok {
			lk = l
		}
	}
	cal := ""
	if byCol != "" && calIdx != strconv.Itoa(calIndex(def)) {
		cal = q("cal")
	}
	start := tsExpr(created)
	// The creation time as it is, row for row: the engine reads the view
	// within a time range by filtering both of its sides on it
	// (kpi.PastedView).
	inner := []string{start + " AS " + q("start"), "t." + store.QuoteIdent(created.Name) + " AS " + q("created")}
	switch {
	case cal != "" && lk != nil:
		inner = append(inner, calIdx+" AS "+cal)
	case byCol != "":
		inner = append(inner, "t."+byCol+" AS "+byCol) // bizcal.Pick reads it
	}
	// With lookup lists: the instants, their words, the cums, the cums
	// the targets reach, their words, the deadlines, one layer each.
	var instants, words, ys, dwords, dues []string
	bind := func(exprs []string, name string, to *[]string) []string {
		var cols []string
		for i, e := range exprs {
			c := q(name + "_" + strconv.Itoa(i))
			cols = append(cols, c)
			*to = append(*to, e+" AS "+c)
		}
		return cols
	}
	// cumOf is the business time from the range's start to ts: µs (BIGINT)
	// with the lookup lists, seconds (DOUBLE) with bizcal's expressions.
	cumOf := func(ts, cum, name string) string {
		if lk == nil {
			return fmt.Sprintf("%s AS %s", each(func(s bizcal.SQL) string { return s.Cum(ts) }), cum)
		}
		u := q("u_" + name)
		instants = append(instants, lk.Instant(ts)+" AS "+u)
		w := bind(lk.CumWords(u, cal), "w_"+name, &words)
		return lk.Cum(u, cal, w) + " AS " + cum
	}
	middle := []string{cumOf(q("start"), q("cum_start"), "start")}
	// What the table keeps (stored) and what the view computes from it and
	// the ticket row (view): the table holds only what needs bizcal, as
	// writing a column costs about as much as computing one.
	var stored, view, added []string
	if err := clash("calendar"); err != nil {
		return nil, err
	}
	view = append(view, calName+" AS calendar")
	added = append(added, "calendar")
	if err := clash("created_cum"); err != nil { // backlog ages run from it (business_backlog.go)
		return nil, err
	}
	createdCum := q("cum_start")
	if lk != nil {
		createdCum = "CAST(" + createdCum + " AS DOUBLE) / 1e6"
	}
	stored = append(stored, q("created"), createdCum+" AS created_cum")
	view, added = append(view, "b.created_cum"), append(added, "created_cum")
	verbatim := []string{"created_cum"}
	ends := map[string]string{} // policy → its end's expression on the ticket row
	for _, x := range []struct{ role, name, out string }{{"first_response_at", "first_response", "first_response_bh"}, {"resolved_at", "resolution", "resolution_bh"}} {
		c, ok := schema.Column(cols, tb.cols[x.role])
		if !ok {
			continue
		}
		if err := clash(x.out); err != nil {
			return nil, err
		}
		ends[x.name] = tsExpr(c)
		end, cum := q("end_"+x.name), q("cum_"+x.name)
		inner = append(inner, tsExpr(c)+" AS "+end)
		middle = append(middle, cumOf(end, cum, x.name))
		// The business µs taken: NULL when either end is missing or the end
		// comes first, as bizcal's Duration.
		taken := fmt.Sprintf("%s - %s", cum, q("cum_start"))
		if lk == nil {
			taken = "CAST(round((" + taken + ") * 1e6) AS BIGINT)"
		}
		stored = append(stored, fmt.Sprintf("CASE WHEN %s >= %s THEN %s END AS %s", end, q("start"), taken, q("taken_"+x.name)))
		view = append(view, fmt.Sprintf("b.%s / 3600e6 AS %s", q("taken_"+x.name), x.out))
		added = append(added, x.out)
	}
	asOf := sqlTimestamp(rng.asOf)
	for _, p := range biz.SLA {
		if _, ok := slaEnds[p.Name]; !ok {
			return nil, fmt.Errorf("sla: policy %s: kpiscope measures first_response and resolution", p.Name)
		}
		if ends[p.Name] == "" {
			return nil, fmt.Errorf("sla: policy %s ends at %s, which the ticket table %s does not have; map it with columns: on a ticket KPI", p.Name, tb.cols[slaEnds[p.Name]], tb.table)
		}
		for _, n := range []string{"_target_bh", "_due", "_met"} {
			if err := clash(p.Name + n); err != nil {
				return nil, err
			}
		}
		target, err := targetExpr(p, column)
		if err != nil {
			return nil, err
		}
		us, err := targetUS(p, column)
		if err != nil {
			return nil, err
		}
		tgt, due := q("target_"+p.Name), store.QuoteIdent(p.Name+"_due")
		inner = append(inner, target+" AS "+tgt)
		if lk == nil {
			middle = append(middle, fmt.Sprintf("%s AS %s", each(func(s bizcal.SQL) string { return s.Deadline(q("start"), tgt) }), due))
		} else {
			y := q("y_" + p.Name)
			inner = append(inner, us+" AS "+q("target_us_"+p.Name))
			ys = append(ys, fmt.Sprintf("%s + %s AS %s", q("cum_start"), q("target_us_"+p.Name), y))
			w := bind(lk.DeadlineWords(y, cal), "dw_"+p.Name, &dwords)
			dues = append(dues, lk.Deadline(y, q("u_start"), cal, w)+" AS "+due)
		}
		stored = append(stored, due)
		// Met: the business time taken at most the target, as the _bh column
		// and a filter such as resolution_bh<=8 count it (a ticket resolved
		// at night after a deadline at the evening's close took no business
		// time past it), to the µs the deadline is reckoned in. An end
		// before the start is a data error (the check reports it), neither
		// met nor breached; an open ticket is breached once its deadline is
		// before the data's as-of instant, and undetermined until then.
		met := fmt.Sprintf("CASE WHEN %[1]s IS NULL OR %[2]s IS NULL THEN NULL WHEN %[3]s IS NOT NULL THEN CASE WHEN %[3]s < %[2]s THEN NULL ELSE b.%[6]s <= %[7]s END WHEN b.%[4]s < %[5]s THEN false END",
			target, start, ends[p.Name], due, asOf, q("taken_"+p.Name), us)
		view = append(view,
			fmt.Sprintf("%s / 3600.0 AS %s", target, store.QuoteIdent(p.Name+"_target_bh")),
			"b."+due,
			fmt.Sprintf("%s AS %s", met, store.QuoteIdent(p.Name+"_met")))
		added = append(added, p.Name+"_target_bh", p.Name+"_due", p.Name+"_met")
		verbatim = append(verbatim, p.Name+"_due")
	}
	from := "(SELECT " + strings.Join(inner, ",\n  ") + "\nFROM " + store.QuoteIdent(tb.table) + " t)"
	layer := func(from string, cols []string) string {
		if len(cols) == 0 {
			return from
		}
		return "(SELECT *, " + strings.Join(cols, ",\n  ") + "\nFROM " + from + ")"
	}
	for _, cols := range [][]string{instants, words, middle, ys, dwords, dues} {
		from = layer(from, cols)
	}
	return &businessBody{table: "SELECT " + strings.Join(stored, ",\n  ") + "\nFROM " + from, view: view, added: added, stored: verbatim, created: created.Name}, nil
}

// targetExpr is a policy's target per row, in business seconds (NULL
// without one).
func targetExpr(p bizcal.Policy, column func(name, what string) (string, error)) (string, error) {
	return targetCase(p, column, func(v float64) string { return fmt.Sprintf("%g::DOUBLE", v) }, "NULL::DOUBLE")
}

// targetUS is a policy's target per row in business µs (BIGINT), rounded
// as bizcal rounds one (half away from zero, as DuckDB's round).
func targetUS(p bizcal.Policy, column func(name, what string) (string, error)) (string, error) {
	return targetCase(p, column, func(v float64) string { return strconv.FormatInt(int64(math.Round(v*1e6)), 10) + "::BIGINT" }, "NULL::BIGINT")
}

func targetCase(p bizcal.Policy, column func(name, what string) (string, error), lit func(float64) string, null string) (string, error) {
	def := null
	if p.Default > 0 {
		def = lit(p.Default)
	}
	if p.By == "" || len(p.Targets) == 0 {
		return def, nil
	}
	c, err := column(p.By, "sla: "+p.Name+": by")
	if err != nil {
		return "", err
	}
	var whens []string
	for _, v := range slices.Sorted(maps.Keys(p.Targets)) {
		whens = append(whens, fmt.Sprintf("WHEN %s THEN %s", store.QuoteLiteral(v), lit(p.Targets[v])))
	}
	return fmt.Sprintf("(CASE CAST(t.%s AS VARCHAR) %s ELSE %s END)", store.QuoteIdent(c), strings.Join(whens, " "), def), nil
}

func columnNames(cols []store.Column) string {
	var n []string
	for _, c := range cols {
		n = append(n, c.Name)
	}
	return strings.Join(n, ", ")
}

// sqlTimestamp is a TIMESTAMP literal of a wall-clock time.
func sqlTimestamp(t time.Time) string {
	return "TIMESTAMP '" + t.Format("2006-01-02 15:04:05.999999") + "'"
}
