package kpi

// Backlog and ageing (issue 14): the tickets open at each period's end.
//
// The backlog is a stock, not a flow. A ticket is open at an instant T when
// it was created before T and not resolved before T (resolved at T or later,
// or not yet): a ticket created exactly at a period's end belongs to the next
// period's backlog, and one resolved exactly at it is still in this one's, so
// that backlog(end) = backlog(start) + created in [start, end) − resolved in
// [start, end) with the engine's half-open periods.
//
// How it rolls up across grains: it does not add up. A month's backlog is
// the backlog at the month's end (the instant its last day ends), a week's
// at the week's end, a quarter's at the quarter's end: the last value of the
// finer periods inside it, never their sum or mean (thirty daily backlogs of
// 10 are a month-end backlog of 10, not 300). So the KPI is a Cohort: its
// inputs are evaluated afresh for every period over the rows that exist
// before the period's end, at whatever grain is asked, never summed from a
// finer grain's rollup. The engine answers the backlog and the backlog past
// SLA from their flows (flow.go: the running sum of openings and
// resolutions, per day and dimension, up to each period's end), and their
// ages, or a definition changed from the built-in's, from the raw rows,
// keeping each period's totals once computed, as for retention and churn
// (Engine.PrefillPeriods). Segments are exact too: a breakdown by priority
// counts each priority's open tickets at the same instant, so the segments
// add up to the total.
//
// A period that is not over (the data stops inside it) is measured at the
// data's as-of instant: its count is of the tickets still open at the end of
// the data (created and not resolved), and their ages run to the latest
// timestamp in the ticket table (its latest creation or resolution,
// backlogAsOf). Its comparison period is measured at the same elapsed
// instant (the engine ends it there).
//
// Ages are in calendar days from creation to the period's end (to the as-of
// instant for a period not over); with business hours, backlog_overdue
// gives them in business days of the ticket's calendar. The buckets are the
// ones a support lead reads a queue by: new (under a day), 1–3 days, 3–7
// days, and over a week, each lower bound included.

const (
	createdTS  = "CAST({created_at} AS TIMESTAMP)"
	resolvedTS = "CAST({resolved_at} AS TIMESTAMP)"
	// backlogOpen: created before the period's end, not resolved before it.
	// A ticket resolved before it was created is never open; its last
	// clause says so as the clock-time built-ins write it, so the data
	// checks report such rows as left out.
	backlogOpen = createdTS + " < period_end AND (" + resolvedTS + " IS NULL OR " + resolvedTS + " >= period_end) AND ({resolved_at} IS NULL OR " + resolvedOK + ")"
	// backlogAsOf is the latest timestamp in the ticket table: a scalar
	// subquery over the whole table (sourceToken, which Bind replaces with
	// it), so the slice's filters and segments do not move it.
	backlogAsOf = "(SELECT greatest(max(" + createdTS + "), max(" + resolvedTS + ")) FROM " + sourceToken + ")"
	// backlogAt is the instant ages are measured at: the period's end, or
	// the data's as-of instant in a period not over.
	backlogAt = "least(period_end, " + backlogAsOf + ")"
	// ageDays is a ticket's age at backlogAt, in calendar days.
	ageDays = "(date_diff('microsecond', " + createdTS + ", " + backlogAt + ") / 86400e6)"
)

// ageBuckets are the age buckets, lower bound included, in days (upper "":
// none); their names, with the unit after each number, sort in age order.
var ageBuckets = []struct{ low, upper string }{{"0", "1"}, {"1", "3"}, {"3", "7"}, {"7", ""}}

// ageExtras are the extras of a backlog whose ages are age, in days of unit
// ("d" calendar days, "bd" business days): the median and the count in each
// bucket ("age 0-1d" …, "age 7bd+"), of the open tickets (open).
func ageExtras(open, age, median, unit string) map[string]string {
	ex := map[string]string{median: "quantile_cont(" + age + ", 0.5) FILTER (WHERE " + open + ")"}
	for _, b := range ageBuckets {
		cond := age + " >= " + b.low
		name := "age " + b.low + "-" + b.upper + unit
		if b.upper != "" {
			cond += " AND " + age + " < " + b.upper
		} else {
			name = "age " + b.low + unit + "+"
		}
		ex[name] = "count(*) FILTER (WHERE " + open + " AND " + cond + ")"
	}
	return ex
}

