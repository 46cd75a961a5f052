package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
)

// recordsLens is the rows behind a number (issue 13, view 5): the records
// a KPI counts in a slice. Being built: this first version fixes the
// constructor other lenses (the grid's cell) open it with.
type recordsLens struct {
	def   *kpi.Def
	slice kpi.Slice // the screen's, or the cell's: filters, grain, period
	dim   string    // the segment's dimension ("" none)
	value string    // the segment's value
}

// newRecordsLens opens the rows behind def's number in slice s, narrowed to
// the segment dim = value when dim is set (a breakdown row, a grid cell:
// s carries the cell's period and grain).
func newRecordsLens(def *kpi.Def, s kpi.Slice, dim, value string) lens {
	return &recordsLens{def: def, slice: s, dim: dim, value: value}
}

func (r *recordsLens) Update(msg tea.Msg, c lensCtx) (lens, tea.Cmd, bool) { return r, nil, false }

func (r *recordsLens) Reslice(c lensCtx) (lens, tea.Cmd) { return r, nil }

func (r *recordsLens) View(c lensCtx, w, h int) (string, []string) {
	return "rows behind the number", []string{"not built yet"}
}

func (r *recordsLens) Footer(c lensCtx) []key.Binding { return nil }

func (r *recordsLens) Wide() bool { return true }

func (r *recordsLens) Close() {}

// openRecords opens the rows behind the selected KPI's number: the
// breakdown row under the cursor when there is one, else the tile's slice.
func (m Model) openRecords() (Model, tea.Cmd) {
	c := m.lensCtx()
	if c.def == nil {
		return m.say("no KPI selected"), nil
	}
	dim, value := "", ""
	if c.dim != "" && c.row != "" {
		dim, value = c.dim, c.row
	}
	return m.openLens(newRecordsLens(c.def, c.slice, dim, value))
}
