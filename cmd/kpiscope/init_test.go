package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// kpiscopeCLI runs the command line and returns its exit code and output.
func kpiscopeCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runWith(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

const initCalls = "call id,agent,date,resolved,satisfaction rating\nC1,Ann,2021-01-04,Y,5\nC2,Bob,2021-01-05,N,2\nC3,Ann,2021-02-01,Y,4\n"

func TestInitWritesAndNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "calls.csv")
	if err := os.WriteFile(data, []byte(initCalls), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "sub", "kpiscope.yaml")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, errs := kpiscopeCLI(t, "init", data, "--out", cfg)
	if code != 0 || !strings.Contains(out, "wrote "+cfg) {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	written, _ := os.ReadFile(cfg)
	if !strings.Contains(string(written), "path: ../calls.csv") || !strings.Contains(string(written), "use: csat") {
		t.Errorf("config:\n%s", written)
	}
	if code, out, errs := kpiscopeCLI(t, "report", "--config", cfg); code != 0 || !strings.Contains(out, "CSAT") {
		t.Errorf("report on the written config: exit %d\n%s%s", code, out, errs)
	}

	// A second init refuses, and leaves the file alone.
	if err := os.WriteFile(cfg, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = kpiscopeCLI(t, "init", data, "--out", cfg)
	if code != 2 || !strings.Contains(errs, "already exists") || !strings.Contains(errs, "--force") {
		t.Errorf("init over an existing file: exit %d, stderr %q", code, errs)
	}
	if b, _ := os.ReadFile(cfg); string(b) != "# mine\n" {
		t.Errorf("existing config changed to:\n%s", b)
	}
	// --print writes to stdout and leaves the file alone too.
	code, out, _ = kpiscopeCLI(t, "init", data, "--out", cfg, "--print")
	if code != 0 || !strings.Contains(out, "kpis:") {
		t.Errorf("--print: exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(cfg); string(b) != "# mine\n" {
		t.Errorf("--print changed the file")
	}
	// --force replaces it.
	if code, _, errs := kpiscopeCLI(t, "init", data, "--out", cfg, "--force"); code != 0 {
		t.Fatalf("--force: exit %d %s", code, errs)
	}
	if b, _ := os.ReadFile(cfg); !strings.Contains(string(b), "use: csat") {
		t.Errorf("--force did not write the config")
	}
}

func TestCheckCommandExitCodes(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.csv")
	bad := filepath.Join(dir, "bad.csv")
	var b strings.Builder
	b.WriteString(initCalls)
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "D%02d,Cid,2021-02-%02d,Y,%d\n", i, 1+i%28, 1+i%5)
	}
	os.WriteFile(clean, []byte(b.String()), 0o644)
	// One answer of 9 among sixty on a 1–5 satisfaction scale.
	os.WriteFile(bad, []byte(b.String()+"E01,Bob,2021-02-02,Y,9\n"), 0o644)
	if code, out, errs := kpiscopeCLI(t, "check", clean); code != 0 || !strings.Contains(out, "0 errors") {
		t.Errorf("clean: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs := kpiscopeCLI(t, "check", bad)
	if code != 2 || !strings.Contains(out, "score_range") || !strings.Contains(out, `"satisfaction rating" = 9`) || !strings.Contains(errs, "1 data-quality error") {
		t.Errorf("bad: exit %d\n%s%s", code, out, errs)
	}
}

// On each real dataset, init --print gives a config that report accepts,
// with the KPIs an analyst would expect.
func TestInitOnRealDatasets(t *testing.T) {
	skipShort(t)
	cases := []struct {
		file  string
		kpis  []string
		value map[string]float64 // all-time values worked out independently (docs/own-data.md)
	}{
		{"call_center.csv", []string{"csat", "fcr", "avg_speed_of_answer_seconds"}, map[string]float64{"csat": 100.0 * 2023 / 4054, "fcr": 100.0 * 3646 / 4054}},
		{"telco_customer_churn.csv", []string{"churn_rate"}, map[string]float64{"churn_rate": 100.0 * 1869 / 7043}},
		{"maven_telecom_customer_churn.csv", []string{"churn_rate"}, map[string]float64{"churn_rate": 100.0 * 1869 / 6589}},
		{"airline_nps_responses.csv", []string{"nps"}, map[string]float64{"nps": 100.0 * (2069 - 1558) / 5723}},
		{"superstore_orders.csv", []string{"avg_purchase", "purchase_frequency", "repeat_rate", "profit_margin"}, map[string]float64{"avg_purchase": 2297200.8603 / 5009}},
		{"cdnow_master.txt", []string{"avg_purchase", "purchase_frequency", "repeat_rate"}, map[string]float64{"purchase_frequency": 69659.0 / 23570}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data := datasets(t, c.file)
			dir := t.TempDir()
			cfg := filepath.Join(dir, "x.yaml")
			code, text, errs := kpiscopeCLI(t, "init", data, "--print", "--out", cfg)
			if code != 0 {
				t.Fatalf("init: exit %d: %s", code, errs)
			}
			if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errs := kpiscopeCLI(t, "report", "--config", cfg, "--format", "json", "--period", "all")
			if code != 0 {
				t.Fatalf("report: exit %d: %s\n%s", code, errs, text)
			}
			var rep struct {
				Rows []struct {
					KPI     string   `json:"kpi"`
					Segment string   `json:"segment"`
					Value   *float64 `json:"value"`
				} `json:"rows"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			got := map[string]*float64{}
			for _, r := range rep.Rows {
				got[r.KPI] = r.Value
			}
			for _, id := range c.kpis {
				if v, ok := got[id]; !ok || v == nil {
					t.Errorf("no value for %s (have %v)", id, got)
				}
			}
			for id, want := range c.value {
				if v := got[id]; v == nil || math.Abs(*v-want) > 1e-6*math.Max(1, math.Abs(want)) {
					t.Errorf("%s = %v, want %v", id, v, want)
				}
			}
		})
	}
}

// initThenReport runs init --print on files, saves the config and returns
// report's all-time values by KPI id: a file to a scorecard with no hand edit.
func initThenReport(t *testing.T, files ...string) map[string]*float64 {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "x.yaml")
	code, text, errs := kpiscopeCLI(t, append([]string{"init", "--print", "--out", cfg}, files...)...)
	if code != 0 {
		t.Fatalf("init: exit %d: %s", code, errs)
	}
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := kpiscopeCLI(t, "report", "--config", cfg, "--format", "json", "--period", "all")
	if code != 0 {
		t.Fatalf("report: exit %d: %s\n%s", code, errs, text)
	}
	var rep struct {
		Rows []struct {
			KPI   string   `json:"kpi"`
			Value *float64 `json:"value"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]*float64{}
	for _, r := range rep.Rows {
		got[r.KPI] = r.Value
	}
	return got
}

// The fresh exports of issue 9 go from file to the right scorecard with
// init and report alone; the KPIs a careful analyst would refuse are absent.
func TestInitOnFreshExports(t *testing.T) {
	cases := []struct {
		file  string
		value map[string]float64 // worked out by hand from the fixture (internal/infer/rules_test.go)
		not   []string
	}{
		{"support_tickets.csv", map[string]float64{"csat": 50}, []string{"resolution_time", "resolution_median", "first_response", "response_rate"}},
		{"bank_churn.csv", map[string]float64{"churn_rate": 20}, []string{"retention", "churn"}},
		{"sales_orders.csv", map[string]float64{"avg_purchase": 16550.0 / 8, "purchase_frequency": 2, "repeat_rate": 75}, []string{"churn_rate"}},
		{"nps_survey.csv", map[string]float64{"csat": 80, "nps": 25, "response_rate": 100}, []string{"first_response", "nps_csat"}},
		// backlog: the five requests with no Closed Date, open at the data's end.
		{"service_requests.csv", map[string]float64{"resolution_time": 6.4, "resolution_median": 6, "backlog": 5}, []string{"retention", "churn", "new_customers"}},
		{"online_retail.csv", map[string]float64{"avg_purchase": 206.52 / 6, "purchase_frequency": 1.5, "repeat_rate": 50}, nil},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got := initThenReport(t, filepath.Join("..", "..", "internal", "infer", "testdata", c.file))
			if len(got) != len(c.value) {
				t.Errorf("KPIs %v, want exactly %v", got, c.value)
			}
			for id, want := range c.value {
				if v := got[id]; v == nil || math.Abs(*v-want) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Errorf("%s = %v, want %v", id, v, want)
				}
			}
			for _, id := range c.not {
				if _, ok := got[id]; ok {
					t.Errorf("%s proposed", id)
				}
			}
		})
	}
}

// loaderFixtures are files each command must read the same way: the
// standard model with a column the built-ins do not read (a flag init's
// inference would turn into a KPI of its own), a non-standard export whose
// KPIs are inferred, and both together.
func loaderFixtures(t *testing.T) map[string][]string {
	t.Helper()
	dir := t.TempDir()
	var tk strings.Builder
	tk.WriteString("ticket_id,customer_id,channel,priority,created_at,first_response_at,resolved_at,contacts,csat,ces,escalated\n")
	for i := 0; i < 60; i++ {
		day := 1 + i%28
		fmt.Fprintf(&tk, "T%03d,C%02d,%s,%s,2026-0%d-%02d 09:00:00,2026-0%d-%02d 10:30:00,2026-0%d-%02d 17:00:00,%d,%d,%d,%s\n",
			i, i%17, []string{"chat", "email", "phone"}[i%3], []string{"low", "high"}[i%2],
			1+i%6, day, 1+i%6, day, 1+i%6, day, 1+i%3, 1+i%5, 1+i%7, []string{"N", "N", "Y"}[i%3])
	}
	var calls strings.Builder
	calls.WriteString(initCalls)
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&calls, "D%02d,%s,2021-0%d-%02d,%s,%d\n", i, []string{"Ann", "Bob", "Cid"}[i%3], 1+i%6, 1+i%28, []string{"Y", "N"}[i%2], 1+i%5)
	}
	tickets, callsCSV := filepath.Join(dir, "tickets.csv"), filepath.Join(dir, "calls.csv")
	for p, s := range map[string]string{tickets: tk.String(), callsCSV: calls.String()} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string][]string{
		"standard":         {tickets},
		"inferred":         {callsCSV},
		"standard+another": {tickets, callsCSV},
	}
	// The fresh exports of issue 9, each alone and all in one folder.
	mixed := filepath.Join(dir, "mixed")
	if err := os.Mkdir(mixed, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range freshFixtures {
		p, err := filepath.Abs(filepath.Join("..", "..", "internal", "infer", "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = []string{p}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mixed, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out["mixed folder"] = []string{mixed}
	return out
}

// freshFixtures are the exports nobody here shaped (issue 9): a support
// ticket export, a bank's customer file, sales order lines, an NPS survey,
// city service requests and online-retail invoice lines.
var freshFixtures = []string{"support_tickets.csv", "bank_churn.csv", "sales_orders.csv", "nps_survey.csv", "service_requests.csv", "online_retail.csv"}

// defSig is what a KPI reads: its id, table, column mapping (built-ins) or
// SQL (custom KPIs), time axis and whether it is shown.
func defSig(d *kpi.Def) string {
	var roles []string
	for r, c := range d.Roles {
		roles = append(roles, r+"→"+c)
	}
	sort.Strings(roles)
	var inputs []string
	for n, e := range d.Inputs {
		inputs = append(inputs, n+"="+e)
	}
	sort.Strings(inputs)
	return fmt.Sprintf("%s source=%s roles=[%s] time=%s hidden=%v type=%s num=%s den=%s where=%s expr=%s inputs=[%s]",
		d.ID, d.Source, strings.Join(roles, " "), d.Time, d.Hidden, d.Type, d.Numerator, d.Denominator, d.Where, d.Expr, strings.Join(inputs, " "))
}

func sigs(defs []*kpi.Def) (all []string, shown []string) {
	for _, d := range defs {
		all = append(all, defSig(d))
		if !d.Hidden {
			shown = append(shown, d.ID)
		}
	}
	return all, shown
}

func dimNames(e *kpi.Engine) []string {
	var out []string
	for _, d := range e.Dimensions() {
		out = append(out, d.Name)
	}
	return out
}

var checkLineRE = regexp.MustCompile(`(?m)^(?:ok|warn|error)\s+(\S+) \(`)

// The explorer, report, check and init read the same files the same way:
// the same KPI ids, in the same order, with the same column mappings (and
// the config init writes gives the explorer's KPIs and dimensions back).
// They used to load files three ways: on the standard model, check and init
// added the KPIs the inference found besides the built-ins that report used.
func TestEveryCommandChoosesTheSameKPIs(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	for name, files := range loaderFixtures(t) {
		t.Run(name, func(t *testing.T) {
			// The explorer's workspace (serve opens the same).
			ws, err := workspace.Open(ctx, workspace.Options{Sources: files, NoConfig: true})
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			want, shown := sigs(ws.Engine.Defs())
			var ids []string
			for _, d := range ws.Engine.Defs() {
				ids = append(ids, d.ID)
			}
			if len(shown) == 0 {
				t.Fatal("no KPI on the fixture")
			}

			// report
			code, out, errs := kpiscopeCLI(t, append([]string{"report", "--format", "json", "--period", "all", "--checks", "off"}, files...)...)
			if code != 0 {
				t.Fatalf("report: exit %d: %s", code, errs)
			}
			var rep struct {
				Rows []struct {
					KPI string `json:"kpi"`
				} `json:"rows"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			var reported []string
			for _, r := range rep.Rows {
				if len(reported) == 0 || reported[len(reported)-1] != r.KPI {
					reported = append(reported, r.KPI)
				}
			}
			if !slices.Equal(reported, shown) {
				t.Errorf("report's KPIs differ from the explorer's:\nreport:   %v\nexplorer: %v", reported, shown)
			}
			// report through a --db file, twice (the second reuses its tables)
			db := filepath.Join(t.TempDir(), "k.db")
			for i := 0; i < 2; i++ {
				dws, err := workspace.Open(ctx, workspace.Options{Sources: files, NoConfig: true, DBPath: db})
				if err != nil {
					t.Fatal(err)
				}
				if got, _ := sigs(dws.Engine.Defs()); !slices.Equal(got, want) {
					t.Errorf("--db run %d reads other KPIs:\n  %s\nexplorer:\n  %s", i+1, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
				}
				dws.Close()
			}

			// check
			code, out, errs = kpiscopeCLI(t, append([]string{"check"}, files...)...)
			if code != 0 && code != 2 {
				t.Fatalf("check: exit %d: %s", code, errs)
			}
			var checked []string
			for _, m := range checkLineRE.FindAllStringSubmatch(out, -1) {
				checked = append(checked, m[1])
			}
			if !slices.Equal(checked, ids) {
				t.Errorf("check's KPIs differ from the explorer's:\ncheck:    %v\nexplorer: %v\n%s", checked, ids, out)
			}

			// init, and the config it writes
			cfgPath := filepath.Join(t.TempDir(), "kpiscope.yaml")
			code, text, errs := kpiscopeCLI(t, append([]string{"init", "--print", "--out", cfgPath}, files...)...)
			if code != 0 {
				t.Fatalf("init: exit %d: %s", code, errs)
			}
			if err := os.WriteFile(cfgPath, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(cfgPath)
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			defs, err := cfg.Defs(nil)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := sigs(defs); !slices.Equal(got, want) {
				t.Errorf("init writes other KPIs than the explorer computes:\ninit:\n  %s\nexplorer:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			saved, err := workspace.Open(ctx, workspace.Options{ConfigPath: cfgPath})
			if err != nil {
				t.Fatal(err)
			}
			defer saved.Close()
			// Plus, after them, the business-time KPIs of the business hours
			// init proposes for tickets with priorities (init_business_test.go).
			if got, _ := sigs(withoutBusiness(saved.Engine.Defs())); !slices.Equal(got, want) {
				t.Errorf("the saved config computes other KPIs:\n  %s\nexplorer:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			if got, want := dimNames(saved.Engine), dimNames(ws.Engine); !slices.Equal(got, want) {
				t.Errorf("the saved config offers dimensions %v, the files %v", got, want)
			}
		})
	}
}
