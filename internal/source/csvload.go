package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"kpiscope/internal/store"
)

// loadCSV reads a group of CSV files into one table. Files in another
// encoding than UTF-8 (given by sp.Encoding, or detected per file) are read
// through UTF-8 copies in a private folder, removed once the table is
// loaded: DuckDB reads every file once, so nothing needs them after. A file
// that looked like UTF-8 in its first 64 KiB and is not further down is
// detected when DuckDB stops at the bad byte, and read again through a copy.
func loadCSV(ctx context.Context, db *store.DB, g group, sp Spec, t *Table) error {
	encs := make([]string, len(g.files)) // "" = UTF-8, read as it is
	for i, f := range g.files {
		enc := sp.Encoding
		if enc == "" {
			var err *Error
			if enc, err = detectEncoding(f); err != nil {
				return err
			}
		}
		if enc != UTF8 {
			encs[i] = enc
		}
	}
	read := append([]string(nil), g.files...)
	copies := map[string]string{} // copy → the user's file
	dir := ""
	defer func() {
		if dir != "" {
			_ = os.RemoveAll(dir)
		}
	}()
	for {
		for i, f := range g.files {
			if encs[i] == "" || read[i] != f {
				continue
			}
			if dir == "" {
				var err error
				// Named like a pinned snapshot: a process killed mid-load
				// (SIGKILL; SIGTERM and SIGHUP cancel ctx) leaves it to the
				// next run's removeStale (see Load).
				if dir, err = privateDir(); err != nil {
					return fmt.Errorf("make a folder for UTF-8 copies of %s: %w", f, err)
				}
			}
			c, err := transcode(ctx, f, encs[i], dir, i)
			if err != nil {
				return err
			}
			read[i], copies[c] = c, f
		}
		t.Encoding = encs[0]
		for _, e := range encs {
			if e != encs[0] {
				t.Encoding = "" // files of several encodings: each is detected again
			}
		}
		err := readCSV(ctx, db, g, sp, read, t)
		var late *lateEncoding
		if errors.As(err, &late) {
			for _, i := range late.files {
				encs[i] = Windows1252
			}
			continue
		}
		return restorePaths(err, copies)
	}
}

// lateEncoding lists the files (by index) read as UTF-8 that are
// Windows-1252 after all.
type lateEncoding struct{ files []int }

func (l *lateEncoding) Error() string { return "not UTF-8" }

// restorePaths names the user's files in an error about their copies.
func restorePaths(err error, copies map[string]string) error {
	var se *Error
	if err == nil || len(copies) == 0 || !errors.As(err, &se) {
		return err
	}
	out := *se
	for c, f := range copies {
		out.Path = strings.ReplaceAll(out.Path, c, f)
		out.Msg = strings.ReplaceAll(out.Msg, c, f)
	}
	return &out
}

