// Package pane holds the explorer's panes. Each pane renders itself from the
// data it is given into an exact width × height, so the root model only does
// layout; none of them does I/O. Text from the data or the configuration
// reaches a pane already clean of control characters (package tui cleans it
// where it enters, see tui/clean.go): panes draw it as given.
package pane

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"kpiscope/tui/style"
)

// Fit truncates s (which may hold ANSI styles) to w cells with an ellipsis
// and pads it with spaces to exactly w cells.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// FitRight is Fit with the text right-aligned.
func FitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s = strings.Repeat(" ", pad) + s
	}
	return s
}

// Width is the display width of s, ignoring ANSI sequences.
func Width(s string) int { return ansi.StringWidth(s) }

// Lines splits a block into exactly h lines of exactly w cells.
func Lines(body []string, w, h int) []string {
	out := make([]string, h)
	for i := range out {
		if i < len(body) {
			out[i] = Fit(body[i], w)
		} else {
			out[i] = strings.Repeat(" ", w)
		}
	}
	return out
}

// Frame draws body inside a rounded box of exactly w × h cells with title
// set into the top border. A focused frame has an accent border.
func Frame(st style.Styles, title string, body []string, w, h int, focused bool) string {
	if w < 4 || h < 2 {
		return ""
	}
	bs := st.Border
	if focused {
		bs = st.BorderFocused
	}
	inner := w - 2
	var b strings.Builder
	top := bs.Render("╭")
	if title != "" {
		t := Fit(" "+title+" ", min(Width(" "+title+" "), inner-1))
		top += bs.Render("─") + t + bs.Render(strings.Repeat("─", max(0, inner-1-Width(t))))
	} else {
		top += bs.Render(strings.Repeat("─", inner))
	}
	top += bs.Render("╮")
	b.WriteString(top)
	side := bs.Render("│")
	for _, l := range Lines(body, inner, h-2) {
		b.WriteString("\n" + side + l + side)
	}
	b.WriteString("\n" + bs.Render("╰"+strings.Repeat("─", inner)+"╯"))
	return b.String()
}

// Flow lays chunks out left to right separated by sep, starting a new line
// when the next chunk does not fit; at most maxLines lines. A chunk wider
// than w stands on a line of its own (cut where it is drawn).
func Flow(chunks []string, sep string, w, maxLines int) []string {
	return flow(chunks, sep, w, maxLines, false)
}

// flow is Flow; with wrapWide, a chunk wider than w wraps at its spaces
// instead, so no line is wider than w.
func flow(chunks []string, sep string, w, maxLines int, wrapWide bool) []string {
	var lines []string
	cur := ""
	for _, c := range chunks {
		if c == "" {
			continue
		}
		switch {
		case cur == "" && (!wrapWide || Width(c) <= w):
			cur = c
		case cur != "" && Width(cur)+Width(sep)+Width(c) <= w:
			cur += sep + c
		default:
			if cur != "" {
				lines = append(lines, cur)
			}
			cur = c
			if wrapWide && Width(c) > w {
				parts := Wrap(c, w)
				lines = append(lines, parts[:len(parts)-1]...)
				cur = parts[len(parts)-1]
			}
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > maxLines {
		lines = lines[:maxLines]
	}
	return lines
}

// Wrap wraps plain text to w cells.
func Wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(lipgloss.Wrap(s, w, " /"), "\n")
}

// Scroll returns the first visible index so that cursor is visible in a
// window of h rows over n rows, keeping the cursor near the middle.
func Scroll(cursor, n, h int) int {
	if n <= h || h <= 0 {
		return 0
	}
	return max(0, min(cursor-h/2, n-h))
}
