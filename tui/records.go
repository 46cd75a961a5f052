package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
	"kpiscope/tui/keys"
	"kpiscope/tui/pane"
)

// recordsLens is the rows behind a number (issue 13, view 5): the records
// the selected KPI's n counts in the slice on screen (or a breakdown row's,
// or a grid cell's), read from the engine a window at a time
// (kpi.Engine.Records: LIMIT/OFFSET, cancellable, values bound), in file
// order until a sort is asked (a page reads only as far as it needs: no
// sort of the period's rows), sortable by any column, searched, and
// exported as CSV (a file locally, the clipboard over SSH). The count comes
// in a query of its own, beside the rows, and fills in when it is done.
type recordsLens struct {
	def   *kpi.Def
	slice kpi.Slice // the screen's, or the cell's: filters, grain, period
	dim   string    // the segment's dimension ("" none): a filter
	value string
	// opened is false until the first Reslice, which reads the slice the
	// lens was opened with; later ones follow the screen.
	opened bool

	sort   string // "" = in file order
	desc   bool
	search string

	// pos is the cursor's row and top the first row shown, both counted
	// from the first row of the whole result; left is the first column
	// shown after the pinned first one.
	pos, top, left int
	// vis is the rows the last frame had room for, shown the columns.
	vis   int
	shown []int
	// detail shows the cursor's row as one line per column.
	detail bool
	// typing is the search prompt, open; input is what it holds.
	typing bool
	input  string

	recs    *kpi.Records // the block of rows read, with the counts
	err     error
	loading bool
	// reading says what the rows on their way are for: "reading…",
	// "sorting…", "searching…".
	reading string
	seq     uint64
	cancel  context.CancelFunc
	gen     int
	// The count is a query of its own (cseq, ccancel), asked once the
	// rows have come (countDue) so that it does not share the cores with
	// the first page: counting until it comes; recsC is the count the block
	// read belongs to (the cseq it was asked under), counts the last one
	// that came.
	counting bool
	countDue bool
	cseq     uint64
	ccancel  context.CancelFunc
	recsC    uint64
	counts   recordsCountMsg
	// want is the block a query is on its way for (offset, limit).
	wantOff, wantLim int
	// gotLim is the limit the block read was asked with.
	gotLim int

	exporting bool
	xseq      uint64
	xcancel   context.CancelFunc
	note      string
}

// recordsMsg is a block of rows; cseq is the count it belongs to.
type recordsMsg struct {
	seq  uint64
	cseq uint64
	gen  int
	recs *kpi.Records
	err  error
}

// recordsCountMsg is the count of the rows (and of those matching the
// search, and n; noValue says why the KPI has none here).
type recordsCountMsg struct {
	cseq            uint64
	gen             int
	count, n, match int64
	noValue         string
	err             error
}

// recordsCSVMsg is the rows to export, as CSV.
type recordsCSVMsg struct {
	seq    uint64
	csv    string
	rows   int
	capped bool
	clip   bool // to the clipboard (OSC 52) rather than a file
	name   string
	err    error
}

const (
	// recordsFileCap is the most rows an export writes to a file.
	recordsFileCap = 100_000
	// recordsClipCap is the most rows a copy sends to the clipboard: a
	// terminal takes a few megabytes of OSC 52 at most.
	recordsClipCap = 10_000
	// recordsColMax is the widest a column is drawn (enter shows a row whole).
	recordsColMax = 28
)

// newRecordsLens opens the rows behind def's number in slice s, narrowed to
// the segment dim = value when dim is set (a breakdown row, a grid cell:
// s carries the cell's period and grain).
func newRecordsLens(def *kpi.Def, s kpi.Slice, dim, value string) lens {
	return &recordsLens{def: def, slice: s, dim: dim, value: value, vis: 20}
}

// openRecords opens the rows behind the selected KPI's number: the
// breakdown row under the cursor when the breakdown has the focus, else
// the tile's slice.
func (m Model) openRecords() (Model, tea.Cmd) {
	c := m.lensCtx()
	if c.def == nil {
		return m.say("no KPI selected"), nil
	}
	dim, value := "", ""
	if m.bd.focused && c.dim != "" && c.row != "" {
		dim, value = c.dim, c.row
	}
	return m.openLens(newRecordsLens(c.def, c.slice, dim, value))
}

