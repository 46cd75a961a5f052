// Package chtest is the ClickHouse fixture of kpiscope's equivalence tests
// (issue 16): a generated dataset of customers, tickets, surveys and orders,
// loaded into DuckDB and into ClickHouse (single-node MergeTree tables and
// Distributed tables over the two shards of .ci/clickhouse-cluster). Tests
// only: it creates and drops databases, which kpiscope itself never does.
package chtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/ClickHouse/clickhouse-go/v2" // the "clickhouse" database/sql driver, native protocol

	"kpiscope/internal/store"
)

// quoteIdent is a backtick-quoted ClickHouse identifier.
func quoteIdent(name string) string {
	return "`" + strings.NewReplacer(`\`, `\\`, "`", "\\`").Replace(name) + "`"
}

// Table is a fixture table: its name and columns (name, DuckDB type,
// ClickHouse type).
type Table struct {
	Name string
	Cols [][3]string
}

// FixtureTables are the fixture's tables: DuckDB and ClickHouse column
// types.
var FixtureTables = []Table{
	{"customers", [][3]string{{"customer_id", "VARCHAR", "String"}, {"region", "VARCHAR", "Nullable(String)"},
		{"plan", "VARCHAR", "Nullable(String)"}, {"signup_date", "DATE", "Nullable(Date)"}, {"churn_date", "DATE", "Nullable(Date)"}}},
	{"tickets", [][3]string{{"ticket_id", "VARCHAR", "String"}, {"customer_id", "VARCHAR", "Nullable(String)"},
		{"channel", "VARCHAR", "Nullable(String)"}, {"priority", "VARCHAR", "Nullable(String)"},
		{"created_at", "TIMESTAMP", "DateTime('UTC')"}, {"first_response_at", "TIMESTAMP", "Nullable(DateTime('UTC'))"},
		{"resolved_at", "TIMESTAMP", "Nullable(DateTime('UTC'))"}, {"contacts", "INTEGER", "Nullable(Int32)"},
		{"csat", "INTEGER", "Nullable(Int32)"}, {"ces", "INTEGER", "Nullable(Int32)"}, {"reopened", "VARCHAR", "Nullable(String)"}}},
	{"surveys", [][3]string{{"survey_id", "VARCHAR", "String"}, {"customer_id", "VARCHAR", "Nullable(String)"},
		{"sent_at", "TIMESTAMP", "DateTime('UTC')"}, {"responded_at", "TIMESTAMP", "Nullable(DateTime('UTC'))"}, {"nps", "INTEGER", "Nullable(Int32)"}}},
	{"orders", [][3]string{{"order_id", "VARCHAR", "String"}, {"customer_id", "VARCHAR", "Nullable(String)"},
		{"order_date", "TIMESTAMP", "DateTime('UTC')"}, {"amount", "DOUBLE", "Nullable(Float64)"}}},
}

// FixtureRows generates the fixture's rows, deterministically: about 14
// months up to 17 Oct 2026 15:20 (October partial), with blanks, off-scale
// answers, ends before starts, tickets without a customer or with an
// unknown one. Values are string, time.Time, or pointers (nil: NULL).
func FixtureRows() map[string][][]any {
	seed := uint64(20261017)
	rnd := func(n int) int {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int((seed >> 33) % uint64(n))
	}
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	num := func(v int, null bool) *int32 {
		if null {
			return nil
		}
		x := int32(v)
		return &x
	}
	tp := func(t time.Time) *time.Time { return &t }
	start := time.Date(2025, 8, 20, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 10, 17, 15, 20, 0, 0, time.UTC)
	span := int(end.Sub(start) / time.Second)
	out := map[string][][]any{}

	regions := []string{"EMEA", "APAC", "AMER", ""}
	plans := []string{"Basic", "Pro", "Team O'Neil"}
	for i := 1; i <= 40; i++ {
		signup := start.AddDate(0, 0, rnd(300)).Truncate(24 * time.Hour)
		var churn *time.Time
		if rnd(4) == 0 {
			churn = tp(signup.AddDate(0, 0, 30+rnd(200)))
		}
		out["customers"] = append(out["customers"], []any{fmt.Sprintf("C%d", i),
			str(regions[rnd(len(regions))]), str(plans[rnd(len(plans))]), tp(signup), churn})
	}
	channels := []string{"chat", "email", "phone", "web", ""}
	prios := []string{"low", "high", "urgent"}
	reopen := []string{"yes", "no", "no", "1", "0", " True ", "unknown", ""}
	for i := 1; i <= 900; i++ {
		created := start.Add(time.Duration(rnd(span)) * time.Second)
		cust := fmt.Sprintf("C%d", 1+rnd(42)) // C41, C42: no such customer
		if rnd(15) == 0 {
			cust = ""
		}
		var fr, res *time.Time
		if rnd(8) != 0 {
			fr = tp(created.Add(time.Duration(rnd(40*3600)-1800) * time.Second)) // some before creation
		}
		if rnd(6) != 0 {
			if r := created.Add(time.Duration(rnd(200*3600)-3600) * time.Second); r.Before(end) {
				res = tp(r)
			}
		}
		out["tickets"] = append(out["tickets"], []any{fmt.Sprintf("T%d", i), str(cust), str(channels[rnd(len(channels))]),
			str(prios[rnd(len(prios))]), created, fr, res,
			num(1+rnd(4), rnd(7) == 0), num(rnd(7), rnd(3) == 0), num(rnd(9), rnd(3) == 0), str(reopen[rnd(len(reopen))])})
	}
	for i := 1; i <= 300; i++ {
		sent := start.Add(time.Duration(rnd(span)) * time.Second)
		var resp *time.Time
		var score *int32
		if rnd(3) != 0 {
			if r := sent.Add(time.Duration(rnd(72*3600)) * time.Second); r.Before(end) {
				resp, score = tp(r), num(rnd(12), rnd(10) == 0) // 11: off the scale
			}
		}
		out["surveys"] = append(out["surveys"], []any{fmt.Sprintf("S%d", i), str(fmt.Sprintf("C%d", 1+rnd(40))), sent, resp, score})
	}
	for i := 1; i <= 250; i++ {
		at := start.Add(time.Duration(rnd(span)) * time.Second)
		cust := str(fmt.Sprintf("C%d", 1+rnd(40)))
		for l := 0; l <= rnd(3); l++ { // order lines
			var amount *float64
			if rnd(12) != 0 {
				a := float64(rnd(30000)) / 100
				amount = &a
			}
			out["orders"] = append(out["orders"], []any{fmt.Sprintf("O%d", i), cust, at, amount})
		}
	}
	return out
}

// DuckLiteral is a fixture value as a DuckDB literal.
func DuckLiteral(v any) string {
	switch x := v.(type) {
	case string:
		return store.QuoteLiteral(x)
	case *string:
		if x != nil {
			return store.QuoteLiteral(*x)
		}
	case time.Time:
		return "'" + x.Format("2006-01-02 15:04:05") + "'"
	case *time.Time:
		if x != nil {
			return "'" + x.Format("2006-01-02 15:04:05") + "'"
		}
	case *int32:
		if x != nil {
			return fmt.Sprint(*x)
		}
	case *float64:
		if x != nil {
			return fmt.Sprintf("%.17g", *x)
		}
	default:
		panic(fmt.Sprintf("fixture value %T", v))
	}
	return "NULL"
}

// Insert loads rows into a ClickHouse table, 100 at a time, as
// INSERT … SELECT of literals cast to the columns' types: an INSERT …
// VALUES sent as a query waits for data blocks on the native protocol, and
// the driver's batch reads no columns from 18.16.
func Insert(t testing.TB, c *sql.DB, table string, types []string, rows [][]any) {
	t.Helper()
	for len(rows) > 0 {
		n := min(len(rows), 100)
		sels := make([]string, n)
		for i, r := range rows[:n] {
			vs := make([]string, len(r))
			for j, v := range r {
				lit := DuckLiteral(v)
				if lit != "NULL" {
					lit = strings.ReplaceAll(lit, `\`, `\\`)
					if strings.HasPrefix(lit, "'") {
						lit = "'" + strings.ReplaceAll(lit[1:len(lit)-1], "''", `\'`) + "'"
					}
				}
				vs[j] = fmt.Sprintf("CAST(%s AS %s) AS c%d", lit, types[j], j) // equal texts would be one column
			}
			sels[i] = "SELECT " + strings.Join(vs, ", ")
		}
		Exec(t, c, "INSERT INTO "+table+" SELECT * FROM ("+strings.Join(sels, " UNION ALL ")+")")
		rows = rows[n:]
	}
}

// Env is the cluster the tests run on, from .ci/clickhouse-cluster's
// environment; the test skips without it.
func Env(t testing.TB) (dsn1, dsn2, cluster string) {
	t.Helper()
	dsn1, dsn2, cluster = os.Getenv("KPISCOPE_CLICKHOUSE"), os.Getenv("KPISCOPE_CLICKHOUSE_SHARD2"), os.Getenv("KPISCOPE_CLICKHOUSE_CLUSTER")
	if dsn1 == "" || dsn2 == "" || cluster == "" {
		t.Skip("no ClickHouse cluster: run .ci/clickhouse-cluster start and export what it prints (KPISCOPE_CLICKHOUSE, KPISCOPE_CLICKHOUSE_SHARD2, KPISCOPE_CLICKHOUSE_CLUSTER)")
	}
	return dsn1, dsn2, cluster
}

// Open opens a ClickHouse connection with database db as its default.
func Open(t testing.TB, dsn, db string) *sql.DB {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("KPISCOPE_CLICKHOUSE: %v", err)
	}
	u.Path = "/" + db
	c, err := sql.Open("clickhouse", u.String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetMaxOpenConns(2)
	t.Cleanup(func() { c.Close() })
	return c
}

func Exec(t testing.TB, c *sql.DB, q string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.ExecContext(ctx, q); err != nil {
		t.Fatalf("%v\n%.300s", err, q)
	}
}

// Setup creates the fixture's databases: name_local (every row, MergeTree,
// on shard 1), name_shard (on both shards, rows split between them) and
// name_dist (Distributed tables over name_shard, on shard 1). It returns
// connections to name_local and name_dist and drops the databases at the
// end of the test.
func Setup(t testing.TB, tables []Table, rows map[string][][]any) (local, dist *sql.DB) {
	dsn1, _, cluster := Env(t)
	name, admin1, admin2 := databases(t)
	for _, tb := range tables {
		var cols []string
		for _, c := range tb.Cols {
			cols = append(cols, quoteIdent(c[0])+" "+c[2])
		}
		create := " (" + strings.Join(cols, ", ") + ") ENGINE = MergeTree() ORDER BY tuple()"
		Exec(t, admin1, "CREATE TABLE "+name+"_local."+tb.Name+create)
		Exec(t, admin1, "CREATE TABLE "+name+"_shard."+tb.Name+create)
		Exec(t, admin2, "CREATE TABLE "+name+"_shard."+tb.Name+create)
		Exec(t, admin1, fmt.Sprintf("CREATE TABLE %[1]s_dist.%[2]s AS %[1]s_shard.%[2]s ENGINE = Distributed(%[3]s, %[1]s_shard, %[2]s, rand())", name, tb.Name, cluster))
		rs := rows[tb.Name]
		var types []string
		for _, c := range tb.Cols {
			types = append(types, c[2])
		}
		Insert(t, admin1, name+"_local."+tb.Name, types, rs)
		// Alternate rows to the two shards, directly (an insert into a
		// Distributed table arrives later).
		var s1, s2 [][]any
		for i, r := range rs {
			if i%2 == 0 {
				s1 = append(s1, r)
			} else {
				s2 = append(s2, r)
			}
		}
		Insert(t, admin1, name+"_shard."+tb.Name, types, s1)
		Insert(t, admin2, name+"_shard."+tb.Name, types, s2)
	}
	return Open(t, dsn1, name+"_local"), Open(t, dsn1, name+"_dist")
}

// DuckLoad loads the fixture into a new DuckDB database.
func DuckLoad(t testing.TB, chTables []Table, rows map[string][][]any) (*store.DB, map[string][]store.Column) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tables := map[string][]store.Column{}
	for _, tb := range chTables {
		var cols []string
		for _, c := range tb.Cols {
			cols = append(cols, store.QuoteIdent(c[0])+" "+c[1])
		}
		if err := db.Exec(ctx, "CREATE TABLE "+tb.Name+" ("+strings.Join(cols, ", ")+")"); err != nil {
			t.Fatal(err)
		}
		var lits []string
		for _, r := range rows[tb.Name] {
			vs := make([]string, len(r))
			for i, v := range r {
				vs[i] = DuckLiteral(v)
			}
			lits = append(lits, "("+strings.Join(vs, ", ")+")")
		}
		if err := db.Exec(ctx, "INSERT INTO "+tb.Name+" VALUES "+strings.Join(lits, ", ")); err != nil {
			t.Fatal(err)
		}
		tables[tb.Name], _ = db.Columns(ctx, tb.Name)
	}
	return db, tables
}

