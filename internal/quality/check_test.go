package quality

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/config"
	"kpiscope/internal/kpi"
	"kpiscope/internal/source"
	"kpiscope/internal/store"
)

var checkNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// checkData writes one CSV and a config over it, opens it like the CLI does,
// and runs the checks.
func checkData(t *testing.T, csv, kpis string) ([]Warning, *kpi.Engine) {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kpiscope.yaml")
	for path, text := range map[string]string{filepath.Join(dir, "t.csv"): csv, cfg: "sources:\n  t: {path: t.csv}\nkpis:\n" + kpis} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	eng := openConfig(t, cfg)
	ws2, err := Check(context.Background(), eng, checkNow)
	if err != nil {
		t.Fatal(err)
	}
	return ws2, eng
}

// openConfig loads a config's sources and builds its engine, as
// workspace.Open does.
func openConfig(t *testing.T, path string) *kpi.Engine {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tables, err := source.Load(ctx, db, cfg.Sources)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := cfg.Defs(nil)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]string{}
	for _, tb := range tables {
		files[tb.Name] = tb.Files
	}
	eng, err := kpi.New(ctx, db, defs, kpi.Options{Now: func() time.Time { return checkNow }, Dimensions: cfg.Dimensions, TableFiles: files, Label: cfg.Label})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func only(t *testing.T, ws []Warning, kind Kind) Warning {
	t.Helper()
	var found []Warning
	for _, w := range ws {
		if w.Kind == kind {
			found = append(found, w)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s warning, got %d: %v", kind, len(found), ws)
	}
	return found[0]
}

func none(t *testing.T, ws []Warning, kind Kind) {
	t.Helper()
	for _, w := range ws {
		if w.Kind == kind {
			t.Errorf("unexpected %s warning: %v", kind, w)
		}
	}
}

// rows builds a tickets file: id, csat, created, resolved for n tickets in
// January 2026, with edits applied to chosen rows.
func ticketRows(n int, edit func(i int, id, csat, created, resolved *string)) string {
	var b strings.Builder
	b.WriteString("ticket_id,csat,created_at,resolved_at\n")
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("T%03d", i)
		csat := fmt.Sprint(1 + i%5)
		created := fmt.Sprintf("2026-01-%02d 09:00:00", 1+i%28)
		resolved := fmt.Sprintf("2026-01-%02d 17:00:00", 1+i%28)
		if edit != nil {
			edit(i, &id, &csat, &created, &resolved)
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s\n", id, csat, created, resolved)
	}
	return b.String()
}

const useCSAT = "  - use: csat\n    source: t\n"

func TestCheckScoreOutsideScale(t *testing.T) {
	ws, _ := checkData(t, ticketRows(40, func(i int, _, csat, _, _ *string) {
		if i == 7 {
			*csat = "9"
		}
	}), useCSAT)
	w := only(t, ws, KindScoreRange)
	if w.Severity != SeverityError || w.Rows != 1 || w.Column != "csat" || w.KPI != "csat" || !strings.Contains(w.Example, "csat = 9") || !strings.Contains(w.Example, "T007") {
		t.Errorf("warning = %+v", w)
	}
	if !strings.Contains(w.Message, "1–5") {
		t.Errorf("message does not name the scale: %s", w.Message)
	}
}

func TestCheckNegativeDurations(t *testing.T) {
	data := ticketRows(40, func(i int, _, _, created, resolved *string) {
		if i == 3 || i == 4 {
			*created, *resolved = "2026-01-10 12:00:00", "2026-01-09 08:00:00"
		}
	})
	// The built-in skips them: a warning that fewer rows count.
	ws, _ := checkData(t, data, "  - use: resolution_time\n    source: t\n")
	w := only(t, ws, KindNegativeDuration)
	if w.Severity != SeverityWarning || w.Rows != 2 || w.Column != "resolved_at" || !strings.Contains(w.Example, "2026-01-09 08:00:00") {
		t.Errorf("built-in: %+v", w)
	}
	// A custom KPI that averages a duration column counts them: an error.
	csv := "call_id,handle_seconds,day\nC1,30,2026-01-01\nC2,-5,2026-01-02\nC3,40,2026-01-03\n"
	ws, _ = checkData(t, csv, "  - id: aht\n    source: t\n    type: ratio\n    numerator: sum(handle_seconds)\n    denominator: count(handle_seconds)\n    better: lower\n    time: day\n")
	w = only(t, ws, KindNegativeDuration)
	if w.Severity != SeverityError || w.Rows != 1 || w.Column != "handle_seconds" || !strings.Contains(w.Example, "-5") {
		t.Errorf("custom: %+v", w)
	}
}

func TestCheckFutureTimestamps(t *testing.T) {
	ws, _ := checkData(t, ticketRows(40, func(i int, _, _, _, resolved *string) {
		if i == 0 {
			*resolved = "2030-06-01 10:00:00"
		}
		if i == 1 {
			*resolved = "2026-11-26 06:00:00" // within a day of now: time-zone slack
		}
	}), useCSAT)
	w := only(t, ws, KindFutureTimestamp)
	if w.Severity != SeverityWarning || w.Rows != 1 || w.Column != "resolved_at" || !strings.Contains(w.Example, "2030-06-01") {
		t.Errorf("warning = %+v", w)
	}
}

func TestCheckDuplicateIDs(t *testing.T) {
	ws, _ := checkData(t, ticketRows(40, func(i int, id, _, _, _ *string) {
		if i == 10 || i == 11 {
			*id = "T001"
		}
	}), useCSAT)
	w := only(t, ws, KindDuplicateID)
	if w.Severity != SeverityError || w.Rows != 2 || w.Column != "ticket_id" || w.Example != "ticket_id = T001 appears 3 times" {
		t.Errorf("warning = %+v", w)
	}
	// Order lines repeat the order id on purpose: a KPI that counts distinct
	// orders is not warned.
	csv := "order_id,customer_id,order_date,amount\n"
	for i := 0; i < 20; i++ {
		csv += fmt.Sprintf("O%02d,K%d,2026-01-%02d,10\n", i, i%3, 1+i)
	}
	csv += "O01,K1,2026-01-02,5\n"
	ws, _ = checkData(t, csv, "  - use: avg_purchase\n    source: t\n")
	none(t, ws, KindDuplicateID)
}

func TestCheckNulls(t *testing.T) {
	// 90% of tickets unrated: past the answers threshold.
	ws, _ := checkData(t, ticketRows(40, func(i int, _, csat, _, _ *string) {
		if i%10 != 0 {
			*csat = ""
		}
	}), useCSAT)
	w := only(t, ws, KindNulls)
	if w.Severity != SeverityWarning || w.Rows != 36 || w.Column != "csat" || !strings.Contains(w.Message, "90%") || !strings.Contains(w.Example, "csat = NULL") {
		t.Errorf("warning = %+v", w)
	}
	// 60% unrated is a normal survey response rate.
	ws, _ = checkData(t, ticketRows(40, func(i int, _, csat, _, _ *string) {
		if i%5 < 3 {
			*csat = ""
		}
	}), useCSAT)
	none(t, ws, KindNulls)
	// An amount blank on a quarter of the orders.
	csv := "order_id,customer_id,order_date,amount\n"
	for i := 0; i < 20; i++ {
		amount := "10"
		if i%4 == 0 {
			amount = ""
		}
		csv += fmt.Sprintf("O%02d,K%d,2026-01-%02d,%s\n", i, i%3, 1+i, amount)
	}
	ws, _ = checkData(t, csv, "  - use: avg_purchase\n    source: t\n")
	w = only(t, ws, KindNulls)
	if w.Column != "amount" || w.Rows != 5 {
		t.Errorf("amount: %+v", w)
	}
}

func TestCheckEmptyPeriods(t *testing.T) {
	ws, _ := checkData(t, ticketRows(40, func(i int, _, _, created, resolved *string) {
		if i >= 20 {
			*created, *resolved = "2026-04-02 09:00:00", "2026-04-03 09:00:00"
		}
	}), useCSAT)
	w := only(t, ws, KindEmptyPeriods)
	if w.Severity != SeverityWarning || w.Rows != 2 || w.Example != "month of 2026-02" || w.Column != "resolved_at" {
		t.Errorf("warning = %+v", w)
	}
}

// A wrong column mapping is reported before any query, with the KPI, the
// role and the nearest columns; so is a column of the wrong type.
func TestCheckDefinitions(t *testing.T) {
	csv := "ticket_id,agent,satisfaction,closed\nT1,Ann,5,2026-01-02\nT2,Bob,3,2026-01-03\n"
	ws, eng := checkData(t, csv, "  - use: csat\n    source: t\n    columns: {csat: satisfacton, resolved_at: closed}\n")
	w := only(t, ws, KindDefinition)
	for _, want := range []string{"csat (CSAT)", "role csat", `"satisfaction"`} {
		if !strings.Contains(w.Message, want) {
			t.Errorf("message lacks %q: %s", want, w.Message)
		}
	}
	if w.Severity != SeverityError || w.Column != "satisfacton" {
		t.Errorf("warning = %+v", w)
	}
	if defs := CheckDefinitions(eng); len(defs) != 1 || defs[0].Message != w.Message {
		t.Errorf("CheckDefinitions = %v", defs)
	}
	ws, _ = checkData(t, csv, "  - use: csat\n    source: t\n    columns: {csat: agent, resolved_at: closed}\n")
	w = only(t, ws, KindDefinition)
	if w.Column != "agent" || !strings.Contains(w.Message, "role csat") {
		t.Errorf("mistyped: %+v", w)
	}
}

func TestExprColumns(t *testing.T) {
	cols := []struct{ Name, Type string }{{"resolved", "VARCHAR"}, {"answered (Y/N)", "VARCHAR"}, {"Sales", "DOUBLE"}, {"count", "BIGINT"}}
	var sc []store.Column
	for _, c := range cols {
		sc = append(sc, store.Column{Name: c.Name, Type: c.Type})
	}
	got := exprColumns(`count(*) FILTER (WHERE resolved = 'resolved' AND "answered (Y/N)" = 'Y') + sum(sales) + count(x)`, sc)
	if strings.Join(got, "|") != "resolved|answered (Y/N)|Sales" {
		t.Errorf("exprColumns = %q", got)
	}
}

// boundRoles gives the built-in and its role mapping from the definition
// itself, also under another id; a custom definition has none.
func TestBoundRoles(t *testing.T) {
	b, _ := kpi.LookupBuiltin("resolution_time")
	d := b.Bind("calls", map[string]string{"created_at": "opened at", "resolved_at": `closed "at"`})
	d.ID = "resolution_calls"
	got, cols, ok := boundRoles(d)
	if !ok || got.ID != "resolution_time" || cols["created_at"] != "opened at" || cols["resolved_at"] != `closed "at"` {
		t.Errorf("boundRoles = %s %v %v", got.ID, cols, ok)
	}
	if _, _, ok := boundRoles(&kpi.Def{ID: "x", Type: kpi.Ratio, Numerator: "count(*)", Denominator: "count(*)"}); ok {
		t.Error("a custom definition has no roles")
	}
}

// A customer listed twice in a customer-level file: check says to count
// distinct ids and shows the expressions, which give the right rate.
func TestCheckRepeatedCustomerShowsDistinctCount(t *testing.T) {
	csv := "CustomerId,Geography,Exited\n"
	for i := 0; i < 20; i++ {
		exited := 0
		if i%5 == 0 {
			exited = 1
		}
		csv += fmt.Sprintf("%d,France,%d\n", 100+i, exited)
	}
	csv += "100,France,1\n" // customer 100, who exited, listed again
	churn := "  - id: churn_rate\n    source: t\n    type: ratio\n    numerator: count(*) FILTER (WHERE Exited = 1)\n    denominator: count(Exited)\n    scale: 100\n    better: lower\n"
	ws, _ := checkData(t, csv, churn)
	w := only(t, ws, KindDuplicateID)
	want := "count each CustomerId once: numerator: count(DISTINCT CustomerId) FILTER (WHERE Exited = 1), denominator: count(DISTINCT CustomerId) FILTER (WHERE Exited IS NOT NULL)"
	if w.Column != "CustomerId" || w.Fix != want || !strings.Contains(w.String(), "fix: "+want) {
		t.Errorf("warning = %+v\nwant fix %s", w, want)
	}
	if w.Message != "1 row repeats an id already seen in CustomerId (1 id appears more than once); those rows are counted twice" {
		t.Errorf("message = %q", w.Message)
	}
	// The fix computes 4 of 20 customers (20%), where the rows give 5 of 21.
	fixed := "  - id: churn_rate\n    source: t\n    type: ratio\n    numerator: count(DISTINCT CustomerId) FILTER (WHERE Exited = 1)\n    denominator: count(DISTINCT CustomerId) FILTER (WHERE Exited IS NOT NULL)\n    scale: 100\n    better: lower\n"
	ws, eng := checkData(t, csv, fixed)
	none(t, ws, KindDuplicateID)
	sc, err := eng.Compute(context.Background(), kpi.Slice{Grain: kpi.All}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := sc.Results[0].Total.Value; v == nil || *v != 20 {
		t.Errorf("fixed churn rate = %v, want 20", v)
	}
}
