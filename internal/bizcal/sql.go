package bizcal

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"kpiscope/internal/store"
)

// SQL writes DuckDB expressions for one calendar over the data's timestamps.
//
// The expressions are per-row BIGINT arithmetic on microseconds with
// constants Go works out from the calendar, no join and no list lookup; they
// cost 5–10× the plain duration at 10M rows. Lookup (lookup.go) is the fast
// form over a range of up to about 16 years, with one list lookup per
// instant, and falls back to these for rows outside its range; these alone
// serve where an instant is known only at query time (the backlog's
// business-days macro, in internal/workspace). The business time up to
// an instant u is P(u + offset) − K(u): P counts the weekly pattern on the
// local wall clock (whole weeks × the week's work + a small CASE over the
// week's spans); offset is the zone's UTC offset (a CASE over the DST changes
// in range picks one of the few offsets); K is a CASE tree over the range's
// irregular events (DST changes, holidays) whose leaves are constants, so
// that P − K equals the exact Go reference at every instant: a holiday's
// leaf cancels the day's work, a DST change's leaf removes the hour the
// clock skipped (or adds the one it repeated). CASE subexpressions are not
// shared by DuckDB's common-subexpression pass, so each is written to be
// evaluated once per row; Deadline, which needs the value of one CASE in
// several places, binds it with a one-element list lambda.
type SQL struct {
	Cal *Calendar
	// Data is the zone of the data's naive TIMESTAMP values (nil: UTC).
	// TIMESTAMPTZ values are instants.
	Data *time.Location
	// From and To are the instants the expressions must be exact over: the
	// data's range (pass a margin for deadlines past it). DST changes and
	// holidays more than a week outside it are left out.
	From, To time.Time
}

// Cum is a DOUBLE: business seconds from From to ts (monotone in ts).
func (s SQL) Cum(ts string) string {
	p := s.plan()
	if p.weekLen == 0 {
		return "(CASE WHEN (" + ts + ") IS NULL THEN NULL ELSE 0.0 END)"
	}
	return "(CAST(" + p.cum(p.instant(ts)) + " - " + num(p.cumFrom) + " AS DOUBLE) / 1e6)"
}

// Duration is a DOUBLE: business seconds from start to end; NULL when either
// is NULL or end < start.
func (s SQL) Duration(start, end string) string {
	p := s.plan()
	if p.weekLen == 0 {
		return "(CASE WHEN (" + end + ") >= (" + start + ") THEN 0.0 END)"
	}
	return "(CASE WHEN (" + end + ") >= (" + start + ") THEN CAST(" +
		p.cum(p.instant(end)) + " - " + p.cum(p.instant(start)) + " AS DOUBLE) / 1e6 END)"
}

