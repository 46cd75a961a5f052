package infer

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/schema"
)

// Business hours and SLAs proposed by `kpiscope init` (issue 14): when a
// ticket table has creation times, resolution or first-response times and a
// priority column, the config it writes gets a business_hours: section (one
// calendar, Mon–Fri 09:00–17:00 in the machine's zone) and an sla: section
// with a target per priority value seen in the data. Both are written
// active, not commented out: the file loads as it is and the business-time
// built-ins (first_response_bh, resolution_bh, sla_first_response,
// sla_resolution) appear at once; every assumption is said in a comment and
// in init's summary, for the user to correct.

// BusinessProposal is the business_hours: and sla: sections init proposes.
type BusinessProposal struct {
	Table    string // the ticket table the business-time view will read
	Zone     string // IANA name of the calendar's zone
	ZoneFrom string // how the zone was chosen ("this machine's zone", "no IANA zone on this machine")
	Priority string // the column SLA targets follow
	// Values are the priority values seen, most severe first, each with
	// its targets; a value whose name says no severity gets the middle
	// targets (Guessed).
	Values []PriorityTarget
	// FirstResponse and Resolution say which SLA policies the table's
	// mapped timestamps allow.
	FirstResponse, Resolution bool
}

// PriorityTarget is one priority value with its proposed targets, as
// sla: durations.
type PriorityTarget struct {
	Value                     string
	FirstResponse, Resolution string
	Guessed                   bool // the name does not say its severity
}

// ladder is the proposed targets by severity: first response 1h, 4h, 8h,
// 2d and resolution 1d, 2d, 3d, 5d, the usual shape of a help desk's
// priority matrix (d is one business day, 8h on the proposed calendar).
var ladder = []struct{ first, resolve string }{{"1h", "1d"}, {"4h", "2d"}, {"8h", "3d"}, {"2d", "5d"}}

// severityWords places priority names on the ladder; lowest/trivial share
// the last step.
var severityWords = [][]string{
	{"urgent", "critical", "crit", "blocker", "emergency", "highest", "immediate", "top", "asap"},
	{"high", "major", "important", "elevated"},
	{"medium", "normal", "moderate", "standard", "default", "regular", "med", "mid"},
	{"low", "minor", "lowest", "trivial", "planning", "cosmetic"},
}

// priorityNumRE is a numbered priority or severity: 1, P1, p2, Sev 1, S3,
// "1 - Urgent"; lower numbers are more severe.
var priorityNumRE = regexp.MustCompile(`^(?:p|sev|s|prio|priority|severity|level)?\s*[-_ ]?\s*(\d)\b`)

// severity ranks a priority value: 0 most severe; ok is false when its name
// says nothing (numbers are ranked among the values, by numberRank).
func severity(v string) (rank int, num int, ok bool) {
	l := strings.ToLower(strings.TrimSpace(v))
	if m := priorityNumRE.FindStringSubmatch(l); m != nil {
		n, _ := strconv.Atoi(m[1])
		return -1, n, true
	}
	toks := schema.Tokens(l)
	for i, words := range severityWords {
		if schema.HasWord(toks, words...) {
			return i, 0, true
		}
	}
	return -1, 0, false
}

// isPriorityName reports whether a column's name says it holds priorities.
func isPriorityName(name string) bool {
	return schema.HasStem(schema.Tokens(name), "priorit", "severit", "urgenc", "prio")
}

// ProposeBusiness fills in.Business when a ticket table can have business
// hours: the first table a ticket built-in reads (the one the workspace
// derives the business-time view from), with its creation time and a
// resolution or first-response time mapped. Without a priority column it
// proposes nothing: the calendar alone would only add business-hour means,
// and the SLA section is what a support lead needs written. zone is an IANA
// name (MachineZone).
func (in *Inference) ProposeBusiness(zone, zoneFrom string) {
	in.Business = nil
	table := ""
	cols := map[string]string{}
	for _, k := range in.KPIs {
		if k.Use == "" || k.NoTime {
			continue
		}
		b, ok := kpi.LookupBuiltin(k.Use)
		if !ok || b.Table != "tickets" || table != "" && k.Source != table {
			continue
		}
		table = k.Source
		for _, kv := range k.Columns {
			if cols[kv.Key] == "" {
				cols[kv.Key] = kv.Value
			}
		}
	}
	if table == "" || cols["created_at"] == "" || cols["resolved_at"] == "" && cols["first_response_at"] == "" {
		return
	}
	var tp *TableProfile
	for _, t := range in.Tables {
		if t.Name == table {
			tp = t
		}
	}
	if tp == nil {
		return
	}
	var pc *ColumnProfile
	for _, c := range tp.Columns {
		if isPriorityName(c.Name) && len(c.Values) > 0 && int64(len(c.Values)) >= c.Distinct &&
			(schema.IsText(c.Type) || schema.IsNumeric(c.Type) && c.Integral) {
			pc = c
			break
		}
	}
	if pc == nil {
		return
	}
	p := &BusinessProposal{Table: table, Zone: zone, ZoneFrom: zoneFrom, Priority: pc.Name,
		FirstResponse: cols["first_response_at"] != "", Resolution: cols["resolved_at"] != ""}
	type ranked struct {
		v         string
		rank, num int
		known     bool
	}
	var vs []ranked
	for _, v := range pc.Values {
		if strings.TrimSpace(v.Value) == "" {
			continue
		}
		r, n, ok := severity(v.Value)
		vs = append(vs, ranked{v.Value, r, n, ok})
	}
	if len(vs) == 0 {
		return
	}
	// Numbered priorities take the ladder in their order (1 most severe);
	// named ones their word's step; the others the middle step, after the
	// named middle ones, in the profile's order (most frequent first).
	var nums []int
	for _, r := range vs {
		if r.known && r.rank < 0 {
			nums = append(nums, r.num)
		}
	}
	slices.Sort(nums)
	nums = slices.Compact(nums)
	for i := range vs {
		switch {
		case vs[i].known && vs[i].rank < 0:
			vs[i].rank = min(slices.Index(nums, vs[i].num), len(ladder)-1)
		case !vs[i].known:
			vs[i].rank = 2
		}
	}
	slices.SortStableFunc(vs, func(a, b ranked) int {
		ka, kb := a.rank*10, b.rank*10
		if !a.known {
			ka += 5
		}
		if !b.known {
			kb += 5
		}
		if ka != kb {
			return ka - kb
		}
		return a.num - b.num
	})
	for _, r := range vs {
		step := ladder[min(r.rank, len(ladder)-1)]
		p.Values = append(p.Values, PriorityTarget{Value: r.v, FirstResponse: step.first, Resolution: step.resolve, Guessed: !r.known})
	}
	in.Business = p
}

