package style

import (
	"testing"

	"kpiscope/internal/kpi"
)

// TestUncertainHasItsOwnColour: on dark and light backgrounds the uncertain
// status is drawn in its own colour, none of on, near or off target's nor
// the muted one of no value.
func TestUncertainHasItsOwnColour(t *testing.T) {
	for _, dark := range []bool{true, false} {
		s := New(dark, false)
		got := s.StatusColor(kpi.Uncertain)
		if got != s.Unsure {
			t.Errorf("dark=%v: uncertain is %v, want Unsure %v", dark, got, s.Unsure)
		}
		for _, other := range []kpi.Status{kpi.Green, kpi.Amber, kpi.Red, kpi.NoValue} {
			if s.StatusColor(other) == got {
				t.Errorf("dark=%v: uncertain shares %s's colour", dark, other)
			}
		}
	}
}
