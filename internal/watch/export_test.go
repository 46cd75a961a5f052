package watch

import "time"

// SetTestHooks replaces the watcher's waits and observes its file events
// (see Watcher.after and Watcher.saw). Call it before Run.
func SetTestHooks(w *Watcher, after func(time.Duration) <-chan time.Time, saw func(path string)) {
	w.after, w.saw = after, saw
}
