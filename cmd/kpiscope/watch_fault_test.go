package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/internal/live"
	"kpiscope/internal/store"
	"kpiscope/internal/workspace"
	"kpiscope/tui"
)

// sent records what the explorer's background work sends its program.
type sent chan tea.Msg

func (s sent) Send(m tea.Msg) { s <- m }

// engineMsg waits for the next EngineMsg, skipping other messages.
func (s sent) engineMsg(t *testing.T, what string) tui.EngineMsg {
	t.Helper()
	deadline := time.After(watchWait)
	for {
		select {
		case m := <-s:
			if em, ok := m.(tui.EngineMsg); ok {
				return em
			}
		case <-deadline:
			t.Fatalf("%s: no EngineMsg within %s", what, watchWait)
		}
	}
}

// faultTickets are 12 tickets over three channels and two priorities.
const faultTickets = "ticket_id,channel,priority,csat,resolved_at\n" +
	"1,chat,high,5,2026-01-03\n2,chat,low,5,2026-01-04\n3,chat,high,2,2026-01-05\n4,chat,low,5,2026-01-06\n" +
	"5,email,high,5,2026-01-07\n6,email,low,1,2026-01-08\n7,email,high,4,2026-01-09\n8,email,low,2,2026-01-10\n" +
	"9,phone,high,5,2026-02-03\n10,phone,low,5,2026-02-04\n11,phone,high,5,2026-02-05\n12,phone,low,3,2026-02-06\n"

// writeTickets writes faultTickets as CSV or, converted by DuckDB, Parquet.
func writeTickets(t *testing.T, dir, format string) string {
	t.Helper()
	csv := filepath.Join(dir, "tickets.csv")
	writeFile(t, csv, faultTickets)
	if format == "csv" {
		return csv
	}
	pq := filepath.Join(dir, "tickets.parquet")
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Exec(context.Background(), fmt.Sprintf("COPY (SELECT * FROM read_csv(%s)) TO %s (FORMAT parquet)",
		store.QuoteLiteral(csv), store.QuoteLiteral(pq))); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(csv); err != nil {
		t.Fatal(err)
	}
	return pq
}

// views computes what the explorer would show next, none of it computed
// before the fault: a breakdown by channel with a filter, the values of a
// dimension, a month, and the raw row count. The rollups being built in the
// background may come to answer the KPI views without the file; the values
// and the row count always read the rows. One line per view.
func views(ctx context.Context, eng *kpi.Engine) (string, error) {
	var b strings.Builder
	bd, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.All, Segment: "channel",
		Filters: []kpi.Filter{{Dim: "priority", Values: []string{"high"}}}}, []string{"csat"})
	if err != nil {
		return "", err
	}
	r := bd.Find("csat")
	if r == nil || r.Err != nil {
		return "", fmt.Errorf("breakdown: %+v", r)
	}
	for _, seg := range r.Segments {
		if seg.Value == nil {
			return "", fmt.Errorf("breakdown: no value for %s", seg.Segment)
		}
		fmt.Fprintf(&b, "%s=%.2f ", seg.Segment, *seg.Value)
	}
	b.WriteString("\n")
	vals, err := eng.DimValues(ctx, "priority")
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "%v\n", vals)
	mo, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.Month, Period: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, []string{"csat"})
	if err != nil {
		return "", err
	}
	if r := mo.Find("csat"); r == nil || r.Err != nil || r.Total.Value == nil {
		return "", fmt.Errorf("January: %+v", r)
	} else {
		fmt.Fprintf(&b, "jan=%.2f\n", *r.Total.Value)
	}
	rows, err := eng.DB().Query(ctx, "SELECT count(*), sum(csat) FROM tickets")
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "rows=%v\n", rows.Data[0])
	return b.String(), nil
}

// faults are what a user can do to a watched file under a running program.
var faults = []struct {
	name  string
	apply func(t *testing.T, path string)
}{
	{"garbage", func(t *testing.T, path string) { writeFile(t, path, strings.Repeat("not a data file \x00\xff", 200)) }},
	{"truncated", func(t *testing.T, path string) {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, st.Size()/2); err != nil {
			t.Fatal(err)
		}
	}},
	{"deleted", func(t *testing.T, path string) {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}},
	{"chmod 000", func(t *testing.T, path string) {
		if os.Geteuid() == 0 {
			t.Skip("running as root: chmod 000 does not stop root's reads, so the reload succeeds on intact data; " +
				"TestPinnedReadsNeverTouchTheFile (internal/workspace) shows that after load nothing reads the user's file at all")
		}
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(path, 0o644) })
	}},
}

