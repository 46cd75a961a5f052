// Package source is the only package that opens user files: it turns CSV and
// Parquet files, globs and directories into DuckDB tables and views. Files are
// only ever read.
package source

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"kpiscope/internal/store"
)

// Spec is one source: a file, glob or directory, optionally named.
type Spec struct {
	Name string // table name; "" = derived from the path
	Path string
	// Options for CSV files.
	Delimiter string
	// Encoding is the files' encoding, a canonical name (see
	// ParseEncoding); "" detects it per file.
	Encoding string
	// Decimal is the decimal separator of numbers: "," reads 1.234,50 as
	// 1234.5; "" detects it in semicolon-separated files (see decimal.go).
	Decimal string
	// Missing, when MissingSet, lists the values read as missing in every
	// column (beside NullStrings) instead of the automatic rule (see
	// MissingTokens); an empty list turns the rule off.
	Missing    []string
	MissingSet bool
	Origin     string // where the spec came from, for messages
}

// readVersion changes when the same file read with the same options loads
// differently (2: missing-value tokens, encodings; 3: Excel's error values
// as tokens, decimal commas), so that tables a --db
// file kept from an older reading are read again.
const readVersion = "3"

// Options identifies the spec's reading options, for telling whether
// tables loaded with another spec (or another version) can be reused.
func (sp Spec) Options() string {
	s := sp.Delimiter + "|read=" + readVersion
	if sp.Encoding != "" {
		s += "|encoding=" + sp.Encoding
	}
	if sp.Decimal != "" {
		s += "|decimal=" + sp.Decimal
	}
	if sp.MissingSet {
		s += "|missing=" + strings.Join(sp.Missing, "\x00")
	}
	return s
}

// Format is a file format.
type Format string

// Formats.
const (
	CSV     Format = "csv"
	Parquet Format = "parquet"
)

// Table is a loaded table or view.
type Table struct {
	Name    string
	Format  Format
	Files   []string // absolute paths read
	Columns []store.Column
	Rows    int64
	View    bool // a view over Parquet files (no copy)
	// Pinned lists the snapshot copies a pinned view reads instead of Files
	// (see Snapshot); nil when the view reads Files.
	Pinned []string
	// Path reads the same files back from a config when their own paths
	// would not: the glob of partition files merged from a folder.
	Path string
	// Encoding is the encoding CSV files were transcoded from ("" for
	// UTF-8, read as they are).
	Encoding string
	// Decimal is "," when numbers were read with a decimal comma.
	Decimal string
	// MissingColumns lists the columns whose MissingSeen values (NA, NaN …)
	// were read as missing by the automatic rule.
	MissingColumns []string
	MissingSeen    []string
	// NearNumbers lists the text columns that would be numbers but for a
	// few values that are not (see MissingNote).
	NearNumbers []NearNumber
}

// ParseArg reads a command-line source: PATH or NAME=PATH.
func ParseArg(arg string) Spec {
	if name, path, ok := strings.Cut(arg, "="); ok && validTableName(name) {
		return Spec{Name: name, Path: path}
	}
	return Spec{Path: arg}
}

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func validTableName(s string) bool { return nameRE.MatchString(s) }

// NullStrings are the blank sentinels read as NULL from CSV files.
// ("NA" is not among them: it is North America, Namibia or a real code.)
var NullStrings = []string{"", " ", "N/A", "n/a", "#N/A"}

// Error is a problem loading one source: it names the file and the fix.
type Error struct {
	Path string
	Msg  string
	Fix  string
}

