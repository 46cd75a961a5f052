package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
)

// exportedMsg says where an export went.
type exportedMsg struct {
	paths []string
	err   error
}

// onScreen is what export and copy write: the scorecard and the selected
// KPI's breakdown as shown (or its total when there is no breakdown).
type onScreen struct {
	scorecard *kpi.Scorecard
	breakdown *kpi.Scorecard
	kpiID     string
	segment   string
}

func (m Model) onScreen() (onScreen, bool) {
	sc := m.q.score.sc
	d := m.selected()
	if sc == nil || d == nil {
		return onScreen{}, false
	}
	o := onScreen{scorecard: sc, kpiID: d.ID}
	if r := m.breakdownResult(); r != nil {
		o.breakdown, o.segment = m.q.detail.sc, m.bd.dim
		return o, true
	}
	one := *sc
	one.Results = nil
	if r := sc.Find(d.ID); r != nil {
		one.Results = []kpi.Result{*r}
	}
	o.breakdown = &one
	return o, true
}

func (m Model) label() string {
	if m.deps.Label != "" {
		return m.deps.Label
	}
	if m.q.eng != nil {
		return m.engLabel
	}
	return "kpiscope"
}

func (o onScreen) markdown(label string) string {
	var b bytes.Buffer
	_ = report.Markdown(&b, o.scorecard, label)
	return b.String()
}

func (o onScreen) csv() string {
	var b bytes.Buffer
	_ = report.CSV(&b, o.breakdown)
	return b.String()
}

// export writes the breakdown as CSV and the scorecard as Markdown, or in an
// SSH session copies them to the client's clipboard instead.
func (m Model) export() (Model, tea.Cmd) {
	o, ok := m.onScreen()
	if !ok {
		return m.say("nothing to export yet"), nil
	}
	md, csv := o.markdown(m.label()), o.csv()
	if m.deps.Remote {
		// Over SSH no file is written: both go to the client's clipboard.
		m = m.say("sent MD+CSV to your terminal's clipboard (if it allows %s)", osc52)
		return m, tea.SetClipboard(md + "\n```csv\n" + csv + "```\n")
	}
	base := "kpiscope-" + m.deps.Now().Format("20060102-150405")
	name := base + "-" + o.kpiID
	if o.segment != "" {
		name += "-by-" + safeName(o.segment)
	}
	dir := m.deps.ExportDir
	files := []exportFile{
		{filepath.Join(dir, name+".csv"), csv},
		{filepath.Join(dir, base+"-scorecard.md"), md},
	}
	return m.say("exporting…"), writeFiles(files)
}

type exportFile struct{ path, body string }

func writeFiles(files []exportFile) tea.Cmd {
	return func() tea.Msg {
		var paths []string
		for _, f := range files {
			if dir := filepath.Dir(f.path); dir != "." {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return exportedMsg{err: err}
				}
			}
			if err := os.WriteFile(f.path, []byte(f.body), 0o644); err != nil {
				return exportedMsg{paths: paths, err: err}
			}
			p, err := filepath.Abs(f.path)
			if err != nil {
				p = f.path
			}
			paths = append(paths, p)
		}
		return exportedMsg{paths: paths}
	}
}

func (m Model) gotExport(msg exportedMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		return m.warn("export failed: %s", cleanLine(msg.err)), nil
	}
	var lines []string
	for _, p := range msg.paths {
		lines = append(lines, clean(p))
	}
	m.ov = m.ov.show("Exported", append(lines, "", m.st.MutedText.Render("any key to close")))
	return m.say("exported %s", cmdline.Count(len(msg.paths), "file")), nil
}

func (m Model) copyBreakdown() (Model, tea.Cmd) {
	o, ok := m.onScreen()
	if !ok {
		return m.say("nothing to copy yet"), nil
	}
	// Short enough for the footer of an 80-column screen beside the way out
	// of a drill: the key says what was copied.
	return m.say("sent CSV to your terminal's clipboard (if it allows %s)", osc52), tea.SetClipboard(o.csv())
}

func (m Model) copyScorecard() (Model, tea.Cmd) {
	o, ok := m.onScreen()
	if !ok {
		return m.say("nothing to copy yet"), nil
	}
	return m.say("sent Markdown to your terminal's clipboard (if it allows %s)", osc52), tea.SetClipboard(o.markdown(m.label()))
}

// osc52 names how the clipboard is reached. The explorer cannot tell whether
// the terminal (or tmux, without set-clipboard on) accepted the text, so
// messages never claim it was copied.
const osc52 = "OSC 52"

// safeName keeps a dimension name usable in a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
