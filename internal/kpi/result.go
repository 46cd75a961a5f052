package kpi

import (
	"strings"
	"time"
)

// Point is a KPI computed for one segment in one period.
type Point struct {
	Period     time.Time          // period start; zero for all time
	Value      *float64           // nil when the denominator is empty
	N          int64              // sample size (responses, tickets, customers at start …)
	HasN       bool               // whether the KPI defines a sample size
	Components map[string]float64 // the additive inputs the value was computed from
	Extras     map[string]*float64
}

// Row is one line of a scorecard or breakdown: a point with its target,
// status and comparison.
type Row struct {
	Segment string // segment value; "" for the total
	Total   bool
	Point
	Goal      *Goal
	Status    Status
	LowN      bool     // n below the KPI's minimum: status is uncertain
	Compare   *Point   // the comparison period's point (previous / last year)
	Delta     *float64 // value − comparison (or − target)
	Share     *float64 // n / total n, 0..1
	Partial   bool     // the period has not fully elapsed; compared on the same elapsed part
	CompareTo string   // what the delta is against: PeriodLabel's "Sep 2026", "Sep 2026 (to 15 Sep)", or "target"
	// PeriodName is the row's own period in PeriodLabel's words, cut where
	// its KPI's data stops: "Oct 2026 (to 15 Oct)"; "all time" without periods.
	PeriodName string
	// CI is the 95% interval of Value, nil where the KPI has none (NoCI
	// says why, e.g. "a median: no interval").
	CI   *Interval
	NoCI string
	// DeltaCI is the 95% interval of Delta against the comparison period
	// (nil against a target or without an interval); Significant says
	// whether the change is outside noise at 95% (nil when not tested).
	DeltaCI     *Interval
	Significant *bool
}

// Result is one KPI for a slice.
type Result struct {
	Def      *Def
	Total    Row
	Segments []Row   // by Slice.Segment, largest n first; nil without a segment
	Trend    []Point // totals for recent periods, oldest first, ending at the current period
	Err      error   // an error affecting only this KPI
	// SegmentErr says why the breakdown is missing (the KPI's table cannot be
	// sliced by the segment dimension); the total is still valid.
	SegmentErr error
	// ExtrasErr says why the extra statistics (median, p90 beside a mean)
	// are missing; the value, trend and breakdown are still valid.
	ExtrasErr error
	// SegmentsTruncated is the number of segment values left out (only the
	// largest are kept).
	SegmentsTruncated int
	// Approx says the value is a quantile answered from a log-bucket
	// sketch, a rollup's or one made of the raw rows of periods too large
	// to hold (sketchRows): within ±SketchError of the exact value (deltas
	// too, per period).
	Approx bool
	// ApproxExtras says the same of the extras (median, p90 beside a mean).
	ApproxExtras bool
	// PeriodEnd is the exclusive end of the current period as this KPI's own
	// data has it: where that data stops when the period is partial for it
	// (Total.Partial), else the period's end; zero for all time.
	// PeriodLabel(grain, period, PeriodEnd) names it ("Oct 2026 (to 15 Oct)").
	PeriodEnd time.Time
	// DataEnd is the exclusive end of the dates in this KPI's table (its
	// inputs' for a composite): before the period starts, the KPI has no
	// value in it because its data stops there. Zero without dates.
	DataEnd time.Time
	// Vanished are the segments with rows in the comparison period only:
	// not shown in the breakdown, but part of the change (Decompose).
	Vanished []Row
	// Pace is the outlook of a partial current period (nil otherwise).
	Pace *Pace
	// Forecast is the trend's next periods (nil when the history is too short).
	Forecast *Forecast
}

// Scorecard is every requested KPI for one slice.
type Scorecard struct {
	Slice         Slice     // the slice as resolved: Period filled in
	PeriodEnd     time.Time // exclusive end of the current period (or data end if partial), by the latest data of all
	Partial       bool      // the latest data stops inside the period (each KPI's own: Result.Total.Partial)
	AsOf          time.Time // the latest timestamp in the data
	Results       []Result
	ComparePeriod time.Time // start of the comparison period, zero for target
	Elapsed       time.Duration
	// Pending counts the requested KPIs left out of Results because they
	// are not computed yet: only in the scorecards OnProgress reports.
	Pending int
}

// Find returns the result for a KPI id.
func (s *Scorecard) Find(id string) *Result {
	for i := range s.Results {
		if s.Results[i].Def.ID == id {
			return &s.Results[i]
		}
	}
	return nil
}

// PeriodTitle names the scorecard's period with its grain, in PeriodLabel's
// words, cut where the latest data stops: "Oct 2026 (month)", "Oct 2026
// (month, to 15 Oct)", "week of 12 Oct 2026 (week)"; "all time" without
// periods (a grain of all, or data without dates: no grain to name). The
// explorer's header and the reports' titles use it.
func (sc *Scorecard) PeriodTitle() string {
	s := sc.Slice
	if s.Grain == All || s.Grain == "" || s.Period.IsZero() {
		return PeriodLabel(All, time.Time{}, time.Time{})
	}
	var end time.Time
	if sc.Partial {
		end = sc.PeriodEnd
	}
	label, whole := PeriodLabel(s.Grain, s.Period, end), s.Grain.Label(s.Period)
	if w, ok := s.Grain.win(); ok {
		if !s.Grain.Add(s.Period, 1).Equal(w.anchor) { // stepped back: not the last one
			return label + " (" + strings.TrimSuffix(s.Grain.Name(), "s") + ")"
		}
		return label + " (" + s.Window.String() + ")"
	}
	if cut, ok := strings.CutPrefix(label, whole+" ("); ok {
		return whole + " (" + string(s.Grain) + ", " + cut
	}
	return label + " (" + string(s.Grain) + ")"
}

// CompareName names what the scorecard's deltas are measured against, in
// PeriodLabel's words: "Sep 2026", "Sep 2026 (to 15 Sep)" (the same elapsed
// part as a partial period's), or "target", which all time (no period to
// compare with) is measured against whatever the comparison asked.
func (sc *Scorecard) CompareName() string {
	s := sc.Slice
	if s.Compare == VsTarget || s.Grain == All || s.Period.IsZero() || sc.ComparePeriod.IsZero() {
		return "target"
	}
	var end time.Time
	if sc.Partial {
		end = samePart(s.Period, sc.PeriodEnd, sc.ComparePeriod)
	}
	return PeriodLabel(s.Grain, sc.ComparePeriod, end)
}
