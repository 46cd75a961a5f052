package kpi_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// TestProgressReportsGroupsAsComputed: OnProgress reports the scorecard as
// its groups of KPIs are computed: each report holds more KPIs than the one
// before, with the numbers of the whole scorecard Compute returns; the
// others are counted pending; a composite (CLV: revenue, customers, churn
// of other KPIs) only once all its inputs are. Raw rows and rollups alike;
// none from the cache.
func TestProgressReportsGroupsAsComputed(t *testing.T) {
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{NoConfig: true, Now: func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	eng := ws.Engine
	for _, c := range []struct {
		name string
		s    kpi.Slice
		opt  kpi.Option
	}{
		{"raw, latest month", kpi.Slice{}, kpi.FromScratch()},
		{"raw, a quarter by region filter", kpi.Slice{Grain: kpi.Quarter, Filters: []kpi.Filter{{Dim: "region", Values: []string{"EMEA"}}}}, kpi.FromScratch()},
		{"rollups, latest month", kpi.Slice{}, kpi.Uncached()},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			var reports []*kpi.Scorecard
			sc, err := eng.Compute(ctx, c.s, nil, c.opt, kpi.OnProgress(0, func(p *kpi.Scorecard) {
				mu.Lock()
				defer mu.Unlock()
				reports = append(reports, p)
			}))
			if err != nil {
				t.Fatal(err)
			}
			if sc.Pending != 0 {
				t.Fatalf("the whole scorecard has %d pending", sc.Pending)
			}
			if len(reports) < 2 {
				t.Fatalf("%d progress reports for %d KPIs", len(reports), len(sc.Results))
			}
			last := 0
			for i, p := range reports {
				if len(p.Results) <= last || p.Pending == 0 || len(p.Results)+p.Pending != len(sc.Results) {
					t.Fatalf("report %d: %d KPIs + %d pending after %d, of %d", i, len(p.Results), p.Pending, last, len(sc.Results))
				}
				last = len(p.Results)
				for _, r := range p.Results {
					w := sc.Find(r.Def.ID)
					if got, want := fmtRow(r), fmtRow(*w); got != want {
						t.Errorf("report %d: %s = %s, the whole scorecard %s", i, r.Def.ID, got, want)
					}
					if r.Def.ID == "clv" {
						for _, in := range []string{"avg_purchase", "churn"} {
							if p.Find(in) == nil && !hiddenInput(eng, in) {
								t.Errorf("report %d: clv before its input %s", i, in)
							}
						}
					}
				}
			}
		})
	}
	// A quick answer comes whole.
	calls := 0
	if _, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.Year}, nil, kpi.Uncached(), kpi.OnProgress(time.Minute, func(*kpi.Scorecard) { calls++ })); err != nil || calls != 0 {
		t.Fatalf("a scorecard quicker than a minute reported progress %d times (%v)", calls, err)
	}
	// A cached answer reports nothing.
	if _, err := eng.Compute(ctx, kpi.Slice{}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Compute(ctx, kpi.Slice{}, nil, kpi.OnProgress(0, func(*kpi.Scorecard) { calls++ })); err != nil || calls != 0 {
		t.Fatalf("a cached scorecard reported progress %d times (%v)", calls, err)
	}
}

func hiddenInput(eng *kpi.Engine, id string) bool {
	d := eng.Def(id)
	return d == nil || d.Hidden
}

// fmtRow is a result's value, n, status and trend as text.
func fmtRow(r kpi.Result) string {
	var b strings.Builder
	v := "nil"
	if r.Total.Value != nil {
		v = kpi.FormatFloat(*r.Total.Value, 9)
	}
	b.WriteString(v)
	b.WriteString(" n=" + kpi.FormatFloat(float64(r.Total.N), 0) + " " + r.Total.Status.Word())
	for _, p := range r.Trend {
		if p.Value != nil {
			b.WriteString(" " + kpi.FormatFloat(*p.Value, 9))
		}
	}
	if r.Err != nil {
		b.WriteString(" err=" + r.Err.Error())
	}
	return b.String()
}
