package pane

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"kpiscope/tui/keys"
	"kpiscope/tui/style"
)

// TestChooserKeepsTheKeyOfALongLabel: a label longer than the palette
// gives way to its key, which stays whole at the line's end (the top
// movers' entry lost its "m").
func TestChooserKeepsTheKeyOfALongLabel(t *testing.T) {
	st := style.New(true, true)
	items := []Item{{Label: "Short", Hint: "s"}, {Label: "Top movers: the segments of every dimension that moved the KPI", Hint: "m"}}
	c := NewChooser(st, keys.Default(), "Commands", "type", items, "")
	out := ansi.Strip(c.View(st, 40, 10))
	found := false
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "Top movers") {
			found = true
			if !strings.HasSuffix(strings.TrimSuffix(l, "│"), "… m") {
				t.Errorf("line %q: the key m cut", l)
			}
		}
	}
	if !found {
		t.Fatalf("no top movers line:\n%s", out)
	}
}
