package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// TestInsightGolden: issue 12's numbers on the sample at 120×40 and 80×24.
// The quarter (g) is partial, to 31 Oct: CSAT's value with its 95%
// interval, its change within noise (≈) with the interval of the change,
// the pacing line ("31% in: heading for …", "to end ≥ 80%, the ~… answers
// still expected need …"), and at 120×40 the forecast dashed after Q4 2026
// with its caption and the sample's annotations marked on the axis.
func TestInsightGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		w, h  int
		keys  []string
		plain bool
	}{
		{"pace_120x40", 120, 40, []string{"g"}, false},
		{"pace_80x24", 80, 24, []string{"g"}, false},
		{"ascii_pace_80x24", 80, 24, []string{"g"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := started(t, testDeps(t), tc.w, tc.h)
			if tc.plain {
				m = plain(m)
			}
			m, _ = press(m, tc.keys...)
			s := screen(m)
			mustContain(t, s, "(95%: ", "pace ", "% in: heading for ", "to end ≥ 80%, the ~", "within noise", "≈")
			if tc.w >= 120 && (!strings.Contains(s, "╌ forecast ") || !strings.Contains(s, "a 1 Nov – 31 Dec 2025 · ")) {
				t.Errorf("no forecast caption or annotation key at %dx%d", tc.w, tc.h)
			}
			golden.RequireEqual(t, []byte(s))
		})
	}
}

// TestSegmentAnnotationWhenDrilled: the sample's annotation for team
// Technical is listed only drilled into that team (chat › Technical),
// with the whole slice's annotations beside it.
func TestSegmentAnnotationWhenDrilled(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	if s := screen(m); strings.Contains(s, "routed to Technical") {
		t.Errorf("the team's annotation shows undrilled:\n%s", s)
	}
	m, _ = press(m, "enter", "enter", "enter")
	s := screen(m)
	mustContain(t, s, "team = Technical", "Incident tickets routed to Technical", "Churn after the incident")
}
