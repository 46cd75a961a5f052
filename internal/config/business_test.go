package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/bizcal"
	"kpiscope/internal/config"
)

const businessYAML = `sources:
  tickets: {path: tickets.csv}
business_hours:
  timestamps: Europe/Berlin
  calendars:
    support:
      timezone: Europe/Berlin
      hours:
        mon-fri: "08:00-18:00"
        sat: ["13:00-15:00", "09:00-12:00"]
      holidays: [2026-01-01, 2025-12-25]
      holidays_file: holidays-de.csv
    us:
      timezone: America/New_York
      hours: {mon-thu: "09:00-17:00", fri: "09:00-13:00"}
  calendar_by:
    column: team
    map: {Billing: us, "Tier 2": support}
sla:
  first_response:
    by: priority
    within: {urgent: 1h, high: 4h, normal: 1h30m, low: 2d}
    default: 8h
  resolution:
    by: priority
    within: {urgent: 1.5h, high: 1d4h, low: 90m}
`

// The holidays file: a header, a comment, dates in the first column (one
// also in holidays:, one with ; as the separator), a blank line.
const holidaysCSV = "date,name\n# Christmas\n2025-12-26,2. Weihnachtstag\n2025-12-25,1. Weihnachtstag\n\n2026-04-03;Karfreitag\n"

// writeConfig writes yaml as kpiscope.yaml into a new folder with the
// given files beside it, and returns the config's path.
func writeConfig(t *testing.T, yaml string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, config.FileName)
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func loc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// A whole business_hours: and sla: read into calendars (spans in seconds
// from midnight, sorted; holidays from the list and the file merged,
// sorted, once each) and policies in business seconds, where d is the
// default calendar's longest day: 08:00–18:00 = 10h = 36000 s.
func TestBusiness(t *testing.T) {
	p := writeConfig(t, businessYAML, map[string]string{"holidays-de.csv": holidaysCSV})
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	day := func(h, m int) int { return h*3600 + m*60 }
	support := &bizcal.Calendar{Name: "support", Zone: loc(t, "Europe/Berlin"), Holidays: []time.Time{date("2025-12-25"), date("2025-12-26"), date("2026-01-01"), date("2026-04-03")}}
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday} {
		support.Week[d] = []bizcal.Span{{Start: 28800, End: 64800}}
	}
	support.Week[time.Saturday] = []bizcal.Span{{Start: day(9, 0), End: day(12, 0)}, {Start: day(13, 0), End: day(15, 0)}}
	us := &bizcal.Calendar{Name: "us", Zone: loc(t, "America/New_York")}
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday} {
		us.Week[d] = []bizcal.Span{{Start: 32400, End: 61200}}
	}
	us.Week[time.Friday] = []bizcal.Span{{Start: 32400, End: 46800}}
	want := &config.Business{
		Data:      loc(t, "Europe/Berlin"),
		Calendars: []*bizcal.Calendar{support, us},
		By:        "team",
		Map:       map[string]string{"Billing": "us", "Tier 2": "support"},
		Default:   "support",
		SLA: []bizcal.Policy{
			{Name: "first_response", By: "priority", Targets: map[string]float64{"urgent": 3600, "high": 14400, "normal": 5400, "low": 72000}, Default: 28800},
			{Name: "resolution", By: "priority", Targets: map[string]float64{"urgent": 5400, "high": 36000 + 14400, "low": 5400}},
		},
		Line:        3,
		ColumnLines: map[string]int{"calendar_by": 17, "first_response": 21, "resolution": 25}, // the lines naming columns
	}
	got := cfg.Business
	if got == nil {
		t.Fatal("Business is nil")
	}
	for i, c := range got.Calendars {
		if i < len(want.Calendars) && c.Zone.String() == want.Calendars[i].Zone.String() {
			c.Zone = want.Calendars[i].Zone // *time.Location values differ per load
		}
	}
	if got.Data.String() == want.Data.String() {
		got.Data = want.Data
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Business =\n%+v\nwant\n%+v", got, want)
		for i := range min(len(got.Calendars), len(want.Calendars)) {
			if !reflect.DeepEqual(got.Calendars[i], want.Calendars[i]) {
				t.Errorf("calendar %d =\n%+v\nwant\n%+v", i, got.Calendars[i], want.Calendars[i])
			}
		}
	}
}

