// Package sample generates kpiscope's demo dataset: customers, orders,
// tickets, surveys and spend in the standard customer data model, written as
// Parquet. The same Options always give byte-identical files, and the data
// carries stories a demo can find (an incident month, a region that misses its
// CSAT target, plans that churn differently, seasonality, growth).
package sample

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"kpiscope/internal/store"
)

// Options controls generation. Zero Customers, Months and End take the
// defaults; Seed is used as given.
type Options struct {
	// Customers is the number of rows in customers: about a third already
	// active when the window opens, the rest signing up month by month.
	Customers int
	// Months is the number of whole months covered, ending just before End.
	// The incident month is End minus 8 months, when the window reaches it.
	Months int
	// Seed selects the random streams; the same Options give the same bytes.
	Seed int64
	// End is the exclusive end: the first day of the month after the data
	// (a time inside a month means that month's first day, UTC).
	End time.Time
	// TicketRows, when positive, makes tickets exactly this many rows spread
	// over the months in the natural shape (for benchmarks); tickets are then
	// generated and appended one month at a time. Zero gives the natural count.
	TicketRows int
}

// DefaultOptions is the built-in demo dataset: 6,000 customers over the 24
// months November 2024 – October 2026.
func DefaultOptions() Options {
	return Options{Customers: 6000, Months: 24, Seed: 1, End: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
}

// Summary tells what Write produced.
type Summary struct {
	Tables map[string]int64 // rows per table, by table name
	Bytes  int64            // total size of the Parquet files
}

func (o Options) normalize() (Options, error) {
	d := DefaultOptions()
	if o.Customers == 0 {
		o.Customers = d.Customers
	}
	if o.Months == 0 {
		o.Months = d.Months
	}
	if o.End.IsZero() {
		o.End = d.End
	}
	switch {
	case o.Customers < 0:
		return o, fmt.Errorf("sample: Customers must be positive, got %d", o.Customers)
	case o.Months < 0:
		return o, fmt.Errorf("sample: Months must be positive, got %d", o.Months)
	case o.TicketRows < 0:
		return o, fmt.Errorf("sample: TicketRows must be zero or positive, got %d", o.TicketRows)
	}
	e := o.End.UTC()
	o.End = time.Date(e.Year(), e.Month(), 1, 0, 0, 0, 0, time.UTC)
	return o, nil
}

// Write generates the dataset and writes customers.parquet, orders.parquet,
// tickets.parquet, surveys.parquet and spend.parquet into dir, creating it if
// needed and replacing files of those names. Each file is written under a
// temporary name and renamed, so a reader never sees half a file.
func Write(ctx context.Context, dir string, opt Options) (Summary, error) {
	opt, err := opt.normalize()
	if err != nil {
		return Summary{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Summary{}, fmt.Errorf("sample: %w", err)
	}
	spill, err := os.MkdirTemp("", "kpiscope-sample-")
	if err != nil {
		return Summary{}, fmt.Errorf("sample: %w", err)
	}
	defer os.RemoveAll(spill)

	// The generator needs DuckDB's Appender, which store does not expose, so
	// this is the one package besides store that talks to duckdb-go directly.
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return Summary{}, fmt.Errorf("sample: open duckdb: %w", err)
	}
	defer connector.Close()
	db := sql.OpenDB(connector)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("sample: %w", err)
	}
	defer conn.Close()
	// Big benchmark sets spill to a private directory instead of taking the
	// machine's memory; the limit does not change the bytes written.
	for _, q := range []string{"SET memory_limit = '1GB'", "SET temp_directory = " + store.QuoteLiteral(spill)} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return Summary{}, fmt.Errorf("sample: %w", err)
		}
	}

	w := &writer{conn: conn, dir: dir, sum: Summary{Tables: map[string]int64{}}}
	cal := newCalendar(opt.End, opt.Months)
	cs := newCustomers(opt.Seed, opt.Customers, cal)
	for _, t := range tableSpecs(cal, cs, opt) {
		if err := w.write(ctx, t); err != nil {
			return Summary{}, fmt.Errorf("sample: %s: %w", t.name, err)
		}
	}
	return w.sum, nil
}

