package tui

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
)

// emailWeekly is a saved view on the sample: FCR by team for email tickets,
// week by week, against the same week last year.
var emailWeekly = View{
	Name: "email-weekly", KPI: "fcr", By: "team",
	Filters: []kpi.Filter{{Dim: "channel", Values: []string{"email"}}},
	Grain:   kpi.Week, Compare: kpi.VsYear,
}

// A saved view given as Deps.Start is the first screen: its KPI selected,
// its breakdown, its filter, its grain and comparison, in the numbers the
// engine gives for that slice.
func TestViewStart(t *testing.T) {
	d := testDeps(t)
	v := emailWeekly
	d.Start = &v
	m := started(t, d, 120, 40)
	if got := m.selected().ID; got != "fcr" {
		t.Errorf("selected %s, want fcr", got)
	}
	sc := m.q.detail.sc
	want := kpi.Slice{Grain: kpi.Week, Compare: kpi.VsYear, Segment: "team", Filters: emailWeekly.Filters}
	if sc == nil || sc.Slice.Grain != want.Grain || sc.Slice.Compare != want.Compare || sc.Slice.Segment != "team" || !reflect.DeepEqual(sc.Slice.Filters, want.Filters) {
		t.Fatalf("breakdown asked for %+v, want %+v", sc.Slice, want)
	}
	// The first-contact-resolution value of email tickets in the latest week,
	// as the engine computes it on its own.
	res, err := d.Engine.Compute(context.Background(), kpi.Slice{Grain: kpi.Week, Compare: kpi.VsYear, Filters: emailWeekly.Filters}, []string{"fcr"})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Find("fcr")
	s := screen(m)
	mustContain(t, s, "First contact resolution", "By team", "channel = email", "(week", "view email-weekly", r.Def.FormatValue(r.Total.Value))
	// Without the view the first screen is CSAT by channel, monthly.
	plainStart := screen(started(t, testDeps(t), 120, 40))
	if strings.Contains(plainStart, "channel = email") || !strings.Contains(plainStart, "By channel") {
		t.Errorf("the default first screen changed:\n%s", plainStart)
	}
}

// TestViewGolden: a saved view's first screen, and the box V shows, at
// 120×40 and 80×24 without colour. Regenerate with
// go test ./tui -run TestViewGolden -update.
func TestViewGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
		keys []string
	}{
		{"view_start_120x40", 120, 40, nil},
		{"view_start_80x24", 80, 24, nil},
		{"save_view_120x40", 120, 40, []string{"V"}},
		{"save_view_80x24", 80, 24, []string{"V"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := testDeps(t)
			v := emailWeekly
			d.Start = &v
			if strings.HasPrefix(tc.name, "save") {
				d.Start = nil // the view is a new one: drill to it with keys
			}
			m := plain(started(t, d, tc.w, tc.h))
			if strings.HasPrefix(tc.name, "save") {
				m = m.withView(View{Name: "x", KPI: "csat", By: "region", Filters: []kpi.Filter{{Dim: "plan", Values: []string{"Basic", "Pro"}}, {Dim: "channel", Op: kpi.OpNotIn, Values: []string{"web"}}}, Grain: kpi.Quarter, Compare: kpi.VsTarget})
				m = settle(m.refresh())
			}
			m, _ = press(m, tc.keys...)
			golden.RequireEqual(t, []byte(screen(m)))
		})
	}
}

