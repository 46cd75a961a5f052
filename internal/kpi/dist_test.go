package kpi_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

func distOf(t *testing.T, eng *kpi.Engine, s kpi.Slice, id, dim string) *kpi.Distribution {
	t.Helper()
	d, err := eng.Distribution(context.Background(), s, id, dim)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func wantCounts(t *testing.T, what string, got []int64, want map[int]int64, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%s: %d buckets, want %d", what, len(got), n)
	}
	for i, c := range got {
		if c != want[i] {
			t.Errorf("%s: bucket %d holds %d, want %d (all: %v)", what, i, c, want[i], got)
		}
	}
}

// TestDistributionHistogramHandWorked: October's resolved tickets in the
// fixture take 10h (t1), 24h (t2, on the 1–2d edge), 2h (t3, on the 2–4h
// edge), 48h (t4, on the 2–4d edge) and 5h (t9); t5 and t10 are not
// resolved (null, left out) and t6 is resolved before it was created (the
// KPI's filter leaves it out). Sorted 2, 5, 10, 24, 48: mean 89/5 = 17.8,
// median 10, p90 at 0.9 × 4 = 3.6 → 24 + 0.6 × 24 = 38.4. September (the
// comparison) holds t7 6h and t8 20h.
func TestDistributionHistogramHandWorked(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}
	d := distOf(t, eng, s, "resolution_time", "")
	if d.Kind != kpi.DistHistogram {
		t.Fatalf("kind %s", d.Kind)
	}
	var labels []string
	for _, b := range d.Buckets {
		labels = append(labels, b.Label)
	}
	if got, want := fmt.Sprint(labels), "[<15m 15–30m 30m–1h 1–2h 2–4h 4–8h 8–16h 16h–1d 1–2d 2–4d 4d–1w 1–2w ≥2w]"; got != want {
		t.Errorf("buckets %s, want %s", got, want)
	}
	wantCounts(t, "October", d.Total.Counts, map[int]int64{4: 1, 5: 1, 6: 1, 8: 1, 9: 1}, 13)
	if d.Total.N != 5 {
		t.Errorf("n %d, want 5", d.Total.N)
	}
	want(t, "mean", d.Total.Mean, 17.8)
	want(t, "median", d.Total.Median, 10)
	want(t, "p90", d.Total.P90, 38.4)
	if d.Target == nil || d.Target.Value != 24 {
		t.Errorf("target %+v, want 24", d.Target)
	}
	if d.Compare == nil {
		t.Fatal("no comparison")
	}

	// The histogram's total is the KPI's n, and the comparison's the
	// KPI's comparison n: the tickets' resolved dates stop on 7 Oct, so
	// October is partial and compared with 1–7 Sep, which has none.
	sc := compute(t, eng, s)
	for _, r := range sc.Results {
		if r.Def.ID != "resolution_time" {
			continue
		}
		if r.Total.N != d.Total.N || r.Total.Partial != d.Partial || !d.Partial {
			t.Errorf("histogram n %d partial %v, KPI n %d partial %v", d.Total.N, d.Partial, r.Total.N, r.Total.Partial)
		}
		if r.Total.Compare == nil || r.Total.Compare.N != d.Compare.N {
			t.Errorf("comparison n %d, KPI's %+v", d.Compare.N, r.Total.Compare)
		}
	}

	// September in full, against August (no tickets): t7 6h and t8 20h.
	sep := distOf(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct.AddDate(0, -1, 0), Compare: kpi.VsPrevious}, "resolution_time", "")
	wantCounts(t, "September", sep.Total.Counts, map[int]int64{5: 1, 7: 1}, 13)
	if sep.Partial || sep.Compare == nil || sep.Compare.N != 0 {
		t.Errorf("September: partial %v compare %+v", sep.Partial, sep.Compare)
	}
}

// TestDistributionFilterOnCustomerDimension: region is the customers'
// column; EMEA's customers C1 and C3 have October's t1 (chat, 10h), t3
// (email, 2h) and t4 (email, 48h).
func TestDistributionFilterOnCustomerDimension(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsTarget,
		Filters: []kpi.Filter{{Dim: "region", Values: []string{"EMEA"}}}}
	d := distOf(t, eng, s, "resolution_time", "channel")
	wantCounts(t, "EMEA", d.Total.Counts, map[int]int64{4: 1, 6: 1, 9: 1}, 13)
	if d.Compare != nil {
		t.Error("a comparison against the target")
	}
	if len(d.Segments) != 2 || d.Segments[0].Segment != "email" || d.Segments[0].N != 2 || d.Segments[1].Segment != "chat" || d.Segments[1].N != 1 {
		t.Fatalf("segments %+v", d.Segments)
	}
	wantCounts(t, "email", d.Segments[0].Counts, map[int]int64{4: 1, 9: 1}, 13)
	want(t, "email median", d.Segments[0].Median, 25)
	sc := compute(t, eng, s)
	for _, r := range sc.Results {
		if r.Def.ID == "resolution_time" && r.Total.N != d.Total.N {
			t.Errorf("histogram n %d, KPI n %d", d.Total.N, r.Total.N)
		}
	}
}

