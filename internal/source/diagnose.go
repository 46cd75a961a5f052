package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"unicode/utf8"
)

// This file names the real cause of a file that cannot be read: a link that
// loops or leads nowhere, a pipe, a file in another encoding or format, a
// line too long to be a row. DuckDB's messages for these suggest checking
// the delimiter or the permissions, which sends people the wrong way.

// pathError explains why a path cannot be opened or examined.
func pathError(p string, err error) *Error {
	switch {
	case errors.Is(err, syscall.ELOOP):
		return &Error{Path: p, Msg: "is a symbolic link loop (too many levels of symbolic links)", Fix: "point the link at the data file itself (ls -l shows where each link leads)"}
	case errors.Is(err, fs.ErrNotExist):
		if target, lerr := os.Readlink(p); lerr == nil {
			return &Error{Path: p, Msg: fmt.Sprintf("is a symbolic link to %s, which does not exist", target), Fix: "point the link at the data file, or give the file's own path"}
		}
		return &Error{Path: p, Msg: "no such file or directory", Fix: "check the path (sources are CSV or Parquet files, globs or directories)"}
	case errors.Is(err, syscall.ENOTDIR):
		return &Error{Path: p, Msg: "a part of the path is a file, not a directory", Fix: "check the path"}
	case errors.Is(err, fs.ErrPermission):
		return &Error{Path: p, Msg: "permission denied", Fix: "check the file's permissions (and those of its directories)"}
	}
	return &Error{Path: p, Msg: "cannot read: " + err.Error()}
}

// notRegular explains a path that is neither a regular file nor a directory.
func notRegular(p string, mode fs.FileMode) *Error {
	what := "a special file"
	switch {
	case mode&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		what = "a socket"
	case mode&fs.ModeDevice != 0:
		what = "a device"
	}
	return &Error{Path: p, Msg: "is " + what + ", not a file", Fix: "save the data to a file and give its path (a source is read more than once)"}
}

// magicError names a file in another format or encoding from its first bytes.
func magicError(p string, head []byte) *Error {
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return &Error{Path: p, Msg: "is UTF-16 text (Excel's \"Unicode Text\"), not UTF-8 as encoding: says", Fix: "set encoding: utf-16 for this source in kpiscope.yaml, or leave encoding: out to have it detected"}
	case bytes.HasPrefix(head, []byte("PAR1")):
		return &Error{Path: p, Msg: "is a Parquet file with a CSV name", Fix: "rename it to .parquet"}
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return &Error{Path: p, Msg: "is a ZIP archive (an Excel workbook?), not CSV", Fix: "export the sheet as CSV UTF-8, or unzip the archive"}
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return &Error{Path: p, Msg: "is gzip-compressed", Fix: "decompress it first (gunzip)"}
	}
	return nil
}

// utf8Error reports where text stops being UTF-8: line counts from 1 at the
// start of text, offset is added to byte positions.
func utf8Error(p string, text []byte, line int, offset int64) *Error {
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n')
		l := text
		if i >= 0 {
			l = text[:i+1]
		}
		if !utf8.Valid(l) {
			col := 0
			for col < len(l) {
				r, n := utf8.DecodeRune(l[col:])
				if r == utf8.RuneError && n <= 1 {
					break
				}
				col += n
			}
			return &Error{Path: fmt.Sprintf("%s:%d", p, line),
				Msg: fmt.Sprintf("the file is not UTF-8 (encoding: utf-8 is set for this source): byte 0x%02X at byte offset %d is not valid UTF-8", l[col], offset+int64(col)),
				Fix: "set encoding: windows-1252 for this source in kpiscope.yaml if it is a Windows-1252 or Latin-1 export (or leave encoding: out to have it detected), or save it as UTF-8 (Excel: Save As → CSV UTF-8)"}
		}
		offset += int64(len(l))
		text = text[len(l):]
		line++
	}
	return nil
}

// skipUTF8BOM skips a file's UTF-8 byte-order mark: it returns the reader
// to scan, with the line and byte offset it starts at.
func skipUTF8BOM(f *os.File) (io.Reader, int, int64) {
	br := bufio.NewReaderSize(f, 1<<20)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\ufeff")) {
		br.Discard(3)
		return br, 1, 3
	}
	return br, 1, 0
}

// maxLineSize is the longest line kpiscope asks DuckDB to read (its own
// default is 2 MB): a 50 MB field is read, a file with no line breaks is not.
const maxLineSize = 64 << 20

// longestLine finds a file's longest line: its number and length in bytes.
func longestLine(p string) (line int, size int64) {
	f, err := os.Open(p)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	n, cur := 1, int64(0)
	for {
		chunk, err := br.ReadSlice('\n')
		cur += int64(len(chunk))
		if err == bufio.ErrBufferFull {
			continue
		}
		if cur > size {
			line, size = n, cur
		}
		n, cur = n+1, 0
		if err != nil {
			return line, size
		}
	}
}

// lineTooLong reports whether DuckDB refused a line over its size limit.
func lineTooLong(err error) bool {
	return err != nil && strings.Contains(err.Error(), "Maximum line size")
}

// longLines finds the line size limit to read files with, or explains the
// line that is too long to be a row.
func longLines(files []string) (limit int64, _ *Error) {
	for _, f := range files {
		line, size := longestLine(f)
		if size > maxLineSize {
			return 0, &Error{Path: fmt.Sprintf("%s:%d", f, line),
				Msg: fmt.Sprintf("line %d is %s long, more than the %s a row may have: the file has too few line breaks to be a CSV table", line, mb(size), mb(maxLineSize)),
				Fix: "check that it is a CSV export (not JSON or a single-line dump), or shorten the long field"}
		}
		limit = max(limit, size)
	}
	return limit, nil
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
