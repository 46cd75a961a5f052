package kpi_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// TestBuildOrderLatestBreakdownsFirst: after every total, the build serves
// the next keys on the latest months first. Every rollup's breakdowns of
// the latest twelve months (the additive atoms by one and two dimensions,
// then the sketches by one dimension and by pair) are built before the
// backlog's flows by dimension and before any step over the older months;
// and the older months' steps do come, for every stage.
func TestBuildOrderLatestBreakdownsFirst(t *testing.T) {
	skipShort(t)
	type step struct {
		table, stage string
		older        bool
	}
	var steps []step
	for _, p := range sharedSampleBuild(t) { // the sample's build, as it went
		if p.Table == "" || p.Stage == "" {
			continue
		}
		s := step{p.Table, p.Stage, p.Older}
		if len(steps) == 0 || steps[len(steps)-1] != s {
			steps = append(steps, s)
		}
	}
	flow := func(s step) bool { return strings.HasPrefix(s.stage, "backlog") }
	breakdown := func(s step) bool { return !flow(s) && s.stage != "totals" }
	var names []string
	for _, s := range steps {
		names = append(names, fmt.Sprintf("%s %s older=%v", s.table, s.stage, s.older))
	}
	list := strings.Join(names, "\n  ")
	lastTotal, firstFlowDim, lastRecent, firstOlder := -1, -1, -1, -1
	recentStages, olderStages := map[string]bool{}, map[string]bool{}
	for i, s := range steps {
		switch {
		case s.stage == "totals":
			lastTotal = i
		case flow(s) && strings.HasSuffix(s.stage, "by one and two dimensions"):
			if firstFlowDim < 0 {
				firstFlowDim = i
			}
		case breakdown(s) && !s.older:
			lastRecent = i
			recentStages[s.stage] = true
		case breakdown(s) && s.older:
			if firstOlder < 0 {
				firstOlder = i
			}
			olderStages[s.stage] = true
		}
	}
	for _, st := range []string{"by one and two dimensions", "quantiles by one dimension", "quantiles by two dimensions"} {
		if !recentStages[st] || !olderStages[st] {
			t.Errorf("stage %q: latest months built %v, older months %v; steps:\n  %s", st, recentStages[st], olderStages[st], list)
		}
	}
	if firstFlowDim < 0 || firstOlder < 0 || lastRecent < 0 {
		t.Fatalf("steps missing (flows by dimension at %d, first older breakdown at %d, last latest one at %d):\n  %s", firstFlowDim, firstOlder, lastRecent, list)
	}
	if lastTotal > lastRecent || lastRecent > firstFlowDim || lastRecent > firstOlder {
		t.Errorf("build order: last total at %d, last breakdown of the latest months at %d, first flow by dimension at %d, first older breakdown at %d; want totals, then the latest months' breakdowns, then the rest; steps:\n  %s",
			lastTotal, lastRecent, firstFlowDim, firstOlder, list)
	}
}

