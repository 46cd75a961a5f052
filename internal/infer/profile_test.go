package infer

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"kpiscope/internal/store"
)

// The unpivoted profile of wide tables finds what the one-statement profile
// of narrow ones finds, for every kind of column (examples aside: any value).
func TestWideProfileMatchesNarrow(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Exec(ctx, `CREATE TABLE t AS SELECT i AS id, i % 5 + 1 AS score, i * 1.5 AS amount, CASE WHEN i % 2 = 0 THEN 'Y' ELSE 'N' END AS flag,
		DATE '2026-01-01' + i::INTEGER AS day, i % 3 = 0 AS yes, NULL::VARCHAR AS blank, CASE WHEN i % 4 = 0 THEN NULL ELSE 'x' || (i % 20) END AS label,
		[i, i] AS pair FROM range(200) r(i)`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := db.Columns(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	narrow, err := profileTable(ctx, db, "t", cols, 0)
	if err != nil {
		t.Fatal(err)
	}
	wide := &TableProfile{Name: "t", Rows: narrow.Rows}
	for _, c := range cols {
		wide.Columns = append(wide.Columns, &ColumnProfile{Name: c.Name, Type: c.Type})
	}
	if err := profileWide(ctx, db, wide, false); err != nil {
		t.Fatal(err)
	}
	if err := valueCounts(ctx, db, wide); err != nil {
		t.Fatal(err)
	}
	classify(wide)
	for i, n := range narrow.Columns {
		w := wide.Columns[i]
		n.Example, w.Example = "", ""
		if !reflect.DeepEqual(n, w) {
			t.Errorf("%s:\n narrow %+v\n wide   %+v", n.Name, *n, *w)
		}
	}
	if narrow.Column("flag").Kind != ColFlag || len(narrow.Column("score").Values) != 5 {
		t.Errorf("fixture not profiled as meant: flag %s, score values %v", narrow.Column("flag").Kind, narrow.Column("score").Values)
	}
}

// Past MaxProfiled columns, those named for a role come first, then dates,
// then the rest from the left, in table order; the profile says how many.
func TestPickColumns(t *testing.T) {
	var cols []store.Column
	for i := 0; i < 10; i++ {
		cols = append(cols, store.Column{Name: fmt.Sprintf("m%d", i), Type: "BIGINT"})
	}
	cols = append(cols, store.Column{Name: "when", Type: "DATE"}, store.Column{Name: "Customer Segment", Type: "VARCHAR"}, store.Column{Name: "order id", Type: "BIGINT"})
	var got []string
	for _, c := range pickColumns(cols, 5) {
		got = append(got, c.Name)
	}
	if want := "m0 m1 when,Customer Segment,order id"; strings.Join(got[:2], " ")+" "+strings.Join(got[2:], ",") != want {
		t.Errorf("picked %v, want %s", got, want)
	}
	tp := &TableProfile{AllColumns: 13, Columns: make([]*ColumnProfile, 5)}
	if note := tp.ProfiledNote(); !strings.HasPrefix(note, "profiled 5 of 13 columns") || !strings.Contains(note, "8 other columns") {
		t.Errorf("note %q", note)
	}
}
