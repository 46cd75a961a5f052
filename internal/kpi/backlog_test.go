package kpi_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// backlogFixture: 11 tickets around the end of December 2025 and the weeks
// of January 2026 (weeks start on Monday: 29 Dec, 5, 12, 19 Jan). The data's
// latest timestamp is T11's resolution, Wed 21 Jan 16:00: January, the week
// of 19 Jan and 21 Jan are not over and are measured there.
//
//	id   priority  created           resolved
//	T1   high      2025-12-10 09:00  2026-01-06 10:00
//	T2   low       2025-12-20 12:00  —
//	T3   high      2025-12-31 18:00  2026-01-01 00:00  resolved exactly at December's end
//	T4   low       2026-01-01 00:00  2026-01-09 12:00  created exactly at December's end
//	T5   high      2026-01-02 08:00  2026-01-02 17:00  never open at a day's end
//	T6   low       2026-01-07 10:00  2026-01-12 00:00  resolved exactly at the week of 5 Jan's end
//	T7   high      2026-01-12 00:00  2026-01-20 09:00  created exactly at the week of 5 Jan's end
//	T8   low       2026-01-14 09:00  2026-01-20 15:00
//	T9   high      2026-01-19 12:00  —
//	T10  low       2026-01-21 08:00  —
//	T11  high      2026-01-16 10:00  2026-01-21 16:00
const backlogFixture = `
CREATE TABLE tickets (ticket_id VARCHAR, priority VARCHAR, created_at TIMESTAMP, resolved_at TIMESTAMP);
INSERT INTO tickets VALUES
 ('T1',  'high', '2025-12-10 09:00', '2026-01-06 10:00'),
 ('T2',  'low',  '2025-12-20 12:00', NULL),
 ('T3',  'high', '2025-12-31 18:00', '2026-01-01 00:00'),
 ('T4',  'low',  '2026-01-01 00:00', '2026-01-09 12:00'),
 ('T5',  'high', '2026-01-02 08:00', '2026-01-02 17:00'),
 ('T6',  'low',  '2026-01-07 10:00', '2026-01-12 00:00'),
 ('T7',  'high', '2026-01-12 00:00', '2026-01-20 09:00'),
 ('T8',  'low',  '2026-01-14 09:00', '2026-01-20 15:00'),
 ('T9',  'high', '2026-01-19 12:00', NULL),
 ('T10', 'low',  '2026-01-21 08:00', NULL),
 ('T11', 'high', '2026-01-16 10:00', '2026-01-21 16:00');
`

func backlogEngine(t *testing.T) *kpi.Engine {
	t.Helper()
	return backlogEngineOn(t, backlogFixture)
}

