package kpi_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
)

// shareDef is a top-2-box proportion in % (CSAT's form).
func shareDef() *kpi.Def {
	return &kpi.Def{ID: "csat", Name: "CSAT", Type: kpi.Ratio, Numerator: "count(*) FILTER (WHERE csat >= 4)",
		Denominator: "count(csat)", Scale: 100, Unit: "%", Decimals: 1, Better: kpi.Higher, Time: "resolved_at"}
}

func comps(num, den float64) map[string]float64 { return map[string]float64{"num": num, "den": den} }

// row is a breakdown row with its components now and in the comparison
// period (nil: no rows there).
func row(seg string, now, before map[string]float64) kpi.Row {
	r := kpi.Row{Segment: seg, Point: kpi.Point{Components: now}, Compare: &kpi.Point{Components: before}}
	return r
}

// explainResult is the hand-worked example of TestDecomposeHandWorked:
//
//	          Sep (comparison)        Oct (current)
//	chat      40 of 50 = 80%, w .5    36 of 40 = 90%, w .4
//	email     18 of 30 = 60%, w .3    30 of 40 = 75%, w .4
//	sms       —                       10 of 20 = 50%, w .2   (appeared)
//	fax       10 of 20 = 50%, w .2    —                      (vanished)
//	total     68 of 100 = 68%         76 of 100 = 76%        Δ +8 pts, R̄ 72
func explainResult() *kpi.Result {
	return &kpi.Result{
		Def:   shareDef(),
		Total: kpi.Row{Total: true, Point: kpi.Point{Components: comps(76, 100)}, Compare: &kpi.Point{Components: comps(68, 100)}, CompareTo: "Sep 2026", PeriodName: "Oct 2026"},
		Segments: []kpi.Row{
			row("chat", comps(36, 40), comps(40, 50)),
			row("email", comps(30, 40), comps(18, 30)),
			row("sms", comps(10, 20), nil),
		},
		Vanished: []kpi.Row{row("fax", nil, comps(10, 20))},
	}
}

type wantContribution struct {
	seg                     string
	mix, rate, contribution float64
	appeared, vanished      bool
	other                   bool
}

func checkDecomposition(t *testing.T, dec *kpi.Decomposition, delta float64, want []wantContribution) {
	t.Helper()
	if math.Abs(dec.Delta-delta) > 1e-9 {
		t.Errorf("delta %v, want %v", dec.Delta, delta)
	}
	sum := 0.0
	for _, c := range dec.Rows {
		sum += c.Contribution
		if math.Abs(c.Mix+c.Rate-c.Contribution) > 1e-12 {
			t.Errorf("%s: mix %v + rate %v ≠ contribution %v", c.Segment, c.Mix, c.Rate, c.Contribution)
		}
	}
	if math.Abs(sum-dec.Delta) > 1e-9 {
		t.Errorf("Σ contributions %v ≠ Δ %v", sum, dec.Delta)
	}
	if len(dec.Rows) != len(want) {
		t.Fatalf("%d rows %+v, want %d", len(dec.Rows), dec.Rows, len(want))
	}
	for i, w := range want {
		c := dec.Rows[i]
		if c.Segment != w.seg || math.Abs(c.Mix-w.mix) > 1e-9 || math.Abs(c.Rate-w.rate) > 1e-9 || math.Abs(c.Contribution-w.contribution) > 1e-9 ||
			c.Appeared != w.appeared || c.Vanished != w.vanished || c.Other != w.other {
			t.Errorf("row %d: %s mix %v rate %v contribution %v appeared %v vanished %v other %v; want %+v",
				i, c.Segment, c.Mix, c.Rate, c.Contribution, c.Appeared, c.Vanished, c.Other, w)
		}
	}
}

