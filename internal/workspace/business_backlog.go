package workspace

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// createBusinessDays creates, beside the business-time view, the macros
// backlog_overdue reads (kpi.BusinessCumsMacro, kpi.BusinessDaysMacro,
// kpi.BusinessAsOfMacro). kpi.BusinessCumsMacro(ts) is each calendar's
// business seconds since the view's range start to ts, a timestamp on the
// data's clock known only at query time (a period's end), by calendar name:
// bizcal's expressions, exact over the same range as the view's (ts is at
// most the as-of instant), evaluated once per period (kpi.Def.PeriodCols).
// kpi.BusinessDaysMacro(cal, cum0, cums) is the business days on calendar
// cal (a name from the view's calendar column; another value: the default
// calendar) from the instant whose business time since the range start is
// cum0 (the view's created_cum) to the instant of cums: the open tickets'
// ages at each period's end, a subtraction and a division per row. kpi.BusinessAsOfMacro()
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
	// Per calendar, its business seconds to ts (a MAP by name, once per
	// period) and its business day.
	var names, cums, days []string
	for _, c := range biz.Calendars {
		names = append(names, store.QuoteLiteral(c.Name))
		cums = append(cums, "CAST("+rng.sql(biz, c).Cum("ts")+" AS DOUBLE)")
		d := "CAST(NULL AS DOUBLE)" // a calendar without working hours has no business days
		if s := c.DaySeconds(); s > 0 {
			d = strconv.FormatFloat(s, 'g', -1, 64)
		}
		days = append(days, "WHEN "+store.QuoteLiteral(c.Name)+" THEN "+d)
	}
	if err := db.Exec(ctx, "CREATE OR REPLACE MACRO "+kpi.BusinessCumsMacro+"(ts) AS MAP(["+strings.Join(names, ", ")+"], ["+strings.Join(cums, ", ")+"])"); err != nil {
		return fmt.Errorf("the business-time macro: %w", err)
	}
	// Another calendar value than the view's names: the default calendar.
	def := cmp.Or(biz.Calendar(biz.Default), biz.Calendars[0])
	defDay := days[slices.Index(biz.Calendars, def)]
	_, defDay, _ = strings.Cut(defDay, " THEN ")
	body := "(coalesce(map_extract_value(cums, cal), map_extract_value(cums, " + store.QuoteLiteral(def.Name) + ")) - cum0) / (CASE cal " + strings.Join(days, " ") + " ELSE " + defDay + " END)"
	if err := db.Exec(ctx, "CREATE OR REPLACE MACRO "+kpi.BusinessDaysMacro+"(cal, cum0, cums) AS "+body); err != nil {
		return fmt.Errorf("the business-days macro: %w", err)
	}
	return nil
}
