package schema

import (
	"fmt"
	"regexp"
	"time"
)

// How column names and values are written for people: in comments of an
// inferred config, in the reasons beside a guess, in data-quality findings.

var plainNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// IsPlainName reports whether a name is letters, digits and _ (not
// starting with a digit), so it reads without quotes.
func IsPlainName(name string) bool { return plainNameRE.MatchString(name) }

// QuoteName writes a column name for people: bare when plain, in double
// quotes otherwise ("satisfaction rating").
func QuoteName(name string) string {
	if IsPlainName(name) {
		return name
	}
	return fmt.Sprintf("%q", name)
}

// ValueText writes a value read from the database: a date without its
// midnight, a time of day without its date, NULL as "".
func ValueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		if x.Year() == 1 && x.Month() == 1 && x.Day() == 1 { // a TIME of day
			return x.Format("15:04:05")
		}
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02 15:04:05")
	}
	return fmt.Sprint(v)
}

// Clip cuts s to n characters, the last one an ellipsis when it was longer.
func Clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Percent writes a share 0..1 as a whole percentage; "<1%" for a share
// that would round to 0 but is not.
func Percent(f float64) string {
	switch {
	case f == 0:
		return "0%"
	case f < 0.01:
		return "<1%"
	}
	return fmt.Sprintf("%.0f%%", 100*f)
}