// TestDecomposeHandWorked: the symmetric shift-share of a +8 pts change, by
// hand (R̄ = (68 + 76) / 2 = 72):
//
//	chat   mix (.4 − .5)(85 − 72) = −1.3     rate .45 × (90 − 80) = 4.5    → 3.2
//	email  mix (.4 − .3)(67.5 − 72) = −0.45  rate .35 × (75 − 60) = 5.25   → 4.8
//	sms    mix (.2 − 0)(50 − 72) = −4.4      rate 0 (appeared)             → −4.4
//	fax    mix (0 − .2)(50 − 72) = +4.4      rate 0 (vanished)             → 4.4
//
// 3.2 + 4.8 − 4.4 + 4.4 = 8 = 76 − 68; rows by |contribution|, ties by name.
func TestDecomposeHandWorked(t *testing.T) {
	dec, err := kpi.Decompose(explainResult())
	if err != nil {
		t.Fatal(err)
	}
	checkDecomposition(t, dec, 8, []wantContribution{
		{seg: "email", mix: -0.45, rate: 5.25, contribution: 4.8},
		{seg: "fax", mix: 4.4, contribution: 4.4, vanished: true},
		{seg: "sms", mix: -4.4, contribution: -4.4, appeared: true},
		{seg: "chat", mix: -1.3, rate: 4.5, contribution: 3.2},
	})
	for _, c := range dec.Rows {
		switch c.Segment {
		case "chat":
			want(t, "chat now", c.Value, 90)
			want(t, "chat before", c.CompareValue, 80)
			if c.Share != 0.4 || c.CompareShare != 0.5 {
				t.Errorf("chat shares %v, %v; want 0.4, 0.5", c.Share, c.CompareShare)
			}
		case "fax":
			wantNone(t, "fax now", c.Value)
			want(t, "fax before", c.CompareValue, 50)
		case "sms":
			want(t, "sms now", c.Value, 50)
			wantNone(t, "sms before", c.CompareValue)
		}
	}
}

// TestDecomposePoolsLeftOutSegments: a breakdown capped to chat and email
// (sms left out, SegmentsTruncated 1) pools the rest as one Other row, total
// − the rows listed in both periods: now 76 − 66 of 100 − 80 = 10 of 20, before
// 68 − 68 of 100 − 100 = nothing, so Other is sms's row (mix −4.4, as if it
// appeared) and the contributions still add up to +8, Other kept last.
func TestDecomposePoolsLeftOutSegments(t *testing.T) {
	r := explainResult()
	r.Segments = r.Segments[:2]
	r.SegmentsTruncated = 1
	dec, err := kpi.Decompose(r)
	if err != nil {
		t.Fatal(err)
	}
	checkDecomposition(t, dec, 8, []wantContribution{
		{seg: "email", mix: -0.45, rate: 5.25, contribution: 4.8},
		{seg: "fax", mix: 4.4, contribution: 4.4, vanished: true},
		{seg: "chat", mix: -1.3, rate: 4.5, contribution: 3.2},
		{seg: "Other", mix: -4.4, contribution: -4.4, appeared: true, other: true},
	})
}

// TestDecomposeNPS: NPS splits as 100 × (promoters − detractors) over n.
// Before: A 6 promoters 2 detractors of 10 (+40), B 1 and 5 of 10 (−40), NPS 0.
// Now: A 12 and 4 of 20 (+40), B 1 and 5 of 10 (−40), NPS 400/30 = 13.33.
// R̄ = 6.667; A: mix (2/3 − 1/2)(40 − 6.667) = 5.556, rate 0; B: mix
// (1/3 − 1/2)(−40 − 6.667) = 7.778, rate 0; Σ 13.33.
func TestDecomposeNPS(t *testing.T) {
	d := &kpi.Def{ID: "nps", Name: "NPS", Type: kpi.Formula, Inputs: map[string]string{
		"promoters": "count(*) FILTER (WHERE nps >= 9)", "detractors": "count(*) FILTER (WHERE nps <= 6)", "n": "count(nps)"},
		Expr: "100.0 * (promoters - detractors) / n", Better: kpi.Higher, Time: "responded_at"}
	nps := func(p, dt, n float64) map[string]float64 {
		return map[string]float64{"promoters": p, "detractors": dt, "n": n}
	}
	r := &kpi.Result{Def: d,
		Total:    kpi.Row{Total: true, Point: kpi.Point{Components: nps(13, 9, 30)}, Compare: &kpi.Point{Components: nps(7, 7, 20)}},
		Segments: []kpi.Row{row("A", nps(12, 4, 20), nps(6, 2, 10)), row("B", nps(1, 5, 10), nps(1, 5, 10))},
	}
	dec, err := kpi.Decompose(r)
	if err != nil {
		t.Fatal(err)
	}
	third := 20.0 / 3
	checkDecomposition(t, dec, 40.0/3, []wantContribution{
		{seg: "B", mix: (1.0/3 - 0.5) * (-40 - third), contribution: (1.0/3 - 0.5) * (-40 - third)},
		{seg: "A", mix: (2.0/3 - 0.5) * (40 - third), contribution: (2.0/3 - 0.5) * (40 - third)},
	})
}

