package kpi

import (
	"fmt"
	"testing"
)

// Past periodRollupMax periods, the keys least recently used (read or
// written) go, each with all its periods, down to three quarters of the
// cap; the count stays that of distinct periods (writing a period again
// does not count it twice), and a dropped key is read back from a --db
// file when asked again.
func TestPeriodRollupsEvictLeastRecentlyUsed(t *testing.T) {
	var c periodRollups
	c.loaded = map[string]bool{}
	const per = 1000
	keys := periodRollupMax / per // exactly full
	for k := range keys {
		key := fmt.Sprint("k", k)
		c.loaded[key] = true
		for p := range per {
			c.put(key, int64(p), &Point{N: int64(p)})
		}
	}
	c.put("k0", 0, &Point{N: 7}) // again: not a new period
	if c.n != periodRollupMax {
		t.Fatalf("%d periods counted, want %d", c.n, periodRollupMax)
	}
	if _, ok := c.get("k1", 5); !ok { // k1 used lately; k0, k2, k3 … not
		t.Fatal("k1 not kept")
	}
	c.put("new", 0, nil) // one past the cap
	if c.n > periodRollupMax*3/4 || c.n < periodRollupMax*3/4-per {
		t.Fatalf("%d periods after the eviction, want about %d", c.n, periodRollupMax*3/4)
	}
	for _, key := range []string{"new", "k1", fmt.Sprint("k", keys-1)} {
		if _, ok := c.m[key]; !ok {
			t.Errorf("%s was dropped: used lately", key)
		}
	}
	for _, key := range []string{"k2", "k3"} {
		if _, ok := c.get(key, 0); ok || c.loaded[key] {
			t.Errorf("%s kept (loaded %v): among the least recently used", key, c.loaded[key])
		}
	}
	// Totals kept from rollup queries go before the others, however lately
	// used: one query of the index reads them again.
	c.put("x|roll", 0, nil)
	for k := 0; k < keys/2; k++ { // past the cap again
		for p := range per {
			c.put(fmt.Sprint("m", k), int64(p), nil)
		}
	}
	if _, ok := c.m["x|roll"]; ok {
		t.Error("a |roll key was kept while others went")
	}
	if _, ok := c.m[fmt.Sprint("k", keys-1)]; !ok {
		t.Error("the latest key before the |roll one went")
	}
	n := 0
	for _, ps := range c.m {
		n += len(ps)
	}
	if n != c.n {
		t.Errorf("%d periods kept, %d counted", n, c.n)
	}
}
