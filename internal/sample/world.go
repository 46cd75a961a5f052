package sample

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Labels of the categorical columns; the generator stores indexes and the
// Parquet files get these strings.
var (
	segments = []string{"Consumer", "SMB", "Enterprise"}
	regions  = []string{"EMEA", "North America", "APAC", "LATAM"}
	plans    = []string{"Basic", "Pro", "Premium"}
	acqChans = []string{"Organic", "Paid search", "Referral", "Partner"}
)

const (
	consumer, smb, enterprise = 0, 1, 2
	apac                      = 2
	basic, pro, premium       = 0, 1, 2
	paidSearch, referral      = 1, 2
	partner                   = 3
)

// calendar is the covered window: months whole months ending just before End.
type calendar struct {
	start    []int64 // unix second of each month start; len months+1, the last is End
	moy      []time.Month
	incident int // month index of the incident, -1 when outside the window
}

func newCalendar(end time.Time, months int) calendar {
	c := calendar{start: make([]int64, months+1), moy: make([]time.Month, months), incident: months - 8}
	for m := 0; m <= months; m++ {
		t := end.AddDate(0, m-months, 0)
		c.start[m] = t.Unix()
		if m < months {
			c.moy[m] = t.Month()
		}
	}
	if c.incident < 0 {
		c.incident = -1
	}
	return c
}

func (c calendar) months() int      { return len(c.moy) }
func (c calendar) end() int64       { return c.start[len(c.moy)] }
func (c calendar) span(m int) int64 { return c.start[m+1] - c.start[m] }

// incidentLevel is how hard the March incident hits work created at t: full
// strength from the 2nd to the 18th, then easing off as the backlog clears, so
// the damage shows in the incident month rather than leaking into the next.
func (c calendar) incidentLevel(t int64) float64 {
	if c.incident < 0 || t < c.start[c.incident] || t >= c.start[c.incident+1] {
		return 0
	}
	day := float64(t-c.start[c.incident]) / secondsPerDay
	switch {
	case day < 1:
		return day
	case day < 18:
		return 1
	default:
		return max(0, 1-(day-18)/9)
	}
}

type customer struct {
	signupDay int64 // days since 1970-01-01
	churnDay  int64 // 0 while active; first day no longer a customer
	segment   uint8
	region    uint8
	plan      uint8
	channel   uint8
	mood      float64 // latent happiness: better NPS, fewer tickets, less churn
}

// window returns the seconds of month m during which the customer was active.
func (cu *customer) window(cal calendar, m int) (a, b int64, ok bool) {
	a = max(cal.start[m], cu.signupDay*secondsPerDay)
	b = cal.start[m+1]
	if cu.churnDay > 0 {
		b = min(b, cu.churnDay*secondsPerDay)
	}
	return a, b, b > a
}

var (
	segmentMix = []float64{.55, .33, .12}
	regionMix  = []float64{.35, .38, .17, .10}
	planMix    = [3][]float64{ // by segment
		{.62, .29, .09},
		{.36, .44, .20},
		{.12, .40, .48},
	}
	channelMix = [3][]float64{ // by segment
		{.38, .34, .22, .06},
		{.34, .28, .20, .18},
		{.22, .12, .20, .46},
	}
	planChurn    = []float64{.016, .0085, .005}
	segmentChurn = []float64{1.1, .9, .45}
	channelChurn = []float64{1, 1.2, .8, .85}
)

// baseShare is the part of the customers already signed up before the window.
const baseShare = .35

// newCustomers draws the customer base: a third already active when the window
// opens, the rest signing up month by month in growing numbers, and each
// customer's churn from a monthly hazard by plan, segment and channel.
// The result is in customer_id order (by signup date).
func newCustomers(seed int64, n int, cal calendar) []customer {
	r := newRand(seed, streamCustomers)
	months := cal.months()
	startDay := cal.start[0] / secondsPerDay
	base := int(math.Round(float64(n) * baseShare))
	growth := make([]float64, months)
	for m := range growth {
		growth[m] = math.Pow(1.03, float64(m)) * signupSeason(cal.moy[m])
	}
	perMonth := apportion(n-base, growth)

	cs := make([]customer, 0, n)
	for range base {
		back := 1 + int64(1094*math.Pow(r.Float64(), 1.5))
		cs = append(cs, newCustomer(r, startDay-back))
	}
	for m, k := range perMonth {
		first, days := cal.start[m]/secondsPerDay, cal.span(m)/secondsPerDay
		for range k {
			cs = append(cs, newCustomer(r, first+r.Int64N(days)))
		}
	}
	slices.SortStableFunc(cs, func(a, b customer) int { return int(a.signupDay - b.signupDay) })

	for i := range cs {
		churn(r, &cs[i], cal)
	}
	return cs
}

func newCustomer(r *rand.Rand, signup int64) customer {
	seg := pick(r, segmentMix)
	return customer{
		signupDay: signup,
		segment:   uint8(seg),
		region:    uint8(pick(r, regionMix)),
		plan:      uint8(pick(r, planMix[seg])),
		channel:   uint8(pick(r, channelMix[seg])),
		mood:      r.NormFloat64(),
	}
}

func signupSeason(m time.Month) float64 {
	switch m {
	case time.January:
		return 1.15
	case time.August:
		return .85
	case time.November, time.December:
		return 1.1
	}
	return 1
}

// churn walks the customer's months and draws the month, then the day, they
// leave. New customers churn more in their first quarter; the month after the
// incident loses more customers than usual.
func churn(r *rand.Rand, cu *customer, cal calendar) {
	h := planChurn[cu.plan] * segmentChurn[cu.segment] * channelChurn[cu.channel] * math.Exp(-.3*cu.mood)
	for m := range cal.months() {
		a, b, ok := cu.window(cal, m)
		if !ok {
			continue
		}
		first := max(a/secondsPerDay, cu.signupDay+1)
		last := b / secondsPerDay // exclusive
		if first >= last {
			continue
		}
		p := h * float64(last-first) * secondsPerDay / float64(cal.span(m))
		if a/secondsPerDay-cu.signupDay < 90 {
			p *= 1.4
		}
		switch {
		case cal.incident < 0:
		case m == cal.incident:
			p *= 1.2
		case m == cal.incident+1:
			p *= 1.5
		}
		if r.Float64() < p {
			cu.churnDay = first + r.Int64N(last-first)
			return
		}
	}
}
