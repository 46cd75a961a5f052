package kpi

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
)

// The rollup query side is tested like the raw-row plans: without a database,
// a hand-built rollup group and slices resolved against planSchema's time
// range, the SQL and arguments that the DuckDB renderer makes of each query
// compared with testdata/rollup/*.golden. Regenerate with
// `go test ./internal/kpi/ -run TestRollupPlanGolden -update`.

// testRollGroup is a group's rollup as planRollups lays it out: the atoms of
// every component and extra (a sum of squares beside every sum), one sketch
// per distinct quantile argument and filter. dims are the offered dimensions,
// in the rollup's order.
func testRollGroup(t *testing.T, defs []*Def, dims []string) *rollGroup {
	t.Helper()
	d0 := defs[0]
	g := &rollGroup{key: groupKey(d0), source: d0.Source, time: d0.Time, where: d0.Where, dims: dims,
		atomIdx: map[string]int{}, skIdx: map[string]int{}, table: "__kpiscope_rollup_test" + d0.Source, tableM: "__kpiscope_rollupm_test" + d0.Source}
	for _, d := range defs {
		comps, extras, ok := rollable(d)
		if !ok {
			t.Fatalf("%s does not roll up", d.ID)
		}
		g.addTemplates(comps, extras)
	}
	if len(g.sk) > 0 {
		g.sketches = "__kpiscope_sketch_test" + d0.Source
		g.sketchesM = "__kpiscope_sketchm_test" + d0.Source
	}
	return g
}

var rollupTicketDims = []string{"channel", "priority", "region", "plan"}

var rollupPlanCases = []struct {
	name  string
	group []string // the KPIs the rollup was built for
	dims  []string
	ids   []string // the KPIs asked for
	slice Slice
	asOf  time.Time // zero: planSchema's
}{
	{"totals_only", []string{"csat", "ces", "fcr", "resolution_time"}, rollupTicketDims, []string{"csat", "ces"},
		Slice{Grain: Month, Period: planDay("2026-09-01")}, time.Time{}},
	{"segment_one_dim", []string{"csat", "ces", "fcr", "resolution_time"}, rollupTicketDims, []string{"csat", "fcr"},
		Slice{Grain: Month, Period: planDay("2026-09-01"), Segment: "channel"}, time.Time{}},
	{"segment_one_dim_no_trend", []string{"csat", "ces", "fcr", "resolution_time"}, rollupTicketDims, []string{"csat"},
		Slice{Grain: Week, Period: planDay("2026-09-07"), Trend: 1, Segment: "region"}, time.Time{}},
	{"filter_segment_two_dims", []string{"csat", "ces", "fcr", "resolution_time"}, rollupTicketDims, []string{"csat", "ces"},
		Slice{Grain: Month, Period: planDay("2026-09-01"), Trend: 1, Segment: "channel", Filters: []Filter{{Dim: "region", Values: []string{"North", "South"}}}}, time.Time{}},
	{"filter_segment_two_dims_reversed", []string{"csat", "ces", "fcr", "resolution_time"}, rollupTicketDims, []string{"fcr"},
		Slice{Grain: Quarter, Period: planDay("2026-04-01"), Segment: "plan", Filters: []Filter{{Dim: "priority", Values: []string{"high"}}}}, time.Time{}},
	{"filter_blank", []string{"csat", "ces", "fcr", "resolution_time"}, rollupTicketDims, []string{"csat"},
		Slice{Grain: Quarter, Period: planDay("2026-04-01"), Filters: []Filter{{Dim: "priority", Values: []string{BlankLabel}}}}, time.Time{}},
	{"filter_blank_and_value", []string{"csat", "ces", "fcr", "resolution_time"}, rollupTicketDims, []string{"csat", "resolution_time"},
		Slice{Grain: Month, Period: planDay("2026-09-01"), Filters: []Filter{{Dim: "channel", Values: []string{BlankLabel, "chat"}}}}, time.Time{}},
	{"filter_nothing", []string{"csat", "ces", "fcr", "resolution_time"}, rollupTicketDims, []string{"csat"},
		Slice{Grain: Month, Period: planDay("2026-09-01"), Filters: []Filter{{Dim: "channel"}}}, time.Time{}},
	{"split_ranges", []string{"csat", "ces", "fcr", "resolution_time"}, rollupTicketDims, []string{"csat", "resolution_time"},
		Slice{Grain: Month, Period: planDay("2026-09-01"), Compare: VsYear, Trend: 1}, time.Time{}},
	{"split_ranges_segment", []string{"csat", "ces", "fcr", "resolution_time"}, rollupTicketDims, []string{"csat"},
		Slice{Grain: Month, Period: planDay("2026-09-01"), Compare: VsYear, Trend: 1, Segment: "region"}, time.Time{}},
	{"grain_all", []string{"csat", "ces", "fcr", "resolution_time"}, rollupTicketDims, []string{"csat", "resolution_time"},
		Slice{Grain: All}, time.Time{}},
	{"grain_all_segment", []string{"csat", "ces", "fcr", "resolution_time"}, rollupTicketDims, []string{"csat", "resolution_time"},
		Slice{Grain: All, Segment: "plan"}, time.Time{}},
	{"quantile_extras", []string{"first_response"}, rollupTicketDims, []string{"first_response"},
		Slice{Grain: Week, Period: planDay("2026-09-07"), Trend: 4, Segment: "priority"}, time.Time{}},
	{"quantile_extras_two_sketches", []string{"csat", "ces", "fcr", "resolution_time", "resolution_median"}, rollupTicketDims, []string{"resolution_time", "resolution_median", "csat"},
		Slice{Grain: Month, Period: planDay("2026-09-01"), Trend: 3}, time.Time{}},
	{"quantile_value", []string{"resolution_median"}, rollupTicketDims, []string{"resolution_median"},
		Slice{Grain: Day, Period: planDay("2026-10-10"), Trend: 7, Compare: VsYear, Segment: "channel"}, time.Time{}},
	{"partial_exact", []string{"csat", "ces", "fcr", "resolution_time"}, rollupTicketDims, []string{"csat", "resolution_time"},
		Slice{Grain: Month, Period: planDay("2026-10-01"), Segment: "channel"}, time.Date(2026, 10, 14, 0, 0, 0, 0, time.UTC)},
	{"no_sketches", []string{"big_orders", "annual_revenue"}, []string{"region", "segment"}, []string{"big_orders", "annual_revenue"},
		Slice{Grain: Week, Period: planDay("2026-09-07"), Trend: 2, Segment: "segment", Filters: []Filter{{Dim: "region", Values: []string{"South"}}}}, time.Time{}},
	{"no_sketches_totals", []string{"big_orders", "annual_revenue"}, []string{"region", "segment"}, []string{"annual_revenue"},
		Slice{Grain: Year, Period: planDay("2025-01-01")}, time.Time{}},
	{"no_dims", []string{"big_orders"}, nil, []string{"big_orders"},
		Slice{Grain: Month, Period: planDay("2026-09-01"), Trend: 1, Compare: VsTarget}, time.Time{}},
	{"error_no_sketch", []string{"csat"}, rollupTicketDims, []string{"first_response"},
		Slice{Grain: Month, Period: planDay("2026-09-01")}, time.Time{}},
	{"error_not_rollable", []string{"csat"}, rollupTicketDims, []string{"csat", "avg_purchase"},
		Slice{Grain: Month, Period: planDay("2026-09-01")}, time.Time{}},
}

