package pane

import (
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

// TestForecastCaptionNamesItsMethod: where the method's full name does not
// fit (the detail pane's 55 cells at 120 columns, 80 × 24's narrower
// one), the caption still names it, by its short name; where it fits, in
// full.
func TestForecastCaptionNamesItsMethod(t *testing.T) {
	d := &kpi.Def{ID: "csat", Unit: "%", Decimals: 1, Better: kpi.Higher}
	p := kpi.ForecastPoint{Period: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Value: 81.6, Low: 74.2, High: 89.0}
	for _, c := range []struct {
		method string
		w      int
		want   string
	}{
		{"simple exponential smoothing (α 0.05)", 55, "╌ forecast (SES) Nov 2026 81.6% (95%: 74.2–89.0)"},
		{"Holt's linear trend (α 0.80, β 0.45)", 55, "╌ forecast (Holt) Nov 2026 81.6% (95%: 74.2–89.0)"},
		{"damped trend (α 0.85, β 0.30, φ 0.98)", 36, "╌ forecast (damped trend) Nov 2026 …"},
		{"simple exponential smoothing (α 0.05)", 90, "╌ forecast Nov 2026 81.6% (95%: 74.2–89.0) · simple exponential smoothing (α 0.05)"},
	} {
		if got := forecastCaption(d, kpi.Month, c.method, p, c.w); got != c.want {
			t.Errorf("%s at %d: %q, want %q", c.method, c.w, got, c.want)
		}
	}
}

// TestChartForecastsThePartialPeriod: a quarterly trend whose last quarter
// (Q4 2026) is partial, at 50% so far, and a forecast from Q4 2026 (the
// first after the last full quarter) to Q2 2027. The chart draws Q4's
// forecast, where the quarter ends, as a dashed line of its own from Q3,
// beside the value so far (kept solid: the axis reaches down to 50%), and
// the caption names that same first point: Q4 2026 at 81%, not Q1 2027.
func TestChartForecastsThePartialPeriod(t *testing.T) {
	d := &kpi.Def{ID: "csat", Unit: "%", Decimals: 0, Better: kpi.Higher}
	q := func(i int) time.Time { return kpi.Quarter.Add(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), i) }
	var pts []kpi.Point
	for i, v := range []float64{80, 82, 79, 50} {
		pts = append(pts, kpi.Point{Period: q(i), Value: f(v)})
	}
	fc := &kpi.Forecast{Method: "simple exponential smoothing (α 0.50)", Points: []kpi.ForecastPoint{
		{Period: q(3), Value: 81, Low: 80, High: 82},
		{Period: q(4), Value: 81, Low: 79, High: 83},
		{Period: q(5), Value: 81, Low: 79, High: 83},
	}}
	lines := strip(ChartWith(style.New(true, true), d, pts, nil, kpi.Quarter, 60, 12, ChartExtras{Forecast: fc}))
	all := strings.Join(lines, "\n")
	if c := lines[len(lines)-1]; !strings.HasPrefix(c, "╌ forecast (SES) Q4 2026 81%") {
		t.Errorf("caption %q, want Q4 2026's forecast first\n%s", c, all)
	}
	if axis := lines[len(lines)-2]; !strings.HasSuffix(axis, "Q2 2027") {
		t.Errorf("axis %q, want it to end at the forecast's Q2 2027", axis)
	}
	if !strings.Contains(all, "50%┤") || !strings.Contains(all, "╰╴") {
		t.Errorf("the partial quarter's 50%% so far is not plotted:\n%s", all)
	}
	// The forecast's own line runs dashed on from Q3's row (79%).
	if !hasLine(lines, "79%") || !strings.Contains(lineOf(lines, "79%"), "╮╌╌") {
		t.Errorf("no dashed forecast from Q3 on:\n%s", all)
	}
}

// TestChartTargetOverForecastBand: a band 80–89 around a forecast of 86,
// whose lower edge runs along
// the target (80); the row keeps the target's line whole, its dots
// only above and below it.
func TestChartTargetOverForecastBand(t *testing.T) {
	d := &kpi.Def{ID: "csat", Unit: "%", Decimals: 0, Better: kpi.Higher}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var pts []kpi.Point
	for i, v := range []float64{70, 90, 72, 88, 75, 85} {
		pts = append(pts, kpi.Point{Period: kpi.Month.Add(t0, i), Value: f(v)})
	}
	fc := &kpi.Forecast{Method: "simple exponential smoothing (α 0.50)"}
	for i := 6; i < 9; i++ {
		fc.Points = append(fc.Points, kpi.ForecastPoint{Period: kpi.Month.Add(t0, i), Value: 86, Low: 80, High: 89})
	}
	lines := strip(ChartWith(style.New(true, true), d, pts, &kpi.Goal{Value: 80}, kpi.Month, 70, 14, ChartExtras{Forecast: fc}))
	all := strings.Join(lines, "\n")
	dots := false
	for _, l := range lines {
		if strings.Contains(l, "·") {
			dots = true
		}
		if strings.HasSuffix(l, "target ≥ 80%") && strings.Contains(l, "·") {
			t.Errorf("the band's dots over the target's line: %q\n%s", l, all)
		}
	}
	if !dots {
		t.Fatalf("no band drawn:\n%s", all)
	}
}

// TestChartTitleNamesTheForecast: the title's periods end where the
// history does, and the axis at the forecast's end, so the title says
// "+ forecast" (to its end where it fits); a chart too short for the
// forecast's caption names the method in its title (80 × 24's pane of 43).
func TestChartTitleNamesTheForecast(t *testing.T) {
	nov, oct := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	fc := &kpi.Forecast{Method: "simple exponential smoothing (α 0.05)"}
	for i := 1; i <= 3; i++ {
		fc.Points = append(fc.Points, kpi.ForecastPoint{Period: oct.AddDate(0, i, 0), Value: 80})
	}
	d := Detail{Def: &kpi.Def{ID: "csat"}, Grain: kpi.Month, Result: &kpi.Result{Forecast: fc}}
	for _, c := range []struct {
		caption bool
		w       int
		want    string
	}{
		{true, 70, "Monthly trend · Nov 2025 – Oct 2026 + forecast to Jan 2027"},
		{true, 55, "Monthly trend · Nov 2025 – Oct 2026 + forecast"},
		{false, 43, "Trend · Nov 2025 – Oct 2026 + SES forecast"},
	} {
		if got := chartTitle(d, nov, oct, c.caption, c.w); got != c.want {
			t.Errorf("w %d caption %v: %q, want %q", c.w, c.caption, got, c.want)
		}
	}
	d.Result.Forecast = nil
	if got := chartTitle(d, nov, oct, true, 55); got != "Monthly trend · Nov 2025 – Oct 2026" {
		t.Errorf("no forecast: %q", got)
	}
}

func lineOf(lines []string, prefix string) string {
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return l
		}
	}
	return ""
}
