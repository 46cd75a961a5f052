package kpi

import (
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
	CompareTo string   // human label of what the delta is against ("Sep 2026", "target")
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
	// Approx says the value is a quantile answered from a rollup's sketch:
	// within ±SketchError of the exact value (deltas too, per period).
	Approx bool
	// ApproxExtras says the same of the extras (median, p90 beside a mean).
	ApproxExtras bool
}

// Scorecard is every requested KPI for one slice.
type Scorecard struct {
	Slice         Slice     // the slice as resolved: Period filled in
	PeriodEnd     time.Time // exclusive end of the current period (or data end if partial)
	Partial       bool
	AsOf          time.Time // the latest timestamp in the data
	Results       []Result
	ComparePeriod time.Time // start of the comparison period, zero for target
	Elapsed       time.Duration
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
