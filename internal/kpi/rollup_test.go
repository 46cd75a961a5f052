package kpi_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
	"kpiscope/internal/workspace"
)

// Equivalence tests: slices answered from rollups (kpi.Uncached, after
// BuildRollups) must agree with the same slices computed from the raw rows
// (kpi.FromScratch): exactly for additive KPIs and everything that falls
// back to raw rows, within kpi.SketchError for quantiles read from a sketch,
// and Result.Approx must say which.

// rtIDs lists every built-in KPI the engine has, hidden helpers included.
func rtIDs(eng *kpi.Engine) []string {
	var ids []string
	for _, id := range kpi.BuiltinIDs() {
		if eng.Def(id) != nil && !rtBacklog[id] {
			ids = append(ids, id)
		}
	}
	return ids
}

// rtBacklog are the backlog's cohort KPIs: the flow rollups answer them
// without extras only (their ages read raw rows, a ticket per period it may
// be open at: the slowest queries on the sample by far), so they are
// compared in flow_test.go, and checked by hand in backlog_test.go and the
// workspace's tests.
var rtBacklog = map[string]bool{"backlog": true, "backlog_overdue": true}

// rtRawOnly are the built-ins that read raw rows whatever the rollups
// (distinct counts, cohorts, composites over them): both sides of a
// comparison run the same queries, so they are compared on every third
// slice only, to keep the tests quick.
var rtRawOnly = map[string]bool{"retention": true, "churn": true, "avg_purchase": true, "purchase_frequency": true,
	"repeat_rate": true, "clv": true, "retention_cost": true}

// rtSome is every third slice's ids: all of them, else those a rollup answers.
func rtSome(ids []string, i int) []string {
	if i%3 == 0 {
		return ids
	}
	var out []string
	for _, id := range ids {
		if !rtRawOnly[id] {
			out = append(out, id)
		}
	}
	return out
}

// rtQuantile reports whether an aggregate expression holds a quantile.
func rtQuantile(expr string) bool {
	l := strings.ToLower(expr)
	return strings.Contains(l, "quantile_cont(") || strings.Contains(l, "median(")
}

// rtQuant says which parts of a KPI come from a quantile.
type rtQuant struct {
	value  bool
	comps  map[string]bool
	extras map[string]bool
}

// only keeps the parts a result says are approximate.
func (q rtQuant) only(value, extras bool) rtQuant {
	out := rtQuant{value: q.value && value, comps: map[string]bool{}, extras: map[string]bool{}}
	for k := range q.comps {
		out.comps[k] = value
	}
	for k := range q.extras {
		out.extras[k] = extras
	}
	return out
}

// rtApprox reads whether a result's value and extras come from a sketch.
func rtApprox(r kpi.Result) (value, extras bool) { return r.Approx, r.ApproxExtras }

func (q rtQuant) any() bool { return q.value || len(q.comps) > 0 || len(q.extras) > 0 }

func rtQuantOf(d *kpi.Def) rtQuant {
	q := rtQuant{comps: map[string]bool{}, extras: map[string]bool{}}
	for name, expr := range d.Components() {
		if rtQuantile(expr) {
			q.comps[name] = true
			q.value = true // a formula over a quantile input
		}
	}
	for name, expr := range d.Extras {
		if rtQuantile(expr) {
			q.extras[name] = true
		}
	}
	return q
}

// rtCmp compares a scorecard from rollups (a) with one from raw rows (b).
type rtCmp struct {
	t     *testing.T
	name  string
	fails int
	// approxWant, when set, says whether a KPI with quantiles must be
	// answered from a sketch for this slice.
	approxWant func(id string, raw kpi.Result) bool
	approxSeen int
	compared   int
	quiet      bool // count differences without reporting them
	partial    bool // the slice's current period is partial
}

func (c *rtCmp) errorf(format string, args ...any) {
	c.t.Helper()
	c.fails++
	if !c.quiet && c.fails <= 25 {
		c.t.Errorf(c.name+": "+format, args...)
	}
}

func rtSame(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))+1e-12
}

// rtWithin is the sketch bound: a lies within SketchError of exact b.
func rtWithin(a, b float64) bool {
	return math.Abs(a-b) <= kpi.SketchError*math.Abs(b)*(1+1e-9)+1e-12
}

func rtF(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprint(*p)
}

func rtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (c *rtCmp) float(what string, a, b *float64, approx bool) {
	c.t.Helper()
	switch {
	case a == nil && b == nil:
	case a == nil || b == nil:
		c.errorf("%s: %s (rollup) vs %s (raw)", what, rtF(a), rtF(b))
	case approx && !rtWithin(*a, *b):
		c.errorf("%s: %v (sketch) vs %v (exact): off by %.3g%%, more than SketchError", what, *a, *b, 100*math.Abs(*a-*b)/math.Abs(*b))
	case !approx && !rtSame(*a, *b):
		c.errorf("%s: %v (rollup) vs %v (raw)", what, *a, *b)
	}
}

func (c *rtCmp) point(what string, a, b kpi.Point, q rtQuant, approx bool) {
	c.t.Helper()
	if !a.Period.Equal(b.Period) || a.N != b.N || a.HasN != b.HasN {
		c.errorf("%s: period %v n %d/%v (rollup) vs period %v n %d/%v (raw)", what, a.Period, a.N, a.HasN, b.Period, b.N, b.HasN)
	}
	c.float(what+" value", a.Value, b.Value, approx && q.value)
	if len(a.Components) != len(b.Components) || (a.Components == nil) != (b.Components == nil) {
		c.errorf("%s: components %v (rollup) vs %v (raw)", what, a.Components, b.Components)
	}
	for name, bv := range b.Components {
		av, ok := a.Components[name]
		if !ok {
			c.errorf("%s: component %s missing from rollup (raw %v)", what, name, bv)
			continue
		}
		c.float(what+" "+name, &av, &bv, approx && q.comps[name])
	}
	if len(a.Extras) != len(b.Extras) || (a.Extras == nil) != (b.Extras == nil) {
		c.errorf("%s: extras %v (rollup) vs %v (raw)", what, a.Extras, b.Extras)
	}
	for name, bv := range b.Extras {
		av, ok := a.Extras[name]
		if !ok {
			c.errorf("%s: extra %s missing from rollup", what, name)
			continue
		}
		c.float(what+" "+name, av, bv, approx && q.extras[name])
	}
}

// rtNear reports whether an exact value lies within the sketch bound of a
// status threshold, where a sketch value may fall on the other side.
func rtNear(v *float64, g *kpi.Goal) bool {
	if v == nil || g == nil {
		return false
	}
	d := kpi.SketchError * math.Abs(*v) * 1.01
	if math.Abs(*v-g.Value) <= d {
		return true
	}
	return g.Warn != nil && math.Abs(*v-*g.Warn) <= d
}

