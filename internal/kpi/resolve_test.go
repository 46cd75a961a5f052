package kpi_test

import (
	"context"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// Resolve is the one resolution of a slice: defaults, the latest period with
// data, dimension names as the data spells them. Compute answers with it,
// and the cache knows a slice and its resolved form as one request.
func TestResolve(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	r := eng.Resolve(kpi.Slice{Segment: "CHANNEL", Filters: []kpi.Filter{{Dim: "Region", Values: []string{"EMEA"}}}})
	// C6 churned on 1 Nov, but only the cohort KPIs reach November: the
	// default is the latest period at least half the KPIs have data in.
	if r.Grain != kpi.Month || r.Compare != kpi.VsPrevious || r.Trend != 12 || !r.Period.Equal(oct) {
		t.Errorf("resolved %+v, want month Oct 2026 vs previous, trend 12", r)
	}
	if r.Segment != "channel" || r.Filters[0].Dim != "region" {
		t.Errorf("dimensions %q %q, want channel, region", r.Segment, r.Filters[0].Dim)
	}
	if got := eng.Resolve(kpi.Slice{Grain: kpi.Quarter, Period: time.Date(2026, 8, 17, 0, 0, 0, 0, time.UTC)}); !got.Period.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("a date in Q3 resolves to %v", got.Period)
	}
	if got := eng.Resolve(kpi.Slice{Grain: kpi.All, Period: oct}); !got.Period.IsZero() {
		t.Errorf("all time has period %v", got.Period)
	}
	if again := eng.Resolve(r); again.Key() != r.Key() {
		t.Errorf("resolving twice: %s then %s", r.Key(), again.Key())
	}

	s := kpi.Slice{Segment: "Channel"}
	if _, ok := eng.Cached(s, nil); ok {
		t.Fatal("cached before any computation")
	}
	sc := compute(t, eng, s)
	if sc.Slice.Key() != eng.Resolve(s).Key() {
		t.Errorf("scorecard slice %s, Resolve %s", sc.Slice.Key(), eng.Resolve(s).Key())
	}
	for _, same := range []kpi.Slice{s, eng.Resolve(s), {Segment: "channel", Grain: kpi.Month, Period: time.Date(2026, 10, 9, 0, 0, 0, 0, time.UTC), Trend: 12}} {
		if _, ok := eng.Cached(same, nil); !ok {
			t.Errorf("%s: not cached", same.Key())
		}
	}
	if _, ok := eng.Cached(kpi.Slice{Segment: "channel", Compare: kpi.VsYear}, nil); ok {
		t.Error("another comparison answered from the cache")
	}
	if _, err := eng.Compute(context.Background(), kpi.Slice{Segment: "nope"}, nil); err == nil {
		t.Error("an unknown dimension computed")
	}
}
