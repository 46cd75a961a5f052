package source

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// This file reads CSV files that are not UTF-8. DuckDB reads UTF-8 only
// (Windows-1252 needs an extension that is not always at hand), so such a
// file is transcoded, streaming, into a private copy that DuckDB reads
// instead; the user's file is only read. A UTF-8 file is read as it is.

// Encodings a CSV source is read in, by their canonical names.
const (
	UTF8        = "utf-8"
	UTF16       = "utf-16" // byte order from the BOM, else from the NUL pattern, else little-endian
	UTF16LE     = "utf-16le"
	UTF16BE     = "utf-16be"
	Windows1252 = "windows-1252"
)

// encodingNames maps every name encoding: accepts to its canonical name.
// Latin-1 is read as Windows-1252, its superset, as browsers do: the bytes
// 0x80–0x9F are control characters in Latin-1 that no CSV means, and Excel
// writes €, curly quotes and dashes there.
var encodingNames = map[string]string{
	"utf-8": UTF8, "utf8": UTF8,
	"utf-16": UTF16, "utf16": UTF16,
	"utf-16le": UTF16LE, "utf16le": UTF16LE,
	"utf-16be": UTF16BE, "utf16be": UTF16BE,
	"latin-1": Windows1252, "latin1": Windows1252, "iso-8859-1": Windows1252,
	"windows-1252": Windows1252, "cp1252": Windows1252,
}

// EncodingNames lists the names kpiscope.yaml's encoding: takes.
func EncodingNames() []string {
	return []string{"utf-8", "utf-16", "utf-16le", "utf-16be", "latin-1", "iso-8859-1", "windows-1252", "cp1252"}
}

// ParseEncoding returns the canonical name of an encoding (case and
// spaces ignored); ok is false for a name kpiscope cannot read.
func ParseEncoding(name string) (canonical string, ok bool) {
	canonical, ok = encodingNames[strings.ToLower(strings.TrimSpace(name))]
	return canonical, ok
}

// sniffHead is how much of a file its encoding is guessed from.
const sniffHead = 64 * 1024

// detectEncoding guesses a file's encoding from its first bytes: the BOM,
// then the NUL bytes of BOM-less UTF-16, then UTF-8 validity. It returns ""
// for UTF-8 (read as it is), and an error for a file that mixes UTF-8 with
// bytes of another encoding.
func detectEncoding(path string) (string, *Error) {
	f, err := os.Open(path)
	if err != nil {
		return "", pathError(path, err)
	}
	defer f.Close()
	head := make([]byte, sniffHead)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		return "", nil
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		return UTF16LE, nil
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return UTF16BE, nil
	}
	if e := utf16Order(head); e != "" {
		return e, nil
	}
	if magicError(path, head) != nil {
		return "", nil // another format: precheckCSV names it
	}
	if n == len(head) {
		head = head[:lastRuneStart(head)] // a rune cut by the 64 KiB
	}
	bad, ok := scanUTF8(bytes.NewReader(head), 1, 0)
	if !ok {
		return "", nil
	}
	if bad.multibyte {
		return "", bad.mixed(path)
	}
	return Windows1252, nil
}

// utf16Order recognises BOM-less UTF-16 by its NUL bytes: text that is
// mostly ASCII has a NUL in every other byte, the high half of each unit.
func utf16Order(head []byte) string {
	pairs := len(head) / 2
	if pairs < 4 {
		return ""
	}
	var even, odd int
	for i := 0; i+1 < len(head); i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	switch {
	case odd*10 >= pairs*4 && even*20 <= pairs:
		return UTF16LE
	case even*10 >= pairs*4 && odd*20 <= pairs:
		return UTF16BE
	}
	return ""
}

