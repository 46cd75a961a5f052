package bizcal

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"kpiscope/internal/store"
)

// SQL writes DuckDB expressions for one calendar over the data's timestamps.
//
// The expressions are per-row arithmetic with constants Go works out from
// the calendar (no join, no list lookup, which cost 4–5× at 10M rows):
// local wall clock = instant + UTC offset (a base plus one step per DST
// change in range); business time up to a wall-clock instant = whole weeks ×
// the week's work + the piecewise-linear part within the week − the holidays
// passed; minus, per DST change, the work the wall clock skipped (or plus
// what it repeated), so the result is real elapsed business time. Deadline
// inverts that monotone function in closed form.
type SQL struct {
	Cal *Calendar
	// Data is the zone of the data's naive TIMESTAMP values (nil: UTC).
	// TIMESTAMPTZ values are instants.
	Data *time.Location
	// From and To are the instants the expressions must be exact over: the
	// data's range (pass a margin for deadlines past it). DST changes and
	// holidays outside it (give or take a week) are left out.
	From, To time.Time
}

// Cum is a DOUBLE: business seconds from From to ts (monotone in ts).
func (s SQL) Cum(ts string) string {
	p := s.plan()
	if p.weekLen == 0 {
		return "(CASE WHEN (" + ts + ") IS NULL THEN NULL ELSE 0.0 END)"
	}
	return "((" + p.cum(p.instant(ts)) + " - " + num(p.cumFrom) + ") / 1e6)"
}

// Duration is a DOUBLE: business seconds from start to end; NULL when either
// is NULL or end < start.
func (s SQL) Duration(start, end string) string {
	p := s.plan()
	if p.weekLen == 0 {
		return "(CASE WHEN (" + end + ") >= (" + start + ") THEN 0.0 END)"
	}
	return "(CASE WHEN (" + end + ") >= (" + start + ") THEN (" +
		p.cum(p.instant(end)) + " - " + p.cum(p.instant(start)) + ") / 1e6 END)"
}

// Deadline is a TIMESTAMP (naive, in the data's clock): the first instant at
// which secs business seconds have passed since start (a deadline on a
// span's end is that end); NULL if either is NULL, or if the calendar has no
// working hours. secs <= 0 gives start.
func (s SQL) Deadline(start, secs string) string {
	p := s.plan()
	if p.weekLen == 0 {
		return "CAST(NULL AS TIMESTAMP)"
	}
	u := p.instant(start)
	y := "(" + p.cum(u) + " + (" + secs + ") * 1e6)"
	x := "greatest(" + p.inverse(y) + ", " + u + ")"
	return "make_timestamp(CAST(" + p.dataClock(x) + " AS BIGINT))"
}

