package sample

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

var tableNames = []string{"customers", "orders", "tickets", "surveys", "spend"}

// small is quick to write but still holds the incident month and a year of
// seasons.
func small() Options {
	o := DefaultOptions()
	o.Customers, o.Months = 400, 14
	return o
}

func write(t *testing.T, opt Options) (string, Summary) {
	t.Helper()
	dir := t.TempDir()
	sum, err := Write(context.Background(), dir, opt)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return dir, sum
}

// open returns a DuckDB with one view per table of dir.
func open(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, name := range tableNames {
		path := filepath.Join(dir, name+".parquet")
		q := fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet('%s')", name, strings.ReplaceAll(path, "'", "''"))
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func value(t *testing.T, db *sql.DB, q string, args ...any) float64 {
	t.Helper()
	var v sql.NullFloat64
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if !v.Valid {
		t.Fatalf("%s: NULL", q)
	}
	return v.Float64
}

func checksums(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	for _, name := range tableNames {
		b, err := os.ReadFile(filepath.Join(dir, name+".parquet"))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = sha256.Sum256(b)
	}
	return out
}

func TestWriteIsDeterministic(t *testing.T) {
	dirA, sumA := write(t, small())
	dirB, sumB := write(t, small())
	a, b := checksums(t, dirA), checksums(t, dirB)
	for _, name := range tableNames {
		if a[name] != b[name] {
			t.Errorf("%s.parquet differs between two runs with the same options", name)
		}
	}
	if fmt.Sprint(sumA) != fmt.Sprint(sumB) {
		t.Errorf("summaries differ: %v vs %v", sumA, sumB)
	}

	other := small()
	other.Seed = 2
	dirC, _ := write(t, other)
	if c := checksums(t, dirC); c["tickets"] == a["tickets"] || c["customers"] == a["customers"] {
		t.Error("a different seed wrote the same data")
	}
}

func TestSchema(t *testing.T) {
	dir, _ := write(t, small())
	db := open(t, dir)
	want := map[string]string{
		"customers": "customer_id VARCHAR, signup_date DATE, churn_date DATE, segment VARCHAR, region VARCHAR, plan VARCHAR, acquisition_channel VARCHAR",
		"orders":    "order_id VARCHAR, customer_id VARCHAR, order_date TIMESTAMP, amount DOUBLE",
		"tickets": "ticket_id VARCHAR, customer_id VARCHAR, channel VARCHAR, priority VARCHAR, team VARCHAR, " +
			"created_at TIMESTAMP, first_response_at TIMESTAMP, resolved_at TIMESTAMP, contacts INTEGER, csat INTEGER, ces INTEGER, reopened INTEGER",
		"surveys": "survey_id VARCHAR, customer_id VARCHAR, sent_at TIMESTAMP, responded_at TIMESTAMP, nps INTEGER",
		"spend":   "month DATE, kind VARCHAR, amount DOUBLE",
	}
	for _, name := range tableNames {
		rows, err := db.Query("SELECT column_name, column_type FROM (DESCRIBE " + name + ")")
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var n, typ string
			if err := rows.Scan(&n, &typ); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, n+" "+typ)
		}
		rows.Close()
		if got := strings.Join(cols, ", "); got != want[name] {
			t.Errorf("%s columns:\n got %s\nwant %s", name, got, want[name])
		}
	}
}

