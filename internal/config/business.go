package config

// Business hours and SLA policies (issue 14): kpiscope.yaml's
// business_hours: and sla: sections, read into bizcal calendars and
// policies.
//
//	business_hours:
//	  timestamps: UTC            # zone of the data's timestamps that carry none (default UTC); an IANA name if they are local wall-clock time
//	  calendars:
//	    support:                 # a name
//	      timezone: Europe/Berlin
//	      hours:                 # weekday keys mon tue wed thu fri sat sun, ranges like mon-fri; a day not listed is not worked
//	        mon-fri: "08:00-18:00"
//	        sat: ["09:00-12:00", "13:00-15:00"]
//	      holidays: [2025-12-25, 2025-12-26, 2026-01-01]
//	      holidays_file: holidays-de.csv   # optional; relative to the config; one date per line, or a CSV whose first column is a date (a header line is skipped); # comments
//	      day: 8h                # optional, on the default calendar only: one business day, for SLA targets written in days (default: its longest working weekday)
//	    us:
//	      timezone: America/New_York
//	      hours: {mon-fri: "09:00-17:00"}
//	  calendar_by:               # optional: which calendar a ticket uses
//	    column: team
//	    map: {Billing: us}
//	    default: support         # default: the first calendar
//	sla:
//	  first_response:            # from created to first response
//	    by: priority
//	    within: {urgent: 1h, high: 4h, normal: 8h, low: 2d}
//	    default: 8h              # optional; values not listed and without default have no SLA
//	  resolution:                # from created to resolved
//	    by: priority
//	    within: {urgent: 1d, high: 2d, normal: 3d, low: 5d}
//
// Durations are sums of a number and a unit, largest first: 90m, 1h,
// 1h30m, 1.5h, 2d, 1d4h; d is one business day of the default calendar.
// Ranges are "HH:MM-HH:MM" (24:00 may end one); a day's ranges may not
// overlap. Every mistake is one *Error at the file and line, with the fix.

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"kpiscope/internal/bizcal"
	"kpiscope/internal/kpi"
)

// Business is the business_hours: and sla: sections, checked.
type Business struct {
	Data      *time.Location     // timestamps: (UTC when not given)
	Calendars []*bizcal.Calendar // in file order
	By        string             // calendar_by.column ("" = every ticket uses Default)
	Map       map[string]string  // value of By → calendar name
	Default   string             // calendar name
	SLA       []bizcal.Policy    // in file order; Targets/Default in business seconds
	Line      int                // of business_hours:, for messages
	// ColumnLines are the lines naming a column, for messages about a
	// column the data does not have: "calendar_by" (its column:) and each
	// SLA policy's name (its by:).
	ColumnLines map[string]int
}

func (b *Business) line(key string, line int) {
	if b.ColumnLines == nil {
		b.ColumnLines = map[string]int{}
	}
	b.ColumnLines[key] = line
}

