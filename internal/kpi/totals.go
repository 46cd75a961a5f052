package kpi

import (
	"context"
)

// runTotals returns the group's totals for every period of the plan's window
// (or just the current and comparison periods when it has no trend).
func (e *Engine) runTotals(ctx context.Context, defs []*Def, s Slice, pl plan) (map[string]points, error) {
	q, args, err := e.groupSQL(defs, s, "", pl, false)
	if err != nil {
		return nil, err
	}
	return e.runPoints(ctx, defs, q, args, false, pl)
}
