package kpi

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrNoPeriods is Series's error for a KPI without dates (or asked for all
// time): it has one value, no trend.
var ErrNoPeriods = errors.New("no periods to draw a trend over")

// NoSeriesError is Series's error for a KPI that has no trends by dim by
// its nature, not by a fault: it has no periods (ErrNoPeriods), or its
// table cannot reach dim (ErrNotSliceable); it matches the one it is.
// Reason says why in a clause of its own, so a caller that lists the KPIs
// left out can say each one's real reason.
type NoSeriesError struct {
	KPI    string // the KPI's label
	Dim    string
	Reason string // "its table has no date column", "surveys has no column …"
	err    error  // ErrNoPeriods, or the ErrNotSliceable cause
}

// Error says it once: "Churn rate has no periods to draw a trend over: its
// table has no date column", "NPS cannot be split by channel: surveys has
// no column "channel" (nor a customer_id leading to one)".
func (e *NoSeriesError) Error() string {
	if e.NoPeriods() {
		return e.KPI + " has " + ErrNoPeriods.Error() + ": " + e.Reason
	}
	return fmt.Sprintf("%s cannot be split by %s: %s", e.KPI, e.Dim, e.Reason)
}

func (e *NoSeriesError) Unwrap() error { return e.err }

// NoPeriods says the KPI has no periods (rather than no way to dim).
func (e *NoSeriesError) NoPeriods() bool { return errors.Is(e.err, ErrNoPeriods) }

// sliceReason is the clause of a breakdown's error that says why: the
// sliceError's own words, not the "cannot break down by …" around them.
func sliceReason(err error) string {
	var se *sliceError
	if errors.As(err, &se) {
		return se.Error()
	}
	var na notApplicable
	if errors.As(err, &na) {
		return na.Error()
	}
	return err.Error()
}

// SeriesSet is the trend of several segments of one dimension, each its own
// line over the same periods: the explorer's "segments on one chart" and
// report --series. Each line is the KPI computed for the slice filtered to
// that segment (Compute with a filter dim = segment: its Total trend, from
// the rollups when built and cached in the engine), so a point is exactly
// the value the explorer shows after drilling into that segment and period.
type SeriesSet struct {
	Def   *Def
	Dim   string
	Slice Slice // as resolved: the current period filled in
	// Periods are the trend's period starts, oldest first, ending at the
	// current period; every line has one point per period.
	Periods []time.Time
	// Ranked is every segment of Dim in the current period, largest n
	// first: the order the lines are chosen in.
	Ranked []Row
	// From is the rank (0-based) of the first line in Ranked.
	From int
	// Lines are the segments Ranked[From:From+n], largest n first.
	Lines []SeriesLine
	// Total is the pooled trend of the slice, every segment together.
	Total SeriesLine
	// Goal is the KPI's target of the slice as a whole: the chart's line
	// (a segment's own status is against its own target, Latest.Goal).
	Goal *Goal
	// Approx says some value is a quantile answered from a rollup's sketch.
	Approx bool
}

// SeriesLine is one segment's trend.
type SeriesLine struct {
	Segment string  // "" for the total
	Points  []Point // one per SeriesSet.Periods, Value nil where it has none
	Latest  Row     // the current period: value, status against its own target, n
}

// Series computes the trends of the KPI id for the segments of dim ranked
// from (0-based, by n in the current period) to from+n: one Compute for the
// ranking (the breakdown the explorer shows, so usually cached) and one per
// segment, two at a time, under ctx. A KPI whose table cannot be split by
// dim, or that has no periods, is a *NoSeriesError (matching
// ErrNotSliceable or ErrNoPeriods) with the reason.
func (e *Engine) Series(ctx context.Context, s Slice, id, dim string, from, n int, opts ...Option) (*SeriesSet, error) {
	d := e.Def(id)
	if d == nil {
		return nil, fmt.Errorf("unknown KPI %q", id)
	}
	if err := e.CheckDimension(dim); err != nil {
		return nil, err
	}
	dim = e.CanonicalDim(dim)
	s.Segment, s.MaxSegments = dim, AllSegments
	sc, err := e.Compute(ctx, s, []string{id}, opts...)
	if err != nil {
		return nil, err
	}
	r := sc.Find(id)
	switch {
	case r == nil:
		return nil, fmt.Errorf("%s: no result", d.Name)
	case r.Err != nil:
		return nil, r.Err
	case r.SegmentErr != nil:
		if errors.Is(r.SegmentErr, ErrNotSliceable) {
			return nil, &NoSeriesError{KPI: d.Label(), Dim: dim, Reason: sliceReason(r.SegmentErr), err: r.SegmentErr}
		}
		return nil, r.SegmentErr
	case sc.Slice.Grain == All:
		return nil, &NoSeriesError{KPI: d.Label(), Dim: dim, Reason: "one value for all time", err: ErrNoPeriods}
	case !d.HasTime() && d.Type != Composite:
		return nil, &NoSeriesError{KPI: d.Label(), Dim: dim, Reason: "its table has no date column", err: ErrNoPeriods}
	case sc.Slice.Period.IsZero():
		return nil, &NoSeriesError{KPI: d.Label(), Dim: dim, Reason: "the data has no date column", err: ErrNoPeriods}
	case len(r.Trend) == 0:
		return nil, &NoSeriesError{KPI: d.Label(), Dim: dim, Reason: "no period has data", err: ErrNoPeriods}
	}
	set := &SeriesSet{Def: d, Dim: dim, Slice: sc.Slice, Ranked: r.Segments, Goal: r.Total.Goal, Approx: r.Approx}
	for _, p := range r.Trend {
		set.Periods = append(set.Periods, p.Period)
	}
	set.Total = SeriesLine{Points: set.align(r.Trend), Latest: r.Total}
	from = max(0, min(from, len(r.Segments)))
	to := len(r.Segments)
	if n >= 0 {
		to = min(to, from+n)
	}
	set.From = from
	set.Lines = make([]SeriesLine, to-from)
	errs := make([]error, to-from)
	each := s
	each.Segment, each.MaxSegments = "", 0
	lineOpts := append([]Option{WithoutExtras()}, opts...)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	var mu sync.Mutex
	for i, seg := range r.Segments[from:to] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if errs[i] = ctx.Err(); errs[i] != nil {
				return
			}
			ss := each.WithFilter(Filter{Dim: dim, Values: []string{seg.Segment}})
			sc, err := e.Compute(ctx, ss, []string{id}, lineOpts...)
			if err != nil {
				errs[i] = err
				return
			}
			lr := sc.Find(id)
			switch {
			case lr == nil:
				errs[i] = fmt.Errorf("%s = %s: no result", dim, seg.Segment)
				return
			case lr.Err != nil:
				errs[i] = fmt.Errorf("%s = %s: %w", dim, seg.Segment, lr.Err)
				return
			}
			set.Lines[i] = SeriesLine{Segment: seg.Segment, Points: set.align(lr.Trend), Latest: lr.Total}
			set.Lines[i].Latest.Segment = seg.Segment
			if lr.Approx {
				mu.Lock()
				set.Approx = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return set, nil
}

// align puts a trend's points on the set's periods (a period missing from
// the trend has no value).
func (set *SeriesSet) align(trend []Point) []Point {
	at := make(map[int64]Point, len(trend))
	for _, p := range trend {
		at[p.Period.Unix()] = p
	}
	out := make([]Point, len(set.Periods))
	for i, t := range set.Periods {
		if p, ok := at[t.Unix()]; ok {
			out[i] = p
		} else {
			out[i] = Point{Period: t}
		}
	}
	return out
}
