package report

import (
	"math"
	"sort"
	"strings"
	"time"

	"kpiscope/internal/kpi"
)

// Issue 12's answers in the reports: a value's 95% interval, whether its
// change is within noise, the benchmark beside the target, the outlook of a
// partial period (pace, forecast) and the annotations of the trend's window.

// NoiseMark prefixes a change within noise (its 95% interval holds zero),
// as the explorer does; the legend says what it means.
const NoiseMark = "≈"

// BenchmarkJSON is a KPI's benchmark in the JSON report.
type BenchmarkJSON struct {
	Value  float64 `json:"value"`
	Label  string  `json:"label"`
	Source string  `json:"source"`
}

// PaceJSON is a partial period's outlook in the JSON report (kpi.Pace).
type PaceJSON struct {
	Elapsed      float64  `json:"elapsed"`
	Projected    *float64 `json:"projected"`
	Method       string   `json:"method"`
	ExpectedRest float64  `json:"expected_rest"`
	Needed       *float64 `json:"needed"`
	Reachable    bool     `json:"reachable"`
	// Line is the pacing sentence the explorer shows.
	Line string `json:"line"`
}

// ForecastJSON is a trend's forecast in the JSON report.
type ForecastJSON struct {
	Method string              `json:"method"`
	Points []ForecastPointJSON `json:"points"`
}

// ForecastPointJSON is one forecast period with its 95% prediction interval.
type ForecastPointJSON struct {
	Period string  `json:"period"`
	Value  float64 `json:"value"`
	Low    float64 `json:"low"`
	High   float64 `json:"high"`
}

// AnnotationJSON is an annotation in the JSON report; from and to are its
// first and last days, inclusive, as kpiscope.yaml writes them.
type AnnotationJSON struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Label     string `json:"label"`
	Dimension string `json:"dimension,omitempty"`
	Value     string `json:"value,omitempty"`
}

// columns are the optional columns of a table: shown when any line has them.
type columns struct {
	ci, bench bool
}

func columnsOf(sc *kpi.Scorecard) columns {
	var c columns
	for _, r := range sc.Results {
		c.bench = c.bench || r.Def.Benchmark != nil
		for _, row := range append([]kpi.Row{r.Total}, r.Segments...) {
			c.ci = c.ci || row.CI != nil && r.Err == nil
		}
	}
	return c
}

// addInsight fills a line's interval, significance, benchmark and, on the
// total, the outlook.
func (l *Line) addInsight(sc *kpi.Scorecard, r kpi.Result, row kpi.Row) {
	if row.CI != nil {
		lo, hi := row.CI.Low, row.CI.High
		l.CILow, l.CIHigh = &lo, &hi
	}
	l.NoCI = row.NoCI
	if row.DeltaCI != nil {
		lo, hi := row.DeltaCI.Low, row.DeltaCI.High
		l.DeltaCILow, l.DeltaCIHigh = &lo, &hi
	}
	if row.Significant != nil {
		s := *row.Significant
		l.Significant = &s
	}
	if b := r.Def.Benchmark; b != nil {
		l.Benchmark = &BenchmarkJSON{Value: b.Value, Label: b.Label, Source: b.Source}
	}
	if !row.Total {
		return
	}
	if p := r.Pace; p != nil {
		l.Pace = &PaceJSON{Elapsed: p.Elapsed, Projected: p.Projected, Method: p.Method, ExpectedRest: p.ExpectedRest,
			Needed: p.Needed, Reachable: p.Reachable, Line: p.Line(r.Def, row.Goal)}
	}
	if f := r.Forecast; f != nil && len(f.Points) > 0 {
		fj := &ForecastJSON{Method: f.Method, Points: []ForecastPointJSON{}}
		for _, p := range f.Points {
			fj.Points = append(fj.Points, ForecastPointJSON{Period: sc.Slice.Grain.Format(p.Period), Value: p.Value, Low: p.Low, High: p.High})
		}
		l.Forecast = fj
	}
}

// WithinNoise reports whether the line's change was tested and is within
// noise at 95%.
func (l Line) WithinNoise() bool {
	return l.Delta != nil && l.Significant != nil && !*l.Significant
}

