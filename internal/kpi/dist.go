package kpi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"kpiscope/internal/store"
)

// A distribution is the shape behind a KPI's value: for a mean or a
// quantile of one number per row (resolution hours), a histogram of those
// numbers in log-scaled buckets, with the exact mean, median and p90; for a
// score KPI (CSAT 1–5, CES 1–7, NPS 0–10), the mix of scores. It reads the
// slice's rows exactly as the KPI counts them (the period, the filters, the
// customers' columns joined, the KPI's row filter and its aggregate's
// FILTER), so a histogram's total is the KPI's n. The query is compiled by
// compileGroup, as the KPI's own is, with the aggregates swapped for
// per-bucket counts: it returns one row per segment and period, never rows.

// DistKind says which distribution a KPI has.
type DistKind string

// The kinds of distribution.
const (
	DistHistogram DistKind = "histogram" // a mean or quantile of a number per row
	DistScores    DistKind = "scores"    // answers on a small integer scale
)

// ErrNoDistribution is wrapped by the reason a KPI has no distribution
// (a count, a share of counts, a distinct count, a composite).
var ErrNoDistribution = errors.New("has no distribution")

// HourEdges are the histogram's bucket edges for durations from 15 minutes,
// in hours: a bucket holds lo ≤ x < hi, the last everything from two weeks.
var HourEdges = []float64{0.25, 0.5, 1, 2, 4, 8, 16, 24, 48, 96, 168, 336}

// SecondEdges are the edges under 15 minutes, in seconds, for short
// durations (a call's speed of answer, a chat's first response): 1s to
// 10m. A duration's histogram uses these and HourEdges, and, as for other
// numbers, only the buckets from the first holding values to the last.
var SecondEdges = []float64{1, 2, 5, 10, 15, 30, 45, 60, 90, 120, 180, 300, 600}

// durationEdges are SecondEdges and HourEdges in seconds.
var durationEdges = func() []float64 {
	out := append([]float64(nil), SecondEdges...)
	for _, h := range HourEdges {
		out = append(out, h*3600)
	}
	return out
}()

// numberEdges are the edges for other numbers (amounts, counts per row):
// 1–2–5 steps, trimmed to the buckets holding values.
var numberEdges = func() []float64 {
	var out []float64
	for e := -2; e <= 7; e++ {
		p := math.Pow(10, float64(e))
		out = append(out, p, 2*p, 5*p)
	}
	return out
}()

// maxDistSegments caps a distribution's breakdown (largest n kept).
const maxDistSegments = 12

// Bucket is one histogram bucket: Lo ≤ x < Hi, in the KPI's unit (Lo is
// −Inf for the first, Hi +Inf for the last).
type Bucket struct {
	Lo, Hi float64
	Label  string // "<15m", "1–2h", "≥2w"
}

// ScoreBand is a named range of scores, both ends included.
type ScoreBand struct {
	Name string `json:"name"` // "detractors", "passives", "promoters", "satisfied"
	Lo   int    `json:"lo"`
	Hi   int    `json:"hi"`
	Good bool   `json:"good"` // the band the KPI counts as good
	Bad  bool   `json:"bad"`  // the band it counts against (NPS's detractors)
}

// DistRow is one segment's (or the total's) distribution.
type DistRow struct {
	Segment string  // "" for the total
	N       int64   // the values counted: the KPI's n
	Counts  []int64 // per bucket, or per score (Scores order)
	// Mean, Median and P90 are exact over the row's values (Mean is the mean
	// score of a score KPI); nil without values.
	Mean, Median, P90 *float64
}

// Share is count i of the row as a share of its n; false (no value, not
// zero) when the row has no values.
func (r DistRow) Share(i int) (float64, bool) {
	if r.N == 0 || i < 0 || i >= len(r.Counts) {
		return 0, false
	}
	return float64(r.Counts[i]) / float64(r.N), true
}

