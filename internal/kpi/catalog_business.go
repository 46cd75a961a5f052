package kpi

// The business-time built-ins read the view "<ticket table>_business" that
// the workspace derives from the ticket table when kpiscope.yaml has a
// business_hours: section (internal/workspace/business.go): the ticket
// table's columns as they are, plus per ticket its calendar, its first
// response and resolution in business hours, and for each SLA policy its
// target, deadline (_due) and whether it was met (_met: NULL while open and
// not yet due). Every formula below is a sum, a filtered count or a quantile
// of those columns, so rollups, breakdowns, trends and comparisons answer
// them as they answer the other ticket KPIs. They keep the ticket roles
// (created_at, first_response_at, resolved_at) so that a columns: mapping
// and the data checks (an end before its start) apply to them as to the
// clock-time KPIs.

// BusinessTable is the standard name of the business-time view (the view of
// a ticket table named tickets).
const BusinessTable = "tickets_business"

// BusinessSuffix names the business-time view of a ticket table: the
// table's name followed by it.
const BusinessSuffix = "_business"

const (
	frBH  = `"first_response_bh"`
	resBH = `"resolution_bh"`
	// The view's business hours are NULL where the end is missing or before
	// the start, so these filters keep the rows they already keep; written
	// out as the clock-time built-ins write them, they tell the data checks
	// that such rows are left out (not counted as they are), and the count
	// in the denominator is of rows, not of a column whose blanks would be
	// worth a warning.
	frOK  = " FILTER (WHERE " + respondOK + ")"
	resOK = " FILTER (WHERE " + resolvedOK + ")"
)

// businessCatalog is in scorecard order: the business-hour times, then the
// shares within SLA.
var businessCatalog = []Builtin{
	{Table: BusinessTable, Roles: []string{"created_at", "first_response_at"}, Def: Def{
		ID: "first_response_bh", Name: "First response (business h)", Short: "1st resp. (bh)",
		Description: "mean business hours from created to first response, answered tickets, by created date",
		Type:        Ratio, Numerator: bhSum(frBH, frOK), Denominator: "count(*)" + frOK,
		Extras: map[string]string{"median": "quantile_cont(" + frBH + ", 0.5)" + frOK},
		Unit:   "h", Decimals: 1, Better: Lower, Time: "{created_at}", Interval: IntervalMean,
		Target: &Target{Value: 2, Warn: ptr(4)}}},
	{Table: BusinessTable, Roles: []string{"created_at", "resolved_at"}, Def: Def{
		ID: "resolution_bh", Name: "Resolution (business h)", Short: "Resol. (bh)",
		Description: "mean business hours from created to resolved, resolved tickets, by resolved date",
		Type:        Ratio, Numerator: bhSum(resBH, resOK), Denominator: "count(*)" + resOK,
		Extras: map[string]string{
			"median": "quantile_cont(" + resBH + ", 0.5)" + resOK,
			"p90":    "quantile_cont(" + resBH + ", 0.9)" + resOK},
		Unit: "h", Decimals: 1, Better: Lower, Time: "{resolved_at}", Interval: IntervalMean,
		Target: &Target{Value: 16, Warn: ptr(24)}}},
	{Table: BusinessTable, Roles: []string{"created_at", "resolved_at"}, Def: Def{
		ID: "resolution_bh_median", Name: "Resolution (business h, median)", Short: "Resol. bh median",
		Description: "median business hours from created to resolved, by resolved date",
		Type:        Formula, Inputs: map[string]string{
			"median": "quantile_cont(" + resBH + ", 0.5)" + resOK,
			"n":      "count(*)" + resOK},
		Expr: "median", Unit: "h", Decimals: 1, Better: Lower, Time: "{resolved_at}",
		Target: &Target{Value: 8, Warn: ptr(12)}}},
	slaBuiltin("first_response", "First response within SLA", "1st resp. SLA", "answered"),
	slaBuiltin("resolution", "Resolution within SLA", "Resol. SLA", "resolved"),
}

// slaBuiltin is the share of tickets meeting an SLA policy: met / (met +
// breached). A ticket still open (or unanswered) once its deadline is past
// is breached; one open and not yet due is left out. Its time axis is the
// deadline, so a breach counts in the period its deadline fell in. It reads
// no end role: the view's _met says all (an end before its start is
// neither met nor breached, and the business-hour KPIs report it).
func slaBuiltin(policy, name, short, ended string) Builtin {
	met := `"` + policy + `_met"`
	return Builtin{Table: BusinessTable, Roles: []string{"created_at"}, Def: Def{
		ID: "sla_" + policy, Name: name, Short: short,
		Description: "% of tickets " + ended + " by their SLA deadline (business hours) of those " + ended + " or past it, in the period of the deadline",
		Type:        Ratio, Numerator: "count(*) FILTER (WHERE " + met + ")", Denominator: "count(" + met + ")",
		Extras: map[string]string{"breached": "count(*) FILTER (WHERE NOT " + met + ")"},
		Scale:  100, Unit: "%", Decimals: 1, Better: Higher, Time: policy + "_due", Interval: IntervalProportion,
		Target: &Target{Value: 90, Warn: ptr(85)}}}
}

// BusinessCatalog lists the business-time built-ins in scorecard order.
func BusinessCatalog() []Builtin { return businessCatalog }

// IsBusiness reports whether a built-in id is a business-time one: it reads
// the business-time view, which exists only with business_hours:.
func IsBusiness(id string) bool {
	for _, b := range businessCatalog {
		if b.ID == id {
			return true
		}
	}
	return false
}

// SLAPolicy is the SLA policy a business-time built-in measures
// (first_response, resolution), "" for the business-hour times.
func (b Builtin) SLAPolicy() string {
	if p, ok := slaPolicyOf[b.ID]; ok { // catalog_backlog.go
		return p
	}
	if !IsBusiness(b.ID) || len(b.ID) < 5 || b.ID[:4] != "sla_" {
		return ""
	}
	return b.ID[4:]
}

// bhSum is the sum of a business-hours column in hours, added up as whole
// seconds (as the clock-time KPIs add date_diff's seconds): a sum of whole
// numbers is the same in any order, so a mean does not change in its last
// digits with the threads' order, and rollups re-aggregate it exactly.
func bhSum(col, filter string) string {
	return "sum(round(" + col + " * 3600))" + filter + " / 3600.0"
}
