package tui

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"charm.land/log/v2"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/sqlq"
	"kpiscope/tui/keys"
	"kpiscope/tui/pane"
)

// sqlLens is the read-only SQL prompt (issue 15, item 4; palette "sql"):
// one statement at a time over the loaded tables (internal/sqlq decides
// what may run: SELECT, WITH, DESCRIBE, SUMMARIZE, EXPLAIN; no file, no
// write, no setting), under the explorer's query timeout (30 s when none
// is set) and a row limit, its result as a scrollable table, the session's
// statements recalled with ↑/↓, the result exported as CSV (a file
// locally, the clipboard over SSH). It takes the whole body and stays
// with the explorer while closed: opening it again shows the last
// statement, its result and the history.
type sqlLens struct {
	ed textarea.Model
	// results: the keys move in the result table rather than edit.
	results bool

	history []string // the statements run, oldest first
	hist    int      // the one recalled; len(history): the draft
	draft   string   // what was typed before ↑ recalled a statement

	lensQuery
	res     *sqlq.Result
	err     string
	refused bool   // err is the prompt's refusal, not DuckDB's error
	ran     string // the statement res or err answers

	pos, top int // the cursor's row, the first row shown
	left     int // the columns scrolled past after the first, which stays
	vis      int // the rows the last frame had room for
	shown    int // the columns the last frame showed
	note     string
	// log gets each statement run, its rows, time, refusal or error (the
	// serve log names the session, the user and the key).
	log *log.Logger
}

// sqlMsg is a statement's answer.
type sqlMsg struct {
	seq uint64
	key string
	res *sqlq.Result
	err error
}

const (
	// sqlClipMax is the largest CSV sent to the clipboard (OSC 52).
	sqlClipMax = 1 << 20
	// sqlColMax is the widest a result column is drawn.
	sqlColMax = 32
	// sqlEditorMax is the most lines the editor grows to.
	sqlEditorMax = 6
)

// openSQL opens the SQL prompt, as it was left, when the explorer allows it.
func (m Model) openSQL() (Model, tea.Cmd) {
	if !m.deps.SQL {
		return m.warn("the SQL prompt is off in this session: the operator must start serve with --allow-sql"), nil
	}
	if m.q.eng == nil {
		return m.say("no data loaded yet"), nil
	}
	if m.sql == nil {
		m.sql = newSQLLens()
	}
	m.sql.log = m.q.log
	m.sql.ed.Placeholder = "type a query, e.g. SELECT * FROM " + firstTable(m.lensCtx()) + " LIMIT 10"
	if m.onWarehouse() {
		// The statement runs on ClickHouse, in its dialect (sqlq's warehouse.go).
		m.sql.ed.Placeholder = "type a ClickHouse query, e.g. SELECT * FROM " + firstTable(m.lensCtx()) + " LIMIT 10"
	}
	return m.openLens(m.sql)
}

// sqlHint is the palette's hint for the SQL prompt: off, the flag that
// turns it on (picking it says more).
func (m Model) sqlHint() string {
	if !m.deps.SQL {
		return "--allow-sql"
	}
	return ""
}

func newSQLLens() *sqlLens {
	ed := textarea.New()
	ed.ShowLineNumbers = false
	ed.SetPromptFunc(5, func(p textarea.PromptInfo) string {
		if p.LineNumber == 0 {
			return "sql> "
		}
		return "   > "
	})
	ed.CharLimit = 20_000
	ed.DynamicHeight = true
	ed.MinHeight = 1
	ed.MaxHeight = sqlEditorMax
	ed.MaxContentHeight = 500
	ed.KeyMap.InsertNewline = key.NewBinding(key.WithKeys("alt+enter", "ctrl+j"), key.WithHelp("alt+enter", "new line"))
	ed.KeyMap.LineEnd = key.NewBinding(key.WithKeys("end")) // ctrl+e exports
	ed.SetHeight(1)
	return &sqlLens{ed: ed, vis: 20}
}

