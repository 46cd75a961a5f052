package source

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A semicolon export from a German Excel (Windows-1252, CRLF) reads its
// decimal commas and thousands dots as numbers: Umsatz 1.234,50 + 99,90 +
// 12,00 − 5,5 + 1.000.000,00 = 1001340.9; Rabatt, written 1.500, 0, 250,
// 2.000, 100, is 3850 (not 1.5 + 2 + …); NA is missing in Menge; the
// region NA stays a value.
func TestDecimalCommaDetected(t *testing.T) {
	dir := "testdata/decimal"
	db, tables := mustLoad(t, dir, Spec{Path: filepath.Join(dir, "umsatz_1252.csv")})
	tb := tables[0]
	if tb.Decimal != "," || tb.Encoding != Windows1252 {
		t.Errorf("Decimal %q, Encoding %q; want \",\" and %s", tb.Decimal, tb.Encoding, Windows1252)
	}
	want := map[string]string{"id": "BIGINT", "Datum": "DATE", "Umsatz": "DOUBLE", "Rabatt": "DOUBLE", "Menge": "BIGINT", "Region": "VARCHAR"}
	if got := types(tb); !reflect.DeepEqual(got, want) {
		t.Errorf("types %v\nwant  %v", got, want)
	}
	if got := rows(t, db, "SELECT round(sum(Umsatz), 2), sum(Rabatt), sum(Menge), count(Menge), string_agg(Region, ' ' ORDER BY id) FROM umsatz_1252"); got[0] != "1.0013409e+06 3850 10 4 Nord Süd NA Nord West" {
		t.Errorf("sums = %s", got[0])
	}
}

// decimal: "," reads a file of another delimiter the same way; without it
// a tab-separated file's 1.234,5 stays text.
func TestDecimalCommaGiven(t *testing.T) {
	dir := "testdata/decimal"
	p := filepath.Join(dir, "tab.tsv")
	db, tables := mustLoad(t, dir, Spec{Path: p, Decimal: ","})
	if got := rows(t, db, "SELECT sum(betrag) FROM tab"); got[0] != "1237" || tables[0].Decimal != "," {
		t.Errorf("sum(betrag) = %s, Decimal %q; want 1237 and \",\"", got[0], tables[0].Decimal)
	}
	_, tables = mustLoad(t, dir, Spec{Path: p})
	if got := types(tables[0])["betrag"]; got != "VARCHAR" {
		t.Errorf("without decimal: betrag is %s, want VARCHAR", got)
	}
}

// A decimal comma first seen past the 64 KiB sniffed is still read: the
// file is read again with it (10,000 rows of 2, then 1.234,5).
func TestDecimalCommaFarDown(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id;betrag\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&b, "%d;2\n", i)
	}
	b.WriteString("10000;1.234,5\n")
	writeFile(t, filepath.Join(dir, "far.csv"), b.String())
	db, tables := mustLoad(t, dir, Spec{Path: filepath.Join(dir, "far.csv")})
	if got := rows(t, db, "SELECT sum(betrag) FROM far"); got[0] != "21234.5" || tables[0].Decimal != "," {
		t.Errorf("sum(betrag) = %s, Decimal %q; want 21234.5 and \",\"", got[0], tables[0].Decimal)
	}
}
