package tui

import (
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
)

// View is a saved view: what to show, by name (kpiscope.yaml views:).
type View struct {
	Name    string
	KPI     string       // KPI id; "" = the first
	By      string       // breakdown dimension; "" = the default
	Filters []kpi.Filter // as in the data
	Grain   kpi.Grain    // "" = month
	Period  string       // as --period reads it ("2026-09", "2026-Q3"); "" = latest
	Window  kpi.Window   // replaces Grain/Period when set
	Compare kpi.Compare
}

// saveView prints the views: YAML that saves the current view (V).
func (m Model) saveView() (Model, tea.Cmd) {
	return m.say("saving a view is not built yet"), nil
}
