package source

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"kpiscope/internal/store"
)

// Whitespace-aligned files loaded into one database at the same time each
// get their own rows: the loader's TEMP work table lives on a connection it
// holds, so neither another load's work table nor a fresh connection without
// one is ever read in its place.
func TestWhitespaceLoadsKeepTheirOwnWorkTable(t *testing.T) {
	const n = 6
	dir := t.TempDir()
	files := map[string]string{}
	for i := range n {
		var b strings.Builder
		b.WriteString("customer_id date number_of_cds\n")
		for r := range 20 + i {
			fmt.Fprintf(&b, "%05d 19970101 %d\n", r, i+1)
		}
		files[fmt.Sprintf("ws%d.txt", i)] = b.String()
	}
	write(t, dir, files)
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for round := range 5 {
		for i := range n {
			wg.Go(func() {
				_, errs[i] = Load(ctx, db, []Spec{{Name: fmt.Sprintf("ws%d_%d", i, round), Path: filepath.Join(dir, fmt.Sprintf("ws%d.txt", i))}})
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, file %d: %v", round, i, errs[i])
			}
			// File i has 20+i rows of i+1 CDs.
			got := fmt.Sprint(query(t, db, fmt.Sprintf("SELECT count(*), sum(number_of_cds) FROM ws%d_%d", i, round)))
			if want := fmt.Sprint([]any{20 + i, (20 + i) * (i + 1)}); got != want {
				t.Errorf("round %d, file %d: count, sum = %s, want %s (another load's rows)", round, i, got, want)
			}
		}
	}
}