func (c *rtCmp) row(what string, a, b kpi.Row, q rtQuant, approx bool) {
	c.t.Helper()
	if a.Segment != b.Segment || a.Total != b.Total || a.Partial != b.Partial || a.CompareTo != b.CompareTo || a.LowN != b.LowN {
		c.errorf("%s: row %q total %v partial %v vs %q LowN %v (rollup) / row %q total %v partial %v vs %q LowN %v (raw)",
			what, a.Segment, a.Total, a.Partial, a.CompareTo, a.LowN, b.Segment, b.Total, b.Partial, b.CompareTo, b.LowN)
	}
	c.point(what, a.Point, b.Point, q, approx)
	if !reflect.DeepEqual(a.Goal, b.Goal) {
		c.errorf("%s: goal %+v vs %+v", what, a.Goal, b.Goal)
	}
	if a.Status != b.Status && !(approx && q.value && rtNear(b.Value, b.Goal)) {
		c.errorf("%s: status %v (rollup) vs %v (raw), value %s vs %s", what, a.Status, b.Status, rtF(a.Value), rtF(b.Value))
	}
	c.float(what+" share", a.Share, b.Share, false)
	if (a.Compare == nil) != (b.Compare == nil) {
		c.errorf("%s: comparison %v (rollup) vs %v (raw)", what, a.Compare != nil, b.Compare != nil)
	} else if a.Compare != nil {
		c.point(what+" vs "+b.CompareTo, *a.Compare, *b.Compare, q, approx)
	}
	// A difference of two sketch values is within the bound of each.
	if approx && q.value && a.Delta != nil && b.Delta != nil && b.Value != nil {
		tol := math.Abs(*b.Value)
		if b.Compare != nil && b.Compare.Value != nil {
			tol += math.Abs(*b.Compare.Value)
		} else if b.Goal != nil {
			tol = math.Abs(*b.Value) // against the target
		}
		if math.Abs(*a.Delta-*b.Delta) > kpi.SketchError*tol*(1+1e-9)+1e-12 {
			c.errorf("%s delta: %v (sketch) vs %v (exact), more than the bound %v", what, *a.Delta, *b.Delta, kpi.SketchError*tol)
		}
	} else {
		c.float(what+" delta", a.Delta, b.Delta, false)
	}
}

func (c *rtCmp) cards(a, b *kpi.Scorecard) {
	c.t.Helper()
	if !a.Slice.Period.Equal(b.Slice.Period) || a.Partial != b.Partial || !a.PeriodEnd.Equal(b.PeriodEnd) ||
		!a.ComparePeriod.Equal(b.ComparePeriod) || !a.AsOf.Equal(b.AsOf) || len(a.Results) != len(b.Results) {
		c.errorf("scorecards differ: period %v partial %v end %v cmp %v (%d results) vs %v %v %v %v (%d)",
			a.Slice.Period, a.Partial, a.PeriodEnd, a.ComparePeriod, len(a.Results), b.Slice.Period, b.Partial, b.PeriodEnd, b.ComparePeriod, len(b.Results))
		return
	}
	for i := range b.Results {
		ra, rb := a.Results[i], b.Results[i]
		if id := rb.Def.BuiltinID; id == "backlog" || id == "backlog_overdue" {
			// The backlog's ages are read for the period shown (runAges):
			// its trend and comparison points carry none from the flows.
			ra, rb = rtPeriodExtras(ra), rtPeriodExtras(rb)
		}
		id := rb.Def.ID
		if ra.Def.ID != id {
			c.errorf("result %d: %s vs %s", i, ra.Def.ID, id)
			continue
		}
		q := rtQuantOf(rb.Def)
		av, ax := rtApprox(ra)
		if bv, bx := rtApprox(rb); bv || bx {
			c.errorf("%s: approx from raw rows", id)
		}
		if av && !q.value || ax && len(q.extras) == 0 {
			c.errorf("%s: approx value %v extras %v, but its value/extras have no quantile", id, av, ax)
		}
		if rtErr(ra.Err) != rtErr(rb.Err) || rtErr(ra.SegmentErr) != rtErr(rb.SegmentErr) || ra.SegmentsTruncated != rb.SegmentsTruncated {
			c.errorf("%s: err %q segErr %q trunc %d (rollup) vs %q %q %d (raw)", id, rtErr(ra.Err), rtErr(ra.SegmentErr), ra.SegmentsTruncated, rtErr(rb.Err), rtErr(rb.SegmentErr), rb.SegmentsTruncated)
			continue
		}
		if rb.Err != nil {
			continue
		}
		if c.approxWant != nil && q.any() {
			want := c.approxWant(id, rb)
			if q.value && av != want || len(q.extras) > 0 && ax != want {
				c.errorf("%s: approx value %v extras %v, want %v (a sketch answers up to one dimension)", id, av, ax, want)
			}
		}
		if av || ax {
			c.approxSeen++
		}
		c.compared++
		q = q.only(av, ax)
		approx := av || ax
		c.row(id+" total", ra.Total, rb.Total, q, approx)
		if len(ra.Trend) != len(rb.Trend) {
			c.errorf("%s: trend of %d vs %d points", id, len(ra.Trend), len(rb.Trend))
		} else {
			for j := range rb.Trend {
				c.point(fmt.Sprintf("%s trend[%d]", id, j), ra.Trend[j], rb.Trend[j], q, approx)
			}
		}
		segA := map[string]kpi.Row{}
		var namesA, namesB []string
		for _, r := range ra.Segments {
			segA[r.Segment] = r
			namesA = append(namesA, r.Segment)
		}
		for _, r := range rb.Segments {
			namesB = append(namesB, r.Segment)
		}
		sort.Strings(namesA)
		sort.Strings(namesB)
		if !reflect.DeepEqual(namesA, namesB) {
			c.errorf("%s: segments %q (rollup) vs %q (raw)", id, namesA, namesB)
		}
		for _, rbs := range rb.Segments {
			if ras, ok := segA[rbs.Segment]; ok {
				c.row(id+" segment "+rbs.Segment, ras, rbs, q, approx)
			}
		}
	}
}

// rtPeriodExtras is r with extras left only on the rows of the period
// shown: none on its trend's points or its rows' comparisons.
func rtPeriodExtras(r kpi.Result) kpi.Result {
	r.Trend = append([]kpi.Point(nil), r.Trend...)
	for i := range r.Trend {
		r.Trend[i].Extras = nil
	}
	row := func(x kpi.Row) kpi.Row {
		if x.Compare != nil {
			c := *x.Compare
			c.Extras = nil
			x.Compare = &c
		}
		return x
	}
	r.Total = row(r.Total)
	r.Segments = append([]kpi.Row(nil), r.Segments...)
	for i := range r.Segments {
		r.Segments[i] = row(r.Segments[i])
	}
	return r
}

