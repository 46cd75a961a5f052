package tui

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"kpiscope/internal/kpi"
)

// TestFlow drives the real program on the sample data: switch KPI, slice by
// a segment, drill in, change grain and comparison, export, quit.
func TestFlow(t *testing.T) {
	d := testDeps(t)
	tm := teatest.NewTestModel(t, New(d), teatest.WithInitialTermSize(120, 40))
	out := tm.Output()
	waitFor := waiter(t, tm)
	key := func(k string) { tm.Send(keyMsg(k)) }

	waitFor("KPIs · 25", "Oct 2026 (month)", "By channel")

	key("tab") // NPS
	waitFor("NPS · % promoters")
	key("j") // CES, sliceable by ticket columns
	waitFor("CES · % easy ·")

	key("s")
	waitFor("Segment by")
	tm.Type("team")
	key("enter")
	// The renderer redraws only changed cells ("By " of the table's title
	// stays): wait for the footer note and the teams' names instead.
	teams, err := d.Engine.DimValues(context.Background(), "team")
	if err != nil || len(teams) == 0 {
		t.Fatalf("teams: %v %v", teams, err)
	}
	waitFor(append([]string{"breakdown by team"}, teams...)...)

	key("enter") // into the breakdown
	key("enter") // drill into its first row
	waitFor("team = ")

	key("g")
	waitFor("(quarter")
	key("c")
	waitFor("(last year") // the renderer may skip the ")" it finds in place

	key("e")
	waitFor("Exported")
	key("esc") // closes the note
	key("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))
	rest, _ := io.ReadAll(out)
	if !bytes.Contains(rest, []byte("\x1b[?1049l")) {
		t.Fatalf("the alternate screen was not left on quit: %q", rest)
	}

	m := tm.FinalModel(t).(Model)
	if len(m.bd.filters) != 1 || m.bd.filters[0].Dim != "team" || m.tf.slice.Grain != kpi.Quarter || m.tf.slice.Compare != kpi.VsYear {
		t.Fatalf("final slice %+v", m.tf.slice)
	}
	if m.selected().ID != "ces" {
		t.Fatalf("final KPI %s", m.selected().ID)
	}
	entries, err := os.ReadDir(d.ExportDir)
	if err != nil || len(entries) != 2 {
		t.Fatalf("export wrote %v (%v), want a CSV and a Markdown file", entries, err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".csv") && !strings.HasSuffix(e.Name(), ".md") {
			t.Fatalf("unexpected export %s", e.Name())
		}
	}
}
