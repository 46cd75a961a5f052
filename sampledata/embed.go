// Package sampledata holds the built-in demo dataset, embedded so `kpiscope` works anywhere.
//
// The Parquet files are the output of kpiscope/internal/sample with its
// DefaultOptions; regenerate them with `go generate ./sampledata`.
package sampledata

import (
	"embed"
	"io/fs"
)

//go:generate go run kpiscope/internal/sample/internal/gen .

// FS holds the table files of the demo dataset, one per table of the standard
// customer data model.
//
//go:embed *.parquet
var FS embed.FS

// Files lists the embedded table files, sorted by name.
func Files() []string {
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		return nil // cannot happen: the directory of an embed.FS always reads
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}
