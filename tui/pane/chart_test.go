package pane

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

var axisLabel = regexp.MustCompile(`^\s*(-?[0-9.]+)%[┤┼]`)

// TestChartTargetRow: the target line and its label sit on the row whose
// axis label is nearest the target (a 10–95 axis put a target of 80 on its
// 95 row).
func TestChartTargetRow(t *testing.T) {
	d := &kpi.Def{ID: "csat", Unit: "%"}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		vals   []float64
		target float64
		h      int
		row    string // the target row's label, worked out by hand
	}{
		// 10–95 over 4 steps of 21.25: 95, 73.75, 52.5, 31.25, 10; 80 is nearest 73.75.
		{[]float64{10, 95, 40, 60}, 80, 6, "74"},
		// 7 steps of 12.14: 95, 82.9, 70.7 …; 80 is nearest 82.9.
		{[]float64{10, 95, 40, 60}, 80, 9, "83"},
		{[]float64{70, 72, 90, 85, 60}, 80, 6, "82"}, // 90, 82.5, 75 …
		{[]float64{82, 83, 84}, 80, 6, "80"},         // the target is the lowest value
		{[]float64{20, 30, 25}, 50, 7, "50"},         // and the highest
	} {
		var pts []kpi.Point
		for i, v := range c.vals {
			pts = append(pts, kpi.Point{Period: kpi.Month.Add(t0, i), Value: f(v)})
		}
		lines := Chart(style.New(true, true), d, pts, &kpi.Goal{Value: c.target}, kpi.Month, 60, c.h)
		var labels []float64
		got := ""
		for _, l := range lines {
			l = ansi.Strip(l)
			m := axisLabel.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			v, _ := strconv.ParseFloat(m[1], 64)
			labels = append(labels, v)
			if strings.Contains(l, "target") {
				if got != "" {
					t.Errorf("%v: two rows labelled target", c.vals)
				}
				got = m[1]
				if !strings.Contains(l, "┄") {
					t.Errorf("%v: the label's row has no target line: %q", c.vals, l)
				}
			}
		}
		if got != c.row {
			t.Errorf("%v target %v, height %d: label on the %q row, want %q\n%s", c.vals, c.target, c.h, got, c.row, ansi.Strip(strings.Join(lines, "\n")))
		}
		// And in general: no other row is nearer the target.
		g, _ := strconv.ParseFloat(got, 64)
		for _, l := range labels {
			if math.Abs(l-c.target) < math.Abs(g-c.target)-0.5 {
				t.Errorf("%v: row %v is nearer the target %v than the labelled %v", c.vals, l, c.target, g)
			}
		}
	}
}

// TestChartStartsWithData: periods before the first value are not drawn.
func TestChartStartsWithData(t *testing.T) {
	d := &kpi.Def{ID: "csat", Unit: "%"}
	t0 := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	var pts []kpi.Point
	for i := range 12 {
		p := kpi.Point{Period: kpi.Year.Add(t0, i)}
		if i >= 10 {
			p.Value = f(float64(50 + i))
		}
		pts = append(pts, p)
	}
	lines := Chart(style.New(true, true), d, pts, nil, kpi.Year, 60, 6)
	axis := ansi.Strip(lines[len(lines)-1])
	if !strings.Contains(axis, "2025") || strings.Contains(axis, "2015") {
		t.Errorf("axis %q: want it to start at 2025, the first year with a value", axis)
	}
}