// TestDecomposeRefuses: the changes that cannot be split say why, and the
// error matches ErrNotDecomposable (ErrNoComparison against the target).
func TestDecomposeRefuses(t *testing.T) {
	median := &kpi.Def{ID: "resolution_median", Name: "Resolution time (median)", Type: kpi.Formula,
		Inputs: map[string]string{"median": "median(epoch(resolved_at - created_at)) / 3600.0"}, Expr: "median", Unit: "h"}
	distinct := &kpi.Def{ID: "avg_purchase", Name: "Avg purchase value", Type: kpi.Ratio, Numerator: "sum(amount)",
		Denominator: "count(DISTINCT order_id)", Unit: "$", BuiltinID: "avg_purchase"}
	composite := &kpi.Def{ID: "cac", Name: "Customer acquisition cost", Type: kpi.Composite,
		Inputs: map[string]string{"spend": "acquisition_spend", "new_customers": "new_customers"}, Expr: "spend / new_customers"}
	count := &kpi.Def{ID: "new", Name: "New customers", Type: kpi.Formula, Inputs: map[string]string{"n": "count(*)"}, Expr: "n"}
	vsTarget := explainResult()
	vsTarget.Total.Compare = nil
	allTime := explainResult()
	allTime.Total.Compare, allTime.Total.PeriodName = nil, "all time"
	noBefore := explainResult()
	noBefore.Total.Compare = &kpi.Point{}
	for _, tc := range []struct {
		name      string
		r         *kpi.Result
		says      string
		noCompare bool
	}{
		{"median", &kpi.Result{Def: median}, "a median or quantile", false},
		{"distinct", &kpi.Result{Def: distinct}, "counts distinct values", false},
		{"composite", &kpi.Result{Def: composite}, "computed from other KPIs (acquisition_spend, new_customers)", false},
		{"count", &kpi.Result{Def: count}, "not a ratio of counts or sums", false},
		{"product of sums", &kpi.Result{Def: &kpi.Def{ID: "x", Type: kpi.Ratio, Numerator: "sum(a) * sum(b)", Denominator: "count(*)"}}, "not a ratio of counts or sums", false},
		{"vs target", vsTarget, "compared with the target", true},
		{"all time", allTime, "all time: there is no earlier period", false},
		{"no value before", noBefore, "no value in Sep 2026", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec, err := kpi.Decompose(tc.r)
			if err == nil {
				t.Fatalf("split into %+v, want a refusal", dec)
			}
			if !errors.Is(err, kpi.ErrNotDecomposable) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q (ErrNotDecomposable %v), want one saying %q", err, errors.Is(err, kpi.ErrNotDecomposable), tc.says)
			}
			if errors.Is(err, kpi.ErrNoComparison) != tc.noCompare {
				t.Errorf("error %q matches ErrNoComparison: %v, want %v", err, !tc.noCompare, tc.noCompare)
			}
		})
	}
	for _, id := range []string{"repeat_rate", "purchase_frequency", "avg_purchase", "resolution_median", "clv"} {
		if err := kpi.Decomposable(builtin(t, id)); !errors.Is(err, kpi.ErrNotDecomposable) {
			t.Errorf("built-in %s: Decomposable %v, want a refusal", id, err)
		}
	}
	for _, id := range []string{"csat", "ces", "fcr", "resolution_time", "first_response", "churn", "retention"} {
		if err := kpi.Decomposable(builtin(t, id)); err != nil {
			t.Errorf("built-in %s: %v, want it splittable", id, err)
		}
	}
}

// builtin is a catalog KPI bound to the standard fixture's tables.
func builtin(t *testing.T, id string) *kpi.Def {
	t.Helper()
	d := moversEngine(t).Def(id)
	if d == nil {
		t.Fatalf("no built-in %s", id)
	}
	return d
}

