// Package cmdline writes the commands kpiscope suggests to its users
// ("run `kpiscope init FILE`") so that they can be pasted into a shell as they
// are: every argument is shell-quoted, and no file name can smuggle a second
// command (`;rm -rf ~;.csv`) or a line break into a message, a log line or a
// generated kpiscope.yaml's comments.
package cmdline

import (
	"fmt"
	"strings"
	"unicode"

	"al.essio.dev/pkg/shellescape"
)

// Quote returns s as one shell word: unchanged when it holds only characters
// no POSIX shell treats specially, in single quotes otherwise
// (al.essio.dev/pkg/shellescape), and in bash's $'…' form with escapes when it
// holds control characters, so the result is always on one line.
func Quote(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return shellescape.Quote(s)
	}
	var b strings.Builder
	b.WriteString("$'")
	for _, r := range s {
		switch {
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case unicode.IsControl(r):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// Command joins a command's words, quoting each argument with Quote. The
// words in name are written as they are ("kpiscope init"). args are flags
// with their values ("--config", FILE) followed by file arguments; a file
// argument that starts with "-" would be read as a flag, so the files then
// come after "--".
func Command(name string, args ...string) string {
	parts := []string{name}
	dashes := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "--") && len(a) > 2 && !dashes && i+1 < len(args) {
			parts = append(parts, a, Quote(args[i+1])) // a flag and its value
			i++
			continue
		}
		if strings.HasPrefix(a, "-") && !dashes {
			parts = append(parts, "--")
			dashes = true
		}
		parts = append(parts, Quote(a))
	}
	return strings.Join(parts, " ")
}

// List shortens a list of names for a message: the first max, then
// "… and N more", so a folder of 3,000 tables makes a readable line.
func List(names []string, max int) string {
	if max <= 0 || len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s … and %s more", strings.Join(names[:max], ", "), Thousands(len(names)-max))
}

// Count writes a count and its noun as a sentence needs them: "1 table",
// "0 tables", "2,995 rows". The plural is the noun with an s unless given
// ("1 entry", "3 entries"). Every message that counts things uses it, so
// that none says "1 tables".
func Count[N ~int | ~int64](n N, noun string, plural ...string) string {
	return Thousands(n) + " " + Pick(n, noun, append(plural, noun+"s")[0])
}

// Pick returns one when n is 1 and many otherwise, for the words that agree
// with a count: "1 row has", "3 rows have".
func Pick[N ~int | ~int64](n N, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Thousands writes n with comma separators (2,995).
func Thousands[N ~int | ~int64](n N) string {
	s, sign := fmt.Sprint(n), ""
	if n < 0 {
		s, sign = s[1:], "-"
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s
}
