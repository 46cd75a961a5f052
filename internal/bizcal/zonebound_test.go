package bizcal

import (
	"testing"
	"time"
)

// TestDeadlinePastTheZoneFile: a deadline a century away (one working
// minute a week, a 100-hour target: the 6,000th Monday) is found, at 09:01
// London time on the Monday 5,999 weeks after the first. Past the zone
// file's listed changes ZoneBounds stops moving forward on some 31
// Decembers (golang/go#81583) and the walk never ended; the sample's
// calendars met the same bug on 31 Dec 2024 with compact zone files.
func TestDeadlinePastTheZoneFile(t *testing.T) {
	london := zone(t, "Europe/London")
	c := &Calendar{Name: "minute", Zone: london}
	c.Week[time.Monday] = []Span{{hm(9, 0), hm(9, 1)}}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	done := make(chan time.Time, 1)
	go func() { done <- c.Deadline(start, 100*3600) }()
	select {
	case got := <-done:
		want := time.Date(2026, 1, 5, 9, 1, 0, 0, london).AddDate(0, 0, 5999*7)
		want = time.Date(want.Year(), want.Month(), want.Day(), 9, 1, 0, 0, london)
		if !got.Equal(want) {
			t.Errorf("deadline %v, want %v", got.In(london), want)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Deadline did not return in 30 s: the walk over the zone's changes does not advance")
	}
}

// TestZoneEndAdvances: zoneEnd always moves forward and stops at each
// change of offset, every year to 2200, in zones with and without DST.
func TestZoneEndAdvances(t *testing.T) {
	for _, name := range []string{"Europe/London", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"} {
		z := zone(t, name)
		from := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
		to := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
		for u, n := from, 0; u < to; n++ {
			next := zoneEnd(z, u, to)
			if next <= u {
				t.Fatalf("%s: zoneEnd(%v) = %v does not advance", name, time.UnixMicro(u).UTC(), time.UnixMicro(next).UTC())
			}
			// The offset is one value over [u, next).
			if a, b := offsetAt(z, u), offsetAt(z, next-1); a != b {
				t.Fatalf("%s: offset changes inside [%v, %v): %d then %d", name, time.UnixMicro(u).UTC(), time.UnixMicro(next).UTC(), a, b)
			}
			u = next
			if n > 1_000_000 {
				t.Fatalf("%s: more than a million steps", name)
			}
		}
	}
}
