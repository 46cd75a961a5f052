package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

// TestSeriesPlainMarksAndRanks: a median answered from a sketch carries ~
// on each value, a later page of segments says which ranks it shows, the
// current period is named as the data has it (cut short), a control
// character in a segment's name is shown as a placeholder, and a period
// without a value is —.
func TestSeriesPlainMarksAndRanks(t *testing.T) {
	sep, oct := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	d := &kpi.Def{ID: "resolution_median", Name: "Resolution time (median)", Type: kpi.Formula,
		Inputs: map[string]string{"median": "median(h)"}, Expr: "median", Unit: "h", Decimals: 1, Time: "resolved_at", Better: kpi.Lower}
	pt := func(t time.Time, v *float64, n int64) kpi.Point {
		return kpi.Point{Period: t, Value: v, N: n, HasN: true}
	}
	line := func(seg string, a, b *float64, n int64, st kpi.Status) kpi.SeriesLine {
		return kpi.SeriesLine{Segment: seg, Points: []kpi.Point{pt(sep, a, 3), pt(oct, b, n)},
			Latest: kpi.Row{Segment: seg, Point: pt(oct, b, n), Status: st, PeriodName: "Oct 2026 (to 15 Oct)"}}
	}
	set := &kpi.SeriesSet{Def: d, Dim: "channel", Slice: kpi.Slice{Grain: kpi.Month, Period: oct},
		Periods: []time.Time{sep, oct}, Ranked: make([]kpi.Row, 9), From: 6, Approx: true,
		Goal:  &kpi.Goal{Value: 12},
		Lines: []kpi.SeriesLine{line("fax", ptr(9.5), ptr(14), 40, kpi.Red), line("sms\x1b[2J", nil, ptr(8), 30, kpi.Green)},
		Total: line("", ptr(9), ptr(10.25), 70, kpi.Green)}
	var b bytes.Buffer
	if err := SeriesPlain(&b, Series{Label: "test", Sets: []*kpi.SeriesSet{set}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Resolution time (median) · target ≤ 12h · channel: 7–8 of 9 by n in Oct 2026",
		"Period                   fax  sms\uFFFD[2J   Total",
		"Sep 2026               ~9.5h        —   ~9.0h",
		"Oct 2026 (to 15 Oct)  ~14.0h    ~8.0h  ~10.2h",
		"~ a median answered from a rollup's sketch (±1%)",
		"1 more channel not shown",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
}

// TestSeriesWeekRowsInOneForm: at week grain every row names its week by
// its date, the current one too, marked briefly where the data stops; the
// Period column is as wide as that row (23), not "week of 26 Oct 2026 (to
// 31 Oct)"'s 31. The title's range reads the same way.
func TestSeriesWeekRowsInOneForm(t *testing.T) {
	w1, w2 := time.Date(2026, 10, 19, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC)
	d := &kpi.Def{ID: "csat", Name: "CSAT", Type: kpi.Ratio, Numerator: "a", Denominator: "b", Scale: 100, Unit: "%", Decimals: 1,
		Time: "created_at", Better: kpi.Higher}
	line := func(seg string, a, b float64, n int64) kpi.SeriesLine {
		p1, p2 := kpi.Point{Period: w1, Value: ptr(a), N: 10, HasN: true}, kpi.Point{Period: w2, Value: ptr(b), N: n, HasN: true}
		return kpi.SeriesLine{Segment: seg, Points: []kpi.Point{p1, p2},
			Latest: kpi.Row{Segment: seg, Point: p2, Status: kpi.NoTarget, PeriodName: "week of 26 Oct 2026 (to 31 Oct)"}}
	}
	set := &kpi.SeriesSet{Def: d, Dim: "channel", Slice: kpi.Slice{Grain: kpi.Week, Period: w2},
		Periods: []time.Time{w1, w2}, Ranked: make([]kpi.Row, 1),
		Lines: []kpi.SeriesLine{line("chat", 83.8, 79.9, 169)}, Total: line("", 83.8, 79.9, 169)}
	var b bytes.Buffer
	if err := SeriesPlain(&b, Series{Label: "test", Sets: []*kpi.SeriesSet{set}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"test · by channel · 19 Oct 2026 – 26 Oct 2026 (week)\n",
		"\nPeriod                    chat  Total\n",
		"\n19 Oct 2026              83.8%  83.8%\n",
		"\n26 Oct 2026 (to 31 Oct)  79.9%  79.9%\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
	// "week of" is for the sentences above and under the table, not a row.
	if strings.Contains(b.String(), "\nweek of") {
		t.Errorf("a row in the other form:\n%s", b.String())
	}
}
