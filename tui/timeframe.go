package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
)

// timeframe is when the screen looks: the grain, the period (zero = the
// latest one with data), the comparison and the trend's length, changed
// only by its Update. The root model tells it the engine and the last
// scorecard (on) before each Update, asks for new numbers when rev moves
// and puts its note in the footer.
type timeframe struct {
	slice kpi.Slice // Grain, Period, Compare, Trend; no filters, no segment
	rev   int       // counts changes of slice
	note  string    // what the last Update has to say in the footer

	eng   *kpi.Engine
	asked kpi.Slice      // the whole slice the screen asks for (filters too)
	shown *kpi.Scorecard // the scorecard on screen, for its resolved period
}

// Messages the root model (actions, palette) sends the timeframe.
type (
	grainMsg       kpi.Grain   // switch to this grain
	nextGrainMsg   struct{}    // the next grain (day → year)
	prevGrainMsg   struct{}    // the previous grain
	shiftMsg       int         // n periods later (negative: earlier)
	latestMsg      struct{}    // back to the latest period with data
	compareMsg     kpi.Compare // compare with this
	nextCompareMsg struct{}    // the next comparison
)

func newTimeframe() timeframe {
	return timeframe{slice: kpi.Slice{Grain: kpi.Month, Compare: kpi.VsPrevious, Trend: 12}}
}

// on tells the timeframe the engine, the whole slice asked for and the
// scorecard on screen.
func (t timeframe) on(eng *kpi.Engine, asked kpi.Slice, shown *kpi.Scorecard) timeframe {
	t.eng, t.asked, t.shown = eng, asked, shown
	return t
}

// noDates is the footer's answer to a period key when the data has no
// date: each KPI is one value over all the rows. Short enough for the
// footer's status at 80 columns.
const noDates = "these files have no date column: %s"

// undated reports whether the engine's data has no date at all (its KPIs
// are all-time values; grains, periods and period comparisons do not apply).
func (t timeframe) undated() bool { return t.eng != nil && t.eng.AsOf().IsZero() }

// Update handles the messages above.
func (t timeframe) Update(msg tea.Msg) (timeframe, tea.Cmd) {
	t.note = ""
	if t.undated() {
		switch msg.(type) {
		case grainMsg, nextGrainMsg, prevGrainMsg:
			return t.say(noDates, "no grains")
		case shiftMsg, latestMsg:
			return t.say(noDates, "no periods")
		case compareMsg, nextCompareMsg: // all-time deltas are against the target
			return t.say(noDates, "deltas are vs target")
		}
	}
	if w := t.slice.Window; !w.IsZero() { // a date window replaces grain and period
		switch msg.(type) {
		case grainMsg, nextGrainMsg, prevGrainMsg, shiftMsg:
			return t.say("window %s: t clears it, F edits it", w)
		case latestMsg:
			return t.setWindow(kpi.Window{}), nil
		}
	}
	switch msg := msg.(type) {
	case grainMsg:
		return t.setGrain(kpi.Grain(msg))
	case nextGrainMsg:
		return t.setGrain(t.slice.Grain.Next())
	case prevGrainMsg:
		g := t.slice.Grain
		for range len(kpi.Grains) - 1 {
			g = g.Next()
		}
		return t.setGrain(g)
	case shiftMsg:
		return t.shift(int(msg))
	case latestMsg:
		if t.slice.Period.IsZero() {
			return t.say("already at the latest period")
		}
		t.slice.Period = time.Time{}
		t.rev++
		return t, nil
	case compareMsg:
		if err := kpi.CheckWindowCompare(t.slice.Window, kpi.Compare(msg)); err != nil {
			return t.say("%s", err)
		}
		return t.setCompare(kpi.Compare(msg))
	case nextCompareMsg:
		c := t.slice.Compare.Next()
		if t.slice.Window.YearComparable() || c != kpi.VsYear {
			return t.setCompare(c)
		}
		// A year holds no whole number of these windows: on to the next.
		t, _ = t.setCompare(c.Next())
		return t.say("comparing %s (not vs last year: %s)", t.slice.Compare.Label(), noYear(t.slice.Window))
	}
	return t, nil
}

func (t timeframe) setGrain(g kpi.Grain) (timeframe, tea.Cmd) {
	if g == t.slice.Grain {
		return t, nil
	}
	if !t.slice.Period.IsZero() {
		t.slice.Period = g.Trunc(t.slice.Period)
	}
	t.slice.Grain = g
	t.rev++
	return t.say("grain: %s", g)
}

// setWindow sets the date window (the filter editor's); the zero window
// goes back to calendar periods.
func (t timeframe) setWindow(w kpi.Window) timeframe {
	t.note = ""
	if w == t.slice.Window {
		return t
	}
	t.slice.Window = w
	t.rev++
	if !w.IsZero() {
		// A window ends with the data's last day ([ ] do not step it): a
		// period stepped back to before would make a to-date window that
		// period's calendar quarter (or month…), not the window named.
		t.slice.Period = time.Time{}
	}
	if w.IsZero() {
		t.note = "window off: back to calendar periods"
	} else {
		t.note = "window: " + w.String()
	}
	if kpi.CheckWindowCompare(w, t.slice.Compare) != nil {
		t.slice.Compare = kpi.VsPrevious
		t.note += " · comparing with the previous window (not vs last year: " + noYear(w) + ")"
	}
	return t
}

// noYear says why a window is not compared with last year.
func noYear(w kpi.Window) string {
	return "a year holds no whole number of " + w.Arg() + " windows"
}

// say sets the note for the footer.
func (t timeframe) say(format string, args ...any) (timeframe, tea.Cmd) {
	t.note = fmt.Sprintf(format, args...)
	return t, nil
}

func (t timeframe) setCompare(c kpi.Compare) (timeframe, tea.Cmd) {
	t.slice.Compare = c
	t.rev++
	return t.say("comparing %s", c.Label())
}

// period is the start of the period on screen.
func (t timeframe) period() (time.Time, bool) {
	if !t.slice.Period.IsZero() {
		return t.slice.Period, true
	}
	if t.eng != nil { // the engine's own resolution: no need to wait for the numbers
		if p := t.eng.Resolve(t.asked).Period; !p.IsZero() {
			return p, true
		}
	}
	if sc := t.shown; sc != nil && sc.Slice.Grain == t.slice.Grain && !sc.Slice.Period.IsZero() {
		return sc.Slice.Period, true
	}
	return time.Time{}, false
}

func (t timeframe) shift(n int) (timeframe, tea.Cmd) {
	g := t.slice.Grain
	p, ok := t.period()
	if !ok || t.eng == nil {
		return t.say("wait for the numbers first")
	}
	np := g.Add(p, n)
	switch {
	case np.Before(g.Trunc(t.eng.Start())):
		return t.say("no earlier data")
	case np.After(g.Trunc(t.eng.AsOf())):
		return t.say("this is the latest period (data up to %s)", t.eng.AsOf().Format("2 Jan 2006"))
	}
	t.slice.Period = np
	t.rev++
	return t, nil
}

// at moves to the period starting at p (a lens's drill into a cell), at the
// grain on screen.
func (t timeframe) at(p time.Time) timeframe {
	p = t.slice.Grain.Trunc(p)
	if p.Equal(t.slice.Period) {
		return t
	}
	t.slice.Period = p
	t.rev++
	return t
}
