package infer

import (
	"strings"

	"kpiscope/internal/kpi"
	"kpiscope/internal/schema"
	"kpiscope/internal/store"
)

// fits reports whether a column can fill a role, by type.
func fits(r schema.Role, c *ColumnProfile) bool {
	switch r.Kind {
	case schema.KindTime:
		return c.Kind == ColTime
	case schema.KindScore:
		return c.Kind == ColScore && c.Scale != nil && *c.Scale == r.Scale
	case schema.KindCount:
		return schema.IsNumeric(c.Type) && c.Integral && (c.Kind == ColCount || c.Kind == ColNumber)
	case schema.KindID:
		return c.Kind == ColIdentifier || schema.IsText(c.Type) && c.Kind != ColCategory && c.Kind != ColFlag
	case schema.KindAmount:
		return schema.IsNumeric(c.Type) && (c.Kind == ColAmount || c.Kind == ColNumber)
	case schema.KindLabel:
		return c.Kind == ColCategory || c.Kind == ColStatus
	}
	return false
}

// nameScore rates how well a column's name suggests a role: 100 for the
// standard name, 50 for a strong stem, 10 for a weak one, 0 otherwise.
func nameScore(r schema.Role, c *ColumnProfile) int {
	toks := schema.Tokens(c.Name)
	if strings.Join(toks, "_") == r.Name || strings.EqualFold(c.Name, r.Name) {
		return 100
	}
	if schema.HasStem(toks, r.Strong...) {
		return 50
	}
	if len(r.Weak) > 0 && schema.HasStem(toks, r.Weak...) {
		return 10
	}
	return 0
}

// role is a role of the one table; the catalog's roles are all in it (kpi's
// tests say so).
func role(name string) schema.Role {
	r, _ := schema.LookupRole(name)
	return r
}

// mapping is one built-in bound to one table.
type mapping struct {
	b       kpi.Builtin
	table   *TableProfile
	columns map[string]string // role → column
	noTime  bool              // no time column: time: null
	timeVia string            // a time role filled by the table's time axis, not by name
	missing []string          // essential roles with no column
	score   int
}

// essentialFound counts the essential roles that found a column.
func (m mapping) essentialFound() int {
	essential, _, _ := m.b.RoleUse()
	n := 0
	for _, r := range essential {
		if _, ok := m.columns[r]; ok {
			n++
		}
	}
	return n
}

// mapBuiltin fills a built-in's roles from one table's columns. A role that
// only sets the time axis falls back to the table's time column; with none,
// noTime is set (the built-in's formula can still run, without a time axis).
func mapBuiltin(b kpi.Builtin, tp *TableProfile) mapping {
	m := mapping{b: b, table: tp, columns: map[string]string{}}
	essential, timeOnly, other := b.RoleUse()
	used := map[string]bool{}
	pick := func(r string, needName bool) (string, int) {
		spec := role(r)
		best, bestScore := "", 0
		for _, c := range tp.Columns {
			if used[c.Name] || !fits(spec, c) {
				continue
			}
			sc := nameScore(spec, c)
			switch {
			case spec.Kind == schema.KindScore && sc == 0:
				sc = 5 // the scale itself is evidence
			case sc == 0 && needName:
				continue // other roles need a name that says so
			case spec.Kind == schema.KindID && c.Kind == ColIdentifier:
				sc += 5 // "Customer ID" over "Customer Name"
			}
			if sc > bestScore {
				best, bestScore = c.Name, sc
			}
		}
		return best, bestScore
	}
	for _, r := range append(append([]string(nil), essential...), other...) {
		best, sc := pick(r, true)
		if best == "" {
			m.missing = append(m.missing, r)
			continue
		}
		used[best] = true
		m.columns[r] = best
		m.score += sc
	}
	for _, r := range timeOnly {
		best, sc := pick(r, true)
		switch {
		case best != "":
			m.columns[r] = best
			m.score += sc
		case tp.Time != "" && !used[tp.Time]:
			m.columns[r], m.timeVia = tp.Time, r
		default:
			m.noTime = true
		}
	}
	return m
}

// quoteIdent quotes a column for an expression a person will read: plain
// lower-case names stay bare, anything else is quoted.
func quoteIdent(name string) string {
	if schema.IsPlainName(name) && !sqlKeywords[strings.ToLower(name)] {
		return name
	}
	return store.QuoteIdent(name)
}

// sqlKeywords are words that must be quoted as column names (DuckDB's
// reserved words plus a few that read ambiguously).
var sqlKeywords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create default
		deferrable desc describe distinct do else end except false fetch for foreign from grant group having in initially intersect into
		lateral leading limit not null offset on only or order pivot placing primary qualify references returning select show some
		summarize symmetric table then to trailing true union unique unpivot using variadic when where window with date time timestamp
		interval user year month day hour minute second filter over count sum avg min max`) {
		sqlKeywords[w] = true
	}
}
