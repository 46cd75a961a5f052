package style

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// SeriesGlyphs mark the lines of a chart of several segments (the series
// view), one each, so the lines read without colour; none is a status
// symbol (● ◐ ○ ◌ ◦ ·).
var SeriesGlyphs = []string{"■", "◆", "▲", "✚", "✱", "★"}

// SeriesColor is the colour of a chart's i-th line (SeriesGlyphs' order):
// Okabe and Ito's colour-blind-safe set, its order chosen for the
// background, and for the sixth the text's own colour (their yellow is the
// target line's). Each stays distinct when downsampled to 256 colours;
// under 16 colours or none the glyphs tell the lines apart.
func (s Styles) SeriesColor(i int) color.Color {
	dark := []string{"#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#E5E7EB"}
	light := []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#111827"}
	i %= len(dark)
	return lipgloss.LightDark(s.Dark)(lipgloss.Color(light[i]), lipgloss.Color(dark[i]))
}

// Series is the style of a chart's i-th line.
func (s Styles) Series(i int) lipgloss.Style {
	return lipgloss.NewStyle().Foreground(s.SeriesColor(i))
}
