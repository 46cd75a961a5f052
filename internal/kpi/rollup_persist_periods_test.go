package kpi_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
	"kpiscope/internal/workspace"
	"kpiscope/sampledata"
)

// backlogSlices are slices of the backlog fixture at month, week and day
// grain, compared, and filtered on priority, with the backlog's trend worked
// by hand (TestBacklogAtPeriodEnds; high priority: December T1, T3 = 2,
// January at the data's end T9 = 1; weeks: 29 Dec T1 = 1, 5 Jan none, 12
// Jan T7, T11 = 2, 19 Jan T9 = 1).
var backlogSlices = []struct {
	name  string
	s     kpi.Slice
	trend string
}{
	{"months", kpi.Slice{Grain: kpi.Month, Period: day("2026-01-01"), Trend: 3, Compare: kpi.VsPrevious}, "2025-12-01 3, 2026-01-01 3"},
	{"weeks", kpi.Slice{Grain: kpi.Week, Period: day("2026-01-19"), Trend: 4}, "2025-12-29 3, 2026-01-05 2, 2026-01-12 4, 2026-01-19 3"},
	{"days", kpi.Slice{Grain: kpi.Day, Period: day("2026-01-21"), Trend: 4, Compare: kpi.VsPrevious}, "2026-01-18 4, 2026-01-19 5, 2026-01-20 3, 2026-01-21 3"},
	{"high months", kpi.Slice{Grain: kpi.Month, Period: day("2026-01-01"), Trend: 3, Filters: []kpi.Filter{{Dim: "priority", Values: []string{"high"}}}}, "2025-12-01 2, 2026-01-01 1"},
	{"high weeks", kpi.Slice{Grain: kpi.Week, Period: day("2026-01-19"), Trend: 4, Compare: kpi.VsPrevious, Filters: []kpi.Filter{{Dim: "priority", Values: []string{"high"}}}}, "2025-12-29 1, 2026-01-05 0, 2026-01-12 2, 2026-01-19 1"},
}

// describeResult is everything a result's rows show: the trend, the total
// with its n, extras and comparison.
func describeResult(r kpi.Result) string {
	num := func(v *float64) string {
		if v == nil {
			return "—"
		}
		return fmt.Sprintf("%.9g", *v)
	}
	row := func(p kpi.Point) string {
		var ex []string
		for k, v := range p.Extras {
			ex = append(ex, k+"="+num(v))
		}
		sort.Strings(ex)
		return fmt.Sprintf("%s n=%d [%s]", num(p.Value), p.N, strings.Join(ex, " "))
	}
	out := "trend " + trendValues(r.Trend) + "; total " + row(r.Total.Point)
	if r.Total.Compare != nil {
		out += "; compare " + row(*r.Total.Compare)
	}
	return out
}

