package tui

import (
	"encoding/base64"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"kpiscope/internal/kpi"
)

// TestShellQuote: a word no shell changes stays bare; anything else is
// single-quoted, a ' inside closed, escaped and reopened; /bin/sh reads
// every one back as it was.
func TestShellQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"csat", "csat"},
		{"--grain", "--grain"},
		{"/data/tickets_2026.csv", "/data/tickets_2026.csv"},
		{"channel=chat,email", "channel=chat,email"},
		{"", "''"},
		{"region=North America", "'region=North America'"},
		{"channel!=web", "'channel!=web'"},
		{"contacts>=2", "'contacts>=2'"},
		{"O'Brien", `'O'\''Brien'`},
		{`say "hi" $HOME`, `'say "hi" $HOME'`},
		{"=ls", "'=ls'"}, // zsh would expand =ls to the path of ls
		{"*.csv", "'*.csv'"},
		{"a;rm -rf ~", "'a;rm -rf ~'"},
		{"back\\slash", `'back\slash'`},
		{"tab\there", "'tab\there'"},
		{"Zürich", "'Zürich'"},
	} {
		got := shellQuote(tc.in)
		if got != tc.want {
			t.Errorf("shellQuote(%q) = %s, want %s", tc.in, got, tc.want)
		}
		out, err := exec.Command("/bin/sh", "-c", "printf '%s' "+got).Output()
		if err != nil || string(out) != tc.in {
			t.Errorf("sh read %s as %q (%v), want %q", got, out, err, tc.in)
		}
	}
}

