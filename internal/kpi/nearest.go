package kpi

import (
	"sort"
	"strings"
)

// Nearest returns up to n candidates closest to name (case-insensitive edit
// distance, substrings first), for "did you mean" hints.
func Nearest(name string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	l := strings.ToLower(name)
	var out []scored
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := levenshtein(l, lc)
		if lc == l {
			d = 0
		} else if strings.Contains(lc, l) || strings.Contains(l, lc) {
			d = min(d, 1+abs(len(lc)-len(l))/4)
		}
		if d <= max(2, len(l)/2) {
			out = append(out, scored{c, d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].d < out[j].d })
	var res []string
	for i := 0; i < len(out) && i < n; i++ {
		res = append(res, out[i].s)
	}
	return res
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
