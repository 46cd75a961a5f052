package infer

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
	"kpiscope/internal/schema"
	"kpiscope/internal/source"
	"kpiscope/internal/store"
)

// Inference is what Infer concluded about a set of tables: their profiles,
// the KPIs they support, the built-ins they cannot feed, and the dimensions
// to slice by. YAML renders it as a commented kpiscope.yaml; Defs turns it
// into engine definitions through the same config parser.
type Inference struct {
	Tables []*TableProfile
	KPIs   []*KPI
	// Missing lists the built-ins that cannot be computed, each with what it lacks.
	Missing []Missing
	// Dropped are KPIs that were inferred but that the engine rejected, with why.
	Dropped []Dropped
	// Dimensions are offered for slicing; MoreDimensions are further
	// candidates left out of the list to keep it short.
	Dimensions     []string
	MoreDimensions []string
	// Customers links tables by customer id, when one table lists customers
	// once each and others carry the same key column.
	Customers *Customers
	// Skipped are KPIs that were inferred but left out, with why (an id
	// two tables both claim, a composite whose inputs are in two tables).
	Skipped []Skipped
	// Renamed pairs each KPI named after its table with the id it clashed on.
	Renamed []KV
	// Business is the business_hours: and sla: sections proposed for the
	// ticket table (ProposeBusiness, business.go); nil for none.
	Business *BusinessProposal

	inputs map[string]bool // built-ins a composite reads: they keep their ids
}

// Skipped is a KPI left out of the inference, with the reason.
type Skipped struct{ ID, Table, Reason string }

// String is the KPI, its table and why it was left out, on one line.
func (s Skipped) String() string {
	if s.Table == "" {
		return fmt.Sprintf("%s: %s", s.ID, s.Reason)
	}
	return fmt.Sprintf("%s on %s: %s", s.ID, s.Table, s.Reason)
}

// Customers is the customers: section of a config.
type Customers struct{ Source, Key string }

// KV is one entry of an ordered map (columns, inputs, extras).
type KV struct{ Key, Value string }

// KPI is one inferred entry of the kpis: list: a built-in with its column
// mapping, or a custom definition.
type KPI struct {
	Use         string // built-in id; "" for a custom KPI
	ID          string // the custom KPI's id ("" for a built-in under its own id)
	Name        string
	Description string
	Source      string
	Columns     []KV // role → column, for built-ins
	NoTime      bool // time: null — the KPI has one all-time value and no trend
	Time        string
	Type        kpi.Type
	Numerator   string
	Denominator string
	Where       string
	Inputs      []KV
	Expr        string
	N           string
	Extras      []KV
	Scale       float64
	Unit        string
	Decimals    int
	Better      kpi.Polarity
	Hidden      bool
	Short       string
	// Target is a target for a custom KPI, as a YAML flow map.
	Target string
	// TargetHint is a suggested target written as a comment for custom KPIs.
	TargetHint string
	// Why explains the guess, one comment line each.
	Why []string
	// reads are the columns whose meaning the KPI took over (kept out of the dimensions).
	reads []string
}

// Key is the KPI's id in the engine.
func (k *KPI) Key() string {
	if k.ID != "" {
		return k.ID
	}
	return k.Use
}

// Missing is a built-in that the data cannot feed.
type Missing struct {
	ID, Name string
	Table    string   // the table that came closest, "" when none had any role
	Needs    []string // roles with no column
	Has      []KV     // roles that were found in Table
	Note     string   // a reason other than missing columns
}

// Reason says what is missing, for a comment.
func (m Missing) Reason() string {
	if m.Note != "" {
		return m.Note
	}
	var parts []string
	for _, r := range m.Needs {
		parts = append(parts, fmt.Sprintf("%s (%s)", r, role(r).Help))
	}
	s := "needs " + strings.Join(parts, ", ")
	if m.Table != "" {
		var has []string
		for _, kv := range m.Has {
			has = append(has, fmt.Sprintf("%s → %s", kv.Key, schema.QuoteName(kv.Value)))
		}
		s += "; " + m.Table + " has only " + strings.Join(has, ", ")
	}
	return s
}

// Dropped is an inferred KPI the engine would not accept.
type Dropped struct {
	KPI *KPI
	Err error
}

// Infer profiles the tables and works out the KPIs they support. It reads
// the data (one aggregate query per table, a few more for low-cardinality
// columns) and checks every inferred KPI against the engine, dropping the
// ones it rejects.
func Infer(ctx context.Context, db *store.DB, tables []source.Table) (*Inference, error) {
	return infer(ctx, db, tables, 0)
}

// InferSample infers as Infer does from the first rows rows of each table
// only: cheap on millions of rows, for what only needs the gist of the
// files (why a config gives no KPI, whether the files give any). The
// profiles' Rows and counts are the sample's.
func InferSample(ctx context.Context, db *store.DB, tables []source.Table, rows int64) (*Inference, error) {
	return infer(ctx, db, tables, max(rows, 1))
}

func infer(ctx context.Context, db *store.DB, tables []source.Table, limit int64) (*Inference, error) {
	profiles, err := profile(ctx, db, tables, limit)
	if err != nil {
		return nil, err
	}
	if err := exactKeys(ctx, db, profiles); err != nil {
		return nil, err
	}
	for _, tp := range profiles {
		markCustomers(tp)
	}
	in := &Inference{Tables: profiles}
	in.inferBuiltins()
	in.inferCustom()
	in.name()
	in.inferDimensions()
	if err := in.inferCustomers(ctx, db); err != nil {
		return nil, err
	}
	if err := in.validate(ctx, db); err != nil {
		return nil, err
	}
	return in, nil
}

// exactKeys recounts identifier columns exactly: whether an id is unique
// decides keys, line-item files and the customers link.
func exactKeys(ctx context.Context, db *store.DB, tps []*TableProfile) error {
	for _, tp := range tps {
		var sel []string
		var cols []*ColumnProfile
		if tp.Rows <= exactDistinctRows {
			continue // Profile counted exactly
		}
		for _, c := range tp.Columns {
			if c.Kind == ColIdentifier {
				sel = append(sel, fmt.Sprintf("count(DISTINCT %s)", store.QuoteIdent(c.Name)))
				cols = append(cols, c)
			}
		}
		if len(sel) == 0 {
			continue
		}
		r, err := db.Query(ctx, fmt.Sprintf("SELECT %s FROM %s", strings.Join(sel, ", "), tp.relation()))
		if err != nil {
			return err
		}
		for i, c := range cols {
			c.Distinct = store.Int(r.Data[0][i])
		}
	}
	return nil
}

