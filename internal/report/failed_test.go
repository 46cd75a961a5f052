package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// failingScorecard computes the sample's tickets with three built-in KPIs
// and a custom one that passes validation but fails on the rows (a text
// column cast to a number), batched with the built-ins by the engine.
func failingScorecard(t *testing.T, opts ...kpi.Option) *kpi.Scorecard {
	t.Helper()
	tickets, err := filepath.Abs("../../sampledata/tickets.parquet")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "kpiscope.yaml")
	yaml := `sources:
  tickets: {path: "` + tickets + `"}
dimensions: [channel]
kpis:
  - use: csat
  - use: fcr
  - use: resolution_time
  - id: bad_cast
    name: Bad cast
    type: ratio
    source: tickets
    time: resolved_at
    numerator: sum(CAST(channel AS INTEGER))
    denominator: count(*)
    better: higher
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	sc, err := ws.Engine.Compute(ctx, kpi.Slice{Grain: kpi.Month}, nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestReportWithOneFailingKPI: every format prints the KPIs that computed
// with their numbers and the failing one as an error with its message, and
// Failed reports that one KPI (so `report` can exit non-zero after printing).
func TestReportWithOneFailingKPI(t *testing.T) {
	sc := failingScorecard(t, kpi.WithoutExtras())
	good := []string{"csat", "fcr", "resolution_time"}
	why := `column "channel" in tickets holds text where numbers are needed`

	var b bytes.Buffer
	if err := Plain(&b, sc, "x"); err != nil {
		t.Fatal(err)
	}
	table := b.String()
	if n := strings.Count(table, " error"); n != 1 {
		t.Errorf("table: %d KPIs say error, want 1:\n%s", n, table)
	}
	for _, want := range []string{"CSAT  ", "First contact resolution  ", "Resolution time  ", "! Bad cast: " + "query failed: KPI bad_cast: " + why} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}

	b.Reset()
	if err := JSON(&b, sc, "x", nil); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Rows []Line `json:"rows"`
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	byID := map[string]Line{}
	for _, l := range out.Rows {
		byID[l.KPI] = l
	}
	for _, id := range good {
		if l := byID[id]; l.Error != "" || l.Value == nil {
			t.Errorf("json %s: value %v, error %q; want its number", id, l.Value, l.Error)
		}
	}
	if l := byID["bad_cast"]; !strings.Contains(l.Error, why) || l.Value != nil {
		t.Errorf("json bad_cast: value %v, error %q", l.Value, l.Error)
	}

	b.Reset()
	if err := CSV(&b, sc); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	errs := 0
	for _, r := range recs[1:] {
		if r[12] != "" { // error
			errs++
			if r[0] != "bad_cast" || r[4] != "" {
				t.Errorf("csv: %q in error", r)
			}
		} else if r[4] == "" {
			t.Errorf("csv: %s has no value", r[0])
		}
	}
	if errs != 1 {
		t.Errorf("csv: %d rows in error, want 1", errs)
	}

	err = Failed(sc)
	var fe *FailedError
	if !errors.As(err, &fe) || len(fe.Failed) != 1 || fe.Failed[0].Def.ID != "bad_cast" {
		t.Fatalf("Failed = %v, want bad_cast alone", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "1 of 4 KPIs could not be computed: query failed: KPI bad_cast: "+why) {
		t.Errorf("message %q", msg)
	}
}

func TestFailed(t *testing.T) {
	def := func(id string) *kpi.Def { return &kpi.Def{ID: id, Type: kpi.Ratio} }
	sc := &kpi.Scorecard{Results: []kpi.Result{{Def: def("a")}, {Def: def("b")}}}
	if err := Failed(sc); err != nil {
		t.Errorf("no KPI in error: %v", err)
	}
	sc.Results[1].Err = fmt.Errorf("channel: %w", kpi.ErrNotSliceable)
	if err := Failed(sc); err != nil {
		t.Errorf("a KPI the filter does not apply to is not a failure: %v", err)
	}
	sc.Results[0].Err = errors.New("division\nby zero")
	for _, id := range []string{"c", "d", "e", "f"} {
		sc.Results = append(sc.Results, kpi.Result{Def: def(id), Err: errors.New("boom " + id)})
	}
	err := Failed(sc)
	want := "5 of 6 KPIs could not be computed: a: division by zero; c: boom c; d: boom d; and 2 more (see the report)"
	if err == nil || err.Error() != want {
		t.Errorf("Failed = %v\nwant      %s", err, want)
	}
	if !errors.Is(err, sc.Results[0].Err) {
		t.Error("the KPIs' own errors are not wrapped")
	}
}

// TestExtrasError: a KPI whose extra statistics failed keeps its value, and
// the report says why the extras are missing (json: extras_error; table:
// under it); it is not a failed KPI.
func TestExtrasError(t *testing.T) {
	def := &kpi.Def{ID: "talk", Name: "Talk time", Type: kpi.Formula, Unit: "min", Better: kpi.Lower}
	sc := &kpi.Scorecard{Slice: kpi.Slice{Grain: kpi.All}, Results: []kpi.Result{{Def: def,
		Total:     kpi.Row{Total: true, Point: kpi.Point{Value: ptr(4.5)}, Status: kpi.NoTarget},
		ExtrasErr: errors.New("extra statistics (median): query failed: Conversion Error")}}}
	var b bytes.Buffer
	if err := JSON(&b, sc, "x", nil); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Rows []Line `json:"rows"`
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if r := out.Rows[0]; r.Value == nil || r.Error != "" || r.ExtrasError != sc.Results[0].ExtrasErr.Error() {
		t.Errorf("json row: value %v, error %q, extras_error %q", r.Value, r.Error, r.ExtrasError)
	}
	b.Reset()
	if err := Plain(&b, sc, "x"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "! Talk time: extra statistics (median): query failed") || strings.Contains(b.String(), "error ") {
		t.Errorf("table:\n%s", b.String())
	}
	if err := Failed(sc); err != nil {
		t.Errorf("missing extras are not a failed KPI: %v", err)
	}
}
