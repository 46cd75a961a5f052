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

// lookupQuery is the SELECT of the durations (seconds), deadlines and cums
// (seconds from From) of a table with columns i, a, b (timestamps), s (a
// target, seconds) and cal (a calendar index), through l, in layers as
// internal/workspace writes it: instants, words, cums, the cum to reach,
// its words, the deadline.
func lookupQuery(l *Lookup, table string, multi bool) string {
	cal := ""
	if multi {
		cal = "cal"
	}
	bind := func(exprs []string, name string) ([]string, string) {
		var cols, sel []string
		for i, e := range exprs {
			c := fmt.Sprintf("%s%d", name, i)
			cols, sel = append(cols, c), append(sel, e+" AS "+c)
		}
		return cols, strings.Join(sel, ", ")
	}
	wa, sa := bind(l.CumWords("ua", cal), "wa")
	wb, sb := bind(l.CumWords("ub", cal), "wb")
	q := "SELECT *, " + l.Instant("a") + " AS ua, " + l.Instant("b") + " AS ub FROM " + table
	q = "SELECT *, " + sa + ", " + sb + " FROM (" + q + ")"
	q = "SELECT *, " + l.Cum("ua", cal, wa) + " AS cum_a, " + l.Cum("ub", cal, wb) + " AS cum_b FROM (" + q + ")"
	q = "SELECT *, cum_a + CAST(round(s * 1e6) AS BIGINT) AS y FROM (" + q + ")"
	wy, sy := bind(l.DeadlineWords("y", cal), "wy")
	if sy != "" {
		q = "SELECT *, " + sy + " FROM (" + q + ")"
	}
	return "SELECT i, CASE WHEN ub >= ua THEN CAST(cum_b - cum_a AS DOUBLE) / 1e6 END, " + l.Deadline("y", "ua", cal, wy) + ", CAST(cum_a AS DOUBLE) / 1e6 FROM (" + q + ") ORDER BY i"
}

