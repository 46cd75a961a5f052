// Package kpi holds KPI definitions, the built-in catalog, the Slice that drives
// every query, the compiler from (definition × slice) to SQL, and target status.
// It knows nothing of terminals or styles.
package kpi

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"kpiscope/internal/schema"
)

// Type says how a KPI's value is computed from its aggregated components.
type Type string

// The KPI types.
const (
	// Ratio is scale × numerator / denominator, both aggregate expressions.
	Ratio Type = "ratio"
	// Formula evaluates Expr over named aggregate Inputs.
	Formula Type = "formula"
	// Cohort is a formula over the source crossed with one row per period, so
	// inputs can refer to period_start and period_end (customers active at the
	// start, churned within the period, and so on).
	Cohort Type = "cohort"
	// Composite evaluates Expr over other KPIs' values or components at the same
	// grain, segment and period (CLV, CAC, retention cost).
	Composite Type = "composite"
)

// Polarity says which direction is good.
type Polarity string

// Polarities.
const (
	Higher Polarity = "higher"
	Lower  Polarity = "lower"
)

// Def is one KPI definition.
type Def struct {
	ID          string
	Name        string
	Short       string // a short label for narrow screens
	Description string // one line: what is counted, over what
	Source      string // table name; for Composite, empty
	Type        Type
	Numerator   string            // Ratio
	Denominator string            // Ratio
	Inputs      map[string]string // Formula/Cohort: name → aggregate; Composite: name → "kpi" or "kpi.input"
	Expr        string            // Formula/Cohort/Composite
	N           string            // sample-size expression (aggregate; Composite: reference); default denominator / input "n"
	Where       string            // optional row filter applied before aggregation
	Extras      map[string]string // extra aggregates shown beside the value (median, p90)
	// PeriodCols (Cohort) are columns computed once per period from
	// period_start and period_end, which the inputs and extras may read as
	// they read those: a value that depends on the period alone (the
	// business time elapsed to its end on each calendar) is then not
	// computed again on every row of the period.
	PeriodCols map[string]string
	// RowCols (Cohort) are columns computed once per row and period, after
	// PeriodCols, which the inputs and extras may read: an expression they
	// would repeat (a ticket's age at the period's end, in each age bucket)
	// is then computed once.
	RowCols   map[string]string
	Scale     float64
	Unit      string
	Decimals  int
	Better    Polarity
	Time      string // time column; "" = no time axis
	MinSample int
	Target    *Target
	Hidden    bool // a helper for composites, not shown in the scorecard
	// MinGrain is the finest grain the data is recorded at (spend by month):
	// finer grains, and a period not yet over, give no value.
	MinGrain Grain
	Builtin  bool
	// BuiltinID is the catalog id the definition was bound from (its own ID
	// may differ, renamed with id:); "" for custom definitions.
	BuiltinID string
	// Roles maps a built-in's column roles to the columns they were bound to
	// (the time role left out when time: replaces the built-in's time axis
	// and the formula does not read it).
	Roles map[string]string
	// Origin says where the definition came from, for error messages ("kpiscope.yaml:14").
	Origin string
	// WhereOrigin says where its where: was written, for a syntax error in it
	// ("kpiscope.yaml:19"); "" = Origin.
	WhereOrigin string
	// Interval is the kind of 95% interval the value has (interval: in
	// kpiscope.yaml); "" = the catalog's or the formula's (IntervalKind).
	Interval IntervalKind
	// Benchmark is an outside reference value shown beside the target.
	Benchmark *Benchmark
}

// Target is the goal for a KPI. Green on the good side of Value, amber up to
// Warn, red beyond. Without Warn there is no amber band.
type Target struct {
	Value float64
	Warn  *float64
	// Grain, when set, is the period the target is stated for. Rates in %
	// (Compound) are converted to other grains; other targets apply only at
	// that grain.
	Grain     Grain
	Compound  bool
	Overrides []Override
}

// Override replaces the target for a segment value, from a date on, or both.
type Override struct {
	When  map[string]string
	From  time.Time
	Value float64
	Warn  *float64
}

// HasTime reports whether the KPI has a time axis.
func (d *Def) HasTime() bool { return d.Time != "" }

// Label is the display name.
func (d *Def) Label() string {
	if d.Name != "" {
		return d.Name
	}
	return d.ID
}

// ShortLabel is the name for narrow screens.
func (d *Def) ShortLabel() string {
	if d.Short != "" {
		return d.Short
	}
	return d.Label()
}

// MinN is the low-sample threshold (default 30).
func (d *Def) MinN() int {
	if d.MinSample > 0 {
		return d.MinSample
	}
	return 30
}

