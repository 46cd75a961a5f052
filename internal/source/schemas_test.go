package source

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kpiscope/internal/store"
)

// A named folder (or a glob) is one table: files of a few schemas are read
// by name, unrelated files are refused before DuckDB is asked to hold the
// union of every file's columns.
func TestManySchemasInOneTableRefused(t *testing.T) {
	dir := t.TempDir()
	for i := range 40 {
		body := fmt.Sprintf("x%d,y\n1,2\n", i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f_%04d.csv", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, arg := range []string{"x=" + dir, "x=" + filepath.Join(dir, "f_*.csv")} {
		_, err := Load(context.Background(), db, []Spec{ParseArg(arg)})
		if err == nil {
			t.Fatalf("%s: 40 files of 40 schemas loaded as one table", arg)
		}
		for _, want := range []string{"40 CSV files", "more than 16 different header rows", "one table per file"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q lacks %q", arg, err, want)
			}
		}
	}
	// Without a name, each file is its own table.
	tables, err := Load(context.Background(), db, []Spec{ParseArg(dir)})
	if err != nil || len(tables) != 40 {
		t.Fatalf("unnamed folder: %d tables, %v", len(tables), err)
	}
	// A few schemas (a column added one month) are still one table.
	few := t.TempDir()
	for i := range 12 {
		body := "a,b\n1,2\n"
		if i >= 6 {
			body = "a,b,c\n1,2,3\n"
		}
		if err := os.WriteFile(filepath.Join(few, fmt.Sprintf("m_%02d.csv", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tables, err = Load(context.Background(), db, []Spec{ParseArg("m=" + few)})
	if err != nil || len(tables) != 1 || tables[0].Rows != 12 {
		t.Fatalf("a named folder of two schemas: %+v, %v", tables, err)
	}
}

// Files whose names differ only in digits, in several schemas, are merged
// per schema; the merged tables that would share a name get their own.
func TestPartitionGroupsGetNamesOfTheirOwn(t *testing.T) {
	dir := t.TempDir()
	for i := range 9 {
		body := fmt.Sprintf("k%d,v\n1,2\n", i%3) // three schemas, three files each
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file_%04d.csv", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "file_2.csv.bak"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	groups, err := Resolve(Spec{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups {
		names = append(names, fmt.Sprintf("%s:%d", g.name, len(g.files)))
		if g.path != "" {
			t.Errorf("%s keeps the glob %s, which reads all three schemas", g.name, g.path)
		}
	}
	if got := strings.Join(names, " "); got != "file:3 file_2:3 file_3:3" {
		t.Errorf("tables %s, want file:3 file_2:3 file_3:3", got)
	}
}

// A broken Parquet file's message is DuckDB's reason without the SQL it
// appends, which the user never wrote.
func TestParquetErrorWithoutSQL(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.parquet")
	if err := os.WriteFile(p, []byte(strings.Repeat("garbage", 400)), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = Load(context.Background(), db, []Spec{{Path: p}})
	if err == nil || !strings.Contains(err.Error(), "not a readable Parquet file") || strings.Contains(err.Error(), "LINE 1") || strings.Contains(err.Error(), "CREATE") {
		t.Errorf("error %v", err)
	}
}
