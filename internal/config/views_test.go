package config_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

const viewsKPIs = `kpis:
  - use: csat
  - use: nps
  - use: resolution_time
`

// Views are read in the order written, each field in kpiscope's own forms:
// filters as report --filter reads them, a period as --period, a window as
// --since, a comparison as --compare.
func TestViews(t *testing.T) {
	cfg := parse(t, viewsKPIs+`views:
  email-weekly:
    description: Email CSAT, week by week
    kpi: csat
    by: team
    filters: [channel=email, "plan=Basic,Pro", contacts>=2]
    window: last 13 weeks
    compare: year
  q3:
    kpi: nps
    period: 2026-Q3
    filters:
      - channel!=web
  all-time: {kpi: resolution_time, period: all}
  bare: {by: region}
`)
	want := []config.View{
		{Name: "email-weekly", Description: "Email CSAT, week by week", KPI: "csat", By: "team",
			Filters: []kpi.Filter{
				{Dim: "channel", Values: []string{"email"}},
				{Dim: "plan", Values: []string{"Basic", "Pro"}},
				{Dim: "contacts", Op: kpi.OpGE, Values: []string{"2"}},
			},
			Window: kpi.Window{N: 13, Unit: kpi.Week}, Compare: kpi.VsYear, Line: 6},
		{Name: "q3", KPI: "nps", Grain: kpi.Quarter, Period: "2026-Q3",
			Filters: []kpi.Filter{{Dim: "channel", Op: kpi.OpNotIn, Values: []string{"web"}}}, Line: 13},
		{Name: "all-time", KPI: "resolution_time", Grain: kpi.All, Period: "all", Line: 18},
		{Name: "bare", By: "region", Line: 19},
	}
	if len(cfg.Views) != len(want) {
		t.Fatalf("got %d views, want %d: %+v", len(cfg.Views), len(want), cfg.Views)
	}
	for i, w := range want {
		got := cfg.Views[i]
		g := config.View{Name: got.Name, Description: got.Description, KPI: got.KPI, By: got.By, Filters: got.Filters,
			Grain: got.Grain, Period: got.Period, Window: got.Window, Compare: got.Compare, Line: got.Line}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("view %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	if v := cfg.FindView("q3"); v == nil || v.KPI != "nps" {
		t.Errorf("FindView(q3) = %+v", v)
	}
	if v := cfg.FindView("Q3"); v != nil {
		t.Errorf("FindView(Q3) = %+v, want nil (names are case-sensitive)", v)
	}
	if got := strings.Join(cfg.ViewNames(), " "); got != "email-weekly q3 all-time bare" {
		t.Errorf("ViewNames = %q", got)
	}
}

// Each mistake is named with the file, the line of the field at fault and
// the fix.
func TestViewErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"duplicate name", `views:
  weekly: {kpi: csat}
  monthly: {kpi: nps}
  weekly: {kpi: nps}
`, []string{cfgPath + ":8:3:", `view "weekly" is defined twice (first at line 6)`, "a name of its own"}},
		{"period and window", `views:
  both:
    kpi: csat
    period: 2026-09
    window: 30d
`, []string{cfgPath + ":8:", "view both:", "period:", "or window:", "not both"}},
		{"bad filter", `views:
  x:
    kpi: csat
    filters:
      - channel=email
      - contacts>=many
`, []string{cfgPath + ":10:", "view x: filters:", `"contacts>=many"`, "needs a number"}},
		{"unknown KPI", `views:
  x:
    kpi: cast
`, []string{cfgPath + ":7:", `view x: kpi: unknown KPI "cast"; did you mean "csat"?`, "csat, nps, resolution_time"}},
		{"bad name", `views:
  "my view": {kpi: csat}
`, []string{cfgPath + ":6:", `view name "my view"`, "letters, digits"}},
		{"bad window", `views:
  x: {window: fortnight}
`, []string{cfgPath + ":6:", "view x:", `window "fortnight"`, "30d"}},
		{"period against grain", `views:
  x: {grain: week, period: 2026-09}
`, []string{cfgPath + ":6:", "period: 2026-09 is a month but grain: is week"}},
		{"window and grain", `views:
  x: {window: 30d, grain: week}
`, []string{cfgPath + ":6:", "view x: window: 30d sets the periods' size: leave out grain: week"}},
		{"bad compare", `views:
  x: {compare: lastyear}
`, []string{cfgPath + ":6:", "view x: compare:", "target, previous or year"}},
		{"window a year does not hold, against last year", `views:
  a:
    kpi: csat
    window: 30d
    compare: year
`, []string{cfgPath + ":9:", "view a: compare: vs last year: a year holds no whole number of 30d windows", "compare with the previous window", "28"}},
		{"unknown field", `views:
  x: {kpi: csat, dimension: team}
`, []string{cfgPath + ":6:", `unknown field "dimension"`}},
		{"same filter twice", `views:
  x: {filters: [channel=email, channel=chat]}
`, []string{cfgPath + ":6:", "channel=email and channel=chat", "channel=email,chat"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse(cfgPath, []byte(viewsKPIs+tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// A helper KPI a built-in brings along is hidden: a view cannot show it.
func TestViewOfHiddenKPI(t *testing.T) {
	_, err := config.Parse(cfgPath, []byte("kpis:\n  - use: cac\nviews:\n  x: {kpi: new_customers}\n"))
	if err == nil || !strings.Contains(err.Error(), cfgPath+":4:") || !strings.Contains(err.Error(), "new_customers is hidden") {
		t.Fatalf("err = %v", err)
	}
}

// Once the data is loaded, a view's dimension, its filters' columns and
// values and its period are checked against it, with the nearest names.
func TestViewsCheckedAgainstTheData(t *testing.T) {
	data, err := filepath.Abs("../../sampledata")
	if err != nil {
		t.Fatal(err)
	}
	head := "sources:\n"
	for _, n := range []string{"customers", "orders", "tickets", "surveys", "spend"} {
		head += "  " + n + ": {path: " + filepath.Join(data, n+".parquet") + "}\n"
	}
	head += "kpis:\n  - use: csat\n  - use: fcr\n"
	for _, tc := range []struct {
		name, views string
		want        []string
	}{
		{"good", "views:\n  ok: {kpi: csat, by: region, filters: [channel!=web, \"plan=Basic,Pro\"], period: 2026-09}\n", nil},
		{"unknown dimension", "views:\n  x: {kpi: csat, by: regoin}\n", []string{":11:", `view x: by: unknown dimension "regoin"; did you mean "region"?`}},
		{"unknown filter column", "views:\n  x:\n    filters: [chanel=email]\n", []string{":12:", `view x: filters: chanel=email: unknown dimension "chanel"; did you mean "channel"?`}},
		{"unknown value", "views:\n  x:\n    filters:\n      - channel=emial\n", []string{":13:", `channel never holds "emial"; did you mean "email"?`, "chat, email, phone, web"}},
		{"period without data", "views:\n  x: {period: 2019-01}\n", []string{":11:", "view x: period: no data in 2019-01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "kpiscope.yaml")
			if err := os.WriteFile(path, []byte(head+tc.views), 0o600); err != nil {
				t.Fatal(err)
			}
			ws, err := workspace.Open(context.Background(), workspace.Options{ConfigPath: path})
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				ws.Close()
				return
			}
			if err == nil {
				ws.Close()
				t.Fatal("no error")
			}
			for _, w := range append([]string{path}, tc.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// UnknownView names the nearest view and lists them, or says how to add one.
func TestUnknownView(t *testing.T) {
	cfg := parse(t, viewsKPIs+"views:\n  email-weekly: {kpi: csat}\n  q3: {kpi: nps}\n")
	err := cfg.UnknownView("email-weekley")
	if want := `no saved view "email-weekley"; did you mean "email-weekly"? (views: email-weekly, q3)`; err.Error() != want {
		t.Errorf("got %q\nwant %q", err, want)
	}
	// A name no view can have is told what a name is, cut when long.
	const rule = " is no saved view's name: a name is one word of up to 64 letters, digits, -, _ and ."
	for _, tc := range []struct{ name, want string }{
		{"", `an empty name names no saved view: give a view's name (views: email-weekly, q3)`},
		{"email weekly", `"email weekly"` + rule + `; did you mean "email-weekly"? (views: email-weekly, q3)`},
		{"x; rm -rf /", `"x; rm -rf /"` + rule + ` (views: email-weekly, q3)`},
		{strings.Repeat("a", 300), `"` + strings.Repeat("a", 40) + `…"` + rule + ` (views: email-weekly, q3)`},
	} {
		if err := cfg.UnknownView(tc.name); err.Error() != tc.want {
			t.Errorf("UnknownView(%.20q):\n got %q\nwant %q", tc.name, err, tc.want)
		}
	}
	err = parse(t, viewsKPIs).UnknownView("x")
	if !strings.Contains(err.Error(), "has no views: section") || !strings.Contains(err.Error(), config.ViewExample) {
		t.Errorf("got %q", err)
	}
}

// FuzzViews: FuzzParse's promise (a config, or a *config.Error starting
// with the path, never a recovered panic) for files with views:.
//
// Run it for a while with: go test -fuzz=FuzzViews -fuzztime=60s ./internal/config/
func FuzzViews(f *testing.F) {
	for _, s := range []string{
		"views:\n  a: {kpi: csat, by: team, filters: [channel=email], grain: week, compare: year}\n",
		"views:\n  a:\n    window: last 12 weeks\n    filters:\n      - contacts>=2\n      - \"plan=Basic,Pro\"\n",
		"views:\n  a: {period: 2026-Q3}\n  a: {period: 2026}\n",
		"views:\n  a:\n",
		"views:\n  \"\": {}\n",
		"views: [a, b]\n",
		"views:\n  a: {filters: [null, \"\", \"=\", \"!x\", \"x<\"]}\n",
		"views:\n  a: {filters: channel=email}\n",
		"views:\n  x: {kpi: cast, period: all, grain: all}\n",
		"views:\n  a: {kpi: csat, window: 30d, compare: year}\n",
	} {
		f.Add([]byte(viewsKPIs + s))
	}
	const path = "/fuzz/dir/kpiscope.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(path, data)
		if err == nil {
			for _, v := range cfg.Views {
				if !config.ValidViewName(v.Name) || v.Period != "" && !v.Window.IsZero() || kpi.CheckWindowCompare(v.Window, v.Compare) != nil {
					t.Fatalf("accepted view %+v", v)
				}
			}
			return
		}
		if !strings.HasPrefix(err.Error(), path) || strings.Contains(err.Error(), "cannot parse: ") {
			t.Fatalf("err = %v", err)
		}
	})
}
