package report

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

// sampleFormats render a scorecard as each --format does, titled "sample".
var sampleFormats = map[string]func(*bytes.Buffer, *kpi.Scorecard) error{
	"table":    func(b *bytes.Buffer, sc *kpi.Scorecard) error { return Plain(b, sc, "sample") },
	"csv":      func(b *bytes.Buffer, sc *kpi.Scorecard) error { return CSV(b, sc) },
	"json":     func(b *bytes.Buffer, sc *kpi.Scorecard) error { return JSON(b, sc, "sample", nil) },
	"markdown": func(b *bytes.Buffer, sc *kpi.Scorecard) error { return Markdown(b, sc, "sample") },
}

// TestExtrasOnlyWhereShown renders the sample's scorecard computed with and
// without the extras (median, p90, mean score) in every format: a format that
// does not show them must print exactly the same either way, and the one that
// does (json) must print them.
func TestExtrasOnlyWhereShown(t *testing.T) {
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for _, s := range []kpi.Slice{{Grain: kpi.Month}, {Grain: kpi.Quarter, Segment: "channel", Compare: kpi.VsYear}} {
		with, err := ws.Engine.Compute(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		without, err := ws.Engine.Compute(ctx, s, nil, kpi.WithoutExtras())
		if err != nil {
			t.Fatal(err)
		}
		for name, render := range sampleFormats {
			var a, b bytes.Buffer
			if err := render(&a, with); err != nil {
				t.Fatal(err)
			}
			if err := render(&b, without); err != nil {
				t.Fatal(err)
			}
			same := a.String() == b.String()
			switch {
			case ShowsExtras(name) && (same || !strings.Contains(a.String(), `"median"`)):
				t.Errorf("%s by %q: the extras are not in the output, yet ShowsExtras says they are", name, s.Segment)
			case !ShowsExtras(name) && !same:
				t.Errorf("%s by %q: the output changes without extras, yet ShowsExtras says it does not show them:\n%s\n---\n%s", name, s.Segment, a.String(), b.String())
			}
		}
	}
}

// TestTrendOnlyWhereShown renders the sample's scorecard computed with the
// default trend (twelve periods) and with the one runReport asks for
// (Trend: two periods, or back to a year ago at quarter and year grain,
// for the formats that show no forecast): each format prints exactly the
// same either way, the pacing of a partial period included (it reads the
// whole comparison period when the trend holds it).
func TestTrendOnlyWhereShown(t *testing.T) {
	ctx := context.Background()
	ws, err := workspace.Open(ctx, workspace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	paced := false
	for _, s := range []kpi.Slice{{Grain: kpi.Week}, {Grain: kpi.Month}, {Grain: kpi.Quarter, Segment: "channel", Compare: kpi.VsYear},
		{Grain: kpi.Year, Compare: kpi.VsYear}, {Grain: kpi.Month, Compare: kpi.VsYear}, {Grain: kpi.Day, Compare: kpi.VsTarget}} {
		whole, err := ws.Engine.Compute(ctx, s, nil, kpi.WithoutExtras())
		if err != nil {
			t.Fatal(err)
		}
		for name, render := range sampleFormats {
			short := whole
			if n := Trend(name, s, ws.Engine.Resolve(s).Grain); n != 0 {
				cut := s
				cut.Trend = n
				if short, err = ws.Engine.Compute(ctx, cut, nil, kpi.WithoutExtras()); err != nil {
					t.Fatal(err)
				}
			}
			var a, b bytes.Buffer
			if err := render(&a, whole); err != nil {
				t.Fatal(err)
			}
			if err := render(&b, short); err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() {
				t.Errorf("%s vs %s, %s: not the same with a trend of %d periods", s.Grain, s.Compare, name, Trend(name, s, ws.Engine.Resolve(s).Grain))
			}
			if name == "table" && strings.Contains(a.String(), "still expected") {
				paced = true
			}
		}
	}
	if !paced {
		t.Error("no pacing line in any table: the check of the week before proves nothing")
	}
}
