package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// The status line while data opens: nothing in the first moments (small
// data opens without a flicker), then the step with its share done and the
// seconds so far, redrawn in place, a step at most five times a second, erased at
// the end and silent after.
func TestOpenStatus(t *testing.T) {
	var b bytes.Buffer
	s := newOpenStatus(&b)
	s.progress("reading tickets.parquet", -1)
	if b.Len() != 0 {
		t.Fatalf("drawn before %v: %q", quietFor, b.String())
	}
	s.began = time.Now().Add(-12 * time.Second)
	s.progress("business hours of tickets", 0.414)
	want := "\r\x1b[2Kkpiscope: business hours of tickets… 41% (12s)"
	if b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
	s.progress("business hours of tickets", 0.5) // within 200 ms of the last
	if b.String() != want {
		t.Fatalf("redrawn within 200 ms: %q", b.String())
	}
	s.progress("reading the data's time ranges", -1) // a new step: at once
	if got := b.String()[len(want):]; got != "\r\x1b[2Kkpiscope: reading the data's time ranges… (12s)" {
		t.Fatalf("next step: %q", got)
	}
	n := b.Len()
	s.end()
	if got := b.String()[n:]; got != "\r\x1b[2K" {
		t.Fatalf("end: %q", got)
	}
	s.drawn = time.Time{}
	s.progress("late", 1)
	if strings.Contains(b.String(), "late") {
		t.Fatalf("drawn after the end: %q", b.String())
	}
	// Nothing drawn, nothing erased.
	var quiet bytes.Buffer
	q := newOpenStatus(&quiet)
	q.progress("reading x.csv", -1)
	q.end()
	if quiet.Len() != 0 {
		t.Fatalf("a quick open wrote %q", quiet.String())
	}
}
