package kpi

import (
	"fmt"
	"strconv"
	"strings"
)

// A KPI component is an SQL aggregate expression. Rollups store it as atoms:
// the aggregate calls inside it, each computed per day and segment, which
// merge exactly into any coarser grain (counts and sums add up, minima and
// maxima take the least and greatest) or, for quantiles, into a mergeable
// sketch. The expression around the calls is kept as a template and applied
// to the merged atoms, so a ratio is always a ratio of sums.

type atomKind int

const (
	atomCount atomKind = iota
	atomSum
	atomSumSq // Σx², kept beside every sum for intervals
	atomMin
	atomMax
	atomQuantile // approximate, from a log-bucket sketch
)

// atom is one aggregate call.
type atom struct {
	kind   atomKind
	arg    string  // the argument ("*" for count(*))
	filter string  // the FILTER condition, "" for none
	q      float64 // the quantile, for atomQuantile
}

func (a atom) key() string {
	return fmt.Sprintf("%d\x00%s\x00%s\x00%g", a.kind, a.arg, a.filter, a.q)
}

// buildSQL is the aggregate that computes the atom over raw rows.
func (a atom) buildSQL() string {
	f := ""
	if a.filter != "" {
		f = " FILTER (WHERE " + a.filter + ")"
	}
	switch a.kind {
	case atomCount:
		return "count(" + a.arg + ")" + f
	case atomSum:
		return "sum(" + a.arg + ")" + f
	case atomSumSq:
		return "sum(CAST((" + a.arg + ") AS DOUBLE) * CAST((" + a.arg + ") AS DOUBLE))" + f
	case atomMin:
		return "min(" + a.arg + ")" + f
	case atomMax:
		return "max(" + a.arg + ")" + f
	}
	return ""
}

// mergeSQL is the aggregate that merges the stored atoms in column col.
func (a atom) mergeSQL(col string) string {
	switch a.kind {
	case atomCount:
		return "coalesce(sum(" + col + "), 0)" // no rows counts 0, as count does
	case atomMin:
		return "min(" + col + ")"
	case atomMax:
		return "max(" + col + ")"
	}
	return "sum(" + col + ")"
}

// template is an expression with its aggregate calls replaced by
// placeholders \x00N\x00 referring to atoms.
type template struct {
	text  string
	atoms []atom
}

// render substitutes each placeholder with ref(atom).
func (t template) render(ref func(atom) string) string {
	var b strings.Builder
	s := t.text
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i+1:], 0)
		n, _ := strconv.Atoi(s[i+1 : i+1+j])
		b.WriteString(ref(t.atoms[n]))
		s = s[i+1+j+1:]
	}
}

var aggNames = map[string]bool{"count": true, "sum": true, "avg": true, "mean": true, "min": true, "max": true, "median": true, "quantile_cont": true, "count_star": true}

// otherAggregates are DuckDB's other aggregate (and window) functions
// (duckdb_functions(), DuckDB 1.5): an expression calling one does not merge
// from a rollup and reads the raw rows.
var otherAggregates = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`any_value approx_count_distinct approx_quantile approx_top_k arbitrary
		arg_max arg_max_null arg_max_nulls_last arg_min arg_min_null arg_min_nulls_last argmax argmin array_agg
		bit_and bit_or bit_xor bitstring_agg bool_and bool_or corr count_if countif covar_pop covar_samp
		cume_dist dense_rank entropy favg fill first first_value fsum group_concat histogram histogram_exact
		kahan_sum kurtosis kurtosis_pop lag last last_value lead list listagg mad max_by min_by mode nth_value
		ntile percent_rank product quantile quantile_disc rank rank_dense regr_avgx regr_avgy regr_count
		regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy reservoir_quantile row_number sem
		skewness stddev stddev_pop stddev_samp string_agg sum_no_overflow sumkahan var_pop var_samp variance`) {
		otherAggregates[n] = true
	}
}

