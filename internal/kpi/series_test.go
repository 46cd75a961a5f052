package kpi_test

import (
	"errors"
	"testing"
	"time"

	"kpiscope/internal/kpi"
	"kpiscope/internal/store"
)

// seriesFixture: CSAT (rated 4–5 of those rated) by channel over three
// months, the data starting in August.
//
//	       Aug          Sep              Oct
//	chat   5 4   100%   5 1     50%      5 5 2  66.7%  n 3
//	email  2       0%   4 4 2   66.7%    4 1    50%    n 2
//	web    —            3       0%       5      100%   n 1
//	total  2 of 3 66.7% 3 of 6  50%      4 of 6 66.7%  n 6
const seriesFixture = `
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE, churn_date DATE, segment VARCHAR, region VARCHAR, plan VARCHAR);
INSERT INTO customers VALUES ('C1', '2026-01-01', NULL, 'SMB', 'EMEA', 'Basic');
CREATE TABLE tickets (ticket_id VARCHAR, customer_id VARCHAR, channel VARCHAR, priority VARCHAR,
  created_at TIMESTAMP, first_response_at TIMESTAMP, resolved_at TIMESTAMP, contacts INTEGER, csat INTEGER, ces INTEGER);
INSERT INTO tickets VALUES
 ('a1', 'C1', 'chat',  'low', '2026-08-03 00:00', NULL, '2026-08-03 01:00', NULL, 5, NULL),
 ('a2', 'C1', 'chat',  'low', '2026-08-04 00:00', NULL, '2026-08-04 01:00', NULL, 4, NULL),
 ('a3', 'C1', 'email', 'low', '2026-08-05 00:00', NULL, '2026-08-05 01:00', NULL, 2, NULL),
 ('s1', 'C1', 'chat',  'low', '2026-09-03 00:00', NULL, '2026-09-03 01:00', NULL, 5, NULL),
 ('s2', 'C1', 'chat',  'low', '2026-09-04 00:00', NULL, '2026-09-04 01:00', NULL, 1, NULL),
 ('s3', 'C1', 'email', 'low', '2026-09-05 00:00', NULL, '2026-09-05 01:00', NULL, 4, NULL),
 ('s4', 'C1', 'email', 'low', '2026-09-06 00:00', NULL, '2026-09-06 01:00', NULL, 4, NULL),
 ('s5', 'C1', 'email', 'low', '2026-09-07 00:00', NULL, '2026-09-07 01:00', NULL, 2, NULL),
 ('s6', 'C1', 'web',   'low', '2026-09-08 00:00', NULL, '2026-09-08 01:00', NULL, 3, NULL),
 ('o1', 'C1', 'chat',  'low', '2026-10-03 00:00', NULL, '2026-10-03 01:00', NULL, 5, NULL),
 ('o2', 'C1', 'chat',  'low', '2026-10-04 00:00', NULL, '2026-10-04 01:00', NULL, 5, NULL),
 ('o3', 'C1', 'chat',  'low', '2026-10-05 00:00', NULL, '2026-10-05 01:00', NULL, 2, NULL),
 ('o4', 'C1', 'email', 'low', '2026-10-06 00:00', NULL, '2026-10-06 01:00', NULL, 4, NULL),
 ('o5', 'C1', 'email', 'low', '2026-10-07 00:00', NULL, '2026-10-07 01:00', NULL, 1, NULL),
 ('o6', 'C1', 'web',   'low', '2026-10-31 00:00', NULL, '2026-10-31 01:00', NULL, 5, NULL);
`

// TestSeriesPointsAreTheSegmentsValues: each line of the chart is its
// segment's trend, hand-worked above, and each point equals what the engine
// gives for that segment (a filter) in that period, from raw rows and from
// the rollups; lines are chosen by n in the current period.
func TestSeriesPointsAreTheSegmentsValues(t *testing.T) {
	eng := standardEngine(t, openFixture(t, seriesFixture))
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious, Trend: 12}
	aug := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	for _, step := range []struct {
		name string
		opts []kpi.Option
	}{
		{"raw rows", []kpi.Option{kpi.FromScratch()}},
		{"rollups", []kpi.Option{kpi.Uncached()}}, // after BuildRollups below
	} {
		t.Run(step.name, func(t *testing.T) {
			if step.name == "rollups" {
				if err := eng.BuildRollups(t.Context(), nil); err != nil {
					t.Fatal(err)
				}
			}
			set, err := eng.Series(t.Context(), s, "csat", "Channel", 0, 2, step.opts...)
			if err != nil {
				t.Fatal(err)
			}
			// The trend starts where the data does: three periods, not twelve.
			if len(set.Periods) != 3 || !set.Periods[0].Equal(aug) || !set.Periods[2].Equal(oct) {
				t.Fatalf("periods %v, want Aug, Sep, Oct 2026", set.Periods)
			}
			if set.Dim != "channel" || len(set.Ranked) != 3 || len(set.Lines) != 2 {
				t.Fatalf("dim %q, %d ranked, %d lines; want channel, 3, 2", set.Dim, len(set.Ranked), len(set.Lines))
			}
			chat, email := set.Lines[0], set.Lines[1]
			if chat.Segment != "chat" || email.Segment != "email" {
				t.Fatalf("lines %q, %q; want chat, email (largest n in Oct first)", chat.Segment, email.Segment)
			}
			want(t, "chat Aug", chat.Points[0].Value, 100)
			want(t, "chat Sep", chat.Points[1].Value, 50)
			want(t, "chat Oct", chat.Points[2].Value, 200.0/3)
			want(t, "email Aug", email.Points[0].Value, 0)
			want(t, "email Sep", email.Points[1].Value, 200.0/3)
			want(t, "email Oct", email.Points[2].Value, 50)
			if chat.Latest.N != 3 || email.Latest.N != 2 {
				t.Errorf("latest n chat %d, email %d; want 3, 2", chat.Latest.N, email.Latest.N)
			}
			// The total is pooled (4 of 6 in October), not the mean of the lines.
			want(t, "total Aug", set.Total.Points[0].Value, 200.0/3)
			want(t, "total Sep", set.Total.Points[1].Value, 50)
			want(t, "total Oct", set.Total.Points[2].Value, 200.0/3)

			// The next rank: web alone, without an August value.
			rest, err := eng.Series(t.Context(), s, "csat", "channel", 2, 5, step.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if len(rest.Lines) != 1 || rest.Lines[0].Segment != "web" || rest.From != 2 {
				t.Fatalf("from 2: %+v, want web alone", rest.Lines)
			}
			web := rest.Lines[0]
			wantNone(t, "web Aug", web.Points[0].Value)
			want(t, "web Sep", web.Points[1].Value, 0)
			want(t, "web Oct", web.Points[2].Value, 100)

			// Every point is the engine's value for that segment and period.
			for _, line := range append(set.Lines, web) {
				for i, p := range set.Periods {
					ss := kpi.Slice{Grain: kpi.Month, Period: p, Compare: kpi.VsPrevious,
						Filters: []kpi.Filter{{Dim: "channel", Values: []string{line.Segment}}}}
					sc, err := eng.Compute(t.Context(), ss, []string{"csat"}, step.opts...)
					if err != nil {
						t.Fatal(err)
					}
					got, exp := line.Points[i].Value, sc.Find("csat").Total.Value
					if (got == nil) != (exp == nil) || got != nil && *got != *exp {
						t.Errorf("%s %s: series %v, engine %v", line.Segment, p.Format("Jan"), fmtPtr(got), fmtPtr(exp))
					}
				}
			}
		})
	}
}

