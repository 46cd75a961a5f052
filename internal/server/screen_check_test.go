package server_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
)

// textModel shows whatever text it was last sent.
type textModel struct{ text string }

type setTextMsg string

func (m textModel) Init() tea.Cmd { return nil }

func (m textModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if s, ok := msg.(setTextMsg); ok {
		m.text = string(s)
	}
	return m, nil
}

func (m textModel) View() tea.View {
	v := tea.NewView(m.text)
	v.AltScreen = true
	return v
}

// The test emulator must agree with Bubble Tea's renderer, which redraws
// only what changed (erasing, inserting and scrolling lines): every screen
// here is reached from the previous one by such an update.
func TestScreenFollowsRenderer(t *testing.T) {
	scr := newScreen(40, 10)
	p := tea.NewProgram(textModel{},
		// The server's emulated PTY turns \n into \r\n, as a real one would.
		tea.WithInput(nil), tea.WithOutput(ssh.NewPtyWriter(scr)),
		tea.WithEnvironment([]string{"TERM=xterm-256color"}),
		tea.WithWindowSize(40, 10), tea.WithoutSignalHandler())
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	lines := func(ls ...string) string { return strings.Join(ls, "\n") }
	steps := []string{
		lines("alpha", "bravo", "charlie", "delta", "echo", "foxtrot"),
		lines("alpha", "NEW", "bravo", "charlie", "delta", "echo", "foxtrot"),
		lines("bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"),
		lines("bravo", "delta", "echo"),
		lines("", "", "        indented ●◐○ — …", "wide: 日本語 ok", strings.Repeat("x", 40)),
		lines("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"),
		lines("b", "c", "d", "e", "f", "g", "h", "i", "j", "k"),
		lines("k", "a", "b", "c", "d", "e", "f", "g", "h", "i"),
		lines("CSAT   80.1%", "", "NPS       40"),
	}
	for i, want := range steps {
		p.Send(setTextMsg(want))
		if got, ok := waitScreen(scr, waitLong, want); !ok {
			t.Fatalf("step %d: screen\n%q\nwant\n%q", i, got, want)
		}
	}
	p.Quit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, alt, _ := scr.state(); alt {
		t.Error("alternate screen still on after quit")
	}
}

func waitScreen(scr *screen, timeout time.Duration, want string) (string, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		_, _, next := scr.state()
		if got := scr.Text(); got == want {
			return got, true
		}
		select {
		case <-next:
		case <-deadline.C:
			return scr.Text(), false
		}
	}
}
