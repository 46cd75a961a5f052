package source

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"kpiscope/internal/store"
)

// Continental European exports (Excel in Germany, France, Italy …) write
// 1.234,50 for 1234.5, and separate their fields with semicolons since the
// comma is taken. DuckDB reads 12,50 with decimal_separator = ',', but has
// no thousands separator: a column with 1.234,50 stays text, and is
// converted here.

// decimalCommaRE is a number written with a decimal comma, its thousands
// grouped by dots or not grouped: 1.234,50, -12,5, 1.234.567, 42.
const decimalCommaRE = `^\s*[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]+)?\s*$`

// decimalColumns lists the text columns of table that hold numbers written
// with a decimal comma or thousands dots (and missing-value tokens), at least
// one of them with a comma or a dot. The first rows are probed, the columns
// they leave scanned whole.
func decimalColumns(ctx context.Context, db *store.DB, table string, tokens []string) ([]string, error) {
	cols, err := db.Columns(ctx, table)
	if err != nil {
		return nil, err
	}
	var text []string
	for _, c := range cols {
		if strings.EqualFold(c.Type, "VARCHAR") {
			text = append(text, c.Name)
		}
	}
	tok := isToken("v", tokens)
	num := fmt.Sprintf("regexp_full_match(v, %s)", store.QuoteLiteral(decimalCommaRE))
	counts := fmt.Sprintf("count(*) FILTER (WHERE NOT (%s OR %s)), count(*) FILTER (WHERE %s AND (v LIKE '%%,%%' OR v LIKE '%%.%%'))", tok, num, num)
	var out []string
	for _, limit := range []string{fmt.Sprintf(" LIMIT %d", probeRows), ""} {
		var next []string
		for i := 0; i < len(text); i += dateChunk {
			chunk := text[i:min(i+dateChunk, len(text))]
			r, err := db.Query(ctx, fmt.Sprintf("SELECT name, %s FROM %s GROUP BY name", counts, unpivotText(table, chunk, limit)))
			if err != nil {
				return nil, err
			}
			ok := map[string]bool{}
			for _, row := range r.Data {
				// A column blank on the first rows goes on to the scan.
				ok[fmt.Sprint(row[0])] = store.Int(row[1]) == 0 && (limit != "" || store.Int(row[2]) > 0)
			}
			for _, c := range chunk {
				if done, seen := ok[c]; done || (!seen && limit != "") {
					next = append(next, c)
				}
			}
		}
		text, out = next, next
	}
	return out, nil
}

// readDecimal converts the columns decimalColumns finds to numbers: the
// dots dropped, the comma read as the decimal point, tokens as missing.
func readDecimal(ctx context.Context, db *store.DB, table string, tokens []string) ([]string, error) {
	dec, err := decimalColumns(ctx, db, table, tokens)
	if err != nil || len(dec) == 0 {
		return nil, err
	}
	cols, err := db.Columns(ctx, table)
	if err != nil {
		return nil, err
	}
	is := map[string]bool{}
	for _, c := range dec {
		is[c] = true
	}
	list := make([]string, len(cols))
	for i, c := range cols {
		qc := store.QuoteIdent(c.Name)
		list[i] = qc
		if is[c.Name] {
			list[i] = fmt.Sprintf("CAST(CASE WHEN %s THEN NULL ELSE replace(replace(trim(%s), '.', ''), ',', '.') END AS DOUBLE) AS %s", isToken(qc, tokens), qc, qc)
		}
	}
	qt := store.QuoteIdent(table)
	if err := db.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT %s FROM %s", qt, strings.Join(list, ", "), qt)); err != nil {
		return nil, err
	}
	return dec, nil
}

var decimalCommaMatch = regexp.MustCompile(decimalCommaRE)

// sniffDecimalComma reads a file's first 64 KiB for a column whose values
// are all numbers written with a decimal comma (tokens and blanks aside),
// one at least with the comma: then the file is read with it at once, not
// read a second time (see readCSV). comma is the file's delimiter.
func sniffDecimalComma(path string, comma rune, tokens []string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, sniffHead)
	n, _ := io.ReadFull(f, head)
	text := strings.TrimPrefix(string(head[:n]), "\ufeff")
	if n == len(head) {
		if i := strings.LastIndexByte(text, '\n'); i > 0 {
			text = text[:i+1] // the last line whole
		}
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma, r.LazyQuotes, r.FieldsPerRecord = comma, true, -1
	tok := map[string]bool{}
	for _, t := range tokens {
		tok[strings.ToUpper(t)] = true
	}
	if _, err := r.Read(); err != nil { // the header
		return false
	}
	var ok, comma1 []bool
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false
		}
		for len(ok) < len(rec) {
			ok, comma1 = append(ok, true), append(comma1, false)
		}
		for i, v := range rec {
			v = strings.TrimSpace(v)
			switch {
			case v == "" || tok[strings.ToUpper(v)]:
			case decimalCommaMatch.MatchString(v):
				comma1[i] = comma1[i] || strings.Contains(v, ",")
			default:
				ok[i] = false
			}
		}
	}
	for i := range ok {
		if ok[i] && comma1[i] {
			return true
		}
	}
	return false
}
