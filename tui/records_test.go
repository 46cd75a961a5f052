package tui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
)

// pressRecords sends keys and settles after each, the rows' answers
// included, and draws a frame, as the program does: the view learns from it
// how many rows a page has.
func pressRecords(m Model, keys ...string) (Model, []sideEffect) {
	var side []sideEffect
	for _, k := range keys {
		next, cmd := m.Update(keyMsg(k))
		var s []sideEffect
		m, s = drive(next.(Model), cmd)
		side = append(side, s...)
		_ = m.View()
	}
	return m, side
}

// TestRecordsGolden: the rows behind CSAT on the sample at 120×40 and
// 80×24, paged, sorted, searched, a breakdown row's, a row whole, and
// without colour. Regenerate with go test ./tui -run TestRecordsGolden -update.
func TestRecordsGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		w, h  int
		keys  []string
		plain bool
	}{
		{"records_120x40", 120, 40, []string{"R", "j", "j", "pgdown"}, false},
		{"records_80x24", 80, 24, []string{"R"}, false},
		{"records_sorted_80x24", 80, 24, []string{"R", "o", "o", "O", "l", "l"}, false},
		{"records_search_120x40", 120, 40, []string{"R", "/", "w", "e", "b", "enter"}, false},
		{"records_segment_120x40", 120, 40, []string{"enter", "j", "R"}, false},
		{"records_row_80x24", 80, 24, []string{"R", "j", "enter"}, false},
		{"ascii_records_80x24", 80, 24, []string{"R", "j"}, true},
		// Resolution time's long tail: its hours per ticket, most first.
		{"records_tail_120x40", 120, 40, []string{"6", "R", "o", "o", "O"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := started(t, testDeps(t), tc.w, tc.h)
			if tc.plain {
				m = plain(m)
			}
			m, _ = pressRecords(m, tc.keys...)
			golden.RequireEqual(t, []byte(screen(m)))
		})
	}
}

// lensRecords is the open records view.
func lensRecords(t *testing.T, m Model) *recordsLens {
	t.Helper()
	r, ok := m.lens.(*recordsLens)
	if !ok || r.recs == nil {
		t.Fatalf("no rows open: %T %v", m.lens, r)
	}
	return r
}

// TestRecordsViewCountIsN: the count the view shows is the scorecard's n:
// the tile's, a breakdown row's (its segment a filter), and a grid cell's
// (another period and a segment, through newRecordsLens).
func TestRecordsViewCountIsN(t *testing.T) {
	d := testDeps(t)
	m := started(t, d, 120, 40)
	ctx := context.Background()
	csat := m.q.score.sc.Find("csat").Total.N
	m, _ = pressRecords(m, "R")
	if r := lensRecords(t, m); r.recs.Count != csat || r.recs.Match != csat {
		t.Fatalf("tile: %d rows, n %d", r.recs.Count, csat)
	}
	mustContain(t, screen(m), "rows 1–33 of "+cmdline.Thousands(csat)+" · in file order")

	// tab lets the KPI change through: the rows follow it.
	m, _ = pressRecords(m, "tab")
	nps := m.q.score.sc.Find("nps").Total.N
	mustContain(t, screen(m), "NPS · the rows behind n", "of "+cmdline.Thousands(nps)+" · in file order", "surveys where nps BETWEEN 0 AND 10")

	// A breakdown row: the second channel.
	m, _ = pressRecords(m, "esc", "shift+tab", "enter", "j")
	row := m.breakdownResult().Segments[m.bd.cursor]
	m, _ = pressRecords(m, "R")
	if r := lensRecords(t, m); r.recs.Count != row.N {
		t.Fatalf("row %s: %d rows, n %d", row.Segment, r.recs.Count, row.N)
	}
	mustContain(t, screen(m), "channel = "+row.Segment)

	// A grid cell: September, phone.
	sep := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	s := kpi.Slice{Grain: kpi.Month, Period: sep, Segment: "channel"}
	sc, err := d.Engine.Compute(ctx, s, []string{"fcr"})
	if err != nil {
		t.Fatal(err)
	}
	var phone int64 = -1
	for _, seg := range sc.Find("fcr").Segments {
		if seg.Segment == "phone" {
			phone = seg.N
		}
	}
	s.Segment = ""
	next, cmd := m.Update(lensOpenMsg{newRecordsLens(d.Engine.Def("fcr"), s, "channel", "phone")})
	m, _ = drive(next.(Model), cmd)
	if r := lensRecords(t, m); r.recs.Count != phone || phone <= 0 {
		t.Fatalf("cell: %d rows, n %d", r.recs.Count, phone)
	}
	mustContain(t, screen(m), "First contact resolution · the rows behind n · Sep 2026", "channel = phone")
}