// databases creates a test's databases: name_local and name_dist on shard
// 1, name_shard on both, dropped at the end of the test; it returns name and
// admin connections to the two shards.
func databases(t testing.TB) (name string, admin1, admin2 *sql.DB) {
	t.Helper()
	dsn1, dsn2, _ := Env(t)
	ctx := context.Background()
	admin1, admin2 = Open(t, dsn1, "default"), Open(t, dsn2, "default")
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := admin1.PingContext(pingCtx); err != nil {
		t.Skipf("ClickHouse at %s unreachable: %v", dsn1, err)
	}
	if err := admin2.PingContext(pingCtx); err != nil {
		t.Skipf("ClickHouse shard 2 at %s unreachable: %v", dsn2, err)
	}
	name = fmt.Sprintf("kpiscope_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	dbs := map[*sql.DB][]string{admin1: {name + "_local", name + "_shard", name + "_dist"}, admin2: {name + "_shard"}}
	for c, names := range dbs {
		for _, db := range names {
			Exec(t, c, "CREATE DATABASE "+db)
		}
	}
	t.Cleanup(func() {
		for c, names := range dbs {
			for _, db := range names {
				if _, err := c.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+db); err != nil {
					t.Errorf("dropping %s: %v", db, err)
				}
			}
		}
	})
	return name, admin1, admin2
}
