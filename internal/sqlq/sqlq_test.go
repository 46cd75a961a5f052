package sqlq_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/server"
	"kpiscope/internal/sqlq"
	"kpiscope/internal/store"
	"kpiscope/internal/workspace"
)

var testNow = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

// open loads the built-in sample, locked as serve locks it or not.
func open(t *testing.T, locked bool) *workspace.Workspace {
	t.Helper()
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{NoConfig: true, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if locked {
		if err := server.Lock(ctx, ws); err != nil {
			t.Fatal(err)
		}
	}
	return ws
}

func run(t *testing.T, ws *workspace.Workspace, q string, opt sqlq.Options) (*sqlq.Result, error) {
	t.Helper()
	return sqlq.Run(context.Background(), ws.Engine, q, opt)
}

// The counts of tickets by channel in the sample, counted by the engine's
// own store (a second query, outside the prompt).
func channelCounts(t *testing.T, ws *workspace.Workspace) map[string]string {
	t.Helper()
	rows, err := ws.DB.Query(context.Background(), "SELECT channel, count(*)::VARCHAR FROM tickets GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows.Data {
		out[r[0].(string)] = r[1].(string)
	}
	return out
}

func TestRunSelect(t *testing.T) {
	ws := open(t, false)
	res, err := run(t, ws, "SELECT channel, count(*) AS n FROM tickets GROUP BY 1 ORDER BY 1", sqlq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Columns, ","); got != "channel,n" {
		t.Fatalf("columns %q", got)
	}
	if !res.Numeric[1] || res.Numeric[0] {
		t.Errorf("numeric columns %v, want n only", res.Numeric)
	}
	// Hand-checked on the sample: 30,952 chat, 22,867 email, 18,192 phone,
	// 16,594 web (88,605 tickets).
	want := [][]string{{"chat", "30952"}, {"email", "22867"}, {"phone", "18192"}, {"web", "16594"}}
	if len(res.Rows) != len(want) || res.Truncated {
		t.Fatalf("rows %v truncated %v", res.Rows, res.Truncated)
	}
	counts := channelCounts(t, ws)
	for i, w := range want {
		if res.Rows[i][0] != w[0] || res.Rows[i][1] != w[1] || counts[w[0]] != w[1] {
			t.Errorf("row %d = %v, want %v (store: %s)", i, res.Rows[i], w, counts[w[0]])
		}
	}
}

// Values are shown by their type: NULL apart from an empty string, dates
// as dates, times of day, decimals exactly.
func TestRunValues(t *testing.T) {
	ws := open(t, false)
	res, err := run(t, ws, `SELECT NULL AS a, '' AS b, DATE '2026-01-02' AS d, TIME '09:15:50' AS t,
		TIMESTAMP '2026-01-02 03:04:05' AS ts, 1.50::DECIMAL(5,2) AS x, 0.25::DOUBLE AS f, [1, 2] AS l,
		'00000000-0000-0000-0000-000000000001'::UUID AS u`, sqlq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "", "2026-01-02", "09:15:50", "2026-01-02 03:04:05", "1.5", "0.25", "[1, 2]", "00000000-0000-0000-0000-000000000001"}
	for j, w := range want {
		if res.Rows[0][j] != w {
			t.Errorf("%s = %q, want %q", res.Columns[j], res.Rows[0][j], w)
		}
	}
	if !res.Null[0][0] || res.Null[0][1] {
		t.Errorf("nulls %v: want a NULL and b the empty string", res.Null[0])
	}
}

// Only read-only statements run; DuckDB's own classification decides.
func TestRunKinds(t *testing.T) {
	ws := open(t, false)
	for _, q := range []string{
		"WITH a AS (SELECT 1 AS x) SELECT * FROM a",
		"FROM spend LIMIT 1",
		"VALUES (1), (2)",
		"DESCRIBE tickets",
		"SUMMARIZE spend",
		"EXPLAIN SELECT count(*) FROM tickets",
		"-- a comment first\nEXPLAIN ANALYZE SELECT count(*) FROM tickets;",
		"SELECT * FROM range(3) r, generate_series(1, 2) g, unnest([1]) u",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r",
		"select count(*) from TICKETS t join main.customers c using (customer_id); -- trailing",
	} {
		if _, err := run(t, ws, q, sqlq.Options{}); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
	for q, want := range map[string]string{
		"":                                  "type a query",
		"SELECT 1; SELECT 2":                "one statement at a time",
		"SELECT 1; DROP TABLE tickets":      "one statement at a time",
		"CALL pragma_version()":             "CALL is refused",
		"EXPORT DATABASE '/tmp/kps-export'": "EXPORT is refused",
		"CHECKPOINT":                        "CHECKPOINT is refused",
		"BEGIN":                             "BEGIN is refused",
		"INSERT INTO tickets (channel) VALUES ('x')": "INSERT is refused",
		"SHOW TABLES":                              "SHOW of the catalogue is refused",
		"FROM duckdb_tables()":                     "table function duckdb_tables is refused",
		"FROM duckdb_tables":                       "no loaded table duckdb_tables",
		"SELECT * FROM query('SELECT 1')":          "table function query is refused",
		"SELECT * FROM __kpiscope_sources":         "kpiscope's own tables",
		"SELEC 1":                                  `syntax error at or near "SELEC"`,
		"SELECT ? AS x":                            "parameters ($1, ?) cannot be bound",
		"SELECT * FROM tickets WHERE channel = $1": "parameters ($1, ?) cannot be bound",
		"SELECT current_setting('allowed_paths')":  "current_setting is refused",
		"WITH a AS (SELECT 1) SELECT * FROM a, (WITH b AS (SELECT 2) SELECT * FROM b) x, b": "no loaded table b",
		"WITH a AS (SELECT * FROM a) SELECT * FROM a":                                       "no loaded table a",
		// Review 15 #17: say what is refused and why.
		"PIVOT tickets ON channel USING count(*)":                   "PIVOT without an IN list is not supported at the SQL prompt",
		"SELECT * FROM (PIVOT tickets ON channel USING count(*))":   "PIVOT without an IN list is not supported at the SQL prompt",
		"WITH x AS (COPY tickets TO '/tmp/kps-never.csv') SELECT 1": "a CTE (WITH x AS (…)) must be a SELECT: COPY and writes are refused",
	} {
		_, err := run(t, ws, q, sqlq.Options{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", q, err, want)
		}
	}
}

func TestRunRowLimit(t *testing.T) {
	ws := open(t, false)
	for _, tc := range []struct {
		q     string
		limit int
		rows  int
		trunc bool
	}{
		{"SELECT * FROM range(10)", 3, 3, true},
		{"SELECT * FROM range(10)", 10, 10, false},
		{"SELECT * FROM range(10) LIMIT 2", 3, 2, false},
		{"SELECT * FROM range(10) ORDER BY range DESC", 4, 4, true},
		{"SELECT * FROM tickets", 0, sqlq.DefaultLimit, true},
	} {
		res, err := run(t, ws, tc.q, sqlq.Options{Limit: tc.limit})
		if err != nil {
			t.Fatalf("%q: %v", tc.q, err)
		}
		if len(res.Rows) != tc.rows || res.Truncated != tc.trunc {
			t.Errorf("%q limit %d: %d rows truncated %v, want %d %v", tc.q, tc.limit, len(res.Rows), res.Truncated, tc.rows, tc.trunc)
		}
	}
	// The limit keeps the query's own order: the largest first.
	res, err := run(t, ws, "SELECT * FROM range(10) ORDER BY range DESC", sqlq.Options{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows[0][0] != "9" || res.Rows[1][0] != "8" {
		t.Errorf("rows %v, want 9 then 8", res.Rows)
	}
}

func TestRunTimeout(t *testing.T) {
	ws := open(t, false)
	_, err := run(t, ws, "SELECT count(*) FROM range(1000000000) a, range(1000000000) b WHERE a.range + b.range = 7", sqlq.Options{Timeout: 50 * time.Millisecond})
	var te *sqlq.TimeoutError
	if !errors.As(err, &te) || te.After != 50*time.Millisecond {
		t.Fatalf("err %v (%T), want the prompt's timeout", err, err)
	}
	if !strings.Contains(err.Error(), "longer than 50ms") {
		t.Errorf("message %q", err)
	}
	// The engine answers the next statement.
	if _, err := run(t, ws, "SELECT count(*) FROM tickets", sqlq.Options{}); err != nil {
		t.Fatal(err)
	}
}

// A statement with a constant call that DuckDB's optimizer would fold while
// planning (range(60000000) made into a list value of 60 million values,
// before the statement runs and out of the interrupt's reach: the review
// measured 20 s for a 2 s timeout) is stopped at the timeout like any
// other, locally and on a locked engine, and the engine answers the next
// statement. Before the fix the checks alone took tens of seconds; the
// bound here is 10 s for a 1 s timeout.
func TestRunTimeoutWhilePlanning(t *testing.T) {
	for _, locked := range []bool{false, true} {
		ws := open(t, locked)
		began := time.Now()
		_, err := run(t, ws, "SELECT len(list_concat(range(60000000), [n])) FROM (SELECT count(*) AS n FROM range(1000000000000))", sqlq.Options{Timeout: time.Second})
		took := time.Since(began)
		var te *sqlq.TimeoutError
		if !errors.As(err, &te) {
			t.Fatalf("locked %v: err %v (%T), want the prompt's timeout", locked, err, err)
		}
		if took > 10*time.Second {
			t.Errorf("locked %v: stopped after %s, for a timeout of 1s", locked, took)
		}
		// The engine answers the next statement, optimised as before: a
		// constant call's result is right.
		res, err := run(t, ws, "SELECT list_sum(range(5)) AS s, count(*) AS n FROM tickets WHERE channel = 'x'", sqlq.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(res.Rows[0], " "); got != "10 0" {
			t.Errorf("locked %v: next statement gave %q, want \"10 0\"", locked, got)
		}
	}
}

// The containment list of issue 15: every statement is refused with a
// message, and nothing changed: the tables read as before, no file was
// written, nothing attached, no setting moved. Locally (the gate alone)
// and on an engine locked as serve locks it.
func TestContainment(t *testing.T) {
	for _, locked := range []bool{false, true} {
		name := "local"
		if locked {
			name = "locked"
		}
		t.Run(name, func(t *testing.T) {
			ws := open(t, locked)
			dir := t.TempDir()
			// A CSV the process can read: refused all the same, so the
			// refusal is the prompt's, not the file's.
			secret := filepath.Join(dir, "secret.csv")
			if err := os.WriteFile(secret, []byte("code\n4242\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "x.csv")
			lit := store.QuoteLiteral
			before := channelCounts(t, ws)
			threads := setting(t, ws, "threads")
			for _, q := range []string{
				"SELECT * FROM read_csv('/etc/passwd')",
				"SELECT * FROM '/etc/passwd'",
				"SELECT * FROM read_csv(" + lit(secret) + ")",
				"SELECT * FROM " + lit(secret),
				"SELECT * FROM read_text('/etc/passwd')",
				"SELECT * FROM glob('/etc/*')",
				"SUMMARIZE SELECT * FROM read_csv(" + lit(secret) + ")",
				"DESCRIBE SELECT * FROM " + lit(secret),
				"EXPLAIN SELECT * FROM read_csv(" + lit(secret) + ")",
				"EXPLAIN ANALYZE COPY (SELECT 1) TO " + lit(out),
				"WITH " + store.QuoteIdent(secret) + " AS (SELECT * FROM " + store.QuoteIdent(secret) + ") SELECT 1",
				"SELECT * FROM tickets, read_csv(" + lit(secret) + ")",
				"SELECT (SELECT count(*) FROM read_csv(" + lit(secret) + ")) FROM tickets",
				"COPY (SELECT 1) TO " + lit(out),
				"COPY tickets TO " + lit(out),
				"SELECT 1; COPY (SELECT 1) TO " + lit(out),
				"ATTACH ':memory:' AS m",
				"ATTACH " + lit(filepath.Join(dir, "x.db")) + " AS m",
				"INSTALL httpfs",
				"LOAD httpfs",
				"SET threads = 1",
				"SET enable_external_access = true",
				"RESET threads",
				"PRAGMA threads = 1",
				"PRAGMA table_info('tickets')",
				"CREATE TABLE x AS SELECT 1",
				"CREATE VIEW v AS SELECT 1",
				"DROP TABLE tickets",
				"DELETE FROM tickets",
				"UPDATE tickets SET channel = 'x'",
				"ALTER TABLE tickets RENAME TO t2",
				"SELECT * FROM query(" + lit("COPY (SELECT 1) TO "+lit(out)) + ")",
			} {
				res, err := run(t, ws, q, sqlq.Options{})
				if err == nil {
					t.Errorf("%q ran: %v", q, res.Rows)
					continue
				}
				msg := sqlq.Message(err)
				if strings.Contains(msg, "4242") || strings.Contains(msg, "root:") {
					t.Errorf("%q: the message shows the file: %s", q, msg)
				}
				var refused *sqlq.RefusedError
				if !errors.As(err, &refused) {
					t.Errorf("%q: %v (%T), want the prompt's refusal", q, err, err)
				}
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s was written (%v)", out, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "x.db")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("x.db was created (%v)", err)
			}
			if got := channelCounts(t, ws); len(got) != len(before) || got["chat"] != before["chat"] || got["web"] != before["web"] {
				t.Errorf("tickets changed: %v, was %v", got, before)
			}
			if got := setting(t, ws, "threads"); got != threads {
				t.Errorf("threads %s, was %s", got, threads)
			}
			rows, err := ws.DB.Query(context.Background(), "SELECT count(*) FROM duckdb_databases() WHERE NOT internal")
			if err != nil || store.Int(rows.Data[0][0]) != 1 {
				t.Errorf("databases attached: %v %v", rows, err)
			}
			rows, err = ws.DB.Query(context.Background(), "SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('x', 't2') OR table_name = 'v'")
			if err != nil || store.Int(rows.Data[0][0]) != 0 {
				t.Errorf("tables created: %v %v", rows, err)
			}
			// The prompt still reads the loaded tables, and the engine still
			// computes its KPIs (nothing global changed under the explorer).
			if res, err := run(t, ws, "SELECT count(*) AS n FROM tickets", sqlq.Options{}); err != nil || res.Rows[0][0] != "88605" {
				t.Errorf("after: %v %v", res, err)
			}
			sc, err := ws.Engine.Compute(context.Background(), kpi.Slice{}, nil, kpi.Uncached())
			if err != nil || len(sc.Results) == 0 {
				t.Fatalf("the engine after the prompt: %v", err)
			}
			for _, r := range sc.Results {
				if r.Err != nil {
					t.Errorf("%s: %v", r.Def.ID, r.Err)
				}
			}
		})
	}
}

// Locally the file the containment test refuses is readable: the refusal
// is the prompt's (a test that can fail).
func TestContainmentFileReadable(t *testing.T) {
	ws := open(t, false)
	secret := filepath.Join(t.TempDir(), "secret.csv")
	if err := os.WriteFile(secret, []byte("code\n4242\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rows, err := ws.DB.Query(context.Background(), "SELECT code FROM read_csv("+store.QuoteLiteral(secret)+")")
	if err != nil || store.Int(rows.Data[0][0]) != 4242 {
		t.Fatalf("the store reads the file: %v %v", rows, err)
	}
}

func setting(t *testing.T, ws *workspace.Workspace, name string) string {
	t.Helper()
	rows, err := ws.DB.Query(context.Background(), "SELECT current_setting(?)::VARCHAR", name)
	if err != nil {
		t.Fatal(err)
	}
	return rows.Data[0][0].(string)
}

func TestMessage(t *testing.T) {
	ws := open(t, false)
	_, err := run(t, ws, "SELECT chanel FROM tickets", sqlq.Options{})
	msg := sqlq.Message(err)
	if !strings.Contains(msg, `Referenced column "chanel" not found`) || strings.Contains(msg, "LINE") || strings.Contains(msg, "\n") {
		t.Errorf("message %q", msg)
	}
}

// TestTablesHideInternal: the prompt lists the sources and the sample's
// business-time view (tickets_business, which the README offers at :sql),
// not kpiscope's own tables (__kpiscope_…: rollups, the business table).
func TestTablesHideInternal(t *testing.T) {
	ws := open(t, false)
	if got := strings.Join(sqlq.Tables(ws.Engine), ","); got != "customers,orders,spend,surveys,tickets,tickets_business" {
		t.Errorf("tables %s", got)
	}
}

// A statement that needs an extension kpiscope does not build in (INET,
// excel_text) fails at the local prompt too, without installing or loading
// one: nothing is downloaded, no ~/.duckdb is made (HOME is a temporary
// directory here).
func TestNoExtensionAutoload(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	ws := open(t, false)
	for _, q := range []string{"SELECT '127.0.0.1'::INET", "SELECT excel_text(1, '0.0')"} {
		_, err := run(t, ws, q, sqlq.Options{Timeout: 20 * time.Second})
		switch {
		case err == nil:
			t.Errorf("%q ran", q)
		case strings.Contains(err.Error(), "download") || strings.Contains(err.Error(), "Autoloading"):
			t.Errorf("%q tried to install an extension: %v", q, err)
		case !strings.Contains(err.Error(), "extension, which kpiscope does not load") || strings.Contains(err.Error(), "INSTALL"):
			t.Errorf("%q: %v, want it named as an extension kpiscope does not load", q, err)
		}
	}
	if _, err := os.Stat(filepath.Join(home, ".duckdb")); !os.IsNotExist(err) {
		t.Errorf("%s/.duckdb: %v, want it absent", home, err)
	}
}
