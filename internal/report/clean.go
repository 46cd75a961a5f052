package report

import (
	"strings"
	"unicode/utf8"
)

// Placeholder stands in for a character Clean removes.
const Placeholder = '\uFFFD'

// Clean makes a string from the data or the configuration safe to show on
// a terminal: C0 controls (0x00–0x1F, tab and newline included), DEL, C1
// controls (U+0080–U+009F) and bytes that are not UTF-8 (a lone 0x9B is
// CSI to some terminals) each become Placeholder, so a value can neither
// move the cursor, set colours nor retitle the window, and it keeps its
// place in a table. A string without such characters is returned as is.
func Clean(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteString(s[:i])
	for len(s) > i {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, size) {
			b.WriteRune(Placeholder)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe is the byte offset of the first character Clean replaces, or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, size) {
			return i
		}
		i += size
	}
	return -1
}

func unsafeRune(r rune, size int) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r == utf8.RuneError && size == 1)
}

// OneLine is an error's text on one line, runs of white space (line breaks
// in DuckDB's messages among them) as one space: for a footer, a log line
// or the single line a command prints.
func OneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
