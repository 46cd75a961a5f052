package workspace

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
)

// A config's annotations, benchmarks and interval kinds reach the engine.
func TestConfigReferencesReachTheEngine(t *testing.T) {
	dir := t.TempDir()
	csv := "id,team,score,d\n1,A,5,2026-03-01\n2,B,3,2026-03-02\n"
	if err := os.WriteFile(filepath.Join(dir, "t.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := `sources:
  t: {path: t.csv, time: d}
kpis:
  - id: happy
    type: ratio
    numerator: count(*) FILTER (WHERE score >= 4)
    denominator: count(score)
    better: higher
    interval: proportion
    benchmark: {value: 0.7, label: last year, source: "2025 report"}
annotations:
  - {from: 2026-03-02, to: 2026-03-03, label: outage, segment: {team: B}}
`
	cfgPath := filepath.Join(dir, "kpiscope.yaml")
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Open(context.Background(), Options{ConfigPath: cfgPath})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	want := []kpi.Annotation{{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), Label: "outage", Dim: "team", Value: "B"}}
	if got := w.Engine.Annotations(); len(got) != 1 || got[0] != want[0] {
		t.Errorf("engine annotations %+v, want %+v", got, want)
	}
	d := w.Engine.Def("happy")
	if d == nil || d.Benchmark == nil || d.Benchmark.Value != 0.7 || d.IntervalKind() != kpi.IntervalProportion {
		t.Errorf("happy = %+v", d)
	}

	// A segment the data has no column for is refused at its line.
	bad := strings.Replace(yaml, "{team: B}", "{region: EMEA}", 1)
	if err := os.WriteFile(cfgPath, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), Options{ConfigPath: cfgPath})
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Line != 12 || !strings.Contains(err.Error(), `unknown dimension "region"`) {
		t.Errorf("err = %v, want %s:12 naming the unknown dimension", err, cfgPath)
	}
}

// The sample's annotations reach its engine.
func TestSampleHasAnnotations(t *testing.T) {
	w, err := Open(context.Background(), Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if len(w.Engine.Annotations()) == 0 {
		t.Error("the sample has no annotations")
	}
}

// An annotation's segment value that its column never holds is refused at
// its line, with the nearest value and the values there are (team holds
// Alpha and Beta; "Betta" was meant as Beta).
func TestAnnotationSegmentValueMustOccur(t *testing.T) {
	dir := t.TempDir()
	csv := "id,team,score,d\n1,Alpha,5,2026-03-01\n2,Beta,3,2026-03-02\n"
	if err := os.WriteFile(filepath.Join(dir, "t.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := `sources:
  t: {path: t.csv, time: d}
kpis:
  - id: happy
    type: ratio
    numerator: count(*) FILTER (WHERE score >= 4)
    denominator: count(score)
    better: higher
annotations:
  - {date: 2026-03-02, label: outage, segment: {team: Betta}}
`
	cfgPath := filepath.Join(dir, "kpiscope.yaml")
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), Options{ConfigPath: cfgPath})
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Line != 10 ||
		!strings.Contains(err.Error(), `team never holds "Betta"; did you mean "Beta"? (its values: Alpha, Beta; they must match exactly)`) {
		t.Errorf("err = %v, want %s:10 refusing Betta with the values", err, cfgPath)
	}
	// the value as the data has it is accepted
	if err := os.WriteFile(cfgPath, []byte(strings.Replace(yaml, "Betta", "Beta", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Open(context.Background(), Options{ConfigPath: cfgPath})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
}
