package kpi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Why a KPI moved: its change between the comparison period and the current
// one split over the segments of a breakdown (symmetric shift-share, see
// KPI_REFERENCE.md), and the segments of every dimension that explain most
// of it (TopMovers).

// ErrNoComparison is matched (besides ErrNotDecomposable) by Decompose's
// error when the result is compared with the target, not with a period: the
// explorer says which key compares with a period, the report which flag.
var ErrNoComparison = errors.New("compared with the target, not a period")

// notDecomposable is a reason a change cannot be split; it matches
// ErrNotDecomposable, and ErrNoComparison when that is the reason.
type notDecomposable struct {
	msg       string
	noCompare bool
}

func (e *notDecomposable) Error() string { return e.msg }

func (e *notDecomposable) Is(target error) bool {
	return target == ErrNotDecomposable || e.noCompare && target == ErrNoComparison
}

func cannotSplit(format string, args ...any) error {
	return &notDecomposable{msg: fmt.Sprintf(format, args...)}
}

// Decomposable returns nil when a KPI's change can be split by segment, else
// why not (matching ErrNotDecomposable): a median or quantile, distinct
// counts, a composite of other KPIs, or a value that is not a ratio of
// additive counts or sums. The explorer can say so before asking anything.
func Decomposable(d *Def) error {
	if d == nil {
		return cannotSplit("no KPI")
	}
	if d.Type == Composite {
		var ids []string
		for _, n := range d.InputNames() {
			if id, _, _ := strings.Cut(d.Inputs[n], "."); !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		return cannotSplit("computed from other KPIs (%s): its change cannot be split by segment", strings.Join(ids, ", "))
	}
	for _, expr := range valueComponents(d) {
		if hasDistinct(expr) {
			return cannotSplit("counts distinct values (orders, customers), which do not add up over segments: its change cannot be split by segment")
		}
		if t, ok := parseTemplate(expr); ok {
			for _, a := range t.atoms {
				if a.kind == atomQuantile {
					return cannotSplit("a median or quantile: segments' medians do not add up to the total's, so its change cannot be split by segment")
				}
			}
		}
		if l := strings.ToLower(expr); strings.Contains(l, "median(") || strings.Contains(l, "quantile") {
			return cannotSplit("a median or quantile: segments' medians do not add up to the total's, so its change cannot be split by segment")
		}
	}
	if !ratioForm(d) {
		return cannotSplit("not a ratio of counts or sums: its change cannot be split by segment")
	}
	return nil
}

// valueComponents lists the aggregates the KPI's value is computed from: a
// Ratio's numerator and denominator, the inputs a Formula's or Cohort's
// expression uses (all of them when it names none). A sample-size line (n:)
// and inputs the expression leaves out do not enter the value, so a distinct
// count there (init's n: count(DISTINCT "Order ID") beside a margin's
// sum/sum) does not make the change unsplittable.
func valueComponents(d *Def) []string {
	switch d.Type {
	case Ratio:
		return []string{d.Numerator, d.Denominator}
	case Formula, Cohort:
		var used, all []string
		for _, k := range d.InputNames() {
			all = append(all, d.Inputs[k])
			if exprUses(d.Expr, k) {
				used = append(used, d.Inputs[k])
			}
		}
		if len(used) == 0 {
			return all
		}
		return used
	}
	return nil
}

// exprUses reports whether name occurs in expr as a whole word.
func exprUses(expr, name string) bool {
	for i := 0; ; {
		j := strings.Index(expr[i:], name)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(name)
		if (j == 0 || !isWordChar(expr[j-1])) && (end >= len(expr) || !isWordChar(expr[end])) {
			return true
		}
		i = j + 1
	}
}

// hasDistinct reports whether an aggregate expression counts distinct values.
func hasDistinct(expr string) bool {
	l := strings.ToLower(expr)
	for i := strings.Index(l, "distinct"); i >= 0; {
		end := i + len("distinct")
		before := i == 0 || !isWordChar(l[i-1])
		after := end >= len(l) || !isWordChar(l[end])
		if before && after {
			return true
		}
		j := strings.Index(l[end:], "distinct")
		if j < 0 {
			break
		}
		i = end + j
	}
	return false
}

// ratioForm says how the KPI's value is num / den of additive components:
// a Ratio of one count or sum over another, each maybe scaled
// (sum(x) / 3600.0), or a Formula or Cohort of such inputs in NPS's form,
// 100 × (promoters − detractors) / n, or a share's, K × a / b.
func ratioForm(d *Def) bool {
	switch d.Type {
	case Ratio:
		return additive(d.Numerator) && additive(d.Denominator)
	case Formula, Cohort:
		if p, dt, n, ok := d.npsInputs(); ok {
			return additive(d.Inputs[p]) && additive(d.Inputs[dt]) && additive(d.Inputs[n])
		}
		if _, a, b, ok := d.shareInputs(); ok {
			return additive(d.Inputs[a]) && additive(d.Inputs[b])
		}
	}
	return false
}

// additive reports whether an aggregate expression adds up over segments:
// one count or sum, maybe multiplied or divided by a number.
func additive(expr string) bool {
	t, ok := parseTemplate(expr)
	if !ok || len(t.atoms) != 1 || t.atoms[0].kind != atomCount && t.atoms[0].kind != atomSum {
		return false
	}
	_, ok = linearFactor(t.text)
	return ok
}

// parts returns a point's value as num / den of additive components (by
// Def.RatioParts where the KPI's interval kind gives them); ok is false when
// the components are missing (no rows).
func parts(d *Def, comps map[string]float64) (num, den float64, ok bool) {
	if len(comps) == 0 {
		return 0, 0, false
	}
	if num, den, ok := d.RatioParts(comps); ok {
		return num, den, true
	}
	get := func(k string) float64 {
		v, has := comps[k]
		ok = ok && has
		return v
	}
	ok = true
	switch d.Type {
	case Ratio:
		return d.valueScale() * get("num"), get("den"), ok
	case Formula, Cohort:
		if k, p, dt, n, has := d.npsForm(); has {
			return k * (get(p) - get(dt)), get(n), ok
		}
		if k, a, b, has := d.shareInputs(); has {
			return k * get(a), get(b), ok
		}
	}
	return 0, 0, false
}

// Decompose splits a KPI's change between the comparison period and the
// current one over its breakdown's segments with the symmetric shift-share:
// shares w = den_i / Den and rates r_i = num_i / den_i in each period, R̄ the
// mean of the two totals; a segment in both periods has
// mix = (w₁ − w₀)(r̄ − R̄) with r̄ its mean rate, and rate = w̄ (r₁ − r₀); a
// segment with a value in one period only (it appeared or vanished) has
// rate 0 and mix = (w₁ − w₀)(r − R̄) with its one rate. The contributions
// (mix + rate) add up to the total's change exactly. A capped breakdown's
// left-out segments are pooled as one Other row (total − the rows listed, in
// both periods), kept last; the other rows are sorted by |Contribution|.
// The Decomposition's Dim is left to the caller, which knows the slice.
// The error matches ErrNotDecomposable when the change cannot be split (and
// ErrNoComparison when the result is compared with the target); it is the
// result's own when the KPI or its breakdown failed.
func Decompose(r *Result) (*Decomposition, error) {
	if r == nil || r.Def == nil {
		return nil, cannotSplit("no KPI")
	}
	d := r.Def
	if r.Err != nil {
		return nil, r.Err
	}
	if err := Decomposable(d); err != nil {
		return nil, err
	}
	if r.SegmentErr != nil {
		return nil, r.SegmentErr
	}
	t := r.Total
	if t.Compare == nil && t.PeriodName == PeriodLabel(All, time.Time{}, time.Time{}) {
		return nil, cannotSplit("all time: there is no earlier period to compare with, so no change to split")
	}
	if t.Compare == nil {
		return nil, &notDecomposable{noCompare: true,
			msg: "compared with the target, not with a period: compare with a period to split its change"}
	}
	n1, d1, ok1 := parts(d, t.Components)
	n0, d0, ok0 := parts(d, t.Compare.Components)
	if !ok1 || d1 == 0 {
		return nil, cannotSplit("no value in %s: no change to split", nameOr(t.PeriodName, "this period"))
	}
	if !ok0 || d0 == 0 {
		return nil, cannotSplit("no value in %s: no change to split", nameOr(t.CompareTo, "the comparison period"))
	}
	R0, R1 := n0/d0, n1/d1
	Rbar := (R0 + R1) / 2
	dec := &Decomposition{Delta: R1 - R0}
	var sn0, sd0, sn1, sd1 float64
	add := func(seg string, num0, den0, num1, den1 float64, other bool) {
		c := Contribution{Segment: seg, Other: other}
		w0, w1 := den0/d0, den1/d1
		c.Share, c.CompareShare = w1, w0
		switch {
		case den0 != 0 && den1 != 0:
			r0, r1 := num0/den0, num1/den1
			c.Value, c.CompareValue = &r1, &r0
			c.Mix = (w1 - w0) * ((r0+r1)/2 - Rbar)
			c.Rate = (w0 + w1) / 2 * (r1 - r0)
		case den1 != 0:
			r1 := num1 / den1
			c.Value, c.Appeared = &r1, true
			c.Mix = w1 * (r1 - Rbar)
		case den0 != 0:
			r0 := num0 / den0
			c.CompareValue, c.Vanished = &r0, true
			c.Mix = -w0 * (r0 - Rbar)
		default:
			return // no value in either period: nothing to contribute
		}
		c.Contribution = c.Mix + c.Rate
		dec.Rows = append(dec.Rows, c)
	}
	segment := func(row Row) {
		num1, den1, _ := parts(d, row.Components)
		var num0, den0 float64
		if row.Compare != nil {
			num0, den0, _ = parts(d, row.Compare.Components)
		}
		sn0, sd0, sn1, sd1 = sn0+num0, sd0+den0, sn1+num1, sd1+den1
		add(row.Segment, num0, den0, num1, den1, false)
	}
	for _, row := range r.Segments {
		segment(row)
	}
	for _, row := range r.Vanished {
		segment(row)
	}
	sort.SliceStable(dec.Rows, func(i, j int) bool {
		a, b := math.Abs(dec.Rows[i].Contribution), math.Abs(dec.Rows[j].Contribution)
		if a != b {
			return a > b
		}
		return dec.Rows[i].Segment < dec.Rows[j].Segment
	})
	// The left-out segments, pooled: whatever of the totals the rows do not
	// hold. Without a cap the rows hold all of it (to rounding).
	od0, od1 := d0-sd0, d1-sd1
	tol := 1e-9 * max(math.Abs(d0), math.Abs(d1), 1)
	if r.SegmentsTruncated > 0 || math.Abs(od0) > tol || math.Abs(od1) > tol {
		on0, on1 := n0-sn0, n1-sn1
		if math.Abs(od0) <= tol {
			od0, on0 = 0, 0
		}
		if math.Abs(od1) <= tol {
			od1, on1 = 0, 0
		}
		add("Other", on0, od0, on1, od1, true)
	}
	return dec, nil
}

func nameOr(s, fallback string) string {
	if s == "" || s == "target" {
		return fallback
	}
	return s
}

// TopMovers splits a KPI's change over every offered dimension its table can
// be sliced by (those that give ErrNotSliceable are skipped, and so are a
// dimension the slice filters to one value and one with a single segment in
// both periods, which would hold the whole change) and returns the headline
// Δ and the n segments, of any dimension (Contribution.Dim), with the
// largest |Contribution| (n < 0: all); a capped breakdown's pooled Other is
// not a mover. Each dimension is a breakdown of every segment (same filters,
// period and comparison as s), answered through the engine's cache. It stops
// when ctx is cancelled. The error is Decompose's when the change cannot be
// split.
// opts are Compute's (benchmarks bypass the engine's cache with Uncached).
func (e *Engine) TopMovers(ctx context.Context, s Slice, id string, n int, opts ...Option) (delta float64, movers []Contribution, err error) {
	ms, err := e.TopMoversOf(ctx, s, []string{id}, n, opts...)
	if err != nil {
		return 0, nil, err
	}
	return ms[0].Delta, ms[0].Rows, ms[0].Err
}

// Movers is one KPI's top movers (TopMoversOf): its headline Δ and the
// segments that explain most of it, or Err, why its change cannot be split.
type Movers struct {
	ID    string
	Delta float64
	Rows  []Contribution
	Err   error
}

// TopMoversOf is TopMovers for several KPIs at once, one breakdown query per
// dimension for all of them (report --explain), in the order of ids. The
// error is for the whole request (a cancelled context, an unknown KPI);
// each KPI's own is its Movers.Err.
func (e *Engine) TopMoversOf(ctx context.Context, s Slice, ids []string, n int, opts ...Option) ([]Movers, error) {
	out := make([]Movers, len(ids))
	var want []string
	for i, id := range ids {
		d := e.Def(id)
		if d == nil {
			return nil, fmt.Errorf("unknown KPI %q", id)
		}
		out[i].ID = id
		if out[i].Err = Decomposable(d); out[i].Err == nil {
			want = append(want, id)
		}
	}
	if len(want) == 0 {
		return out, ctx.Err()
	}
	var dims []string
	for _, dim := range e.Dimensions() {
		if !filteredToOne(s.Filters, dim.Name) {
			dims = append(dims, dim.Name)
		}
	}
	// answers[dim][id]: nil where the KPI's table cannot be sliced by dim
	type answer struct {
		dec *Decomposition
		err error
	}
	answers := make([]map[string]*answer, len(dims))
	errs := make([]error, len(dims))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, dim := range dims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if errs[i] = ctx.Err(); errs[i] != nil {
				return
			}
			ss := s
			ss.Segment, ss.MaxSegments = dim, AllSegments
			sc, err := e.Compute(ctx, ss, want, append([]Option{WithoutExtras()}, opts...)...)
			if err != nil {
				errs[i] = err
				return
			}
			answers[i] = map[string]*answer{}
			for _, id := range want {
				r := sc.Find(id)
				if r == nil || r.Err == nil && r.SegmentErr != nil && errors.Is(r.SegmentErr, ErrNotSliceable) {
					continue
				}
				dec, err := Decompose(r)
				if dec != nil {
					dec.Dim = dim
				}
				answers[i][id] = &answer{dec: dec, err: err}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for k := range out {
		m := &out[k]
		if m.Err != nil {
			continue
		}
		got := false
		for i := range dims {
			a := answers[i][m.ID]
			if a == nil {
				continue
			}
			if a.err != nil {
				m.Err, m.Rows = a.err, nil
				break
			}
			m.Delta, got = a.dec.Delta, true
			if segmentsIn(a.dec) < 2 {
				continue // one value holds the whole change: it explains nothing
			}
			for _, c := range a.dec.Rows {
				if !c.Other {
					c.Dim = dims[i]
					m.Rows = append(m.Rows, c)
				}
			}
		}
		if m.Err != nil {
			continue
		}
		if !got {
			m.Err = cannotSplit("no dimension with two or more segments splits %s's rows", nameOr(e.Def(m.ID).Source, "its table"))
			continue
		}
		sort.SliceStable(m.Rows, func(i, j int) bool {
			a, b := math.Abs(m.Rows[i].Contribution), math.Abs(m.Rows[j].Contribution)
			if a != b {
				return a > b
			}
			if m.Rows[i].Dim != m.Rows[j].Dim {
				return m.Rows[i].Dim < m.Rows[j].Dim
			}
			return m.Rows[i].Segment < m.Rows[j].Segment
		})
		if n >= 0 && len(m.Rows) > n {
			m.Rows = m.Rows[:n]
		}
	}
	return out, nil
}

// segmentsIn counts a decomposition's segments, the pooled Other left out.
func segmentsIn(d *Decomposition) int {
	n := 0
	for _, c := range d.Rows {
		if !c.Other {
			n++
		}
	}
	return n
}

// filteredToOne reports whether the filters keep a single value of dim:
// split by it, that one segment would hold the whole change.
func filteredToOne(fs []Filter, dim string) bool {
	for _, f := range fs {
		if strings.EqualFold(f.Dim, dim) && f.Op == OpIn && len(f.Values) == 1 {
			return true
		}
	}
	return false
}

// MoversLine is the top movers in one line: "CSAT −1.8 pts: email −1.1
// (rate), web −0.6 (rate), chat +0.2 (mix)", a segment that does not say
// what it is named with its dimension (moverName); the word in parentheses
// is the larger part of the segment's contribution, mix (its share of the
// denominator changed) or rate (its own value changed).
func MoversLine(d *Def, delta float64, movers []Contribution) string {
	var b strings.Builder
	b.WriteString(d.Label() + " " + d.FormatDelta(delta))
	for i, c := range movers {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(moverName(c, movers) + " " + FormatContribution(d, c.Contribution) + " (" + c.Driver() + ")")
	}
	return b.String()
}

// moverName is a mover's segment, as "dimension = segment" when the segment
// alone does not say what it is: blank, a yes/no or true/false, a number,
// or a value that is also another listed dimension's ("false +5.4 (rate),
// false +2.5 (rate)" would name two things alike).
func moverName(c Contribution, movers []Contribution) string {
	if c.Dim == "" {
		return c.Segment
	}
	named := c.Dim + " = " + c.Segment
	seg := strings.TrimSpace(c.Segment)
	switch strings.ToLower(seg) {
	case "", strings.ToLower(BlankLabel), "true", "false", "yes", "no", "y", "n", "t", "f":
		return named
	}
	if _, err := strconv.ParseFloat(strings.TrimSuffix(seg, "%"), 64); err == nil {
		return named
	}
	for _, o := range movers {
		if !strings.EqualFold(o.Dim, c.Dim) && strings.EqualFold(strings.TrimSpace(o.Segment), seg) {
			return named
		}
	}
	return c.Segment
}

// Driver names the larger part of a contribution: "mix" or "rate".
func (c Contribution) Driver() string {
	if math.Abs(c.Mix) > math.Abs(c.Rate) {
		return "mix"
	}
	return "rate"
}

// FormatContribution renders a part of a change in the KPI's unit, signed,
// without "pts" for percentages (the headline says it once): "−1.1",
// "+0.6h", "−$0.73", at the KPI's decimals but at least one (NPS +1.4); a
// part that rounds to zero is "±0.0".
func FormatContribution(d *Def, v float64) string {
	if d.Decimals < 1 { // NPS's whole points hide most parts
		dd := *d
		dd.Decimals = 1
		d = &dd
	}
	arrow, mag := d.DeltaParts(v, false)
	switch arrow {
	case "=":
		return "±" + mag
	case "▼":
		return "−" + mag
	}
	return "+" + mag
}
