// Package printer draws a scorecard as a styled terminal table with
// lipgloss/table (colours downsampled to the terminal, symbols carry status).
package printer

import (
	"fmt"
	"io"
	"strings"

	"charm.land/lipgloss/v2"
	"charm.land/lipgloss/v2/table"

	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
)

var (
	good  = lipgloss.Color("#22c55e")
	warn  = lipgloss.Color("#eab308")
	bad   = lipgloss.Color("#ef4444")
	muted = lipgloss.Color("#8a8a8a")
)

func statusColor(s kpi.Status) lipgloss.Style {
	st := lipgloss.NewStyle()
	switch s {
	case kpi.Green:
		return st.Foreground(good)
	case kpi.Amber:
		return st.Foreground(warn)
	case kpi.Red:
		return st.Foreground(bad)
	}
	return st.Foreground(muted)
}

// Print writes the scorecard as a bordered table, with the annotations of
// its periods under it (report.Footer).
func Print(w io.Writer, sc *kpi.Scorecard, label string, annotations ...kpi.Annotation) error {
	lines := report.Lines(sc)
	seg := sc.Slice.Segment != ""
	head := report.Header(sc)
	ncols, numeric := len(head), report.NumericCols(sc)
	t := table.New().
		Border(lipgloss.RoundedBorder()).
		BorderStyle(lipgloss.NewStyle().Foreground(muted)).
		Headers(head...)
	for _, l := range lines {
		t.Row(l.Cells(seg)...)
	}
	t.StyleFunc(func(row, col int) lipgloss.Style {
		st := lipgloss.NewStyle().Padding(0, 1)
		if col >= ncols-numeric {
			st = st.Align(lipgloss.Right)
		}
		if row == table.HeaderRow {
			return st.Bold(true)
		}
		l := lines[row]
		switch {
		case col == 0:
			return st.Inherit(statusColor(l.Status))
		case col == ncols-2 && l.WithinNoise():
			return st.Foreground(muted) // a change within noise: quiet, and marked ≈
		case col == ncols-2:
			if _, good, ok := l.DeltaText(); ok {
				if good {
					return st.Foreground(lipgloss.Color("#22c55e"))
				}
				return st.Foreground(lipgloss.Color("#ef4444"))
			}
		}
		if seg && l.IsTotal() {
			return st.Bold(true)
		}
		return st
	})
	title := lipgloss.NewStyle().Bold(true).Render(report.Title(sc, label))
	if _, err := lipgloss.Fprintln(w, title); err != nil {
		return err
	}
	if _, err := lipgloss.Fprintln(w, t.Render()); err != nil {
		return err
	}
	var sb strings.Builder
	_ = report.Footer(&sb, sc, lines, annotations...)
	_, err := lipgloss.Fprint(w, lipgloss.NewStyle().Foreground(muted).Render(strings.TrimLeft(sb.String(), "\n")))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w)
	return err
}