// asked is the slice the rows are read in: the segment as a filter.
func (r *recordsLens) asked() kpi.Slice {
	s := r.slice
	s.Segment, s.MaxSegments = "", 0
	if r.dim != "" {
		s = s.WithFilter(kpi.Filter{Dim: r.dim, Values: []string{r.value}})
	}
	return s
}

func (r *recordsLens) Reslice(c lensCtx) (lens, tea.Cmd) {
	if r.opened {
		if c.def != r.def {
			r.sort, r.desc = "", false // another KPI, maybe another table
		}
		r.def, r.slice = c.def, c.slice
	}
	r.opened = true
	r.pos, r.top, r.left, r.detail, r.note = 0, 0, 0, false, ""
	r.recs = nil
	return r, r.fetch(c, 0, true, "reading…")
}

// stop cancels the query in flight; its answer, should it come, is dropped.
func (r *recordsLens) stop() {
	if r.cancel != nil {
		r.cancel()
		r.cancel = nil
	}
	r.seq++
	r.loading = false
}

// stopCount cancels the count in flight; its answer is dropped.
func (r *recordsLens) stopCount() {
	if r.ccancel != nil {
		r.ccancel()
		r.ccancel = nil
	}
	r.cseq++
	r.counting, r.countDue = false, false
}

func (r *recordsLens) Close() {
	r.stop()
	r.stopCount()
	if r.xcancel != nil {
		r.xcancel()
		r.xcancel = nil
	}
	r.xseq++
	r.exporting = false
}

func recordsCtx(c lensCtx) (context.Context, context.CancelFunc) {
	ctx := c.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if c.timeout > 0 {
		return context.WithTimeout(ctx, c.timeout)
	}
	return context.WithCancel(ctx)
}

// fetch asks for the rows from off: three windows' worth, so moving a
// window either way needs no query; counted asks for the counts too (a new
// slice or search), in a query of its own asked when the rows have come
// (askCount), so the rows never wait for the count. what says what the
// rows are for ("sorting…").
func (r *recordsLens) fetch(c lensCtx, off int, counted bool, what string) tea.Cmd {
	r.stop()
	if counted {
		r.stopCount()
	}
	if c.eng == nil || r.def == nil {
		return nil
	}
	ctx, cancel := recordsCtx(c)
	r.cancel, r.loading, r.gen, r.reading = cancel, true, c.gen, what
	lim := 3 * max(r.vis, 1)
	r.wantOff, r.wantLim = off, lim
	seq, cseq, gen, eng, id, s := r.seq, r.cseq, c.gen, c.eng, r.def.ID, r.asked()
	ask := kpi.RecordsAsk{Sort: r.sort, Desc: r.desc, FileOrder: r.sort == "", Search: r.search, Offset: off, Limit: lim, NoCount: true}
	if !counted && r.recs != nil && r.recsC == cseq && r.recs.Match >= 0 {
		ask.Total = r.recs.Match // a far page is read from the end
	}
	if counted {
		r.counting, r.countDue = true, true
	}
	return func() tea.Msg {
		recs, err := eng.Records(ctx, id, s, ask)
		return recordsMsg{seq: seq, cseq: cseq, gen: gen, recs: recs, err: err}
	}
}

// askCount asks for the count of the rows (and of those matching the
// search, and n), when one is due.
func (r *recordsLens) askCount(c lensCtx) tea.Cmd {
	if !r.countDue || c.eng == nil || r.def == nil {
		return nil
	}
	r.countDue = false
	ctx, cancel := recordsCtx(c)
	r.ccancel = cancel
	cseq, gen, eng, id, s := r.cseq, c.gen, c.eng, r.def.ID, r.asked()
	ask := kpi.RecordsAsk{FileOrder: true, Search: r.search}
	return func() tea.Msg {
		recs, err := eng.Records(ctx, id, s, ask)
		if err != nil {
			return recordsCountMsg{cseq: cseq, gen: gen, err: err}
		}
		return recordsCountMsg{cseq: cseq, gen: gen, count: recs.Count, n: recs.N, match: recs.Match, noValue: recs.NoValue}
	}
}

