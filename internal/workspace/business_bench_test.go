package workspace_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
	"kpiscope/internal/workspace"
)

// BenchmarkBusinessView measures, on KPISCOPE_BENCH_BUSINESS tickets made as
// Parquet (a year of creations, answers within 4 hours, resolutions within
// two weeks, 3% open) on testdata/business's calendar and SLAs: opening the
// workspace (the business-time columns computed once), and each month's
// scorecard query from the raw rows for a business-time KPI beside its
// clock-time twin.
func BenchmarkBusinessView(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("KPISCOPE_BENCH_BUSINESS"))
	if n <= 0 {
		b.Skip("set KPISCOPE_BENCH_BUSINESS to a number of tickets (1000000)")
	}
	ctx := context.Background()
	dir := b.TempDir()
	writeBenchTickets(b, dir, n, []string{"urgent", "normal"}, true)
	cfg, err := os.ReadFile(filepath.Join(bizDir, "kpiscope.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	// A holiday in each month of 2025, and two DST changes in range.
	y := strings.Replace(string(cfg), "path: tickets.csv", "path: tickets.parquet", 1)
	y = strings.Replace(y, "holidays: [2026-01-06]", "holidays: [2025-01-01, 2025-02-14, 2025-03-14, 2025-04-18, 2025-05-01, 2025-06-09, 2025-07-14, 2025-08-15, 2025-09-12, 2025-10-03, 2025-11-14, 2025-12-25]", 1)
	if err := os.WriteFile(filepath.Join(dir, "kpiscope.yaml"), []byte(y), 0o600); err != nil {
		b.Fatal(err)
	}
	// The same without business_hours: and sla:, for the cost of opening.
	if err := os.WriteFile(filepath.Join(dir, "plain.yaml"), []byte(y[:strings.Index(y, "business_hours:")]), 0o600); err != nil {
		b.Fatal(err)
	}
	open := func(name string) *workspace.Workspace {
		ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: filepath.Join(dir, name), Now: func() time.Time { return time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC) }})
		if err != nil {
			b.Fatal(err)
		}
		return ws
	}
	for _, name := range []string{"plain.yaml", "kpiscope.yaml"} {
		b.Run("open/"+name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				open(name).Close()
			}
		})
	}
	ws := open("kpiscope.yaml")
	defer ws.Close()
	for _, id := range []string{"resolution_time", "resolution_bh", "first_response", "first_response_bh", "sla_resolution"} {
		b.Run("month/"+id, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sc, err := ws.Engine.Compute(ctx, kpi.Slice{Grain: kpi.Month, Period: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}, []string{id}, kpi.FromScratch())
				if err != nil {
					b.Fatal(err)
				}
				if r := sc.Find(id); r == nil || r.Err != nil || r.Total.Value == nil {
					b.Fatalf("%s: %+v", id, r)
				}
			}
		})
	}
}

