package tui

import tea "charm.land/bubbletea/v2"

// openDist opens the lens (lens.go). Placeholder until the view is built.
func (m Model) openDist() (Model, tea.Cmd) {
	return m.say("Distribution: not built yet"), nil
}
