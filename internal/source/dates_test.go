package source_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kpiscope/internal/source"
	"kpiscope/internal/store"
)

// Layouts DuckDB's sniffer leaves as text become dates; other text stays text.
func TestDateLayoutsBecomeDates(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "t.csv")
	csv := "id,us_dash,eu_dot,words,stamp,note\n" +
		"1,12-25-2026,25.12.2026,\"Dec 25, 2026\",12/25/2026 14:05,hello\n" +
		"2,01-02-2026,02.01.2026,\"Jan 2, 2026\",01/02/2026 09:00,12-25-2026\n"
	if err := os.WriteFile(p, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := source.Load(context.Background(), db, []source.Spec{{Path: p}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"us_dash": "DATE", "eu_dot": "DATE", "words": "DATE", "stamp": "TIMESTAMP", "note": "VARCHAR"}
	for _, c := range tables[0].Columns {
		if w, ok := want[c.Name]; ok && c.Type != w {
			t.Errorf("%s: %s, want %s", c.Name, c.Type, w)
		}
	}
	rows, err := db.Query(context.Background(), `SELECT strftime(us_dash, '%Y-%m-%d'), strftime(eu_dot, '%Y-%m-%d'), strftime(words, '%Y-%m-%d') FROM t WHERE id = 2`)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range rows.Data[0] {
		if v != "2026-01-02" {
			t.Errorf("column %d: %v, want 2026-01-02", i, v)
		}
	}
}

// "NA" is a value (North America), not a blank; " " and N/A are blanks.
func TestNAIsAValue(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.csv")
	if err := os.WriteFile(p, []byte("region,amount\nNA,1\nEMEA, \nN/A,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := source.Load(context.Background(), db, []source.Spec{{Path: p}}); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(context.Background(), "SELECT count(region), count(amount), sum(amount) FROM r")
	if err != nil {
		t.Fatal(err)
	}
	if r := rows.Data[0]; r[0] != int64(2) || r[1] != int64(2) {
		t.Errorf("counts %v, want 2 regions (NA kept, N/A blank) and 2 amounts", r)
	}
}

// A layout that fits the first rows but not a later one gives way to the next
// layout that fits them all: 03-04-2026 is ambiguous until 25-12-2026.
func TestDateLayoutDecidedByLaterRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,day\n")
	for i := 0; i < 1500; i++ {
		fmt.Fprintf(&b, "%d,0%d-0%d-2026\n", i, 1+i%9, 1+i%9)
	}
	b.WriteString("1500,25-12-2026\n")
	db, tables := loadText(t, b.String())
	if ty := tables[0].Columns[1].Type; ty != "DATE" {
		t.Fatalf("day: %s, want DATE", ty)
	}
	rows, err := db.Query(context.Background(), `SELECT strftime(day, '%Y-%m-%d') FROM t WHERE id = 1500`)
	if err != nil {
		t.Fatal(err)
	}
	if v := rows.Data[0][0]; v != "2026-12-25" {
		t.Errorf("last day %v, want 2026-12-25 (day first)", v)
	}
}

// Date columns beyond the first chunk of a wide file are converted too, and
// text columns beside them stay text.
func TestDatesInWideFile(t *testing.T) {
	const n = 1200
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "d%d,s%d,", i, i)
	}
	b.WriteString("id\n")
	for r := 0; r < 3; r++ {
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "0%d/1%d/2026 10:00,x%d,", 1+r, r, i)
		}
		fmt.Fprintf(&b, "%d\n", r)
	}
	_, tables := loadText(t, b.String())
	got := map[string]int{}
	for _, c := range tables[0].Columns {
		got[c.Name[:1]+" "+c.Type]++
	}
	if got["d TIMESTAMP"] != n || got["s VARCHAR"] != n {
		t.Errorf("column types %v, want %d TIMESTAMP d-columns and %d VARCHAR s-columns", got, n, n)
	}
}

func loadText(t *testing.T, text string) (*store.DB, []source.Table) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tables, err := source.Load(context.Background(), db, []source.Spec{{Path: p}})
	if err != nil {
		t.Fatal(err)
	}
	return db, tables
}

// A date column blank on the first rows (the churn date of customers still
// active) is still recognised from its first values.
func TestSparseDateColumn(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,churned_at\n")
	for i := 0; i < 1500; i++ {
		d := ""
		if i >= 1200 {
			d = fmt.Sprintf("03/%02d/2026 10:00", 1+i%28)
		}
		fmt.Fprintf(&b, "%d,%s\n", i, d)
	}
	_, tables := loadText(t, b.String())
	if ty := tables[0].Columns[1].Type; ty != "TIMESTAMP" {
		t.Errorf("churned_at: %s, want TIMESTAMP", ty)
	}
}
