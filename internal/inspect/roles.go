package inspect

import (
	"regexp"
	"sort"
	"strings"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// roleKind is the type of column a built-in's role needs.
type roleKind int

const (
	roleTime roleKind = iota
	roleScore
	roleCount
	roleID
	roleAmount
	roleLabel
)

// roleSpec describes a column role of the standard data model: what type of
// column fills it and which names suggest it.
type roleSpec struct {
	kind   roleKind
	scale  Scale
	strong []string // token stems that make a column a good match
	weak   []string // stems that make it a possible match
	desc   string   // for "needs …" comments
	// optional roles are legitimately null on many rows (not resolved yet,
	// not answered, still a customer): their null share is not a problem.
	optional bool
}

var roles = map[string]roleSpec{
	"csat":              {kind: roleScore, scale: Scale5, strong: []string{"csat", "satisf"}, weak: []string{"rating", "score", "star"}, desc: "a 1–5 satisfaction score"},
	"ces":               {kind: roleScore, scale: Scale7, strong: []string{"ces", "effort", "easy", "ease"}, weak: []string{"rating", "score"}, desc: "a 1–7 customer-effort score"},
	"nps":               {kind: roleScore, scale: Scale10, strong: []string{"nps", "recommend", "likel", "promot"}, weak: []string{"rating", "score"}, desc: "a 0–10 likelihood-to-recommend score"},
	"created_at":        {kind: roleTime, strong: []string{"created", "create", "opened", "open", "submitted", "reported", "received", "logged", "start"}, weak: []string{"date", "time"}, desc: "the date/time a ticket was created"},
	"resolved_at":       {kind: roleTime, strong: []string{"resolved", "resolution", "closed", "solved", "completed", "done"}, desc: "the date/time a ticket was resolved", optional: true},
	"first_response_at": {kind: roleTime, strong: []string{"first", "response", "responded", "reply", "replied"}, desc: "the date/time of the first response", optional: true},
	"contacts":          {kind: roleCount, strong: []string{"contact", "touch", "interaction", "replies", "attempt"}, desc: "the number of contacts it took to resolve", optional: true},
	"sent_at":           {kind: roleTime, strong: []string{"sent", "invited", "invitation", "delivered"}, weak: []string{"date"}, desc: "the date a survey was sent"},
	"responded_at":      {kind: roleTime, strong: []string{"responded", "response", "answered", "completed", "submitted"}, desc: "the date a survey was answered", optional: true},
	"signup_date":       {kind: roleTime, strong: []string{"signup", "sign", "joined", "join", "registered", "registration", "start", "since", "acquired", "created", "activation", "activated"}, desc: "the date a customer signed up"},
	"churn_date":        {kind: roleTime, strong: []string{"churn", "cancel", "ended", "end", "terminated", "terminat", "left", "closed", "lost"}, desc: "the date a customer churned, blank while active", optional: true},
	"order_id":          {kind: roleID, strong: []string{"order", "invoice", "transaction", "receipt", "purchase", "basket"}, desc: "an order id"},
	"customer_id":       {kind: roleID, strong: []string{"customer", "cust", "client", "user", "account", "member", "buyer", "subscriber"}, desc: "a customer id"},
	"amount":            {kind: roleAmount, strong: []string{"amount", "revenue", "sales", "sale", "dollar", "paid", "gmv"}, weak: []string{"total", "price", "value", "charge", "spend", "spent", "cost"}, desc: "the order amount"},
	"order_date":        {kind: roleTime, strong: []string{"order", "purchase", "transaction", "invoice", "bought"}, weak: []string{"date"}, desc: "the order date"},
	"kind":              {kind: roleLabel, strong: []string{"kind", "type"}, weak: []string{"category"}, desc: "acquisition or retention"},
	"month":             {kind: roleTime, strong: []string{"month", "period"}, weak: []string{"date"}, desc: "the month spent"},
}

// roleUse says where a built-in reads each role: essential roles appear in
// its formula, time roles only choose its time axis, other roles in neither
// (the engine still wants every role to name an existing column).
func roleUse(b kpi.Builtin) (essential, timeOnly, other []string) {
	exprs := b.Numerator + "\x00" + b.Denominator + "\x00" + b.Where + "\x00" + b.N
	for _, v := range b.Inputs {
		exprs += "\x00" + v
	}
	for _, v := range b.Extras {
		exprs += "\x00" + v
	}
	for _, r := range b.Roles {
		switch {
		case strings.Contains(exprs, "{"+r+"}"):
			essential = append(essential, r)
		case b.Time == "{"+r+"}":
			timeOnly = append(timeOnly, r)
		default:
			other = append(other, r)
		}
	}
	return essential, timeOnly, other
}

// fits reports whether a column can fill a role, by type.
func (s roleSpec) fits(c *ColumnProfile, tp *TableProfile) bool {
	switch s.kind {
	case roleTime:
		return c.Kind == ColTime
	case roleScore:
		return c.Kind == ColScore && c.Scale != nil && *c.Scale == s.scale
	case roleCount:
		return isNumeric(c.Type) && c.Integral && (c.Kind == ColCount || c.Kind == ColNumber)
	case roleID:
		return c.Kind == ColIdentifier || isVarchar(c.Type) && c.Kind != ColCategory && c.Kind != ColFlag
	case roleAmount:
		return isNumeric(c.Type) && (c.Kind == ColAmount || c.Kind == ColNumber)
	case roleLabel:
		return c.Kind == ColCategory || c.Kind == ColStatus
	}
	return false
}

// score rates how well a column's name suggests a role: 100 for the standard
// name, 50 for a strong stem, 10 for a weak one, 0 otherwise.
func (s roleSpec) score(role string, c *ColumnProfile) int {
	toks := tokens(c.Name)
	if strings.Join(toks, "_") == role || strings.EqualFold(c.Name, role) {
		return 100
	}
	if hasStem(toks, s.strong...) {
		return 50
	}
	if len(s.weak) > 0 && hasStem(toks, s.weak...) {
		return 10
	}
	return 0
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
	essential, _, _ := roleUse(m.b)
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
	essential, timeOnly, other := roleUse(b)
	used := map[string]bool{}
	pick := func(r string, needName bool) (string, int) {
		spec := roles[r]
		best, bestScore := "", 0
		for _, c := range tp.Columns {
			if used[c.Name] || !spec.fits(c, tp) {
				continue
			}
			sc := spec.score(r, c)
			switch {
			case spec.kind == roleScore && sc == 0:
				sc = 5 // the scale itself is evidence
			case sc == 0 && needName:
				continue // other roles need a name that says so
			case spec.kind == roleID && c.Kind == ColIdentifier:
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

// roleTemplate turns a built-in's expression with {role} placeholders into a
// pattern that recovers the bound column names.
type roleTemplate struct {
	re    *regexp.Regexp
	roles []string
}

var placeholderRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

func compileTemplate(tmpl string) roleTemplate {
	var b strings.Builder
	var rs []string
	b.WriteString("^")
	last := 0
	for _, m := range placeholderRE.FindAllStringSubmatchIndex(tmpl, -1) {
		b.WriteString(regexp.QuoteMeta(tmpl[last:m[0]]))
		b.WriteString(`"((?:[^"]|"")*)"`)
		rs = append(rs, tmpl[m[2]:m[3]])
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(tmpl[last:]))
	b.WriteString("$")
	return roleTemplate{re: regexp.MustCompile(b.String()), roles: rs}
}

func (t roleTemplate) match(s string, into map[string]string) bool {
	m := t.re.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	for i, r := range t.roles {
		col := strings.ReplaceAll(m[i+1], `""`, `"`)
		if prev, ok := into[r]; ok && prev != col {
			return false
		}
		into[r] = col
	}
	return true
}

// BoundRoles recovers which built-in a definition was bound from and the
// column each role was mapped to, by matching its expressions against the
// catalog's templates (the id may have been renamed with id:). ok is false
// for custom definitions and composites.
func BoundRoles(d *kpi.Def) (b kpi.Builtin, columns map[string]string, ok bool) {
	if d == nil || !d.Builtin || d.Type == kpi.Composite {
		return kpi.Builtin{}, nil, false
	}
	cands := kpi.Catalog()
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].ID == d.ID && cands[j].ID != d.ID })
	for _, c := range cands {
		if c.Type != d.Type {
			continue
		}
		cols := map[string]string{}
		if !matchDef(c, d, cols) {
			continue
		}
		if tr := strings.Trim(c.Time, "{}"); tr != "" && d.Time != "" {
			if _, seen := cols[tr]; !seen {
				cols[tr] = d.Time
			}
		}
		if len(d.Roles) > 0 {
			cols = map[string]string{}
			for r, col := range d.Roles {
				cols[r] = col
			}
		}
		return c, cols, true
	}
	return kpi.Builtin{}, nil, false
}

func matchDef(b kpi.Builtin, d *kpi.Def, cols map[string]string) bool {
	pairs := [][2]string{{b.Numerator, d.Numerator}, {b.Denominator, d.Denominator}, {b.Where, d.Where}}
	if len(b.Inputs) != len(d.Inputs) || len(b.Extras) != len(d.Extras) {
		return false
	}
	for k, v := range b.Inputs {
		dv, ok := d.Inputs[k]
		if !ok {
			return false
		}
		pairs = append(pairs, [2]string{v, dv})
	}
	for k, v := range b.Extras {
		dv, ok := d.Extras[k]
		if !ok {
			return false
		}
		pairs = append(pairs, [2]string{v, dv})
	}
	if _, isInput := b.Inputs[b.N]; !isInput {
		pairs = append(pairs, [2]string{b.N, d.N})
	}
	for _, p := range pairs {
		if !compileTemplate(p[0]).match(p[1], cols) {
			return false
		}
	}
	return true
}

// quoteIdent quotes a column for an expression a person will read: plain
// lower-case names stay bare, anything else is quoted.
func quoteIdent(name string) string {
	if plainIdentRE.MatchString(name) && !sqlKeywords[strings.ToLower(name)] {
		return name
	}
	return store.QuoteIdent(name)
}

var plainIdentRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

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
