package source

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/store"
)

// MissingTokens are the values R, pandas, SAS and spreadsheets write for a
// missing number. They are read as missing only in a column whose other
// values are all numbers (or all dates, see fixDates): there the token can
// only mean "no value", while NA in a text column is North America, Namibia
// or a real code, and stays a value. A source's missing: list replaces the
// rule (see Spec.Missing).
// Case is ignored (NONE, n.a.), and Excel's error values are among them: a
// formula that failed (#DIV/0! over an empty range) left no number.
var MissingTokens = []string{"NA", "N/A", "#N/A", "N.A.", "NaN", "NULL", "None", "nil", "-", "--", "?", ".",
	"#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"}

// nearTokens is how many distinct values that are neither numbers nor
// tokens a numeric column may hold for the profile to name them.
const nearTokens = 3

const (
	numberRE  = `^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$`
	integerRE = `^\s*[+-]?[0-9]{1,18}\s*$`
)

// isToken is an SQL condition: expr (text) is one of tokens; false when
// there are none.
func isToken(expr string, tokens []string) string {
	if len(tokens) == 0 {
		return "false"
	}
	q := make([]string, len(tokens))
	for i, t := range tokens {
		q[i] = store.QuoteLiteral(strings.ToUpper(t))
	}
	return fmt.Sprintf("upper(trim(%s)) IN (%s)", expr, strings.Join(q, ", "))
}

// readMissing gives text columns that hold numbers and tokens (and nothing
// else, at least one of each) their numeric type, the tokens read as NULL,
// and reads NaN as NULL in floating-point columns (DuckDB reads it as a
// number that poisons every sum). It returns the columns changed and the
// tokens they held. The work is a probe of the first rows of the text
// columns, one scan of the candidates those leave and of the float columns
// when NaN is a token, and one rewrite of the table when anything changed.
func readMissing(ctx context.Context, db *store.DB, table string, tokens []string, t *Table) (changed, seen []string, err error) {
	cols, err := db.Columns(ctx, table)
	if err != nil {
		return nil, nil, err
	}
	var text, floats []string
	for _, c := range cols {
		switch strings.ToUpper(c.Type) {
		case "VARCHAR":
			text = append(text, c.Name)
		case "DOUBLE", "FLOAT":
			floats = append(floats, c.Name)
		}
	}
	tok := isToken("v", tokens)
	num := fmt.Sprintf("regexp_full_match(v, %s)", store.QuoteLiteral(numberRE))
	other := fmt.Sprintf("count(*) FILTER (WHERE NOT (%s OR %s))", tok, num)
	// Candidates: text columns whose first rows are numbers and tokens only
	// (a column blank there is a candidate too: the scan decides).
	// Near: those whose first rows are mostly numbers beside a few other
	// values (#DIV/0! is a token, n.v. is not): scanned to be named.
	rejected := map[string]bool{}
	var near []string
	for i := 0; i < len(text); i += dateChunk {
		chunk := text[i:min(i+dateChunk, len(text))]
		r, err := db.Query(ctx, fmt.Sprintf("SELECT name, %s, count(*) FILTER (WHERE %s), count(DISTINCT trim(v)) FILTER (WHERE NOT (%s OR %s)) FROM %s GROUP BY name",
			other, num, tok, num, unpivotText(table, chunk, fmt.Sprintf(" LIMIT %d", probeRows))))
		if err != nil {
			return nil, nil, err
		}
		for _, row := range r.Data {
			if store.Int(row[1]) > 0 {
				rejected[fmt.Sprint(row[0])] = true
				if store.Int(row[2]) >= store.Int(row[1]) && store.Int(row[3]) <= nearTokens {
					near = append(near, fmt.Sprint(row[0]))
				}
			}
		}
	}
	nears, err := nearNumbers(ctx, db, table, near, tok, num)
	if err != nil {
		return nil, nil, err
	}
	t.NearNumbers = nears
	var cands []string
	for _, c := range text {
		if !rejected[c] && len(tokens) > 0 {
			cands = append(cands, c)
		}
	}
	newType := map[string]string{}
	found := map[string]bool{}
	for i := 0; i < len(cands); i += dateChunk {
		chunk := cands[i:min(i+dateChunk, len(cands))]
		q := fmt.Sprintf(`SELECT name, %s, count(*) FILTER (WHERE %s), count(*) FILTER (WHERE %s),
			count(*) FILTER (WHERE %s AND NOT (regexp_full_match(v, %s) AND try_cast(trim(v) AS BIGINT) IS NOT NULL)),
			list(DISTINCT trim(v)) FILTER (WHERE %s)
			FROM %s GROUP BY name`, other, tok, num, num, store.QuoteLiteral(integerRE), tok, unpivotText(table, chunk, ""))
		r, err := db.Query(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		for _, row := range r.Data {
			if store.Int(row[1]) > 0 || store.Int(row[2]) == 0 || store.Int(row[3]) == 0 {
				continue
			}
			name := fmt.Sprint(row[0])
			newType[name] = "BIGINT"
			if store.Int(row[4]) > 0 {
				newType[name] = "DOUBLE"
			}
			if l, ok := row[5].([]any); ok {
				for _, v := range l {
					found[fmt.Sprint(v)] = true
				}
			}
		}
	}
	nan := map[string]bool{}
	if len(floats) > 0 && slices.Contains(tokens, "NaN") {
		for i := 0; i < len(floats); i += dateChunk {
			chunk := floats[i:min(i+dateChunk, len(floats))]
			sel := make([]string, len(chunk))
			for j, c := range chunk {
				sel[j] = fmt.Sprintf("count(*) FILTER (WHERE isnan(%s))", store.QuoteIdent(c))
			}
			r, err := db.Query(ctx, fmt.Sprintf("SELECT %s FROM %s", strings.Join(sel, ", "), store.QuoteIdent(table)))
			if err != nil {
				return nil, nil, err
			}
			for j, c := range chunk {
				if store.Int(r.Data[0][j]) > 0 {
					nan[c] = true
					found["NaN"] = true
				}
			}
		}
	}
	if len(newType) == 0 && len(nan) == 0 {
		return nil, nil, nil
	}
	list := make([]string, len(cols))
	for i, c := range cols {
		qc := store.QuoteIdent(c.Name)
		list[i] = qc
		switch {
		case newType[c.Name] != "":
			list[i] = fmt.Sprintf("CAST(CASE WHEN %s THEN NULL ELSE trim(%s) END AS %s) AS %s", isToken(qc, tokens), qc, newType[c.Name], qc)
			changed = append(changed, c.Name)
		case nan[c.Name]:
			list[i] = fmt.Sprintf("CASE WHEN isnan(%s) THEN NULL ELSE %s END AS %s", qc, qc, qc)
			changed = append(changed, c.Name)
		}
	}
	qt := store.QuoteIdent(table)
	if err := db.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT %s FROM %s", qt, strings.Join(list, ", "), qt)); err != nil {
		return nil, nil, err
	}
	return changed, ordered(found), nil
}

