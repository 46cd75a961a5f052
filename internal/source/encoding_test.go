package source

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// pinDirs lists this process's private folders in the temporary directory.
func pinDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("kpiscope-pin-%d-*", os.Getpid())))
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// Each encoding an export comes in is read to the same strings: Windows-1252
// (€, curly quotes, en dash), Latin-1, UTF-16 with either byte order, with
// or without a BOM, UTF-8 with a BOM. The files stay untouched (load checks)
// and the UTF-8 copies are gone once the tables are loaded.
func TestEncodingsRead(t *testing.T) {
	dir := "testdata/encodings"
	wide := []string{"Köln|€ 5", "東京|“quoted”", "😀 emoji|x"}
	cases := []struct {
		file, enc string
		sel       string
		want      []string
	}{
		{"windows1252.csv", Windows1252, "city || '|' || note || '|' || price", []string{"Köln|“Preis” 5 €|10", "Zürich|a – b|20", "José’s|naïve|30"}},
		{"latin1.csv", Windows1252, "city", []string{"Köln", "São Paulo", "Ærøskøbing"}},
		{"utf16le.csv", UTF16LE, "city || '|' || note", wide},
		{"utf16be.csv", UTF16BE, "city || '|' || note", wide},
		{"utf16le_nobom.csv", UTF16LE, "city || '|' || note", wide},
		{"utf8bom.csv", "", "city || '|' || note", wide},
	}
	before := pinDirs(t)
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			db, tables := mustLoad(t, dir, Spec{Path: filepath.Join(dir, tc.file)})
			if got := tables[0].Encoding; got != tc.enc {
				t.Errorf("Encoding = %q, want %q", got, tc.enc)
			}
			if names := fmt.Sprint(tables[0].Columns[0].Name, tables[0].Columns[0].Type); names != "idBIGINT" {
				t.Errorf("first column %s, want id BIGINT (a BOM or NUL left in the header?)", names)
			}
			r, err := db.Query(t.Context(), fmt.Sprintf("SELECT %s FROM %s ORDER BY id", tc.sel, tables[0].Name))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, row := range r.Data {
				got = append(got, fmt.Sprint(row[0]))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("read %q\nwant %q", got, tc.want)
			}
		})
	}
	if after := pinDirs(t); len(after) != len(before) {
		t.Errorf("private copies left behind: %v", after)
	}
}

// encoding: overrides detection: a Windows-1252 file read as UTF-8 is an
// error naming the bad byte's line and offset; one given as utf-16 is not
// UTF-16 (no BOM, no NUL bytes), nor a UTF-16LE file utf-16be; a UTF-8
// file given as windows-1252 is refused as UTF-8, whether its characters
// are ones Windows-1252 has bytes for or not.
func TestEncodingGiven(t *testing.T) {
	dir := "testdata/encodings"
	_, _, err := load(t, dir, Spec{Path: filepath.Join(dir, "windows1252.csv"), Encoding: UTF8})
	// "id,city,note,price\n" is 19 bytes; "1,K" then ö (0xF6) at offset 22.
	if err == nil || !strings.HasSuffix(strings.SplitN(err.Error(), ": ", 2)[0], "windows1252.csv:2") || !strings.Contains(err.Error(), "byte 0xF6 at byte offset 22") {
		t.Errorf("err = %v, want line 2, byte 0xF6 at offset 22", err)
	}
	for _, enc := range []string{UTF16, UTF16BE} {
		_, _, err = load(t, dir, Spec{Path: filepath.Join(dir, "windows1252.csv"), Encoding: enc})
		if err == nil || !strings.Contains(err.Error(), "windows1252.csv: encoding: "+enc+" is set, but the file is not UTF-16: it has no UTF-16 byte-order mark and no NUL bytes between its letters; it looks like Windows-1252 or Latin-1; remove encoding:") {
			t.Errorf("%s: err = %v, want the file said not to be UTF-16", enc, err)
		}
	}
	_, _, err = load(t, dir, Spec{Path: filepath.Join(dir, "utf16le.csv"), Encoding: UTF16BE})
	if err == nil || !strings.Contains(err.Error(), "encoding: utf-16be is set, but the file is utf-16le (its byte-order mark or NUL bytes say so); set encoding: utf-16le") {
		t.Errorf("err = %v, want the file's byte order named", err)
	}
	for _, f := range []string{"utf16le.csv", "utf16le_nobom.csv"} {
		_, _, err = load(t, dir, Spec{Path: filepath.Join(dir, f), Encoding: Windows1252})
		if err == nil || !strings.Contains(err.Error(), "encoding: windows-1252 is set, but the file is utf-16le text") || !strings.Contains(err.Error(), "set encoding: utf-16") {
			t.Errorf("%s: err = %v, want UTF-16 named", f, err)
		}
	}
	// "id,city\n" is 8 bytes, "1,K" 3: ö (C3 B6) at offset 11, on line 2.
	tmp := t.TempDir()
	writeFile(t, filepath.Join(tmp, "u.csv"), "id,city\n1,Köln\n")
	for _, enc := range []string{Windows1252, Latin1} {
		_, _, err = load(t, tmp, Spec{Path: filepath.Join(tmp, "u.csv"), Encoding: enc})
		if err == nil || !strings.Contains(err.Error(), "u.csv:2: encoding: "+enc+" is set, but the file is UTF-8 (the bytes at byte offset 11 are a UTF-8 character") || !strings.Contains(err.Error(), "remove encoding:") {
			t.Errorf("%s: err = %v, want the file said to be UTF-8", enc, err)
		}
	}
	// 東 is E6 9D B1 in UTF-8; 0x9D has no Windows-1252 character, but the
	// file is UTF-8 from its first line on (Köln, after the BOM dropped).
	_, _, err = load(t, dir, Spec{Path: filepath.Join(dir, "utf8bom.csv"), Encoding: Windows1252})
	if err == nil || !strings.Contains(err.Error(), "utf8bom.csv:2: encoding: windows-1252 is set, but the file is UTF-8") {
		t.Errorf("err = %v, want the file said to be UTF-8", err)
	}
}

