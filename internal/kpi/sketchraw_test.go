package kpi_test

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// TestHugePeriodsSketched: while an engine has rollups (the explorer's), a
// raw statement holding every value of a period of more than sketchRows rows
// reads its quantiles from log-bucket sketches: the KPIs with a quantile are
// marked approximate, each median and p90 within SketchError of the exact
// one, every count and mean the same; periods of fewer rows stay exact; a
// sketched period is not kept as a period total (the next exact read is
// exact again). By the raw path (FromScratch) and, for a slice the rollups
// hold no answer for (a filter on two dimensions, a breakdown by a third),
// by the period totals' and the segments' raw statements.
func TestHugePeriodsSketched(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	eng := sharedSample(t, nil)
	ids := []string{"resolution_median", "resolution_time", "first_response", "csat"}
	quantiled := map[string]bool{"resolution_median": true, "resolution_time": true, "first_response": true}
	rows := kpi.TableRows(eng, "tickets")
	if rows < 10_000 {
		t.Fatalf("the sample has %d tickets", rows)
	}
	// A year of the sample's tickets is over a quarter of them, a quarter
	// well under.
	threshold := rows / 4
	// Three filters: no rollup holds them, the raw rows answer.
	three := []kpi.Filter{{Dim: "region", Values: []string{"EMEA", "North America"}},
		{Dim: "priority", Values: []string{"normal", "low"}}, {Dim: "channel", Values: []string{"email", "chat"}}}
	cases := []struct {
		name     string
		s        kpi.Slice
		opt      kpi.Option
		sketched bool
		again    bool // read again (Uncached) without sketches: exact
	}{
		{"year by team, raw", kpi.Slice{Grain: kpi.Year, Segment: "team"}, kpi.FromScratch(), true, false},
		{"all time by priority, raw", kpi.Slice{Grain: kpi.All, Segment: "priority"}, kpi.FromScratch(), true, false},
		{"year, three filters, by team", kpi.Slice{Grain: kpi.Year, Segment: "team", Filters: three}, kpi.Uncached(), true, true},
		{"quarter by team, raw", kpi.Slice{Grain: kpi.Quarter, Segment: "team"}, kpi.FromScratch(), false, false},
		{"quarter, three filters, by team", kpi.Slice{Grain: kpi.Quarter, Segment: "team", Filters: three}, kpi.Uncached(), false, false},
	}
	for _, c := range cases {
		exact, err := eng.Compute(ctx, c.s, ids, kpi.FromScratch())
		if err != nil {
			t.Fatal(err)
		}
		before := kpi.RawSketches(eng)
		restore := kpi.SetSketchRows(threshold)
		got, err := eng.Compute(ctx, c.s, ids, c.opt)
		restore()
		if err != nil {
			t.Fatal(err)
		}
		if n := kpi.RawSketches(eng) - before; (n > 0) != c.sketched {
			t.Errorf("%s: %d statements sketched, want sketched=%v", c.name, n, c.sketched)
		}
		for _, r := range got.Results {
			if want := c.sketched && quantiled[r.Def.ID]; (r.Approx || r.ApproxExtras) != want {
				t.Errorf("%s: %s approx %v/%v, want %v", c.name, r.Def.ID, r.Approx, r.ApproxExtras, want)
			}
		}
		ev, gv := flatValues(exact), flatValues(got)
		if len(ev) != len(gv) || len(ev) < 20 {
			t.Errorf("%s: %d numbers exact, %d sketched", c.name, len(ev), len(gv))
		}
		for k, want := range ev {
			v, ok := gv[k]
			switch {
			case !ok:
				t.Errorf("%s: %s missing", c.name, k)
			case (v == nil) != (want == nil):
				t.Errorf("%s: %s = %v, exact %v", c.name, k, v, want)
			case v == nil:
			case c.sketched && isQuantile(k):
				if math.Abs(*v-*want) > kpi.SketchError*math.Abs(*want)+1e-9 {
					t.Errorf("%s: %s = %g, exact %g: over %g%%", c.name, k, *v, *want, kpi.SketchError*100)
				}
			case math.Abs(*v-*want) > 1e-9*math.Max(1, math.Abs(*want)):
				t.Errorf("%s: %s = %.12g, exact %.12g", c.name, k, *v, *want)
			}
		}
		if !c.again {
			continue
		}
		// What the period totals keep is exact: the same slice read again
		// without sketches gives the exact numbers (the raw rows answer it:
		// a slice the rollups answer is a rollup's sketch again).
		again, err := eng.Compute(ctx, c.s, ids, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		av := flatValues(again)
		for k, want := range ev {
			if v := av[k]; (v == nil) != (want == nil) || v != nil && math.Abs(*v-*want) > 1e-9*math.Max(1, math.Abs(*want)) {
				t.Errorf("%s, read again: %s = %v, exact %v", c.name, k, fmtPtr(v), fmtPtr(want))
			}
		}
	}
}

// flatValues lists every number of a scorecard by where it is: each KPI's
// trend points, its total and segments' values, comparisons and extras, and
// their sample sizes (as numbers).
func flatValues(sc *kpi.Scorecard) map[string]*float64 {
	out := map[string]*float64{}
	n := func(v int64) *float64 { f := float64(v); return &f }
	for _, r := range sc.Results {
		for _, p := range r.Trend {
			k := fmt.Sprintf("%s trend %s", r.Def.ID, p.Period.Format("2006-01-02"))
			out[k+" value"], out[k+" n"] = p.Value, n(p.N)
		}
		for _, row := range append([]kpi.Row{r.Total}, r.Segments...) {
			k := fmt.Sprintf("%s [%s]", r.Def.ID, row.Segment)
			out[k+" value"], out[k+" n"] = row.Value, n(row.N)
			if row.Compare != nil {
				out[k+" compare value"], out[k+" compare n"] = row.Compare.Value, n(row.Compare.N)
			}
			var xs []string
			for x := range row.Extras {
				xs = append(xs, x)
			}
			sort.Strings(xs)
			for _, x := range xs {
				out[k+" extra "+x+" value"] = row.Extras[x]
			}
		}
	}
	return out
}

// isQuantile says whether a flatValues key is a quantile's: the median KPI's
// values, or a median or p90 extra.
func isQuantile(k string) bool {
	var id string
	fmt.Sscan(k, &id)
	if id == "resolution_median" {
		return !strings.HasSuffix(k, " n")
	}
	return strings.Contains(k, " extra median ") || strings.Contains(k, " extra p90 ")
}

// TestSketchInfiniteAndFailure: an infinite value falls in the sketches'
// outermost bucket (it once failed the whole index build: its bucket number
// overflowed); the median from the index and from sketches of the raw rows
// is within 1% of the exact one. A sketched statement that fails anyway
// (SetSketchFault) is read exactly instead, by the raw path and by the
// period totals', not an error. Two hundred hourly values, 0–9 twenty times
// each but one 7 infinite: the median of ranks 99 and 100 is (4 + 5) / 2.
func TestSketchInfiniteAndFailure(t *testing.T) {
	skipShort(t) // one goroutine: not in CI's -race -short pass
	ctx := context.Background()
	db := openFixture(t, `CREATE TABLE t AS SELECT TIMESTAMP '2026-01-01' + INTERVAL (i) HOUR AS at,
		CASE WHEN i = 7 THEN 'inf'::DOUBLE ELSE (i % 10)::DOUBLE END AS x FROM range(200) r(i)`)
	defs := []*kpi.Def{{ID: "m", Name: "Median x", Source: "t", Type: kpi.Formula, Time: "at", Better: kpi.Lower,
		Inputs: map[string]string{"median": "quantile_cont(x, 0.5)", "n": "count(*)"}, Expr: "median"}}
	s := kpi.Slice{Grain: kpi.Month, Period: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	median := func(eng *kpi.Engine, opt kpi.Option, approx, tried bool) {
		t.Helper()
		before := kpi.RawSketches(eng)
		sc, err := eng.Compute(ctx, s, []string{"m"}, opt)
		if err != nil {
			t.Fatal(err)
		}
		r := sc.Results[0]
		switch v := r.Total.Value; {
		case r.Err != nil || v == nil || r.Approx != approx:
			t.Errorf("median %v, approx %v (want %v), err %v", fmtPtr(v), r.Approx, approx, r.Err)
		case !approx && *v != 4.5:
			t.Errorf("median %v, want exactly 4.5", *v)
		case approx && math.Abs(*v-4.5) > kpi.SketchError*4.5:
			t.Errorf("median %v, want 4.5 within %g%%", *v, kpi.SketchError*100)
		}
		if got := kpi.RawSketches(eng) > before; got != tried {
			t.Errorf("a sketch of the raw rows tried: %v, want %v", got, tried)
		}
	}

	built, err := kpi.New(ctx, db, defs, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	built.PrepareRollups()
	if err := built.BuildRollups(ctx, nil); err != nil {
		t.Fatalf("an infinite value failed the index: %v", err)
	}
	median(built, kpi.Uncached(), true, false) // from the index's sketches

	// An engine whose build stopped as it began: its queries read raw rows.
	raw, err := kpi.New(ctx, db, defs, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	stopped, cancel := context.WithCancel(ctx)
	raw.PrepareRollups()
	if err := raw.BuildRollups(stopped, func(kpi.RollupProgress) { cancel() }); err == nil {
		t.Fatal("a cancelled build built")
	}
	defer kpi.SetSketchRows(0)()
	median(raw, kpi.FromScratch(), true, true)
	median(raw, kpi.Uncached(), true, true)
	defer kpi.SetSketchFault("error('a sketch failed')")()
	median(raw, kpi.FromScratch(), false, true)
	median(raw, kpi.Uncached(), false, true)
}