// Deadline is a TIMESTAMP (naive, in the data's clock): the first instant at
// which secs business seconds have passed since start (a deadline on a
// span's end is that end); NULL if either is NULL, or if the calendar has no
// working hours. secs <= 0 gives start.
func (s SQL) Deadline(start, secs string) string {
	p := s.plan()
	if p.weekLen == 0 || len(p.inv) == 0 {
		return "CAST(NULL AS TIMESTAMP)"
	}
	u := p.instant(start)
	y := "(" + p.cum(u) + " + CAST(round((" + secs + ") * 1e6) AS BIGINT))"
	x := "greatest(" + let(y, "y", p.inverse("y")) + ", " + u + ")"
	if p.dataSet {
		x = let(x, "x", "(x + "+steps("x", p.data0, p.data, false)+")")
	}
	// greatest passes over a NULL, so a NULL target is caught first.
	return "(CASE WHEN (" + secs + ") IS NOT NULL THEN make_timestamp(" + x + ") END)"
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

// weekAnchor is the wall clock of Monday 1900-01-01 00:00 (µs): week
// arithmetic counts from it, so it stays positive for any real timestamp.
const weekAnchor = int64(-2208988800) * usPerSec

// plan holds the constants of one calendar over one range (µs).
type plan struct {
	spans   []weekSpan // the week's working spans from Monday 00:00, merged
	weekLen int64      // work in one week
	offs    []piece    // the zone's offset by instant: from each at on
	ks      []piece    // K by instant: a constant, or on a holiday a day's pattern
	inv     []piece    // for Deadline: the stretches of work, by cum at their end
	data    []change   // the data zone's offset changes in range
	data0   int64      // the data zone's offset before them
	dataSet bool       // naive timestamps are not UTC
	cumFrom int64      // cum at From
}

type weekSpan struct{ start, len int64 }

// piece is one stretch of instants from at (or of cum up to end, for inv).
type piece struct {
	at, end, off, k int64
	holiday         bool
	day             []weekSpan // a holiday's spans from its local midnight
	midnight        int64      // a holiday's local midnight (wall clock)
}

// change is a UTC offset change at instant at; naive is where it takes
// effect on the data's clock (values in a skipped or repeated hour map as
// Go's time.Date maps them).
type change struct{ at, naive, off int64 }

func (s SQL) plan() *plan {
	c := s.Cal
	p := &plan{}
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
	// A zero From would reach back to year 1: the week arithmetic counts
	// from 1900, so nothing earlier is exact anyway.
	lo := max(s.From.UnixMicro(), weekAnchor+usPerWeek) - 8*usPerDay
	hi := max(s.To.UnixMicro(), lo) + 8*usPerDay
	if s.Data != nil {
		p.data0, p.data = changes(s.Data, lo, hi)
		p.dataSet = p.data0 != 0 || len(p.data) > 0
		for i := range p.data {
			p.data[i].naive = naiveAt(s.Data, p.data[i])
		}
	}
	if p.weekLen == 0 {
		return p
	}
	zone := c.zone()
	off0, zch := changes(zone, lo, hi)

	// The events: DST changes and the local midnights around holidays.
	hol := c.holidaySet()
	events := []int64{lo}
	for _, ch := range zch {
		events = append(events, ch.at)
	}
	for d := range hol {
		if d*usPerDay < lo-2*usPerDay+off0 || d*usPerDay > hi+2*usPerDay+off0 || len(c.Week[weekday(d)]) == 0 {
			continue
		}
		for _, m := range []int64{d, d + 1} {
			t := time.UnixMicro(m * usPerDay).UTC()
			events = append(events, time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, zone).UnixMicro())
		}
	}
	sort.Slice(events, func(i, j int) bool { return events[i] < events[j] })
	cum := int64(0) // exact work from lo
	for i, at := range events {
		if i > 0 && at == events[i-1] {
			continue
		}
		if i > 0 {
			cum += c.work(hol, events[i-1], at)
		}
		_, o := time.UnixMicro(at).In(zone).Zone()
		off := int64(o) * usPerSec
		if n := len(p.offs); n == 0 || p.offs[n-1].off != off {
			p.offs = append(p.offs, piece{at: at, off: off})
		}
		pc := piece{at: at, off: off}
		if d := floorDiv(at+off, usPerDay); hol[d] {
			pc.holiday = true
			pc.midnight = d * usPerDay
			for _, sp := range c.Week[weekday(d)] {
				pc.day = append(pc.day, weekSpan{int64(sp.Start) * usPerSec, int64(sp.End-sp.Start) * usPerSec})
			}
			// On the holiday P(w) = P(midnight) + the day's pattern; cum stays.
			pc.k = p.pGo(pc.midnight) - cum
		} else {
			pc.k = p.pGo(at+off) - cum
		}
		switch n := len(p.ks); {
		case n > 0 && p.ks[n-1].at == at:
			p.ks[n-1] = pc
		case n > 0 && !pc.holiday && !p.ks[n-1].holiday && p.ks[n-1].k == pc.k:
			// A clock change outside working hours leaves K as it was.
		default:
			p.ks = append(p.ks, pc)
		}
		pc.end = cum // cum at the start, for inv below
		p.inv = append(p.inv, pc)
	}
	// inv: the stretches that do work, each with the cum at its end.
	var inv []piece
	for i, pc := range p.inv {
		if pc.holiday {
			continue
		}
		start := pc.end
		end := int64(1) << 62
		if i+1 < len(p.inv) {
			end = p.inv[i+1].end
		}
		if end > start || i == 0 {
			pc.end = end
			inv = append(inv, pc)
		}
	}
	p.inv = inv
	p.cumFrom = p.cumGo(s.From.UnixMicro())
	return p
}

// pGo is P, the weekly pattern's work from weekAnchor to wall clock w.
func (p *plan) pGo(w int64) int64 {
	r := w - weekAnchor
	wk := floorDiv(r, usPerWeek)
	sow := r - wk*usPerWeek
	n := wk * p.weekLen
	for _, s := range p.spans {
		n += min(max(sow-s.start, 0), s.len)
	}
	return n
}

// cumGo is the Go twin of cum (the tests hold it to the reference).
func (p *plan) cumGo(u int64) int64 {
	off := p.offs[0].off
	for _, o := range p.offs {
		if u >= o.at {
			off = o.off
		}
	}
	k := p.ks[0]
	for _, pc := range p.ks {
		if u >= pc.at {
			k = pc
		}
	}
	if k.holiday {
		return p.pGo(k.midnight) - k.k
	}
	return p.pGo(u+off) - k.k
}

