package sqlq

import (
	"strings"
	"unicode"
)

// The few bits of SQL lexing the prompt needs: skip comments to find a
// leading EXPLAIN, cut a trailing semicolon, name a statement's first
// word for a message. None of them decides what may run: the text run is
// checked whole by DuckDB's parser (gate), so a lexing mistake can only
// refuse a statement, never let one through.

// skipSpace returns the position of the first character at or after i
// that is neither white space nor in a comment.
func skipSpace(s string, i int) int {
	for i < len(s) {
		switch {
		case unicode.IsSpace(rune(s[i])):
			i++
		case strings.HasPrefix(s[i:], "--"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return len(s)
			}
			i += j + 1
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return len(s)
			}
			i += j + 4
		default:
			return i
		}
	}
	return i
}

// word is the identifier-like word at i, and where it ends.
func word(s string, i int) (string, int) {
	j := i
	for j < len(s) && (s[j] == '_' || unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j]))) {
		j++
	}
	return s[i:j], j
}

// firstWord is the statement's first word, upper case ("COPY"), for messages.
func firstWord(s string) string {
	w, _ := word(s, skipSpace(s, 0))
	if w == "" {
		return "this statement"
	}
	return strings.ToUpper(w)
}

// stripExplain returns the statement under a leading EXPLAIN (or EXPLAIN
// ANALYZE), and whether there was one.
func stripExplain(s string) (string, bool) {
	i := skipSpace(s, 0)
	w, j := word(s, i)
	if !strings.EqualFold(w, "EXPLAIN") {
		return s, false
	}
	k := skipSpace(s, j)
	if w2, l := word(s, k); strings.EqualFold(w2, "ANALYZE") || strings.EqualFold(w2, "ANALYSE") {
		k = skipSpace(s, l)
	}
	return s[k:], true
}

// splitStatements cuts s at the semicolons outside quotes and comments
// and drops the empty pieces.
func splitStatements(s string) []string {
	var out []string
	for s != "" {
		i := statementEnd(s)
		if p := strings.TrimSpace(s[:i]); p != "" && skipSpace(p, 0) < len(p) {
			out = append(out, p)
		}
		if i >= len(s) {
			break
		}
		s = s[i+1:]
	}
	return out
}

// cutStatement is the first statement of s, without its semicolon and what
// follows it (a comment).
func cutStatement(s string) string {
	return s[:statementEnd(s)]
}

// statementEnd is the position of the first semicolon outside quotes and
// comments, or len(s).
func statementEnd(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ';':
			return i
		case c == '\'':
			escapes := i > 0 && (s[i-1] == 'e' || s[i-1] == 'E') && (i < 2 || !isWord(s[i-2]))
			i = quoted(s, i, '\'', escapes)
		case c == '"':
			i = quoted(s, i, '"', false)
		case c == '$':
			i = dollar(s, i)
		case strings.HasPrefix(s[i:], "--") || strings.HasPrefix(s[i:], "/*"):
			i = skipSpace(s, i)
		default:
			i++
		}
	}
	return len(s)
}

func isWord(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// quoted skips a quoted string or identifier starting at i (doubled quotes
// inside; backslash escapes in an E'…' string).
func quoted(s string, i int, q byte, escapes bool) int {
	for j := i + 1; j < len(s); j++ {
		switch {
		case escapes && s[j] == '\\':
			j++
		case s[j] == q && j+1 < len(s) && s[j+1] == q:
			j++
		case s[j] == q:
			return j + 1
		}
	}
	return len(s)
}

// dollar skips a dollar-quoted string ($$…$$, $tag$…$tag$) at i; a
// parameter ($1) is one character.
func dollar(s string, i int) int {
	j := i + 1
	for j < len(s) && isWord(s[j]) && !(j == i+1 && s[j] >= '0' && s[j] <= '9') {
		j++
	}
	if j >= len(s) || s[j] != '$' {
		return i + 1
	}
	tag := s[i : j+1]
	if k := strings.Index(s[j+1:], tag); k >= 0 {
		return j + 1 + k + len(tag)
	}
	return len(s)
}
