package kpi

import "testing"

// Every built-in's interval kind, and RatioParts giving back its value from
// its components: a KPI shown with a Wilson interval must be a share of units.
func TestIntervalKinds(t *testing.T) {
	want := map[string]IntervalKind{
		"csat": IntervalProportion, "ces": IntervalProportion, "fcr": IntervalProportion,
		"response_rate": IntervalProportion, "churn": IntervalProportion, "retention": IntervalProportion,
		"repeat_rate": IntervalProportion, "nps": IntervalNPS, "resolution_time": IntervalMean,
		"first_response": IntervalMean, "avg_purchase": IntervalMean, "resolution_median": IntervalNone,
		"cac": IntervalNone, "clv": IntervalNone, "purchase_frequency": IntervalNone,
	}
	for _, b := range catalog {
		d := b.Def
		d.BuiltinID = d.ID
		w, ok := want[d.ID]
		if !ok {
			continue
		}
		if got := d.IntervalKind(); got != w {
			t.Errorf("%s: interval %q, want %q", d.ID, got, w)
		}
		// the same definition written by hand (no catalog id) is recognised
		// from its formula, except where it needs the catalog's knowledge
		d.BuiltinID = ""
		got := d.IntervalKind()
		switch d.ID {
		case "repeat_rate", "avg_purchase", "fcr", "response_rate":
			// list functions, DISTINCT, count(col) against count(col2): not provable from the formula
		default:
			if got != w {
				t.Errorf("%s as a custom KPI: interval %q, want %q", d.ID, got, w)
			}
		}
	}
	nps := Def{ID: "nps", BuiltinID: "nps", Type: Formula, Expr: "100.0 * (promoters - detractors) / n",
		Inputs: map[string]string{"promoters": "count(*)", "detractors": "count(*)", "n": "count(*)"}}
	num, den, ok := nps.RatioParts(map[string]float64{"promoters": 50, "detractors": 20, "n": 100})
	if !ok || num/den != 30 {
		t.Errorf("NPS parts %v / %v (%v), want 30", num, den, ok)
	}
	churn := Def{ID: "churn", BuiltinID: "churn", Type: Cohort, Expr: "100.0 * churned / active_start",
		Inputs: map[string]string{"churned": "count(*)", "active_start": "count(*)"}}
	num, den, ok = churn.RatioParts(map[string]float64{"churned": 5, "active_start": 200})
	if !ok || num/den != 2.5 {
		t.Errorf("churn parts %v / %v (%v), want 2.5", num, den, ok)
	}
	custom := Def{ID: "x", Type: Ratio, Numerator: "sum(secs) FILTER (WHERE ok) / 3600.0", Denominator: "count(*) FILTER (WHERE ok)"}
	if k := custom.IntervalKind(); k != IntervalMean {
		t.Errorf("custom mean: %q", k)
	}
	custom.Denominator = "count(*)"
	if k := custom.IntervalKind(); k != IntervalNone {
		t.Errorf("a sum over a count of other rows is not a mean: %q", k)
	}
}