func TestRollupPlanGolden(t *testing.T) {
	sch := planSchema()
	defs := planDefs(sch)
	pick := func(t *testing.T, ids []string) []*Def {
		var out []*Def
		for _, id := range ids {
			if defs[id] == nil {
				t.Fatalf("no KPI %s", id)
			}
			out = append(out, defs[id])
		}
		return out
	}
	for _, tc := range rollupPlanCases {
		t.Run(tc.name, func(t *testing.T) {
			g := testRollGroup(t, pick(t, tc.group), tc.dims)
			asOf := sch.asOf
			if !tc.asOf.IsZero() {
				asOf = tc.asOf
			}
			golden.RequireEqual(goldenName{t, "rollup/" + tc.name}, rollupPlanText(t, g, pick(t, tc.ids), tc.slice, sch.start, asOf))
		})
	}
}

// rollupPlanText renders the rollup queries runRollup would run for a slice:
// the first query (totals only when a trend comes with a breakdown), the
// breakdown of the current and comparison periods, and the comparison
// period's elapsed part when it is whole days.
func rollupPlanText(t *testing.T, g *rollGroup, defs []*Def, s Slice, start, asOf time.Time) string {
	t.Helper()
	pl := resolveWindows(&s, start, asOf, time.Time{})
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n# rollup %s (sketches %q) dims %v\n", sliceText(s), g.table, g.sketches, g.dims)
	var dims []string
	for _, f := range s.Filters {
		dims = append(dims, f.Dim)
	}
	seg := s.Segment
	if seg != "" {
		dims = append(dims, seg)
	}
	idx, ok := g.dimIndexes(dims)
	if !ok {
		t.Fatalf("dimensions %v not in the rollup", dims)
	}
	d0 := defs[0]
	timed := d0.Time != "" && pl.grain != All
	var ranges [][2]time.Time
	if timed {
		if pl.trendStart.Equal(pl.cur) && !pl.cmp.IsZero() && pl.grain.Add(pl.cmp, 1).Before(pl.cur) {
			ranges = [][2]time.Time{{pl.cmp, pl.grain.Add(pl.cmp, 1)}, {pl.cur, pl.to}}
		} else {
			ranges = [][2]time.Time{{pl.from, pl.to}}
		}
	}
	narrow := seg != "" && timed && pl.trendStart.Before(pl.cur)
	first := seg
	if narrow {
		first = ""
	}
	write := func(role string, seg string, pl plan, ranges [][2]time.Time) {
		q, args, approx, err := rollupQuery(g, idx, defs, s, seg, pl, ranges)
		if err != nil {
			fmt.Fprintf(&b, "-- %s: error: %v\n", role, err)
			return
		}
		fmt.Fprintf(&b, "-- %s (approx %v)\n%s\n-- args\n%s", role, approx, prettyRollupSQL(q), argsText(args))
	}
	role := "full"
	if narrow {
		role = "totals"
	}
	write(role, first, pl, ranges)
	if narrow {
		np := pl.narrow()
		nr := [][2]time.Time{{np.cur, np.to}}
		if !np.cmp.IsZero() {
			nr = append(nr, [2]time.Time{np.cmp, np.grain.Add(np.cmp, 1)})
		}
		write("segments", seg, np, nr)
	}
	if pl.partial && !pl.cmp.IsZero() && d0.Time != "" && pl.elapsed%(24*time.Hour) == 0 {
		write("part", seg, pl, [][2]time.Time{{pl.cmp, pl.cmp.Add(pl.elapsed)}})
	}
	return b.String()
}

