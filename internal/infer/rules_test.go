package infer

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"kpiscope/internal/schema"
	"kpiscope/internal/source"
	"kpiscope/internal/store"
)

// The rules of issue 9 ("inference a careful analyst would sign"), one
// fixture each: what init proposes and, as much, what it must not.

// keys lists the inferred KPI ids, in order.
func keys(in *Inference) []string {
	var out []string
	for _, k := range in.KPIs {
		out = append(out, k.Key())
	}
	return out
}

func wantKPIs(t *testing.T, in *Inference, want ...string) {
	t.Helper()
	if got := keys(in); !slices.Equal(got, want) {
		t.Errorf("KPIs = %v, want %v", got, want)
	}
}

func wantNoDimension(t *testing.T, in *Inference, cols ...string) {
	t.Helper()
	all := append(append([]string(nil), in.Dimensions...), in.MoreDimensions...)
	for _, c := range cols {
		if slices.Contains(all, c) {
			t.Errorf("%s offered as a dimension (%v)", c, all)
		}
	}
}

func missingByID(in *Inference, id string) *Missing {
	for i := range in.Missing {
		if in.Missing[i].ID == id {
			return &in.Missing[i]
		}
	}
	return nil
}

// A column named csat is CSAT even with a 9 and a 7 among its answers (the
// check reports them); it is not read as a 0–10 NPS. The survey's send date
// is not a ticket's creation: no first response time.
func TestNamedScoreWinsOverValueRange(t *testing.T) {
	in, db := inferFiles(t, "nps_survey.csv")
	wantKPIs(t, in, "csat", "nps", "response_rate")
	c := in.Tables[0].Column("csat")
	if c.Kind != ColScore || c.Scale == nil || c.Scale.Max != 5 {
		t.Errorf("csat: kind %s scale %v, want a 1–5 score", c.Kind, c.Scale)
	}
	if k := kpiByKey(in, "csat"); k == nil || columnsOf(k)["csat"] != "csat" || columnsOf(k)["resolved_at"] != "responded_date" {
		t.Errorf("csat = %+v, want csat on csat by the response date", k)
	}
	vals := allTime(t, in, db)
	wantValue(t, vals, "csat", 80)           // 8 of the 10 answers on the 1–5 scale are 4–5 (the 9 and the 7 are left out)
	wantValue(t, vals, "nps", 25)            // 6 promoters, 3 detractors of 12
	wantValue(t, vals, "response_rate", 100) // every survey sent was answered
}

// A support-ticket export with a purchase date and no creation time: no
// resolution or first-response time from the purchase date, no feedback
// response rate from a ticket's first response; the profile says why.
// Customer names and e-mails are not segments.
func TestForeignDatesBuildNoTicketTimes(t *testing.T) {
	in, db := inferFiles(t, "support_tickets.csv")
	wantKPIs(t, in, "csat")
	if c := columnsOf(kpiByKey(in, "csat")); c["resolved_at"] != "Time to Resolution" {
		t.Errorf("csat columns = %v, want resolved_at → Time to Resolution", c)
	}
	wantValue(t, allTime(t, in, db), "csat", 50) // 4, 5, 5, 4 of 8 closed tickets' ratings
	notes := strings.Join(in.Tables[0].Notes, "\n")
	for _, s := range []string{"No creation time in support_tickets", "resolution time", "first response time", `"Date of Purchase" dates an order`} {
		if !strings.Contains(notes, s) {
			t.Errorf("notes lack %q:\n%s", s, notes)
		}
	}
	if !strings.Contains(in.YAML(YAMLOptions{Header: true}), "#   No creation time in support_tickets") {
		t.Error("the note is not in the written profile")
	}
	wantNoDimension(t, in, "Customer Name", "Customer Email")
}