// readCSV reads the files (the user's, or UTF-8 copies of them) into g's
// table, then reads missing-value tokens and dates (see readMissing and
// fixDates).
func readCSV(ctx context.Context, db *store.DB, g group, sp Spec, files []string, t *Table) error {
	name := store.QuoteIdent(g.name)
	for _, f := range files {
		if err := precheckCSV(f, sp.Delimiter); err != nil {
			return err
		}
	}
	nulls := NullStrings
	if sp.MissingSet {
		nulls = append(append([]string(nil), NullStrings...), sp.Missing...)
	}
	opts := []string{"header = true", "nullstr = " + store.QuoteList(nulls)}
	semicolon := sp.Decimal == "" && detectDelim(headerLine(files[0]), sp.Delimiter) == ';'
	if semicolon && sniffDecimalComma(files[0], ';', autoTokens(sp)) {
		sp.Decimal = "," // an Excel export where the comma is the decimal point
	}
	if sp.Decimal != "" {
		opts = append(opts, "decimal_separator = "+store.QuoteLiteral(sp.Decimal))
	}
	if len(files) > 1 {
		// Every file is sniffed, even when all share a header: read with
		// the first files' types, a later file's 12.5 would be rounded
		// into a BIGINT column. One file is sniffed once (a second saved
		// at 10,000 columns).
		opts = append(opts, "union_by_name = true")
	}
	if sp.Delimiter != "" {
		opts = append(opts, "delim = "+store.QuoteLiteral(sp.Delimiter))
	} else if d := sniffWhitespace(files[0]); d {
		gr := g
		gr.files = files
		if err := loadWhitespace(ctx, db, gr, t); err != nil {
			return err
		}
		return afterRead(ctx, db, g.name, sp, t)
	}
	q := fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM read_csv(%s, %s)", name, store.QuoteList(files), strings.Join(opts, ", "))
	err := db.Exec(ctx, q)
	if lineTooLong(err) {
		// A long field (a 50 MB note): read it when it is one, say which
		// line it is when the file has no line breaks worth the name.
		limit, lerr := longLines(files)
		if lerr != nil {
			return lerr
		}
		opts = append(opts, fmt.Sprintf("max_line_size = %d", limit+1024))
		q = fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM read_csv(%s, %s)", name, store.QuoteList(files), strings.Join(opts, ", "))
		err = db.Exec(ctx, q)
	}
	if err != nil {
		// Types are guessed from a sample of rows; when a later row does not
		// fit (text far down a numeric column), detect over the whole file.
		q = fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM read_csv(%s, %s, sample_size = -1)", name, store.QuoteList(files), strings.Join(opts, ", "))
		if err2 := db.Exec(ctx, q); err2 != nil {
			if strings.Contains(err2.Error(), "Invalid unicode") {
				if uerr := invalidUTF8(g, sp, files); uerr != nil {
					return uerr
				}
			}
			for _, f := range files {
				if rerr := scanRows(f, sp.Delimiter); rerr != nil {
					return rerr
				}
			}
			return csvError(files, err2)
		}
	}
	if semicolon && sp.Decimal == "" {
		// Decimal commas only past the first 64 KiB: read it again so.
		dec, err := decimalColumns(ctx, db, g.name, autoTokens(sp))
		if err != nil {
			return err
		}
		if len(dec) > 0 {
			sp.Decimal = ","
			return readCSV(ctx, db, g, sp, files, t)
		}
	}
	return afterRead(ctx, db, g.name, sp, t)
}

// autoTokens are the tokens the automatic rule reads as missing: none when
// the source lists its own (read as NULL everywhere).
func autoTokens(sp Spec) []string {
	if sp.MissingSet {
		return nil
	}
	return MissingTokens
}

// invalidUTF8 explains DuckDB's "Invalid unicode": the first file read as
// UTF-8 that is not, with the line and offset of its bad byte, or a
// lateEncoding listing every file whose encoding was detected and that has
// no UTF-8 characters before its first bad byte.
func invalidUTF8(g group, sp Spec, files []string) error {
	late := &lateEncoding{}
	for i, f := range files {
		if f != g.files[i] {
			continue // a UTF-8 copy
		}
		fh, err := os.Open(f)
		if err != nil {
			return pathError(f, err)
		}
		r, line, offset := skipUTF8BOM(fh)
		bad, found := scanUTF8(r, line, offset)
		fh.Close()
		switch {
		case !found:
			continue
		case sp.Encoding == UTF8:
			return bad.notUTF8(f, "encoding: utf-8 is set for this source")
		case bad.multibyte:
			return bad.mixed(f)
		}
		late.files = append(late.files, i)
	}
	if len(late.files) > 0 {
		return late
	}
	return nil
}

// afterRead reads, in a loaded table, the tokens of missing numbers and
// dates stored as text.
func afterRead(ctx context.Context, db *store.DB, table string, sp Spec, t *Table) error {
	tokens := autoTokens(sp)
	t.Decimal = sp.Decimal
	if sp.Decimal == "," {
		if _, err := readDecimal(ctx, db, table, tokens); err != nil {
			return err
		}
	}
	cols, seen, err := readMissing(ctx, db, table, tokens, t)
	if err != nil {
		return err
	}
	dcols, dseen, err := fixDates(ctx, db, table, tokens)
	if err != nil {
		return err
	}
	t.MissingColumns = append(cols, dcols...)
	t.MissingSeen = mergeTokens(seen, dseen)
	return nil
}
