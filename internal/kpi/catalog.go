package kpi

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"kpiscope/internal/schema"
	"kpiscope/internal/store"
)

// Builtin is a catalog entry: a definition over the standard data model with
// {role} placeholders for the columns it reads, so a config can map each role
// onto a differently named column.
type Builtin struct {
	Def
	Table string   // the standard table it reads (empty for composites)
	Roles []string // column roles it needs, in the standard table
}

func ptr(f float64) *float64 { return &f }

const (
	resolvedOK  = "{resolved_at} >= {created_at}"
	resolveSecs = "date_diff('second', {created_at}, {resolved_at})"
	respondOK   = "{first_response_at} >= {created_at}"
	respondSecs = "date_diff('second', {created_at}, {first_response_at})"
	activeStart = "{signup_date} < period_start AND (CAST({churn_date} AS DATE) IS NULL OR CAST({churn_date} AS DATE) >= period_start)"
	// A reopened column is a flag or a count, typed as the export has it:
	// BOOLEAN, a number, or text (yes/no, true/false, y/n, 1/0). Read as
	// text, each of those is one of the words below or a number; anything
	// else (blank, "unknown") is not known and is left out of the rate.
	reopenText = "lower(trim(CAST({reopened} AS VARCHAR)))"
	reopenNum  = "TRY_CAST(" + reopenText + " AS DOUBLE)"
	reopenYes  = "(" + reopenText + " IN ('true', 't', 'yes', 'y') OR " + reopenNum + " >= 1)"
	reopenKnow = "(" + reopenText + " IN ('true', 't', 'yes', 'y', 'false', 'f', 'no', 'n') OR " + reopenNum + " >= 0)"
)

