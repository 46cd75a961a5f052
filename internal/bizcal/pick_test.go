package bizcal

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

// Pick gives each row its own calendar by a column's value, in a fixed
// order, and the default to other values and NULL.
func TestPick(t *testing.T) {
	ber := zone(t, "Europe/Berlin")
	from, to := date(2026, 1, 1), date(2026, 2, 1)
	office := SQL{Cal: weekdays(ber, Span{hm(8, 0), hm(18, 0)}), Data: ber, From: from, To: to}
	full := SQL{Cal: allWeek(ber), Data: ber, From: from, To: to}
	late := SQL{Cal: weekdays(ber, Span{hm(12, 0), hm(20, 0)}), Data: ber, From: from, To: to}
	by := map[string]SQL{"support": full, "o'brien": late}
	expr := Pick("region", by, office, func(s SQL) string { return s.Duration("a", "b") })
	if again := Pick("region", by, office, func(s SQL) string { return s.Duration("a", "b") }); again != expr {
		t.Error("Pick is not deterministic")
	}
	if i, j := strings.Index(expr, "'o''brien'"), strings.Index(expr, "'support'"); i < 0 || j < i {
		t.Errorf("values are not quoted literals in sorted order: %.300s", expr)
	}
	db := openDB(t)
	// Fri 9 Jan 2026 17:00 → Mon 12 Jan 09:00: the office works 1 h + 1 h,
	// 24/7 64 h, 12:00–20:00 3 h on Friday and none on Monday.
	r, err := db.Query(context.Background(), "SELECT region, "+expr+" FROM (VALUES ('office'), ('support'), ('o''brien'), (NULL)) v(region), "+
		"(SELECT TIMESTAMP '2026-01-09 17:00:00' AS a, TIMESTAMP '2026-01-12 09:00:00' AS b) ORDER BY region NULLS LAST")
	if err != nil {
		t.Fatal(err)
	}
	want := map[any]float64{"office": 7200, "support": 64 * 3600, "o'brien": 3 * 3600, nil: 7200}
	for _, row := range r.Data {
		if got, ok := row[1].(float64); !ok || math.Abs(got-want[row[0]]) > 1e-6 {
			t.Errorf("%v: %v, want %v", row[0], row[1], want[row[0]])
		}
	}
	if len(r.Data) != 4 {
		t.Errorf("%d rows", len(r.Data))
	}
}

// A TIMESTAMPTZ is an instant whatever the data's clock: Fri 16:55 UTC
// (17:55 in Berlin) to Mon 08:05 UTC (09:05) is 70 business minutes even
// when naive values are read as New York time.
func TestTimestampTZ(t *testing.T) {
	ber := zone(t, "Europe/Berlin")
	s := SQL{Cal: weekdays(ber, Span{hm(8, 0), hm(18, 0)}), Data: zone(t, "America/New_York"), From: date(2026, 1, 1), To: date(2026, 2, 1)}
	row := query(t, openDB(t), s.Duration("TIMESTAMPTZ '2026-01-09 16:55:00+00'", "TIMESTAMPTZ '2026-01-12 08:05:00+00'")+", "+
		s.Deadline("TIMESTAMPTZ '2026-01-09 16:55:00+00'", "3600"))
	if got, ok := row[0].(float64); !ok || math.Abs(got-4200) > 1e-6 {
		t.Errorf("Duration = %v, want 4200", row[0])
	}
	// 5 min on Friday, 55 on Monday: 08:55 Berlin = 02:55 in New York.
	if got, ok := row[1].(time.Time); !ok || !got.Equal(time.Date(2026, 1, 12, 2, 55, 0, 0, time.UTC)) {
		t.Errorf("Deadline = %v, want 2026-01-12 02:55 (New York's clock)", row[1])
	}
}

// A naive time in the hour a clock skips or repeats reads as the instant
// Go's time.Date gives (SQL and the reference agree on it): in Berlin,
// 02:30 on the spring day is 03:30 CEST, so 01:30 → 02:30 is one hour on a
// 24/7 calendar; 02:30 on the fall day is the second one (CET), so 01:30 →
// 02:30 is two hours.
func TestNaiveInChangedHour(t *testing.T) {
	db := openDB(t)
	for _, tc := range []struct {
		zone string
		day  time.Time
		a, b int     // minutes after local midnight
		want float64 // seconds; -1: as Go says
	}{
		{"Europe/Berlin", date(2026, 3, 29), hm(1, 30) / 60, hm(2, 30) / 60, 3600},
		{"Europe/Berlin", date(2026, 10, 25), hm(1, 30) / 60, hm(2, 30) / 60, 7200},
		{"America/New_York", date(2026, 3, 8), hm(1, 30) / 60, hm(2, 30) / 60, -1},
		{"America/New_York", date(2026, 11, 1), hm(0, 30) / 60, hm(1, 30) / 60, -1},
		{"America/New_York", date(2026, 11, 1), hm(1, 30) / 60, hm(2, 30) / 60, -1},
	} {
		z := zone(t, tc.zone)
		c := allWeek(z)
		a := time.Date(tc.day.Year(), tc.day.Month(), tc.day.Day(), 0, tc.a, 0, 0, z)
		b := time.Date(tc.day.Year(), tc.day.Month(), tc.day.Day(), 0, tc.b, 0, 0, z)
		want := c.Seconds(a, b)
		if tc.want >= 0 && want != tc.want {
			t.Errorf("%s %v: Go %v, want %v", tc.zone, tc.day, want, tc.want)
		}
		s := SQL{Cal: c, Data: z, From: date(2026, 1, 1), To: date(2027, 1, 1)}
		at := func(m int) string {
			return "TIMESTAMP '" + tc.day.Add(time.Duration(m)*time.Minute).Format("2006-01-02 15:04:05") + "'"
		}
		if got := query(t, db, s.Duration(at(tc.a), at(tc.b)))[0]; got != want {
			t.Errorf("%s %v: SQL %v, Go %v", tc.zone, tc.day, got, want)
		}
	}
}
