package tui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
)

// While the engine builds its rollups in the background (started by whoever
// opened it), slices it cannot answer from them yet read the raw rows and
// take longer; the header says so until the build is done.

// rollupPoll is how often the build's progress is read while it runs.
const rollupPoll = 250 * time.Millisecond

// rollupTickMsg asks to read the rollup build's progress of the engine of
// generation gen again.
type rollupTickMsg struct{ gen int }

// pollRollups reads the current engine's rollup progress and, while the
// build runs, asks to read it again shortly; once it is ready or failed the
// polling ends. A failure is shown once, as a warning: queries keep working
// from the raw rows.
func (m Model) pollRollups() (Model, tea.Cmd) {
	if m.deps.RollupStatus == nil || m.q.eng == nil {
		return m, nil
	}
	p := m.deps.RollupStatus(m.q.eng)
	p.Table, p.Err = clean(p.Table), cleanLineErr(p.Err)
	m.rollups = p
	switch {
	case p.Ready:
		return m, nil
	case p.Err != nil:
		if !errors.Is(p.Err, context.Canceled) {
			m = m.warn("indexing failed: %s (those slices read the raw rows)", p.Err)
		}
		return m, nil
	}
	gen := m.q.gen
	return m, tea.Tick(rollupPoll, func(time.Time) tea.Msg { return rollupTickMsg{gen: gen} })
}

// indexingNote is the header's note while rollups are built, e.g.
// "indexing tickets 2/6 41%" ("indexing 2/6 41%" on narrow screens, where the data's
// label needs the room); "" when there is nothing to say.
func (m Model) indexingNote(w int) string {
	p := m.rollups
	if m.deps.RollupStatus == nil || p.Ready || p.Err != nil || p.Total <= 0 {
		return ""
	}
	note := "indexing"
	if p.Table != "" && w >= 100 {
		note += " " + p.Table
	}
	note = fmt.Sprintf("%s %d/%d", note, p.Done, p.Total)
	if p.Step > 0 && p.Step < 1 { // how far the step under way is
		note += fmt.Sprintf(" %d%%", int(p.Step*100))
	}
	return note
}