// restyle gives the editor the explorer's palette: plain text, the prompt
// in the accent colour, a cursor that does not blink (no ticks).
func (s *sqlLens) restyle(c lensCtx) {
	st := textarea.DefaultDarkStyles()
	for _, ss := range []*textarea.StyleState{&st.Focused, &st.Blurred} {
		ss.Base = c.st.Text.UnsetBackground().UnsetForeground()
		ss.Text = c.st.Text
		ss.CursorLine = c.st.Text
		ss.Placeholder = c.st.MutedText
		ss.EndOfBuffer = c.st.MutedText
		ss.Prompt = c.st.AccentTxt
	}
	st.Blurred.Prompt = c.st.MutedText
	st.Cursor.Blink = false
	s.ed.SetStyles(st)
}

func (s *sqlLens) Reslice(c lensCtx) (lens, tea.Cmd) {
	s.restyle(c)
	if !s.results {
		s.ed.Focus()
	}
	return s, nil
}

// Wide: the prompt and its result take the whole body.
func (s *sqlLens) Wide() bool { return true }

func (s *sqlLens) Update(msg tea.Msg, c lensCtx) (lens, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case sqlMsg:
		s.got(msg, c)
		return s, nil, true
	case tea.PasteMsg: // a statement pasted goes to the editor
		s.focusResults(false)
		var cmd tea.Cmd
		s.ed, cmd = s.ed.Update(msg)
		return s, cmd, true
	case tea.MouseWheelMsg:
		d := 3
		if msg.Mouse().Button == tea.MouseWheelUp {
			d = -3
		}
		s.moveTo(s.pos + d)
		return s, nil, true
	case tea.KeyPressMsg:
		return s.key(msg, c)
	}
	return s, nil, false
}

// key handles a key: the editor takes every key but esc (close), tab (the
// results), enter (run), ctrl+e (export) and ↑/↓ at its first or last line
// (history); in the results the explorer's movement keys move, enter or
// tab go back to the editor and the keys the table does not use are the
// explorer's.
func (s *sqlLens) key(msg tea.KeyPressMsg, c lensCtx) (lens, tea.Cmd, bool) {
	k := c.keys
	s.note = ""
	ks := msg.String()
	switch {
	case key.Matches(msg, k.Back):
		return s, nil, false // the explorer closes the lens
	case ks == "tab":
		s.focusResults(!s.results)
		return s, nil, true
	case ks == "ctrl+e":
		return s, s.export(c, c.ssh), true
	}
	if s.results {
		return s.resultKey(msg, c)
	}
	switch ks {
	case "enter":
		return s, s.run(c), true
	case "up":
		if s.ed.Line() == 0 && s.recall(-1) {
			return s, nil, true
		}
	case "down":
		if s.ed.Line() == s.ed.LineCount()-1 && s.recall(1) {
			return s, nil, true
		}
	case "pgdown":
		s.moveTo(s.pos + max(s.vis, 1))
		return s, nil, true
	case "pgup":
		s.moveTo(s.pos - max(s.vis, 1))
		return s, nil, true
	}
	var cmd tea.Cmd
	s.ed, cmd = s.ed.Update(msg)
	return s, cmd, true
}

// focusResults moves the keys to the results (true) or the editor.
func (s *sqlLens) focusResults(on bool) {
	if on && s.res == nil {
		s.note = "no result yet: enter runs the statement"
		on = false
	}
	s.results = on
	if on {
		s.ed.Blur()
	} else {
		s.ed.Focus()
	}
}

func (s *sqlLens) resultKey(msg tea.KeyPressMsg, c lensCtx) (lens, tea.Cmd, bool) {
	k := c.keys
	switch {
	case key.Matches(msg, k.Down):
		s.moveTo(s.pos + 1)
	case key.Matches(msg, k.Up):
		s.moveTo(s.pos - 1)
	case key.Matches(msg, k.PageDown):
		s.moveTo(s.pos + max(s.vis, 1))
	case key.Matches(msg, k.PageUp):
		s.moveTo(s.pos - max(s.vis, 1))
	case key.Matches(msg, k.Top):
		s.moveTo(0)
	case key.Matches(msg, k.Bottom):
		s.moveTo(s.rows() - 1)
	case key.Matches(msg, k.Right):
		if s.res != nil && s.left+s.shown < len(s.res.Columns) { // one column pinned
			s.left++
		}
	case key.Matches(msg, k.Left):
		s.left = max(0, s.left-1)
	case key.Matches(msg, k.Export):
		return s, s.export(c, c.ssh), true
	case key.Matches(msg, k.Copy):
		return s, s.export(c, true), true
	case key.Matches(msg, k.Focus):
		s.focusResults(false)
	default:
		return s, nil, false // the explorer's: q quits, : the palette, ? help
	}
	return s, nil, true
}

