package bizcal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/store"
)

// BenchmarkBusinessDuration compares the mean resolution time in business
// seconds with the plain mean over a sample's tickets.parquet, and the
// latest deadline 10 business hours after creation, with SQL's expressions
// and with Lookup:
//
//	kpiscope sample --out /tmp/kpis10m --tickets 10000000
//	KPISCOPE_BENCH_DATA=/tmp/kpis10m go test ./internal/bizcal -run '^$' -bench BusinessDuration -benchtime 5x
func BenchmarkBusinessDuration(b *testing.B) {
	dir := os.Getenv("KPISCOPE_BENCH_DATA")
	if dir == "" {
		b.Skip("set KPISCOPE_BENCH_DATA to a folder written by kpiscope sample")
	}
	ctx := context.Background()
	db, err := store.Open("")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	path := filepath.Join(dir, "tickets.parquet")
	if err := db.Exec(ctx, "CREATE VIEW tickets AS SELECT * FROM read_parquet("+store.QuoteLiteral(path)+")"); err != nil {
		b.Fatal(err)
	}
	r, err := db.Query(ctx, "SELECT min(created_at), max(resolved_at) FROM tickets")
	if err != nil {
		b.Fatal(err)
	}
	from, _ := r.Data[0][0].(time.Time)
	to, _ := r.Data[0][1].(time.Time)
	c := benchCalendar(b, from, to)
	s := SQL{Cal: c, From: from, To: to.AddDate(0, 1, 0)}
	// The same through Lookup, in layers as internal/workspace writes them:
	// the instants, their words, the cums (and the cum 10 business hours
	// on, its words, the deadline).
	l, ok := NewLookup([]SQL{s})
	if !ok {
		b.Fatal("no lookup")
	}
	words := func(ws []string, name string) ([]string, string) {
		var cols, sel []string
		for i, w := range ws {
			cols, sel = append(cols, fmt.Sprintf("%s%d", name, i)), append(sel, fmt.Sprintf("%s AS %s%d", w, name, i))
		}
		return cols, strings.Join(sel, ", ")
	}
	wa, sa := words(l.CumWords("ua", ""), "wa")
	wb, sb := words(l.CumWords("ub", ""), "wb")
	lq := "(SELECT *, " + l.Instant("created_at") + " AS ua, " + l.Instant("resolved_at") + " AS ub FROM tickets)"
	lq = "(SELECT *, " + sa + ", " + sb + " FROM " + lq + ")"
	cums := "(SELECT *, " + l.Cum("ua", "", wa) + " AS ca, " + l.Cum("ub", "", wb) + " AS cb FROM " + lq + ")"
	wy, sy := words(l.DeadlineWords("y", ""), "wy")
	due := "(SELECT *, " + sy + " FROM (SELECT *, ca + 36000000000 AS y FROM " + cums + "))"
	for _, q := range []struct{ name, sql string }{
		{"plain", "SELECT avg(date_diff('second', created_at, resolved_at)) FROM tickets"},
		{"business", "SELECT avg(" + s.Duration("created_at", "resolved_at") + ") FROM tickets"},
		{"deadline", "SELECT max(" + s.Deadline("created_at", "36000") + ") FROM tickets"},
		{"lookup_business", "SELECT avg(CASE WHEN ub >= ua THEN (cb - ca) / 1e6 END) FROM " + cums},
		{"lookup_deadline", "SELECT max(" + l.Deadline("y", "ua", "", wy) + ") FROM " + due},
		{"lookup_business_1row", "SELECT avg(CASE WHEN ub >= ua THEN (cb - ca) / 1e6 END) FROM " + strings.Replace(cums, "FROM tickets", "FROM (FROM tickets LIMIT 1)", 1)},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.Query(ctx, q.sql); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchCalendar is Europe/Berlin Mon–Fri 08:00–18:00 with ten holidays a year.
func benchCalendar(b testing.TB, from, to time.Time) *Calendar {
	c := weekdays(zone(b, "Europe/Berlin"), Span{hm(8, 0), hm(18, 0)})
	for y := from.Year(); y <= to.Year(); y++ {
		for _, md := range [][2]int{{1, 1}, {4, 3}, {4, 6}, {5, 1}, {5, 14}, {5, 25}, {10, 3}, {12, 24}, {12, 25}, {12, 26}} {
			c.Holidays = append(c.Holidays, date(y, time.Month(md[0]), md[1]))
		}
	}
	return c
}
