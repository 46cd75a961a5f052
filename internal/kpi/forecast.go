package kpi

import (
	"fmt"
	"math"
)

// Forecasting a KPI's trend: pure functions over a series of full periods'
// values, oldest first. docs/forecast.md gives the methods, their intervals,
// when no forecast is made, and a backtest against the naive forecast.

// Prediction is a series' forecast for the next periods, with 95%
// prediction intervals.
type Prediction struct {
	Method           string
	Value, Low, High []float64
}

// holtMinPoints is the shortest history Holt's method is fitted to: two
// points start the level and trend, the rest (at least four) choose α and β
// by their one-step errors.
const holtMinPoints = 6

// predZ is the normal quantile of a two-sided 95% interval.
const predZ = 1.959963984540054

// Predict forecasts the h periods after y. With at least two full seasonal
// cycles of m periods (m > 1) it uses the seasonal naive method (each
// period as the same one a cycle earlier); otherwise Holt's linear trend
// when y has at least holtMinPoints values; otherwise nothing (ok false).
// Values and interval bounds are clamped to [lo, hi], what the KPI can take.
func Predict(y []float64, m, h int, lo, hi float64) (Prediction, bool) {
	for _, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Prediction{}, false
		}
	}
	var p Prediction
	var ok bool
	switch {
	case h <= 0:
		return Prediction{}, false
	case m > 1 && len(y) >= 2*m:
		p, ok = SeasonalNaive(y, m, h)
	default:
		p, ok = Holt(y, h)
	}
	if !ok {
		return Prediction{}, false
	}
	for i := range p.Value {
		p.Value[i] = clamp(p.Value[i], lo, hi)
		p.Low[i] = clamp(p.Low[i], lo, hi)
		p.High[i] = clamp(p.High[i], lo, hi)
	}
	return p, true
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// Holt forecasts h periods with Holt's linear trend (additive errors,
// ETS(A,A,N)): level ℓ and trend b start at ℓ = y₂, b = y₂ − y₁; each
// later period's one-step error e = y − (ℓ + b) updates ℓ ← ℓ + b + αe and
// b ← b + αβe (β the trend's smoothing in the component form). α and β are
// the pair of a 0.05 grid over (0, 1] with the least sum of squared
// one-step errors (the smallest pair on ties). The h-step 95% interval is
// ±1.96·σ_h with σ_h² = σ²[1 + (h−1)(α² + αβ′h + β′²h(2h−1)/6)], β′ = αβ
// (Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 3rd ed.,
// section 8.7, table 8.8), σ² the one-step errors' sum of squares over
// their number less the two fitted parameters.
func Holt(y []float64, h int) (Prediction, bool) {
	n := len(y)
	if n < holtMinPoints || h <= 0 {
		return Prediction{}, false
	}
	run := func(alpha, beta float64) (level, trend, sse float64) {
		level, trend = y[1], y[1]-y[0]
		for t := 2; t < n; t++ {
			e := y[t] - (level + trend)
			sse += e * e
			level += trend + alpha*e
			trend += alpha * beta * e
		}
		return level, trend, sse
	}
	bestA, bestB, best := 0.0, 0.0, math.Inf(1)
	for i := 1; i <= 20; i++ {
		for j := 1; j <= 20; j++ {
			a, b := float64(i)/20, float64(j)/20
			if _, _, sse := run(a, b); sse < best*(1-1e-12) {
				bestA, bestB, best = a, b, sse
			}
		}
	}
	level, trend, sse := run(bestA, bestB)
	sigma2 := sse / float64(max(1, n-2-2))
	bp := bestA * bestB
	p := Prediction{Method: fmt.Sprintf("Holt's linear trend (α %.2f, β %.2f)", bestA, bestB)}
	for k := 1; k <= h; k++ {
		hf := float64(k)
		v := level + hf*trend
		vh := sigma2 * (1 + (hf-1)*(bestA*bestA+bestA*bp*hf+bp*bp*hf*(2*hf-1)/6))
		half := predZ * math.Sqrt(vh)
		p.Value = append(p.Value, v)
		p.Low = append(p.Low, v-half)
		p.High = append(p.High, v+half)
	}
	return p, true
}

// SeasonalNaive forecasts h periods as the same periods one cycle of m
// earlier; it needs two full cycles (2m values), the second giving the
// errors y_t − y_{t−m} whose mean square is σ². The h-step 95% interval is
// ±1.96·σ·√(k+1), k the whole cycles in h − 1 (Hyndman & Athanasopoulos,
// section 5.5).
func SeasonalNaive(y []float64, m, h int) (Prediction, bool) {
	n := len(y)
	if m < 2 || n < 2*m || h <= 0 {
		return Prediction{}, false
	}
	var sse float64
	for t := m; t < n; t++ {
		e := y[t] - y[t-m]
		sse += e * e
	}
	sigma := math.Sqrt(sse / float64(n-m))
	p := Prediction{Method: fmt.Sprintf("seasonal naive (each period as %d periods earlier)", m)}
	for k := 1; k <= h; k++ {
		cycles := (k-1)/m + 1
		v := y[n+k-m*cycles-1]
		half := predZ * sigma * math.Sqrt(float64(cycles))
		p.Value = append(p.Value, v)
		p.Low = append(p.Low, v-half)
		p.High = append(p.High, v+half)
	}
	return p, true
}