// TestRecordsViewPagesSortsSearches: paging reads the rows the engine
// gives at that offset, in file order; o sorts by the next column (the
// first, then the second), O reverses; / searches (the engine's count of
// matches); esc clears the search, then closes.
func TestRecordsViewPagesSortsSearches(t *testing.T) {
	d := testDeps(t)
	m := started(t, d, 120, 40)
	ctx := context.Background()
	s := m.asked()
	m, _ = pressRecords(m, "R", "pgdown", "pgdown", "j")
	r := lensRecords(t, m)
	want, err := d.Engine.Records(ctx, "csat", s, kpi.RecordsAsk{FileOrder: true, Offset: r.pos, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.pos != 67 || !reflect.DeepEqual(r.row(r.pos), rowText(want)) {
		t.Fatalf("row %d: %v, want row 67 %v", r.pos, r.row(r.pos), rowText(want))
	}
	mustContain(t, screen(m), "rows 67–99 of")

	m, _ = pressRecords(m, "o")
	mustContain(t, screen(m), "sorted by resolved_at ↑")
	m, _ = pressRecords(m, "o", "O")
	r = lensRecords(t, m)
	want, _ = d.Engine.Records(ctx, "csat", s, kpi.RecordsAsk{Sort: "csat", Desc: true, Limit: 1})
	if r.sort != "csat" || !r.desc || r.pos != 0 || !reflect.DeepEqual(r.row(0), rowText(want)) || r.row(0)[1] != "5" {
		t.Fatalf("sorted by %s desc %v: %v, want %v", r.sort, r.desc, r.row(0), rowText(want))
	}
	mustContain(t, screen(m), "sorted by csat ↓", "csat ↓")

	m, _ = pressRecords(m, "/", "E", "m", "a", "i", "l", "enter")
	want, _ = d.Engine.Records(ctx, "csat", s, kpi.RecordsAsk{Search: "Email", Limit: 0})
	if r = lensRecords(t, m); r.recs.Match != want.Match || want.Match <= 0 || want.Match >= want.Count {
		t.Fatalf("search: %d matches, the engine's %d of %d", r.recs.Match, want.Match, want.Count)
	}
	mustContain(t, screen(m), "of "+cmdline.Thousands(want.Match)+` matching "Email" (of `+cmdline.Thousands(want.Count)+")")

	m, _ = pressRecords(m, "esc")
	if r = lensRecords(t, m); r.search != "" || r.recs.Match != r.recs.Count {
		t.Fatalf("esc kept the search %q", r.search)
	}
	m, _ = pressRecords(m, "esc")
	if m.lens != nil {
		t.Fatal("esc did not close the rows")
	}
}

func rowText(r *kpi.Records) []string {
	out := make([]string, len(r.Rows[0]))
	for j, v := range r.Rows[0] {
		out[j] = kpi.RecordText(v, r.Dates[j])
	}
	return out
}

// TestRecordsViewDropsStaleAnswers: an answer to a superseded request, or
// from an older engine, changes nothing.
func TestRecordsViewDropsStaleAnswers(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = pressRecords(m, "R")
	r := lensRecords(t, m)
	before := r.recs
	stale := &kpi.Records{Def: r.def, Of: r.def, Columns: []string{"x"}, Dates: []bool{false}, Count: 1, N: 1, Match: 1, Rows: [][]any{{"stale"}}}
	next, _ := m.Update(recordsMsg{seq: r.seq - 1, gen: m.q.gen, recs: stale})
	next, _ = next.(Model).Update(recordsMsg{seq: r.seq, gen: m.q.gen - 1, recs: stale})
	if r := lensRecords(t, next.(Model)); r.recs != before {
		t.Fatal("a stale answer replaced the rows")
	}
}

// TestRecordsViewSaysItIsReading: while a new sort's rows are on their
// way the last ones stay, described as they are, and the count line says
// new ones are coming.
func TestRecordsViewSaysItIsReading(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = pressRecords(m, "R")
	if strings.Contains(screen(m), "reading…") {
		t.Fatal("settled rows say they are reading")
	}
	next, cmd := m.Update(keyMsg("o"))
	mustContain(t, screen(next.(Model)), "in file order · sorting…", "T0082041") // what is on screen, until the new rows come
	m, _ = drive(next.(Model), cmd)
	if strings.Contains(screen(m), "sorting…") || !strings.Contains(screen(m), "sorted by resolved_at ↑") {
		t.Fatal("the sorted rows still say they are sorting")
	}
}

// driveHoldingCounts is driveRecords that keeps the counts back: the rows
// come, the counts are returned to be fed later (or never).
func driveHoldingCounts(m Model, cmd tea.Cmd) (Model, []recordsCountMsg) {
	queue := []tea.Cmd{cmd}
	var held []recordsCountMsg
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case recordsCountMsg:
			held = append(held, msg)
		case recordsMsg, resultMsg:
			next, c2 := m.Update(msg)
			m = next.(Model)
			queue = append(queue, c2)
		}
	}
	return m, held
}