// tableSpec stages one table in DuckDB with compact columns (indexes, unix
// seconds) and turns it into the standard columns while copying to Parquet.
type tableSpec struct {
	name   string
	raw    string // column definitions of the staging table
	sel    string // SELECT list giving the standard columns and types
	order  string
	append func(ctx context.Context, a *duckdb.Appender) (int64, error)
}

func tableSpecs(cal calendar, cs []customer, opt Options) []tableSpec {
	customerID := "printf('C%06d', customer + 1)::VARCHAR AS customer_id"
	return []tableSpec{{
		name: "customers",
		raw:  "customer INTEGER, signup INTEGER, churn INTEGER, segment UTINYINT, region UTINYINT, plan UTINYINT, channel UTINYINT",
		sel: strings.Join([]string{
			customerID,
			"CAST(DATE '1970-01-01' + signup AS DATE) AS signup_date",
			"CAST(DATE '1970-01-01' + churn AS DATE) AS churn_date",
			label(segments, "segment", "segment"),
			label(regions, "region", "region"),
			label(plans, "plan", "plan"),
			label(acqChans, "channel", "acquisition_channel"),
		}, ", "),
		order: "customer",
		append: func(ctx context.Context, a *duckdb.Appender) (int64, error) {
			for i := range cs {
				c := &cs[i]
				var churn driver.Value
				if c.churnDay > 0 {
					churn = int32(c.churnDay)
				}
				if err := a.AppendRow(int32(i), int32(c.signupDay), churn, c.segment, c.region, c.plan, c.channel); err != nil {
					return 0, err
				}
			}
			return int64(len(cs)), nil
		},
	}, {
		name: "orders",
		raw:  "id BIGINT, customer INTEGER, ts BIGINT, amount DOUBLE",
		sel: strings.Join([]string{
			idColumn("O", 0, "order_id"), customerID,
			"make_timestamp(ts * 1000000) AS order_date", "amount",
		}, ", "),
		order: "id",
		append: func(ctx context.Context, a *duckdb.Appender) (int64, error) {
			var n int64
			for m := range cal.months() {
				if err := ctx.Err(); err != nil {
					return n, err
				}
				for _, o := range orderMonth(opt.Seed, cs, cal, m) {
					n++
					if err := a.AppendRow(n, o.customer, o.at, o.amount); err != nil {
						return n, err
					}
				}
			}
			return n, nil
		},
	}, {
		name: "tickets",
		raw: "id BIGINT, customer INTEGER, channel UTINYINT, priority UTINYINT, team UTINYINT, " +
			"created BIGINT, first_resp BIGINT, resolved BIGINT, contacts INTEGER, csat INTEGER, ces INTEGER, reopened INTEGER",
		sel: strings.Join([]string{
			idColumn("T", opt.TicketRows, "ticket_id"), customerID,
			label(ticketChannels, "channel", "channel"),
			label(priorities, "priority", "priority"),
			label(teams, "team", "team"),
			"make_timestamp(created * 1000000) AS created_at",
			"make_timestamp(first_resp * 1000000) AS first_response_at",
			"make_timestamp(resolved * 1000000) AS resolved_at",
			"contacts", "csat", "ces", "reopened",
		}, ", "),
		order: "id",
		append: func(ctx context.Context, a *duckdb.Appender) (int64, error) {
			return appendTickets(ctx, a, opt, cal, cs)
		},
	}, {
		name: "surveys",
		raw:  "id BIGINT, customer INTEGER, sent BIGINT, responded BIGINT, nps INTEGER",
		sel: strings.Join([]string{
			idColumn("S", 0, "survey_id"), customerID,
			"make_timestamp(sent * 1000000) AS sent_at",
			"make_timestamp(responded * 1000000) AS responded_at",
			"nps",
		}, ", "),
		order: "id",
		append: func(ctx context.Context, a *duckdb.Appender) (int64, error) {
			var n int64
			for m := range cal.months() {
				if err := ctx.Err(); err != nil {
					return n, err
				}
				for _, s := range surveyMonth(opt.Seed, cs, cal, m) {
					n++
					var responded, nps driver.Value
					if s.responded > 0 {
						responded = s.responded
					}
					if s.nps >= 0 {
						nps = s.nps
					}
					if err := a.AppendRow(n, s.customer, s.sent, responded, nps); err != nil {
						return n, err
					}
				}
			}
			return n, nil
		},
	}, {
		name: "spend",
		raw:  "month INTEGER, kind UTINYINT, amount DOUBLE",
		sel: strings.Join([]string{
			"CAST(DATE '1970-01-01' + month AS DATE) AS month",
			label(spendKinds, "kind", "kind"), "amount",
		}, ", "),
		order: "month, kind",
		append: func(ctx context.Context, a *duckdb.Appender) (int64, error) {
			rows := spendRows(opt.Seed, cs, cal)
			for _, s := range rows {
				if err := a.AppendRow(int32(s.month), s.kind, s.amount); err != nil {
					return 0, err
				}
			}
			return int64(len(rows)), nil
		},
	}}
}

