package sqlq_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/chtest"
	"kpiscope/internal/kpi"
	"kpiscope/internal/sqlq"
)

// whEngine is an engine over the chtest fixture's 2-shard database (its
// Distributed tables), and a connection to that database for checks.
func whEngine(t *testing.T) (*kpi.Engine, *kpi.Warehouse, *sql.DB) {
	t.Helper()
	dsn, _, _ := chtest.Env(t)
	ctx := context.Background()
	_, dist := chtest.Setup(t, chtest.FixtureTables, chtest.FixtureRows())
	var database string
	if err := dist.QueryRow("SELECT currentDatabase()").Scan(&database); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + database
	wh, err := kpi.OpenWarehouse(ctx, u.String(), kpi.WarehouseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	eng, err := kpi.NewWarehouse(ctx, wh, nil, kpi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return eng, wh, dist
}

// TestRunOnWarehouse: on an engine over a warehouse the prompt runs
// ClickHouse SQL there (the fixture's tickets by channel, counted from its
// rows here), cut at the limit; a statement that is not a SELECT is
// refused before it runs, and one the text lets through is refused by the
// server (readonly=1): the tables are as they were.
func TestRunOnWarehouse(t *testing.T) {
	eng, wh, dist := whEngine(t)
	ctx := context.Background()
	want := map[string]int{}
	for _, r := range chtest.FixtureRows()["tickets"] {
		ch := "NULL"
		if p := r[2].(*string); p != nil {
			ch = *p
		}
		want[ch]++
	}
	var wantText []string
	for ch, n := range want {
		wantText = append(wantText, fmt.Sprintf("%s=%d", ch, n))
	}
	sort.Strings(wantText)

	res, err := sqlq.Run(ctx, eng, "SELECT ifNull(channel, 'NULL') AS ch, count() AS n, toDate(min(created_at)) AS first FROM tickets GROUP BY ch ORDER BY ch;", sqlq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, r[0]+"="+r[1])
	}
	if strings.Join(got, " ") != strings.Join(wantText, " ") || res.Truncated {
		t.Errorf("tickets by channel %v (truncated %v), want %v", got, res.Truncated, wantText)
	}
	if fmt.Sprint(res.Columns, res.Numeric) != "[ch n first] [false true false]" || !strings.HasPrefix(res.Rows[0][2], "2025-08-") || len(res.Rows[0][2]) != 10 {
		t.Errorf("columns %v, numeric %v, types %v, first row %v", res.Columns, res.Numeric, res.Types, res.Rows[0])
	}

	res, err = sqlq.Run(ctx, eng, "SELECT ticket_id FROM tickets ORDER BY ticket_id", sqlq.Options{Limit: 5})
	if err != nil || len(res.Rows) != 5 || !res.Truncated || res.Rows[0][0] != "T1" {
		t.Errorf("the limit: %+v %v", res, err)
	}

	for _, c := range []struct{ stmt, want string }{
		{"INSERT INTO tickets SELECT * FROM tickets", "INSERT is refused: the SQL prompt on a warehouse runs read-only ClickHouse queries only"},
		{"CREATE TABLE kpiscope_x (a Int32) ENGINE = Memory", "CREATE is refused"},
		{"DROP TABLE tickets", "DROP is refused"},
		{"SELECT 1; DROP TABLE tickets", "one statement at a time"},
		{"SET readonly = 0", "SET is refused"},
		// Past the text's check, the server's readonly=1.
		{"SELECT * FROM numbers(3)", "ClickHouse refused it (Table functions are forbidden in readonly mode)"},
		{"SELECT * FROM tickets SETTINGS readonly = 0", "ClickHouse refused it ("},
	} {
		_, err := sqlq.Run(ctx, eng, c.stmt, sqlq.Options{})
		var refused *sqlq.RefusedError
		if !errors.As(err, &refused) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v; want a refusal %q…", c.stmt, err, c.want)
		}
		if err := sqlq.Check(ctx, eng, c.stmt); strings.HasPrefix(c.stmt, "SELECT *") != (err == nil) {
			t.Errorf("Check(%s): %v", c.stmt, err)
		}
	}
	// The server's wall itself: a write sent as it is.
	if _, err := wh.Statement(ctx, "CREATE TABLE kpiscope_x (a Int32) ENGINE = Memory", time.Minute); err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Errorf("a CREATE sent to the warehouse: %v; want ClickHouse's readonly refusal", err)
	}
	var n int
	if err := dist.QueryRow("SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'kpiscope_x'").Scan(&n); err != nil || n != 0 {
		t.Errorf("kpiscope_x: %d tables (%v), want none", n, err)
	}
	if err := dist.QueryRow("SELECT count() FROM tickets").Scan(&n); err != nil || n != 900 {
		t.Errorf("tickets: %d rows (%v), want 900", n, err)
	}
}
