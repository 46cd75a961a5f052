package tui

import (
	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
)

// Text from outside (KPI names and descriptions from the configuration,
// column and segment names from the files, errors that quote them, the
// data's label, file paths) is cleaned of control characters once, where
// it enters the explorer, by the functions in this file: the engine, its
// results and errors in setEngine and queries (shown beside the raw
// scorecard), the Deps and the messages from outside in New and Update.
// The panes draw what they are given and clean nothing. What goes back to
// the engine (filter values, dimension names) stays as in the data.

// clean is report.Clean: a control character becomes report.Placeholder.
func clean(s string) string { return report.Clean(s) }

// cleanLine is an error's message on one line (runs of white space, line
// breaks included, become one space), cleaned.
func cleanLine(err error) string { return clean(report.OneLine(err)) }

// cleanError is an error whose message was cleaned; errors.Is and As still
// see the original.
type cleanError struct {
	msg string
	err error
}

func (e cleanError) Error() string { return e.msg }
func (e cleanError) Unwrap() error { return e.err }

// cleanErr cleans an error's message; nil stays nil.
func cleanErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if c := clean(msg); c != msg {
		return cleanError{msg: c, err: err}
	}
	return err
}

// cleanLineErr is cleanErr on one line (the footer and the list's message).
func cleanLineErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if c := cleanLine(err); c != msg {
		return cleanError{msg: c, err: err}
	}
	return err
}

func isClean(s string) bool { return clean(s) == s }

func cleanKeys[V any](m map[string]V) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[clean(k)] = v
	}
	return out
}

func keysClean[V any](m map[string]V) bool {
	for k := range m {
		if !isClean(k) {
			return false
		}
	}
	return true
}

// cleanDef is the definition as the screen shows it: the same pointer when
// nothing in it needs cleaning, else a copy (the engine's is shared by every
// session) with the same ID, so queries still name it.
func cleanDef(d *kpi.Def) *kpi.Def {
	if d == nil || (isClean(d.Label()) && isClean(d.Short) && isClean(d.Description) && isClean(d.Unit) &&
		isClean(d.Origin) && keysClean(d.Extras) && (d.Benchmark == nil || isClean(d.Benchmark.Label) && isClean(d.Benchmark.Source))) {
		return d
	}
	c := *d
	c.Name, c.Short, c.Description, c.Unit, c.Origin = clean(d.Label()), clean(d.Short), clean(d.Description), clean(d.Unit), clean(d.Origin)
	c.Extras = cleanKeys(d.Extras)
	if b := d.Benchmark; b != nil {
		c.Benchmark = &kpi.Benchmark{Value: b.Value, Label: clean(b.Label), Source: clean(b.Source)}
	}
	return &c
}

func cleanDefs(defs []*kpi.Def) []*kpi.Def {
	out := make([]*kpi.Def, len(defs))
	for i, d := range defs {
		out[i] = cleanDef(d)
	}
	return out
}

// cleanWarnings copies the data-quality notes with their text cleaned; the
// keys are KPI ids, looked up as they are.
func cleanWarnings(w map[string][]string) map[string][]string {
	if w == nil {
		return nil
	}
	out := make(map[string][]string, len(w))
	for id, notes := range w {
		if len(notes) == 0 { // a KPI without findings is not a warning
			continue
		}
		c := make([]string, len(notes))
		for i, n := range notes {
			c[i] = clean(n)
		}
		out[id] = c
	}
	return out
}

func rowClean(r kpi.Row) bool {
	return isClean(r.Segment) && isClean(r.CompareTo) && keysClean(r.Extras)
}

func cleanRow(r kpi.Row) kpi.Row {
	if rowClean(r) {
		return r
	}
	r.Segment, r.CompareTo = clean(r.Segment), clean(r.CompareTo)
	r.Extras = cleanKeys(r.Extras)
	return r
}

func errClean(err error) bool { return err == nil || isClean(err.Error()) }

func resultClean(r *kpi.Result) bool {
	if !rowClean(r.Total) || !errClean(r.Err) || !errClean(r.SegmentErr) || !errClean(r.ExtrasErr) {
		return false
	}
	for _, s := range r.Segments {
		if !rowClean(s) {
			return false
		}
	}
	return true
}

// cleanScorecard is the scorecard as the screen shows it: the same pointer
// when nothing in it needs cleaning (the usual case), else a copy with the
// segment names, comparison labels, extras' names and errors cleaned and
// everything in the same order, so row i of a breakdown is row i of the
// raw scorecard (a drill filters by the raw value).
func cleanScorecard(sc *kpi.Scorecard) *kpi.Scorecard {
	if sc == nil {
		return nil
	}
	dirty := false
	for i := range sc.Results {
		if !resultClean(&sc.Results[i]) {
			dirty = true
			break
		}
	}
	if !dirty {
		return sc
	}
	c := *sc
	c.Results = make([]kpi.Result, len(sc.Results))
	for i, r := range sc.Results {
		r.Total = cleanRow(r.Total)
		if r.Segments != nil {
			segs := make([]kpi.Row, len(r.Segments))
			for j, s := range r.Segments {
				segs[j] = cleanRow(s)
			}
			r.Segments = segs
		}
		r.Err, r.SegmentErr, r.ExtrasErr = cleanErr(r.Err), cleanErr(r.SegmentErr), cleanErr(r.ExtrasErr)
		c.Results[i] = r
	}
	return &c
}

// dimNames maps each dimension to its name as shown.
func dimNames(dims []kpi.Dimension) map[string]string {
	out := make(map[string]string, len(dims))
	for _, d := range dims {
		out[d.Name] = clean(d.Name)
	}
	return out
}