// The lookup tables give the Go reference's durations, deadlines and cums on
// random instants across DST changes, holidays, split days, a 24:00 end,
// quarter-hour spans (several pieces in an hour), 30- and 45-minute zones
// (Lord Howe's DST moves by 30 minutes), the data in UTC, on a local clock,
// and as TIMESTAMPTZ; several calendars picked per row; and rows outside the
// tables' range, which fall back to SQL's expressions.
func TestLookupEqualsReference(t *testing.T) {
	ber := zone(t, "Europe/Berlin")
	ny := zone(t, "America/New_York")
	lh := zone(t, "Australia/Lord_Howe")
	kat := zone(t, "Asia/Kathmandu")

	berlin := weekdays(ber, Span{hm(8, 0), hm(18, 0)})
	berlin.Holidays = []time.Time{date(2025, 12, 25), date(2025, 12, 26), date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 10, 26)}
	newYork := weekdays(ny, Span{hm(9, 0), hm(17, 30)})
	newYork.Holidays = []time.Time{date(2025, 11, 27), date(2026, 7, 3)}
	lordHowe := weekdays(lh, Span{hm(9, 15), hm(17, 45)})
	lordHowe.Week[time.Sunday] = []Span{{hm(0, 0), hm(3, 0)}} // across the 02:00 change
	kathmandu := weekdays(kat, Span{hm(10, 0), hm(17, 0)})
	split := weekdays(ber, Span{hm(9, 0), hm(12, 0)}, Span{hm(13, 0), hm(17, 0)})
	split.Week[time.Saturday] = []Span{{hm(9, 0), hm(13, 0)}}
	split.Week[time.Sunday] = []Span{{hm(1, 0), hm(4, 0)}, {hm(22, 0), hm(24, 0)}}
	split.Holidays = []time.Time{date(2026, 3, 29), date(2025, 10, 26), date(2026, 12, 24)}
	quarters := weekdays(ny, Span{hm(9, 0), hm(9, 20)}, Span{hm(9, 35), hm(9, 50)}, Span{hm(10, 5), hm(11, 0)}, Span{hm(14, 0), hm(24, 0)})

	db := openDB(t)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(17))
	from := time.Date(2025, 9, 1, 13, 37, 11, 250000000, time.UTC) // not a midnight: cums count from it
	to := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		cals []*Calendar
		data *time.Location
		tz   bool // the columns are TIMESTAMPTZ
	}{
		{"Berlin", []*Calendar{berlin}, nil, false},
		{"Berlin local", []*Calendar{berlin}, ber, false},
		{"Berlin TIMESTAMPTZ, New York clock", []*Calendar{berlin}, ny, true},
		{"New York local", []*Calendar{newYork}, ny, false},
		{"Lord Howe", []*Calendar{lordHowe}, nil, false},
		{"Lord Howe local", []*Calendar{lordHowe}, lh, false},
		{"Kathmandu", []*Calendar{kathmandu}, nil, false},
		{"split days, 24:00", []*Calendar{split}, ber, false},
		{"quarter hours", []*Calendar{quarters}, nil, false},
		{"24/7", []*Calendar{allWeek(ber)}, ber, false},
		{"three calendars", []*Calendar{berlin, quarters, lordHowe}, nil, false},
		{"three calendars local", []*Calendar{split, newYork, kathmandu}, ny, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dataClock := tc.data // deadlines are on it
			if dataClock == nil {
				dataClock = time.UTC
			}
			clock := dataClock // the literals' clock
			if tc.tz {
				clock = time.UTC
			}
			var sqls []SQL
			for _, c := range tc.cals {
				sqls = append(sqls, SQL{Cal: c, Data: tc.data, From: from, To: to})
			}
			l, ok := NewLookup(sqls)
			if !ok {
				t.Fatal("no lookup")
			}
			const n = 4000
			type row struct {
				a, b time.Time
				secs float64
				cal  int
			}
			rows := make([]row, n)
			var vals []string
			lo, hi := from.Unix()-20*86400, to.Unix()+10*86400 // some outside the tables
			for i := range rows {
				a := readBack(time.Unix(lo+rng.Int63n(hi-lo), 0), clock)
				b := readBack(a.Add(time.Duration(rng.Int63n(30*24*3600))*time.Second), clock)
				if i%10 == 0 {
					a, b = b, a
				}
				secs := float64(rng.Int63n(40 * 3600))
				switch i % 7 {
				case 0:
					secs = float64(rng.Int63n(3600)) + 0.5
				case 1:
					secs = float64(rng.Int63n(40)) * 900 // on quarter-hour and span edges
				case 2:
					secs = -1
				}
				rows[i] = row{a, b, secs, rng.Intn(len(tc.cals))}
				la, lb := lit(a, clock), lit(b, clock)
				if tc.tz {
					la = "TIMESTAMPTZ '" + a.UTC().Format("2006-01-02 15:04:05") + "+00'"
					lb = "TIMESTAMPTZ '" + b.UTC().Format("2006-01-02 15:04:05") + "+00'"
				}
				vals = append(vals, fmt.Sprintf("(%d, %s, %s, %v, %d)", i, la, lb, secs, rows[i].cal))
			}
			typ := "TIMESTAMP"
			if tc.tz {
				typ = "TIMESTAMPTZ"
			}
			table := fmt.Sprintf("t%d", rng.Int63())
			if err := db.Exec(ctx, "CREATE TABLE "+table+" (i INTEGER, a "+typ+", b "+typ+", s DOUBLE, cal INTEGER)"); err != nil {
				t.Fatal(err)
			}
			if err := db.Exec(ctx, "INSERT INTO "+table+" VALUES "+strings.Join(vals, ", ")); err != nil {
				t.Fatal(err)
			}
			r, err := db.Query(ctx, lookupQuery(l, table, len(tc.cals) > 1))
			if err != nil {
				t.Fatal(err)
			}
			// The rows outside the range, as SQL's expressions give them.
			var old [][]any
			for ci, s := range sqls {
				o, err := db.Query(ctx, "SELECT i, "+s.Duration("a", "b")+", "+s.Deadline("a", "s")+", "+s.Cum("a")+" FROM "+table+" WHERE cal = "+fmt.Sprint(ci))
				if err != nil {
					t.Fatal(err)
				}
				old = append(old, o.Data...)
			}
			oldOf := map[int32][]any{}
			for _, o := range old {
				oldOf[o[0].(int32)] = o
			}
			bad, inside := 0, 0
			for _, got := range r.Data {
				i := got[0].(int32)
				tr := rows[i]
				c := tc.cals[tr.cal]
				in := !tr.a.Before(from) && !tr.b.Before(from) && tr.a.Before(to) && tr.b.Before(to)
				wantD := any(nil)
				if !tr.b.Before(tr.a) {
					wantD = c.Seconds(tr.a, tr.b)
				}
				wantDL := any(naive(c.Deadline(tr.a, tr.secs), dataClock))
				wantC := c.Seconds(from, tr.a) - c.Seconds(tr.a, from)
				if !in {
					// Outside: SQL's expressions, whatever they say.
					wantD, wantDL, wantC = oldOf[i][1], oldOf[i][2], oldOf[i][3].(float64)
				} else {
					inside++
				}
				if !same(got[1], wantD) || !same(got[2], wantDL) || !same(got[3], wantC) {
					t.Errorf("row %d (in range %v, cal %d) a=%v b=%v secs=%v: got %v, %v, %v; want %v, %v, %v", i, in, tr.cal, tr.a, tr.b, tr.secs, got[1], got[2], got[3], wantD, wantDL, wantC)
					if bad++; bad > 10 {
						t.FailNow()
					}
				}
			}
			if inside < n*3/4 {
				t.Errorf("only %d rows in range", inside)
			}
		})
	}
}

// same compares a SQL value with a wanted one: DOUBLEs to 1e-6, times
// exactly.
func same(got, want any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case float64:
		g, ok := got.(float64)
		return ok && math.Abs(g-w) <= 1e-6
	case time.Time:
		g, ok := got.(time.Time)
		return ok && g.Equal(w)
	}
	return false
}

// The quarter-hour calendar needs several pieces in a day and several cuts
// in a business unit (its longest day, 80 minutes): the lists widen rather
// than lose one.
func TestLookupWidens(t *testing.T) {
	ny := zone(t, "America/New_York")
	c := weekdays(ny, Span{hm(9, 0), hm(9, 20)}, Span{hm(9, 35), hm(9, 50)}, Span{hm(10, 5), hm(10, 50)})
	l, ok := NewLookup([]SQL{{Cal: c, From: date(2026, 1, 1), To: date(2026, 2, 1)}})
	if !ok {
		t.Fatal("no lookup")
	}
	if got := width(l.words); got != 1+2*3 {
		t.Errorf("%d words a day, want the cum and 3 pieces", got)
	}
	if got := width(l.inv); got != 1+2*2 {
		t.Errorf("%d deadline words, want p and 2 cuts", got)
	}
}
