package tui

import (
	tea "charm.land/bubbletea/v2"

	"kpiscope/tui/pane"
)

// click selects a KPI in the list, or a row of the breakdown (clicking the
// selected row drills into it; clicking a column title sorts by it).
func (m Model) click(ms tea.Mouse) (Model, tea.Cmd) {
	if m.ov.kind != overlayNone || ms.Button != tea.MouseLeft || m.width < minWidth || m.height < minHeight {
		return m, nil
	}
	l := m.layout()
	y := ms.Y - l.bodyY - 1 // inside the frames' top border
	if y < 0 || y >= l.bodyH-2 {
		return m, nil
	}
	if ms.X < l.listW {
		row := y - pane.ListHeaderRows
		if row < 0 {
			return m, nil
		}
		i := pane.ListOffset(m.sel, len(m.defs), l.bodyH-2) + row
		if i >= len(m.defs) {
			return m, nil
		}
		m.bd.focused = false
		return m.selectKPI(i)
	}
	det := m.detailData()
	if det.Breakdown.Result == nil {
		return m, nil
	}
	w, h := l.detailW-2, l.bodyH-2
	_, top := pane.RenderDetail(m.st, det, w, h)
	if top < 0 || y < top {
		return m, nil
	}
	x := ms.X - l.listW - 1
	if y == top {
		if c, ok := pane.BreakdownColumnAt(det.Breakdown, w, x); ok {
			return m.toBreakdown(sortByMsg(c))
		}
		return m, nil
	}
	i := pane.BreakdownOffset(det.Breakdown, w, h-top) + y - top - 1
	if i < 0 || i >= len(det.Breakdown.Result.Segments) {
		return m, nil
	}
	return m.toBreakdown(rowClickMsg(i))
}

// wheel moves the selection of the pane under the pointer.
func (m Model) wheel(ms tea.Mouse) (Model, tea.Cmd) {
	if m.ov.kind == overlayHelp { // the wheel scrolls the help as j/k do
		m.ov.w, m.ov.h = m.width, m.height
		if ms.Button == tea.MouseWheelUp {
			m.ov = m.ov.scrollHelp(-1)
		} else if ms.Button == tea.MouseWheelDown {
			m.ov = m.ov.scrollHelp(1)
		}
		return m, nil
	}
	if m.ov.kind != overlayNone {
		return m, nil
	}
	d := 0
	switch ms.Button {
	case tea.MouseWheelDown:
		d = 1
	case tea.MouseWheelUp:
		d = -1
	default:
		return m, nil
	}
	if ms.X >= m.layout().listW && m.bd.focused {
		return m.toBreakdown(moveMsg(d))
	}
	return m.selectKPI(m.sel + d)
}
