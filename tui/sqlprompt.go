package tui

import tea "charm.land/bubbletea/v2"

// openSQL opens the read-only SQL prompt (palette "sql").
func (m Model) openSQL() (Model, tea.Cmd) {
	return m.say("the SQL prompt is not built yet"), nil
}