// recall puts the statement d steps back (-1) or forward in the history in
// the editor; false when there is none that way.
func (s *sqlLens) recall(d int) bool {
	to := s.hist + d
	if to < 0 || to > len(s.history) || len(s.history) == 0 {
		return false
	}
	if s.hist == len(s.history) {
		s.draft = s.ed.Value()
	}
	s.hist = to
	if to == len(s.history) {
		s.ed.SetValue(s.draft)
	} else {
		s.ed.SetValue(s.history[to])
	}
	return true
}

// run runs the statement in the editor, cancelling the one on its way.
func (s *sqlLens) run(c lensCtx) tea.Cmd {
	stmt := strings.TrimSpace(s.ed.Value())
	if stmt == "" {
		s.note = "type a statement first, such as SELECT * FROM " + firstTable(c) + " LIMIT 10"
		return nil
	}
	if n := len(s.history); n == 0 || s.history[n-1] != stmt {
		s.history = append(s.history, stmt)
	}
	s.hist, s.draft = len(s.history), ""
	if c.eng == nil {
		s.note = "no data loaded"
		return nil
	}
	ctx, seq := s.begin(c, stmt)
	eng, opt, logger := c.eng, sqlq.Options{Timeout: sqlTimeout(c)}, s.log
	return func() tea.Msg {
		began := time.Now()
		res, err := sqlq.Run(ctx, eng, stmt, opt)
		logStatement(logger, stmt, res, err, time.Since(began))
		return sqlMsg{seq: seq, key: stmt, res: res, err: err}
	}
}

// sqlLogMax is the most of a statement's text the log keeps.
const sqlLogMax = 500