// TestRecentBreakdownsBeforeOlder: once the breakdowns' parts over the
// latest thirteen months are built (and the older months' not yet), a
// breakdown or a drill of the latest month, its comparison included (the
// month before, or a year before), reads no raw row, additive or median;
// nor does a drill of the month before it (its twelve months' trend), nor
// a breakdown of the latest quarter, whose trend of twelve quarters reaches
// into the older months: its segments read the recent part, its totals and
// trend the totals. One of thirteen months back reads raw rows. The values (totals, trend,
// comparison, segments) are the fully built index's; the kept period
// totals are forgotten first, so the totals and trend are read too.
func TestRecentBreakdownsBeforeOlder(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	reads := &rawReads{}
	ws, err := workspace.Open(ctx, workspace.Options{NoConfig: true, Log: slog.New(reads),
		Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	eng := ws.Engine
	if err := eng.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	latest := eng.Resolve(kpi.Slice{Grain: kpi.Month}).Period
	emea := []kpi.Filter{{Dim: "region", Values: []string{"EMEA"}}}
	cases := []struct {
		name string
		ids  []string
		s    kpi.Slice
		raw  bool
	}{
		{"CSAT by region, latest month", []string{"csat"}, kpi.Slice{Grain: kpi.Month, Segment: "region"}, false},
		{"median by team, latest month", []string{"resolution_median"}, kpi.Slice{Grain: kpi.Month, Segment: "team"}, false},
		{"CSAT drill, latest month", []string{"csat"}, kpi.Slice{Grain: kpi.Month, Segment: "channel", Filters: emea}, false},
		{"median drill, latest month", []string{"resolution_median"}, kpi.Slice{Grain: kpi.Month, Segment: "channel", Filters: emea}, false},
		{"CSAT by region, latest month vs a year before", []string{"csat"}, kpi.Slice{Grain: kpi.Month, Segment: "region", Compare: kpi.VsYear}, false},
		{"median by team, latest month vs a year before", []string{"resolution_median"}, kpi.Slice{Grain: kpi.Month, Segment: "team", Compare: kpi.VsYear}, false},
		{"CSAT drill, the month before", []string{"csat"}, kpi.Slice{Grain: kpi.Month, Period: kpi.Month.Add(latest, -1), Segment: "channel", Filters: emea}, false},
		{"median drill, the month before", []string{"resolution_median"}, kpi.Slice{Grain: kpi.Month, Period: kpi.Month.Add(latest, -1), Segment: "channel", Filters: emea}, false},
		{"CSAT by region, latest quarter", []string{"csat"}, kpi.Slice{Grain: kpi.Quarter, Segment: "region"}, false},
		{"CSAT by region, latest quarter vs a year before", []string{"csat"}, kpi.Slice{Grain: kpi.Quarter, Segment: "region", Compare: kpi.VsYear}, false},
		{"median by team, latest quarter", []string{"resolution_median"}, kpi.Slice{Grain: kpi.Quarter, Segment: "team"}, false},
		{"CSAT by region, thirteen months back", []string{"csat"}, kpi.Slice{Grain: kpi.Month, Period: kpi.Month.Add(latest, -13), Segment: "region"}, true},
	}
	full := make([]*kpi.Scorecard, len(cases))
	for i, c := range cases {
		if full[i], err = eng.Compute(ctx, c.s, c.ids, kpi.Uncached()); err != nil {
			t.Fatal(err)
		}
	}
	sooner := soonerCases(latest)
	soonerFull := make([]*kpi.Scorecard, len(sooner))
	for i, c := range sooner {
		if soonerFull[i], err = eng.Compute(ctx, c.s, c.ids, kpi.Uncached()); err != nil {
			t.Fatal(err)
		}
	}
	if err := kpi.UnbuildOlderBreakdowns(eng); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		kpi.ForgetPeriodTotals(eng)
		reads.reset()
		got, err := eng.Compute(ctx, c.s, c.ids, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		raw, rolled := reads.reset()
		if (raw > 0) != c.raw || rolled == 0 {
			t.Errorf("%s: %d raw reads, %d rollup reads; want raw reads: %v", c.name, raw, rolled, c.raw)
		}
		if len(got.Results) == 0 || len(got.Results[0].Segments) == 0 || len(got.Results[0].Trend) < 2 {
			t.Fatalf("%s: no segments or trend", c.name)
		}
		if a, b := strings.Join(valuesOf(got), "\n  "), strings.Join(valuesOf(full[i]), "\n  "); a != b {
			t.Errorf("%s:\n  %s\nfully built:\n  %s", c.name, a, b)
		}
	}
	// The latest week (26 Oct – 1 Nov) is partial: its comparison is the
	// same elapsed part of the week before.
	week := kpi.Slice{Grain: kpi.Week, Segment: "region"}
	weekFull, err := eng.Compute(ctx, week, []string{"csat"}, kpi.Uncached())
	if err != nil {
		t.Fatal(err)
	}
	if !weekFull.Results[0].Total.Partial {
		t.Fatal("the sample's latest week is whole: the partial case is not tested")
	}
	soonerFromRecent(t, eng, reads, latest, sooner, soonerFull)
	soonerTotalsFirst(t, eng, reads, []kpi.Slice{cases[0].s, week}, []*kpi.Scorecard{full[0], weekFull})
}

// soonerTotalsFirst: with no breakdown built yet, Sooner keeps a breakdown
// at the latest month as it is, and IndexOnly answers its totals and trend
// (the fully built index's) with no raw read, its segments left out
// (SegmentErr ErrNotIndexed); a scorecard without a segment gains nothing.
func soonerTotalsFirst(t *testing.T, eng *kpi.Engine, reads *rawReads, slices []kpi.Slice, fulls []*kpi.Scorecard) {
	ctx := context.Background()
	kpi.UnbuildBreakdowns(eng)
	kpi.MarkBuilding(eng)
	if _, ok := eng.Sooner(kpi.Slice{Grain: kpi.Month}); ok {
		t.Errorf("Sooner of a scorecard at the latest month: nothing to gain")
	}
	for i, s := range slices {
		full := fulls[i]
		got, ok := eng.Sooner(s)
		if !ok || got.Trend != eng.Resolve(s).Trend {
			t.Fatalf("%v: Sooner of a breakdown, none built: %v, trend %d", s.Grain, ok, got.Trend)
		}
		kpi.ForgetPeriodTotals(eng)
		reads.reset()
		sc, err := eng.Compute(ctx, got, []string{"csat"}, kpi.IndexOnly())
		if err != nil {
			t.Fatal(err)
		}
		if raw, _ := reads.reset(); raw > 0 {
			t.Errorf("%v: IndexOnly read raw rows %d times", s.Grain, raw)
		}
		if len(sc.Results) != 1 || !errors.Is(sc.Results[0].SegmentErr, kpi.ErrNotIndexed) || len(sc.Results[0].Segments) != 0 {
			t.Fatalf("%v: IndexOnly breakdown: %+v (pending %d)", s.Grain, sc.Results, sc.Pending)
		}
		want := *full
		want.Results = []kpi.Result{full.Results[0]}
		want.Results[0].Segments = nil
		if a, b := strings.Join(valuesOf(sc), "\n  "), strings.Join(valuesOf(&want), "\n  "); a != b {
			t.Errorf("%v: totals and trend:\n  %s\nfully built:\n  %s", s.Grain, a, b)
		}
	}
}

type soonerCase struct {
	name  string
	ids   []string
	s     kpi.Slice
	trend int // the cut trend's periods; 0: Sooner declines
}

func soonerCases(latest time.Time) []soonerCase {
	emea := []kpi.Filter{{Dim: "region", Values: []string{"EMEA"}}}
	q := kpi.Quarter.Trunc(latest)
	return []soonerCase{

		// The latest month is Oct 2026: the part built first starts in
		// Oct 2025, so a quarter's trend keeps Q4 2025 – Q4 2026.
		{"CSAT drill, latest quarter", []string{"csat"}, kpi.Slice{Grain: kpi.Quarter, Segment: "channel", Filters: emea}, 5},
		{"median drill, latest quarter", []string{"resolution_median"}, kpi.Slice{Grain: kpi.Quarter, Segment: "channel", Filters: emea}, 5},
		{"every KPI, EMEA, latest quarter", nil, kpi.Slice{Grain: kpi.Quarter, Filters: emea}, 5},
		{"CSAT by region, latest quarter vs a year before", []string{"csat"}, kpi.Slice{Grain: kpi.Quarter, Segment: "region", Compare: kpi.VsYear}, 5},
		{"median by team, the quarter before", []string{"resolution_median"}, kpi.Slice{Grain: kpi.Quarter, Period: kpi.Quarter.Add(q, -1), Segment: "team"}, 4},
		{"CSAT drill, two months back", []string{"csat"}, kpi.Slice{Grain: kpi.Month, Period: kpi.Month.Add(latest, -2), Segment: "channel", Filters: emea}, 11},
		{"CSAT by region, latest month (nothing to cut)", []string{"csat"}, kpi.Slice{Grain: kpi.Month, Segment: "region"}, 0},
		{"CSAT by region, the quarter before vs a year before", []string{"csat"}, kpi.Slice{Grain: kpi.Quarter, Period: kpi.Quarter.Add(q, -1), Segment: "region", Compare: kpi.VsYear}, 0},
		{"CSAT drill, latest year", []string{"csat"}, kpi.Slice{Grain: kpi.Year, Segment: "channel", Filters: emea}, 0},
		{"CSAT by region, thirteen months back", []string{"csat"}, kpi.Slice{Grain: kpi.Month, Period: kpi.Month.Add(latest, -13), Segment: "region"}, 0},
	}
}

// soonerFromRecent: while the older months' breakdowns are not built (eng
// as TestRecentBreakdownsBeforeOlder leaves it, its build marked under way),
// Sooner cuts a slice's trend to the latest thirteen months where that
// leaves its current and comparison periods, and IndexOnly answers it
// without reading a raw row, with the fully built index's numbers (full)
// for the periods it keeps; a KPI it cannot answer is pending, not wrong.
func soonerFromRecent(t *testing.T, eng *kpi.Engine, reads *rawReads, latest time.Time, cases []soonerCase, fulls []*kpi.Scorecard) {
	ctx := context.Background()
	if _, ok := eng.Sooner(cases[0].s); ok {
		t.Errorf("Sooner cut a slice with no build under way")
	}
	kpi.MarkBuilding(eng)
	for i, c := range cases {
		s, ok := eng.Sooner(c.s)
		if ok != (c.trend > 0) || ok && s.Trend != c.trend {
			t.Errorf("%s: Sooner gave a trend of %d (%v), want %d", c.name, s.Trend, ok, c.trend)
			continue
		}
		if !ok {
			continue
		}
		full := fulls[i]
		kpi.ForgetPeriodTotals(eng)
		reads.reset()
		got, err := eng.Compute(ctx, s, c.ids, kpi.IndexOnly())
		if err != nil {
			t.Fatal(err)
		}
		if raw, _ := reads.reset(); raw > 0 {
			t.Errorf("%s: IndexOnly read raw rows %d times", c.name, raw)
		}
		if len(got.Results) == 0 || len(got.Results)+got.Pending != len(full.Results) {
			t.Fatalf("%s: %d results and %d pending of %d", c.name, len(got.Results), got.Pending, len(full.Results))
		}
		// The fully built numbers of the KPIs answered, their trends cut.
		want := &kpi.Scorecard{}
		for _, r := range got.Results {
			f := *full.Find(r.Def.ID)
			if len(f.Trend) == 0 && len(r.Trend) == 0 {
				want.Results = append(want.Results, f) // no dates, no trend
				continue
			}
			if len(f.Trend) < c.trend || len(r.Trend) != c.trend {
				t.Fatalf("%s: %s has %d trend periods of %d, want %d", c.name, r.Def.ID, len(r.Trend), len(f.Trend), c.trend)
			}
			f.Trend = f.Trend[len(f.Trend)-c.trend:]
			want.Results = append(want.Results, f)
		}
		if a, b := strings.Join(valuesOf(got), "\n  "), strings.Join(valuesOf(want), "\n  "); a != b {
			t.Errorf("%s:\n  %s\nfully built:\n  %s", c.name, a, b)
		}
	}
	// What the built part cannot answer is pending, and nothing is read:
	// a drill thirteen months back (its totals by region not built there);
	// a breakdown there has its totals (every month's are built), its
	// segments left out.
	emea := []kpi.Filter{{Dim: "region", Values: []string{"EMEA"}}}
	back := kpi.Month.Add(latest, -13)
	ids := []string{"csat", "resolution_median"}
	reads.reset()
	got, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.Month, Period: back, Segment: "channel", Filters: emea}, ids, kpi.IndexOnly())
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := reads.reset(); raw > 0 || len(got.Results) != 0 || got.Pending != 2 {
		t.Errorf("a drill thirteen months back, index only: %d results, %d pending, %d raw reads; want 0, 2, 0", len(got.Results), got.Pending, raw)
	}
	got, err = eng.Compute(ctx, kpi.Slice{Grain: kpi.Month, Period: back, Segment: "region"}, ids, kpi.IndexOnly())
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := reads.reset(); raw > 0 || len(got.Results) != 2 || got.Pending != 0 {
		t.Errorf("a breakdown thirteen months back, index only: %d results, %d pending, %d raw reads; want 2, 0, 0", len(got.Results), got.Pending, raw)
	}
	for _, r := range got.Results {
		if !errors.Is(r.SegmentErr, kpi.ErrNotIndexed) || r.Total.Value == nil {
			t.Errorf("a breakdown thirteen months back, index only: %s %v, segments %v", r.Def.ID, r.Total.Value, r.SegmentErr)
		}
	}
	if _, ok := eng.Cached(kpi.Slice{Grain: kpi.Quarter, Segment: "channel", Filters: emea, Trend: 5}, []string{"csat"}); ok {
		t.Errorf("an IndexOnly answer was cached")
	}
}

// valuesOf lists a scorecard's totals, trends and segments with their
// values and their comparison periods' (to nine figures).
func valuesOf(sc *kpi.Scorecard) []string {
	val := func(v *float64) string {
		if v == nil {
			return "none"
		}
		return fmt.Sprintf("%.9g", *v)
	}
	var out []string
	for _, r := range sc.Results {
		for _, p := range r.Trend {
			out = append(out, fmt.Sprintf("%s trend %s=%s n=%d", r.Def.ID, p.Period.Format("2006-01-02"), val(p.Value), p.N))
		}
		for _, s := range append([]kpi.Row{r.Total}, r.Segments...) {
			line := fmt.Sprintf("%s %s=%s n=%d", r.Def.ID, s.Segment, val(s.Value), s.N)
			if s.Compare != nil {
				line += fmt.Sprintf(" vs %s n=%d", val(s.Compare.Value), s.Compare.N)
			}
			out = append(out, line)
		}
	}
	return out
}
