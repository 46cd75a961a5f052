package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func yes(b bool) *bool { return &b }

// insightScorecard is March 2026 against February by channel: CSAT 80.0%
// of 100 answers (Wilson 71.1–86.7), down 1.8 pts within noise (the
// change's interval −4.1 … +0.5), a benchmark of 78%; the web segment off
// target but with an interval reaching it (uncertain); the email segment's
// fall a real one; a partial month's pace and a forecast on the total.
func insightScorecard() *kpi.Scorecard {
	def := &kpi.Def{ID: "csat", Name: "CSAT", Type: kpi.Ratio, Unit: "%", Decimals: 1, Better: kpi.Higher,
		Time:      "resolved_at",
		Benchmark: &kpi.Benchmark{Value: 78, Label: "2025 level", Source: "kpiscope report --period 2025"}}
	goal := &kpi.Goal{Value: 80, Warn: ptr(75)}
	row := func(seg string, v, lo, hi, d, dlo, dhi float64, n int64, st kpi.Status) kpi.Row {
		r := kpi.Row{Segment: seg, Point: kpi.Point{Value: ptr(v), N: n, HasN: true}, Goal: goal, Status: st,
			Delta: ptr(d), CompareTo: "Feb 2026", CI: &kpi.Interval{Low: lo, High: hi},
			DeltaCI: &kpi.Interval{Low: dlo, High: dhi}, Significant: yes(dlo > 0 || dhi < 0)}
		return r
	}
	total := row("", 80, 71.1, 86.7, -1.8, -4.1, 0.5, 100, kpi.Green)
	total.Total = true
	res := kpi.Result{Def: def, Total: total,
		Segments: []kpi.Row{
			row("email", 82, 73.1, 88.5, -6.2, -9.0, -3.4, 60, kpi.Green),
			row("web", 77.5, 62.5, 87.7, 0.4, -8.1, 8.9, 40, kpi.Uncertain),
		},
		Pace: &kpi.Pace{Elapsed: 0.5, Projected: ptr(79.6), Method: "the rest at February's rate", ExpectedRest: 1288, Needed: ptr(82.9), Reachable: true},
		Forecast: &kpi.Forecast{Method: "Holt's linear trend", Points: []kpi.ForecastPoint{
			{Period: day("2026-04-01"), Value: 80.5, Low: 77, High: 84},
			{Period: day("2026-05-01"), Value: 81, Low: 76, High: 86},
		}},
		Trend: []kpi.Point{{Period: day("2025-04-01")}, {Period: day("2026-03-01")}},
	}
	med := &kpi.Def{ID: "resolution_median", Name: "Resolution time (median)", Type: kpi.Ratio, Time: "resolved_at", Unit: "h", Decimals: 1, Better: kpi.Lower}
	mrow := kpi.Row{Total: true, Point: kpi.Point{Value: ptr(9.1), N: 100, HasN: true}, Status: kpi.NoTarget, Delta: ptr(0.2),
		CompareTo: "Feb 2026", NoCI: "a median: no interval"}
	return &kpi.Scorecard{
		Slice:         kpi.Slice{Grain: kpi.Month, Period: day("2026-03-01"), Compare: kpi.VsPrevious, Segment: "channel"},
		ComparePeriod: day("2026-02-01"),
		Results:       []kpi.Result{res, {Def: med, Total: mrow, Segments: []kpi.Row{}}},
	}
}

var insightAnnotations = []kpi.Annotation{
	{From: day("2026-03-02"), To: day("2026-03-28"), Label: "Platform incident"},
	{From: day("2026-03-02"), To: day("2026-03-28"), Label: "Incident tickets to Technical", Dim: "team", Value: "Technical"},
	{From: day("2026-02-14"), To: day("2026-02-15"), Label: "Web form outage", Dim: "channel", Value: "web"},
	{From: day("2025-11-01"), To: day("2026-01-01"), Label: "Holiday season"},
	{From: day("2024-01-01"), To: day("2024-01-02"), Label: "Before the trend"},
	{From: day("2026-04-01"), To: day("2026-04-02"), Label: "After the period"},
}