// logStatement logs a statement run at the prompt, at info level: its
// text (cut to sqlLogMax bytes), then its rows or its refusal or error,
// and its time.
func logStatement(l *log.Logger, stmt string, res *sqlq.Result, err error, took time.Duration) {
	if l == nil {
		return
	}
	text := strings.Join(strings.Fields(stmt), " ")
	if len(text) > sqlLogMax {
		cut := sqlLogMax
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	kv := []any{"statement", text, "took", took.Round(time.Millisecond)}
	var refused *sqlq.RefusedError
	switch {
	case err == nil:
		kv = append(kv, "rows", len(res.Rows), "truncated", res.Truncated)
	case errors.As(err, &refused):
		kv = append(kv, "refused", sqlq.Message(err))
	default:
		kv = append(kv, "err", sqlq.Message(err))
	}
	l.Info("sql statement", kv...)
}

// sqlTimeout is the statement's timeout: the explorer's (--query-timeout),
// else sqlq's default.
func sqlTimeout(c lensCtx) time.Duration {
	if c.timeout > 0 {
		return c.timeout
	}
	return sqlq.DefaultTimeout
}

func firstTable(c lensCtx) string {
	if c.eng == nil {
		return "tickets"
	}
	if ts := sqlq.Tables(c.eng); len(ts) > 0 {
		return sqlq.Ident(ts[0])
	}
	return "tickets"
}

// got takes in a statement's answer; a superseded one is dropped.
func (s *sqlLens) got(msg sqlMsg, c lensCtx) {
	if !s.answered(msg.seq, msg.key) {
		return
	}
	s.ran = msg.key
	if msg.err != nil {
		if errors.Is(msg.err, context.Canceled) {
			s.err, s.res = "stopped", nil
			return
		}
		var refused *sqlq.RefusedError
		s.refused = errors.As(msg.err, &refused)
		s.err, s.res = clean(sqlq.Message(msg.err)), nil
		return
	}
	s.err, s.refused, s.res = "", false, msg.res
	s.pos, s.top, s.left = 0, 0, 0
}

// rows is the number of rows of the result shown (the plan's lines for an
// EXPLAIN).
func (s *sqlLens) rows() int {
	if s.res == nil {
		return 0
	}
	if p := s.plan(); p != nil {
		return len(p)
	}
	return len(s.res.Rows)
}

// plan is an EXPLAIN's plan as lines, or nil for any other result.
func (s *sqlLens) plan() []string {
	r := s.res
	if r == nil || len(r.Columns) != 2 || r.Columns[1] != "explain_value" {
		return nil
	}
	var out []string
	for _, row := range r.Rows {
		out = append(out, strings.Split(strings.TrimRight(row[1], "\n"), "\n")...)
	}
	return out
}

// moveTo puts the cursor on row p and the window around it.
func (s *sqlLens) moveTo(p int) {
	n := s.rows()
	if n == 0 {
		return
	}
	s.pos = max(0, min(p, n-1))
	vis := max(s.vis, 1)
	if s.pos < s.top {
		s.top = s.pos
	}
	if s.pos >= s.top+vis {
		s.top = s.pos - vis + 1
	}
	s.top = max(0, min(s.top, n-vis))
}

// csvText is the result as CSV: the columns, then the rows; a NULL is an
// empty field, as an empty text is. A text that a spreadsheet would take
// for a formula (starting with = + - @, a tab or a carriage return) is
// written after a single quote ('=cmd|calc), so opening the file runs
// nothing; numbers (-3) are written as they are.
func (s *sqlLens) csvText() (string, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(s.res.Columns); err != nil {
		return "", err
	}
	for _, row := range s.res.Rows {
		out, copied := row, false
		for j, v := range row {
			if (j >= len(s.res.Numeric) || !s.res.Numeric[j]) && v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
				if !copied {
					out, copied = append([]string(nil), row...), true
				}
				out[j] = "'" + v
			}
		}
		if err := w.Write(out); err != nil {
			return "", err
		}
	}
	w.Flush()
	return b.String(), w.Error()
}

// export writes the result as CSV to a file, or sends it to the clipboard
// (OSC 52) over SSH or for y.
func (s *sqlLens) export(c lensCtx, clip bool) tea.Cmd {
	if s.res == nil || s.plan() != nil {
		s.note = "nothing to export: run a query first"
		return nil
	}
	text, err := s.csvText()
	if err != nil {
		s.note = "export failed: " + cleanLine(err)
		return nil
	}
	what := cmdline.Count(len(s.res.Rows), "row")
	if s.res.Truncated {
		what = "the first " + what + " (the limit)"
	}
	if clip && len(text) > sqlClipMax {
		// A terminal takes seconds over a slow link to swallow an OSC 52
		// of megabytes, and the session's screen freezes meanwhile.
		instead := "or run kpiscope locally and export it to a file"
		if !c.ssh {
			instead = "or export it to a file (ctrl+e)"
		}
		s.note = fmt.Sprintf("the CSV is %s, more than the %s sent to a clipboard: narrow the query (fewer rows or columns), %s", sizeText(len(text)), sizeText(sqlClipMax), instead)
		return nil
	}
	var cmd tea.Cmd
	s.note, cmd = sendCSV(c, text, what, "kpiscope-"+c.now().Format("20060102-150405")+"-sql.csv", clip)
	return cmd
}

func (s *sqlLens) Footer(c lensCtx) []key.Binding {
	k := c.keys
	b := func(bind key.Binding, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(bind.Keys()...), key.WithHelp(bind.Help().Key, desc))
	}
	exp := "export CSV"
	if c.ssh {
		exp = "copy CSV"
	}
	if s.results {
		upDown := key.NewBinding(key.WithKeys(k.Down.Keys()...), key.WithHelp(keys.First(k.Down)+"/"+keys.First(k.Up), "row"))
		lr := key.NewBinding(key.WithKeys(k.Right.Keys()...), key.WithHelp(keys.First(k.Left)+"/"+keys.First(k.Right), "columns"))
		return []key.Binding{upDown, lr, b(k.Export, exp), key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "edit")),
			b(k.PageDown, "page")}
	}
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run")),
		key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "history")),
		key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "results")),
		key.NewBinding(key.WithKeys("ctrl+e"), key.WithHelp("ctrl+e", exp)),
		key.NewBinding(key.WithKeys("alt+enter"), key.WithHelp("alt+enter", "new line")),
	}
}