// moversFixture: CSAT by channel and priority, September → October.
//
//	Sep  chat  5 high, 5 low, 4 low, 2 low     email 5 high, 4 low, 4 low, 1 high   → 6 of 8 = 75%
//	Oct  chat  5 low, 4 low, 4 low, 5 low      email 2 urgent, 1 urgent, 4 low, 2 urgent → 5 of 8 = 62.5%
//
// By channel (shares ½ in both periods, so no mix): chat rate ½ (100 − 75)
// = +12.5, email ½ (25 − 75) = −25. By priority (R̄ 68.75): urgent appeared,
// 0 of 3, mix ⅜ (0 − 68.75) = −25.78125; high vanished, 2 of 3, mix
// −⅜ (66.67 − 68.75) = +0.78125; low ⅝ in both, 4 of 5 → 5 of 5, rate ⅝ × 20
// = +12.5. Every customer is in one region: it explains nothing.
const moversFixture = `
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE, churn_date DATE, segment VARCHAR, region VARCHAR, plan VARCHAR);
INSERT INTO customers VALUES ('C1', '2026-01-01', NULL, 'SMB', 'EMEA', 'Basic');
CREATE TABLE tickets (ticket_id VARCHAR, customer_id VARCHAR, channel VARCHAR, priority VARCHAR,
  created_at TIMESTAMP, first_response_at TIMESTAMP, resolved_at TIMESTAMP, contacts INTEGER, csat INTEGER, ces INTEGER);
INSERT INTO tickets VALUES
 ('s1', 'C1', 'chat',  'high',   '2026-09-03', NULL, '2026-09-03', 1, 5, NULL),
 ('s2', 'C1', 'chat',  'low',    '2026-09-03', NULL, '2026-09-03', 1, 5, NULL),
 ('s3', 'C1', 'chat',  'low',    '2026-09-03', NULL, '2026-09-03', 1, 4, NULL),
 ('s4', 'C1', 'chat',  'low',    '2026-09-03', NULL, '2026-09-03', 1, 2, NULL),
 ('s5', 'C1', 'email', 'high',   '2026-09-04', NULL, '2026-09-04', 1, 5, NULL),
 ('s6', 'C1', 'email', 'low',    '2026-09-04', NULL, '2026-09-04', 1, 4, NULL),
 ('s7', 'C1', 'email', 'low',    '2026-09-04', NULL, '2026-09-04', 1, 4, NULL),
 ('s8', 'C1', 'email', 'high',   '2026-09-04', NULL, '2026-09-04', 1, 1, NULL),
 ('o1', 'C1', 'chat',  'low',    '2026-10-03', NULL, '2026-10-03', 1, 5, NULL),
 ('o2', 'C1', 'chat',  'low',    '2026-10-03', NULL, '2026-10-03', 1, 4, NULL),
 ('o3', 'C1', 'chat',  'low',    '2026-10-03', NULL, '2026-10-03', 1, 4, NULL),
 ('o4', 'C1', 'chat',  'low',    '2026-10-03', NULL, '2026-10-03', 1, 5, NULL),
 ('o5', 'C1', 'email', 'urgent', '2026-10-04', NULL, '2026-10-04', 1, 2, NULL),
 ('o6', 'C1', 'email', 'urgent', '2026-10-04', NULL, '2026-10-04', 1, 1, NULL),
 ('o7', 'C1', 'email', 'low',    '2026-10-04', NULL, '2026-10-04', 1, 4, NULL),
 ('o8', 'C1', 'email', 'urgent', '2026-10-31', NULL, '2026-10-31', 1, 2, NULL);
CREATE TABLE orders (order_id VARCHAR, customer_id VARCHAR, order_date TIMESTAMP, amount DOUBLE);
INSERT INTO orders VALUES ('x1', 'C1', '2026-09-02', 10), ('x2', 'C1', '2026-10-02', 20);
`

func moversEngine(t *testing.T) *kpi.Engine {
	t.Helper()
	return standardEngine(t, openFixture(t, moversFixture))
}

