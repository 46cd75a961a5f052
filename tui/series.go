package tui

import tea "charm.land/bubbletea/v2"

// openSeries opens the lens (lens.go). Placeholder until the view is built.
func (m Model) openSeries() (Model, tea.Cmd) {
	return m.say("Segments on one chart: not built yet"), nil
}
