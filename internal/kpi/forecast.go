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

// minPoints is the shortest history forecast: one point starts the
// level, the rest (at least five) choose the smoothing by their one-step
// errors. trendMinPoints is the shortest a trend is fitted to: AICc needs
// more residuals than the damped trend's five parameters and one.
const (
	minPoints      = 6
	trendMinPoints = 9
)

// predZ is the normal quantile of a two-sided 95% interval.
const predZ = 1.959963984540054

// dampings are the damped trend's factors tried; Holt's linear trend
// (φ = 1) is a candidate of its own, with one parameter fewer.
var dampings = []float64{0.8, 0.9, 0.98}

// Predict forecasts the h periods after y by exponential smoothing
// (Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 3rd ed.,
// chapter 8): simple exponential smoothing (a level, ETS(A,N,N)), or, from
// trendMinPoints values, a level and a trend when its AICc is lower: Holt's
// linear trend (ETS(A,A,N), four parameters) or a damped trend (ETS(A,Ad,N),
// φ a fifth). With two full seasonal
// cycles of m periods (m > 1), the seasonal naive method (each period as
// the same one a cycle earlier) replaces it when its in-sample errors from
// the second cycle on are smaller. Fewer than minPoints values give no
// forecast (ok false). Values and interval bounds are clamped to [lo, hi],
// what the KPI can take. docs/forecast.md has the backtest behind these
// choices.
func Predict(y []float64, m, h int, lo, hi float64) (Prediction, bool) {
	if h <= 0 || len(y) < minPoints {
		return Prediction{}, false
	}
	for _, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Prediction{}, false
		}
	}
	best := fitETS(y, nil)
	if len(y) >= trendMinPoints {
		// Holt's linear trend is charged its own four parameters (α, β and
		// the starting level and slope); the damped trend a fifth, φ. Charged
		// φ always, a trend lost to the level alone on 10–11 points however
		// clear it was (AICc's penalty grows fast near n − k − 1 = 0).
		for _, phis := range [][]float64{{1}, dampings} {
			if tr := fitETS(y, phis); tr.aicc() < best.aicc() {
				best = tr
			}
		}
	}
	p := best.predict(h)
	if m > 1 && len(y) >= 2*m {
		var sn, ets float64
		for t := m; t < len(y); t++ {
			d := y[t] - y[t-m]
			sn += d * d
			ets += best.resid[t] * best.resid[t]
		}
		if sn < ets {
			p, _ = SeasonalNaive(y, m, h)
		}
	}
	for i := range p.Value {
		p.Value[i] = clamp(p.Value[i], lo, hi)
		p.Low[i] = clamp(p.Low[i], lo, hi)
		p.High[i] = clamp(p.High[i], lo, hi)
	}
	return p, true
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// etsFit is an exponential smoothing model fitted to a series.
type etsFit struct {
	trend              bool
	alpha, beta, phi   float64
	level, slope       float64 // at the series' end
	resid              []float64
	sse                float64 // of the residuals from the third value on (both forms' common part)
	nres, params, nfit int
}

// fitETS fits simple exponential smoothing (phis nil) or a damped trend
// (φ in phis) by least squares of the one-step errors over a 0.05 grid of
// α, and β in the trend's component form, in (0, 1]; the smallest values on
// ties. The level starts at y₁; a trend starts at y₂ with slope y₂ − y₁.
// Each one-step error e = y − (ℓ + φb) updates ℓ ← ℓ + φb + αe and
// b ← φb + αβe.
func fitETS(y []float64, phis []float64) etsFit {
	trend := phis != nil
	run := func(a, b, phi float64) etsFit {
		f := etsFit{trend: trend, alpha: a, beta: b, phi: phi, resid: make([]float64, len(y))}
		start := 1
		f.level = y[0]
		if trend {
			f.level, f.slope, start = y[1], y[1]-y[0], 2
		}
		for t := start; t < len(y); t++ {
			e := y[t] - (f.level + phi*f.slope)
			f.resid[t] = e
			if t >= 2 {
				f.sse += e * e
			}
			f.level += phi*f.slope + a*e
			f.slope = phi*f.slope + a*b*e
		}
		return f
	}
	betas, ps := []float64{0}, []float64{0}
	if trend {
		betas, ps = nil, phis
		for j := 1; j <= 20; j++ {
			betas = append(betas, float64(j)/20)
		}
	}
	var best etsFit
	bestSSE := math.Inf(1)
	for i := 1; i <= 20; i++ {
		for _, b := range betas {
			for _, phi := range ps {
				f := run(float64(i)/20, b, phi)
				if sse := f.oneStepSSE(); sse < bestSSE*(1-1e-12) {
					best, bestSSE = f, sse
				}
			}
		}
	}
	best.nres = len(y) - 1
	best.params = 1 // α
	best.nfit = 2   // α and the starting level
	if trend {
		best.nres = len(y) - 2
		best.params = 2 // α, β
		best.nfit = 4   // and the starting level and slope
		if len(phis) > 1 {
			best.params++
			best.nfit++
		}
	}
	return best
}

