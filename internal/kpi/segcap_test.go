package kpi_test

import (
	"fmt"
	"testing"

	"kpiscope/internal/kpi"
)

// manySegmentsFixture has 55 channels in October 2026: channel cNN has NN
// rated tickets (c01 one, c55 fifty-five), each scored 5.
const manySegmentsFixture = `
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE, churn_date DATE, segment VARCHAR, region VARCHAR, plan VARCHAR);
INSERT INTO customers VALUES ('C1', '2026-01-01', NULL, 'SMB', 'EMEA', 'Basic');
CREATE TABLE tickets (ticket_id VARCHAR, customer_id VARCHAR, channel VARCHAR, priority VARCHAR,
  created_at TIMESTAMP, first_response_at TIMESTAMP, resolved_at TIMESTAMP, contacts INTEGER, csat INTEGER, ces INTEGER);
INSERT INTO tickets
  SELECT 't' || c.i || '-' || k.j, 'C1', 'c' || lpad(c.i::VARCHAR, 2, '0'), 'low',
         TIMESTAMP '2026-10-05', NULL, TIMESTAMP '2026-10-05', NULL, 5, NULL
  FROM range(1, 56) c(i), range(1, 56) k(j) WHERE k.j <= c.i;
`

// TestSegmentCapPerRequest: the cap on a breakdown's segments is the
// request's choice. The engine's default keeps the 50 largest; a slice can
// ask for fewer, or for every segment (the explorer scrolls through all of
// them); each answer is cached under its own cap.
func TestSegmentCapPerRequest(t *testing.T) {
	eng := standardEngine(t, openFixture(t, manySegmentsFixture))
	base := kpi.Slice{Grain: kpi.Month, Period: oct, Compare: kpi.VsTarget, Segment: "channel"}
	for _, tc := range []struct {
		name      string
		max       int
		rows, cut int
		first     string
		last      string
	}{
		{"engine default", 0, 50, 5, "c55", "c06"},
		{"all", kpi.AllSegments, 55, 0, "c55", "c01"},
		{"three", 3, 3, 52, "c55", "c53"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			s.MaxSegments = tc.max
			sc, err := eng.Compute(t.Context(), s, []string{"csat"})
			if err != nil {
				t.Fatal(err)
			}
			r := sc.Find("csat")
			if r.Err != nil || r.SegmentErr != nil {
				t.Fatalf("csat: %v; segments: %v", r.Err, r.SegmentErr)
			}
			got := fmt.Sprintf("%d rows, %d cut, %s … %s", len(r.Segments), r.SegmentsTruncated, r.Segments[0].Segment, r.Segments[len(r.Segments)-1].Segment)
			wantText := fmt.Sprintf("%d rows, %d cut, %s … %s", tc.rows, tc.cut, tc.first, tc.last)
			if got != wantText {
				t.Errorf("got %s, want %s", got, wantText)
			}
			// 1+2+…+55 = 1540 rated tickets, whatever the cap.
			if r.Total.N != 1540 {
				t.Errorf("total n %d, want 1540", r.Total.N)
			}
		})
	}
}
