package source

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"kpiscope/internal/store"
)

// types maps each column of a loaded table to its type.
func types(tb Table) map[string]string {
	out := map[string]string{}
	for _, c := range tb.Columns {
		out[c.Name] = c.Type
	}
	return out
}

// rows reads a query's rows as text, NULL as <nil>.
func rows(t *testing.T, db *store.DB, q string) []string {
	t.Helper()
	r, err := db.Query(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, row := range r.Data {
		out = append(out, strings.TrimSuffix(fmt.Sprintln(row...), "\n"))
	}
	return out
}

// A pandas/R export: NA, NaN and - where a number or a date is missing are
// read as missing and the columns get their types; NA among words (the
// region, a comment) stays a value.
func TestMissingTokens(t *testing.T) {
	dir := "testdata/encodings"
	db, tables := mustLoad(t, dir, Spec{Path: filepath.Join(dir, "pandas_export.csv")})
	tb := tables[0]
	want := map[string]string{"customer_id": "BIGINT", "region": "VARCHAR", "nps": "BIGINT", "csat": "BIGINT", "spend": "DOUBLE", "signup": "DATE", "comment": "VARCHAR"}
	if got := types(tb); !reflect.DeepEqual(got, want) {
		t.Errorf("types %v\nwant  %v", got, want)
	}
	got := rows(t, db, `SELECT region, nps, csat, spend, signup, comment FROM pandas_export ORDER BY customer_id`)
	wantRows := []string{
		"NA 9 5 10.5 2024-01-05 00:00:00 +0000 UTC great",
		"EU <nil> 4 <nil> 2024-02-10 00:00:00 +0000 UTC NA",
		"NA 7 <nil> 12.25 <nil> ok",
		"US 10 <nil> 8 2024-03-01 00:00:00 +0000 UTC <nil>",
		"EU 3 2 <nil> 2024-03-15 00:00:00 +0000 UTC slow",
	}
	if !reflect.DeepEqual(got, wantRows) {
		t.Errorf("rows\n%q\nwant\n%q", got, wantRows)
	}
	// nps averages its four answers: (9+7+10+3)/4.
	if avg := rows(t, db, "SELECT avg(nps), avg(spend) FROM pandas_export"); avg[0] != "7.25 10.25" {
		t.Errorf("avg(nps), avg(spend) = %s, want 7.25 10.25", avg[0])
	}
	if note := tb.MissingNote(); note != "NA, NaN, - read as missing in 4 columns (nps, csat, spend, signup)" {
		t.Errorf("note = %q", note)
	}
}

// missing: replaces the automatic rule: the listed values are missing in
// every column (NA in region too), others are not (NaN stays a number in
// spend and csat); missing: [] turns the rule off.
func TestMissingGiven(t *testing.T) {
	dir := "testdata/encodings"
	p := filepath.Join(dir, "pandas_export.csv")
	db, tables := mustLoad(t, dir, Spec{Path: p, Missing: []string{"NA", "-"}, MissingSet: true})
	want := map[string]string{"customer_id": "BIGINT", "region": "VARCHAR", "nps": "BIGINT", "csat": "DOUBLE", "spend": "DOUBLE", "signup": "DATE", "comment": "VARCHAR"}
	if got := types(tables[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("types %v\nwant  %v", got, want)
	}
	if got := rows(t, db, "SELECT count(region), count(comment), count(*) FILTER (WHERE isnan(spend)), count(*) FILTER (WHERE isnan(csat)) FROM pandas_export"); got[0] != "3 3 1 1" {
		t.Errorf("non-null region, comment, NaN spend, NaN csat = %s, want 3 3 1 1", got[0])
	}
	if note := tables[0].MissingNote(); note != "" {
		t.Errorf("note = %q, want none (the list is the user's)", note)
	}
	_, tables = mustLoad(t, dir, Spec{Path: p, MissingSet: true})
	want = map[string]string{"customer_id": "BIGINT", "region": "VARCHAR", "nps": "VARCHAR", "csat": "VARCHAR", "spend": "VARCHAR", "signup": "VARCHAR", "comment": "VARCHAR"}
	if got := types(tables[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("missing: [] types %v\nwant  %v", got, want)
	}
}

// A token only past the rows DuckDB samples still leaves the column
// numeric, and one word among numbers keeps it text.
func TestMissingFarDown(t *testing.T) {
	dir := t.TempDir()
	body := "id,score,code\n"
	for i := 0; i < 30000; i++ {
		body += fmt.Sprintf("%d,%d,%d\n", i, i%10, i%7)
	}
	body += "30000,NA,NA\n30001,5,x7\n"
	writeFile(t, filepath.Join(dir, "t.csv"), body)
	db, tables := mustLoad(t, dir, Spec{Path: filepath.Join(dir, "t.csv")})
	if got := types(tables[0]); got["score"] != "BIGINT" || got["code"] != "VARCHAR" {
		t.Errorf("types %v, want score BIGINT, code VARCHAR", got)
	}
	if got := rows(t, db, "SELECT count(score), sum(score), count(code) FROM t"); got[0] != "30001 135005 30002" {
		t.Errorf("count, sum of score, count of code = %s, want 30001 135005 30002", got[0])
	}
}

// Excel's error values and other spellings of "no value" (any case) are
// missing in a numeric column; a column numeric but for a value that is no
// token (n.v.) stays text, and the note names the value, its rows and the fix.
func TestMissingExcelTokens(t *testing.T) {
	dir := "testdata/missing"
	db, tables := mustLoad(t, dir, Spec{Path: filepath.Join(dir, "excel_tokens.csv")})
	want := map[string]string{"id": "BIGINT", "nps": "BIGINT", "csat": "VARCHAR", "region": "VARCHAR"}
	if got := types(tables[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("types %v\nwant  %v", got, want)
	}
	// nps answers 9, 10, 6: three of ten rows.
	if got := rows(t, db, "SELECT count(nps), sum(nps) FROM excel_tokens"); got[0] != "3 25" {
		t.Errorf("count, sum of nps = %s, want 3 25", got[0])
	}
	wantNote := "N.A., NONE, none, --, #DIV/0!, #VALUE!, #REF! read as missing in 1 column (nps); " +
		"csat would be numbers but for 'n.v.' (2 rows): add it to missing: for source excel_tokens if it means no value"
	if note := tables[0].MissingNote(); note != wantNote {
		t.Errorf("note = %q\nwant   %q", note, wantNote)
	}
}