// rtCompute computes a slice from rollups and from raw rows and compares.
func rtCompute(t *testing.T, eng *kpi.Engine, ids []string, s kpi.Slice, approxWant func(string, kpi.Result) bool) *rtCmp {
	t.Helper()
	ctx := context.Background()
	a, err := eng.Compute(ctx, s, ids, kpi.Uncached())
	if err != nil {
		t.Fatalf("%s: %v", rtSliceName(s), err)
	}
	b, err := eng.Compute(ctx, s, ids, kpi.FromScratch())
	if err != nil {
		t.Fatalf("%s: %v", rtSliceName(s), err)
	}
	c := &rtCmp{t: t, name: rtSliceName(s), approxWant: approxWant}
	c.cards(a, b)
	c.partial = b.Partial
	return c
}

func rtSliceName(s kpi.Slice) string {
	p := "latest"
	if !s.Period.IsZero() {
		p = s.Period.Format("2006-01-02")
	}
	g := s.Grain
	if g == "" {
		g = kpi.Month
	}
	var fs []string
	for _, f := range s.Filters {
		fs = append(fs, f.String())
	}
	return fmt.Sprintf("%s %s vs %s trend %d by %q where [%s]", g, p, s.Compare, s.Trend, s.Segment, strings.Join(fs, "; "))
}

// rtSketchable says whether a KPI with quantiles is answered from a sketch
// once the rollups are built: the slice filters and breaks down by at most
// one dimension, or by two when it reads whole months only (month, quarter
// or year, the current period ending with a month as raw's PeriodEnd says,
// or all time), each one the KPI's table reaches (its own column, or the
// customers table's through customer_id).
func rtSketchable(eng *kpi.Engine, id string, s kpi.Slice, raw kpi.Result) bool {
	if eng.Def(id).Type == kpi.Cohort { // read from the raw rows, quantiles too (backlog's median age)
		return false
	}
	set := map[string]bool{}
	for _, f := range s.Filters {
		set[f.Dim] = true
	}
	filters := len(set)
	if s.Segment != "" {
		set[s.Segment] = true
	}
	g := eng.Resolve(s).Grain
	months := g == kpi.All || eng.Def(id).Time == "" ||
		(g == kpi.Month || g == kpi.Quarter || g == kpi.Year) && (raw.PeriodEnd.IsZero() || kpi.Month.Trunc(raw.PeriodEnd).Equal(raw.PeriodEnd))
	pair := len(set) == 2 && months
	// A breakdown with a trend whose dimensions no sketch holds together
	// still takes its totals and trend from the sketch of the filters'
	// dimensions (the segments read raw rows): the headline value is
	// approximate.
	trend := s.Trend != 1 && s.Grain != kpi.All && eng.Def(id).Time != ""
	if len(set) > 1 && !pair && !(s.Segment != "" && trend && (filters <= 1 || filters == 2 && months)) {
		return false
	}
	if len(set) > 1 && !pair { // the filters' dimensions alone
		set = map[string]bool{}
		for _, f := range s.Filters {
			set[f.Dim] = true
		}
	}
	tables := eng.Tables()
	has := func(table, col string) bool {
		for _, c := range tables[table] {
			if strings.EqualFold(c.Name, col) {
				return true
			}
		}
		return false
	}
	src := eng.Def(id).Source
	for dim := range set {
		if !has(src, dim) && !(src != "customers" && has(src, "customer_id") && has("customers", dim)) {
			return false
		}
	}
	return true
}

// rtSlices draws slices over the engine's dimensions and time range.
func rtSlices(t *testing.T, rng *rand.Rand, eng *kpi.Engine, n int) []kpi.Slice {
	t.Helper()
	ctx := context.Background()
	var dims []string
	vals := map[string][]string{}
	for _, d := range eng.Dimensions() {
		v, err := eng.DimValues(ctx, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		dims = append(dims, d.Name)
		vals[d.Name] = v
	}
	grains := []kpi.Grain{kpi.Day, kpi.Day, kpi.Week, kpi.Week, kpi.Month, kpi.Month, kpi.Month, kpi.Quarter, kpi.Quarter, kpi.Year, kpi.All}
	trends := []int{1, 2, 3, 6, 12, 14, 24}
	start, asOf := eng.Start(), eng.AsOf()
	var out []kpi.Slice
	for range n {
		s := kpi.Slice{Grain: grains[rng.Intn(len(grains))], Trend: trends[rng.Intn(len(trends))]}
		switch x := rng.Float64(); {
		case x < 0.4:
			s.Compare = kpi.VsPrevious
		case x < 0.75:
			s.Compare = kpi.VsYear
		default:
			s.Compare = kpi.VsTarget
		}
		if s.Grain != kpi.All && rng.Float64() < 0.65 {
			back := 0
			for p := s.Grain.Trunc(asOf); s.Grain.Add(p, 1).After(start); p = s.Grain.Add(p, -1) {
				back++
			}
			s.Period = s.Grain.Add(s.Grain.Trunc(asOf), -rng.Intn(back))
		}
		if rng.Float64() < 0.55 {
			s.Segment = dims[rng.Intn(len(dims))]
		}
		nf := 0
		switch x := rng.Float64(); {
		case x < 0.35:
		case x < 0.65:
			nf = 1
		case x < 0.85:
			nf = 2
		default:
			nf = 3
		}
		for _, i := range rng.Perm(len(dims))[:min(nf, len(dims))] {
			d := dims[i]
			f := kpi.Filter{Dim: d}
			switch x := rng.Float64(); {
			case x < 0.1:
				f.Values = []string{"zz no such value"}
			default:
				v := vals[d]
				f.Values = append(f.Values, v[rng.Intn(len(v))])
				if rng.Float64() < 0.3 {
					f.Values = append(f.Values, v[rng.Intn(len(v))])
				}
				if rng.Float64() < 0.15 {
					f.Values = append(f.Values, kpi.BlankLabel)
				}
				if rng.Float64() < 0.05 {
					f.Values = append(f.Values, "zz no such value")
				}
			}
			if rng.Float64() < 0.25 {
				f.Op = kpi.OpNotIn // exclusion, from the rollups too
			}
			s.Filters = append(s.Filters, f)
		}
		out = append(out, s)
	}
	return out
}

// TestRollupsAgreeOnSample compares rollups with raw rows on the embedded
// sample for every built-in KPI: first while the rollups are being built
// (queries wait for totals or read raw rows), then over pseudo-random
// slices once they are built.
func TestRollupsAgreeOnSample(t *testing.T) {
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	eng := ws.Engine
	ids := rtIDs(eng)
	rng := rand.New(rand.NewSource(20260814))
	n := 60
	if testing.Short() {
		// The race pass (-short) is for the slices computed during the
		// build, on four goroutines; those after it are one goroutine's.
		n = 20
	}
	slices := rtSlices(t, rng, eng, n)

	// During the build: four sessions compute while BuildRollups runs.
	during := slices[:10]
	got := make([]*kpi.Scorecard, len(during))
	var wg sync.WaitGroup
	var buildErr error
	var steps atomic.Int64 // the progress may come from the statement's poller
	built := map[string]bool{}
	var builtMu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		buildErr = eng.BuildRollups(ctx, func(p kpi.RollupProgress) {
			steps.Store(int64(p.Done))
			// The rollups' passes (the backlog's flows read its own table)
			switch p.Stage {
			case "totals", "by one and two dimensions", "quantiles by one dimension", "quantiles by two dimensions":
			default:
				return
			}
			if p.Table != "" {
				builtMu.Lock()
				built[p.Table] = true
				builtMu.Unlock()
			}
		})
	}()
	work := make(chan int)
	errs := make([]error, len(during))
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				got[i], errs[i] = eng.Compute(ctx, during[i], ids, kpi.Uncached())
			}
		}()
	}
	for i := range during {
		work <- i
	}
	close(work)
	wg.Wait()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	if p := eng.RollupStatus(); !p.Ready || p.Err != nil || p.Done != p.Total || steps.Load() != int64(p.Total) {
		t.Fatalf("rollup status after the build: %+v (last step seen %d)", p, steps.Load())
	}
	// The ticket KPIs share their rollups with the business-time view (its
	// rows are the tickets' row for row, with every ticket column): one
	// pass per time axis, not one per table.
	var sources []string
	for src := range built {
		sources = append(sources, src)
	}
	sort.Strings(sources)
	if strings.Join(sources, ",") != "customers,spend,surveys,tickets_business" {
		t.Errorf("rollups built over %v, want customers, spend, surveys and tickets_business (the tickets' rows through their business-time view)", sources)
	}
	for i, s := range during {
		if errs[i] != nil {
			t.Fatalf("%s: %v", rtSliceName(s), errs[i])
		}
		b, err := eng.Compute(ctx, s, ids, kpi.FromScratch())
		if err != nil {
			t.Fatal(err)
		}
		c := &rtCmp{t: t, name: "during build: " + rtSliceName(s)}
		c.cards(got[i], b)
	}

	// Built: every slice from rollups where they can answer.
	compared, approx, fails := 0, 0, 0
	for i, s := range slices[len(during):] {
		s := s
		c := rtCompute(t, eng, rtSome(ids, i), s, func(id string, raw kpi.Result) bool { return rtSketchable(eng, id, s, raw) })
		compared += c.compared
		approx += c.approxSeen
		fails += c.fails
	}
	t.Logf("%d slices (%d during the build), %d KPI results compared after it, %d from a sketch, %d differences", len(slices), len(during), compared, approx, fails)
	if approx == 0 {
		t.Error("no result came from a sketch: the rollups were not used")
	}
}