// TestSeriesBadInput: an unknown dimension names the known ones; a
// dimension the KPI's table lacks says so.
func TestSeriesBadInput(t *testing.T) {
	eng := standardEngine(t, openFixture(t, seriesFixture))
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Trend: 12}
	if _, err := eng.Series(t.Context(), s, "csat", "chanel", 0, 5); err == nil {
		t.Error("unknown dimension: no error")
	}
	if _, err := eng.Series(t.Context(), s, "nope", "channel", 0, 5); err == nil {
		t.Error("unknown KPI: no error")
	}
	// Retention is counted over customers, which have no channel.
	if _, err := eng.Series(t.Context(), s, "retention", "channel", 0, 5); !errors.Is(err, kpi.ErrNotSliceable) {
		t.Errorf("retention by channel: %v, want ErrNotSliceable", err)
	}
}

func fmtPtr(v *float64) any {
	if v == nil {
		return "none"
	}
	return *v
}

// TestSeriesSaysWhyNone: a KPI without trends by a dimension says its own
// reason, once. A table without a date column has no periods (not "cannot
// be split": it can be), and a table that cannot reach the dimension says
// which column it lacks, without "cannot break down by" said twice.
func TestSeriesSaysWhyNone(t *testing.T) {
	db := openFixture(t, `
CREATE TABLE accounts (account_id VARCHAR, contract VARCHAR, churned VARCHAR);
INSERT INTO accounts VALUES ('a', 'monthly', 'Yes'), ('b', 'monthly', 'No'), ('c', 'yearly', 'No')`)
	tables := map[string][]store.Column{}
	tables["accounts"], _ = db.Columns(t.Context(), "accounts")
	defs := []*kpi.Def{{ID: "churn", Name: "Churn rate", Source: "accounts", Type: kpi.Ratio,
		Numerator: "count(*) FILTER (WHERE churned = 'Yes')", Denominator: "count(*)", Scale: 100, Unit: "%", Better: kpi.Lower}}
	eng, err := kpi.New(t.Context(), db, defs, kpi.Options{Now: fixedNow, Dimensions: []string{"contract"}})
	if err != nil {
		t.Fatal(err)
	}
	// The table splits by contract (monthly 1 of 2, yearly 0 of 1), but
	// has no dates: one value, no trend.
	_, err = eng.Series(t.Context(), kpi.Slice{Grain: kpi.Month, Trend: 12}, "churn", "contract", 0, 5)
	var ns *kpi.NoSeriesError
	if !errors.As(err, &ns) || !ns.NoPeriods() || !errors.Is(err, kpi.ErrNoPeriods) || errors.Is(err, kpi.ErrNotSliceable) {
		t.Fatalf("undated: %v, want a NoSeriesError for no periods", err)
	}
	if got, want := err.Error(), "Churn rate has no periods to draw a trend over: its table has no date column"; got != want {
		t.Errorf("undated:\n got %q\nwant %q", got, want)
	}

	// Retention is counted over customers, which have no channel.
	std := standardEngine(t, openFixture(t, seriesFixture))
	_, err = std.Series(t.Context(), kpi.Slice{Grain: kpi.Month, Period: oct, Trend: 12}, "retention", "channel", 0, 5)
	if !errors.As(err, &ns) || ns.NoPeriods() || !errors.Is(err, kpi.ErrNotSliceable) {
		t.Fatalf("retention by channel: %v, want a NoSeriesError for the dimension", err)
	}
	if got, want := err.Error(), `Retention cannot be split by channel: customers has no column "channel" (nor a customer_id leading to one)`; got != want {
		t.Errorf("retention by channel:\n got %q\nwant %q", got, want)
	}
}
