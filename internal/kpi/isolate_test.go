package kpi_test

import (
	"context"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// badBeside returns the standard KPIs of the fixture plus one custom KPI that
// passes validation (its expression binds) but fails on the rows: the cast of
// a text column to a number. It shares csat's table, time column and filter,
// so the engine batches it with csat, ces, fcr and resolution time.
func badBeside(t *testing.T, db *store.DB) (*kpi.Engine, []*kpi.Def) {
	t.Helper()
	ctx := context.Background()
	tables := map[string][]store.Column{}
	names, _ := db.Tables(ctx)
	for _, n := range names {
		tables[n], _ = db.Columns(ctx, n)
	}
	defs := kpi.StandardDefs(tables)
	var csat *kpi.Def
	for _, d := range defs {
		if d.ID == "csat" {
			csat = d
		}
	}
	bad := &kpi.Def{ID: "bad_cast", Name: "Bad cast", Source: csat.Source, Time: csat.Time, Where: csat.Where,
		Type: kpi.Ratio, Numerator: "sum(CAST(channel AS INTEGER))", Denominator: "count(*)", Better: kpi.Higher}
	needsBad := &kpi.Def{ID: "needs_bad", Type: kpi.Composite, Inputs: map[string]string{"b": "bad_cast"}, Expr: "b", Better: kpi.Higher}
	defs = append(defs, bad, needsBad)
	eng, err := kpi.New(ctx, db, defs, kpi.Options{Now: fixedNow, Dimensions: []string{"channel", "priority", "region", "plan", "segment"}})
	if err != nil {
		t.Fatal(err)
	}
	if p := eng.Problems()["bad_cast"]; p != nil {
		t.Fatalf("the KPI must fail at run time, not at validation: %v", p)
	}
	return eng, defs
}

// TestOneFailingKPIKeepsTheOthers: a KPI whose query fails on the data errors
// alone; the KPIs computed in the same batch keep their numbers, equal to what
// they are without it, in the scorecard, in a breakdown and from scratch.
func TestOneFailingKPIKeepsTheOthers(t *testing.T) {
	db := openFixture(t, fixture)
	ref := standardEngine(t, db)
	eng, _ := badBeside(t, db)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		s    kpi.Slice
		opts []kpi.Option
	}{
		{"scorecard", kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}, []kpi.Option{kpi.WithoutExtras()}},
		{"breakdown", kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious, Segment: "priority"}, nil},
		{"from scratch", kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}, []kpi.Option{kpi.FromScratch()}},
		{"all time", kpi.Slice{Grain: kpi.All}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := eng.Compute(ctx, tc.s, nil, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.Compute(ctx, tc.s, nil, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range want.Results {
				got := sc.Find(w.Def.ID)
				if got == nil || got.Err != nil {
					t.Errorf("%s: %v, want its number beside a failing KPI", w.Def.ID, got.Err)
					continue
				}
				if (got.Total.Value == nil) != (w.Total.Value == nil) || got.Total.Value != nil && !approx(*got.Total.Value, *w.Total.Value) {
					t.Errorf("%s: %v, want %v", w.Def.ID, got.Total.Value, w.Total.Value)
				}
				if len(got.Segments) != len(w.Segments) {
					t.Errorf("%s: %d segments, want %d", w.Def.ID, len(got.Segments), len(w.Segments))
				}
			}
			bad := sc.Find("bad_cast")
			if bad.Err == nil {
				t.Fatal("bad_cast computed; want its error")
			}
			// Its own message: the column and the value at fault.
			for _, s := range []string{"bad_cast", `"channel"`, "text"} {
				if !strings.Contains(bad.Err.Error(), s) {
					t.Errorf("bad_cast error %q lacks %q", bad.Err, s)
				}
			}
			if nb := sc.Find("needs_bad"); nb.Err == nil || !strings.Contains(nb.Err.Error(), "needs bad_cast") {
				t.Errorf("a composite over the failing KPI: %v, want needs bad_cast", nb.Err)
			}
		})
	}
}

// TestFailingKPIAloneMatchesScorecard: the explorer's detail pane asks for one
// KPI; what it gets agrees with that KPI's row in the whole scorecard.
func TestFailingKPIAloneMatchesScorecard(t *testing.T) {
	eng, _ := badBeside(t, openFixture(t, fixture))
	ctx := context.Background()
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}
	all, err := eng.Compute(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"csat", "fcr", "bad_cast"} {
		one, err := eng.Compute(ctx, s, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		a, b := all.Find(id), one.Find(id)
		if (a.Err == nil) != (b.Err == nil) {
			t.Errorf("%s: scorecard error %v, alone %v", id, a.Err, b.Err)
		} else if a.Err != nil && a.Err.Error() != b.Err.Error() {
			t.Errorf("%s: scorecard says %q, alone %q", id, a.Err, b.Err)
		} else if a.Err == nil && !approx(*a.Total.Value, *b.Total.Value) {
			t.Errorf("%s: scorecard %v, alone %v", id, *a.Total.Value, *b.Total.Value)
		}
	}
}

// TestFailingExtrasKeepTheValue: a KPI whose extra statistics fail on the
// rows keeps its value (as the scorecard, which leaves extras out, shows it)
// and says why the extras are missing; a KPI beside it keeps its extras.
func TestFailingExtrasKeepTheValue(t *testing.T) {
	db := openFixture(t, fixture)
	x := &kpi.Def{ID: "x", Source: "tickets", Time: "created_at", Type: kpi.Ratio, Better: kpi.Higher,
		Numerator: "count(*) FILTER (WHERE csat >= 4)", Denominator: "count(csat)",
		Extras: map[string]string{"bad": "avg(CAST(channel AS INTEGER))"}}
	y := &kpi.Def{ID: "y", Source: "tickets", Time: "created_at", Type: kpi.Formula, Better: kpi.Higher,
		Inputs: map[string]string{"s": "sum(contacts)", "n": "count(contacts)"}, Expr: "s / n",
		Extras: map[string]string{"median": "median(contacts)"}}
	eng, err := kpi.New(context.Background(), db, []*kpi.Def{x, y}, kpi.Options{Now: fixedNow, Dimensions: []string{"channel"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, s := range []kpi.Slice{{Grain: kpi.Month, Period: oct}, {Grain: kpi.Month, Period: oct, Segment: "channel"}} {
		list, err := eng.Compute(ctx, s, nil, kpi.WithoutExtras())
		if err != nil {
			t.Fatal(err)
		}
		detail, err := eng.Compute(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, want := detail.Find("x"), list.Find("x")
		if got.Err != nil || want.Err != nil {
			t.Fatalf("x: error %v (scorecard %v), want its value", got.Err, want.Err)
		}
		if !approx(*got.Total.Value, *want.Total.Value) || len(got.Segments) != len(want.Segments) {
			t.Errorf("x: %v with %d segments, scorecard %v with %d", *got.Total.Value, len(got.Segments), *want.Total.Value, len(want.Segments))
		}
		if got.ExtrasErr == nil || !strings.Contains(got.ExtrasErr.Error(), "extra statistics (bad)") || strings.Contains(got.ExtrasErr.Error(), "LINE 1") {
			t.Errorf("x: extras error %v, want why, without the SQL", got.ExtrasErr)
		}
		if want.ExtrasErr != nil {
			t.Errorf("x without extras: extras error %v", want.ExtrasErr)
		}
		if y := detail.Find("y"); y.Err != nil || y.ExtrasErr != nil || y.Total.Extras["median"] == nil {
			t.Errorf("y beside it: %v / %v, extras %v", y.Err, y.ExtrasErr, y.Total.Extras)
		}
	}
}
