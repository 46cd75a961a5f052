package tui

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// TestSoonerWhileIndexing: while the older months' breakdowns are still to
// be built, a quarter's drill-down draws its current and comparison
// quarters and the trend's latest quarters from the rollups at once (the
// whole reads the raw rows for its older quarters), saying the trend's
// older quarters are on their way; then the whole, with the same numbers
// for the quarters both have, and no such note.
func TestSoonerWhileIndexing(t *testing.T) {
	m, cmd := askQuarterCSAT(t, mustFilter(t, "region=EMEA"))
	msg := cmd()
	res, ok := msg.(resultMsg)
	if !ok || !res.partial || !res.sooner || res.err != nil {
		t.Fatalf("first answer: %#v, want the sooner one", msg)
	}
	next, _ := m.Update(msg)
	m = next.(Model)
	scr := screen(m)
	mustContain(t, scr, "older quarters: reading the rows", "By channel")
	first := m.q.detail.shown.Find("csat")
	if first == nil || first.Total.Value == nil || first.Total.Compare == nil || len(first.Total.Compare.Components) == 0 {
		t.Fatalf("sooner CSAT %+v", first)
	}
	if n := len(first.Trend); n != 5 {
		t.Fatalf("sooner trend of %d quarters, want the latest 5 (Q4 2025 – Q4 2026)", n)
	}
	m = settle(m, res.next)
	scr = screen(m)
	if strings.Contains(scr, "older quarters") || m.q.detail.loading || m.q.detail.sooner {
		t.Fatalf("still pending after the whole answer:\n%s", scr)
	}
	whole := m.q.detail.shown.Find("csat")
	if whole == nil || len(whole.Trend) <= len(first.Trend) {
		t.Fatalf("whole trend %d quarters, sooner %d", len(whole.Trend), len(first.Trend))
	}
	if *whole.Total.Value != *first.Total.Value || *whole.Total.Compare.Value != *first.Total.Compare.Value || len(whole.Segments) != len(first.Segments) {
		t.Fatalf("whole %v vs %v (%d segments), sooner %v vs %v (%d)", *whole.Total.Value, *whole.Total.Compare.Value, len(whole.Segments),
			*first.Total.Value, *first.Total.Compare.Value, len(first.Segments))
	}
	for i, p := range first.Trend {
		w := whole.Trend[len(whole.Trend)-len(first.Trend)+i]
		if !w.Period.Equal(p.Period) || (w.Value == nil) != (p.Value == nil) || w.Value != nil && *w.Value != *p.Value {
			t.Fatalf("trend %s: whole %v, sooner %v", p.Period.Format("Jan 2006"), w.Value, p.Value)
		}
	}
}

// TestSoonerLateFailureKeepsNumbers: when the whole answer fails (here its
// timeout), the sooner numbers stay, the trend's note saying why it stops
// short.
func TestSoonerLateFailureKeepsNumbers(t *testing.T) {
	m, cmd := askQuarterCSAT(t)
	next, _ := m.Update(cmd())
	m = next.(Model)
	final := resultMsg{kind: detailQuery, seq: m.q.detail.seq, gen: m.q.gen, key: m.q.detail.want, err: context.DeadlineExceeded}
	next, _ = m.Update(final)
	m = next.(Model)
	if m.q.detail.err != nil || m.q.detail.loading || !m.q.detail.current() {
		t.Fatalf("detail err %v loading %v current %v: want the sooner numbers kept", m.q.detail.err, m.q.detail.loading, m.q.detail.current())
	}
	mustContain(t, screen(m), "older quarters not read: the query took longer than", "By channel")
}

// askQuarterCSAT asks, on olderUnbuilt's engine and past its cache, for
// CSAT's detail by channel at quarter grain with filters: the model and
// the command that answers.
func askQuarterCSAT(t *testing.T, filters ...kpi.Filter) (Model, tea.Cmd) {
	t.Helper()
	m := startedOn(t, olderUnbuilt(t).Engine, "csat")
	s := m.asked()
	s.Grain, s.Segment, s.Filters = kpi.Quarter, "channel", filters
	return askPastCache(m, s, "csat")
}

// olderUnbuilt is the sample with its build stopped where the older
// months' breakdowns begin: every total and the latest thirteen months'
// breakdowns built, the rest read from the raw rows.
func olderUnbuilt(t *testing.T) *workspace.Workspace {
	t.Helper()
	olderPendingOnce.Do(func() {
		olderPendingWS, olderPendingErr = stoppedSample(func(p kpi.RollupProgress) bool { return p.Older && p.Stage != "totals" })
	})
	if olderPendingErr != nil {
		t.Fatal(olderPendingErr)
	}
	return olderPendingWS
}

