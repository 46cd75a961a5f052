package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"kpiscope/internal/workspace"
)

// Segment values as an attacker would put them in a CSV cell: a window-title
// change (OSC 2 … BEL), a colour (SGR) and an 8-bit CSI (C1, as UTF-8).
const (
	evilTitle = "\x1b]2;PWNED\x07chat"
	evilSGR   = "\x1b[31mweb"
	evilC1    = "\u009b2Jphone"
)

// evilDeps opens a tickets file whose channel values carry control
// characters, the largest segment being the title change.
func evilDeps(t *testing.T) Deps {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("ticket_id,channel,resolved_at,csat\n")
	id := 0
	for _, c := range []struct {
		channel string
		n       int
	}{{evilTitle, 6}, {evilSGR, 5}, {evilC1, 4}, {"email", 3}} {
		for i := 0; i < c.n; i++ {
			id++
			fmt.Fprintf(&b, "%d,\"%s\",2026-10-%02d,%d\n", id, c.channel, 1+id%28, 1+id%5)
		}
	}
	path := filepath.Join(dir, "tickets.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Open(context.Background(), workspace.Options{Sources: []string{path}, Dir: dir, NoConfig: true, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return Deps{Engine: ws.Engine, Now: fixedNow, ExportDir: t.TempDir(),
		Warnings: map[string][]string{"csat": {"ignored the rating \x1b]2;WARNED\x07 in row 3"}}}
}

// safeScreen fails when data reached the terminal as control sequences: the
// raw view (the renderer's own styling included) must hold no OSC, no BEL,
// no C1 control and no SGR run straight into a data value; the stripped view
// must show the values with placeholders.
func safeScreen(t *testing.T, what string, m Model, want ...string) string {
	t.Helper()
	raw := m.View().Content
	for _, bad := range []string{"\x1b]", "\x07", "\u009b", "\x1b[31mweb", "\x1b[2J"} {
		if i := strings.Index(raw, bad); i >= 0 {
			t.Errorf("%s: raw view holds %q at %d: …%q…", what, bad, i, raw[max(0, i-40):min(len(raw), i+40)])
		}
	}
	plain := ansi.Strip(raw)
	// Whatever ansi.Strip took for a sequence must have been the renderer's:
	// a data value's ESC would have become the placeholder.
	if strings.Contains(plain, "PWNED") && !strings.Contains(plain, "\uFFFD]2;PWNED\uFFFDchat") {
		t.Errorf("%s: PWNED shown without its placeholders:\n%s", what, plain)
	}
	for _, w := range want {
		if !strings.Contains(plain, w) {
			t.Errorf("%s: screen lacks %q:\n%s", what, w, plain)
		}
	}
	return plain
}

func TestDataControlCharactersAreNotSent(t *testing.T) {
	m := started(t, evilDeps(t), 140, 40)
	if m.bd.dim != "channel" {
		t.Fatalf("segment %q, want channel", m.bd.dim)
	}
	safeScreen(t, "start", m, "\uFFFD]2;PWNED\uFFFDchat", "\uFFFD[31mweb", "\uFFFD2Jphone", "email")

	// Drill into the largest segment: the filter uses the value as in the
	// data (the breakdown has numbers) and shows it cleaned in the header.
	m, _ = press(m, "enter", "enter")
	if len(m.bd.filters) != 1 || m.bd.filters[0].Values[0] != evilTitle {
		t.Fatalf("filters %v, want channel = the raw value", m.bd.filters)
	}
	if r := m.currentDetail(); r == nil || r.Total.N != 6 {
		t.Fatalf("drilled breakdown: %+v, want the 6 tickets of the value", r)
	}
	safeScreen(t, "drilled", m, "channel = \uFFFD]2;PWNED\uFFFDchat")

	// The segment chooser says what the dimension is filtered to.
	s, _ := press(m, "s")
	safeScreen(t, "segment chooser", s, "filtered: \uFFFD]2;PWNED\uFFFDchat")

	// The data warnings overlay.
	w, _ := press(m, "w")
	safeScreen(t, "warnings", w, "ignored the rating \uFFFD]2;WARNED\uFFFD in row 3")

	// The selected row is drawn with the selection style; drilling into it
	// filters by the value as in the data.
	sel, _ := press(started(t, evilDeps(t), 140, 40), "enter", "j")
	safeScreen(t, "breakdown row selected", sel, "\uFFFD[31mweb")
	sel, _ = press(sel, "enter")
	if len(sel.bd.filters) != 1 || sel.bd.filters[0].Values[0] != evilSGR {
		t.Fatalf("filters %v, want channel = the raw value", sel.bd.filters)
	}
	safeScreen(t, "drilled second", sel, "channel = \uFFFD[31mweb")
}
