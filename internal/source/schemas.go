package source

import (
	"fmt"
	"path/filepath"
	"strconv"

	"kpiscope/internal/cmdline"
)

// maxSchemas is how many different header rows the CSV files of one table
// may have. A few are an export that gained a column over time, read with
// union_by_name; hundreds are unrelated files, and reading them as one table
// made DuckDB hold a union of every column of every file (1,000 two-row
// files with their own headers took a 4 GB memory limit).
const maxSchemas = 16

// checkSchemas refuses a table whose CSV files have more than maxSchemas
// different header rows, naming the files and the way out.
func checkSchemas(g group, sp Spec) error {
	if g.fmt != CSV || len(g.files) <= maxSchemas {
		return nil
	}
	seen := map[string]string{}
	for _, f := range g.files {
		h := headerLine(f)
		if _, ok := seen[h]; !ok {
			seen[h] = f
		}
		if len(seen) > maxSchemas {
			break
		}
	}
	if len(seen) <= maxSchemas {
		return nil
	}
	where := sp.Path
	if where == "" {
		where = filepath.Dir(g.files[0])
	}
	return &Error{
		Path: where,
		Msg: fmt.Sprintf("its %s CSV files are read as one table (%s), but they have more than %d different header rows",
			cmdline.Thousands(len(g.files)), g.name, maxSchemas),
		Fix: "read one schema per table: name a glob of the files that share a header (NAME=DIR/sales_*.csv), or leave the name off a folder to get one table per file",
	}
}

// uniqueNames gives merged groups that came out with one name (files of
// several schemas whose names differ only in digits: file_0001.csv …)
// names of their own, name, name_2, name_3 …, skipping names taken by
// other tables of the folder. Their glob is dropped: it matches the files of
// every schema, so it cannot name one of them in a config.
func uniqueNames(out []group) {
	taken := map[string]int{}
	for _, g := range out {
		taken[g.name]++
	}
	merged := func(g group) bool { return g.path != "" && len(g.files) > 1 }
	used := map[string]bool{}
	for _, g := range out { // tables of one file keep their names
		if !merged(g) {
			used[g.name] = true
		}
	}
	for i := range out {
		n := out[i].name
		if !merged(out[i]) || taken[n] < 2 {
			continue
		}
		// Their shared glob would read every schema back from a config.
		out[i].path = ""
		if !used[n] {
			used[n] = true
			continue
		}
		for k := 2; ; k++ {
			c := n + "_" + strconv.Itoa(k)
			if taken[c] == 0 && !used[c] {
				out[i].name = c
				used[c] = true
				break
			}
		}
	}
}
