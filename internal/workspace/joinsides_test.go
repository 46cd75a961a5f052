package workspace_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestBusinessJoinKeepsSides: DuckDB estimates the business-time view (a
// POSITIONAL JOIN of two scans) at 0 rows, and its optimizer then builds a
// join's hash table on the view's rows, every ticket, instead of on the
// small table the SQL puts on the right (at 100M tickets 40.5 s and 1.15 GB
// for one of the rollups' cubes, against 10.5 s and 0.16 GB). With
// business_hours: the workspace keeps the sides as written: a LEFT JOIN of
// the view to a small table stays a LEFT JOIN, not a RIGHT one built on
// the view.
func TestBusinessJoinKeepsSides(t *testing.T) {
	ws, _ := bizOpen(t, "", nil)
	ctx := context.Background()
	if err := ws.DB.Exec(ctx, "CREATE TEMP TABLE teams AS SELECT * FROM (VALUES ('Billing', 'a'), ('Support', 'b'), ('Sales', 'c')) v(team, lead)"); err != nil {
		t.Fatal(err)
	}
	rows, err := ws.DB.Query(ctx, "EXPLAIN SELECT t.ticket_id, c.lead FROM tickets_business t LEFT JOIN teams c ON t.team = c.team")
	if err != nil {
		t.Fatal(err)
	}
	var plan strings.Builder
	for _, r := range rows.Data {
		for _, v := range r {
			fmt.Fprintln(&plan, v)
		}
	}
	p := plan.String()
	if !strings.Contains(p, "HASH_JOIN") {
		t.Fatalf("no hash join in the plan:\n%s", p)
	}
	if !strings.Contains(p, "Join Type: LEFT") || strings.Contains(p, "Join Type: RIGHT") {
		t.Errorf("the view's join is not built on the right side as written:\n%s", p)
	}
}
