package infer_test

import (
	"strings"
	"testing"

	"kpiscope/internal/config"
	"kpiscope/internal/infer"
)

// TestYAMLWarehouse: with a warehouse, the config has a warehouse: section
// in place of sources: (the URL as given, password_env: when the URL had a
// password, each table with its time axis), says each table's profile is a
// sample of its rows, and loads.
func TestYAMLWarehouse(t *testing.T) {
	in := &infer.Inference{Tables: []*infer.TableProfile{{Name: "agents", Rows: 2}, {Name: "tickets", Rows: 5, Time: "created_at"}}}
	text := in.YAML(infer.YAMLOptions{Header: true, Warehouse: &infer.WarehouseYAML{
		URL: "clickhouse://analyst@ch1:9000/support", PasswordEnv: "KPISCOPE_CH_PASSWORD", Rows: map[string]int64{"agents": 2, "tickets": 1234567}, Sample: 5,
	}})
	for _, want := range []string{
		"# What the warehouse's tables hold, profiled from a sample of up to 5 rows of each\n# (SELECT … LIMIT 5, read-only)",
		"#   warehouse table; profiled from 5 rows of its 1,234,567\n",
		"\nwarehouse:\n  url: clickhouse://analyst@ch1:9000/support   # no password here\n  password_env: KPISCOPE_CH_PASSWORD   # the environment variable holding the password\n",
		"\n  tables:\n    agents: agents\n    tickets: {table: tickets, time: created_at}",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q\n%s", want, text)
		}
	}
	if strings.Contains(text, "sources:") {
		t.Errorf("has sources:\n%s", text)
	}
	cfg, err := config.Parse("kpiscope.yaml", []byte(text))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if w := cfg.Warehouse; w == nil || w.PasswordEnv != "KPISCOPE_CH_PASSWORD" || w.Tables["tickets"] != "tickets" || cfg.SourceTime["tickets"] != "created_at" {
		t.Errorf("read back as %+v, source times %v", w, cfg.SourceTime)
	}
}
