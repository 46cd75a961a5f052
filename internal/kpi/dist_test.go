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

func bucketLabels(d *kpi.Distribution) string {
	var labels []string
	for _, b := range d.Buckets {
		labels = append(labels, b.Label)
	}
	return fmt.Sprint(labels)
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
// comparison) holds t7 6h and t8 20h. The histogram spans the buckets
// from the first holding a value (2–4h, open below: "<4h") to the last
// (2–4d, open above: "≥2d"); the comparison, 1–7 Sep, has none.
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
	if got, want := fmt.Sprint(labels), "[<4h 4–8h 8–16h 16h–1d 1–2d ≥2d]"; got != want {
		t.Errorf("buckets %s, want %s", got, want)
	}
	wantCounts(t, "October", d.Total.Counts, map[int]int64{0: 1, 1: 1, 2: 1, 4: 1, 5: 1}, 6)
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

	// September in full, against August (no tickets): t7 6h (4–8h, open
	// below) and t8 20h (16h–1d, open above).
	sep := distOf(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct.AddDate(0, -1, 0), Compare: kpi.VsPrevious}, "resolution_time", "")
	wantCounts(t, "September", sep.Total.Counts, map[int]int64{0: 1, 2: 1}, 3)
	if got := bucketLabels(sep); got != "[<8h 8–16h ≥16h]" {
		t.Errorf("September's buckets %s", got)
	}
	if sep.Partial || sep.Compare == nil || sep.Compare.N != 0 {
		t.Errorf("September: partial %v compare %+v", sep.Partial, sep.Compare)
	}
}

// TestDistributionFilterOnCustomerDimension: region is the customers'
// column; EMEA's customers C1 and C3 have October's t1 (chat, 10h), t3
// (email, 2h) and t4 (email, 48h): buckets <4h 4–8h 8–16h 16h–1d 1–2d ≥2d.
func TestDistributionFilterOnCustomerDimension(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsTarget,
		Filters: []kpi.Filter{{Dim: "region", Values: []string{"EMEA"}}}}
	d := distOf(t, eng, s, "resolution_time", "channel")
	wantCounts(t, "EMEA", d.Total.Counts, map[int]int64{0: 1, 2: 1, 5: 1}, 6)
	if d.Compare != nil {
		t.Error("a comparison against the target")
	}
	if len(d.Segments) != 2 || d.Segments[0].Segment != "email" || d.Segments[0].N != 2 || d.Segments[1].Segment != "chat" || d.Segments[1].N != 1 {
		t.Fatalf("segments %+v", d.Segments)
	}
	wantCounts(t, "email", d.Segments[0].Counts, map[int]int64{0: 1, 5: 1}, 6)
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
// September: chat t7 2h, email t8 4h (on the 4–8h edge). The buckets run
// from 15–30m (open below: t9's 15m is on its edge, not in 10–15m) to
// 4–8h (open above), the comparison's included.
func TestDistributionComparesSegments(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	d := distOf(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}, "first_response", "channel")
	if d.Partial || len(d.Segments) != 2 || len(d.CompareSegments) != 2 {
		t.Fatalf("partial %v, segments %+v, compared %+v", d.Partial, d.Segments, d.CompareSegments)
	}
	if got := bucketLabels(d); got != "[<30m 30m–1h 1–2h 2–4h ≥4h]" {
		t.Errorf("buckets %s", got)
	}
	wantCounts(t, "email", d.Segments[0].Counts, map[int]int64{0: 1, 3: 2}, 5)
	wantCounts(t, "chat", d.Segments[1].Counts, map[int]int64{1: 1, 2: 1}, 5)
	wantCounts(t, "email in September", d.CompareSegments[0].Counts, map[int]int64{4: 1}, 5)
	wantCounts(t, "chat in September", d.CompareSegments[1].Counts, map[int]int64{3: 1}, 5)
	wantCounts(t, "September", d.Compare.Counts, map[int]int64{3: 1, 4: 1}, 5)
	if d.CompareName() != "Sep 2026" || d.PeriodName() != "Oct 2026" {
		t.Errorf("periods %q vs %q", d.PeriodName(), d.CompareName())
	}
}