// V prints YAML that the config's own parser reads back as the view on
// screen, sends it to the clipboard and writes no file.
func TestSaveViewRoundTrip(t *testing.T) {
	for _, v := range []View{
		emailWeekly,
		{Name: "q", KPI: "nps", By: "region", Filters: []kpi.Filter{{Dim: "plan", Values: []string{"Basic", "Pro"}}, {Dim: "channel", Op: kpi.OpNotIn, Values: []string{"web"}}}, Grain: kpi.Quarter, Period: "2026-Q2", Compare: kpi.VsTarget},
		{Name: "y", KPI: "fcr", By: "priority", Grain: kpi.Year, Period: "2025", Compare: kpi.VsPrevious},
		{Name: "all", KPI: "csat", By: "segment", Grain: kpi.All, Compare: kpi.VsTarget},
		{Name: "w", KPI: "csat", By: "channel", Window: kpi.Window{N: 12, Unit: kpi.Week}, Compare: kpi.VsPrevious},
	} {
		t.Run(v.Name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			m := settle(started(t, testDeps(t), 120, 40).withView(v).refresh())
			m, side := press(m, "V")
			var clip string
			for _, s := range side {
				if strings.Contains(s.kind, "Clipboard") {
					clip = s.text
				}
			}
			if clip == "" {
				t.Fatalf("nothing sent to the clipboard: %+v", side)
			}
			mustContain(t, screen(m), "Save this view", "kpiscope --view "+v.KPI, "no file written")
			for _, l := range strings.Split(strings.TrimSpace(clip), "\n") {
				mustContain(t, screen(m), l)
			}
			cfg, err := config.Parse(filepath.Join(dir, "kpiscope.yaml"), []byte("kpis: [{use: csat}, {use: nps}, {use: fcr}]\n"+clip))
			if err != nil {
				t.Fatalf("the YAML does not parse: %v\n%s", err, clip)
			}
			if len(cfg.Views) != 1 {
				t.Fatalf("%d views in\n%s", len(cfg.Views), clip)
			}
			c := cfg.Views[0]
			got := View{Name: v.Name, KPI: c.KPI, By: c.By, Filters: c.Filters, Grain: c.Grain, Period: c.Period, Window: c.Window, Compare: c.Compare}
			if !reflect.DeepEqual(got, v) {
				t.Errorf("read back\n %+v\nwant %+v\nfrom\n%s", got, v, clip)
			}
			if files, _ := os.ReadDir(dir); len(files) != 0 {
				t.Errorf("V wrote %d files", len(files))
			}
		})
	}
}

// The palette lists each saved view ("View: NAME — description") and
// picking one opens it as --view does.
func TestViewPaletteFlow(t *testing.T) {
	d := testDeps(t)
	d.Views = []View{
		{Name: "emea-nps", Description: "NPS in EMEA by plan", KPI: "nps", By: "plan", Filters: []kpi.Filter{{Dim: "region", Values: []string{"EMEA"}}}, Grain: kpi.Quarter},
		emailWeekly,
	}
	tm := teatest.NewTestModel(t, New(d), teatest.WithInitialTermSize(120, 40))
	waitFor := waiter(t, tm)
	waitFor("KPIs · 25", "Oct 2026 (month)", "By channel")
	tm.Send(keyMsg(":"))
	tm.Type("view")
	waitFor("View: emea-nps — NPS in EMEA by plan", "View: email-weekly — FCR by team · channel = email")
	tm.Type(" emea")
	tm.Send(keyMsg("enter"))
	waitFor("view emea-nps", "region = EMEA", "By plan", "(quarter")
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))
	m := tm.FinalModel(t).(Model)
	if got := m.selected().ID; got != "nps" {
		t.Errorf("selected %s, want nps", got)
	}
	if m.bd.dim != "plan" || m.tf.slice.Grain != kpi.Quarter || len(m.bd.filters) != 1 || m.bd.filters[0].Dim != "region" {
		t.Errorf("not on the view: by %s, grain %s, filters %v", m.bd.dim, m.tf.slice.Grain, m.bd.filters)
	}
}

// V on a saved view, unchanged, names it and shows its YAML rather than
// proposing a copy under another name.
func TestSaveViewOfASavedView(t *testing.T) {
	d := testDeps(t)
	v := emailWeekly
	d.Views, d.Start = []View{emailWeekly}, &v
	m, _ := press(started(t, d, 120, 40), "V")
	mustContain(t, screen(m), "Saved view email-weekly", "kpiscope --view email-weekly", "  email-weekly:", "filters: [\"channel=email\"]")
	m, _ = press(m, "esc", "j", "V") // another KPI: a new view
	mustContain(t, screen(m), "Save this view", "kpiscope --view ")
}

