package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
	"kpiscope/internal/server"
	"kpiscope/tui"
)

// explorer builds the real explorer for a session, as `kpiscope serve` does.
func explorer(s server.Session) tea.Model {
	return tui.New(explorerDeps(s))
}

// explorerDeps are what `kpiscope serve` gives the explorer of session s.
func explorerDeps(s server.Session) tui.Deps {
	return tui.Deps{
		Engine:       ws.Engine,
		Label:        ws.Label,
		Remote:       true,
		QueryTimeout: waitLong,
		Context:      s.Context,
	}
}

// sliceModel is a stand-in explorer for server tests: the same scorecard
// text as report.Plain, a starting slice chosen per session, and keys that
// change the slice (g grain, c comparison) or misbehave on purpose (p panics
// in Update, P panics in a command, z runs a slow query). It lets the
// server's behaviour be tested whatever state tui/ is in.
type sliceModel struct {
	info   server.Session
	slice  kpi.Slice
	seq    int
	sc     *kpi.Scorecard
	err    error
	w, h   int
	status string
	extra  string // appended to the view (raw ANSI for colour tests)
	slow   func(ctx context.Context) tea.Msg
}

type resultsMsg struct {
	seq int
	sc  *kpi.Scorecard
	err error
}

type slowDoneMsg struct{ err error }

// compute starts the query for the current slice; a later one supersedes it.
func (m sliceModel) compute() (sliceModel, tea.Cmd) {
	m.seq++
	return m, m.query()
}

func (m sliceModel) query() tea.Cmd {
	seq, slice, ctx := m.seq, m.slice, m.info.Context
	return func() tea.Msg {
		sc, err := ws.Engine.Compute(ctx, slice, nil)
		return resultsMsg{seq, sc, err}
	}
}

func (m sliceModel) Init() tea.Cmd { return m.query() }

func (m sliceModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case resultsMsg:
		if msg.seq == m.seq {
			m.sc, m.err = msg.sc, msg.err
		}
	case slowDoneMsg:
		m.status = fmt.Sprintf("slow query ended: %v", msg.err)
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tea.KeyPressMsg:
		switch msg.String() {
		case "q", "ctrl+c":
			return m, tea.Quit
		case "g":
			g := m.slice.Grain
			if g == "" {
				g = kpi.Month
			}
			m.slice.Grain = g.Next()
			return m.compute()
		case "c":
			c := m.slice.Compare
			if c == "" {
				c = kpi.VsPrevious
			}
			m.slice.Compare = c.Next()
			return m.compute()
		case "p":
			panic("test: panic in Update")
		case "P":
			return m, func() tea.Msg { panic("test: panic in a command") }
		case "z":
			if m.slow != nil {
				m.status = "slow query running"
				f, ctx := m.slow, m.info.Context
				return m, func() tea.Msg { return f(ctx) }
			}
		}
	}
	return m, nil
}

func (m sliceModel) View() tea.View {
	var b strings.Builder
	// The session's line first: the sample's scorecard (25 KPIs) is taller
	// than the smaller terminals the tests open, whose bottom is cut.
	fmt.Fprintf(&b, "session %s size %dx%d %s", m.info.User, m.w, m.h, m.status)
	b.WriteString(m.extra)
	b.WriteString("\n")
	switch {
	case m.err != nil:
		b.WriteString("error: " + m.err.Error() + "\n")
	case m.sc != nil:
		_ = report.Plain(&b, m.sc, ws.Label)
	default:
		b.WriteString("loading…\n")
	}
	v := tea.NewView(b.String())
	v.AltScreen = true
	return v
}

// sliceFactory gives each user the slice in slices (the zero slice if none)
// and records the sessions it built; the user "explorer" gets the real one.
type sliceFactory struct {
	mu       sync.Mutex
	slices   map[string]kpi.Slice
	sessions []server.Session
	extra    string
	slow     func(ctx context.Context) tea.Msg
	panicFor string // building the model for this user panics
}

func (f *sliceFactory) New(s server.Session) tea.Model {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions = append(f.sessions, s)
	if s.User == f.panicFor && f.panicFor != "" {
		panic("test: panic while building the model")
	}
	if s.User == "explorer" {
		return explorer(s) // the real one, beside the stand-ins
	}
	m := sliceModel{info: s, slice: f.slices[s.User], extra: f.extra, w: s.Width, h: s.Height}
	if s.User == "slow" {
		m.slow = f.slow
	}
	return m
}

func (f *sliceFactory) session(user string) (server.Session, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.sessions {
		if s.User == user {
			return s, true
		}
	}
	return server.Session{}, false
}

// expected computes what a session on slice must show for KPI id: the
// formatted value and the title line.
func expected(t testing.TB, slice kpi.Slice, id string) (value, title string) {
	t.Helper()
	sc, err := ws.Engine.Compute(context.Background(), slice, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := sc.Find(id)
	if r == nil || r.Err != nil {
		t.Fatalf("%s for %s: %v", id, slice.Key(), r)
	}
	var b strings.Builder
	_ = report.Plain(&b, sc, ws.Label)
	title, _, _ = strings.Cut(b.String(), "\n")
	return r.Def.FormatValue(r.Total.Value), title
}