// Calendar returns the calendar named name, or nil.
func (b *Business) Calendar(name string) *bizcal.Calendar {
	if b == nil {
		return nil
	}
	for _, c := range b.Calendars {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// SLANames are the SLA policies sla: may define.
var SLANames = []string{"first_response", "resolution"}

var weekdayKeys = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// weekdayOf maps weekdayKeys' order (Monday first) to time.Weekday.
var weekdayOf = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

const calendarExample = `business_hours: {calendars: {support: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-17:00"}}}}`

// entry is one key: value of a mapping, with the key's line.
type entry struct {
	key  string
	line int
	val  ast.Node // nil or *ast.NullNode when nothing follows the key
}

// entries lists a mapping's entries in the order written; ok is false when
// n is not a mapping. A null node is an empty mapping.
func entries(n ast.Node) (out []entry, ok bool) {
	n = unwrap(n)
	if isNullNode(n) {
		return nil, true
	}
	mn, ok := n.(ast.MapNode)
	if !ok {
		return nil, false
	}
	for it := mn.MapRange(); it.Next(); {
		k := it.Key()
		out = append(out, entry{k.GetToken().Value, k.GetToken().Position.Line, unwrap(it.Value())})
	}
	return out, true
}

func unwrap(n ast.Node) ast.Node {
	for {
		a, ok := n.(*ast.AnchorNode)
		if !ok {
			return n
		}
		n = a.Value
	}
}

func isNullNode(n ast.Node) bool {
	if n == nil {
		return true
	}
	_, ok := n.(*ast.NullNode)
	return ok
}

// scalar is the text of a plain value; ok is false for a list or mapping.
func scalar(n ast.Node) (string, bool) {
	switch v := unwrap(n).(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	case *ast.LiteralNode:
		return strings.TrimSpace(v.Value.Value), true
	}
	return "", false
}

// nodeLine is the line n starts on, or def.
func nodeLine(n ast.Node, def int) int {
	if n != nil && n.GetToken() != nil && !isNullNode(n) {
		return n.GetToken().Position.Line
	}
	return def
}

// topLevel finds key in the file's top mapping.
func topLevel(file *ast.File, key string) (entry, bool) {
	if file == nil {
		return entry{}, false
	}
	for _, doc := range file.Docs {
		es, _ := entries(doc.Body)
		for _, e := range es {
			if e.key == key {
				return e, true
			}
		}
	}
	return entry{}, false
}

// unknownKey is the message for a key a section does not take.
func unknownKey(section, key string, keys []string) string {
	msg := fmt.Sprintf("unknown field %q in %s", key, section)
	if near := kpi.Nearest(key, keys, 1); len(near) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", near[0])
	}
	return msg + " (it takes " + strings.Join(keys, ", ") + ")"
}

// business reads business_hours: and sla: from the parsed file into
// c.Business; dir resolves holidays_file.
func (c *Config) business(file *ast.File, dir string) error {
	bh, hasBH := topLevel(file, "business_hours")
	sla, hasSLA := topLevel(file, "sla")
	fail := func(line int, format string, a ...any) error {
		return &Error{Path: c.Path, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	if hasSLA && !hasBH {
		return fail(sla.line, "sla: needs business_hours: (SLA targets are business time on a calendar); add one, e.g. %s", calendarExample)
	}
	if !hasBH {
		return nil
	}
	b := &Business{Data: time.UTC, Line: bh.line, Map: map[string]string{}}
	es, ok := entries(bh.val)
	if !ok {
		return fail(nodeLine(bh.val, bh.line), "business_hours: takes a mapping with calendars:, e.g. %s", calendarExample)
	}
	var cals, by *entry
	for i := range es {
		e := &es[i]
		switch e.key {
		case "timestamps":
			s, ok := scalar(e.val)
			if !ok && !isNullNode(e.val) {
				return fail(e.line, "business_hours: timestamps: takes one time zone name, e.g. timestamps: UTC")
			}
			if s != "" {
				loc, msg := loadZone(s)
				if msg != "" {
					return fail(nodeLine(e.val, e.line), "business_hours: timestamps: %s (the zone of timestamps that carry none)", msg)
				}
				b.Data = loc
			}
		case "calendars":
			cals = e
		case "calendar_by":
			by = e
		default:
			return fail(e.line, "%s", unknownKey("business_hours:", e.key, []string{"timestamps", "calendars", "calendar_by"}))
		}
	}
	if cals == nil {
		return fail(bh.line, "business_hours: has no calendars:; add one, e.g. %s", calendarExample)
	}
	ces, ok := entries(cals.val)
	if !ok || len(ces) == 0 {
		return fail(cals.line, "business_hours: calendars: takes a mapping of calendar names to their timezone: and hours:, e.g. %s", calendarExample)
	}
	for _, ce := range ces {
		cal, err := c.calendar(ce, dir)
		if err != nil {
			return err
		}
		b.Calendars = append(b.Calendars, cal)
	}
	names := make([]string, len(b.Calendars))
	for i, cal := range b.Calendars {
		names[i] = cal.Name
	}
	b.Default = names[0]
	// A calendar name that is not defined, with the nearest one.
	unknownCal := func(line int, what, name string) error {
		msg := fmt.Sprintf("business_hours: calendar_by: %s names calendar %q, which is not defined", what, name)
		if near := kpi.Nearest(name, names, 1); len(near) > 0 {
			msg += fmt.Sprintf("; did you mean %q?", near[0])
		}
		return fail(line, "%s (calendars: %s)", msg, strings.Join(names, ", "))
	}
	if by != nil {
		bes, ok := entries(by.val)
		if !ok {
			return fail(nodeLine(by.val, by.line), "business_hours: calendar_by: takes a mapping, e.g. calendar_by: {column: team, map: {Billing: us}, default: support}")
		}
		mapLine := 0
		for _, e := range bes {
			switch e.key {
			case "column":
				s, ok := scalar(e.val)
				if !ok {
					return fail(e.line, "business_hours: calendar_by: column: takes one column name, e.g. column: team")
				}
				b.By = s
				b.line("calendar_by", e.line)
			case "default":
				s, ok := scalar(e.val)
				if !ok {
					return fail(e.line, "business_hours: calendar_by: default: takes one calendar name (calendars: %s)", strings.Join(names, ", "))
				}
				if b.Calendar(s) == nil {
					return unknownCal(nodeLine(e.val, e.line), "default:", s)
				}
				b.Default = s
			case "map":
				mes, ok := entries(e.val)
				if !ok {
					return fail(nodeLine(e.val, e.line), "business_hours: calendar_by: map: takes a mapping of column values to calendar names, e.g. map: {Billing: us}")
				}
				mapLine = e.line
				for _, me := range mes {
					s, ok := scalar(me.val)
					if !ok {
						return fail(me.line, "business_hours: calendar_by: map: %s: takes one calendar name (calendars: %s)", me.key, strings.Join(names, ", "))
					}
					if b.Calendar(s) == nil {
						return unknownCal(me.line, "map: "+me.key+":", s)
					}
					b.Map[me.key] = s
				}
			default:
				return fail(e.line, "%s", unknownKey("business_hours: calendar_by:", e.key, []string{"column", "map", "default"}))
			}
		}
		if b.By == "" && len(b.Map) > 0 {
			return fail(mapLine, "business_hours: calendar_by: map: needs column: (the column whose values it maps), e.g. column: team")
		}
	}
	// A d in sla: is a day of the default calendar, whatever calendar a
	// ticket uses; a day: on another calendar would change nothing, so it
	// is refused rather than silently ignored.
	for _, ce := range ces {
		if ce.key == b.Default {
			continue
		}
		if fs, ok := entries(ce.val); ok {
			for _, f := range fs {
				if f.key == "day" {
					return fail(f.line, "calendar %s: day: counts only on the default calendar (%s): a d in sla: targets is one of its business days for every ticket; remove day: here, or write those targets in hours", ce.key, b.Default)
				}
			}
		}
	}
	day := b.Calendar(b.Default).DaySeconds() // what a d is in sla: durations
	if hasSLA {
		ses, ok := entries(sla.val)
		if !ok {
			return fail(nodeLine(sla.val, sla.line), "sla: takes a mapping of policies (%s), e.g. sla: {first_response: {by: priority, within: {urgent: 1h, low: 8h}}}", strings.Join(SLANames, ", "))
		}
		for _, se := range ses {
			p, err := c.policy(se, day)
			if err != nil {
				return err
			}
			if fs, ok := entries(se.val); ok {
				for _, f := range fs {
					if f.key == "by" {
						b.line(p.Name, f.line)
					}
				}
			}
			b.SLA = append(b.SLA, p)
		}
	}
	c.Business = b
	return nil
}

// calendar reads one calendars: entry.
func (c *Config) calendar(ce entry, dir string) (*bizcal.Calendar, error) {
	what := "calendar " + ce.key
	fail := func(line int, format string, a ...any) error {
		return &Error{Path: c.Path, Line: line, Msg: what + ": " + fmt.Sprintf(format, a...)}
	}
	cal := &bizcal.Calendar{Name: ce.key}
	if strings.TrimSpace(ce.key) == "" {
		return nil, &Error{Path: c.Path, Line: ce.line, Msg: "business_hours: calendars: a calendar needs a name, e.g. support:"}
	}
	es, ok := entries(ce.val)
	if !ok {
		return nil, fail(nodeLine(ce.val, ce.line), `takes a mapping with timezone: and hours:, e.g. %s: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-17:00"}}`, ce.key)
	}
	var hours *entry
	holidays := map[time.Time]bool{}
	for i := range es {
		e := &es[i]
		switch e.key {
		case "timezone":
			s, ok := scalar(e.val)
			if !ok || s == "" {
				return nil, fail(e.line, "timezone: takes an IANA time zone name, e.g. timezone: Europe/Berlin")
			}
			loc, msg := loadZone(s)
			if msg != "" {
				return nil, fail(nodeLine(e.val, e.line), "timezone: %s", msg)
			}
			cal.Zone = loc
		case "hours":
			hours = e
		case "holidays":
			items := []ast.Node{e.val}
			if seq, ok := e.val.(*ast.SequenceNode); ok {
				items = seq.Values
			} else if isNullNode(e.val) {
				items = nil
			}
			for _, it := range items {
				s, ok := scalar(it)
				d, err := time.Parse(time.DateOnly, s)
				if !ok || err != nil {
					return nil, fail(nodeLine(it, e.line), "holidays: %s is not a date; write YYYY-MM-DD, e.g. holidays: [2025-12-25, 2026-01-01]", shortQuote(s))
				}
				holidays[d] = true
			}
		case "holidays_file":
			s, ok := scalar(e.val)
			if !ok || s == "" {
				return nil, fail(e.line, "holidays_file: takes a file name, e.g. holidays_file: holidays-de.csv")
			}
			if err := c.holidaysFile(s, dir, what, e.line, holidays); err != nil {
				return nil, err
			}
		case "day":
			s, ok := scalar(e.val)
			secs, msg := parseBusinessDuration(s, 0)
			if !ok || msg != "" {
				if !ok {
					msg = "takes a duration"
				}
				return nil, fail(nodeLine(e.val, e.line), "day: %s, e.g. day: 8h (one business day, for SLA targets written in days)", msg)
			}
			if secs > 86400 {
				return nil, fail(nodeLine(e.val, e.line), "day: %s is longer than a day; one business day is at most 24h, e.g. day: 8h", s)
			}
			cal.DayHours = secs / 3600
		default:
			return nil, fail(e.line, "%s", unknownKey(what+":", e.key, []string{"timezone", "hours", "holidays", "holidays_file", "day"}))
		}
	}
	if cal.Zone == nil {
		return nil, fail(ce.line, "has no timezone:; add the IANA name of where its hours are, e.g. timezone: Europe/Berlin")
	}
	if hours == nil {
		return nil, fail(ce.line, `has no hours:; add its working hours, e.g. hours: {mon-fri: "09:00-17:00"}`)
	}
	if err := c.hours(cal, *hours, fail); err != nil {
		return nil, err
	}
	for d := range holidays {
		cal.Holidays = append(cal.Holidays, d)
	}
	slices.SortFunc(cal.Holidays, func(a, b time.Time) int { return a.Compare(b) })
	return cal, nil
}

// spanAt is a span with the line it was written on.
type spanAt struct {
	bizcal.Span
	line int
	text string
}

// hours reads a calendar's hours: into cal.Week.
func (c *Config) hours(cal *bizcal.Calendar, h entry, fail func(int, string, ...any) error) error {
	const example = `hours: {mon-fri: "08:00-18:00", sat: ["09:00-12:00", "13:00-15:00"]}`
	es, ok := entries(h.val)
	if !ok {
		return fail(nodeLine(h.val, h.line), "hours: takes a mapping of weekdays to ranges, e.g. %s", example)
	}
	var week [7][]spanAt
	for _, e := range es {
		days, msg := parseDays(e.key)
		if msg != "" {
			return fail(e.line, "hours: %s", msg)
		}
		var items []ast.Node
		switch v := e.val.(type) {
		case *ast.SequenceNode:
			items = v.Values
		default:
			if !isNullNode(v) {
				items = []ast.Node{v}
			}
		}
		for _, it := range items {
			line := nodeLine(it, e.line)
			s, ok := scalar(it)
			if !ok {
				if _, isMap := it.(ast.MapNode); isMap {
					return fail(line, `hours: %s: quote each range in a list (YAML reads 09:00-12:00 inside [ ] as a mapping), e.g. %s: ["09:00-12:00", "13:00-15:00"]`, e.key, e.key)
				}
				return fail(line, `hours: %s: takes a range "HH:MM-HH:MM" or a list of them, e.g. %s`, e.key, example)
			}
			sp, msg := parseSpan(s)
			if msg != "" {
				return fail(line, "hours: %s: %s", e.key, msg)
			}
			for _, d := range days {
				week[d] = append(week[d], spanAt{sp, line, s})
			}
		}
	}
	worked := false
	for i, spans := range week {
		slices.SortStableFunc(spans, func(a, b spanAt) int { return a.Start - b.Start })
		for j := 1; j < len(spans); j++ {
			a, b := spans[j-1], spans[j]
			if b.Start < a.End {
				later := max(a.line, b.line)
				return fail(later, "hours: %s and %s overlap on %s; give each working time once (a day's ranges may touch, not overlap)", a.text, b.text, weekdayKeys[i])
			}
		}
		wd := weekdayOf[i]
		cal.Week[wd] = nil
		for _, s := range spans {
			cal.Week[wd] = append(cal.Week[wd], s.Span)
			worked = true
		}
	}
	if !worked {
		return fail(h.line, "hours: has no working hours at all; give at least one day a range, e.g. %s", example)
	}
	return nil
}

// parseDays reads a weekday key (mon) or range (mon-fri, or sun-thu across
// the week's end) into weekdayKeys indexes.
func parseDays(key string) ([]int, string) {
	idx := func(s string) (int, string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if i := slices.Index(weekdayKeys, s); i >= 0 {
			return i, ""
		}
		msg := fmt.Sprintf("%q is not a weekday", s)
		near := ""
		if len(s) > 3 && slices.Contains(weekdayKeys, s[:3]) {
			near = s[:3]
		} else if n := kpi.Nearest(s, weekdayKeys, 1); len(n) > 0 {
			near = n[0]
		}
		if near != "" {
			msg += fmt.Sprintf("; did you mean %q?", near)
		}
		return -1, msg
	}
	const keys = "use mon tue wed thu fri sat sun, or a range like mon-fri"
	from, to, isRange := strings.Cut(key, "-")
	a, msg := idx(from)
	if msg != "" {
		return nil, msg + " (" + keys + ")"
	}
	if !isRange {
		return []int{a}, ""
	}
	b, msg := idx(to)
	if msg != "" {
		return nil, msg + " (" + keys + ")"
	}
	var out []int
	for d := a; ; d = (d + 1) % 7 {
		out = append(out, d)
		if d == b {
			return out, ""
		}
	}
}

var spanRE = regexp.MustCompile(`^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$`)

// parseSpan reads "HH:MM-HH:MM" (24:00 may end it).
func parseSpan(s string) (bizcal.Span, string) {
	m := spanRE.FindStringSubmatch(s)
	if m == nil {
		return bizcal.Span{}, fmt.Sprintf(`%s is not a range; write "HH:MM-HH:MM", e.g. "08:00-18:00"`, shortQuote(s))
	}
	clock := func(h, mm string, end bool) (int, bool) {
		hi, _ := strconv.Atoi(h)
		mi, _ := strconv.Atoi(mm)
		if mi > 59 || hi > 24 || hi == 24 && (mi > 0 || !end) {
			return 0, false
		}
		return hi*3600 + mi*60, true
	}
	start, ok1 := clock(m[1], m[2], false)
	end, ok2 := clock(m[3], m[4], true)
	if !ok1 || !ok2 {
		return bizcal.Span{}, fmt.Sprintf(`%s has a time that is not on the clock; use 00:00 to 23:59 (24:00 may end a range), e.g. "08:00-18:00"`, shortQuote(s))
	}
	if end <= start {
		return bizcal.Span{}, fmt.Sprintf(`%s ends before it starts; write the earlier time first, and split a range across midnight into "22:00-24:00" on one day and "00:00-06:00" on the next`, shortQuote(s))
	}
	return bizcal.Span{Start: start, End: end}, ""
}

// holidaysFile adds the dates of a holidays file: one date per line, or a
// CSV (, ; or tab) whose first column is a date; # starts a comment and a
// first line that is not a date is a header.
func (c *Config) holidaysFile(name, dir, what string, line int, into map[time.Time]bool) error {
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	f, err := os.Open(p) // read-only
	if err != nil {
		msg := fmt.Sprintf("%s: holidays_file: cannot read %s: %v; check the file's permissions", what, p, err)
		if errors.Is(err, os.ErrNotExist) {
			msg = fmt.Sprintf("%s: holidays_file: %s not found; give its path relative to %s's folder, or an absolute path", what, p, filepath.Base(c.Path))
		}
		return &Error{Path: c.Path, Line: line, Msg: msg}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, first := 0, true
	for sc.Scan() {
		n++
		text := strings.TrimPrefix(sc.Text(), "\ufeff")
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		field, _, _ := strings.Cut(text, ",")
		field, _, _ = strings.Cut(field, ";")
		field, _, _ = strings.Cut(field, "\t")
		field = strings.Trim(strings.TrimSpace(field), `"'`)
		if field == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, field)
		if err != nil {
			if first {
				first = false
				continue
			}
			return &Error{Path: p, Line: n, Msg: fmt.Sprintf("%s is not a date; write YYYY-MM-DD in the first column, e.g. 2025-12-25 (holidays_file of %s, %s:%d)", shortQuote(field), what, c.Path, line)}
		}
		first = false
		into[d] = true
	}
	if err := sc.Err(); err != nil {
		return &Error{Path: p, Line: n + 1, Msg: fmt.Sprintf("cannot read: %v (holidays_file of %s, %s:%d)", err, what, c.Path, line)}
	}
	return nil
}

// policy reads one sla: entry; day is one business day in seconds.
func (c *Config) policy(se entry, day float64) (bizcal.Policy, error) {
	p := bizcal.Policy{Name: se.key, Targets: map[string]float64{}}
	what := "sla: " + se.key
	fail := func(line int, format string, a ...any) error {
		return &Error{Path: c.Path, Line: line, Msg: what + ": " + fmt.Sprintf(format, a...)}
	}
	if !slices.Contains(SLANames, se.key) {
		msg := fmt.Sprintf("sla: %q is not an SLA policy", se.key)
		if near := kpi.Nearest(se.key, SLANames, 1); len(near) > 0 {
			msg += fmt.Sprintf("; did you mean %q?", near[0])
		}
		return p, &Error{Path: c.Path, Line: se.line, Msg: msg + " (policies: first_response, from created to the first response; resolution, from created to resolved)"}
	}
	example := fmt.Sprintf("e.g. %s: {by: priority, within: {urgent: 1h, high: 4h, low: 2d}, default: 8h}", se.key)
	es, ok := entries(se.val)
	if !ok {
		return p, fail(nodeLine(se.val, se.line), "takes a mapping, %s", example)
	}
	duration := func(n ast.Node, line int, key string) (float64, error) {
		s, ok := scalar(n)
		secs, msg := parseBusinessDuration(s, day)
		if !ok {
			msg = "takes a duration, e.g. 4h or 2d (d is one business day)"
		}
		if msg != "" {
			return 0, fail(nodeLine(n, line), "%s: %s", key, msg)
		}
		return secs, nil
	}
	withinLine := 0
	for _, e := range es {
		switch e.key {
		case "by":
			s, ok := scalar(e.val)
			if !ok || s == "" {
				return p, fail(e.line, "by: takes one column name, e.g. by: priority")
			}
			p.By = s
		case "within":
			wes, ok := entries(e.val)
			if !ok {
				return p, fail(nodeLine(e.val, e.line), "within: takes a mapping of values of by: to durations, e.g. within: {urgent: 1h, low: 2d}")
			}
			withinLine = e.line
			for _, we := range wes {
				secs, err := duration(we.val, we.line, "within: "+we.key)
				if err != nil {
					return p, err
				}
				p.Targets[we.key] = secs
			}
		case "default":
			secs, err := duration(e.val, e.line, "default")
			if err != nil {
				return p, err
			}
			p.Default = secs
		default:
			return p, fail(e.line, "%s", unknownKey(what+":", e.key, []string{"by", "within", "default"}))
		}
	}
	if len(p.Targets) > 0 && p.By == "" {
		return p, fail(withinLine, "within: needs by: (the column whose values it lists), e.g. by: priority")
	}
	if len(p.Targets) == 0 && p.Default == 0 {
		return p, fail(se.line, "has no target; %s", example)
	}
	return p, nil
}

var durationRE = regexp.MustCompile(`^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?$`)

// wordyRE reads a duration written in words ("1 hour", "2 days", "30 min").
var wordyRE = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*(d|days?|h|hrs?|hours?|m|mins?|minutes?)$`)

// parseBusinessDuration reads 90m, 1h, 1h30m, 1.5h, 2d, 1d4h into business
// seconds; a d is day seconds (day 0 refuses d). msg says what is wrong
// and how to write it.
func parseBusinessDuration(s string, day float64) (secs float64, msg string) {
	s = strings.TrimSpace(s)
	m := durationRE.FindStringSubmatch(strings.ToLower(s))
	if s == "" || m == nil || m[0] == "" {
		if w := wordyRE.FindStringSubmatch(strings.ToLower(s)); w != nil {
			return 0, fmt.Sprintf("%s: write %s%s", shortQuote(s), w[1], w[2][:1])
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return 0, fmt.Sprintf("%s has no unit: write %sh (hours), %sm (minutes) or %sd (business days)", shortQuote(s), s, s, s)
		}
		return 0, fmt.Sprintf("%s is not a duration; write a number and a unit, largest first: 90m, 4h, 1h30m, 1.5h, 2d, 1d4h (d is one business day)", shortQuote(s))
	}
	num := func(t string) float64 {
		f, _ := strconv.ParseFloat(t, 64)
		return f
	}
	if m[1] != "" {
		if day == 0 {
			return 0, fmt.Sprintf("%s: d (a business day) cannot be used here; write hours, e.g. 8h", shortQuote(s))
		}
		secs += num(m[1]) * day
	}
	secs += num(m[2])*3600 + num(m[3])*60
	if secs <= 0 {
		return 0, fmt.Sprintf("%s is no time; give a duration above zero, e.g. 4h", shortQuote(s))
	}
	return secs, ""
}

// loadZone loads an IANA zone; msg names the nearest known zone when it
// does not load. "Local" is refused: it would change with the machine.
func loadZone(name string) (*time.Location, string) {
	if name != "Local" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc, ""
		}
	}
	msg := fmt.Sprintf("unknown time zone %s", shortQuote(name))
	if name == "Local" {
		msg = `"Local" depends on the machine`
	}
	zones := strings.Fields(zoneNames)
	near := ""
	for _, z := range zones { // a city alone, or the wrong case
		if strings.EqualFold(z, name) || strings.EqualFold(z[strings.LastIndexByte(z, '/')+1:], strings.ReplaceAll(name, " ", "_")) {
			near = z
			break
		}
	}
	if near == "" && name != "Local" {
		if n := kpi.Nearest(name, zones, 1); len(n) > 0 {
			near = n[0]
		}
	}
	if near != "" {
		msg += fmt.Sprintf("; did you mean %s?", near)
	}
	return nil, msg + " (give an IANA name such as Europe/Berlin, America/New_York or UTC)"
}
