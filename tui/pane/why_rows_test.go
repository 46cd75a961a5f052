package pane

import (
	"fmt"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/tui/style"
)

// TestWhySaysWhichRowsShow: 43 states in a pane of 20 lines. The headline,
// two blank lines, the header, the sum and the position line take 6; no
// legend fits beside every row, so 14 rows show and the line under the sum
// says "1–14 of 43" at its right end; with the cursor on the 43rd, "30–43 of 43". All 43 in
// 60 lines: no such line.
func TestWhySaysWhichRowsShow(t *testing.T) {
	d := &kpi.Def{ID: "margin", Name: "Profit margin", Unit: "%", Decimals: 1, Scale: 100, Better: kpi.Higher}
	delta := 0.5
	w := Why{Def: d, Delta: &delta, Dim: "State", Keys: "esc close · enter rows"}
	for i := range 43 {
		w.Rows = append(w.Rows, kpi.Contribution{Dim: "State", Segment: fmt.Sprintf("S%02d", i+1), Contribution: 0.01, Rate: 0.01})
	}
	for _, c := range []struct {
		cursor, h int
		want      string
	}{{0, 20, "1–14 of 43"}, {42, 20, "30–43 of 43"}, {0, 60, ""}} {
		w.Cursor, w.Focused = c.cursor, c.cursor > 0
		lines := strip(RenderWhy(style.New(true, true), w, 60, c.h))
		all := strings.Join(lines, "\n")
		if len(lines) > c.h {
			t.Errorf("h %d: %d lines", c.h, len(lines))
		}
		if c.want == "" {
			if strings.Contains(all, " of 43") {
				t.Errorf("every row shows, yet a position line:\n%s", all)
			}
			continue
		}
		if !strings.HasSuffix(all, strings.Repeat(" ", 45)+c.want) || !strings.Contains(all, "Sum = Δ") {
			t.Errorf("cursor %d: no %q under the sum:\n%s", c.cursor, c.want, all)
		}
	}
}