// TestRollupBuildCancelled stops BuildRollups in the middle of a statement:
// it reports the cancellation (not as a build error), and the engine keeps
// answering, from the parts built and from raw rows, with the same numbers,
// including queries that were waiting for the build.
func TestRollupBuildCancelled(t *testing.T) {
	ws, err := workspace.Open(context.Background(), workspace.Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	eng := ws.Engine
	ids := rtIDs(eng)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	// Half way the build is on the breakdowns (statements of a few hundred
	// ms on the sample): cancel while one runs.
	done := make(chan error, 1)
	go func() {
		done <- eng.BuildRollups(ctx, func(p kpi.RollupProgress) {
			if p.Total > 0 && p.Done >= p.Total/2 {
				once.Do(func() { time.AfterFunc(40*time.Millisecond, cancel) })
			}
		})
	}()
	slices := []kpi.Slice{
		{Grain: kpi.Month},
		{Grain: kpi.Quarter, Segment: "region", Compare: kpi.VsYear},
		{Grain: kpi.Week, Filters: []kpi.Filter{{Dim: "priority", Values: []string{"high"}}}, Trend: 6},
		{Grain: kpi.All, Segment: "team"},
		{Grain: kpi.Day, Period: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC), Segment: "plan", Filters: []kpi.Filter{{Dim: "channel", Values: []string{"chat"}}}},
	}
	// Sessions that started before the cancel.
	early := make([]*kpi.Scorecard, len(slices))
	var wg sync.WaitGroup
	for i, s := range slices[:3] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc, err := eng.Compute(context.Background(), s, ids, kpi.Uncached())
			if err != nil {
				t.Errorf("%s: %v", rtSliceName(s), err)
			}
			early[i] = sc
		}()
	}
	err = <-done
	wg.Wait()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("BuildRollups after cancel: %v, want context.Canceled", err)
	}
	p := eng.RollupStatus()
	if p.Ready || p.Err != nil || p.Done >= p.Total || p.Done < p.Total/2 {
		t.Errorf("status after cancel: %+v", p)
	}
	t.Logf("cancelled after %d of %d steps", p.Done, p.Total)
	for i, s := range slices {
		rtCompute(t, eng, ids, s, nil)
		if early[i] != nil {
			b, err := eng.Compute(context.Background(), s, ids, kpi.FromScratch())
			if err != nil {
				t.Fatal(err)
			}
			c := &rtCmp{t: t, name: "before cancel: " + rtSliceName(s)}
			c.cards(early[i], b)
		}
	}
}

