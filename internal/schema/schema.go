// Package schema is the column vocabulary shared by kpi, infer, quality and config:
// the roles of the standard customer data model (what each holds, which
// names suggest it), how column names and DuckDB types are read, and how a
// column is found by name. It knows nothing of KPIs or queries.
package schema

import (
	"strings"

	"kpiscope/internal/store"
)

// Find returns the item called name: the exact spelling first, then the
// first that matches without regard to case (CSV headers and configs often
// disagree on case).
func Find[T any](items []T, name string, nameOf func(T) string) (T, bool) {
	for _, it := range items {
		if nameOf(it) == name {
			return it, true
		}
	}
	for _, it := range items {
		if strings.EqualFold(nameOf(it), name) {
			return it, true
		}
	}
	var zero T
	return zero, false
}

// Column finds a table's column by name, as Find does.
func Column(cols []store.Column, name string) (store.Column, bool) {
	return Find(cols, name, func(c store.Column) string { return c.Name })
}

// IsTime reports whether a DuckDB type is a date or timestamp (not a list of them).
func IsTime(t string) bool {
	t = strings.ToUpper(t)
	if strings.HasSuffix(t, "]") {
		return false
	}
	return strings.HasPrefix(t, "DATE") || strings.HasPrefix(t, "TIMESTAMP")
}

// IsNumeric reports whether a DuckDB type is a number (not a list of them).
func IsNumeric(t string) bool {
	t = strings.ToUpper(t)
	if strings.HasSuffix(t, "]") {
		return false
	}
	for _, p := range []string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "DOUBLE", "FLOAT", "REAL", "DECIMAL", "NUMERIC", "INT"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// IsText reports whether a DuckDB type is text.
func IsText(t string) bool {
	t = strings.ToUpper(t)
	return t == "VARCHAR" || strings.HasPrefix(t, "VARCHAR(") || t == "TEXT" || t == "STRING"
}

// IsBool reports whether a DuckDB type is a boolean.
func IsBool(t string) bool { return strings.EqualFold(t, "BOOLEAN") || strings.EqualFold(t, "BOOL") }
