package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kpiscope/internal/config"
)

// FuzzParse: whatever the bytes, Parse returns a config or a *config.Error
// whose text starts with the file's path. A panic recovered inside Parse
// ("cannot parse: …") counts as a failure too: the user would see a Go
// runtime message instead of what to fix.
//
// Run it for a while with: go test -fuzz=FuzzParse -fuzztime=60s ./internal/config/
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"valid", "broken"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	for _, s := range []string{
		"",
		"~",
		"null",
		"[]",
		"kpis:\n  - use: csat\n",
		"kpis: [{use: nps, time: null}, {use: ces, time: ~}]\n",
		"sources:\n  t: {path: t.csv, time: d}\nkpis:\n  - id: x\n    type: ratio\n    numerator: sum(a)\n    denominator: count(*)\n    better: lower\n    time:\n",
		"kpis:\n  - use: csat\n    target: {value: 80, overrides: [{when: {region: EMEA}, from: 2026-01-01, value: 85}]}\n",
		"sources: &s\n  t: {path: t.csv}\nother: *s\n",
		"kpis:\n  - &k {use: csat}\n  - *k\n",
		"kpis:\n  - use: csat\n    columns: {csat: \"a \\\"b\\\"\"}\n",
		"sources:\n  \"a.b\": {path: x}\n",
		"sources:\n  \"[0]\": {path: x}\n",
		"kpis:\n  - {use: cac}\n  - {use: clv}\n  - {use: retention_cost}\n",
		"--- !!map\n? kpis\n: - use: csat\n",
		"kpis:\n- use: csat\n  target: {value: .inf, warn: -.inf}\n",
		"kpis:\n- use: csat\n  target: {value: .nan}\n",
		"kpis:\n- use: csat\n  decimals: 99999999999999999999\n",
		"\ufeffkpis:\n  - use: csat\n",
		"kpis:\n  - use: csat\n\x00",
	} {
		f.Add([]byte(s))
	}
	const path = "/fuzz/dir/kpiscope.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(path, data)
		if err == nil {
			if cfg == nil {
				t.Fatal("Parse returned neither a config nor an error")
			}
			if _, err := cfg.Defs(nil); err != nil {
				t.Fatalf("Parse accepted a config whose Defs fails: %v", err)
			}
			return
		}
		if cfg != nil {
			t.Errorf("Parse returned a config with the error %v", err)
		}
		var ce *config.Error
		if !errors.As(err, &ce) {
			t.Fatalf("err = %v (%T), want a *config.Error", err, err)
		}
		if !strings.HasPrefix(err.Error(), path) {
			t.Fatalf("%q does not start with the path", err)
		}
		if strings.HasPrefix(ce.Msg, "cannot parse: ") {
			t.Fatalf("Parse panicked and recovered: %v", err)
		}
	})
}
