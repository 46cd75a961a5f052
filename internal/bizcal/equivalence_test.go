package bizcal

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// The SQL expressions equal the Go reference on 5,000 random tickets per
// calendar between 2024-10-01 and 2026-12-31: durations to 1e-6 s,
// deadlines to the microsecond; the data in UTC and on the calendar's clock.
func TestSQLEqualsReference(t *testing.T) {
	ber := zone(t, "Europe/Berlin")
	ny := zone(t, "America/New_York")
	kol := zone(t, "Asia/Kolkata")
	syd := zone(t, "Australia/Sydney")

	berlin := weekdays(ber, Span{hm(8, 0), hm(18, 0)})
	berlin.Holidays = []time.Time{date(2024, 12, 25), date(2024, 12, 26), date(2025, 1, 1), date(2025, 4, 18),
		date(2025, 4, 21), date(2025, 12, 25), date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 10, 26)}
	newYork := weekdays(ny, Span{hm(9, 0), hm(17, 30)})
	kolkata := weekdays(kol, Span{hm(9, 30), hm(18, 30)})
	kolkata.Week[time.Saturday] = []Span{{hm(9, 30), hm(13, 30)}}
	// 09:00 in Sydney is the previous day in UTC; DST there starts in October.
	sydney := weekdays(syd, Span{hm(9, 0), hm(17, 0)})
	sydney.Holidays = []time.Time{date(2025, 1, 27), date(2025, 4, 25), date(2026, 1, 26), date(2026, 10, 5)}
	// Split days, a Saturday half day, a Sunday night shift across the
	// clock changes, and a holiday on the spring change.
	split := weekdays(ber, Span{hm(9, 0), hm(12, 0)}, Span{hm(13, 0), hm(17, 0)})
	split.Week[time.Saturday] = []Span{{hm(9, 0), hm(13, 0)}}
	split.Week[time.Sunday] = []Span{{hm(1, 0), hm(4, 0)}, {hm(22, 0), hm(24, 0)}}
	split.Holidays = []time.Time{date(2025, 5, 1), date(2025, 5, 2), date(2026, 3, 29), date(2025, 10, 26), date(2026, 12, 24)}

	db := openDB(t)
	rng := rand.New(rand.NewSource(14))
	lo := time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
	for _, tc := range []struct {
		name string
		c    *Calendar
		data *time.Location
	}{
		{"Berlin", berlin, nil}, {"Berlin local", berlin, ber},
		{"New York", newYork, nil}, {"New York local", newYork, ny},
		{"Kolkata", kolkata, nil},
		{"Sydney", sydney, nil}, {"Sydney local", sydney, syd},
		{"split days", split, nil}, {"split days local", split, ber},
		{"24/7", allWeek(ber), nil}, {"24/7 local", allWeek(ny), ny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := tc.data
			if clock == nil {
				clock = time.UTC
			}
			const n = 5000
			type row struct {
				a, b time.Time
				secs float64
			}
			rows := make([]row, n)
			var vals []string
			for i := range rows {
				a := readBack(time.Unix(lo+rng.Int63n(hi-lo), 0), clock)
				b := readBack(a.Add(time.Duration(rng.Int63n(int64(30*24*time.Hour)))), clock)
				if i%10 == 0 {
					a, b = b, a // some ends before their starts
				}
				secs := float64(rng.Int63n(20 * 3600))
				if i%7 == 0 {
					secs = float64(rng.Int63n(3600)) + 0.5
				}
				rows[i] = row{a, b, secs}
				vals = append(vals, fmt.Sprintf("(%d, %s, %s, %v)", i, lit(a, clock), lit(b, clock), secs))
			}
			ctx := context.Background()
			table := "t" + fmt.Sprint(rng.Int63())
			if err := db.Exec(ctx, "CREATE TABLE "+table+" (i INTEGER, a TIMESTAMP, b TIMESTAMP, s DOUBLE)"); err != nil {
				t.Fatal(err)
			}
			if err := db.Exec(ctx, "INSERT INTO "+table+" VALUES "+strings.Join(vals, ", ")); err != nil {
				t.Fatal(err)
			}
			s := SQL{Cal: tc.c, Data: tc.data, From: time.Unix(lo, 0), To: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)}
			r, err := db.Query(ctx, "SELECT i, "+s.Duration("a", "b")+", "+s.Deadline("a", "s")+", "+s.Cum("a")+" FROM "+table+" ORDER BY i")
			if err != nil {
				t.Fatal(err)
			}
			bad := 0
			for _, got := range r.Data {
				tr := rows[int(got[0].(int32))]
				want := tc.c.Seconds(tr.a, tr.b)
				switch d, ok := got[1].(float64); {
				case !tr.b.Before(tr.a) && (!ok || math.Abs(d-want) > 1e-6):
					t.Errorf("Duration(%v, %v) = %v, Go %v", tr.a, tr.b, got[1], want)
					bad++
				case tr.b.Before(tr.a) && got[1] != nil:
					t.Errorf("Duration(%v, %v) = %v, want NULL", tr.a, tr.b, got[1])
					bad++
				}
				wantDL := naive(tc.c.Deadline(tr.a, tr.secs), clock)
				if dl, ok := got[2].(time.Time); !ok || !dl.Equal(wantDL) {
					t.Errorf("Deadline(%v, %v) = %v, Go %v", tr.a, tr.secs, got[2], wantDL)
					bad++
				}
				if c, ok := got[3].(float64); !ok || math.Abs(c-tc.c.Seconds(s.From, tr.a)) > 1e-6 {
					t.Errorf("Cum(%v) = %v, Go %v", tr.a, got[3], tc.c.Seconds(s.From, tr.a))
					bad++
				}
				if bad > 10 {
					t.FailNow()
				}
			}
		})
	}
}

// readBack is the instant a naive timestamp on clock reads back as (a time
// in a repeated hour is one of its two instants, as time.Date picks).
func readBack(t time.Time, clock *time.Location) time.Time {
	w := t.In(clock)
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), clock)
}

// naive is t's wall clock on clock, as a UTC time (how DuckDB hands back a TIMESTAMP).
func naive(t time.Time, clock *time.Location) time.Time {
	w := t.In(clock)
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC)
}
