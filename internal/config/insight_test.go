package config_test

import (
	"errors"
	"strings"
	"testing"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
)

// wantErrAt parses a config and checks that it fails at a line with every
// fragment in its message.
func wantErrAt(t *testing.T, yaml string, line int, msgs ...string) {
	t.Helper()
	_, err := config.Parse(cfgPath, []byte(yaml))
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v (%T), want a *config.Error", err, err)
	}
	if ce.Line != line {
		t.Errorf("line %d, want %d: %v", ce.Line, line, err)
	}
	for _, m := range msgs {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("err = %q, want it to contain %q", err, m)
		}
	}
}

const srcT = "sources:\n  t: {path: t.csv}\n"

// A benchmark is read with its label (defaulted) and its source; an
// interval kind overrides the one the formula shows.
func TestBenchmarkAndInterval(t *testing.T) {
	ds := defs(t, srcT+`kpis:
  - use: csat
    benchmark:
      value: 78.5
      source: "the sample's own 2025 figure"
  - use: nps
    benchmark: {value: 36, label: B2B SaaS median, source: "Survey 2025, https://example.org"}
    interval: none
  - id: happy
    type: ratio
    numerator: count(*) FILTER (WHERE score >= 4)
    denominator: count(score)
    better: higher
    interval: proportion
`)
	if b := ds["csat"].Benchmark; b == nil || b.Value != 78.5 || b.Label != "benchmark" || b.Source != "the sample's own 2025 figure" {
		t.Errorf("csat benchmark %+v, want 78.5 labelled benchmark", b)
	}
	if b := ds["nps"].Benchmark; b == nil || b.Value != 36 || b.Label != "B2B SaaS median" {
		t.Errorf("nps benchmark %+v", b)
	}
	if k := ds["nps"].IntervalKind(); k != kpi.IntervalNone {
		t.Errorf("nps with interval: none has %q", k)
	}
	// Without scale: 100 the formula alone does not show a proportion.
	if k := ds["happy"].IntervalKind(); k != kpi.IntervalProportion {
		t.Errorf("happy with interval: proportion has %q", k)
	}
	if ds["csat"].Benchmark == nil || ds["resolution_time"] != nil {
		t.Error("unexpected definitions")
	}
	if d := defs(t, srcT+"kpis:\n  - use: csat\n")["csat"]; d.Benchmark != nil || d.Interval != "" {
		t.Errorf("no benchmark: or interval: gives %+v, %q", d.Benchmark, d.Interval)
	}
}

// Annotations: a date is one day, a range's to: is inclusive, both kept as
// [From, To); a segment is one dimension = value.
func TestAnnotations(t *testing.T) {
	cfg := parse(t, srcT+`dimensions: [team, channel]
annotations:
  - date: 2026-03-14
    label: Pricing change
  - {from: 2026-03-02, to: 2026-03-27, label: Platform incident, segment: {team: Technical}}
`)
	want := []config.Annotation{
		{Annotation: kpi.Annotation{From: date("2026-03-14"), To: date("2026-03-15"), Label: "Pricing change"}, Line: 5},
		{Annotation: kpi.Annotation{From: date("2026-03-02"), To: date("2026-03-28"), Label: "Platform incident", Dim: "team", Value: "Technical"}, Line: 7},
	}
	if len(cfg.Annotations) != len(want) {
		t.Fatalf("annotations %+v", cfg.Annotations)
	}
	for i := range want {
		if cfg.Annotations[i] != want[i] {
			t.Errorf("annotation %d = %+v, want %+v", i, cfg.Annotations[i], want[i])
		}
	}
	if got := cfg.KPIAnnotations(); len(got) != 2 || got[1] != want[1].Annotation {
		t.Errorf("KPIAnnotations %+v", got)
	}
	// The day after the range is outside it, its last day inside.
	if in := kpi.AnnotationsFor(cfg.KPIAnnotations(), date("2026-03-28"), date("2026-04-01"), nil); len(in) != 0 {
		t.Errorf("after the range: %+v", in)
	}
	if in := kpi.AnnotationsFor(cfg.KPIAnnotations(), date("2026-03-27"), date("2026-03-28"),
		[]kpi.Filter{{Dim: "team", Values: []string{"Technical"}}}); len(in) != 1 {
		t.Errorf("on the range's last day: %+v", in)
	}
}