// Distribution is a KPI's distribution in a slice.
type Distribution struct {
	Def     *Def
	Kind    DistKind
	Slice   Slice     // as resolved
	End     time.Time // the current period's exclusive end as the data has it
	Partial bool
	Dim     string // the breakdown's dimension ("" none)
	// DimErr says why the breakdown asked for is missing (the KPI's table
	// cannot reach the dimension); the total is still valid.
	DimErr error
	// Value is what the KPI's per-row number is ("hours from created to
	// resolved") or the score column.
	Value   string
	Buckets []Bucket    // DistHistogram
	Scores  []int       // DistScores: the scale, lowest first
	Bands   []ScoreBand // DistScores
	Total   DistRow
	// Compare is the comparison period's total (the same elapsed part when
	// the current period is partial); nil when compared with the target.
	Compare *DistRow
	// ComparePeriod and CompareEnd are the comparison period's start and
	// exclusive end (its elapsed part's when the current one is partial).
	ComparePeriod, CompareEnd time.Time
	// CompareSegments are the segments in the comparison period, in
	// Segments' order (a segment without rows there has n 0); nil without
	// a comparison.
	CompareSegments []DistRow
	Segments        []DistRow // by n, largest first
	// SegmentsLeftOut is how many smaller segments the cap left out.
	SegmentsLeftOut int
	Target          *Goal
}

// PeriodName names the current period ("Mar 2026", "Oct 2026 (to 7 Oct)").
func (x *Distribution) PeriodName() string {
	return PeriodLabel(x.Slice.Grain, x.Slice.Period, x.End)
}

// CompareName names the comparison period ("" without one).
func (x *Distribution) CompareName() string {
	if x.Compare == nil {
		return ""
	}
	return PeriodLabel(x.Slice.Grain, x.ComparePeriod, x.CompareEnd)
}

// distForm is how a KPI's rows are read for its distribution.
type distForm struct {
	kind   DistKind
	value  string // SQL: the per-row number, in the KPI's unit (or the score)
	filter string // the aggregate's FILTER condition, "" none
	nExpr  string // SQL: the KPI's n over the same rows (scores)
	lo, hi int    // the score scale
	bands  []ScoreBand
	hours  float64 // the KPI's unit in hours (1 for h); 0 for a number
	secs   float64 // the KPI's unit in seconds (3600 for h); 0 for a number
}

var betweenRE = regexp.MustCompile(`(?is)^\s*(.+?)\s+BETWEEN\s+(-?\d+)\s+AND\s+(-?\d+)\s*$`)

// between reads a filter "x BETWEEN lo AND hi" of integers.
func between(filter string) (col string, lo, hi int, ok bool) {
	m := betweenRE.FindStringSubmatch(filter)
	if m == nil {
		return "", 0, 0, false
	}
	lo, _ = strconv.Atoi(m[2])
	hi, _ = strconv.Atoi(m[3])
	return strings.TrimSpace(m[1]), lo, hi, lo <= hi
}

// unitSeconds is a duration unit in seconds; 0 for any other unit.
func unitSeconds(unit string) float64 {
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "h", "hr", "hrs", "hour", "hours":
		return 3600
	case "m", "min", "mins", "minute", "minutes":
		return 60
	case "s", "sec", "secs", "second", "seconds":
		return 1
	case "d", "day", "days":
		return 86400
	}
	return 0
}

// durationForm is a histogram's form with the KPI's duration unit, if any.
func durationForm(f distForm, unit string) distForm {
	f.secs = unitSeconds(unit)
	f.hours = f.secs / 3600
	return f
}

// DistributionKind says which distribution a KPI has, or why it has none.
func (d *Def) DistributionKind() (DistKind, error) {
	f, err := d.distForm()
	return f.kind, err
}