// Pick chooses a calendar per row by a column's value: a CASE on col (as
// text) with one branch per value of by, in sorted order, and def for the
// others.
func Pick(col string, by map[string]SQL, def SQL, f func(SQL) string) string {
	if len(by) == 0 {
		return f(def)
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("(CASE CAST(" + col + " AS VARCHAR)")
	for _, k := range keys {
		b.WriteString(" WHEN " + store.QuoteLiteral(k) + " THEN " + f(by[k]))
	}
	b.WriteString(" ELSE " + f(def) + " END)")
	return b.String()
}

// plan holds the constants of one calendar over one range; every quantity
// is in microseconds (exact integers in a DOUBLE).
type plan struct {
	anchor  int64      // wall clock (µs, local as if UTC) of a Monday 00:00 before From
	spans   []weekSpan // the week's working spans from the anchor's Monday, merged
	weekLen int64      // work in one week
	zone    []change   // the calendar zone's offset changes in range
	zone0   int64      // the calendar zone's offset before them
	data    []change   // the data zone's offset changes in range
	data0   int64      // the data zone's offset before them
	dataSet bool       // naive timestamps are not UTC
	hols    []holiday  // holidays in range, sorted
	cumFrom int64      // cum at From
}

type weekSpan struct{ start, len int64 }

// change is a UTC offset change at instant at: off is added from then on.
// naive is where it takes effect on the data's clock (naive values in a
// skipped or repeated hour map as Go's time.Date maps them); delta is the
// work the calendar's wall clock skips there (negative if it repeats);
// cumAt is cum at the change.
type change struct {
	at, naive, off, delta, cumAt int64
}

// holiday: g is the week-function's value at the holiday's midnight, work the
// day's work, h the business time before it once earlier holidays are left out.
type holiday struct{ g, work, h int64 }

func (s SQL) plan() *plan {
	c := s.Cal
	p := &plan{}
	lo := s.From.UnixMicro() - 8*usPerDay
	hi := s.To.UnixMicro() + 8*usPerDay
	if hi < lo {
		hi = lo
	}
	p.zone0, p.zone = changes(c.zone(), lo, hi)
	if s.Data != nil {
		p.data0, p.data = changes(s.Data, lo, hi)
		p.dataSet = p.data0 != 0 || len(p.data) > 0
		for i := range p.data {
			p.data[i].naive = naiveAt(s.Data, p.data[i])
		}
	}
	day := floorDiv(lo+p.zone0, usPerDay)
	day -= mod(day+3, 7) // back to a Monday (day 4 = Monday 1970-01-05)
	p.anchor = day * usPerDay

	for i := range 7 {
		for _, sp := range c.Week[(i+1)%7] {
			st := int64(i)*usPerDay + int64(sp.Start)*usPerSec
			n := int64(sp.End-sp.Start) * usPerSec
			if n <= 0 {
				continue
			}
			if k := len(p.spans) - 1; k >= 0 && p.spans[k].start+p.spans[k].len == st {
				p.spans[k].len += n
			} else {
				p.spans = append(p.spans, weekSpan{st, n})
			}
			p.weekLen += n
		}
	}
	if p.weekLen == 0 {
		return p
	}
	seen := map[int64]bool{}
	for _, h := range c.Holidays {
		d := dayOf(h)
		if seen[d] || d*usPerDay < lo+p.zone0-2*usPerDay || d*usPerDay > hi+p.zone0+2*usPerDay {
			continue
		}
		seen[d] = true
		w := d*usPerDay - p.anchor
		work := p.g(w+usPerDay) - p.g(w)
		if work > 0 {
			p.hols = append(p.hols, holiday{g: p.g(w), work: work})
		}
	}
	sort.Slice(p.hols, func(i, j int) bool { return p.hols[i].g < p.hols[j].g })
	var before int64
	for i := range p.hols {
		p.hols[i].h = p.hols[i].g - before
		before += p.hols[i].work
	}
	off := p.zone0
	var corr int64
	for i := range p.zone {
		ch := &p.zone[i]
		ch.delta = p.h(ch.at+off+ch.off-p.anchor) - p.h(ch.at+off-p.anchor)
		ch.cumAt = p.h(ch.at+off-p.anchor) - corr
		off += ch.off
		corr += ch.delta
	}
	p.cumFrom = p.cumGo(s.From.UnixMicro())
	return p
}

// changes lists a zone's offset changes in [lo, hi] (µs) and the offset before.
func changes(z *time.Location, lo, hi int64) (int64, []change) {
	t := time.UnixMicro(lo).In(z)
	_, off := t.Zone()
	base := int64(off) * usPerSec
	prev := base
	var out []change
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() || end.UnixMicro() > hi {
			return base, out
		}
		t = end.In(z)
		_, o := t.Zone()
		if d := int64(o)*usPerSec - prev; d != 0 {
			out = append(out, change{at: end.UnixMicro(), off: d})
		}
		prev = int64(o) * usPerSec
	}
}

// naiveAt is where a data-zone change takes effect on the naive clock: naive
// values in the skipped or repeated range map to an instant as time.Date does.
func naiveAt(z *time.Location, ch change) int64 {
	_, offAfter := time.UnixMicro(ch.at).In(z).Zone()
	o2 := int64(offAfter) * usPerSec
	o1 := o2 - ch.off
	mid := ch.at + (o1+o2)/2
	m := time.UnixMicro(mid).UTC()
	t := time.Date(m.Year(), m.Month(), m.Day(), m.Hour(), m.Minute(), m.Second(), m.Nanosecond(), z)
	if t.UnixMicro() == mid-o1 {
		return ch.at + max(o1, o2)
	}
	return ch.at + min(o1, o2)
}

// g is the work from the anchor to wall clock w (µs after the anchor),
// holidays not left out; h leaves them out; cumGo is cum at an instant.
func (p *plan) g(w int64) int64 {
	wk := floorDiv(w, usPerWeek)
	sow := w - wk*usPerWeek
	n := wk * p.weekLen
	for _, s := range p.spans {
		n += min(max(sow-s.start, 0), s.len)
	}
	return n
}

func (p *plan) h(w int64) int64 {
	g := p.g(w)
	n := g
	for _, hd := range p.hols {
		n -= min(max(g-hd.g, 0), hd.work)
	}
	return n
}

func (p *plan) cumGo(u int64) int64 {
	off, corr := p.zone0, int64(0)
	for _, ch := range p.zone {
		if u >= ch.at {
			off += ch.off
			corr += ch.delta
		}
	}
	return p.h(u+off-p.anchor) - corr
}

