package kpi

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Waiting is what some of an engine's KPIs wait for (Options.Waiting):
// tables being made in the background, such as the business-time view of
// the tickets while every ticket's business time is computed. The KPIs
// reading them are shown as waiting until an engine opened once the tables
// are made replaces this one; the other KPIs work meanwhile.
type Waiting struct {
	// Tables are the tables whose KPIs wait: one not made yet (the view),
	// or one whose KPIs are to be read together with it (the tickets, whose
	// rollups are built from the view in one pass).
	Tables []string
	// What is being made, as a user reads it: "the business hours of
	// tickets"; Short says it in fewer words ("business hours").
	What, Short string
	// State says how far it is (0–1; negative when unknown) and, once it
	// failed, why. nil: unknown, not failed.
	State func() (done float64, err error)
	// Since is when it started (zero: not said).
	Since time.Time
	// Columns are, per table of Tables not made yet, its columns that no
	// loaded table has: offered as the dimensions Options.Dimensions lists
	// (their breakdowns wait with the table), not refused as unknown.
	Columns map[string][]string
	// Spans are, per table of Tables not made yet, the first and last
	// instants of its KPIs' data: their dates count in the data's range,
	// so that the first period is the one the engine replacing this one
	// shows (spanned).
	Spans map[string][2]time.Time
}

// Text says what is awaited and how far it is: "the business hours of
// tickets 41% (20s)", or why it failed.
func (w *Waiting) Text() string {
	if err := w.Failed(); err != nil {
		return w.What + " failed: " + err.Error()
	}
	if p := w.Progress(); p != "" {
		return w.What + " " + p
	}
	return w.What
}

// Progress says how far it is and for how long it has been made: "41%
// (20s)", or less when that is not known.
func (w *Waiting) Progress() string {
	var parts []string
	if p := w.Percent(); p != "" {
		parts = append(parts, p)
	}
	if !w.Since.IsZero() {
		parts = append(parts, fmt.Sprintf("(%s)", time.Since(w.Since).Round(time.Second)))
	}
	return strings.Join(parts, " ")
}

// Percent is how far it is, "41%"; "" when that is not known.
func (w *Waiting) Percent() string {
	if w.State != nil {
		if done, err := w.State(); err == nil && done >= 0 && done <= 1 {
			return fmt.Sprintf("%d%%", int(done*100))
		}
	}
	return ""
}

// Failed is why the awaited tables could not be made (nil while they are
// being made).
func (w *Waiting) Failed() error {
	if w.State == nil {
		return nil
	}
	_, err := w.State()
	return err
}

// WaitingError is the problem of a KPI that waits for a table being made
// (Options.Waiting): not an error in its definition or its data.
type WaitingError struct{ w *Waiting }

func (e *WaitingError) Error() string {
	if err := e.w.Failed(); err != nil {
		return e.w.What + " could not be computed: " + err.Error()
	}
	return "waiting for " + e.w.Text()
}

// Pending reports whether the KPI still waits: what it waits for is being
// made, not failed.
func (e *WaitingError) Pending() bool { return e.w.Failed() == nil }

// WaitsFor is what the KPI waits for: "the business hours of tickets".
func (e *WaitingError) WaitsFor() string { return e.w.What }

// IsWaiting reports whether err says that a KPI waits for a table being
// made (WaitingError).
func IsWaiting(err error) bool {
	var w *WaitingError
	return errors.As(err, &w)
}

// Waiting is what the engine's waiting KPIs wait for, as the header says
// it ("the business hours of tickets 41% (20s)"); "" when none waits.
func (e *Engine) Waiting() string {
	if e.opt.Waiting == nil {
		return ""
	}
	return e.opt.Waiting.Text()
}

// WaitsFor is what the engine's waiting KPIs wait for, without how far it
// is ("the business hours of tickets"), and in fewer words ("business
// hours"); "" when none waits.
func (e *Engine) WaitsFor() (what, short string) {
	if e.opt.Waiting == nil {
		return "", ""
	}
	return e.opt.Waiting.What, cmp.Or(e.opt.Waiting.Short, e.opt.Waiting.What)
}

