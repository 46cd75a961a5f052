package kpi_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// statsFixture is worked by hand in TestIntervals.
//
// October: 100 resolved tickets i = 0…99, resolved i % 4 hours after they
// were created (0, 1, 2, 3 hours, 25 times each), rated 5 for i < 80 and 2
// after; i = 73…82 came by email (7 of them rated 5), the rest by chat.
// September: 50 tickets j = 0…49 by chat, resolved 2 or 4 hours after
// (alternately), rated 5 for j < 30 and 1 after.
// NPS answers: October 10, 10, 9, 9, 9, 8, 8, 7, 3, 0 (5 promoters, 2
// detractors); September 10, 9, 8, 8, 7, 7, 4, 3, 2, 1 (2 and 4).
// Orders: October four orders of one row each (10, 20, 30, 40); September
// o5 on two rows (30 + 50) and o6 on one (20).
const statsFixture = `
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE, churn_date DATE, segment VARCHAR, region VARCHAR, plan VARCHAR);
INSERT INTO customers VALUES ('C1', '2026-01-01', NULL, 'SMB', 'EMEA', 'Basic');
CREATE TABLE tickets (ticket_id VARCHAR, customer_id VARCHAR, channel VARCHAR, priority VARCHAR,
  created_at TIMESTAMP, first_response_at TIMESTAMP, resolved_at TIMESTAMP, contacts INTEGER, csat INTEGER, ces INTEGER);
INSERT INTO tickets
 SELECT 'o' || i, 'C1', CASE WHEN i BETWEEN 73 AND 82 THEN 'email' ELSE 'chat' END, 'low',
  TIMESTAMP '2026-10-02 00:00' + to_hours(i), NULL, TIMESTAMP '2026-10-02 00:00' + to_hours(i + i % 4),
  1, CASE WHEN i < 80 THEN 5 ELSE 2 END, NULL
 FROM range(100) r(i);
INSERT INTO tickets
 SELECT 's' || j, 'C1', 'chat', 'low',
  TIMESTAMP '2026-09-02 00:00' + to_hours(j), NULL, TIMESTAMP '2026-09-02 00:00' + to_hours(j + 2 + 2 * (j % 2)),
  1, CASE WHEN j < 30 THEN 5 ELSE 1 END, NULL
 FROM range(50) r(j);
CREATE TABLE surveys (survey_id VARCHAR, customer_id VARCHAR, sent_at TIMESTAMP, responded_at TIMESTAMP, nps INTEGER);
INSERT INTO surveys SELECT 'a' || k, 'C1', TIMESTAMP '2026-10-03', TIMESTAMP '2026-10-04', v
 FROM (SELECT unnest([10, 10, 9, 9, 9, 8, 8, 7, 3, 0]) v, generate_subscripts([10, 10, 9, 9, 9, 8, 8, 7, 3, 0], 1) k);
INSERT INTO surveys SELECT 'b' || k, 'C1', TIMESTAMP '2026-09-03', TIMESTAMP '2026-09-04', v
 FROM (SELECT unnest([10, 9, 8, 8, 7, 7, 4, 3, 2, 1]) v, generate_subscripts([10, 9, 8, 8, 7, 7, 4, 3, 2, 1], 1) k);
CREATE TABLE orders (order_id VARCHAR, customer_id VARCHAR, order_date TIMESTAMP, amount DOUBLE);
INSERT INTO orders VALUES
 ('o1', 'C1', '2026-10-02', 10), ('o2', 'C1', '2026-10-03', 20), ('o3', 'C1', '2026-10-04', 30), ('o4', 'C1', '2026-10-05', 40),
 ('o5', 'C1', '2026-09-02', 30), ('o5', 'C1', '2026-09-02', 50), ('o6', 'C1', '2026-09-03', 20);
`

// statsEngine is standardEngine with a debug log, to see which queries read
// a rollup.
func statsEngine(t *testing.T, log *bytes.Buffer) *kpi.Engine {
	t.Helper()
	db := openFixture(t, statsFixture)
	tables := map[string][]store.Column{}
	names, _ := db.Tables(t.Context())
	for _, n := range names {
		tables[n], _ = db.Columns(t.Context(), n)
	}
	lg := slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	eng, err := kpi.New(t.Context(), db, kpi.StandardDefs(tables), kpi.Options{Now: fixedNow, Log: lg, Dimensions: []string{"channel"}})
	if err != nil {
		t.Fatal(err)
	}
	for id, err := range eng.Problems() {
		t.Errorf("problem with %s: %v", id, err)
	}
	return eng
}

