package tui

import (
	"errors"
	"fmt"
	"testing"

	"kpiscope/internal/kpi"
)

// TestCleanScorecard: the screen's copy of a scorecard has its data text
// cleaned row for row, errors still match their sentinels, and the
// engine's scorecard (shared by every session, exported as is) is untouched;
// a clean scorecard is not copied.
func TestCleanScorecard(t *testing.T) {
	raw := &kpi.Scorecard{Results: []kpi.Result{{
		Total:    kpi.Row{CompareTo: "Sep 2026"},
		Segments: []kpi.Row{{Segment: "email"}, {Segment: evilSGR}},
		Err:      fmt.Errorf("column \x1b]2;x\x07: %w", kpi.ErrNotSliceable),
	}}}
	shown := cleanScorecard(raw)
	r, w := shown.Results[0], raw.Results[0]
	if r.Segments[1].Segment != "\uFFFD[31mweb" || r.Segments[0].Segment != "email" {
		t.Fatalf("segments shown %q", []string{r.Segments[0].Segment, r.Segments[1].Segment})
	}
	if w.Segments[1].Segment != evilSGR {
		t.Fatal("cleaning changed the engine's scorecard")
	}
	if !errors.Is(r.Err, kpi.ErrNotSliceable) || !isClean(r.Err.Error()) || isClean(w.Err.Error()) {
		t.Fatalf("error shown %q (is not sliceable: %v), engine's %q", r.Err, errors.Is(r.Err, kpi.ErrNotSliceable), w.Err)
	}
	plain := &kpi.Scorecard{Results: []kpi.Result{{Segments: []kpi.Row{{Segment: "chat"}}}}}
	if cleanScorecard(plain) != plain {
		t.Fatal("a clean scorecard was copied")
	}
}

// TestOutsideTextCleanedOnEntry: the data's label, the banner and a reload
// error reach the screen cleaned.
func TestOutsideTextCleanedOnEntry(t *testing.T) {
	d := testDeps(t)
	d.Label = "\x1b]2;PWNED\x07chat data"
	d.Banner = "inferred from \x1b[31mweb columns"
	m := started(t, d, 120, 40)
	next, _ := m.Update(EngineMsg{Err: errors.New("cannot read \u009b2Jphone.csv")})
	safeScreen(t, "label, banner, reload error", next.(Model), "\uFFFD]2;PWNED\uFFFDchat data", "inferred from \uFFFD[31mweb columns", "\uFFFD2Jphone.csv")
}
