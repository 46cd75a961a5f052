package style

import (
	"testing"

	"github.com/charmbracelet/colorprofile"
)

// TestSeriesColoursStayDistinct: on dark and light backgrounds the six
// lines of the series chart get six different colours in true colour and
// once downsampled to 256 colours, none of them the target line's.
func TestSeriesColoursStayDistinct(t *testing.T) {
	for _, dark := range []bool{true, false} {
		s := New(dark, false)
		seen := map[string]int{}
		target := colorprofile.ANSI256.Convert(s.Warn)
		for i := range SeriesGlyphs {
			c := colorprofile.ANSI256.Convert(s.SeriesColor(i))
			r, g, b, _ := c.RGBA()
			k := string(rune(r>>8)) + string(rune(g>>8)) + string(rune(b>>8))
			if j, ok := seen[k]; ok {
				t.Errorf("dark=%v: lines %d and %d share a 256-colour %v", dark, j, i, c)
			}
			seen[k] = i
			if c == target {
				t.Errorf("dark=%v: line %d has the target line's colour", dark, i)
			}
		}
	}
}
