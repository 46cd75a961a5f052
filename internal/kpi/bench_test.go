package kpi_test

import (
	"context"
	"os"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// benchWorkspace opens the sample, or the directory in KPISCOPE_BENCH_10M.
func benchWorkspace(b *testing.B, big bool) *workspace.Workspace {
	b.Helper()
	opt := workspace.Options{NoConfig: true}
	if big {
		dir := os.Getenv("KPISCOPE_BENCH_10M")
		if dir == "" {
			b.Skip("set KPISCOPE_BENCH_10M to a directory made by `kpiscope sample --tickets 10000000`")
		}
		opt.Sources = []string{dir}
	}
	ws, err := workspace.Open(context.Background(), opt)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ws.Close() })
	return ws
}

func benchCompute(b *testing.B, big bool, s kpi.Slice, ids []string, opts ...kpi.Option) {
	ws := benchWorkspace(b, big)
	ctx := context.Background()
	opts = append(opts, kpi.FromScratch())
	b.ResetTimer()
	for b.Loop() {
		if _, err := ws.Engine.Compute(ctx, s, ids, opts...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScorecard is `kpiscope report`'s work: every KPI, 12-month trend.
func BenchmarkScorecard(b *testing.B) { benchCompute(b, false, kpi.Slice{}, nil) }

// BenchmarkScorecard10M is the same on a 10-million-row tickets table.
func BenchmarkScorecard10M(b *testing.B) { benchCompute(b, true, kpi.Slice{}, nil) }

// BenchmarkBreakdown10M is the explorer's detail query: one KPI by a customer
// dimension joined through customer_id, current and previous period only.
func BenchmarkBreakdown10M(b *testing.B) {
	benchCompute(b, true, kpi.Slice{Segment: "region", Trend: 1}, []string{"csat"})
}

// BenchmarkBreakdownChannel10M is the same by a column of the tickets table.
func BenchmarkBreakdownChannel10M(b *testing.B) {
	benchCompute(b, true, kpi.Slice{Segment: "channel", Trend: 1}, []string{"resolution_time"})
}

// BenchmarkScorecardNoTrend10M is the explorer's first answer after a key:
// every KPI for the current and comparison periods, sparklines later.
func BenchmarkScorecardNoTrend10M(b *testing.B) {
	benchCompute(b, true, kpi.Slice{Trend: 1}, nil, kpi.WithoutExtras())
}

func BenchmarkEachKPINoTrend10M(b *testing.B) {
	for _, id := range []string{"csat", "ces", "fcr", "resolution_time", "resolution_median", "first_response", "nps", "churn", "avg_purchase", "repeat_rate", "clv"} {
		b.Run(id, func(b *testing.B) { benchCompute(b, true, kpi.Slice{Trend: 1}, []string{id}) })
	}
}