// Without business_hours: there is no Business; timestamps: defaults to
// UTC, the default calendar to the first, and a weekday range may run over
// the week's end (sun-thu).
func TestBusinessDefaults(t *testing.T) {
	if cfg := parse(t, "sources:\n  t: {path: t.csv}\n"); cfg.Business != nil {
		t.Errorf("Business = %+v without business_hours:", cfg.Business)
	}
	b := parse(t, "business_hours:\n  calendars:\n    gulf:\n      timezone: Asia/Dubai\n      hours: {sun-thu: \"09:00-24:00\"}\n").Business
	if b == nil || b.Data != time.UTC || b.Default != "gulf" || b.By != "" || len(b.SLA) != 0 {
		t.Fatalf("Business = %+v", b)
	}
	var worked []time.Weekday
	for d, spans := range b.Calendars[0].Week {
		if len(spans) > 0 {
			worked = append(worked, time.Weekday(d))
			if want := []bizcal.Span{{Start: 32400, End: 86400}}; !reflect.DeepEqual(spans, want) {
				t.Errorf("%v: %v, want %v", time.Weekday(d), spans, want)
			}
		}
	}
	if want := []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday}; !reflect.DeepEqual(worked, want) {
		t.Errorf("worked days %v, want %v", worked, want)
	}
}

// d is a business day of calendar_by's default calendar: us's day: 7.5h
// makes 2d = 15h = 54000 s; without day: its longest day, Mon–Thu 8h.
func TestBusinessDayIsTheDefaultCalendars(t *testing.T) {
	const cals = `business_hours:
  calendars:
    support:
      timezone: Europe/Berlin
      hours: {mon-fri: "08:00-18:00"}
    us:
      timezone: America/New_York
      hours: {mon-thu: "09:00-17:00", fri: "09:00-13:00"}
%s  calendar_by: {default: us}
sla:
  resolution: {default: 2d}
`
	for _, c := range []struct {
		day  string
		want float64
	}{{"      day: 7.5h\n", 54000}, {"", 57600}} {
		b := parse(t, strings.Replace(cals, "%s", c.day, 1)).Business
		if b == nil || len(b.SLA) != 1 {
			t.Fatalf("day %q: Business = %+v", c.day, b)
		}
		if b.Default != "us" || b.SLA[0].Default != c.want || len(b.SLA[0].Targets) != 0 {
			t.Errorf("day %q: default %q, policy %+v; want 2d = %v", c.day, b.Default, b.SLA[0], c.want)
		}
	}
}