// TestRecordsViewRowsBeforeTheCount: the first rows are drawn without
// waiting for the count (a query of its own), which fills in when it comes
// and equals n; a count for a superseded search is dropped.
func TestRecordsViewRowsBeforeTheCount(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	csat := m.q.score.sc.Find("csat").Total.N
	next, cmd := m.Update(keyMsg("R"))
	m, held := driveHoldingCounts(next.(Model), cmd)
	_ = m.View()
	if len(held) != 1 {
		t.Fatalf("%d counts asked, want 1", len(held))
	}
	r := lensRecords(t, m)
	if r.loading || !r.counting || r.recs.Match != -1 || len(r.recs.Rows) == 0 {
		t.Fatalf("before the count: loading %v, counting %v, match %d, %d rows", r.loading, r.counting, r.recs.Match, len(r.recs.Rows))
	}
	mustContain(t, screen(m), "rows 1–33 · in file order · counting…", "T0082041")
	next, cmd = m.Update(held[0])
	m, _ = drive(next.(Model), cmd)
	if r := lensRecords(t, m); r.recs.Count != csat || r.recs.Match != csat || r.counting {
		t.Fatalf("count %d (match %d), n %d", r.recs.Count, r.recs.Match, csat)
	}
	mustContain(t, screen(m), "rows 1–33 of "+cmdline.Thousands(csat)+" · in file order")

	// A search: the rows come, its count is held; the count of every row
	// (the last search's, late) changes nothing.
	for _, k := range []string{"/", "w", "e", "b", "enter"} {
		next, cmd = m.Update(keyMsg(k))
		m, held = driveHoldingCounts(next.(Model), cmd)
	}
	_ = m.View()
	next, _ = m.Update(recordsCountMsg{cseq: lensRecords(t, m).cseq - 1, gen: m.q.gen, count: csat, n: csat, match: csat})
	m = next.(Model)
	mustContain(t, screen(m), `rows 1–33 matching "web" · in file order · counting…`)
	next, cmd = m.Update(held[0])
	m, _ = drive(next.(Model), cmd)
	if r := lensRecords(t, m); r.recs.Match != held[0].match || r.recs.Match >= csat || r.recs.Count != csat {
		t.Fatalf("search: match %d of %d, want %d of %d", r.recs.Match, r.recs.Count, held[0].match, csat)
	}
}

// TestRecordsViewExports: e writes the slice's rows as CSV to the export
// directory, every row the count says (and the header); over SSH, and
// with y, they go to the clipboard instead (OSC 52), no file written.
func TestRecordsViewExports(t *testing.T) {
	d := testDeps(t)
	m := started(t, d, 120, 40)
	csat := m.q.score.sc.Find("csat").Total.N
	m, _ = pressRecords(m, "R", "e")
	entries, err := os.ReadDir(d.ExportDir)
	if err != nil || len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), "-csat-rows.csv") {
		t.Fatalf("export wrote %v (%v)", entries, err)
	}
	b, _ := os.ReadFile(filepath.Join(d.ExportDir, entries[0].Name()))
	if lines := bytes.Count(b, []byte("\n")); int64(lines) != csat+1 || !bytes.HasPrefix(b, []byte("resolved_at,csat,ticket_id,")) {
		t.Fatalf("%d lines, want %d rows and a header:\n%.300s", lines, csat, b)
	}
	mustContain(t, screen(m), "Exported")

	d.Remote, d.ExportDir = true, t.TempDir()
	m = started(t, d, 120, 40)
	m, side := pressRecords(m, "R", "e")
	if len(side) != 1 || side[0].kind != "setClipboardMsg" || strings.Count(side[0].text, "\n") != int(csat)+1 {
		t.Fatalf("over SSH: %d side effects, want the clipboard with %d rows", len(side), csat)
	}
	if entries, _ := os.ReadDir(d.ExportDir); len(entries) != 0 {
		t.Fatalf("a file was written over SSH: %v", entries)
	}
	mustContain(t, screen(m), "sent "+cmdline.Thousands(csat)+" rows as CSV to your terminal's clipboard (if it allows OSC 52)")
}