// got takes in a block of rows; a late answer is dropped (false).
func (r *recordsLens) got(msg recordsMsg, c lensCtx) bool {
	if msg.seq != r.seq || msg.gen != c.gen {
		return false
	}
	if r.cancel != nil {
		r.cancel()
		r.cancel = nil
	}
	r.loading = false
	if msg.err != nil {
		r.fail(msg.err, c)
		return true
	}
	r.err = nil
	recs := msg.recs
	switch {
	case r.recs != nil && r.recsC == msg.cseq: // a new block of rows of the same count
		recs.Count, recs.N, recs.Match, recs.NoValue = r.recs.Count, r.recs.N, r.recs.Match, r.recs.NoValue
	case r.counts.cseq == msg.cseq && !r.counting: // the count came first
		recs.Count, recs.N, recs.Match, recs.NoValue = r.counts.count, r.counts.n, r.counts.match, r.counts.noValue
	default:
		recs.Count, recs.N, recs.Match = -1, -1, -1
	}
	r.recs, r.recsC, r.gotLim = recs, msg.cseq, r.wantLim
	r.sort, r.desc = recs.Sort, recs.Desc
	r.pos = max(0, min(r.pos, r.total()-1))
	return true
}

// gotCount takes in the count; a late one is dropped.
func (r *recordsLens) gotCount(msg recordsCountMsg, c lensCtx) {
	if msg.cseq != r.cseq || msg.gen != c.gen {
		return
	}
	if r.ccancel != nil {
		r.ccancel()
		r.ccancel = nil
	}
	r.counting = false
	if msg.err != nil {
		r.stop()
		r.fail(msg.err, c)
		return
	}
	r.counts = msg
	if r.recs != nil && r.recsC == msg.cseq {
		r.recs.Count, r.recs.N, r.recs.Match, r.recs.NoValue = msg.count, msg.n, msg.match, msg.noValue
	}
}

// fail shows a query's error in place of the rows.
func (r *recordsLens) fail(err error, c lensCtx) {
	r.err = err
	if errors.Is(err, context.DeadlineExceeded) {
		r.err = fmt.Errorf("the rows took longer than %s (--query-timeout) and were stopped; try a narrower slice", c.timeout)
	}
	r.recs = nil
}

// total is the rows there are to show (matching the search); until the
// count comes, the rows read so far.
func (r *recordsLens) total() int {
	if r.recs == nil {
		return 0
	}
	if r.recs.Match < 0 {
		return r.recs.Offset + len(r.recs.Rows)
	}
	return int(r.recs.Match)
}

// have reports whether the rows of [from, to) are in the block read.
func (r *recordsLens) have(from, to int) bool {
	if r.recs == nil {
		return false
	}
	to = min(to, r.total())
	return from >= r.recs.Offset && to <= r.recs.Offset+len(r.recs.Rows)
}

// moveTo puts the cursor on row p and the window around it, and reads the
// rows the window needs when they are not in the block.
func (r *recordsLens) moveTo(c lensCtx, p int) tea.Cmd {
	n := r.total()
	if n == 0 {
		return nil
	}
	r.pos = max(0, min(p, n-1))
	vis := max(r.vis, 1)
	if r.pos < r.top {
		r.top = r.pos
	}
	if r.pos >= r.top+vis {
		r.top = r.pos - vis + 1
	}
	r.top = max(0, min(r.top, n-vis))
	if r.have(r.top, r.top+vis) {
		return nil
	}
	off := max(0, r.top-vis)
	if r.loading && r.wantOff == off || !r.loading && r.recs != nil && r.recs.Offset == off && r.gotLim >= 3*vis {
		return nil // on its way, or read already: no loop on a short block
	}
	return r.fetch(c, off, false, "reading…")
}