// TestTopMovers: across channel, priority and region the three segments that
// explain most of CSAT's −12.5 pts are urgent (appeared, mix −25.8), email
// (rate −25) and chat (rate +12.5; low's +12.5 ties it and comes after,
// channel before priority); the one-region dimension is not listed.
func TestTopMovers(t *testing.T) {
	eng := moversEngine(t)
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious}
	delta, movers, err := eng.TopMovers(context.Background(), s, "csat", 3)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(delta+12.5) > 1e-9 {
		t.Errorf("delta %v, want −12.5", delta)
	}
	type m struct {
		dim, seg string
		c        float64
	}
	exp := []m{{"priority", "urgent", -25.78125}, {"channel", "email", -25}, {"channel", "chat", 12.5}}
	if len(movers) != len(exp) {
		t.Fatalf("movers %+v, want %v", movers, exp)
	}
	for i, w := range exp {
		if c := movers[i]; c.Dim != w.dim || c.Segment != w.seg || math.Abs(c.Contribution-w.c) > 1e-9 {
			t.Errorf("mover %d: %s=%s %v, want %v", i, c.Dim, c.Segment, c.Contribution, w)
		}
	}
	// Several KPIs at once: the same movers, and each KPI's own refusal.
	ms, err := eng.TopMoversOf(context.Background(), s, []string{"resolution_median", "csat"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].ID != "resolution_median" || !errors.Is(ms[0].Err, kpi.ErrNotDecomposable) || ms[1].ID != "csat" || ms[1].Err != nil || ms[1].Delta != delta || len(ms[1].Rows) != 3 {
		t.Errorf("TopMoversOf: %+v", ms)
	} else {
		for i := range movers {
			if ms[1].Rows[i].Dim != movers[i].Dim || ms[1].Rows[i].Segment != movers[i].Segment || ms[1].Rows[i].Contribution != movers[i].Contribution {
				t.Errorf("TopMoversOf csat %d: %+v, TopMovers %+v", i, ms[1].Rows[i], movers[i])
			}
		}
	}
	line := kpi.MoversLine(eng.Def("csat"), delta, movers)
	if wantLine := "CSAT −12.5 pts: urgent −25.8 (mix), email −25.0 (rate), chat +12.5 (rate)"; line != wantLine {
		t.Errorf("MoversLine\n got %q\nwant %q", line, wantLine)
	}

	// All of them: priority's vanished high (+0.78) is among them; a
	// filter to one channel leaves channel out.
	_, all, err := eng.TopMovers(context.Background(), s.WithFilter(kpi.Filter{Dim: "channel", Values: []string{"email"}}), "csat", -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Errorf("filtered to email: movers %+v, want priority's urgent, high and low", all)
	}
	for _, c := range all {
		if c.Dim != "priority" {
			t.Errorf("filtered to email: mover %s=%s, want priority's only", c.Dim, c.Segment)
		}
	}

	// Against the target there is no change to split; a median cannot be.
	if _, _, err := eng.TopMovers(context.Background(), kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsTarget}, "csat", 3); !errors.Is(err, kpi.ErrNoComparison) {
		t.Errorf("vs target: %v, want ErrNoComparison", err)
	}
	if _, _, err := eng.TopMovers(context.Background(), s, "resolution_median", 3); !errors.Is(err, kpi.ErrNotDecomposable) {
		t.Errorf("median: %v, want ErrNotDecomposable", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := eng.TopMovers(ctx, s, "csat", 3); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

// TestFormatContribution: parts of a change in the KPI's unit, signed.
func TestFormatContribution(t *testing.T) {
	hours := &kpi.Def{Unit: "h", Decimals: 1}
	money := &kpi.Def{Unit: "$", Decimals: 2}
	for _, tc := range []struct {
		d    *kpi.Def
		v    float64
		want string
	}{
		{shareDef(), -1.14, "−1.1"}, {shareDef(), 0.2, "+0.2"}, {shareDef(), -0.01, "±0.0"},
		{hours, 0.64, "+0.6h"}, {money, -0.734, "−$0.73"}, {&kpi.Def{Decimals: 0}, 1.36, "+1.4"},
	} {
		if got := kpi.FormatContribution(tc.d, tc.v); got != tc.want {
			t.Errorf("%v in %q: %q, want %q", tc.v, tc.d.Unit, got, tc.want)
		}
	}
}

// TestDecomposeCappedBreakdown: the engine's own breakdown of
// moversFixture by priority capped to its largest segment (low, 5 answers
// in October; urgent left out) still splits the whole −12.5 pts: low's rate
// +12.5, high (gone, kept in Result.Vanished) +0.78125 through mix, and the
// left-out urgent pooled as Other, −25.78125 through mix; from the raw rows
// and from the rollups alike.
func TestDecomposeCappedBreakdown(t *testing.T) {
	eng := moversEngine(t)
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious, Segment: "priority", MaxSegments: 1}
	for _, step := range []struct {
		name string
		opt  kpi.Option
	}{{"raw rows", kpi.FromScratch()}, {"rollups", kpi.Uncached()}} {
		t.Run(step.name, func(t *testing.T) {
			if step.name == "rollups" {
				if err := eng.BuildRollups(t.Context(), nil); err != nil {
					t.Fatal(err)
				}
			}
			sc, err := eng.Compute(t.Context(), s, []string{"csat"}, step.opt)
			if err != nil {
				t.Fatal(err)
			}
			r := sc.Find("csat")
			if r.SegmentsTruncated != 1 {
				t.Fatalf("%d segments left out, want 1 (urgent)", r.SegmentsTruncated)
			}
			dec, err := kpi.Decompose(r)
			if err != nil {
				t.Fatal(err)
			}
			checkDecomposition(t, dec, -12.5, []wantContribution{
				{seg: "low", rate: 12.5, contribution: 12.5},
				{seg: "high", mix: 0.78125, contribution: 0.78125, vanished: true},
				{seg: "Other", mix: -25.78125, contribution: -25.78125, appeared: true, other: true},
			})
		})
	}
}

// TestDecomposeRatioOfSums: a custom ratio of two sums (revenue per hour,
// no standard interval) splits too. Sep: A 100 $ over 10 h, B 50 over 10,
// 7.5 $/h; Oct: A 200 over 10, B 50 over 10, 12.5 $/h. Shares stay ½, so A's
// rate ½ × (20 − 10) = +5 is the whole change and B's is 0.
func TestDecomposeRatioOfSums(t *testing.T) {
	d := &kpi.Def{ID: "rev_per_hour", Name: "Revenue per hour", Type: kpi.Ratio, Numerator: "sum(amount)", Denominator: "sum(hours)", Unit: "$", Decimals: 2}
	if k := d.IntervalKind(); k != kpi.IntervalNone {
		t.Fatalf("interval kind %q: this test wants a ratio RatioParts does not know", k)
	}
	r := &kpi.Result{Def: d,
		Total:    kpi.Row{Total: true, Point: kpi.Point{Components: comps(250, 20)}, Compare: &kpi.Point{Components: comps(150, 20)}},
		Segments: []kpi.Row{row("A", comps(200, 10), comps(100, 10)), row("B", comps(50, 10), comps(50, 10))},
	}
	dec, err := kpi.Decompose(r)
	if err != nil {
		t.Fatal(err)
	}
	checkDecomposition(t, dec, 5, []wantContribution{{seg: "A", rate: 5, contribution: 5}, {seg: "B"}})
}

// TestDecomposeAlwaysAddsUp: over random breakdowns (segments in both
// periods, in one only, with no answers in one, a capped rest) the
// contributions add up to the change and each is its mix plus its rate.
func TestDecomposeAlwaysAddsUp(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 1))
	for trial := 0; trial < 500; trial++ {
		r := &kpi.Result{Def: shareDef()}
		var n0, d0, n1, d1 float64
		side := func() map[string]float64 {
			switch rng.IntN(5) {
			case 0:
				return nil // no rows
			case 1:
				return comps(0, 0) // rows, no answers
			}
			den := float64(1 + rng.IntN(200))
			return comps(float64(rng.IntN(int(den)+1)), den)
		}
		for i := range 1 + rng.IntN(8) {
			now, before := side(), side()
			n1, d1, n0, d0 = n1+now["num"], d1+now["den"], n0+before["num"], d0+before["den"]
			seg := row(string(rune('a'+i)), now, before)
			if now == nil && before != nil && rng.IntN(2) == 0 {
				r.Vanished = append(r.Vanished, seg)
			} else {
				r.Segments = append(r.Segments, seg)
			}
		}
		if rng.IntN(3) == 0 { // a capped rest
			r.SegmentsTruncated = 1 + rng.IntN(3)
			x, y := float64(rng.IntN(50)), float64(50+rng.IntN(50))
			n1, d1 = n1+x, d1+y
			n0, d0 = n0+y/2, d0+y
		}
		if d0 == 0 || d1 == 0 {
			continue
		}
		r.Total = kpi.Row{Total: true, Point: kpi.Point{Components: comps(n1, d1)}, Compare: &kpi.Point{Components: comps(n0, d0)}}
		dec, err := kpi.Decompose(r)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		sum := 0.0
		for _, c := range dec.Rows {
			sum += c.Contribution
			if math.Abs(c.Mix+c.Rate-c.Contribution) > 1e-12 {
				t.Fatalf("trial %d: %s mix %v + rate %v ≠ %v", trial, c.Segment, c.Mix, c.Rate, c.Contribution)
			}
		}
		if want := 100*n1/d1 - 100*n0/d0; math.Abs(sum-want) > 1e-9 || math.Abs(dec.Delta-want) > 1e-9 {
			t.Fatalf("trial %d: Σ %v, Δ %v, want %v", trial, sum, dec.Delta, want)
		}
	}
}

