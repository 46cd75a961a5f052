// Package watch reloads data when its files change on disk. It watches the
// directories that hold the sources (so editors that save by renaming a new
// file over the old one are seen), keeps only events for the sources' files
// and globs, waits for a burst of writes to settle and for the changed files
// to stop changing, then calls a reload function in the background. A reload
// that fails (a file half-written or unreadable) is reported and the watcher
// keeps going: the caller keeps its previous data until a reload succeeds.
package watch

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"kpiscope/internal/source"
	"kpiscope/internal/workspace"
)

// DefaultDebounce is how long writes must pause before a reload.
const DefaultDebounce = 300 * time.Millisecond

// DefaultSettle is how long the changed files must then keep the same size
// and modification time: an export written in pieces, with pauses longer
// than the debounce, is read once, complete, rather than once per piece.
const DefaultSettle = time.Second

// Event is the outcome of one reload.
type Event struct {
	// Changed lists the files whose changes led to the reload.
	Changed []string
	// Err is the reload's error (or a watching problem); nil when the new data
	// is in place. The caller's previous data stays in use when it is set.
	Err error
	// At is when the reload finished.
	At time.Time
}

// Watcher watches source files and reloads when they change.
type Watcher struct {
	fs       *fsnotify.Watcher
	files    map[string]bool // exact files
	globs    []string        // absolute glob patterns
	dirs     map[string]bool // directory sources: any data file inside, or one level down
	debounce time.Duration
	settle   time.Duration
	reload   func(ctx context.Context) error
	events   chan Event
	// after starts the debounce and settle waits (time.After); saw is told
	// of every file event as Run takes it, matched or not (nil: nobody).
	// Tests replace both to step through a burst without sleeping.
	after func(time.Duration) <-chan time.Time
	saw   func(path string)

	closeOnce sync.Once
	done      chan struct{}
}

// New watches paths (files, globs or directories, as given to kpiscope; a
// config file is a file) and calls reload, at most one at a time, after
// changes have paused for debounce (0 means DefaultDebounce). Nothing
// happens until Run.
func New(paths []string, debounce time.Duration, reload func(ctx context.Context) error) (*Watcher, error) {
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch files: %w", err)
	}
	w := &Watcher{fs: fw, files: map[string]bool{}, dirs: map[string]bool{}, debounce: debounce, settle: DefaultSettle, reload: reload,
		events: make(chan Event, 16), done: make(chan struct{}), after: time.After}
	watchDirs := map[string]bool{}
	for _, p := range paths {
		if p == "" {
			continue
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			fw.Close()
			return nil, err
		}
		switch st, err := os.Stat(abs); {
		case strings.ContainsAny(abs, "*?["):
			w.globs = append(w.globs, abs)
			parents, _ := filepath.Glob(filepath.Dir(abs))
			if !strings.ContainsAny(filepath.Dir(abs), "*?[") {
				parents = []string{filepath.Dir(abs)}
			}
			for _, d := range parents {
				watchDirs[d] = true
			}
		case err == nil && st.IsDir():
			w.dirs[abs] = true
			watchDirs[abs] = true
			entries, _ := os.ReadDir(abs)
			for _, e := range entries {
				if e.IsDir() {
					watchDirs[filepath.Join(abs, e.Name())] = true
				}
			}
		default: // a file, or one that does not exist yet
			w.files[abs] = true
			watchDirs[filepath.Dir(abs)] = true
		}
	}
	if len(watchDirs) == 0 {
		fw.Close()
		return nil, errors.New("watch files: nothing to watch")
	}
	for d := range watchDirs {
		if err := fw.Add(d); err != nil {
			fw.Close()
			return nil, fmt.Errorf("watch %s: %w", d, err)
		}
	}
	return w, nil
}

// SetSettle sets how long changed files must keep their size and
// modification time before a reload (0 means DefaultSettle). A file that
// appeared whole (renamed or linked into place, with no write after) is read
// without waiting. Call it before Run.
func (w *Watcher) SetSettle(d time.Duration) {
	if d <= 0 {
		d = DefaultSettle
	}
	w.settle = d
}

// Events delivers the outcome of every reload. It is buffered; when nobody
// reads, the oldest outcomes are dropped, never the newest.
func (w *Watcher) Events() <-chan Event { return w.events }

// Close stops watching; Run returns.
func (w *Watcher) Close() error {
	var err error
	w.closeOnce.Do(func() {
		close(w.done)
		err = w.fs.Close()
	})
	return err
}

