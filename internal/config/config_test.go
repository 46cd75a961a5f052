package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
	"kpiscope/internal/source"
)

const cfgPath = "/home/ana/project/kpiscope.yaml"

func parse(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse(cfgPath, []byte(yaml))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg
}

// defs binds a config and returns its definitions by id.
func defs(t *testing.T, yaml string) map[string]*kpi.Def {
	t.Helper()
	ds, err := parse(t, yaml).Defs(nil)
	if err != nil {
		t.Fatalf("Defs: %v", err)
	}
	out := map[string]*kpi.Def{}
	for _, d := range ds {
		out[d.ID] = d
	}
	return out
}

func ptr(f float64) *float64 { return &f }

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestBuiltins(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		d := defs(t, "sources:\n  tickets: {path: t.csv}\nkpis:\n  - use: csat\n")["csat"]
		b, _ := kpi.LookupBuiltin("csat")
		if d.Source != "tickets" || d.Time != "resolved_at" || d.Type != kpi.Ratio || !d.Builtin {
			t.Errorf("csat = %+v", d)
		}
		if !reflect.DeepEqual(d.Target, b.Target) {
			t.Errorf("target %+v, want the built-in's %+v", d.Target, b.Target)
		}
		if d.Origin != cfgPath+":4" {
			t.Errorf("origin %q", d.Origin)
		}
	})
	t.Run("columns mapping and source", func(t *testing.T) {
		d := defs(t, `sources:
  calls: {path: calls.csv}
kpis:
  - use: csat
    source: calls
    columns: {csat: satisfaction rating, resolved_at: date}
`)["csat"]
		if d.Source != "calls" || d.Time != "date" {
			t.Errorf("source %q time %q", d.Source, d.Time)
		}
		if !strings.Contains(d.Numerator, `"satisfaction rating" BETWEEN 4 AND 5`) || !strings.Contains(d.Denominator, `"satisfaction rating" BETWEEN 1 AND 5`) {
			t.Errorf("numerator %q denominator %q", d.Numerator, d.Denominator)
		}
	})
	t.Run("own id, name and display", func(t *testing.T) {
		d := defs(t, `kpis:
  - use: csat
    id: csat_phone
    name: CSAT (phone)
    short: CSAT ph
    decimals: 2
    min_sample: 50
    hidden: false
`)["csat_phone"]
		if d == nil || d.Name != "CSAT (phone)" || d.Short != "CSAT ph" || d.Decimals != 2 || d.MinN() != 50 {
			t.Errorf("def %+v", d)
		}
	})
	t.Run("target overrides", func(t *testing.T) {
		d := defs(t, `kpis:
  - use: csat
    target:
      value: 80
      warn: 75
      grain: quarter
      overrides:
        - {when: {region: EMEA}, value: 85, warn: 80}
        - {from: 2026-01-01, value: 82}
        - when: {region: APAC, channel: chat}
          from: "2026-07-01"
          value: 90
`)["csat"]
		want := &kpi.Target{Value: 80, Warn: ptr(75), Grain: kpi.Quarter, Overrides: []kpi.Override{
			{When: map[string]string{"region": "EMEA"}, Value: 85, Warn: ptr(80)},
			{From: date("2026-01-01"), Value: 82},
			{When: map[string]string{"region": "APAC", "channel": "chat"}, From: date("2026-07-01"), Value: 90},
		}}
		if !reflect.DeepEqual(d.Target, want) {
			t.Errorf("target\n got %+v\nwant %+v", d.Target, want)
			for i, o := range d.Target.Overrides {
				t.Logf("override %d: %+v", i, o)
			}
		}
	})
	t.Run("target value only drops the built-in warn band", func(t *testing.T) {
		d := defs(t, "kpis:\n  - use: csat\n    target: {value: 60}\n")["csat"]
		if d.Target.Value != 60 || d.Target.Warn != nil {
			t.Errorf("target %+v", d.Target)
		}
	})
	t.Run("target warn only keeps the built-in value", func(t *testing.T) {
		d := defs(t, "kpis:\n  - use: csat\n    target: {warn: 70}\n")["csat"]
		if d.Target.Value != 80 || d.Target.Warn == nil || *d.Target.Warn != 70 {
			t.Errorf("target %+v", d.Target)
		}
	})
	t.Run("composite brings hidden inputs", func(t *testing.T) {
		ds := defs(t, "kpis:\n  - use: cac\n")
		for _, id := range []string{"acquisition_spend", "new_customers"} {
			if d := ds[id]; d == nil || !d.Hidden {
				t.Errorf("%s = %+v, want a hidden input of cac", id, d)
			}
		}
		if ds["cac"].Hidden {
			t.Error("cac itself is hidden")
		}
	})
}