func (r *recordsLens) Update(msg tea.Msg, c lensCtx) (lens, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case recordsMsg:
		if !r.got(msg, c) || r.err != nil {
			return r, r.moveTo(c, r.pos), true
		}
		return r, tea.Batch(r.askCount(c), r.moveTo(c, r.pos)), true
	case recordsCountMsg:
		r.gotCount(msg, c)
		return r, r.moveTo(c, r.pos), true
	case recordsCSVMsg:
		return r, r.gotCSV(msg, c), true
	case tea.MouseWheelMsg:
		d := 3
		if msg.Mouse().Button == tea.MouseWheelUp {
			d = -3
		}
		return r, r.moveTo(c, r.pos+d), true
	case tea.KeyPressMsg:
		return r.key(msg, c)
	}
	return r, nil, false
}

// key handles a key: the search prompt takes every key while open.
func (r *recordsLens) key(msg tea.KeyPressMsg, c lensCtx) (lens, tea.Cmd, bool) {
	k := c.keys
	r.note = ""
	if r.typing {
		switch msg.String() {
		case "enter":
			r.typing = false
			r.search = strings.TrimSpace(r.input)
			r.pos, r.top = 0, 0
			return r, r.fetch(c, 0, true, "searching…"), true
		case "esc":
			r.typing = false
		case "backspace":
			if rs := []rune(r.input); len(rs) > 0 {
				r.input = string(rs[:len(rs)-1])
			}
		case "ctrl+u":
			r.input = ""
		default:
			if t := msg.Text; t != "" {
				r.input += t
			}
		}
		return r, nil, true
	}
	if r.detail && key.Matches(msg, k.Back, k.Focus) {
		r.detail = false
		return r, nil, true
	}
	switch {
	case key.Matches(msg, k.Down):
		return r, r.moveTo(c, r.pos+1), true
	case key.Matches(msg, k.Up):
		return r, r.moveTo(c, r.pos-1), true
	case key.Matches(msg, k.PageDown):
		r.top += max(r.vis, 1)
		return r, r.moveTo(c, r.pos+max(r.vis, 1)), true
	case key.Matches(msg, k.PageUp):
		r.top -= max(r.vis, 1)
		return r, r.moveTo(c, r.pos-max(r.vis, 1)), true
	case key.Matches(msg, k.Top):
		return r, r.moveTo(c, 0), true
	case key.Matches(msg, k.Bottom):
		return r, r.moveTo(c, r.total()-1), true
	case key.Matches(msg, k.Right):
		if r.recs != nil && r.left < len(r.recs.Columns)-2 {
			r.left++
		}
		return r, nil, true
	case key.Matches(msg, k.Left):
		r.left = max(0, r.left-1)
		return r, nil, true
	case key.Matches(msg, k.Focus):
		if r.total() > 0 {
			r.detail = true
		}
		return r, nil, true
	case key.Matches(msg, k.Sort):
		// The next column, from the first: its own order.
		if r.recs == nil {
			return r, nil, true
		}
		cols := r.recs.Columns
		i := 0
		for j, col := range cols {
			if col == r.sort {
				i = (j + 1) % len(cols)
			}
		}
		r.sort, r.desc = cols[i], false
		r.showColumn(i)
		r.pos, r.top = 0, 0
		return r, r.fetch(c, 0, false, "sorting…"), true
	case key.Matches(msg, k.SortDir):
		if r.recs == nil {
			return r, nil, true
		}
		if r.sort == "" { // file order has no reverse: the first column's, from the largest
			r.sort, r.desc = r.recs.Columns[0], false
		}
		r.desc = !r.desc
		r.pos, r.top = 0, 0
		return r, r.fetch(c, 0, false, "sorting…"), true
	case key.Matches(msg, k.Find):
		r.typing, r.input = true, r.search
		return r, nil, true
	case key.Matches(msg, k.Back) && r.search != "":
		r.search = ""
		r.pos, r.top = 0, 0
		return r, r.fetch(c, 0, true, "reading…"), true
	case key.Matches(msg, k.Export):
		return r, r.export(c, c.ssh), true
	case key.Matches(msg, k.Copy):
		return r, r.export(c, true), true
	}
	return r, nil, false
}

