package tui

import tea "charm.land/bubbletea/v2"

// openCohorts opens the lens (lens.go). Placeholder until the view is built.
func (m Model) openCohorts() (Model, tea.Cmd) {
	return m.say("Cohort matrix: not built yet"), nil
}