// ordered lists the tokens found in MissingTokens' order, whatever their
// case (others after).
func ordered(found map[string]bool) []string {
	var out []string
	for _, t := range MissingTokens {
		var same []string
		for f := range found {
			if strings.EqualFold(f, t) {
				same = append(same, f)
				delete(found, f)
			}
		}
		slices.Sort(same)
		out = append(out, same...)
	}
	var rest []string
	for t := range found {
		rest = append(rest, t)
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// mergeTokens joins two ordered token lists.
func mergeTokens(a, b []string) []string {
	found := map[string]bool{}
	for _, t := range append(a, b...) {
		found[t] = true
	}
	return ordered(found)
}

// MissingNote says which tokens the automatic rule read as missing, and in
// how many columns, e.g. "NA, NaN read as missing in 3 columns"; "" when none.
// Columns that would be numbers but for a few other values follow, each
// with the values and the fix (see NearNumber.Note).
func (t Table) MissingNote() string {
	var notes []string
	if len(t.MissingColumns) > 0 {
		notes = append(notes, fmt.Sprintf("%s read as missing in %s (%s)", strings.Join(t.MissingSeen, ", "), cmdline.Count(len(t.MissingColumns), "column"), cmdline.List(t.MissingColumns, 8)))
	}
	for _, n := range t.NearNumbers {
		notes = append(notes, n.Note(t.Name))
	}
	return strings.Join(notes, "; ")
}

// NearNumber is a text column that would be numbers but for a few values
// that are not (and are not missing-value tokens): n.v., #FEHLER!, a typo.
type NearNumber struct {
	Column string
	Values []string // the values, most rows first
	Rows   []int64  // how many rows hold each
}

// nearNumbers reads, over the whole table, which of cols hold numbers
// beside at most nearTokens distinct other values, and how often each.
// tok and num are readMissing's SQL conditions on v.
func nearNumbers(ctx context.Context, db *store.DB, table string, cols []string, tok, num string) ([]NearNumber, error) {
	byCol := map[string]*NearNumber{}
	for i := 0; i < len(cols); i += dateChunk {
		chunk := cols[i:min(i+dateChunk, len(cols))]
		q := fmt.Sprintf(`WITH u AS (SELECT name, trim(v) AS v, %[1]s AS num, %[2]s AS tok FROM %[3]s),
			near AS (SELECT name FROM u GROUP BY name
				HAVING count(*) FILTER (WHERE num) >= count(*) FILTER (WHERE NOT (num OR tok))
				AND count(DISTINCT v) FILTER (WHERE NOT (num OR tok)) BETWEEN 1 AND %[4]d)
			SELECT name, v, count(*) AS n FROM u WHERE NOT (num OR tok) AND name IN (SELECT name FROM near)
			GROUP BY name, v ORDER BY name, n DESC, v`, num, tok, unpivotText(table, chunk, ""), nearTokens)
		r, err := db.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, row := range r.Data {
			name := fmt.Sprint(row[0])
			nn := byCol[name]
			if nn == nil {
				nn = &NearNumber{Column: name}
				byCol[name] = nn
			}
			nn.Values = append(nn.Values, fmt.Sprint(row[1]))
			nn.Rows = append(nn.Rows, store.Int(row[2]))
		}
	}
	var out []NearNumber
	for _, c := range cols {
		if nn := byCol[c]; nn != nil {
			out = append(out, *nn)
		}
	}
	return out, nil
}

// Note says what keeps the column from being numbers, and the fix, e.g.
// nps would be numbers but for 'n.v.' (3 rows): add it to missing: for source s.
func (n NearNumber) Note(source string) string {
	vals := make([]string, len(n.Values))
	for i, v := range n.Values {
		vals[i] = fmt.Sprintf("'%s' (%s)", v, cmdline.Count(n.Rows[i], "row"))
	}
	it := "it"
	if len(vals) > 1 {
		it = "them"
	}
	return fmt.Sprintf("%s would be numbers but for %s: add %s to missing: for source %s if %s no value", n.Column, strings.Join(vals, ", "), it, source, cmdline.Pick(len(vals), "it means", "they mean"))
}