// catalog is the built-in KPI list, in scorecard order.
var catalog = []Builtin{
	{Table: "tickets", Roles: []string{"csat", "resolved_at"}, Def: Def{
		ID: "csat", Name: "CSAT", Description: "% of ratings which scored 4–5 of 5 (top-2-box; answers off the scale are left out), by resolved date",
		Type: Ratio, Numerator: "count(*) FILTER (WHERE {csat} BETWEEN 4 AND 5)", Denominator: "count(*) FILTER (WHERE {csat} BETWEEN 1 AND 5)",
		Extras: map[string]string{"mean score": "avg({csat}) FILTER (WHERE {csat} BETWEEN 1 AND 5)"},
		Scale:  100, Unit: "%", Decimals: 1, Better: Higher, Time: "{resolved_at}",
		Target: &Target{Value: 80, Warn: ptr(75)}}},
	{Table: "surveys", Roles: []string{"nps", "responded_at"}, Def: Def{
		ID: "nps", Name: "NPS", Description: "% promoters (9–10) − % detractors (0–6) of 0–10 answers, by response date",
		Type: Formula, Inputs: map[string]string{
			"promoters":  "count(*) FILTER (WHERE {nps} BETWEEN 9 AND 10)",
			"detractors": "count(*) FILTER (WHERE {nps} BETWEEN 0 AND 6)",
			"n":          "count(*) FILTER (WHERE {nps} BETWEEN 0 AND 10)"},
		Expr: "100.0 * (promoters - detractors) / n", Decimals: 0, Better: Higher, Time: "{responded_at}",
		Target: &Target{Value: 50, Warn: ptr(40)}}},
	{Table: "tickets", Roles: []string{"ces", "resolved_at"}, Def: Def{
		ID: "ces", Name: "CES · % easy", Short: "CES", Description: "% of answers 5–7 on the 1–7 \"made it easy\" scale (CES 2.0), by resolved date",
		Type: Ratio, Numerator: "count(*) FILTER (WHERE {ces} BETWEEN 5 AND 7)", Denominator: "count(*) FILTER (WHERE {ces} BETWEEN 1 AND 7)",
		Extras: map[string]string{"mean score": "avg({ces}) FILTER (WHERE {ces} BETWEEN 1 AND 7)"},
		Scale:  100, Unit: "%", Decimals: 1, Better: Higher, Time: "{resolved_at}",
		Target: &Target{Value: 75, Warn: ptr(70)}}},
	{Table: "customers", Roles: []string{"signup_date", "churn_date"}, Def: Def{
		ID: "retention", Name: "Retention", Description: "customers active at period start still active at its end (cohort form)",
		Type: Cohort, Inputs: map[string]string{
			"active_start": "count(*) FILTER (WHERE " + activeStart + ")",
			"retained":     "count(*) FILTER (WHERE {signup_date} < period_start AND (CAST({churn_date} AS DATE) IS NULL OR CAST({churn_date} AS DATE) >= period_end))"},
		Expr: "100.0 * retained / active_start", N: "active_start",
		Decimals: 1, Unit: "%", Better: Higher, Time: "{signup_date}",
		Target: &Target{Value: 90, Warn: ptr(85), Grain: Year, Compound: true}}},
	{Table: "customers", Roles: []string{"signup_date", "churn_date"}, Def: Def{
		ID: "churn", Name: "Churn", Description: "customers active at period start who churned during it / active at start",
		Type: Cohort, Inputs: map[string]string{
			"active_start": "count(*) FILTER (WHERE " + activeStart + ")",
			"churned":      "count(*) FILTER (WHERE {signup_date} < period_start AND CAST({churn_date} AS DATE) >= period_start AND CAST({churn_date} AS DATE) < period_end)"},
		Expr: "100.0 * churned / active_start", N: "active_start",
		Decimals: 2, Unit: "%", Better: Lower, Time: "{signup_date}",
		Target: &Target{Value: 10, Warn: ptr(15), Grain: Year, Compound: true}}},
	{Table: "tickets", Roles: []string{"created_at", "resolved_at"}, Def: Def{
		ID: "resolution_time", Name: "Resolution time", Short: "Resolution", Description: "mean hours from created to resolved, resolved tickets, by resolved date",
		Type: Ratio, Numerator: "sum(" + resolveSecs + ") FILTER (WHERE " + resolvedOK + ") / 3600.0", Denominator: "count(*) FILTER (WHERE " + resolvedOK + ")",
		Extras: map[string]string{
			"median": "quantile_cont(" + resolveSecs + " / 3600.0, 0.5) FILTER (WHERE " + resolvedOK + ")",
			"p90":    "quantile_cont(" + resolveSecs + " / 3600.0, 0.9) FILTER (WHERE " + resolvedOK + ")"},
		Unit: "h", Decimals: 1, Better: Lower, Time: "{resolved_at}",
		Target: &Target{Value: 24, Warn: ptr(36)}}},
	{Table: "tickets", Roles: []string{"created_at", "resolved_at"}, Def: Def{
		ID: "resolution_median", Name: "Resolution time (median)", Short: "Resol. median", Description: "median hours from created to resolved, by resolved date",
		Type: Formula, Inputs: map[string]string{
			"median": "quantile_cont(" + resolveSecs + " / 3600.0, 0.5) FILTER (WHERE " + resolvedOK + ")",
			"n":      "count(*) FILTER (WHERE " + resolvedOK + ")"},
		Expr: "median", Unit: "h", Decimals: 1, Better: Lower, Time: "{resolved_at}",
		Target: &Target{Value: 12, Warn: ptr(18)}}},
	{Table: "tickets", Roles: []string{"contacts", "resolved_at"}, Def: Def{
		ID: "fcr", Name: "First contact resolution", Short: "FCR", Description: "resolved tickets closed on the first contact / resolved tickets",
		Type: Ratio, Numerator: "count(*) FILTER (WHERE {contacts} = 1 AND {resolved_at} IS NOT NULL)", Denominator: "count({resolved_at})",
		Scale: 100, Unit: "%", Decimals: 1, Better: Higher, Time: "{resolved_at}",
		Target: &Target{Value: 70, Warn: ptr(65)}}},
	{Table: "tickets", Roles: []string{"created_at", "first_response_at"}, Def: Def{
		ID: "first_response", Name: "First response time", Short: "1st response", Description: "mean hours from created to first response, answered tickets, by created date",
		Type: Ratio, Numerator: "sum(" + respondSecs + ") FILTER (WHERE " + respondOK + ") / 3600.0", Denominator: "count(*) FILTER (WHERE " + respondOK + ")",
		Extras: map[string]string{"median": "quantile_cont(" + respondSecs + " / 3600.0, 0.5) FILTER (WHERE " + respondOK + ")"},
		Unit:   "h", Decimals: 1, Better: Lower, Time: "{created_at}",
		Target: &Target{Value: 2, Warn: ptr(4)}}},
	{Table: "surveys", Roles: []string{"sent_at", "responded_at"}, Def: Def{
		ID: "response_rate", Name: "Feedback response rate", Short: "Response rate", Description: "surveys answered / surveys sent, by send date",
		Type: Ratio, Numerator: "count({responded_at})", Denominator: "count(*)",
		Scale: 100, Unit: "%", Decimals: 1, Better: Higher, Time: "{sent_at}",
		Target: &Target{Value: 25, Warn: ptr(20)}}},
	{Table: "orders", Roles: []string{"amount", "order_id", "order_date"}, Def: Def{
		ID: "avg_purchase", Name: "Avg purchase value", Short: "Avg purchase", Description: "revenue / distinct orders, by order date",
		Type: Ratio, Numerator: "sum({amount})", Denominator: "count(DISTINCT {order_id}) FILTER (WHERE {amount} IS NOT NULL)",
		Unit: "$", Decimals: 2, Better: Higher, Time: "{order_date}",
		Target: &Target{Value: 100, Warn: ptr(90)}}},
	{Table: "orders", Roles: []string{"order_id", "customer_id", "order_date"}, Def: Def{
		ID: "purchase_frequency", Name: "Purchase frequency", Short: "Purchase freq.", Description: "orders / distinct ordering customers in the period (recounted at every grain)",
		Type: Ratio, Numerator: "count(DISTINCT {order_id})", Denominator: "count(DISTINCT {customer_id})",
		Unit: "×", Decimals: 2, Better: Higher, Time: "{order_date}",
		Target: &Target{Value: 1.5, Warn: ptr(1.4), Grain: Month}}},
	{Table: "orders", Roles: []string{"order_id", "customer_id", "order_date"}, Def: Def{
		ID: "repeat_rate", Name: "Repeat purchase rate", Short: "Repeat rate", Description: "customers with 2+ orders / customers with 1+ order in the period",
		Type: Ratio, Numerator: "list_count(list_filter(map_values(list_histogram(list_transform(list(DISTINCT {'c': {customer_id}, 'o': {order_id}}), s -> s.c))), x -> x >= 2))", Denominator: "count(DISTINCT {customer_id})",
		Scale: 100, Unit: "%", Decimals: 1, Better: Higher, Time: "{order_date}",
		Target: &Target{Value: 40, Warn: ptr(35), Grain: Month}}},
	{Table: "customers", Roles: []string{"signup_date"}, Def: Def{
		ID: "new_customers", Name: "New customers", Short: "New customers", Description: "customers who signed up in the period",
		Type: Formula, Inputs: map[string]string{"n": "count(*)"}, Expr: "n",
		Decimals: 0, Better: Higher, Time: "{signup_date}", Hidden: true}},
	{Table: "spend", Roles: []string{"amount", "kind", "month"}, Def: Def{
		ID: "acquisition_spend", Name: "Acquisition spend", Description: "acquisition spend in the period",
		Type: Formula, Inputs: map[string]string{"spend": "sum({amount}) FILTER (WHERE {kind} = 'acquisition')"}, Expr: "spend",
		Unit: "$", Decimals: 0, Better: Lower, Time: "{month}", Hidden: true, MinGrain: Month}},
	{Table: "spend", Roles: []string{"amount", "kind", "month"}, Def: Def{
		ID: "retention_spend", Name: "Retention spend", Description: "retention spend in the period",
		Type: Formula, Inputs: map[string]string{"spend": "sum({amount}) FILTER (WHERE {kind} = 'retention')"}, Expr: "spend",
		Unit: "$", Decimals: 0, Better: Lower, Time: "{month}", Hidden: true, MinGrain: Month}},
	{Def: Def{
		ID: "cac", Name: "Customer acquisition cost", Short: "CAC", Description: "acquisition spend / new customers, same period",
		Type: Composite, Inputs: map[string]string{"spend": "acquisition_spend", "new_customers": "new_customers"},
		Expr: "spend / new_customers", N: "new_customers",
		Unit: "$", Decimals: 0, Better: Lower,
		Target: &Target{Value: 250, Warn: ptr(300), Grain: Month}}},
	{Def: Def{
		ID: "retention_cost", Name: "Retention cost", Short: "Retention cost", Description: "retention spend / customers retained through the period",
		Type: Composite, Inputs: map[string]string{"spend": "retention_spend", "retained": "retention.retained"},
		Expr: "spend / retained", N: "retention",
		Unit: "$", Decimals: 2, Better: Lower,
		Target: &Target{Value: 3, Warn: ptr(4), Grain: Month}}},
	{Def: Def{
		ID: "clv", Name: "Customer lifetime value", Short: "CLV", Description: "revenue per active customer per year × expected lifetime (1 / annual churn, capped at 10 years)",
		Type: Composite, Inputs: map[string]string{"revenue": "avg_purchase.num", "customers": "churn.active_start", "churn": "churn"},
		Expr: "(revenue / customers) * periods_per_year * least(1.0 / (1.0 - power(1.0 - churn / 100.0, periods_per_year)), 10.0)", N: "churn",
		Unit: "$", Decimals: 0, Better: Higher,
		Target: &Target{Value: 8000, Warn: ptr(6000)}}},
	// The two below come last so that adding them moved no other KPI in a
	// scorecard. Both are ratios of filtered counts and sums, so rollups
	// answer them.
	//
	// Reopen rate: help-desk guidance commonly calls a reopen rate under
	// about 5% healthy; 8% leaves a warning band as wide as FCR's.
	{Table: "tickets", Roles: []string{"reopened", "resolved_at"}, Def: Def{
		ID: "reopen_rate", Name: "Reopen rate", Short: "Reopens", Description: "resolved tickets reopened at least once / resolved tickets (blank reopened values left out), by resolved date",
		Type: Ratio, Numerator: "count(*) FILTER (WHERE {resolved_at} IS NOT NULL AND " + reopenYes + ")", Denominator: "count(*) FILTER (WHERE {resolved_at} IS NOT NULL AND " + reopenKnow + ")",
		Scale: 100, Unit: "%", Decimals: 1, Better: Lower, Time: "{resolved_at}", Interval: IntervalProportion,
		Target: &Target{Value: 5, Warn: ptr(8)}}},
	// Contacts per resolution: FCR's target (70% on the first contact)
	// with the rest needing two or three puts the mean near 1.5; 2 means
	// a typical ticket takes a second contact.
	{Table: "tickets", Roles: []string{"contacts", "resolved_at"}, Def: Def{
		ID: "contacts_per_resolution", Name: "Contacts per resolution", Short: "Contacts/resol.", Description: "contacts of resolved tickets / resolved tickets (blank contacts left out), by resolved date",
		Type: Ratio, Numerator: "sum({contacts}) FILTER (WHERE {resolved_at} IS NOT NULL)", Denominator: "count({contacts}) FILTER (WHERE {resolved_at} IS NOT NULL)",
		Unit: "×", Decimals: 2, Better: Lower, Time: "{resolved_at}", Interval: IntervalMean,
		Target: &Target{Value: 1.5, Warn: ptr(2)}}},
}

