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
	"kpiscope/internal/workspace"
)

// BenchmarkBacklog measures the backlog and backlog_overdue over
// KPISCOPE_BENCH_BACKLOG tickets (e.g. 1000000), made here as Parquet: a
// year of creations, resolutions some hours to weeks later, 3% still open,
// on the backlog fixture's Berlin calendar and resolution SLA. Each is a
// cohort KPI read from the raw rows: every period joins the tickets
// created before its end. Cases: a 12-month trend and a 12-week trend, with
// extras (ages; business ages for backlog_overdue) and without.
func BenchmarkBacklog(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("KPISCOPE_BENCH_BACKLOG"))
	if n <= 0 {
		b.Skip("set KPISCOPE_BENCH_BACKLOG to a number of tickets (1000000)")
	}
	ctx := context.Background()
	dir := b.TempDir()
	writeBenchTickets(b, dir, n, []string{"urgent", "normal", "low"}, false) // business_bench_test.go
	cfg, err := os.ReadFile(filepath.Join(backlogDir, "kpiscope.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	cfg = []byte(strings.Replace(string(cfg), "path: tickets.csv", "path: tickets.parquet", 1))
	if err := os.WriteFile(filepath.Join(dir, "kpiscope.yaml"), cfg, 0o600); err != nil {
		b.Fatal(err)
	}
	ws, err := workspace.Open(ctx, workspace.Options{ConfigPath: filepath.Join(dir, "kpiscope.yaml"), Now: func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	for _, c := range []struct {
		name string
		s    kpi.Slice
		opts []kpi.Option
	}{
		{"month trend 12", kpi.Slice{Grain: kpi.Month, Trend: 12}, nil},
		{"month trend 12 no extras", kpi.Slice{Grain: kpi.Month, Trend: 12}, []kpi.Option{kpi.WithoutExtras()}},
		{"week trend 12", kpi.Slice{Grain: kpi.Week, Trend: 12}, nil},
	} {
		for _, id := range []string{"backlog", "backlog_overdue"} {
			b.Run(c.name+"/"+id, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					sc, err := ws.Engine.Compute(ctx, c.s, []string{id}, append([]kpi.Option{kpi.FromScratch()}, c.opts...)...)
					if err != nil {
						b.Fatal(err)
					}
					if r := sc.Find(id); r == nil || r.Err != nil || r.ExtrasErr != nil {
						b.Fatalf("%s: %+v", id, r)
					}
				}
			})
		}
	}
}