// lastRuneStart is where a possibly cut UTF-8 rune at the end of b starts
// (len(b) when the last rune is whole).
func lastRuneStart(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// badUTF8 is the first byte of a file that is not UTF-8.
type badUTF8 struct {
	line      int
	offset    int64
	b         byte
	multibyte bool // valid multi-byte UTF-8 came before it
}

// scanUTF8 reads r for its first byte that is not UTF-8; line and offset
// are those of r's first byte. ok is false when there is none.
func scanUTF8(r io.Reader, line int, offset int64) (bad badUTF8, ok bool) {
	br := bufio.NewReaderSize(r, 1<<20)
	multi := false
	var carry []byte
	for {
		chunk, err := br.ReadSlice('\n')
		buf := append(carry, chunk...)
		carry = nil
		end := len(buf)
		if err == bufio.ErrBufferFull {
			end = lastRuneStart(buf)
		}
		for i := 0; i < end; {
			c := buf[i]
			if c < utf8.RuneSelf {
				i++
				continue
			}
			r, n := utf8.DecodeRune(buf[i:end])
			if r == utf8.RuneError && n <= 1 {
				return badUTF8{line: line, offset: offset + int64(i), b: c, multibyte: multi}, true
			}
			multi = true
			i += n
		}
		offset += int64(end)
		if err == bufio.ErrBufferFull {
			carry = append([]byte(nil), buf[end:]...)
			continue
		}
		line++
		if err != nil {
			if len(carry) > 0 {
				return badUTF8{line: line - 1, offset: offset, b: carry[0], multibyte: multi}, true
			}
			return badUTF8{}, false
		}
	}
}

// notUTF8 explains a byte that is not UTF-8 in a file read as UTF-8.
func (b badUTF8) notUTF8(path, why string) *Error {
	return &Error{Path: fmt.Sprintf("%s:%d", path, b.line),
		Msg: fmt.Sprintf("the file is not UTF-8 (%s): byte 0x%02X at byte offset %d is not valid UTF-8", why, b.b, b.offset),
		Fix: "set encoding: windows-1252 for this source in kpiscope.yaml if it is a Windows-1252 or Latin-1 export, or save it as UTF-8 (Excel: Save As → CSV UTF-8)"}
}

// mixed explains a file that is UTF-8 up to a byte that is not.
func (b badUTF8) mixed(path string) *Error {
	return &Error{Path: fmt.Sprintf("%s:%d", path, b.line),
		Msg: fmt.Sprintf("the file mixes encodings: it is UTF-8 up to byte offset %d, but byte 0x%02X there is not valid UTF-8", b.offset, b.b),
		Fix: "correct that line (it was probably pasted from another file), or set encoding: windows-1252 for this source in kpiscope.yaml if the whole file is Windows-1252"}
}

// decoder is the x/text decoder of a canonical non-UTF-8 encoding.
func decoder(enc string) encoding.Encoding {
	switch enc {
	case UTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case UTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	}
	return charmap.Windows1252
}

// transcode writes path, read in enc, as UTF-8 to a new file in dir, and
// returns its name. A byte that enc cannot decode is an error naming its
// line and byte offset in path; so is a UTF-16 file cut in half a unit.
func transcode(ctx context.Context, path, enc, dir string, i int) (string, error) {
	in, err := os.Open(path)
	if err != nil {
		return "", pathError(path, err)
	}
	defer in.Close()
	br := bufio.NewReaderSize(in, 1<<20)
	bom := 0
	head, _ := br.Peek(4)
	switch {
	case enc == UTF16 && bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		enc = UTF16BE
	case enc == UTF16 && bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		enc = UTF16LE
	case enc == UTF16:
		h, _ := br.Peek(sniffHead)
		if enc = utf16Order(h); enc == "" {
			enc = UTF16LE // Windows' "Unicode Text"
		}
	}
	switch {
	case enc == UTF16LE && bytes.HasPrefix(head, []byte{0xff, 0xfe}), enc == UTF16BE && bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		bom = 2
	case enc == Windows1252 && bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		bom = 3 // a UTF-8 BOM on a file that is not UTF-8: drop it
	}
	br.Discard(bom)
	dst := filepath.Join(dir, fmt.Sprintf("%d-%s", i, filepath.Base(path)))
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("%s: make a UTF-8 copy to read: %w", path, err)
	}
	chk := &checked{ctx: ctx, r: br, path: path, enc: enc, offset: int64(bom), line: 1}
	bw := bufio.NewWriterSize(out, 1<<20)
	_, err = io.Copy(bw, transform.NewReader(chk, decoder(enc).NewDecoder()))
	if err == nil {
		err = bw.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		var se *Error
		if errors.As(err, &se) {
			return "", se
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("%s: make a UTF-8 copy to read: %w", path, err)
	}
	return dst, nil
}

// windows1252Undefined are the five bytes Windows-1252 gives no character.
var windows1252Undefined = [256]bool{0x81: true, 0x8d: true, 0x8f: true, 0x90: true, 0x9d: true}

// checked passes a file's bytes through, counting lines, and stops with an
// *Error at the first byte its encoding cannot decode (x/text would make it
// a U+FFFD silently).
type checked struct {
	ctx    context.Context // cancelled (^C, SIGTERM, SIGHUP): stop copying
	r      io.Reader
	path   string
	enc    string
	offset int64 // of the next byte read
	line   int
	odd    []byte // UTF-16: the first byte of a unit split between reads
	high   bool   // UTF-16: the last unit was a high surrogate
	highAt int64
}

func (c *checked) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if c.enc == Windows1252 {
		for i, b := range p[:n] {
			switch {
			case b == '\n':
				c.line++
			case windows1252Undefined[b]:
				return 0, c.fail(c.offset+int64(i), fmt.Sprintf("byte 0x%02X at byte offset %d is not a Windows-1252 character", b, c.offset+int64(i)))
			}
		}
		c.offset += int64(n)
		return n, err
	}
	// UTF-16: walk whole units, the first possibly split from the last read.
	buf := append(c.odd, p[:n]...)
	start := c.offset - int64(len(c.odd))
	i := 0
	for ; i+1 < len(buf); i += 2 {
		u := uint16(buf[i])<<8 | uint16(buf[i+1])
		if c.enc == UTF16LE {
			u = uint16(buf[i+1])<<8 | uint16(buf[i])
		}
		at := start + int64(i)
		switch {
		case u >= 0xd800 && u < 0xdc00:
			if c.high {
				return 0, c.fail(c.highAt, fmt.Sprintf("the UTF-16 unit at byte offset %d is half a character (a high surrogate with no low one after it)", c.highAt))
			}
			c.high, c.highAt = true, at
			continue
		case u >= 0xdc00 && u < 0xe000:
			if !c.high {
				return 0, c.fail(at, fmt.Sprintf("the UTF-16 unit at byte offset %d is half a character (a low surrogate with no high one before it)", at))
			}
		case c.high:
			return 0, c.fail(c.highAt, fmt.Sprintf("the UTF-16 unit at byte offset %d is half a character (a high surrogate with no low one after it)", c.highAt))
		case u == '\n':
			c.line++
		}
		c.high = false
	}
	c.odd = append([]byte(nil), buf[i:]...)
	c.offset += int64(n)
	if err == io.EOF {
		switch {
		case len(c.odd) > 0:
			return 0, c.fail(c.offset-1, fmt.Sprintf("the file ends half-way through a UTF-16 character: its last byte, 0x%02X at byte offset %d, has no partner (%d bytes is an odd length)", c.odd[0], c.offset-1, c.offset))
		case c.high:
			return 0, c.fail(c.highAt, fmt.Sprintf("the UTF-16 unit at byte offset %d is half a character (a high surrogate with no low one after it)", c.highAt))
		}
	}
	return n, err
}

// fail is the error for an undecodable byte at offset, on the current line.
func (c *checked) fail(offset int64, msg string) *Error {
	return &Error{Path: fmt.Sprintf("%s:%d", c.path, c.line),
		Msg: fmt.Sprintf("cannot be read as %s: %s", c.enc, msg),
		Fix: fmt.Sprintf("the file is cut short or is in another encoding: export it again, or set encoding: for this source in kpiscope.yaml (%s)", strings.Join(EncodingNames(), ", "))}
}
