package source

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// In a folder, CSV files with one header whose names differ only in their
// digits are one table; files with their own header stay one table each; a
// folder of nothing but same-header CSVs is one table named after it.
func TestResolvePartitionFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"mixed/tickets.csv":              tickets,
		"mixed/customers.csv":            "customer_id,region\n1,EMEA\n",
		"mixed/orders_2024-01.csv":       "order_id,amount\n1,2\n",
		"mixed/orders_2024-02.csv":       "order_id,amount\n2,3\n",
		"mixed/orders_2024-03.csv":       "order_id,amount\n3,4\n",
		"mixed/report_1.csv":             "a,b\n1,2\n", // same shape of name, other headers:
		"mixed/report_2.csv":             "a,c\n1,2\n", // separate tables
		"mixed/sample/orders.csv":        "order_id\n1\n",
		"sample/tickets.csv":             tickets,
		"sample/customers.csv":           "customer_id,region\n1,EMEA\n",
		"sample/orders.csv":              "order_id,amount\n1,2\n",
		"sample/surveys.csv":             "survey_id,nps\n1,9\n",
		"backup/tickets.csv":             tickets, // same header, no digits, few files:
		"backup/tickets_old.csv":         tickets, // kept apart (a copy would count twice)
		"daily/0001.csv":                 tickets,
		"daily/0002.csv":                 tickets,
		"bom/\ufeffignored_but_ok_1.csv": "x\n1\n",
	})
	var uuids []string
	for i := 0; i < minParts; i++ {
		name := fmt.Sprintf("export-%c%c.csv", 'a'+i, 'k'+i)
		uuids = append(uuids, filepath.Join(dir, "Exports 2026", name))
		write(t, dir, map[string]string{filepath.Join("Exports 2026", name): tickets})
	}
	p := func(s string) string { return filepath.Join(dir, s) }
	type want struct {
		name  string
		files []string
		path  string
	}
	cases := []struct {
		dir  string
		want []want
	}{
		{"mixed", []want{
			{"customers", []string{p("mixed/customers.csv")}, ""},
			{"orders", []string{p("mixed/orders_2024-01.csv"), p("mixed/orders_2024-02.csv"), p("mixed/orders_2024-03.csv")}, p("mixed/orders_*-*.csv")},
			{"report_1", []string{p("mixed/report_1.csv")}, ""},
			{"report_2", []string{p("mixed/report_2.csv")}, ""},
			{"sample", []string{p("mixed/sample/orders.csv")}, ""},
			{"tickets", []string{p("mixed/tickets.csv")}, ""},
		}},
		{"sample", []want{
			{"customers", []string{p("sample/customers.csv")}, ""},
			{"orders", []string{p("sample/orders.csv")}, ""},
			{"surveys", []string{p("sample/surveys.csv")}, ""},
			{"tickets", []string{p("sample/tickets.csv")}, ""},
		}},
		{"backup", []want{{"tickets", []string{p("backup/tickets.csv")}, ""}, {"tickets_old", []string{p("backup/tickets_old.csv")}, ""}}},
		{"daily", []want{{"daily", []string{p("daily/0001.csv"), p("daily/0002.csv")}, p("daily/*.csv")}}},
		{"Exports 2026", []want{{"exports_2026", uuids, p("Exports 2026")}}},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			groups, err := Resolve(Spec{Path: p(tc.dir)})
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, g := range groups {
				got = append(got, want{g.name, g.files, g.path})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// 400 partition files load as one table in one scan, with every row; a
// later file whose values do not fit the sampled types still loads.
func TestLoadPartitionFolder(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for i := 0; i < 400; i++ {
		amount := fmt.Sprint(i)
		if i == 377 {
			amount = "12.5" // not an integer: the sampled BIGINT does not hold it
		}
		files[fmt.Sprintf("sales/sales_%04d.csv", i)] = fmt.Sprintf("order_id,day,amount\n%d,2026-01-%02d,%s\n%d,2026-02-01,1\n", i, 1+i%28, amount, 1000+i)
	}
	write(t, dir, files)
	db, tables := mustLoad(t, dir, Spec{Path: filepath.Join(dir, "sales")})
	if len(tables) != 1 {
		var names []string
		for _, tb := range tables {
			names = append(names, tb.Name)
		}
		t.Fatalf("%d tables (%s…), want one", len(tables), strings.Join(names[:min(5, len(names))], ", "))
	}
	tb := tables[0]
	if tb.Name != "sales" || tb.Rows != 800 || len(tb.Files) != 400 {
		t.Errorf("table %s: %d rows from %d files, want sales: 800 rows from 400 files", tb.Name, tb.Rows, len(tb.Files))
	}
	r, err := db.Query(t.Context(), "SELECT typeof(amount), typeof(day), sum(amount) FROM sales GROUP BY ALL")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Data) != 1 || r.Data[0][0] != "DOUBLE" || r.Data[0][1] != "DATE" {
		t.Errorf("types and sum %v, want DOUBLE amounts and DATE days", r.Data)
	}
}