// distForm finds the per-row number behind a KPI: the one sum of a mean
// (meanForm: sum(x) times a constant over the count of the same rows), the
// one quantile of a median or p90, or the score a share of answers or an
// NPS counts.
func (d *Def) distForm() (distForm, error) {
	no := func(why string) (distForm, error) {
		return distForm{}, fmt.Errorf("%s %w: %s", d.Label(), ErrNoDistribution, why)
	}
	switch d.Type {
	case Composite:
		return no("it combines other KPIs' values, not one number per row")
	case Cohort:
		return no("it counts customers over periods, not one number per row")
	}
	// A score: a count of answers in a band over the answers on the scale.
	if d.Type == Ratio {
		num, ok1 := oneCount(d.Numerator)
		den, ok2 := oneCount(d.Denominator)
		if ok1 && ok2 {
			col, lo, hi, ok := between(den.filter)
			gcol, glo, ghi, gok := between(num.filter)
			if ok && gok && col == gcol && hi-lo >= 2 && hi-lo <= 10 && den.arg == "*" {
				return distForm{kind: DistScores, value: col, filter: den.filter, nExpr: d.Denominator, lo: lo, hi: hi,
					bands: []ScoreBand{{Name: bandName(d, lo, hi, glo, ghi), Lo: glo, Hi: ghi, Good: true}}}, nil
			}
		}
	}
	if _, p, dt, n, ok := d.npsForm(); ok {
		pa, _ := oneCount(d.Inputs[p])
		da, _ := oneCount(d.Inputs[dt])
		na, _ := oneCount(d.Inputs[n])
		col, lo, hi, ok1 := between(na.filter)
		pc, plo, phi, ok2 := between(pa.filter)
		dc, dlo, dhi, ok3 := between(da.filter)
		if ok1 && ok2 && ok3 && col == pc && col == dc && hi-lo <= 10 && na.arg == "*" {
			bands := []ScoreBand{{Name: "detractors", Lo: dlo, Hi: dhi, Bad: true}}
			if dhi+1 <= plo-1 {
				bands = append(bands, ScoreBand{Name: "passives", Lo: dhi + 1, Hi: plo - 1})
			}
			bands = append(bands, ScoreBand{Name: "promoters", Lo: plo, Hi: phi, Good: true})
			return distForm{kind: DistScores, value: col, filter: na.filter, nExpr: d.Inputs[n], lo: lo, hi: hi, bands: bands}, nil
		}
	}
	// A mean: sum(x) × k over the count of the rows summed.
	if a, text, ok := d.meanForm(); ok {
		// The numerator's own arithmetic around its sum ("/ 3600.0"), so
		// a value on an edge (3600 seconds) is exactly the edge (1h).
		v := template{text: text, atoms: []atom{a}}.render(func(a atom) string { return "CAST((" + a.arg + ") AS DOUBLE)" })
		if k := d.valueScale(); k != 1 {
			v = formatFloat(k) + " * " + v
		}
		return durationForm(distForm{kind: DistHistogram, value: "(" + v + ")", filter: a.filter}, d.Unit), nil
	}
	// A quantile: an expression that is one input, one quantile of x.
	if d.Type == Formula {
		if in, one := d.Inputs[strings.TrimSpace(d.Expr)]; one {
			if t, ok := parseTemplate(in); ok && len(t.atoms) == 1 && t.atoms[0].kind == atomQuantile {
				if _, ok := linearFactor(t.text); ok {
					v := t.render(func(a atom) string { return "CAST((" + a.arg + ") AS DOUBLE)" })
					return durationForm(distForm{kind: DistHistogram, value: "(" + v + ")", filter: t.atoms[0].filter}, d.Unit), nil
				}
			}
		}
	}
	if d.Type == Ratio && (strings.Contains(strings.ToLower(d.Numerator+d.Denominator), "distinct")) {
		return no("it counts distinct values, not one number per row")
	}
	return no("it is not a mean or quantile of one number per row, nor a share of answers on a score scale")
}

// bandName names a score KPI's good band ("satisfied 4–5", "agree 5–7").
func bandName(d *Def, lo, hi, glo, ghi int) string {
	if d.BuiltinID == "ces" || hi-lo == 6 {
		return "easy"
	}
	return "satisfied"
}

