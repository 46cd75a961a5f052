package workspace

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
	"kpiscope/internal/source"
)

// Pin makes the workspace independent of its Parquet files: each Parquet
// view is pointed at a private copy of its files (source.Snapshot), removed
// when the workspace closes. A watched program pins every workspace before
// anything reads it, so a file damaged, truncated, deleted or made unreadable
// afterwards cannot break a query: the reload fails and the pinned data stays
// in use. CSV tables are already in the database and are left alone. Pin
// must run before the engine is locked (the lock allows only the copies) and
// before queries start; pinning twice does nothing. prev (may be nil) is the
// workspace w replaces: files unchanged since it was pinned share its copies
// (hard links) instead of being copied again.
func (w *Workspace) Pin(ctx context.Context, prev *Workspace) error {
	if w.Pinned() {
		return nil
	}
	if w.snap == nil {
		s, err := source.NewSnapshot()
		if err != nil {
			return err
		}
		w.snap = s
	}
	var from *source.Snapshot
	if prev != nil {
		from = prev.snap
	}
	for i := range w.Tables {
		if err := w.snap.Pin(ctx, w.DB, &w.Tables[i], from); err != nil {
			return err
		}
	}
	return nil
}

// Pinned reports whether no query can read a user's file any more: every
// Parquet table reads snapshot copies (true when there is none).
func (w *Workspace) Pinned() bool {
	if w.Sample {
		return true
	}
	for _, t := range w.Tables {
		if source.IsParquet(t) && len(t.Pinned) == 0 {
			return false
		}
	}
	return true
}

// unpin closes the snapshot: in a --db file, the views read the user's files
// again (best effort: a file broken meanwhile leaves the view broken, and the
// next open points it at the file again); then the copies go.
func (w *Workspace) unpin() {
	if w.snap == nil {
		return
	}
	if w.persistent && w.DB != nil {
		for i := range w.Tables {
			if len(w.Tables[i].Pinned) > 0 {
				_ = source.Unpin(context.Background(), w.DB, &w.Tables[i])
			}
		}
	}
}

// Shrink is a table that a reload found much smaller than the data it
// replaces.
type Shrink struct {
	Table         string
	Before, After int64
}

// String says it as the warning does: "tickets: 1.2M → 40k rows".
func (s Shrink) String() string {
	return fmt.Sprintf("%s: %s → %s %s", s.Table, Count(s.Before), Count(s.After), cmdline.Pick(s.After, "row", "rows"))
}

// Compare records in w what changed sharply since prev, the data w replaces:
// every table with less than half its previous rows (a file cut short or
// still being written, or an export of a shorter period) goes to Shrunk, and
// a warning for each KPI that reads it to Warnings, which is empty (not nil)
// when nothing shrank, so that handing it on clears the warnings of an
// earlier reload. Tables whose previous count is unknown (0) are not
// compared.
func (w *Workspace) Compare(prev *Workspace) {
	w.Shrunk, w.Warnings = nil, nil
	if prev == nil {
		return
	}
	w.Warnings = map[string][]string{}
	before := map[string]int64{}
	for _, t := range prev.Tables {
		before[t.Name] = t.Rows
	}
	for _, t := range w.Tables {
		if b := before[t.Name]; b > 0 && t.Rows*2 < b {
			w.Shrunk = append(w.Shrunk, Shrink{Table: t.Name, Before: b, After: t.Rows})
		}
	}
	if len(w.Shrunk) == 0 || w.Engine == nil {
		return
	}
	defs := map[string]*kpi.Def{}
	for _, d := range w.Engine.Defs() {
		defs[d.ID] = d
	}
	for _, d := range w.Engine.Defs() {
		tables := map[string]bool{d.Source: true}
		if d.Type == kpi.Composite { // reads the tables of the KPIs it combines
			for _, ref := range d.Inputs {
				id, _, _ := strings.Cut(ref, ".")
				if in := defs[id]; in != nil {
					tables[in.Source] = true
				}
			}
		}
		for _, s := range w.Shrunk {
			if tables[s.Table] {
				w.Warnings[d.ID] = append(w.Warnings[d.ID], s.String()+" at the last reload: check that the file is complete")
			}
		}
	}
}

// ShrinkText is Shrunk on one line ("tickets: 1.2M → 40k rows"), "" when no
// table shrank.
func (w *Workspace) ShrinkText() string {
	var b []string
	for _, s := range w.Shrunk {
		b = append(b, s.String())
	}
	return strings.Join(b, ", ")
}

// Count writes a row count as people read it: 950, 40k, 1.2M, 3B.
func Count(n int64) string {
	f := float64(n)
	for _, u := range []struct {
		div  float64
		unit string
	}{{1e9, "B"}, {1e6, "M"}, {1e3, "k"}} {
		if f >= u.div {
			v := f / u.div
			prec := 1
			if v >= 100 {
				prec = 0
			}
			s := strconv.FormatFloat(v, 'f', prec, 64)
			return strings.TrimSuffix(s, ".0") + u.unit
		}
	}
	return strconv.FormatInt(n, 10)
}
