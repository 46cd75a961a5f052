package infer

import (
	"context"
	"path/filepath"
	"testing"

	"kpiscope/internal/source"
	"kpiscope/internal/store"
)

// InferSample profiles the first rows of each table only: of the five rows
// below, the first three name three customers once each (C1, C2, C3) and
// hold churned = no twice, yes once; all five name C1 and C2 twice (3
// customers on 5 rows) with no 3 times, yes twice. A sample as large as the
// table is the whole table, and not marked Sampled.
func TestInferSampleReadsFirstRows(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "accounts.csv"), "customer_id,churned\nC1,no\nC2,no\nC3,yes\nC1,yes\nC2,no\n")
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	tables, err := source.Load(ctx, db, []source.Spec{{Path: dir}})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		rows, distinct, no, yes int64
		sampled                 bool
	}
	for _, tc := range []struct {
		limit int64
		want  want
	}{
		{3, want{rows: 3, distinct: 3, no: 2, yes: 1, sampled: true}},
		{5, want{rows: 5, distinct: 3, no: 3, yes: 2, sampled: true}},
		{10, want{rows: 5, distinct: 3, no: 3, yes: 2}},
		{0, want{rows: 5, distinct: 3, no: 3, yes: 2}}, // Infer
	} {
		var in *Inference
		if tc.limit == 0 {
			in, err = Infer(ctx, db, tables)
		} else {
			in, err = InferSample(ctx, db, tables, tc.limit)
		}
		if err != nil {
			t.Fatal(err)
		}
		tp := in.Tables[0]
		got := want{rows: tp.Rows, sampled: tp.Sampled}
		if c := tp.Column("customer_id"); c != nil {
			got.distinct = c.Distinct
		}
		if c := tp.Column("churned"); c != nil {
			for _, v := range c.Values {
				switch v.Value {
				case "no", "false":
					got.no = v.Rows
				case "yes", "true":
					got.yes = v.Rows
				}
			}
		}
		if got != tc.want {
			t.Errorf("limit %d: got %+v, want %+v", tc.limit, got, tc.want)
		}
	}
}