// noiseMarked reports whether the change's cell gets NoiseMark: a change
// within noise that shows as one (not "= 0.0h").
func (l Line) noiseMarked() bool {
	if !l.WithinNoise() || l.def == nil {
		return false
	}
	arrow, _ := l.def.DeltaParts(*l.Delta, true)
	return arrow != "="
}

// ciText is the value's 95% interval, compactly, so that the scorecard
// stays within 80 columns: the ends without a suffix unit (the value beside
// them has it: "78.3–81.9", "17.9–20.1"), a currency once at the start, in
// whole units from 100 on ("$116–123" for $115.67–$123.25; "$3.41–3.89"),
// negative ends with "−" ("−38–66"); "—" without one.
func (l Line) ciText() string {
	if l.CILow == nil || l.CIHigh == nil || l.def == nil {
		return "—"
	}
	d := l.def
	lo, hi := *l.CILow, *l.CIHigh
	dec := d.Decimals
	switch d.Unit {
	case "$", "€", "£":
		if math.Abs(lo) >= 100 && math.Abs(hi) >= 100 {
			dec = 0
		}
		return Minus(d.FormatNumber(lo, dec)) + "–" + Minus(kpi.FormatFloat(hi, dec))
	}
	return Minus(kpi.FormatFloat(lo, dec)) + "–" + Minus(kpi.FormatFloat(hi, dec))
}

// Minus writes a formatted number's sign as "−", as the deltas have it
// ("−38–66", "−5.7%"); CSV and JSON keep plain numbers.
func Minus(s string) string { return strings.ReplaceAll(s, "-", "−") }

// benchText is the benchmark's value in the KPI's unit; "—" without one.
func (l Line) benchText() string {
	if l.Benchmark == nil || l.def == nil {
		return "—"
	}
	dec := l.def.Decimals
	if v := l.Benchmark.Value; v == float64(int64(v)) {
		dec = 0
	}
	return Minus(l.def.FormatNumber(l.Benchmark.Value, dec))
}

// legend2 is the legend's lines for the marks issue 12 adds, each only
// when a line shows it; none when none does. A change without ≈ is beyond
// noise or was not tested (a median, a count, a composite has no test): the
// ≈ line says so, so that no mark does not read as "real".
func legend2(lines []Line) []string {
	var uncertain, noise, approx bool
	for _, l := range lines {
		uncertain = uncertain || l.Status == kpi.Uncertain
		noise = noise || l.noiseMarked()
		approx = approx || l.Approx && l.Value != nil
	}
	var parts []string
	if uncertain {
		parts = append(parts, kpi.Uncertain.Symbol()+" uncertain: short of target, but its 95% CI reaches it")
	}
	if noise {
		parts = append(parts, NoiseMark+" Δ within noise (95%); no "+NoiseMark+": beyond noise, or not tested (medians, counts, composites)")
	}
	if approx {
		parts = append(parts, "~ a median and its Δ from the index's sketch (within 1%)")
	}
	return parts
}

// insightNotes are the footnotes of a table: each benchmark's label and
// source, each partial period's pace, and the annotations of the current
// and comparison periods.
func insightNotes(sc *kpi.Scorecard, annotations []kpi.Annotation) []string {
	var out []string
	for _, r := range sc.Results {
		if b := r.Def.Benchmark; b != nil && r.Err == nil {
			label := "" // a benchmark without its own label is "benchmark" (config.DefaultBenchmarkLabel): not said twice
			if l := strings.TrimSpace(b.Label); l != "" && !strings.EqualFold(l, "benchmark") {
				label = " (" + Clean(l) + ")"
			}
			out = append(out, Clean(r.Def.Label())+" benchmark "+Minus(r.Def.FormatNumber(b.Value, benchDecimals(r.Def, b.Value)))+
				label+": "+Clean(b.Source))
		}
	}
	for _, r := range sc.Results {
		if r.Err != nil || r.Pace == nil {
			continue
		}
		if line := r.Pace.Line(r.Def, r.Total.Goal); line != "" {
			out = append(out, Clean(r.Def.Label())+": "+Clean(line))
		}
	}
	for _, a := range periodAnnotations(sc, annotations) {
		out = append(out, "※ "+AnnotationDays(a)+": "+Clean(a.Label)+segmentOf(a))
	}
	return out
}

