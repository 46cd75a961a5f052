package kpi

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/chtest"
)

func TestClickHouseType(t *testing.T) {
	for in, want := range map[string]string{
		"DateTime":                            "TIMESTAMP",
		"DateTime('UTC')":                     "TIMESTAMP",
		"Nullable(DateTime('Europe/Berlin'))": "TIMESTAMP",
		"DateTime64(3, 'UTC')":                "TIMESTAMP",
		"Date":                                "DATE",
		"Nullable(Date)":                      "DATE",
		"Int8":                                "TINYINT",
		"Int16":                               "SMALLINT",
		"Nullable(Int32)":                     "INTEGER",
		"Int64":                               "BIGINT",
		"UInt8":                               "UTINYINT",
		"UInt16":                              "USMALLINT",
		"UInt32":                              "UINTEGER",
		"UInt64":                              "UBIGINT",
		"Float32":                             "FLOAT",
		"Nullable(Float64)":                   "DOUBLE",
		"Decimal(10, 2)":                      "DECIMAL(10,2)",
		"Decimal(12)":                         "DECIMAL(12,0)",
		"Decimal32(4)":                        "DECIMAL(9,4)",
		"Decimal64(2)":                        "DECIMAL(18,2)",
		"Decimal128(6)":                       "DECIMAL(38,6)",
		"Decimal(76, 10)":                     "DOUBLE",
		"String":                              "VARCHAR",
		"Nullable(String)":                    "VARCHAR",
		"LowCardinality(String)":              "VARCHAR",
		"LowCardinality(Nullable(String))":    "VARCHAR",
		"FixedString(3)":                      "VARCHAR",
		"UUID":                                "VARCHAR",
		"Enum8('a' = 1, 'b' = 2)":             "VARCHAR",
		"Bool":                                "BOOLEAN",
		"Nullable(LowCardinality(String))":    "VARCHAR",
		"LowCardinality(Nullable(FixedString(2)))": "VARCHAR",
	} {
		got, ok := ClickHouseType(in)
		if !ok || got != want {
			t.Errorf("ClickHouseType(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"Array(String)", "Tuple(Int32, String)", "Map(String, Int32)", "Nested(a Int32)", "AggregateFunction(uniq, String)"} {
		if got, ok := ClickHouseType(in); ok {
			t.Errorf("ClickHouseType(%q) = %q; want no counterpart", in, got)
		}
	}
}

// An unreachable server or a URL that is not one: one error naming the URL
// (without its password) and the form to write it in.
func TestOpenWarehouseErrors(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ url, want string }{
		{"clickhouse://kpi:secret@127.0.0.1:1/sales", "warehouse clickhouse://kpi:xxxxx@127.0.0.1:1/sales: cannot reach ClickHouse ("},
		{"http://127.0.0.1:8123/sales", `warehouse "http://127.0.0.1:8123/sales": not a ClickHouse URL; write it as clickhouse://USER:PASSWORD@HOST:9000/DATABASE`},
		{"clickhouse:///sales", `warehouse "clickhouse:///sales": not a ClickHouse URL`},
		{"clickhouse://127.0.0.1:1/sales?max_memory_usage=lots", "warehouse clickhouse://127.0.0.1:1/sales?max_memory_usage=lots: max_memory_usage=lots: give bytes"},
		// URLs that do not parse: the password hidden all the same.
		{"clickhouse://kpi:p%ZZsecret@127.0.0.1:9000/sales", `warehouse "clickhouse://kpi:xxxxx@127.0.0.1:9000/sales": not a ClickHouse URL`},
		{"clickhouse://kpi:my secret@127.0.0.1:9000/sales", `warehouse "clickhouse://kpi:xxxxx@127.0.0.1:9000/sales": not a ClickHouse URL`},
		{"clickhouse://kpi:secret@127.0.0.1:90a0/sales", `warehouse "clickhouse://kpi:xxxxx@127.0.0.1:90a0/sales": not a ClickHouse URL`},
	} {
		w, err := OpenWarehouse(ctx, c.url, WarehouseOptions{})
		if err == nil {
			w.Close()
			t.Errorf("%s: no error", c.url)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s:\n got %v\nwant %s…", c.url, err, c.want)
		}
	}
	if _, err := OpenWarehouse(ctx, "clickhouse://127.0.0.1:1/sales", WarehouseOptions{}); err == nil || !strings.Contains(err.Error(), "9000 by default, not the HTTP port 8123") {
		t.Errorf("unreachable: %v; want the native port named", err)
	}
}

// chWarehouseURL is the URL of the database a connection of chSetup's
// opens by default.
func chWarehouseURL(t *testing.T, dsn, db string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	return u.String()
}

// TestWarehouseEngineEquivalence computes scorecards with an engine over
// ClickHouse (single node, and the 2-shard Distributed tables) and one over
// the same fixture in DuckDB, for every slice of the equivalence test, and
// compares them whole: every value, n, comparison, delta, interval,
// segment, trend point and forecast; counts exactly, other numbers within
// 1e-9 relative; every KPI (composites too) has a value in some slice,
// and no KPI loses its extras (the backlog's ages).
func TestWarehouseEngineEquivalence(t *testing.T) {
	chtest.Long(t)
	dsn1, _, _ := chEnv(t)
	ctx := context.Background()
	fixture, rows := chEquivFixture()
	local, dist := chSetup(t, fixture, rows)
	db, tables := chDuckLoad(t, fixture, rows)
	now := func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }
	opt := Options{Now: now, Dimensions: []string{"channel", "priority", "region", "plan", "contacts"}}
	defs := func() []*Def { return append(StandardDefs(tables), chCustomDefs()...) }
	want, err := New(ctx, db, defs(), opt)
	if err != nil {
		t.Fatal(err)
	}
	// Every KPI, the hidden ones (new customers, the spend) too.
	var ids []string
	for _, d := range want.defs {
		ids = append(ids, d.ID)
	}
	// DuckDB's scorecards, computed once for both warehouses, which are
	// compared at once (CI's time: the test waits on ClickHouse).
	variantsOf := func(si int) [][]Option {
		if si%4 != 0 {
			return [][]Option{nil} // without extras: every fourth slice (CI's time)
		}
		return [][]Option{nil, {WithoutExtras()}}
	}
	wants := map[[2]int]*Scorecard{}
	for si, s := range chEquivSlices() {
		for _, extras := range variantsOf(si) {
			sc, err := want.Compute(ctx, s, ids, extras...)
			if err != nil {
				t.Fatal(err)
			}
			wants[[2]int{si, len(extras)}] = sc
		}
	}
	for _, tc := range []struct {
		name string
		db   string
	}{{"single node", chDBName(t, local)}, {"2 shards", chDBName(t, dist)}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wh, err := OpenWarehouse(ctx, chWarehouseURL(t, dsn1, tc.db), WarehouseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { wh.Close() })
			if _, err := OpenWarehouse(ctx, chWarehouseURL(t, dsn1, tc.db+"_nosuch"), WarehouseOptions{}); err == nil || !strings.Contains(err.Error(), "_nosuch\" on the server; name one in the URL's path") {
				t.Errorf("a database that is not there: %v", err)
			}
			got, err := NewWarehouse(ctx, wh, defs(), opt)
			if err != nil {
				t.Fatal(err)
			}
			if p := got.Problems(); len(p) != len(want.Problems()) {
				t.Fatalf("%s: problems %v, DuckDB's %v", tc.name, p, want.Problems())
			}
			if !got.AsOf().Equal(want.AsOf()) || !got.Start().Equal(want.Start()) || got.Rows() != want.Rows() {
				t.Fatalf("%s: data %v–%v, %d rows; DuckDB's %v–%v, %d rows", tc.name, got.Start(), got.AsOf(), got.Rows(), want.Start(), want.AsOf(), want.Rows())
			}
			if g, w := fmt.Sprint(got.Dimensions()), fmt.Sprint(want.Dimensions()); g != w {
				t.Errorf("%s: dimensions %s, DuckDB's %s", tc.name, g, w)
			}
			for _, dim := range []string{"plan", "channel", "contacts"} {
				g, gerr := got.DimValues(ctx, dim)
				w, werr := want.DimValues(ctx, dim)
				if fmt.Sprint(g, gerr) != fmt.Sprint(w, werr) {
					t.Errorf("%s: %s's values %q (%v), DuckDB's %q (%v)", tc.name, dim, g, gerr, w, werr)
				}
			}
			results, seen := 0, map[string]int{}
			for si, s := range chEquivSlices() {
				for _, extras := range variantsOf(si) {
					w := *wants[[2]int{si, len(extras)}]
					wsc := &w
					wsc.Results = slices.Clone(w.Results)
					gsc, err := got.Compute(ctx, s, ids, extras...)
					if err != nil {
						t.Fatalf("%s, slice %d: %v", tc.name, si, err)
					}
					for i := range wsc.Results {
						w, g := wsc.Results[i], gsc.Results[i]
						if (w.Err == nil) != (g.Err == nil) {
							t.Errorf("%s, slice %d (%+v), %s: error %v, DuckDB's %v", tc.name, si, s, w.Def.ID, g.Err, w.Err)
							continue
						}
						if len(extras) == 0 && (w.ExtrasErr != nil || g.ExtrasErr != nil) {
							t.Errorf("%s, slice %d (%+v), %s: extras %v, DuckDB's %v", tc.name, si, s, w.Def.ID, g.ExtrasErr, w.ExtrasErr)
						}
						if msg := jsonClose(resultJSON(t, w), resultJSON(t, g), w.Def.ID); msg != "" {
							t.Errorf("%s, slice %d (%+v): %s", tc.name, si, s, msg)
						}
						if w.Err == nil && w.Total.Value != nil {
							seen[w.Def.ID]++
						}
						results++
					}
					gsc.Elapsed, wsc.Elapsed = 0, 0
					gsc.Results, wsc.Results = nil, nil
					if msg := jsonClose(resultJSON(t, wsc), resultJSON(t, gsc), "scorecard"); msg != "" {
						t.Errorf("%s, slice %d: %s", tc.name, si, msg)
					}
				}
			}
			for _, d := range want.defs {
				if seen[d.ID] == 0 {
					t.Errorf("%s: %s has a value in no slice", tc.name, d.ID)
				}
			}
			t.Logf("%s: %d KPI results equal to DuckDB's over %d slices (with and without extras), every KPI with a value in some: %v", tc.name, results, len(chEquivSlices()), seen)
		})
	}
}

// chDBName is the database a connection opened by chOpen reads.
func chDBName(t *testing.T, c *sql.DB) string {
	t.Helper()
	var name string
	if err := c.QueryRowContext(context.Background(), "SELECT currentDatabase()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

// resultJSON is a value as a JSON tree, errors as their messages.
func resultJSON(t *testing.T, v any) any {
	t.Helper()
	if r, ok := v.(Result); ok {
		type errs struct{ Err, SegmentErr, ExtrasErr string }
		msg := func(err error) string {
			if err == nil {
				return ""
			}
			return err.Error()
		}
		b, err := json.Marshal(struct {
			Result
			Errs errs
		}{r, errs{msg(r.Err), msg(r.SegmentErr), msg(r.ExtrasErr)}})
		if err != nil {
			t.Fatal(err)
		}
		var out any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// jsonClose compares two JSON trees: the same keys and strings, numbers
// within 1e-9 relative; "" when equal, else the first difference's path.
func jsonClose(want, got any, path string) string {
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
			if msg := jsonClose(w[k], g[k], path+"."+k); msg != "" {
				return msg
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: %v, want %v", path, got, want)
		}
		for i := range w {
			if msg := jsonClose(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); msg != "" {
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