func (e *Error) Error() string {
	s := e.Path + ": " + e.Msg
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// group is a set of files that become one table.
type group struct {
	name  string
	files []string
	fmt   Format
	// path reads these files back from a config (a glob of partition
	// files), "" when their own paths do.
	path string
}

// Resolve expands a spec into the tables it will create, without reading data.
func Resolve(sp Spec) ([]group, error) {
	p := sp.Path
	if p == "" {
		return nil, &Error{Path: "(empty)", Msg: "no path given", Fix: "give a file, glob or directory"}
	}
	if strings.ContainsAny(p, "*?[") {
		files, err := filepath.Glob(p)
		if err != nil {
			return nil, &Error{Path: p, Msg: "bad glob pattern: " + err.Error()}
		}
		files = dataFiles(files)
		if len(files) == 0 {
			return nil, &Error{Path: p, Msg: "no CSV or Parquet files match", Fix: "check the pattern and the directory"}
		}
		name := sp.Name
		if name == "" {
			base := filepath.Base(p)
			base = strings.TrimSuffix(base, filepath.Ext(base))
			name = sanitize(strings.Trim(strings.Map(func(r rune) rune {
				if strings.ContainsRune("*?[]", r) {
					return -1
				}
				return r
			}, base), "_-."))
			if name == "" || name == "_" {
				name = sanitize(filepath.Base(filepath.Dir(p)))
			}
		}
		f, err := formatOf(files)
		if err != nil {
			return nil, err
		}
		return []group{{name: name, files: abs(files), fmt: f}}, nil
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, pathError(p, err)
	}
	if !st.IsDir() && !st.Mode().IsRegular() {
		return nil, notRegular(p, st.Mode())
	}
	if !st.IsDir() {
		name := sp.Name
		if name == "" {
			name = sanitize(strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)))
		}
		f, err := formatOf([]string{p})
		if err != nil {
			return nil, err
		}
		if st.Size() == 0 {
			return nil, &Error{Path: p, Msg: "the file is empty", Fix: "export it again with a header row and data"}
		}
		return []group{{name: name, files: abs([]string{p}), fmt: f}}, nil
	}
	// A directory: one table per file (by stem), and one per subdirectory of
	// data files (a partitioned dataset); partition files of one schema are
	// one table (see parts). A named directory is one table.
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, &Error{Path: p, Msg: "cannot read directory: " + err.Error()}
	}
	var out []group
	var all, csvs []string
	onlyCSV := true // nothing but top-level CSV files
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue // .ipynb_checkpoints, macOS ._name files: never data
		}
		full := filepath.Join(p, e.Name())
		if e.IsDir() {
			if sub := dataFiles(globDir(full)); len(sub) > 0 {
				onlyCSV = false
			}
			continue
		}
		if len(dataFiles([]string{full})) == 1 {
			all = append(all, full)
			if f, _ := formatOf([]string{full}); f == CSV {
				csvs = append(csvs, full)
			} else {
				onlyCSV = false
			}
		}
	}
	var merged map[string]*group
	if sp.Name == "" {
		merged = parts(p, csvs, onlyCSV)
	}
	emitted := map[*group]bool{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		full := filepath.Join(p, e.Name())
		if e.IsDir() {
			sub := dataFiles(globDir(full))
			if len(sub) > 0 {
				f, err := formatOf(sub)
				if err != nil {
					return nil, err
				}
				out = append(out, group{name: sanitize(e.Name()), files: abs(sub), fmt: f})
				all = append(all, sub...)
			}
			continue
		}
		if g, ok := merged[full]; ok {
			if !emitted[g] { // at its first file
				emitted[g] = true
				out = append(out, *g)
			}
			continue
		}
		if len(dataFiles([]string{full})) == 1 {
			f, _ := formatOf([]string{full})
			out = append(out, group{name: sanitize(strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))), files: abs([]string{full}), fmt: f})
		}
	}
	if len(out) == 0 {
		return nil, &Error{Path: p, Msg: "the directory has no CSV or Parquet files"}
	}
	if sp.Name != "" {
		f, err := formatOf(all)
		if err != nil {
			return nil, err
		}
		return []group{{name: sp.Name, files: abs(all), fmt: f}}, nil
	}
	uniqueNames(out)
	return out, nil
}

func globDir(dir string) []string {
	sub, _ := filepath.Glob(filepath.Join(escapeGlob(dir), "*"))
	return sub
}

