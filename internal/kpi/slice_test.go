package kpi_test

import (
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

func TestParsePeriod(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	cases := []struct {
		in    string
		start time.Time
		g     kpi.Grain
	}{
		{"2026-09", d(2026, 9, 1), kpi.Month},
		{"2026-Q3", d(2026, 7, 1), kpi.Quarter},
		{"2026", d(2026, 1, 1), kpi.Year},
		{"2026-09-14", d(2026, 9, 14), kpi.Day},
		{"2026-W37", d(2026, 9, 7), kpi.Week}, // ISO weeks start on Monday
		{"2026-W53", d(2026, 12, 28), kpi.Week},
		{"2025-W01", d(2024, 12, 30), kpi.Week},
		{"all", time.Time{}, kpi.All},
	}
	for _, c := range cases {
		start, g, err := kpi.ParsePeriod(c.in)
		if err != nil || !start.Equal(c.start) || g != c.g {
			t.Errorf("%s: %v %s %v, want %v %s", c.in, start, g, err, c.start, c.g)
		}
	}
	for _, bad := range []string{"2025-W53", "2026-Q5", "2026-13", "26-09", "2026-W00", "soon", ""} {
		if _, _, err := kpi.ParsePeriod(bad); err == nil {
			t.Errorf("%q should be refused", bad)
		}
	}
}
