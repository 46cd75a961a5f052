package kpi

import (
	"testing"

	"kpiscope/internal/schema"
)

// Every role a built-in names, or its templates read, is in the one role
// table, with the kind the engine checks its column against.
func TestCatalogRolesAreInTheRoleTable(t *testing.T) {
	kinds := map[string]string{
		"csat": "number", "ces": "number", "nps": "number", "contacts": "number", "amount": "number",
		"created_at": "time", "first_response_at": "time", "resolved_at": "time", "sent_at": "time", "responded_at": "time",
		"order_date": "time", "signup_date": "time", "churn_date": "time", "month": "time",
		"kind": "text", "order_id": "text", "customer_id": "text",
		"reopened": "text", // a flag: BOOLEAN, yes/no text or a count, so not checked as a number
	}
	for _, b := range Catalog() {
		if b.Type == Composite {
			continue
		}
		var used []string
		for _, e := range append(b.expressions(), b.Time) {
			for _, m := range roleRE.FindAllStringSubmatch(e, -1) {
				used = append(used, m[1])
			}
		}
		for _, r := range append(used, b.Roles...) {
			role, ok := schema.LookupRole(r)
			if !ok {
				t.Errorf("%s: role %s is not in the role table", b.ID, r)
			}
			if !b.HasRole(r) {
				t.Errorf("%s: role %s is read but not one of its roles", b.ID, r)
			}
			kind := "text"
			switch {
			case role.Kind.Numeric():
				kind = "number"
			case role.Kind == schema.KindTime:
				kind = "time"
			}
			if kind != kinds[r] {
				t.Errorf("%s: role %s is a %s role, want %s", b.ID, r, kind, kinds[r])
			}
		}
	}
}

// Bind records the built-in and the columns its roles were mapped to, also
// under another id.
func TestBindRecordsRoles(t *testing.T) {
	b, _ := LookupBuiltin("resolution_time")
	d := b.Bind("calls", map[string]string{"created_at": "opened at", "resolved_at": `closed "at"`})
	d.ID = "resolution_calls"
	if !d.Builtin || d.BuiltinID != "resolution_time" || d.Roles["created_at"] != "opened at" || d.Roles["resolved_at"] != `closed "at"` || len(d.Roles) != 2 {
		t.Errorf("bound %s from %q, roles %v", d.ID, d.BuiltinID, d.Roles)
	}
	essential, timeOnly, other := b.RoleUse()
	if len(essential) != 2 || len(timeOnly) != 0 || len(other) != 0 {
		t.Errorf("resolution_time reads %v, %v for time, %v otherwise", essential, timeOnly, other)
	}
	csat, _ := LookupBuiltin("csat")
	if essential, timeOnly, _ := csat.RoleUse(); len(essential) != 1 || essential[0] != "csat" || len(timeOnly) != 1 || timeOnly[0] != "resolved_at" {
		t.Errorf("csat reads %v, %v for time", essential, timeOnly)
	}
	if csat.TimeRole() != "resolved_at" || csat.Reads("resolved_at") || !csat.HasRole("resolved_at") || csat.HasRole("nps") {
		t.Error("csat: resolved_at is its time role only; nps is none of its roles")
	}
}