// instant is ts as µs since the epoch (DOUBLE): TIMESTAMPTZ as is, a naive
// TIMESTAMP read on the data's clock.
func (p *plan) instant(ts string) string {
	e := "CAST(epoch_us(" + ts + ") AS DOUBLE)"
	if !p.dataSet {
		return e
	}
	conv := "(" + e + " - " + steps(e, p.data0, p.data, true) + ")"
	return "(CASE WHEN typeof(" + ts + ") = 'TIMESTAMP WITH TIME ZONE' THEN " + e + " ELSE " + conv + " END)"
}

// steps writes base + Σ (x >= at) × off over the changes (at = naive when
// onNaive).
func steps(x string, base int64, chs []change, onNaive bool) string {
	var b strings.Builder
	b.WriteString("(" + num(base))
	for _, ch := range chs {
		at := ch.at
		if onNaive {
			at = ch.naive
		}
		fmt.Fprintf(&b, " + CAST(%s >= %s AS DOUBLE) * %s", x, num(at), num(ch.off))
	}
	b.WriteString(")")
	return b.String()
}

// cum writes the business µs from the anchor to instant u, DST corrections
// included (the Go twin is cumGo).
func (p *plan) cum(u string) string {
	w := "(" + u + " + " + steps(u, p.zone0-p.anchor, p.zone, false) + ")"
	var b strings.Builder
	b.WriteString("(" + p.hSQL(w))
	for _, ch := range p.zone {
		if ch.delta != 0 {
			fmt.Fprintf(&b, " - CAST(%s >= %s AS DOUBLE) * %s", u, num(ch.at), num(ch.delta))
		}
	}
	b.WriteString(")")
	return b.String()
}

func (p *plan) hSQL(w string) string {
	wk := "floor(" + w + " / " + num(usPerWeek) + ")"
	sow := "(" + w + " - " + wk + " * " + num(usPerWeek) + ")"
	var g strings.Builder
	g.WriteString("(" + wk + " * " + num(p.weekLen))
	for _, s := range p.spans {
		if s.start == 0 && s.len == usPerWeek {
			g.WriteString(" + " + sow)
			continue
		}
		fmt.Fprintf(&g, " + least(greatest(%s - %s, 0), %s)", sow, num(s.start), num(s.len))
	}
	g.WriteString(")")
	if len(p.hols) == 0 {
		return g.String()
	}
	gs := g.String()
	var b strings.Builder
	b.WriteString("(" + gs)
	for _, hd := range p.hols {
		fmt.Fprintf(&b, " - least(greatest(%s - %s, 0), %s)", gs, num(hd.g), num(hd.work))
	}
	b.WriteString(")")
	return b.String()
}

// inverse writes the earliest instant (µs since the epoch) at which cum
// reaches y.
func (p *plan) inverse(y string) string {
	// Undo the DST corrections and find the offset in force.
	z, off := "("+y, "("+num(p.zone0)
	for _, ch := range p.zone {
		cond := fmt.Sprintf("CAST(%s > %s AS DOUBLE)", y, num(ch.cumAt))
		if ch.delta != 0 {
			z += " + " + cond + " * " + num(ch.delta)
		}
		off += " + " + cond + " * " + num(ch.off)
	}
	z += ")"
	off += ")"
	// Step over the holidays.
	g := "(" + z
	for _, hd := range p.hols {
		g += fmt.Sprintf(" + CAST(%s > %s AS DOUBLE) * %s", z, num(hd.h), num(hd.work))
	}
	g += ")"
	// Whole weeks, then the span within the week.
	wk := "(ceil(" + g + " / " + num(p.weekLen) + ") - 1)"
	r := "(" + g + " - " + wk + " * " + num(p.weekLen) + ")"
	sow := "(" + num(p.spans[0].start) + " + " + r
	var before int64
	for i := 0; i+1 < len(p.spans); i++ {
		before += p.spans[i].len
		gap := p.spans[i+1].start - p.spans[i].start - p.spans[i].len
		sow += fmt.Sprintf(" + CAST(%s > %s AS DOUBLE) * %s", r, num(before), num(gap))
	}
	sow += ")"
	return "(" + wk + " * " + num(usPerWeek) + " + " + sow + " + " + num(p.anchor) + " - " + off + ")"
}

// dataClock writes instant x (µs) on the data's clock.
func (p *plan) dataClock(x string) string {
	if !p.dataSet {
		return x
	}
	return "(" + x + " + " + steps(x, p.data0, p.data, false) + ")"
}

func num(n int64) string {
	if n < 0 {
		return "(" + strconv.FormatInt(n, 10) + ")"
	}
	return strconv.FormatInt(n, 10)
}
