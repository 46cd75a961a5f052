package sampledata

import (
	"bytes"
	"slices"
	"testing"
)

func TestFilesAreTheStandardTables(t *testing.T) {
	want := []string{"customers.parquet", "orders.parquet", "spend.parquet", "surveys.parquet", "tickets.parquet"}
	got := Files()
	if !slices.Equal(got, want) {
		t.Fatalf("Files() = %v, want %v", got, want)
	}
	for _, name := range got {
		b, err := FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		// A Parquet file starts and ends with the magic "PAR1".
		if len(b) < 8 || !bytes.HasPrefix(b, []byte("PAR1")) || !bytes.HasSuffix(b, []byte("PAR1")) {
			t.Errorf("%s is not a Parquet file", name)
		}
	}
}
