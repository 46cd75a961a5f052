package tui

import tea "charm.land/bubbletea/v2"

// openGrid opens the lens (lens.go). Placeholder until the view is built.
func (m Model) openGrid() (Model, tea.Cmd) {
	return m.say("Grid: not built yet"), nil
}