// Every mistake names the file, the line and the fix.
func TestInsightErrors(t *testing.T) {
	kp := srcT + "kpis:\n  - use: csat\n"
	ann := srcT + "annotations:\n"
	cases := []struct {
		name string
		yaml string
		line int
		msgs []string
	}{
		{"benchmark without source", kp + "    benchmark:\n      value: 78\n", 5, []string{"KPI csat: benchmark: source is missing", "where 78 comes from", "source:"}},
		{"benchmark with a blank source", kp + "    benchmark: {value: 78, source: \" \"}\n", 5, []string{"source is missing"}},
		{"benchmark without value", kp + "    benchmark: {source: ACSI}\n", 5, []string{"value is missing", "e.g. benchmark: {value:"}},
		{"benchmark value not a number", kp + "    benchmark: {value: high, source: x}\n", 5, []string{"value", "not a number"}},
		{"unknown benchmark field", kp + "    benchmark: {value: 78, source: x, year: 2025}\n", 5, []string{`unknown field "year"`}},
		{"unknown interval", kp + "    interval: wilson\n", 5, []string{`KPI csat: interval: "wilson" is not an interval kind`, "proportion, nps, mean, none"}},
		{"interval the formula cannot give", kp + "    interval: nps\n", 5, []string{"nps needs inputs promoters, detractors and n", "interval: none"}},
		{"annotation without a date", ann + "  - label: March incident\n", 4, []string{"annotation: no date", "date: 2026-03-14"}},
		{"annotation with date and range", ann + "  - {date: 2026-03-01, from: 2026-03-01, to: 2026-03-05, label: x}\n", 4, []string{"not both"}},
		{"annotation range without to", ann + "  - {from: 2026-03-01, label: x}\n", 4, []string{"both from: and to:"}},
		{"annotation not a date", ann + "  - {date: 2026-03-01, label: x}\n  - date: 14/03/2026\n    label: y\n", 5, []string{`date: "14/03/2026" is not a date`, "YYYY-MM-DD"}},
		{"annotation impossible date", ann + "  - {date: 2026-02-30, label: y}\n", 4, []string{`"2026-02-30" is not a date`}},
		{"annotation range backwards", ann + "  - {from: 2026-03-05, to: 2026-03-01, label: x}\n", 4, []string{"to: 2026-03-01 is before from: 2026-03-05"}},
		{"annotation without label", ann + "  - {from: 2026-03-02, to: 2026-03-27}\n", 4, []string{"2026-03-02 to 2026-03-27 has no label", "label:"}},
		{"annotation with two segments", ann + "  - {date: 2026-03-02, label: x, segment: {team: A, channel: web}}\n", 4, []string{"one dimension: value pair, not 2 (channel, team)"}},
		{"annotation segment not a dimension", srcT + "dimensions: [team]\nannotations:\n  - {date: 2026-03-02, label: x, segment: {region: APAC}}\n", 5, []string{`segment: "region" is not among the dimensions (team)`}},
		{"annotations not a list", srcT + "annotations: {date: 2026-03-02}\n", 3, []string{"annotations"}},
		{"benchmark a number", kp + "    benchmark: 70\n", 5, []string{"benchmark: takes a mapping with the value, its label and its source, e.g. benchmark: {value: 78,"}},
		{"annotations a block mapping", ann + "  date: 2026-03-02\n  label: x\n", 4, []string{"annotations: takes a list, one entry per note", "e.g. annotations: [{date: 2026-03-14, label: March incident}"}},
		{"annotation segment not a mapping", ann + "  - {date: 2026-03-02, label: x, segment: email}\n", 4, []string{"segment: takes one dimension: value pair, e.g. segment: {channel: email}"}},
		{"unknown annotation field", ann + "  - {day: 2026-03-02, label: x}\n", 4, []string{`unknown field "day"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantErrAt(t, tc.yaml, tc.line, tc.msgs...) })
	}
}