// TestDecomposableJudgesTheValue: a sample-size line does not enter the
// value, so init's margin, sum(Profit) / sum(Sales) with n: count(DISTINCT
// "Order ID"), splits like any ratio of sums (A's rate +5: ½ × (20 − 10)),
// and so does a formula whose distinct-count input serves only as n; a
// distinct count in the value itself is still refused.
func TestDecomposableJudgesTheValue(t *testing.T) {
	margin := &kpi.Def{ID: "profit_margin", Name: "Profit margin", Type: kpi.Ratio, Numerator: `sum("Profit")`, Denominator: `sum("Sales")`,
		N: `count(DISTINCT "Order ID")`, Scale: 100, Unit: "%", Decimals: 1, Better: kpi.Higher}
	r := &kpi.Result{Def: margin,
		Total:    kpi.Row{Total: true, Point: kpi.Point{Components: comps(30, 200)}, Compare: &kpi.Point{Components: comps(20, 200)}},
		Segments: []kpi.Row{row("A", comps(20, 100), comps(10, 100)), row("B", comps(10, 100), comps(10, 100))},
	}
	dec, err := kpi.Decompose(r)
	if err != nil {
		t.Fatalf("margin with a distinct n: %v, want it split", err)
	}
	checkDecomposition(t, dec, 5, []wantContribution{{seg: "A", rate: 5, contribution: 5}, {seg: "B"}})

	share := &kpi.Def{ID: "share", Name: "Share", Type: kpi.Formula, Better: kpi.Higher, Expr: "100.0 * profit / sales", N: "orders",
		Inputs: map[string]string{"profit": `sum("Profit")`, "sales": `sum("Sales")`, "orders": `count(DISTINCT "Order ID")`}}
	if err := kpi.Decomposable(share); err != nil {
		t.Errorf("formula whose distinct input is only its n: %v, want it splittable", err)
	}
	share.Inputs["sales"] = `count(DISTINCT "Order ID")`
	if err := kpi.Decomposable(share); !errors.Is(err, kpi.ErrNotDecomposable) || !strings.Contains(err.Error(), "counts distinct values") {
		t.Errorf("formula over a distinct count: %v, want the distinct-count refusal", err)
	}
}

// TestMoversLineNamesAmbiguousSegments: a segment that says what it is
// stands alone (email, Platinum); a yes/no, a blank, a number, or a value
// two listed dimensions share is named with its dimension.
func TestMoversLineNamesAmbiguousSegments(t *testing.T) {
	mover := func(dim, seg string, rate float64) kpi.Contribution {
		return kpi.Contribution{Dim: dim, Segment: seg, Rate: rate, Contribution: rate}
	}
	got := kpi.MoversLine(shareDef(), 4.3, []kpi.Contribution{
		mover("has_kids", "false", 5.4), mover("vip", "false", 2.5), mover("channel", "email", 1.8),
		mover("region", "North", -1.1), mover("direction", "North", 0.6), mover("score", "(blank)", 0.5),
		mover("size", "3", 0.4), mover("tier", "Platinum", -0.3),
	})
	want := "CSAT +4.3 pts: has_kids = false +5.4 (rate), vip = false +2.5 (rate), email +1.8 (rate), region = North −1.1 (rate), " +
		"direction = North +0.6 (rate), score = (blank) +0.5 (rate), size = 3 +0.4 (rate), Platinum −0.3 (rate)"
	if got != want {
		t.Errorf("MoversLine\n got %q\nwant %q", got, want)
	}
}