// Sales order lines: ORDERNUMBER is the order id (average order value,
// purchase frequency, repeat rate), STATUS is an order's status (a segment,
// not churn), YEAR_ID/QTR_ID/MONTH_ID are periods, and phones, addresses,
// postal codes and contact names are not segments.
func TestOrderNumberStatusAndContacts(t *testing.T) {
	in, db := inferFiles(t, "sales_orders.csv")
	wantKPIs(t, in, "avg_purchase", "purchase_frequency", "repeat_rate")
	for _, id := range []string{"purchase_frequency", "repeat_rate"} {
		if c := columnsOf(kpiByKey(in, id)); c["order_id"] != "ORDERNUMBER" || c["customer_id"] != "CUSTOMERNAME" {
			t.Errorf("%s columns = %v", id, c)
		}
	}
	if c := columnsOf(kpiByKey(in, "avg_purchase")); c["order_id"] != "ORDERNUMBER" || c["amount"] != "SALES" || c["order_date"] != "ORDERDATE" {
		t.Errorf("avg_purchase columns = %v", c)
	}
	tp := in.Tables[0]
	for name, kind := range map[string]ColumnKind{"ORDERNUMBER": ColIdentifier, "YEAR_ID": ColPeriod, "QTR_ID": ColPeriod, "MONTH_ID": ColPeriod,
		"ORDERLINENUMBER": ColNumber, "PHONE": ColContact, "ADDRESSLINE1": ColContact, "POSTALCODE": ColContact, "CONTACTFIRSTNAME": ColContact, "STATUS": ColCategory} {
		if c := tp.Column(name); c == nil || c.Kind != kind {
			t.Errorf("%s: %+v, want kind %s", name, c, kind)
		}
	}
	wantNoDimension(t, in, "PHONE", "ADDRESSLINE1", "POSTALCODE", "CONTACTFIRSTNAME", "CONTACTLASTNAME", "CUSTOMERNAME", "YEAR_ID", "QTR_ID", "MONTH_ID")
	if !slices.Contains(in.Dimensions, "STATUS") {
		t.Errorf("STATUS is not a dimension: %v", in.Dimensions)
	}
	if !strings.Contains(strings.Join(tp.Notes, " "), `STATUS has a "Cancelled" value, but the rows are not customers`) {
		t.Errorf("notes = %v", tp.Notes)
	}
	vals := allTime(t, in, db)
	wantValue(t, vals, "avg_purchase", 16550.0/8) // 8 orders over 12 lines
	wantValue(t, vals, "purchase_frequency", 2)   // 8 orders, 4 customers
	wantValue(t, vals, "repeat_rate", 75)         // 3 of 4 customers ordered twice or more
}

// One row per bank customer with Exited 0/1: a churn rate (customers are
// the rows); the surname is not a segment.
func TestCustomerFileChurn(t *testing.T) {
	in, db := inferFiles(t, "bank_churn.csv")
	wantKPIs(t, in, "churn_rate")
	if in.Tables[0].Customer != "CustomerId" {
		t.Errorf("customer column %q", in.Tables[0].Customer)
	}
	wantValue(t, allTime(t, in, db), "churn_rate", 20) // 4 of 20 exited
	wantNoDimension(t, in, "Surname", "RowNumber", "CustomerId")
	if got := strings.Join(in.Dimensions, ","); got != "Gender,Geography,HasCrCard,IsActiveMember" {
		t.Errorf("dimensions = %s", got)
	}
	// One customer listed twice still makes a customer file (check reports
	// the repeat and how to count distinct ids).
	in, _ = inferFiles(t, "bank_churn_dupes.csv")
	wantKPIs(t, in, "churn_rate")
}