// WaitingProgress is how far what the engine's KPIs wait for is: with
// for how long ("41% (20s)"; Waiting.Progress), and the percentage alone
// ("41%"; "" when not known). Both "" when none waits.
func (e *Engine) WaitingProgress() (progress, percent string) {
	if e.opt.Waiting == nil {
		return "", ""
	}
	return e.opt.Waiting.Progress(), e.opt.Waiting.Percent()
}

// WaitingFailed is why what the engine's waiting KPIs wait for failed; nil
// while it is being made, or when none waits.
func (e *Engine) WaitingFailed() error {
	if e.opt.Waiting == nil {
		return nil
	}
	return e.opt.Waiting.Failed()
}

// markWaiting gives the KPIs reading a table of Options.Waiting their
// WaitingError, before their checks (a table not made yet would fail
// them); composites get theirs once their inputs' are known (waitingInputs).
func (e *Engine) markWaiting() {
	w := e.opt.Waiting
	if w == nil {
		return
	}
	for _, d := range e.defs {
		if d.Type == Composite {
			continue
		}
		if slices.ContainsFunc(w.Tables, func(t string) bool { return strings.EqualFold(t, d.Source) }) {
			e.problems[d.ID] = &WaitingError{w: w}
		}
	}
}

// waitingInputs gives a composite with a waiting input (or an input's
// input) a WaitingError too: it has a value once they have theirs.
func (e *Engine) waitingInputs() {
	w := e.opt.Waiting
	if w == nil {
		return
	}
	for changed := true; changed; {
		changed = false
		for _, d := range e.defs {
			if d.Type != Composite || IsWaiting(e.problems[d.ID]) {
				continue
			}
			for _, n := range d.InputNames() {
				id, _, _ := strings.Cut(d.Inputs[n], ".")
				if IsWaiting(e.problems[id]) {
					e.problems[d.ID] = &WaitingError{w: w}
					changed = true
					break
				}
			}
		}
	}
}

// spanned reports whether d's dates count in the data's range: a KPI
// without a problem, or one waiting whose table is loaded (the tickets'
// clock-time KPIs, waiting for the business-time view) or whose span is
// given (waitingSpan), or a waiting composite (of its inputs' spans), so
// that the first screen's period is the one the engine replacing this one
// will show.
func (e *Engine) spanned(d *Def) bool {
	err := e.problems[d.ID]
	if err == nil {
		return true
	}
	if !IsWaiting(err) {
		return false
	}
	if d.Type == Composite {
		return true
	}
	_, ok := e.tables[d.Source]
	_, later := e.waitingSpan(d)
	return ok || later
}

// waitingSpan is the span of a waiting KPI whose table is not made yet, as
// Waiting.Spans gives it, its end cut to its last day as a record axis
// cuts a table's (ownSpan); false for any other KPI.
func (e *Engine) waitingSpan(d *Def) (span, bool) {
	w := e.opt.Waiting
	if w == nil || d.Type == Composite {
		return span{}, false
	}
	if _, ok := e.tables[d.Source]; ok {
		return span{}, false
	}
	for t, r := range w.Spans {
		if strings.EqualFold(t, d.Source) && !r[1].IsZero() {
			return span{lo: r[0], hi: Day.Trunc(r[1])}, true
		}
	}
	return span{}, false
}

// waitingDim is a dimension Options.Dimensions lists that only a table not
// made yet has (Waiting.Columns): offered, read from that table once it is.
func (e *Engine) waitingDim(name string) (Dimension, bool) {
	w := e.opt.Waiting
	if w == nil {
		return Dimension{}, false
	}
	for _, t := range sortedKeys(w.Columns) {
		for _, c := range w.Columns[t] {
			if strings.EqualFold(c, name) {
				return Dimension{Name: name, Tables: []string{t}}, true
			}
		}
	}
	return Dimension{}, false
}