func (in *Inference) table(name string) *TableProfile {
	for _, t := range in.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// markCustomers finds the column that identifies customers when the table
// lists them (about) once each. Elsewhere a customer status is a segment,
// not churn: an order's Cancelled is not a customer lost.
func markCustomers(tp *TableProfile) {
	c := bestRole(tp, "customer_id", 50)
	own := ownEntity(tp, c)
	switch {
	case own != nil:
	case c != nil && c.NonNull > 0 && float64(c.Distinct) >= 0.9*float64(c.NonNull):
		tp.Customer, tp.Customers = c.Name, true
		return
	case c == nil && schema.HasStem(schema.Tokens(tp.Name), customerWords...):
		tp.Customers = true // customers.csv without an id column: its name says what a row is
		return
	}
	who := "no column identifies customers"
	switch {
	case own != nil:
		who = fmt.Sprintf("each row has its own %s", schema.QuoteName(own.Name))
	case c != nil:
		who = fmt.Sprintf("%s names %s on %s", schema.QuoteName(c.Name), cmdline.Count(c.Distinct, "customer"), cmdline.Count(c.NonNull, "row"))
	}
	if tp.Time != "" && timeEntity(tp.Time) == "customer" && (own != nil || c != nil || pickTimeBut(tp, "customer") != "" || schema.HasStem(schema.Tokens(tp.Name), eventWords...)) {
		// A customer's signup date is not when a ticket, answer or order
		// happened: the rows' own dates are their time axis, or none is.
		was, why := tp.Time, who
		tp.Time = pickTimeBut(tp, "customer")
		switch {
		case own != nil || c != nil:
		case tp.Time != "":
			why = "they have dates of their own"
		default:
			why = "the table is named for them"
		}
		next := "no time axis: custom KPIs on " + tp.Name + " have one all-time value until a source time: names the rows' own date"
		if tp.Time != "" {
			next = "the time axis is " + schema.QuoteName(tp.Time)
		}
		tp.Notes = append(tp.Notes, fmt.Sprintf("%s dates a customer, but the rows are not customers (%s): %s.", schema.QuoteName(was), why, next))
	}
	for _, c := range tp.Columns {
		switch {
		case c.Kind == ColStatus:
			tp.Notes = append(tp.Notes, fmt.Sprintf("%s has a %q value, but the rows are not customers (%s): a status, not churn.", schema.QuoteName(c.Name), c.True, who))
			c.Kind, c.True, c.Joined, c.Dimension = ColCategory, "", "", true
		case c.Kind == ColFlag && churnFlag(c):
			tp.Notes = append(tp.Notes, fmt.Sprintf("%s looks like a churn flag, but the rows are not customers (%s): no churn rate.", schema.QuoteName(c.Name), who))
			c.Dimension = true
		}
	}
}

// eventWords name a table whose rows are events of their own: tickets,
// answers, calls, orders.
var eventWords = []string{"ticket", "case", "incident", "request", "issue", "survey", "response", "answer", "feedback", "call", "chat",
	"order", "sale", "transaction", "purchase", "invoice"}

var genericIDWords = map[string]bool{"id": true, "key": true, "no": true, "num": true, "number": true, "nr": true, "uuid": true, "guid": true,
	"unique": true, "row": true, "index": true, "record": true, "code": true}

// ownEntity finds an identifier that makes each row a thing of its own
// (Ticket ID, call id, response_id, Order ID) beside the customer id: then
// the rows are tickets, calls or answers, however unique their customers.
// Generic keys (id, Unique Key, RowNumber) say nothing of what a row is.
func ownEntity(tp *TableProfile, customer *ColumnProfile) *ColumnProfile {
	customerRole := role("customer_id")
	for _, c := range tp.Columns {
		if c == customer || c.Kind != ColIdentifier || !unique(c) || nameScore(customerRole, c) >= 50 ||
			!schema.LooksLikeID(c.Name) && !isOrderNumber(c.Name) { // unique labels (Subject 0, Subject 1 …) are not ids
			continue
		}
		for _, t := range schema.Tokens(c.Name) {
			if !genericIDWords[t] && (t[0] < '0' || t[0] > '9') {
				return c
			}
		}
	}
	return nil
}

// customerWords name a table whose rows are customers.
var customerWords = []string{"customer", "client", "subscriber", "member", "account", "user", "churn"}

func churnFlag(c *ColumnProfile) bool {
	return schema.HasStem(schema.Tokens(c.Name), flagRules[0].stems...)
}

// tableHas reports whether a table already has a KPI with this id (before
// clashing ids are named after their tables).
func (in *Inference) tableHas(table, id string) bool {
	for _, k := range in.KPIs {
		if k.Source == table && k.Key() == id {
			return true
		}
	}
	return false
}

func (in *Inference) has(id string) bool {
	for _, k := range in.KPIs {
		if k.Key() == id {
			return true
		}
	}
	return false
}

// unique reports whether a column holds each value once.
func unique(c *ColumnProfile) bool { return c != nil && c.NonNull > 0 && c.Distinct == c.NonNull }

func (in *Inference) inferBuiltins() {
	// Every table that feeds a built-in gets it, as it would alone: a folder
	// of exports proposes what each file would (clashing ids are named after
	// their tables later, in name).
	picked := map[string][]mapping{}
	for _, b := range kpi.Catalog() {
		if b.Type == kpi.Composite {
			continue
		}
		var partial *mapping
		notCustomers := ""
		for _, tp := range in.Tables {
			m := mapBuiltin(b, tp)
			if len(m.columns) == 0 || m.noTime && onlyTimeRoles(b) {
				continue
			}
			if onlyTimeRoles(b) && m.timeVia != "" {
				continue // a KPI that is all time axis needs a column named for it
			}
			if b.Table == "customers" && !tp.Customers {
				// Retention and churn count customers: rows that are orders,
				// calls or service requests are not.
				if len(m.missing) == 0 && notCustomers == "" {
					notCustomers = tp.Name
				}
				continue
			}
			if len(m.missing) == 0 {
				picked[b.ID] = append(picked[b.ID], m)
			} else if n := m.essentialFound(); n > 0 && (partial == nil || n > partial.essentialFound() || n == partial.essentialFound() && m.score > partial.score) {
				partial = &m
			}
		}
		if len(picked[b.ID]) > 0 || b.Hidden {
			continue
		}
		ms := Missing{ID: b.ID, Name: b.Label()}
		essential, _, other := b.RoleUse()
		ms.Needs = append(essential, other...)
		if onlyTimeRoles(b) {
			ms.Needs = b.Roles
		}
		if partial != nil {
			ms.Table, ms.Needs = partial.table.Name, partial.missing
			for _, r := range b.Roles {
				if c, ok := partial.columns[r]; ok {
					ms.Has = append(ms.Has, KV{r, c})
				}
			}
		}
		if notCustomers != "" {
			ms.Note = fmt.Sprintf("needs customers (an id that identifies customers, one row per customer): the rows of %s are not customers", notCustomers)
		}
		in.Missing = append(in.Missing, ms)
	}
	in.noCreationNotes()
	// Composites need their inputs, each from one table; hidden inputs are
	// written out with their mapping so they read the user's tables, not
	// the standard ones.
	composite := map[string]bool{}
	for _, b := range kpi.Catalog() {
		if b.Type != kpi.Composite {
			continue
		}
		var lacking, several []string
		for _, dep := range uniq(b.Deps()) {
			switch n := len(picked[dep]); {
			case n == 0:
				lacking = append(lacking, dep)
			case n > 1:
				var ts []string
				for _, m := range picked[dep] {
					ts = append(ts, m.table.Name)
				}
				several = append(several, fmt.Sprintf("%s (in %s)", dep, strings.Join(ts, " and ")))
			}
		}
		switch {
		case len(lacking) > 0:
			var parts []string
			for _, dep := range lacking {
				db, _ := kpi.LookupBuiltin(dep)
				parts = append(parts, fmt.Sprintf("%s (%s)", dep, strings.Join(db.Roles, ", ")))
			}
			in.Missing = append(in.Missing, Missing{ID: b.ID, Name: b.Label(), Note: "needs the KPIs " + strings.Join(parts, " and ")})
			continue
		case len(several) > 0:
			in.Skipped = append(in.Skipped, Skipped{ID: b.ID, Reason: "its inputs come from more than one table: " + strings.Join(several, ", ") + "; define it by hand over the ones you mean"})
			continue
		}
		composite[b.ID] = true
	}
	used := map[string]bool{}
	for _, b := range kpi.Catalog() {
		if composite[b.ID] {
			in.KPIs = append(in.KPIs, &KPI{Use: b.ID, Name: b.Label(), Type: b.Type,
				Why: []string{fmt.Sprintf("%s: %s (from %s).", b.Label(), b.Description, strings.Join(uniq(b.Deps()), ", "))}})
			for _, dep := range b.Deps() {
				used[dep] = true
			}
			continue
		}
		if b.Hidden && !used[b.ID] {
			continue
		}
		for _, m := range picked[b.ID] {
			in.KPIs = append(in.KPIs, builtinKPI(m))
		}
	}
	// Hidden inputs come after the composites that pulled them in; catalog
	// order puts them before, so add any that were skipped.
	for _, b := range kpi.Catalog() {
		if ms := picked[b.ID]; len(ms) == 1 && b.Hidden && used[b.ID] && !in.has(b.ID) {
			in.KPIs = append(in.KPIs, builtinKPI(ms[0]))
		}
	}
	in.inputs = used
	sortMissing(in.Missing)
}

// noCreationNotes says, for each table that records when tickets were
// answered or resolved but not when they were opened, which KPIs that rules
// out, and which dates were not taken for the creation time.
func (in *Inference) noCreationNotes() {
	for _, tp := range in.Tables {
		var ruled []string
		for _, id := range []string{"resolution_time", "resolution_median", "first_response"} {
			b, _ := kpi.LookupBuiltin(id)
			m := mapBuiltin(b, tp)
			if _, ok := m.columns["created_at"]; ok {
				continue
			}
			_, res := m.columns["resolved_at"]
			_, resp := m.columns["first_response_at"]
			if res || resp {
				ruled = append(ruled, b.Label())
			}
		}
		tickets := schema.HasStem(schema.Tokens(tp.Name), "ticket", "case", "incident", "request", "issue")
		var other []string
		for _, c := range tp.Columns {
			tickets = tickets || timeEntity(c.Name) == "ticket"
			if c.Kind == ColTime && !sameEntity("created_at", c.Name) {
				other = append(other, fmt.Sprintf("%s dates %s", schema.QuoteName(c.Name), article(timeEntity(c.Name))))
			}
		}
		if len(ruled) == 0 || !tickets {
			continue
		}
		note := fmt.Sprintf("No creation time in %s, so no %s", tp.Name, strings.ToLower(cmdline.List(ruled, 5)))
		if len(other) > 0 {
			note += " (" + strings.Join(other, "; ") + ", not when a ticket was opened)"
		}
		tp.Notes = append(tp.Notes, note+".")
	}
}

func article(entity string) string {
	if entity == "order" {
		return "an order"
	}
	return "a " + entity
}

func sortMissing(ms []Missing) {
	pos := map[string]int{}
	for i, b := range kpi.Catalog() {
		pos[b.ID] = i
	}
	sort.SliceStable(ms, func(i, j int) bool { return pos[ms[i].ID] < pos[ms[j].ID] })
}

func onlyTimeRoles(b kpi.Builtin) bool {
	essential, _, other := b.RoleUse()
	return len(essential)+len(other) == 0 && len(b.Roles) > 0
}

// orderColumn finds a table's order id, if any.
func orderColumn(tp *TableProfile) (string, bool) {
	spec := role("order_id")
	for _, c := range tp.Columns {
		if fits(spec, c) && nameScore(spec, c) >= 50 {
			return c.Name, true
		}
	}
	return "", false
}

func builtinKPI(m mapping) *KPI {
	b := m.b
	k := &KPI{Use: b.ID, Name: b.Label(), Type: b.Type, Hidden: b.Hidden}
	if b.Type == kpi.Composite {
		k.Why = append(k.Why, fmt.Sprintf("%s: %s (from %s).", b.Label(), b.Description, strings.Join(uniq(b.Deps()), ", ")))
		return k
	}
	k.Source = m.table.Name
	if m.noTime {
		return unboundKPI(m)
	}
	for _, r := range b.Roles {
		if c, ok := m.columns[r]; ok {
			k.Columns = append(k.Columns, KV{r, c})
			if rk := role(r).Kind; rk.Numeric() || rk == schema.KindLabel || rk == schema.KindFlag {
				k.reads = append(k.reads, c)
			}
		}
	}
	desc := b.DescriptionFor(b.TimeRole())
	if c, ok := m.columns[b.TimeRole()]; ok {
		desc = b.DescriptionFor(c)
	}
	why := fmt.Sprintf("%s: %s.", b.Label(), desc)
	for _, r := range b.Roles {
		c, ok := m.columns[r]
		if !ok || role(r).Kind != schema.KindScore {
			continue
		}
		cp := m.table.Column(c)
		why = fmt.Sprintf("%s on %s, a %s score (%s blank): %s.", b.Label(), schema.QuoteName(c), cp.Scale, schema.Percent(cp.NullShare()), desc)
	}
	k.Why = append(k.Why, why)
	switch {
	case m.timeVia != "":
		k.Why = append(k.Why, fmt.Sprintf("No column named for %s in %s: periods follow %s.", m.timeVia, m.table.Name, schema.QuoteName(m.columns[m.timeVia])))
	}
	return k
}

// unboundKPI writes a built-in's formula out as a custom KPI: the engine
// wants every role of a built-in to name a time column, and a table without
// dates has none to give. Same formula, same target, no time axis.
func unboundKPI(m mapping) *KPI {
	b := m.b
	d := b.Bind(m.table.Name, m.columns)
	k := &KPI{ID: b.ID, Name: b.Label(), Short: b.Short, Source: m.table.Name, Type: d.Type, NoTime: true,
		Description: b.DescriptionFor(""),
		Numerator:   d.Numerator, Denominator: d.Denominator, Where: d.Where, Expr: d.Expr,
		Scale: d.Scale, Unit: d.Unit, Decimals: d.Decimals, Better: d.Better}
	if d.N != "" {
		k.N = d.N
	}
	for _, n := range d.InputNames() {
		k.Inputs = append(k.Inputs, KV{n, d.Inputs[n]})
	}
	for _, n := range d.ExtraNames() {
		k.Extras = append(k.Extras, KV{n, d.Extras[n]})
	}
	if t := b.Target; t != nil {
		k.Target = targetFlow(t)
	}
	var timeRoles []string
	for _, r := range b.Roles {
		if c, ok := m.columns[r]; ok {
			if rk := role(r).Kind; rk.Numeric() || rk == schema.KindFlag {
				k.reads = append(k.reads, c)
			}
		} else {
			timeRoles = append(timeRoles, r)
		}
	}
	why := fmt.Sprintf("%s: %s.", b.Label(), k.Description)
	for _, r := range b.Roles {
		if c, ok := m.columns[r]; ok && role(r).Kind == schema.KindScore {
			cp := m.table.Column(c)
			why = fmt.Sprintf("%s on %s, a %s score (%s blank): %s.", b.Label(), schema.QuoteName(c), cp.Scale, schema.Percent(cp.NullShare()), k.Description)
		}
	}
	k.Why = append(k.Why, why,
		fmt.Sprintf("The built-in %s's formula, written out: it needs a date for %s and %s has no date column,", b.ID, strings.Join(timeRoles, ", "), m.table.Name),
		"so this KPI has one all-time value and no trend.")
	return k
}

// decimalsOf is the number of decimals a target needs.
func decimalsOf(f float64) int {
	for d := 0; d < 4; d++ {
		p := math.Pow(10, float64(d))
		if math.Abs(math.Round(f*p)/p-f) < 1e-9 {
			return d
		}
	}
	return 4
}

// inferCustom adds custom KPIs where the data clearly supports one and no
// built-in covers it: flags and statuses become rates, durations means,
// spare scores their scale's usual KPI, purchases without order ids
// per-row averages.
func (in *Inference) inferCustom() {
	claimed := map[string]bool{} // table\x00column already read by a KPI
	for _, k := range in.KPIs {
		for _, c := range k.reads {
			claimed[k.Source+"\x00"+c] = true
		}
	}
	add := func(k *KPI) {
		if in.tableHas(k.Source, k.Key()) {
			in.Skipped = append(in.Skipped, Skipped{ID: k.Key(), Table: k.Source, Reason: fmt.Sprintf("%s already has a KPI with this id (%s)", k.Source, k.Name)})
			return
		}
		for _, c := range k.reads {
			claimed[k.Source+"\x00"+c] = true
		}
		in.KPIs = append(in.KPIs, k)
	}
	for _, tp := range in.Tables {
		answered := answeredFlag(tp)
		for _, c := range tp.Columns {
			if claimed[tp.Name+"\x00"+c.Name] {
				continue
			}
			switch c.Kind {
			case ColFlag, ColStatus:
				if k := flagKPI(tp, c, answered); k != nil {
					add(k)
				}
			case ColDuration:
				add(durationKPI(tp, c, answered))
			case ColScore:
				add(scoreKPI(tp, c, in.tableHas(tp.Name, "nps")))
			}
		}
		in.purchaseKPIs(tp, add)
	}
}

// answeredFlag finds a flag that says whether a call or ticket was answered:
// durations and resolution only count answered ones.
func answeredFlag(tp *TableProfile) *ColumnProfile {
	for _, c := range tp.Columns {
		if c.Kind == ColFlag && schema.HasStem(schema.Tokens(c.Name), "answered", "handled", "connected", "picked") {
			return c
		}
	}
	return nil
}

// trueCond is the SQL condition "this flag says yes".
func trueCond(c *ColumnProfile) string {
	q := quoteIdent(c.Name)
	switch {
	case schema.IsBool(c.Type):
		return q
	case schema.IsNumeric(c.Type):
		return q + " = " + c.True
	}
	return q + " = " + store.QuoteLiteral(c.True)
}

var nonIDChars = regexp.MustCompile(`[^a-z0-9]+`)

func idFrom(parts ...string) string {
	s := strings.Trim(nonIDChars.ReplaceAllString(strings.ToLower(strings.Join(parts, "_")), "_"), "_")
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		s = "k_" + s
	}
	return s
}

