package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
	"kpiscope/tui/pane"
)

// manyAirlines opens a tickets file with 60 channels in October 2026, named
// like the airlines of a real NPS export: channel i (1…60) has 61−i rated
// tickets, so the engine's order is channel 1 first; channel 7's name is
// too long for any breakdown column.
func manyAirlines(t *testing.T) Deps {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("ticket_id,channel,csat,resolved_at\n")
	id := 0
	for i := 1; i <= 60; i++ {
		for j := 0; j < 61-i; j++ {
			id++
			fmt.Fprintf(&b, "%d,%q,%d,2026-10-%02d\n", id, airline(i), 1+id%5, 1+j%31)
		}
	}
	csv := filepath.Join(dir, "tickets.csv")
	cfg := filepath.Join(dir, "kpiscope.yaml")
	yaml := "title: many airlines\nsources:\n  tickets: {path: \"" + csv + "\"}\ndimensions: [channel]\nkpis:\n  - use: csat\n"
	for p, body := range map[string]string{csv: b.String(), cfg: yaml} {
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ws, err := workspace.Open(context.Background(), workspace.Options{ConfigPath: cfg, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return Deps{Engine: ws.Engine, Label: "many airlines", Now: fixedNow, ExportDir: t.TempDir()}
}

func airline(i int) string {
	if i == 7 {
		return "Schulist, Adams, Hilpert and Cartwright-Gislason International Airways"
	}
	return fmt.Sprintf("Airline %02d", i)
}

// breakdownLines are the detail pane's lines from the table's header down.
func breakdownLines(t *testing.T, scr string) []string {
	t.Helper()
	var out []string
	in := false
	for _, l := range strings.Split(scr, "\n") {
		parts := strings.Split(l, "││")
		if len(parts) < 2 {
			continue
		}
		d := strings.TrimSuffix(parts[1], "│")
		if strings.Contains(d, "By channel") {
			in = true
		}
		if in {
			out = append(out, d)
		}
	}
	if !in {
		t.Fatalf("no breakdown on screen:\n%s", scr)
	}
	for len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" { // room left under it (no trend chart above)
		out = out[:len(out)-1]
	}
	return out
}

// TestBreakdownScrollsToEverySegment: the explorer asks for every segment
// (the engine's default keeps 50), the table scrolls to the last one, and a
// line under the total says which rows show ("1–12 of 60"); the selected
// row's name, cut in its column, is shown there in full.
func TestBreakdownScrollsToEverySegment(t *testing.T) {
	m := started(t, manyAirlines(t), 80, 24)
	if r := m.breakdownResult(); r == nil || len(r.Segments) != 60 || r.SegmentsTruncated != 0 {
		t.Fatalf("breakdown: %v rows, want all 60", r)
	}
	where := func(lines []string) string {
		for _, l := range lines {
			if strings.Contains(l, " of 60") {
				return l
			}
		}
		return ""
	}
	lines := breakdownLines(t, screen(m))
	if w := where(lines); !strings.Contains(w, " 1–") {
		t.Errorf("position line %q, want 1–… of 60", w)
	}

	m, _ = press(m, "enter", "end")
	lines = breakdownLines(t, screen(m))
	if w := where(lines); !strings.Contains(w, "–60 of 60") {
		t.Errorf("position line %q, want …–60 of 60", w)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "Airline 60") {
		t.Errorf("the last segment is not on screen after end:\n%s", strings.Join(lines, "\n"))
	}

	// Channel 7 is the 7th row: its name in full under the table.
	m, _ = press(m, "home", "j", "j", "j", "j", "j", "j")
	lines = breakdownLines(t, screen(m))
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	var under []string // the lines under the total
	for i, l := range lines {
		if strings.Contains(l, "Total") {
			under = lines[i+1:]
		}
	}
	if foot := squash(strings.Join(under, " ")); !strings.Contains(foot, squash("› "+airline(7))) || !strings.Contains(foot, "of60") {
		t.Errorf("lines under the table %q, want the selected airline's full name and the position", under)
	}
	m, _ = press(m, "pgdown")
	if m.bd.cursor != 16 {
		t.Errorf("pgdown: cursor %d, want 16", m.bd.cursor)
	}
}

// TestSortKeepsColumnsInPlace: sorting by any column, the status column
// included, shows its arrow, and no column title moves.
func TestSortKeepsColumnsInPlace(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = press(m, "enter")
	header := func(m Model) string {
		for _, l := range breakdownLines(t, screen(m)) {
			if strings.Contains(l, "By channel") {
				return l
			}
		}
		return ""
	}
	// Where "Value" ends, whatever the arrow beside a title.
	end := func(h string) int { return ansi.StringWidth(h[:strings.Index(h, "Value")]) + len("Value") }
	h0 := header(m)
	want := end(h0)
	seen := map[string]bool{}
	for i := 0; i < 7; i++ {
		m, _ = press(m, "o")
		h := header(m)
		if got := end(h); got != want {
			t.Errorf("after %d× o (%s): Value ends at %d, was %d\n%s\n%s", i+1, m.bd.sort.Col.Name(), got, want, h0, h)
		}
		if !strings.ContainsAny(h, "▴▾") {
			t.Errorf("sorted by %s: no arrow in %q", m.bd.sort.Col.Name(), h)
		}
		if m.bd.sort.Col == pane.SortStatus {
			seen["status"] = true
			if !strings.HasPrefix(h, "▴") {
				t.Errorf("sorted by status: header %q, want the arrow over the status column", h)
			}
		}
	}
	if !seen["status"] {
		t.Error("o never sorted by status")
	}
}

// TestHelpNeverCutsAKey: at every size, scrolling the help from top to end
// shows every binding's key and meaning, and the whole legend.
func TestHelpNeverCutsAKey(t *testing.T) {
	if testing.Short() {
		t.Skip("draws the help at four sizes, one goroutine: run without -short (CI's race pass is -short)")
	}
	base := started(t, testDeps(t), 120, 40)
	for _, size := range [][2]int{{60, 14}, {60, 20}, {80, 24}, {120, 40}} {
		next, _ := base.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		m, _ := press(next.(Model), "?")
		seen := screen(m)
		for i := 0; i < 60; i++ {
			m, _ = press(m, "j")
			seen += "\n" + screen(m)
		}
		if m.ov.kind != overlayHelp {
			t.Fatalf("%dx%d: j closed the help", size[0], size[1])
		}
		for _, g := range m.keys.Groups() {
			for _, b := range g.Bindings {
				h := b.Help()
				if !strings.Contains(seen, h.Key) || !strings.Contains(seen, h.Desc) {
					t.Errorf("%dx%d: %q (%s) never shown in full", size[0], size[1], h.Key, h.Desc)
				}
			}
		}
		for _, w := range []string{"◦ no target", "status tentative", "change bad for it", "esc or ? to close"} {
			if !strings.Contains(seen, w) {
				t.Errorf("%dx%d: legend %q never shown", size[0], size[1], w)
			}
		}
	}
}

// TestTooSmallFits: the "too small" note fits the terminal it is drawn in.
func TestTooSmallFits(t *testing.T) {
	m := New(testDeps(t))
	for _, size := range [][2]int{{20, 5}, {40, 10}, {59, 30}, {100, 13}, {12, 3}} {
		next, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		scr := screen(next.(Model))
		lines := strings.Split(scr, "\n")
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for _, l := range lines {
			if ansi.StringWidth(l) > size[0] {
				t.Errorf("%dx%d: line %q is %d wide", size[0], size[1], l, ansi.StringWidth(l))
			}
		}
		if !strings.Contains(scr, "60×14") {
			t.Errorf("%dx%d: the size needed is not said:\n%s", size[0], size[1], scr)
		}
	}
}

// TestFooterShowsStepOut: drilled in, the footer says how to step out
// whatever else it has to say, focused (esc) or not (backspace).
func TestFooterShowsStepOut(t *testing.T) {
	for _, w := range []int{60, 80} {
		m := started(t, testDeps(t), w, 20)
		m, _ = press(m, "enter", "enter")
		m = m.warn("a long note about the last thing that happened, longer than the footer has room for")
		if foot := ansi.Strip(m.footerView(w)); !strings.Contains(foot, "esc step out") {
			t.Errorf("%d wide, drilled and focused: footer %q lacks esc step out", w, foot)
		}
		m, _ = press(m, "h")
		m = m.warn("a long note about the last thing that happened, longer than the footer has room for")
		if foot := ansi.Strip(m.footerView(w)); !strings.Contains(foot, "⌫ step out") {
			t.Errorf("%d wide, drilled, list focused: footer %q lacks ⌫ step out", w, foot)
		}
	}
}

// plain is the explorer on a terminal without colour (NO_COLOR: the Ascii
// profile).
func plain(m Model) Model {
	next, _ := m.Update(tea.ColorProfileMsg{Profile: colorprofile.Ascii})
	return next.(Model)
}

// TestSelectionWithoutColour: with no colour, and even with no attributes
// at all (TERM=dumb strips reverse video), the selected rows carry a marker,
// and a change bad for the KPI has hollow arrows that the legend explains.
func TestSelectionWithoutColour(t *testing.T) {
	m := plain(started(t, testDeps(t), 120, 40))
	m, _ = press(m, "enter", "j")
	scr := screen(m)
	if row := listRow(t, scr, "CSAT"); !strings.Contains(row, "›CSAT") {
		t.Errorf("selected KPI row %q has no marker", row)
	}
	var marked []string
	for _, l := range breakdownLines(t, scr) {
		if strings.Contains(l, "›") {
			marked = append(marked, l)
		}
	}
	if len(marked) != 1 || !strings.Contains(marked[0], "› email") {
		t.Errorf("marked breakdown rows %q, want email's alone (the second row)", marked)
	}
	// Sample CSAT by channel in October: every channel fell (bad for CSAT),
	// within noise (≈ in place of the arrow's space).
	if !strings.Contains(scr, "≈▽3.0") {
		t.Errorf("no hollow arrow for a bad change:\n%s", scr)
	}
	m, _ = press(m, "?")
	if !strings.Contains(screen(m), "△▽ change bad for it") {
		t.Errorf("the legend does not tell bad changes apart:\n%s", screen(m))
	}
}

// TestReloadFailureReadableInFull: a reload that fails with a long reason
// says so in the footer, and w shows the whole reason, wrapped.
func TestReloadFailureReadableInFull(t *testing.T) {
	reason := "tickets: read /data/exports/2026/support/tickets_full_export_final_v3.csv: line 48213, column resolved_at: \"31/02/2026\" is not a date (the file's other dates are YYYY-MM-DD); fix the row or add a date format to kpiscope.yaml"
	d := testDeps(t)
	d.Reload = func(context.Context) (*kpi.Engine, error) { return nil, errors.New(reason) }
	m := started(t, d, 80, 24)
	m, _ = press(m, "r")
	if foot := ansi.Strip(m.footerView(80)); !strings.Contains(foot, "reload failed (w shows why)") {
		t.Errorf("footer %q does not say where the reason is", foot)
	}
	m, _ = press(m, "w")
	if m.ov.kind != overlayWarnings {
		t.Fatal("w did not open the box with the reason")
	}
	// The box's inside, line by line (the panes show at its sides).
	var box []string
	for _, l := range strings.Split(screen(m), "\n") {
		if parts := strings.Split(l, "│"); len(parts) >= 4 {
			box = append(box, parts[2])
		}
	}
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	if !strings.Contains(squash(strings.Join(box, " ")), squash(reason)) {
		t.Errorf("the reason is not shown in full:\n%s", screen(m))
	}
}

// TestCopySaysWhereItWent: y and Y never claim the text was copied (the
// terminal may refuse OSC 52); the whole note fits an 80-column footer
// beside the way out of a drill.
func TestCopySaysWhereItWent(t *testing.T) {
	m := started(t, testDeps(t), 80, 24)
	m, _ = press(m, "enter", "enter")
	remote := m
	remote.deps.Remote = true
	next, side := press(remote, "e")
	if foot := ansi.Strip(next.footerView(80)); len(side) != 1 || !strings.Contains(foot, "sent MD+CSV to your terminal's clipboard (if it allows OSC 52)") {
		t.Errorf("e over SSH: footer %q, side effects %d", foot, len(side))
	}
	for k, want := range map[string]string{
		"y": "sent CSV to your terminal's clipboard (if it allows OSC 52)",
		"Y": "sent Markdown to your terminal's clipboard (if it allows OSC 52)",
	} {
		next, side := press(m, k)
		foot := ansi.Strip(next.footerView(80))
		if len(side) != 1 || !strings.Contains(foot, want) || !strings.Contains(foot, "esc step out") || strings.Contains(foot, "copied") {
			t.Errorf("%s: footer %q, side effects %d; want %q beside esc step out", k, foot, len(side), want)
		}
	}
}

// TestManySegmentsFitEverySize: with 60 segments and a name too long for
// any column selected, every screen size still has exactly its lines, none
// wider than the terminal, and the position line shows.
func TestManySegmentsFitEverySize(t *testing.T) {
	m := started(t, manyAirlines(t), 120, 40)
	m, _ = press(m, "enter", "j", "j", "j", "j", "j", "j")
	for _, size := range [][2]int{{60, 14}, {60, 20}, {80, 24}, {100, 30}, {120, 40}, {160, 50}} {
		next, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		scr := screen(next.(Model))
		lines := strings.Split(scr, "\n")
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Errorf("%dx%d: line %d is %d wide: %q", size[0], size[1], i, w, l)
			}
		}
		if !strings.Contains(scr, " of 60") {
			t.Errorf("%dx%d: no position line:\n%s", size[0], size[1], scr)
		}
	}
}

// TestWheelScrollsHelp: the mouse wheel scrolls the help as j/k do.
func TestWheelScrollsHelp(t *testing.T) {
	m := started(t, testDeps(t), 60, 20)
	m, _ = press(m, "?")
	top := screen(m)
	next, _ := m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	m = next.(Model)
	if m.ov.kind != overlayHelp || m.ov.scroll != 1 || screen(m) == top {
		t.Fatalf("wheel down: help open %v, scroll %d", m.ov.kind == overlayHelp, m.ov.scroll)
	}
	next, _ = m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if m = next.(Model); m.ov.scroll != 0 || screen(m) != top {
		t.Errorf("wheel up: scroll %d, want back at the top", m.ov.scroll)
	}
}
