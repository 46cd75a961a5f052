package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"kpiscope/internal/store"
)

// Snapshot is a private folder (mode 0700) of copies of Parquet files. A
// Parquet table is a view that reads its files on every query, so a file
// damaged, truncated, deleted or made unreadable under a running program
// would break every query not already answered. A watched program pins its
// views to copies instead: they are never written after they are made, and
// live until the workspace that reads them is closed. CSV tables need no
// copy: they are read once into the database.
//
// Copies are made with io.Copy between files, which Linux turns into
// copy_file_range: a reflink (no data copied) on filesystems that share
// blocks (btrfs, XFS), an in-kernel copy elsewhere. The folder is in the
// temporary directory ($TMPDIR), so a tmpfs /tmp holds the copies in memory.
// A reload pins from the snapshot it replaces: files unchanged since are
// hard-linked to the copies already made rather than copied again.
type Snapshot struct {
	dir  string
	mu   sync.Mutex
	made map[string]origin // copy path → the file it was copied from
}

// origin is a copied file as it was when the copy began.
type origin struct {
	path string
	info os.FileInfo
}

// NewSnapshot makes an empty snapshot folder, named after the process, and
// removes the folders of kpiscope processes that ended without removing
// theirs (killed, or their terminal closed).
func NewSnapshot() (*Snapshot, error) {
	removeStale()
	dir, err := privateDir()
	if err != nil {
		return nil, fmt.Errorf("make a snapshot folder for --watch: %w", err)
	}
	return &Snapshot{dir: dir, made: map[string]origin{}}, nil
}

// privateDir makes a folder for private copies of the user's files (mode
// 0700: the copies are the user's data), named after the process so that
// removeStale can tell when its owner is gone.
func privateDir() (string, error) {
	return os.MkdirTemp("", fmt.Sprintf("kpiscope-pin-%d-", os.Getpid()))
}

// removeStale removes the snapshot folders whose process is gone. A process
// that may be alive (or is another user's) keeps its folder.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "kpiscope-pin-*-*"))
	for _, d := range dirs {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), "kpiscope-pin-"), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if p, err := os.FindProcess(pid); err == nil {
			if err := p.Signal(syscall.Signal(0)); !errors.Is(err, os.ErrProcessDone) {
				continue // alive, or not ours to ask about
			}
		}
		_ = os.RemoveAll(d)
	}
}

// Dir is the snapshot's folder.
func (s *Snapshot) Dir() string { return s.dir }

// Remove deletes the snapshot's folder and its copies. The database reading
// them must be closed (or its views unpinned) first.
func (s *Snapshot) Remove() error { return os.RemoveAll(s.dir) }

// IsParquet reports whether t's files are Parquet, i.e. whether t is a view
// over them (a table reused from a --db file does not record its format).
func IsParquet(t Table) bool {
	if t.Format != "" {
		return t.Format == Parquet
	}
	f, err := formatOf(t.Files)
	return err == nil && f == Parquet && len(t.Files) > 0
}