// label is a column name for people: unit words and brackets dropped,
// first letter capitalised ("speed of answer(seconds)" → "Speed of answer").
func label(name string) string {
	s := regexp.MustCompile(`\s*[\(\[][^\)\]]*[\)\]]\s*`).ReplaceAllString(name, " ")
	s = strings.TrimSpace(strings.Join(strings.Fields(strings.ReplaceAll(s, "_", " ")), " "))
	s = strings.TrimSpace(unitSuffix.ReplaceAllString(s, ""))
	if s == "" {
		s = name
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// unitSuffix is a unit at the end of a column name ("First reply time in
// minutes", "handle_time_secs"): the KPI's unit says it.
var unitSuffix = regexp.MustCompile(`(?i)(\s+in)?\s+(seconds|secs?|minutes|mins?|hours|hrs?|days)$`)

type flagRule struct {
	stems  []string
	id     string
	name   string
	better kpi.Polarity
	target string
}

var flagRules = []flagRule{
	{[]string{"churn", "attrition", "attrited", "exited", "cancel", "terminated", "lapsed"}, "churn_rate", "Churn rate", kpi.Lower, ""},
	{[]string{"resolved", "solved", "fcr"}, "fcr", "First contact resolution", kpi.Higher, "{value: 70, warn: 65}"},
	{[]string{"answered", "handled", "connected", "picked"}, "answer_rate", "Answer rate", kpi.Higher, "{value: 90, warn: 85}"},
	{[]string{"abandon"}, "abandon_rate", "Abandonment rate", kpi.Lower, "{value: 5, warn: 8}"},
	{[]string{"escalat"}, "escalation_rate", "Escalation rate", kpi.Lower, ""},
	{[]string{"convert", "conversion"}, "conversion_rate", "Conversion rate", kpi.Higher, ""},
	{[]string{"renew", "retained"}, "renewal_rate", "Renewal rate", kpi.Higher, ""},
	{[]string{"refund", "returned", "complain"}, "", "", kpi.Lower, ""},
}

// flagKPI turns a yes/no flag or a status column into a rate, when its name
// says what it measures.
func flagKPI(tp *TableProfile, c *ColumnProfile, answered *ColumnProfile) *KPI {
	toks := schema.Tokens(c.Name)
	var rule *flagRule
	for i := range flagRules {
		if schema.HasStem(toks, flagRules[i].stems...) {
			rule = &flagRules[i]
			break
		}
	}
	if c.Kind == ColStatus {
		rule = &flagRules[0]
	}
	if rule == nil || rule.id == "churn_rate" && !tp.Customers {
		return nil // churn counts customers; markCustomers said why not here
	}
	k := &KPI{ID: rule.id, Name: rule.name, Source: tp.Name, Type: kpi.Ratio, Scale: 100, Unit: "%", Decimals: 1,
		Better: rule.better, TargetHint: rule.target, reads: []string{c.Name}}
	if k.ID == "" {
		k.ID, k.Name = idFrom(c.Name, "rate"), label(c.Name)+" rate"
	}
	q := quoteIdent(c.Name)
	k.Numerator = fmt.Sprintf("count(*) FILTER (WHERE %s)", trueCond(c))
	k.Denominator = fmt.Sprintf("count(%s)", q)
	switch {
	case c.Kind == ColStatus:
		k.Numerator = fmt.Sprintf("count(*) FILTER (WHERE %s = %s)", q, store.QuoteLiteral(c.True))
		k.Description = fmt.Sprintf("customers whose %s is %s / customers", c.Name, c.True)
		k.Why = append(k.Why, fmt.Sprintf("%s is a customer status (%s): churn rate = %s / customers.", schema.QuoteName(c.Name), valueList(c), c.True))
		if c.Joined != "" {
			k.Denominator = fmt.Sprintf("count(*) FILTER (WHERE %s <> %s)", q, store.QuoteLiteral(c.Joined))
			k.Description = fmt.Sprintf("customers whose %s is %s / customers who were not %s in the period", c.Name, c.True, c.Joined)
			k.Why = append(k.Why, fmt.Sprintf("%q customers joined during the period, so they are left out of the denominator", c.Joined),
				"(never divide by the ending count); customers who joined and left inside it still count as churned.")
		}
	case rule.id == "churn_rate":
		k.Description = fmt.Sprintf("customers flagged %s = %s / customers", c.Name, c.True)
		k.Why = append(k.Why, fmt.Sprintf("%s is a churn flag (%s): churn rate = flagged / customers, the snapshot form.", schema.QuoteName(c.Name), valueList(c)))
	case rule.id == "fcr":
		k.Description = fmt.Sprintf("contacts resolved there and then (%s = %s) / contacts", c.Name, c.True)
		k.Why = append(k.Why, fmt.Sprintf("%s is a resolved flag (%s), one row per contact: FCR as the file records it.", schema.QuoteName(c.Name), valueList(c)))
	default:
		k.Description = fmt.Sprintf("rows with %s = %s / rows", c.Name, c.True)
		k.Why = append(k.Why, fmt.Sprintf("%s is a yes/no flag (%s).", schema.QuoteName(c.Name), valueList(c)))
	}
	if answered != nil && answered != c && rule.id != "answer_rate" && rule.id != "abandon_rate" && c.Kind != ColStatus && rule.id != "churn_rate" {
		k.Where = trueCond(answered)
		k.Denominator = "count(*)"
		k.Description += ", answered only"
		k.Why = append(k.Why, fmt.Sprintf("Only answered rows count (%s): unanswered ones were never a chance to resolve.", schema.QuoteName(answered.Name)))
	}
	if rule.id == "churn_rate" || c.Kind == ColStatus {
		k.NoTime = true
		k.Why = append(k.Why, "A snapshot flag has no date to attribute churn to: one all-time value, no time axis.",
			"No target is suggested: the share of a file's customers who ever left has no common goal (the built-in churn's is a rate per year).")
	}
	return k
}

func valueList(c *ColumnProfile) string {
	var vs []string
	for _, v := range c.Values {
		vs = append(vs, v.Value)
	}
	if len(vs) == 0 {
		return "true/false"
	}
	return strings.Join(vs, "/")
}

var unitNames = map[string]string{"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

func durationKPI(tp *TableProfile, c *ColumnProfile, answered *ColumnProfile) *KPI {
	q := quoteIdent(c.Name)
	k := &KPI{ID: idFrom("avg", c.Name), Name: label(c.Name), Source: tp.Name, Type: kpi.Ratio,
		Numerator: fmt.Sprintf("sum(%s)", q), Denominator: fmt.Sprintf("count(%s)", q),
		Extras: []KV{{"median", fmt.Sprintf("quantile_cont(%s, 0.5)", q)}},
		Unit:   c.Unit, Decimals: 1, Better: kpi.Lower, reads: []string{c.Name}}
	if !strings.HasPrefix(strings.ToLower(k.Name), "avg") && !strings.HasPrefix(strings.ToLower(k.Name), "mean") {
		k.Name = "Avg " + strings.ToLower(k.Name[:1]) + k.Name[1:]
	}
	if c.Unit == "s" {
		k.Decimals = 0
	}
	unit := unitNames[c.Unit]
	k.Description = "mean " + strings.ToLower(label(c.Name)[:1]) + label(c.Name)[1:]
	if unit != "" {
		k.Description += " in " + unit
	}
	k.Why = append(k.Why, fmt.Sprintf("%s is a duration (%s … %s%s): the mean as sum / count, the median beside it.",
		schema.QuoteName(c.Name), c.Min, c.Max, map[bool]string{true: " " + unit, false: ""}[unit != ""]))
	if unit == "" {
		k.Why = append(k.Why, "Its unit is not in its name: set unit: (s, m, h) if you know it.")
	}
	if answered != nil {
		k.Where = trueCond(answered)
		k.Description += ", answered only"
		k.Why = append(k.Why, fmt.Sprintf("Only answered rows count (%s): unanswered ones are excluded, not averaged as 0.", schema.QuoteName(answered.Name)))
	}
	return k
}

// scoreKPI is the usual KPI of a score that no built-in took: NPS for 0–10,
// % top-2-box for 1–5 (mean effort, lower is better, for a 1–5 effort
// scale), % 5–7 for 1–7.
func scoreKPI(tp *TableProfile, c *ColumnProfile, haveNPS bool) *KPI {
	q := quoteIdent(c.Name)
	s := *c.Scale
	k := &KPI{Source: tp.Name, Name: label(c.Name), reads: []string{c.Name}}
	switch {
	case s == schema.Scale10:
		k.ID, k.Type = "nps", kpi.Formula
		if haveNPS {
			k.ID = idFrom("nps", c.Name)
		}
		k.Name, k.Short = "NPS · "+label(c.Name), "NPS"
		k.Inputs = []KV{
			{"promoters", fmt.Sprintf("count(*) FILTER (WHERE %s >= 9)", q)},
			{"detractors", fmt.Sprintf("count(*) FILTER (WHERE %s <= 6)", q)},
			{"n", fmt.Sprintf("count(%s)", q)},
		}
		k.Expr = "100.0 * (promoters - detractors) / n"
		k.Decimals, k.Better, k.TargetHint = 0, kpi.Higher, "{value: 50, warn: 40}"
		k.Description = fmt.Sprintf("%% promoters (9–10) − %% detractors (0–6) of %s", c.Name)
		k.Why = append(k.Why, fmt.Sprintf("%s is a 0–10 score: NPS, passives (7–8) stay in the denominator.", schema.QuoteName(c.Name)))
	case s == schema.Scale5 && schema.HasStem(schema.Tokens(c.Name), "effort"):
		k.ID, k.Type = idFrom("avg", c.Name), kpi.Ratio
		k.Numerator, k.Denominator = fmt.Sprintf("sum(%s)", q), fmt.Sprintf("count(%s)", q)
		k.Decimals, k.Better = 2, kpi.Lower
		k.Description = fmt.Sprintf("mean %s on its 1–5 scale (lower = less effort)", c.Name)
		k.Why = append(k.Why, fmt.Sprintf("%s is a 1–5 effort score (legacy CES): the mean, lower is better.", schema.QuoteName(c.Name)))
	default:
		top := s.Max - 1
		if s == schema.Scale7 {
			top = 5
		}
		k.ID, k.Type = idFrom(c.Name, "top_box"), kpi.Ratio
		k.Name += fmt.Sprintf(" · %% %d–%d", top, s.Max)
		k.Numerator, k.Denominator = fmt.Sprintf("count(*) FILTER (WHERE %s >= %d)", q, top), fmt.Sprintf("count(%s)", q)
		k.Extras = []KV{{"mean score", fmt.Sprintf("avg(%s)", q)}}
		k.Scale, k.Unit, k.Decimals, k.Better = 100, "%", 1, kpi.Higher
		k.Description = fmt.Sprintf("%% of answers %d–%d on the %s scale of %s", top, s.Max, s, c.Name)
		k.Why = append(k.Why, fmt.Sprintf("%s is a %s score: %% of answers %d–%d, the mean beside it.", schema.QuoteName(c.Name), s, top, s.Max))
	}
	return k
}

// purchaseKPIs covers purchase files without an order id (each row is one
// purchase), where the built-ins that count distinct orders cannot run, and
// adds a profit margin where a profit column sits beside the amount.
func (in *Inference) purchaseKPIs(tp *TableProfile, add func(*KPI)) {
	amount, customer := bestRole(tp, "amount", 10), bestRole(tp, "customer_id", 50)
	if amount == nil {
		in.lineValueKPI(tp, add)
		return
	}
	_, hasOrder := orderColumn(tp)
	a := quoteIdent(amount.Name)
	if !hasOrder && customer != nil && !unique(customer) && tp.Time != "" && purchaseRows(tp, customer) {
		cu := quoteIdent(customer.Name)
		if !in.tableHas(tp.Name, "avg_purchase") {
			add(&KPI{ID: "avg_purchase", Name: "Avg purchase value", Source: tp.Name, Type: kpi.Ratio,
				Numerator: fmt.Sprintf("sum(%s)", a), Denominator: fmt.Sprintf("count(%s)", a), Unit: "$", Decimals: 2, Better: kpi.Higher,
				Description: fmt.Sprintf("%s per purchase, one row per purchase", amount.Name), TargetHint: "{value: 100, warn: 90}",
				Why: []string{fmt.Sprintf("%s has no order id: each row is one purchase of %s by %s.", tp.Name, schema.QuoteName(amount.Name), schema.QuoteName(customer.Name)),
					fmt.Sprintf("Avg purchase value = sum / rows with %s (the built-in counts distinct order ids; rows with no amount are left out).", schema.QuoteName(amount.Name))}})
		}
		if !in.tableHas(tp.Name, "repeat_rate") {
			add(&KPI{ID: "repeat_rate", Name: "Repeat purchase rate", Source: tp.Name, Type: kpi.Ratio,
				Numerator:   fmt.Sprintf("list_count(list_filter(map_values(histogram(%s)), x -> x >= 2))", cu),
				Denominator: fmt.Sprintf("count(DISTINCT %s)", cu), Scale: 100, Unit: "%", Decimals: 1, Better: kpi.Higher,
				Description: "customers with 2+ purchases / customers with 1+ purchase in the period",
				Why:         []string{"Repeat purchase rate = customers with 2+ purchase rows / customers who bought, in the period."}})
		}
		if !in.tableHas(tp.Name, "purchase_frequency") {
			add(&KPI{ID: "purchase_frequency", Name: "Purchase frequency", Source: tp.Name, Type: kpi.Ratio,
				Numerator: "count(*)", Denominator: fmt.Sprintf("count(DISTINCT %s)", cu), Unit: "×", Decimals: 2, Better: kpi.Higher,
				Description: "purchases / distinct customers who bought in the period", TargetHint: "{value: 1.15, warn: 1.1}",
				Why: []string{"Purchase frequency = purchases (rows) / distinct customers, recounted at every grain."}})
		}
	}
	for _, c := range tp.Columns {
		if c.Kind == ColAmount && c != amount && schema.HasStem(schema.Tokens(c.Name), "profit", "margin") && !in.tableHas(tp.Name, "profit_margin") {
			p := quoteIdent(c.Name)
			n := "count(*)"
			if oc, ok := orderColumn(tp); ok {
				n = fmt.Sprintf("count(DISTINCT %s)", quoteIdent(oc))
			}
			add(&KPI{ID: "profit_margin", N: n, Name: "Profit margin", Source: tp.Name, Type: kpi.Ratio,
				Numerator: fmt.Sprintf("sum(%s)", p), Denominator: fmt.Sprintf("sum(%s)", a), Scale: 100, Unit: "%", Decimals: 1, Better: kpi.Higher,
				Description: fmt.Sprintf("sum of %s / sum of %s", c.Name, amount.Name),
				Why:         []string{fmt.Sprintf("%s beside %s: margin = sum / sum (a ratio of sums, never the mean of row margins).", schema.QuoteName(c.Name), schema.QuoteName(amount.Name))}})
		}
	}
}

// purchaseWords name a table whose rows are purchases.
var purchaseWords = []string{"order", "sale", "transaction", "purchase", "invoice", "receipt", "payment", "basket", "cart"}

// purchaseRows reports whether a table without an order id holds one
// purchase a row: its name says so (purchases.csv, Sales), or nothing else
// gives the rows an id of their own. A survey's response_id, a ticket's
// Ticket ID or a call id make the rows answers, tickets or calls, whatever
// amount sits beside them; a transaction_id is a purchase's own id.
func purchaseRows(tp *TableProfile, customer *ColumnProfile) bool {
	if schema.HasStem(schema.Tokens(tp.Name), purchaseWords...) {
		return true
	}
	own := ownEntity(tp, customer)
	return own == nil || schema.HasStem(schema.Tokens(own.Name), purchaseWords...)
}

// lineValueKPI covers order lines that hold a unit price and a quantity but
// no line amount (Online Retail's Quantity × UnitPrice): the average order
// value is their product summed over distinct orders. A unit price alone is
// never taken for an order's value.
func (in *Inference) lineValueKPI(tp *TableProfile, add func(*KPI)) {
	oc, hasOrder := orderColumn(tp)
	if !hasOrder || tp.Time == "" || in.tableHas(tp.Name, "avg_purchase") {
		return
	}
	var price, qty *ColumnProfile
	for _, c := range tp.Columns {
		switch {
		case price == nil && schema.IsNumeric(c.Type) && isUnitPrice(schema.Tokens(c.Name)):
			price = c
		case qty == nil && c.Kind == ColCount && schema.HasStem(schema.Tokens(c.Name), "quantit", "qty", "units"):
			qty = c
		}
	}
	if price == nil || qty == nil {
		return
	}
	p, q, o := quoteIdent(price.Name), quoteIdent(qty.Name), quoteIdent(oc)
	add(&KPI{ID: "avg_purchase", Name: "Avg purchase value", Source: tp.Name, Type: kpi.Ratio,
		Numerator: fmt.Sprintf("sum(%s * %s)", q, p), Denominator: fmt.Sprintf("count(DISTINCT %s)", o), Unit: "$", Decimals: 2, Better: kpi.Higher,
		Description: fmt.Sprintf("sum of %s × %s / distinct %s", qty.Name, price.Name, oc),
		Why: []string{fmt.Sprintf("No amount column: %s is a price per unit, so an order's value is %s × %s, summed over its lines.", schema.QuoteName(price.Name), schema.QuoteName(qty.Name), schema.QuoteName(price.Name)),
			fmt.Sprintf("Avg purchase value = that sum / distinct %s (negative quantities, returns, reduce it).", schema.QuoteName(oc))},
		reads: []string{price.Name, qty.Name}})
}

// isUnitPrice reports whether a column's name says it is a price per unit
// (UnitPrice, PRICEEACH, price_per_unit): not an order's or a line's value.
func isUnitPrice(toks []string) bool {
	compact := strings.Join(toks, "")
	return strings.Contains(compact, "unitprice") || strings.Contains(compact, "priceeach") || strings.Contains(compact, "priceperunit") ||
		schema.HasStem(toks, "price") && schema.HasWord(toks, "unit", "each", "per")
}

func bestRole(tp *TableProfile, name string, min int) *ColumnProfile {
	spec := role(name)
	var best *ColumnProfile
	bestScore := 0
	for _, c := range tp.Columns {
		if !fits(spec, c) {
			continue
		}
		sc := nameScore(spec, c)
		if spec.Kind == schema.KindID && c.Kind == ColIdentifier {
			sc += 5
		}
		if sc >= min && sc > bestScore {
			best, bestScore = c, sc
		}
	}
	return best
}

var segmentStems = []string{"segment", "region", "plan", "contract", "channel", "tier", "category", "type", "country", "state", "topic",
	"team", "agent", "priority", "gender", "payment", "offer", "airline", "product", "source", "queue", "department", "market", "mode", "service", "internet"}

func (in *Inference) inferDimensions() {
	taken := map[string]bool{}
	for _, k := range in.KPIs {
		for _, c := range k.reads {
			taken[k.Source+"\x00"+c] = true
		}
	}
	type cand struct {
		name  string
		score int
	}
	var cands []cand
	seen := map[string]bool{}
	for _, tp := range in.Tables {
		for _, c := range tp.Columns {
			if !c.Dimension || taken[tp.Name+"\x00"+c.Name] || seen[c.Name] {
				continue
			}
			seen[c.Name] = true
			s := 0
			if schema.HasStem(schema.Tokens(c.Name), segmentStems...) {
				s += 10
			}
			switch {
			case c.Distinct >= 3 && c.Distinct <= 20:
				s += 5
			case c.Distinct == 2:
				s += 2
			default:
				s++
			}
			if schema.IsText(c.Type) {
				s++
			}
			cands = append(cands, cand{c.Name, s})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	for i, c := range cands {
		if i < 10 {
			in.Dimensions = append(in.Dimensions, c.name)
		} else {
			in.MoreDimensions = append(in.MoreDimensions, c.name)
		}
	}
}

// inferCustomers links tables to a customer-level table by its customer id,
// when another table carries a column of the same name whose ids are (mostly)
// found in it: a shared column name alone does not make two files one
// customer base.
func (in *Inference) inferCustomers(ctx context.Context, db *store.DB) error {
	if len(in.Tables) < 2 {
		return nil
	}
	for _, tp := range in.Tables {
		c := tp.Column(tp.Customer)
		if c == nil || !unique(c) {
			continue
		}
		for _, other := range in.Tables {
			oc := other.Column(c.Name)
			if other == tp || oc == nil {
				continue
			}
			r, err := db.Query(ctx, fmt.Sprintf("SELECT count(DISTINCT o.k), count(DISTINCT o.k) FILTER (WHERE o.k IN (SELECT CAST(%s AS VARCHAR) FROM %s)) FROM (SELECT CAST(%s AS VARCHAR) AS k FROM %s) o",
				store.QuoteIdent(c.Name), tp.relation(), store.QuoteIdent(oc.Name), other.relation()))
			if err != nil {
				return err
			}
			all, found := store.Int(r.Data[0][0]), store.Int(r.Data[0][1])
			if all > 0 && float64(found) >= 0.5*float64(all) {
				in.Customers = &Customers{Source: tp.Name, Key: c.Name}
				return nil
			}
		}
	}
	return nil
}

// name gives custom KPIs a short label and, when they write out a
// built-in's formula under its id, the built-in's default target; then
// names after its table every KPI whose id another table's KPI has too, and
// skips (saying why) any that would still clash.
func (in *Inference) name() {
	for _, k := range in.KPIs {
		if k.Use != "" {
			continue
		}
		if b, ok := kpi.LookupBuiltin(k.ID); ok && b.Type != kpi.Composite {
			if k.Short == "" {
				k.Short = b.Short
			}
			if k.Target == "" && b.Target != nil {
				k.Target, k.TargetHint = targetFlow(b.Target), ""
				k.Why = append(k.Why, fmt.Sprintf("Target: the built-in %s's default.", b.ID))
			}
		}
		if k.Short == "" {
			k.Short = shortName(k.Name)
		}
	}
	count := map[string]int{}
	for _, k := range in.KPIs {
		count[k.Key()]++
	}
	for _, k := range in.KPIs {
		key := k.Key()
		if count[key] < 2 || k.Source == "" || k.Use != "" && k.ID == "" && in.inputs[key] {
			continue
		}
		if k.Use != "" {
			k.ID = k.Use
		}
		k.ID = idFrom(k.ID, k.Source)
		k.Name += " · " + k.Source
		k.Why = append(k.Why, fmt.Sprintf("Named after its table: more than one table has a KPI called %s.", key))
		in.Renamed = append(in.Renamed, KV{key, k.ID})
	}
	seen := map[string]bool{}
	var keep []*KPI
	for _, k := range in.KPIs {
		if seen[k.Key()] {
			in.Skipped = append(in.Skipped, Skipped{ID: k.Key(), Table: k.Source, Reason: "another KPI already has this id"})
			continue
		}
		seen[k.Key()] = true
		keep = append(keep, k)
	}
	in.KPIs = keep
}

// targetFlow writes a target as a YAML flow map.
func targetFlow(t *kpi.Target) string {
	s := fmt.Sprintf("{value: %s", kpi.FormatFloat(t.Value, decimalsOf(t.Value)))
	if t.Warn != nil {
		s += fmt.Sprintf(", warn: %s", kpi.FormatFloat(*t.Warn, decimalsOf(*t.Warn)))
	}
	if t.Grain != "" {
		s += ", grain: " + string(t.Grain)
	}
	return s + "}"
}

var fillerWords = map[string]bool{"of": true, "the": true, "to": true, "a": true, "an": true, "in": true, "per": true, "on": true, "for": true, "·": true}

// shortLen is the longest label the narrow list shows whole.
const shortLen = 14

// shortName is a label for narrow screens: the name without filler words,
// cut at shortLen; "" when the name fits.
func shortName(name string) string {
	if len([]rune(name)) <= shortLen {
		return ""
	}
	ws := strings.Fields(name)
	fits := func() bool { return len([]rune(strings.Join(ws, " "))) <= shortLen }
	// Words go, least telling first, until the rest fits: "Avg first reply
	// time" → "First reply", "Avg full resolution time" → "Resolution".
	for _, drop := range []map[string]bool{meanWords, fillerWords, vagueWords} {
		if fits() {
			break
		}
		var kept []string
		for _, w := range ws {
			if !drop[strings.ToLower(w)] {
				kept = append(kept, w)
			}
		}
		if len(kept) > 0 {
			ws = kept
		}
	}
	// Still too long: the leading words that fit, never a word cut short
	// except a first word longer than the column ("Satisfaction…" → "Satisfactio.").
	for len(ws) > 1 && !fits() {
		ws = ws[:len(ws)-1]
	}
	s := []rune(strings.Join(ws, " "))
	if len(s) > shortLen {
		s = append(s[:shortLen-1], '.')
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// meanWords and vagueWords are what a short name does without first: the
// unit and the KPI's description say it is a mean of a time.
var (
	meanWords  = map[string]bool{"avg": true, "average": true, "mean": true}
	vagueWords = map[string]bool{"time": true, "full": true, "total": true, "overall": true, "duration": true}
)

// validate runs the inferred definitions through the config parser and the
// engine's own checks, and drops those it rejects (with the reason).
func (in *Inference) validate(ctx context.Context, db *store.DB) error {
	for range in.KPIs {
		defs, opt, err := in.Defs()
		if err != nil {
			return err
		}
		eng, err := kpi.New(ctx, db, defs, opt)
		if err != nil {
			return err
		}
		probs := eng.Problems()
		if len(probs) == 0 {
			return nil
		}
		var keep []*KPI
		for _, k := range in.KPIs {
			if err := probs[k.Key()]; err != nil {
				in.Dropped = append(in.Dropped, Dropped{KPI: k, Err: err})
				continue
			}
			keep = append(keep, k)
		}
		if len(keep) == len(in.KPIs) { // a problem on a definition we did not write
			return nil
		}
		in.KPIs = keep
	}
	return nil
}

// Defs turns the inference into engine definitions and options (dimensions,
// customers link, label), by parsing the YAML it renders: the explorer's
// inferred KPIs are exactly those a saved kpiscope.yaml would give.
func (in *Inference) Defs() ([]*kpi.Def, kpi.Options, error) {
	text := in.YAML(YAMLOptions{Header: false})
	cfg, err := config.Parse("inferred kpiscope.yaml", []byte(text))
	if err != nil {
		return nil, kpi.Options{}, fmt.Errorf("inferred config does not parse (a bug in kpiscope init): %w", err)
	}
	defs, err := cfg.Defs(nil)
	if err != nil {
		return nil, kpi.Options{}, err
	}
	// The YAML above was never written to a file: say where the definition
	// came from instead of a line of "inferred kpiscope.yaml".
	for _, d := range defs {
		d.Origin = "inferred from " + in.Label()
		for _, t := range in.Tables {
			switch {
			case t.Name != d.Source || len(t.Files) == 0:
			case len(t.Files) == 1:
				d.Origin = "inferred from " + baseName(t.Files[0])
			default:
				d.Origin = fmt.Sprintf("inferred from %s (%s)", t.Name, cmdline.Count(len(t.Files), "file"))
			}
		}
	}
	return defs, kpi.Options{Dimensions: cfg.Dimensions, Customers: cfg.Customers, CustomerKey: cfg.CustomerKey, Label: in.Label(), RecordTime: cfg.SourceTime}, nil
}

// Label names the data: the files the tables came from.
func (in *Inference) Label() string {
	var names []string
	for _, t := range in.Tables {
		if len(t.Files) == 1 {
			names = append(names, baseName(t.Files[0]))
		} else {
			names = append(names, t.Name)
		}
	}
	return cmdline.List(names, 5)
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func uniq(ss []string) []string {
	var out []string
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}