// showColumn scrolls the columns so that column i is shown.
func (r *recordsLens) showColumn(i int) {
	if i == 0 {
		return
	}
	if i-1 < r.left || i-1 > r.left+2 {
		r.left = max(0, i-1)
	}
}

// export reads the rows of the slice (sorted and searched as shown, up to
// a cap) as CSV, for a file or the clipboard.
func (r *recordsLens) export(c lensCtx, clip bool) tea.Cmd {
	if c.eng == nil || r.def == nil || r.recs == nil {
		r.note = "nothing to export yet"
		return nil
	}
	if r.xcancel != nil {
		r.xcancel()
	}
	ctx, cancel := recordsCtx(c)
	r.xseq++
	r.xcancel, r.exporting = cancel, true
	capRows := recordsFileCap
	if clip {
		capRows = recordsClipCap
	}
	r.note = "reading the rows to export…"
	seq, eng, id, s := r.xseq, c.eng, r.def.ID, r.asked()
	ask := kpi.RecordsAsk{Sort: r.sort, Desc: r.desc, FileOrder: r.sort == "", Search: r.search, Limit: capRows + 1, NoCount: true}
	name := "kpiscope-" + c.now().Format("20060102-150405") + "-" + safeName(r.def.ID) + "-rows.csv"
	return func() tea.Msg {
		recs, err := eng.Records(ctx, id, s, ask)
		if err != nil {
			return recordsCSVMsg{seq: seq, err: err}
		}
		capped := len(recs.Rows) > capRows
		if capped {
			recs.Rows = recs.Rows[:capRows]
		}
		var b bytes.Buffer
		if err := report.RecordsCSV(&b, recs); err != nil {
			return recordsCSVMsg{seq: seq, err: err}
		}
		return recordsCSVMsg{seq: seq, csv: b.String(), rows: len(recs.Rows), capped: capped, clip: clip, name: name}
	}
}

// gotCSV sends the rows read to the clipboard (OSC 52) or a file.
func (r *recordsLens) gotCSV(msg recordsCSVMsg, c lensCtx) tea.Cmd {
	if msg.seq != r.xseq {
		return nil
	}
	if r.xcancel != nil {
		r.xcancel()
		r.xcancel = nil
	}
	r.exporting = false
	if msg.err != nil {
		r.note = "export failed: " + cleanLine(msg.err)
		return nil
	}
	what := cmdline.Count(msg.rows, "row")
	if msg.capped {
		what = "the first " + what + " (the cap)"
	}
	var cmd tea.Cmd
	r.note, cmd = sendCSV(c, msg.csv, what, msg.name, msg.clip)
	return cmd
}

// sendCSV sends text, CSV of what ("12 rows"), to the terminal's clipboard
// (OSC 52) when clip, else to the file name in the export folder; it
// returns the note saying so and the command that does it.
func sendCSV(c lensCtx, text, what, name string, clip bool) (string, tea.Cmd) {
	if clip {
		return fmt.Sprintf("sent %s as CSV to your terminal's clipboard (if it allows %s)", what, osc52), tea.SetClipboard(text)
	}
	return "exporting " + what + " as CSV", writeFiles([]exportFile{{filepath.Join(c.exportDir, name), text}})
}

// Loading reports whether its rows or its count are on their way (the
// explorer's spinner turns).
func (r *recordsLens) Loading() bool { return r.loading || r.counting }

// Wide: the rows take the whole body.
func (r *recordsLens) Wide() bool { return true }

func (r *recordsLens) Footer(c lensCtx) []key.Binding {
	k := c.keys
	b := func(bind key.Binding, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(bind.Keys()...), key.WithHelp(bind.Help().Key, desc))
	}
	if r.typing {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "search")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))}
	}
	if r.detail {
		return []key.Binding{b(k.Down, "next row"), b(k.Up, "previous row"), b(k.Focus, "table")}
	}
	exp := "export CSV"
	if c.ssh {
		exp = "copy CSV"
	}
	upDown := key.NewBinding(key.WithKeys(k.Down.Keys()...), key.WithHelp(keys.First(k.Down)+"/"+keys.First(k.Up), "row"))
	lr := key.NewBinding(key.WithKeys(k.Right.Keys()...), key.WithHelp(keys.First(k.Left)+"/"+keys.First(k.Right), "columns"))
	return []key.Binding{upDown, b(k.Sort, "sort"), b(k.Find, "search"), b(k.Export, exp), lr,
		b(k.Focus, "whole row"), b(k.SortDir, "reverse"), b(k.PageDown, "page")}
}

