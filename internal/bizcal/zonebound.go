package bizcal

import "time"

// zoneEnd is the first instant after from (µs since the epoch) at which the
// zone's UTC offset may change, capped at to: time.Time.ZoneBounds's end,
// except where ZoneBounds does not move forward. It does not on 31
// December of some years, with the compact ("slim") zone files some systems
// ship and with any zone file past its last listed change (golang/go#81583):
// a loop that trusted it never ended. There the next change is found by
// stepping a day and bisecting to the second where the offset differs.
func zoneEnd(z *time.Location, from, to int64) int64 {
	t := time.UnixMicro(from).In(z)
	_, end := t.ZoneBounds()
	if end.IsZero() {
		return to
	}
	if e := end.UnixMicro(); e > from {
		return min(e, to)
	}
	_, off := t.Zone()
	step := min(from+usPerDay, to)
	if offsetAt(z, step) == off {
		return step
	}
	lo, hi := floorDiv(from, usPerSec), (step+usPerSec-1)/usPerSec // seconds: off at lo, not at hi
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if offsetAt(z, mid*usPerSec) == off {
			lo = mid
		} else {
			hi = mid
		}
	}
	if next := hi * usPerSec; next > from && next <= to {
		return next
	}
	return step
}

// offsetAt is the zone's UTC offset in seconds at u (µs since the epoch).
func offsetAt(z *time.Location, u int64) int {
	_, off := time.UnixMicro(u).In(z).Zone()
	return off
}