// appendTickets streams tickets month by month: one goroutine draws the next
// month while this one appends the current, and at most two months are held.
func appendTickets(ctx context.Context, a *duckdb.Appender, opt Options, cal calendar, cs []customer) (int64, error) {
	counts := ticketCounts(opt.Seed, cs, cal, opt.TicketRows)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	months := make(chan []ticket, 1)
	go func() {
		defer close(months)
		for m, n := range counts {
			select {
			case months <- ticketMonth(opt.Seed, cs, cal, m, n):
			case <-ctx.Done():
				return
			}
		}
	}()
	var n int64
	for ts := range months {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		for i := range ts {
			t := &ts[i]
			n++
			if err := a.AppendRow(n, t.customer, t.channel, t.priority, t.team, t.created,
				nullInt64(t.firstResp), nullInt64(t.resolved),
				nullInt32(t.contacts), nullInt32(t.csat), nullInt32(t.ces), t.reopened); err != nil {
				return n, err
			}
		}
	}
	return n, ctx.Err()
}

func nullInt64(v int64) driver.Value {
	if v == 0 {
		return nil
	}
	return v
}

func nullInt32(v int32) driver.Value {
	if v == 0 {
		return nil
	}
	return v
}

// label renders an index column as its string label.
func label(labels []string, col, as string) string {
	return fmt.Sprintf("(%s)[%s + 1]::VARCHAR AS %s", store.QuoteList(labels), col, as)
}

// idColumn renders a sequence number as a zero-padded ID with the prefix;
// seven digits, more when rows needs them.
func idColumn(prefix string, rows int, as string) string {
	width := max(7, len(strconv.Itoa(rows)))
	return fmt.Sprintf("printf(%s, id)::VARCHAR AS %s", store.QuoteLiteral(fmt.Sprintf("%s%%0%dd", prefix, width)), as)
}

type writer struct {
	conn *sql.Conn
	dir  string
	sum  Summary
}

func (w *writer) write(ctx context.Context, t tableSpec) error {
	raw := "raw_" + t.name
	if _, err := w.conn.ExecContext(ctx, "CREATE TABLE "+raw+" ("+t.raw+")"); err != nil {
		return err
	}
	var rows int64
	err := w.conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", raw)
		if err != nil {
			return err
		}
		rows, err = t.append(ctx, a)
		return errors.Join(err, a.CloseWithCancel(ctx))
	})
	if err != nil {
		return err
	}
	final := filepath.Join(w.dir, t.name+".parquet")
	tmp := final + ".tmp"
	// ORDER BY makes the row order, and so the bytes, independent of threads.
	q := fmt.Sprintf("COPY (SELECT %s FROM %s ORDER BY %s) TO %s (FORMAT parquet, COMPRESSION zstd)",
		t.sel, raw, t.order, store.QuoteLiteral(tmp))
	if _, err := w.conn.ExecContext(ctx, q); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return err
	}
	if _, err := w.conn.ExecContext(ctx, "DROP TABLE "+raw); err != nil {
		return err
	}
	st, err := os.Stat(final)
	if err != nil {
		return err
	}
	w.sum.Tables[t.name] = rows
	w.sum.Bytes += st.Size()
	return nil
}
