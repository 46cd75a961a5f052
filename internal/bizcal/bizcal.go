// Package bizcal measures time in business hours: working hours per weekday
// in a time zone, holidays, and the deadlines of SLA policies. Each calendar
// has a Go reference (Seconds, Deadline) and SQL that computes the same over
// a whole column (vectorised: arithmetic and lookups in constant lists, no
// join and no per-row Go), so business durations scale to tens of millions
// of rows. It knows nothing
// of KPIs or of kpiscope.yaml (internal/config builds calendars from it).
package bizcal

import "time"

// Span is one working range of a day, in seconds from local midnight:
// [Start, End), 0 ≤ Start < End ≤ 86400.
type Span struct{ Start, End int }

// Calendar is one business calendar.
type Calendar struct {
	Name string
	// Zone is where the working hours and holidays are (an IANA zone).
	Zone *time.Location
	// Week holds the working spans of each weekday (indexed by time.Weekday),
	// sorted and not overlapping; an empty day is not worked.
	Week [7][]Span
	// Holidays are local dates not worked (time.Date(y, m, d, 0, 0, 0, 0, time.UTC)).
	Holidays []time.Time
	// DayHours is the length of one business day for targets written in
	// days ("2d"); 0 means the longest working weekday.
	DayHours float64
}

// Policy is one SLA policy: a target per value of a column (priority, say),
// in business seconds, measured on Calendar from a start to an end column.
type Policy struct {
	Name string // first_response, resolution, or a name of the config's
	// By is the column whose value picks the target; Targets maps its values
	// to business seconds; Default applies to other values (0 = no target:
	// such rows are not counted).
	By      string
	Targets map[string]float64
	Default float64
}
