package kpi

import "testing"

// A built-in's description names the column its periods follow: the
// standard one in the catalog's words ("by resolved date"), a mapped one by
// its name (quoted when it is not a plain name), none when it has no time
// axis. Descriptions without a date are left as they are.
func TestDescriptionNamesTheDateColumn(t *testing.T) {
	const csat = "% of ratings which scored 4–5 of 5 (top-2-box; answers off the scale are left out)"
	const ces = "% of answers 5–7 on the 1–7 \"made it easy\" scale (CES 2.0)"
	for _, tc := range []struct {
		id      string
		columns map[string]string
		want    string
	}{
		{"csat", nil, csat + ", by resolved date"},
		{"csat", map[string]string{"resolved_at": "resolved_at"}, csat + ", by resolved date"},
		{"csat", map[string]string{"csat": "score", "resolved_at": "call_date"}, csat + ", by call_date"},
		{"csat", map[string]string{"resolved_at": "Call Date"}, csat + `, by "Call Date"`},
		{"ces", map[string]string{"resolved_at": "call_date"}, ces + ", by call_date"},
		{"nps", map[string]string{"responded_at": "answered"}, "% promoters (9–10) − % detractors (0–6) of 0–10 answers, by answered"},
		{"first_response", map[string]string{"created_at": "opened"}, "mean hours from created to first response, answered tickets, by opened"},
		{"new_customers", map[string]string{"signup_date": "joined"}, "customers who signed up in the period"},
	} {
		b, ok := LookupBuiltin(tc.id)
		if !ok {
			t.Fatalf("no built-in %s", tc.id)
		}
		if got := b.Bind("", tc.columns).Description; got != tc.want {
			t.Errorf("%s %v:\n got %q\nwant %q", tc.id, tc.columns, got, tc.want)
		}
	}
	b, _ := LookupBuiltin("csat")
	if got := b.DescriptionFor(""); got != csat {
		t.Errorf("csat without a time axis: %q, want %q", got, csat)
	}
}
