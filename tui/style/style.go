// Package style is the explorer's one palette. Colours are semantic (good,
// warn, bad, muted, accent) and chosen for the terminal's background once the
// program learns it; the renderer downsamples them to what each terminal
// (each SSH session) supports. Status never relies on colour alone: every
// status also has a symbol, and selection stays visible without colour.
package style

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"kpiscope/internal/kpi"
)

// Styles are the styles every pane draws with.
type Styles struct {
	Dark  bool // built for a dark background
	Plain bool // no colour at all (NO_COLOR or a dumb terminal): lean on attributes

	Good, Warn, Bad, Muted, Accent color.Color
	// Unsure is the colour of the uncertain status: the value misses its
	// target but its 95% interval reaches it.
	Unsure color.Color

	Text      lipgloss.Style
	Bold      lipgloss.Style
	Faint     lipgloss.Style // loading: previous numbers, dimmed
	MutedText lipgloss.Style
	AccentTxt lipgloss.Style
	WarnText  lipgloss.Style
	ErrText   lipgloss.Style
	GoodText  lipgloss.Style

	Border        lipgloss.Style // pane borders
	BorderFocused lipgloss.Style
	Title         lipgloss.Style // pane titles
	AppName       lipgloss.Style // "kpiscope" in the header
	Header        lipgloss.Style
	Banner        lipgloss.Style
	Selected      lipgloss.Style // the selected row of the focused pane
	SelectedDim   lipgloss.Style // the selected row of an unfocused pane
	TableHead     lipgloss.Style
	Key           lipgloss.Style // key names in help
	Desc          lipgloss.Style // key descriptions in help
	Sep           lipgloss.Style
	Bar           lipgloss.Style // empty part of a progress bar
	Target        lipgloss.Style // the target line on charts
	Benchmark     lipgloss.Style // the benchmark line on charts
	Forecast      lipgloss.Style // the forecast's periods on charts
	Mark          lipgloss.Style // annotation marks on a chart's axis and their key
	// Quiet dims a change within noise (its 95% interval holds zero); the
	// panes add NoiseMark, so it reads without colour too.
	Quiet lipgloss.Style
}

// NoiseMark prefixes a change within noise, in every pane and the legend.
const NoiseMark = "≈"

// New builds the styles for a dark or light background. plain is true when
// the terminal shows no colour, so selection uses reverse video instead, and
// the panes add what no attribute carries on a dumb terminal: a › on the
// selected row, hollow arrows for a change bad for the KPI.
func New(isDark, plain bool) Styles {
	ld := lipgloss.LightDark(isDark)
	s := Styles{
		Dark:   isDark,
		Plain:  plain,
		Good:   ld(lipgloss.Color("#15803d"), lipgloss.Color("#4ade80")),
		Warn:   ld(lipgloss.Color("#a16207"), lipgloss.Color("#facc15")),
		Bad:    ld(lipgloss.Color("#b91c1c"), lipgloss.Color("#f87171")),
		Muted:  ld(lipgloss.Color("#6b7280"), lipgloss.Color("#9ca3af")),
		Accent: ld(lipgloss.Color("#6d28d9"), lipgloss.Color("#a78bfa")),
		Unsure: ld(lipgloss.Color("#1d4ed8"), lipgloss.Color("#60a5fa")),
	}
	text := ld(lipgloss.Color("#111827"), lipgloss.Color("#e5e7eb"))
	border := ld(lipgloss.Color("#9ca3af"), lipgloss.Color("#4b5563"))
	selBg := ld(lipgloss.Color("#ede9fe"), lipgloss.Color("#3b3356"))
	selDimBg := ld(lipgloss.Color("#f3f4f6"), lipgloss.Color("#262626"))
	n := lipgloss.NewStyle
	s.Text = n()
	s.Bold = n().Bold(true)
	s.Faint = n().Faint(true)
	s.MutedText = n().Foreground(s.Muted)
	s.AccentTxt = n().Foreground(s.Accent)
	s.WarnText = n().Foreground(s.Warn)
	s.ErrText = n().Foreground(s.Bad)
	s.GoodText = n().Foreground(s.Good)
	s.Border = n().Foreground(border)
	s.BorderFocused = n().Foreground(s.Accent)
	s.Title = n().Bold(true).Foreground(text)
	s.AppName = n().Bold(true).Foreground(s.Accent)
	s.Header = n().Foreground(text)
	s.Banner = n().Foreground(s.Warn)
	s.Selected = n().Background(selBg).Bold(true)
	s.SelectedDim = n().Background(selDimBg)
	s.TableHead = n().Bold(true).Foreground(s.Muted)
	s.Key = n().Bold(true).Foreground(s.Accent)
	s.Desc = n().Foreground(s.Muted)
	s.Sep = n().Foreground(border)
	s.Bar = n().Foreground(border)
	s.Target = n().Foreground(s.Warn)
	s.Benchmark = n().Foreground(s.Unsure)
	s.Forecast = n().Foreground(s.Accent).Faint(true)
	s.Mark = n().Foreground(s.Unsure).Bold(true)
	s.Quiet = n().Foreground(s.Muted).Faint(true)
	if plain {
		// Without colour a background highlight vanishes: reverse video stays.
		s.Selected = n().Reverse(true).Bold(true)
		s.SelectedDim = n().Underline(true)
		s.Faint = n().Faint(true)
	}
	return s
}

// Default is the dark-background palette used until the terminal answers.
func Default() Styles { return New(true, false) }

// StatusColor is the colour of a status.
func (s Styles) StatusColor(st kpi.Status) color.Color {
	switch st {
	case kpi.Green:
		return s.Good
	case kpi.Amber:
		return s.Warn
	case kpi.Red:
		return s.Bad
	case kpi.Uncertain:
		return s.Unsure
	}
	return s.Muted
}

// Status styles a status symbol or word.
func (s Styles) Status(st kpi.Status) lipgloss.Style {
	return lipgloss.NewStyle().Foreground(s.StatusColor(st))
}

// Delta styles a change by whether it is good for the KPI; an unchanged value
// (changed false) is muted.
func (s Styles) Delta(good, changed bool) lipgloss.Style {
	switch {
	case !changed:
		return s.MutedText
	case good:
		return s.GoodText
	}
	return s.ErrText
}
