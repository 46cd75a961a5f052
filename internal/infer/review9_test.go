package infer

import (
	"slices"
	"strings"
	"testing"
)

// Rows with their own id that are answers (response_id) are not purchases,
// whatever amount sits beside them: no purchase KPIs.
func TestSurveyWithAmountIsNotPurchases(t *testing.T) {
	in, _ := inferFiles(t, "survey_amount.csv")
	for _, id := range []string{"avg_purchase", "repeat_rate", "purchase_frequency"} {
		if k := kpiByKey(in, id); k != nil {
			t.Errorf("%s proposed on survey answers: %+v", id, k)
		}
	}
	if k := kpiByKey(in, "nps"); k == nil {
		t.Errorf("nps not proposed: %v", keys(in))
	}
}

// Purchases with their own transaction id and no order id: the average is
// over the rows that have an amount, 10 + 30 + 20 = 60 over 3 = 20 (not 60
// over 5 rows = 12).
func TestPurchaseAverageLeavesOutBlankAmounts(t *testing.T) {
	in, db := inferFiles(t, "purchase_rows.csv")
	if k := kpiByKey(in, "avg_purchase"); k == nil {
		t.Fatalf("no avg_purchase: %v", keys(in))
	}
	wantValue(t, allTime(t, in, db), "avg_purchase", 20)
}

// A ticket export without a creation column is not timed by its
// customers' signup date: its own dates (Updated at, on every row, before
// Solved at, on 4 of 6) are its time axis, and a note says why.
func TestTicketsNotTimedBySignup(t *testing.T) {
	in, _ := inferFiles(t, "helpdesk_signup.csv")
	tp := in.Tables[0]
	if tp.Time != "Updated at" {
		t.Errorf("time axis = %q, want Updated at", tp.Time)
	}
	if !slices.ContainsFunc(tp.Notes, func(n string) bool {
		return strings.HasPrefix(n, `"Customer signup date" dates a customer, but the rows are not customers`) && strings.HasSuffix(n, `the time axis is "Updated at".`)
	}) {
		t.Errorf("notes = %q", tp.Notes)
	}
	// With no date of its own, the table has no time axis.
	in, _ = inferFiles(t, "tickets_export.csv")
	if tp := in.Tables[0]; tp.Time != "" || !slices.ContainsFunc(tp.Notes, func(n string) bool { return strings.Contains(n, ": no time axis") }) {
		t.Errorf("time axis = %q, notes %q", tp.Time, tp.Notes)
	}
	if y := in.YAML(YAMLOptions{Header: true}); strings.Contains(y, "time: Customer signup date") || !strings.Contains(y, "no time axis") {
		t.Errorf("yaml times the tickets by signup, or does not say why it has no time:\n%s", y)
	}
}

// Duration names keep whole words and say their unit once.
func TestDurationNames(t *testing.T) {
	in, _ := inferFiles(t, "helpdesk_signup.csv")
	for _, c := range []struct{ id, name, short, desc string }{
		{"avg_first_reply_time_in_minutes", "Avg first reply time", "First reply", "mean first reply time in minutes"},
		{"avg_full_resolution_time_in_minutes", "Avg full resolution time", "Resolution", "mean full resolution time in minutes"},
	} {
		k := kpiByKey(in, c.id)
		if k == nil {
			t.Errorf("no %s: %v", c.id, keys(in))
			continue
		}
		if k.Name != c.name || k.Short != c.short || k.Description != c.desc {
			t.Errorf("%s: name %q short %q description %q, want %q %q %q", c.id, k.Name, k.Short, k.Description, c.name, c.short, c.desc)
		}
	}
	for _, c := range [][2]string{{"Avg requester wait time", "Requester wait"}, {"Avg speed of answer", "Speed answer"}, {"Avg handle time", "Handle time"},
		{"Customer satisfaction improvement", "Customer"}, {"Extraordinarilylongword x", "Extraordinari."}} {
		if got := shortName(c[0]); got != c[1] {
			t.Errorf("shortName(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}

// Unique labels (Subject 0 … Subject 19) are not an id of the rows' own:
// the note does not say "each row has its own Subject".
func TestUniqueLabelsAreNotOwnIDs(t *testing.T) {
	in, _ := inferFiles(t, "helpdesk_subjects.csv")
	tp := in.Tables[0]
	want := `"Customer signup date" dates a customer, but the rows are not customers (they have dates of their own): the time axis is "Updated at".`
	if tp.Time != "Updated at" || !slices.Contains(tp.Notes, want) {
		t.Errorf("time %q, notes %q; want %q", tp.Time, tp.Notes, want)
	}
}