// escapeGlob quotes a path's glob characters, so a folder named [2024] is a folder.
func escapeGlob(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune("*?[\\", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// minParts is how many CSV files with one header make a folder one table
// whatever their names.
const minParts = 10

var digitsRE = regexp.MustCompile(`[0-9]+`)

// parts finds the CSV files of a folder that are pieces of one table, by
// their header rows (first lines only) and names:
//   - files with the same header whose names differ only in their digits
//     (sales_2024-01.csv, sales_2024-02.csv …) are one table named for what
//     the names share (sales), or after the folder when they share nothing
//     (0001.csv, 0002.csv …); a config reads them back through a glob
//     (sales_*-*.csv);
//   - when the folder holds nothing but CSV files, at least minParts of
//     them, all with one header, they are one table named after the folder.
//
// Files with different headers stay one table each. The result maps each
// merged file (as given) to its group.
func parts(dir string, files []string, onlyCSV bool) map[string]*group {
	if len(files) < 2 {
		return nil
	}
	heads := make([]string, len(files))
	for i, f := range files {
		heads[i] = headerLine(f)
	}
	folder := folderName(dir)
	out := map[string]*group{}
	one := heads[0] != ""
	for _, h := range heads {
		one = one && h == heads[0]
	}
	if one && onlyCSV && len(files) >= minParts {
		g := &group{name: folder, files: abs(files), fmt: CSV, path: dir}
		for _, f := range files {
			out[f] = g
		}
		return out
	}
	byKey := map[string][]string{}
	var keys []string
	for i, f := range files {
		base := filepath.Base(f)
		if heads[i] == "" || !digitsRE.MatchString(base) {
			continue
		}
		k := heads[i] + "\x00" + digitsRE.ReplaceAllString(base, "*")
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], f)
	}
	for _, k := range keys {
		fs := byKey[k]
		if len(fs) < 2 {
			continue
		}
		_, pattern, _ := strings.Cut(k, "\x00")
		name := strings.Trim(strings.ReplaceAll(strings.TrimSuffix(pattern, filepath.Ext(pattern)), "*", ""), " _-.()")
		if name == "" {
			name = folder
		} else {
			name = sanitize(name)
		}
		g := &group{name: name, files: abs(fs), fmt: CSV, path: filepath.Join(escapeGlob(dir), pattern)}
		for _, f := range fs {
			out[f] = g
		}
	}
	return out
}

func folderName(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		dir = a
	}
	return sanitize(filepath.Base(dir))
}

// headerLine is a CSV file's first line (BOM and line ending dropped), read
// alone; "" when it cannot be read or is over 1 MiB.
func headerLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64*1024)
	var line []byte
	for len(line) < 1<<20 {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if err != bufio.ErrBufferFull {
			break
		}
	}
	s := strings.TrimRight(strings.TrimPrefix(string(line), "\ufeff"), "\r\n")
	if len(line) >= 1<<20 {
		return ""
	}
	return s
}

func abs(files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		a, err := filepath.Abs(f)
		if err != nil {
			a = f
		}
		out[i] = a
	}
	sort.Strings(out)
	return out
}

func dataFiles(files []string) []string {
	var out []string
	for _, f := range files {
		switch strings.ToLower(filepath.Ext(f)) {
		case ".csv", ".tsv", ".txt", ".parquet", ".pq":
			if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() { // not a pipe: reading it would block
				out = append(out, f)
			}
		}
	}
	return out
}

