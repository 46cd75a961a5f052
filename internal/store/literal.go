package store

import (
	"fmt"
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
	case int8:
		return fmt.Sprintf("%d::TINYINT", v), true
	case int16:
		return fmt.Sprintf("%d::SMALLINT", v), true
	case int32:
		return fmt.Sprintf("%d::INTEGER", v), true
	case int64, int:
		return fmt.Sprintf("%d::BIGINT", v), true
	case uint8:
		return fmt.Sprintf("%d::UTINYINT", v), true
	case uint16:
		return fmt.Sprintf("%d::USMALLINT", v), true
	case uint32:
		return fmt.Sprintf("%d::UINTEGER", v), true
	case uint64, uint:
		return fmt.Sprintf("%d::UBIGINT", v), true
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
