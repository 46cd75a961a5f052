package source

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/store"
)

// write creates files under dir (parents included) and returns dir.
func write(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type fileState struct {
	mode  fs.FileMode
	size  int64
	mtime time.Time
	sum   [32]byte
}

// snapshot records every file under dir: Load must only ever read.
func snapshot(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		s := fileState{mode: st.Mode(), size: st.Size(), mtime: st.ModTime()}
		if st.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s.sum = sha256.Sum256(b)
		}
		out[p] = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// load runs Load on a fresh in-memory database and checks that dir is
// exactly as it was before (no file created, changed or removed).
func load(t *testing.T, dir string, specs ...Spec) (*store.DB, []Table, error) {
	t.Helper()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	before := snapshot(t, dir)
	tables, err := Load(context.Background(), db, specs)
	if after := snapshot(t, dir); !reflect.DeepEqual(before, after) {
		t.Errorf("Load changed the source directory:\nbefore %v\nafter  %v", before, after)
	}
	return db, tables, err
}

func mustLoad(t *testing.T, dir string, specs ...Spec) (*store.DB, []Table) {
	t.Helper()
	db, tables, err := load(t, dir, specs...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return db, tables
}

func query(t *testing.T, db *store.DB, q string) []any {
	t.Helper()
	rows, err := db.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if len(rows.Data) != 1 {
		t.Fatalf("%s: %d rows", q, len(rows.Data))
	}
	return rows.Data[0]
}

func colTypes(tb Table) map[string]string {
	out := map[string]string{}
	for _, c := range tb.Columns {
		out[c.Name] = c.Type
	}
	return out
}

func colNames(tb Table) []string {
	var out []string
	for _, c := range tb.Columns {
		out = append(out, c.Name)
	}
	return out
}

const tickets = "ticket_id,channel,csat,resolved_at\n1,chat,5,2026-01-03\n2,email,4,2026-01-09\n3,phone,2,2026-02-15\n"

// writeParquet writes a Parquet file with DuckDB, as an export tool would.
func writeParquet(t *testing.T, path, selectSQL string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Exec(context.Background(), fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet)", selectSQL, store.QuoteLiteral(path))); err != nil {
		t.Fatal(err)
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"tickets.csv":             tickets,
		"2024 Sales-Report.csv":   "a,b\n1,2\n",
		"exports/t_2026_01.csv":   tickets,
		"exports/t_2026_02.csv":   tickets,
		"exports/t_2026_03.csv":   tickets,
		"exports/readme.md":       "not data",
		"mixed/a.csv":             tickets,
		"empty.csv":               "",
		"nodata/notes.md":         "not data",
		"book.xlsx":               "PK",
		"parts/orders/p1.csv":     tickets,
		"parts/orders/p2.csv":     tickets,
		"parts/customers.csv":     "customer_id\n1\n",
		"parts/orders/ignore.md":  "x",
		"parts/notes/not_data.md": "x",
		// Hidden entries are not data: Jupyter checkpoints and the
		// AppleDouble files macOS leaves on copied folders.
		"parts/.ipynb_checkpoints/orders-checkpoint.csv": tickets,
		"parts/._customers.csv":                          "\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X",
	})
	writeParquet(t, filepath.Join(dir, "mixed/b.parquet"), "SELECT 1 AS x")
	writeParquet(t, filepath.Join(dir, "pq/customers.parquet"), "SELECT 1 AS customer_id")
	writeParquet(t, filepath.Join(dir, "pq/orders.parquet"), "SELECT 1 AS order_id")
	p := func(s string) string { return filepath.Join(dir, s) }
	type want struct {
		name  string
		fmt   Format
		files []string
	}
	cases := []struct {
		name string
		spec Spec
		want []want
		err  string
	}{
		{"single CSV", Spec{Path: p("tickets.csv")}, []want{{"tickets", CSV, []string{p("tickets.csv")}}}, ""},
		{"named CSV", Spec{Name: "t", Path: p("tickets.csv")}, []want{{"t", CSV, []string{p("tickets.csv")}}}, ""},
		{"odd file name", Spec{Path: p("2024 Sales-Report.csv")}, []want{{"t_2024_sales_report", CSV, []string{p("2024 Sales-Report.csv")}}}, ""},
		{"named glob", Spec{Name: "tickets", Path: p("exports/t_*.csv")}, []want{{"tickets", CSV, []string{p("exports/t_2026_01.csv"), p("exports/t_2026_02.csv"), p("exports/t_2026_03.csv")}}}, ""},
		{"unnamed glob", Spec{Path: p("exports/t_*.csv")}, []want{{"t", CSV, []string{p("exports/t_2026_01.csv"), p("exports/t_2026_02.csv"), p("exports/t_2026_03.csv")}}}, ""},
		{"glob skips non-data files", Spec{Name: "x", Path: p("exports/*")}, []want{{"x", CSV, []string{p("exports/t_2026_01.csv"), p("exports/t_2026_02.csv"), p("exports/t_2026_03.csv")}}}, ""},
		{"directory of Parquet files", Spec{Path: p("pq")}, []want{{"customers", Parquet, []string{p("pq/customers.parquet")}}, {"orders", Parquet, []string{p("pq/orders.parquet")}}}, ""},
		{"directory with a partitioned table", Spec{Path: p("parts")}, []want{{"customers", CSV, []string{p("parts/customers.csv")}}, {"orders", CSV, []string{p("parts/orders/p1.csv"), p("parts/orders/p2.csv")}}}, ""},
		{"mixed glob", Spec{Path: p("mixed/*")}, nil, "mixes CSV and Parquet"},
		{"missing file", Spec{Path: p("nosuch.csv")}, nil, "no such file"},
		{"empty file", Spec{Path: p("empty.csv")}, nil, "empty"},
		{"glob matching nothing", Spec{Path: p("exports/*.parquet")}, nil, "no CSV or Parquet files match"},
		{"directory without data", Spec{Path: p("nodata")}, nil, "no CSV or Parquet files"},
		{"unknown file type", Spec{Path: p("book.xlsx")}, nil, ".xlsx"},
		{"no path", Spec{Name: "x"}, nil, "no path"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			groups, err := Resolve(tc.spec)
			if tc.err != "" {
				var se *Error
				if !errors.As(err, &se) {
					t.Fatalf("err = %v (%T), want a *source.Error", err, err)
				}
				if !strings.Contains(err.Error(), tc.err) {
					t.Errorf("err = %q, want it to say %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, g := range groups {
				got = append(got, want{g.name, g.fmt, g.files})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestLoadSingleCSV(t *testing.T) {
	dir := write(t, t.TempDir(), map[string]string{"tickets.csv": tickets})
	db, tables := mustLoad(t, dir, Spec{Path: filepath.Join(dir, "tickets.csv")})
	if len(tables) != 1 {
		t.Fatalf("%d tables", len(tables))
	}
	tb := tables[0]
	if tb.Name != "tickets" || tb.Format != CSV || tb.Rows != 3 || tb.View {
		t.Errorf("table %+v", tb)
	}
	if got := colNames(tb); !reflect.DeepEqual(got, []string{"ticket_id", "channel", "csat", "resolved_at"}) {
		t.Errorf("columns %v", got)
	}
	ty := colTypes(tb)
	if ty["csat"] != "BIGINT" || ty["channel"] != "VARCHAR" || ty["resolved_at"] != "DATE" {
		t.Errorf("types %v", ty)
	}
	if got := query(t, db, "SELECT sum(csat) FROM tickets")[0]; fmt.Sprint(got) != "11" {
		t.Errorf("sum(csat) = %v", got)
	}
}

func TestLoadNamedGlob(t *testing.T) {
	dir := write(t, t.TempDir(), map[string]string{
		"exports/t_1.csv": "ticket_id,csat\n1,5\n2,4\n",
		"exports/t_2.csv": "ticket_id,csat\n3,3\n",
		"exports/t_3.csv": "ticket_id,csat\n4,1\n5,2\n6,5\n",
	})
	db, tables := mustLoad(t, dir, Spec{Name: "tickets", Path: filepath.Join(dir, "exports", "t_*.csv")})
	if len(tables) != 1 || tables[0].Name != "tickets" || tables[0].Rows != 6 || len(tables[0].Files) != 3 {
		t.Fatalf("tables %+v", tables)
	}
	if got := query(t, db, "SELECT sum(csat), count(DISTINCT ticket_id) FROM tickets"); fmt.Sprint(got) != "[20 6]" {
		t.Errorf("sum, distinct ids = %v", got)
	}
}

func TestLoadParquetDirectory(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "customers.parquet"), "SELECT i AS customer_id, 'EMEA' AS region FROM range(10) r(i)")
	writeParquet(t, filepath.Join(dir, "orders.parquet"), "SELECT i AS order_id, i % 10 AS customer_id, i * 1.5 AS amount FROM range(25) r(i)")
	db, tables := mustLoad(t, dir, Spec{Path: dir})
	if len(tables) != 2 {
		t.Fatalf("%d tables: %+v", len(tables), tables)
	}
	want := map[string]int64{"customers": 10, "orders": 25}
	for _, tb := range tables {
		if tb.Format != Parquet || !tb.View || tb.Rows != want[tb.Name] || len(tb.Files) != 1 {
			t.Errorf("table %+v", tb)
		}
	}
	if got := query(t, db, "SELECT sum(amount) FROM orders")[0]; fmt.Sprint(got) != "450" {
		t.Errorf("sum(amount) = %v", got)
	}
}

func TestLoadCSVDialects(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		delim  string
		cols   []string
		types  map[string]string
		checks map[string]string // query → result
	}{
		{
			name:  "byte-order mark",
			body:  "\ufeffRow ID,Order ID,Sales\r\n1,CA-1,261.96\r\n2,CA-1,731.94\r\n3,CA-2,14.62\r\n",
			cols:  []string{"Row ID", "Order ID", "Sales"},
			types: map[string]string{"Row ID": "BIGINT", "Sales": "DOUBLE"},
			checks: map[string]string{
				`SELECT count("Row ID"), count(DISTINCT "Order ID") FROM t`: "[3 2]",
			},
		},
		{
			name:  "semicolon, detected",
			body:  "id;region;amount\n1;EMEA;10.5\n2;APAC;3\n3;EMEA;1.25\n",
			cols:  []string{"id", "region", "amount"},
			types: map[string]string{"amount": "DOUBLE", "region": "VARCHAR"},
			checks: map[string]string{
				"SELECT sum(amount) FROM t WHERE region = 'EMEA'": "[11.75]",
			},
		},
		{
			name:  "semicolon, given",
			body:  "id;region;amount\n1;EMEA;10.5\n2;APAC;3\n",
			delim: ";",
			cols:  []string{"id", "region", "amount"},
			types: map[string]string{"amount": "DOUBLE"},
		},
		{
			name: "blank sentinels are NULL and keep numeric types",
			body: "id,amount,visits,label,joined\n" +
				"1,1.5,3,a,2026-01-02\n" +
				"2, ,N/A,b, \n" +
				"3,N/A,,c,N/A\n" +
				"4,,4,,\n" +
				"5,2.25,5,e,2026-03-04\n",
			cols:  []string{"id", "amount", "visits", "label", "joined"},
			types: map[string]string{"amount": "DOUBLE", "visits": "BIGINT", "label": "VARCHAR", "joined": "DATE"},
			checks: map[string]string{
				"SELECT count(amount), sum(amount), count(visits), sum(visits), count(label), count(joined), count(*) FROM t": "[2 3.75 3 12 4 2 5]",
			},
		},
		{
			name:  "US dates (M/D/YYYY)",
			body:  "order_id,order_date,amount\n1,1/13/2021,5\n2,12/1/2021,6\n3,3/4/2021,7\n",
			cols:  []string{"order_id", "order_date", "amount"},
			types: map[string]string{"order_date": "DATE"},
			checks: map[string]string{
				"SELECT strftime(order_date, '%Y-%m-%d') FROM t WHERE order_id = 3": "[2021-03-04]",
				"SELECT strftime(order_date, '%Y-%m-%d') FROM t WHERE order_id = 2": "[2021-12-01]",
			},
		},
		{
			name:  "quoted fields with delimiters and CRLF",
			body:  "Airline,CustomerID,How likely are you to recommend this airline?\r\n\"Schmeler, Schimmel and Collier\",013d950,6\r\n\"Prep Air\",e3bd6ff,9\r\n",
			cols:  []string{"Airline", "CustomerID", "How likely are you to recommend this airline?"},
			types: map[string]string{"How likely are you to recommend this airline?": "BIGINT", "CustomerID": "VARCHAR"},
			checks: map[string]string{
				`SELECT sum("How likely are you to recommend this airline?") FROM t WHERE Airline LIKE 'Schmeler,%'`: "[6]",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := write(t, t.TempDir(), map[string]string{"data.csv": tc.body})
			db, tables := mustLoad(t, dir, Spec{Name: "t", Path: filepath.Join(dir, "data.csv"), Delimiter: tc.delim})
			tb := tables[0]
			if got := colNames(tb); !reflect.DeepEqual(got, tc.cols) {
				t.Errorf("columns %q, want %q", got, tc.cols)
			}
			ty := colTypes(tb)
			for c, want := range tc.types {
				if ty[c] != want {
					t.Errorf("%s is %s, want %s", c, ty[c], want)
				}
			}
			for q, want := range tc.checks {
				if got := fmt.Sprint(query(t, db, q)); got != want {
					t.Errorf("%s = %s, want %s", q, got, want)
				}
			}
		})
	}
}

// TestLoadWhitespaceAligned: CDNOW-style files are split on runs of spaces;
// identifiers keep leading zeros, YYYYMMDD becomes a date and amounts keep
// their cents.
func TestLoadWhitespaceAligned(t *testing.T) {
	cases := []struct {
		name  string
		body  string
		cols  []string
		types map[string]string
		sums  string
	}{
		{
			name:  "with a header",
			body:  " customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n 00002 19970112  5   77.00\r\n 00003 19970102  2   20.76\r\n",
			cols:  []string{"customer_id", "date", "number_of_cds", "dollar_value"},
			types: map[string]string{"customer_id": "VARCHAR", "date": "DATE", "number_of_cds": "BIGINT", "dollar_value": "DOUBLE"},
		},
		{
			name:  "without a header",
			body:  "00001 19970101  1   11.77\n00002 19970112  1   12.00\n00002 19970112  5   77.00\n00003 19970102  2   20.76\n",
			cols:  []string{"column0", "column1", "column2", "column3"},
			types: map[string]string{"column2": "BIGINT", "column3": "DOUBLE"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := write(t, t.TempDir(), map[string]string{"cdnow.txt": tc.body})
			db, tables := mustLoad(t, dir, Spec{Path: filepath.Join(dir, "cdnow.txt")})
			tb := tables[0]
			if tb.Name != "cdnow" || tb.Rows != 4 {
				t.Errorf("table %+v", tb)
			}
			if got := colNames(tb); !reflect.DeepEqual(got, tc.cols) {
				t.Fatalf("columns %q, want %q", got, tc.cols)
			}
			ty := colTypes(tb)
			for c, want := range tc.types {
				if ty[c] != want {
					t.Errorf("%s is %s, want %s", c, ty[c], want)
				}
			}
			amount, cds := store.QuoteIdent(tc.cols[3]), store.QuoteIdent(tc.cols[2])
			got := fmt.Sprint(query(t, db, fmt.Sprintf("SELECT round(sum(%s), 2), sum(%s) FROM cdnow", amount, cds)))
			if got != "[121.53 9]" {
				t.Errorf("sum(dollars), sum(cds) = %s, want [121.53 9]", got)
			}
			if tc.types["customer_id"] != "" {
				if got := fmt.Sprint(query(t, db, "SELECT min(customer_id), strftime(min(date), '%Y-%m-%d') FROM cdnow")); got != "[00001 1997-01-01]" {
					t.Errorf("min id, date = %s", got)
				}
			}
		})
	}
}

// manyTickets is a valid tickets file larger than 64 KiB.
func manyTickets(n int) string {
	var b strings.Builder
	b.WriteString("ticket_id,channel,csat,resolved_at\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d,chat,%d,2026-01-%02d\n", i, i%5+1, i%28+1)
	}
	return b.String()
}

// TestLoadErrors: each problem is a *source.Error that names the file (and
// the line, for a row that cannot be read) and the fix.
func TestLoadErrors(t *testing.T) {
	big := manyTickets(5000) // lines 1..5001
	cases := []struct {
		name  string
		files map[string]string
		setup func(t *testing.T, dir string)
		specs func(dir string) []Spec
		path  string // want Error.Path to end with this
		msg   string // and the message to contain this
	}{
		{name: "ragged row", files: map[string]string{"t.csv": "a,b,c\n1,2,3\n4,5\n6,7,8\n"}, path: "t.csv:3", msg: "different number of fields"},
		{name: "extra field", files: map[string]string{"t.csv": "a,b,c\n1,2,3\n4,5,6,7\n"}, path: "t.csv:3", msg: "different number of fields"},
		{name: "ragged row beyond 64 KiB", files: map[string]string{"t.csv": big + "5001,chat,4\n5002,chat,4,2026-01-02\n"}, path: "t.csv:5002", msg: "different number of fields"},
		{name: "ragged row in a glob", files: map[string]string{"t_1.csv": "a,b\n1,2\n", "t_2.csv": "a,b\n1,2\n3\n"}, specs: func(dir string) []Spec {
			return []Spec{{Name: "t", Path: filepath.Join(dir, "t_*.csv")}}
		}, path: "t_2.csv:3", msg: "different number of fields"},
		{name: "unterminated quote", files: map[string]string{"t.csv": "a,b,c\n1,2,3\n4,\"5,6\n7,8,9\n"}, path: "t.csv:3"},
		{name: "empty file", files: map[string]string{"t.csv": ""}, path: "t.csv", msg: "empty"},
		{name: "header-only file", files: map[string]string{"t.csv": "a,b,c\n"}, path: "t.csv", msg: "no data rows"},
		{name: "header and blank lines", files: map[string]string{"t.csv": "a,b,c\r\n\r\n\r\n"}, path: "t.csv", msg: "no data rows"},
		{name: "binary file", files: map[string]string{"t.csv": "\x00\x01\x02\x00\x00\n\x01\x02\x00\x00\n"}, path: "t.csv", msg: "looks like a binary file"},
		{name: "xlsx named .csv", files: map[string]string{"t.csv": "PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00!\x00\n\x01\x02\x00\x00\n"}, path: "t.csv", msg: "is a ZIP archive (an Excel workbook?)"},
		{name: "binary file named .parquet", files: map[string]string{"t.parquet": "this is not parquet\n"}, path: "t.parquet", msg: "Parquet"},
		{name: "missing file", path: "t.csv", msg: "no such file"},
		{name: "mixed CSV and Parquet glob", files: map[string]string{"m/a.csv": "a\n1\n"}, setup: func(t *testing.T, dir string) {
			writeParquet(t, filepath.Join(dir, "m", "b.parquet"), "SELECT 1 AS a")
		}, specs: func(dir string) []Spec { return []Spec{{Name: "m", Path: filepath.Join(dir, "m", "*")}} }, path: ".parquet", msg: "mixes CSV and Parquet"},
		{name: "duplicate table names", files: map[string]string{"a/tickets.csv": "a\n1\n", "b/tickets.csv": "a\n2\n"}, specs: func(dir string) []Spec {
			return []Spec{{Path: filepath.Join(dir, "a", "tickets.csv")}, {Path: filepath.Join(dir, "b", "tickets.csv")}}
		}, path: "tickets.csv", msg: `"tickets" is used twice`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := write(t, t.TempDir(), tc.files)
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			specs := []Spec{{Path: filepath.Join(dir, "t.csv")}}
			if tc.specs != nil {
				specs = tc.specs(dir)
			} else if _, ok := tc.files["t.parquet"]; ok {
				specs = []Spec{{Path: filepath.Join(dir, "t.parquet")}}
			}
			_, _, err := load(t, dir, specs...)
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want a *source.Error", err, err)
			}
			if !strings.HasSuffix(se.Path, tc.path) {
				t.Errorf("Path = %q, want it to end with %q (err %q)", se.Path, tc.path, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to say %q", err, tc.msg)
			}
			if se.Fix == "" && !strings.Contains(se.Msg, ";") {
				t.Errorf("err = %q says no fix", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("err spans lines: %q", err)
			}
		})
	}
}

// TestLoadOriginPrefix: a source from kpiscope.yaml says where it was defined.
func TestLoadOriginPrefix(t *testing.T) {
	dir := t.TempDir()
	_, _, err := load(t, dir, Spec{Name: "t", Path: filepath.Join(dir, "nosuch.csv"), Origin: "/cfg/kpiscope.yaml:3"})
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T)", err, err)
	}
	if !strings.HasPrefix(err.Error(), "/cfg/kpiscope.yaml:3: ") || !strings.Contains(err.Error(), "nosuch.csv") {
		t.Errorf("err = %q", err)
	}
}

func TestParseArg(t *testing.T) {
	cases := map[string]Spec{
		"data/t.csv":                  {Path: "data/t.csv"},
		"tickets=exports/t_*.parquet": {Name: "tickets", Path: "exports/t_*.parquet"},
		"a b=c.csv":                   {Path: "a b=c.csv"}, // not a table name: the whole argument is a path
		"x=y=z.csv":                   {Name: "x", Path: "y=z.csv"},
	}
	for arg, want := range cases {
		if got := ParseArg(arg); !reflect.DeepEqual(got, want) {
			t.Errorf("ParseArg(%q) = %+v, want %+v", arg, got, want)
		}
	}
}