// writeBenchTickets writes dir/tickets.parquet for the business-time and
// backlog benchmarks: n tickets created evenly over 2025, in priorities and
// teams A–C, answered within 4 hours (with firstResponse), resolved within
// two weeks, 3% still open.
func writeBenchTickets(b *testing.B, dir string, n int, priorities []string, firstResponse bool) {
	b.Helper()
	db, err := store.Open("")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	created := "TIMESTAMP '2025-01-01' + to_microseconds(i * " + strconv.Itoa(31536000000000/n) + ")"
	var prio []string
	for _, p := range priorities {
		prio = append(prio, store.QuoteLiteral(p))
	}
	cols := []string{"'T' || i AS ticket_id",
		"[" + strings.Join(prio, ", ") + "][i % " + strconv.Itoa(len(prio)) + " + 1] AS priority",
		"['A', 'B', 'C'][i % 7 % 3 + 1] AS team",
		created + " AS created_at"}
	if firstResponse {
		cols = append(cols, created+" + to_seconds(CAST(hash(i * 3) % 14400 AS BIGINT)) AS first_response_at")
	}
	cols = append(cols, "CASE WHEN hash(i) % 100 < 3 THEN NULL ELSE "+created+" + to_seconds(CAST(hash(i * 7) % 1209600 AS BIGINT)) END AS resolved_at")
	q := "COPY (SELECT " + strings.Join(cols, ", ") + " FROM range(" + strconv.Itoa(n) + ") r(i)) TO " + store.QuoteLiteral(filepath.Join(dir, "tickets.parquet")) + " (FORMAT parquet)"
	if err := db.Exec(context.Background(), q); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBusinessSample measures issue 14's aim on a sample's
// tickets.parquet: the mean resolution time over every ticket (one period,
// from the raw rows; open+query: with the workspace's start, in memory;
// query: on an open workspace; kept-db: a second start with --db), in clock time
// without business_hours: (plain) against in business hours with it
// (business: a Berlin calendar with ten holidays a year and the two SLA
// policies, so the view's deadlines and outcomes are computed too):
//
//	kpiscope sample --out /tmp/kpis10m --tickets 10000000
//	KPISCOPE_BENCH_DATA=/tmp/kpis10m go test ./internal/workspace -run '^$' -bench BusinessSample -benchtime 3x
func BenchmarkBusinessSample(b *testing.B) {
	dir := os.Getenv("KPISCOPE_BENCH_DATA")
	if dir == "" {
		b.Skip("set KPISCOPE_BENCH_DATA to a folder written by kpiscope sample")
	}
	ctx := context.Background()
	tmp := b.TempDir()
	src := "sources:\n  tickets: {path: " + strconv.Quote(filepath.Join(dir, "tickets.parquet")) + "}\n"
	var hol []string
	for y := 2024; y <= 2026; y++ {
		for _, md := range []string{"01-01", "04-03", "04-06", "05-01", "05-14", "05-25", "10-03", "12-24", "12-25", "12-26"} {
			hol = append(hol, strconv.Itoa(y)+"-"+md)
		}
	}
	configs := map[string]string{
		"plain": src + "kpis:\n  - use: resolution_time\n",
		"business": src + "kpis:\n  - use: resolution_time\n  - use: resolution_bh\n" +
			"business_hours:\n  calendars:\n    berlin:\n      timezone: Europe/Berlin\n      hours: {mon-fri: \"08:00-18:00\"}\n" +
			"      holidays: [" + strings.Join(hol, ", ") + "]\n" +
			"sla:\n  first_response:\n    by: priority\n    within: {urgent: 1h, high: 4h, normal: 8h, low: 2d}\n" +
			"  resolution:\n    by: priority\n    within: {urgent: 1d, high: 2d, normal: 3d, low: 5d}\n",
	}
	now := func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct{ name, kpi string }{{"plain", "resolution_time"}, {"business", "resolution_bh"}} {
		path := filepath.Join(tmp, c.name+".yaml")
		if err := os.WriteFile(path, []byte(configs[c.name]), 0o600); err != nil {
			b.Fatal(err)
		}
		compute := func(b *testing.B, ws *workspace.Workspace) {
			sc, err := ws.Engine.Compute(ctx, kpi.Slice{Grain: kpi.All}, []string{c.kpi}, kpi.FromScratch())
			if err != nil {
				b.Fatal(err)
			}
			if r := sc.Find(c.kpi); r == nil || r.Err != nil || r.Total.Value == nil {
				b.Fatalf("%s: %+v", c.kpi, r)
			}
		}
		// open+query: a first start, in memory.
		b.Run("open+query/"+c.name, func(b *testing.B) {
			for b.Loop() {
				ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: path, Now: now})
				if err != nil {
					b.Fatal(err)
				}
				compute(b, ws)
				ws.Close()
			}
		})
		// query: the KPI on a workspace already open (the business-time
		// columns computed at its start).
		b.Run("query/"+c.name, func(b *testing.B) {
			ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: path, Now: now})
			if err != nil {
				b.Fatal(err)
			}
			defer ws.Close()
			for b.Loop() {
				compute(b, ws)
			}
		})
		// kept-db: a second start with --db on unchanged files and config
		// (the first, outside the timing, keeps the tables).
		b.Run("kept-db/"+c.name, func(b *testing.B) {
			db := filepath.Join(b.TempDir(), "kpi.duckdb")
			ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: path, DBPath: db, Now: now})
			if err != nil {
				b.Fatal(err)
			}
			ws.Close()
			for b.Loop() {
				ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: path, DBPath: db, Now: now})
				if err != nil {
					b.Fatal(err)
				}
				compute(b, ws)
				ws.Close()
			}
		})
	}
}