func formatOf(files []string) (Format, error) {
	var f Format
	for _, p := range files {
		var this Format
		switch strings.ToLower(filepath.Ext(p)) {
		case ".parquet", ".pq":
			this = Parquet
		case ".csv", ".tsv", ".txt":
			this = CSV
		default:
			return "", &Error{Path: p, Msg: "unknown file type " + filepath.Ext(p), Fix: "kpiscope reads .csv, .tsv, .txt and .parquet files"}
		}
		if f != "" && f != this {
			return "", &Error{Path: p, Msg: "mixes CSV and Parquet files in one table", Fix: "name them as separate sources"}
		}
		f = this
	}
	return f, nil
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9_]+`)

func sanitize(s string) string {
	s = strings.Trim(nonWord.ReplaceAllString(strings.ToLower(s), "_"), "_")
	if s == "" {
		return "data"
	}
	if s[0] >= '0' && s[0] <= '9' {
		s = "t_" + s
	}
	return s
}

// staleOnce runs removeStale once a process: every command that loads
// sources removes the UTF-8 copies and snapshots of processes killed before
// they could (a glob of the temporary folder; cheap).
var staleOnce sync.Once

// Load reads every spec into db. CSV files are parsed once into tables;
// Parquet files stay views over the files. Tables already present in db (from
// a --db file whose sources have not changed) are kept when reuse says so.
func Load(ctx context.Context, db *store.DB, specs []Spec) ([]Table, error) {
	staleOnce.Do(removeStale)
	var out []Table
	seen := map[string]string{}
	for _, sp := range specs {
		groups, err := Resolve(sp)
		if err != nil {
			return nil, prefixOrigin(sp, err)
		}
		for _, g := range groups {
			if prev, dup := seen[g.name]; dup {
				return nil, &Error{Path: sp.Path, Msg: fmt.Sprintf("table name %q is used twice (also by %s)", g.name, prev), Fix: "name the sources: NAME=PATH"}
			}
			seen[g.name] = sp.Path
			t, err := loadGroup(ctx, db, g, sp)
			if err != nil {
				return nil, prefixOrigin(sp, err)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

func prefixOrigin(sp Spec, err error) error {
	if sp.Origin == "" {
		return err
	}
	return fmt.Errorf("%s: %w", sp.Origin, err)
}

func loadGroup(ctx context.Context, db *store.DB, g group, sp Spec) (Table, error) {
	t := Table{Name: g.name, Format: g.fmt, Files: g.files, Path: g.path}
	for _, f := range g.files {
		fh, err := os.Open(f) // read-only check that the file can be read
		if err != nil {
			return t, pathError(f, err)
		}
		fh.Close()
	}
	name := store.QuoteIdent(g.name)
	switch g.fmt {
	case Parquet:
		if sp.Encoding != "" || sp.MissingSet {
			return t, &Error{Path: g.files[0], Msg: "encoding: and missing: apply to CSV files; a Parquet file stores its text as UTF-8 and its missing values as nulls", Fix: "remove them from this source in kpiscope.yaml"}
		}
		t.View = true
		if err := parquetView(ctx, db, g.name, g.files); err != nil { // pin.go: shared with Snapshot.Pin
			return t, &Error{Path: g.files[0], Msg: "not a readable Parquet file: " + store.WithoutSQL(err).Error(), Fix: "check that the file is complete"}
		}
	case CSV:
		if err := checkSchemas(g, sp); err != nil {
			return t, err
		}
		if err := loadCSV(ctx, db, g, sp, &t); err != nil {
			return t, err
		}
	}

	cols, err := db.Columns(ctx, g.name)
	if err != nil {
		return t, err
	}
	t.Columns = cols
	rows, err := db.Query(ctx, "SELECT count(*) FROM "+name)
	if err != nil {
		return t, &Error{Path: g.files[0], Msg: err.Error()}
	}
	if n, ok := rows.Data[0][0].(int64); ok {
		t.Rows = n
	}
	return t, nil
}

// precheckCSV catches what DuckDB would report obscurely: an empty file, a
// header with no data, rows with a different number of fields.
func precheckCSV(path, delim string) error {
	f, err := os.Open(path)
	if err != nil {
		return pathError(path, err)
	}
	defer f.Close()
	st, _ := f.Stat()
	if st != nil && st.Size() == 0 {
		return &Error{Path: path, Msg: "the file is empty", Fix: "export it again with a header row and data"}
	}
	head := make([]byte, 64*1024)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	for n == len(head) && bytes.Count(head, []byte{'\n'}) < 2 && len(head) < 16<<20 {
		// A header longer than 64 KiB (thousands of columns): read on to the
		// first data row.
		more := make([]byte, len(head))
		m, _ := io.ReadFull(f, more)
		head = append(head, more[:m]...)
		n = len(head)
		if m < len(more) {
			break
		}
	}
	if e := magicError(path, head); e != nil {
		return e
	}
	text := strings.TrimPrefix(string(head), "\ufeff")
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	nonEmpty := 0
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			nonEmpty++
		}
	}
	if nonEmpty < 2 {
		return &Error{Path: path, Msg: "has a header but no data rows", Fix: "export it again with its data"}
	}
	if strings.IndexByte(text, 0) >= 0 {
		return &Error{Path: path, Msg: "looks like a binary file, not CSV", Fix: "give a CSV or Parquet file"}
	}
	// Ragged rows: compare field counts in the first 64 KiB with Go's parser.
	if sniffWhitespaceText(text) {
		return nil
	}
	complete := text
	if n == len(head) && n >= 64*1024 { // drop the partial last line
		if i := strings.LastIndexByte(complete, '\n'); i > 0 {
			complete = complete[:i]
		}
	}
	if e := utf8Error(path, []byte(complete), 1, int64(len(head)-len(text))); e != nil {
		return e
	}
	return firstBadRow(path, strings.NewReader(complete), detectDelim(lines[0], delim))
}

// firstBadRow reads CSV with Go's parser and names the first row that has a
// different number of fields than the header or broken quoting.
func firstBadRow(path string, in io.Reader, comma rune) error {
	r := csv.NewReader(in)
	r.Comma = comma
	r.LazyQuotes = true
	r.ReuseRecord = true
	for {
		_, err := r.Read()
		var pe *csv.ParseError
		switch {
		case err == nil:
			continue
		case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
			return &Error{Path: fmt.Sprintf("%s:%d", path, pe.Line), Msg: "this row has a different number of fields than the header", Fix: "fix or remove the row, or quote values that contain the delimiter"}
		case errors.As(err, &pe):
			return &Error{Path: fmt.Sprintf("%s:%d", path, pe.Line), Msg: "malformed CSV: " + pe.Err.Error(), Fix: "check the quoting on that line"}
		}
		return nil // end of input, or a read error DuckDB will report
	}
}

// scanRows reads a whole CSV file with Go's parser to name the first row
// that cannot be read. It runs only after DuckDB failed, so files that load
// cleanly pay nothing for it.
func scanRows(path, delim string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64*1024)
	if b, _ := br.Peek(3); string(b) == "\ufeff" {
		br.Discard(3)
	}
	head, _ := br.Peek(64 * 1024)
	header, _, _ := strings.Cut(string(head), "\n")
	return firstBadRow(path, br, detectDelim(header, delim))
}

func detectDelim(header, delim string) rune {
	if delim != "" {
		return []rune(delim)[0]
	}
	best, bestN := ',', 0
	for _, c := range []rune{',', ';', '\t', '|'} {
		if n := strings.Count(header, string(c)); n > bestN {
			best, bestN = c, n
		}
	}
	return best
}

// sniffWhitespace reports whether a file is whitespace-aligned columns rather
// than delimited (no commas, semicolons, tabs or pipes; several spaces).
func sniffWhitespace(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 8192)
	n, _ := io.ReadFull(f, head)
	return sniffWhitespaceText(string(head[:n]))
}

func sniffWhitespaceText(text string) bool {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if len(lines) < 2 || strings.ContainsAny(lines[0], ",;\t|") {
		return false
	}
	return len(strings.Fields(lines[0])) > 1
}

var spacesRE = regexp.MustCompile(`\s+`)

// loadWhitespace reads whitespace-aligned files: each line is split on runs
// of spaces; a first line with no digits is the header.
func loadWhitespace(ctx context.Context, db *store.DB, g group, t *Table) error {
	name := store.QuoteIdent(g.name)
	q := fmt.Sprintf(`CREATE OR REPLACE TABLE %s AS SELECT * FROM read_csv(%s, delim = '\n', header = false, columns = {'line': 'VARCHAR'})`, store.QuoteIdent("__raw_"+g.name), store.QuoteList(g.files))
	if err := db.Exec(ctx, q); err != nil {
		return csvError(g.files, err)
	}
	defer db.Exec(context.Background(), "DROP TABLE IF EXISTS "+store.QuoteIdent("__raw_"+g.name))
	rows, err := db.Query(ctx, fmt.Sprintf("SELECT line FROM %s WHERE trim(line) <> '' LIMIT 1", store.QuoteIdent("__raw_"+g.name)))
	if err != nil || len(rows.Data) == 0 {
		return &Error{Path: g.files[0], Msg: "no data rows"}
	}
	first := strings.Fields(fmt.Sprint(rows.Data[0][0]))
	header := !strings.ContainsAny(strings.Join(first, ""), "0123456789")
	var cols []string
	for i := range first {
		c := fmt.Sprintf("column%d", i)
		if header {
			c = first[i]
		}
		cols = append(cols, c)
	}
	var sel []string
	for i, c := range cols {
		sel = append(sel, fmt.Sprintf("parts[%d] AS %s", i+1, store.QuoteIdent(c)))
	}
	skip := ""
	if header {
		skip = " OFFSET 1"
	}
	raw := store.QuoteIdent("__raw_" + g.name)
	split := fmt.Sprintf("SELECT %s FROM (SELECT string_split_regex(trim(line), '\\s+') AS parts FROM (SELECT line FROM %s WHERE trim(line) <> ''%s))", strings.Join(sel, ", "), raw, skip)
	// Let DuckDB type the columns as it would a CSV: write through a CSV in memory is
	// not possible read-only, so cast each column to the narrowest type that holds.
	// __ws is a TEMP table, so it exists on one connection only: every
	// statement that reads it runs on the same pinned connection, and it is
	// dropped before the connection goes back to the pool.
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE __ws AS %s", split)); err != nil {
		return csvError(g.files, err)
	}
	defer conn.Exec(context.Background(), "DROP TABLE IF EXISTS __ws")
	var casts []string
	for _, c := range cols {
		qc := store.QuoteIdent(c)
		ty := "VARCHAR"
		for _, cand := range []string{"BIGINT", "DOUBLE"} {
			r, err := conn.Query(ctx, fmt.Sprintf("SELECT count(*) FILTER (WHERE %[1]s IS NOT NULL AND (TRY_CAST(%[1]s AS %[2]s) IS NULL OR TRY_CAST(%[1]s AS %[2]s) <> TRY_CAST(%[1]s AS DOUBLE))) FROM __ws", qc, cand)) // '11.77' casts to BIGINT 12: only exact values fit
			if err == nil && r.Data[0][0] == int64(0) {
				ty = cand
				break
			}
		}
		expr := fmt.Sprintf("CAST(%s AS %s)", qc, ty)
		if ty == "BIGINT" {
			// YYYYMMDD integers are dates.
			r, err := conn.Query(ctx, fmt.Sprintf("SELECT count(*) FILTER (WHERE TRY_STRPTIME(%[1]s, '%%Y%%m%%d') IS NULL), count(*) FILTER (WHERE length(%[1]s) = 8) FROM __ws", qc))
			if err == nil && r.Data[0][0] == int64(0) && store.Int(r.Data[0][1]) > 0 && regexp.MustCompile(`(?i)date|day`).MatchString(c) {
				expr = fmt.Sprintf("CAST(strptime(%s, '%%Y%%m%%d') AS DATE)", qc)
			}
			if regexp.MustCompile(`(?i)(^|_)id$`).MatchString(c) {
				expr = qc // identifiers keep their leading zeros
			}
		}
		casts = append(casts, expr+" AS "+qc)
	}
	if err := conn.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT %s FROM __ws", name, strings.Join(casts, ", "))); err != nil {
		return csvError(g.files, err)
	}
	cs, err := db.Columns(ctx, g.name)
	if err != nil {
		return err
	}
	t.Columns = cs
	r, err := db.Query(ctx, "SELECT count(*) FROM "+name)
	if err == nil {
		t.Rows = store.Int(r.Data[0][0])
	}
	return nil
}

var lineRE = regexp.MustCompile(`Line: (\d+)`) // DuckDB's "CSV Error on Line: N", not the "LINE 1:" of its SQL excerpt

func csvError(files []string, err error) error {
	msg := err.Error()
	path := files[0]
	if m := lineRE.FindStringSubmatch(msg); m != nil && len(files) == 1 {
		path = path + ":" + m[1]
	}
	short := msg
	if i := strings.Index(short, "Possible Solution"); i > 0 {
		short = strings.TrimSpace(short[:i])
	}
	if len(short) > 300 {
		short = short[:300] + "…"
	}
	if strings.Contains(msg, "Invalid unicode") {
		return &Error{Path: path, Msg: "cannot parse CSV: " + short, Fix: "the file is not in the encoding it was read in: set encoding: for this source in kpiscope.yaml (" + strings.Join(EncodingNames(), ", ") + "), or save it as UTF-8"}
	}
	return &Error{Path: path, Msg: "cannot parse CSV: " + short, Fix: "check the delimiter, quoting and header (set delimiter: in kpiscope.yaml if it is unusual)"}
}

// Files lists, per table a spec makes, the files it reads (without reading them).
func Files(sp Spec) (map[string][]string, error) {
	groups, err := Resolve(sp)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, g := range groups {
		out[g.name] = g.files
	}
	return out, nil
}

// AllowedPaths lists every file read, for locking the engine to them: a
// pinned table's copies, not the user's files (nothing reads those again).
func AllowedPaths(tables []Table) []string {
	var out []string
	for _, t := range tables {
		if len(t.Pinned) > 0 {
			out = append(out, t.Pinned...)
			continue
		}
		out = append(out, t.Files...)
	}
	return out
}