// backlogEngineOn is backlogEngine over another fixture of the same table.
func backlogEngineOn(t *testing.T, fixture string) *kpi.Engine {
	t.Helper()
	db := openFixture(t, fixture)
	ctx := context.Background()
	cols, err := db.Columns(ctx, "tickets")
	if err != nil {
		t.Fatal(err)
	}
	defs := kpi.StandardDefs(map[string][]store.Column{"tickets": cols})
	var keep []*kpi.Def
	for _, d := range defs {
		if d.ID == "backlog" {
			keep = append(keep, d)
		}
	}
	if len(keep) != 1 {
		t.Fatalf("StandardDefs offers no backlog on created_at and resolved_at: %d defs", len(defs))
	}
	eng, err := kpi.New(ctx, db, keep, kpi.Options{Now: fixedNow, Dimensions: []string{"priority"}})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func backlogResult(t *testing.T, eng *kpi.Engine, s kpi.Slice) kpi.Result {
	t.Helper()
	sc, err := eng.Compute(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Results) != 1 || sc.Results[0].Err != nil {
		t.Fatalf("results: %+v", sc.Results)
	}
	return sc.Results[0]
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// trendValues lists a trend's periods and values ("2026-01-05 2").
func trendValues(pts []kpi.Point) string {
	var out []string
	for _, p := range pts {
		v := "—"
		if p.Value != nil {
			v = fmt.Sprint(*p.Value)
		}
		out = append(out, p.Period.Format(time.DateOnly)+" "+v)
	}
	return strings.Join(out, ", ")
}

// TestBacklogAtPeriodEnds: the backlog is the stock at each period's end,
// worked by hand from the fixture, at day, week and month grain; the
// current (partial) periods at the data's end.
//
// Months: December (end 1 Jan 00:00): T1, T2, and T3 (resolved exactly at
// the end) = 3; T4, created exactly at the end, is not in it. January (not
// over: at the data's end): T2, T9, T10 = 3.
//
// Weeks: 29 Dec (end 5 Jan): T1 (resolved 6 Jan), T2, T4 = 3 (T3 and T5
// resolved before). 5 Jan (end 12 Jan): T2, T6 (resolved exactly at the end)
// = 2; T7, created exactly at the end, is not in it. 12 Jan (end 19 Jan):
// T2, T7, T8, T11 = 4. 19 Jan (not over): T2, T9, T10 = 3.
//
// Days: 18 Jan (end 19 Jan) = 4 as the week; 19 Jan (end 20 Jan 00:00): T2,
// T7, T8, T9, T11 = 5; 20 Jan (end 21 Jan): T2, T9, T11 = 3 (T7 and T8
// resolved on the 20th); 21 Jan (not over) = 3.
func TestBacklogAtPeriodEnds(t *testing.T) {
	eng := backlogEngine(t)
	r := backlogResult(t, eng, kpi.Slice{Grain: kpi.Month, Period: day("2026-01-01"), Trend: 3})
	// The trend starts with the data (December): no earlier period.
	if got, want := trendValues(r.Trend), "2025-12-01 3, 2026-01-01 3"; got != want {
		t.Errorf("months: %s, want %s", got, want)
	}
	if !r.Total.Partial {
		t.Errorf("January is not over in the data, but the row is not partial")
	}
	r = backlogResult(t, eng, kpi.Slice{Grain: kpi.Week, Period: day("2026-01-19"), Trend: 4})
	if got, want := trendValues(r.Trend), "2025-12-29 3, 2026-01-05 2, 2026-01-12 4, 2026-01-19 3"; got != want {
		t.Errorf("weeks: %s, want %s", got, want)
	}
	r = backlogResult(t, eng, kpi.Slice{Grain: kpi.Day, Period: day("2026-01-21"), Trend: 4})
	if got, want := trendValues(r.Trend), "2026-01-18 4, 2026-01-19 5, 2026-01-20 3, 2026-01-21 3"; got != want {
		t.Errorf("days: %s, want %s", got, want)
	}
	// A past month asked for on its own is its end's stock, not a sum of
	// its days' backlogs.
	r = backlogResult(t, eng, kpi.Slice{Grain: kpi.Month, Period: day("2025-12-01")})
	if r.Total.Value == nil || *r.Total.Value != 3 || r.Total.Partial {
		t.Errorf("December: %v (partial %v), want 3", r.Total.Value, r.Total.Partial)
	}
}

// TestBacklogPartialComparedAtSameInstant: January is not over (the data
// ends 21 Jan 16:00), so it is compared with December at the same elapsed
// instant, 21 Dec 16:00: T1 and T2 open then = 2.
func TestBacklogPartialComparedAtSameInstant(t *testing.T) {
	r := backlogResult(t, backlogEngine(t), kpi.Slice{Grain: kpi.Month, Period: day("2026-01-01"), Compare: kpi.VsPrevious})
	if r.Total.Compare == nil || r.Total.Compare.Value == nil || *r.Total.Compare.Value != 2 {
		t.Fatalf("compare: %+v, want 2", r.Total.Compare)
	}
}

// TestBacklogByPriority: the breakdown counts each priority's open tickets
// at the same instant, so segments add up to the total, largest first.
// December: high T1,
// T3 = 2, low T2 = 1. January (data's end): high T9 = 1, low T2, T10 = 2.
func TestBacklogByPriority(t *testing.T) {
	eng := backlogEngine(t)
	for _, c := range []struct {
		period, want string
	}{{"2025-12-01", "high 2, low 1, total 3"}, {"2026-01-01", "low 2, high 1, total 3"}} {
		r := backlogResult(t, eng, kpi.Slice{Grain: kpi.Month, Period: day(c.period), Segment: "priority"})
		var got []string
		for _, s := range r.Segments {
			got = append(got, fmt.Sprintf("%s %v", s.Segment, *s.Value))
		}
		got = append(got, fmt.Sprintf("total %v", *r.Total.Value))
		if strings.Join(got, ", ") != c.want {
			t.Errorf("%s by priority: %s, want %s", c.period, strings.Join(got, ", "), c.want)
		}
	}
}

// TestBacklogAges: the ages of the open tickets at the period's end, in
// days. December (at 1 Jan 00:00): T1 21.625 (21 d 15 h), T2 11.5, T3 0.25:
// median 11.5; buckets 0-1d 1, 1-3d 0, 3-7d 0, 7d+ 2. January, not over,
// at the data's end (21 Jan 16:00, T11's resolution), not at 1 Feb: T2
// 32.1667 (32 d 4 h), T9 2.1667, T10 0.3333: median 2.1667 (52/24);
// buckets 1, 1, 0, 1. High priority in January: T9 alone, 2.1667.
func TestBacklogAges(t *testing.T) {
	eng := backlogEngine(t)
	for _, c := range []struct {
		period string
		seg    string
		median float64
		bucket string
	}{
		{"2025-12-01", "", 11.5, "1 0 0 2"},
		{"2026-01-01", "", 52.0 / 24, "1 1 0 1"},
		{"2026-01-01", "high", 52.0 / 24, "0 1 0 0"},
	} {
		r := backlogResult(t, eng, kpi.Slice{Grain: kpi.Month, Period: day(c.period), Segment: "priority"})
		row := r.Total
		for _, s := range r.Segments {
			if s.Segment == c.seg {
				row = s
			}
		}
		x := row.Extras
		m := x["median age (days)"]
		if m == nil || math.Abs(*m-c.median) > 1e-9 {
			t.Errorf("%s %s: median age %v, want %v", c.period, c.seg, m, c.median)
		}
		var got []string
		for _, n := range []string{"age 0-1d", "age 1-3d", "age 3-7d", "age 7d+"} {
			if x[n] == nil {
				t.Fatalf("%s %s: no %s in %v", c.period, c.seg, n, x)
			}
			got = append(got, fmt.Sprint(*x[n]))
		}
		if strings.Join(got, " ") != c.bucket {
			t.Errorf("%s %s: buckets %s, want %s", c.period, c.seg, strings.Join(got, " "), c.bucket)
		}
	}
}
