package quality_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/chtest"
	"kpiscope/internal/kpi"
	"kpiscope/internal/quality"
)

// TestChecksOnWarehouse runs the data-quality checks over the ClickHouse
// fixture (issue 16), on one server and on the 2-shard Distributed tables,
// and wants DuckDB's findings on the same rows: the same KPIs, columns,
// kinds, severities, row counts and messages. The fixture has off-scale
// answers, responses before creation, blanks, a gap of two months in one
// KPI's rows (its where: a translated row filter), rows dated after "now",
// and a ticket listed twice.
func TestChecksOnWarehouse(t *testing.T) {
	dsn1, _, _ := chtest.Env(t) // skip first, before DuckDB loads anything
	ctx := context.Background()
	rows := chtest.FixtureRows()
	rows["tickets"] = append(rows["tickets"], rows["tickets"][4], rows["tickets"][9]) // T5 and T10 twice
	db, tables := chtest.DuckLoad(t, chtest.FixtureTables, rows)
	local, dist := chtest.Setup(t, chtest.FixtureTables, rows)
	now := time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC) // a month of rows after it
	opt := kpi.Options{Now: func() time.Time { return now }, Dimensions: []string{"channel", "priority", "region", "plan"}}
	defs := func() []*kpi.Def {
		return append(kpi.StandardDefs(tables),
			&kpi.Def{ID: "chat_csat", Name: "Chat CSAT", Type: kpi.Ratio, Better: kpi.Higher, Source: "tickets", Time: "created_at",
				Numerator: "count(*) FILTER (WHERE csat >= 4)", Denominator: "count(csat)",
				Where: "channel = 'chat' AND NOT (created_at >= TIMESTAMP '2026-02-01' AND created_at < CAST('2026-04-01' AS TIMESTAMP))"},
			// A bare date compared with a DateTime column: ClickHouse
			// cannot parse it (DuckDB can); its checks fail alone.
			&kpi.Def{ID: "since_june", Name: "Since June", Type: kpi.Ratio, Better: kpi.Higher, Source: "tickets", Time: "created_at",
				Numerator: "count(*) FILTER (WHERE csat >= 4)", Denominator: "count(csat)", Where: "created_at >= '2026-06-01'"},
			&kpi.Def{ID: "effort", Name: "Effort", Type: kpi.Ratio, Better: kpi.Higher, Source: "tickets", Time: "created_at",
				Numerator: "sum(ces)", Denominator: "count(ces)", Where: "priority IN ('high', 'urgent')"})
	}
	duck, err := kpi.New(ctx, db, defs(), opt)
	if err != nil {
		t.Fatal(err)
	}
	want, err := quality.Check(ctx, duck, now)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[quality.Kind]bool{}
	for _, w := range want {
		kinds[w.Kind] = true
	}
	for _, k := range []quality.Kind{quality.KindScoreRange, quality.KindNegativeDuration, quality.KindDuplicateID, quality.KindFutureTimestamp, quality.KindNulls, quality.KindEmptyPeriods} {
		if !kinds[k] {
			t.Errorf("the fixture gives no %s finding over DuckDB: the comparison would not cover it", k)
		}
	}
	for _, tc := range []struct {
		name string
		c    *sql.DB
	}{{"single node", local}, {"2 shards", dist}} {
		var name string
		if err := tc.c.QueryRowContext(ctx, "SELECT currentDatabase()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(dsn1)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		wh, err := kpi.OpenWarehouse(ctx, u.String(), kpi.WarehouseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer wh.Close()
		eng, err := kpi.NewWarehouse(ctx, wh, defs(), opt)
		if err != nil {
			t.Fatal(err)
		}
		got, err := quality.Check(ctx, eng, now)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var failed []quality.Warning
		got = slices.DeleteFunc(got, func(w quality.Warning) bool {
			if w.KPI == "since_june" {
				failed = append(failed, w)
				return true
			}
			return false
		})
		if len(failed) != 1 || !strings.HasPrefix(failed[0].Message, "its data checks could not run: ") || strings.Contains(failed[0].Message, "\n") {
			t.Errorf("%s: since_june's findings %v, want one line saying its checks could not run", tc.name, failed)
		}
		if g, w := findings(got), findings(slices.DeleteFunc(slices.Clone(want), func(w quality.Warning) bool { return w.KPI == "since_june" })); g != w {
			t.Errorf("%s: findings\n%s\nDuckDB's\n%s", tc.name, g, w)
		}
	}
}

// findings lists warnings one per line, sorted, without the example row
// where it depends on which row an engine reads first.
func findings(ws []quality.Warning) string {
	var out []string
	for _, w := range ws {
		ex := w.Example
		if w.Kind != quality.KindDuplicateID && w.Kind != quality.KindEmptyPeriods {
			ex = fmt.Sprint(ex != "")
		}
		out = append(out, fmt.Sprintf("%s|%s|%s|%s|%s|%d|%s|%s|%s", w.KPI, w.Table, w.Column, w.Kind, w.Severity, w.Rows, w.Message, w.Fix, ex))
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}
