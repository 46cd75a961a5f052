package bizcal

import (
	"context"
	"math"
	"testing"
	"time"

	"kpiscope/internal/store"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func hm(h, m int) int { return h*3600 + m*60 }

// weekdays is a calendar working spans on Monday to Friday.
func weekdays(z *time.Location, spans ...Span) *Calendar {
	c := &Calendar{Name: "office", Zone: z}
	for d := time.Monday; d <= time.Friday; d++ {
		c.Week[d] = spans
	}
	return c
}

func allWeek(z *time.Location) *Calendar {
	c := &Calendar{Name: "24/7", Zone: z}
	for d := range 7 {
		c.Week[d] = []Span{{0, 86400}}
	}
	return c
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func openDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// query runs SELECT exprs and returns the single row.
func query(t testing.TB, db *store.DB, exprs string) []any {
	t.Helper()
	r, err := db.Query(context.Background(), "SELECT "+exprs)
	if err != nil {
		t.Fatalf("%v\n%.2000s", err, exprs)
	}
	return r.Data[0]
}

// lit is a TIMESTAMP literal of t's wall clock in zone z.
func lit(t time.Time, z *time.Location) string {
	return "TIMESTAMP '" + t.In(z).Format("2006-01-02 15:04:05.999999") + "'"
}

type durCase struct {
	name string
	a, b time.Time
	want float64 // seconds; -1: NULL in SQL (end before start), 0 in Go
}

// checkDurations compares Go's Seconds and SQL's Duration with hand-worked
// values, reading the timestamps on the clock of data (nil: UTC).
func checkDurations(t *testing.T, db *store.DB, c *Calendar, data *time.Location, cases []durCase) {
	t.Helper()
	s := SQL{Cal: c, Data: data, From: date(2024, 1, 1), To: date(2027, 1, 1)}
	clock := data
	if clock == nil {
		clock = time.UTC
	}
	for _, tc := range cases {
		want := tc.want
		if want < 0 {
			want = 0
		}
		if got := c.Seconds(tc.a, tc.b); got != want {
			t.Errorf("%s: Go Seconds = %v, want %v", tc.name, got, want)
		}
		got := query(t, db, s.Duration(lit(tc.a, clock), lit(tc.b, clock)))[0]
		if tc.want < 0 {
			if got != nil {
				t.Errorf("%s: SQL Duration = %v, want NULL", tc.name, got)
			}
			continue
		}
		if f, ok := got.(float64); !ok || math.Abs(f-tc.want) > 1e-6 {
			t.Errorf("%s: SQL Duration = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The office calendar Europe/Berlin Mon–Fri 08:00–18:00 with a holiday on
// Wednesday 14 Jan 2026; the data on the same clock.
func TestDurationsOffice(t *testing.T) {
	ber := zone(t, "Europe/Berlin")
	c := weekdays(ber, Span{hm(8, 0), hm(18, 0)})
	c.Holidays = []time.Time{date(2026, 1, 14)}
	at := func(d, h, m int) time.Time { return time.Date(2026, 1, d, h, m, 0, 0, ber) }
	db := openDB(t)
	checkDurations(t, db, c, ber, []durCase{
		// Fri 17:55 → 18:00 is 5 min, Mon 08:00 → 09:05 is 65 min: 70 min.
		{"over a weekend", at(9, 17, 55), at(12, 9, 5), 4200},
		{"within one day", at(13, 9, 15), at(13, 11, 45), 9000},
		// Mon 16:00 → 18:00 (2 h) + Tue 08:00 → 10:30 (2.5 h).
		{"overnight", at(12, 16, 0), at(13, 10, 30), 16200},
		// Tue 17:00 → 18:00, Wed is a holiday, Thu 08:00 → 09:00.
		{"over a holiday", at(13, 17, 0), at(15, 9, 0), 7200},
		{"before opening to after closing", at(12, 6, 0), at(12, 20, 0), 36000},
		{"from a Sunday", at(11, 12, 0), at(12, 10, 0), 7200},
		{"Saturday to Sunday", at(10, 9, 0), at(11, 17, 0), 0},
		{"end before start", at(12, 10, 0), at(12, 9, 0), -1},
		{"empty", at(12, 10, 0), at(12, 10, 0), 0},
	})
	s := SQL{Cal: c, Data: ber, From: date(2026, 1, 1), To: date(2026, 2, 1)}
	row := query(t, db, s.Duration(lit(at(12, 9, 0), ber), "CAST(NULL AS TIMESTAMP)")+", "+
		s.Duration("CAST(NULL AS TIMESTAMP)", lit(at(12, 9, 0), ber)))
	if row[0] != nil || row[1] != nil {
		t.Errorf("a null end or start gives %v, want NULL", row)
	}
}

// Split days (09:00–12:00, 13:00–17:00) and a Saturday half day (09:00–13:00).
func TestDurationsSplitDays(t *testing.T) {
	ber := zone(t, "Europe/Berlin")
	c := weekdays(ber, Span{hm(9, 0), hm(12, 0)}, Span{hm(13, 0), hm(17, 0)})
	c.Week[time.Saturday] = []Span{{hm(9, 0), hm(13, 0)}}
	at := func(d, h, m int) time.Time { return time.Date(2026, 1, d, h, m, 0, 0, ber) }
	checkDurations(t, openDB(t), c, nil, []durCase{
		// 11:00 → 12:00, lunch, 13:00 → 14:00.
		{"over lunch", at(12, 11, 0), at(12, 14, 0), 7200},
		{"within lunch", at(12, 12, 10), at(12, 12, 50), 0},
		// Fri 16:00 → 17:00, Sat 09:00 → 10:00.
		{"into the Saturday", at(16, 16, 0), at(17, 10, 0), 7200},
		// Sat 12:30 → 13:00, Mon 09:00 → 09:30.
		{"from the Saturday", at(17, 12, 30), at(19, 9, 30), 3600},
		// Mon 8:00 → Mon 8:00 a week later: 5 × 7 h + 4 h.
		{"a whole week", at(12, 8, 0), at(19, 8, 0), 5*7*3600 + 4*3600},
	})
}

// DST changes with the data in UTC and on the calendar's own clock.
func TestDurationsDST(t *testing.T) {
	db := openDB(t)
	for _, tc := range []struct {
		zone               string
		spring, fall       time.Time // the Fridays before the changes
		springDay, fallDay time.Time // the Saturdays before the changes
	}{
		{"Europe/Berlin", date(2026, 3, 27), date(2026, 10, 23), date(2026, 3, 28), date(2026, 10, 24)},
		{"America/New_York", date(2026, 3, 6), date(2026, 10, 30), date(2026, 3, 7), date(2026, 10, 31)},
	} {
		z := zone(t, tc.zone)
		local := func(d time.Time, days, h, m int) time.Time {
			return time.Date(d.Year(), d.Month(), d.Day()+days, h, m, 0, 0, z)
		}
		office := weekdays(z, Span{hm(8, 0), hm(18, 0)})
		full := allWeek(z)
		for _, data := range []*time.Location{nil, z} {
			name := tc.zone + " data in UTC"
			if data != nil {
				name = tc.zone + " data local"
			}
			t.Run(name, func(t *testing.T) {
				// Fri 17:55 → Mon 09:05 local: 70 business minutes
				// whatever the offset did over the weekend.
				checkDurations(t, db, office, data, []durCase{
					{"spring weekend", local(tc.spring, 0, 17, 55), local(tc.spring, 3, 9, 5), 4200},
					{"fall weekend", local(tc.fall, 0, 17, 55), local(tc.fall, 3, 9, 5), 4200},
				})
				// Saturday noon → Sunday noon is 23 real hours in spring
				// and 25 in the fall; Sunday 00:00 → 04:00 is 3 h and 5 h.
				checkDurations(t, db, full, data, []durCase{
					{"24/7 spring", local(tc.springDay, 0, 12, 0), local(tc.springDay, 1, 12, 0), 23 * 3600},
					{"24/7 fall", local(tc.fallDay, 0, 12, 0), local(tc.fallDay, 1, 12, 0), 25 * 3600},
					{"24/7 spring night", local(tc.springDay, 1, 0, 0), local(tc.springDay, 1, 4, 0), 3 * 3600},
					{"24/7 fall night", local(tc.fallDay, 1, 0, 0), local(tc.fallDay, 1, 4, 0), 5 * 3600},
				})
			})
		}
	}
}
