package kpi

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"kpiscope/internal/store"
)

// showAtom renders an atom readably for the table below:
// <count *>, <sum x | filter>, <quantile x | filter | 0.9>.
func showAtom(a atom) string {
	kind := map[atomKind]string{atomCount: "count", atomSum: "sum", atomSumSq: "sumsq", atomMin: "min", atomMax: "max", atomQuantile: "quantile"}[a.kind]
	s := "<" + kind + " " + a.arg
	if a.filter != "" || a.kind == atomQuantile {
		s += " | " + a.filter
	}
	if a.kind == atomQuantile {
		s += fmt.Sprintf(" | %g", a.q)
	}
	return s + ">"
}

// TestParseTemplate checks the split of hand-written aggregate expressions
// into mergeable atoms and the template around them, and the refusals
// (aggregates that do not merge read the raw rows).
func TestParseTemplate(t *testing.T) {
	cases := []struct {
		expr string
		want string // the template with atoms shown by showAtom; "" = not ok
	}{
		{"count(*)", "<count *>"},
		{"count()", "<count *>"},
		{"count_star()", "<count *>"},
		{"COUNT (*)", "<count *>"},
		{"count(ALL x)", "<count x>"},
		{"count(x) FILTER (WHERE y > 1)", "<count x | y > 1>"},
		{`count(*) filter (where "csat" BETWEEN 4 AND 5)`, `<count * | "csat" BETWEEN 4 AND 5>`},
		{"count(*)FILTER(WHERE a)", "<count * | a>"},
		{"sum(date_diff('second', created_at, resolved_at)) FILTER (WHERE resolved_at >= created_at) / 3600.0",
			"<sum date_diff('second', created_at, resolved_at) | resolved_at >= created_at> / 3600.0"},
		{"sum(x)::DOUBLE / count(*)", "<sum x>::DOUBLE / <count *>"},
		{"avg(csat) FILTER (WHERE csat BETWEEN 1 AND 5)",
			"(CAST(<sum csat | csat BETWEEN 1 AND 5> AS DOUBLE) / NULLIF(<count csat | csat BETWEEN 1 AND 5>, 0))"},
		{"mean(x)", "(CAST(<sum x> AS DOUBLE) / NULLIF(<count x>, 0))"},
		{"1 + AVG(x) * 2", "1 + (CAST(<sum x> AS DOUBLE) / NULLIF(<count x>, 0)) * 2"},
		{"quantile_cont(date_diff('second', a, b) / 3600.0, 0.9) FILTER (WHERE b >= a)",
			"<quantile date_diff('second', a, b) / 3600.0 | b >= a | 0.9>"},
		{"quantile_cont(coalesce(x, 0), .25)", "<quantile coalesce(x, 0) |  | 0.25>"},
		{"quantile_cont(x, 1)", "<quantile x |  | 1>"},
		{"median(x)", "<quantile x |  | 0.5>"},
		{"median(x) FILTER (WHERE x >= 0)", "<quantile x | x >= 0 | 0.5>"},
		{"min(x) + max(y) FILTER (WHERE z)", "<min x> + <max y | z>"},
		{"100.0 * (count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6)) / count(nps)",
			"100.0 * (<count * | nps >= 9> - <count * | nps <= 6>) / <count nps>"},
		// Quotes: aggregate names and parentheses inside identifiers and
		// literals are text, not calls.
		{`count("sum(x)")`, `<count "sum(x)">`},
		{`sum("a)b") / count(*) FILTER (WHERE "weird)name" = 'a(b')`, `<sum "a)b"> / <count * | "weird)name" = 'a(b'>`},
		{`coalesce(sum(x), 'sum(y) over (')`, `coalesce(<sum x>, 'sum(y) over (')`},
		{`count(*) FILTER (WHERE note = 'it''s (over)')`, `<count * | note = 'it''s (over)'>`},
		{`"sum" + count(*)`, `"sum" + <count *>`},
		{"sum(x) + t.count(y)", "<sum x> + t.count(y)"},
		{"my_sum(x) + count(*)", "my_sum(x) + <count *>"},
		// Nested parentheses in FILTER.
		{"count(*) FILTER (WHERE (a > 1 OR (b IN (1, 2))) AND c = ')')", "<count * | (a > 1 OR (b IN (1, 2))) AND c = ')'>"},
		{"sum(CASE WHEN (a) THEN (b) ELSE 0 END) FILTER (WHERE ((x)))", "<sum CASE WHEN (a) THEN (b) ELSE 0 END | ((x))>"},
		// Not mergeable: the KPI reads the raw rows.
		{"count(DISTINCT order_id)", ""},
		{"count( distinct x)", ""},
		{"sum(amount) / count(DISTINCT order_id)", ""},
		{"sum(DISTINCT x)", ""},
		{"list(x)", ""},
		{"list_count(list(DISTINCT x))", ""},
		{"string_agg(x, ',')", ""},
		{"quantile_cont(x, [0.5, 0.9])", ""},
		{"quantile_cont(x, 0.5 + 0.1)", ""},
		{"quantile_cont(x, 1.5)", ""},
		{"quantile_cont(x)", ""},
		{"median(x, y)", ""},
		{"sum(x) OVER (PARTITION BY y)", ""},
		{"count(*) FILTER (WHERE a) OVER ()", ""},
		{"count(*) over ()", ""},
		{"percentile_cont(0.5) WITHIN GROUP (ORDER BY x)", ""},
		{"sum(x ORDER BY y)", ""},
		{"count(*) / (SELECT count(*) FROM t)", ""},
		{"sum()", ""},
		{"sum(x", ""},
		{"count(*) FILTER (WHERE x", ""},
		{"count(*) FILTER (x > 1)", ""},
		{"count(*) FILTER x", ""},
		{"count(*) + \x00", ""},
		{"1 + 2", ""},
		{"", ""},
	}
	for _, c := range cases {
		tpl, ok := parseTemplate(c.expr)
		got := ""
		if ok {
			got = tpl.render(showAtom)
		}
		if got != c.want {
			t.Errorf("parseTemplate(%q)\n got  %q (ok %v)\n want %q", c.expr, got, ok, c.want)
		}
	}
}