// oneStepSSE is the squared one-step errors the fit is chosen by (every
// residual of its own form).
func (f etsFit) oneStepSSE() float64 {
	s := 0.0
	for _, e := range f.resid {
		s += e * e
	}
	return s
}

// aicc compares the two forms on their common residuals (from the third
// value on), Gaussian likelihood, every parameter and starting state
// counted.
func (f etsFit) aicc() float64 {
	n := float64(len(f.resid) - 2)
	k := float64(f.nfit)
	if n-k-1 <= 0 {
		return math.Inf(1)
	}
	return n*math.Log(math.Max(f.sse/n, 1e-300)) + 2*k + 2*k*(k+1)/(n-k-1)
}

// predict forecasts h periods: ℓ + (φ + … + φʰ)b, with the 95% interval
// ±1.96·σ_h, σ_h² = σ²(1 + Σ_{j<h} c_j²), c_j = α + αβ(φ + … + φʲ) (α alone
// without a trend; with φ = 1 this is Hyndman & Athanasopoulos' table 8.8
// form σ²[1 + (h−1)(α² + αβ′h + β′²h(2h−1)/6)], β′ = αβ), σ² the residuals'
// sum of squares over their number less the smoothing parameters.
func (f etsFit) predict(h int) Prediction {
	var p Prediction
	switch {
	case !f.trend:
		p.Method = fmt.Sprintf("simple exponential smoothing (α %.2f)", f.alpha)
	case f.phi == 1:
		p.Method = fmt.Sprintf("Holt's linear trend (α %.2f, β %.2f)", f.alpha, f.beta)
	default:
		p.Method = fmt.Sprintf("damped trend (α %.2f, β %.2f, φ %.2f)", f.alpha, f.beta, f.phi)
	}
	sigma2 := f.oneStepSSE() / float64(max(1, f.nres-f.params))
	ab := f.alpha * f.beta
	sum, pow := 0.0, 1.0 // φ + … + φʲ
	variance := 1.0      // 1 + Σ c_j²
	for j := 1; j <= h; j++ {
		pow *= f.phi
		sum += pow
		v := f.level
		if f.trend {
			v += sum * f.slope
		}
		half := predZ * math.Sqrt(sigma2*variance)
		p.Value = append(p.Value, v)
		p.Low = append(p.Low, v-half)
		p.High = append(p.High, v+half)
		c := f.alpha
		if f.trend {
			c += ab * sum
		}
		variance += c * c
	}
	return p
}

// SES forecasts h periods by simple exponential smoothing, as Predict
// does when it keeps no trend (no clamp).
func SES(y []float64, h int) (Prediction, bool) {
	if len(y) < minPoints || h <= 0 {
		return Prediction{}, false
	}
	return fitETS(y, nil).predict(h), true
}

// Holt forecasts h periods by Holt's linear trend (φ = 1), the trend form
// Predict may choose (no clamp).
func Holt(y []float64, h int) (Prediction, bool) {
	if len(y) < minPoints || h <= 0 {
		return Prediction{}, false
	}
	return fitETS(y, []float64{1}).predict(h), true
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