// Distribution computes KPI id's distribution in slice s, broken down by
// dim ("" none). A KPI without one returns an error wrapping
// ErrNoDistribution that names it.
func (e *Engine) Distribution(ctx context.Context, s Slice, id, dim string) (*Distribution, error) {
	d := e.byID[id]
	if d == nil {
		return nil, fmt.Errorf("unknown KPI %q", id)
	}
	if err := e.problems[id]; err != nil {
		return nil, err
	}
	form, err := d.distForm()
	if err != nil {
		return nil, err
	}
	for _, f := range s.Filters {
		if err := e.CheckFilter(f); err != nil {
			return nil, err
		}
	}
	if dim != "" {
		if err := e.CheckDimension(dim); err != nil {
			return nil, err
		}
		dim = e.CanonicalDim(dim)
	}
	var dimErr error
	if dim != "" && d.Source != "" {
		if _, err := e.snapshot().dimColumn(d.Source, dim); err != nil {
			dim, dimErr = "", err
		}
	}
	s.Segment, s.MaxSegments = "", 0
	s, pl := e.resolveSlice(s)
	p := pl.within(e.spanOf(d).hi)
	if e.cutByRecord(d) {
		p = p.clipped()
	}
	out := &Distribution{Def: d, Kind: form.kind, Slice: s, Partial: p.partial, Dim: dim, DimErr: dimErr, Value: form.value}
	if p.grain != All {
		out.End = p.curEnd
		out.Target = d.Resolve(s.Filters, "", "", p.cur, p.grain)
	} else {
		out.Target = d.Resolve(s.Filters, "", "", time.Time{}, All)
	}
	edges := []float64(nil)
	if form.kind == DistHistogram {
		edges = numberEdges
		if form.secs > 0 {
			// Edges in the KPI's unit from whole seconds: 900 / 3600 is
			// exactly 0.25h, as the KPI's own arithmetic gives it.
			edges = make([]float64, len(durationEdges))
			for i, sec := range durationEdges {
				edges[i] = sec / form.secs
			}
		}
	} else {
		for v := form.lo; v <= form.hi; v++ {
			out.Scores = append(out.Scores, v)
		}
		out.Bands = form.bands
	}

	// The current period (by dim), and the comparison period's total; when
	// the current period is partial, the comparison is its same elapsed part.
	cur := p.narrow()
	if p.partial {
		cur.cmp, cur.from = time.Time{}, cur.cur
	}
	rows, err := e.distRows(ctx, d, form, edges, s, dim, cur, false)
	if err != nil {
		return nil, err
	}
	want := func(t time.Time) int64 {
		if p.grain == All {
			return 0
		}
		return t.Unix()
	}
	var segs []DistRow
	var cmpSegs map[string]DistRow
	for k, r := range rows {
		switch {
		case k.period != want(p.cur):
		case k.total:
			out.Total = r
		case r.N > 0: // a segment whose rows the KPI does not count has no distribution
			segs = append(segs, r)
		}
	}
	// An empty slice's total: no row came back, and its counts are zeros
	// (its shares have no value); the comparison's are as long.
	if out.Total.Counts == nil {
		n := len(out.Scores)
		if form.kind == DistHistogram {
			n = len(edges) + 1
		}
		out.Total.Counts = make([]int64, n)
	}
	if !p.cmp.IsZero() {
		out.ComparePeriod, out.CompareEnd = p.cmp, p.grain.Add(p.cmp, 1)
		if p.partial {
			out.CompareEnd = p.cmp.Add(p.cmpElapsed)
		}
		cr := rows
		if p.partial {
			if cr, err = e.distRows(ctx, d, form, edges, s, dim, p, true); err != nil {
				return nil, err
			}
		}
		for k, r := range cr {
			if k.total && k.period == p.cmp.Unix() {
				r := r
				out.Compare = &r
			}
		}
		if out.Compare == nil {
			out.Compare = &DistRow{Counts: make([]int64, len(out.Total.Counts))}
		}
		cmpSegs = map[string]DistRow{}
		for k, r := range cr {
			if !k.total && k.period == p.cmp.Unix() {
				cmpSegs[k.seg] = r
			}
		}
	}
	sort.Slice(segs, func(i, j int) bool {
		if segs[i].N != segs[j].N {
			return segs[i].N > segs[j].N
		}
		return segs[i].Segment < segs[j].Segment
	})
	if len(segs) > maxDistSegments {
		out.SegmentsLeftOut = len(segs) - maxDistSegments
		segs = segs[:maxDistSegments]
	}
	out.Segments = segs
	if cmpSegs != nil {
		for _, sg := range segs {
			c, ok := cmpSegs[sg.Segment]
			if !ok {
				c = DistRow{Segment: sg.Segment, Counts: make([]int64, len(out.Total.Counts))}
			}
			out.CompareSegments = append(out.CompareSegments, c)
		}
	}
	if form.kind == DistHistogram {
		var all []DistRow
		all = append(append(all, out.Segments...), out.CompareSegments...)
		out.Buckets, out.Total, out.Compare, all = trimBuckets(edges, form.hours, out.Total, out.Compare, all)
		out.Segments, out.CompareSegments = all[:len(out.Segments)], all[len(out.Segments):]
		if cmpSegs == nil {
			out.CompareSegments = nil
		}
	}
	return out, nil
}

