package schema

import "fmt"

// Scale is a closed range of whole-number answers.
type Scale struct{ Min, Max int }

// The standard survey scales.
var (
	Scale5  = Scale{1, 5}
	Scale7  = Scale{1, 7}
	Scale10 = Scale{0, 10}
)

func (s Scale) String() string { return fmt.Sprintf("%d–%d", s.Min, s.Max) }

// ValueCount is a value and how many rows hold it.
type ValueCount struct {
	Value string
	Rows  int64
}

// DetectScale picks the survey scale that holds at least 98% of a column's
// values (its most frequent values with their rows; with none known, its
// range lo … hi), preferring the one its name words suggest; out-of-scale
// stragglers are left for the data-quality check to report.
func DetectScale(toks []string, values []ValueCount, lo, hi float64) (Scale, bool) {
	if lo < 0 {
		return Scale{}, false
	}
	var prefer []Scale
	switch {
	case HasStem(toks, "recommend", "nps", "likel", "promot"):
		prefer = []Scale{Scale10}
	case HasStem(toks, "effort", "ces", "easy", "ease"):
		prefer = []Scale{Scale7, Scale5}
	case HasStem(toks, "satisf", "csat"):
		prefer = []Scale{Scale5}
	}
	for _, s := range append(prefer, Scale5, Scale7, Scale10) {
		if ShareWithin(values, lo, hi, s) >= 0.98 {
			return s, true
		}
	}
	return Scale{}, false
}

// ShareWithin is the share of a column's answers (its counted values, or
// with none its range lo … hi) on the scale s.
func ShareWithin(values []ValueCount, lo, hi float64, s Scale) float64 {
	if len(values) == 0 {
		if lo >= float64(s.Min) && hi <= float64(s.Max) {
			return 1
		}
		return 0
	}
	var in, all int64
	for _, v := range values {
		var f float64
		if _, err := fmt.Sscan(v.Value, &f); err != nil {
			continue
		}
		all += v.Rows
		if f >= float64(s.Min) && f <= float64(s.Max) {
			in += v.Rows
		}
	}
	if all == 0 {
		return 0
	}
	return float64(in) / float64(all)
}