func (r *recordsLens) View(c lensCtx, w, h int) (string, []string) {
	st := c.st
	title := "rows behind the number"
	if r.def != nil {
		title = clean(r.def.Label()) + " · the rows behind n"
	}
	if r.recs != nil {
		title = report.RecordsTitle(r.recs)
	}
	var out []string
	if r.def == nil {
		return title, []string{st.MutedText.Render("no KPI selected")}
	}
	if r.err != nil {
		out = append(out, "")
		for _, l := range pane.Wrap(cleanLine(r.err), max(1, w-2)) {
			out = append(out, " "+st.ErrText.Render(l))
		}
		out = append(out, "", " "+st.MutedText.Render("esc to close"))
		return title, out
	}
	if r.recs == nil {
		return title, []string{"", " " + st.MutedText.Render("reading the rows…")}
	}
	rec := r.recs
	out = append(out, " "+st.MutedText.Render(report.RecordsRule(rec)))
	// The count line: which rows of how many, sorted how; or the prompt.
	vis := max(1, h-3)
	if r.detail {
		vis = max(1, h-2)
	}
	r.vis = vis
	n := r.total()
	shown := max(0, min(vis, n-r.top))
	counts := *rec
	counts.Offset = r.top
	line := report.RecordsCount(&counts, shown) + " · " + report.RecordsSort(rec)
	if r.loading {
		// The rows on screen are the last ones until the new ones come.
		line += st.MutedText.Render(" · " + r.reading)
	} else if r.counting {
		line += st.MutedText.Render(" · counting…")
	}
	switch {
	case r.typing:
		line = st.AccentTxt.Render("search: ") + clean(r.input) + "▏" + st.MutedText.Render("  any column's text, any case")
	case r.note != "":
		line = report.RecordsCount(&counts, shown) + " · " + st.AccentTxt.Render(clean(r.note))
	}
	if r.detail {
		line = fmt.Sprintf("row %s of %s", cmdline.Thousands(r.pos+1), cmdline.Thousands(n))
		if rec.Search != "" {
			line += fmt.Sprintf(" matching %q", clean(rec.Search))
		}
		if r.note != "" {
			line += " · " + st.AccentTxt.Render(clean(r.note))
		}
		return title, append(append(out, " "+line), r.rowDetail(c, w, vis)...)
	}
	tbl := r.table(c, w, vis)
	if k := len(r.shown); !r.typing && k > 0 && k < len(rec.Columns) {
		cols := fmt.Sprintf(" · columns %d–%d of %d", r.left+2, r.left+k, len(rec.Columns))
		if r.left == 0 {
			cols = fmt.Sprintf(" · columns 1–%d of %d", k, len(rec.Columns))
		}
		if pane.Width(line)+pane.Width(cols)+1 <= w {
			line += st.MutedText.Render(cols)
		}
	}
	return title, append(append(out, " "+line), tbl...)
}

// row is the cells of row p (nil when not read yet).
func (r *recordsLens) row(p int) []string {
	rec := r.recs
	i := p - rec.Offset
	if i < 0 || i >= len(rec.Rows) {
		return nil
	}
	cells := make([]string, len(rec.Rows[i]))
	for j, v := range rec.Rows[i] {
		cells[j] = report.Clean(rec.Display(j, v))
	}
	return cells
}