// The text table shows the interval beside the value, the benchmark beside
// the target, ≈ on changes within noise and the uncertain status, each
// explained under it with the benchmark's source, the pace and the
// annotations of March and February that apply to the rows.
func TestPlainShowsIntervalsBenchmarkAndNotes(t *testing.T) {
	var b bytes.Buffer
	sc := insightScorecard()
	if err := Plain(&b, sc, "test", insightAnnotations...); err != nil {
		t.Fatal(err)
	}
	// The pace's words are the engine's (kpi.Pace.Line); the report places them.
	pace := sc.Results[0].Pace.Line(sc.Results[0].Def, sc.Results[0].Total.Goal)
	if !strings.Contains(pace, "82.9%") {
		t.Fatalf("pace line %q", pace)
	}
	want := `test · Mar 2026 (month) · Δ vs Feb 2026

   KPI                       channel  Value     95% CI  Target  Benchmark  Δ vs Feb 2026    n
●  CSAT                      email    82.0%  73.1–88.5   ≥ 80%        78%      ▼ 6.2 pts   60
◌  CSAT                      web      77.5%  62.5–87.7   ≥ 80%        78%    ≈ ▲ 0.4 pts   40
●  CSAT                      Total    80.0%  71.1–86.7   ≥ 80%        78%    ≈ ▼ 1.8 pts  100

◦  Resolution time (median)  Total     9.1h          —       —          —         ▲ 0.2h  100

● on target  ◐ near  ○ off  · no value  ◦ no target  low: n below the minimum, status tentative
◌ uncertain: short of target, but its 95% CI reaches it
≈ Δ within noise (95%); no ≈: beyond noise, or not tested (medians, counts, composites)
CSAT benchmark 78% (2025 level): kpiscope report --period 2025
CSAT: ` + pace + `
※ 14 Feb 2026: Web form outage (channel = web)
※ 2–27 Mar 2026: Platform incident
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// Without intervals, benchmarks or tested changes the table is the one
// scripts knew: no new column, no new legend line.
func TestPlainWithoutInsightUnchanged(t *testing.T) {
	sc := insightScorecard()
	for i := range sc.Results {
		r := &sc.Results[i]
		r.Def.Benchmark, r.Pace = nil, nil
		for _, row := range append([]*kpi.Row{&r.Total}, ptrs(r.Segments)...) {
			row.CI, row.DeltaCI, row.Significant = nil, nil, nil
			if row.Status == kpi.Uncertain {
				row.Status = kpi.Amber
			}
		}
	}
	if h := strings.Join(Header(sc), "|"); h != "|KPI|channel|Value|Target|Δ vs Feb 2026|n" {
		t.Errorf("header %q", h)
	}
	var b bytes.Buffer
	if err := Plain(&b, sc, "test"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), NoiseMark) || strings.Contains(b.String(), "CI") || strings.Contains(b.String(), "benchmark") {
		t.Errorf("issue 12's marks without their numbers:\n%s", b.String())
	}
}

func ptrs(rows []kpi.Row) []*kpi.Row {
	out := make([]*kpi.Row, len(rows))
	for i := range rows {
		out[i] = &rows[i]
	}
	return out
}

// Markdown has the same columns, the uncertain status in words and the
// notes as a list.
func TestMarkdownShowsIntervalsAndNotes(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, insightScorecard(), "test", insightAnnotations...); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| Status | KPI | channel | Value | 95% CI | Target | Benchmark | Δ vs Feb 2026 | n |",
		"| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
		"| ◌ uncertain | CSAT | web | 77.5% | 62.5–87.7 | ≥ 80% | 78% | ≈ ▲ 0.4 pts | 40 |",
		"- ◌ uncertain: short of target, but its 95% CI reaches it\n- ≈ Δ within noise (95%); no ≈: beyond noise, or not tested (medians, counts, composites)",
		"- CSAT benchmark 78% (2025 level): kpiscope report --period 2025",
		"- ※ 2–27 Mar 2026: Platform incident",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
}

// CSV keeps its columns and adds issue 12's at the end; an untested change
// has an empty significant cell, a KPI without interval says why.
func TestCSVInsightColumns(t *testing.T) {
	var b bytes.Buffer
	if err := CSV(&b, insightScorecard()); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Join(recs[0], ",")
	if want := "kpi,name,segment,period,value,unit,target,status,delta,compare_to,n,low_n,error,segments_truncated," +
		"ci_low,ci_high,no_ci,delta_ci_low,delta_ci_high,significant,benchmark,benchmark_label,benchmark_source,pace_projected,pace_needed"; head != want {
		t.Fatalf("header\n%s\nwant\n%s", head, want)
	}
	for i, want := range []string{
		"csat,CSAT,web,2026-03,77.5,%,80,uncertain,0.4,Feb 2026,40,false,,,62.5,87.7,,-8.1,8.9,false,78,2025 level,kpiscope report --period 2025,,",
		"csat,CSAT,Total,2026-03,80,%,80,green,-1.8,Feb 2026,100,false,,0,71.1,86.7,,-4.1,0.5,false,78,2025 level,kpiscope report --period 2025,79.6,82.9",
		"resolution_median,Resolution time (median),Total,2026-03,9.1,h,,untargeted,0.2,Feb 2026,100,false,,0,,,a median: no interval,,,,,,,,",
	} {
		if got := strings.Join(recs[i+2], ","); got != want {
			t.Errorf("row %d\n%s\nwant\n%s", i+2, got, want)
		}
	}
}

// JSON carries the intervals (null where absent), the benchmark, the pace
// and forecast on the total, and the annotations of the trend's window
// (Apr 2025 – Mar 2026) that apply to the rows: not the one for a team the
// breakdown by channel does not show, nor those before or after.
func TestJSONInsightFields(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, insightScorecard(), "test", nil, insightAnnotations...); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Rows        []map[string]any `json:"rows"`
		Annotations []map[string]any `json:"annotations"`
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	total, med := out.Rows[2], out.Rows[3]
	for k, want := range map[string]any{"ci_low": 71.1, "ci_high": 86.7, "delta_ci_low": -4.1, "delta_ci_high": 0.5, "significant": false} {
		if total[k] != want {
			t.Errorf("total %s = %v, want %v", k, total[k], want)
		}
	}
	for _, k := range []string{"ci_low", "ci_high", "delta_ci_low", "delta_ci_high", "significant"} {
		if v, ok := med[k]; !ok || v != nil {
			t.Errorf("median %s = %v (present %v), want null", k, v, ok)
		}
	}
	if med["no_ci"] != "a median: no interval" {
		t.Errorf("median no_ci %v", med["no_ci"])
	}
	bench, _ := total["benchmark"].(map[string]any)
	if bench["value"] != 78.0 || bench["label"] != "2025 level" || bench["source"] != "kpiscope report --period 2025" {
		t.Errorf("benchmark %v", total["benchmark"])
	}
	pace, _ := total["pace"].(map[string]any)
	if pace["elapsed"] != 0.5 || pace["projected"] != 79.6 || pace["needed"] != 82.9 || pace["expected_rest"] != 1288.0 ||
		pace["reachable"] != true || !strings.Contains(pace["line"].(string), "need 82.9%") {
		t.Errorf("pace %v", total["pace"])
	}
	if _, ok := out.Rows[0]["pace"]; ok {
		t.Error("a segment row has a pace")
	}
	fc, _ := total["forecast"].(map[string]any)
	pts, _ := fc["points"].([]any)
	if fc["method"] != "Holt's linear trend" || len(pts) != 2 {
		t.Fatalf("forecast %v", total["forecast"])
	}
	if p := pts[1].(map[string]any); p["period"] != "2026-05" || p["value"] != 81.0 || p["low"] != 76.0 || p["high"] != 86.0 {
		t.Errorf("forecast point %v", p)
	}
	var got []string
	for _, a := range out.Annotations {
		s := a["from"].(string) + ".." + a["to"].(string) + " " + a["label"].(string)
		if d, ok := a["dimension"]; ok {
			s += " " + d.(string) + "=" + a["value"].(string)
		}
		got = append(got, s)
	}
	want := []string{"2025-11-01..2025-12-31 Holiday season", "2026-02-14..2026-02-14 Web form outage channel=web", "2026-03-02..2026-03-27 Platform incident"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("annotations\n%v\nwant\n%v", got, want)
	}
}

// Without annotations the JSON still has the key, as an empty list.
func TestJSONAnnotationsEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, insightScorecard(), "test", nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"annotations": []`) {
		t.Errorf("no empty annotations list:\n%s", b.String())
	}
}

