package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/kpi"
)

// While the engine builds its rollups in the background (started by whoever
// opened it), slices it cannot answer from them yet read the raw rows and
// take longer; the header says so until the build is done.

// rollupPoll is how often the build's progress is read while it runs.
const rollupPoll = 250 * time.Millisecond

// rollupTickMsg asks to read the rollup build's progress of the engine of
// generation gen again.
type rollupTickMsg struct{ gen int }

// rollupWatch follows the rollup build of the current engine: it polls
// Deps.RollupStatus while the build runs and says how far it got.
type rollupWatch struct {
	status func(*kpi.Engine) kpi.RollupProgress // nil: no build runs
	eng    *kpi.Engine
	gen    int
	p      kpi.RollupProgress // as last polled, its text cleaned
	// failed is the build's failure when the last Update or watch found it
	// (the root shows it once, as a warning: queries keep working from the
	// raw rows); nil otherwise.
	failed error
}

// watch starts following the build of eng, of engine generation gen.
func (r rollupWatch) watch(eng *kpi.Engine, gen int) (rollupWatch, tea.Cmd) {
	r.eng, r.gen = eng, gen
	return r.poll()
}

// Update reads the progress again on its tick; a tick for a replaced
// engine is dropped.
func (r rollupWatch) Update(msg tea.Msg) (rollupWatch, tea.Cmd) {
	r.failed = nil
	if t, ok := msg.(rollupTickMsg); !ok || t.gen != r.gen {
		return r, nil
	}
	return r.poll()
}

// poll reads the progress and, while the build runs, asks to read it again
// shortly; once it is ready or failed the polling ends.
func (r rollupWatch) poll() (rollupWatch, tea.Cmd) {
	r.failed = nil
	if r.status == nil || r.eng == nil {
		return r, nil
	}
	p := r.status(r.eng)
	p.Table, p.Err = clean(p.Table), cleanLineErr(p.Err)
	r.p = p
	switch {
	case p.Err != nil:
		if !errors.Is(p.Err, context.Canceled) {
			r.failed = p.Err
		}
		return r, nil
	case p.Ready && (r.eng.Waiting() == "" || r.eng.WaitingFailed() != nil):
		return r, nil // else its KPIs wait: the header says for what and how far
	}
	gen := r.gen
	return r, tea.Tick(rollupPoll, func(time.Time) tea.Msg { return rollupTickMsg{gen: gen} })
}

// note is the header's note while rollups are built: the long one names
// the table and the stage under way, e.g. "indexing tickets: breakdowns,
// older months 30/48 41%" (at 100 columns and more, where the data's label
// keeps its room); the short one, for when the long does not fit, "indexing
// 30/48 41%". Both "" when there is nothing to say.
func (r rollupWatch) note(w int) (long, short string) {
	if r.eng != nil && r.eng.WaitingFailed() == nil {
		if what, short := r.eng.WaitsFor(); what != "" {
			// "computing the business hours of tickets 41% (20s)"
			// the short one, for 80 columns: "business hours 41%"
			p, pct := r.eng.WaitingProgress()
			return strings.TrimSpace("computing " + clean(what) + " " + p), strings.TrimSpace(clean(short) + " " + pct)
		}
	}
	p := r.p
	if r.status == nil || p.Ready || p.Err != nil || p.Total <= 0 {
		return "", ""
	}
	steps := fmt.Sprintf("%d/%d", p.Done, p.Total)
	if p.Step > 0 && p.Step < 1 { // how far the step under way is
		steps += fmt.Sprintf(" %d%%", int(p.Step*100))
	}
	short = "indexing " + steps
	if p.Table == "" || w < 100 {
		return short, short
	}
	long = "indexing " + p.Table
	if st := stageWords(p); st != "" {
		long += ": " + st
	}
	return long + " " + steps, short
}

// stageWords is a build stage (kpi.RollupProgress.Stage) in the header's
// words, what the part under way will answer, and whether it reads the
// months before the latest thirteen: "breakdowns, older months".
func stageWords(p kpi.RollupProgress) string {
	st := p.Stage
	switch {
	case st == "by one and two dimensions":
		st = "breakdowns"
	case st == "quantiles by one dimension":
		st = "medians by dimension"
	case st == "quantiles by two dimensions":
		st = "medians by drill"
	case strings.HasSuffix(st, " by one and two dimensions"): // a flow's: "backlog by …"
		st = strings.TrimSuffix(st, " by one and two dimensions") + " breakdowns"
	case strings.HasSuffix(st, ": tickets open long, for the ages"):
		st = strings.TrimSuffix(st, ": tickets open long, for the ages") + " ages"
	}
	if st != "" && p.Older {
		st += ", older months"
	}
	return st
}
