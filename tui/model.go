package tui

import (
	"context"
	"strings"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
)

// Model is the root model of the explorer. (Placeholder: shows the scorecard
// as text; the full explorer replaces it.)
type Model struct {
	deps   Deps
	sc     *kpi.Scorecard
	err    error
	width  int
	height int
}

type resultsMsg struct {
	sc  *kpi.Scorecard
	err error
}

// New builds the explorer for one terminal.
func New(d Deps) Model { return Model{deps: d} }

// Init starts the first query.
func (m Model) Init() tea.Cmd {
	eng := m.deps.Engine
	return func() tea.Msg {
		sc, err := eng.Compute(context.Background(), kpi.Slice{}, nil)
		return resultsMsg{sc, err}
	}
}

// Update routes messages.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case resultsMsg:
		m.sc, m.err = msg.sc, msg.err
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.KeyPressMsg:
		if msg.String() == "q" || msg.String() == "ctrl+c" {
			return m, tea.Quit
		}
	}
	return m, nil
}

// View renders the screen.
func (m Model) View() tea.View {
	var b strings.Builder
	if m.err != nil {
		b.WriteString("error: " + m.err.Error())
	} else if m.sc != nil {
		_ = report.Plain(&b, m.sc, m.deps.Label)
	} else {
		b.WriteString("loading…")
	}
	v := tea.NewView(b.String())
	v.AltScreen = true
	return v
}
