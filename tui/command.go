package tui

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"kpiscope/internal/kpi"
	"kpiscope/tui/pane"
)

// viewCommand is the `kpiscope report …` command that prints the view on
// screen headless: the data (Deps.Invocation), the selected KPI, the
// breakdown's dimension, the filters, the timeframe and the open closer
// look, each as report reads it.
type viewCommand struct {
	args []string // after "kpiscope"
	// failOn is true when report's --fail-on applies to what it prints
	// (the scorecard, not a closer look's view).
	failOn bool
	// latest is the period on screen when the command asks for the latest
	// one (no --period), for the note that pins it: "2026-10"; "" when the
	// period is pinned or there is none. latestName names it for people.
	latest, latestName string
	// approx is true when the view's value is a rollup's sketch (~), which
	// report computes exactly.
	approx bool
	// caveats are what the command prints otherwise than the screen shows.
	caveats []string
	// remote is true when the data's paths are cut to their file names
	// (over SSH the server's paths are not shown): the box says to run it
	// where the data is.
	remote bool
	// lost are the filters report's --filter would read otherwise (a value
	// with a comma, or with spaces at its ends): the box says so.
	lost []kpi.Filter
}

// reportDefaultSegments is how many segments report keeps per breakdown
// without --limit (the engine's default); the explorer's breakdown keeps
// every one.
const reportDefaultSegments = 50

// command builds the command for the view on screen.
func (m Model) command() (viewCommand, bool) {
	d := m.selected()
	if d == nil || m.q.eng == nil {
		return viewCommand{}, false
	}
	c := viewCommand{args: append([]string{"report"}, m.deps.Invocation...)}
	if m.deps.Remote && len(m.deps.Invocation) > 0 {
		// Over SSH the data's paths are the server's: its file names only.
		c.args = append([]string{"report"}, baseNames(m.deps.Invocation)...)
		c.remote = true
	}
	add := func(a ...string) { c.args = append(c.args, a...) }
	s := m.asked()
	kpiFlag := []string{"--kpi", d.ID}
	switch l := m.lens.(type) {
	case *gridLens:
		lc := m.lensCtx()
		add(kpiFlag...)
		add("--by", l.rows(lc), "--grid")
		if l.cols != "" {
			add("--columns", l.cols)
		} else {
			add("--periods", strconv.Itoa(gridPeriods))
		}
		if l.g != nil && len(l.g.Segments) > reportDefaultSegments {
			add("--limit", "all")
		}
		c = m.timeArgs(c, s)
		c = c.filters(s.Filters)
	case *cohortsLens:
		// One matrix of every customer: report takes no KPI, breakdown or
		// period with --cohorts, only the filters.
		add("--cohorts", "--cohort-kind", string(l.kind), "--cohort-grain", string(l.grain), "--cohort-count", strconv.Itoa(cohortCount(l.grain)))
		c = c.filters(s.Filters)
	case *distLens:
		add(kpiFlag...)
		if m.bd.dim != "" {
			add("--by", m.bd.dim)
		}
		add("--distribution")
		c = m.timeArgs(c, s)
		c = c.filters(s.Filters)
	case *seriesLens:
		add(kpiFlag...)
		if m.bd.dim != "" {
			add("--by", m.bd.dim)
		}
		add("--series")
		if l.from > 0 {
			c.caveats = append(c.caveats, "report --series draws the "+strconv.Itoa(seriesPage)+" largest segments, not the page of them on screen")
		}
		c = m.timeArgs(c, s)
		c = c.filters(s.Filters)
	case *recordsLens:
		rs := l.asked() // its own slice: a grid cell's period, its segment a filter
		// Every row the lens reaches, in its order: file order when it is
		// unsorted (as it opens), else its column (file:asc for a column
		// named file, which --sort file alone would read as file order).
		add("--kpi", l.def.ID, "--records", "--limit", "all")
		switch {
		case l.sort == "":
			add("--sort", "file")
		case l.desc:
			add("--sort", l.sort+":desc")
		case strings.EqualFold(strings.TrimSpace(l.sort), "file"):
			add("--sort", l.sort+":asc")
		default:
			add("--sort", l.sort)
		}
		if l.search != "" {
			add("--search", l.search)
		}
		c = m.timeArgs(c, rs)
		c = c.filters(rs.Filters)
	default:
		add(kpiFlag...)
		switch {
		case m.why.mode == whyMovers:
			add("--explain") // the top movers across every dimension
		case m.bd.dim != "" && m.why.mode == whyBreakdown:
			add("--by", m.bd.dim, "--explain")
		case m.bd.dim != "":
			add("--by", m.bd.dim)
			if r := m.breakdownResult(); r != nil && len(r.Segments) > reportDefaultSegments {
				add("--limit", "all")
			}
			c.failOn = true
		default:
			c.failOn = true
		}
		tile, bd := ShownResults(m)
		c.approx = tile != nil && tile.Approx || bd != nil && bd.Approx
		c = m.timeArgs(c, s)
		c = c.filters(s.Filters)
	}
	return c, true
}