// Run watches until ctx is done or Close is called. Reloads run on Run's
// goroutine with ctx, one at a time; changes made during a reload lead to
// another one after it.
//
// A reload waits for the writes to pause (the debounce), then for the
// changed files to keep their size and modification time over the settle
// interval, checked with stat: a writer pausing between pieces, or writes
// that raise no event, restart the wait. Files that appeared whole skip it.
func (w *Watcher) Run(ctx context.Context) error {
	defer w.Close()
	pending := map[string]bool{}
	whole := map[string]bool{}    // created with no write since: renamed into place
	var seen map[string]fileState // the changed files when the settle wait began
	var fire <-chan time.Time     // the latest wait; an earlier one is forgotten
	arm := func(d time.Duration) { fire = w.after(d) }
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.done:
			return nil
		case ev, ok := <-w.fs.Events:
			if !ok {
				return nil
			}
			if w.saw != nil {
				w.saw(ev.Name) // every earlier event has been handled
			}
			w.follow(ev)
			if !w.matches(ev.Name) || ev.Op == 0 {
				continue
			}
			pending[ev.Name] = true
			switch {
			case ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Write):
				whole[ev.Name] = true
			case ev.Has(fsnotify.Write), ev.Has(fsnotify.Remove), ev.Has(fsnotify.Rename):
				whole[ev.Name] = false
			}
			seen = nil
			arm(w.debounce)
		case err, ok := <-w.fs.Errors:
			if !ok {
				return nil
			}
			w.emit(Event{Err: fmt.Errorf("watching files: %w", err), At: time.Now()})
		case <-fire:
			fire = nil
			if !appearedWhole(pending, whole) {
				now := stat(pending)
				if seen == nil || !maps.Equal(seen, now) {
					seen = now // still changing, or not yet checked: wait again
					arm(w.settle)
					continue
				}
			}
			seen = nil
			clear(whole)
			changed := make([]string, 0, len(pending))
			for f := range pending {
				changed = append(changed, f)
			}
			sort.Strings(changed)
			clear(pending)
			err := w.reload(ctx)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				err = fmt.Errorf("reload after %s changed: %w; still showing the previous data", names(changed), err)
			}
			w.emit(Event{Changed: changed, Err: err, At: time.Now()})
		}
	}
}

// fileState is what stat says of a file: its size and modification time,
// or that it is missing or unreadable.
type fileState struct {
	size int64
	mod  int64 // UnixNano
	err  string
}

func stat(files map[string]bool) map[string]fileState {
	out := make(map[string]fileState, len(files))
	for f := range files {
		st, err := os.Stat(f)
		if err != nil {
			out[f] = fileState{err: err.Error()}
			continue
		}
		out[f] = fileState{size: st.Size(), mod: st.ModTime().UnixNano()}
	}
	return out
}

// appearedWhole reports whether every changed file was created (renamed or
// linked into place) and not written since, and is not empty: nothing is
// being written into it.
func appearedWhole(pending, whole map[string]bool) bool {
	for f := range pending {
		if !whole[f] {
			return false
		}
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			return false
		}
	}
	return len(pending) > 0
}

// follow adds a watch on a subdirectory created inside a watched directory
// source (a new partition).
func (w *Watcher) follow(ev fsnotify.Event) {
	if !ev.Has(fsnotify.Create) || !w.dirs[filepath.Dir(ev.Name)] {
		return
	}
	if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
		_ = w.fs.Add(ev.Name)
	}
}

var dataExt = map[string]bool{".csv": true, ".tsv": true, ".txt": true, ".parquet": true, ".pq": true}

// matches reports whether a changed path belongs to a source.
func (w *Watcher) matches(path string) bool {
	if w.files[path] {
		return true
	}
	for _, g := range w.globs {
		if ok, _ := filepath.Match(g, path); ok {
			return true
		}
	}
	if !dataExt[strings.ToLower(filepath.Ext(path))] {
		return false
	}
	dir := filepath.Dir(path)
	return w.dirs[dir] || w.dirs[filepath.Dir(dir)]
}

func (w *Watcher) emit(e Event) {
	for {
		select {
		case w.events <- e:
			return
		default:
			select {
			case <-w.events:
			default:
			}
		}
	}
}

func names(files []string) string {
	var b []string
	for _, f := range files {
		b = append(b, filepath.Base(f))
	}
	return strings.Join(b, ", ")
}

// Paths lists what to watch for a workspace: its config file, the config's
// sources as written (files, globs, directories), the command-line sources,
// and every file a table was read from. The built-in sample has none.
func Paths(ws *workspace.Workspace, sources []string) []string {
	if ws == nil || ws.Sample {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if ws.Config != nil {
		add(ws.Config.Path)
		for _, s := range ws.Config.Sources {
			add(s.Path)
		}
	}
	for _, s := range sources {
		add(source.ParseArg(s).Path)
	}
	for _, t := range ws.Tables {
		for _, f := range t.Files {
			add(f)
		}
	}
	return out
}