func wantCI(t *testing.T, what string, got *kpi.Interval, lo, hi float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no interval, want %.4f … %.4f", what, lo, hi)
		return
	}
	if math.Abs(got.Low-lo) > 1e-6 || math.Abs(got.High-hi) > 1e-6 {
		t.Errorf("%s: %.6f … %.6f, want %.6f … %.6f", what, got.Low, got.High, lo, hi)
	}
}

func wantSig(t *testing.T, what string, got *bool, exp bool) {
	t.Helper()
	if got == nil || *got != exp {
		t.Errorf("%s: significant %v, want %v", what, got, exp)
	}
}

// TestIntervals: the 95% intervals, the change's intervals and significance,
// and the uncertain status, through Engine.Compute on the raw rows and on
// the rollups, which must agree (a mean's Σy² comes from the rollup's
// sum-of-squares column).
func TestIntervals(t *testing.T) {
	var log bytes.Buffer
	eng := statsEngine(t, &log)
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious, Segment: "channel"}
	ids := []string{"csat", "nps", "resolution_time", "resolution_median", "avg_purchase"}
	for _, step := range []struct {
		name string
		opt  kpi.Option
	}{{"raw rows", kpi.FromScratch()}, {"rollups", kpi.Uncached()}} {
		t.Run(step.name, func(t *testing.T) {
			if step.name == "rollups" {
				if err := eng.BuildRollups(t.Context(), nil); err != nil {
					t.Fatal(err)
				}
			}
			log.Reset()
			sc, err := eng.Compute(t.Context(), s, ids, step.opt)
			if err != nil {
				t.Fatal(err)
			}
			if read := strings.Contains(log.String(), "__kpiscope_rollup_"); read != (step.name == "rollups") {
				t.Errorf("a rollup read: %v; log:\n%s", read, log.String())
			}
			// resolution time with its Σy² too: no tickets KPI reads the raw rows
			if raw := strings.Contains(log.String(), `FROM \"tickets\"`); step.name == "rollups" && raw {
				t.Errorf("the tickets KPIs read raw rows beside the rollups; log:\n%s", log.String())
			}
			for _, id := range ids {
				if r := sc.Find(id); r == nil || r.Err != nil {
					t.Fatalf("%s: %+v", id, r)
				}
			}

			// CSAT 80 of 100 (Wilson): p̃ = (0.8 + z²/200) / (1 + z²/100)
			// = 0.78890, half-width z / (1 + z²/100) · √(0.0016 + z²/40000)
			// = 0.07773 → 71.12 … 86.66 %. September 30 of 50: Wilson
			// 46.18 … 72.39 %. The change +20 pts, Newcombe's hybrid score:
			// 20 − √((80 − 71.117)² + (72.392 − 60)²) = 4.753,
			// 20 + √((86.663 − 80)² + (60 − 46.181)²) = 35.341: significant.
			csat := sc.Find("csat")
			// The tickets stop on 6 Oct: October is partial and compared
			// with 1–6 Sep, where all of September's rows are.
			if !csat.Total.Partial {
				t.Errorf("csat: October not partial; the comparison's part is not tested")
			}
			want(t, "csat", csat.Total.Value, 80)
			wantCI(t, "csat CI", csat.Total.CI, 71.1170834406841, 86.6633066668967)
			wantCI(t, "csat Δ CI", csat.Total.DeltaCI, 4.75341967269447, 35.3411967740740)
			wantSig(t, "csat Δ", csat.Total.Significant, true)
			if csat.Total.Status != kpi.Green {
				t.Errorf("csat status %s, want green", csat.Total.Status)
			}
			// email: 7 of 10 = 70 %, below the warning 75 (red), but its
			// interval 39.68 … 89.22 % reaches the target 80: uncertain.
			// chat: 73 of 90 = 81.1 %, green.
			var email, chat *kpi.Row
			for i := range csat.Segments {
				switch csat.Segments[i].Segment {
				case "email":
					email = &csat.Segments[i]
				case "chat":
					chat = &csat.Segments[i]
				}
			}
			if email == nil || chat == nil {
				t.Fatalf("segments %+v", csat.Segments)
			}
			want(t, "csat email", email.Value, 70)
			wantCI(t, "csat email CI", email.CI, 39.6778147461145, 89.2208732593699)
			if email.Status != kpi.Uncertain {
				t.Errorf("email status %s, want uncertain", email.Status)
			}
			wantCI(t, "csat chat CI", chat.CI, 71.8163764756858, 87.8587401558672)
			if email.DeltaCI != nil || email.Significant != nil {
				t.Errorf("email had no September rows: Δ CI %v, significant %v, want none", email.DeltaCI, email.Significant)
			}
			// chat against its own September (30 of 50): +21.11 pts,
			// 21.11 − √((81.111 − 71.816)² + (72.392 − 60)²) = 5.62,
			// 21.11 + √((87.859 − 81.111)² + (60 − 46.181)²) = 36.49.
			wantCI(t, "csat chat Δ CI", chat.DeltaCI, 5.62098209227509, 36.4891200995785)
			wantSig(t, "csat chat Δ", chat.Significant, true)

			// NPS: October 5 promoters, 2 detractors of 10: 30; SE =
			// √((0.5 + 0.2 − 0.3²) / 10) = 0.24698, ± 1.96 × 24.698 pts
			// → −18.41 … 78.41. Red (30 < warning 40) but the interval
			// reaches 50: uncertain. September 2 and 4 of 10: −20, SE
			// √((0.6 − 0.04) / 10) = 0.23664; the change +50 pts ± 1.96 ×
			// 100 × √(0.061 + 0.056) = ± 67.04: within noise.
			nps := sc.Find("nps")
			want(t, "nps", nps.Total.Value, 30)
			wantCI(t, "nps CI", nps.Total.CI, -18.4075395018526, 78.4075395018526)
			wantCI(t, "nps Δ CI", nps.Total.DeltaCI, -17.0410830775587, 117.041083077559)
			wantSig(t, "nps Δ", nps.Total.Significant, false)
			if nps.Total.Status != kpi.Uncertain {
				t.Errorf("nps status %s, want uncertain", nps.Total.Status)
			}

			// Resolution time, October: n 100, Σy 150 h, Σy² 25 × (0 + 1 + 4
			// + 9) = 350; mean 1.5, s² = (350 − 100 × 1.5²) / 99 = 1.26263,
			// t(99) 1.98422 × √(s² / 100) = 0.22296 → 1.27704 … 1.72296 h.
			// September: n 50, mean 3, s² = (500 − 450) / 49 = 1.02041.
			// Welch: se² = 1.26263/100 + 1.02041/50 = 0.033034, df 107.94,
			// t 1.98219: −1.5 ± 0.36027 → −1.86027 … −1.13973: significant.
			rt := sc.Find("resolution_time")
			want(t, "resolution time", rt.Total.Value, 1.5)
			wantCI(t, "resolution time CI", rt.Total.CI, 1.27704020069053, 1.72295979930947)
			wantCI(t, "resolution time Δ CI", rt.Total.DeltaCI, -1.86026981021064, -1.13973018978936)
			wantSig(t, "resolution time Δ", rt.Total.Significant, true)
			if _, has := rt.Total.Components["num_ss"]; has {
				t.Errorf("the hidden sum of squares is shown: %v", rt.Total.Components)
			}
			if _, has := rt.Total.Compare.Components["num_ss"]; has {
				t.Errorf("the hidden sum of squares is shown in the comparison: %v", rt.Total.Compare.Components)
			}

			// Median: no interval, and it says so.
			if md := sc.Find("resolution_median"); md.Total.CI != nil || md.Total.NoCI != "a median: no interval" {
				t.Errorf("median: CI %v, NoCI %q", md.Total.CI, md.Total.NoCI)
			}

			// Average purchase, October: four orders of one row each, 10 …
			// 40: mean 25, s² = (3000 − 4 × 625) / 3 = 166.67, t(3) 3.18245
			// × √(166.67 / 4) = 20.5426 → 4.4574 … 45.5426. September's
			// order o5 spans two rows: no interval there, so no interval of
			// the change.
			ap := sc.Find("avg_purchase")
			want(t, "avg purchase", ap.Total.Value, 25)
			wantCI(t, "avg purchase CI", ap.Total.CI, 4.45739743239478, 45.5426025676052)
			if ap.Total.DeltaCI != nil || ap.Total.Significant != nil {
				t.Errorf("avg purchase: Δ CI %v, significant %v, want none", ap.Total.DeltaCI, ap.Total.Significant)
			}
		})
	}

	sep := kpi.Slice{Grain: kpi.Month, Period: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Compare: kpi.VsTarget}
	sc, err := eng.Compute(t.Context(), sep, []string{"avg_purchase", "csat"})
	if err != nil {
		t.Fatal(err)
	}
	if ap := sc.Find("avg_purchase"); ap.Total.CI != nil || ap.Total.NoCI != "its units span several rows: no interval" {
		t.Errorf("avg purchase in September: CI %v, NoCI %q", ap.Total.CI, ap.Total.NoCI)
	}
	// Against a target there is no interval of the change; September's CSAT
	// 60 % (interval up to 72.39 %) stays off target 80.
	csat := sc.Find("csat")
	if csat.Total.CI == nil || csat.Total.DeltaCI != nil || csat.Total.Significant != nil {
		t.Errorf("csat vs target: CI %v, Δ CI %v, significant %v", csat.Total.CI, csat.Total.DeltaCI, csat.Total.Significant)
	}
	if csat.Total.Status != kpi.Red {
		t.Errorf("csat September status %s, want red", csat.Total.Status)
	}
}