// TestRecordsViewRefuses: a KPI whose n is not a count of rows, or a
// filter its table cannot reach, is an inline message; the explorer runs on.
func TestRecordsViewRefuses(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = pressRecords(m, "enter", "R", "tab") // CSAT by channel's first row, then NPS
	mustContain(t, screen(m), `not available with a filter on channel: surveys has no column "channel"`, "esc to close")
	m, _ = pressRecords(m, "esc")
	if m.lens != nil {
		t.Fatal("esc did not close the message")
	}
}

// TestRecordsFlow drives the real program: open the rows, page, sort,
// look at a row whole, close.
func TestRecordsFlow(t *testing.T) {
	tm := teatest.NewTestModel(t, New(testDeps(t)), teatest.WithInitialTermSize(120, 40))
	waitFor := waiter(t, tm)
	key := func(k string) { tm.Send(keyMsg(k)) }
	waitFor("KPIs · 25", "By channel")
	key("R")
	waitFor("the rows behind n", "rows 1–33", "of 1,929") // the count may come in a frame of its own
	key("pgdown")
	waitFor("34–66")
	key("o")
	waitFor("resolved_at ↑ · columns") // the renderer redraws only what changed
	key("enter")
	waitFor("acquisition_channel")
	key("esc")
	waitFor("ticket_id  customer_id")
	key("esc")
	waitFor("By channel")
	key("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))
	if m := tm.FinalModel(t).(Model); m.lens != nil {
		t.Fatal("the rows are still open")
	}
}

// BenchmarkRecordsKeyToFrame: from a key to the frame that shows the rows
// (BenchmarkKeyToFrame's measure, bench_test.go): R opens CSAT's rows (the
// first window, in file order; the count comes in a query of its own),
// end goes to the last page, o sorts by the next column, enter runs a
// search. The commands run side by side as the program runs them; the
// rows' latency is p50-ms/p95-ms, the count's (when one is asked) is
// count-p50-ms/count-p95-ms. KPISCOPE_BENCH_DATA names a bigger dataset, as
// for BenchmarkKeyToFrame.
func BenchmarkRecordsKeyToFrame(b *testing.B) {
	b.Run("sample", func(b *testing.B) { benchRecords(b, sample(b).Engine) })
	b.Run("data", func(b *testing.B) {
		dir := os.Getenv("KPISCOPE_BENCH_DATA")
		if dir == "" {
			b.Skip("set KPISCOPE_BENCH_DATA to a directory made by `kpiscope sample --out DIR --tickets 10000000`")
		}
		benchRecords(b, openData(b, dir).Engine)
	})
}

// settleRecords runs cmd as the program does (each command on its own
// goroutine, their messages to Update in the order they come) until none
// is left, and says when the rows were on screen (a frame drawn with the
// rows and none on their way) and when the count was, from began.
func settleRecords(m Model, cmd tea.Cmd, began time.Time) (Model, time.Duration, time.Duration) {
	msgs := make(chan tea.Msg)
	running := 0
	run := func(c tea.Cmd) {
		if c == nil {
			return
		}
		running++
		go func() { msgs <- c() }()
	}
	run(cmd)
	var rowsAt, countAt time.Duration
	for running > 0 {
		msg := <-msgs
		running--
		switch msg := msg.(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				run(c)
			}
			continue
		case startMsg, resultMsg, exportedMsg, EngineMsg, moversMsg, recordsMsg, recordsCountMsg, recordsCSVMsg:
			next, c := m.Update(msg)
			m = next.(Model)
			run(c)
		default:
			continue
		}
		r, ok := m.lens.(*recordsLens)
		if !ok || r.recs == nil {
			continue
		}
		if rowsAt == 0 && !r.loading && m.View().Content != "" {
			rowsAt = time.Since(began)
		}
		if countAt == 0 && !r.counting && r.recs.Match >= 0 {
			countAt = time.Since(began)
		}
	}
	return m, rowsAt, countAt
}

