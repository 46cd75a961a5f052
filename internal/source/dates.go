package source

import (
	"context"
	"fmt"
	"strings"

	"kpiscope/internal/store"
)

// dateFormats are the date layouts DuckDB's CSV sniffer leaves as text.
var dateFormats = []string{
	"%m-%d-%Y", "%d-%m-%Y", "%d.%m.%Y", "%m.%d.%Y", "%b %d, %Y", "%d %b %Y", "%B %d, %Y", "%d %B %Y",
	"%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%y", "%d/%m/%y",
	// ISO dates, which the sniffer reads itself, come here as text only
	// when a missing-value token (NA) sits among them.
	"%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
}

// probeRows is how many rows of a table the date layouts are first tried on;
// a layout that fits them is then checked on every row.
const probeRows = 1000

// maxDateLen is longer than any value of the layouts above.
const maxDateLen = 40

// sparseProbes caps the columns blank on the first probeRows rows that are
// sampled on their own first values.
const sparseProbes = 200

// dateChunk is how many text columns one probe or check statement reads:
// statements stay small however wide the table (a 10,000-column export).
const dateChunk = 500

// fixDates turns text columns whose every value is a date in one common
// layout into DATE (or TIMESTAMP when the layout has a time). The work is a
// few statements per 500 text columns, not one per column and layout, and
// the table is rewritten once (one ALTER per column costs a catalog change
// each, and SELECT * REPLACE grows quadratically with its list). Values
// among tokens (see MissingTokens) are read as missing; it returns the
// columns converted that held any, and the tokens they held.
func fixDates(ctx context.Context, db *store.DB, table string, tokens []string) (withTokens, seen []string, err error) {
	cols, err := db.Columns(ctx, table)
	if err != nil {
		return nil, nil, err
	}
	var text []string
	for _, c := range cols {
		if strings.EqualFold(c.Type, "VARCHAR") {
			text = append(text, c.Name)
		}
	}
	// Layouts that fit every value of the first rows, per column, in order.
	// Values longer than any date are not parsed (a 50 MB note would be,
	// fifteen times).
	sel := []string{"count(*) FILTER (WHERE NOT tk)"} // tokens are not values
	for _, f := range dateFormats {
		sel = append(sel, fmt.Sprintf("count(try_strptime(v, %s))", store.QuoteLiteral(f)))
	}
	counts := strings.Join(sel, ", ")
	fits := map[string][]string{}
	fitting := func(name string, row []any) {
		n := store.Int(row[0])
		for j, f := range dateFormats {
			if n > 0 && store.Int(row[1+j]) == n {
				fits[name] = append(fits[name], f)
			}
		}
	}
	sampled := map[string]bool{}
	for i := 0; i < len(text); i += dateChunk {
		chunk := text[i:min(i+dateChunk, len(text))]
		q := fmt.Sprintf("SELECT name, %s FROM (SELECT name, CASE WHEN strlen(v) <= %d THEN v END AS v, %s AS tk FROM %s) GROUP BY name", counts, maxDateLen, isToken("v", tokens), unpivotText(table, chunk, fmt.Sprintf(" LIMIT %d", probeRows)))
		r, err := db.Query(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		for _, row := range r.Data {
			name, _ := row[0].(string)
			sampled[name] = true
			fitting(name, row[1:])
		}
	}
	// Columns blank on all the first rows (churn dates of customers still
	// active) are sampled on their first values, a column at a time, as
	// many as sparseProbes.
	probes := 0
	for _, c := range text {
		if sampled[c] || probes == sparseProbes {
			continue
		}
		probes++
		qc := store.QuoteIdent(c)
		r, err := db.Query(ctx, fmt.Sprintf("SELECT %s FROM (SELECT CASE WHEN strlen(%s) <= %d THEN %s END AS v, false AS tk FROM %s WHERE %s IS NOT NULL AND NOT (%s) LIMIT 200)", counts, qc, maxDateLen, qc, store.QuoteIdent(table), qc, isToken(qc, tokens)))
		if err != nil {
			return nil, nil, err
		}
		if len(r.Data) > 0 {
			fitting(c, r.Data[0])
		}
	}
	// Check each candidate's first fitting layout on every row; a column
	// whose later rows break it tries its next layout.
	chosen := map[string]string{}
	found := map[string]bool{}
	hadTokens := map[string]bool{}
	for len(fits) > 0 {
		byFormat := map[string][]string{}
		for _, c := range text { // table order: statements are deterministic
			if fs := fits[c]; len(fs) > 0 {
				byFormat[fs[0]] = append(byFormat[fs[0]], c)
			}
		}
		for _, f := range dateFormats {
			cands := byFormat[f]
			for i := 0; i < len(cands); i += dateChunk {
				chunk := cands[i:min(i+dateChunk, len(cands))]
				tok := isToken("v", tokens)
				q := fmt.Sprintf("SELECT name, count(*) FILTER (WHERE NOT (%s) AND (strlen(v) > %d OR try_strptime(v, %s) IS NULL)), list(DISTINCT trim(v)) FILTER (WHERE %s) FROM %s GROUP BY name", tok, maxDateLen, store.QuoteLiteral(f), tok, unpivotText(table, chunk, ""))
				r, err := db.Query(ctx, q)
				if err != nil {
					return nil, nil, err
				}
				for _, row := range r.Data {
					name, _ := row[0].(string)
					if store.Int(row[1]) == 0 {
						chosen[name] = f
						delete(fits, name)
						if l, ok := row[2].([]any); ok && len(l) > 0 {
							hadTokens[name] = true
							for _, v := range l {
								found[fmt.Sprint(v)] = true
							}
						}
					} else if fs := fits[name]; len(fs) > 0 {
						fits[name] = fs[1:]
					}
				}
			}
		}
		for c, fs := range fits {
			if len(fs) == 0 {
				delete(fits, c)
			}
		}
	}
	if len(chosen) == 0 {
		return nil, nil, nil
	}
	list := make([]string, len(cols))
	for i, c := range cols {
		qc := store.QuoteIdent(c.Name)
		list[i] = qc
		f, ok := chosen[c.Name]
		if !ok {
			continue
		}
		ty := "DATE"
		if strings.Contains(f, "%H") || strings.Contains(f, "%I") {
			ty = "TIMESTAMP"
		}
		v := qc
		if hadTokens[c.Name] {
			v = fmt.Sprintf("CASE WHEN %s THEN NULL ELSE %s END", isToken(qc, tokens), qc)
			withTokens = append(withTokens, c.Name)
		}
		list[i] = fmt.Sprintf("CAST(strptime(%s, %s) AS %s) AS %s", v, store.QuoteLiteral(f), ty, qc)
	}
	qt := store.QuoteIdent(table)
	if err := db.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT %s FROM %s", qt, strings.Join(list, ", "), qt)); err != nil {
		return nil, nil, err
	}
	return withTokens, ordered(found), nil
}

// unpivotText is a subquery with one row (name, v) per non-null value of the
// given text columns.
func unpivotText(table string, cols []string, limit string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = store.QuoteIdent(c)
	}
	return fmt.Sprintf("(UNPIVOT (SELECT %s FROM %s%s) ON COLUMNS(*) INTO NAME name VALUE v)", strings.Join(q, ", "), store.QuoteIdent(table), limit)
}
