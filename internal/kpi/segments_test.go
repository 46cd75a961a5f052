package kpi_test

import (
	"testing"

	"kpiscope/internal/kpi"
)

// compareOnlyFixture has a channel (fax) with tickets in September and none
// in October.
const compareOnlyFixture = `
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE, churn_date DATE, segment VARCHAR, region VARCHAR, plan VARCHAR);
INSERT INTO customers VALUES
 ('C1', '2026-01-01', NULL, 'SMB', 'EMEA', 'Basic'), ('C2', '2026-01-01', NULL, 'SMB', 'EMEA', 'Basic'),
 ('C3', '2026-01-01', NULL, 'SMB', 'EMEA', 'Basic'), ('C4', '2026-01-01', NULL, 'SMB', 'EMEA', 'Basic');
CREATE TABLE tickets (ticket_id VARCHAR, customer_id VARCHAR, channel VARCHAR, priority VARCHAR,
  created_at TIMESTAMP, first_response_at TIMESTAMP, resolved_at TIMESTAMP, contacts INTEGER, csat INTEGER, ces INTEGER);
INSERT INTO tickets VALUES
 ('t1', 'C1', 'chat', 'low', '2026-09-03 00:00', NULL, '2026-09-03 00:00', NULL, 5, NULL),
 ('t2', 'C2', 'chat', 'low', '2026-09-04 00:00', NULL, '2026-09-04 00:00', NULL, 4, NULL),
 ('t3', 'C3', 'fax',  'low', '2026-09-05 00:00', NULL, '2026-09-05 00:00', NULL, 2, NULL),
 ('t4', 'C4', 'fax',  'low', '2026-09-06 00:00', NULL, '2026-09-06 00:00', NULL, 1, NULL),
 ('t5', 'C1', 'chat', 'low', '2026-10-03 00:00', NULL, '2026-10-03 00:00', NULL, 5, NULL),
 ('t6', 'C2', 'chat', 'low', '2026-10-04 00:00', NULL, '2026-10-04 00:00', NULL, 3, NULL),
 ('t7', 'C2', 'chat', 'low', '2026-10-31 00:00', NULL, '2026-10-31 00:00', NULL, NULL, NULL);
`

// TestSegmentsOnlyInComparison: a breakdown lists the segments with rows in
// the period shown. A segment that had rows only in the comparison period is
// left out of the rows (it has no value, no n and no share now) but its rows
// stay in the comparison total, so the total's delta still tells its story.
func TestSegmentsOnlyInComparison(t *testing.T) {
	eng := standardEngine(t, openFixture(t, compareOnlyFixture))
	s := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsPrevious, Segment: "channel"}
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
			sc, err := eng.Compute(t.Context(), s, []string{"csat"}, step.opts...)
			if err != nil {
				t.Fatal(err)
			}
			csat := sc.Find("csat")
			if csat.Err != nil || csat.SegmentErr != nil {
				t.Fatalf("csat: %v; segments: %v", csat.Err, csat.SegmentErr)
			}
			// October: chat 5, 3 rated (t7 unrated) → 1 of 2 top-2-box = 50%.
			// September: chat 5, 4 → 100%; fax 2, 1 → 0%; pooled 2 of 4 = 50%.
			want(t, "total Oct", csat.Total.Value, 50)
			want(t, "total Sep (fax's rows included)", csat.Total.Compare.Value, 50)
			want(t, "total delta", csat.Total.Delta, 0)
			if len(csat.Segments) != 1 || csat.Segments[0].Segment != "chat" {
				var got []string
				for _, r := range csat.Segments {
					got = append(got, r.Segment)
				}
				t.Fatalf("segments %q, want only chat (fax has no October tickets)", got)
			}
			chat := csat.Segments[0]
			want(t, "chat Oct", chat.Value, 50)
			want(t, "chat Sep", chat.Compare.Value, 100)
			want(t, "chat delta", chat.Delta, -50)
			want(t, "chat share", chat.Share, 1)
			// fax is kept aside for the decomposition of the change
			if len(csat.Vanished) != 1 || csat.Vanished[0].Segment != "fax" || csat.Vanished[0].Value != nil {
				t.Fatalf("vanished %+v, want fax without a value now", csat.Vanished)
			}
			want(t, "fax Sep", csat.Vanished[0].Compare.Value, 0)
		})
	}
}