// Catalog lists the built-in KPIs in scorecard order.
func Catalog() []Builtin { return catalog }

// LookupBuiltin returns a built-in by id, the business-time ones included.
func LookupBuiltin(id string) (Builtin, bool) {
	for _, b := range catalog {
		if b.ID == id {
			return b, true
		}
	}
	for _, b := range businessCatalog { // catalog_business.go
		if b.ID == id {
			return b, true
		}
	}
	return Builtin{}, false
}

// BuiltinIDs lists the catalog ids, then the business-time ones.
func BuiltinIDs() []string {
	out := make([]string, len(catalog), len(catalog)+len(businessCatalog))
	for i, b := range catalog {
		out[i] = b.ID
	}
	for _, b := range businessCatalog {
		out = append(out, b.ID)
	}
	return out
}

// sourceToken in a built-in's expression is replaced by Bind with the table
// the definition reads, quoted (the backlog's as-of instant, catalog_backlog.go).
// It is not a {role}: no role table entry, no columns: mapping.
const sourceToken = "{@source}"

var roleRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Bind makes a runnable definition from a built-in: table is the loaded
// table to read ("" = the standard name), columns maps roles to the user's
// column names (missing roles keep the standard name).
func (b Builtin) Bind(table string, columns map[string]string) *Def {
	d := b.Def // copy
	d.Builtin, d.BuiltinID = true, b.ID
	if b.Type != Composite {
		d.Source = b.Table
		if table != "" {
			d.Source = table
		}
	}
	col := func(role string) string {
		if c, ok := columns[role]; ok && c != "" {
			return c
		}
		return role
	}
	sub := func(s string) string {
		s = strings.ReplaceAll(s, sourceToken, store.QuoteIdent(d.Source))
		return roleRE.ReplaceAllStringFunc(s, func(m string) string { return store.QuoteIdent(col(m[1 : len(m)-1])) })
	}
	d.Roles = map[string]string{}
	for _, r := range b.Roles {
		d.Roles[r] = col(r)
	}
	d.Numerator, d.Denominator, d.Where = sub(d.Numerator), sub(d.Denominator), sub(d.Where)
	if !d.nIsInput() && b.Type != Composite {
		d.N = sub(d.N)
	}
	if d.Inputs != nil && b.Type != Composite {
		in := map[string]string{}
		for k, v := range d.Inputs {
			in[k] = sub(v)
		}
		d.Inputs = in
	}
	if d.Extras != nil {
		ex := map[string]string{}
		for k, v := range d.Extras {
			ex[k] = sub(v)
		}
		d.Extras = ex
	}
	if m := roleRE.FindStringSubmatch(d.Time); m != nil {
		d.Time = col(m[1])
	}
	d.Description = b.DescriptionFor(d.Time)
	if d.Target != nil {
		t := *d.Target
		d.Target = &t
	}
	return &d
}