// Pin copies the Parquet files t's view reads into the snapshot and points
// the view at the copies, which t.Pinned then lists. A file that from (the
// previous snapshot, may be nil) copied and that has not changed since (same
// file, size and modification time) is linked to that copy instead. Columns
// and row count are read again from the copies; a file that changed while it
// was copied, or whose columns are no longer those t was loaded with, is an
// error (the caller discards the workspace; the watcher reloads again on the
// change). CSV tables and tables already pinned are left alone.
func (s *Snapshot) Pin(ctx context.Context, db *store.DB, t *Table, from *Snapshot) error {
	if !IsParquet(*t) || len(t.Pinned) > 0 {
		return nil
	}
	copies := make([]string, len(t.Files))
	for i, f := range t.Files {
		copies[i] = filepath.Join(s.dir, fmt.Sprintf("%s.%d%s", t.Name, i, strings.ToLower(filepath.Ext(f))))
		o, err := from.link(f, copies[i])
		if err != nil {
			o, err = copyStable(f, copies[i])
		}
		if err != nil {
			removeAll(copies[:i+1])
			return err
		}
		s.mu.Lock()
		s.made[copies[i]] = o
		s.mu.Unlock()
	}
	fail := func(err error) error {
		_ = parquetView(context.Background(), db, t.Name, t.Files) // best effort: the copies go
		removeAll(copies)
		return err
	}
	if err := parquetView(ctx, db, t.Name, copies); err != nil {
		return fail(&Error{Path: t.Files[0], Msg: "not a readable Parquet file: " + store.WithoutSQL(err).Error(), Fix: "check that the file is complete"})
	}
	cols, err := db.Columns(ctx, t.Name)
	if err != nil {
		return fail(err)
	}
	if len(t.Columns) > 0 && !sameColumns(cols, t.Columns) {
		return fail(&Error{Path: t.Files[0], Msg: "changed while it was being loaded", Fix: "it is read again once it stops changing"})
	}
	rows, err := db.Query(ctx, "SELECT count(*) FROM "+store.QuoteIdent(t.Name))
	if err != nil {
		return fail(&Error{Path: t.Files[0], Msg: err.Error()})
	}
	t.Columns, t.Rows, t.Pinned = cols, store.Int(rows.Data[0][0]), copies
	return nil
}

// Unpin points t's view at t's own files again, e.g. before a --db file that
// outlives the snapshot is closed, or when a table is reused from one.
func Unpin(ctx context.Context, db *store.DB, t *Table) error {
	if !IsParquet(*t) {
		return nil
	}
	if err := parquetView(ctx, db, t.Name, t.Files); err != nil {
		return &Error{Path: t.Files[0], Msg: "not a readable Parquet file: " + store.WithoutSQL(err).Error(), Fix: "check that the file is complete"}
	}
	t.Pinned = nil
	return nil
}

// parquetView (re)creates the view of a Parquet table over files; loading
// and pinning share it, so a pinned view reads its copies exactly as the
// original view read the files.
func parquetView(ctx context.Context, db *store.DB, name string, files []string) error {
	return db.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM read_parquet(%s, union_by_name = true)",
		store.QuoteIdent(name), store.QuoteList(files)))
}

// link hard-links dst to s's copy of src when src is the same file, with the
// same size and modification time, as when that copy was made. Copies are
// never written, so two snapshots can share one; each removes only its name.
func (s *Snapshot) link(src, dst string) (origin, error) {
	if s == nil {
		return origin{}, os.ErrNotExist
	}
	now, err := os.Stat(src)
	if err != nil {
		return origin{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for c, o := range s.made {
		if o.path == src && os.SameFile(o.info, now) && o.info.Size() == now.Size() && o.info.ModTime().Equal(now.ModTime()) {
			return o, os.Link(c, dst)
		}
	}
	return origin{}, os.ErrNotExist
}

// copyStable copies src to dst (created read-only), and fails if src's size
// or modification time changed during the copy: the copy may then mix two
// versions. A file renamed over src meanwhile does not matter: the open file
// is the old one, unchanged.
func copyStable(src, dst string) (origin, error) {
	in, err := os.Open(src)
	if err != nil {
		return origin{}, &Error{Path: src, Msg: "cannot read: " + err.Error(), Fix: "check the file's permissions"}
	}
	defer in.Close()
	before, err := in.Stat()
	if err != nil {
		return origin{}, &Error{Path: src, Msg: "cannot read: " + err.Error()}
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o400)
	if err != nil {
		return origin{}, fmt.Errorf("snapshot %s: %w", src, err)
	}
	_, err = io.Copy(out, in) // copy_file_range between regular files
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return origin{}, fmt.Errorf("snapshot %s: %w", src, err)
	}
	after, err := in.Stat()
	if err != nil {
		return origin{}, &Error{Path: src, Msg: "cannot read: " + err.Error()}
	}
	if after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		return origin{}, &Error{Path: src, Msg: "changed while it was copied", Fix: "it is read again once it stops changing"}
	}
	return origin{path: src, info: before}, nil
}

func removeAll(files []string) {
	for _, f := range files {
		_ = os.Remove(f)
	}
}

func sameColumns(a, b []store.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