var (
	olderPendingOnce sync.Once
	olderPendingWS   *workspace.Workspace
	olderPendingErr  error
)

// totalsOnly is the sample with its build stopped where the breakdowns
// begin: every total built, no breakdown; closed when the test ends.
func totalsOnly(t *testing.T) *workspace.Workspace {
	t.Helper()
	ws, err := stoppedSample(func(p kpi.RollupProgress) bool { return p.Stage != "" && p.Stage != "totals" })
	if ws != nil {
		t.Cleanup(func() { ws.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// TestSoonerTotalsBeforeSegments: before any breakdown is built, a
// breakdown at the latest month draws its total and trend from the
// rollups at once, the breakdown "breaking … down" (no note on the trend,
// which is whole); then the whole with its segments. A drill, which the
// totals cannot answer, draws its current and comparison months from the
// rows first.
func TestSoonerTotalsBeforeSegments(t *testing.T) {
	m := startedOn(t, totalsOnly(t).Engine, "csat")
	s := m.asked()
	s.Segment = "channel"
	m, cmd := askPastCache(m, s, "csat")
	res, ok := cmd().(resultMsg)
	if !ok || !res.sooner || res.cut || res.err != nil {
		t.Fatalf("first answer: %#v, want the sooner one, its trend whole", res)
	}
	next, _ := m.Update(res)
	m = next.(Model)
	scr := screen(m)
	mustContain(t, scr, "breaking CSAT down by channel")
	if strings.Contains(scr, "reading the rows while indexing") {
		t.Fatalf("a whole trend said to be cut:\n%s", scr)
	}
	first := m.q.detail.shown.Find("csat")
	if first == nil || first.Total.Value == nil || len(first.Segments) != 0 || !errors.Is(first.SegmentErr, kpi.ErrNotIndexed) {
		t.Fatalf("sooner CSAT %+v", first)
	}
	m = settle(m, res.next)
	mustContain(t, screen(m), "By channel")
	whole := m.q.detail.shown.Find("csat")
	if whole == nil || whole.SegmentErr != nil || len(whole.Segments) == 0 || *whole.Total.Value != *first.Total.Value || len(whole.Trend) != len(first.Trend) {
		t.Fatalf("whole CSAT %+v, sooner %v", whole, *first.Total.Value)
	}
	// When the whole fails, the total and trend stay, and the breakdown
	// says why it is missing.
	s.Segment = "region"
	m, cmd = askPastCache(m, s, "csat")
	if res, ok = cmd().(resultMsg); !ok || !res.sooner {
		t.Fatalf("by region: %#v, want the sooner answer", res)
	}
	next, _ = m.Update(res)
	m = next.(Model)
	next, _ = m.Update(resultMsg{kind: detailQuery, seq: m.q.detail.seq, gen: m.q.gen, key: m.q.detail.want, err: context.DeadlineExceeded})
	mustContain(t, screen(next.(Model)), "80.1% (95%", "could not be computed: the", "query took longer than")
	m = next.(Model)

	// A drill (a filter: its totals need the breakdowns, not built), by a
	// dimension and by none: the current and comparison months come first
	// from the rows (kpi.Engine.RawCut), the trend said to be on its way,
	// then the whole trend with the same numbers.
	for seg, filter := range map[string]string{"region": "channel=chat", "": "region=EMEA"} {
		s.Segment, s.Filters = seg, []kpi.Filter{mustFilter(t, filter)}
		m, cmd = askPastCache(m, s, "csat")
		res, ok = cmd().(resultMsg)
		if !ok || !res.sooner || !res.cut || res.err != nil {
			t.Fatalf("drill by %q, first answer: %#v, want the sooner one, its trend cut", seg, res)
		}
		next, _ = m.Update(res)
		m = next.(Model)
		mustContain(t, screen(m), "older months: reading the rows while indexing")
		first = m.q.detail.shown.Find("csat")
		if first == nil || first.Total.Value == nil || first.Total.Compare == nil || first.Total.Compare.Value == nil || len(first.Trend) != 1 {
			t.Fatalf("drill by %q, sooner CSAT %+v", seg, first)
		}
		if seg != "" && len(first.Segments) == 0 {
			t.Fatalf("drill by %q: no segments in the sooner answer", seg)
		}
		m = settle(m, res.next)
		if scr := screen(m); strings.Contains(scr, "older months") || m.q.detail.sooner || m.q.detail.loading {
			t.Fatalf("drill by %q: still pending after the whole answer:\n%s", seg, scr)
		}
		whole = m.q.detail.shown.Find("csat")
		if whole == nil || len(whole.Trend) != 12 || *whole.Total.Value != *first.Total.Value || *whole.Total.Compare.Value != *first.Total.Compare.Value ||
			!whole.Trend[11].Period.Equal(first.Trend[0].Period) || *whole.Trend[11].Value != *first.Trend[0].Value || len(whole.Segments) != len(first.Segments) {
			t.Fatalf("drill by %q: whole %+v, sooner %+v", seg, whole, first)
		}
		for i, sg := range first.Segments {
			if w := whole.Segments[i]; w.Segment != sg.Segment || *w.Value != *sg.Value || *w.Compare.Value != *sg.Compare.Value {
				t.Fatalf("drill by %q, segment %s: whole %v, sooner %v", seg, sg.Segment, *w.Value, *sg.Value)
			}
		}
	}
}

// TestDrillScorecardCutFirst: a drill's scorecard (a filter: its KPIs need
// the breakdowns, not built), by month and by quarter (whose trend the
// rollups cut: kpi.Engine.Sooner), draws every KPI's current and
// comparison periods from the rows first (kpi.Engine.RawCut, sooner
// answers whose trend is cut; what the rollups answer kept as they give
// it), then the whole, every period, with the same numbers.
func TestDrillScorecardCutFirst(t *testing.T) {
	m := startedOn(t, totalsOnly(t).Engine, "csat")
	for _, g := range []kpi.Grain{kpi.Month, kpi.Quarter} {
		s := m.asked()
		s.Grain, s.Period, s.Segment, s.Filters = g, time.Time{}, "", []kpi.Filter{mustFilter(t, "region=EMEA")}
		if probe, err := m.q.eng.Compute(context.Background(), s, nil, kpi.Uncached(), kpi.WithoutExtras(), kpi.IndexOnly()); err != nil || probe.Pending == 0 {
			t.Fatalf("%s: IndexOnly answers the drill's scorecard (%v): nothing to test", g, err)
		}
		m.q.opts = []kpi.Option{kpi.Uncached()}
		m.q.score.want = ""
		var cmd tea.Cmd
		m.q, cmd = m.q.ask(s)
		res, ok := cmd().(resultMsg)
		probed := map[string]int{} // the rollups' answers first: their trends' lengths
		if ok && res.sooner && res.sc != nil {
			for _, r := range res.sc.Results {
				probed[r.Def.ID] = len(r.Trend)
			}
		}
		for ok && res.sooner && res.sc != nil && res.sc.Pending > 0 { // the cut's KPIs as they are read
			next, _ := m.Update(res)
			m = next.(Model)
			res, ok = res.next().(resultMsg)
		}
		if !ok || !res.sooner || !res.cut || res.err != nil || res.sc.Pending != 0 {
			t.Fatalf("%s: first answer: %#v, want the sooner one, whole, its trend cut", g, res)
		}
		cut := res.sc
		next, _ := m.Update(res)
		m = settle(next.(Model), res.next)
		if m.q.score.loading || m.q.score.sooner || !m.q.score.current() {
			t.Fatalf("%s: still pending after the whole:\n%s", g, screen(m))
		}
		whole := m.q.score.shown
		valued := 0
		for _, c := range cut.Results {
			w := whole.Find(c.Def.ID)
			if w == nil {
				t.Fatalf("%s: %s in the cut, not in the whole", g, c.Def.ID)
			}
			if (c.Total.Value == nil) != (w.Total.Value == nil) {
				t.Fatalf("%s: %s: cut %v, whole %v", g, c.Def.ID, c.Total.Value, w.Total.Value)
			}
			if c.Total.Value == nil {
				continue
			}
			valued++
			n, probedKPI := probed[c.Def.ID]
			fromIndex := probedKPI && len(c.Trend) == n && n > 1 // kept as the rollups gave it
			if !fromIndex && (len(c.Trend) != 1 || len(w.Trend) < 2 || !w.Trend[len(w.Trend)-1].Period.Equal(c.Trend[0].Period)) {
				t.Fatalf("%s: %s: cut trend %d periods, whole %d", g, c.Def.ID, len(c.Trend), len(w.Trend))
			}
			if !closeTo(*c.Total.Value, *w.Total.Value) || c.Total.N != w.Total.N ||
				(c.Total.Compare == nil) != (w.Total.Compare == nil) || c.Total.Compare != nil && c.Total.Compare.Value != nil && !closeTo(*c.Total.Compare.Value, *w.Total.Compare.Value) {
				t.Fatalf("%s: %s: cut %v (n %d), whole %v (n %d)", g, c.Def.ID, *c.Total.Value, c.Total.N, *w.Total.Value, w.Total.N)
			}
		}
		if valued < 10 {
			t.Fatalf("%s: only %d KPIs with a value in the drill's cut", g, valued)
		}
	}
}

// closeTo: the rows' sums read in another grouping may differ in the last
// bits of a double.
func closeTo(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
