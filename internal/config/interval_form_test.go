package config_test

import (
	"testing"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
)

// An explicit interval: must fit the formula (review item 1): a proportion
// of dollars, a mean of a ratio of sums or of a formula, a mean whose count
// is of another column, are refused at the interval: line with the form
// needed; the README's NPS with inputs p, d, n takes interval: nps.
func TestIntervalMustFitTheFormula(t *testing.T) {
	ratio := func(num, den, ival string) string {
		return srcT + "kpis:\n  - id: k\n    source: t\n    type: ratio\n    numerator: \"" + num + "\"\n    denominator: \"" + den +
			"\"\n    scale: 100\n    better: lower\n    interval: " + ival + "\n"
	}
	wantErrAt(t, ratio("sum(cost)", "sum(amt)", "proportion"), 11,
		"KPI k: interval: proportion needs a count of units over a count of units", "numerator and denominator each one count(…)")
	wantErrAt(t, ratio("sum(cost)", "sum(amt)", "mean"), 11,
		"KPI k: interval: mean needs type: ratio with numerator sum(x)", "count(x) or count(*) with the same FILTER")
	wantErrAt(t, ratio("sum(hours)", "count(score)", "mean"), 11, "mean needs")
	formula := srcT + "kpis:\n  - id: f\n    source: t\n    type: formula\n    inputs: {a: \"sum(hours)\", b: \"count(hours)\"}\n" +
		"    expr: \"1.0 * a / b\"\n    better: lower\n    interval: mean\n"
	wantErrAt(t, formula, 10, "KPI f: interval: mean needs type: ratio")

	ok := srcT + "kpis:\n  - id: npsx\n    source: t\n    type: formula\n" +
		"    inputs: {p: \"count(*) FILTER (WHERE nps >= 9)\", d: \"count(*) FILTER (WHERE nps <= 6)\", n: \"count(nps)\"}\n" +
		"    expr: \"100.0 * (p - d) / n\"\n    better: higher\n    interval: nps\n" +
		"  - id: mins\n    source: t\n    type: ratio\n    numerator: \"60 * sum(hours)\"\n    denominator: \"count(hours)\"\n    better: lower\n    interval: mean\n"
	cfg, err := config.Parse(cfgPath, []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	defs, err := cfg.Defs(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if want := map[string]kpi.IntervalKind{"npsx": kpi.IntervalNPS, "mins": kpi.IntervalMean}[d.ID]; want != "" && d.IntervalKind() != want {
			t.Errorf("%s: %q, want %q", d.ID, d.IntervalKind(), want)
		}
	}
}