// work is the exact business time in [a, b) (µs since the epoch).
func (c *Calendar) work(hol map[int64]bool, a, b int64) int64 {
	var n int64
	for _, seg := range c.segments(a, b) {
		n += c.wallWork(hol, seg.from+seg.off, seg.to+seg.off)
	}
	return n
}

// changes lists a zone's offset changes in [lo, hi] (µs) and the offset before.
func changes(z *time.Location, lo, hi int64) (int64, []change) {
	base := int64(offsetAt(z, lo)) * usPerSec
	prev := base
	var out []change
	for u := lo; ; {
		end := zoneEnd(z, u, hi+1)
		if end > hi {
			return base, out
		}
		u = end
		o := int64(offsetAt(z, u)) * usPerSec
		if d := o - prev; d != 0 {
			out = append(out, change{at: u, off: d})
		}
		prev = o
	}
}

// naiveAt is where a data-zone change takes effect on the naive clock.
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

// instant is ts as µs since the epoch (BIGINT): TIMESTAMPTZ as is, a naive
// TIMESTAMP read on the data's clock.
func (p *plan) instant(ts string) string {
	e := "epoch_us(" + ts + ")"
	if !p.dataSet {
		return e
	}
	conv := "(" + e + " - " + steps(e, p.data0, p.data, true) + ")"
	return "(CASE WHEN typeof(" + ts + ") = 'TIMESTAMP WITH TIME ZONE' THEN " + e + " ELSE " + conv + " END)"
}

// steps writes base + Σ (x >= at) × off over the changes (at = naive when
// onNaive): arithmetic, so DuckDB computes it once however often it is used.
func steps(x string, base int64, chs []change, onNaive bool) string {
	var b strings.Builder
	b.WriteString("(" + num(base))
	for _, ch := range chs {
		at := ch.at
		if onNaive {
			at = ch.naive
		}
		b.WriteString(" + CAST(" + x + " >= " + num(at) + " AS BIGINT) * " + num(ch.off))
	}
	b.WriteString(")")
	return b.String()
}

// tree writes a binary CASE over x choosing piece i for x >= at[i] (the
// first piece also below), leaf writing each piece's value.
func tree(x string, at []int64, leaf func(i int) string, strictLE bool) string {
	var rec func(i, j int) string
	rec = func(i, j int) string {
		if j-i == 1 {
			return leaf(i)
		}
		m := (i + j) / 2
		cond := x + " < " + num(at[m])
		if strictLE {
			cond = x + " <= " + num(at[m-1])
		}
		return "(CASE WHEN " + cond + " THEN " + rec(i, m) + " ELSE " + rec(m, j) + " END)"
	}
	return rec(0, len(at))
}

// patternSQL writes P(u + off): the pattern's work up to the wall clock of
// instant u at UTC offset off. Every use of the week's position recomputes
// it (DuckDB shares no subexpression under a CASE), so it is kept to two
// operations.
func (p *plan) patternSQL(u string, off int64) string {
	r := "(" + u + " + " + num(off-weekAnchor) + ")"
	wk := "(" + r + " // " + num(usPerWeek) + ")"
	sow := "(" + r + " % " + num(usPerWeek) + ")"
	return "(" + wk + " * " + num(p.weekLen) + " + " + piecewise(sow, p.spans) + ")"
}

// piecewise writes Σ clamp(x − start, 0, len) over sorted spans as one CASE
// tree over x with a leaf per span, greatest(x − start + done, done) up to the
// span's end (flat before it, rising through it), and the total after the last.
// (One leaf per span, not two, as each CASE level costs a copy per row.)
func piecewise(x string, spans []weekSpan) string {
	if len(spans) == 1 && spans[0].start == 0 && spans[0].len == usPerWeek {
		return x
	}
	at := []int64{0}
	for _, s := range spans {
		at = append(at, s.start+s.len)
	}
	return tree(x, at, func(i int) string {
		var done int64
		for _, s := range spans[:i] {
			done += s.len
		}
		if i == len(spans) {
			return num(done)
		}
		return "greatest(" + x + " - " + num(spans[i].start-done) + ", " + num(done) + ")"
	}, false)
}

// cum writes the business µs from lo to instant u (BIGINT; the Go twin is
// cumGo).
func (p *plan) cum(u string) string {
	return "(" + p.patternAt(u) + " - " + p.kAt(u) + ")"
}

