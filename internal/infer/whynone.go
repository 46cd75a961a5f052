package infer

import (
	"fmt"
	"strings"

	"kpiscope/internal/cmdline"
)

// WhyNone says, in one sentence, why the tables give no KPI: what the
// columns ruled out (rows that are not customers, no creation time), the
// KPIs that were inferred but left out, and what the closest built-ins
// still need. "" when there are KPIs, or nothing came close (NothingFits).
func (in *Inference) WhyNone() string {
	if len(in.KPIs) > 0 {
		return ""
	}
	var parts []string
	for _, t := range in.Tables {
		for _, n := range t.Notes {
			n = strings.TrimSuffix(n, ".")
			if len(in.Tables) > 1 {
				n = t.Name + ": " + n
			}
			parts = append(parts, n)
		}
	}
	for _, d := range in.Dropped {
		parts = append(parts, fmt.Sprintf("%s was left out: %v", d.KPI.Key(), d.Err))
	}
	for _, s := range in.Skipped {
		parts = append(parts, s.String())
	}
	if len(parts) > 0 {
		return strings.Join(parts, "; ")
	}
	// Nothing ruled out: the built-ins that found some of their columns
	// came closest.
	var near []string
	for _, m := range in.Missing {
		if len(m.Has) > 0 && len(m.Needs) > 0 {
			near = append(near, m.ID+" "+strings.ReplaceAll(m.Reason(), "; ", ", "))
		}
	}
	if len(near) > 3 {
		near = append(near[:3], cmdline.Count(len(near)-3, "more built-in")+" short of columns too")
	}
	return strings.Join(append(parts, near...), "; ")
}

// NothingFits is why no KPI comes from files none of whose columns a KPI
// reads, where WhyNone has nothing more particular to say.
const NothingFits = "no column is a score, a duration, a yes/no flag, an amount with its date, or a date a built-in KPI reads"
