package bizcal

import (
	"strconv"
	"strings"
)

// Lookup computes business time from small constant lists indexed by day
// instead of SQL's CASE trees: Go works out the calendar's working
// stretches in UTC over the range (from the reference's own segments, so DST
// changes, holidays and 30- or 45-minute zones are exact), and the SQL reads,
// for an instant u on UTC day d of the range, the business µs from From to
// the day's midnight (c) and the start sᵢ (an instant) and length lᵢ of each
// working piece of that day:
//
//	cum(u) = c + Σ least(greatest(u − sᵢ, 0), lᵢ)
//
// Deadlines read lists by business unit k (the longest working day; y the
// cum to reach, k = (y − 1) // unit from the range's first midnight): the
// instant p at which cum reaches k·unit, and where the unit's work is split,
// the cum eⱼ into the unit at which a piece ends and the gap gⱼ to the next,
// so that the deadline is p + r + Σ (r > eⱼ)·gⱼ with r = y − k·unit in
// (0, unit]: a deadline on a span's end is that end. A day or unit with more
// pieces widens the lists (more terms), it never loses one.
//
// It is a projection, not a join (a hash join does not keep its probe
// side's order in DuckDB's CREATE TABLE AS, and internal/workspace pastes
// the result beside the ticket rows by position): the rows keep their
// order. A lookup in a list of a few hundred entries costs about as much
// as reading the column again; the lists' length grows with the range (a
// day each, up to maxLookupDays). Rows outside the range, or whose targets
// run past it, take SQL's expressions (coalesce evaluates them only on
// those rows).
type Lookup struct {
	Cals []SQL // all over the same Data, From and To

	origin int64 // µs: the UTC midnight the day index counts from
	days   int
	work0  []int64     // per calendar: the business µs from origin to From
	words  [][][]int64 // per calendar, per word (c, then s, l per piece), per day
	unit   int64       // seconds of work per inverse entry
	inv    [][][]int64 // per calendar, per word (p, then e, g per cut), per unit
}

// maxLookupDays bounds the lists (about 16 years, past ticketRange's cap of
// 15): longer ranges take SQL's expressions.
const maxLookupDays = 6000

// NewLookup works out the lists for cals, which must share Data, From and
// To; false when the range is too long for them (SQL's expressions then).
func NewLookup(cals []SQL) (*Lookup, bool) {
	if len(cals) == 0 {
		return nil, false
	}
	s := cals[0]
	d0 := floorDiv(s.From.UnixMicro(), usPerDay)
	d1 := floorDiv(max(s.To.UnixMicro(), s.From.UnixMicro()), usPerDay) + 1
	if d1-d0 > maxLookupDays {
		return nil, false
	}
	l := &Lookup{Cals: cals, origin: d0 * usPerDay, days: int(d1 - d0)}
	for _, c := range cals {
		for _, spans := range c.Cal.Week {
			n := int64(0)
			for _, sp := range spans {
				n += int64(sp.End - sp.Start)
			}
			l.unit = max(l.unit, n)
		}
	}
	for _, c := range cals {
		if !l.add(c.Cal, c.From.UnixMicro()) {
			return nil, false
		}
	}
	return l, true
}

// intervals lists the working stretches in [a, b), merged where they touch:
// wallWork's walk, kept as instants.
func (c *Calendar) intervals(a, b int64) []interval {
	hol := c.holidaySet()
	var out []interval
	for _, seg := range c.segments(a, b) {
		w0, w1 := seg.from+seg.off, seg.to+seg.off
		for d := floorDiv(w0, usPerDay); d*usPerDay < w1; d++ {
			if hol[d] {
				continue
			}
			for _, s := range c.Week[weekday(d)] {
				lo := max(d*usPerDay+int64(s.Start)*usPerSec, w0) - seg.off
				hi := min(d*usPerDay+int64(s.End)*usPerSec, w1) - seg.off
				if hi <= lo {
					continue
				}
				if n := len(out); n > 0 && out[n-1].to == lo {
					out[n-1].to = hi
				} else {
					out = append(out, interval{lo, hi})
				}
			}
		}
	}
	return out
}

// interval is a stretch of working instants [from, to) (µs since the epoch).
type interval struct{ from, to int64 }

