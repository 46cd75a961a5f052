package schema

import (
	"strings"
	"unicode"
)

// Tokens splits a column name into lower-case words: "speed of
// answer(seconds)" → speed of answer seconds; "CustomerID" → customer id.
func Tokens(name string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if i > 0 && len(cur) > 0 {
			prev := rs[i-1]
			switch {
			case unicode.IsUpper(r) && unicode.IsLower(prev): // camelCase
				flush()
			case unicode.IsUpper(r) && unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]) && len(cur) > 1: // HTTPServer
				flush()
			case unicode.IsDigit(r) != unicode.IsDigit(prev):
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// HasStem reports whether any token starts with one of the stems.
func HasStem(toks []string, stems ...string) bool {
	for _, t := range toks {
		for _, s := range stems {
			if strings.HasPrefix(t, s) {
				return true
			}
		}
	}
	return false
}

// HasWord reports whether any token is exactly one of the words.
func HasWord(toks []string, words ...string) bool {
	for _, t := range toks {
		for _, w := range words {
			if t == w {
				return true
			}
		}
	}
	return false
}

// LooksLikeID reports whether a column's name says it holds identifiers:
// its last word is id, uuid or guid (customer_id, "call id", CustomerID), or
// key after another word (order_key). Such columns are keys, never segments.
func LooksLikeID(name string) bool {
	toks := Tokens(name)
	if len(toks) == 0 {
		return false
	}
	last := toks[len(toks)-1]
	return last == "id" || last == "uuid" || last == "guid" || last == "key" && len(toks) > 1
}

var (
	scoreStems    = []string{"rating", "rated", "score", "satisf", "csat", "nps", "ces", "recommend", "likel", "effort", "easy", "ease", "star", "feedback", "survey", "review", "grade"}
	durationStems = []string{"duration", "second", "secs", "minute", "mins", "hour", "hrs", "wait", "hold", "handle", "handling", "aht", "asa", "talk", "latency", "delay", "elapsed"}
)

// IsScoreName reports whether a column's name words say it holds survey answers.
func IsScoreName(toks []string) bool { return HasStem(toks, scoreStems...) }

// IsDurationName reports whether a column's name words say it holds how long
// something took.
func IsDurationName(toks []string) bool {
	return HasStem(toks, durationStems...) || HasWord(toks, "time", "speed", "ttr", "tta", "frt")
}

// Stems lists the name stems that make a column a candidate for a role, a
// score or a duration.
func Stems() []string {
	out := append(append([]string(nil), scoreStems...), durationStems...)
	for _, r := range roles {
		out = append(append(out, r.Strong...), r.Weak...)
	}
	return out
}
