package kpi

import (
	"slices"
	"testing"
)

// TestBuildOrderHasEveryPart: a part allParts plans and buildOrder left
// out would never be built, and the build would never be ready.
func TestBuildOrderHasEveryPart(t *testing.T) {
	for _, g := range []*rollGroup{
		{dims: []string{"a", "b", "c"}, time: "at", sketches: "s"},
		{dims: []string{"a"}, sketches: "s"},
		{dims: []string{"a", "b"}, time: "at"},
	} {
		parts := g.allParts()
		if len(parts) == 0 {
			t.Fatalf("%+v: no parts", g)
		}
		for _, p := range parts {
			if !slices.Contains(buildOrder, p) {
				t.Errorf("part %+v of a group with dims %v, time %q, sketches %q is not in buildOrder", p, g.dims, g.time, g.sketches)
			}
		}
	}
}