func TestSummaryMatchesFiles(t *testing.T) {
	dir, sum := write(t, small())
	db := open(t, dir)
	var bytes int64
	for _, name := range tableNames {
		n := value(t, db, "SELECT count(*) FROM "+name)
		if n == 0 || int64(n) != sum.Tables[name] {
			t.Errorf("%s: summary says %d rows, file has %v", name, sum.Tables[name], n)
		}
		st, err := os.Stat(filepath.Join(dir, name+".parquet"))
		if err != nil {
			t.Fatal(err)
		}
		bytes += st.Size()
	}
	if bytes != sum.Bytes {
		t.Errorf("summary says %d bytes, files hold %d", sum.Bytes, bytes)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestTicketRowsIsExact(t *testing.T) {
	opt := small()
	opt.TicketRows = 12345
	dir, sum := write(t, opt)
	db := open(t, dir)
	if n := value(t, db, "SELECT count(DISTINCT ticket_id) FROM tickets"); n != 12345 || sum.Tables["tickets"] != 12345 {
		t.Errorf("tickets: %v distinct ids, summary %d; want 12345", n, sum.Tables["tickets"])
	}
	// The other tables do not depend on the ticket count.
	base, _ := write(t, small())
	a, b := checksums(t, dir), checksums(t, base)
	if a["orders"] != b["orders"] || a["customers"] != b["customers"] {
		t.Error("TicketRows changed orders or customers")
	}
}

// TestValuesAreValid checks the rules any real export would meet and that a
// KPI engine reports as data errors when broken.
func TestValuesAreValid(t *testing.T) {
	opt := small()
	dir, _ := write(t, opt)
	db := open(t, dir)
	start := opt.End.AddDate(0, -opt.Months, 0).Format(time.DateOnly)
	end := opt.End.Format(time.DateOnly)
	swept := "hour(resolved_at) = 2 AND minute(resolved_at) < 20 AND resolved_at >= coalesce(first_response_at, created_at) + INTERVAL 7 DAY AND resolved_at < coalesce(first_response_at, created_at) + INTERVAL 8 DAY"
	zero := []struct{ name, q string }{
		{"csat outside 1–5", "SELECT count(*) FROM tickets WHERE csat NOT BETWEEN 1 AND 5"},
		{"ces outside 1–7", "SELECT count(*) FROM tickets WHERE ces NOT BETWEEN 1 AND 7"},
		{"nps outside 0–10", "SELECT count(*) FROM surveys WHERE nps NOT BETWEEN 0 AND 10"},
		{"first response before creation", "SELECT count(*) FROM tickets WHERE first_response_at < created_at"},
		{"resolved before creation", "SELECT count(*) FROM tickets WHERE resolved_at < created_at"},
		{"resolved before first response", "SELECT count(*) FROM tickets WHERE resolved_at < first_response_at"},
		// The nightly sweep (02:00 UTC) closes a ticket left unanswered, or
		// unresolved after its answer, for 7 days: closed with no contacts
		// (and no first response if none came). Every other closing is a
		// resolution with its first response and contacts.
		{"resolved without first response, not by the sweep", "SELECT count(*) FROM tickets WHERE resolved_at IS NOT NULL AND first_response_at IS NULL AND NOT (" + swept + ")"},
		{"contacts without resolution", "SELECT count(*) FROM tickets WHERE (contacts IS NOT NULL AND resolved_at IS NULL) OR contacts < 1"},
		{"resolved without contacts, not by the sweep", "SELECT count(*) FROM tickets WHERE resolved_at IS NOT NULL AND contacts IS NULL AND NOT (" + swept + ")"},
		{"reopened blank, negative or above 2, or on a ticket not resolved", "SELECT count(*) FROM tickets WHERE reopened IS NULL OR reopened NOT BETWEEN 0 AND 2 OR (reopened > 0 AND contacts IS NULL)"},
		{"rating of an unresolved ticket", "SELECT count(*) FROM tickets WHERE resolved_at IS NULL AND (csat IS NOT NULL OR ces IS NOT NULL)"},
		{"nps without response", "SELECT count(*) FROM surveys WHERE (nps IS NULL) <> (responded_at IS NULL) OR responded_at < sent_at"},
		{"ticket outside the window", "SELECT count(*) FROM tickets WHERE created_at < '" + start + "' OR greatest(created_at, first_response_at, resolved_at) >= '" + end + "'"},
		{"order outside the window", "SELECT count(*) FROM orders WHERE order_date < '" + start + "' OR order_date >= '" + end + "'"},
		{"survey outside the window", "SELECT count(*) FROM surveys WHERE sent_at < '" + start + "' OR greatest(sent_at, responded_at) >= '" + end + "'"},
		{"churn not after signup", "SELECT count(*) FROM customers WHERE churn_date <= signup_date OR churn_date >= '" + end + "'"},
		{"customer churned before the window", "SELECT count(*) FROM customers WHERE churn_date < '" + start + "' OR signup_date >= '" + end + "'"},
		{"amount not in cents", "SELECT count(*) FROM orders WHERE amount <= 0 OR round(amount, 2) <> amount"},
		{"duplicate order_id", "SELECT count(*) - count(DISTINCT order_id) FROM orders"},
		{"duplicate customer_id", "SELECT count(*) - count(DISTINCT customer_id) FROM customers"},
		{"unknown customer", "SELECT (SELECT count(*) FROM tickets ANTI JOIN customers USING (customer_id)) + (SELECT count(*) FROM orders ANTI JOIN customers USING (customer_id)) + (SELECT count(*) FROM surveys ANTI JOIN customers USING (customer_id))"},
		{"activity outside the customer's life", "SELECT count(*) FROM tickets JOIN customers USING (customer_id) WHERE created_at < signup_date OR created_at >= churn_date"},
		{"unknown label", `SELECT count(*) FROM tickets WHERE channel NOT IN ('chat','email','phone','web') OR priority NOT IN ('low','normal','high','urgent') OR team NOT IN ('Billing','Technical','Onboarding','Accounts')`},
		{"unknown customer label", `SELECT count(*) FROM customers WHERE segment NOT IN ('Consumer','SMB','Enterprise') OR region NOT IN ('EMEA','North America','APAC','LATAM') OR plan NOT IN ('Basic','Pro','Premium') OR acquisition_channel NOT IN ('Organic','Paid search','Referral','Partner')`},
	}
	for _, c := range zero {
		if n := value(t, db, c.q); n != 0 {
			t.Errorf("%s: %v rows", c.name, n)
		}
	}
	if n := value(t, db, "SELECT count(*) FROM spend"); n != float64(2*opt.Months) {
		t.Errorf("spend has %v rows, want one per kind and month (%d)", n, 2*opt.Months)
	}
	// The last month is a complete period: activity runs to its last day.
	last := opt.End.AddDate(0, 0, -1).Format(time.DateOnly)
	for _, q := range []string{
		"SELECT count(*) FROM tickets WHERE created_at >= '" + last + "'",
		"SELECT count(*) FROM orders WHERE order_date >= '" + last + "'",
	} {
		if value(t, db, q) == 0 {
			t.Errorf("no activity on the last day: %s", q)
		}
	}
}

func TestOptions(t *testing.T) {
	for _, bad := range []Options{{Customers: -1}, {Months: -2}, {TicketRows: -5}} {
		if _, err := Write(context.Background(), t.TempDir(), bad); err == nil {
			t.Errorf("Write(%+v) succeeded", bad)
		}
	}
	got, err := Options{End: time.Date(2026, 11, 17, 13, 0, 0, 0, time.FixedZone("X", 3600))}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultOptions()
	want.Seed = 0
	if got != want {
		t.Errorf("normalize = %+v, want %+v", got, want)
	}
}

func TestWriteHonoursCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opt := small()
	opt.TicketRows = 200_000
	if _, err := Write(ctx, t.TempDir(), opt); !errors.Is(err, context.Canceled) {
		t.Errorf("Write on a cancelled context: %v", err)
	}
}