// City service requests are not customers: resolution times, never
// retention or churn from their created and closed dates.
func TestServiceRequestsAreNotCustomers(t *testing.T) {
	in, db := inferFiles(t, "service_requests.csv")
	wantKPIs(t, in, "resolution_time", "resolution_median", "backlog")
	for _, id := range []string{"retention", "churn"} {
		m := missingByID(in, id)
		if m == nil || !strings.Contains(m.Reason(), "the rows of service_requests are not customers") {
			t.Errorf("%s: %+v, want a note that requests are not customers", id, m)
		}
	}
	vals := allTime(t, in, db)
	wantValue(t, vals, "resolution_time", 6.4) // 96 hours over 15 closed requests
	wantValue(t, vals, "resolution_median", 6) // the 8th of 15: 4 + 2 hours
	wantNoDimension(t, in, "Incident Address", "Incident Zip", "Unique Key")
}

// Inferred custom KPIs get a short label and the built-in's default target
// where they write out a built-in.
func TestShortNamesAndBuiltinTargets(t *testing.T) {
	in, _ := inferFiles(t, "calls.csv")
	fcr := kpiByKey(in, "fcr")
	if fcr.Short != "FCR" || fcr.Target != "{value: 70, warn: 65}" {
		t.Errorf("fcr short %q target %q, want FCR and the built-in's {value: 70, warn: 65}", fcr.Short, fcr.Target)
	}
	for _, k := range in.KPIs {
		if k.Use == "" && len([]rune(k.Name)) > shortLen && (k.Short == "" || len([]rune(k.Short)) > shortLen) {
			t.Errorf("%s: name %q, short %q", k.Key(), k.Name, k.Short)
		}
	}
	if k := kpiByKey(in, "avg_speed_of_answer_seconds"); k.Short != "Speed answer" {
		t.Errorf("speed of answer short = %q", k.Short)
	}
	in, _ = inferFiles(t, "purchases.txt")
	if k := kpiByKey(in, "purchase_frequency"); k.Short != "Purchase freq." || k.Target != "{value: 1.5, warn: 1.4, grain: month}" {
		t.Errorf("purchase_frequency short %q target %q", k.Short, k.Target)
	}
}

// A folder of mixed exports proposes what each file proposes alone: ids
// two tables share are named after their tables, nothing is dropped.
func TestFolderProposesWhatEachFileDoes(t *testing.T) {
	files := []string{"bank_churn.csv", "status.csv", "nps.csv", "nps_survey.csv", "orders_lines.csv", "purchases.txt"}
	type prop struct{ table, id string }
	var alone []prop
	for _, f := range files {
		in, _ := inferFiles(t, f)
		for _, k := range in.KPIs {
			alone = append(alone, prop{k.Source, k.Key()})
		}
	}
	in, _ := inferFiles(t, files...)
	base := map[string]string{}
	for _, r := range in.Renamed {
		base[r.Value] = r.Key
	}
	var together []prop
	for _, k := range in.KPIs {
		id := k.Key()
		if b, ok := base[id]; ok {
			id = b
		}
		together = append(together, prop{k.Source, id})
	}
	less := func(a, b prop) int { return strings.Compare(a.table+"."+a.id, b.table+"."+b.id) }
	slices.SortFunc(alone, less)
	slices.SortFunc(together, less)
	if !slices.Equal(alone, together) {
		t.Errorf("together %v\nalone    %v", together, alone)
	}
	got := keys(in)
	sort.Strings(got)
	want := []string{"avg_purchase_orders_lines", "avg_purchase_purchases", "churn_rate_bank_churn", "churn_rate_status", "csat",
		"nps_nps", "nps_nps_survey", "profit_margin", "purchase_frequency_orders_lines", "purchase_frequency_purchases",
		"repeat_rate_orders_lines", "repeat_rate_purchases", "response_rate"}
	if !slices.Equal(got, want) {
		t.Errorf("KPIs = %v\nwant   %v", got, want)
	}
	if len(in.Skipped) != 0 || len(in.Dropped) != 0 {
		t.Errorf("skipped %v, dropped %v", in.Skipped, in.Dropped)
	}
	text := in.YAML(YAMLOptions{Header: true})
	if !strings.Contains(text, "name: NPS · nps_survey") || !strings.Contains(text, "Named after its table: more than one table has a KPI called nps.") {
		t.Errorf("renamed KPIs not explained:\n%s", text)
	}
}

