package pane

import (
	"strings"
	"testing"

	// Registers the -update flag, so `go test ./tui/... -update` runs here too.
	_ "github.com/charmbracelet/x/exp/golden"

	"kpiscope/internal/kpi"
)

func f(v float64) *float64 { return &v }

func TestSparkline(t *testing.T) {
	pts := []kpi.Point{{Value: f(1)}, {Value: nil}, {Value: f(8)}, {Value: f(4.5)}}
	if got := Sparkline(pts, 6); got != "  ▁ █▅" {
		t.Fatalf("sparkline %q: right-aligned, a gap for no value, lowest ▁ highest █", got)
	}
	if got := Sparkline(pts, 2); got != "█▁" {
		t.Fatalf("narrow sparkline %q keeps the latest periods, scaled among themselves", got)
	}
	if got := Sparkline([]kpi.Point{{Value: f(3)}, {Value: f(3)}}, 2); got != "▄▄" {
		t.Fatalf("flat sparkline %q", got)
	}
}

func TestSortRows(t *testing.T) {
	rows := []kpi.Row{
		{Segment: "b", Point: kpi.Point{Value: f(2), N: 10, HasN: true}, Status: kpi.Green},
		{Segment: "a", Point: kpi.Point{Value: nil, N: 5, HasN: true}, Status: kpi.NoValue},
		{Segment: "c", Point: kpi.Point{Value: f(9), N: 1, HasN: true}, Status: kpi.Red},
	}
	seg := func(rs []kpi.Row) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.Segment)
		}
		return strings.Join(s, "")
	}
	for _, tc := range []struct {
		s    Sort
		want string
	}{
		{On(SortValue), "cba"},        // largest first, no value last
		{Sort{Col: SortValue}, "bca"}, // ascending, no value still last
		{On(SortSegment), "abc"},      // names A–Z
		{On(SortStatus), "cba"},       // worst first
		{DefaultSort(), "bac"},        // n, largest first
		{Sort{Col: SortN, Desc: false}, "cab"},
	} {
		if got := seg(SortRows(rows, tc.s)); got != tc.want {
			t.Errorf("sort %s desc=%v: %s, want %s", tc.s.Col.Name(), tc.s.Desc, got, tc.want)
		}
	}
}

func TestWidthsDropLowestPriorityFirst(t *testing.T) {
	cols := []Column{
		{Title: "name", Flex: true, Min: 4},
		{Title: "value", Prio: -1},
		{Title: "low", Prio: 1},
		{Title: "high", Prio: 9},
	}
	rows := [][]Cell{{{Text: "a long name"}, {Text: "12345"}, {Text: "xyz"}, {Text: "abcd"}}}
	w := Widths(cols, rows, 18, 1)
	if w[2] != 0 || w[3] == 0 || w[1] != 5 {
		t.Fatalf("widths %v: the low-priority column goes first", w)
	}
	if Total(cols, w, 1) > 18 {
		t.Fatalf("widths %v overflow 18", w)
	}
	w = Widths(cols, rows, 40, 1)
	if w[0] != len("a long name") || w[2] == 0 {
		t.Fatalf("widths %v: with room everything shows, the name at its natural width", w)
	}
}

func TestFitAndFlow(t *testing.T) {
	if got := Fit("abcdef", 4); got != "abc…" {
		t.Fatalf("Fit %q", got)
	}
	if got := FitRight("ab", 4); got != "  ab" {
		t.Fatalf("FitRight %q", got)
	}
	if got := Flow([]string{"aaa", "bbb", "ccc"}, " ", 7, 3); len(got) != 2 || got[0] != "aaa bbb" {
		t.Fatalf("Flow %q", got)
	}
}

// A quantile answered from a rollup's sketch is marked ≈; an exact one, or no
// value, is not.
func TestValueTextMarksSketchedQuantiles(t *testing.T) {
	d := &kpi.Def{ID: "m", Unit: "h", Decimals: 1}
	if got := ValueText(d, f(9.12), true); got != "~9.1h" {
		t.Errorf("approx: %q", got)
	}
	if got := ValueText(d, f(9.12), false); got != "9.1h" {
		t.Errorf("exact: %q", got)
	}
	if got := ValueText(d, nil, true); strings.HasPrefix(got, "≈") {
		t.Errorf("no value is not approximate: %q", got)
	}
	row := kpi.Row{Point: kpi.Point{Extras: map[string]*float64{"median": f(4), "p90": f(30)}}}
	dx := &kpi.Def{ID: "r", Unit: "h", Decimals: 1, Extras: map[string]string{"median": "", "p90": ""}}
	if got := strings.Join(extras(dx, row, true), " · "); got != "~ median 4.0h · p90 30.0h" {
		t.Errorf("extras: %q", got)
	}
}

// Counts among the extras (tickets breached, past due, in an age bucket) are
// whole numbers, whatever the KPI's unit; other extras keep the unit's form.
func TestExtrasCountsAreWhole(t *testing.T) {
	row := kpi.Row{Point: kpi.Point{Extras: map[string]*float64{"breached": f(1234), "mean score": f(4.1234)}}}
	d := &kpi.Def{ID: "sla", Unit: "%", Decimals: 1, Extras: map[string]string{
		"breached": "count(*) FILTER (WHERE NOT met)", "mean score": "avg(score)"}}
	if got := strings.Join(extras(d, row, false), " · "); got != "breached 1,234 · mean score 4.12" {
		t.Errorf("extras of a %% KPI: %q", got)
	}
	dh := &kpi.Def{ID: "b", Unit: "h", Decimals: 1, Extras: map[string]string{
		"breached": " COUNT(*) FILTER (WHERE x)", "mean score": "avg(h)"}}
	if got := strings.Join(extras(dh, row, false), " · "); got != "breached 1,234 · mean score 4.1h" {
		t.Errorf("extras of an hours KPI: %q", got)
	}
}