// byDateRE is the ", by resolved date" a built-in's description ends with:
// the standard column its periods follow.
var byDateRE = regexp.MustCompile(`, by [a-z ]+ date$`)

// DescriptionFor is the built-in's description for a definition dated by
// column col: the ", by … date" it ends with names col when col is not the
// standard column (a role mapped to another column, or a time: of its
// own), and is left out when col is "" (no time axis).
func (b Builtin) DescriptionFor(col string) string {
	switch {
	case col == b.TimeRole() || !byDateRE.MatchString(b.Description):
		return b.Description
	case col == "":
		return byDateRE.ReplaceAllLiteralString(b.Description, "")
	}
	return byDateRE.ReplaceAllLiteralString(b.Description, ", by "+schema.QuoteName(col))
}

// Reads reports whether the built-in's formula (not its time axis) reads a role.
func (b Builtin) Reads(role string) bool {
	needle := "{" + role + "}"
	for _, e := range b.expressions() {
		if strings.Contains(e, needle) {
			return true
		}
	}
	return false
}

// TimeRole is the role that gives the built-in its time axis ("" for none).
func (b Builtin) TimeRole() string {
	if m := roleRE.FindStringSubmatch(b.Time); m != nil {
		return m[1]
	}
	return ""
}

// HasRole reports whether a columns: mapping may name the role: one of its
// roles, or one its formula or time axis reads.
func (b Builtin) HasRole(role string) bool {
	return slices.Contains(b.Roles, role) || b.Reads(role) || b.TimeRole() == role
}