func benchDecimals(d *kpi.Def, v float64) int {
	if v == float64(int64(v)) {
		return 0
	}
	return d.Decimals
}

func segmentOf(a kpi.Annotation) string {
	if a.Dim == "" {
		return ""
	}
	return " (" + Clean(a.Dim) + " = " + Clean(a.Value) + ")"
}

// AnnotationDays names an annotation's days: "14 Mar 2026", "2–27 Mar
// 2026", "1 Nov – 31 Dec 2025".
func AnnotationDays(a kpi.Annotation) string {
	last := a.To.AddDate(0, 0, -1)
	switch {
	case !last.After(a.From):
		return a.From.Format("2 Jan 2006")
	case last.Year() != a.From.Year():
		return a.From.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
	case last.Month() != a.From.Month():
		return a.From.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
	}
	return a.From.Format("2") + "–" + last.Format("2 Jan 2006")
}

// periodAnnotations are the annotations of the current and the comparison
// period that apply to the scorecard's rows (see applies).
func periodAnnotations(sc *kpi.Scorecard, list []kpi.Annotation) []kpi.Annotation {
	s := sc.Slice
	if s.Grain == kpi.All || s.Grain == "" || s.Period.IsZero() {
		return applies(sc, list, time.Time{}, time.Time{})
	}
	cur := applies(sc, list, s.Period, s.Grain.Add(s.Period, 1))
	if sc.ComparePeriod.IsZero() {
		return cur
	}
	prev := applies(sc, list, sc.ComparePeriod, s.Grain.Add(sc.ComparePeriod, 1))
	seen := map[kpi.Annotation]bool{}
	var out []kpi.Annotation
	for _, a := range append(prev, cur...) {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// AnnotationsIn returns the annotations within a scorecard's trend window,
// from its earliest trend period to the end of the current one, that apply
// to its rows: those for every slice, those whose segment its filters
// select, and those for a segment of its breakdown.
func AnnotationsIn(sc *kpi.Scorecard, list []kpi.Annotation) []kpi.Annotation {
	s := sc.Slice
	if s.Grain == kpi.All || s.Grain == "" || s.Period.IsZero() {
		return applies(sc, list, time.Time{}, time.Time{})
	}
	from := s.Period
	for _, r := range sc.Results {
		if len(r.Trend) > 0 && !r.Trend[0].Period.IsZero() && r.Trend[0].Period.Before(from) {
			from = r.Trend[0].Period
		}
	}
	if !sc.ComparePeriod.IsZero() && sc.ComparePeriod.Before(from) {
		from = sc.ComparePeriod
	}
	out := applies(sc, list, from, s.Grain.Add(s.Period, 1))
	sort.SliceStable(out, func(i, j int) bool { return out[i].From.Before(out[j].From) })
	return out
}

// applies keeps the annotations overlapping [from, to) (zero: unbounded)
// that apply to the scorecard's filters or to a segment of its breakdown.
func applies(sc *kpi.Scorecard, list []kpi.Annotation, from, to time.Time) []kpi.Annotation {
	var out []kpi.Annotation
	for _, a := range list {
		filters := sc.Slice.Filters
		if a.Dim != "" && a.Dim == sc.Slice.Segment {
			filters = []kpi.Filter{{Dim: a.Dim, Values: []string{a.Value}}}
		}
		out = append(out, kpi.AnnotationsFor([]kpi.Annotation{a}, from, to, filters)...)
	}
	return out
}

// annotationsJSON turns annotations into their JSON form ([] when none).
func annotationsJSON(list []kpi.Annotation) []AnnotationJSON {
	out := []AnnotationJSON{}
	for _, a := range list {
		out = append(out, AnnotationJSON{From: a.From.Format(time.DateOnly), To: a.To.AddDate(0, 0, -1).Format(time.DateOnly),
			Label: a.Label, Dimension: a.Dim, Value: a.Value})
	}
	return out
}
