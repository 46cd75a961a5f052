package sample

import (
	"math"
	"math/rand/v2"
)

// Every table draws from its own PCG stream, and the monthly tables from one
// stream per month, so that changing one table's size (TicketRows) never moves
// the numbers of another and months can be generated independently.
const (
	streamCustomers uint64 = 1 << 32 * (iota + 1)
	streamOrders
	streamSurveys
	streamTickets
	streamSpend
	// The support-operations story (support.go): the sweep's closings per
	// month, the reopens per month, and Billing's queue per weekend.
	streamSupport
	streamReopens
	streamWeekends
)

func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

// lognormal draws a positive value with the given median; the mean is
// median·exp(σ²/2), which is what makes resolution times skewed.
func lognormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// pick returns an index drawn with the given (unnormalised) weights.
func pick(r *rand.Rand, weights []float64) int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	x := r.Float64() * sum
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// poisson draws a count with mean lambda (Knuth for small means, a rounded
// normal for large ones, where the exact shape no longer shows).
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
	limit, p, k := math.Exp(-lambda), 1.0, 0
	for {
		p *= r.Float64()
		if p <= limit {
			return k
		}
		k++
	}
}

func clamp(x, lo, hi float64) float64 { return min(hi, max(lo, x)) }

// apportion splits total into len(weights) integer parts proportional to the
// weights, largest remainder first, so the parts always sum to total exactly.
func apportion(total int, weights []float64) []int {
	out := make([]int, len(weights))
	var sum float64
	for _, w := range weights {
		sum += w
	}
	if total <= 0 || sum <= 0 {
		return out
	}
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, len(weights))
	given := 0
	for i, w := range weights {
		exact := float64(total) * w / sum
		out[i] = int(exact)
		given += out[i]
		rems[i] = rem{i, exact - float64(out[i])}
	}
	// Insertion sort keeps ties in index order; the slices are month-sized.
	for i := 1; i < len(rems); i++ {
		for j := i; j > 0 && rems[j].f > rems[j-1].f; j-- {
			rems[j], rems[j-1] = rems[j-1], rems[j]
		}
	}
	for k := 0; given < total; k = (k + 1) % len(rems) {
		out[rems[k].i]++
		given++
	}
	return out
}

const (
	secondsPerHour = 3600
	secondsPerDay  = 86400
)

// Hour-of-day activity: people write to support and answer surveys in office
// hours, and buy in the evening too.
var (
	officeHours = [24]float64{
		.12, .1, .1, .1, .12, .18, .3, .5, .8, 1, 1, 1,
		.95, 1, 1, 1, .95, .8, .6, .5, .45, .4, .3, .18,
	}
	shoppingHours = [24]float64{
		.15, .1, .08, .06, .06, .1, .2, .35, .5, .6, .7, .75,
		.85, .8, .75, .75, .8, .85, .95, 1, 1, .9, .6, .3,
	}
)

// weekday returns 0 for Sunday … 6 for Saturday; 1970-01-01 was a Thursday.
func weekday(unix int64) int { return int((unix/secondsPerDay + 4) % 7) }

// drawTime draws a second in [a, b) shaped by the hour profile and quieter
// weekends; rejection sampling keeps it exact for windows of any length.
func drawTime(r *rand.Rand, a, b int64, hours *[24]float64, weekend float64) int64 {
	var t int64
	for range 64 {
		t = a + r.Int64N(b-a)
		w := hours[(t%secondsPerDay)/secondsPerHour]
		if d := weekday(t); d == 0 || d == 6 {
			w *= weekend
		}
		if r.Float64() < w {
			return t
		}
	}
	return t
}
