package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Files that give no KPI: report FILE says what init says (a churn flag on
// rows that are not customers: A is listed twice), and a config init wrote
// with kpis: [] says the same, not "run init --print" again.
func TestNoKPISaysWhy(t *testing.T) {
	data, err := filepath.Abs(filepath.Join("testdata", "churn_events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	why := "churned looks like a churn flag, but the rows are not customers (customer_id names 4 customers on 5 rows): no churn rate"
	code, _, errs := kpiscopeCLI(t, "report", data)
	if code != 2 || !strings.Contains(errs, "no KPI can be computed from "+data+": "+why) || strings.Contains(errs, "standard data model") {
		t.Errorf("report FILE: exit %d, stderr %q", code, errs)
	}
	cfg := filepath.Join(t.TempDir(), "kpiscope.yaml")
	if code, _, errs := kpiscopeCLI(t, "init", data, "--out", cfg); code != 0 {
		t.Fatalf("init: exit %d, %s", code, errs)
	}
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "kpis: []\n# No KPI could be inferred: "+why+".\n") {
		t.Errorf("init's comment does not say why:\n%s", text)
	}
	code, _, errs = kpiscopeCLI(t, "report", "--config", cfg)
	if code != 2 || !strings.Contains(errs, "defines no KPI") || !strings.Contains(errs, "nothing could be inferred from its files: "+why) || strings.Contains(errs, "init --print") {
		t.Errorf("report on kpis: []: exit %d, stderr %q", code, errs)
	}
}