// InputNames returns the input names in a stable order.
func (d *Def) InputNames() []string {
	names := make([]string, 0, len(d.Inputs))
	for k := range d.Inputs {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// ExtraNames returns the extra names in a stable order.
func (d *Def) ExtraNames() []string {
	names := make([]string, 0, len(d.Extras))
	for k := range d.Extras {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Validate checks a definition on its own (column checks happen against the data).
func (d *Def) Validate() error {
	if d.ID == "" {
		return fmt.Errorf("a KPI has no id")
	}
	if !schema.IsPlainName(d.ID) {
		return fmt.Errorf("KPI id %q: use letters, digits and _ only", d.ID)
	}
	switch d.Type {
	case Ratio:
		if d.Numerator == "" || d.Denominator == "" {
			return fmt.Errorf("KPI %s: a ratio needs numerator and denominator", d.ID)
		}
	case Formula, Cohort, Composite:
		if len(d.Inputs) == 0 || d.Expr == "" {
			return fmt.Errorf("KPI %s: a %s needs inputs and expr", d.ID, d.Type)
		}
		for k := range d.Inputs {
			if !schema.IsPlainName(k) {
				return fmt.Errorf("KPI %s: input name %q: use letters, digits and _ only", d.ID, k)
			}
		}
	case "":
		return fmt.Errorf("KPI %s: type is missing (ratio, formula, cohort or composite)", d.ID)
	default:
		return fmt.Errorf("KPI %s: unknown type %q (use ratio, formula, cohort or composite)", d.ID, d.Type)
	}
	if d.Type == Composite && d.Where != "" {
		return fmt.Errorf("KPI %s: where: does not apply to a composite (it reads other KPIs, not rows); put where: on the KPIs it combines", d.ID)
	}
	if d.Type != Composite && d.Source == "" {
		return fmt.Errorf("KPI %s: source is missing", d.ID)
	}
	if d.Type == Cohort && d.Time == "" {
		return fmt.Errorf("KPI %s: a cohort KPI needs periods; set time to the column its periods follow", d.ID)
	}
	switch d.Better {
	case Higher, Lower:
	case "":
		return fmt.Errorf("KPI %s: better is missing (higher or lower)", d.ID)
	default:
		return fmt.Errorf("KPI %s: better must be higher or lower, not %q", d.ID, d.Better)
	}
	if t := d.Target; t != nil && t.Warn != nil {
		if d.Better == Higher && *t.Warn > t.Value || d.Better == Lower && *t.Warn < t.Value {
			return fmt.Errorf("KPI %s: target warn %v is on the good side of value %v", d.ID, *t.Warn, t.Value)
		}
	}
	return nil
}

// Components lists the aggregate components a Ratio/Formula/Cohort KPI needs, name → expression.
func (d *Def) Components() map[string]string {
	out := map[string]string{}
	switch d.Type {
	case Ratio:
		out["num"] = d.Numerator
		out["den"] = d.Denominator
	case Formula, Cohort:
		for k, v := range d.Inputs {
			out[k] = v
		}
	}
	if d.N != "" && d.Type != Composite && !d.nIsInput() {
		out["_n"] = d.N
	}
	if ss, rows, ok := d.meanParts(); ok { // a mean's interval (stats.go)
		out[compSumSq] = ss
		if rows != "" {
			out[compRows] = rows
		}
	}
	return out
}

// nComponent names the component giving n, or "".
func (d *Def) nComponent() string {
	if d.nIsInput() {
		return d.N
	}
	if d.N != "" {
		return "_n"
	}
	switch d.Type {
	case Ratio:
		return "den"
	case Formula, Cohort:
		if _, ok := d.Inputs["n"]; ok {
			return "n"
		}
	}
	return ""
}

func (d *Def) nIsInput() bool {
	if d.Type == Composite || d.N == "" {
		return false
	}
	_, ok := d.Inputs[d.N]
	return ok
}

// valueExpr is the SQL expression over component columns giving the value.
func (d *Def) valueExpr(col func(string) string) string {
	switch d.Type {
	case Ratio:
		scale := d.Scale
		if scale == 0 {
			scale = 1
		}
		return fmt.Sprintf("(%v * (%s)::DOUBLE / NULLIF((%s)::DOUBLE, 0))", formatFloat(scale), col("num"), col("den"))
	default:
		return "(" + substituteNames(d.Expr, append(d.InputNames(), "periods_per_year"), col) + ")"
	}
}

func formatFloat(f float64) string {
	s := fmt.Sprintf("%g", f)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// substituteNames replaces whole-word input names in expr with col(name).
func substituteNames(expr string, names []string, col func(string) string) string {
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	var b strings.Builder
	i := 0
	for i < len(expr) {
		c := expr[i]
		if c == '\'' || c == '"' { // copy quoted text untouched
			j := i + 1
			for j < len(expr) {
				if expr[j] == c {
					if j+1 < len(expr) && expr[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(expr) {
				j = len(expr) - 1
			}
			b.WriteString(expr[i : j+1])
			i = j + 1
			continue
		}
		if isWordStart(c) {
			j := i
			for j < len(expr) && isWordChar(expr[j]) {
				j++
			}
			w := expr[i:j]
			if set[w] && !(j < len(expr) && expr[j] == '(') && !(i > 0 && expr[i-1] == '.') {
				b.WriteString(col(w))
			} else {
				b.WriteString(w)
			}
			i = j
			continue
		}
		if c >= '0' && c <= '9' { // numbers like 1e5 are not names
			j := i
			for j < len(expr) && (isWordChar(expr[j]) || expr[j] == '.') {
				j++
			}
			b.WriteString(expr[i:j])
			i = j
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func isWordStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isWordChar(c byte) bool  { return isWordStart(c) || c >= '0' && c <= '9' }