// TestParseTemplateLimits: an expression that calls any other DuckDB
// aggregate beside the ones that merge (list, first, string_agg …) is not
// answered from rollups, even when it also holds a count; a scalar function
// around merging aggregates still is.
func TestParseTemplateLimits(t *testing.T) {
	for _, expr := range []string{"count(*) + list_count(list(x))", "sum(x) / first(y)", "count(*) FILTER (WHERE x > 1) + bool_or(y)::INT"} {
		if tpl, ok := parseTemplate(expr); ok {
			t.Errorf("%s: accepted as %q", expr, tpl.render(showAtom))
		}
	}
	tpl, ok := parseTemplate("round(sum(x) / greatest(count(*), 1), 2)")
	if !ok || tpl.render(showAtom) != "round(<sum x> / greatest(<count *>, 1), 2)" {
		t.Errorf("scalar functions around atoms: %q ok %v", tpl.render(showAtom), ok)
	}
}

// TestRollableCatalog pins which built-ins are answered from rollups and
// which read the raw rows (distinct counts, cohorts, composites).
func TestRollableCatalog(t *testing.T) {
	var rolled, raw []string
	for _, b := range Catalog() {
		d := b.Bind("", nil)
		if _, _, ok := rollable(d); ok {
			rolled = append(rolled, d.ID)
		} else {
			raw = append(raw, d.ID)
		}
	}
	sort.Strings(rolled)
	sort.Strings(raw)
	wantRolled := "acquisition_spend ces contacts_per_resolution csat fcr first_response new_customers nps reopen_rate resolution_median resolution_time response_rate retention_spend"
	wantRaw := "avg_purchase backlog cac churn clv purchase_frequency repeat_rate retention retention_cost"
	if got := strings.Join(rolled, " "); got != wantRolled {
		t.Errorf("rollable: %s\nwant      %s", got, wantRolled)
	}
	if got := strings.Join(raw, " "); got != wantRaw {
		t.Errorf("raw: %s\nwant %s", got, wantRaw)
	}
	for _, id := range []string{"resolution_time", "resolution_median", "first_response"} {
		b, _ := LookupBuiltin(id)
		if !usesQuantile(b.Bind("", nil)) {
			t.Errorf("%s: usesQuantile false", id)
		}
	}
	for _, id := range []string{"csat", "nps", "ces", "fcr", "response_rate"} {
		b, _ := LookupBuiltin(id)
		if usesQuantile(b.Bind("", nil)) {
			t.Errorf("%s: usesQuantile true", id)
		}
	}
}

