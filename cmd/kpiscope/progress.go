package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// openStatus is the one line a command shows on the terminal while it opens
// its data, before anything else is on screen: at 100M tickets a first start
// spends a minute computing every ticket's business hours, which would
// otherwise be a blank terminal. It is drawn on stderr, a step at most five
// times a second, only once opening has taken more than quietFor, and erased when
// opening ends.
type openStatus struct {
	w     io.Writer
	began time.Time
	mu    sync.Mutex
	drawn time.Time
	shown bool
	step  string // the step drawn last: a new one is drawn at once
	ended bool
}

// quietFor is how long opening runs before its status line appears, so
// that small data opens without a flicker.
const quietFor = 300 * time.Millisecond

func newOpenStatus(w io.Writer) *openStatus { return &openStatus{w: w, began: time.Now()} }

// progress is workspace.Options.Progress: a step of opening and how much of
// it is done (0–1, or -1 when not known).
func (s *openStatus) progress(step string, done float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if s.ended || now.Sub(s.began) < quietFor || step == s.step && now.Sub(s.drawn) < 200*time.Millisecond {
		return
	}
	s.drawn, s.shown, s.step = now, true, step
	fmt.Fprint(s.w, "\r\x1b[2K"+statusLine(step, done, now.Sub(s.began)))
}

// end erases the line; later calls draw nothing.
func (s *openStatus) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shown {
		fmt.Fprint(s.w, "\r\x1b[2K")
	}
	s.ended = true
}

func statusLine(step string, done float64, took time.Duration) string {
	line := "kpiscope: " + step + "…"
	if done >= 0 {
		line += fmt.Sprintf(" %d%%", int(min(done, 1)*100))
	}
	return line + fmt.Sprintf(" (%ds)", int(took.Seconds()))
}
