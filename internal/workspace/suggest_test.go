package workspace

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file name is shell-quoted in the command an error suggests, so pasting
// the suggestion runs kpiscope on that file and nothing else.
func TestSuggestedCommandQuotesFileNames(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, ";rm -rf ~;.csv")
	if err := os.WriteFile(name, []byte("a,b\nx,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), Options{Sources: []string{name}, NoConfig: true})
	if err == nil {
		t.Fatal("a file with no KPI opened without an error")
	}
	want := fmt.Sprintf("run `kpiscope init '%s'`", name)
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q\ndoes not suggest %s", err, want)
	}
	if !strings.Contains(err.Error(), "its table (rm_rf) does not match") {
		t.Errorf("error %q: want the one table named in the singular", err)
	}
}

// A folder of many tables gets a listing cut to a readable length.
func TestNoKPIErrorCutsTableList(t *testing.T) {
	dir := t.TempDir()
	for i := range 30 {
		header := fmt.Sprintf("col%d,other%d\n1,2\n", i, i) // distinct schemas: separate tables
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("t%02d.csv", i)), []byte(header), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Open(context.Background(), Options{Sources: []string{dir}, NoConfig: true})
	if err == nil {
		t.Fatal("no error")
	}
	if !strings.Contains(err.Error(), "and 22 more") || strings.Contains(err.Error(), "t_29") {
		t.Errorf("the table list is not cut: %s", err)
	}
}

// A config that defines no KPI is named, with what to add; it does not tell
// the user to write the config they have.
func TestConfigWithoutKPIs(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "d.csv"), []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "kpiscope.yaml")
	if err := os.WriteFile(cfg, []byte("sources:\n  d: {path: d.csv}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), Options{ConfigPath: cfg})
	if err == nil {
		t.Fatal("a config without KPIs opened")
	}
	if !strings.HasPrefix(err.Error(), cfg+": defines no KPI: add a kpis: section") || strings.Contains(err.Error(), "write a kpiscope.yaml") {
		t.Errorf("error %q", err)
	}
}

// A config without KPIs is explained from the first hintRows rows of its
// files, not all of them: here the first 3 rows have no satisfaction score,
// so the sample gives no KPI (all 10 rows give CSAT, and then the hint would
// be `init --print`), and the message says what it read.
func TestConfigWithoutKPIsExplainedFromFirstRows(t *testing.T) {
	old := hintRows
	hintRows = 3
	defer func() { hintRows = old }()
	dir := t.TempDir()
	data := "ticket_id,satisfaction\nT1,\nT2,\nT3,\nT4,5\nT5,4\nT6,3\nT7,5\nT8,1\nT9,2\nT10,4\n"
	if err := os.WriteFile(filepath.Join(dir, "tickets_x.csv"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "kpiscope.yaml")
	if err := os.WriteFile(cfg, []byte("sources:\n  tickets_x: {path: tickets_x.csv}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), Options{ConfigPath: cfg})
	if err == nil {
		t.Fatal("a config without KPIs opened")
	}
	want := cfg + ": defines no KPI: add a kpis: section (`- use: csat` for a built-in, or a KPI of your own); nothing could be inferred from the first 3 rows of its files: "
	if !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "init --print") {
		t.Errorf("error %q\nwant it to start %q", err, want)
	}
}

// On the standard data model the hint is read from the column names alone
// (the built-ins), whatever the rows hold.
func TestConfigWithoutKPIsOnStandardModel(t *testing.T) {
	old := hintRows
	hintRows = 1
	defer func() { hintRows = old }()
	dir := t.TempDir()
	data := "ticket_id,customer_id,created_at,resolved_at,csat_score\nT1,C1,2026-01-02 10:00:00,,\nT2,C1,2026-01-03 10:00:00,2026-01-04 10:00:00,5\n"
	if err := os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "kpiscope.yaml")
	if err := os.WriteFile(cfg, []byte("sources:\n  tickets: {path: tickets.csv}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), Options{ConfigPath: cfg})
	if err == nil {
		t.Fatal("a config without KPIs opened")
	}
	if !strings.HasSuffix(err.Error(), "; `kpiscope init --print FILE …` shows what can be inferred from the files") {
		t.Errorf("error %q", err)
	}
}

// Built-ins dated by another column than the standard one say so in their
// description (what the explorer's detail pane and the report show): CSAT
// with resolved_at mapped to call_date, CES given time: call_date, and, with
// no config, the CSAT inferred from call data whose only date is call_date.
func TestBuiltinDescriptionNamesMappedDate(t *testing.T) {
	dir := t.TempDir()
	data := "call_id,call_date,satisfaction,ces\nA1,2026-03-02,5,6\nA2,2026-03-03,2,3\nA3,2026-03-09,4,7\n"
	if err := os.WriteFile(filepath.Join(dir, "calls.csv"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "kpiscope.yaml")
	yaml := `sources:
  calls: {path: calls.csv}
kpis:
  - use: csat
    source: calls
    columns: {csat: satisfaction, resolved_at: call_date}
  - use: ces
    source: calls
    columns: {ces: ces}
    time: call_date
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"csat": "% of ratings which scored 4–5 of 5 (top-2-box; answers off the scale are left out), by call_date",
		"ces":  "% of answers 5–7 on the 1–7 \"made it easy\" scale (CES 2.0), by call_date",
	}
	w, err := Open(context.Background(), Options{ConfigPath: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for id, d := range want {
		if def := w.Engine.Def(id); def == nil || def.Description != d {
			t.Errorf("config: %s description = %+v, want %q", id, def, d)
		}
	}
	inf, err := Open(context.Background(), Options{Sources: []string{filepath.Join(dir, "calls.csv")}, NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer inf.Close()
	if def := inf.Engine.Def("csat"); def == nil || def.Description != want["csat"] {
		t.Errorf("inferred: csat = %+v, want description %q", def, want["csat"])
	}
}