// TestTemplatesEqualExpressions evaluates every built-in component and extra
// both as written and as its template over the atoms' own aggregates (what
// a rollup stores, before merging): the two must give the same number on
// data with NULLs, out-of-range answers and negative durations.
func TestTemplatesEqualExpressions(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`CREATE TABLE tickets AS SELECT 'T' || i AS ticket_id, 'C' || (i % 7) AS customer_id,
		  TIMESTAMP '2025-01-01' + to_seconds(i * 3607) AS created_at,
		  CASE WHEN i % 11 = 0 THEN NULL ELSE TIMESTAMP '2025-01-01' + to_seconds(i * 3607 + (i % 13 - 2) * 1800) END AS first_response_at,
		  CASE WHEN i % 9 = 0 THEN NULL ELSE TIMESTAMP '2025-01-01' + to_seconds(i * 3607 + ((i * 37) % 101 - 5) * 3600) END AS resolved_at,
		  CASE WHEN i % 5 = 0 THEN NULL ELSE i % 4 END AS contacts,
		  CASE WHEN i % 3 = 0 THEN NULL ELSE i % 7 END AS csat,
		  CASE WHEN i % 4 = 0 THEN NULL ELSE i % 9 END AS ces,
		  ['yes', 'no', NULL, 'TRUE', '0', '2', 'n', 'maybe'][i % 8 + 1] AS reopened
		 FROM range(500) r(i)`,
		`CREATE TABLE surveys AS SELECT 'S' || i AS survey_id, TIMESTAMP '2025-01-01' + to_seconds(i * 5000) AS sent_at,
		  CASE WHEN i % 3 = 0 THEN NULL ELSE TIMESTAMP '2025-01-02' + to_seconds(i * 5000) END AS responded_at,
		  CASE WHEN i % 3 = 0 OR i % 17 = 0 THEN NULL ELSE i % 12 END AS nps FROM range(300) r(i)`,
		`CREATE TABLE spend AS SELECT DATE '2025-01-01' + INTERVAL (i) MONTH AS month, CASE WHEN i % 2 = 0 THEN 'acquisition' WHEN i % 5 = 0 THEN NULL ELSE 'retention' END AS kind,
		  CASE WHEN i % 7 = 0 THEN NULL ELSE i * 10.25 END AS amount FROM range(40) r(i)`,
		`CREATE TABLE customers AS SELECT 'C' || i AS customer_id, DATE '2025-01-01' + to_days(i) AS signup_date FROM range(50) r(i)`,
	} {
		if err := db.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	raw := func(a atom) string {
		if a.kind == atomQuantile {
			f := ""
			if a.filter != "" {
				f = " FILTER (WHERE " + a.filter + ")"
			}
			return fmt.Sprintf("quantile_cont(%s, %s)%s", a.arg, formatFloat(a.q), f)
		}
		return a.buildSQL()
	}
	n := 0
	for _, b := range Catalog() {
		d := b.Bind("", nil)
		comps, extras, ok := rollable(d)
		if !ok {
			continue
		}
		exprs := map[string]string{}
		for k, v := range d.Components() {
			exprs[k] = v
		}
		for k, v := range d.Extras {
			exprs["x_"+k] = v
		}
		tpls := map[string]template{}
		for k, v := range comps {
			tpls[k] = v
		}
		for k, v := range extras {
			tpls["x_"+k] = v
		}
		for _, name := range sortedKeys(exprs) {
			q := fmt.Sprintf("SELECT CAST((%s) AS DOUBLE), CAST((%s) AS DOUBLE) FROM %s", exprs[name], tpls[name].render(raw), store.QuoteIdent(d.Source))
			rows, err := db.Query(ctx, q)
			if err != nil {
				t.Errorf("%s %s: %v\n%s", d.ID, name, err, q)
				continue
			}
			a, aok := store.Float(rows.Data[0][0])
			bv, bok := store.Float(rows.Data[0][1])
			if aok != bok || aok && math.Abs(a-bv) > 1e-9*math.Max(1, math.Abs(a)) {
				t.Errorf("%s %s: expression %v (%v), template %v (%v)", d.ID, name, a, aok, bv, bok)
			}
			n++
		}
	}
	if n < 20 {
		t.Errorf("only %d expressions compared", n)
	}
}

