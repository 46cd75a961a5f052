package tui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"kpiscope/internal/workspace"
)

// testNow is the fixed clock of every test.
var testNow = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

var (
	sampleOnce sync.Once
	sampleWS   *workspace.Workspace
	sampleErr  error

	builtOnce sync.Once
	builtWS   *workspace.Workspace
	builtErr  error
)

// builtSample opens the embedded sample data once per test binary, apart
// from sample's, with every rollup and flow built (about 40 s under the race
// detector: tests that need them share this one). Every query on it comes
// after the build, so whatever its cache holds was answered from the
// rollups too; tests that mean to run a query ask past the cache
// (kpi.Uncached).
func builtSample(tb testing.TB) *workspace.Workspace {
	tb.Helper()
	builtOnce.Do(func() {
		builtWS, builtErr = workspace.Open(context.Background(), workspace.Options{Now: fixedNow, NoConfig: true})
		if builtErr == nil {
			builtErr = builtWS.Engine.BuildRollups(context.Background(), nil)
		}
	})
	if builtErr != nil {
		tb.Fatalf("open the sample and build its rollups: %v", builtErr)
	}
	return builtWS
}

// sample opens the embedded sample data once per test binary.
func sample(tb testing.TB) *workspace.Workspace {
	tb.Helper()
	sampleOnce.Do(func() {
		sampleWS, sampleErr = workspace.Open(context.Background(), workspace.Options{Now: fixedNow, NoConfig: true})
	})
	if sampleErr != nil {
		tb.Fatalf("open sample: %v", sampleErr)
	}
	return sampleWS
}

// freshSample opens the sample data anew: an engine with an empty cache, as
// a reload makes.
func freshSample(tb testing.TB) *workspace.Workspace {
	tb.Helper()
	ws, err := workspace.Open(context.Background(), workspace.Options{Now: fixedNow, NoConfig: true})
	if err != nil {
		tb.Fatalf("open sample: %v", err)
	}
	tb.Cleanup(func() { ws.Close() })
	return ws
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sampleWS != nil {
		sampleWS.Close()
	}
	if builtWS != nil {
		builtWS.Close()
	}
	os.Exit(code)
}

// testDeps are the dependencies of a test program on the sample data.
func testDeps(tb testing.TB) Deps {
	ws := sample(tb)
	return Deps{Engine: ws.Engine, Now: fixedNow, ExportDir: tb.TempDir()}
}

// sideEffect is a message a command produced that goes to the terminal, not
// back into the model (clipboard writes, quit, colour queries).
type sideEffect struct {
	kind string // type name of the message: setClipboardMsg, QuitMsg …
	text string
}

// drive runs cmd and everything it leads to synchronously, feeding the
// explorer's own messages back into the model, as the program would. Spinner
// ticks are not fed back (they would tick forever); terminal messages are
// returned as side effects.
func drive(m Model, cmd tea.Cmd) (Model, []sideEffect) {
	return driveSeen(m, cmd, nil)
}

// driveSeen is drive calling seen (when not nil) with the model after each
// message fed back, as the program would draw it.
func driveSeen(m Model, cmd tea.Cmd, seen func(Model)) (Model, []sideEffect) {
	queue := []tea.Cmd{cmd}
	var side []sideEffect
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil, spinner.TickMsg:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case startMsg, resultMsg, exportedMsg, EngineMsg, moversMsg,
			cohortsMsg, distMsg, gridMsg, seriesMsg, recordsMsg, recordsCountMsg, recordsCSVMsg, lensDrillMsg, lensOpenMsg,
			filterValuesMsg, filtersMsg, sqlMsg:
			next, c2 := m.Update(msg)
			m = next.(Model)
			queue = append(queue, c2)
			if seen != nil {
				seen(m)
			}
		default:
			side = append(side, sideEffect{kind: reflect.TypeOf(msg).Name(), text: fmt.Sprint(msg)})
		}
	}
	return m, side
}

// settle is drive without the side effects: the model once every message
// cmd leads to (the lenses' answers too) is fed back.
func settle(m Model, cmd tea.Cmd) Model {
	m, _ = drive(m, cmd)
	return m
}

// started is a settled explorer of the given size on the sample data.
func started(tb testing.TB, d Deps, w, h int) Model {
	tb.Helper()
	m := New(d)
	next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m = next.(Model)
	m, _ = drive(m, func() tea.Msg { return startMsg{} })
	if m.q.score.sc == nil {
		tb.Fatalf("no scorecard after start: %v", m.q.score.err)
	}
	return m
}

// press sends keys (as tea.KeyPressMsg) and settles after each.
func press(m Model, keys ...string) (Model, []sideEffect) {
	var side []sideEffect
	for _, k := range keys {
		next, cmd := m.Update(keyMsg(k))
		var s []sideEffect
		m, s = drive(next.(Model), cmd)
		side = append(side, s...)
	}
	return m, side
}

// keyMsg builds the key press a terminal would send for a key name.
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+p":
		return tea.KeyPressMsg{Code: 'p', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// typeText sends each rune as a key press.
func typeText(m Model, s string) Model {
	for _, r := range s {
		m, _ = press(m, string(r))
	}
	return m
}

// screen is the view as plain text.
func screen(m Model) string { return ansi.Strip(m.View().Content) }

func mustContain(tb testing.TB, s string, want ...string) {
	tb.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			tb.Fatalf("screen lacks %q:\n%s", w, s)
		}
	}
}

// waiter is a teatest flow's wait between keys: the function it returns
// waits (up to 15 s) until the program's output holds every text given.
func waiter(t *testing.T, tm *teatest.TestModel) func(what ...string) {
	out := tm.Output()
	return func(what ...string) {
		t.Helper()
		teatest.WaitFor(t, out, func(b []byte) bool {
			for _, w := range what {
				if !bytes.Contains(b, []byte(w)) {
					return false
				}
			}
			return true
		}, teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
}