// TestIntervalsAgreeOnSampleRollups: on the embedded sample, every KPI's
// interval, interval of the change, significance and status are the same
// from the rollups as from the raw rows, for totals and segments, whole and
// partial periods, with filters.
func TestIntervalsAgreeOnSampleRollups(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample's rollups")
	}
	var log bytes.Buffer
	eng := sharedSample(t, slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})) // its clock on 1 Dec 2026
	asOf := eng.AsOf()
	slices := []kpi.Slice{
		{Grain: kpi.Month, Segment: "channel"},
		{Grain: kpi.Week, Period: kpi.Week.Trunc(asOf), Segment: "region"}, // partial
		{Grain: kpi.Quarter, Compare: kpi.VsYear, Segment: "plan", Filters: []kpi.Filter{{Dim: "region", Values: []string{"EMEA", "APAC"}}}},
		{Grain: kpi.Year, Compare: kpi.VsTarget},
	}
	same := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	sameCI := func(a, b *kpi.Interval) bool {
		return (a == nil) == (b == nil) && (a == nil || same(a.Low, b.Low) && same(a.High, b.High))
	}
	intervals, rollupReads := 0, 0
	for _, s := range slices {
		log.Reset()
		roll, err := eng.Compute(t.Context(), s, nil, kpi.Uncached())
		if err != nil {
			t.Fatal(err)
		}
		rollupReads += strings.Count(log.String(), "__kpiscope_rollup_")
		raw, err := eng.Compute(t.Context(), s, nil, kpi.FromScratch())
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range roll.Results {
			w := raw.Results[i]
			if r.Approx || r.Err != nil || w.Err != nil { // a sketch's quantile may rate otherwise
				continue
			}
			rows := append([]kpi.Row{r.Total}, r.Segments...)
			wrows := append([]kpi.Row{w.Total}, w.Segments...)
			if len(rows) != len(wrows) {
				t.Errorf("%v %s: %d rows from rollups, %d raw", s, r.Def.ID, len(rows), len(wrows))
				continue
			}
			for j := range rows {
				a, b := rows[j], wrows[j]
				sig := func(p *bool) string {
					if p == nil {
						return "untested"
					}
					return fmt.Sprint(*p)
				}
				if !sameCI(a.CI, b.CI) || !sameCI(a.DeltaCI, b.DeltaCI) || sig(a.Significant) != sig(b.Significant) ||
					a.Status != b.Status || a.NoCI != b.NoCI {
					t.Errorf("%v %s %q: rollups CI %v Δ %v %s %s %q; raw CI %v Δ %v %s %s %q", s, r.Def.ID, a.Segment,
						a.CI, a.DeltaCI, sig(a.Significant), a.Status, a.NoCI, b.CI, b.DeltaCI, sig(b.Significant), b.Status, b.NoCI)
				}
				if a.CI != nil {
					intervals++
				}
			}
		}
	}
	if intervals < 50 || rollupReads == 0 {
		t.Errorf("%d intervals compared, %d rollup reads: the test compares too little", intervals, rollupReads)
	}
}
