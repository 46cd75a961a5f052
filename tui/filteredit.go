package tui

import tea "charm.land/bubbletea/v2"

// openFilters opens the filter editor (F, palette "filters").
func (m Model) openFilters() (Model, tea.Cmd) {
	return m.say("the filter editor is not built yet"), nil
}
