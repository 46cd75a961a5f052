package tui

import tea "charm.land/bubbletea/v2"

// openRecords opens the lens (lens.go). Placeholder until the view is built.
func (m Model) openRecords() (Model, tea.Cmd) {
	return m.say("Rows behind the number: not built yet"), nil
}