func TestCustom(t *testing.T) {
	ds := defs(t, `sources:
  calls: {path: calls.csv}
kpis:
  - id: fcr
    type: ratio
    numerator: count(*) FILTER (WHERE resolved = 'Y')
    denominator: count(*)
    scale: 100
    unit: "%"
    better: higher
    target: {value: 70, warn: 65}
  - id: talk
    type: Formula
    inputs: {secs: sum(talk), n: count(*)}
    expr: secs / n
    better: LOWER
    where: answered = 'Y'
    extras: {median: median(talk)}
  - id: active
    type: cohort
    inputs: {a: count(*) FILTER (WHERE date < period_start)}
    expr: a
    better: higher
    time: date
  - id: per_call
    type: composite
    inputs: {f: fcr, t: talk.secs}
    expr: f / t
    n: talk
    better: higher
`)
	fcr := ds["fcr"]
	if fcr.Type != kpi.Ratio || fcr.Source != "calls" || fcr.Scale != 100 || fcr.Unit != "%" || fcr.Decimals != 1 || fcr.Better != kpi.Higher {
		t.Errorf("fcr = %+v", fcr)
	}
	if fcr.Target == nil || fcr.Target.Value != 70 || *fcr.Target.Warn != 65 {
		t.Errorf("fcr target %+v", fcr.Target)
	}
	talk := ds["talk"]
	if talk.Type != kpi.Formula || talk.Better != kpi.Lower || talk.Expr != "secs / n" || talk.Where != "answered = 'Y'" || talk.Extras["median"] != "median(talk)" {
		t.Errorf("talk = %+v", talk)
	}
	if !reflect.DeepEqual(talk.Inputs, map[string]string{"secs": "sum(talk)", "n": "count(*)"}) {
		t.Errorf("talk inputs %v", talk.Inputs)
	}
	if a := ds["active"]; a.Type != kpi.Cohort || a.Time != "date" {
		t.Errorf("active = %+v", a)
	}
	if c := ds["per_call"]; c.Type != kpi.Composite || c.Source != "" || c.N != "talk" || c.Inputs["t"] != "talk.secs" {
		t.Errorf("per_call = %+v", c)
	}
}

