package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"kpiscope/internal/kpi"
)

// TestGolden compares whole screens, colour stripped, with the files in
// testdata/TestGolden. Review changes like code; regenerate with
// `go test ./tui/... -update`.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		w, h  int
		keys  []string
		plain bool // NO_COLOR: the Ascii profile
	}{
		{"start_120x40", 120, 40, nil, false},
		{"start_80x24", 80, 24, nil, false},
		{"start_60x20", 60, 20, nil, false},
		{"breakdown_120x40", 120, 40, []string{"enter", "j"}, false},
		{"breakdown_80x24", 80, 24, []string{"enter", "j"}, false},
		{"breakdown_60x20", 60, 20, []string{"enter", "j"}, false},
		{"drilled_120x40", 120, 40, []string{"enter", "enter", "o", "o", "o", "o"}, false},
		{"drilled_80x24", 80, 24, []string{"enter", "enter"}, false},
		{"drilled_60x20", 60, 20, []string{"enter", "enter"}, false},
		{"quarter_vs_target_120x40", 120, 40, []string{"g", "c", "c", "j"}, false},
		{"help_120x40", 120, 40, []string{"?"}, false},
		{"help_80x24", 80, 24, []string{"?"}, false},
		{"help_60x20", 60, 20, []string{"?"}, false},
		{"help_60x20_end", 60, 20, []string{"?", "end"}, false},
		{"palette_120x40", 120, 40, []string{":", "s", "e", "g"}, false},
		{"ascii_breakdown_80x24", 80, 24, []string{"enter", "j"}, true},
		{"ascii_help_80x24", 80, 24, []string{"?"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := testDeps(t)
			d.Warnings = map[string][]string{"nps": {"12 surveys answered before they were sent"}}
			m := started(t, d, tc.w, tc.h)
			if tc.plain {
				m = plain(m)
			}
			m, _ = press(m, tc.keys...)
			golden.RequireEqual(t, []byte(screen(m)))
		})
	}
}

// TestScreensFitEverySize: at any size from the minimum up, every line is
// exactly as wide as the terminal and there are exactly as many lines, in
// every state (nothing overflows or wraps).
func TestScreensFitEverySize(t *testing.T) {
	d := testDeps(t)
	d.Banner = "KPIs inferred from column names; run kpiscope init to write a kpiscope.yaml you can edit"
	d.Warnings = map[string][]string{"csat": {"214 ratings outside 1–5 were ignored"}}
	base := started(t, d, 120, 40)
	states := map[string][]string{
		"start":   nil,
		"drilled": {"enter", "enter", "enter"},
		"help":    {"?"},
		"palette": {":"},
		"segment": {"s"},
		"week":    {"g", "g", "g", "g", "c", "["},
		"nps":     {"2"},
	}
	for name, keys := range states {
		m, _ := press(base, keys...)
		for _, size := range [][2]int{{20, 5}, {40, 10}, {60, 14}, {60, 20}, {72, 20}, {80, 24}, {100, 30}, {120, 40}, {160, 50}, {220, 60}} {
			next, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			lines := strings.Split(screen(next.(Model)), "\n")
			if len(lines) != size[1] {
				t.Errorf("%s at %dx%d: %d lines", name, size[0], size[1], len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("%s at %dx%d: line %d is %d wide: %q", name, size[0], size[1], i, w, l)
				}
			}
		}
	}
}

// TestBannerCommandReadable: the inferred-KPIs banner's command is there to
// be copied: where one line is too short it wraps to a second line with the
// command whole on it (80 and 100 columns); where two lines are not enough
// (60) one line says which key shows it whole, and that box does.
func TestBannerCommandReadable(t *testing.T) {
	d := testDeps(t)
	d.Banner = "KPIs inferred from column names, no kpiscope.yaml: save and edit them with `kpiscope init /work/shared/datasets/call_center.csv`"
	base := started(t, d, 120, 40)
	for _, c := range []struct {
		w    int
		want []string // the lines under the header
	}{
		{80, []string{
			" ! KPIs inferred from column names, no kpiscope.yaml: save and edit them with",
			"   `kpiscope init /work/shared/datasets/call_center.csv`",
		}},
		{100, []string{
			" ! KPIs inferred from column names, no kpiscope.yaml: save and edit them with",
			"   `kpiscope init /work/shared/datasets/call_center.csv`",
		}},
		{60, []string{" ! KPIs inferred from column names, no k… · w shows it whole"}},
	} {
		next, _ := base.Update(tea.WindowSizeMsg{Width: c.w, Height: 24})
		m := next.(Model)
		lines := strings.Split(screen(m), "\n")
		for i, want := range c.want {
			if got := strings.TrimRight(lines[1+i], " "); got != want {
				t.Errorf("%d columns, line %d:\n got %q\nwant %q", c.w, 1+i, got, want)
			}
		}
		if next := lines[1+len(c.want)]; !strings.HasPrefix(next, "╭─ KPIs") {
			t.Errorf("%d columns: the panes start with %q", c.w, next)
		}
		if c.w == 60 {
			w, _ := press(m, "w")
			mustContain(t, strings.Join(strings.Fields(screen(w)), " "), "`kpiscope init /work/shared/datasets/call_center.csv`")
		}
	}
}

