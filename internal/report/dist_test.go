package report

import (
	"math"
	"testing"

	"kpiscope/internal/kpi"
)

// TestDistTargetKeepsItsPrecision: a distribution's target and statistics
// under one unit go to the next smaller unit instead of rounding to the
// KPI's one decimal: phone's first-response target of 0.25h is "≤ 15m",
// not "≤ 0.2h"; a median of 0.28h is 0.28 × 60 = 16.8m, a mean of 0.45h 27.0m; 24h stays "≤ 24h",
// 0.4 minutes is 24s, half a day 12h. The target is marked in 15–30m,
// the bucket holding 0.25 (lo ≤ v < hi).
func TestDistTargetKeepsItsPrecision(t *testing.T) {
	h := &kpi.Def{ID: "first_response", Name: "First response time", Unit: "h", Decimals: 1, Better: kpi.Lower}
	x := &kpi.Distribution{Def: h, Kind: kpi.DistHistogram, Target: &kpi.Goal{Value: 0.25},
		Buckets: []kpi.Bucket{{Lo: math.Inf(-1), Hi: 0.25, Label: "<15m"}, {Lo: 0.25, Hi: 0.5, Label: "15–30m"}, {Lo: 0.5, Hi: math.Inf(1), Label: "≥30m"}}}
	if got := TargetText(x); got != "≤ 15m" {
		t.Errorf("target %q, want ≤ 15m", got)
	}
	med, mean, p90 := 0.28, 0.45, 1.26
	r := kpi.DistRow{N: 3, Counts: []int64{0, 2, 1}, Median: &med, Mean: &mean, P90: &p90}
	if got, want := DistStats(x, r), "n 3 · mean 27.0m · median 16.8m · p90 1.3h · target ≤ 15m"; got != want {
		t.Errorf("stats %q, want %q", got, want)
	}
	if got := DistMarks(x, r); got[1] != "median · mean · target" || got[2] != "p90" {
		t.Errorf("marks %q", got)
	}
	x.Target.Value = 24
	if got := TargetText(x); got != "≤ 24h" {
		t.Errorf("target %q, want ≤ 24h", got)
	}
	for _, c := range []struct {
		unit string
		v    float64
		want string
	}{{"m", 0.4, "24.0s"}, {"d", 0.5, "12.0h"}, {"s", 0.5, "0.5s"}, {"h", 0, "0.0h"}, {"h", 2.26, "2.3h"}} {
		d := &kpi.Def{Unit: c.unit, Decimals: 1}
		if got := DistNumber(d, c.v); got != c.want {
			t.Errorf("%v%s is %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}