// MachineZone is the IANA name of this machine's time zone (TZ, else the
// target of /etc/localtime), and how it was found; UTC when there is no IANA
// name to be had.
func MachineZone() (zone, from string) {
	ok := func(name string) bool {
		if name == "" || name == "Local" {
			return false
		}
		_, err := time.LoadLocation(name)
		return err == nil
	}
	if tz, set := os.LookupEnv("TZ"); set {
		if tz == "" {
			return "UTC", "TZ is empty, which means UTC" // as Go and the C library read it
		}
		tz = strings.TrimPrefix(tz, ":")
		if i := strings.Index(tz, "zoneinfo/"); i >= 0 {
			tz = tz[i+len("zoneinfo/"):]
		}
		if ok(tz) && (strings.Contains(tz, "/") || tz == "UTC") {
			return tz, "this machine's zone"
		}
	}
	if target, err := filepath.EvalSymlinks("/etc/localtime"); err == nil {
		if i := strings.Index(target, "zoneinfo/"); i >= 0 && ok(target[i+len("zoneinfo/"):]) {
			return target[i+len("zoneinfo/"):], "this machine's zone"
		}
	}
	return "UTC", "this machine has no IANA zone name"
}

// Assumed says, on one line, what the proposal assumed ("" without one).
func (p *BusinessProposal) Assumed() string {
	if p == nil {
		return ""
	}
	var ts []string
	for _, v := range p.Values {
		var t []string
		if p.FirstResponse {
			t = append(t, v.FirstResponse)
		}
		if p.Resolution {
			t = append(t, v.Resolution)
		}
		ts = append(ts, v.Value+" "+strings.Join(t, "/"))
	}
	return fmt.Sprintf("Mon–Fri 09:00–17:00 in %s (%s), no holidays, timestamps in UTC; SLA targets by %s (%s, business time)",
		p.Zone, p.ZoneFrom, p.Priority, strings.Join(ts, ", "))
}

// writeBusiness writes the proposal's business_hours: and sla: sections.
func (in *Inference) writeBusiness(b *strings.Builder, comments bool) {
	p := in.Business
	if p == nil {
		return
	}
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	if comments {
		w("\n# Business hours and SLA targets, proposed because %s has priorities and ticket timestamps:\n", p.Table)
		w("# assumed Mon–Fri 09:00–17:00 in %s (%s), no holidays, and the files'\n", p.Zone, p.ZoneFrom)
		w("# timestamps in UTC. Edit them to your support hours and policy: the business-time KPIs\n")
		w("# (first response and resolution in business hours, share within SLA) follow, after the KPIs above.\n")
	}
	w("business_hours:\n")
	w("  timestamps: UTC")
	if comments {
		w("   # the zone of timestamps that carry none; an IANA name (Europe/Berlin) if they are local time")
	}
	w("\n  calendars:\n")
	w("    support:\n")
	w("      timezone: %s\n", yamlScalar(p.Zone, false))
	w("      hours: {mon-fri: \"09:00-17:00\"}")
	if comments {
		w("   # several ranges a day: [\"09:00-12:00\", \"13:00-17:00\"]; sat: \"10:00-14:00\"")
	}
	w("\n      holidays: []")
	if comments {
		w("   # e.g. [2026-12-25, 2026-12-26]; or holidays_file: holidays.csv (one date per line)")
	}
	w("\n")
	if comments {
		w("# Targets per %s value seen in %s, most urgent first, in business time (d = one\n", schema.QuoteName(p.Priority), p.Table)
		w("# business day, 8h here): the usual shape of a priority matrix, not your policy.\n")
		var guessed []string
		for _, v := range p.Values {
			if v.Guessed {
				guessed = append(guessed, v.Value)
			}
		}
		if len(guessed) > 0 {
			w("# %s: the name says no severity; given the middle targets.\n", strings.Join(quoteAllForComment(guessed), ", "))
		}
		w("# Tickets whose %s is blank or not listed have no SLA (add default: 8h to give them one).\n", schema.QuoteName(p.Priority))
	}
	w("sla:\n")
	policy := func(name string, target func(PriorityTarget) string) {
		var parts []string
		for _, v := range p.Values {
			parts = append(parts, yamlScalar(v.Value, true)+": "+target(v))
		}
		w("  %s:\n    by: %s\n    within: {%s}\n", name, yamlScalar(p.Priority, false), strings.Join(parts, ", "))
	}
	if p.FirstResponse {
		policy("first_response", func(v PriorityTarget) string { return v.FirstResponse })
	}
	if p.Resolution {
		policy("resolution", func(v PriorityTarget) string { return v.Resolution })
	}
}
