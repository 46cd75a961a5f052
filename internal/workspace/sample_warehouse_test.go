package workspace_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/chtest"
	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
	"kpiscope/sampledata"
)

// TestSampleOnWarehouse: the built-in sample (its five tables, 210,000
// rows) copied into ClickHouse, one server and two shards, opened with
// the sample's own kpiscope.yaml through --source as a user would, gives
// every KPI the warehouse computes (all but the business-time ones, left
// out with a note) as the same workspace over the Parquet files computes
// it from raw rows: value, n, comparison, trend, breakdown and extras, at
// every grain, with segments reached through the customers, filters and
// comparisons (numbers within 1e-9 relative).
func TestSampleOnWarehouse(t *testing.T) {
	chtest.Env(t) // skip first
	if testing.Short() {
		t.Skip("copies the sample into ClickHouse (-short)")
	}
	ctx := context.Background()
	dir := t.TempDir()
	for _, name := range []string{"customers", "orders", "tickets", "surveys", "spend"} {
		b, err := sampledata.FS.ReadFile(name + ".parquet")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".parquet"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "kpiscope.yaml")
	if err := os.WriteFile(cfg, sampledata.Config, 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := workspace.Open(ctx, workspace.Options{ConfigPath: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer files.Close()
	local, dist := chtest.SetupDuck(t, files.Engine.DB(), []string{"customers", "orders", "tickets", "surveys", "spend"})
	dsn, _, _ := chtest.Env(t)
	sep := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	slices := []kpi.Slice{
		{Grain: kpi.Month},
		{Grain: kpi.Month, Segment: "team"},
		{Grain: kpi.Month, Segment: "region"}, // through customers
		{Grain: kpi.Week, Segment: "priority", Compare: kpi.VsYear},
		{Grain: kpi.Day, Trend: 14},
		{Grain: kpi.Quarter, Compare: kpi.VsYear, Segment: "plan"},
		{Grain: kpi.Year},
		{Grain: kpi.All, Segment: "channel"},
		{Grain: kpi.Month, Period: sep, Compare: kpi.VsTarget, Segment: "segment"},
		{Grain: kpi.Month, Filters: []kpi.Filter{{Dim: "channel", Values: []string{"email", "chat"}}}, Segment: "team"},
		{Grain: kpi.Week, Filters: []kpi.Filter{{Dim: "plan", Op: kpi.OpNotIn, Values: []string{"Enterprise"}}}},
	}
	for _, tc := range []struct {
		name string
		db   string
	}{{"single node", dbName(t, local)}, {"2 shards", dbName(t, dist)}} {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + tc.db
		wh, err := workspace.Open(ctx, workspace.Options{ConfigPath: cfg, Warehouse: u.String()})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		defer wh.Close()
		var ids []string
		for _, d := range wh.Engine.Defs() {
			ids = append(ids, d.ID)
		}
		if len(ids) < 15 || len(wh.Notes) == 0 || !strings.Contains(strings.Join(wh.Notes, " "), "business hours") {
			t.Fatalf("%s: KPIs %v, notes %q: want the sample's KPIs but the business-time ones, said in a note", tc.name, ids, wh.Notes)
		}
		compared := 0
		for si, s := range slices {
			if tc.name == "single node" && si >= 4 {
				break // the first four on one server, every slice on the two shards (CI's time)
			}
			want, err := files.Engine.Compute(ctx, s, ids, kpi.FromScratch())
			if err != nil {
				t.Fatal(err)
			}
			got, err := wh.Engine.Compute(ctx, s, ids)
			if err != nil {
				t.Fatalf("%s, slice %d: %v", tc.name, si, err)
			}
			for i := range want.Results {
				w, g := want.Results[i], got.Results[i]
				if fmt.Sprint(g.Err) != fmt.Sprint(w.Err) {
					t.Errorf("%s, slice %d (%+v), %s: error %v, over the files %v", tc.name, si, s, w.Def.ID, g.Err, w.Err)
					continue
				}
				if msg := close(asJSON(t, w), asJSON(t, g), w.Def.ID); msg != "" {
					t.Errorf("%s, slice %d (%+v): %s", tc.name, si, s, msg)
				}
				compared++
			}
		}
		t.Logf("%s: %d KPI results (%d KPIs) equal to the files'", tc.name, compared, len(ids))
	}
}

// dbName is the database a connection reads.
func dbName(t *testing.T, c *sql.DB) string {
	t.Helper()
	var name string
	if err := c.QueryRowContext(context.Background(), "SELECT currentDatabase()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

// asJSON is a result as a JSON tree, its errors as their messages.
func asJSON(t *testing.T, r kpi.Result) any {
	t.Helper()
	msg := func(err error) string {
		if err == nil {
			return ""
		}
		return err.Error()
	}
	b, err := json.Marshal(struct {
		kpi.Result
		Errs [3]string
	}{r, [3]string{msg(r.Err), msg(r.SegmentErr), msg(r.ExtrasErr)}})
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// close compares JSON trees: the same keys and strings, numbers within
// 1e-9 relative; "" when equal, else the first difference's path.
func close(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: %v, want %v", path, got, want)
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return fmt.Sprintf("%s.%s: %v, want nothing", path, k, g[k])
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if msg := close(w[k], g[k], path+"."+k); msg != "" {
				return msg
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: %d items, want %d", path, len(g), len(w))
		}
		for i := range w {
			if msg := close(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); msg != "" {
				return msg
			}
		}
	case float64:
		g, ok := got.(float64)
		if !ok || math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
			return fmt.Sprintf("%s: %v, want %v", path, got, want)
		}
	default:
		if fmt.Sprint(want) != fmt.Sprint(got) {
			return fmt.Sprintf("%s: %v, want %v", path, got, want)
		}
	}
	return ""
}