func TestAnnotationDays(t *testing.T) {
	for _, c := range []struct {
		from, to, want string
	}{
		{"2026-03-14", "2026-03-15", "14 Mar 2026"},
		{"2026-03-02", "2026-03-28", "2–27 Mar 2026"},
		{"2026-03-30", "2026-04-03", "30 Mar – 2 Apr 2026"},
		{"2025-11-01", "2026-01-01", "1 Nov – 31 Dec 2025"},
		{"2025-12-30", "2026-01-03", "30 Dec 2025 – 2 Jan 2026"},
	} {
		if got := AnnotationDays(kpi.Annotation{From: day(c.from), To: day(c.to)}); got != c.want {
			t.Errorf("%s..%s: %q, want %q", c.from, c.to, got, c.want)
		}
	}
}

// The interval cell fits the 80-column scorecard: no suffix unit (the value
// beside it has it), a currency once, whole currency units from 100 on.
func TestCIText(t *testing.T) {
	for _, c := range []struct {
		unit     string
		decimals int
		lo, hi   float64
		want     string
	}{
		{"%", 1, 78.30586, 81.86462, "78.3–81.9"},
		{"", 0, 34.89, 45.16, "35–45"},
		{"h", 1, 17.94, 20.06, "17.9–20.1"},
		{"$", 2, 115.67, 123.25, "$116–123"},
		{"$", 2, 3.412, 3.889, "$3.41–3.89"},
		{"$", 2, 98.5, 101.2, "$98.50–101.20"},
		{"", 0, -38.2, 66.4, "−38–66"},
		{"", 0, -100, -100, "−100–−100"},
		{"$", 2, -3.5, 1.25, "−$3.50–1.25"},
	} {
		d := &kpi.Def{Unit: c.unit, Decimals: c.decimals}
		l := Line{CILow: ptr(c.lo), CIHigh: ptr(c.hi), def: d}
		if got := l.ciText(); got != c.want {
			t.Errorf("%s %v–%v: %q, want %q", c.unit, c.lo, c.hi, got, c.want)
		}
	}
	if got := (Line{def: &kpi.Def{}}).ciText(); got != "—" {
		t.Errorf("no interval: %q", got)
	}
}

// A benchmark without a label of its own (the config's default,
// "benchmark") is not named twice: "CSAT benchmark 78%: <source>", not
// "CSAT benchmark 78% (benchmark): <source>".
func TestBenchmarkNoteWithoutLabel(t *testing.T) {
	sc := insightScorecard()
	sc.Results[0].Def.Benchmark = &kpi.Benchmark{Value: 78, Label: "benchmark", Source: "internal"}
	var b bytes.Buffer
	if err := Plain(&b, sc, "test"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\nCSAT benchmark 78%: internal\n") {
		t.Errorf("no 'CSAT benchmark 78%%: internal' in\n%s", b.String())
	}
}