// TestSketchBound checks the quantile sketch's buckets in SQL: every value
// x is stood for by a value within SketchError·|x| (zero by zero), over 13
// decades, at bucket edges (powers of gamma) and for negative values; and
// buckets keep the order of values, so a quantile's rank is exact.
func TestSketchBound(t *testing.T) {
	if g := (sketchGamma - 1) / (sketchGamma + 1); math.Abs(g-SketchError) > 1e-15 {
		t.Fatalf("(γ−1)/(γ+1) = %v, want SketchError %v", g, SketchError)
	}
	ctx := context.Background()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := fmt.Sprintf("%.17g", sketchGamma)
	vals := fmt.Sprintf(`SELECT exp(ln(1e-6) + ln(1e13) * i / 200000.0) AS x FROM range(200001) r(i)
		UNION ALL SELECT pow(%[1]s, k) FROM range(-800, 800) r(k)
		UNION ALL SELECT pow(%[1]s, k) * (1 + 1e-12) FROM range(-800, 800) r(k)
		UNION ALL SELECT pow(%[1]s, k) * (1 - 1e-12) FROM range(-800, 800) r(k)
		UNION ALL SELECT i / 3600.0 FROM range(0, 100000) r(i)
		UNION ALL SELECT -exp(ln(1e-6) + ln(1e13) * i / 20000.0) FROM range(20001) r(i)
		UNION ALL SELECT x FROM (VALUES (0.0), (1.0), (1e-300), (1e300), (2.2250738585072014e-308),
			(1e308), (1.79e308), (1.7976931348623157e308), (-1.7976931348623157e308)) v(x)`, g)
	q := fmt.Sprintf(`WITH v AS (SELECT x, %[1]s AS b FROM (%[3]s)), s AS (SELECT x, b, %[2]s AS sv FROM v)
		SELECT count(*),
		 count(*) FILTER (WHERE abs(sv - x) > %[4]g * abs(x) * (1 + 1e-9) AND abs(x) >= 1e-40),
		 max(abs(sv - x) / abs(x)) FILTER (WHERE x <> 0 AND abs(x) >= 1e-40),
		 any_value(x) FILTER (WHERE abs(sv - x) > %[4]g * abs(x) * (1 + 1e-9) AND abs(x) >= 1e-40),
		 count(*) FILTER (WHERE x = 0 AND (b <> 0 OR sv <> 0)),
		 count(*) FILTER (WHERE sign(sv) <> sign(x))
		FROM s`, sketchBucket("x"), sketchValue("b"), vals, SketchError)
	rows, err := db.Query(ctx, q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	r := rows.Data[0]
	t.Logf("%d values, largest relative error %.6g (bound %g)", store.Int(r[0]), r[2], SketchError)
	if bad := store.Int(r[1]); bad > 0 {
		t.Errorf("%d values off by more than SketchError, e.g. %v", bad, r[3])
	}
	if bad := store.Int(r[4]); bad > 0 {
		t.Errorf("zero not kept as zero")
	}
	if bad := store.Int(r[5]); bad > 0 {
		t.Errorf("%d values change sign", bad)
	}
	// Order: a larger value never falls in a smaller bucket.
	q = fmt.Sprintf(`WITH v AS (SELECT x, %s AS b FROM (%s)),
		o AS (SELECT x, b, lag(b) OVER (ORDER BY x) AS pb, lag(x) OVER (ORDER BY x) AS px FROM v)
		SELECT count(*) FILTER (WHERE b < pb), any_value(px || ' → ' || x) FILTER (WHERE b < pb) FROM o`, sketchBucket("x"), vals)
	rows, err = db.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if bad := store.Int(rows.Data[0][0]); bad > 0 {
		t.Errorf("%d values in a smaller bucket than a smaller value, e.g. %v", bad, rows.Data[0][1])
	}
}
