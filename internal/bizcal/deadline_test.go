package bizcal

import (
	"strconv"
	"testing"
	"time"
)

// Deadlines by hand, in Go and in SQL (the data on the calendar's clock for
// the office, in UTC across DST).
func TestDeadlines(t *testing.T) {
	ber := zone(t, "Europe/Berlin")
	office := weekdays(ber, Span{hm(8, 0), hm(18, 0)})
	office.Holidays = []time.Time{date(2026, 1, 14)}
	full := allWeek(ber)
	at := func(m time.Month, d, h, mi int) time.Time { return time.Date(2026, m, d, h, mi, 0, 0, ber) }
	db := openDB(t)
	for _, tc := range []struct {
		name string
		c    *Calendar
		data *time.Location
		a    time.Time
		secs float64
		want time.Time
	}{
		// The hour ends as the office closes: Friday 18:00, not Monday 08:00.
		{"on the span's end", office, ber, at(1, 9, 17, 0), 3600, at(1, 9, 18, 0)},
		// 30 min on Friday, 30 on Monday.
		{"over a weekend", office, ber, at(1, 9, 17, 30), 3600, at(1, 12, 8, 30)},
		// Tue 17:30 → 18:00, Wednesday is a holiday, Thu 08:00 → 08:30.
		{"over a holiday", office, ber, at(1, 13, 17, 30), 3600, at(1, 15, 8, 30)},
		{"from a Sunday", office, ber, at(1, 11, 12, 0), 2 * 3600, at(1, 12, 10, 0)},
		// Two business days: Mon 10:00 + 10 h = Tue 10:00, + 10 h = Thu 10:00
		// (Wednesday the holiday).
		{"days over a holiday", office, ber, at(1, 12, 10, 0), 20 * 3600, at(1, 15, 10, 0)},
		{"zero", office, ber, at(1, 10, 12, 0), 0, at(1, 10, 12, 0)},
		// Across the spring change, data in UTC: Fri 17:30 CET + 1 h =
		// Mon 08:30 CEST (06:30 UTC).
		{"DST office", office, nil, at(3, 27, 17, 30), 3600, time.Date(2026, 3, 30, 6, 30, 0, 0, time.UTC)},
		// 24/7: Sun 01:30 CET + 1 h = 03:30 CEST; Sun 01:30 CEST + 2 h =
		// 02:30 CET (the repeated hour counts).
		{"DST 24/7 spring", full, nil, at(3, 29, 1, 30), 3600, at(3, 29, 3, 30)},
		{"DST 24/7 fall", full, nil, time.Date(2026, 10, 24, 23, 30, 0, 0, time.UTC), 7200, time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)},
		{"DST 24/7 spring local", full, ber, at(3, 29, 1, 30), 3600, at(3, 29, 3, 30)},
		{"DST 24/7 fall local", full, ber, at(10, 25, 1, 30), 7200, time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)},
	} {
		got := tc.c.Deadline(tc.a, tc.secs)
		if !got.Equal(tc.want) {
			t.Errorf("%s: Go Deadline = %v, want %v", tc.name, got, tc.want)
		}
		clock := tc.data
		if clock == nil {
			clock = time.UTC
		}
		s := SQL{Cal: tc.c, Data: tc.data, From: date(2026, 1, 1), To: date(2027, 1, 1)}
		row := query(t, db, s.Deadline(lit(tc.a, clock), fmtSecs(tc.secs)))
		wantNaive := tc.want.In(clock)
		wantNaive = time.Date(wantNaive.Year(), wantNaive.Month(), wantNaive.Day(), wantNaive.Hour(), wantNaive.Minute(), wantNaive.Second(), 0, time.UTC)
		if g, ok := row[0].(time.Time); !ok || !g.Equal(wantNaive) {
			t.Errorf("%s: SQL Deadline = %v, want %v", tc.name, row[0], wantNaive)
		}
	}
	s := SQL{Cal: office, From: date(2026, 1, 1), To: date(2027, 1, 1)}
	row := query(t, db, s.Deadline("CAST(NULL AS TIMESTAMP)", "3600")+", "+s.Deadline("TIMESTAMP '2026-01-12 09:00:00'", "NULL"))
	if row[0] != nil || row[1] != nil {
		t.Errorf("a null start or target gives %v, want NULL", row)
	}
}

func fmtSecs(s float64) string { return "CAST(" + ftoa(s) + " AS DOUBLE)" }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
