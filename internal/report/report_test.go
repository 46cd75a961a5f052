package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
)

// Values as an attacker would put them in a CSV cell: a window-title change
// (OSC 2 … BEL), a colour (SGR), an 8-bit CSI and DEL.
const (
	evilTitle = "\x1b]2;PWNED\x07chat"
	evilSGR   = "\x1b[31mweb"
	evilC1    = "\u009b2Jphone"
	evilDel   = "mail\x7f"
)

func ptr(v float64) *float64 { return &v }

// evilScorecard is a scorecard by channel whose segment values, dimension
// name, filter values and KPI label carry control characters, with two
// segments left out of the breakdown.
func evilScorecard() *kpi.Scorecard {
	def := &kpi.Def{ID: "csat", Name: "CSAT\x1b[5m", Type: kpi.Ratio, Unit: "%", Decimals: 1, Better: kpi.Higher}
	row := func(seg string, v float64, n int64) kpi.Row {
		return kpi.Row{Segment: seg, Point: kpi.Point{Value: ptr(v), N: n, HasN: true}, Status: kpi.NoTarget}
	}
	total := row("", 70, 10)
	total.Total = true
	return &kpi.Scorecard{
		Slice: kpi.Slice{Grain: kpi.All, Segment: "chan\x1bnel", Filters: []kpi.Filter{{Dim: "region", Values: []string{"\x1b]2;EU\x07"}}}},
		Results: []kpi.Result{{
			Def:               def,
			Total:             total,
			Segments:          []kpi.Row{row(evilTitle, 80, 4), row(evilSGR, 60, 3), row(evilC1, 50, 2), row(evilDel, 90, 1)},
			SegmentErr:        errors.New("bad value \x1b[2J"),
			SegmentsTruncated: 2,
		}},
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"web":                "web",
		"Zürich · ● ≥ 80%":   "Zürich · ● ≥ 80%",
		"\uFFFD":             "\uFFFD",
		evilTitle:            "\uFFFD]2;PWNED\uFFFDchat",
		evilSGR:              "\uFFFD[31mweb",
		evilC1:               "\uFFFD2Jphone",
		evilDel:              "mail\uFFFD",
		"a\tb\nc\r\x00":      "a\uFFFDb\uFFFDc\uFFFD\uFFFD",
		"x\x9b31my":          "x\uFFFD31my",      // a lone 8-bit CSI byte, not UTF-8
		"\u00a0nbsp\u00a1":   "\u00a0nbsp\u00a1", // U+00A0 and above are printable
		"\u0080\u009f\u007e": "\uFFFD\uFFFD~",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// noControls fails when out holds a byte or character a terminal would act on.
func noControls(t *testing.T, what, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if i := firstUnsafe(line); i >= 0 {
			t.Errorf("%s: control character %q in line %q", what, line[i:i+1], line)
		}
	}
}

func TestPlainAndMarkdownCleanData(t *testing.T) {
	sc := evilScorecard()
	for name, render := range map[string]func(*bytes.Buffer) error{
		"plain":    func(b *bytes.Buffer) error { return Plain(b, sc, "tickets\x1b]0;x\x07.csv") },
		"markdown": func(b *bytes.Buffer) error { return Markdown(b, sc, "tickets\x1b]0;x\x07.csv") },
	} {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		noControls(t, name, out)
		for _, want := range []string{"\uFFFD]2;PWNED\uFFFDchat", "\uFFFD[31mweb", "\uFFFD2Jphone", "mail\uFFFD", "chan\uFFFDnel", "region = \uFFFD]2;EU\uFFFD", "CSAT\uFFFD[5m"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, out)
			}
		}
	}
}

// TestPlainAligns: a cleaned value takes as many columns as it has
// characters, so the value column stays aligned.
func TestPlainAligns(t *testing.T) {
	var b bytes.Buffer
	if err := Plain(&b, evilScorecard(), "x"); err != nil {
		t.Fatal(err)
	}
	col := -1
	for _, line := range strings.Split(b.String(), "\n") {
		i := strings.Index(line, "%")
		if i < 0 || strings.Contains(line, "low:") || strings.HasPrefix(line, "!") {
			continue
		}
		r := len([]rune(line[:i]))
		if col >= 0 && r != col {
			t.Errorf("value column at %d, want %d: %q", r, col, line)
		}
		col = r
	}
	if col < 0 {
		t.Fatalf("no value column:\n%s", b.String())
	}
}

func TestFooterNamesTruncation(t *testing.T) {
	var b bytes.Buffer
	if err := Plain(&b, evilScorecard(), "x"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "! CSAT\uFFFD[5m: 2 more segments not shown: --limit all") {
		t.Errorf("no note of the left-out segments:\n%s", b.String())
	}
}

func TestCSVSegmentsTruncated(t *testing.T) {
	var b bytes.Buffer
	if err := CSV(&b, evilScorecard()); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	// The columns before issue 12's stay where scripts read them; its
	// columns come after.
	if col := head[13]; col != "segments_truncated" {
		t.Fatalf("column 14 %q, want segments_truncated: %v", col, head)
	}
	iSeg, iTr := -1, 13
	for i, h := range head {
		if h == "segment" {
			iSeg = i
		}
	}
	if len(recs) != 6 {
		t.Fatalf("%d records, want header, 4 segments and the total", len(recs))
	}
	for _, rec := range recs[1:] {
		want := ""
		if rec[iSeg] == "Total" {
			want = "2"
		}
		if rec[iTr] != want {
			t.Errorf("%s: segments_truncated %q, want %q", rec[iSeg], rec[iTr], want)
		}
	}
	// CSV keeps the data as it is: the values still match the source.
	if recs[1][iSeg] != evilTitle {
		t.Errorf("first segment %q, want the value as in the data", recs[1][iSeg])
	}
}

func TestJSONSegmentsTruncated(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, evilScorecard(), "x", nil); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07\u009b\x7f") {
		t.Errorf("raw control characters in JSON:\n%s", b.String())
	}
	var out struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	for _, r := range out.Rows {
		v, ok := r["segments_truncated"]
		if r["segment"] == "Total" {
			if !ok || v != float64(2) {
				t.Errorf("Total row: segments_truncated = %v (present %v), want 2", v, ok)
			}
		} else if ok {
			t.Errorf("segment %v has segments_truncated %v", r["segment"], v)
		}
	}
	if out.Rows[0]["segment"] != evilTitle {
		t.Errorf("JSON segment %q, want the value as in the data", out.Rows[0]["segment"])
	}

	// Without a breakdown the Total row says 0.
	sc := evilScorecard()
	sc.Slice.Segment, sc.Results[0].Segments, sc.Results[0].SegmentsTruncated = "", nil, 0
	b.Reset()
	if err := JSON(&b, sc, "x", nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"segments_truncated": 0`) {
		t.Errorf("no segments_truncated 0 on the Total row:\n%s", b.String())
	}
}

func BenchmarkCleanPlain(b *testing.B) {
	s := "Customer satisfaction · channel = web"
	for i := 0; i < b.N; i++ {
		if Clean(s) != s {
			b.Fatal("changed")
		}
	}
}