// TestShellLines: the command breaks between arguments with " \" so that
// every line fits (a flag beside its value, though that line is wider),
// and the shell still reads one command.
func TestShellLines(t *testing.T) {
	args := []string{"kpiscope", "report", "--kpi", "csat", "--filter", "region=North America", "--grain", "month"}
	got := shellLines(args, 30)
	want := []string{
		`kpiscope report --kpi csat \`,
		`  --filter 'region=North America' \`,
		`  --grain month`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("lines\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	out, err := exec.Command("/bin/sh", "-c", "printf '%s|' "+strings.Join(got[0:], "\n")).Output()
	if err != nil || string(out) != strings.Join(args, "|")+"|" {
		t.Fatalf("sh read %q (%v)", out, err)
	}
	if one := shellLines(args, 200); len(one) != 1 || one[0] != shellLine(args) {
		t.Fatalf("a wide box: %q", one)
	}
}

// TestCommandForEachView: the command names what each view shows, flag by
// flag, on the sample's CSAT by channel in the latest month.
func TestCommandForEachView(t *testing.T) {
	base := []string{"--grain", "month", "--compare", "previous"}
	for _, tc := range []struct {
		name string
		keys []string
		want []string
	}{
		{"scorecard", nil, append([]string{"report", "--kpi", "csat", "--by", "channel"}, base...)},
		{"no breakdown", []string{"s", "n", "o", "n", "e", "enter"}, append([]string{"report", "--kpi", "csat"}, base...)},
		{"another KPI", []string{"j"}, append([]string{"report", "--kpi", "nps", "--by", "channel"}, base...)},
		{"quarter before", []string{"g", "["}, []string{"report", "--kpi", "csat", "--by", "channel", "--grain", "quarter", "--period", "2026-Q3", "--compare", "previous"}},
		{"vs last year", []string{"c"}, []string{"report", "--kpi", "csat", "--by", "channel", "--grain", "month", "--compare", "year"}},
		{"drilled", []string{"enter", "enter"}, append(append([]string{"report", "--kpi", "csat", "--by", "team"}, base...), "--filter", "channel=chat")},
		{"why", []string{"v"}, append([]string{"report", "--kpi", "csat", "--by", "channel", "--explain"}, base...)},
		{"movers", []string{"m"}, append([]string{"report", "--kpi", "csat", "--explain"}, base...)},
		{"grid", []string{"#"}, append([]string{"report", "--kpi", "csat", "--by", "channel", "--grid", "--periods", "12"}, base...)},
		{"cohorts", []string{"C"}, []string{"report", "--cohorts", "--cohort-kind", "retention", "--cohort-grain", "month", "--cohort-count", "12"}},
		{"distribution", []string{"d"}, append([]string{"report", "--kpi", "csat", "--by", "channel", "--distribution"}, base...)},
		{"series", []string{"S"}, append([]string{"report", "--kpi", "csat", "--by", "channel", "--series"}, base...)},
		{"records", []string{"R"}, []string{"report", "--kpi", "csat", "--records", "--limit", "all", "--sort", "file", "--grain", "month"}},
		{"records of a row", []string{"enter", "R"}, []string{"report", "--kpi", "csat", "--records", "--limit", "all", "--sort", "file", "--grain", "month", "--filter", "channel=chat"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := press(started(t, testDeps(t), 120, 40), tc.keys...)
			if got := CommandFor(m); !slices.Equal(got, tc.want) {
				t.Fatalf("command\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// TestCommandForFiltersAndWindow: the data's invocation comes first; an
// exclusion and a range are written as report reads them; a date window
// is --since, with no grain or period.
func TestCommandForFiltersAndWindow(t *testing.T) {
	d := testDeps(t)
	d.Invocation = []string{"--config", "/srv/kpis/kpiscope.yaml"}
	m := started(t, d, 120, 40)
	m.bd.filters = []kpi.Filter{{Dim: "channel", Op: kpi.OpNotIn, Values: []string{"web", "email"}}, {Dim: "contacts", Op: kpi.OpGE, Values: []string{"2"}}}
	m.tf.slice.Window = kpi.Window{N: 30, Unit: kpi.Day}
	want := []string{"report", "--config", "/srv/kpis/kpiscope.yaml", "--kpi", "csat", "--by", "channel", "--since", "30d", "--compare", "previous",
		"--filter", "channel!=web,email", "--filter", "contacts>=2"}
	if got := CommandFor(m); !slices.Equal(got, want) {
		t.Fatalf("command\n%q\nwant\n%q", got, want)
	}
	c, _ := m.command()
	if c.latest != "" || len(c.lost) != 0 {
		t.Fatalf("a window has no latest period to pin (%q); nothing lost (%v)", c.latest, c.lost)
	}
}

// TestCopyCommand: $ sends the one-line command to the clipboard (locally
// and over SSH alike), says so in the footer and shows it whole in a box
// that any key closes; a value report cannot read back is flagged.
func TestCopyCommand(t *testing.T) {
	for _, remote := range []bool{false, true} {
		d := testDeps(t)
		d.Remote = remote
		m, side := press(started(t, d, 120, 40), "$")
		want := "kpiscope report --kpi csat --by channel --grain month --compare previous"
		if len(side) != 1 || side[0].kind != "setClipboardMsg" || side[0].text != want {
			t.Fatalf("remote %v: side effects %+v, want the command on the clipboard", remote, side)
		}
		scr := screen(m)
		mustContain(t, scr, "Command for this view", want, "latest period (Oct 2026 now); add --period 2026-10", "--fail-on red", "sent the command to your terminal's clipboard")
		m, _ = press(m, "x")
		if strings.Contains(screen(m), "Command for this view") {
			t.Fatal("a key did not close the box")
		}
	}
	m := started(t, testDeps(t), 120, 40)
	f := kpi.Filter{Dim: "channel", Values: []string{"chat, live"}}
	m.bd.filters = []kpi.Filter{f}
	m, _ = press(m, "$")
	warning := "! report --filter would not read channel = chat, live back as it is"
	if back, _ := kpi.ParseFilter(f.Arg()); len(back.Values) != 1 {
		mustContain(t, screen(m), warning)
	} else if strings.Contains(screen(m), warning) {
		t.Fatalf("report reads %s back, yet the box warns", f.Arg())
	}
}

// TestCommandGolden: the box at 120×40 and 80×24 after drilling into North
// America (a value with a space) on the sample. Regenerate with
// go test ./tui -run TestCommandGolden -update.
func TestCommandGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
	}{
		{"command_120x40", 120, 40},
		{"command_80x24", 80, 24},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := byRegion(t, tc.w, tc.h)
			m, _ = press(m, "enter")
			for i := 0; m.bd.filters == nil || m.bd.filters[0].Values[0] != "North America"; i++ {
				if i > 0 {
					m, _ = press(m, "backspace", "j")
				}
				m, _ = press(m, "enter")
				if i > 4 {
					t.Fatalf("no drill into North America: %v", m.bd.filters)
				}
			}
			m, _ = press(m, "$")
			golden.RequireEqual(t, []byte(screen(m)))
		})
	}
}

// TestCommandFlow drives the real program: segment, $, the box and the
// OSC 52 sequence that carries the command to the terminal's clipboard.
func TestCommandFlow(t *testing.T) {
	tm := teatest.NewTestModel(t, New(testDeps(t)), teatest.WithInitialTermSize(120, 40))
	waitFor := waiter(t, tm)
	key := func(k string) { tm.Send(keyMsg(k)) }
	waitFor("KPIs · 25", "By channel")
	key("s")
	waitFor("Segment by")
	tm.Type("plan")
	key("enter")
	waitFor("breakdown by plan")
	key("$")
	line := "kpiscope report --kpi csat --by plan --grain month --compare previous"
	waitFor("Command for this view", line, "\x1b]52;c;"+base64.StdEncoding.EncodeToString([]byte(line)))
	key("q") // closes the box
	key("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))
}

// TestCopyCommandSketchNote: where the view's median comes from the
// rollups' sketch (~), the box says the command computes it exactly;
// without rollups it says nothing of it.
func TestCopyCommandSketchNote(t *testing.T) {
	note := "The ~ values here come from the rollups' sketches"
	m, _ := press(started(t, testDeps(t), 120, 40), "7", "$")
	if CommandFor(m)[2] != "resolution_median" || strings.Contains(screen(m), note) {
		t.Fatalf("exact median: %q\n%s", CommandFor(m), screen(m))
	}
	d := testDeps(t)
	d.Engine = builtSample(t).Engine
	m, _ = press(started(t, d, 120, 40), "7", "$")
	mustContain(t, screen(m), "~", note)
}

// TestCommandForManySegments: a breakdown of more segments than report
// keeps by default (50) asks for every one, as the explorer's table has.
func TestCommandForManySegments(t *testing.T) {
	m := started(t, manyAirlines(t), 120, 40)
	want := []string{"report", "--kpi", "csat", "--by", "channel", "--limit", "all", "--grain", "month", "--compare", "previous"}
	if got := CommandFor(m); !slices.Equal(got, want) {
		t.Fatalf("command\n%q\nwant\n%q", got, want)
	}
}

// TestCopyCommandSeriesPage: the chart's second page of segments is not
// what report --series draws; the box says so.
func TestCopyCommandSeriesPage(t *testing.T) {
	m, _ := press(started(t, manyAirlines(t), 120, 40), "S", "$")
	caveat := "! report --series draws the 6 largest segments, not the page of them on screen"
	if strings.Contains(screen(m), caveat) {
		t.Fatalf("the first page is report's:\n%s", screen(m))
	}
	m, _ = press(m, "x", "n", "$")
	mustContain(t, screen(m), "--series", caveat)
}

// TestCommandRemoteHidesPaths: over SSH the copied command names the
// server's data by file name only (the config, a named source, a glob, a
// plain file) and the box says to run it where the data is; locally the
// paths stay whole.
func TestCommandRemoteHidesPaths(t *testing.T) {
	inv := []string{"--config", "/srv/kpis/kpiscope.yaml", "tickets=/srv/data/exports/t_*.parquet", "/srv/data/orders.csv"}
	for _, remote := range []bool{false, true} {
		d := testDeps(t)
		d.Remote, d.Invocation = remote, inv
		m := started(t, d, 120, 40)
		want := append([]string{"report"}, inv...)
		if remote {
			want = []string{"report", "--config", "kpiscope.yaml", "tickets=t_*.parquet", "orders.csv"}
		}
		want = append(want, "--kpi", "csat", "--by", "channel", "--grain", "month", "--compare", "previous")
		if got := CommandFor(m); !slices.Equal(got, want) {
			t.Fatalf("remote %v: command\n%q\nwant\n%q", remote, got, want)
		}
		m, side := press(m, "$")
		scr := screen(m)
		note := "Run it where the data is, on the server"
		if remote {
			if len(side) != 1 || strings.Contains(side[0].text, "/srv") || strings.Contains(scr, "/srv") {
				t.Fatalf("a server path reached the remote user: %+v\n%s", side, scr)
			}
			mustContain(t, scr, note, "kpiscope report --config kpiscope.yaml 'tickets=t_*.parquet' orders.csv")
		} else if strings.Contains(scr, note) || !strings.Contains(side[0].text, "/srv/kpis/kpiscope.yaml") {
			t.Fatalf("locally: %+v\n%s", side, scr)
		}
	}
	if got := baseNames([]string{"--db=/srv/k.duckdb", "--db", "/srv/k.duckdb", "/srv/a=b/t.csv"}); !slices.Equal(got, []string{"--db=k.duckdb", "--db", "k.duckdb", "t.csv"}) {
		t.Fatalf("baseNames: %q", got)
	}
}

// TestWindowAfterSteppingBack: a window set on a period stepped back to
// (Aug 2026, two months before the sample's latest) is the window named:
// qtd is Q4 2026 to date, the quarter holding the data's last day, not Q3
// (the quarter holding August), and $ copies it as --since qtd.
func TestWindowAfterSteppingBack(t *testing.T) {
	m, _ := press(started(t, testDeps(t), 120, 40), "[", "[")
	if got := m.tf.slice.Period; got.Format("2006-01") != "2026-08" {
		t.Fatalf("stepped back to %v, want Aug 2026", got)
	}
	m, _ = press(m, "F")
	m = typeText(m, "since qtd")
	m, _ = press(m, "enter", "esc")
	s := m.q.eng.Resolve(m.asked())
	if s.Grain != kpi.Quarter || s.Period.Format("2006-01-02") != "2026-10-01" {
		t.Fatalf("the screen's slice: %s %v, want the quarter from 1 Oct 2026", s.Grain, s.Period)
	}
	want := []string{"report", "--kpi", "csat", "--by", "channel", "--since", "qtd", "--compare", "previous"}
	if got := CommandFor(m); !slices.Equal(got, want) {
		t.Fatalf("command\n%q\nwant\n%q", got, want)
	}
}
