package printer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"kpiscope/internal/kpi"
)

func TestPrintCleansData(t *testing.T) {
	v := 80.0
	def := &kpi.Def{ID: "csat", Name: "CSAT", Unit: "%", Decimals: 1, Better: kpi.Higher}
	row := func(seg string) kpi.Row {
		return kpi.Row{Segment: seg, Point: kpi.Point{Value: &v, N: 3, HasN: true}, Status: kpi.NoTarget}
	}
	total := row("")
	total.Total = true
	sc := &kpi.Scorecard{
		Slice:   kpi.Slice{Grain: kpi.All, Segment: "channel", Filters: []kpi.Filter{{Dim: "region", Values: []string{"\x1b]2;EU\x07"}}}},
		Results: []kpi.Result{{Def: def, Total: total, Segments: []kpi.Row{row("\x1b]2;PWNED\x07chat"), row("\x1b[31mweb"), row("\u009b2J")}}},
	}
	var b bytes.Buffer
	if err := Print(&b, sc, "tickets.csv"); err != nil {
		t.Fatal(err)
	}
	raw := b.String()
	for _, bad := range []string{"\x1b]", "\x07", "\u009b", "\x1b[31mweb"} {
		if strings.Contains(raw, bad) {
			t.Errorf("output holds %q:\n%q", bad, raw)
		}
	}
	plain := ansi.Strip(raw)
	for _, want := range []string{"\uFFFD]2;PWNED\uFFFDchat", "\uFFFD[31mweb", "\uFFFD2J", "region = \uFFFD]2;EU\uFFFD"} {
		if !strings.Contains(plain, want) {
			t.Errorf("output lacks %q:\n%s", want, plain)
		}
	}
}