// rtGenSQL creates the standard tables with the awkward cases: empty days
// and an empty month, a channel and a plan that first appear mid-period,
// NULL dimensions and customers missing from the customers table (blank
// segments), NULL times and scores, answers off the scale, zero, tiny and
// negative durations, timestamps in the future, and data ending at end.
func rtGenSQL(end string) []string {
	e := "TIMESTAMP '" + end + "'"
	span := fmt.Sprintf("(date_diff('second', TIMESTAMP '2023-10-01', %s) - 3 * 86400)", e)
	gap := func(col string) string {
		return fmt.Sprintf("coalesce(NOT (%[1]s >= TIMESTAMP '2024-07-10' AND %[1]s < TIMESTAMP '2024-07-26'), true)", col)
	}
	return []string{
		`CREATE MACRO rt_u(i, salt) AS ((hash(i * 7919 + salt) % 1000003) + 0.5) / 1000003.0`,
		`CREATE MACRO rt_z(i, salt) AS sqrt(-2 * ln(rt_u(i, salt))) * cos(2 * pi() * rt_u(i, salt + 1))`,
		fmt.Sprintf(`CREATE TABLE tickets AS
		WITH b AS (
		  SELECT i, TIMESTAMP '2023-10-01' + to_seconds(CAST(floor(rt_u(i, 1) * %[2]s) AS BIGINT)) AS c,
		   rt_u(i, 2) AS ud, rt_u(i, 3) AS uch, rt_u(i, 5) AS uf, rt_u(i, 9) AS us FROM range(6000) r(i)
		), d AS (
		  SELECT *, CASE
		    WHEN ud < 0.03 THEN 0
		    WHEN ud < 0.05 THEN 1 + i %% 3
		    WHEN ud < 0.07 THEN -3600 * (1 + i %% 48)
		    WHEN ud < 0.12 THEN NULL
		    ELSE CAST(3600 * exp(1.2 + 1.3 * rt_z(i, 6)) AS BIGINT) END AS dur,
		   CASE WHEN uf < 0.08 THEN NULL WHEN uf < 0.11 THEN -(600 + i %% 3600)
		    ELSE CAST(3600 * exp(-0.5 + rt_z(i, 11)) AS BIGINT) END AS fdur
		  FROM b
		), x AS (
		  SELECT *, CASE WHEN c + to_seconds(dur) <= %[1]s THEN c + to_seconds(dur) END AS res,
		   CASE WHEN c + to_seconds(fdur) <= %[1]s THEN c + to_seconds(fdur) END AS fr FROM d
		)
		SELECT 'T' || i AS ticket_id,
		 CASE WHEN i %% 50 = 7 THEN NULL ELSE 'C' || (1 + hash(i * 31) %% 420) END AS customer_id,
		 CASE WHEN uch < 0.04 THEN NULL
		  WHEN c >= TIMESTAMP '2024-11-17 12:00' AND uch < 0.15 THEN 'sms'
		  WHEN uch < 0.35 THEN 'chat' WHEN uch < 0.6 THEN 'email' WHEN uch < 0.8 THEN 'phone' ELSE 'web' END AS channel,
		 CASE WHEN i %% 33 = 0 THEN NULL ELSE ['low', 'normal', 'high'][1 + i %% 3] END AS priority,
		 CASE WHEN i %% 41 = 0 THEN NULL ELSE ['Alpha', 'Beta', 'Gamma'][1 + (i // 7) %% 3] END AS team,
		 CASE WHEN i %% 97 = 3 THEN NULL ELSE c END AS created_at,
		 fr AS first_response_at,
		 res AS resolved_at,
		 CASE WHEN i %% 20 = 0 THEN NULL ELSE 1 + CAST(floor(rt_u(i, 8) * 3.5) AS INTEGER) END AS contacts,
		 CASE WHEN us < 0.4 THEN NULL WHEN us < 0.41 THEN 6 * (i %% 2) ELSE 1 + CAST(floor(rt_u(i, 10) * 5) AS INTEGER) END AS csat,
		 CASE WHEN rt_u(i, 12) < 0.5 THEN NULL WHEN rt_u(i, 12) < 0.51 THEN 9 ELSE 1 + CAST(floor(rt_u(i, 13) * 7) AS INTEGER) END AS ces
		FROM x
		WHERE %[3]s AND %[4]s AND NOT (coalesce(res, c) >= TIMESTAMP '2024-09-01' AND coalesce(res, c) < TIMESTAMP '2024-10-01')
		  AND NOT (c >= TIMESTAMP '2024-09-01' AND c < TIMESTAMP '2024-10-01')`, e, span, gap("c"), gap("res")),
		fmt.Sprintf(`INSERT INTO tickets VALUES
		 ('TF1', 'C1', 'chat', 'low', 'Alpha', '2030-12-30 08:00', '2030-12-30 09:00', '2031-01-01 09:00', 1, 5, 6),
		 ('TF2', 'C2', 'email', 'high', 'Beta', '2025-03-27 08:00', '2025-03-27 08:30', '2025-03-28 10:00', 2, 1, 2),
		 ('TF3', 'C3', 'web', 'normal', 'Gamma', '2025-04-01 08:00', NULL, '2025-04-02 10:00', 1, 4, 5),
		 ('TN1', 'C4', 'chat', 'low', 'Alpha', NULL, NULL, NULL, 1, 5, 7),
		 ('TEND', 'C5', 'phone', 'high', 'Beta', %[1]s - INTERVAL 5 HOUR, %[1]s - INTERVAL 4 HOUR, %[1]s, 1, 4, 5)`, e),
		fmt.Sprintf(`CREATE TABLE surveys AS
		WITH b AS (SELECT i, TIMESTAMP '2023-10-01' + to_seconds(CAST(floor(rt_u(i, 21) * %[2]s) AS BIGINT)) AS s FROM range(2500) r(i)),
		x AS (SELECT *, CASE WHEN rt_u(i, 22) < 0.4 THEN s + to_seconds(CAST(3600 * exp(2 + rt_z(i, 23)) AS BIGINT)) END AS r0 FROM b),
		y AS (SELECT *, CASE WHEN r0 <= %[1]s THEN r0 END AS r FROM x)
		SELECT 'S' || i AS survey_id, 'C' || (1 + hash(i * 17) %% 420) AS customer_id,
		 CASE WHEN i %% 101 = 5 THEN NULL ELSE s END AS sent_at, r AS responded_at,
		 CASE WHEN r IS NULL THEN NULL WHEN rt_u(i, 25) < 0.03 THEN NULL WHEN rt_u(i, 25) < 0.04 THEN 11
		  ELSE CAST(floor(rt_u(i, 26) * 11) AS INTEGER) END AS nps
		FROM y WHERE %[3]s AND %[4]s`, e, span, gap("s"), gap("r")),
		`INSERT INTO surveys VALUES ('SF1', 'C1', '2030-01-01 10:00', '2030-01-02 10:00', 10), ('SN1', 'C2', NULL, NULL, NULL)`,
		fmt.Sprintf(`CREATE TABLE orders AS
		WITH b AS (SELECT i, TIMESTAMP '2023-10-01' + to_seconds(CAST(floor(rt_u(i // 2, 31) * %[2]s) AS BIGINT)) AS o FROM range(1500) r(i))
		SELECT 'O' || (i // 2) AS order_id, 'C' || (1 + hash((i // 2) * 13) %% 420) AS customer_id,
		 CASE WHEN i %% 89 = 4 THEN NULL ELSE o END AS order_date,
		 CASE WHEN i %% 113 = 6 THEN NULL ELSE round(rt_u(i, 32) * 250, 2) + 0.01 END AS amount
		FROM b WHERE %[3]s`, e, span, gap("o")),
		fmt.Sprintf(`CREATE TABLE customers AS
		WITH b AS (SELECT i, DATE '2023-06-01' + CAST(floor(rt_u(i, 41) * 640) AS INTEGER) AS sd FROM range(1, 401) r(i))
		SELECT 'C' || i AS customer_id,
		 CASE WHEN i %% 37 = 0 THEN NULL ELSE sd END AS signup_date,
		 CASE WHEN rt_u(i, 42) < 0.3 AND sd + CAST(30 + floor(rt_u(i, 43) * 400) AS INTEGER) <= CAST(%[1]s AS DATE)
		  THEN sd + CAST(30 + floor(rt_u(i, 43) * 400) AS INTEGER) END AS churn_date,
		 CASE WHEN i %% 19 = 0 THEN NULL ELSE ['SMB', 'Enterprise', 'Consumer'][1 + i %% 3] END AS segment,
		 CASE WHEN i %% 17 = 0 THEN NULL ELSE ['EMEA', 'APAC', 'AMER'][1 + (i // 3) %% 3] END AS region,
		 CASE WHEN sd >= DATE '2024-12-10' THEN 'Ultra' ELSE ['Basic', 'Pro'][1 + i %% 2] END AS plan,
		 CASE WHEN i %% 23 = 0 THEN NULL ELSE ['Organic', 'Paid', 'Referral'][1 + (i // 5) %% 3] END AS acquisition_channel
		FROM b`, e),
		`INSERT INTO customers VALUES ('C999', '2024-02-02', '2031-06-01', 'SMB', 'EMEA', 'Basic', 'Organic')`,
		`CREATE TABLE spend AS SELECT CAST(DATE '2023-10-01' + INTERVAL (m) MONTH AS DATE) AS month, k AS kind, 1000 + m * 13.37 + length(k) AS amount
		 FROM range(18) r(m), (VALUES ('acquisition'), ('retention')) v(k)`,
		`INSERT INTO spend VALUES ('2024-05-01', NULL, 55.5), ('2024-06-01', 'acquisition', NULL)`,
	}
}

