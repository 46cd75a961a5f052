package kpi

import (
	"slices"
	"strings"
	"testing"

	"kpiscope/internal/store"
)

// TestBusinessBuiltins: the business-time built-ins are found by use: but
// are not offered on the standard data model (they read a view that only
// business_hours: creates), and bind the ticket roles as the clock-time
// ones do while reading the view's own columns by name.
func TestBusinessBuiltins(t *testing.T) {
	mine := []string{"first_response_bh", "resolution_bh", "resolution_bh_median", "sla_first_response", "sla_resolution"}
	var listed []string
	for _, id := range BuiltinIDs() {
		if slices.Contains(mine, id) {
			listed = append(listed, id)
		}
	}
	if !slices.Equal(listed, mine) {
		t.Errorf("BuiltinIDs lists %v of %v", listed, mine)
	}
	// Ratios of sums and filtered counts (and quantiles, from sketches):
	// rollups answer every one of them.
	for _, id := range mine {
		b, _ := LookupBuiltin(id)
		if _, _, ok := rollable(b.Bind("", nil)); !ok || !IsBusiness(id) {
			t.Errorf("%s: rollable %v, business %v", id, ok, IsBusiness(id))
		}
	}
	for _, b := range Catalog() {
		if IsBusiness(b.ID) {
			t.Errorf("%s is in Catalog(): inference would propose it without a calendar", b.ID)
		}
	}
	std := map[string][]store.Column{"tickets": {{Name: "created_at", Type: "TIMESTAMP"}, {Name: "first_response_at", Type: "TIMESTAMP"}, {Name: "resolved_at", Type: "TIMESTAMP"}}}
	for _, d := range StandardDefs(std) {
		if IsBusiness(d.ID) {
			t.Errorf("StandardDefs offers %s", d.ID)
		}
	}

	b, ok := LookupBuiltin("resolution_bh")
	if !ok || b.SLAPolicy() != "" {
		t.Fatalf("resolution_bh: found %v, policy %q", ok, b.SLAPolicy())
	}
	d := b.Bind("support_business", map[string]string{"created_at": "opened", "resolved_at": "closed"})
	if d.Source != "support_business" || d.Time != "closed" || d.IntervalKind() != IntervalMean {
		t.Errorf("resolution_bh bound: source %s, time %s, interval %s", d.Source, d.Time, d.IntervalKind())
	}
	if want := `sum(round("resolution_bh" * 3600)) FILTER (WHERE "closed" >= "opened") / 3600.0`; d.Numerator != want {
		t.Errorf("numerator %s, want %s", d.Numerator, want)
	}
	if !strings.HasSuffix(d.Description, `by closed`) {
		t.Errorf("description %q does not name its time column", d.Description)
	}

	s, _ := LookupBuiltin("sla_resolution")
	if s.SLAPolicy() != "resolution" || !slices.Equal(s.Roles, []string{"created_at"}) {
		t.Errorf("sla_resolution: policy %q, roles %v", s.SLAPolicy(), s.Roles)
	}
	sd := s.Bind("support_business", map[string]string{"created_at": "opened"})
	// A breach counts in the period of its deadline: the time axis is the
	// view's _due column, whatever the mapping.
	if sd.Time != "resolution_due" || sd.Numerator != `count(*) FILTER (WHERE "resolution_met")` || sd.Denominator != `count("resolution_met")` ||
		sd.Extras["breached"] != `count(*) FILTER (WHERE NOT "resolution_met")` || sd.IntervalKind() != IntervalProportion {
		t.Errorf("sla_resolution bound: %+v", sd)
	}
	if f, _ := LookupBuiltin("sla_first_response"); f.SLAPolicy() != "first_response" {
		t.Errorf("sla_first_response measures %q", f.SLAPolicy())
	}
}
