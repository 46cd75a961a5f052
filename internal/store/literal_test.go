package store_test

import (
	"context"
	"testing"

	"kpiscope/internal/store"
)

// TestLiteralReadsBack: each value a query returns, written by Literal,
// reads back in DuckDB as the same value of the same type (IS NOT DISTINCT
// FROM and typeof), floats to the last bit; a time and an empty map are
// refused.
func TestLiteralReadsBack(t *testing.T) {
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, expr := range []string{
		"NULL", "true", "false", "42::TINYINT", "-7::SMALLINT", "123456::INTEGER", "-9007199254740993::BIGINT",
		"200::UTINYINT", "18446744073709551615::UBIGINT",
		"0.1::DOUBLE", "1e300::DOUBLE", "-0.0::DOUBLE", "29113200.000000004::DOUBLE", "'nan'::DOUBLE", "'-inf'::DOUBLE",
		"1.1::FLOAT", "'it''s'", "''",
		"MAP(['support', 'billing'], [29113200.123456789::DOUBLE, NULL])",
		"MAP([1, 2], ['a', 'b'])",
	} {
		rows, err := db.Query(ctx, "SELECT "+expr+" AS v")
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		lit, ok := store.Literal(rows.Data[0][0])
		if !ok {
			t.Errorf("%s: refused (%T)", expr, rows.Data[0][0])
			continue
		}
		// NaN is not distinct from NaN in DuckDB; -0.0 equals 0.0, so the
		// sign is compared as text.
		check, err := db.Query(ctx, "SELECT a IS NOT DISTINCT FROM b, typeof(a) = typeof(b), CAST(a AS VARCHAR) IS NOT DISTINCT FROM CAST(b AS VARCHAR), typeof(a), typeof(b) FROM (SELECT "+expr+" AS a, "+lit+" AS b)")
		if err != nil {
			t.Fatalf("%s as %s: %v", expr, lit, err)
		}
		r := check.Data[0]
		if r[0] != true || r[1] != true || r[2] != true {
			t.Errorf("%s read back from %s: same value %v, same type %v (%v, %v), same text %v", expr, lit, r[0], r[1], r[3], r[4], r[2])
		}
	}
	for _, expr := range []string{"TIMESTAMP '2026-10-01 00:00:00'", "MAP([]::VARCHAR[], []::DOUBLE[])"} {
		rows, err := db.Query(ctx, "SELECT "+expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if lit, ok := store.Literal(rows.Data[0][0]); ok {
			t.Errorf("%s: written as %s, want refused", expr, lit)
		}
	}
}