// callsFixture: answers in seconds, a call centre's speed of answer.
const callsFixture = `
CREATE TABLE calls (call_id VARCHAR, answered_at TIMESTAMP, asa DOUBLE);
INSERT INTO calls VALUES
 ('c1', '2026-10-01 09:00', 3), ('c2', '2026-10-01 09:05', 15), ('c3', '2026-10-02 10:00', 40),
 ('c4', '2026-10-02 11:00', 45), ('c5', '2026-10-03 12:00', 59.5), ('c6', '2026-10-03 13:00', 60),
 ('c7', '2026-10-04 14:00', 125), ('c8', '2026-10-04 15:00', NULL), ('c9', '2026-09-30 23:59', 7200);
`

// TestDistributionShortDurations: a KPI in seconds is bucketed in seconds
// and minutes, not all in "<15m". October's answers: 3s (2–5s), 15s (on
// the 15–30s edge), 40s (30–45s), 45s (on the 45s–1m edge), 59.5s
// (45s–1m), 60s (on the 1–1.5m edge), 125s (2–3m); c8 has none and c9 is
// September's. The buckets run from 2–5s (open below: "<5s") to 2–3m
// (open above: "≥2m"): <5s 5–10s 10–15s 15–30s 30–45s 45s–1m 1–1.5m
// 1.5–2m ≥2m holding 1 0 0 1 1 2 1 0 1. n 7, mean 347.5 / 7, median 45,
// p90 at 0.9 × 6 = 5.4: 60 + 0.4 × 65 = 86.
func TestDistributionShortDurations(t *testing.T) {
	db := openFixture(t, callsFixture)
	defs := []*kpi.Def{{ID: "asa", Name: "Avg speed of answer", Source: "calls", Type: kpi.Ratio, Time: "answered_at",
		Numerator: "sum(asa)", Denominator: "count(asa)", Unit: "s", Decimals: 1, Better: kpi.Lower}}
	eng, err := kpi.New(context.Background(), db, defs, kpi.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	d := distOf(t, eng, kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsTarget}, "asa", "")
	if got, want := bucketLabels(d), "[<5s 5–10s 10–15s 15–30s 30–45s 45s–1m 1–1.5m 1.5–2m ≥2m]"; got != want {
		t.Errorf("buckets %s, want %s", got, want)
	}
	wantCounts(t, "October", d.Total.Counts, map[int]int64{0: 1, 3: 1, 4: 1, 5: 2, 6: 1, 8: 1}, 9)
	if d.Total.N != 7 {
		t.Errorf("n %d, want 7", d.Total.N)
	}
	want(t, "mean", d.Total.Mean, 347.5/7)
	want(t, "median", d.Total.Median, 45)
	want(t, "p90", d.Total.P90, 86)
	if b := d.Buckets[5]; b.Lo != 45 || b.Hi != 60 {
		t.Errorf("45s–1m is [%v, %v), want [45, 60) seconds", b.Lo, b.Hi)
	}
}

// TestDistributionEmptySlice: a slice without rows has n 0, no shares (no
// value, not zero), and a comparison as long as its total.
func TestDistributionEmptySlice(t *testing.T) {
	eng := standardEngine(t, openFixture(t, fixture))
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious,
		Filters: []kpi.Filter{{Dim: "channel", Values: []string{"nosuch"}}}}
	for _, id := range []string{"csat", "first_response"} {
		d := distOf(t, eng, s, id, "")
		if d.Total.N != 0 || d.Compare == nil || d.Compare.N != 0 {
			t.Fatalf("%s: n %d, compare %+v", id, d.Total.N, d.Compare)
		}
		if len(d.Compare.Counts) != len(d.Total.Counts) || len(d.Total.Counts) == 0 {
			t.Errorf("%s: %d counts, the comparison %d", id, len(d.Total.Counts), len(d.Compare.Counts))
		}
		for i := range d.Total.Counts {
			if v, ok := d.Total.Share(i); ok {
				t.Errorf("%s: share %d is %v, want no value", id, i, v)
			}
		}
	}
}