// parseTemplate splits an aggregate expression into atoms. ok is false when
// it holds an aggregate that does not merge (DISTINCT, lists, discrete
// quantiles, window functions …); such a KPI reads the raw rows. Whatever
// remains outside the calls is checked by the database binder before use.
func parseTemplate(expr string) (t template, ok bool) {
	var b strings.Builder
	add := func(a atom) {
		fmt.Fprintf(&b, "\x00%d\x00", len(t.atoms))
		t.atoms = append(t.atoms, a)
	}
	i := 0
	for i < len(expr) {
		c := expr[i]
		if c == '\'' || c == '"' {
			j := skipQuoted(expr, i)
			b.WriteString(expr[i:j])
			i = j
			continue
		}
		if c == 0 {
			return t, false
		}
		if !isWordStart(c) {
			b.WriteByte(c)
			i++
			continue
		}
		j := i
		for j < len(expr) && isWordChar(expr[j]) {
			j++
		}
		word := expr[i:j]
		k := skipSpace(expr, j)
		name := strings.ToLower(word)
		if name == "over" || name == "within" || name == "select" {
			return t, false // window functions, ordered sets and subqueries do not merge
		}
		if k < len(expr) && expr[k] == '(' && otherAggregates[name] && !(i > 0 && expr[i-1] == '.') {
			return t, false
		}
		if k >= len(expr) || expr[k] != '(' || !aggNames[name] || i > 0 && expr[i-1] == '.' {
			b.WriteString(word)
			i = j
			continue
		}
		end := matchParen(expr, k)
		if end < 0 {
			return t, false
		}
		args := strings.TrimSpace(expr[k+1 : end])
		next := end + 1
		filter := ""
		if f := skipSpace(expr, next); hasWordAt(expr, f, "filter") {
			p := skipSpace(expr, f+len("filter"))
			if p >= len(expr) || expr[p] != '(' {
				return t, false
			}
			fe := matchParen(expr, p)
			if fe < 0 {
				return t, false
			}
			filter = strings.TrimSpace(expr[p+1 : fe])
			if !hasWordAt(filter, 0, "where") {
				return t, false
			}
			filter = strings.TrimSpace(filter[len("where"):])
			next = fe + 1
		}
		if hasWordAt(expr, skipSpace(expr, next), "over") {
			return t, false
		}
		if hasWordAt(args, 0, "distinct") || strings.Contains(strings.ToLower(args), "order by") {
			return t, false
		}
		if hasWordAt(args, 0, "all") {
			args = strings.TrimSpace(args[3:])
		}
		switch name {
		case "count", "count_star":
			if args == "" {
				args = "*"
			}
			add(atom{kind: atomCount, arg: args, filter: filter})
		case "sum":
			if x, ok := sumSqArg(args); ok { // atomSumSq's own SQL
				add(atom{kind: atomSumSq, arg: x, filter: filter})
				break
			}
			add(atom{kind: atomSum, arg: args, filter: filter})
		case "min":
			add(atom{kind: atomMin, arg: args, filter: filter})
		case "max":
			add(atom{kind: atomMax, arg: args, filter: filter})
		case "avg", "mean":
			b.WriteString("(CAST(")
			add(atom{kind: atomSum, arg: args, filter: filter})
			b.WriteString(" AS DOUBLE) / NULLIF(")
			add(atom{kind: atomCount, arg: args, filter: filter})
			b.WriteString(", 0))")
		case "median", "quantile_cont":
			x, q := args, 0.5
			if name == "quantile_cont" {
				parts := splitTopLevel(args)
				if len(parts) != 2 {
					return t, false
				}
				v, err := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
				if err != nil || v < 0 || v > 1 {
					return t, false // a list of quantiles or an expression
				}
				x, q = strings.TrimSpace(parts[0]), v
			} else if len(splitTopLevel(args)) != 1 {
				return t, false
			}
			add(atom{kind: atomQuantile, arg: x, filter: filter, q: q})
		}
		if len(t.atoms) > 0 && t.atoms[len(t.atoms)-1].arg == "" {
			return t, false
		}
		i = next
	}
	t.text = b.String()
	return t, len(t.atoms) > 0
}

// sumSqArg recognises the argument atomSumSq's buildSQL writes,
// "CAST((x) AS DOUBLE) * CAST((x) AS DOUBLE)", returning x: a mean's sum of
// squares (Def.Components) then merges from the rollup's column.
func sumSqArg(args string) (string, bool) {
	const pre, post, times = "CAST((", ") AS DOUBLE)", " * "
	if len(args) < 2*len(pre+post)+len(times) || (len(args)-len(times))%2 != 0 {
		return "", false
	}
	half := (len(args) - len(times)) / 2
	one := args[:half]
	if args[half:half+len(times)] != times || args[half+len(times):] != one ||
		!strings.HasPrefix(one, pre) || !strings.HasSuffix(one, post) {
		return "", false
	}
	x := one[len(pre) : len(one)-len(post)]
	if x == "" || matchParen("("+x+")", 0) != len(x)+1 {
		return "", false
	}
	return x, true
}

func skipQuoted(s string, i int) int {
	q := s[i]
	j := i + 1
	for j < len(s) {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j += 2
				continue
			}
			return j + 1
		}
		j++
	}
	return len(s)
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// hasWordAt reports whether s holds the word w (any case) at i.
func hasWordAt(s string, i int, w string) bool {
	if i < 0 || i+len(w) > len(s) || !strings.EqualFold(s[i:i+len(w)], w) {
		return false
	}
	return i+len(w) == len(s) || !isWordChar(s[i+len(w)])
}

// matchParen returns the index of the parenthesis closing the one at i, or -1.
func matchParen(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\'', '"':
			j = skipQuoted(s, j) - 1
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// splitTopLevel splits a call's arguments at commas outside parentheses,
// brackets and quotes.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case '\'', '"':
			j = skipQuoted(s, j) - 1
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:j])
				start = j + 1
			}
		}
	}
	return append(out, s[start:])
}
