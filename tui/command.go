package tui

import tea "charm.land/bubbletea/v2"

// copyCommand copies the `kpiscope report …` command that prints the view ($).
func (m Model) copyCommand() (Model, tea.Cmd) {
	return m.say("copying the command is not built yet"), nil
}