func TestBusinessErrors(t *testing.T) {
	const head = "business_hours:\n  calendars:\n    support:\n"
	const tz = "      timezone: Europe/Berlin\n"
	const hours = "      hours: {mon-fri: \"08:00-18:00\"}\n"
	const ok = head + tz + hours
	cases := []struct {
		name string
		yaml string
		line int
		msgs []string
	}{
		{"unknown time zone", head + "      timezone: Europe/Berlinn\n" + hours, 4, []string{`calendar support: timezone: unknown time zone "Europe/Berlinn"; did you mean Europe/Berlin?`}},
		{"a city for a zone", head + "      timezone: berlin\n" + hours, 4, []string{`unknown time zone "berlin"; did you mean Europe/Berlin?`}},
		{"Local zone", head + "      timezone: Local\n" + hours, 4, []string{`"Local" depends on the machine`, "IANA name"}},
		{"unknown timestamps zone", "business_hours:\n  timestamps: Amerca/New_York\n  calendars:\n    support:\n" + tz + hours, 2, []string{"timestamps:", `did you mean America/New_York?`}},
		{"no timezone", head + hours, 3, []string{"calendar support: has no timezone:", "timezone: Europe/Berlin"}},
		{"bad weekday key", head + tz + "      hours:\n        monday: \"08:00-18:00\"\n", 6, []string{`"monday" is not a weekday; did you mean "mon"?`, "mon-fri"}},
		{"bad weekday range", head + tz + "      hours: {mon-fir: \"08:00-18:00\"}\n", 5, []string{`"fir" is not a weekday; did you mean "fri"?`}},
		{"bad range", head + tz + "      hours:\n        mon: 8-18\n", 6, []string{`hours: mon: "8-18" is not a range; write "HH:MM-HH:MM"`}},
		{"reversed range", head + tz + "      hours:\n        mon-fri: \"18:00-08:00\"\n", 6, []string{`"18:00-08:00" ends before it starts`, "midnight"}},
		{"empty range", head + tz + "      hours:\n        mon-fri: \"08:00-08:00\"\n", 6, []string{`"08:00-08:00" ends before it starts`}},
		{"time off the clock", head + tz + "      hours:\n        mon: \"08:00-24:30\"\n", 6, []string{`"08:00-24:30" has a time that is not on the clock`}},
		{"24:00 starts", head + tz + "      hours:\n        mon: \"24:00-24:00\"\n", 6, []string{"not on the clock"}},
		{"overlapping spans", head + tz + "      hours:\n        mon-fri: \"08:00-18:00\"\n        wed: [\"12:00-13:00\"]\n", 7, []string{`hours: 08:00-18:00 and 12:00-13:00 overlap on wed`}},
		{"overlap in one list", head + tz + "      hours:\n        sat:\n          - \"09:00-12:00\"\n          - \"11:00-15:00\"\n", 8, []string{"09:00-12:00 and 11:00-15:00 overlap on sat"}},
		{"unquoted ranges in a list", head + tz + "      hours: {sat: [09:00-12:00]}\n", 5, []string{`quote each range`, `sat: ["09:00-12:00", "13:00-15:00"]`}},
		{"no working hours", head + tz + "      hours: {sun: []}\n", 5, []string{"calendar support: hours: has no working hours at all"}},
		{"no hours", head + tz, 3, []string{"calendar support: has no hours:"}},
		{"bad holiday", ok + "      holidays:\n        - 2025-12-25\n        - 2025-12-32\n", 8, []string{`holidays: "2025-12-32" is not a date; write YYYY-MM-DD`}},
		{"missing holidays file", ok + "      holidays_file: feiertage.csv\n", 6, []string{"holidays_file: /home/ana/project/feiertage.csv not found", "relative to kpiscope.yaml's folder"}},
		{"unknown calendar in map", ok + "  calendar_by:\n    column: team\n    map: {Billing: suport}\n", 8, []string{`calendar_by: map: Billing: names calendar "suport", which is not defined; did you mean "support"?`, "calendars: support"}},
		{"unknown default calendar", ok + "  calendar_by: {column: team, default: us}\n", 6, []string{`calendar_by: default: names calendar "us"`}},
		{"map without column", ok + "  calendar_by:\n    map: {Billing: support}\n", 7, []string{"map: needs column:"}},
		{"unknown SLA", ok + "sla:\n  first_reply: {by: priority, within: {urgent: 1h}}\n", 7, []string{`sla: "first_reply" is not an SLA policy; did you mean "first_response"?`, "first_response", "resolution"}},
		{"wordy duration", ok + "sla:\n  first_response:\n    by: priority\n    within: {urgent: 1 hour}\n", 9, []string{`sla: first_response: within: urgent: "1 hour": write 1h`}},
		{"duration without unit", ok + "sla:\n  resolution:\n    by: priority\n    within:\n      low: 8\n", 10, []string{`within: low: "8" has no unit: write 8h (hours), 8m (minutes) or 8d (business days)`}},
		{"bad duration order", ok + "sla:\n  resolution: {default: 30m2h}\n", 7, []string{`default: "30m2h" is not a duration`, "largest first"}},
		{"d in day:", ok + "      day: 1d\n", 6, []string{"day:", "d (a business day) cannot be used here"}},
		{"day: on a calendar not the default", ok + "    us:\n      timezone: America/New_York\n      hours: {mon-fri: \"09:00-17:00\"}\n      day: 8h\n", 9, []string{"calendar us: day: counts only on the default calendar (support)", "write those targets in hours"}},
		{"within without by", ok + "sla:\n  resolution:\n    within: {low: 5d}\n", 8, []string{"within: needs by:"}},
		{"SLA without target", ok + "sla:\n  resolution: {by: priority}\n", 7, []string{"sla: resolution: has no target"}},
		{"sla without business_hours", "sla:\n  resolution: {by: priority, within: {low: 5d}}\n", 1, []string{"sla: needs business_hours:"}},
		{"no calendars", "business_hours:\n  timestamps: UTC\n", 1, []string{"business_hours: has no calendars:"}},
		{"unknown business_hours key", ok + "  calender_by: {column: team}\n", 6, []string{`unknown field "calender_by" in business_hours:; did you mean "calendar_by"?`}},
		{"unknown calendar key", head + "      timezon: Europe/Berlin\n" + hours, 4, []string{`unknown field "timezon" in calendar support:; did you mean "timezone"?`}},
		{"unknown calendar_by key", ok + "  calendar_by: {col: team}\n", 6, []string{`unknown field "col" in business_hours: calendar_by:`}},
		{"unknown sla key", ok + "sla:\n  resolution:\n    by: priority\n    withn: {low: 5d}\n", 9, []string{`unknown field "withn" in sla: resolution:; did you mean "within"?`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantErr(t, c.yaml, c.line, c.msgs...) })
	}
}

// A bad date in a holidays file is reported at that file's line, naming
// the config line that gives the file.
func TestBusinessHolidaysFileError(t *testing.T) {
	yaml := "business_hours:\n  calendars:\n    support:\n      timezone: Europe/Berlin\n      hours: {mon-fri: \"08:00-18:00\"}\n      holidays_file: feiertage.csv\n"
	p := writeConfig(t, yaml, map[string]string{"feiertage.csv": "Datum;Name\n2025-12-25;Weihnachten\n# Ostern\n03.04.2026;Karfreitag\n"})
	_, err := config.Load(p)
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *config.Error", err)
	}
	file := filepath.Join(filepath.Dir(p), "feiertage.csv")
	if ce.Path != file || ce.Line != 4 {
		t.Errorf("at %s:%d, want %s:4: %v", ce.Path, ce.Line, file, err)
	}
	for _, m := range []string{`"03.04.2026" is not a date; write YYYY-MM-DD`, "holidays_file of calendar support, " + p + ":6"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("%q does not say %q", err, m)
		}
	}
}