// Contact details and person names are recognised by the last word of the
// name (before a code, number or line number); a service named after the
// phone is not a phone number.
func TestContactNames(t *testing.T) {
	for name, want := range map[string]bool{
		"PHONE": true, "Phone Number": true, "customer_phone": true, "Customer Email": true, "e-mail": true, "ADDRESSLINE1": true,
		"Incident Address": true, "Postal Code": true, "Zip_Code": true, "POSTALCODE": true, "CONTACTFIRSTNAME": true, "Surname": true,
		"Customer Name": true, "CUSTOMERNAME": true, "name": true,
		"Phone_Service": false, "PhoneService": false, "Email Opt In": false, "Product Name": false, "agent": false, "City": false, "Airline": false,
	} {
		if got := isContactName(schema.Tokens(name)); got != want {
			t.Errorf("isContactName(%q) = %v, want %v", name, got, want)
		}
	}
	for name, want := range map[string]bool{"YEAR_ID": true, "QTR_ID": true, "MONTH_ID": true, "year": true, "fiscal_year": true, "month": true,
		"customer_id": false, "Tenure_in_Months": false, "id": false} {
		if got := isPeriodName(schema.Tokens(name)); got != want {
			t.Errorf("isPeriodName(%q) = %v, want %v", name, got, want)
		}
	}
	for name, want := range map[string]bool{"ORDERNUMBER": true, "order_no": true, "InvoiceNo": true, "Order ID": true, "OrderNr": true,
		"ORDERLINENUMBER": false, "QUANTITYORDERED": false, "order_date": false} {
		if got := isOrderNumber(name); got != want {
			t.Errorf("isOrderNumber(%q) = %v, want %v", name, got, want)
		}
	}
}

// A churn flag counts customers: on a table named for customers with no id
// column it is a churn rate; on a file of calls it is not.
func TestChurnFlagNeedsCustomerRows(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "customers.csv"), "plan,churned\nBasic,Yes\nBasic,No\nPro,No\nPro,No\n")
	in := inferDir(t, dir)
	wantKPIs(t, in, "churn_rate")
	dir = t.TempDir()
	write(t, filepath.Join(dir, "calls.csv"), "agent,customer_id,churned\nAnn,K1,Yes\nAnn,K1,No\nBob,K2,No\nBob,K2,No\n")
	in = inferDir(t, dir)
	wantKPIs(t, in)
	if n := strings.Join(in.Tables[0].Notes, " "); !strings.Contains(n, "churned looks like a churn flag, but the rows are not customers (customer_id names 2 customers on 4 rows)") {
		t.Errorf("notes = %q", n)
	}
}

