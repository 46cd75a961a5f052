package chtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"kpiscope/internal/store"
)

// chTypeOf is the ClickHouse type a DuckDB column is copied as (every
// column Nullable; booleans as UInt8, as 18.16 has no Bool) and the DuckDB
// expression that writes its values to the CSV.
func chTypeOf(name, duckType string) (typ, expr string, err error) {
	q := store.QuoteIdent(name)
	t := strings.ToUpper(duckType)
	switch {
	case strings.HasPrefix(t, "VARCHAR"):
		return "Nullable(String)", q, nil
	case t == "BIGINT" || t == "HUGEINT" || t == "UBIGINT":
		return "Nullable(Int64)", q, nil
	case t == "INTEGER" || t == "UINTEGER":
		return "Nullable(Int32)", q, nil
	case t == "SMALLINT" || t == "TINYINT" || t == "USMALLINT" || t == "UTINYINT":
		return "Nullable(Int16)", q, nil
	case t == "DOUBLE" || t == "FLOAT" || strings.HasPrefix(t, "DECIMAL"):
		return "Nullable(Float64)", "CAST(" + q + " AS DOUBLE)", nil
	case t == "BOOLEAN":
		return "Nullable(UInt8)", "CAST(" + q + " AS INTEGER)", nil
	case t == "DATE":
		return "Nullable(Date)", q, nil
	case t == "TIMESTAMP" || t == "TIMESTAMP_S" || t == "TIMESTAMP_MS" || t == "TIMESTAMP_NS":
		return "Nullable(DateTime('UTC'))", "strftime(" + q + ", '%Y-%m-%d %H:%M:%S')", nil
	case t == "TIMESTAMP WITH TIME ZONE":
		return "Nullable(DateTime('UTC'))", "strftime(timezone('UTC', " + q + "), '%Y-%m-%d %H:%M:%S')", nil
	}
	return "", "", fmt.Errorf("column %s: no ClickHouse type for %s", name, duckType)
}

// SetupDuck copies DuckDB tables into ClickHouse as Setup lays out the
// fixture (name_local with every row, name_shard on both shards behind
// name_dist, a Distributed table spreading rows by rand()), through
// clickhouse-client and a CSV file per table (the native driver's batch
// does not talk to 18.16, and literals are slow for 100,000s of rows). It
// skips without clickhouse-client. Seconds are kept; sub-second parts are
// cut, as DateTime holds none.
func SetupDuck(t testing.TB, duck *store.DB, tables []string) (local, dist *sql.DB) {
	t.Helper()
	dsn1, _, cluster := Env(t)
	client, err := exec.LookPath("clickhouse-client")
	if err != nil {
		t.Skip("no clickhouse-client on PATH: it loads the tables (apt-get install clickhouse-client)")
	}
	ctx := context.Background()
	name, admin1, admin2 := databases(t)
	port1 := port(t, dsn1)
	dir := t.TempDir()
	for _, tb := range tables {
		cols, err := duck.Columns(ctx, tb)
		if err != nil {
			t.Fatal(err)
		}
		var defs, exprs []string
		for _, c := range cols {
			typ, expr, err := chTypeOf(c.Name, c.Type)
			if err != nil {
				t.Fatalf("%s: %v", tb, err)
			}
			defs = append(defs, quoteIdent(c.Name)+" "+typ)
			exprs = append(exprs, expr)
		}
		csv := filepath.Join(dir, tb+".csv")
		if err := duck.Exec(ctx, fmt.Sprintf("COPY (SELECT %s FROM %s) TO '%s' (HEADER false, NULLSTR '\\N')", strings.Join(exprs, ", "), store.QuoteIdent(tb), csv)); err != nil {
			t.Fatal(err)
		}
		create := " (" + strings.Join(defs, ", ") + ") ENGINE = MergeTree() ORDER BY tuple()"
		Exec(t, admin1, "CREATE TABLE "+name+"_local."+quoteIdent(tb)+create)
		Exec(t, admin1, "CREATE TABLE "+name+"_shard."+quoteIdent(tb)+create)
		Exec(t, admin2, "CREATE TABLE "+name+"_shard."+quoteIdent(tb)+create)
		Exec(t, admin1, fmt.Sprintf("CREATE TABLE %[1]s_dist.%[2]s AS %[1]s_shard.%[2]s ENGINE = Distributed(%[3]s, %[1]s_shard, %[2]s, rand())", name, quoteIdent(tb), cluster))
		for _, into := range []string{name + "_local." + quoteIdent(tb), name + "_dist." + quoteIdent(tb)} {
			f, err := os.Open(csv)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(client, "--host", "127.0.0.1", "--port", port1, "--insert_distributed_sync=1", "--query", "INSERT INTO "+into+" FORMAT CSV")
			cmd.Stdin = f
			out, err := cmd.CombinedOutput()
			f.Close()
			if err != nil {
				t.Fatalf("loading %s into %s: %v\n%s", tb, into, err, out)
			}
		}
	}
	return Open(t, dsn1, name+"_local"), Open(t, dsn1, name+"_dist")
}

// port is a DSN's port.
func port(t testing.TB, dsn string) string {
	t.Helper()
	i := strings.LastIndex(dsn, ":")
	j := strings.Index(dsn[i:], "/")
	if i < 0 || j < 0 {
		t.Fatalf("no port in %s", dsn)
	}
	return dsn[i+1 : i+j]
}

// Long skips an equivalence test under -short: it runs on one goroutine, so
// CI's race pass (-short) leaves it to the plain pass.
func Long(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("an equivalence test on one goroutine: the plain pass runs it, not -short")
	}
}