// TestHeaderNamesDataAtEveryDepth: drilled in, the header still names the
// data (at least max(12, w/5) cells of it; before, a drill's filters pushed
// it out: " kpiscope   Oct 2026 …"), and the detail pane's title names the
// whole filter path, which a narrow header cuts (the latest filters where
// not all fit).
func TestHeaderNamesDataAtEveryDepth(t *testing.T) {
	base := started(t, testDeps(t), 120, 40)
	one, _ := press(base, "enter", "enter")                // channel = chat
	two, _ := press(one, "enter")                          // and the next dimension's first row
	path := strings.Join(filterNames(two.bd.shown), " › ") // "channel = chat › …"
	if len(two.bd.shown) != 2 {
		t.Fatalf("filters %v, want two", two.bd.shown)
	}
	for _, c := range []struct {
		m      Model
		w, h   int
		header string // the header's start
		title  string
	}{
		{one, 60, 20, " kpiscope sample: sup…  Oct 2026 (month) · vs Sep 2026 · c… ", "CSAT · channel = chat"},
		{one, 80, 24, " kpiscope sample: support & c…  Oct 2026 (month) · vs Sep 2026 · channel = chat ", "CSAT · channel = chat"},
		{two, 60, 20, " kpiscope sample: sup…", "CSAT · … › team = Technic…"}, // the latest filter first
		{two, 80, 24, " kpiscope sample: support…", "CSAT · channel = chat ›"},
		{two, 120, 40, " kpiscope sample: support & cust", "CSAT · " + path},
	} {
		next, _ := c.m.Update(tea.WindowSizeMsg{Width: c.w, Height: c.h})
		lines := strings.Split(screen(next.(Model)), "\n")
		if !strings.HasPrefix(lines[0], c.header) {
			t.Errorf("%d filters at %dx%d: header %q, want it to start %q", len(c.m.bd.shown), c.w, c.h, lines[0], c.header)
		}
		if !strings.Contains(lines[1], c.title) {
			t.Errorf("%d filters at %dx%d: pane titles %q lack %q", len(c.m.bd.shown), c.w, c.h, lines[1], c.title)
		}
	}
}

// TestDetailTitleKeepsFilterPath: where the KPI's full name and the filter
// path do not both fit the detail pane's title, the short name gives way to
// the path (before, "Avg purchase value · Ship Mode = First C…").
func TestDetailTitleKeepsFilterPath(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "9", "enter", "enter", "enter") // First response time, two drills
	if got := strings.Join(filterNames(m.bd.shown), " › "); got != "channel = chat › team = Technical" {
		t.Fatalf("filters %q", got)
	}
	// 57-cell pane: "First response time · channel = chat › team = Technical"
	// is 57 cells, more than the 52 its title has.
	title := strings.Split(screen(m), "\n")[1]
	mustContain(t, title, "╮╭─ 1st response · channel = chat › team = Technical ─")
}

func filterNames(fs []kpi.Filter) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.String())
	}
	return out
}

// TestSortSkipsHiddenColumns: o sorts by the next column on screen; at 80
// columns the breakdown has no Share column, so after n comes status (it
// said "sorted by share ▾" and ordered rows by a column nobody could see).
func TestSortSkipsHiddenColumns(t *testing.T) {
	for _, c := range []struct {
		w, h int
		want string
	}{
		{80, 24, "sorted by status ▴"},
		{120, 40, "sorted by share ▾"},
	} {
		m := started(t, testDeps(t), c.w, c.h)
		if strings.Contains(screen(m), "Share") != (c.w == 120) {
			t.Fatalf("%dx%d: the Share column is not as the test assumes:\n%s", c.w, c.h, screen(m))
		}
		m, _ = press(m, "o")
		if m.status.text != c.want {
			t.Errorf("%dx%d: o says %q, want %q", c.w, c.h, m.status.text, c.want)
		}
	}
}