// TestTime: a custom KPI without time: takes its source's time column;
// time: null (or ~, or nothing) means no time axis; a built-in keeps the
// attribution of its definition unless told otherwise.
func TestTime(t *testing.T) {
	const head = `sources:
  calls: {path: calls.csv, time: date}
  other: {path: other.csv}
kpis:
  - id: k
    source: %s
    type: ratio
    numerator: sum(x)
    denominator: count(*)
    better: higher
`
	cases := []struct {
		name, source, extra, want string
	}{
		{"inherits the source's time", "calls", "", "date"},
		{"a source without time", "other", "", ""},
		{"its own time", "calls", "    time: answered_at\n", "answered_at"},
		{"time: null", "calls", "    time: null\n", ""},
		{"time: ~", "calls", "    time: ~\n", ""},
		{"time: (empty)", "calls", "    time:\n", ""},
		{"time: \"null\" is a column", "calls", "    time: \"null\"\n", "null"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			y := strings.Replace(head, "%s", tc.source, 1) + tc.extra
			if got := defs(t, y)["k"].Time; got != tc.want {
				t.Errorf("time = %q, want %q", got, tc.want)
			}
		})
	}
	builtin := []struct {
		name, extra, want string
	}{
		{"built-in keeps its attribution", "", "responded_at"},
		{"built-in mapped", "    columns: {responded_at: answered}\n", "answered"},
		{"built-in time column", "    time: sent_at\n", "sent_at"},
		{"built-in time: null", "    time: null\n", ""},
	}
	for _, tc := range builtin {
		t.Run(tc.name, func(t *testing.T) {
			y := "sources:\n  surveys: {path: s.csv, time: sent_at}\nkpis:\n  - use: nps\n" + tc.extra
			if got := defs(t, y)["nps"].Time; got != tc.want {
				t.Errorf("time = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSourcesAndPaths(t *testing.T) {
	cfg := parse(t, `title: Support
sources:
  tickets: {path: data/tickets_*.csv, delimiter: ";", time: closed}
  orders: {path: ../shared/orders.parquet}
  spend: {path: /srv/finance/spend}
dimensions: [channel, region]
customers: {source: people, key: person_id}
`)
	want := []source.Spec{
		{Name: "orders", Path: "/home/ana/shared/orders.parquet", Origin: cfgPath + ":4"},
		{Name: "spend", Path: "/srv/finance/spend", Origin: cfgPath + ":5"},
		{Name: "tickets", Path: "/home/ana/project/data/tickets_*.csv", Delimiter: ";", Origin: cfgPath + ":3"},
	}
	if !reflect.DeepEqual(cfg.Sources, want) {
		t.Errorf("sources\n got %+v\nwant %+v", cfg.Sources, want)
	}
	if cfg.SourceTime["tickets"] != "closed" || len(cfg.SourceTime) != 1 {
		t.Errorf("source times %v", cfg.SourceTime)
	}
	if cfg.Label != "Support" || !reflect.DeepEqual(cfg.Dimensions, []string{"channel", "region"}) || cfg.Customers != "people" || cfg.CustomerKey != "person_id" {
		t.Errorf("config %+v", cfg)
	}
	if cfg := parse(t, "sources:\n  t: {path: t.csv}\n"); cfg.Label != "kpiscope.yaml" || cfg.Dimensions != nil {
		t.Errorf("label %q dimensions %v, want the file name and inferred dimensions", cfg.Label, cfg.Dimensions)
	}
	// A config given by a relative path resolves against its own directory.
	rel, err := config.Parse(filepath.Join("conf", "kpiscope.yaml"), []byte("sources:\n  t: {path: data/t.csv}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := rel.Sources[0].Path; got != filepath.Join("conf", "data", "t.csv") {
		t.Errorf("path %q", got)
	}
}

// wantErr parses yaml and checks the error: a *config.Error at line, whose
// text starts with the path and line and contains each of msgs.
func wantErr(t *testing.T, yaml string, line int, msgs ...string) {
	t.Helper()
	_, err := config.Parse(cfgPath, []byte(yaml))
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v (%T), want a *config.Error", err, err)
	}
	if ce.Line != line {
		t.Errorf("line %d, want %d: %v", ce.Line, line, err)
	}
	if prefix := cfgPath + ":" + strconv.Itoa(line); !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("%q does not start with %q", err, prefix)
	}
	for _, m := range msgs {
		if !strings.Contains(ce.Msg, m) {
			t.Errorf("%q does not say %q", err, m)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans lines: %q", err)
	}
}

func TestErrors(t *testing.T) {
	const src = "sources:\n  t: {path: t.csv}\n"
	const ratio = "    type: ratio\n    numerator: sum(a)\n    denominator: count(*)\n"
	cases := []struct {
		name string
		yaml string
		line int
		msgs []string
	}{
		// Unknown fields, wherever they are.
		{"unknown top-level field", src + "colour: red\n", 3, []string{`unknown field "colour"`}},
		{"unknown KPI field", src + "kpis:\n  - use: csat\n    colour: red\n", 5, []string{`unknown field "colour"`}},
		{"unknown source field", "sources:\n  t: {path: t.csv, delim: ';'}\n", 2, []string{`unknown field "delim"`}},
		{"unknown target field", src + "kpis:\n  - use: csat\n    target:\n      value: 80\n      red: 70\n", 7, []string{`unknown field "red"`}},
		{"unknown override field", src + "kpis:\n  - use: csat\n    target:\n      value: 80\n      overrides:\n        - {if: {region: EMEA}, value: 85}\n", 8, []string{`unknown field "if"`}},
		// Ids.
		{"duplicate built-in", src + "kpis:\n  - use: csat\n  - use: nps\n  - use: csat\n", 6, []string{`"csat" is defined twice`, "line 4"}},
		{"custom id clashes with a built-in", src + "kpis:\n  - use: csat\n  - id: csat\n" + ratio + "    better: higher\n", 5, []string{`"csat" is defined twice`, "line 4"}},
		{"neither id nor use", src + "kpis:\n  - name: Happy\n", 4, []string{"neither id nor use"}},
		{"bad id", src + "kpis:\n  - id: happy-customers\n" + ratio + "    better: higher\n", 4, []string{`"happy-customers"`, "letters, digits and _"}},
		{"unknown built-in", src + "kpis:\n  - use: csta\n", 4, []string{`"csta"`, `did you mean "csat"`}},
		// Types and polarity.
		{"bad better", src + "kpis:\n  - id: x\n" + ratio + "    better: up\n", 4, []string{`better must be higher or lower, not "up"`}},
		{"missing better", src + "kpis:\n  - id: x\n" + ratio, 4, []string{"better is missing"}},
		{"bad type", src + "kpis:\n  - id: x\n    type: ration\n    better: higher\n", 4, []string{`unknown type "ration"`}},
		{"missing type", src + "kpis:\n  - id: x\n    better: higher\n", 4, []string{"type is missing"}},
		{"ratio without denominator", src + "kpis:\n  - id: x\n    type: ratio\n    numerator: sum(a)\n    better: higher\n", 4, []string{"numerator and denominator"}},
		{"formula without expr", src + "kpis:\n  - id: x\n    type: formula\n    inputs: {a: sum(a)}\n    better: higher\n", 4, []string{"inputs and expr"}},
		{"bad input name", src + "kpis:\n  - id: x\n    type: formula\n    inputs: {a b: sum(a)}\n    expr: 1\n    better: higher\n", 4, []string{`"a b"`}},
		{"cohort without time", src + "kpis:\n  - id: x\n    type: cohort\n    inputs: {a: count(*)}\n    expr: a\n    better: higher\n", 4, []string{"needs periods"}},
		{"cohort with time: null", "sources:\n  t: {path: t.csv, time: d}\nkpis:\n  - id: x\n    type: cohort\n    inputs: {a: count(*)}\n    expr: a\n    better: higher\n    time: null\n", 4, []string{"needs periods"}},
		{"no source among several", "sources:\n  a: {path: a.csv}\n  b: {path: b.csv}\nkpis:\n  - id: x\n" + ratio + "    better: higher\n", 5, []string{"source is missing"}},
		{"built-in with a formula", src + "kpis:\n  - use: csat\n    numerator: count(*)\n", 4, []string{"formula is fixed"}},
		{"custom with columns", src + "kpis:\n  - id: x\n" + ratio + "    better: higher\n    columns: {csat: score}\n", 4, []string{"columns:"}},
		{"unknown column role", src + "kpis:\n  - use: csat\n    columns: {score: rating}\n", 4, []string{`"score" is not a column role of csat`, "csat, resolved_at"}},
		// Targets.
		{"target without value", src + "kpis:\n  - id: x\n" + ratio + "    better: higher\n    target: {warn: 3}\n", 4, []string{"value is missing"}},
		{"warn on the good side", src + "kpis:\n  - use: csat\n    target: {value: 80, warn: 85}\n", 4, []string{"good side"}},
		{"lower-is-better warn on the good side", src + "kpis:\n  - use: resolution_time\n    target: {value: 24, warn: 12}\n", 4, []string{"good side"}},
		{"bad grain", src + "kpis:\n  - use: csat\n    target: {value: 80, grain: fortnight}\n", 4, []string{`"fortnight"`}},
		{"override without value", src + "kpis:\n  - use: csat\n    target:\n      value: 80\n      overrides:\n        - {when: {region: EMEA}}\n", 4, []string{"no value"}},
		{"override from not a date", src + "kpis:\n  - use: csat\n    target:\n      value: 80\n      overrides:\n        - {from: 01/02/2026, value: 85}\n", 4, []string{`"01/02/2026"`, "YYYY-MM-DD"}},
		{"override from an impossible date", src + "kpis:\n  - use: csat\n    target:\n      value: 80\n      overrides:\n        - {from: 2026-13-01, value: 85}\n", 4, []string{"2026-13-01", "YYYY-MM-DD"}},
		// Sources.
		{"source without path", "sources:\n  t: {time: created_at}\n", 2, []string{"no path"}},
		{"bad source name", "sources:\n  my-table: {path: t.csv}\n", 2, []string{`"my-table"`}},
		// Value types.
		{"text for a number", src + "kpis:\n  - use: csat\n    min_sample: lots\n", 5, []string{"min_sample"}},
		{"text for a target", src + "kpis:\n  - use: csat\n    target: {value: high}\n", 5, []string{"value"}},
		{"kpis is not a list", "kpis: {use: csat}\n", 1, []string{"kpis"}},
		// YAML syntax.
		{"unterminated quote", src + "kpis:\n  - use: \"csat\n", 4, nil},
		{"tab indentation", "sources:\n\tt: {path: t.csv}\n", 2, nil},
		{"unclosed flow mapping", src + "kpis:\n  - use: csat\n    target: {value: 80\n", 5, nil},
		{"bad indentation", "sources:\n  t:\n    path: t.csv\n   time: x\n", 4, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.yaml, tc.line, tc.msgs...) })
	}
}

var wantRE = regexp.MustCompile(`^# want (\d+): (.*)`)

// TestTestdata: the files the fuzzer starts from. Valid ones parse; each
// broken one fails at the line and with the words its first line states.
func TestTestdata(t *testing.T) {
	valid, _ := filepath.Glob(filepath.Join("testdata", "valid", "*.yaml"))
	broken, _ := filepath.Glob(filepath.Join("testdata", "broken", "*.yaml"))
	if len(valid) == 0 || len(broken) == 0 {
		t.Fatal("no testdata")
	}
	for _, p := range valid {
		t.Run(p, func(t *testing.T) {
			cfg, err := config.Load(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cfg.Defs(nil); err != nil {
				t.Fatal(err)
			}
			for _, s := range cfg.Sources {
				if !filepath.IsAbs(s.Path) && !strings.HasPrefix(s.Path, filepath.Join("testdata", "valid")) {
					t.Errorf("source %s: %q is not resolved against the config's directory", s.Name, s.Path)
				}
			}
		})
	}
	for _, p := range broken {
		t.Run(p, func(t *testing.T) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			m := wantRE.FindStringSubmatch(strings.SplitN(string(b), "\n", 2)[0])
			if m == nil {
				t.Fatalf("first line should be # want LINE: TEXT")
			}
			line, _ := strconv.Atoi(m[1])
			_, err = config.Load(p)
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), want a *config.Error", err, err)
			}
			if ce.Line != line || !strings.HasPrefix(err.Error(), p+":"+m[1]) || !strings.Contains(ce.Msg, m[2]) {
				t.Errorf("err = %q, want %s:%d … %s", err, p, line, m[2])
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	_, err := config.Load(filepath.Join(dir, "kpiscope.yaml"))
	var ce *config.Error
	if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), filepath.Join(dir, "kpiscope.yaml")+": ") || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := config.Load(dir); !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), dir+": ") {
		t.Errorf("directory: %v", err)
	}
	if _, ok := config.Find(dir); ok {
		t.Error("Find found a config in an empty directory")
	}
	p := filepath.Join(dir, config.FileName)
	if err := os.WriteFile(p, []byte("sources:\n  t: {path: t.csv}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, ok := config.Find(dir); !ok || got != p {
		t.Errorf("Find = %q, %v", got, ok)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != p || cfg.Sources[0].Path != filepath.Join(dir, "t.csv") {
		t.Errorf("config %+v", cfg)
	}
}

// --config given a folder says so and names the file it takes.
func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := config.Load(dir)
	if err == nil || !strings.Contains(err.Error(), "is a directory; --config takes the file ("+filepath.Join(dir, config.FileName)+")") {
		t.Errorf("Load(dir) = %v", err)
	}
}