// TestDistributionScores: October's CSAT answers (by resolved date) are 5
// (t1), 4 (t2), 3 (t3), 1 (t4), 5 (t9); t6 has none. NPS answers by
// response date: 10, 9, 9, 3, 0, 8 (3 promoters, 1 passive, 2 detractors).
func TestDistributionScores(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}
	d := distOf(t, eng, s, "csat", "channel")
	if d.Kind != kpi.DistScores || fmt.Sprint(d.Scores) != "[1 2 3 4 5]" {
		t.Fatalf("kind %s scores %v", d.Kind, d.Scores)
	}
	wantCounts(t, "CSAT", d.Total.Counts, map[int]int64{0: 1, 2: 1, 3: 1, 4: 2}, 5)
	want(t, "mean score", d.Total.Mean, 18.0/5)
	if len(d.Bands) != 1 || d.Bands[0].Lo != 4 || d.Bands[0].Hi != 5 || d.Bands[0].Name != "satisfied" {
		t.Errorf("bands %+v", d.Bands)
	}
	if d.Segments[0].Segment != "email" || d.Segments[0].N != 3 {
		t.Errorf("segments %+v", d.Segments)
	}
	n := compute(t, eng, s)
	for _, r := range n.Results {
		if r.Def.ID == "csat" && r.Total.N != d.Total.N {
			t.Errorf("score n %d, KPI n %d", d.Total.N, r.Total.N)
		}
	}

	p := distOf(t, eng, s, "nps", "channel") // surveys have no channel: the total alone
	if p.Dim != "" || p.DimErr == nil || len(p.Segments) != 0 {
		t.Errorf("NPS by channel: dim %q, %v, %d segments", p.Dim, p.DimErr, len(p.Segments))
	}
	if len(p.Scores) != 11 {
		t.Fatalf("scores %v", p.Scores)
	}
	wantCounts(t, "NPS", p.Total.Counts, map[int]int64{0: 1, 3: 1, 8: 1, 9: 2, 10: 1}, 11)
	if fmt.Sprint(p.Bands) != "[{detractors 0 6 false true} {passives 7 8 false false} {promoters 9 10 true false}]" {
		t.Errorf("bands %v", p.Bands)
	}
}

// TestDistributionNotApplicable: a share of events, a distinct count, a
// cohort and a composite have no distribution, and the message names them.
func TestDistributionNotApplicable(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	s := kpi.Slice{Grain: kpi.Month, Period: oct}
	for id, name := range map[string]string{"fcr": "First contact resolution", "avg_purchase": "Avg purchase value", "churn": "Churn", "clv": "Customer lifetime value", "response_rate": "Feedback response rate"} {
		_, err := eng.Distribution(context.Background(), s, id, "")
		if !errors.Is(err, kpi.ErrNoDistribution) {
			t.Errorf("%s: %v", id, err)
			continue
		}
		if got := err.Error(); len(got) < len(name) || got[:len(name)] != name {
			t.Errorf("%s: %q does not name the KPI", id, got)
		}
	}
	if _, err := eng.Distribution(context.Background(), s, "resolution_time", "nosuchdim"); err == nil {
		t.Error("an unknown dimension gave no error")
	}
}

var _ = time.Time{}

// TestDistributionComparesSegments: first response time goes by created
// date, which runs to 31 Oct, so October is whole and compared with
// September in full. October: email t3 3h, t5 2h, t9 15m (on the 15–30m
// edge); chat t1 1h (on the 1–2h edge), t2 30m (on the 30m–1h edge).
// September: chat t7 2h, email t8 4h (on the 4–8h edge).
func TestDistributionComparesSegments(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	d := distOf(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}, "first_response", "channel")
	if d.Partial || len(d.Segments) != 2 || len(d.CompareSegments) != 2 {
		t.Fatalf("partial %v, segments %+v, compared %+v", d.Partial, d.Segments, d.CompareSegments)
	}
	wantCounts(t, "email", d.Segments[0].Counts, map[int]int64{1: 1, 4: 2}, 13)
	wantCounts(t, "chat", d.Segments[1].Counts, map[int]int64{2: 1, 3: 1}, 13)
	wantCounts(t, "email in September", d.CompareSegments[0].Counts, map[int]int64{5: 1}, 13)
	wantCounts(t, "chat in September", d.CompareSegments[1].Counts, map[int]int64{4: 1}, 13)
	wantCounts(t, "September", d.Compare.Counts, map[int]int64{4: 1, 5: 1}, 13)
	if d.CompareName() != "Sep 2026" || d.PeriodName() != "Oct 2026" {
		t.Errorf("periods %q vs %q", d.PeriodName(), d.CompareName())
	}
}
