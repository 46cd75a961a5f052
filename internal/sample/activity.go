package sample

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// order is one row of orders.
type order struct {
	at       int64
	customer int32
	amount   float64
}

var (
	orderRate   = []float64{.75, .9, 1.25} // per active customer-month, by segment
	orderMedian = []float64{48, 85, 220}   // by segment
	orderPlan   = []float64{.85, 1, 1.25}  // amount factor, by plan
	orderFreq   = []float64{.9, 1, 1.15}   // frequency factor, by plan
)

func orderSeason(m time.Month) float64 {
	switch m {
	case time.November:
		return 1.35
	case time.December:
		return 1.55
	case time.January:
		return .85
	case time.February:
		return .9
	}
	return 1
}

// orderMonth draws the orders placed in month m, in order_date order.
// Enterprise buys less often per head but far bigger baskets; November and
// December are the peak.
func orderMonth(seed int64, cs []customer, cal calendar, m int) []order {
	r := newRand(seed, streamOrders+uint64(m))
	season := orderSeason(cal.moy[m])
	var out []order
	for i := range cs {
		cu := &cs[i]
		a, b, ok := cu.window(cal, m)
		if !ok {
			continue
		}
		lambda := orderRate[cu.segment] * orderFreq[cu.plan] * season * math.Exp(.1*cu.mood) *
			float64(b-a) / float64(cal.span(m))
		for range poisson(r, lambda) {
			median := orderMedian[cu.segment] * orderPlan[cu.plan]
			if cal.moy[m] == time.December {
				median *= 1.08
			}
			amount := max(4.99, math.Round(lognormal(r, median, .55)*100)/100)
			out = append(out, order{drawTime(r, a, b, &shoppingHours, 1.1), int32(i), amount})
		}
	}
	slices.SortFunc(out, func(x, y order) int {
		return cmp.Or(cmp.Compare(x.at, y.at), cmp.Compare(x.customer, y.customer))
	})
	return out
}

// survey is one row of surveys; zero responded and nps -1 are NULL.
type survey struct {
	sent      int64
	responded int64
	customer  int32
	nps       int32
}

var (
	surveyRate    = []float64{.48, .52, .6}  // surveys per active customer-month, by segment
	surveyAnswer  = []float64{.27, .31, .36} // response rate, by segment
	promoterBase  = []float64{.51, .55, .59} // by segment
	detractorBase = []float64{.17, .14, .10} // by segment
)

// surveyMonth draws the NPS surveys sent in month m, in sent_at order. About
// three in ten are answered, within a day or two; answers after End are not
// in yet. Surveys sent during and just after the incident score lower.
func surveyMonth(seed int64, cs []customer, cal calendar, m int) []survey {
	r := newRand(seed, streamSurveys+uint64(m))
	var hit float64
	switch {
	case cal.incident < 0:
	case m == cal.incident:
		hit = 1
	case m == cal.incident+1:
		hit = .5
	}
	end := cal.end()
	var out []survey
	for i := range cs {
		cu := &cs[i]
		a, b, ok := cu.window(cal, m)
		if !ok {
			continue
		}
		for range poisson(r, surveyRate[cu.segment]*float64(b-a)/float64(cal.span(m))) {
			s := survey{sent: drawTime(r, a, b, &officeHours, .2), customer: int32(i), nps: -1}
			if r.Float64() < surveyAnswer[cu.segment] {
				s.responded = s.sent + 60 + int64(min(14*24, lognormal(r, 8, 1))*secondsPerHour)
				if s.responded >= end {
					s.responded = 0
				}
			}
			if s.responded > 0 {
				s.nps = int32(npsScore(r, cu, hit))
			}
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(x, y survey) int {
		return cmp.Or(cmp.Compare(x.sent, y.sent), cmp.Compare(x.customer, y.customer))
	})
	return out
}

func npsScore(r *rand.Rand, cu *customer, hit float64) int {
	prom := promoterBase[cu.segment] + .07*cu.mood - .10*hit
	det := detractorBase[cu.segment] - .05*cu.mood + .09*hit
	switch cu.plan {
	case basic:
		prom -= .03
		det += .02
	case premium:
		prom += .04
	}
	if cu.region == apac {
		prom -= .06
		det += .05
	}
	prom, det = clamp(prom, .05, .9), clamp(det, .02, .6)
	x := r.Float64()
	switch {
	case x < prom:
		return 9 + weighted(r.Float64(), []float64{.45, .55})
	case x < prom+det:
		return weighted(r.Float64(), []float64{.03, .02, .04, .06, .1, .25, .5})
	default:
		return 7 + weighted(r.Float64(), []float64{.5, .5})
	}
}

// weighted maps a uniform draw onto weights that sum to 1.
func weighted(u float64, w []float64) int {
	for i, p := range w {
		if u < p {
			return i
		}
		u -= p
	}
	return len(w) - 1
}

// spendRow is one row of spend.
type spendRow struct {
	month  int64 // day number of the month start
	kind   uint8
	amount float64
}

var spendKinds = []string{"acquisition", "retention"}

// spendRows prices each month's new customers at a CAC that drifts between
// about 170 and 260 (dearer ads in Q4) and spends a few dollars per existing
// customer on retention, more after the incident to win customers back.
func spendRows(seed int64, cs []customer, cal calendar) []spendRow {
	r := newRand(seed, streamSpend)
	var out []spendRow
	for m := range cal.months() {
		var signups, active int
		for i := range cs {
			day := cs[i].signupDay * secondsPerDay
			switch {
			case day >= cal.start[m] && day < cal.start[m+1]:
				signups++
			case day < cal.start[m] && (cs[i].churnDay == 0 || cs[i].churnDay*secondsPerDay >= cal.start[m]):
				active++
			}
		}
		cac := 210 * (1 + .1*math.Sin(float64(m)/2)) * (1 + .04*r.NormFloat64())
		if mo := cal.moy[m]; mo == time.November || mo == time.December {
			cac *= 1.15
		}
		retention := 3.8 * (1 + .05*r.NormFloat64())
		if cal.incident >= 0 && (m == cal.incident+1 || m == cal.incident+2) {
			retention *= 1.6
		}
		day := cal.start[m] / secondsPerDay
		out = append(out,
			spendRow{day, 0, math.Round(cac*float64(signups)*100) / 100},
			spendRow{day, 1, math.Round(retention*float64(active)*100) / 100},
		)
	}
	return out
}