// prettyRollupSQL breaks a rollup query into lines for review; the text
// between the breaks is compared as rendered.
func prettyRollupSQL(q string) string {
	r := strings.NewReplacer(
		" FROM (WITH ", "\n  FROM (WITH ",
		"), agg AS (", "),\n  agg AS (",
		"), qs AS (", "),\n  qs AS (",
		"), qa AS (", "),\n  qa AS (",
		"), qc AS (", "),\n  qc AS (",
		"), qv AS (", "),\n  qv AS (",
		" AS q", "\n    AS q",
		") SELECT ", ")\n  SELECT ",
		" WHERE __gid", "\n    WHERE __gid",
		" GROUP BY ", "\n    GROUP BY ",
		" LEFT JOIN ", "\n  LEFT JOIN ",
		" CROSS JOIN ", "\n  CROSS JOIN ",
		", CAST((", ",\n    CAST((",
	)
	return r.Replace(q)
}

// The sketch's SQL, as the build and the queries use it.
func TestRollupSketchSQLGolden(t *testing.T) {
	golden.RequireEqual(goldenName{t, "rollup/sketch_sql"}, "-- bucket\n"+sketchBucket("x")+"\n-- value\n"+sketchValue("b")+"\n")
}

// The rollup compiler writes no SQL (plan.go is checked whole by
// TestPlanCompilerIsEngineNeutral; these are the rollup query's own words),
// and rollup.go's query side only compiles and renders.
func TestRollupPlanIsEngineNeutral(t *testing.T) {
	words := []string{"FILTER", "OVER", "PARTITION", "pow(", "ln(", "coalesce", "IS NULL", "__v1", "__v2", "__gid", "__day",
		"date_trunc", "GROUPING", "::", "CAST(", "SELECT", "WHERE", "QuoteIdent", "sqlTime", "sketchValue", "sketchBucket", "agg.", "qv."}
	check := func(file string, funcs ...string) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, n := range funcs {
			want[n] = true
		}
		found := 0
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || len(funcs) > 0 && !want[fd.Name.Name] {
				continue
			}
			found++
			body := string(src[fd.Body.Pos()-1 : fd.Body.End()-1])
			var code []string
			for _, line := range strings.Split(body, "\n") {
				if i := strings.Index(line, "//"); i >= 0 {
					line = line[:i]
				}
				code = append(code, line)
			}
			text := strings.Join(code, "\n")
			for _, w := range words {
				if strings.Contains(text, w) {
					t.Errorf("%s: %s contains %q outside comments", file, fd.Name.Name, w)
				}
			}
		}
		if len(funcs) > 0 && found != len(funcs) {
			t.Errorf("%s: found %d of %v", file, found, funcs)
		}
	}
	check("plan.go", "compileRollup", "templateParts", "mergeOf")
	check("rollup.go", "rollupQuery", "runRollup", "dimIndexes")
}

// A quantile whose sketch the rollup has no table for is not answered from
// the rollup (the caller reads the raw rows).
func TestRollupPlanNoSketchTable(t *testing.T) {
	defs := planDefs(planSchema())
	g := testRollGroup(t, []*Def{defs["resolution_time"]}, rollupTicketDims)
	g.sketches = ""
	if _, err := compileRollup(g, nil, []*Def{defs["resolution_time"]}, Slice{Grain: All}, "", All, nil); err == nil || err.Error() != "no sketch" {
		t.Fatalf("got %v, want no sketch", err)
	}
	if q, err := compileRollup(g, nil, []*Def{defs["csat"]}, Slice{Grain: All}, "", All, nil); err == nil {
		t.Fatalf("csat is not in this rollup: got %+v", q)
	}
}
