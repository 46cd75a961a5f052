package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// explainScorecard is CSAT by channel, September → October, by hand:
//
//	          Sep              Oct
//	chat      45 of 50 = 90%   27 of 30 = 90%
//	email     20 of 50 = 40%   23 of 60 = 38.3%
//	sms       —                5 of 10 = 50%      (new)
//	total     65 of 100 = 65%  55 of 100 = 55%    Δ −10 pts, R̄ 60
//
// chat: mix (.3 − .5)(90 − 60) = −6, rate .4 × 0 = 0 → −6.
// email: mix (.6 − .5)(39.17 − 60) = −2.083, rate .55 × (38.33 − 40) = −0.917 → −3.
// sms: mix (.1 − 0)(50 − 60) = −1 → −1. Σ mix −9.083, Σ rate −0.917, Σ −10.
// Beside it, a median that cannot be split.
func explainScorecard() *kpi.Scorecard {
	oct := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	csat := &kpi.Def{ID: "csat", Name: "CSAT", Type: kpi.Ratio, Numerator: "count(*) FILTER (WHERE csat >= 4)", Denominator: "count(csat)",
		Scale: 100, Unit: "%", Decimals: 1, Better: kpi.Higher, Time: "resolved_at"}
	median := &kpi.Def{ID: "resolution_median", Name: "Resolution time (median)", Type: kpi.Formula,
		Inputs: map[string]string{"median": "median(h)"}, Expr: "median", Unit: "h", Decimals: 1, Time: "resolved_at"}
	c := func(num, den float64) map[string]float64 { return map[string]float64{"num": num, "den": den} }
	row := func(seg string, now, before map[string]float64) kpi.Row {
		return kpi.Row{Segment: seg, Point: kpi.Point{Components: now}, Compare: &kpi.Point{Components: before}, CompareTo: "Sep 2026"}
	}
	total := kpi.Row{Total: true, Point: kpi.Point{Value: ptr(55), Components: c(55, 100)}, Compare: &kpi.Point{Value: ptr(65), Components: c(65, 100)},
		Delta: ptr(-10), CompareTo: "Sep 2026", PeriodName: "Oct 2026"}
	return &kpi.Scorecard{
		Slice:         kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious, Segment: "channel"},
		ComparePeriod: oct.AddDate(0, -1, 0),
		PeriodEnd:     oct.AddDate(0, 1, 0),
		Results: []kpi.Result{
			{Def: csat, Total: total, Segments: []kpi.Row{row("email", c(23, 60), c(20, 50)), row("chat", c(27, 30), c(45, 50)), row("sms", c(5, 10), nil)}},
			{Def: median, Total: kpi.Row{Total: true, Point: kpi.Point{Value: ptr(9)}, Compare: &kpi.Point{Value: ptr(8)}, Delta: ptr(1), CompareTo: "Sep 2026"}},
		},
	}
}

