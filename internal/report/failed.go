package report

import (
	"errors"
	"fmt"
	"strings"

	"kpiscope/internal/cmdline"
	"kpiscope/internal/kpi"
)

// FailedError says that some KPIs of a printed report could not be computed
// (their rows say error and why); the others were printed with their numbers.
// A command returns it after writing the report, so a script sees a non-zero
// exit status and a person sees every number that could be computed.
type FailedError struct {
	Failed []kpi.Result // the KPIs in error, in the scorecard's order
	Of     int          // KPIs in the scorecard
}

// Failed returns a *FailedError when a KPI of the scorecard could not be
// computed, else nil. A KPI that a filter or breakdown does not apply to
// (kpi.ErrNotSliceable) is a footnote, not a failure.
func Failed(sc *kpi.Scorecard) error {
	e := &FailedError{Of: len(sc.Results)}
	for _, r := range sc.Results {
		if r.Err != nil && !errors.Is(r.Err, kpi.ErrNotSliceable) {
			e.Failed = append(e.Failed, r)
		}
	}
	if len(e.Failed) == 0 {
		return nil
	}
	return e
}

// maxFailedShown is how many failures the message spells out; the report
// itself lists them all.
const maxFailedShown = 3

// Error names the failing KPIs with their messages, on one line.
func (e *FailedError) Error() string {
	var parts []string
	for i, r := range e.Failed {
		if i == maxFailedShown {
			parts = append(parts, fmt.Sprintf("and %d more (see the report)", len(e.Failed)-i))
			break
		}
		msg := strings.Join(strings.Fields(r.Err.Error()), " ")
		if !strings.Contains(msg, "KPI "+r.Def.ID) {
			msg = r.Def.ID + ": " + msg
		}
		parts = append(parts, msg)
	}
	return Clean(fmt.Sprintf("%d of %s could not be computed: %s", len(e.Failed), cmdline.Count(e.Of, "KPI"), strings.Join(parts, "; ")))
}

// Unwrap gives the KPIs' own errors to errors.Is and errors.As.
func (e *FailedError) Unwrap() []error {
	errs := make([]error, len(e.Failed))
	for i, r := range e.Failed {
		errs[i] = r.Err
	}
	return errs
}
