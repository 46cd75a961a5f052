package tui

import (
	"strings"
	"testing"
)

// TestWhyTitleWithoutDimension: drilled into email (now by team), then into
// north, no dimension is left to split by: the why view's title says which
// key chooses one rather than ending "why it moved, by ".
func TestWhyTitleWithoutDimension(t *testing.T) {
	m := started(t, whyTickets(t), 120, 40)
	m, _ = press(m, "enter", "v", "enter") // email, by team
	m, _ = press(m, "enter")               // north
	if m.bd.dim != "" {
		t.Fatalf("drilled into channel and team: still by %q", m.bd.dim)
	}
	title, _ := m.whyPane("", 60, 30)
	if strings.HasSuffix(strings.TrimSpace(title), "by") || !strings.Contains(title, "why it moved: s to choose a dimension") {
		t.Errorf("title %q", title)
	}
}