// TestBacklogKeptInDBFile: the backlog's period totals (a cohort KPI no
// rollup answers) computed by a first start over a --db file are kept in
// it, so a second start on the same data shows them without reading the
// raw rows, with the numbers the raw rows give (worked by hand above, with
// and without the age extras, at month, week and day grain, compared and
// filtered); when the data changes (another fingerprint) the kept totals
// are dropped and the new data's numbers shown.
func TestBacklogKeptInDBFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	open := func() (*store.DB, *kpi.Engine, *rawReads) {
		t.Helper()
		db, err := store.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		cols, err := db.Columns(ctx, "tickets")
		if err != nil {
			t.Fatal(err)
		}
		var keep []*kpi.Def
		for _, d := range kpi.StandardDefs(map[string][]store.Column{"tickets": cols}) {
			if d.ID == "backlog" {
				keep = append(keep, d)
			}
		}
		reads := &rawReads{}
		eng, err := kpi.New(ctx, db, keep, kpi.Options{Now: fixedNow, Dimensions: []string{"priority"}, Log: slog.New(reads)})
		if err != nil {
			t.Fatal(err)
		}
		return db, eng, reads
	}
	compute := func(eng *kpi.Engine, s kpi.Slice, opts ...kpi.Option) kpi.Result {
		t.Helper()
		sc, err := eng.Compute(ctx, s, []string{"backlog"}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if len(sc.Results) != 1 || sc.Results[0].Err != nil {
			t.Fatalf("results: %+v", sc.Results)
		}
		return sc.Results[0]
	}
	extras := [][]kpi.Option{{kpi.Uncached()}, {kpi.Uncached(), kpi.WithoutExtras()}}

	// The fixture in a file, its tickets recorded as a --db file records a
	// source read from files (under a fingerprint of them).
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range append(strings.Split(backlogFixture, ";"),
		"CREATE TABLE __kpiscope_sources (name VARCHAR, fingerprint VARCHAR)",
		"INSERT INTO __kpiscope_sources VALUES ('tickets', 'files-1')") {
		if strings.TrimSpace(stmt) != "" {
			if err := db.Exec(ctx, stmt); err != nil {
				t.Fatalf("%v\n%s", err, stmt)
			}
		}
	}
	db.Close()

	// First start: computed from the raw rows, and kept.
	db, eng, _ := open()
	first := map[string]string{}
	for _, c := range backlogSlices {
		for i, opts := range extras {
			r := compute(eng, c.s, opts...)
			if got := trendValues(r.Trend); got != c.trend {
				t.Errorf("first start, %s: %s, want %s", c.name, got, c.trend)
			}
			first[fmt.Sprint(c.name, i)] = describeResult(r)
		}
	}
	if r := compute(eng, backlogSlices[0].s); r.Total.Compare == nil || r.Total.Compare.Value == nil || *r.Total.Compare.Value != 2 {
		t.Errorf("first start: January compared with %+v, want 2 (21 Dec 16:00: T1, T2)", r.Total.Compare)
	}
	db.Close()

	// Second start, same data: no raw rows read, the same numbers, which
	// are the raw rows'.
	db, eng, reads := open()
	reads.count = true
	second := map[string]string{}
	for _, c := range backlogSlices {
		for i, opts := range extras {
			second[fmt.Sprint(c.name, i)] = describeResult(compute(eng, c.s, opts...))
		}
	}
	reads.count = false
	if len(reads.seen) > 0 {
		t.Errorf("second start on the same data: %d raw reads (%v); the kept period totals were not used", len(reads.seen), reads.seen)
	}
	for _, c := range backlogSlices {
		for i, opts := range extras {
			k := fmt.Sprint(c.name, i)
			raw := describeResult(compute(eng, c.s, append(opts, kpi.FromScratch())...))
			if second[k] != first[k] || second[k] != raw {
				t.Errorf("second start, %s (%d): %s\nfirst start: %s\nraw rows:    %s", c.name, i, second[k], first[k], raw)
			}
		}
	}
	// The data changes (T2 resolved on 20 Jan 10:00), and with it the
	// files' fingerprint: the kept totals go, the new data's are shown.
	for _, stmt := range []string{
		"UPDATE tickets SET resolved_at = '2026-01-20 10:00' WHERE ticket_id = 'T2'",
		"UPDATE __kpiscope_sources SET fingerprint = 'files-2'"} {
		if err := db.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db, eng, reads = open()
	for _, c := range backlogSlices[:1] {
		r := compute(eng, c.s)
		if got, want := trendValues(r.Trend), "2025-12-01 3, 2026-01-01 2"; got != want {
			t.Errorf("after the data changed, %s: %s, want %s (T9, T10 open in January)", c.name, got, want)
		}
	}
	if raw, _ := reads.reset(); raw == 0 {
		t.Errorf("after the data changed: no raw rows read")
	}
	rows, err := db.Query(ctx, "SELECT count(*) FILTER (WHERE sig <> (SELECT min(sig) FROM __kpiscope_periods)), count(DISTINCT sig) FROM __kpiscope_periods")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rows.Data[0]) != "[0 1]" {
		t.Errorf("kept period totals after the data changed: %v rows of another signature, %v signatures; want only the new data's", rows.Data[0][0], rows.Data[0][1])
	}
}

