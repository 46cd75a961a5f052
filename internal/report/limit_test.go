package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
)

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]int{"": 0, "all": kpi.AllSegments, "ALL": kpi.AllSegments, "20": 20, " 1 ": 1} {
		got, err := ParseLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "-3", "ten", "2.5"} {
		_, err := ParseLimit(in)
		if err == nil || !strings.Contains(err.Error(), "--limit all") {
			t.Errorf("ParseLimit(%q): %v, want an error naming the values that work", in, err)
		}
	}
}

// TestLeftOutSegmentsSaid: every format says how many segments a
// breakdown left out, and the table and Markdown say how to see them.
func TestLeftOutSegmentsSaid(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, evilScorecard(), "x", nil); err != nil {
		t.Fatal(err)
	}
	var out struct {
		LeftOut *int `json:"segments_left_out"`
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.LeftOut == nil || *out.LeftOut != 2 {
		t.Errorf("JSON segments_left_out = %v, want 2", out.LeftOut)
	}
	b.Reset()
	if err := Markdown(&b, evilScorecard(), "x"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "- CSAT\uFFFD[5m: 2 more segments not shown: `--limit all`") {
		t.Errorf("Markdown does not say what was left out:\n%s", b.String())
	}
}