func (s *sqlLens) View(c lensCtx, w, h int) (string, []string) {
	st := c.st
	title := "SQL prompt · read-only"
	onWarehouse := c.eng != nil && c.eng.Warehouse() != nil
	if onWarehouse {
		title = "SQL prompt · ClickHouse · read-only"
	}
	tables := "no data loaded"
	if c.eng != nil {
		tables = "tables: " + strings.Join(sqlq.Tables(c.eng), ", ")
	}
	limits := fmt.Sprintf(" · up to %s rows · %s timeout", cmdline.Thousands(sqlq.DefaultLimit), sqlTimeout(c))
	head := tables
	if pane.Width(head)+pane.Width(limits)+1 <= w {
		head += limits
	}
	out := []string{" " + st.MutedText.Render(pane.Fit(clean(head), max(1, w-1)))}
	s.restyle(c) // the palette may have changed (the terminal's background, NO_COLOR)
	// The editor grows with the statement, leaving the result a few rows
	// on a short screen.
	s.ed.MaxHeight = max(2, min(sqlEditorMax, h-8))
	s.ed.SetWidth(max(10, w-1))
	for _, l := range strings.Split(s.ed.View(), "\n") {
		out = append(out, " "+l)
	}
	out = append(out, " "+st.MutedText.Render(strings.Repeat("─", max(1, w-2))))
	// The result first (it says which rows and columns fit), then the
	// status line above it.
	rest := max(1, h-len(out)-1)
	var body []string
	switch {
	case s.err != "" && !s.loading:
		for _, l := range pane.Wrap(s.err, max(1, w-2)) {
			body = append(body, " "+st.ErrText.Render(l))
		}
	case s.res == nil && !s.loading && onWarehouse:
		body = []string{
			" " + st.MutedText.Render(pane.Fit("ClickHouse SQL, run on the warehouse: one SELECT (or WITH … SELECT)", max(1, w-2))),
			" " + st.MutedText.Render(pane.Fit("read-only there (readonly=1): no writes, no settings, no table functions", max(1, w-2))),
		}
	case s.res == nil && !s.loading:
		body = []string{
			" " + st.MutedText.Render(pane.Fit("read-only: one SELECT (WITH, VALUES, DESCRIBE t, SUMMARIZE t) or EXPLAIN", max(1, w-2))),
			" " + st.MutedText.Render(pane.Fit("no files, no writes, no settings; kpiscope's own tables are hidden", max(1, w-2))),
		}
	case s.res == nil:
	case s.plan() != nil:
		p := s.plan()
		s.vis = rest
		for i := s.top; i < min(len(p), s.top+rest); i++ {
			body = append(body, " "+pane.Fit(clean(p[i]), max(1, w-1)))
		}
	default:
		s.vis = max(1, rest-1)
		body = s.table(c, w, s.vis)
	}
	line := s.status(c)
	if s.note != "" {
		line = st.AccentTxt.Render(clean(s.note))
	}
	if line != "" {
		out = append(out, " "+pane.Fit(line, max(1, w-1)))
	}
	for _, l := range body {
		if len(out) >= h {
			break
		}
		out = append(out, l)
	}
	return title, out
}