// backlogBuiltin is the backlog on the standard ticket table: it needs no
// business hours. No default target: a healthy backlog depends on the
// desk's volume.
var backlogBuiltin = Builtin{Table: "tickets", Roles: []string{"created_at", "resolved_at"}, Def: Def{
	ID: "backlog", Name: "Open tickets (backlog)", Short: "Backlog",
	Description: "tickets open at the period's end (created before it, not resolved before it; a period not over: at the data's end), a stock: not summed over days",
	Type:        Cohort, Inputs: map[string]string{"open": "count(*) FILTER (WHERE " + backlogOpen + ")"},
	// n is the backlog itself: a breakdown lists the largest queues first
	// with their share of the total. A count is not a sample: no low-n mark.
	Expr: "open", N: "open", MinSample: 1,
	Extras: ageExtras(backlogOpen, ageDays, "median age (days)", "d"),
	Better: Lower, Time: "{created_at}"}}

// The DuckDB macros the workspace creates beside the business-time view
// (internal/workspace/business_backlog.go).
const (
	// BusinessCumsMacro(ts) is, per calendar name, the business seconds
	// from the view's range start to ts, an instant known only at query
	// time (a period's end): a MAP computed once per period (PeriodCols).
	BusinessCumsMacro = "kpiscope_business_cums"
	// BusinessDaysMacro(calendar, created_cum, cums) is the business days on
	// the row's calendar from its creation to the instant of cums
	// (BusinessCumsMacro's): a subtraction and a division per row.
	BusinessDaysMacro = "kpiscope_business_days"
	// BusinessAsOfMacro() is the ticket table's latest timestamp (as
	// backlogAsOf), a constant: a subquery over the view would bind the
	// view's long SQL again at every use.
	BusinessAsOfMacro = "kpiscope_business_asof"
)

const (
	resDue = `"resolution_due"`
	// overdueOpen: open at the period's end, with a resolution deadline.
	overdueOpen = backlogOpen + " AND " + resDue + " IS NOT NULL"
	// backlogAtBiz is backlogAt on the view.
	backlogAtBiz = "least(period_end, " + BusinessAsOfMacro + "())"
	// periodCums is the period column holding BusinessCumsMacro at
	// backlogAtBiz.
	periodCums = "__kpiscope_cums"
	// businessAge: in business days of the ticket's calendar, at
	// backlogAtBiz: a row column (RowCols), computed once per ticket and
	// period for the median and the four buckets.
	businessAge     = "__kpiscope_age"
	businessAgeExpr = BusinessDaysMacro + `("calendar", "created_cum", ` + periodCums + ")"
)

// backlogOverdueBuiltin is the share of the backlog past its resolution
// deadline: of the tickets open at the period's end that have a resolution
// SLA (a deadline in the business-time view), those whose deadline is
// before that end (a deadline exactly at it is not yet past). It reads the
// view, so it exists with business_hours: and an SLA policy named
// resolution (slaPolicyOf). Tickets without a target for their priority
// have no deadline and are left out, of the share and of the median age.
var backlogOverdueBuiltin = Builtin{Table: BusinessTable, Roles: []string{"created_at", "resolved_at"}, Def: Def{
	ID: "backlog_overdue", Name: "% of backlog past SLA", Short: "Backlog past SLA",
	Description: "% of the tickets open at the period's end (a period not over: at the data's end) whose resolution deadline is before it, of those with a resolution SLA",
	Type:        Cohort, Inputs: map[string]string{
		"open":    "count(*) FILTER (WHERE " + overdueOpen + ")",
		"overdue": "count(*) FILTER (WHERE " + overdueOpen + " AND " + resDue + " < " + backlogAtBiz + ")"},
	Expr: "100.0 * overdue / open", N: "open",
	// The backlog's ages in business days of each ticket's calendar: the
	// median and the buckets (as the backlog's in calendar days), of the
	// tickets with a resolution SLA.
	Extras: withExtra(ageExtras(overdueOpen, businessAge, "median age (business days)", "bd"),
		"past due", "count(*) FILTER (WHERE "+overdueOpen+" AND "+resDue+" < "+backlogAtBiz+")"),
	// Each calendar's business time to the period's end, once per period,
	// not once per ticket and period.
	PeriodCols: map[string]string{periodCums: BusinessCumsMacro + "(" + backlogAtBiz + ")"},
	RowCols:    map[string]string{businessAge: businessAgeExpr},
	Scale:      100, Unit: "%", Decimals: 1, Better: Lower, Time: "{created_at}", Interval: IntervalProportion,
	Target: &Target{Value: 10, Warn: ptr(20)}}}

// withExtra is m with one more extra.
func withExtra(m map[string]string, name, expr string) map[string]string {
	m[name] = expr
	return m
}

// slaPolicyOf names the SLA policy a business-time built-in other than the
// sla_ ones needs (SLAPolicy).
var slaPolicyOf = map[string]string{"backlog_overdue": "resolution"}

// Registered here, after the catalogs' literals, so adding them moved no
// other KPI in a scorecard: backlog after every other built-in,
// backlog_overdue after the other business-time ones.
func init() {
	catalog = append(catalog, backlogBuiltin)
	businessCatalog = append(businessCatalog, backlogOverdueBuiltin)
}
