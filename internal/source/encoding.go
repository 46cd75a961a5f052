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
	Latin1      = "iso-8859-1" // given only: a detected file is read as Windows-1252
)

// encodingNames maps every name encoding: accepts to its canonical name.
// A file detected as not UTF-8 is read as Windows-1252, Latin-1's superset,
// as browsers do: the bytes 0x80–0x9F are control characters in Latin-1
// that no CSV means, and Excel writes €, curly quotes and dashes there. A
// file given as Latin-1 is read as ISO-8859-1, where every byte is defined
// (Windows-1252 has no 0x81, 0x8D, 0x8F, 0x90, 0x9D).
var encodingNames = map[string]string{
	"utf-8": UTF8, "utf8": UTF8,
	"utf-16": UTF16, "utf16": UTF16,
	"utf-16le": UTF16LE, "utf16le": UTF16LE,
	"utf-16be": UTF16BE, "utf16be": UTF16BE,
	"latin-1": Latin1, "latin1": Latin1, "iso-8859-1": Latin1, "iso8859-1": Latin1,
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
	case Latin1:
		return charmap.ISO8859_1
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
	if h, _ := br.Peek(sniffHead); encodingMismatch(path, enc, h) != nil {
		return "", encodingMismatch(path, enc, h)
	}
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
	case (enc == Windows1252 || enc == Latin1) && bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
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
	// Windows-1252, Latin-1: the first UTF-8 multi-byte character (Ã¶ once
	// decoded), and the first byte that is not UTF-8 (line 0: none yet).
	multi, invalid at
	cut            []byte // a UTF-8 character split between reads
}

// at is a place in a file.
type at struct {
	line   int
	offset int64
}

func (c *checked) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if c.enc == Windows1252 || c.enc == Latin1 {
		c.scanUTF8(p[:n], err == io.EOF)
		for i, b := range p[:n] {
			switch {
			case b == '\n':
				c.line++
			case windows1252Undefined[b] && c.enc == Windows1252:
				if c.multi.line > 0 && c.invalid.line == 0 {
					return 0, c.isUTF8()
				}
				return 0, c.fail(c.offset+int64(i), fmt.Sprintf("byte 0x%02X at byte offset %d is not a Windows-1252 character", b, c.offset+int64(i)))
			}
		}
		c.offset += int64(n)
		if err == io.EOF {
			switch {
			case c.multi.line > 0 && c.invalid.line == 0:
				return 0, c.isUTF8()
			case c.multi.line > 0:
				return 0, c.mixed()
			}
		}
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
	e := &Error{Path: fmt.Sprintf("%s:%d", c.path, c.line),
		Msg: fmt.Sprintf("cannot be read as %s: %s", c.enc, msg),
		Fix: fmt.Sprintf("the file is cut short or is in another encoding: export it again, or set encoding: for this source in kpiscope.yaml (%s)", strings.Join(EncodingNames(), ", "))}
	if c.enc == Windows1252 {
		e.Fix = "set encoding: latin-1 for this source in kpiscope.yaml if the file is ISO-8859-1 (every byte is a character there), or export it again as CSV UTF-8"
	}
	return e
}

