package kpi_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

func wantSeries(t *testing.T, what string, got, exp []float64) {
	t.Helper()
	if len(got) != len(exp) {
		t.Fatalf("%s: %v, want %v", what, got, exp)
	}
	for i := range got {
		if math.Abs(got[i]-exp[i]) > 1e-9*math.Max(1, math.Abs(exp[i])) {
			t.Errorf("%s[%d]: %v, want %v (all: %v)", what, i, got[i], exp[i], got)
		}
	}
}

// A perfectly linear series of 10 points: Holt's linear trend has no
// one-step error whatever α and β, so its AICc beats the level alone, and
// it forecasts the line, 30, 32, 34, with intervals of no width.
func TestForecastOfALine(t *testing.T) {
	y := []float64{12, 14, 16, 18, 20, 22, 24, 26, 28}
	y = append([]float64{10}, y...)
	p, ok := kpi.Predict(y, 12, 3, math.Inf(-1), math.Inf(1))
	if !ok {
		t.Fatal("no forecast from 10 points")
	}
	wantSeries(t, "value", p.Value, []float64{30, 32, 34})
	wantSeries(t, "low", p.Low, []float64{30, 32, 34})
	wantSeries(t, "high", p.High, []float64{30, 32, 34})
	if p.Method != "Holt's linear trend (α 0.05, β 0.05)" {
		t.Errorf("method %q", p.Method)
	}
	// eight points are too few to fit a trend: the level alone, α 1 (each
	// forecast the last value, 2 below the next)
	p, _ = kpi.Predict(y[:8], 12, 3, math.Inf(-1), math.Inf(1))
	if p.Method != "simple exponential smoothing (α 1.00)" {
		t.Errorf("8 points: method %q", p.Method)
	}
	wantSeries(t, "8 points", p.Value, []float64{24, 24, 24})
}

// A constant series forecasts itself, with no trend (a tie keeps the
// level alone).
func TestForecastOfAConstant(t *testing.T) {
	p, ok := kpi.Predict([]float64{50, 50, 50, 50, 50, 50, 50, 50, 50, 50}, 12, 3, 0, 100)
	if !ok {
		t.Fatal("no forecast from 10 points")
	}
	wantSeries(t, "value", p.Value, []float64{50, 50, 50})
	wantSeries(t, "low", p.Low, []float64{50, 50, 50})
	if !strings.HasPrefix(p.Method, "simple exponential smoothing") {
		t.Errorf("method %q", p.Method)
	}
}

// Five points are too few (one starts the level, five more choose α): no
// forecast.
func TestNoForecastFromAShortSeries(t *testing.T) {
	if _, ok := kpi.Predict([]float64{1, 2, 3, 4, 5}, 12, 3, 0, 100); ok {
		t.Error("Predict forecast 5 points")
	}
	if _, ok := kpi.Predict([]float64{1, 2, 3, 4, 5, 6}, 12, 3, 0, 100); !ok {
		t.Error("Predict made no forecast from 6 points")
	}
}

// y = 0, 1, 2, 3, 4, 5, 7: the level starts at 1 and the trend at 1, and
// the one-step forecasts are exact until the last point, one above its
// forecast of 6. Every (α, β) has the same squared error, 1, so the first
// of the grid wins: α = β = 0.05. Then ℓ = 5 + 1 + 0.05·1 = 6.05 and
// b = 1 + 0.05·0.05·1 = 1.0025: forecasts 7.0525, 8.055, 9.0575. σ² = 1 /
// (5 errors − 2 parameters) = 1/3; with β′ = αβ = 0.0025,
// σ²_h = σ²[1 + (h−1)(α² + αβ′h + β′²h(2h−1)/6)]:
// h=1: 1/3; h=2: 1.00275625/3; h=3: 1.00578125/3.
func TestHoltIntervalsHandWorked(t *testing.T) {
	p, ok := kpi.Holt([]float64{0, 1, 2, 3, 4, 5, 7}, 3)
	if !ok {
		t.Fatal("no forecast")
	}
	if p.Method != "Holt's linear trend (α 0.05, β 0.05)" {
		t.Errorf("method %q", p.Method)
	}
	wantSeries(t, "value", p.Value, []float64{7.0525, 8.055, 9.0575})
	z := 1.959963984540054
	half := []float64{z * math.Sqrt(1.0/3), z * math.Sqrt(1.00275625/3), z * math.Sqrt(1.00578125/3)}
	wantSeries(t, "low", p.Low, []float64{7.0525 - half[0], 8.055 - half[1], 9.0575 - half[2]})
	wantSeries(t, "high", p.High, []float64{7.0525 + half[0], 8.055 + half[1], 9.0575 + half[2]})
}

// Two full years of quarters: the seasonal naive method repeats the last
// year (12, 22, 32); every error y_t − y_{t−4} is 2, so σ = 2 and the
// interval is ±1.96·2 within a cycle, ±1.96·2·√2 in the next.
func TestSeasonalNaiveWithTwoCycles(t *testing.T) {
	y := []float64{10, 20, 30, 40, 12, 22, 32, 42}
	p, ok := kpi.Predict(y, 4, 5, math.Inf(-1), math.Inf(1))
	if !ok || !strings.HasPrefix(p.Method, "seasonal naive") {
		t.Fatalf("ok %v, method %q", ok, p.Method)
	}
	z := 1.959963984540054
	wantSeries(t, "value", p.Value, []float64{12, 22, 32, 42, 12})
	wantSeries(t, "low", p.Low, []float64{12 - 2*z, 22 - 2*z, 32 - 2*z, 42 - 2*z, 12 - 2*z*math.Sqrt2})
	// one cycle short of two: exponential smoothing instead
	if p, _ := kpi.Predict(y[1:], 4, 3, math.Inf(-1), math.Inf(1)); strings.HasPrefix(p.Method, "seasonal") {
		t.Errorf("7 quarters: method %q", p.Method)
	}
}