// rtGenerate writes the generated tables to files (tickets and surveys as
// CSV, the rest as Parquet) and returns the sources for workspace.Open.
func rtGenerate(t *testing.T, end string) []string {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range rtGenSQL(end) {
		if err := db.Exec(ctx, stmt); err != nil {
			t.Fatalf("%v\n%s", err, stmt)
		}
	}
	dir := t.TempDir()
	var sources []string
	for _, tb := range []string{"tickets", "surveys", "orders", "customers", "spend"} {
		format, ext := "parquet", "parquet"
		if tb == "tickets" || tb == "surveys" {
			format, ext = "csv, HEADER", "csv"
		}
		file := filepath.Join(dir, tb+"."+ext)
		if err := db.Exec(ctx, fmt.Sprintf("COPY (SELECT * FROM %s ORDER BY 1) TO %s (FORMAT %s)", tb, store.QuoteLiteral(file), format)); err != nil {
			t.Fatal(err)
		}
		sources = append(sources, tb+"="+file)
	}
	return sources
}

var rtNow = func() time.Time { return time.Date(2025, 3, 20, 12, 0, 0, 0, time.UTC) }

func rtOpen(t *testing.T, sources []string) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Open(context.Background(), workspace.Options{NoConfig: true, Sources: sources, Now: rtNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	for id, err := range ws.Engine.Problems() {
		t.Errorf("problem with %s: %v", id, err)
	}
	return ws
}

func rtDay(s string) time.Time {
	v, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return v
}

// rtEdgeSlices are the generated data's awkward slices: the partial current
// period at every grain (compared with the same elapsed part of the previous
// period and of last year), the empty month and days, the periods where a
// segment first appears, the edge of the recent rollup part.
func rtEdgeSlices(asOf time.Time, all bool) []kpi.Slice {
	chat := kpi.Filter{Dim: "channel", Values: []string{"chat", "sms"}}
	blankRegion := kpi.Filter{Dim: "region", Values: []string{kpi.BlankLabel}}
	ultraHigh := []kpi.Filter{{Dim: "plan", Values: []string{"Ultra"}}, {Dim: "priority", Values: []string{"high"}}}
	filters := [][]kpi.Filter{nil, {chat}, {blankRegion}, ultraHigh, {chat, blankRegion}}
	var out []kpi.Slice
	i := 0
	for gi, g := range []kpi.Grain{kpi.Day, kpi.Week, kpi.Month, kpi.Quarter, kpi.Year} {
		for ci, cmp := range []kpi.Compare{kpi.VsPrevious, kpi.VsYear} {
			for _, seg := range []string{"", []string{"channel", "region"}[(gi+ci)%2]} {
				out = append(out, kpi.Slice{Grain: g, Period: g.Trunc(asOf), Compare: cmp, Segment: seg, Filters: filters[i%len(filters)], Trend: 1 + 2*(i%3)})
				i++
			}
		}
	}
	if !all {
		return out
	}
	return append(out,
		kpi.Slice{Grain: kpi.Month},
		kpi.Slice{Grain: kpi.All, Segment: "channel"},
		kpi.Slice{Grain: kpi.All, Filters: []kpi.Filter{{Dim: "channel", Values: []string{kpi.BlankLabel}}}},
		kpi.Slice{Grain: kpi.All, Segment: "segment", Filters: []kpi.Filter{{Dim: "team", Values: []string{"Alpha", kpi.BlankLabel}}}},
		kpi.Slice{Grain: kpi.Month, Period: rtDay("2024-09-01"), Compare: kpi.VsPrevious, Segment: "channel"},
		kpi.Slice{Grain: kpi.Month, Period: rtDay("2024-10-01"), Compare: kpi.VsPrevious, Segment: "priority", Trend: 4},
		kpi.Slice{Grain: kpi.Day, Period: rtDay("2024-07-15"), Compare: kpi.VsPrevious, Trend: 20},
		kpi.Slice{Grain: kpi.Week, Period: rtDay("2024-07-15"), Compare: kpi.VsYear, Segment: "region"},
		kpi.Slice{Grain: kpi.Month, Period: rtDay("2024-11-01"), Compare: kpi.VsPrevious, Segment: "channel"},
		kpi.Slice{Grain: kpi.Week, Period: rtDay("2024-11-11"), Compare: kpi.VsPrevious, Segment: "channel", Trend: 1},
		kpi.Slice{Grain: kpi.Quarter, Period: rtDay("2024-10-01"), Segment: "region", Filters: []kpi.Filter{{Dim: "channel", Values: []string{"sms"}}}},
		kpi.Slice{Grain: kpi.Month, Period: rtDay("2024-12-01"), Segment: "plan", Compare: kpi.VsYear},
		kpi.Slice{Grain: kpi.Week, Period: rtDay("2024-01-29"), Segment: "region", Trend: 6},
		kpi.Slice{Grain: kpi.Year, Period: rtDay("2024-01-01"), Compare: kpi.VsPrevious, Segment: "team"},
		kpi.Slice{Grain: kpi.Month, Period: rtDay("2025-02-01"), Segment: "kind", Filters: []kpi.Filter{{Dim: "kind", Values: []string{"retention"}}}},
	)
}

// TestRollupsAgreeOnEdgeCases runs the comparison on generated data whose
// latest timestamp is mid-day (the partial period's comparison reads raw
// rows) and at midnight (whole days elapsed: the comparison comes from the
// rollup too), then checks that the rollups were in fact used.
func TestRollupsAgreeOnEdgeCases(t *testing.T) {
	skipShort(t)
	for _, v := range []struct {
		end    string
		all    bool
		random int
	}{{"2025-03-14 14:37:12", true, 4}, {"2025-03-14 00:00:00", false, 0}} {
		t.Run(strings.Fields(v.end)[1], func(t *testing.T) {
			ws := rtOpen(t, rtGenerate(t, v.end))
			rtCheckGenerated(t, ws.DB)
			eng := ws.Engine
			want, _ := time.Parse("2006-01-02 15:04:05", v.end)
			if !eng.AsOf().Equal(want) {
				t.Fatalf("asOf %v, want %v (future timestamps ignored)", eng.AsOf(), want)
			}
			if err := eng.BuildRollups(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			ids := rtIDs(eng)
			slices := rtEdgeSlices(eng.AsOf(), v.all)
			slices = append(slices, rtSlices(t, rand.New(rand.NewSource(7)), eng, v.random)...)
			partial, compared, approx, fails := 0, 0, 0, 0
			for i, s := range slices {
				s := s
				c := rtCompute(t, eng, rtSome(ids, i), s, func(id string, raw kpi.Result) bool { return rtSketchable(eng, id, s, raw) })
				compared += c.compared
				approx += c.approxSeen
				fails += c.fails
				if c.partial {
					partial++
				}
			}
			t.Logf("%d slices (%d partial), %d KPI results compared, %d from a sketch, %d differences", len(slices), partial, compared, approx, fails)
			if partial < 10 || approx == 0 {
				t.Errorf("%d partial slices, %d sketch results: the cases are not exercised", partial, approx)
			}
			if v.all {
				rtCheckRollupsUsed(t, ws)
			}
		})
	}
}

// rtCheckGenerated makes sure the loaded data holds the awkward cases the
// comparison is meant to meet.
func rtCheckGenerated(t *testing.T, db *store.DB) {
	t.Helper()
	checks := []struct{ what, sql string }{
		{"negative durations", `SELECT count(*) FROM tickets WHERE resolved_at < created_at`},
		{"zero durations", `SELECT count(*) FROM tickets WHERE resolved_at = created_at`},
		{"NULL channels", `SELECT count(*) FROM tickets WHERE channel IS NULL`},
		{"NULL created_at", `SELECT count(*) FROM tickets WHERE created_at IS NULL AND resolved_at IS NOT NULL`},
		{"NULL csat", `SELECT count(*) FROM tickets WHERE csat IS NULL AND resolved_at IS NOT NULL`},
		{"csat off the scale", `SELECT count(*) FROM tickets WHERE csat NOT BETWEEN 1 AND 5`},
		{"tickets of unknown customers", `SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = t.customer_id)`},
		{"future tickets", `SELECT count(*) FROM tickets WHERE resolved_at > TIMESTAMP '2025-03-21 12:00'`},
		{"NULL regions", `SELECT count(*) FROM customers WHERE region IS NULL`},
		{"NULL signups", `SELECT count(*) FROM customers WHERE signup_date IS NULL`},
		{"NULL sent_at", `SELECT count(*) FROM surveys WHERE sent_at IS NULL`},
		{"NULL nps of answers", `SELECT count(*) FROM surveys WHERE responded_at IS NOT NULL AND nps IS NULL`},
		{"NULL order dates", `SELECT count(*) FROM orders WHERE order_date IS NULL`},
		{"sms tickets", `SELECT count(*) FROM tickets WHERE channel = 'sms'`},
		{"Ultra customers", `SELECT count(*) FROM customers WHERE plan = 'Ultra'`},
	}
	for _, c := range checks {
		rows, err := db.Query(context.Background(), c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if store.Int(rows.Data[0][0]) == 0 {
			t.Errorf("generated data has no %s", c.what)
		}
	}
	for _, c := range []struct{ what, sql string }{
		{"sms before it starts", `SELECT count(*) FROM tickets WHERE channel = 'sms' AND created_at < TIMESTAMP '2024-11-17 12:00'`},
		{"tickets in the empty month", `SELECT count(*) FROM tickets WHERE resolved_at >= DATE '2024-09-01' AND resolved_at < DATE '2024-10-01'`},
		{"tickets in the empty days", `SELECT count(*) FROM tickets WHERE resolved_at >= DATE '2024-07-10' AND resolved_at < DATE '2024-07-26'`},
	} {
		rows, err := db.Query(context.Background(), c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if n := store.Int(rows.Data[0][0]); n != 0 {
			t.Errorf("generated data has %d %s", n, c.what)
		}
	}
}

// rtCheckRollupsUsed spoils the rollup tables of an engine and checks that
// the KPIs said to come from rollups change while the others (distinct
// counts, cohorts, three filters) do not: the comparisons do compare
// rollups with raw rows.
func rtCheckRollupsUsed(t *testing.T, ws *workspace.Workspace) {
	ctx := context.Background()
	eng := ws.Engine
	rows, err := ws.DB.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_name LIKE '\_\_kpiscope\_%' ESCAPE '\' ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	atomCol := regexp.MustCompile(`^a\d+$`)
	sets := map[string][]string{}
	for _, r := range rows.Data {
		tb, col := r[0].(string), r[1].(string)
		switch {
		// the daily tables and their monthly twins (rollupm, sketchm)
		case (strings.HasPrefix(tb, "__kpiscope_rollup_") || strings.HasPrefix(tb, "__kpiscope_rollupm_")) && atomCol.MatchString(col):
			sets[tb] = append(sets[tb], fmt.Sprintf("%[1]s = %[1]s + 1", store.QuoteIdent(col)))
		case (strings.HasPrefix(tb, "__kpiscope_sketch_") || strings.HasPrefix(tb, "__kpiscope_sketchm_")) && col == "__b":
			sets[tb] = append(sets[tb], `"__b" = "__b" + 60`) // γ^60 ≈ 3.3×
		}
	}
	if len(sets) < 5 {
		t.Fatalf("rollup tables: %v", sets)
	}
	// Totals kept per period (from the sketches, by the slices compared
	// before) would answer without the tables.
	kpi.ForgetPeriodTotals(eng)
	for tb, set := range sets {
		if err := ws.DB.Exec(ctx, "UPDATE "+store.QuoteIdent(tb)+" SET "+strings.Join(set, ", ")); err != nil {
			t.Fatal(err)
		}
	}
	ids := rtIDs(eng)
	tickets := "ces contacts_per_resolution csat fcr first_response resolution_median resolution_time"
	cases := []struct {
		s       kpi.Slice
		changed string // the KPIs answered from rollups
	}{
		{kpi.Slice{Grain: kpi.Month, Period: rtDay("2025-01-01")},
			tickets + " nps response_rate new_customers acquisition_spend retention_spend cac retention_cost"},
		// Surveys, customers and spend cannot be broken down by channel: raw rows.
		{kpi.Slice{Grain: kpi.Quarter, Period: rtDay("2024-10-01"), Segment: "channel"}, tickets},
		{kpi.Slice{Grain: kpi.All, Filters: []kpi.Filter{{Dim: "region", Values: []string{"EMEA"}}}},
			tickets + " nps response_rate new_customers"},
		// Three filters: raw rows.
		{kpi.Slice{Grain: kpi.Month, Period: rtDay("2025-01-01"), Filters: []kpi.Filter{{Dim: "region", Values: []string{"EMEA", "APAC"}},
			{Dim: "priority", Values: []string{"low", "high"}}, {Dim: "team", Values: []string{"Alpha", "Beta"}}}}, ""},
	}
	for _, tc := range cases {
		a, err := eng.Compute(ctx, tc.s, ids, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		b, err := eng.Compute(ctx, tc.s, ids, kpi.FromScratch())
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, id := range strings.Fields(tc.changed) {
			want[id] = true
		}
		seen := 0
		for i, rb := range b.Results {
			ra := a.Results[i]
			id := rb.Def.ID
			if rb.Err != nil || ra.Err != nil {
				if want[id] {
					t.Errorf("%s: %s: %v / %v", rtSliceName(tc.s), id, ra.Err, rb.Err)
				}
				continue
			}
			c := &rtCmp{t: t, name: rtSliceName(tc.s), quiet: true}
			av, ax := rtApprox(ra)
			c.row(id, ra.Total, rb.Total, rtQuantOf(rb.Def).only(av, ax), av || ax)
			if changed := c.fails > 0; changed != want[id] {
				t.Errorf("%s: %s changed %v after the rollups were spoilt, want %v", rtSliceName(tc.s), id, changed, want[id])
			}
			if want[id] {
				seen++
			}
		}
		if seen != len(want) {
			t.Errorf("%s: %d of %d KPIs expected from rollups were compared", rtSliceName(tc.s), seen, len(want))
		}
	}
}

// TestSketchQuantilesAndCustomAtoms checks quantiles from sketches against
// exact ones on 10,000 lognormal-ish durations with zeros, tiny values and
// NULLs, at every quantile from 0 to 1 and on days with one or two values;
// and custom KPIs whose atoms no built-in has (min, max, avg, a row filter)
// and a distinct count answered from raw rows in the same group as KPIs
// answered from the rollup.
func TestSketchQuantilesAndCustomAtoms(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`CREATE MACRO rt_u(i, salt) AS ((hash(i * 7919 + salt) % 1000003) + 0.5) / 1000003.0`,
		`CREATE TABLE durations AS SELECT
		  TIMESTAMP '2025-01-01' + to_seconds(CAST(floor(pow(rt_u(i, 1), 3) * 75 * 86400) AS BIGINT)) AS ts,
		  CASE WHEN i % 29 = 0 THEN NULL ELSE ['a', 'b', 'c'][1 + i % 3] END AS grp,
		  ['x', 'y'][1 + (i // 3) % 2] AS kind2,
		  CASE WHEN i % 97 = 0 THEN NULL
		   WHEN rt_u(i, 2) < 0.03 THEN 0.0
		   WHEN rt_u(i, 2) < 0.05 THEN (1 + i % 3) / 3600.0
		   ELSE exp(1.2 + 1.3 * sqrt(-2 * ln(rt_u(i, 3))) * cos(2 * pi() * rt_u(i, 4))) END AS h
		 FROM range(10000) r(i)`,
		// The latest time mid-day: the current month and week are partial.
		`INSERT INTO durations VALUES (TIMESTAMP '2025-03-20 15:30:00', 'a', 'x', 5.5)`,
	} {
		if err := db.Exec(ctx, stmt); err != nil {
			t.Fatalf("%v\n%s", err, stmt)
		}
	}
	quantiles := &kpi.Def{ID: "quantiles", Name: "Quantiles", Source: "durations", Type: kpi.Formula, Time: "ts", Better: kpi.Lower,
		Inputs: map[string]string{"n": "count(h)", "q50": "quantile_cont(h, 0.5)"}, Expr: "q50",
		Target: &kpi.Target{Value: 3.3, Warn: rtPtr(4)},
		Extras: map[string]string{
			"q0": "quantile_cont(h, 0)", "q01": "quantile_cont(h, 0.01)", "q25": "quantile_cont(h, 0.25)",
			"q75": "quantile_cont(h, 0.75) FILTER (WHERE grp <> 'b')", "q90": "quantile_cont(h, 0.9)",
			"q99": "quantile_cont(h, 0.99)", "q100": "quantile_cont(h, 1.0)", "median": "median(h) FILTER (WHERE h > 1)"}}
	spread := &kpi.Def{ID: "spread", Name: "Spread", Source: "durations", Type: kpi.Formula, Time: "ts", Better: kpi.Lower,
		Inputs: map[string]string{"lo": "min(h)", "hi": "max(h) FILTER (WHERE grp = 'a')", "m": "avg(h)", "n": "count(*)"},
		Expr:   "hi - lo + m", Extras: map[string]string{"mean a": "mean(h) FILTER (WHERE grp = 'a')"}}
	share := &kpi.Def{ID: "share", Name: "Share long", Source: "durations", Type: kpi.Ratio, Time: "ts", Better: kpi.Lower, Scale: 100,
		Numerator: "count(*) FILTER (WHERE h > 24)", Denominator: "count(h)", Where: "kind2 = 'x'"}
	groups := &kpi.Def{ID: "groups", Name: "Groups", Source: "durations", Type: kpi.Formula, Time: "ts", Better: kpi.Higher,
		Inputs: map[string]string{"n": "count(DISTINCT grp)", "rows": "count(*)"}, Expr: "n", N: "rows"}
	eng, err := kpi.New(ctx, db, []*kpi.Def{quantiles, spread, share, groups}, kpi.Options{Now: rtNow, Dimensions: []string{"grp", "kind2"}})
	if err != nil {
		t.Fatal(err)
	}
	for id, err := range eng.Problems() {
		t.Fatalf("%s: %v", id, err)
	}
	if err := eng.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	ids := []string{"quantiles", "spread", "share", "groups"}
	grpA := []kpi.Filter{{Dim: "grp", Values: []string{"a"}}}
	approx := 0
	for _, s := range []kpi.Slice{
		{Grain: kpi.All},
		{Grain: kpi.All, Segment: "grp"},
		{Grain: kpi.Month, Trend: 3},
		{Grain: kpi.Month, Period: rtDay("2025-03-01"), Segment: "grp", Compare: kpi.VsPrevious},
		{Grain: kpi.Week, Period: rtDay("2025-03-17"), Compare: kpi.VsPrevious, Filters: grpA},
		{Grain: kpi.Day, Period: rtDay("2025-03-15"), Trend: 40, Segment: "kind2"},
		{Grain: kpi.Day, Period: rtDay("2025-03-20"), Compare: kpi.VsPrevious, Trend: 5, Filters: []kpi.Filter{{Dim: "grp", Values: []string{kpi.BlankLabel}}}},
		{Grain: kpi.Quarter, Segment: "kind2", Filters: grpA},
		{Grain: kpi.Month, Period: rtDay("2025-02-01"), Segment: "grp", Filters: []kpi.Filter{{Dim: "kind2", Values: []string{"y"}}}, Compare: kpi.VsTarget},
	} {
		s := s
		c := rtCompute(t, eng, ids, s, func(id string, raw kpi.Result) bool { return rtSketchable(eng, id, s, raw) })
		approx += c.approxSeen
	}
	if approx == 0 {
		t.Error("no quantile came from a sketch")
	}
}

func rtPtr(f float64) *float64 { return &f }
