package pane

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"

	"kpiscope/tui/keys"
	"kpiscope/tui/style"
)

// Item is one choice in a Chooser.
type Item struct {
	Label  string // matched and shown
	Hint   string // shown on the right: the key, or a description
	ID     string // what the caller acts on
	Search string // extra text to match (description); "" = Label only
}

// Chooser is a fuzzy-filtered list with an input line: the command palette,
// the KPI finder and the segment picker.
type Chooser struct {
	Title   string
	Items   []Item
	input   textinput.Model
	matches []fuzzy.Match // best first; Index into Items
	cursor  int
	keys    keys.Map // the Chooser… bindings
}

// NewChooser builds a chooser with the cursor on the item with ID current
// (if any). Labels and hints are drawn as given: clean (see the package
// comment); IDs are what the caller acts on.
func NewChooser(st style.Styles, km keys.Map, title, placeholder string, items []Item, current string) Chooser {
	items = append([]Item(nil), items...)
	in := textinput.New()
	in.Prompt = "› "
	in.Placeholder = placeholder
	s := textinput.DefaultStyles(st.Dark)
	s.Cursor.Blink = false
	s.Focused.Prompt = st.AccentTxt
	in.SetStyles(s)
	in.Focus()
	c := Chooser{Title: title, Items: items, input: in, keys: km}
	c.filter()
	for i, m := range c.matches {
		if items[m.Index].ID == current {
			c.cursor = i
		}
	}
	return c
}

// Query is the text typed so far.
func (c Chooser) Query() string { return c.input.Value() }

func (c *Chooser) filter() {
	q := strings.TrimSpace(c.input.Value())
	c.cursor = 0
	if q == "" {
		c.matches = make([]fuzzy.Match, len(c.Items))
		for i := range c.Items {
			c.matches[i] = fuzzy.Match{Index: i}
		}
		return
	}
	data := make([]string, len(c.Items))
	for i, it := range c.Items {
		data[i] = it.Label
		if it.Search != "" {
			data[i] += " " + it.Search
		}
	}
	c.matches = fuzzy.Find(q, data)
}

// Update handles a key. It returns the chosen item when enter was pressed on
// one, and done when the chooser should close (chosen or cancelled).
func (c Chooser) Update(msg tea.KeyPressMsg) (Chooser, *Item, bool) {
	switch {
	case key.Matches(msg, c.keys.ChooserCancel):
		return c, nil, true
	case key.Matches(msg, c.keys.ChooserChoose):
		if c.cursor < len(c.matches) {
			it := c.Items[c.matches[c.cursor].Index]
			return c, &it, true
		}
		return c, nil, true
	case key.Matches(msg, c.keys.ChooserUp):
		if c.cursor > 0 {
			c.cursor--
		}
		return c, nil, false
	case key.Matches(msg, c.keys.ChooserDown):
		if c.cursor < len(c.matches)-1 {
			c.cursor++
		}
		return c, nil, false
	}
	before := c.input.Value()
	c.input, _ = c.input.Update(msg)
	if c.input.Value() != before {
		c.filter()
	}
	return c, nil, false
}

// Size is the chooser's box size on a screen of w × h.
func (c Chooser) Size(w, h int) (int, int) {
	bw := min(64, w-4)
	bh := min(len(c.Items)+4, h-4, 20)
	return max(bw, 20), max(bh, 5)
}

// View draws the chooser as a framed box of the given size.
func (c Chooser) View(st style.Styles, w, h int) string {
	inner := w - 2
	c.input.SetWidth(inner - 3)
	body := []string{c.input.View(), st.Sep.Render(strings.Repeat("─", inner))}
	listH := h - 2 - len(body)
	off := Scroll(c.cursor, len(c.matches), listH)
	for i := off; i < len(c.matches) && i < off+listH; i++ {
		m := c.matches[i]
		it := c.Items[m.Index]
		label := highlight(st, it.Label, m.MatchedIndexes)
		hint := st.Desc.Render(it.Hint)
		gap := inner - 2 - Width(it.Label) - Width(it.Hint)
		line := "  " + label
		if gap >= 1 {
			line += strings.Repeat(" ", gap) + hint
		} else if it.Hint != "" {
			// A long label gives way to its key, which stays whole.
			line = "  " + Fit(label, inner-3-Width(it.Hint)) + " " + hint
		}
		if i == c.cursor {
			line = st.Selected.Render(Fit("› "+it.Label, inner-Width(it.Hint)-1)) + st.Selected.Render(" "+it.Hint)
		}
		body = append(body, line)
	}
	if len(c.matches) == 0 {
		body = append(body, st.MutedText.Render("  no match"))
	}
	return Frame(st, c.Title, body, w, h, true)
}

// highlight bolds the matched characters of a label.
func highlight(st style.Styles, s string, idx []int) string {
	if len(idx) == 0 {
		return s
	}
	hit := map[int]bool{}
	for _, i := range idx {
		hit[i] = true
	}
	var b strings.Builder
	for i, r := range s { // fuzzy reports byte offsets
		if hit[i] {
			b.WriteString(st.AccentTxt.Bold(true).Render(string(r)))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