// status says what the result shown is: its rows (and the limit when it
// cut them) and time, or that a statement runs.
func (s *sqlLens) status(c lensCtx) string {
	st := c.st
	switch {
	case s.loading:
		return st.MutedText.Render("running… (esc closes the prompt and stops it)")
	case s.err != "" && s.stale():
		return st.WarnText.Render("answer to an earlier statement (enter runs the one above)")
	case s.err != "" && s.refused:
		return st.WarnText.Render("refused")
	case s.err != "":
		return st.WarnText.Render("error")
	case s.res == nil:
		return ""
	}
	r := s.res
	n := len(r.Rows)
	text := cmdline.Count(n, "row")
	if s.stale() {
		text = "result of an earlier statement (enter runs the one above) · " + text
	}
	if p := s.plan(); p != nil {
		text = "plan"
	} else if r.Truncated {
		text = fmt.Sprintf("first %s rows (the limit)", cmdline.Thousands(n))
	}
	text += " · " + tookText(r.Elapsed)
	if n > 0 && s.plan() == nil && s.vis > 0 && n > s.vis {
		text += fmt.Sprintf(" · rows %s–%s", cmdline.Thousands(s.top+1), cmdline.Thousands(min(n, s.top+s.vis)))
	}
	switch {
	case s.shown == 0 || s.shown >= len(r.Columns):
	case s.left == 0:
		text += fmt.Sprintf(" · columns 1–%d of %d", s.shown, len(r.Columns))
	case s.shown == 1:
		text += fmt.Sprintf(" · column 1 of %d", len(r.Columns))
	default:
		text += fmt.Sprintf(" · columns 1, %d–%d of %d", s.left+2, s.left+s.shown, len(r.Columns))
	}
	return st.MutedText.Render(text)
}

// stale reports whether the editor holds another statement than the one
// the result (or error) shown answers, as after ↑ recalled an older one.
func (s *sqlLens) stale() bool {
	return s.ran != "" && strings.TrimSpace(s.ed.Value()) != s.ran
}

// sizeText is a size in bytes as KB or MB, one decimal.
func sizeText(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
}

// tookText is a statement's time: 12 ms, 1.4 s.
func tookText(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// table draws the result's header and the window's rows, the columns from
// left that fit.
func (s *sqlLens) table(c lensCtx, w, vis int) []string {
	st, r := c.st, s.res
	if len(r.Columns) == 0 {
		return nil
	}
	end := min(len(r.Rows), s.top+vis)
	cell := func(i, j int) string {
		if r.Null[i][j] {
			return "NULL"
		}
		return clean(r.Rows[i][j])
	}
	width := func(j int) int {
		wd := pane.Width(clean(r.Columns[j]))
		for i := s.top; i < end; i++ {
			wd = max(wd, pane.Width(cell(i, j)))
		}
		return min(wd, sqlColMax)
	}
	// The first column stays (it names the row); the others scroll.
	s.left = max(0, min(s.left, len(r.Columns)-2))
	order := []int{0}
	for j := 1 + s.left; j < len(r.Columns); j++ {
		order = append(order, j)
	}
	var show, widths []int
	used := 1 // the cursor's gutter
	for _, j := range order {
		wd := width(j)
		gap := 0
		if len(show) > 0 {
			gap = 2
		}
		if used+gap+wd > w {
			if len(show) == 0 { // one column at least, cut
				show, widths = append(show, j), append(widths, max(1, w-used))
			}
			break
		}
		show, widths = append(show, j), append(widths, wd)
		used += gap + wd
	}
	s.shown = len(show)
	fit := func(text string, wd, j int) string {
		if r.Numeric[j] {
			return pane.FitRight(text, wd)
		}
		return pane.Fit(text, wd)
	}
	head := " "
	for i, j := range show {
		if i > 0 {
			head += "  "
		}
		head += st.TableHead.Render(fit(clean(r.Columns[j]), widths[i], j))
	}
	out := []string{head}
	if len(r.Rows) == 0 {
		return append(out, " "+st.MutedText.Render("no rows"))
	}
	for i := s.top; i < end; i++ {
		var b strings.Builder
		mark := " "
		if s.results && i == s.pos {
			mark = pane.SelectMark
		}
		b.WriteString(mark)
		for k, j := range show {
			if k > 0 {
				b.WriteString("  ")
			}
			text := fit(cell(i, j), widths[k], j)
			if r.Null[i][j] && !(s.results && i == s.pos) { // the selected row is styled whole
				text = st.MutedText.Render(text)
			}
			b.WriteString(text)
		}
		line := b.String()
		if s.results && i == s.pos {
			line = st.Selected.Render(pane.Fit(line, w))
		}
		out = append(out, line)
	}
	return out
}
