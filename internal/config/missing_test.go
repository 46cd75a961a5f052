package config_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// A formula over a score column with NA where no answer was given binds and
// counts the answers only: nps is 9, NA, 7, 10, 3 → mean 29/4 = 7.25 over 4.
// With missing: [] the column stays text and the KPI is refused with the
// reason, never computed from a wrong type.
func TestFormulaOverNAColumn(t *testing.T) {
	data, err := filepath.Abs("testdata/missing/survey.csv")
	if err != nil {
		t.Fatal(err)
	}
	kpis := "kpis:\n  - id: mean_nps\n    type: ratio\n    numerator: sum(nps)\n    denominator: count(nps)\n    better: higher\n    time: null\n"
	for _, tc := range []struct {
		name, opts string
		want       float64
	}{{"automatic", "", 7.25}, {"rule off", "    missing: []\n", math.NaN()}} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), config.FileName)
			if err := os.WriteFile(p, []byte("sources:\n  survey:\n    path: "+data+"\n"+tc.opts+kpis), 0o644); err != nil {
				t.Fatal(err)
			}
			ws, err := workspace.Open(context.Background(), workspace.Options{ConfigPath: p})
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			if math.IsNaN(tc.want) {
				if e := ws.Engine.Problems()["mean_nps"]; e == nil || !strings.Contains(e.Error(), "nps") {
					t.Errorf("problem = %v, want the text column named", e)
				}
				return
			}
			if e := ws.Engine.Problems()["mean_nps"]; e != nil {
				t.Fatal(e)
			}
			card, err := ws.Engine.Compute(context.Background(), kpi.Slice{}, []string{"mean_nps"}, kpi.FromScratch())
			if err != nil {
				t.Fatal(err)
			}
			r := card.Find("mean_nps")
			if r == nil || r.Total.Value == nil || *r.Total.Value != tc.want {
				t.Errorf("mean_nps = %+v, want %v", r, tc.want)
			}
		})
	}
}

// With a missing: list that leaves one word in a score column (NULL beside
// NA), the built-in is refused with the word and the fix: add it to
// missing: for the source, not "fix those values in the file".
func TestMissingListLeavesAWord(t *testing.T) {
	dir := t.TempDir()
	body := "id,responded,nps\n1,2026-10-01,9\n2,2026-10-02,NA\n3,2026-10-03,NULL\n4,2026-10-04,-\n5,2026-10-05,7\n"
	if err := os.WriteFile(filepath.Join(dir, "s.csv"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, config.FileName)
	yml := "sources:\n  s:\n    path: s.csv\n    missing: [NA, \"-\"]\nkpis:\n  - use: nps\n    source: s\n    columns: {nps: nps, responded_at: responded}\n"
	if err := os.WriteFile(p, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Open(context.Background(), workspace.Options{ConfigPath: p})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	e := ws.Engine.Problems()["nps"]
	if e == nil || !strings.Contains(e.Error(), `if "NULL" means no value, add it to missing: for source s in kpiscope.yaml`) {
		t.Errorf("problem = %v, want the word NULL and missing: for source s", e)
	}
}
