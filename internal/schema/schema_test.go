package schema

import (
	"testing"

	"kpiscope/internal/store"
)

func TestColumnPrefersExactCase(t *testing.T) {
	cols := []store.Column{{Name: "Region", Type: "VARCHAR"}, {Name: "region", Type: "BIGINT"}}
	if c, ok := Column(cols, "region"); !ok || c.Type != "BIGINT" {
		t.Errorf("exact spelling: got %v %v", c, ok)
	}
	if c, ok := Column(cols, "REGION"); !ok || c.Name != "Region" {
		t.Errorf("any case: got %v %v", c, ok)
	}
	if _, ok := Column(cols, "segment"); ok {
		t.Error("a missing column was found")
	}
}

func TestTypes(t *testing.T) {
	for _, tc := range []struct {
		typ                 string
		time, num, text, tf bool
	}{
		{"DATE", true, false, false, false},
		{"timestamp with time zone", true, false, false, false},
		{"TIMESTAMP[]", false, false, false, false},
		{"BIGINT", false, true, false, false},
		{"DECIMAL(18,2)", false, true, false, false},
		{"BIGINT[]", false, false, false, false},
		{"VARCHAR", false, false, true, false},
		{"BOOLEAN", false, false, false, true},
	} {
		if IsTime(tc.typ) != tc.time || IsNumeric(tc.typ) != tc.num || IsText(tc.typ) != tc.text || IsBool(tc.typ) != tc.tf {
			t.Errorf("%s: time %v number %v text %v bool %v", tc.typ, IsTime(tc.typ), IsNumeric(tc.typ), IsText(tc.typ), IsBool(tc.typ))
		}
	}
}

func TestLooksLikeID(t *testing.T) {
	for name, want := range map[string]bool{
		"customer_id": true, "call id": true, "CustomerID": true, "customerId": true, "id": true, "ID": true,
		"order_key": true, "session uuid": true, "guid": true,
		"paid": false, "PAID": false, "VALID": false, "key": false, "android": false, "ID0042": false, "segment": false,
	} {
		if LooksLikeID(name) != want {
			t.Errorf("LooksLikeID(%q) = %v, want %v", name, !want, want)
		}
	}
}

func TestTokens(t *testing.T) {
	for name, want := range map[string]string{
		"speed of answer(seconds)": "speed of answer seconds",
		"CustomerID":               "customer id",
		"customerID":               "customer id",
		"Tenure_in_Months":         "tenure in months",
		"HTTPServerLog2":           "http server log 2",
		"first_response_at":        "first response at",
	} {
		got := ""
		for i, tok := range Tokens(name) {
			if i > 0 {
				got += " "
			}
			got += tok
		}
		if got != want {
			t.Errorf("Tokens(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestRoles(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Roles() {
		if seen[r.Name] || r.Kind == 0 || r.Help == "" || len(r.Strong) == 0 {
			t.Errorf("role %q: duplicate, or no kind, help or name stems", r.Name)
		}
		seen[r.Name] = true
		if (r.Kind == KindScore) != (r.Scale != Scale{}) {
			t.Errorf("role %s: a scale belongs to score roles only", r.Name)
		}
	}
	if r, ok := LookupRole("nps"); !ok || r.Scale != Scale10 || !r.Kind.Numeric() {
		t.Errorf("nps: %+v", r)
	}
	if r, ok := LookupRole("churn_date"); !ok || r.Kind != KindTime || !r.Optional {
		t.Errorf("churn_date: %+v", r)
	}
	if _, ok := LookupRole("nope"); ok {
		t.Error("an unknown role was found")
	}
}

func TestDetectScale(t *testing.T) {
	answers := func(vs ...string) []ValueCount {
		var out []ValueCount
		for _, v := range vs {
			out = append(out, ValueCount{Value: v, Rows: 10})
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		values []ValueCount
		lo, hi float64
		want   Scale
		ok     bool
	}{
		{"satisfaction rating", answers("1", "2", "3", "4", "5"), 1, 5, Scale5, true},
		{"likelihood to recommend", answers("1", "2", "3", "4", "5"), 1, 5, Scale10, true}, // the name prefers 0–10
		{"effort", answers("1", "4", "7"), 1, 7, Scale7, true},
		{"score", nil, 0, 9, Scale10, true}, // range only
		{"score", answers("-1", "3"), -1, 3, Scale{}, false},
		{"score", answers("12", "40"), 12, 40, Scale{}, false},
	} {
		got, ok := DetectScale(Tokens(tc.name), tc.values, tc.lo, tc.hi)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s %v: %v %v, want %v %v", tc.name, tc.values, got, ok, tc.want, tc.ok)
		}
	}
}

func TestText(t *testing.T) {
	if QuoteName("csat") != "csat" || QuoteName("satisfaction rating") != `"satisfaction rating"` || QuoteName("2x") != `"2x"` {
		t.Error("QuoteName: plain names stay bare, others are quoted")
	}
	if Percent(0) != "0%" || Percent(0.004) != "<1%" || Percent(0.196) != "20%" {
		t.Errorf("Percent: %s %s %s", Percent(0), Percent(0.004), Percent(0.196))
	}
	if Clip("abcdef", 4) != "abc…" || Clip("abc", 4) != "abc" {
		t.Errorf("Clip: %q %q", Clip("abcdef", 4), Clip("abc", 4))
	}
}
