package kpi

import (
	"math"
	"time"
)

// Status is where a value stands against its target.
type Status string

// Statuses. Status is always shown with a symbol as well as a colour.
const (
	Green    Status = "green" // on target
	Amber    Status = "amber" // within the warning band
	Red      Status = "red"   // off target
	NoValue  Status = "none"  // no value (empty denominator)
	NoTarget Status = "untargeted"
	// Uncertain: off or near target, but the 95% interval reaches the target.
	Uncertain Status = "uncertain"
)

// Symbol is the shape that carries the status without colour.
func (s Status) Symbol() string {
	switch s {
	case Green:
		return "●"
	case Amber:
		return "◐"
	case Red:
		return "○"
	case Uncertain:
		return "◌"
	case NoTarget:
		return "◦"
	}
	return "·"
}

// Word is a short plain-text status.
func (s Status) Word() string {
	switch s {
	case Green:
		return "on target"
	case Amber:
		return "near target"
	case Red:
		return "off target"
	case Uncertain:
		return "uncertain"
	case NoTarget:
		return "no target"
	}
	return "no value"
}

// Rank orders statuses worst first, for --fail-on and sorting. Uncertain
// (off or near target, but the 95% interval reaches it) ranks between amber
// and green: the data cannot tell it from on target, so --fail-on red or
// amber never fails on it.
func (s Status) Rank() int {
	switch s {
	case Red:
		return 0
	case Amber:
		return 1
	case Uncertain:
		return 2
	case Green:
		return 3
	case NoTarget:
		return 4
	}
	return 5
}

// Goal is a resolved target for one row.
type Goal struct {
	Value float64
	Warn  *float64
}

// Resolve picks the target for a row: the most specific override whose
// conditions hold (each condition on a dimension is met by the row's segment
// or by a single-valued filter), from the latest date not after the period.
// Targets with a grain are compounded to the slice's grain.
func (d *Def) Resolve(filters []Filter, segDim, segVal string, period time.Time, g Grain) *Goal {
	t := d.Target
	if t == nil {
		return nil
	}
	goal := Goal{Value: t.Value, Warn: t.Warn}
	g = g.calendar() // a window as long as a calendar period, ending with one, takes its targets
	bestScore, bestFrom := -1, time.Time{}
	for _, o := range t.Overrides {
		if !o.From.IsZero() && (period.IsZero() || period.Before(o.From)) {
			continue
		}
		ok := true
		for dim, val := range o.When {
			if !(dim == segDim && val == segVal) && !filterIs(filters, dim, val) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		score := 2 * len(o.When)
		if !o.From.IsZero() {
			score++
		}
		if score > bestScore || score == bestScore && o.From.After(bestFrom) {
			bestScore, bestFrom = score, o.From
			goal = Goal{Value: o.Value, Warn: o.Warn}
			if goal.Warn == nil && o.Warn == nil && t.Warn != nil {
				// keep the band's width when an override gives only a value
				w := o.Value + (*t.Warn - t.Value)
				goal.Warn = &w
			}
		}
	}
	if t.Grain != "" && g != "" && g != t.Grain {
		if !t.Compound || g == All {
			return nil
		}
		k := t.Grain.PerYear() / g.PerYear()
		goal.Value = compound(goal.Value, k, d.Better)
		if goal.Warn != nil {
			w := compound(*goal.Warn, k, d.Better)
			goal.Warn = &w
		}
	}
	return &goal
}

// compound converts a per-period rate in % to k periods: retention-like
// (higher is better) multiplies, churn-like (lower) compounds the complement.
func compound(pct, k float64, better Polarity) float64 {
	p := pct / 100
	if better == Higher {
		return 100 * math.Pow(p, k)
	}
	return 100 * (1 - math.Pow(1-p, k))
}

func filterIs(fs []Filter, dim, val string) bool {
	for _, f := range fs {
		if f.Dim == dim && f.Op == OpIn && len(f.Values) == 1 && f.Values[0] == val {
			return true
		}
	}
	return false
}

// StatusOf rates a value against a goal at full precision.
func StatusOf(v *float64, g *Goal, better Polarity) Status {
	if v == nil {
		return NoValue
	}
	if g == nil {
		return NoTarget
	}
	x := *v
	if better == Lower {
		switch {
		case x <= g.Value:
			return Green
		case g.Warn != nil && x <= *g.Warn:
			return Amber
		}
		return Red
	}
	switch {
	case x >= g.Value:
		return Green
	case g.Warn != nil && x >= *g.Warn:
		return Amber
	}
	return Red
}

// Improved reports whether a change is good for the KPI (nil when there is no change).
func (d *Def) Improved(delta float64) bool {
	if d.Better == Lower {
		return delta < 0
	}
	return delta > 0
}
