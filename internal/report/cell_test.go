package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
)

// Cells a spreadsheet would run as formulas (or that start like one), as
// they might come in a segment value or a label.
var hostile = map[string]string{
	`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
	"@SUM(1)":                    "'@SUM(1)",
	"+cmd":                       "'+cmd",
	"-2+3":                       "'-2+3",
	"\t=1":                       "'\t=1",
	"\r=1":                       "'\r=1",
	"=1":                         "'=1",
	"-":                          "'-",
	"+":                          "'+",
	"-e5":                        "'-e5",
	"-1e":                        "'-1e",
	"-Inf":                       "'-Inf",
	"+NaN":                       "'+NaN",
	"-0x10":                      "'-0x10",
	"-1,5":                       "'-1,5",
	"- 5":                        "'- 5",
	"-5 ":                        "'-5 ",
	"-.":                         "'-.",
}

// Cells that must stay as they are: numbers (negative values and deltas are
// common) and text that does not start like a formula.
var harmless = []string{
	"", "0", "5", "-5", "+3.2", "-1e3", "-1E+3", "+2.5e-7", "-0.25", "-.5", "+5.", "1e3",
	"chat", "Total", "CSAT", " =1", "a=1", "'=1", "2026-10", "—", "Zürich",
}

func TestSafeCell(t *testing.T) {
	for in, want := range hostile {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
	for _, in := range harmless {
		if got := SafeCell(in); got != in {
			t.Errorf("SafeCell(%q) = %q, want it unchanged", in, got)
		}
	}
}

// TestCSVNeutralisesFormulas: every cell of a CSV a spreadsheet would run
// (segment values, the KPI's label and unit, an error) starts with ', while
// negative values and deltas stay numbers.
func TestCSVNeutralisesFormulas(t *testing.T) {
	def := &kpi.Def{ID: "csat", Name: "=1+1", Type: kpi.Ratio, Unit: "@u", Decimals: 1, Better: kpi.Higher}
	var segs []kpi.Row
	for in := range hostile {
		segs = append(segs, kpi.Row{Segment: in, Point: kpi.Point{Value: ptr(-5), N: 3, HasN: true}, Delta: ptr(-1000), Status: kpi.NoTarget})
	}
	segs = append(segs, kpi.Row{Segment: "chat", Point: kpi.Point{Value: ptr(-0.25), N: 2, HasN: true}, Delta: ptr(2.5), Status: kpi.NoTarget})
	total := kpi.Row{Total: true, Point: kpi.Point{Value: ptr(-3.5), N: 40, HasN: true}, Delta: ptr(-1.5), Status: kpi.NoTarget}
	sc := &kpi.Scorecard{Slice: kpi.Slice{Grain: kpi.All, Segment: "channel"},
		Results: []kpi.Result{{Def: def, Total: total, Segments: segs}}}
	var b bytes.Buffer
	if err := CSV(&b, sc); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	seen := map[string]bool{}
	for _, r := range recs[1:] {
		seg := r[col["segment"]]
		switch {
		case seg == "Total" || seg == "chat":
		case len(seg) > 1 && seg[0] == '\'' && hostile[seg[1:]] == seg:
			seen[seg[1:]] = true
		default:
			t.Errorf("segment cell %q is not neutralised", seg)
		}
		if got := r[col["name"]]; got != "'=1+1" {
			t.Errorf("name cell %q, want '=1+1", got)
		}
		if got := r[col["unit"]]; got != "'@u" {
			t.Errorf("unit cell %q, want '@u", got)
		}
		for _, c := range []string{"value", "delta"} {
			if v := r[col[c]]; v == "" || v[0] == '\'' {
				t.Errorf("%s %s cell %q: a number must stay a number", seg, c, v)
			}
		}
	}
	if len(seen) != len(hostile) {
		t.Errorf("%d of %d hostile segments found neutralised", len(seen), len(hostile))
	}
	for _, want := range []string{"-5", "-1000", "-0.25", "-3.5", "-1.5"} {
		if !strings.Contains(out, ","+want+",") {
			t.Errorf("CSV lacks the number %s as is:\n%s", want, out)
		}
	}
}