func benchRecords(b *testing.B, eng *kpi.Engine) {
	steps := []struct {
		name  string
		setup []string
		key   string
		undo  []string
	}{
		{name: "open_R", key: "R", undo: []string{"esc"}},
		{name: "last_page_end", setup: []string{"R"}, key: "end", undo: []string{"esc"}},
		{name: "sort_o", setup: []string{"R"}, key: "o", undo: []string{"esc"}},
		{name: "search_enter", setup: []string{"R", "/", "w", "e", "b"}, key: "enter", undo: []string{"esc", "esc"}},
	}
	for _, st := range steps {
		b.Run(st.name, func(b *testing.B) {
			m := New(Deps{Engine: eng, Now: fixedNow, ExportDir: b.TempDir()})
			next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			m, _ = drive(next.(Model), func() tea.Msg { return startMsg{} })
			var lat, counted []time.Duration
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				m, _ = pressRecords(m, st.setup...)
				b.StartTimer()
				began := time.Now()
				next, cmd := m.Update(keyMsg(st.key))
				var rowsAt, countAt time.Duration
				m, rowsAt, countAt = settleRecords(next.(Model), cmd, began)
				b.StopTimer()
				lat, counted = append(lat, rowsAt), append(counted, countAt)
				if r, ok := m.lens.(*recordsLens); !ok || r.loading || r.recs == nil || rowsAt == 0 {
					b.Fatalf("%s: the rows are not on screen after the key", st.name)
				}
				m, _ = pressRecords(m, st.undo...)
				b.StartTimer()
			}
			b.StopTimer()
			reportPercentiles(b, "", lat)
			if st.key == "R" || st.key == "enter" {
				reportPercentiles(b, "count-", counted)
			}
		})
	}
}

// TestRecordsViewTimeOfDay: a TIME column's value, as the driver reads it
// (a time on 1 Jan of year 1), is 09:15:50 in a row's cells, not
// 0001-01-01 09:15:50 (review 13, finding 2).
func TestRecordsViewTimeOfDay(t *testing.T) {
	r := &recordsLens{recs: &kpi.Records{Columns: []string{"time", "agent"}, Dates: []bool{false, false}, Clocks: []bool{true, false},
		Rows: [][]any{{time.Date(1, 1, 1, 9, 15, 50, 0, time.UTC), "Martha"}}}}
	if got := fmt.Sprint(r.row(0)); got != "[09:15:50 Martha]" {
		t.Errorf("row %s, want [09:15:50 Martha]", got)
	}
}

// TestRecordsViewMeasureLinesUp: the rows view shows a measure with its
// two decimals and thousands separated, right-aligned, so the decimal
// points line up (resolution time's longest October tickets on the sample:
// 1,364.75 h, then 820.98; 306.60 further down, not 306.6) (review 13,
// finding 13).
func TestRecordsViewMeasureLinesUp(t *testing.T) {
	m := started(t, testDeps(t), 120, 40)
	m, _ = pressRecords(m, "6", "R", "o", "o", "O")
	sc := screen(m)
	mustContain(t, sc, "Resolution (h) ↓", "1,364.75", "820.98", "306.60")
	// The measure's decimal points, row by row, in one column.
	points := map[int]int{}
	for _, line := range strings.Split(sc, "\n") {
		if f := strings.Fields(strings.Trim(line, "│ ›")); len(f) > 3 && strings.HasPrefix(f[0], "2026-") {
			i := strings.Index(line, " "+f[2]+"  ") + 1 // the measure, after the date and time
			points[utf8.RuneCountInString(line[:i+strings.Index(f[2], ".")])]++
		}
	}
	if len(points) != 1 {
		t.Errorf("the measure's decimal points are in columns %v, not one:\n%s", points, sc)
	}
}

// TestRecordsViewNoValueNoN: where the KPI has no value, its rows come
// with no n: CAC in Q4 2026 (spend recorded by month, the quarter not
// over) over October's 221 signups (review 13, finding 5).
func TestRecordsViewNoValueNoN(t *testing.T) {
	d := testDeps(t)
	m := started(t, d, 120, 40)
	q4 := kpi.Slice{Grain: kpi.Quarter, Period: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}
	next, cmd := m.Update(lensOpenMsg{newRecordsLens(d.Engine.Def("cac"), q4, "", "")})
	m, _ = drive(next.(Model), cmd)
	_ = m.View()
	r := lensRecords(t, m)
	if r.recs.N != -1 || r.recs.Count != 221 || r.recs.NoValue == "" {
		t.Errorf("cac Q4: n %d, count %d, no value %q", r.recs.N, r.recs.Count, r.recs.NoValue)
	}
	mustContain(t, screen(m), "of 221 · no n: CAC has no value in Q4 2026")
}
