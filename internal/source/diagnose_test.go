package source

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Each unreadable file gets a message that names its real cause, and none
// of them sends the user to the delimiter or the permissions.
func TestErrorsNameTheCause(t *testing.T) {
	latin := "id,city\n" + strings.Repeat("1,Paris\n", 10000) + "2,M\xfcnchen\n" // past the 64 KiB precheck: DuckDB finds it
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string) // makes dir/t.csv
		path  string                         // Error.Path ends with this
		msg   string
		enc   string // Spec.Encoding
	}{
		{"symlink loop", func(t *testing.T, dir string) {
			symlink(t, "u.csv", filepath.Join(dir, "t.csv"))
			symlink(t, "t.csv", filepath.Join(dir, "u.csv"))
		}, "t.csv", "is a symbolic link loop (too many levels of symbolic links)", ""},
		{"dangling symlink", func(t *testing.T, dir string) {
			symlink(t, "gone.csv", filepath.Join(dir, "t.csv"))
		}, "t.csv", "is a symbolic link to gone.csv, which does not exist", ""},
		{"named pipe", func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "t.csv"), 0o644); err != nil {
				t.Skip("no FIFOs here:", err)
			}
		}, "t.csv", "is a named pipe (FIFO), not a file", ""},
		{"path through a file", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "t.csv"), "a\n1\n")
		}, "t.csv/x.csv", "a part of the path is a file", ""},
		{"UTF-16 read as UTF-8", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "t.csv"), "\xff\xfei\x00d\x00\n\x001\x00\n\x00")
		}, "t.csv", "is UTF-16 text (Excel's \"Unicode Text\"), not UTF-8 as encoding: says", UTF8},
		{"UTF-16 cut short", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "t.csv"), "\xff\xfei\x00d\x00\n\x001\x00\n\x002")
		}, "t.csv:3", "cannot be read as utf-16le: the file ends half-way through a UTF-16 character: its last byte, 0x32 at byte offset 12, has no partner", ""},
		{"UTF-16 half a surrogate pair", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "t.csv"), "\xfe\xff\x00i\x00d\x00\n\x00a\x00\n\xd8\x3d\x00b\x00\n")
		}, "t.csv:3", "the UTF-16 unit at byte offset 12 is half a character (a high surrogate with no low one after it)", ""},
		{"Parquet named .csv", func(t *testing.T, dir string) {
			writeParquet(t, filepath.Join(dir, "t.csv"), "SELECT 1 AS a")
		}, "t.csv", "is a Parquet file with a CSV name", ""},
		{"Latin-1 in the first rows", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "t.csv"), "id,city\n1,Paris\n2,M\xfcnchen\n")
		}, "t.csv:3", "not UTF-8 (encoding: utf-8 is set for this source): byte 0xFC at byte offset 19 is not valid UTF-8", UTF8},
		{"Latin-1 far down", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "t.csv"), latin)
		}, "t.csv:10002", "not UTF-8 (encoding: utf-8 is set for this source): byte 0xFC at byte offset 80011 is not valid UTF-8", UTF8},
		{"UTF-8 then Latin-1", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "t.csv"), "id,city\n1,K\xc3\xb6ln\n2,M\xfcnchen\n")
		}, "t.csv:3", "the file mixes encodings: it is UTF-8 up to byte offset 19, but byte 0xFC there is not valid UTF-8", ""},
		{"UTF-8 then Latin-1 far down", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "t.csv"), "id,city\n1,K\xc3\xb6ln\n"+latin[8:])
		}, "t.csv:10003", "the file mixes encodings: it is UTF-8 up to byte offset 80019, but byte 0xFC there is not valid UTF-8", ""},
		{"not Windows-1252", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "t.csv"), "id,city\n1,Paris\n2,M\xfcnchen\n3,x\x81y\n")
		}, "t.csv:4", "cannot be read as windows-1252: byte 0x81 at byte offset 29 is not a Windows-1252 character", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			p := filepath.Join(dir, "t.csv")
			if tc.name == "path through a file" {
				p = filepath.Join(p, "x.csv")
			}
			_, _, err := load(t, dir, Spec{Path: p, Encoding: tc.enc})
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want a *source.Error", err, err)
			}
			if !strings.HasSuffix(se.Path, tc.path) || !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("err = %q\nwant path …%s and %q", err, tc.path, tc.msg)
			}
			for _, wrong := range []string{"permissions", "delimiter", "Original Line"} {
				if strings.Contains(err.Error(), wrong) {
					t.Errorf("err = %q mentions %s", err, wrong)
				}
			}
		})
	}
}

// A line over DuckDB's 2 MB limit is read when it is a long field; a line
// too long to be a row is named with its number and size.
func TestLongLines(t *testing.T) {
	dir := t.TempDir()
	note := strings.Repeat("x", 3<<20)
	p := filepath.Join(dir, "notes.csv")
	writeFile(t, p, "id,note\n1,short\n2,"+note+"\n3,after\n")
	db, tables := mustLoad(t, dir, Spec{Path: p})
	if tables[0].Rows != 3 {
		t.Fatalf("%d rows, want 3", tables[0].Rows)
	}
	r, err := db.Query(t.Context(), "SELECT strlen(note) FROM notes WHERE id = 2")
	if err != nil || r.Data[0][0] != int64(3<<20) {
		t.Errorf("the long note: %v %v, want %d bytes", r, err, 3<<20)
	}

	limit, lerr := longLines([]string{p})
	if lerr != nil || limit != 3<<20+3 {
		t.Errorf("longLines = %d, %v; want %d", limit, lerr, 3<<20+3)
	}
	big := filepath.Join(dir, "oneline.csv")
	writeFile(t, big, "a,b\n1,2\n"+strings.Repeat("y", maxLineSize+1)+"\n")
	_, lerr = longLines([]string{big})
	if lerr == nil || !strings.HasSuffix(lerr.Path, "oneline.csv:3") || !strings.Contains(lerr.Msg, "line 3 is 64.0 MB long") {
		t.Errorf("err = %v, want line 3 named with its size", lerr)
	}
}

// A header longer than the 64 KiB looked at first (thousands of long column
// names) is not mistaken for a file without data rows.
func TestHeaderOver64KiB(t *testing.T) {
	dir := t.TempDir()
	var h, r []string
	for i := 0; i < 3000; i++ {
		h = append(h, "a rather long column name number "+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("0", 3)+strconv.Itoa(i))
		r = append(r, strconv.Itoa(i))
	}
	p := filepath.Join(dir, "wide.csv")
	writeFile(t, p, strings.Join(h, ",")+"\n"+strings.Join(r, ",")+"\n")
	_, tables := mustLoad(t, dir, Spec{Path: p})
	if len(tables[0].Columns) != 3000 || tables[0].Rows != 1 {
		t.Errorf("%d columns, %d rows; want 3000 and 1", len(tables[0].Columns), tables[0].Rows)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
}

func writeFile(t *testing.T, p, body string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
