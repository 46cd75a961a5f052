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