// TestExplainPlain: the table of report --explain --by channel, each cell
// from the hand-worked numbers above, the sum line's contribution the
// headline Δ, and the median's reason below.
func TestExplainPlain(t *testing.T) {
	sc := explainScorecard()
	var b bytes.Buffer
	if err := ExplainPlain(&b, sc, "test", Explain(sc), false); err != nil {
		t.Fatal(err)
	}
	want := `test · Oct 2026 (month) · Δ vs Sep 2026 · why it moved, by channel

KPI   channel    Sep 2026    Now  Share before  Share now   Mix  Rate  Contribution
CSAT  chat          90.0%  90.0%         50.0%      30.0%  −6.0  ±0.0          −6.0
CSAT  email         40.0%  38.3%         50.0%      60.0%  −2.1  −0.9          −3.0
CSAT  sms (new)         —  50.0%          0.0%      10.0%  −1.0  ±0.0          −1.0
CSAT  Total         65.0%  55.0%        100.0%     100.0%  −9.1  −0.9     −10.0 pts

mix: the segment's share changed · rate: its own value changed · contribution = mix + rate, summed to Δ
! Resolution time (median): a median or quantile: segments' medians do not add up to the total's, so its change cannot be split by segment
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestExplainJSON: per segment mix, rate and contribution, adding up to the
// KPI's delta; the median carries its reason and no segments.
func TestExplainJSON(t *testing.T) {
	sc := explainScorecard()
	var b bytes.Buffer
	if err := ExplainJSON(&b, sc, "test", Explain(sc), false, nil); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Segment string `json:"segment"`
		KPIs    []struct {
			KPI      string   `json:"kpi"`
			Delta    *float64 `json:"delta"`
			Error    string   `json:"error"`
			Segments []struct {
				Dimension, Segment      string
				Mix, Rate, Contribution float64
				Share                   float64
				CompareShare            float64 `json:"compare_share"`
				Appeared                bool
				Value                   *float64
				CompareValue            *float64 `json:"compare_value"`
			} `json:"segments"`
		} `json:"kpis"`
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if out.Segment != "channel" || len(out.KPIs) != 2 {
		t.Fatalf("segment %q, %d KPIs; want channel, 2\n%s", out.Segment, len(out.KPIs), b.String())
	}
	csat := out.KPIs[0]
	if csat.Delta == nil || *csat.Delta != -10 || len(csat.Segments) != 3 {
		t.Fatalf("csat: delta %v, %d segments; want −10, 3", csat.Delta, len(csat.Segments))
	}
	exp := []struct {
		seg                     string
		mix, rate, contribution float64
	}{{"chat", -6, 0, -6}, {"email", 0.1 * ((40+115.0/3)/2 - 60), 0.55 * (115.0/3 - 40), -3}, {"sms", -1, 0, -1}}
	sum := 0.0
	for i, w := range exp {
		s := csat.Segments[i]
		sum += s.Contribution
		if s.Segment != w.seg || s.Dimension != "channel" || math.Abs(s.Mix-w.mix) > 1e-9 || math.Abs(s.Rate-w.rate) > 1e-9 || math.Abs(s.Contribution-w.contribution) > 1e-9 {
			t.Errorf("segment %d: %+v, want %+v", i, s, w)
		}
	}
	if math.Abs(sum+10) > 1e-9 {
		t.Errorf("Σ contribution %v, want −10", sum)
	}
	if s := csat.Segments[2]; !s.Appeared || s.CompareValue != nil || s.Share != 0.1 || s.CompareShare != 0 {
		t.Errorf("sms: %+v, want appeared with no value before, share 0.1", s)
	}
	if m := out.KPIs[1]; !strings.Contains(m.Error, "a median") || len(m.Segments) != 0 || m.Delta != nil {
		t.Errorf("median: %+v, want its reason and nothing else", m)
	}
}

// TestExplainCSVAndMarkdown: the CSV has one row per segment and a Total
// row whose contribution is the delta; Markdown the same table with the sum
// line in bold and the reason as a bullet.
func TestExplainCSVAndMarkdown(t *testing.T) {
	sc := explainScorecard()
	var b bytes.Buffer
	if err := ExplainCSV(&b, sc, Explain(sc)); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 {
		t.Fatalf("%d records, want a header, 3 segments, a total and the median:\n%q", len(recs), recs)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	if r := recs[1]; r[col["segment"]] != "chat" || r[col["mix"]] != "-6" || r[col["contribution"]] != "-6" || r[col["dimension"]] != "channel" {
		t.Errorf("chat row %q", r)
	}
	if r := recs[4]; r[col["segment"]] != "Total" || r[col["contribution"]] != "-10" || r[col["value"]] != "55" || r[col["compare_value"]] != "65" {
		t.Errorf("total row %q", r)
	}
	if r := recs[5]; r[col["kpi"]] != "resolution_median" || !strings.Contains(r[col["error"]], "a median") {
		t.Errorf("median row %q", r)
	}

	b.Reset()
	if err := ExplainMarkdown(&b, sc, "test", Explain(sc), false); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"| KPI | channel | Sep 2026 | Now | Share before | Share now | Mix | Rate | Contribution |",
		"| CSAT | sms (new) | — | 50.0% | 0.0% | 10.0% | −1.0 | ±0.0 | −1.0 |",
		"| **CSAT** | **Total** | **65.0%** | **55.0%** | **100.0%** | **100.0%** | **−9.1** | **−0.9** | **−10.0 pts** |",
		"- Resolution time (median): a median or quantile",
	} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("markdown has no line %q:\n%s", line, b.String())
		}
	}
}

// TestExplainAgainstTarget: compared with the target there is no change to
// split, and the report says which flag compares with a period.
func TestExplainAgainstTarget(t *testing.T) {
	sc := explainScorecard()
	sc.Slice.Compare = kpi.VsTarget
	sc.Results[0].Total.Compare = nil
	xs := Explain(sc)
	if xs[0].Err == nil || !strings.Contains(xs[0].Err.Error(), "compared with the target, not with a period: use --compare previous or --compare year to split its change") || !errors.Is(xs[0].Err, kpi.ErrNoComparison) {
		t.Errorf("vs target: %v", xs[0].Err)
	}
}

// TestExplainMovers: the top movers' table names each segment's dimension,
// gives the headline only on the Total line, and puts the one-line summary
// above it.
func TestExplainMovers(t *testing.T) {
	sc := explainScorecard()
	sc.Slice.Segment = ""
	v, cv := 38.0, 40.0
	x := Headline(&sc.Results[0])
	x.Movers = true
	x.Rows = []kpi.Contribution{
		{Dim: "channel", Segment: "chat", Mix: -6, Contribution: -6, Value: ptr(90), CompareValue: ptr(90), Share: 0.3, CompareShare: 0.5},
		{Dim: "priority", Segment: "high", Mix: -0.5, Rate: -2, Contribution: -2.5, Value: &v, CompareValue: &cv, Share: 0.2, CompareShare: 0.25},
	}
	var b bytes.Buffer
	if err := ExplainPlain(&b, sc, "test", []Explanation{x}, true); err != nil {
		t.Fatal(err)
	}
	want := `test · Oct 2026 (month) · Δ vs Sep 2026 · why it moved: top movers across every dimension

CSAT −10.0 pts: chat −6.0 (mix), high −2.5 (rate)

KPI   Dimension  Segment  Sep 2026    Now  Share before  Share now   Mix  Rate  Contribution
CSAT  channel    chat        90.0%  90.0%         50.0%      30.0%  −6.0  ±0.0          −6.0
CSAT  priority   high        40.0%  38.0%         25.0%      20.0%  −0.5  −2.0          −2.5
CSAT             Total       65.0%  55.0%                                          −10.0 pts

mix: the segment's share changed · rate: its own value changed · contribution = mix + rate; each dimension's contributions add up to Δ
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestExplainPoolsLeftOut: a breakdown capped to chat and email (sms left
// out) shows sms as the pooled row, named by how many it holds, and the sum
// line is unchanged.
func TestExplainPoolsLeftOut(t *testing.T) {
	sc := explainScorecard()
	sc.Results[0].Segments = sc.Results[0].Segments[:2]
	sc.Results[0].SegmentsTruncated = 1
	sc.Results = sc.Results[:1]
	var b bytes.Buffer
	if err := ExplainPlain(&b, sc, "test", Explain(sc), false); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"CSAT  (1 other segment)         —  50.0%          0.0%      10.0%  −1.0  ±0.0          −1.0",
		"CSAT  Total                 65.0%  55.0%        100.0%     100.0%  −9.1  −0.9     −10.0 pts",
	} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("no line %q in\n%s", line, b.String())
		}
	}
}

