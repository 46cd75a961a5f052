package store

import "strings"

// WithoutSQL drops the excerpt of the generated SQL that DuckDB appends to
// an error ("LINE 1: ... ^"): it shows the engine's query, not the user's
// expression, and can run to thousands of characters. The error stays
// wrapped for errors.Is and errors.As.
func WithoutSQL(err error) error {
	m := err.Error()
	i := strings.Index(m, "LINE 1:")
	if i <= 0 {
		return err
	}
	return &trimmedError{msg: strings.TrimRight(strings.TrimSpace(m[:i]), ":"), err: err}
}

type trimmedError struct {
	msg string
	err error
}

func (e *trimmedError) Error() string { return e.msg }
func (e *trimmedError) Unwrap() error { return e.err }
