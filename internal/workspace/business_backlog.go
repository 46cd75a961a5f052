package workspace

import (
	"cmp"
	"context"
	"fmt"
	"strconv"

	"kpiscope/internal/bizcal"
	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// createBusinessDays creates, beside the business-time view, the macros
// backlog_overdue reads (kpi.BusinessDaysMacro, kpi.BusinessAsOfMacro).
// kpi.BusinessDaysMacro(cal, cum0, ts) is the business days on calendar cal
// (a name from the view's calendar column; another value: the default
// calendar) from the instant whose business time since the view's range
// start is cum0 (the view's created_cum) to ts, a timestamp on the data's
// clock: the open tickets' ages at each period's end, an instant known only
// at query time, while created_cum keeps the per-ticket half out of the
// per-period work. Its expressions are bizcal's, exact over the same range
// as the view's (ts is at most the as-of instant). kpi.BusinessAsOfMacro()
// is the view's as-of instant, the ticket table's latest creation or
// resolution (ticketRange), as the backlog's on the table itself, and the
// one the SLA columns judge open tickets by.
func createBusinessDays(ctx context.Context, db *store.DB, biz *config.Business, tb ticketBinding, cols []store.Column, rng dataRange) error {
	asOf := "CAST(NULL AS TIMESTAMP)"
	if !rng.asOf.IsZero() {
		asOf = sqlTimestamp(rng.asOf)
	}
	if err := db.Exec(ctx, "CREATE OR REPLACE MACRO "+kpi.BusinessAsOfMacro+"() AS "+asOf); err != nil {
		return fmt.Errorf("the as-of macro: %w", err)
	}
	if len(biz.Calendars) == 0 {
		return nil // businessSelect has said so
	}
	by := map[string]bizcal.SQL{}
	for _, c := range biz.Calendars {
		by[c.Name] = rng.sql(biz, c)
	}
	def := cmp.Or(biz.Calendar(biz.Default), biz.Calendars[0])
	if len(by) == 1 {
		by = nil // one calendar: no CASE on the name
	}
	days := func(s bizcal.SQL) string {
		d := s.Cal.DaySeconds()
		if d <= 0 {
			return "CAST(NULL AS DOUBLE)" // a calendar without working hours has no business days
		}
		return "((" + s.Cum("ts") + " - cum0) / " + strconv.FormatFloat(d, 'g', -1, 64) + ")"
	}
	body := bizcal.Pick("cal", by, rng.sql(biz, def), days)
	if err := db.Exec(ctx, "CREATE OR REPLACE MACRO "+kpi.BusinessDaysMacro+"(cal, cum0, ts) AS "+body); err != nil {
		return fmt.Errorf("the business-days macro: %w", err)
	}
	return nil
}