// patternAt writes P(u + the zone's offset at u): one branch per distinct
// offset (two for a zone with DST), its condition an OR of the stretches
// with that offset. A flat CASE, not a tree with a leaf per stretch: DuckDB
// evaluates each leaf on its own slice of rows, so fewer leaves run faster.
func (p *plan) patternAt(u string) string {
	if len(p.offs) == 1 {
		return p.patternSQL(u, p.offs[0].off)
	}
	var order []int64
	conds := map[int64][]string{}
	for i, o := range p.offs {
		if _, ok := conds[o.off]; !ok {
			order = append(order, o.off)
		}
		var c []string
		if i > 0 {
			c = append(c, u+" >= "+num(o.at))
		}
		if i+1 < len(p.offs) {
			c = append(c, u+" < "+num(p.offs[i+1].at))
		}
		conds[o.off] = append(conds[o.off], "("+strings.Join(c, " AND ")+")")
	}
	var b strings.Builder
	b.WriteString("(CASE")
	for _, off := range order[:len(order)-1] {
		b.WriteString(" WHEN " + strings.Join(conds[off], " OR ") + " THEN " + p.patternSQL(u, off))
	}
	b.WriteString(" ELSE " + p.patternSQL(u, order[len(order)-1]) + " END)")
	return b.String()
}

// kAt writes K(u).
func (p *plan) kAt(u string) string {
	at := make([]int64, len(p.ks))
	for i, pc := range p.ks {
		at[i] = pc.at
	}
	return tree(u, at, func(i int) string {
		pc := p.ks[i]
		if !pc.holiday {
			return num(pc.k)
		}
		// On a holiday P(u + off) − K must stay put: K follows the day's
		// pattern from its midnight.
		tod := "(" + u + " + " + num(pc.off-pc.midnight) + ")"
		return "(" + num(pc.k) + " + " + piecewise(tod, pc.day) + ")"
	}, false)
}

// inverse writes, in terms of the bound name y (a cum value), the earliest
// instant (µs since the epoch) at which cum reaches y.
func (p *plan) inverse(y string) string {
	at := make([]int64, len(p.inv))
	for i, pc := range p.inv {
		at[i] = pc.end
	}
	k := tree(y, at, func(i int) string { return num(p.inv[i].k) }, true)
	off := tree(y, at, func(i int) string { return num(p.inv[i].off) }, true)
	// The earliest wall clock with P(w) = z: whole weeks, then the span
	// within the week (a value on a span's end stays on it).
	body := "(" + num(weekAnchor) + " + ((z - 1) // " + num(p.weekLen) + ") * " + num(usPerWeek) + " + " +
		p.spanAt("(z - ((z - 1) // "+num(p.weekLen)+") * "+num(p.weekLen)+")") + ")"
	return "(" + let("("+y+" + "+k+")", "z", body) + " - " + off + ")"
}

// spanAt writes the time into the week at which the week's work reaches r
// (0 < r <= weekLen).
func (p *plan) spanAt(r string) string {
	if len(p.spans) == 1 {
		return "(" + r + " + " + num(p.spans[0].start) + ")"
	}
	var b strings.Builder
	b.WriteString("(CASE")
	var done int64
	for i, s := range p.spans {
		done += s.len
		val := "(" + r + " + " + num(s.start-(done-s.len)) + ")"
		if i == len(p.spans)-1 {
			b.WriteString(" ELSE " + val)
			break
		}
		b.WriteString(" WHEN " + r + " <= " + num(done) + " THEN " + val)
	}
	b.WriteString(" END)")
	return b.String()
}

// let binds expr to name within body: DuckDB computes a CASE subexpression
// once per use, so a value used in several places is passed through a
// one-element list lambda.
func let(expr, name, body string) string {
	return "list_transform([" + expr + "], " + name + " -> " + body + ")[1]"
}

func num(n int64) string {
	if n < 0 {
		return "(" + strconv.FormatInt(n, 10) + ")"
	}
	return strconv.FormatInt(n, 10)
}

// cumUS writes the business µs from From to the instant u (BIGINT), for
// Lookup's rows outside its tables.
func (s SQL) cumUS(u string) string {
	p := s.plan()
	if p.weekLen == 0 {
		return "CAST(0 AS BIGINT)"
	}
	return "(" + p.cum(u) + " - " + num(p.cumFrom) + ")"
}

// deadlineUS writes Deadline from the instant u for the cum target y (µs
// from From, BIGINT), for Lookup's rows outside its tables.
func (s SQL) deadlineUS(u, y string) string {
	p := s.plan()
	if p.weekLen == 0 || len(p.inv) == 0 {
		return "CAST(NULL AS TIMESTAMP)"
	}
	yp := "(" + y + " + " + num(p.cumFrom) + ")"
	x := "greatest(" + let(yp, "y", p.inverse("y")) + ", " + u + ")"
	if p.dataSet {
		x = let(x, "x", "(x + "+steps("x", p.data0, p.data, false)+")")
	}
	return "make_timestamp(" + x + ")"
}