// distRows runs the distribution's query for the windows pl: one DistRow
// per period, and per segment of dim.
func (e *Engine) distRows(ctx context.Context, d *Def, form distForm, edges []float64, s Slice, dim string, pl plan, partial bool) (map[pkey]DistRow, error) {
	q, err := compileGroup(e.snapshot(), []*Def{d}, s, dim, pl, partial)
	if err != nil {
		return nil, err
	}
	cond := func(c string) string {
		if form.filter == "" {
			return c
		}
		return "(" + form.filter + ") AND " + c
	}
	agg := func(call, c string) string {
		if c == "" {
			if form.filter == "" {
				return call
			}
			return call + " FILTER (WHERE " + form.filter + ")"
		}
		return call + " FILTER (WHERE " + cond(c) + ")"
	}
	x := form.value
	var counts []string
	q.Aggs = nil
	if e.wh != nil {
		counts = distPortableAggs(q, form, edges, agg)
	} else {
		// Each bucket's count is one entry of a single histogram() of the
		// bucket numbers, and both quantiles one quantile_cont of a list:
		// the database computes each aggregate once however many columns
		// read it (twice as fast at 10M rows as a filtered count per
		// bucket).
		if form.kind == DistHistogram {
			h := agg("histogram("+distBucketExpr(x, edges)+")", x+" IS NOT NULL")
			for i := 0; i <= len(edges); i++ {
				counts = append(counts, fmt.Sprintf("coalesce((%s)[%d], 0)", h, i))
			}
			qs := agg("quantile_cont("+x+", [0.5, 0.9])", "")
			q.Aggs = append(q.Aggs,
				planAgg{Name: "n", Expr: agg("count("+x+")", "")},
				planAgg{Name: "sum", Expr: agg("sum("+x+")", "")},
				planAgg{Name: "median", Expr: "(" + qs + ")[1]"},
				planAgg{Name: "p90", Expr: "(" + qs + ")[2]"})
		} else {
			h := agg("histogram(CAST(floor("+x+") AS BIGINT))", "")
			for v := form.lo; v <= form.hi; v++ {
				counts = append(counts, fmt.Sprintf("coalesce((%s)[%d], 0)", h, v))
			}
			q.Aggs = append(q.Aggs,
				planAgg{Name: "n", Expr: form.nExpr},
				planAgg{Name: "sum", Expr: agg("sum("+x+")", "")})
		}
	}
	for i, c := range counts {
		q.Aggs = append(q.Aggs, planAgg{Name: fmt.Sprintf("b%d", i), Expr: c})
	}
	q.Values = []planValue{{Name: "mean", Ratio: true, Scale: 1, Inputs: map[string]string{"num": "sum", "den": "n"}}}
	sql, args, err := e.executor().render(q)
	if err != nil {
		return nil, fmt.Errorf("%s: distribution: %w", d.Label(), err)
	}
	began := time.Now()
	res, err := e.executor().query(ctx, sql, args...)
	e.debug("query", "table", d.Source, "what", "distribution", "elapsed", time.Since(began), "sql", sql)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: distribution query failed: %w", d.Label(), store.WithoutSQL(err))
	}
	ip, is, ig := res.Index("__p"), res.Index("__seg"), res.Index("__g")
	col := func(r []any, name string) *float64 {
		if i := res.Index(name); i >= 0 {
			if f, ok := store.Float(r[i]); ok && !math.IsNaN(f) {
				return &f
			}
		}
		return nil
	}
	out := map[pkey]DistRow{}
	for _, r := range res.Data {
		k := pkey{total: true}
		if ip >= 0 && pl.grain != All {
			if t, ok := r[ip].(time.Time); ok {
				k.period = t.UTC().Unix()
			}
		}
		row := DistRow{}
		if dim != "" && ig >= 0 && store.Int(r[ig]) == 0 {
			k.total = false
			if v, ok := r[is].(string); ok {
				k.seg = v
			} else {
				k.seg = BlankLabel
			}
			row.Segment = k.seg
		}
		if n := col(r, "n"); n != nil {
			row.N = int64(*n + 0.5)
		}
		for i := range counts {
			var c int64
			if f := col(r, fmt.Sprintf("b%d", i)); f != nil {
				c = int64(*f + 0.5)
			}
			row.Counts = append(row.Counts, c)
		}
		if row.N > 0 {
			row.Mean, row.Median, row.P90 = col(r, "mean"), col(r, "median"), col(r, "p90")
		}
		out[k] = row
	}
	return out, nil
}