// `kpiscope --watch tickets.{csv,parquet}`: whatever happens to the file —
// garbage written over it, truncated, deleted, made unreadable — the reload
// fails with a warning and every view not computed before (a new breakdown,
// a dimension's values, another period, the raw rows) still answers, from
// the data loaded before. Parquet is a view over its file, so this holds
// only because the explorer reads a pinned copy.
func TestWatchFaultsKeepEveryView(t *testing.T) {
	for _, format := range []string{"csv", "parquet"} {
		for _, f := range faults {
			t.Run(format+"/"+f.name, func(t *testing.T) {
				path := writeTickets(t, t.TempDir(), format)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				opt := workspace.Options{Sources: []string{path}}
				// The expected views come from a separate workspace: the
				// watched one has computed none of them when the fault comes.
				ref, err := workspace.Open(ctx, opt)
				if err != nil {
					t.Fatal(err)
				}
				want, err := views(ctx, ref.Engine)
				ref.Close()
				if err != nil {
					t.Fatal(err)
				}
				ws, err := workspace.Open(ctx, opt)
				if err != nil {
					t.Fatal(err)
				}
				defer ws.Close()
				ex := newExplorer(ctx, ws, opt, live.Options{Grace: 50 * time.Millisecond, Debounce: 20 * time.Millisecond, Settle: 20 * time.Millisecond})
				s := make(sent, 64)
				if err := ex.start(s, ex.watchPaths([]string{path})); err != nil {
					t.Fatal(err)
				}
				defer ex.close()

				f.apply(t, path)
				msg := s.engineMsg(t, "the reload after the fault")
				if msg.Err == nil || msg.Engine != nil {
					t.Fatalf("after %s: EngineMsg = %+v, want a reload failure", f.name, msg)
				}
				got, err := views(ctx, ex.live.Current().Workspace.Engine)
				if err != nil {
					t.Fatalf("after %s (reported: %v), a new view fails: %v", f.name, msg.Err, err)
				}
				if got != want {
					t.Errorf("after %s the views show\n%s\nwant the data loaded before\n%s", f.name, got, want)
				}
			})
		}
	}
}

// `kpiscope --watch tickets.csv`: a reload that finds far fewer rows shows
// the new numbers with a data warning on the KPIs reading the table.
func TestWatchShrinkWarns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.csv")
	writeFile(t, path, csatTickets(map[string][]int{"chat": repeat(30, 5), "email": repeat(10, 2)})) // 75%
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := workspace.Options{Sources: []string{path}}
	ws, err := workspace.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ex := newExplorer(ctx, ws, opt, live.Options{Grace: 50 * time.Millisecond, Debounce: 20 * time.Millisecond, Settle: 20 * time.Millisecond})
	s := make(sent, 64)
	if err := ex.start(s, ex.watchPaths([]string{path})); err != nil {
		t.Fatal(err)
	}
	defer ex.close()

	writeFile(t, path, csatTickets(map[string][]int{"chat": repeat(5, 5), "email": repeat(5, 2)}))
	msg := s.engineMsg(t, "the reload")
	if msg.Err != nil || msg.Engine == nil {
		t.Fatalf("EngineMsg = %+v, want the new data", msg)
	}
	if w := strings.Join(msg.Warnings["csat"], "; "); !strings.Contains(w, "tickets: 40 → 10 rows") {
		t.Errorf("CSAT's warnings = %q, want the shrink tickets: 40 → 10 rows", w)
	}
}

// `kpiscope --watch DIR` with no config: a file deleted from the folder is
// a failed reload that names the table, not a table (and its KPIs) leaving
// the screen without a word.
func TestWatchFolderFileDeleted(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "tickets.csv"), csatTickets(map[string][]int{"chat": {5, 5, 2}}))
	writeFile(t, filepath.Join(dir, "notes.csv"), "id,text\n1,a\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := workspace.Options{Sources: []string{dir}}
	ws, err := workspace.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ex := newExplorer(ctx, ws, opt, live.Options{Grace: 50 * time.Millisecond, Debounce: 20 * time.Millisecond, Settle: 20 * time.Millisecond})
	s := make(sent, 64)
	if err := ex.start(s, ex.watchPaths([]string{dir})); err != nil {
		t.Fatal(err)
	}
	defer ex.close()
	if err := os.Remove(filepath.Join(dir, "notes.csv")); err != nil {
		t.Fatal(err)
	}
	msg := s.engineMsg(t, "the reload after the deletion")
	if msg.Err == nil || msg.Engine != nil || !strings.Contains(msg.Err.Error(), "table notes (notes.csv) is gone") {
		t.Fatalf("EngineMsg = %+v, want a failed reload naming the table", msg)
	}
	if n := len(ex.live.Current().Workspace.Tables); n != 2 {
		t.Errorf("%d tables in use, want the 2 loaded before", n)
	}
}
