package config_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"kpiscope/internal/config"
)

// TestWarehouseSection: a warehouse: section read as written: the URL, the
// password's variable, the tables (a name, DATABASE.TABLE, the mapping form
// with time:) and the settings as numbers; a KPI without source: reads the
// only table.
func TestWarehouseSection(t *testing.T) {
	cfg := parse(t, `warehouse:
  url: clickhouse://analyst@ch1.internal:9000/support
  password_env: KPISCOPE_CH_PASSWORD
  tables:
    tickets: tickets_dist
    orders: {table: shop.orders_all, time: order_date}
  settings: {max_execution_time: 60, max_memory_usage: 4000000000, max_threads: 8, use_uncompressed_cache: true}
kpis:
  - use: csat
  - id: revenue
    source: orders
    type: ratio
    numerator: sum(amount)
    denominator: count(*)
    better: higher
`)
	w := cfg.Warehouse
	if w == nil {
		t.Fatal("no Warehouse")
	}
	if w.URL != "clickhouse://analyst@ch1.internal:9000/support" || w.PasswordEnv != "KPISCOPE_CH_PASSWORD" || w.Line() != 1 {
		t.Errorf("url %q, password_env %q, line %d", w.URL, w.PasswordEnv, w.Line())
	}
	if want := map[string]string{"tickets": "tickets_dist", "orders": "shop.orders_all"}; !reflect.DeepEqual(w.Tables, want) {
		t.Errorf("tables %v, want %v", w.Tables, want)
	}
	if want := map[string]float64{"max_execution_time": 60, "max_memory_usage": 4e9, "max_threads": 8, "use_uncompressed_cache": 1}; !reflect.DeepEqual(w.Settings, want) {
		t.Errorf("settings %v, want %v", w.Settings, want)
	}
	if cfg.SourceTime["orders"] != "order_date" || len(cfg.Sources) != 0 {
		t.Errorf("source time %v, sources %v", cfg.SourceTime, cfg.Sources)
	}
	ds := defs(t, "warehouse: {url: 'clickhouse://ch1:9000/support', tables: {calls: calls_all}}\nkpis:\n  - {id: calls, type: ratio, numerator: count(*), denominator: '1', better: higher}\n")
	if ds["calls"].Source != "calls" {
		t.Errorf("a KPI without source: reads %q, want the only table, calls", ds["calls"].Source)
	}
}

// TestWarehouseErrors: each mistake in a warehouse: section is one error at
// its line that says the fix.
func TestWarehouseErrors(t *testing.T) {
	const head = "warehouse:\n  url: clickhouse://analyst@ch1:9000/support\n"
	for _, tc := range []struct {
		name, yaml string
		line       int
		want       []string
	}{
		{"unknown key", head + "  pasword_env: X\n", 3, []string{`unknown field "pasword_env" in warehouse:`, `did you mean "password_env"`}},
		{"no url", "warehouse:\n  tables: {tickets: t}\n", 1, []string{"has no url:", "url: clickhouse://"}},
		{"not a mapping", "warehouse: clickhouse://ch1:9000/x\n", 1, []string{"takes a mapping with url:"}},
		{"http url", "warehouse:\n  url: http://ch1:8123/support\n", 2, []string{`"http://ch1:8123/support" is not a ClickHouse URL`, "native port"}},
		{"no host", "warehouse:\n  url: clickhouse:///support\n", 2, []string{"is not a ClickHouse URL"}},
		{"password in url", "warehouse:\n  url: clickhouse://analyst:s3cret@ch1:9000/support\n", 2, []string{"holds a password", "password_env:"}},
		{"no database", "warehouse:\n  url: clickhouse://analyst@ch1:9000\n", 2, []string{"names no database", "clickhouse://ch1:9000/support"}},
		{"bad env name", head + "  password_env: MY PASSWORD\n", 3, []string{"password_env: takes the name of an environment variable"}},
		{"tables a list", head + "  tables: [tickets]\n", 3, []string{"tables: maps each source name"}},
		{"table name", head + "  tables:\n    tickets: tickets-dist\n", 4, []string{`tables: tickets: "tickets-dist" is not a table name`, "DATABASE.TABLE"}},
		{"empty table", head + "  tables:\n    tickets:\n", 4, []string{"tables: tickets: name its table"}},
		{"table key", head + "  tables:\n    tickets: {table: t, tme: created_at}\n", 4, []string{`unknown field "tme"`, `did you mean "time"`}},
		{"source name", head + "  tables:\n    my-tickets: t\n", 4, []string{`source name "my-tickets"`}},
		{"non-numeric setting", head + "  settings:\n    max_threads: 8\n    max_execution_time: sixty\n", 5, []string{`settings: max_execution_time: "sixty" is not a number`, "max_execution_time: 60"}},
		{"negative time", head + "  settings: {max_execution_time: -1}\n", 3, []string{"max_execution_time: give a positive number (seconds)"}},
		{"fractional bytes", head + "  settings:\n    max_memory_usage: 1.5\n", 4, []string{"max_memory_usage: give whole bytes"}},
		{"setting name", head + "  settings:\n    Max-Threads: 8\n", 4, []string{`"Max-Threads" is not a ClickHouse setting's name`}},
		{"with sources", "sources:\n  tickets: {path: t.csv}\n" + head, 3, []string{"and sources: both given", "remove one"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse(cfgPath, []byte(tc.yaml+"kpis:\n  - use: csat\n"))
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *config.Error", err)
			}
			if ce.Line != tc.line {
				t.Errorf("line %d, want %d: %v", ce.Line, tc.line, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v\nwant it to say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("more than one line: %q", err)
			}
		})
	}
}

// TestWarehousePasswordEnvMissing: an unset password variable is named at
// password_env:'s line when the warehouse is opened, before any connection.
func TestWarehousePasswordEnvMissing(t *testing.T) {
	t.Setenv("KPISCOPE_TEST_NO_SUCH_PASSWORD", "")
	cfg := parse(t, "warehouse:\n  url: clickhouse://analyst@127.0.0.1:1/support\n  password_env: KPISCOPE_TEST_NO_SUCH_PASSWORD\nkpis:\n  - use: csat\n")
	if err := unsetenv("KPISCOPE_TEST_NO_SUCH_PASSWORD"); err != nil {
		t.Fatal(err)
	}
	_, err := cfg.Warehouse.Open(context.Background(), "")
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Line != 3 || !strings.Contains(err.Error(), "password_env: KPISCOPE_TEST_NO_SUCH_PASSWORD is not set; export it with the password of analyst") {
		t.Errorf("err = %v, want line 3 to say the variable is not set", err)
	}
}

func unsetenv(k string) error { return os.Unsetenv(k) }