// baseNames is the data's invocation (--config FILE, the sources, a named
// one as NAME=PATH) with each path cut to its file name: a remote user
// learns no path of the server's.
func baseNames(inv []string) []string {
	out := make([]string, 0, len(inv))
	for i := 0; i < len(inv); i++ {
		a := inv[i]
		switch {
		case strings.HasPrefix(a, "-"):
			out = append(out, a)
			if !strings.Contains(a, "=") && i+1 < len(inv) {
				i++
				out = append(out, filepath.Base(inv[i]))
			} else if name, p, ok := strings.Cut(a, "="); ok {
				out[len(out)-1] = name + "=" + filepath.Base(p)
			}
		default:
			if name, p, ok := strings.Cut(a, "="); ok && name != "" && !strings.ContainsAny(name, `/\`) {
				out = append(out, name+"="+filepath.Base(p))
			} else {
				out = append(out, filepath.Base(a))
			}
		}
	}
	return out
}

// timeArgs adds the timeframe of s as report reads it: --since WINDOW for a
// date window, else --grain and, once a period was picked, --period (the
// latest period without it, as on screen), and --compare. Data without
// dates has neither.
func (m Model) timeArgs(c viewCommand, s kpi.Slice) viewCommand {
	if m.q.eng.AsOf().IsZero() {
		return c
	}
	switch {
	case !s.Window.IsZero():
		c.args = append(c.args, "--since", s.Window.Arg())
	case s.Grain == kpi.All:
		c.args = append(c.args, "--period", "all")
	case !s.Period.IsZero():
		c.args = append(c.args, "--grain", string(s.Grain), "--period", s.Grain.Format(s.Period))
	default:
		c.args = append(c.args, "--grain", string(s.Grain))
		if p := m.q.eng.Resolve(s).Period; !p.IsZero() {
			c.latest, c.latestName = s.Grain.Format(p), s.Grain.Label(p)
		}
	}
	if _, cohorts := m.lens.(*cohortsLens); !cohorts {
		if _, records := m.lens.(*recordsLens); !records {
			c.args = append(c.args, "--compare", string(s.Compare))
		}
	}
	return c
}

// filters adds one --filter per filter, its values as in the data, and
// notes those report would not read back as they are.
func (c viewCommand) filters(fs []kpi.Filter) viewCommand {
	for _, f := range fs {
		c.args = append(c.args, "--filter", f.Arg())
		if back, err := kpi.ParseFilter(f.Arg()); err != nil || !slices.Equal(back.Values, f.Values) || back.Op != f.Op || back.Dim != f.Dim {
			c.lost = append(c.lost, f)
		}
	}
	return c
}

// CommandFor is the command line (after the program's name) that prints
// m's view headless, as $ copies it: kpiscope CommandFor(m)... . nil when
// no KPI is selected. Tests run it and compare its numbers with the view's.
func CommandFor(m Model) []string {
	c, ok := m.command()
	if !ok {
		return nil
	}
	return c.args
}

// ShownResults are the selected KPI's results on screen as the engine gave
// them: its tile's (the scorecard's) and its breakdown's (nil without
// one). Tests compare them with what the copied command prints.
func ShownResults(m Model) (total, breakdown *kpi.Result) {
	d := m.selected()
	if d == nil || m.q.score.sc == nil {
		return nil, nil
	}
	_, raw := m.breakdownResults()
	return m.q.score.sc.Find(d.ID), raw
}

// ShownRecords is the block of rows the rows lens holds (from its first
// row while the view is at the top), with the count of those it reaches;
// nil outside the lens or before the rows come. Tests compare it with
// what the copied command prints.
func ShownRecords(m Model) *kpi.Records {
	if l, ok := m.lens.(*recordsLens); ok {
		return l.recs
	}
	return nil
}

// ShownGrid is the grid the grid lens shows as the engine gave it, and
// ShownSeries the trends the series lens draws; nil outside the lens or
// before the answer. Tests compare them with what the copied command
// prints.
func ShownGrid(m Model) *kpi.Grid {
	if l, ok := m.lens.(*gridLens); ok {
		return l.g
	}
	return nil
}

// ShownSeries: see ShownGrid.
func ShownSeries(m Model) *kpi.SeriesSet {
	if l, ok := m.lens.(*seriesLens); ok {
		return l.set
	}
	return nil
}

// shellQuote writes an argument so that a POSIX shell (sh, bash, zsh)
// reads it back unchanged: as it is when it holds only characters no
// shell treats specially (and does not start with zsh's =), else in single
// quotes, where a ' inside closes the quotes, is escaped with a backslash
// and opens them again.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := s[0] != '='
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-./:=,@+%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellLine is the command on one line, each argument quoted.
func shellLine(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// shellLines breaks the command into lines of at most w cells between
// arguments, a flag kept with its value, each line but the last ending in
// " \" (the shell reads them as one), the next indented; a word wider than
// a line is cut.
func shellLines(args []string, w int) []string {
	var words []string
	for i := 0; i < len(args); i++ {
		q := clean(shellQuote(args[i]))
		if strings.HasPrefix(args[i], "--") && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++
			q += " " + clean(shellQuote(args[i]))
		}
		words = append(words, q)
	}
	var out []string
	cur := ""
	for _, q := range words {
		switch {
		case cur == "":
			cur = q
		case pane.Width(cur)+1+pane.Width(q)+2 <= w:
			cur += " " + q
		default:
			out = append(out, cur+" \\")
			cur = "  " + q
		}
	}
	if cur == "" {
		return out
	}
	for pane.Width(cur) > w {
		parts := pane.Wrap(cur, w)
		out = append(out, parts[:len(parts)-1]...)
		cur = parts[len(parts)-1]
	}
	return append(out, cur)
}

// copyCommand copies the `kpiscope report …` command that prints the view
// ($) to the terminal's clipboard (OSC 52, locally as over SSH) and shows it
// in full in a box, to read or select where the clipboard is not reached.
func (m Model) copyCommand() (Model, tea.Cmd) {
	c, ok := m.command()
	if !ok {
		return m.say("no KPI selected: no command to copy"), nil
	}
	args := append([]string{"kpiscope"}, c.args...)
	w := max(20, min(m.width-4, 100))
	lines := shellLines(args, w)
	lines = append(lines, "")
	note := func(st lipgloss.Style, text string) {
		for _, l := range pane.Wrap(text, w) {
			lines = append(lines, st.Render(l))
		}
	}
	if c.remote {
		note(m.st.MutedText, "Run it where the data is, on the server: its data files are named here without their folders (the server's own paths go in their place).")
	}
	for _, cv := range c.caveats {
		note(m.st.WarnText, "! "+cv)
	}
	for _, f := range c.lost {
		note(m.st.WarnText, "! report --filter would not read "+clean(f.String())+" back as it is (a comma in a value, or spaces at its ends): its numbers will differ from these")
	}
	if c.latest != "" {
		note(m.st.MutedText, "Without --period it reports the latest period ("+c.latestName+" now); add --period "+c.latest+" to pin it.")
	}
	if c.approx {
		note(m.st.MutedText, "The ~ values here come from the rollups' sketches (within 1%); the command computes them exactly.")
	}
	if c.failOn {
		note(m.st.MutedText, "For a CI check or a cron alert add --fail-on red: exit 1 when a row is off target (amber: near too).")
	}
	note(m.st.MutedText, "Sent to your terminal's clipboard (if it allows "+osc52+") · any key to close")
	m.ov = m.ov.show("Command for this view", lines)
	return m.say("sent the command to your terminal's clipboard (if it allows %s)", osc52), tea.SetClipboard(shellLine(args))
}