// TestExplainNegativeValues: a margin below zero reads "−5.7%" in the text
// table, as the deltas write their sign (South: −5.7% → 15.3%, Total −0.5%
// → 4.5%); JSON keeps the number plain.
func TestExplainNegativeValues(t *testing.T) {
	margin := &kpi.Def{ID: "margin", Name: "Margin", Type: kpi.Ratio, Numerator: "sum(profit)", Denominator: "sum(sales)",
		Scale: 100, Unit: "%", Decimals: 1, Better: kpi.Higher}
	c := func(num, den float64) map[string]float64 { return map[string]float64{"num": num, "den": den} }
	total := kpi.Row{Total: true, Point: kpi.Point{Value: ptr(4.5), Components: c(9, 200)}, Compare: &kpi.Point{Value: ptr(-0.5), Components: c(-1, 200)},
		Delta: ptr(5), CompareTo: "Sep 2026", PeriodName: "Oct 2026"}
	sc := explainScorecard()
	sc.Results = []kpi.Result{{Def: margin, Total: total, Segments: []kpi.Row{
		{Segment: "South", Point: kpi.Point{Components: c(15.3, 100)}, Compare: &kpi.Point{Components: c(-5.7, 100)}},
		{Segment: "North", Point: kpi.Point{Components: c(-6.3, 100)}, Compare: &kpi.Point{Components: c(4.7, 100)}},
	}}}
	var b bytes.Buffer
	if err := ExplainPlain(&b, sc, "test", Explain(sc), false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Margin  South       −5.7%  15.3%", "Margin  North        4.7%  −6.3%", "Margin  Total       −0.5%   4.5%"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "-") {
		t.Errorf("an ASCII minus in\n%s", b.String())
	}
	b.Reset()
	if err := ExplainJSON(&b, sc, "test", Explain(sc), false, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"compare_value": -0.5`) {
		t.Errorf("JSON's numbers are not plain:\n%s", b.String())
	}
}