// table draws the header and the window's rows: the first column pinned,
// then the columns from left that fit (shown says which).
func (r *recordsLens) table(c lensCtx, w, vis int) []string {
	st, rec := c.st, r.recs
	cols := rec.Columns
	var rows [][]string
	for p := r.top; p < min(r.top+vis, r.total()); p++ {
		rows = append(rows, r.row(p))
	}
	width := func(j int) int {
		wd := pane.Width(clean(cols[j]))
		if cols[j] == rec.Sort {
			wd += 2 // the sort arrow
		}
		for _, row := range rows {
			if row != nil {
				wd = max(wd, pane.Width(row[j]))
			}
		}
		return min(wd, recordsColMax)
	}
	// Columns shown: the first, then from left+1 while they fit.
	show := []int{0}
	used := 1 + width(0) // the cursor's gutter
	r.left = max(0, min(r.left, len(cols)-2))
	for j := r.left + 1; j < len(cols); j++ {
		wd := width(j)
		if used+2+wd > w {
			if len(show) == 1 { // one column at least, cut
				show = append(show, j)
			}
			break
		}
		show = append(show, j)
		used += 2 + wd
	}
	widths := make([]int, len(show))
	for i, j := range show {
		widths[i] = width(j)
	}
	// Numbers right-aligned: a column whose values in the block read are
	// all numbers.
	numeric := map[int]bool{}
	for _, j := range show {
		numeric[j] = r.numeric(j)
	}
	fit := func(s string, w, j int) string {
		if numeric[j] {
			return pane.FitRight(s, w)
		}
		return pane.Fit(s, w)
	}
	if len(show) > 1 {
		last := len(show) - 1
		widths[last] = max(1, min(widths[last], w-1-recordsSum(widths[:last])-2*last))
	}
	head := " "
	for i, j := range show {
		name := clean(cols[j])
		if cols[j] == rec.Sort {
			if rec.Desc {
				name += " ↓"
			} else {
				name += " ↑"
			}
		}
		cell := fit(name, widths[i], j)
		if j < rec.Used {
			cell = st.AccentTxt.Bold(true).Render(cell)
		} else {
			cell = st.TableHead.Render(cell)
		}
		if i > 0 {
			head += "  "
		}
		head += cell
	}
	r.shown = show
	out := []string{head}
	if r.total() == 0 {
		msg := "no rows in this slice"
		if r.search != "" {
			msg = "no row matches the search: esc to clear it"
		}
		return append(out, " "+st.MutedText.Render(msg))
	}
	for k, row := range rows {
		p := r.top + k
		var b strings.Builder
		mark := " "
		if p == r.pos {
			mark = pane.SelectMark
		}
		b.WriteString(mark)
		for i, j := range show {
			if i > 0 {
				b.WriteString("  ")
			}
			text := "…"
			if row != nil {
				text = row[j]
			}
			b.WriteString(fit(text, widths[i], j))
		}
		line := pane.Fit(b.String(), w)
		if p == r.pos {
			line = st.Selected.Render(line)
		}
		out = append(out, line)
	}
	return out
}

// numeric reports whether column j holds numbers (and nulls) in the block
// read, and one number at least.
func (r *recordsLens) numeric(j int) bool {
	seen := false
	for _, row := range r.recs.Rows {
		switch row[j].(type) {
		case nil:
		case int8, int16, int32, int64, uint8, uint16, uint32, uint64, int, float32, float64:
			seen = true
		default:
			return false
		}
	}
	return seen
}

// rowDetail draws the cursor's row whole: one line per column.
func (r *recordsLens) rowDetail(c lensCtx, w, vis int) []string {
	st, rec := c.st, r.recs
	row := r.row(r.pos)
	var out []string
	if row == nil {
		return append(out, " "+st.MutedText.Render("reading the row…"))
	}
	nameW := 0
	for _, col := range rec.Columns {
		nameW = max(nameW, pane.Width(clean(col)))
	}
	nameW = min(nameW, w/2)
	for j, col := range rec.Columns {
		if len(out) >= vis {
			break
		}
		name := pane.Fit(clean(col), nameW)
		if j < rec.Used {
			name = st.AccentTxt.Bold(true).Render(name)
		} else {
			name = st.MutedText.Render(name)
		}
		out = append(out, " "+name+"  "+pane.Fit(row[j], max(1, w-nameW-3)))
	}
	return out
}

func recordsSum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}