// add works out one calendar's lists; false if one does not fit.
func (l *Lookup) add(c *Calendar, from int64) bool {
	end := l.origin + int64(l.days)*usPerDay
	ivs := c.intervals(l.origin, end)
	var w0 int64
	for _, iv := range ivs {
		w0 += max(min(iv.to, from)-iv.from, 0)
	}
	l.work0 = append(l.work0, w0)
	// words[0]: cum at the day's start (µs from From); then per piece its
	// start (an instant) and length (µs).
	words := [][]int64{make([]int64, l.days)}
	cum := -w0
	j := 0
	for d := range l.days {
		ds, de := l.origin+int64(d)*usPerDay, l.origin+int64(d+1)*usPerDay
		words[0][d] = cum
		for j < len(ivs) && ivs[j].to <= ds {
			j++
		}
		n := 0
		for i := j; i < len(ivs) && ivs[i].from < de; i++ {
			a, b := max(ivs[i].from, ds), min(ivs[i].to, de)
			if len(words) < 3+2*n {
				words = append(words, make([]int64, l.days), make([]int64, l.days))
			}
			words[1+2*n][d], words[2+2*n][d] = a, b-a
			cum += b - a
			n++
		}
	}
	l.words = append(l.words, words)
	l.inv = append(l.inv, l.inverse(ivs))
	return true
}

// inverse works out the deadline lists of one calendar's stretches: per
// business unit k whose work (k·unit, (k+1)·unit] (from origin) the range
// holds, the instant p at which cum reaches k·unit, then per cut the cum e
// into the unit at which a piece ends and the gap g to the next (µs).
func (l *Lookup) inverse(ivs []interval) [][]int64 {
	out := [][]int64{nil}
	if l.unit == 0 {
		return out
	}
	unit := l.unit * usPerSec
	type piece struct{ at, cum int64 } // an instant, cum from origin
	var pieces []piece
	k := int64(-1)
	flush := func() {
		if k < 0 || len(pieces) == 0 {
			return
		}
		kU := k * unit
		p := pieces[0].at
		row := []int64{p}
		g := int64(0)
		for _, pc := range pieces[1:] {
			e := pc.cum - kU
			gap := pc.at - e - p - g
			row = append(row, e, gap)
			g += gap
		}
		for len(out) < len(row) {
			out = append(out, make([]int64, len(out[0])))
		}
		for i := range out {
			v := int64(0) // no cut: a gap of 0 adds nothing
			if i < len(row) {
				v = row[i]
			}
			out[i] = append(out[i], v)
		}
	}
	var q int64 // cum from origin
	for _, iv := range ivs {
		c0, c1 := q, q+iv.to-iv.from
		for x := c0; x < c1; {
			kk := x / unit // cum x+1 is in unit kk
			if kk != k {
				flush()
				k, pieces = kk, nil
			}
			pieces = append(pieces, piece{at: iv.from + (x - c0), cum: x})
			x = min(c1, (kk+1)*unit)
		}
		q = c1
	}
	if q == (k+1)*unit {
		flush()
	}
	return out
}

// Instant is ts as µs since the epoch (BIGINT): TIMESTAMPTZ as is, a naive
// TIMESTAMP read on the data's clock (the calendars share it).
func (l *Lookup) Instant(ts string) string {
	return l.Cals[0].plan().instant(ts)
}

// list writes a constant BIGINT list, NULL past n.
func list(vals []int64, n int) string {
	// One text literal cast to a list, not a list of n constants: DuckDB
	// binds each constant of a list as an expression of its own, and the
	// business table's lookups (tens of thousands of elements) took 1.5 s
	// to plan on every start, whatever the data's size; the cast is parsed
	// once (same values, same type).
	var b strings.Builder
	b.WriteString("CAST('[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		if i < len(vals) {
			b.WriteString(strconv.FormatInt(vals[i], 10))
		} else {
			b.WriteString("NULL")
		}
	}
	b.WriteString("]' AS BIGINT[])")
	return b.String()
}

// pick writes f(i) for the row's calendar index cal ("" or one calendar:
// the first).
func (l *Lookup) pick(cal string, f func(i int) string) string {
	if cal == "" || len(l.Cals) == 1 {
		return f(0)
	}
	var b strings.Builder
	b.WriteString("(CASE " + cal)
	for i := range len(l.Cals) - 1 {
		b.WriteString(" WHEN " + strconv.Itoa(i) + " THEN " + f(i))
	}
	b.WriteString(" ELSE " + f(len(l.Cals)-1) + " END)")
	return b.String()
}