// trimBuckets names the buckets and drops the empty ones at either end (the
// first and last kept stay open): a histogram spans the values it has,
// seconds for a call's speed of answer, hours to weeks for a ticket's
// resolution.
func trimBuckets(edges []float64, hours float64, total DistRow, cmp *DistRow, segs []DistRow) ([]Bucket, DistRow, *DistRow, []DistRow) {
	n := len(edges) + 1
	lo, hi := 0, n-1
	used := func(i int) bool {
		if i < len(total.Counts) && total.Counts[i] > 0 {
			return true
		}
		return cmp != nil && i < len(cmp.Counts) && cmp.Counts[i] > 0
	}
	for lo < hi && !used(lo) {
		lo++
	}
	for hi > lo && !used(hi) {
		hi--
	}
	var bs []Bucket
	for i := lo; i <= hi; i++ {
		b := Bucket{Lo: math.Inf(-1), Hi: math.Inf(1)}
		if i > lo {
			b.Lo = edges[i-1]
		}
		if i < hi {
			b.Hi = edges[i]
		}
		b.Label = bucketLabel(b, hours)
		bs = append(bs, b)
	}
	cut := func(r DistRow) DistRow {
		if len(r.Counts) == n {
			// A trimmed end's counts are 0 for the total, and may not be for
			// a segment's: fold them into the open ends all the same.
			c := append([]int64(nil), r.Counts[lo:hi+1]...)
			for i := 0; i < lo; i++ {
				c[0] += r.Counts[i]
			}
			for i := hi + 1; i < n; i++ {
				c[len(c)-1] += r.Counts[i]
			}
			r.Counts = c
		}
		return r
	}
	total = cut(total)
	if cmp != nil {
		c := cut(*cmp)
		cmp = &c
	}
	for i := range segs {
		segs[i] = cut(segs[i])
	}
	return bs, total, cmp, segs
}

// BucketLabel names the bucket lo ≤ x < hi of this distribution ("<45s",
// "1–2h", "≥2d"; lo −Inf and hi +Inf open), in its KPI's unit: for a view
// that joins neighbouring buckets.
func (x *Distribution) BucketLabel(lo, hi float64) string {
	return bucketLabel(Bucket{Lo: lo, Hi: hi}, unitSeconds(x.Def.Unit)/3600)
}

// bucketLabel names a bucket: "<30s", "1–1.5m", "1–2h", "16h–1d", "≥2w" for
// durations (hours > 0 is the KPI's unit in hours), "10–20" for numbers.
func bucketLabel(b Bucket, hours float64) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	if hours > 0 {
		f = func(v float64) string { return durationText(v * hours) }
	}
	lo, hi := b.Lo, b.Hi
	switch {
	case math.IsInf(lo, -1) && math.IsInf(hi, 1):
		return "all"
	case math.IsInf(lo, -1):
		return "<" + f(hi)
	case math.IsInf(hi, 1):
		return "≥" + f(lo)
	}
	a, z := f(lo), f(hi)
	if hours > 0 && strings.TrimLeft(a, "0123456789.") == strings.TrimLeft(z, "0123456789.") {
		a = strings.TrimRight(a, "smhdw") // 1–2h, not 1h–2h
	}
	return a + "–" + z
}

// durationText is a duration in hours as text: 30s, 15m, 2h, 4d, 2w.
func durationText(h float64) string {
	g := func(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }
	switch {
	case math.Round(h*3600*100)/100 < 60:
		return g(h*3600) + "s"
	case h < 1:
		return g(h*60) + "m"
	case h < 24:
		return g(h) + "h"
	case h < 168 || math.Mod(h, 168) != 0:
		return g(h/24) + "d"
	}
	return g(h/168) + "w"
}
