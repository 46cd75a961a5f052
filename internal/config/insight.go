package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"kpiscope/internal/kpi"
)

// The references a KPI is read against (issue 12): a benchmark beside its
// target, the kind of interval its value has, and the dated annotations
// that explain a move on the trend.

type benchmarkYAML struct {
	Value  *float64 `yaml:"value"`
	Label  string   `yaml:"label"`
	Source string   `yaml:"source"`
}

type annotationYAML struct {
	Date    string            `yaml:"date"`
	From    string            `yaml:"from"`
	To      string            `yaml:"to"`
	Label   string            `yaml:"label"`
	Segment map[string]string `yaml:"segment"`
}

// Annotation is one annotations: entry and where it was written.
type Annotation struct {
	kpi.Annotation
	Line int // its line in the file
}

// KPIAnnotations returns the annotations for kpi.Options.Annotations, in the
// order written.
func (c *Config) KPIAnnotations() []kpi.Annotation {
	if c == nil || len(c.Annotations) == 0 {
		return nil
	}
	out := make([]kpi.Annotation, len(c.Annotations))
	for i, a := range c.Annotations {
		out[i] = a.Annotation
	}
	return out
}

// DefaultBenchmarkLabel is a benchmark's label when label: is left out.
const DefaultBenchmarkLabel = "benchmark"

// intervalKinds are the values interval: takes.
var intervalKinds = []kpi.IntervalKind{kpi.IntervalProportion, kpi.IntervalNPS, kpi.IntervalMean, kpi.IntervalNone}

// insight sets a definition's benchmark and interval kind from its entry.
func (c *Config) insight(k KPI, d *kpi.Def) error {
	if b := k.Benchmark; b != nil {
		fail := func(format string, a ...any) error {
			return &Error{Path: c.Path, Line: k.benchLine, Msg: fmt.Sprintf("KPI %s: benchmark: ", d.ID) + fmt.Sprintf(format, a...)}
		}
		example := `e.g. benchmark: {value: 78, label: industry median, source: "Survey 2025, https://example.org/report"}`
		if b.Value == nil {
			return fail("value is missing, %s", example)
		}
		if strings.TrimSpace(b.Source) == "" {
			return fail("source is missing: a figure without a source is refused; add source: with where %s comes from (a report, its year and URL, or the query it was computed with), %s", strconv.FormatFloat(*b.Value, 'f', -1, 64), example)
		}
		label := strings.TrimSpace(b.Label)
		if label == "" {
			label = DefaultBenchmarkLabel
		}
		d.Benchmark = &kpi.Benchmark{Value: *b.Value, Label: label, Source: strings.TrimSpace(b.Source)}
	}
	if k.Interval != "" {
		fail := func(format string, a ...any) error {
			return &Error{Path: c.Path, Line: k.ivalLine, Msg: fmt.Sprintf("KPI %s: interval: ", d.ID) + fmt.Sprintf(format, a...)}
		}
		kind := kpi.IntervalKind(strings.ToLower(strings.TrimSpace(k.Interval)))
		valid := false
		var names []string
		for _, v := range intervalKinds {
			names = append(names, string(v))
			valid = valid || v == kind
		}
		if !valid {
			return fail("%q is not an interval kind; use %s, or leave interval: out to have it inferred from the formula", k.Interval, strings.Join(names, ", "))
		}
		d.Interval = kind
		// The interval is computed from the value's additive parts: the
		// formula must have the form the kind needs.
		if err := d.CheckInterval(); err != nil {
			return fail("%v", err)
		}
	}
	return nil
}

// annotation checks one annotations: entry: a date or an inclusive from/to
// range, a label, and at most one segment pair. The range is kept as
// [From, To), To the day after the last.
func (c *Config) annotation(a annotationYAML, line int) (Annotation, error) {
	fail := func(format string, args ...any) error {
		return &Error{Path: c.Path, Line: line, Msg: "annotation: " + fmt.Sprintf(format, args...)}
	}
	day := func(key, s string) (time.Time, error) {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
		if err != nil {
			return time.Time{}, fail("%s: %q is not a date; use YYYY-MM-DD, e.g. %s: 2026-03-14", key, s, key)
		}
		return t, nil
	}
	var out Annotation
	out.Line = line
	switch {
	case a.Date != "" && (a.From != "" || a.To != ""):
		return out, fail("give date: for one day or from: and to: for a range, not both")
	case a.Date != "":
		t, err := day("date", a.Date)
		if err != nil {
			return out, err
		}
		out.From, out.To = t, t.AddDate(0, 0, 1)
	case a.From != "" || a.To != "":
		if a.From == "" || a.To == "" {
			return out, fail("a range needs both from: and to: (inclusive dates, e.g. {from: 2026-03-02, to: 2026-03-27}); for one day use date:")
		}
		f, err := day("from", a.From)
		if err != nil {
			return out, err
		}
		t, err := day("to", a.To)
		if err != nil {
			return out, err
		}
		if t.Before(f) {
			return out, fail("to: %s is before from: %s; to: is the last day of the range", a.To, a.From)
		}
		out.From, out.To = f, t.AddDate(0, 0, 1)
	default:
		return out, fail("no date; add date: 2026-03-14 for one day, or from: and to: for a range")
	}
	out.Label = strings.TrimSpace(a.Label)
	if out.Label == "" {
		return out, fail("%s has no label; add label: with what happened (e.g. label: March incident)", dateText(out.Annotation))
	}
	switch len(a.Segment) {
	case 0:
	case 1:
		for k, v := range a.Segment {
			out.Dim, out.Value = k, v
		}
		if out.Dim == "" || out.Value == "" {
			return out, fail("segment: needs a dimension and a value, e.g. segment: {team: Technical}")
		}
		if c.Dimensions != nil && !contains(c.Dimensions, out.Dim) {
			return out, fail("segment: %q is not among the dimensions (%s); name one of them, or add it to dimensions:", out.Dim, strings.Join(c.Dimensions, ", "))
		}
	default:
		keys := make([]string, 0, len(a.Segment))
		for k := range a.Segment {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return out, fail("segment: takes one dimension: value pair, not %d (%s); write one annotation per segment", len(keys), strings.Join(keys, ", "))
	}
	return out, nil
}

// dateText names an annotation's days: "2026-03-14", "2026-03-02 to 2026-03-27".
func dateText(a kpi.Annotation) string {
	last := a.To.AddDate(0, 0, -1)
	if !last.After(a.From) {
		return a.From.Format(time.DateOnly)
	}
	return a.From.Format(time.DateOnly) + " to " + last.Format(time.DateOnly)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
