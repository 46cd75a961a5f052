package sqlq

import (
	"context"
	"reflect"
	"testing"

	"kpiscope/internal/store"
)

func TestStripExplain(t *testing.T) {
	for _, tc := range []struct {
		in, body string
		explain  bool
	}{
		{"SELECT 1", "SELECT 1", false},
		{"EXPLAIN SELECT 1", "SELECT 1", true},
		{"explain analyze SELECT 1", "SELECT 1", true},
		{"-- why\n/* slow? */ EXPLAIN\n  ANALYZE\tFROM t", "FROM t", true},
		{"EXPLAINED", "EXPLAINED", false},
	} {
		body, explain := stripExplain(tc.in)
		if body != tc.body || explain != tc.explain {
			t.Errorf("stripExplain(%q) = %q, %v; want %q, %v", tc.in, body, explain, tc.body, tc.explain)
		}
	}
}

// A statement is cut at its first semicolon outside quotes, identifiers,
// comments and dollar-quoted strings.
func TestCutStatement(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":                     "SELECT 1",
		"SELECT 1;":                    "SELECT 1",
		"SELECT 1; -- done":            "SELECT 1",
		"SELECT ';' AS s; x":           "SELECT ';' AS s",
		"SELECT 'it''s;' ; x":          "SELECT 'it''s;' ",
		`SELECT "a;b" FROM t;`:         `SELECT "a;b" FROM t`,
		"SELECT 1 -- a; comment\n, 2;": "SELECT 1 -- a; comment\n, 2",
		"SELECT /* ; */ 1;":            "SELECT /* ; */ 1",
		"SELECT $$a;b$$ AS s;":         "SELECT $$a;b$$ AS s",
		"SELECT $tag$a;b$tag$;":        "SELECT $tag$a;b$tag$",
		"SELECT E'a\\';b' AS s; x":     "SELECT E'a\\';b' AS s",
		"SELECT $1;":                   "SELECT $1",
	} {
		if got := cutStatement(in); got != want {
			t.Errorf("cutStatement(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitStatements(t *testing.T) {
	got := splitStatements("SELECT 1; ; -- c\nDROP TABLE t; ")
	if want := []string{"SELECT 1", "-- c\nDROP TABLE t"}; !reflect.DeepEqual(got, want) {
		t.Errorf("splitStatements = %q, want %q", got, want)
	}
	if w := firstWord("  /* x */ copy t TO 'f'"); w != "COPY" {
		t.Errorf("firstWord = %q", w)
	}
}

func TestIdent(t *testing.T) {
	for in, want := range map[string]string{"tickets": "tickets", "t_2": "t_2", "Sales 2026": `"Sales 2026"`, "2026": `"2026"`, "Tickets": `"Tickets"`, `a"b`: `"a""b"`} {
		if got := Ident(in); got != want {
			t.Errorf("Ident(%q) = %s, want %s", in, got, want)
		}
	}
}

// constantCall finds a function called on constants only, which the
// optimizer would fold while planning, but not the small date and number
// functions a filter uses, nor a call that reads a column.
func TestConstantCall(t *testing.T) {
	ws, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ctx := context.Background()
	if err := ws.Exec(ctx, "CREATE TABLE tickets AS SELECT TIMESTAMP '2026-10-02' AS created_at, 'web' AS channel"); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]bool{
		"SELECT range(20000000)": true,
		"SELECT len(list_concat(range(60000000), [n])) FROM (SELECT count(*) AS n FROM range(10))":                       true,
		"SELECT * FROM tickets WHERE created_at >= date_trunc('month', DATE '2026-10-01') + INTERVAL 1 DAY":              false,
		"SELECT * FROM tickets WHERE created_at >= date_trunc('month', TIMESTAMP '2026-10-01' + to_days(len(range(9))))": true,
		"SELECT repeat(channel, 3), count(*) FROM tickets GROUP BY 1":                                                    false,
		"SELECT * FROM range(100000000)": false,
		"SELECT 1 + 2 AS x":              false,
	} {
		got, err := gate(ctx, ws, []string{"tickets"}, q)
		if err != nil || got != want {
			t.Errorf("%q: constant call %v, %v; want %v", q, got, err, want)
		}
	}
}