// TestFirstScreenKeptOnSample: on the sample with its kpiscope.yaml (the
// backlog, and the share of it past SLA with its ages in business days and
// past-due count, over the business-time view), a second start with --db on
// unchanged files shows the first screen (every KPI without extras, CSAT by
// the first dimension with extras) and the backlog KPIs with their extras
// by month, week and day, filtered on priority, without reading raw rows,
// with the first start's numbers, which for the backlog KPIs are the raw
// rows'. A changed file makes them computed again.
func TestFirstScreenKeptOnSample(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	sources := sampleFiles(t)
	dir := filepath.Dir(sources[0])
	cfg := strings.ReplaceAll(string(sampledata.Config), "{path: ", "{path: "+dir+"/")
	cfgPath := filepath.Join(dir, "kpiscope.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "k.db")
	open := func() (*workspace.Workspace, *rawReads) {
		t.Helper()
		reads := &rawReads{}
		ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: cfgPath, DBPath: db, Log: slog.New(reads)})
		if err != nil {
			t.Fatal(err)
		}
		return ws, reads
	}
	backlogs := []string{"backlog", "backlog_overdue"}
	high := []kpi.Filter{{Dim: "priority", Values: []string{"high"}}}
	type ask struct {
		s    kpi.Slice
		ids  []string
		opts []kpi.Option
	}
	asks := []ask{
		{kpi.Slice{}, nil, []kpi.Option{kpi.WithoutExtras()}},
		{kpi.Slice{Segment: "channel"}, []string{"csat"}, nil},
		{kpi.Slice{}, backlogs, nil},
		{kpi.Slice{Grain: kpi.Week, Compare: kpi.VsYear}, backlogs, nil},
		{kpi.Slice{Grain: kpi.Day, Filters: high}, backlogs, nil},
		{kpi.Slice{Filters: high}, backlogs, []kpi.Option{kpi.WithoutExtras()}},
	}
	run := func(ws *workspace.Workspace, a ask, more ...kpi.Option) []string {
		t.Helper()
		sc, err := ws.Engine.Compute(ctx, a.s, a.ids, append(append([]kpi.Option{kpi.Uncached()}, a.opts...), more...)...)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range sc.Results {
			if r.Err != nil {
				t.Fatalf("%s: %v", r.Def.ID, r.Err)
			}
			if r.Def.BuiltinID == "backlog" || r.Def.BuiltinID == "backlog_overdue" {
				r = rtPeriodExtras(r) // ages of the period shown only (runAges)
			}
			out = append(out, r.Def.ID+": "+describeResult(r))
		}
		return out
	}

	ws, _ := open()
	for _, id := range backlogs {
		if ws.Engine.Def(id) == nil {
			t.Fatalf("the sample has no %s", id)
		}
	}
	if err := ws.Engine.BuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	first := make([][]string, len(asks))
	for i, a := range asks {
		first[i] = run(ws, a)
	}
	ws.Close()

	ws, reads := open()
	reads.count = true
	second := make([][]string, len(asks))
	for i, a := range asks {
		second[i] = run(ws, a)
	}
	reads.count = false
	if len(reads.seen) > 0 {
		t.Errorf("second start on unchanged files: %d raw reads (%v)", len(reads.seen), reads.seen)
	}
	for i, a := range asks {
		if strings.Join(second[i], "\n") != strings.Join(first[i], "\n") {
			t.Errorf("second start, %+v: %s\nfirst start: %s", a.s, strings.Join(second[i], "\n"), strings.Join(first[i], "\n"))
		}
		if a.ids == nil {
			continue
		}
		if raw := run(ws, a, kpi.FromScratch()); strings.Join(second[i], "\n") != strings.Join(raw, "\n") && a.ids[0] == "backlog" {
			t.Errorf("second start, %+v: %s\nraw rows: %s", a.s, strings.Join(second[i], "\n"), strings.Join(raw, "\n"))
		}
	}
	ws.Close()

	// The tickets file changes: the backlog is read from the raw rows again.
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(dir, "tickets.parquet"), later, later); err != nil {
		t.Fatal(err)
	}
	ws, reads = open()
	defer ws.Close()
	reads.count = true
	run(ws, asks[2])
	reads.count = false
	if len(reads.seen) == 0 {
		t.Errorf("after the tickets file changed: the backlog was not read from the raw rows")
	}
}
