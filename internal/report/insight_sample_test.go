package report

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// On the sample, March 2026 (the incident month) against February: CSAT's
// interval is the Wilson interval of its own components, its fall is a real
// one (no ≈), and the report lists the sample's annotations: the incident
// under the table, and in JSON those of the trend's twelve months.
func TestSampleReportShowsIncident(t *testing.T) {
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	s := kpi.Slice{Grain: kpi.Month, Period: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	sc, err := ws.Engine.Compute(ctx, s, []string{"csat", "resolution_median"}, kpi.WithoutExtras())
	if err != nil {
		t.Fatal(err)
	}
	ann := ws.Engine.Annotations()

	var js bytes.Buffer
	if err := JSON(&js, sc, "sample", nil, ann...); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Rows []struct {
			KPI         string             `json:"kpi"`
			Value       *float64           `json:"value"`
			Components  map[string]float64 `json:"components"`
			CILow       *float64           `json:"ci_low"`
			CIHigh      *float64           `json:"ci_high"`
			NoCI        string             `json:"no_ci"`
			Delta       *float64           `json:"delta"`
			DeltaCILow  *float64           `json:"delta_ci_low"`
			DeltaCIHigh *float64           `json:"delta_ci_high"`
			Significant *bool              `json:"significant"`
		} `json:"rows"`
		Annotations []AnnotationJSON `json:"annotations"`
	}
	if err := json.Unmarshal(js.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	csat, med := out.Rows[0], out.Rows[1]
	// Wilson score interval on x of n, z = 1.959964.
	x, n := csat.Components["num"], csat.Components["den"]
	p, z := x/n, 1.959963984540054
	centre := (p + z*z/(2*n)) / (1 + z*z/n)
	half := z / (1 + z*z/n) * math.Sqrt(p*(1-p)/n+z*z/(4*n*n))
	if csat.CILow == nil || csat.CIHigh == nil || math.Abs(*csat.CILow-100*(centre-half)) > 1e-9 || math.Abs(*csat.CIHigh-100*(centre+half)) > 1e-9 {
		t.Errorf("CSAT %v of %v: interval %v–%v, want Wilson %.4f–%.4f", x, n, csat.CILow, csat.CIHigh, 100*(centre-half), 100*(centre+half))
	}
	if csat.Significant == nil || !*csat.Significant || csat.DeltaCIHigh == nil || *csat.DeltaCIHigh >= 0 || *csat.Delta > -5 {
		t.Errorf("CSAT's incident fall %v (interval %v–%v) is not a real one", csat.Delta, csat.DeltaCILow, csat.DeltaCIHigh)
	}
	if med.CILow != nil || med.Significant != nil || med.NoCI == "" {
		t.Errorf("the median has an interval %v or a test %v, or no reason %q", med.CILow, med.Significant, med.NoCI)
	}
	var got []string
	for _, a := range out.Annotations {
		got = append(got, a.From+".."+a.To+" "+a.Label)
	}
	want := []string{
		"2025-11-01..2025-12-31 Holiday orders, dearer ads",
		"2026-01-01..2026-01-31 New-year ticket peak",
		"2026-03-02..2026-03-27 Platform incident: ticket backlog",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("annotations\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	var txt bytes.Buffer
	if err := Plain(&txt, sc, "sample", ann...); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(txt.String(), "\n")
	if !strings.Contains(lines[2], "95% CI") || !strings.HasPrefix(lines[3], "○  CSAT") || strings.Contains(lines[3], NoiseMark) {
		t.Errorf("CSAT's line:\n%s", txt.String())
	}
	if !strings.Contains(txt.String(), "\n※ 2–27 Mar 2026: Platform incident: ticket backlog\n") {
		t.Errorf("the incident is not noted under the table:\n%s", txt.String())
	}
}