// After a reload the palette lists the views of the new config; the view
// on screen stays.
func TestViewsReloaded(t *testing.T) {
	d := testDeps(t)
	v := emailWeekly
	d.Views, d.Start = []View{emailWeekly}, &v
	m := started(t, d, 120, 40)
	next, _ := m.Update(ViewsMsg{Views: []View{{Name: "apac-csat", KPI: "csat", Filters: []kpi.Filter{{Dim: "region", Values: []string{"APAC"}}}}}})
	m, _ = press(next.(Model), ":")
	m = typeText(m, "View:")
	s := screen(m)
	mustContain(t, s, "View: apac-csat — CSAT · region = APAC", "channel = email")
	if strings.Contains(s, "View: email-weekly") {
		t.Errorf("the palette still lists the old view:\n%s", s)
	}
}

// V writes YAML as an operator does: `>=`, `<`, `&` and quotes as they are
// (no JSON \u003e escapes), a backslash and a quote escaped, a tab and a
// no-break space in YAML's escapes; the config's parser reads each value
// back unchanged, a comma inside a value (chat\, live) included.
func TestViewYAMLPlain(t *testing.T) {
	v := View{
		Name: "w", Description: `Tickets <3 & "quoted"`, KPI: "csat",
		Filters: []kpi.Filter{
			{Dim: "contacts", Op: kpi.OpGE, Values: []string{"2"}},
			{Dim: "contacts", Op: kpi.OpLT, Values: []string{"3"}},
			{Dim: "team", Values: []string{"R&D", `say "hi"`}},
			{Dim: "channel", Values: []string{"chat, live", "web"}},
			{Dim: "plan", Op: kpi.OpNotIn, Values: []string{"a\tb", "x\u00a0y", `back\slash`}},
		},
		Window: kpi.Window{N: 13, Unit: kpi.Week}, Compare: kpi.VsYear,
	}
	want := `views:
  w:
    description: "Tickets <3 & \"quoted\""
    kpi: csat
    filters: ["contacts>=2", "contacts<3", "team=R&D,say \"hi\"", "channel=chat\\, live,web", "plan!=a\tb,x\u00A0y,back\\\\slash"]
    window: 13w
    compare: year
`
	got := v.YAML()
	if got != want {
		t.Fatalf("YAML:\n%s\nwant:\n%s", got, want)
	}
	cfg, err := config.Parse("/p/kpiscope.yaml", []byte("kpis: [{use: csat}]\n"+got))
	if err != nil {
		t.Fatalf("the YAML does not parse: %v\n%s", err, got)
	}
	c := cfg.Views[0]
	back := View{Name: c.Name, Description: c.Description, KPI: c.KPI, Filters: c.Filters, Window: c.Window, Compare: c.Compare}
	if !reflect.DeepEqual(back, v) {
		t.Errorf("read back\n %+v\nwant %+v", back, v)
	}
}

// A window a year holds no whole number of, against last year, is a view
// the config refuses (30d, compare: year): V says so and prints no YAML.
func TestSaveViewRefusesWindowAgainstYear(t *testing.T) {
	m := settle(started(t, testDeps(t), 120, 40).withView(View{Name: "x", KPI: "csat", Window: kpi.Window{N: 30, Unit: kpi.Day}, Compare: kpi.VsYear}).refresh())
	m, side := press(m, "V")
	for _, s := range side {
		if strings.Contains(s.kind, "Clipboard") {
			t.Fatalf("YAML sent to the clipboard:\n%s", s.text)
		}
	}
	if !m.status.warn || !strings.Contains(m.status.text, "V: this view cannot be saved: vs last year: a year holds no whole number of 30d windows") ||
		!strings.Contains(m.status.text, "press c for another comparison") {
		t.Errorf("status %+v", m.status)
	}
	if s := screen(m); strings.Contains(s, "Save this view") || strings.Contains(s, "views:") {
		t.Errorf("a view was shown to save:\n%s", s)
	}
}