// A Windows-1252 file whose first 64 KiB are ASCII is detected when DuckDB
// reaches its first accented byte, and read.
func TestEncodingDetectedFarDown(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "late.csv")
	writeFile(t, p, "id,city\n"+strings.Repeat("1,Paris\n", 10000)+"2,M\xfcnchen \x80\n")
	db, tables := mustLoad(t, dir, Spec{Path: p})
	r, err := db.Query(t.Context(), "SELECT city FROM late WHERE id = 2")
	if err != nil || fmt.Sprint(r.Data[0][0]) != "München €" || tables[0].Encoding != Windows1252 || tables[0].Rows != 10001 {
		t.Errorf("got %v %v (encoding %q, %d rows), want München € from a windows-1252 file of 10001 rows", r, err, tables[0].Encoding, tables[0].Rows)
	}
}

func TestParseEncoding(t *testing.T) {
	for in, want := range map[string]string{"UTF-8": UTF8, "latin-1": Latin1, "ISO-8859-1": Latin1, "cp1252": Windows1252, " utf-16LE ": UTF16LE, "utf-16": UTF16} {
		if got, ok := ParseEncoding(in); !ok || got != want {
			t.Errorf("ParseEncoding(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := ParseEncoding("ebcdic"); ok {
		t.Error("ebcdic accepted")
	}
}

// DuckDB's "Invalid unicode" that no scan explains still gets an encoding
// hint, not one about delimiters.
func TestInvalidUnicodeHint(t *testing.T) {
	err := csvError([]string{"/d/t.csv"}, fmt.Errorf("Invalid Input Error: CSV Error on Line: 7\nInvalid unicode (byte sequence mismatch) detected."))
	if s := err.Error(); !strings.HasPrefix(s, "/d/t.csv:7: ") || !strings.Contains(s, "set encoding: for this source") || strings.Contains(s, "delimiter") {
		t.Errorf("err = %q", s)
	}
}

// encoding: and missing: on a Parquet source are refused, not ignored.
func TestEncodingOnParquetRefused(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "t.parquet")
	writeParquet(t, p, "SELECT 1 AS a")
	for _, sp := range []Spec{{Path: p, Encoding: Windows1252}, {Path: p, MissingSet: true}} {
		if _, _, err := load(t, dir, sp); err == nil || !strings.Contains(err.Error(), "encoding: and missing: apply to CSV files") {
			t.Errorf("%+v: err = %v", sp, err)
		}
	}
}

// A glob of exports, some UTF-8 and some Windows-1252 past their first
// 64 KiB, is one table with every name read right.
func TestEncodingsMixedFiles(t *testing.T) {
	dir := t.TempDir()
	pad := strings.Repeat("0,Paris\n", 9000)
	writeFile(t, filepath.Join(dir, "a_1.csv"), "id,city\n"+pad+"1,Köln\n")
	writeFile(t, filepath.Join(dir, "a_2.csv"), "id,city\n"+pad+"2,M\xfcnchen\n")
	writeFile(t, filepath.Join(dir, "a_3.csv"), "id,city\n"+pad+"3,Z\xfcrich \x96 Nord\n")
	db, tables := mustLoad(t, dir, Spec{Path: filepath.Join(dir, "a_*.csv")})
	got := rows(t, db, "SELECT city FROM a WHERE id > 0 ORDER BY id")
	if want := []string{"Köln", "München", "Zürich – Nord"}; !reflect.DeepEqual(got, want) || tables[0].Encoding != "" {
		t.Errorf("read %q (encoding %q), want %q and no single encoding", got, tables[0].Encoding, want)
	}
}

// Tables a --db file kept are reused only for the same reading options:
// encoding:, missing: (and missing: [] against none) and this version of
// the reader each change Options.
func TestSpecOptions(t *testing.T) {
	specs := []Spec{{}, {Encoding: Windows1252}, {MissingSet: true}, {Missing: []string{"NA"}, MissingSet: true}, {Delimiter: ";"}}
	seen := map[string]int{}
	for i, sp := range specs {
		o := sp.Options()
		if j, dup := seen[o]; dup {
			t.Errorf("specs %d and %d share options %q", j, i, o)
		}
		seen[o] = i
		if !strings.Contains(o, "read="+readVersion) {
			t.Errorf("options %q lack the reader's version", o)
		}
	}
}

// latin-1 given reads ISO-8859-1, where every byte is a character: 0x81
// (none in Windows-1252) is U+0081 and 0xE9 is é; windows-1252 given
// refuses 0x81 and points at latin-1.
func TestLatin1Given(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "l.csv")
	writeFile(t, p, "id,name\n1,Jos\xe9\n2,a\x81b\n")
	db, tables := mustLoad(t, dir, Spec{Path: p, Encoding: Latin1})
	got := rows(t, db, "SELECT name, unicode(substr(name, 2, 1)) FROM l ORDER BY id")
	if want := []string{"José 111", "a\u0081b 129"}; !reflect.DeepEqual(got, want) || tables[0].Encoding != Latin1 {
		t.Errorf("read %q (encoding %q), want %q from iso-8859-1", got, tables[0].Encoding, want)
	}
	// "id,name\n1,Jos\xe9\n" is 8+7 bytes, "2,a" 3: 0x81 at offset 18.
	_, _, err := load(t, dir, Spec{Path: p, Encoding: Windows1252})
	if err == nil || !strings.Contains(err.Error(), "l.csv:3: cannot be read as windows-1252: byte 0x81 at byte offset 18") || !strings.Contains(err.Error(), "set encoding: latin-1") {
		t.Errorf("err = %v, want byte 0x81 named and latin-1 offered", err)
	}
}

// A Windows-1252 file with a line in UTF-8 (pasted from another export) is
// refused as mixed, with both lines, detected or given: read as Windows-1252
// the pasted Köln would be KÃ¶ln, a segment of its own.
func TestMixedEncodingsInOneFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "w.csv")
	// "id,city\n" 8 bytes, "1,K" 3: 0xF6 at 11 (line 2); "1,K\xf6ln\n" ends
	// at 15, "2,K" 3 more: C3 B6 at 18 (line 3).
	writeFile(t, p, "id,city\n1,K\xf6ln\n2,K\xc3\xb6ln\n")
	for _, enc := range []string{"", Windows1252} {
		_, _, err := load(t, dir, Spec{Path: p, Encoding: enc})
		if err == nil || !strings.Contains(err.Error(), "w.csv:3: the file mixes encodings: line 3 is UTF-8 (a UTF-8 character at byte offset 18") || !strings.Contains(err.Error(), "line 2 is not (byte 0xF6 at byte offset 11)") {
			t.Errorf("encoding %q: err = %v, want lines 3 and 2 named", enc, err)
		}
	}
}
