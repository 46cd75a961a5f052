package report

// SafeCell keeps a cell of a CSV or TSV export from being run as a formula
// when the file is opened in a spreadsheet (CSV injection, OWASP): a value
// that starts with =, +, -, @, a tab or a carriage return gets a single
// quote in front, which spreadsheets read as "this is text". A real number
// (-5, +3.2, -1e3) is left as it is, so negative values and deltas stay
// numbers; so is every other value. The data loses nothing a reader needs:
// the quote shows that the cell was neutralised.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if isNumber(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// isNumber reports whether s is a plain decimal number: an optional sign,
// digits with an optional fraction, and an optional exponent. Inf, NaN, hex
// and digit separators are not numbers here: a spreadsheet would not read
// them as one.
func isNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}
