package report

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"kpiscope/internal/kpi"
	"kpiscope/internal/workspace"
)

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
	formats := map[string]func(*bytes.Buffer, *kpi.Scorecard) error{
		"table":    func(b *bytes.Buffer, sc *kpi.Scorecard) error { return Plain(b, sc, "sample") },
		"csv":      func(b *bytes.Buffer, sc *kpi.Scorecard) error { return CSV(b, sc) },
		"json":     func(b *bytes.Buffer, sc *kpi.Scorecard) error { return JSON(b, sc, "sample", nil) },
		"markdown": func(b *bytes.Buffer, sc *kpi.Scorecard) error { return Markdown(b, sc, "sample") },
	}
	for _, s := range []kpi.Slice{{Grain: kpi.Month}, {Grain: kpi.Quarter, Segment: "channel", Compare: kpi.VsYear}} {
		with, err := ws.Engine.Compute(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		without, err := ws.Engine.Compute(ctx, s, nil, kpi.WithoutExtras())
		if err != nil {
			t.Fatal(err)
		}
		for name, render := range formats {
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