func inferDir(t *testing.T, dir string) *Inference {
	t.Helper()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tables, err := source.Load(context.Background(), db, []source.Spec{{Path: dir}})
	if err != nil {
		t.Fatal(err)
	}
	in, err := Infer(context.Background(), db, tables)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// A column named csat whose answers are mostly off the 1–5 scale is no
// KPI at all (neither CSAT nor, by its values, NPS); the profile says why.
func TestNamedScoreOffItsScaleIsNoKPI(t *testing.T) {
	dir := t.TempDir()
	csv := "ticket_id,csat\n"
	for i := 0; i < 22; i++ {
		csv += fmt.Sprintf("T%02d,%d\n", i, i%11) // 0–10: 10 of 22 answers on 1–5
	}
	write(t, filepath.Join(dir, "ratings.csv"), csv)
	in := inferDir(t, dir)
	wantKPIs(t, in)
	c := in.Tables[0].Column("csat")
	if c.Kind != ColNumber || c.Note != "named for a CSAT score but only 45% of its answers are 1–5: no KPI is guessed from it" {
		t.Errorf("csat: kind %s, note %q", c.Kind, c.Note)
	}
}

// Online-retail lines (InvoiceNo, Quantity, UnitPrice, no amount): the unit
// price is never taken for an order's value; the average order value is
// Quantity × UnitPrice summed over distinct invoices.
func TestUnitPriceIsNotAnOrderValue(t *testing.T) {
	in, db := inferFiles(t, "online_retail.csv")
	wantKPIs(t, in, "purchase_frequency", "repeat_rate", "avg_purchase")
	if k := kpiByKey(in, "avg_purchase"); k.Use != "" || k.Numerator != "sum(Quantity * UnitPrice)" || k.Denominator != "count(DISTINCT InvoiceNo)" {
		t.Errorf("avg_purchase = %+v", k)
	}
	vals := allTime(t, in, db)
	wantValue(t, vals, "avg_purchase", 206.52/6)  // 8 lines' Quantity × UnitPrice (a −27.50 return among them) over 6 invoices
	wantValue(t, vals, "purchase_frequency", 1.5) // 6 invoices, 4 customers
	wantValue(t, vals, "repeat_rate", 50)         // 17850 and 13047 bought twice
}

// Tickets whose customers happen to be all different are still tickets:
// each row has its own Ticket ID, so no retention or churn from their
// created and closed dates. A snapshot churn rate suggests no target.
func TestTicketsWithUniqueCustomersAreNotCustomers(t *testing.T) {
	dir := t.TempDir()
	csv := "Ticket ID,Customer ID,Created Date,Closed Date,Priority\n"
	for i := 0; i < 10; i++ {
		csv += fmt.Sprintf("T%02d,C%02d,2026-02-%02d 09:00:00,2026-02-%02d 11:00:00,%s\n", i, i, i+1, i+1, []string{"Low", "High"}[i%2])
	}
	write(t, filepath.Join(dir, "helpdesk.csv"), csv)
	in := inferDir(t, dir)
	wantKPIs(t, in, "resolution_time", "resolution_median", "backlog")
	if in.Tables[0].Customers {
		t.Error("the tickets were taken for customers")
	}
	in, _ = inferFiles(t, "bank_churn.csv")
	if k := kpiByKey(in, "churn_rate"); k.Target != "" || k.TargetHint != "" {
		t.Errorf("churn_rate target %q, hint %q", k.Target, k.TargetHint)
	}
}

// A composite whose input two tables both give is left out, and says why:
// init never picks one of them silently.
func TestCompositeOverTwoTablesIsSkippedWithAReason(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "clients.csv"), "customer_id,signup_date,churn_date\nK1,2025-01-05,\nK2,2025-02-01,2025-09-01\nK3,2025-03-01,\n")
	orders := "order_id,customer_id,order_date,amount\nO1,K1,2025-04-01,10\nO2,K2,2025-05-01,20\nO3,K1,2025-06-01,30\n"
	write(t, filepath.Join(dir, "shop_orders.csv"), orders)
	write(t, filepath.Join(dir, "web_orders.csv"), strings.ReplaceAll(orders, "O", "W"))
	in := inferDir(t, dir)
	var clv *Skipped
	for i := range in.Skipped {
		if in.Skipped[i].ID == "clv" {
			clv = &in.Skipped[i]
		}
	}
	if clv == nil || !strings.Contains(clv.Reason, "avg_purchase (in shop_orders and web_orders)") {
		t.Fatalf("skipped = %+v, want clv with its inputs' tables", in.Skipped)
	}
	if kpiByKey(in, "clv") != nil || kpiByKey(in, "avg_purchase_shop_orders") == nil || kpiByKey(in, "avg_purchase_web_orders") == nil || kpiByKey(in, "churn") == nil {
		t.Errorf("KPIs = %v", keys(in))
	}
	if text := in.YAML(YAMLOptions{Header: true}); !strings.Contains(text, "#   clv: its inputs come from more than one table") {
		t.Errorf("the file does not say why clv was left out:\n%s", text)
	}
}
