package store

import (
	"math"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Literal writes a value a query returned as a SQL literal of the same
// value and type, for a statement to carry computed once (a period's
// business-time column, whose expression costs more to plan than to
// run): NULL, booleans, integers, floating-point numbers (exact: the
// shortest text that reads back as the same float), text, and maps of
// them. ok is false for any other value (a time, whose zone the Go value
// does not tell; an empty map, whose types it does not), which the caller
// then computes in the statement.
func Literal(v any) (lit string, ok bool) {
	switch v := v.(type) {
	case nil:
		return "NULL", true
	case bool:
		if v {
			return "TRUE", true
		}
		return "FALSE", true
	case int8, int16, int32, int64, int:
		return intLit(v), true
	case uint8, uint16, uint32, uint64, uint:
		return intLit(v), true
	case float64:
		return floatLit(v, 64, "DOUBLE"), true
	case float32:
		return floatLit(float64(v), 32, "FLOAT"), true
	case string:
		return QuoteLiteral(v), true
	case duckdb.OrderedMap:
		keys, vals := v.Keys(), v.Values()
		if len(keys) == 0 || len(keys) != len(vals) {
			return "", false
		}
		ks, vs := make([]string, len(keys)), make([]string, len(vals))
		for i := range keys {
			k, ok := Literal(keys[i])
			if !ok || keys[i] == nil {
				return "", false
			}
			x, ok := Literal(vals[i])
			if !ok {
				return "", false
			}
			ks[i], vs[i] = k, x
		}
		return "MAP([" + strings.Join(ks, ", ") + "], [" + strings.Join(vs, ", ") + "])", true
	}
	return "", false
}

func intLit(v any) string {
	switch v := v.(type) {
	case int8:
		return strconv.FormatInt(int64(v), 10) + "::TINYINT"
	case int16:
		return strconv.FormatInt(int64(v), 10) + "::SMALLINT"
	case int32:
		return strconv.FormatInt(int64(v), 10) + "::INTEGER"
	case int64:
		return strconv.FormatInt(v, 10) + "::BIGINT"
	case int:
		return strconv.FormatInt(int64(v), 10) + "::BIGINT"
	case uint8:
		return strconv.FormatUint(uint64(v), 10) + "::UTINYINT"
	case uint16:
		return strconv.FormatUint(uint64(v), 10) + "::USMALLINT"
	case uint32:
		return strconv.FormatUint(uint64(v), 10) + "::UINTEGER"
	case uint64:
		return strconv.FormatUint(v, 10) + "::UBIGINT"
	case uint:
		return strconv.FormatUint(uint64(v), 10) + "::UBIGINT"
	}
	panic("not an integer")
}

func floatLit(f float64, bits int, typ string) string {
	switch {
	case math.IsNaN(f):
		return "'nan'::" + typ
	case math.IsInf(f, 1):
		return "'inf'::" + typ
	case math.IsInf(f, -1):
		return "'-inf'::" + typ
	}
	return "'" + strconv.FormatFloat(f, 'g', -1, bits) + "'::" + typ
}
