package printer

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"kpiscope/internal/kpi"
)

// With the 95% CI and Benchmark columns the value and interval stay aligned
// right (report.NumericCols), a change within noise is marked ≈, and the
// period's annotations are listed under the table.
func TestPrintInsightColumns(t *testing.T) {
	v1, v2 := 9.5, 80.0
	def := &kpi.Def{ID: "csat", Name: "CSAT", Unit: "%", Decimals: 1, Better: kpi.Higher, Time: "d",
		Benchmark: &kpi.Benchmark{Value: 78, Label: "2025 level", Source: "own data"}}
	no := false
	d := -1.8
	row := func(seg string, v *float64) kpi.Row {
		return kpi.Row{Segment: seg, Point: kpi.Point{Value: v, N: 100, HasN: true}, Status: kpi.NoTarget,
			CI: &kpi.Interval{Low: *v - 1, High: *v + 1}, Delta: &d, Significant: &no, CompareTo: "Feb 2026"}
	}
	total := row("", &v2)
	total.Total = true
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	sc := &kpi.Scorecard{
		Slice:         kpi.Slice{Grain: kpi.Month, Period: march, Segment: "channel"},
		ComparePeriod: march.AddDate(0, -1, 0),
		Results:       []kpi.Result{{Def: def, Total: total, Segments: []kpi.Row{row("web", &v1)}}},
	}
	var b bytes.Buffer
	ann := kpi.Annotation{From: march.AddDate(0, 0, 1), To: march.AddDate(0, 0, 27), Label: "Platform incident"}
	if err := Print(&b, sc, "t.csv", ann); err != nil {
		t.Fatal(err)
	}
	out := ansi.Strip(b.String())
	for _, want := range []string{
		"│ Value │    95% CI │ Target │ Benchmark │",
		"│  9.5% │  8.5–10.5 │      — │       78% │   ≈ ▼ 1.8 pts │",
		"≈ Δ within noise (95%)",
		"※ 2–27 Mar 2026: Platform incident",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