// scanUTF8 notes, in a file read as Windows-1252 or Latin-1, its first
// UTF-8 multi-byte character and its first byte that is not UTF-8; b is the
// bytes just read (c.offset and c.line are those of b's first byte).
func (c *checked) scanUTF8(b []byte, eof bool) {
	if c.multi.line > 0 && c.invalid.line > 0 {
		return
	}
	buf := append(c.cut, b...)
	start := c.offset - int64(len(c.cut))
	c.cut = nil
	line := c.line
	for i := 0; i < len(buf); {
		ch := buf[i]
		if ch < utf8.RuneSelf {
			if ch == '\n' {
				line++
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(buf[i:])
		switch {
		case r == utf8.RuneError && n <= 1 && !eof && !utf8.FullRune(buf[i:]):
			c.cut = append([]byte(nil), buf[i:]...)
			return
		case r == utf8.RuneError && n <= 1:
			if c.invalid.line == 0 {
				c.invalid = at{line, start + int64(i)}
			}
			i++
		default:
			if c.multi.line == 0 {
				c.multi = at{line, start + int64(i)}
			}
			i += n
		}
	}
}

// isUTF8 refuses a UTF-8 file given as Windows-1252 or Latin-1: read so,
// Zürich would be ZÃ¼rich.
func (c *checked) isUTF8() *Error {
	return &Error{Path: fmt.Sprintf("%s:%d", c.path, c.multi.line),
		Msg: fmt.Sprintf("encoding: %s is set, but the file is UTF-8 (the bytes at byte offset %d are a UTF-8 character, which %s would read as two or three others: Zürich as ZÃ¼rich)", c.enc, c.multi.offset, c.enc),
		Fix: "remove encoding: for this source in kpiscope.yaml (or set encoding: utf-8)"}
}

// mixed refuses a Windows-1252 or Latin-1 file with UTF-8 lines in it (a
// line pasted from another export): read so, Köln would be KÃ¶ln there.
func (c *checked) mixed() *Error {
	return &Error{Path: fmt.Sprintf("%s:%d", c.path, c.multi.line),
		Msg: fmt.Sprintf("the file mixes encodings: line %d is UTF-8 (a UTF-8 character at byte offset %d, which %s would read as KÃ¶ln for Köln), line %d is not (byte 0x%02X at byte offset %d)", c.multi.line, c.multi.offset, c.enc, c.invalid.line, c.byteAt(c.invalid.offset), c.invalid.offset),
		Fix: "save the whole file in one encoding (Excel: Save As → CSV UTF-8), or correct the lines pasted from another file"}
}

// byteAt is the file's byte at offset (0 when it cannot be read).
func (c *checked) byteAt(offset int64) byte {
	f, err := os.Open(c.path)
	if err != nil {
		return 0
	}
	defer f.Close()
	b := make([]byte, 1)
	f.ReadAt(b, offset)
	return b[0]
}

// encodingMismatch refuses an encoding: that does not fit the file's first
// bytes: UTF-16 given for a file with neither its byte-order mark nor its
// NUL bytes, one byte order given for the other, an 8-bit encoding given
// for UTF-16. enc is the encoding given, head the file's first bytes.
func encodingMismatch(path, enc string, head []byte) *Error {
	found := ""
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		found = UTF16LE
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		found = UTF16BE
	default:
		found = utf16Order(head)
	}
	looks := "Windows-1252 or Latin-1"
	if utf8.Valid(head[:lastRuneStart(head)]) {
		looks = "UTF-8"
	}
	e := &Error{Path: path}
	switch {
	case (enc == UTF16 || enc == UTF16LE || enc == UTF16BE) && found == "" && bytes.IndexByte(head, 0) < 0:
		// (Some NUL bytes but not the pattern: UTF-16 of few ASCII letters, read as given.)
		e.Msg = fmt.Sprintf("encoding: %s is set, but the file is not UTF-16: it has no UTF-16 byte-order mark and no NUL bytes between its letters; it looks like %s", enc, looks)
		e.Fix = "remove encoding: for this source in kpiscope.yaml to have it detected"
	case (enc == UTF16LE || enc == UTF16BE) && found != "" && found != enc:
		e.Msg = fmt.Sprintf("encoding: %s is set, but the file is %s (its byte-order mark or NUL bytes say so)", enc, found)
		e.Fix = fmt.Sprintf("set encoding: %s (or utf-16, which follows the file) for this source in kpiscope.yaml, or remove encoding:", found)
	case (enc == Windows1252 || enc == Latin1) && found != "":
		e.Msg = fmt.Sprintf("encoding: %s is set, but the file is %s text (Excel's \"Unicode Text\": its byte-order mark or NUL bytes say so)", enc, found)
		e.Fix = "set encoding: utf-16 for this source in kpiscope.yaml, or remove encoding: to have it detected"
	default:
		return nil
	}
	return e
}
