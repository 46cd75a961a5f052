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
		return schema.IsNumeric(c.Type) && (c.Kind == ColAmount || c.Kind == ColNumber) && !isUnitPrice(schema.Tokens(c.Name))
	case schema.KindLabel:
		return c.Kind == ColCategory || c.Kind == ColStatus
	case schema.KindFlag: // a yes/no flag, or a whole-number count of times
		return c.Kind == ColFlag || schema.IsNumeric(c.Type) && c.Integral && (c.Kind == ColCount || c.Kind == ColNumber) ||
			schema.IsText(c.Type) && yesNoText(c)
	}
	return false
}

// yesNoText reports whether every value of a text column is a yes or a no
// in one of the spellings exports mix (Yes, 0, N, TRUE): the reopened flag
// is read that way (kpi's catalog), though it is no two-valued ColFlag.
func yesNoText(c *ColumnProfile) bool {
	if len(c.Values) == 0 || int64(len(c.Values)) < c.Distinct {
		return false
	}
	for _, v := range c.Values {
		known := false
		for _, p := range yesNo {
			l := strings.ToLower(strings.TrimSpace(v.Value))
			known = known || l == p[0] || l == p[1]
		}
		if !known {
			return false
		}
	}
	return true
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
			if used[c.Name] || !fits(spec, c) || !sameEntity(r, c.Name) {
				continue
			}
			sc := nameScore(spec, c)
			if spec.Kind == schema.KindTime && sc < 50 && namedForOtherTime(r, c) {
				continue // "First Response Time" is not a creation time because it says "time"
			}
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
		case tp.Time != "" && !used[tp.Time] && sameEntity(r, tp.Time):
			m.columns[r], m.timeVia = tp.Time, r
		case scored(b) && answerTime(tp, used) != "":
			m.columns[r], m.timeVia = answerTime(tp, used), r
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

// roleEntity is what a time role dates: tickets, surveys, customers, orders.
var roleEntity = map[string]string{
	"created_at": "ticket", "resolved_at": "ticket", "first_response_at": "ticket",
	"sent_at": "survey", "responded_at": "survey",
	"signup_date": "customer", "churn_date": "customer",
	"order_date": "order",
}

// timeEntity is the thing a date column's name says it dates, "" when the
// name does not say (date, created, timestamp).
func timeEntity(name string) string {
	toks := schema.Tokens(name)
	switch {
	case schema.HasStem(toks, "order", "purchas", "invoice", "transaction", "bought", "ship", "deliver", "payment", "paid"):
		return "order"
	case schema.HasStem(toks, "signup", "sign", "join", "registered", "registration", "birth", "dob", "since", "activat", "acquired", "tenure", "churn", "cancel", "terminat"):
		return "customer"
	case schema.HasStem(toks, "sent", "invited", "invitation", "survey"):
		return "survey"
	case schema.HasStem(toks, "ticket", "first", "reply", "replied", "resolved", "resolution", "escalat", "opened", "assigned", "incident", "case"):
		return "ticket"
	}
	return ""
}

// sameEntity reports whether a column may date a role: a date that belongs
// to another entity (a purchase date for a ticket's creation, a survey's
// send date for a ticket's first response) never does.
func sameEntity(r, column string) bool {
	want := roleEntity[r]
	if want == "" {
		return true
	}
	got := timeEntity(column)
	return got == "" || got == want
}

// namedForOtherTime reports whether a column's name strongly says it is
// another time role than r ("Time to Resolution" for resolved_at, not a
// creation time).
func namedForOtherTime(r string, c *ColumnProfile) bool {
	for _, o := range schema.Roles() {
		if o.Name != r && o.Kind == schema.KindTime && nameScore(o, c) >= 50 {
			return true
		}
	}
	return false
}

// scored reports whether a built-in reads a survey score: its time role only
// places answers in periods.
func scored(b kpi.Builtin) bool {
	for _, r := range b.Roles {
		if role(r).Kind == schema.KindScore {
			return true
		}
	}
	return false
}

// answerTime is the date that places a table's survey answers in periods
// when the table's time axis belongs to another entity: a response date
// first, then any date that is not an order's or a customer's.
func answerTime(tp *TableProfile, used map[string]bool) string {
	best := ""
	for _, c := range tp.Columns {
		if c.Kind != ColTime || c.NonNull == 0 || used[c.Name] {
			continue
		}
		switch e := timeEntity(c.Name); {
		case e == "order" || e == "customer":
			continue
		case schema.HasStem(schema.Tokens(c.Name), "respon", "answer", "rated", "submitted", "completed"):
			return c.Name
		case best == "":
			best = c.Name
		}
	}
	return best
}