func width(ws [][][]int64) int {
	n := 0
	for _, w := range ws {
		n = max(n, len(w))
	}
	return n
}

// CumWords writes the day words of instant u (a BIGINT column) on the row's
// calendar (cal: an integer column, its index in Cals; "" with one
// calendar): NULL outside the range. Bind them to columns and pass those to
// Cum.
func (l *Lookup) CumWords(u, cal string) []string {
	// The lists end with a NULL, and the index is clamped to [0, days+1]
	// (a list's element 0 is NULL too): arithmetic, not a CASE.
	d := "least(greatest(" + u + " - " + num(l.origin-usPerDay) + ", 0) // " + num(usPerDay) + ", " + strconv.Itoa(l.days+1) + ")"
	var out []string
	for i := range width(l.words) {
		out = append(out, l.pick(cal, func(c int) string {
			if i >= len(l.words[c]) {
				return "0"
			}
			return list(l.words[c][i], l.days+1) + "[" + d + "]"
		}))
	}
	return out
}

// Cum writes the business µs from From to u (BIGINT; NULL when u is) from
// u's day words w (CumWords').
func (l *Lookup) Cum(u, cal string, w []string) string {
	// NULL outside the range (the words are): coalesce evaluates SQL's
	// expressions only on those rows.
	var b strings.Builder
	b.WriteString("coalesce(" + w[0])
	for i := 1; i+1 < len(w); i += 2 {
		b.WriteString(" + least(greatest(" + u + " - " + w[i] + ", 0), " + w[i+1] + ")")
	}
	b.WriteString(", CASE WHEN " + u + " IS NOT NULL THEN " + l.pick(cal, func(c int) string { return l.Cals[c].cumUS(u) }) + " END)")
	return b.String()
}

// DeadlineWords writes the deadline words of y (BIGINT: the cum to reach,
// µs from From, a column) on the row's calendar: NULL outside the range.
func (l *Lookup) DeadlineWords(y, cal string) []string {
	unit := l.unit * usPerSec
	if unit == 0 {
		return nil
	}
	yo := "(" + y + " + " + l.pick(cal, func(c int) string { return num(l.work0[c]) }) + ")"
	// As CumWords: the lists end with a NULL, the index is clamped.
	k := "least(greatest(" + yo + " - 1 + " + num(unit) + ", 0) // " + num(unit) + ", " + strconv.Itoa(l.units()+1) + ")"
	var out []string
	for i := range width(l.inv) {
		out = append(out, l.pick(cal, func(c int) string {
			if i >= len(l.inv[c]) {
				return "0"
			}
			return list(l.inv[c][i], l.units()+1) + "[" + k + "]"
		}))
	}
	return out
}

// units is the inverse lists' length (the longest calendar's).
func (l *Lookup) units() int {
	n := 0
	for _, w := range l.inv {
		n = max(n, len(w[0]))
	}
	return n
}

// Deadline writes the first instant at which cum reaches y, at the earliest
// the start u, as a naive TIMESTAMP on the data's clock (SQL.Deadline's),
// from y's deadline words w; NULL when y is.
func (l *Lookup) Deadline(y, u, cal string, w []string) string {
	if len(w) == 0 || l.unit == 0 {
		return "(CASE WHEN " + y + " IS NOT NULL THEN " + l.pick(cal, func(c int) string { return l.Cals[c].deadlineUS(u, y) }) + " END)"
	}
	unit := l.unit * usPerSec
	yo := "(" + y + " + " + l.pick(cal, func(c int) string { return num(l.work0[c]) }) + ")"
	r := "((" + yo + " - 1) % " + num(unit) + " + 1)"
	var b strings.Builder
	b.WriteString("(" + w[0] + " + " + r)
	for i := 1; i+1 < len(w); i += 2 {
		b.WriteString(" + CAST(" + r + " > " + w[i] + " AS BIGINT) * " + w[i+1])
	}
	b.WriteString(")")
	p := l.Cals[0].plan()
	// greatest(x, u) would pass over a NULL x (outside the range)
	x := "(" + b.String() + " + greatest(" + u + " - " + b.String() + ", 0))"
	if p.dataSet {
		x = "(" + x + " + " + steps(x, p.data0, p.data, false) + ")"
	}
	return "coalesce(make_timestamp(" + x + "), CASE WHEN " + y + " IS NOT NULL THEN " +
		l.pick(cal, func(c int) string { return l.Cals[c].deadlineUS(u, y) }) + " END)"
}