// A proportion heading below 0 is clamped at 0, intervals too.
func TestForecastClamped(t *testing.T) {
	p, ok := kpi.Predict([]float64{45, 40, 35, 30, 25, 20, 15, 10, 5, 0}, 12, 3, 0, 100)
	if !ok {
		t.Fatal("no forecast")
	}
	wantSeries(t, "value", p.Value, []float64{0, 0, 0})
	wantSeries(t, "high", p.High, []float64{0, 0, 0})
}

// forecastFixture: CSAT of 10 answers a month, 1 to 9 top-2-box from
// January to September 2026 (10% … 90%, +10 points a month), and 10
// answers on 1–5 October, none top-2-box.
const forecastFixture = `
CREATE TABLE tickets (ticket_id VARCHAR, customer_id VARCHAR, channel VARCHAR, priority VARCHAR,
  created_at TIMESTAMP, first_response_at TIMESTAMP, resolved_at TIMESTAMP, contacts INTEGER, csat INTEGER, ces INTEGER);
INSERT INTO tickets SELECT 'a' || i, 'A1', 'chat', 'low', TIMESTAMP '2026-01-10' + INTERVAL (i // 10) MONTH, NULL,
  TIMESTAMP '2026-01-10' + INTERVAL (i // 10) MONTH, 1, CASE WHEN i % 10 < i // 10 + 1 THEN 5 ELSE 1 END, NULL FROM range(90) t(i);
INSERT INTO tickets SELECT 'b' || i, 'A1', 'chat', 'low', TIMESTAMP '2026-10-01' + INTERVAL (i % 5) DAY, NULL,
  TIMESTAMP '2026-10-01' + INTERVAL (i % 5) DAY, 1, 1, NULL FROM range(10) t(i);
`

// TestTrendForecast: October (to 5 Oct) is partial, so the forecast starts
// from September's 90% and the nine full months (the empty months before
// January left out): Holt's line gives October 100%, November 110% and
// December 120%, clamped to 100%.
func TestTrendForecast(t *testing.T) {
	eng := fixtureEngine(t, forecastFixture, 80)
	sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}, []string{"csat"})
	if err != nil {
		t.Fatal(err)
	}
	r := sc.Find("csat")
	if !r.Total.Partial {
		t.Fatal("October is not partial")
	}
	f := r.Forecast
	if f == nil || len(f.Points) != 3 {
		t.Fatalf("forecast %+v, want 3 points", f)
	}
	for i, exp := range []float64{100, 100, 100} {
		pt := f.Points[i]
		if wantP := oct.AddDate(0, i, 0); !pt.Period.Equal(wantP) {
			t.Errorf("point %d: period %v, want %v", i, pt.Period, wantP)
		}
		want(t, "forecast", &pt.Value, exp)
		want(t, "low", &pt.Low, exp)
		want(t, "high", &pt.High, exp)
	}
	// Viewing June, the trend holds six full months (January–June): still
	// enough; viewing May (five months), none.
	for _, c := range []struct {
		period time.Time
		ok     bool
	}{{oct.AddDate(0, -4, 0), true}, {oct.AddDate(0, -5, 0), false}} {
		sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: kpi.Month, Period: c.period, Compare: kpi.VsPrevious}, []string{"csat"})
		if err != nil {
			t.Fatal(err)
		}
		if got := sc.Find("csat").Forecast != nil; got != c.ok {
			t.Errorf("trend to %s: forecast %v, want %v", c.period.Format("Jan"), got, c.ok)
		}
	}
}

// Monthly tickets growing by about 20 a month (the reviewer's fixture
// /tmp/rev12/tr): over 10 and 11 points Holt's linear trend must be
// followed. Worked apart from the engine (a Python replica of the same grid
// and AICc): at 10 points the level alone (α 1, a flat 201) has AICc 54.39
// and Holt's trend (α 0.80, β 0.45) 50.61 with its four parameters; charged
// a damping parameter as well, as before, it had 69.28 and lost. Its
// forecast: ℓ + hb = 221.70, 241.36, 261.03. At 11 points: 59.70 against
// 50.23 (62.23 with φ charged), α 0.85, β 0.45, 236.77, 255.04, 273.32.
func TestForecastFollowsAClearTrendOnShortSeries(t *testing.T) {
	y := []float64{17, 44, 56, 79, 96, 122, 142, 162, 185, 201, 218}
	for _, c := range []struct {
		n      int
		method string
		value  []float64
	}{
		{10, "Holt's linear trend (α 0.80, β 0.45)", []float64{221.696, 241.363, 261.030}},
		{11, "Holt's linear trend (α 0.85, β 0.45)", []float64{236.773, 255.044, 273.316}},
	} {
		p, ok := kpi.Predict(y[:c.n], 12, 3, 0, math.Inf(1))
		if !ok {
			t.Fatalf("%d points: no forecast", c.n)
		}
		if p.Method != c.method {
			t.Errorf("%d points: method %q, want %q", c.n, p.Method, c.method)
		}
		for i := range c.value {
			if i >= len(p.Value) || math.Abs(p.Value[i]-c.value[i]) > 0.001 {
				t.Errorf("%d points: forecast %v, want %v", c.n, p.Value, c.value)
				break
			}
		}
	}
}
