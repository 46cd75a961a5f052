package quality

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"kpiscope/internal/kpi"
)

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func allTime(t *testing.T, eng *kpi.Engine, id string) float64 {
	t.Helper()
	sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: kpi.All}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := sc.Find(id)
	if r == nil || r.Total.Value == nil {
		t.Fatalf("%s has no all-time value", id)
	}
	return *r.Total.Value
}

// Orders with no amount are left out of the average purchase value, and
// check says how many: order lines O1 10+20, O2 blank (NA), O3 60, O4 blank,
// O5 30 + a blank line. Revenue 120 over the 3 orders with an amount is 40
// (not 120 / 5 = 24); O2 and O4 are the 2 orders of 5 with none.
func TestAvgPurchaseLeavesOutOrdersWithoutAmount(t *testing.T) {
	ws, eng := checkData(t, fixture(t, "order_lines_blank_amount.csv"), "  - use: avg_purchase\n    source: t\n")
	if v := allTime(t, eng, "avg_purchase"); v != 40 {
		t.Errorf("avg purchase = %v, want 40", v)
	}
	w := only(t, ws, KindNulls)
	want := "2 orders of 5 in t (40%) have no amount; they are left out of Avg purchase value"
	if w.Column != "amount" || w.Rows != 2 || w.Message != want {
		t.Errorf("warning = %+v\nwant message %q", w, want)
	}
}

// An average written by hand over rows (sum(amount) / count(amount)) is
// warned by rows: 3 of the 7 lines have no amount.
func TestCustomAverageWarnsBlankRows(t *testing.T) {
	custom := "  - id: avg_line\n    name: Avg line value\n    source: t\n    type: ratio\n    numerator: sum(amount)\n    denominator: count(amount)\n    better: higher\n"
	ws, eng := checkData(t, fixture(t, "order_lines_blank_amount.csv"), custom)
	if v := allTime(t, eng, "avg_line"); v != 30 {
		t.Errorf("avg line = %v, want 120/4 = 30", v)
	}
	w := only(t, ws, KindNulls)
	if want := "3 rows of 7 in t (43%) have no amount; they are left out of Avg line value"; w.Message != want {
		t.Errorf("message = %q, want %q", w.Message, want)
	}
}

// A KPI's where does not make a customer id (10 customers on 20 answers)
// look like the table's key: the Pro answers outside region NA hold C10
// twice among 10 rows (9 distinct, 90%), which is not a repeated answer.
// The NPS of those 10 answers is 6 promoters − 3 detractors = 30.
func TestWhereKeepsDuplicateVerdict(t *testing.T) {
	csv := fixture(t, "answers_by_plan.csv")
	for _, where := range []string{"", "\n    where: \"plan = 'Pro' AND region <> 'NA'\""} {
		ws, eng := checkData(t, csv, "  - use: nps\n    source: t\n    columns: {responded_at: sent_date}"+where+"\n")
		none(t, ws, KindDuplicateID)
		if where != "" {
			if v := allTime(t, eng, "nps"); v != 30 {
				t.Errorf("nps = %v, want 30", v)
			}
		}
	}
	// A response id repeated inside the where's rows is still an error.
	ws, _ := checkData(t, csv+"R20,C10,Pro,APAC,2026-01-21,10\n", "  - use: nps\n    source: t\n    columns: {responded_at: sent_date}\n    where: \"plan = 'Pro' AND region <> 'NA'\"\n")
	if w := only(t, ws, KindDuplicateID); w.Column != "response_id" || w.Rows != 1 {
		t.Errorf("warning = %+v", w)
	}
}
