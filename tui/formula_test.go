package tui

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kpiscope/internal/workspace"
)

// Channel values a spreadsheet would run as formulas, with what an export
// must write for each; "-5" is a number and stays as it is.
var formulaChannels = map[string]string{
	`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
	"@SUM(1)":                    "'@SUM(1)",
	"+cmd":                       "'+cmd",
	"-2+3":                       "'-2+3",
	"\t=1":                       "'\t=1",
	"-5":                         "-5",
}

// formulaDeps opens a tickets file whose channel values start like formulas.
func formulaDeps(t *testing.T) Deps {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("ticket_id,channel,resolved_at,csat\n")
	id := 0
	for ch := range formulaChannels {
		for i := 0; i < 3; i++ {
			id++
			fmt.Fprintf(&b, "%d,\"%s\",2026-10-%02d,%d\n", id, strings.ReplaceAll(ch, `"`, `""`), 1+id%28, 1+id%5)
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
	return Deps{Engine: ws.Engine, Now: fixedNow, ExportDir: t.TempDir()}
}

// wantSafeCSV fails unless the CSV's segment column holds every channel,
// neutralised as formulaChannels says.
func wantSafeCSV(t *testing.T, what, text string) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v\n%s", what, err, text)
	}
	seg := -1
	for i, h := range recs[0] {
		if h == "segment" {
			seg = i
		}
	}
	got := map[string]bool{}
	for _, r := range recs[1:] {
		got[r[seg]] = true
	}
	for in, want := range formulaChannels {
		if !got[want] {
			t.Errorf("%s: no segment cell %q for the channel %q; segments %q", what, want, in, recs)
		}
	}
}

// TestExportsNeutraliseFormulas: the breakdown exported with e and copied
// with y (and sent to the clipboard over SSH) writes no cell a spreadsheet
// would run.
func TestExportsNeutraliseFormulas(t *testing.T) {
	d := formulaDeps(t)
	m := started(t, d, 140, 40)
	if m.bd.dim != "channel" {
		t.Fatalf("segment %q, want channel", m.bd.dim)
	}
	if r := m.breakdownResult(); r == nil || len(r.Segments) != len(formulaChannels) {
		t.Fatalf("breakdown %+v, want %d channels", r, len(formulaChannels))
	}

	e, _ := press(m, "e")
	if len(e.ov.message.lines) == 0 {
		t.Fatal("export wrote nothing")
	}
	b, err := os.ReadFile(filepath.Join(d.ExportDir, "kpiscope-20261125-093000-csat-by-channel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	wantSafeCSV(t, "e", string(b))

	_, side := press(m, "y")
	if len(side) != 1 {
		t.Fatalf("y: side effects %v, want one clipboard write", side)
	}
	wantSafeCSV(t, "y", clipboardText(t, side[0]))

	d.Remote = true
	r := started(t, d, 140, 40)
	_, side = press(r, "e")
	if len(side) != 1 {
		t.Fatalf("e over SSH: side effects %v, want one clipboard write", side)
	}
	text := clipboardText(t, side[0])
	_, rest, ok := strings.Cut(text, "```csv\n")
	if !ok {
		t.Fatalf("no CSV in the clipboard:\n%s", text)
	}
	wantSafeCSV(t, "e over SSH", strings.TrimSuffix(rest, "```\n"))
}

// clipboardText is what a clipboard write sends.
func clipboardText(t *testing.T, s sideEffect) string {
	t.Helper()
	if s.kind != "setClipboardMsg" {
		t.Fatalf("side effect %s, want a clipboard write", s.kind)
	}
	return s.text
}