// RoleUse says where the built-in reads each of its roles: essential roles
// appear in its formula, time roles only choose its time axis, other roles
// in neither (the engine still wants every role to name an existing column).
func (b Builtin) RoleUse() (essential, timeOnly, other []string) {
	for _, r := range b.Roles {
		switch {
		case b.Reads(r):
			essential = append(essential, r)
		case b.TimeRole() == r:
			timeOnly = append(timeOnly, r)
		default:
			other = append(other, r)
		}
	}
	return essential, timeOnly, other
}

// expressions are the built-in's templates other than its time axis.
func (b Builtin) expressions() []string {
	out := []string{b.Numerator, b.Denominator, b.Where, b.N}
	for _, v := range b.Inputs {
		out = append(out, v)
	}
	for _, v := range b.Extras {
		out = append(out, v)
	}
	return out
}

// Deps lists the ids a composite built-in needs.
func (b Builtin) Deps() []string {
	if b.Type != Composite {
		return nil
	}
	var out []string
	for _, ref := range b.Inputs {
		id, _, _ := strings.Cut(ref, ".")
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// StandardDefs binds every built-in to the standard tables, keeping those
// whose tables are present (and composites whose inputs are).
func StandardDefs(tables map[string][]store.Column) []*Def {
	have := map[string]bool{}
	var out []*Def
	for _, b := range catalog {
		if b.Type == Composite {
			continue
		}
		cols, ok := tables[b.Table]
		if !ok || !hasRoles(cols, b.Roles) {
			continue
		}
		have[b.ID] = true
		out = append(out, b.Bind("", nil))
	}
	for _, b := range catalog {
		if b.Type != Composite {
			continue
		}
		ok := true
		for _, dep := range b.Deps() {
			ok = ok && have[dep]
		}
		if ok {
			out = append(out, b.Bind("", nil))
		}
	}
	return reorder(out)
}

func hasRoles(cols []store.Column, roles []string) bool {
	for _, r := range roles {
		if _, ok := schema.Column(cols, r); !ok {
			return false
		}
	}
	return true
}

// reorder puts definitions in catalog order (composites in their place).
func reorder(defs []*Def) []*Def {
	pos := map[string]int{}
	for i, b := range catalog {
		pos[b.ID] = i
	}
	sort.SliceStable(defs, func(i, j int) bool { return pos[defs[i].ID] < pos[defs[j].ID] })
	return defs
}

// FormatValue renders a value with its unit and decimals; nil is "—".
func (d *Def) FormatValue(v *float64) string {
	if v == nil {
		return "—"
	}
	return d.FormatNumber(*v, d.Decimals)
}

// FormatNumber renders a number in the KPI's unit.
func (d *Def) FormatNumber(v float64, decimals int) string {
	s := FormatFloat(v, decimals)
	switch d.Unit {
	case "$", "€", "£":
		if strings.HasPrefix(s, "-") {
			return "-" + d.Unit + s[1:]
		}
		return d.Unit + s
	case "":
		return s
	case "%", "h", "×", "d", "m", "s":
		return s + d.Unit
	}
	return s + " " + d.Unit
}

// FormatDelta renders a change: "+1.2 pts" for percentages, else signed units.
func (d *Def) FormatDelta(v float64) string {
	sign := "+"
	if v < 0 {
		sign = "−"
		v = -v
	}
	dec := d.Decimals
	if d.Unit == "%" {
		return sign + FormatFloat(v, dec) + " pts"
	}
	return sign + d.FormatNumber(v, dec)
}

// FormatFloat renders a number with thousands separators.
func FormatFloat(v float64, decimals int) string {
	s := fmt.Sprintf("%.*f", decimals, v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if hasFrac {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.,") != "" {
		out = "-" + out
	}
	return out
}

// DeltaParts splits a change for compact display: an arrow (▲ up, ▼ down,
// = unchanged at the displayed precision) and the unsigned magnitude in the
// KPI's unit ("1.2 pts" for percentages when pts is true).
func (d *Def) DeltaParts(v float64, pts bool) (arrow, magnitude string) {
	m := v
	if m < 0 {
		m = -m
	}
	dec := d.Decimals
	if strings.Trim(FormatFloat(m, dec), "0.,") == "" {
		arrow = "="
		m = 0
	} else if v > 0 {
		arrow = "▲"
	} else {
		arrow = "▼"
	}
	if d.Unit == "%" {
		magnitude = FormatFloat(m, dec)
		if pts {
			magnitude += " pts"
		}
		return arrow, magnitude
	}
	return arrow, d.FormatNumber(m, dec)
}

// FormatTarget renders "≥ 80%" or "≤ 24h".
func (d *Def) FormatTarget(g *Goal) string {
	if g == nil {
		return "—"
	}
	op := "≥ "
	if d.Better == Lower {
		op = "≤ "
	}
	dec := d.Decimals
	if g.Value == float64(int64(g.Value)) {
		dec = 0
	}
	return op + d.FormatNumber(g.Value, dec)
}

// typedFlags narrows a bound built-in's reading of its reopened flag to the
// column's type. Read as text, every export's spelling counts (yes/no,
// true/false, 1/0); a BOOLEAN or numeric column gives the same answers
// compared directly, without a string per row (the reopen rate's rollup
// over 10M tickets: 3.3 s → 1.3 s). The definition is copied when it
// changes, as the caller's may be shared.
func typedFlags(d *Def, cols []store.Column) *Def {
	if !d.Builtin || d.Roles["reopened"] == "" {
		return d
	}
	var typ string
	for _, c := range cols {
		if strings.EqualFold(c.Name, d.Roles["reopened"]) {
			typ = strings.ToUpper(c.Type)
		}
	}
	q := store.QuoteIdent(d.Roles["reopened"])
	var yes, know string
	switch {
	case typ == "BOOLEAN":
		yes, know = q, q+" IS NOT NULL"
	case schema.IsNumeric(typ):
		yes, know = q+" >= 1", q+" >= 0"
	default:
		return d
	}
	bound := func(s string) string { return strings.ReplaceAll(s, "{reopened}", q) }
	rep := strings.NewReplacer(bound(reopenYes), "("+yes+")", bound(reopenKnow), "("+know+")")
	c := *d
	c.Numerator, c.Denominator, c.Where, c.N = rep.Replace(c.Numerator), rep.Replace(c.Denominator), rep.Replace(c.Where), rep.Replace(c.N)
	for _, m := range []*map[string]string{&c.Inputs, &c.Extras} {
		if *m == nil {
			continue
		}
		n := map[string]string{}
		for k, v := range *m {
			n[k] = rep.Replace(v)
		}
		*m = n
	}
	return &c
}
